"""The odfpy ODS writer that exports/ods_writer.py replaced (as of commit 48defd0, verbatim but for this
docstring and absolute imports), kept only as the oracle of tests/test_ods_writer.py: the streamed writer
must produce the same cells, spans, widths, heights and styles as this one did."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

from exports import print_layout as pl
from exports.cells import NUMERIC, sheet_title, xml_text
from exports.cells import cell_value as _cell_value
from exports.layout import Column, Pack, Report
from exports.sheet_plan import RULE_SIZE, Line, Rule, SheetPlan, Style, plan
from exports.xlsx_writer import FONT, as_reports
from models import text

_H = {"left": "start", "center": "center", "right": "end"}
_V = {"top": "top", "center": "middle", "bottom": "bottom"}
CM_PER_IN = 2.54


class _OdsStyles:
    def __init__(self, doc):
        from odf import number as N
        from odf import style as S

        self.doc, self.S = doc, S
        self._cache: dict[tuple, Any] = {}
        self._cols: dict[float, Any] = {}
        self._rows: dict[tuple, Any] = {}
        self._texts: dict[tuple, Any] = {}
        self._masters: dict[tuple, Any] = {}
        ns = N.NumberStyle(name="N0", language="vi", country="VN")
        ns.addElement(N.Number(decimalplaces="0", minintegerdigits="1", grouping="true"))
        doc.automaticstyles.addElement(ns)
        ny = N.NumberStyle(name="N0Y")
        ny.addElement(N.Number(decimalplaces="0", minintegerdigits="1"))
        doc.automaticstyles.addElement(ny)
        n1 = N.NumberStyle(name="N1", language="vi", country="VN")
        n1.addElement(N.Number(decimalplaces="1", minintegerdigits="1", grouping="true"))
        doc.automaticstyles.addElement(n1)
        ds = N.DateStyle(name="D0")
        for el in (N.Day(style="long"), N.Text(text="/"), N.Month(style="long"), N.Text(text="/"),
                   N.Year(style="long")):
            ds.addElement(el)
        doc.automaticstyles.addElement(ds)
        tx = N.TextStyle(name="T0")
        tx.addElement(N.TextContent())
        doc.automaticstyles.addElement(tx)
        self.formats = {"num": "N0", "year": "N0Y", "pct1": "N1", "date": "D0", "text": "T0"}

    def table_style(self, landscape: bool, scale: int, footer: bool):
        """The table's style, naming a master page: A4, the scale, centred, with a footer or not."""
        key = (landscape, scale, footer)
        got = self._masters.get(key)
        if got is not None:
            return got
        from odf.namespaces import STYLENS
        from odf.text import P, PageCount, PageNumber

        S, i = self.S, len(self._masters) + 1
        w, h = ("29.7cm", "21cm") if landscape else ("21cm", "29.7cm")
        tb = f"{pl.MARGIN_TB * CM_PER_IN:.3f}cm"
        foot_margin = f"{pl.FOOTER_MARGIN * CM_PER_IN:.3f}cm"
        foot_h = f"{(pl.MARGIN_TB - pl.FOOTER_MARGIN) * CM_PER_IN:.3f}cm"
        layout = S.PageLayout(name=f"pm{i}")
        props = S.PageLayoutProperties(pagewidth=w, pageheight=h, printorientation="landscape" if landscape else "portrait",
                                       margintop=tb, marginbottom=foot_margin if footer else tb,
                                       marginleft=f"{pl.MARGIN_LR * CM_PER_IN:.3f}cm",
                                       marginright=f"{pl.MARGIN_LR * CM_PER_IN:.3f}cm")
        props.setAttrNS(STYLENS, "scale-to", f"{scale}%")  # the plan's scale: its page breaks hold
        props.setAttrNS(STYLENS, "table-centering", "horizontal")
        layout.addElement(props)
        if footer:
            fs = S.FooterStyle()
            fs.addElement(S.HeaderFooterProperties(minheight=foot_h, margintop="0.2cm"))
            layout.addElement(fs)
        self.doc.automaticstyles.addElement(layout)
        master = S.MasterPage(name=f"Trang{i}", pagelayoutname=layout)
        if footer:
            f = S.Footer()
            p = P(stylename=self._footer_paragraph())
            p.addText("Trang ")
            p.addElement(PageNumber(selectpage="current"))
            p.addText("/")
            p.addElement(PageCount())
            f.addElement(p)
            master.addElement(f)
        self.doc.masterstyles.addElement(master)
        st = S.Style(name=f"ta{i}", family="table", masterpagename=master.getAttribute("name"))
        self.doc.automaticstyles.addElement(st)
        self._masters[key] = st
        return st

    def _footer_paragraph(self):
        st = getattr(self, "_footer_p", None)
        if st is None:
            st = self._footer_p = self.S.Style(name="PFooter", family="paragraph")
            st.addElement(self.S.ParagraphProperties(textalign="center"))
            st.addElement(self.S.TextProperties(fontname=FONT, fontfamily=FONT, fontsize="10pt"))
            self.doc.automaticstyles.addElement(st)
        return st

    def text_style(self, size: float, underline: bool = False):
        key = (size, underline)
        s = self._texts.get(key)
        if s is None:
            s = self.S.Style(name=f"tx{len(self._texts) + 1}", family="text")
            tp = {"fontname": FONT, "fontfamily": FONT, "fontsize": f"{size}pt"}
            if underline:
                tp.update(textunderlinestyle="solid", textunderlinewidth="auto", textunderlinecolor="font-color")
            s.addElement(self.S.TextProperties(**tp))
            self.doc.automaticstyles.addElement(s)
            self._texts[key] = s
        return s

    def cell(self, *, size=12, bold=False, italic=False, underline=False, h="start", wrap=True, border=False,
             fmt: str | None = None, v="middle"):
        key = (size, bold, italic, underline, h, wrap, border, fmt, v)
        s = self._cache.get(key)
        if s is None:
            kw = {"name": f"ce{len(self._cache) + 1}", "family": "table-cell"}
            if fmt:
                kw["datastylename"] = self.formats[fmt]
            s = self.S.Style(**kw)
            tp = {"fontname": FONT, "fontfamily": FONT, "fontsize": f"{size}pt"}
            if bold:
                tp["fontweight"] = "bold"
            if italic:
                tp["fontstyle"] = "italic"
            if underline:
                tp.update(textunderlinestyle="solid", textunderlinewidth="auto", textunderlinecolor="font-color")
            s.addElement(self.S.TextProperties(**tp))
            cp = {"verticalalign": v}
            if wrap:
                cp["wrapoption"] = "wrap"
            if border:
                cp["border"] = "0.5pt solid #000000"
            s.addElement(self.S.TableCellProperties(**cp))
            s.addElement(self.S.ParagraphProperties(textalign=h))
            self.doc.automaticstyles.addElement(s)
            self._cache[key] = s
        return s

    def of(self, st: Style):
        return self.cell(size=st.size, bold=st.bold, italic=st.italic, underline=st.underline, h=_H[st.h],
                         wrap=st.wrap, v=_V[st.v])

    def column(self, width: float):
        s = self._cols.get(width)
        if s is None:
            s = self.S.Style(name=f"co{len(self._cols) + 1}", family="table-column")
            s.addElement(self.S.TableColumnProperties(columnwidth=f"{width * pl.LO_PT_PER_UNIT:.2f}pt"))
            self.doc.automaticstyles.addElement(s)
            self._cols[width] = s
        return s

    def row(self, height_pt: float | None, page_break: bool = False):
        key = (height_pt or pl.DEFAULT_ROW_PT, page_break)
        s = self._rows.get(key)
        if s is None:
            s = self.S.Style(name=f"ro{len(self._rows) + 1}", family="table-row")
            kw = {"rowheight": f"{key[0]}pt", "useoptimalrowheight": "false"}
            if page_break:
                kw["breakbefore"] = "page"
            s.addElement(self.S.TableRowProperties(**kw))
            self.doc.automaticstyles.addElement(s)
            self._rows[key] = s
        return s


def _paragraphs(cell, value: str) -> None:
    """Text as paragraphs, one per line; runs of spaces kept («Số:        /BC-UBND»)."""
    from odf import teletype
    from odf.text import P

    for line in xml_text(value).split("\n"):
        p = P(check_grammar=False)
        if "  " in line or "\t" in line:
            teletype.addTextToElement(p, line)
        else:
            p.addText(line, check_grammar=False)
        cell.addElement(p, check_grammar=False)


def _ods_cell(value: Any, kind: str, style, span: int = 1, rspan: int = 1):
    from odf.table import TableCell
    from odf.text import P

    kw: dict[str, Any] = {"stylename": style, "check_grammar": False}  # attributes are fixed; checking is slow
    if span > 1:
        kw["numbercolumnsspanned"] = span
    if rspan > 1:
        kw["numberrowsspanned"] = rspan
    if value is None or value == "":
        return TableCell(**kw)
    if isinstance(value, bool):
        value = "có" if value else "không"
    if kind in ("phone", "id") or isinstance(value, str):
        c = TableCell(valuetype="string", **kw)  # text is text: never a formula
        _paragraphs(c, str(value))
        return c
    if isinstance(value, dt.datetime):
        value = value.date()
    if isinstance(value, dt.date):
        c = TableCell(valuetype="date", datevalue=value.isoformat(), **kw)
        c.addElement(P(text=text.format_date(value), check_grammar=False), check_grammar=False)
        return c
    if kind == "year":
        shown = str(value)
    elif kind == "pct1" or (isinstance(value, float) and value != int(value)):
        shown = text.format_decimal(value, 1)
    else:
        shown = text.format_int(value)
    c = TableCell(valuetype="float", value=value, **kw)
    c.addElement(P(text=shown, check_grammar=False), check_grammar=False)
    return c


def _rule_cell(st: _OdsStyles, rule: Rule, style, span: int):
    """The rule line under the issuing body (underlined non-breaking spaces), then «Số: …» under it."""
    from odf import teletype
    from odf.table import TableCell
    from odf.text import P, Span

    kw: dict[str, Any] = {"valuetype": "string", "stylename": style}
    if span > 1:
        kw["numbercolumnsspanned"] = span
    c = TableCell(**kw)
    p = P()
    p.addElement(Span(stylename=st.text_style(RULE_SIZE, underline=True), text=rule.spaces))
    c.addElement(p)
    if rule.below:
        p2 = P()
        sp = Span(stylename=st.text_style(rule.below_size))
        teletype.addTextToElement(sp, rule.below)
        p2.addElement(sp)
        c.addElement(p2)
    return c


def _line_row(st: _OdsStyles, ln: Line, n: int, page_break: bool):
    from odf.table import CoveredTableCell, TableCell, TableRow

    tr = TableRow(stylename=st.row(ln.height, page_break))
    col = 0
    for pc in sorted(ln.pieces, key=lambda x: x.col):
        while col < pc.col:
            tr.addElement(TableCell())
            col += 1
        if isinstance(pc.value, Rule):
            tr.addElement(_rule_cell(st, pc.value, st.of(pc.style), pc.span))
        else:
            tr.addElement(_ods_cell(pc.value, "text", st.of(pc.style), pc.span))
        for _ in range(pc.span - 1):
            tr.addElement(CoveredTableCell())
        col += pc.span
    if col < n:  # a row holds a cell for every column (an empty row is not valid ODF)
        tr.addElement(TableCell(numbercolumnsrepeated=n - col) if n - col > 1 else TableCell())
    return tr


def _ods_header(st: _OdsStyles, p: SheetPlan, breaks: set[int]):
    """The table's header rows (merged where columns are grouped), repeated on every page."""
    from odf.table import CoveredTableCell, TableHeaderRows, TableRow

    report = p.report
    head_style = st.cell(size=11, bold=True, h="center", border=True)
    merges = {(r1, c1): (r2 - r1 + 1, c2 - c1 + 1) for r1, c1, r2, c2 in report.header_merges()}
    covered = {(r, c) for (r1, c1), (rs, cs) in merges.items()
               for r in range(r1, r1 + rs) for c in range(c1, c1 + cs) if (r, c) != (r1, c1)}
    hr_el = TableHeaderRows()
    for ri, hr in enumerate(report.header_rows):
        tr = TableRow(stylename=st.row(p.header_heights[ri], len(p.top) + ri in breaks))
        for ci, v in enumerate(hr):
            if (ri, ci) in covered:
                tr.addElement(CoveredTableCell())
                continue
            rs, cs = merges.get((ri, ci), (1, 1))
            tr.addElement(_ods_cell(v or None, "text", head_style, cs, rs))
        hr_el.addElement(tr)
    return hr_el


def _ods_col_style(st: _OdsStyles, c: Column, bold: bool = False):
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


def _ods_data(table, st: _OdsStyles, p: SheetPlan, breaks: set[int]) -> None:
    from odf.table import TableRow

    report, cols = p.report, p.report.columns
    first = len(p.top) + len(p.header_heights)
    styles = [_ods_col_style(st, c) for c in cols]
    lines = list(report.rows) + ([report.total] if report.total is not None else [])
    for i, data in enumerate(lines):
        total = report.total is not None and i == len(lines) - 1
        tr = TableRow(stylename=st.row(p.data_heights[i], first + i in breaks), check_grammar=False)
        for c, v, s in zip(cols, data, styles, strict=False):
            style = _ods_col_style(st, c, True) if total else s
            if isinstance(v, str) and c.kind in NUMERIC:  # a label in a numeric column wraps like text
                style = st.cell(size=11, bold=total, h="center", border=True)
            tr.addElement(_ods_cell(_cell_value(c, v), c.kind, style), check_grammar=False)
        table.addElement(tr, check_grammar=False)


def _ods_sheet(doc, st: _OdsStyles, report: Report, title: str) -> SheetPlan:
    from odf.table import Table, TableColumn

    p = plan(report)
    n = len(p.widths)
    breaks = set(p.pages.breaks)
    table = Table(name=title, stylename=st.table_style(p.landscape, p.scale, p.pages.pages > 1))
    for w in p.widths:
        table.addElement(TableColumn(stylename=st.column(w)))
    for i, ln in enumerate(p.top):
        table.addElement(_line_row(st, ln, n, i in breaks))
    table.addElement(_ods_header(st, p, breaks))
    _ods_data(table, st, p, breaks)
    start = len(p.top) + len(p.header_heights) + len(p.data_heights)
    for i, ln in enumerate(p.bottom):
        table.addElement(_line_row(st, ln, n, start + i in breaks))
    doc.spreadsheet.addElement(table)
    return p


def _freeze(doc, frozen: list[tuple[str, int]]) -> None:
    """Freeze each table's rows above its first data row (LibreOffice's view settings)."""
    from odf.config import ConfigItem, ConfigItemMapEntry, ConfigItemMapIndexed, ConfigItemMapNamed, ConfigItemSet

    view = ConfigItemSet(name="ooo:view-settings")
    views = ConfigItemMapIndexed(name="Views")
    entry = ConfigItemMapEntry()
    entry.addElement(ConfigItem(name="ViewId", type="string", text="view1"))
    tables = ConfigItemMapNamed(name="Tables")
    for name, row in frozen:
        t = ConfigItemMapEntry(name=name)
        for key, typ, val in (("HorizontalSplitMode", "short", 0), ("VerticalSplitMode", "short", 2),
                              ("HorizontalSplitPosition", "int", 0), ("VerticalSplitPosition", "int", row),
                              ("ActiveSplitRange", "short", 2), ("PositionLeft", "int", 0),
                              ("PositionRight", "int", 0), ("PositionTop", "int", 0), ("PositionBottom", "int", row)):
            t.addElement(ConfigItem(name=key, type=typ, text=str(val)))
        tables.addElement(t)
    entry.addElement(tables)
    if frozen:
        entry.addElement(ConfigItem(name="ActiveTable", type="string", text=frozen[0][0]))
    views.addElement(entry)
    view.addElement(views)
    doc.settings.addElement(view)


def ods_doc(obj: Report | Pack | Sequence[Report]):
    from odf.opendocument import OpenDocumentSpreadsheet

    doc = OpenDocumentSpreadsheet()
    st = _OdsStyles(doc)
    used: set[str] = set()
    frozen = []
    for r in as_reports(obj):
        title = sheet_title(r.sheet_name or r.title, used)
        p = _ods_sheet(doc, st, r, title)
        frozen.append((title, p.data_first - 1))
    _freeze(doc, frozen)
    return doc
