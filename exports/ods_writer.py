"""ODS in the official layout, from the same :class:`~exports.sheet_plan.SheetPlan` as XLSX: the
same widths, row heights, letterhead, signature and page breaks; A4 at the plan's scale, the table
centred on the page, header rows repeated, panes frozen under the header, «Trang 3/390» in the
footer of a sheet of several pages.

The package is written here as XML text, streamed row by row into a zip built in memory (nothing
touches the disk): ``mimetype`` first and stored, then the manifest, ``styles.xml`` (page layouts
and master pages), ``content.xml`` (the cell, row, column and number styles, then the tables),
``settings.xml`` (frozen panes) and ``meta.xml``. Every style is named once and cells refer to it
by name, so a province's 120,000 rows never become 1.5 million element objects (odfpy, which
wrote these files before, is still what reads ODS in: :mod:`exports.ods_reader`).

Text is always a string cell (``=SUM(…)`` typed by a clerk stays those characters), escaped for
XML, runs of spaces and tabs kept (``<text:s>``, ``<text:tab>``), one paragraph per line;
characters XML cannot hold become U+FFFD (:func:`exports.cells.xml_text`).
"""

from __future__ import annotations

import datetime as dt
import io
import re
import time
import zipfile
from collections.abc import Iterator, Sequence
from typing import Any

from models import text

from . import print_layout as pl
from .cells import NUMERIC, sheet_title, xml_text
from .cells import cell_value as _cell_value
from .layout import Column, Pack, Report
from .sheet_plan import RULE_SIZE, Line, Rule, SheetPlan, Style, plan
from .xlsx_writer import FONT, as_reports, forget_measures

_H = {"left": "start", "center": "center", "right": "end"}
_V = {"top": "top", "center": "middle", "bottom": "bottom"}
CM_PER_IN = 2.54
MIMETYPE = "application/vnd.oasis.opendocument.spreadsheet"
_NS = ('xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" '
       'xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0" '
       'xmlns:meta="urn:oasis:names:tc:opendocument:xmlns:meta:1.0" '
       'xmlns:number="urn:oasis:names:tc:opendocument:xmlns:datastyle:1.0" '
       'xmlns:style="urn:oasis:names:tc:opendocument:xmlns:style:1.0" '
       'xmlns:fo="urn:oasis:names:tc:opendocument:xmlns:xsl-fo-compatible:1.0" '
       'xmlns:table="urn:oasis:names:tc:opendocument:xmlns:table:1.0" '
       'xmlns:config="urn:oasis:names:tc:opendocument:xmlns:config:1.0" '
       'xmlns:ooo="http://openoffice.org/2004/office" '
       'xmlns:manifest="urn:oasis:names:tc:opendocument:xmlns:manifest:1.0" '
       'office:version="1.2"')
_DECL = "<?xml version='1.0' encoding='UTF-8'?>\n"
_FONT = f'style:font-name="{FONT}" fo:font-family="{FONT}"'
_UNDERLINE = ' style:text-underline-style="solid" style:text-underline-width="auto" style:text-underline-color="font-color"'
_COVERED = "<table:covered-table-cell/>"
_NUMBER_STYLES = {
    "num": '<number:number-style style:name="N0" number:language="vi" number:country="VN"><number:number '
           'number:decimal-places="0" number:min-integer-digits="1" number:grouping="true"/></number:number-style>',
    "year": '<number:number-style style:name="N0Y"><number:number number:decimal-places="0" '
            'number:min-integer-digits="1"/></number:number-style>',
    "pct1": '<number:number-style style:name="N1" number:language="vi" number:country="VN"><number:number '
            'number:decimal-places="1" number:min-integer-digits="1" number:grouping="true"/></number:number-style>',
    "date": '<number:date-style style:name="D0"><number:day number:style="long"/><number:text>/</number:text>'
            '<number:month number:style="long"/><number:text>/</number:text><number:year number:style="long"/>'
            '</number:date-style>',
    "text": '<number:text-style style:name="T0"><number:text-content/></number:text-style>',
}
_FORMATS = {"num": "N0", "year": "N0Y", "pct1": "N1", "date": "D0", "text": "T0"}
_CHUNK = 1 << 20  # characters of content.xml handed to the compressor at a time


# ---------------------------------------------------------------------------
# XML text
# ---------------------------------------------------------------------------
def esc(s: str) -> str:
    """``s`` escaped for XML character data."""
    if "&" in s:
        s = s.replace("&", "&amp;")
    if "<" in s:
        s = s.replace("<", "&lt;")
    if ">" in s:
        s = s.replace(">", "&gt;")
    return s


def attr(s: str) -> str:
    """``s`` escaped for a double-quoted XML attribute."""
    return esc(xml_text(s)).replace('"', "&quot;").replace("\n", "&#10;").replace("\r", "&#13;").replace("\t", "&#9;")


_RUN = re.compile("  +")


def _spaces(m: re.Match) -> str:
    return f' <text:s text:c="{len(m.group()) - 1}"/>'


def _ws(line: str) -> str:
    """Runs of spaces and tabs of an escaped line, kept as ODF has them («Số:        /BC-UBND»)."""
    if "  " in line:
        line = _RUN.sub(_spaces, line)
    if "\t" in line:
        line = line.replace("\t", "<text:tab/>")
    return line


def paragraphs(value: str) -> str:
    """Text as paragraphs, one per line; runs of spaces kept."""
    v = esc(xml_text(value))
    if "\n" in v:
        return "".join(f"<text:p>{_ws(line)}</text:p>" for line in v.split("\n"))
    if "  " in v or "\t" in v:
        v = _ws(v)
    return f"<text:p>{v}</text:p>"


def cell(value: Any, kind: str, style: str | None, span: int = 1, rspan: int = 1) -> str:
    """One ``table:table-cell``: text as text (never a formula), numbers and dates as values with
    the text they show, an empty cell keeping its style (borders) and spans."""
    a = f' table:style-name="{style}"' if style else ""
    if span > 1:
        a += f' table:number-columns-spanned="{span}"'
    if rspan > 1:
        a += f' table:number-rows-spanned="{rspan}"'
    if value is None or value == "":
        return f"<table:table-cell{a}/>"
    if isinstance(value, bool):
        value = "có" if value else "không"
    if kind in ("phone", "id") or isinstance(value, str):
        return f'<table:table-cell office:value-type="string"{a}>{paragraphs(str(value))}</table:table-cell>'
    if isinstance(value, dt.datetime):
        value = value.date()
    if isinstance(value, dt.date):
        return (f'<table:table-cell office:value-type="date" office:date-value="{value.isoformat()}"{a}>'
                f"<text:p>{text.format_date(value)}</text:p></table:table-cell>")
    if kind == "year":
        shown = str(value)
    elif kind == "pct1" or (isinstance(value, float) and value != int(value)):
        shown = text.format_decimal(value, 1)
    else:
        shown = text.format_int(value)
    return (f'<table:table-cell office:value-type="float" office:value="{value}"{a}>'
            f"<text:p>{esc(shown)}</text:p></table:table-cell>")


# ---------------------------------------------------------------------------
# Styles, each written once and named
# ---------------------------------------------------------------------------
class _OdsStyles:
    def __init__(self):
        self.auto: list[str] = []  # content.xml's automatic styles
        self.pages: list[str] = []  # styles.xml's automatic styles (page layouts, the footer's paragraph)
        self.masters: list[str] = []
        self.formats: set[str] = set()
        self._cache: dict[tuple, str] = {}

    def _named(self, key: tuple, prefix: str, build) -> str:
        name = self._cache.get(key)
        if name is None:
            name = self._cache[key] = f"{prefix}{sum(1 for k in self._cache if k[0] == key[0]) + 1}"
            build(name)
        return name

    def table_style(self, landscape: bool, scale: int, footer: bool) -> str:
        """The table's style, naming a master page: A4, the scale, centred, with a footer or not."""
        def build(name: str) -> None:
            i = name[2:]
            w, h = ("29.7cm", "21cm") if landscape else ("21cm", "29.7cm")
            tb = f"{pl.MARGIN_TB * CM_PER_IN:.3f}cm"
            lr = f"{pl.MARGIN_LR * CM_PER_IN:.3f}cm"
            bottom = f"{pl.FOOTER_MARGIN * CM_PER_IN:.3f}cm" if footer else tb
            foot = (f'<style:footer-style><style:header-footer-properties fo:min-height='
                    f'"{(pl.MARGIN_TB - pl.FOOTER_MARGIN) * CM_PER_IN:.3f}cm" fo:margin-top="0.2cm"/>'
                    "</style:footer-style>") if footer else ""
            self.pages.append(
                f'<style:page-layout style:name="pm{i}"><style:page-layout-properties fo:page-width="{w}" '
                f'fo:page-height="{h}" style:print-orientation="{"landscape" if landscape else "portrait"}" '
                f'fo:margin-top="{tb}" fo:margin-bottom="{bottom}" fo:margin-left="{lr}" fo:margin-right="{lr}" '
                f'style:scale-to="{scale}%" style:table-centering="horizontal"/>{foot}</style:page-layout>')
            if footer and not any('"PFooter"' in s for s in self.pages):
                self.pages.append(f'<style:style style:name="PFooter" style:family="paragraph"><style:paragraph-'
                                  f'properties fo:text-align="center"/><style:text-properties {_FONT} '
                                  'fo:font-size="10pt"/></style:style>')
            body = ('<style:footer><text:p text:style-name="PFooter">Trang <text:page-number text:select-page='
                    '"current"/>/<text:page-count/></text:p></style:footer>') if footer else ""
            self.masters.append(f'<style:master-page style:name="Trang{i}" style:page-layout-name="pm{i}">{body}'
                                "</style:master-page>")
            self.auto.append(f'<style:style style:name="{name}" style:family="table" '
                             f'style:master-page-name="Trang{i}"/>')

        return self._named(("table", landscape, scale, footer), "ta", build)

    def text_style(self, size: float, underline: bool = False) -> str:
        return self._named(("text", size, underline), "tx", lambda name: self.auto.append(
            f'<style:style style:name="{name}" style:family="text"><style:text-properties {_FONT} '
            f'fo:font-size="{size}pt"{_UNDERLINE if underline else ""}/></style:style>'))

    def cell(self, *, size=12, bold=False, italic=False, underline=False, h="start", wrap=True, border=False,
             fmt: str | None = None, v="middle") -> str:
        def build(name: str) -> None:
            data = ""
            if fmt:
                self.formats.add(fmt)
                data = f' style:data-style-name="{_FORMATS[fmt]}"'
            tp = (f'fo:font-size="{size}pt"' + (' fo:font-weight="bold"' if bold else "")
                  + (' fo:font-style="italic"' if italic else "") + (_UNDERLINE if underline else ""))
            cp = (f'style:vertical-align="{v}"' + (' fo:wrap-option="wrap"' if wrap else "")
                  + (' fo:border="0.5pt solid #000000"' if border else ""))
            self.auto.append(f'<style:style style:name="{name}" style:family="table-cell"{data}>'
                             f"<style:text-properties {_FONT} {tp}/><style:table-cell-properties {cp}/>"
                             f'<style:paragraph-properties fo:text-align="{h}"/></style:style>')

        return self._named(("cell", size, bold, italic, underline, h, wrap, border, fmt, v), "ce", build)

    def of(self, st: Style) -> str:
        return self.cell(size=st.size, bold=st.bold, italic=st.italic, underline=st.underline, h=_H[st.h],
                         wrap=st.wrap, v=_V[st.v])

    def column(self, width: float) -> str:
        return self._named(("col", width), "co", lambda name: self.auto.append(
            f'<style:style style:name="{name}" style:family="table-column"><style:table-column-properties '
            f'style:column-width="{width * pl.LO_PT_PER_UNIT:.2f}pt"/></style:style>'))

    def row(self, height_pt: float | None, page_break: bool = False) -> str:
        height = height_pt or pl.DEFAULT_ROW_PT
        return self._named(("row", height, page_break), "ro", lambda name: self.auto.append(
            f'<style:style style:name="{name}" style:family="table-row"><style:table-row-properties '
            f'style:row-height="{height}pt" style:use-optimal-row-height="false"'
            f'{" fo:break-before=" + chr(34) + "page" + chr(34) if page_break else ""}/></style:style>'))

    def number_styles(self) -> str:
        return "".join(_NUMBER_STYLES[f] for f in _NUMBER_STYLES if f in self.formats)


def _col_style(st: _OdsStyles, c: Column, bold: bool = False) -> str:
    k = c.kind
    if k in ("int", "money"):
        return st.cell(size=11, bold=bold, h="center" if c.title == "Stt" else "end", border=True, fmt="num",
                       wrap=False)
    if k in ("year", "pct"):
        return st.cell(size=11, bold=bold, h="center", border=True, fmt="year", wrap=False)
    if k == "pct1":
        return st.cell(size=11, bold=bold, h="center", border=True, fmt="pct1", wrap=False)
    if k == "date":
        return st.cell(size=11, bold=bold, h="center", border=True, fmt="date", wrap=False)
    if k in ("phone", "id"):
        return st.cell(size=11, bold=bold, h="center", border=True, fmt="text", wrap=False)
    return st.cell(size=11, bold=bold, border=True)


# ---------------------------------------------------------------------------
# Rows
# ---------------------------------------------------------------------------
def _rule_cell(st: _OdsStyles, rule: Rule, style: str, span: int) -> str:
    """The rule line under the issuing body (underlined non-breaking spaces), then «Số: …» under it."""
    a = f' table:number-columns-spanned="{span}"' if span > 1 else ""
    out = (f'<table:table-cell office:value-type="string" table:style-name="{style}"{a}><text:p>'
           f'<text:span text:style-name="{st.text_style(RULE_SIZE, underline=True)}">{esc(rule.spaces)}'
           "</text:span></text:p>")
    if rule.below:
        below = _ws(esc(xml_text(rule.below))).replace("\n", "<text:line-break/>")
        out += f'<text:p><text:span text:style-name="{st.text_style(rule.below_size)}">{below}</text:span></text:p>'
    return out + "</table:table-cell>"


def _line_row(st: _OdsStyles, ln: Line, n: int, page_break: bool) -> str:
    out = [f'<table:table-row table:style-name="{st.row(ln.height, page_break)}">']
    col = 0
    for pc in sorted(ln.pieces, key=lambda x: x.col):
        while col < pc.col:
            out.append("<table:table-cell/>")
            col += 1
        if isinstance(pc.value, Rule):
            out.append(_rule_cell(st, pc.value, st.of(pc.style), pc.span))
        else:
            out.append(cell(pc.value, "text", st.of(pc.style), pc.span))
        out.append(_COVERED * (pc.span - 1))
        col += pc.span
    if col < n:  # a row holds a cell for every column (an empty row is not valid ODF)
        out.append(f'<table:table-cell table:number-columns-repeated="{n - col}"/>' if n - col > 1
                   else "<table:table-cell/>")
    out.append("</table:table-row>")
    return "".join(out)


def _header(st: _OdsStyles, p: SheetPlan, breaks: set[int]) -> str:
    """The table's header rows (merged where columns are grouped), repeated on every page."""
    report = p.report
    head_style = st.cell(size=11, bold=True, h="center", border=True)
    merges = {(r1, c1): (r2 - r1 + 1, c2 - c1 + 1) for r1, c1, r2, c2 in report.header_merges()}
    covered = {(r, c) for (r1, c1), (rs, cs) in merges.items()
               for r in range(r1, r1 + rs) for c in range(c1, c1 + cs) if (r, c) != (r1, c1)}
    out = ["<table:table-header-rows>"]
    for ri, hr in enumerate(report.header_rows):
        out.append(f'<table:table-row table:style-name="{st.row(p.header_heights[ri], len(p.top) + ri in breaks)}">')
        for ci, v in enumerate(hr):
            if (ri, ci) in covered:
                out.append(_COVERED)
                continue
            rs, cs = merges.get((ri, ci), (1, 1))
            out.append(cell(v or None, "text", head_style, cs, rs))
        out.append("</table:table-row>")
    out.append("</table:table-header-rows>")
    return "".join(out)


def _data_styles(st: _OdsStyles, p: SheetPlan, breaks: set[int]) -> tuple[list[str], list[str], list[str | None]]:
    """Every style the table's rows use, named before content.xml is written: (the columns', the
    total row's, the one of a label in a numeric column)."""
    report, cols = p.report, p.report.columns
    first = len(p.top) + len(p.header_heights)
    for i, h in enumerate(p.data_heights):
        st.row(h, first + i in breaks)
    styles = [_col_style(st, c) for c in cols]
    totals = [_col_style(st, c, True) for c in cols] if report.total is not None else []
    labels: list[str | None] = [None] * len(cols)
    for j, c in enumerate(cols):
        if c.kind in NUMERIC:
            labels[j] = st.cell(size=11, bold=False, h="center", border=True)
            if report.total is not None:
                st.cell(size=11, bold=True, h="center", border=True)
    return styles, totals, labels


def _data_rows(st: _OdsStyles, p: SheetPlan, breaks: set[int]) -> Iterator[str]:
    """The table's rows and its total, one string a row (styles named by :func:`_data_styles`)."""
    report, cols = p.report, p.report.columns
    first = len(p.top) + len(p.header_heights)
    styles, totals, labels = _data_styles(st, p, breaks)
    kinds = [c.kind for c in cols]
    heights, row = p.data_heights, st.row
    for i, data in enumerate(report.rows):
        parts = [f'<table:table-row table:style-name="{row(heights[i], first + i in breaks)}">']
        for c, k, v, s, label in zip(cols, kinds, data, styles, labels, strict=False):
            # a label in a numeric column («chưa có số hộ») wraps like text
            parts.append(cell(_cell_value(c, v), k, label if label is not None and isinstance(v, str) else s))
        parts.append("</table:table-row>")
        yield "".join(parts)
    if report.total is not None:
        i = len(report.rows)
        parts = [f'<table:table-row table:style-name="{row(heights[i], first + i in breaks)}">']
        for c, v, s in zip(cols, report.total, totals, strict=False):
            if isinstance(v, str) and c.kind in NUMERIC:  # a label in a numeric column wraps like text
                s = st.cell(size=11, bold=True, h="center", border=True)
            parts.append(cell(_cell_value(c, v), c.kind, s))
        parts.append("</table:table-row>")
        yield "".join(parts)


class _Sheet:
    """One table: its plan, and the parts around its rows written (they name their styles)."""

    def __init__(self, st: _OdsStyles, report: Report, title: str):
        self.st, self.p = st, plan(report)
        p, n = self.p, len(self.p.widths)
        self.breaks = set(p.pages.breaks)
        style = st.table_style(p.landscape, p.scale, p.pages.pages > 1)
        self.head = (f'<table:table table:name="{attr(title)}" table:style-name="{style}">'
                     + "".join(f'<table:table-column table:style-name="{st.column(w)}"/>' for w in p.widths)
                     + "".join(_line_row(st, ln, n, i in self.breaks) for i, ln in enumerate(p.top))
                     + _header(st, p, self.breaks))
        start = len(p.top) + len(p.header_heights) + len(p.data_heights)
        self.tail = "".join(_line_row(st, ln, n, start + i in self.breaks) for i, ln in enumerate(p.bottom)) \
            + "</table:table>"
        _data_styles(st, p, self.breaks)

    def parts(self) -> Iterator[str]:
        yield self.head
        yield from _data_rows(self.st, self.p, self.breaks)
        yield self.tail


# ---------------------------------------------------------------------------
# The package
# ---------------------------------------------------------------------------
def _settings(frozen: list[tuple[str, int]]) -> str:
    """Freeze each table's rows above its first data row (LibreOffice's view settings)."""
    def item(name: str, typ: str, value: Any) -> str:
        return f'<config:config-item config:name="{name}" config:type="{typ}">{esc(str(value))}</config:config-item>'

    tables = []
    for name, row in frozen:
        tables.append(f'<config:config-item-map-entry config:name="{attr(name)}">' + "".join(
            item(key, typ, val) for key, typ, val in (
                ("HorizontalSplitMode", "short", 0), ("VerticalSplitMode", "short", 2),
                ("HorizontalSplitPosition", "int", 0), ("VerticalSplitPosition", "int", row),
                ("ActiveSplitRange", "short", 2), ("PositionLeft", "int", 0), ("PositionRight", "int", 0),
                ("PositionTop", "int", 0), ("PositionBottom", "int", row)))
            + "</config:config-item-map-entry>")
    active = item("ActiveTable", "string", xml_text(frozen[0][0])) if frozen else ""
    return (f"{_DECL}<office:document-settings {_NS}><office:settings>"
            '<config:config-item-set config:name="ooo:view-settings"><config:config-item-map-indexed '
            f'config:name="Views"><config:config-item-map-entry>{item("ViewId", "string", "view1")}'
            f'<config:config-item-map-named config:name="Tables">{"".join(tables)}</config:config-item-map-named>'
            f"{active}</config:config-item-map-entry></config:config-item-map-indexed></config:config-item-set>"
            "</office:settings></office:document-settings>")


_MANIFEST = (f'{_DECL}<manifest:manifest xmlns:manifest="urn:oasis:names:tc:opendocument:xmlns:manifest:1.0" '
             'manifest:version="1.2">'
             f'<manifest:file-entry manifest:full-path="/" manifest:version="1.2" manifest:media-type="{MIMETYPE}"/>'
             + "".join(f'<manifest:file-entry manifest:full-path="{f}" manifest:media-type="text/xml"/>'
                       for f in ("content.xml", "styles.xml", "settings.xml", "meta.xml"))
             + "</manifest:manifest>")
_META = (f"{_DECL}<office:document-meta {_NS}><office:meta><meta:generator>Sổ Tổ CNSCĐ</meta:generator>"
         "</office:meta></office:document-meta>")


def _styles_xml(st: _OdsStyles) -> str:
    return (f"{_DECL}<office:document-styles {_NS}><office:styles/><office:automatic-styles>{''.join(st.pages)}"
            f"</office:automatic-styles><office:master-styles>{''.join(st.masters)}</office:master-styles>"
            "</office:document-styles>")


def _write_content(w, st: _OdsStyles, sheets: list[_Sheet]) -> None:
    """content.xml into the zip's stream ``w``, a megabyte of text at a time."""
    w.write((f"{_DECL}<office:document-content {_NS}><office:automatic-styles>{st.number_styles()}"
             f"{''.join(st.auto)}</office:automatic-styles><office:body><office:spreadsheet>").encode())
    buf: list[str] = []
    size = 0
    for sh in sheets:
        for part in sh.parts():
            buf.append(part)
            size += len(part)
            if size >= _CHUNK:
                w.write("".join(buf).encode())
                buf.clear()
                size = 0
    buf.append("</office:spreadsheet></office:body></office:document-content>")
    w.write("".join(buf).encode())


def ods_bytes(obj: Report | Pack | Sequence[Report]) -> bytes:
    """The .ods file of ``obj`` (one table per report), built in memory."""
    buf = io.BytesIO()
    ods_to(obj, buf)
    return buf.getvalue()


def ods_to(obj: Report | Pack | Sequence[Report], out) -> None:
    """:func:`ods_bytes`, the zip written to ``out`` (a binary file open for writing, seekable;
    ``writers.write_ods`` gives it the hidden file in the destination, so the finished file is
    not also held in memory)."""
    st = _OdsStyles()
    used: set[str] = set()
    sheets, frozen = [], []
    for r in as_reports(obj):
        title = sheet_title(r.sheet_name or r.title, used)
        sh = _Sheet(st, r, title)
        forget_measures()
        sheets.append(sh)
        frozen.append((title, sh.p.data_first - 1))
    stamp = time.localtime()[:6]

    def info(name: str, method: int = zipfile.ZIP_DEFLATED) -> zipfile.ZipInfo:
        zi = zipfile.ZipInfo(name, stamp)
        zi.compress_type = method
        zi.external_attr = 0o600 << 16
        return zi

    cells = sum(len(sh.p.data_heights) * len(sh.p.widths) for sh in sheets)
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr(info("mimetype", zipfile.ZIP_STORED), MIMETYPE)  # first, stored: how a reader knows it
        zf.writestr(info("META-INF/manifest.xml"), _MANIFEST)
        with zf.open(info("content.xml"), "w", force_zip64=cells > 5_000_000) as w:
            _write_content(w, st, sheets)
        zf.writestr(info("styles.xml"), _styles_xml(st))
        zf.writestr(info("settings.xml"), _settings(frozen))
        zf.writestr(info("meta.xml"), _META)
