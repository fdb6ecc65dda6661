"""Writers: a :class:`~exports.report.Report` (or several) as XLSX, ODS or CSV.

The layout follows Nghị định 30/2020/NĐ-CP as the seed documents use it:
issuing body top-left, national header top-right, the place-and-date line in
italics, the title, the bordered table (header rows repeated on every printed
page), notes, and the signature block; Times New Roman throughout; A4, fitted
to the page width.

Numbers are stored as numbers. Their format is ``[$-42A]#,##0``: the
thousands separator is the one of the format's language, Vietnamese (42A), so
LibreOffice shows 7.440.000.000 whatever the computer's settings, and Excel
shows it on the Vietnamese-locale office PCs it is used on (on a computer set to
English, Excel shows 7,440,000,000 — the value is the same, and sums still
work; Excel takes the separator from Windows or from File → Options → Advanced
→ "Use system separators", never from the format's locale tag).

There is no robust alternative. A format with literal dots between digit groups
(``#"."###"."##0``) prints the dots even where there are no digits: 5 shows
as "..5". Conditional sections could pick the right number of groups, but a
format holds at most two conditions plus one "else" section, while amounts
here need four ranges (< 1.000, < 1.000.000, < 1.000.000.000, above: the
14.880.000.000 đồng of Phụ lục III), and negative numbers would need their
own. So the locale-tagged format stays, and the README says what an
English-set Excel shows. Dates are real dates shown dd/mm/yyyy; phone and ID
numbers are text (format "@") so leading zeros survive.

CSV is UTF-8 with a byte-order mark (Excel then reads Vietnamese correctly),
one header row, plain numbers (no separators) and dates as dd/mm/yyyy. CSV is
for exchanging data with other programs: Excel, opening a CSV by double-click,
turns "0912345678" into the number 912345678 (the file itself keeps the zero);
for Excel use xlsx, where phones are text cells.

Registry text is always text, never a formula, and characters XML cannot hold
become U+FFFD (see :mod:`exports.cells`; CSV follows the OWASP prefix rule).

Nothing with personal data passes through a temporary folder: every format is
built in memory (XLSX sheets too, :func:`usb.workbook_bytes`), then written by
:func:`usb.atomic_write` (hidden name in the destination, 0600, fsync, rename;
``SaveFailed``, exit 6, naming a folder that cannot be written).

openpyxl and odfpy are imported only inside the functions that need them.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import os
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

from models import text
from models.errors import InputError

from . import usb
from .cells import XLSX_MAX_TEXT, csv_text, set_cell_value, sheet_title, xml_text
from .cells import cell_value as _cell_value
from .report import Column, Pack, Report
from .usb import save_workbook, workbook_bytes  # noqa: F401  (public here too: any openpyxl workbook, in memory)

FONT = "Times New Roman"
NUM_FORMAT = "[$-42A]#,##0"
PCT1_FORMAT = "[$-42A]0.0"
DATE_FORMAT = "dd/mm/yyyy"
FORMATS = ("xlsx", "ods", "csv")

def as_reports(obj: Report | Pack | Sequence[Report]) -> list[Report]:
    if isinstance(obj, Report):
        return [obj]
    if isinstance(obj, Pack):
        return list(obj.reports)
    return list(obj)


def _split(columns: list[Column]) -> int:
    """How many columns the left half of the letterhead spans (about 40 % of the width)."""
    n = len(columns)
    if n <= 1:
        return 1
    total = sum(c.width for c in columns)
    acc, k = 0.0, 0
    for c in columns:
        if acc >= total * 0.4 and k >= 1:
            break
        acc += c.width
        k += 1
    return max(1, min(k, n - 1))


# ---------------------------------------------------------------------------
# XLSX
# ---------------------------------------------------------------------------
class _XlsxStyles:
    """Each style is built once; cells then share its StyleArray (fast for 70,000 cells)."""

    def __init__(self, wb, ws):
        from openpyxl.cell import WriteOnlyCell
        from openpyxl.styles import Alignment, Border, Font, Side

        self._WriteOnlyCell = WriteOnlyCell
        self._ws = ws
        self.Font, self.Alignment, self.Border = Font, Alignment, Border
        thin = Side(style="thin", color="000000")
        self.border = Border(left=thin, right=thin, top=thin, bottom=thin)
        self._cache: dict[tuple, Any] = {}

    def get(self, *, size=12, bold=False, italic=False, underline=False, h="left", wrap=True, border=False,
            fmt="General", v="center"):
        key = (size, bold, italic, underline, h, wrap, border, fmt, v)
        sa = self._cache.get(key)
        if sa is None:
            c = self._WriteOnlyCell(self._ws, None)
            c.font = self.Font(name=FONT, size=size, bold=bold, italic=italic,
                               underline="single" if underline else None)
            c.alignment = self.Alignment(horizontal=h, vertical=v, wrap_text=wrap)
            if border:
                c.border = self.border
            c.number_format = fmt
            sa = self._cache[key] = c._style
        return sa

    def cell(self, value, sa):
        c = self._WriteOnlyCell(self._ws)
        set_cell_value(c, value)
        c._style = sa
        return c


def _column_style(st: _XlsxStyles, col: Column, *, bold: bool = False):
    k = col.kind
    if k in ("int", "money"):
        return st.get(size=11, bold=bold, h="center" if col.title == "Stt" else "right", border=True, fmt=NUM_FORMAT,
                      wrap=False)
    if k == "year":
        return st.get(size=11, bold=bold, h="center", border=True, fmt="0", wrap=False)
    if k == "pct":
        return st.get(size=11, bold=bold, h="center", border=True, fmt="0", wrap=False)
    if k == "pct1":
        return st.get(size=11, bold=bold, h="center", border=True, fmt=PCT1_FORMAT, wrap=False)
    if k == "date":
        return st.get(size=11, bold=bold, h="center", border=True, fmt=DATE_FORMAT, wrap=False)
    if k in ("phone", "id"):
        return st.get(size=11, bold=bold, h="center", border=True, fmt="@", wrap=False)
    return st.get(size=11, bold=bold, h="left", border=True, fmt="@" if False else "General", wrap=True)


class _FastRow(list):
    """A row of (value, StyleArray) pairs, written without building a Cell per value."""


def _install_fast_rows(ws) -> None:
    """Let ``ws.append(_FastRow)`` reuse one cell per column (openpyxl's own plain-value path
    does the same with one shared cell); other rows go through openpyxl unchanged.
    ``WriteOnlyWorksheet._values_to_row`` is part of the openpyxl 3.1 seam (usb.TESTED_OPENPYXL)."""
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.worksheet._write_only import WriteOnlyWorksheet

    original = WriteOnlyWorksheet._values_to_row
    cells: list = []

    def values_to_row(values, row_idx):
        if not isinstance(values, _FastRow):
            yield from original(ws, values, row_idx)
            return
        while len(cells) < len(values):
            cells.append(WriteOnlyCell(ws))
        for col_idx, (value, sa) in enumerate(values, 1):
            cell = cells[col_idx - 1]
            if isinstance(value, str):  # set_cell_value, inline: this runs for every cell of a roster
                cell._value = xml_text(value[:XLSX_MAX_TEXT])
                cell.data_type = "s"
            else:
                cell.value = value
            cell._style = sa
            cell.column = col_idx
            cell.row = row_idx
            yield cell

    ws._values_to_row = values_to_row


def _chars_per_line(width: float, per_unit: float = 1.3) -> int:
    """Characters of 11-pt Times New Roman on one line of a column ``width`` Excel units wide
    (about ``per_unit`` per width unit, less a character of cell padding)."""
    return max(4, int(width * per_unit) - 1)


def _wrapped_lines(value, width: float, per_unit: float = 1.3) -> int:
    """How many lines ``value`` takes when wrapped in a column ``width`` Excel units wide
    (a conservative estimate, word by word as Excel wraps)."""
    if not isinstance(value, str):
        return 1
    per_line = _chars_per_line(width, per_unit)
    if len(value) <= per_line and "\n" not in value:
        return 1
    lines = 0
    for para in value.split("\n"):
        lines += 1
        cur = 0
        for w in para.split():
            n = len(w)
            if cur == 0:
                cur = n
            elif cur + 1 + n <= per_line:
                cur += 1 + n
            else:
                lines += 1
                cur = n
            while cur > per_line:
                lines += 1
                cur -= per_line
    return lines


_ONE_LINE_KINDS = ("int", "money", "year", "pct", "pct1", "date", "phone", "id")  # never wrapped (_column_style)


def _line_height(lines: int) -> float:
    """Row height (points) for ``lines`` lines of 11-pt text."""
    return round(lines * 14.5 + 2, 1)


def _fit_row(ws, row: int, values, widths, per_unit: float = 1.3) -> None:
    """Give row ``row`` (not yet written) the height its wrapped text needs.

    Neither LibreOffice nor Excel re-measures rows of a generated file when it opens
    it, so a header such as «Tổng số Tổ CNSCĐ/thôn» in a narrow column would be cut
    off; rows whose text fits on one line keep the default height."""
    lines = max((_wrapped_lines(v, w, per_unit) for v, w in zip(values, widths, strict=False)), default=1)
    if lines > 1:
        ws.row_dimensions[row].height = _line_height(lines)


class _XlsxOut:
    """A write-only sheet filled top to bottom: its styles, the row reached, the merged ranges."""

    def __init__(self, wb, ws, cols: list[Column]):
        from openpyxl.utils import get_column_letter

        self.ws, self.cols, self.n, self.left = ws, cols, len(cols), _split(cols)
        self.st = _XlsxStyles(wb, ws)
        self.letter = get_column_letter
        self.row = 0
        self.merges: list[str] = []

    def span(self, r: int, c1: int, c2: int) -> None:
        if c2 > c1:
            self.merges.append(f"{self.letter(c1)}{r}:{self.letter(c2)}{r}")

    def put(self, cells: list) -> None:
        self.ws.append(cells)
        self.row += 1

    def height(self, points: float) -> None:
        """The height of the next row."""
        self.ws.row_dimensions[self.row + 1].height = points


def _xlsx_top(o: _XlsxOut, report: Report) -> None:
    """Letterhead (issuing body | national header, place and date), title, subtitle."""
    st, lh, left, n = o.st, report.letterhead, o.left, o.n
    if lh is not None:
        s_left, s_bold, s_italic = st.get(h="center"), st.get(h="center", bold=True), st.get(h="center", italic=True)
        for r_idx, (lv, ls, rv, rs) in enumerate([
            (lh.issuing_body_parent, s_left, lh.nation, s_bold),
            (lh.issuing_body, s_bold, lh.motto, s_bold),
            ("", s_left, lh.place_date, s_italic),
        ]):
            o.height(32 if r_idx < 2 else 18)
            o.put([st.cell(lv or None, ls)] + [None] * (left - 1) + [st.cell(rv or None, rs)])
            o.span(o.row, 1, left)
            o.span(o.row, left + 1, n)
        o.put([])
    o.height(36)
    o.put([st.cell(report.title, st.get(size=13, bold=True, h="center"))])
    o.span(o.row, 1, n)
    if report.subtitle:
        o.put([st.cell(report.subtitle, st.get(bold=True, h="center"))])
        o.span(o.row, 1, n)
    o.put([])


def _xlsx_header(o: _XlsxOut, report: Report) -> None:
    """The table's header rows (merged where columns are grouped), repeated on every page."""
    cols, first = o.cols, o.row + 1
    s_head = o.st.get(size=11, bold=True, h="center", border=True)
    head_widths: dict[tuple[int, int], float] = {}  # a merged header cell wraps over its whole span
    two_rows = set()  # a cell merged over both header rows has the height of both
    for r1, c1, r2, c2 in report.header_merges():
        head_widths[(r1, c1)] = sum(c.width for c in cols[c1:c2 + 1])
        if r2 > r1:
            two_rows.add((r1, c1))
    for i, hr in enumerate(report.header_rows):
        _fit_row(o.ws, o.row + 1, [None if (i, j) in two_rows else v for j, v in enumerate(hr)],
                 [head_widths.get((i, j), c.width) for j, c in enumerate(cols)], per_unit=1.15)
        o.put([o.st.cell(v or None, s_head) for v in hr])
    for r1, c1, r2, c2 in report.header_merges():
        if (r1, c1) != (r2, c2):
            o.merges.append(f"{o.letter(c1 + 1)}{first + r1}:{o.letter(c2 + 1)}{first + r2}")
    o.ws.print_title_rows = f"{first}:{o.row}"


def _xlsx_row_heights(o: _XlsxOut, report: Report) -> None:
    """Heights of the data rows about to be written: the report's own, or room for wrapped text."""
    first = o.row + 1
    if report.row_height:
        for i in range(len(report.rows)):
            o.ws.row_dimensions[first + i].height = report.row_height
        return
    # only wrapping (text) columns can need more than one line; most rows need one, and a
    # length test is all they cost (this runs over 7,446 rows of a province's roster)
    wrapping = [(j, c.width, _chars_per_line(c.width)) for j, c in enumerate(o.cols) if c.kind not in _ONE_LINE_KINDS]
    for i, data in enumerate(report.rows):
        lines = 1
        for j, w, per_line in wrapping:
            v = data[j]
            if type(v) is str and len(v) > per_line:
                lines = max(lines, _wrapped_lines(v, w))
        if lines > 1:
            o.ws.row_dimensions[first + i].height = _line_height(lines)


def _xlsx_data(o: _XlsxOut, report: Report) -> None:
    cols, st = o.cols, o.st
    col_styles = [_column_style(st, c) for c in cols]
    _xlsx_row_heights(o, report)
    for data in report.rows:
        o.ws.append(_FastRow([(_cell_value(c, v), s) for c, v, s in zip(cols, data, col_styles, strict=False)]))
    o.row += len(report.rows)
    if report.total is not None:
        tot_styles = [_column_style(st, c, bold=True) for c in cols]
        o.put([st.cell(_cell_value(c, v), s) for c, v, s in zip(cols, report.total, tot_styles, strict=False)])


def _xlsx_bottom(o: _XlsxOut, report: Report) -> None:
    """Notes under the table, then the signature block on the right."""
    st, lh, left, n = o.st, report.letterhead, o.left, o.n
    if report.notes:
        o.put([])
        s_note = st.get(size=11, italic=True, h="left")
        for note in report.notes:
            _fit_row(o.ws, o.row + 1, [note], [sum(c.width for c in o.cols)])
            o.put([st.cell(note, s_note)])
            o.span(o.row, 1, n)
    if lh is not None and (lh.signer_title or lh.signer_name):
        o.put([])
        s_b = st.get(bold=True, h="center")
        for value in (lh.signer_prefix, lh.signer_title):
            if value:
                o.put([None] * left + [st.cell(value, s_b)])
                o.span(o.row, left + 1, n)
        for _ in range(3):
            o.put([])
        o.put([None] * left + [st.cell(lh.signer_name or None, s_b)])
        o.span(o.row, left + 1, n)


def _xlsx_sheet(wb, report: Report, title: str) -> None:
    ws = wb.create_sheet(title=title)
    usb.keep_sheet_in_memory(ws)  # before the first row
    cols = report.columns
    o = _XlsxOut(wb, ws, cols)
    _install_fast_rows(ws)
    for i, c in enumerate(cols, 1):
        ws.column_dimensions[o.letter(i)].width = c.width
    # Everything the writer emits before the first row (sheet properties, panes,
    # column widths) must be set before the first append in write-only mode.
    header_first = (4 if report.letterhead is not None else 0) + 1 + (1 if report.subtitle else 0) + 1 + 1
    ws.freeze_panes = f"A{header_first + len(report.header_rows)}"
    ws.sheet_properties.pageSetUpPr.fitToPage = True
    _xlsx_top(o, report)
    assert o.row + 1 == header_first
    _xlsx_header(o, report)
    _xlsx_data(o, report)
    _xlsx_bottom(o, report)
    for m in o.merges:
        ws.merged_cells.add(m)
    ws.page_setup.paperSize = 9  # A4
    ws.page_setup.orientation = "landscape" if sum(c.width for c in cols) > 110 else "portrait"
    ws.page_setup.fitToWidth = 1
    ws.page_setup.fitToHeight = 0
    ws.print_options.horizontalCentered = True
    ws.page_margins.left = ws.page_margins.right = 0.5
    ws.page_margins.top = ws.page_margins.bottom = 0.6
    ws.print_area = f"A1:{o.letter(o.n)}{max(o.row, 1)}"


def _xlsx_book(obj: Report | Pack | Sequence[Report]):
    from openpyxl import Workbook

    wb = Workbook(write_only=True)
    used: set[str] = set()
    for r in as_reports(obj):
        _xlsx_sheet(wb, r, sheet_title(r.sheet_name or r.title, used))
    return wb


def write_xlsx(obj: Report | Pack | Sequence[Report], path: str | os.PathLike) -> Path:
    return usb.atomic_write_bytes(path, workbook_bytes(_xlsx_book(obj)))


# ---------------------------------------------------------------------------
# ODS
# ---------------------------------------------------------------------------
class _OdsStyles:
    def __init__(self, doc):
        from odf import number as N
        from odf.style import (
            MasterPage,
            PageLayout,
            PageLayoutProperties,
            ParagraphProperties,
            Style,
            TableCellProperties,
            TableColumnProperties,
            TableRowProperties,
            TextProperties,
        )
        from odf.namespaces import STYLENS

        self.doc = doc
        self.Style, self.TextProperties = Style, TextProperties
        self.TableCellProperties, self.ParagraphProperties = TableCellProperties, ParagraphProperties
        self.TableColumnProperties, self.TableRowProperties = TableColumnProperties, TableRowProperties
        self._cache: dict[tuple, Any] = {}
        self._cols: dict[float, Any] = {}
        self._rows: dict[float, Any] = {}
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
        ds.addElement(N.Day(style="long"))
        ds.addElement(N.Text(text="/"))
        ds.addElement(N.Month(style="long"))
        ds.addElement(N.Text(text="/"))
        ds.addElement(N.Year(style="long"))
        doc.automaticstyles.addElement(ds)
        tx = N.TextStyle(name="T0")
        tx.addElement(N.TextContent())
        doc.automaticstyles.addElement(tx)
        self.formats = {"num": "N0", "year": "N0Y", "pct1": "N1", "date": "D0", "text": "T0"}
        for name, w, h, orientation, top in (("A4", "21cm", "29.7cm", "portrait", "1.5cm"),
                                             ("A4L", "29.7cm", "21cm", "landscape", "1.2cm")):
            layout = PageLayout(name=f"pm{name}")
            props = PageLayoutProperties(pagewidth=w, pageheight=h, printorientation=orientation, margintop=top,
                                         marginbottom=top, marginleft="1.2cm", marginright="1.2cm")
            props.setAttrNS(STYLENS, "scale-to-X", "1")  # fit to one page wide (ODF 1.3)
            props.setAttrNS(STYLENS, "scale-to-Y", "0")
            layout.addElement(props)
            doc.automaticstyles.addElement(layout)
            doc.masterstyles.addElement(MasterPage(name=name, pagelayoutname=layout))
        self.table_portrait = Style(name="taP", family="table", masterpagename="A4")
        self.table_landscape = Style(name="taL", family="table", masterpagename="A4L")
        doc.automaticstyles.addElement(self.table_portrait)
        doc.automaticstyles.addElement(self.table_landscape)

    def cell(self, *, size=12, bold=False, italic=False, underline=False, h="start", wrap=True, border=False,
             fmt: str | None = None):
        key = (size, bold, italic, underline, h, wrap, border, fmt)
        s = self._cache.get(key)
        if s is None:
            name = f"ce{len(self._cache) + 1}"
            kw = {"name": name, "family": "table-cell"}
            if fmt:
                kw["datastylename"] = self.formats[fmt]
            s = self.Style(**kw)
            tp = {"fontname": FONT, "fontfamily": FONT, "fontsize": f"{size}pt"}
            if bold:
                tp["fontweight"] = "bold"
            if italic:
                tp["fontstyle"] = "italic"
            if underline:
                tp["textunderlinestyle"] = "solid"
                tp["textunderlinewidth"] = "auto"
                tp["textunderlinecolor"] = "font-color"
            s.addElement(self.TextProperties(**tp))
            cp = {"verticalalign": "middle"}
            if wrap:
                cp["wrapoption"] = "wrap"
            if border:
                cp["border"] = "0.5pt solid #000000"
            s.addElement(self.TableCellProperties(**cp))
            s.addElement(self.ParagraphProperties(textalign=h))
            self.doc.automaticstyles.addElement(s)
            self._cache[key] = s
        return s

    def column(self, width: float):
        s = self._cols.get(width)
        if s is None:
            s = self.Style(name=f"co{len(self._cols) + 1}", family="table-column")
            # an Excel width unit is about one digit: 0.19 cm in Times New Roman 11
            s.addElement(self.TableColumnProperties(columnwidth=f"{width * 0.2:.2f}cm"))
            self.doc.automaticstyles.addElement(s)
            self._cols[width] = s
        return s

    def row(self, height_pt: float):
        s = self._rows.get(height_pt)
        if s is None:
            s = self.Style(name=f"ro{len(self._rows) + 1}", family="table-row")
            s.addElement(self.TableRowProperties(rowheight=f"{height_pt}pt", useoptimalrowheight="false"))
            self.doc.automaticstyles.addElement(s)
            self._rows[height_pt] = s
        return s


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
        for line in xml_text(str(value)).split("\n"):
            c.addElement(P(text=line, check_grammar=False), check_grammar=False)
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


def _ods_spanned_row(st: _OdsStyles, parts: list[tuple[int, Any, Any]], height: float | None = None):
    """A row of ``parts`` — (span, value, style) — filling it left to right."""
    from odf.table import CoveredTableCell, TableRow

    tr = TableRow(stylename=st.row(height)) if height else TableRow()
    for span, value, style in parts:
        tr.addElement(_ods_cell(value, "text", style, span))
        for _ in range(span - 1):
            tr.addElement(CoveredTableCell())
    return tr


def _ods_header(st: _OdsStyles, report: Report):
    """The table's header rows (merged where columns are grouped), repeated on every page."""
    from odf.table import CoveredTableCell, TableHeaderRows, TableRow

    head_style = st.cell(size=11, bold=True, h="center", border=True)
    merges = {(r1, c1): (r2 - r1 + 1, c2 - c1 + 1) for r1, c1, r2, c2 in report.header_merges()}
    covered = {(r, c) for (r1, c1), (rs, cs) in merges.items()
               for r in range(r1, r1 + rs) for c in range(c1, c1 + cs) if (r, c) != (r1, c1)}
    hr_el = TableHeaderRows()
    for ri, hr in enumerate(report.header_rows):
        tr = TableRow()
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


def _ods_data(table, st: _OdsStyles, report: Report) -> None:
    from odf.table import TableRow

    cols = report.columns
    styles = [_ods_col_style(st, c) for c in cols]
    rh = st.row(report.row_height) if report.row_height else None
    for data in report.rows:
        tr = TableRow(stylename=rh, check_grammar=False) if rh else TableRow(check_grammar=False)
        for c, v, s in zip(cols, data, styles, strict=False):
            tr.addElement(_ods_cell(_cell_value(c, v), c.kind, s), check_grammar=False)
        table.addElement(tr, check_grammar=False)
    if report.total is not None:
        tr = TableRow()
        for c, v in zip(cols, report.total, strict=False):
            tr.addElement(_ods_cell(_cell_value(c, v), c.kind, _ods_col_style(st, c, bold=True)))
        table.addElement(tr)


def _ods_bottom(table, st: _OdsStyles, report: Report, plain) -> None:
    """Notes under the table, then the signature block on the right."""
    from odf.table import TableRow

    n, left, lh = len(report.columns), _split(report.columns), report.letterhead
    if report.notes:
        table.addElement(TableRow())
        note_style = st.cell(size=11, italic=True)
        for note in report.notes:
            table.addElement(_ods_spanned_row(st, [(n, note, note_style)]))
    if lh is not None and (lh.signer_title or lh.signer_name):
        table.addElement(TableRow())
        bold = st.cell(bold=True, h="center")
        for value in (lh.signer_prefix, lh.signer_title):
            if value:
                table.addElement(_ods_spanned_row(st, [(left, None, plain), (n - left, value, bold)]))
        for _ in range(3):
            table.addElement(TableRow())
        table.addElement(_ods_spanned_row(st, [(left, None, plain), (n - left, lh.signer_name or None, bold)]))


def _ods_sheet(doc, st: _OdsStyles, report: Report, title: str) -> None:
    from odf.table import Table, TableColumn, TableRow

    cols = report.columns
    n = len(cols)
    landscape = sum(c.width for c in cols) > 110
    table = Table(name=title, stylename=st.table_landscape if landscape else st.table_portrait)
    for c in cols:
        table.addElement(TableColumn(stylename=st.column(c.width)))
    left = _split(cols)
    lh = report.letterhead
    plain = st.cell(h="center")
    if lh is not None:
        bold = st.cell(bold=True, h="center")
        italic = st.cell(italic=True, h="center")
        rows = [(lh.issuing_body_parent, plain, lh.nation, bold), (lh.issuing_body, bold, lh.motto, bold),
                ("", plain, lh.place_date, italic)]
        for i, (lv, ls, rv, rs) in enumerate(rows):
            table.addElement(_ods_spanned_row(st, [(left, lv, ls), (n - left, rv, rs)], 32 if i < 2 else None))
        table.addElement(TableRow())
    table.addElement(_ods_spanned_row(st, [(n, report.title, st.cell(size=13, bold=True, h="center"))], 36))
    if report.subtitle:
        table.addElement(_ods_spanned_row(st, [(n, report.subtitle, st.cell(bold=True, h="center"))]))
    table.addElement(TableRow())
    table.addElement(_ods_header(st, report))
    _ods_data(table, st, report)
    _ods_bottom(table, st, report, plain)
    doc.spreadsheet.addElement(table)


def _ods_doc(obj: Report | Pack | Sequence[Report]):
    from odf.opendocument import OpenDocumentSpreadsheet

    doc = OpenDocumentSpreadsheet()
    st = _OdsStyles(doc)
    used: set[str] = set()
    for r in as_reports(obj):
        _ods_sheet(doc, st, r, sheet_title(r.sheet_name or r.title, used))
    return doc


def _ods_bytes(obj: Report | Pack | Sequence[Report]) -> bytes:
    buf = io.BytesIO()
    _ods_doc(obj).save(buf)
    return buf.getvalue()


def write_ods(obj: Report | Pack | Sequence[Report], path: str | os.PathLike) -> Path:
    return usb.atomic_write_bytes(path, _ods_bytes(obj))


# ---------------------------------------------------------------------------
# CSV
# ---------------------------------------------------------------------------
def _csv_value(c: Column, v: Any) -> Any:
    if v is None:
        return ""
    if isinstance(v, str):
        return csv_text(v)
    if isinstance(v, (dt.date, dt.datetime)):
        return text.format_date(v)
    if isinstance(v, float):
        return f"{v:g}"
    return v


def csv_rows(report: Report) -> Iterable[list[Any]]:
    """The rows of ``report``'s CSV: its header, its rows, its total; text as :func:`csv_text`."""
    yield [csv_text(h) for h in report.flat_header]
    for row in report.rows:
        yield [_csv_value(c, v) for c, v in zip(report.columns, row, strict=False)]
    if report.total is not None:
        yield [_csv_value(c, v) for c, v in zip(report.columns, report.total, strict=False)]


def _csv_bytes(report: Report) -> bytes:
    buf = io.StringIO()
    csv.writer(buf).writerows(csv_rows(report))
    return buf.getvalue().encode("utf-8-sig")


def render(obj: Report | Pack | Sequence[Report], stem: str, fmt: str) -> list[tuple[str, bytes]]:
    """The files of ``obj`` in ``fmt`` as (file name, bytes), built in memory.

    Used for hand-offs (USB, password protection): nothing with personal data is
    written to a temporary folder on the way.
    """
    fmt = fmt.lower()
    if fmt not in FORMATS:
        raise InputError(f"Định dạng «{fmt}» không hỗ trợ; chọn xlsx, ods hoặc csv.", "format")
    if fmt == "xlsx":
        return [(f"{stem}.xlsx", workbook_bytes(_xlsx_book(obj)))]
    if fmt == "ods":
        return [(f"{stem}.ods", _ods_bytes(obj))]
    reports = as_reports(obj)
    if len(reports) == 1:
        return [(f"{stem}.csv", _csv_bytes(reports[0]))]
    out, used = [], set()
    for r in reports:
        slug = text.ascii_slug(sheet_title(r.sheet_name or r.key, used)) or r.key
        out.append((f"{stem}_{slug}.csv", _csv_bytes(r)))
    return out


def write_csv_one(report: Report, path: str | os.PathLike) -> Path:
    return usb.atomic_write_bytes(path, _csv_bytes(report))


def write_csv(obj: Report | Pack | Sequence[Report], path: str | os.PathLike) -> list[Path]:
    """One report → one file; several → ``<stem>_<sheet>.csv`` each."""
    reports = as_reports(obj)
    path = Path(path)
    if len(reports) == 1:
        return [write_csv_one(reports[0], path)]
    out = []
    used: set[str] = set()
    for r in reports:
        slug = text.ascii_slug(sheet_title(r.sheet_name or r.key, used)) or r.key
        out.append(write_csv_one(r, path.with_name(f"{path.stem}_{slug}.csv")))
    return out


# ---------------------------------------------------------------------------
def write(obj: Report | Pack | Sequence[Report], path: str | os.PathLike, fmt: str | None = None) -> list[Path]:
    """Write in ``fmt`` (default: from the file's extension). Returns the files written."""
    path = Path(path)
    fmt = (fmt or path.suffix.lstrip(".") or "xlsx").lower()
    if fmt not in FORMATS:
        raise InputError(f"Định dạng «{fmt}» không hỗ trợ; chọn xlsx, ods hoặc csv.", "format")
    if path.suffix.lower() != f".{fmt}":
        path = path.with_name(path.name + f".{fmt}") if not path.suffix else path.with_suffix(f".{fmt}")
    if fmt == "xlsx":
        return [write_xlsx(obj, path)]
    if fmt == "ods":
        return [write_ods(obj, path)]
    return write_csv(obj, path)


def _atomic(path: str | os.PathLike, save) -> Path:
    """:func:`usb.atomic_write` (hidden name, 0600, fsync, rename; :class:`SaveFailed` naming
    the folder), for callers that pass a ``save(path)`` function. An openpyxl workbook's
    own ``save`` is replaced by :func:`workbook_bytes`: no sheet in the temporary folder."""
    owner = getattr(save, "__self__", None)
    if getattr(save, "__name__", "") == "save" and type(owner).__module__.startswith("openpyxl."):
        return usb.atomic_write_bytes(path, workbook_bytes(owner))
    return usb.atomic_write(path, save)
