"""XLSX in the official layout, from a :class:`~exports.sheet_plan.SheetPlan`: a write-only workbook
built in memory (70,000 cells share a few StyleArrays; the data rows skip openpyxl's per-cell
objects), its print setup (A4, the plan's scale and page breaks, header rows repeated, the table
centred, «Trang 3/390» in the footer of a sheet of several pages).

openpyxl is imported only inside the functions that need them.
"""

from __future__ import annotations

import contextlib
import math
from collections.abc import Sequence
from typing import Any

from . import print_layout as pl
from .cells import NUMERIC, XLSX_MAX_TEXT, set_cell_value, sheet_title, xml_text
from .cells import cell_value as _cell_value
from .layout import Column, Pack, Report
from .sheet_plan import RULE_SIZE, Line, Rule, SheetPlan, Style, plan

FONT = "Times New Roman"
NUM_FORMAT = "[$-42A]#,##0"
PCT1_FORMAT = "[$-42A]0.0"
DATE_FORMAT = "dd/mm/yyyy"
FOOTER = "Trang &P/&N"


class _XlsxStyles:
    """Each style is built once; cells then share its StyleArray (fast for 70,000 cells)."""

    def __init__(self, ws):
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

    def of(self, s: Style):
        return self.get(size=s.size, bold=s.bold, italic=s.italic, underline=s.underline, h=s.h, wrap=s.wrap,
                        v=s.v)

    def cell(self, value, sa):
        c = self._WriteOnlyCell(self._ws)
        set_cell_value(c, value)
        c._style = sa
        return c


def column_style(st: _XlsxStyles, col: Column, *, bold: bool = False):
    k = col.kind
    if k in ("int", "money"):
        return st.get(size=11, bold=bold, h="center" if col.title == "Stt" else "right", border=True, fmt=NUM_FORMAT,
                      wrap=False)
    if k in ("year", "pct"):
        return st.get(size=11, bold=bold, h="center", border=True, fmt="0", wrap=False)
    if k == "pct1":
        return st.get(size=11, bold=bold, h="center", border=True, fmt=PCT1_FORMAT, wrap=False)
    if k == "date":
        return st.get(size=11, bold=bold, h="center", border=True, fmt=DATE_FORMAT, wrap=False)
    if k in ("phone", "id"):
        return st.get(size=11, bold=bold, h="center", border=True, fmt="@", wrap=False)
    return st.get(size=11, bold=bold, h="left", border=True, wrap=True)


class _FastRow(list):
    """A row of (value, StyleArray) pairs, written as XML text (:func:`_row_xml`) without a Cell per value."""


_SIMPLE = (str, int, float, type(None))


def _cells_xml(ws, values: _FastRow, row_idx: int, letters: list[str], ids: dict[int, str]) -> str | None:
    """The cells of a row as openpyxl writes them, character for character (text inline, numbers
    ``%.16g``, an empty cell keeping its style), or None when a value is not text, a whole or finite
    number or empty: that row goes through openpyxl's cells. ``ids``: id(StyleArray) → its index in
    the workbook's styles, taken in the order openpyxl takes them (first use)."""
    out = []
    for col, (value, sa) in enumerate(values):
        t = type(value)
        if t not in _SIMPLE or (t is float and not math.isfinite(value)):
            return None
        s = ids.get(id(sa))
        if s is None:
            if not any(sa):
                return None
            s = ids[id(sa)] = f"{ws.parent._cell_styles.add(sa)}"
        ref = f"{letters[col]}{row_idx}"
        if t is str:
            v = xml_text(value[:XLSX_MAX_TEXT])
            if not v:
                out.append(f'<c r="{ref}" s="{s}" t="inlineStr" />')
                continue
            if "&" in v or "<" in v or ">" in v:
                v = v.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
            space = ' xml:space="preserve"' if v.strip() and v != v.strip() else ""
            out.append(f'<c r="{ref}" s="{s}" t="inlineStr"><is><t{space}>{v}</t></is></c>')
        elif value is None:
            out.append(f'<c r="{ref}" s="{s}" t="n" />')
        else:
            out.append(f'<c r="{ref}" s="{s}" t="n"><v>{value:.16g}</v></c>')
    return "".join(out)


def _install_fast_rows(ws) -> None:
    """Let ``ws.append(_FastRow)`` write its cells as text (:func:`_cells_xml`: openpyxl's XML, built
    without its per-cell elements, which were most of a roster's time) inside the ``<row>`` openpyxl
    writes; a row it does not take, and every other row, goes through openpyxl's cells unchanged
    (one cell per column reused, as openpyxl's own plain-value path does).
    ``WriteOnlyWorksheet._values_to_row``, ``_get_writer`` and the writer's ``write_row(xf, row,
    row_idx)`` (its ``xf._file``: the text stream) are part of the openpyxl 3.1 seam (usb.TESTED_OPENPYXL)."""
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.utils import get_column_letter
    from openpyxl.worksheet._write_only import WriteOnlyWorksheet

    original = WriteOnlyWorksheet._values_to_row
    cells: list = []
    letters: list[str] = []
    ids: dict[int, str] = {}
    last: list = []  # the (value, style) pairs of the last row written
    stream: list = [None]  # the writer's xf, while a row is written

    def as_cells(values, row_idx):
        for col_idx, (value, sa) in enumerate(values, 1):
            cell = cells[col_idx - 1]
            if isinstance(value, str):  # set_cell_value, inline
                cell._value = xml_text(value[:XLSX_MAX_TEXT])
                cell.data_type = "s"
            else:
                cell.value = value
            cell._style = sa
            cell.column = col_idx
            cell.row = row_idx
            yield cell

    def fast_cells(values, row_idx):
        """Run by openpyxl's write_row inside the row's element: the cells' text, or its cells."""
        while len(letters) < len(values):
            letters.append(get_column_letter(len(letters) + 1))
        xml = _cells_xml(ws, values, row_idx, letters, ids)
        if xml is not None:
            stream[0]._file(xml)  # the stream openpyxl's own elements go to, inside <row>
        else:
            # openpyxl's cells as they would be had every row gone through them: each column's
            # cell holding the last row's style (a date set on a cell changes its style's number
            # format in place), and the style indexes taken anew after
            while len(cells) < len(values):
                cells.append(WriteOnlyCell(ws))
            for cell, (_, sa) in zip(cells, last, strict=False):
                cell._style = sa
            yield from as_cells(values, row_idx)
            ids.clear()
        last[:] = values

    def values_to_row(values, row_idx):
        if isinstance(values, _FastRow):
            return fast_cells(values, row_idx)
        return original(ws, values, row_idx)

    get_writer = ws._get_writer  # the sheet's XML kept in memory (usb.keep_sheet_in_memory)

    def get_fast_writer():
        get_writer()
        w = ws._writer
        if getattr(w, "_cnscd_fast", False):
            return
        plain = w.write_row

        def write_row(xf, row, row_idx):
            stream[0] = xf
            return plain(xf, row, row_idx)

        w.write_row = write_row
        w._cnscd_fast = True

    ws._values_to_row = values_to_row
    ws._get_writer = get_fast_writer


def _rule_text(rule: Rule):
    """The rule line (underlined non-breaking spaces) and the text under it, as rich text."""
    from openpyxl.cell.rich_text import CellRichText, TextBlock
    from openpyxl.cell.text import InlineFont

    parts = [TextBlock(InlineFont(rFont=FONT, sz=RULE_SIZE, u="single"), rule.spaces)]
    if rule.below:
        parts.append(TextBlock(InlineFont(rFont=FONT, sz=rule.below_size), "\n" + rule.below))
    return CellRichText(parts)


class _Out:
    """A write-only sheet filled top to bottom: its styles, the row reached, the merged ranges."""

    def __init__(self, ws, p: SheetPlan):
        from openpyxl.utils import get_column_letter

        self.ws, self.p, self.n = ws, p, len(p.widths)
        self.st = _XlsxStyles(ws)
        self.letter = get_column_letter
        self.row = 0
        self.merges: list[str] = []

    def line(self, ln: Line) -> None:
        r = self.row + 1
        if ln.height is not None:
            self.ws.row_dimensions[r].height = ln.height
        cells: list[Any] = [None] * self.n
        for pc in ln.pieces:
            if isinstance(pc.value, Rule):
                c = self.st.cell(_rule_text(pc.value), self.st.of(Style(pc.style.size, h=pc.style.h, v=pc.style.v)))
            else:
                c = self.st.cell(pc.value, self.st.of(pc.style))
            cells[pc.col] = c
            if pc.span > 1:
                self.merges.append(f"{self.letter(pc.col + 1)}{r}:{self.letter(pc.col + pc.span)}{r}")
        while cells and cells[-1] is None:
            cells.pop()
        self.ws.append(cells)
        self.row += 1


def _header(o: _Out, report: Report) -> None:
    """The table's header rows (merged where columns are grouped), repeated on every page."""
    first = o.row + 1
    s_head = o.st.get(size=11, bold=True, h="center", border=True)
    for i, hr in enumerate(report.header_rows):
        if o.p.header_heights[i] is not None:
            o.ws.row_dimensions[o.row + 1].height = o.p.header_heights[i]
        o.ws.append([o.st.cell(v or None, s_head) for v in hr])
        o.row += 1
    for r1, c1, r2, c2 in report.header_merges():
        if (r1, c1) != (r2, c2):
            o.merges.append(f"{o.letter(c1 + 1)}{first + r1}:{o.letter(c2 + 1)}{first + r2}")
    o.ws.print_title_rows = f"{first}:{o.row}"


def _data(o: _Out, report: Report) -> None:
    cols, st, ws = report.columns, o.st, o.ws
    col_styles = [column_style(st, c) for c in cols]
    # a label in a numeric column («chưa có số hộ») is wrapped text, not a number's single line
    label = st.get(size=11, h="center", border=True, wrap=True)
    numeric = [c.kind in NUMERIC for c in cols]
    with _row_heights(ws, o.row + 1, o.p.data_heights):
        for data in report.rows:
            ws.append(_FastRow([(v, label if num and type(v) is str else s)
                                for v, s, num in zip(map(_cell_value, cols, data), col_styles, numeric,
                                                     strict=False)]))
        o.row += len(report.rows)
        if report.total is not None:
            tot_styles = [column_style(st, c, bold=True) for c in cols]
            ws.append([st.cell(_cell_value(c, v), s) for c, v, s in zip(cols, report.total, tot_styles, strict=False)])
            o.row += 1


@contextlib.contextmanager
def _row_heights(ws, first: int, heights: list[float | None]):
    """The table's row heights, each given to openpyxl only while its row is written (write-only: a
    row's ``<row ht=…>`` is written as it is appended), one row dimension per distinct height. Set
    all at once they were one RowDimension (and its StyleArray) per row: 45 MB for a 16-province
    roster's 108,000 tall rows, held until the file was saved."""
    dims = ws.row_dimensions
    shared: dict[float, Any] = {}
    writer = ws._writer
    plain = writer.write_row

    def write_row(xf, row, row_idx):
        h = heights[row_idx - first] if 0 <= row_idx - first < len(heights) else None
        if h is None:
            return plain(xf, row, row_idx)
        dim = shared.get(h)
        if dim is None:
            dim = dims[row_idx]
            dim.height = h
            shared[h] = dim
        dims[row_idx] = dim
        try:
            return plain(xf, row, row_idx)
        finally:
            del dims[row_idx]

    writer.write_row = write_row
    try:
        yield
    finally:
        writer.write_row = plain


def _print_setup(ws, p: SheetPlan, last_letter: str) -> None:
    from openpyxl.worksheet.pagebreak import Break

    ws.page_setup.paperSize = 9  # A4
    ws.page_setup.orientation = "landscape" if p.landscape else "portrait"
    ws.page_setup.scale = p.scale  # the plan's scale: its page breaks hold in Excel and LibreOffice alike
    ws.print_options.horizontalCentered = True
    ws.page_margins.left = ws.page_margins.right = pl.MARGIN_LR
    ws.page_margins.top = ws.page_margins.bottom = pl.MARGIN_TB
    ws.page_margins.header = ws.page_margins.footer = pl.FOOTER_MARGIN
    # after row b (1-based): the 0-based row b starts a page. Set at once: RowBreak.append copies
    # and re-checks the whole list each time (3,200 breaks in a 16-province roster: quadratic).
    ws.row_breaks.brk = [Break(id=b) for b in p.pages.breaks]
    if p.pages.pages > 1:
        ws.oddFooter.center.text = FOOTER
        ws.oddFooter.center.font = f"{FONT},Regular"
        ws.oddFooter.center.size = 10
    ws.print_area = f"A1:{last_letter}{max(p.last_row, 1)}"


def xlsx_sheet(wb, report: Report, title: str) -> SheetPlan:
    from . import usb

    p = plan(report)
    ws = wb.create_sheet(title=title)
    usb.keep_sheet_in_memory(ws)  # before the first row
    o = _Out(ws, p)
    _install_fast_rows(ws)
    # Everything the writer emits before the first row (sheet properties, panes, column
    # widths, the default row height) must be set before the first append in write-only mode.
    for i, w in enumerate(p.widths, 1):
        ws.column_dimensions[o.letter(i)].width = w
    ws.sheet_format.defaultRowHeight = pl.DEFAULT_ROW_PT
    ws.sheet_format.customHeight = True
    ws.freeze_panes = f"A{p.data_first}"
    for ln in p.top:
        o.line(ln)
    _header(o, report)
    _data(o, report)
    for ln in p.bottom:
        o.line(ln)
    for m in o.merges:
        ws.merged_cells.add(m)
    _print_setup(ws, p, o.letter(o.n))
    return p


def as_reports(obj: Report | Pack | Sequence[Report]) -> list[Report]:
    if isinstance(obj, Report):
        return [obj]
    if isinstance(obj, Pack):
        return list(obj.reports)
    return list(obj)


def xlsx_book(obj: Report | Pack | Sequence[Report]):
    from openpyxl import Workbook

    wb = Workbook(write_only=True)
    used: set[str] = set()
    for r in as_reports(obj):
        xlsx_sheet(wb, r, sheet_title(r.sheet_name or r.title, used))
        forget_measures()
    return wb


def forget_measures() -> None:
    """Let go of the text measures remembered while a sheet was laid out (:mod:`exports.print_layout`
    keeps up to 8,192 and 4,096, and every text measured with them: a 16-province roster's
    names, 13 MB and more, else held after the export and over the next sheets)."""
    pl._units.cache_clear()
    pl._lines.cache_clear()
