"""Reading ODS spreadsheets for the import: ``content.xml`` streamed, repeats and spans within limits.

    sheets = read_ods(SafeZip(data), budget, on_row)   # [(name, Grid, merges)]

The values are those the odfpy reader gave (numbers, percentages and currency as float, dates,
booleans, other cells as the text of their paragraphs with ``text:s``/``text:tab``/
``text:line-break`` written out), read without building the whole document in memory.
What a hostile file cannot do here:

* a row or cell repeated a billion times: empty ones only move the row/column counter (the
  trailing ``number-rows-repeated="1048000"`` LibreOffice writes costs nothing), repeated data
  is stored row by row until :data:`~exports.sheet_limits.MAX_ROWS` — and data beyond the
  limits, even after 250,000 empty rows, stops the import with a message saying where
  (never a silent cut);
* a negative, zero or non-numeric repeat or span: a damaged file, the row named;
* a span of a hundred billion rows: merged ranges are cut to the rows read;
* ``<text:s text:c="1000000000"/>``: a cell's text is cut at :data:`~exports.sheet_limits.CLIP`;
* comments (``office:annotation``) are not part of a cell's value.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

from models import text

from .safe_zip import SafeZip
from .sheet_limits import (CLIP, MAX_COLS, MAX_ROWS, Budget, Grid, SheetRefused, clip, col_letter, too_many_cols,
                           too_many_rows)
from .xml_guard import XmlEvents

__all__ = ["read_ods"]

_TABLE = "urn:oasis:names:tc:opendocument:xmlns:table:1.0"
_OFFICE = "urn:oasis:names:tc:opendocument:xmlns:office:1.0"
_TEXT = "urn:oasis:names:tc:opendocument:xmlns:text:1.0"
TABLE, ROW, CELL, COVERED = (f"{{{_TABLE}}}{n}" for n in ("table", "table-row", "table-cell", "covered-table-cell"))
_ROW_GROUPS = frozenset(f"{{{_TABLE}}}{n}" for n in ("table-row-group", "table-header-rows", "table-rows"))
_CONTAINERS = _ROW_GROUPS | frozenset(f"{{{_TABLE}}}{n}" for n in (
    "table-column-group", "table-header-columns", "table-columns", "table-column"))
NAME, ROWS_REP, COLS_REP, ROWS_SPAN, COLS_SPAN = (f"{{{_TABLE}}}{n}" for n in (
    "name", "number-rows-repeated", "number-columns-repeated", "number-rows-spanned", "number-columns-spanned"))
VALUE_TYPE, VALUE, DATE_VALUE, BOOL_VALUE = (f"{{{_OFFICE}}}{n}" for n in (
    "value-type", "value", "date-value", "boolean-value"))
ANNOTATION = f"{{{_OFFICE}}}annotation"
P, S, TAB, LINE_BREAK, C = (f"{{{_TEXT}}}{n}" for n in ("p", "s", "tab", "line-break", "c"))
_SAVE_AGAIN = "Hãy mở tệp bằng LibreOffice (hoặc Excel), lưu lại rồi nhập lại."


def _damaged(why: str) -> SheetRefused:
    return SheetRefused(f"tệp LibreOffice (.ods) bị hỏng: {why}. {_SAVE_AGAIN}")


def read_ods(z: SafeZip, budget: Budget, on_row: Callable[[int], None] | None = None
             ) -> list[tuple[str, Grid, list[tuple[int, int, int, int]]]]:
    """Every table of the spreadsheet: (name, its cells, merged ranges within them)."""
    if "content.xml" not in z:
        raise _damaged("không có phần nội dung (content.xml)")
    reader = _OdsReader(budget, on_row)
    with z.open("content.xml") as f:
        reader.read(XmlEvents(f, shallow=3, end_tags=_CONTAINERS | {ROW, TABLE}, start_tags=frozenset({TABLE}),
                              work=budget.work))
    return reader.tables


class _OdsReader:
    def __init__(self, budget: Budget, on_row):
        self.budget, self.on_row = budget, on_row
        self.tables: list[tuple[str, Grid, list[tuple[int, int, int, int]]]] = []
        self.grid: Grid | None = None
        self.merges: list[tuple[int, int, int, int]] = []
        self.r = 0  # 0-based index of the next row

    def read(self, events: XmlEvents) -> None:
        grid: Grid | None = None
        table = None
        for ev, el in events:
            tag = el.tag
            if ev == "start":
                if tag == TABLE and grid is None:  # a table inside a cell of this one is not another sheet
                    grid = self.grid = Grid(el.get(NAME) or "Sheet", self.budget)
                    table, self.merges, self.r = el, [], 0
                continue
            if tag == ROW:
                parent = events.stack[-2] if len(events.stack) >= 2 else None
                if grid is not None and (parent is table or (parent is not None and parent.tag in _ROW_GROUPS)):
                    self._row(el)
                    events.done(el)
                    if self.on_row is not None:
                        self.on_row(0)
            elif tag == TABLE:
                if el is table:
                    self.tables.append((grid.sheet, grid, grid.merges_within(self.merges)))
                    grid = self.grid = table = None
                    events.done(el)
            else:
                events.done(el)

    def _count(self, el, attr: str, what: str, c: int | None = None) -> int:
        raw = el.get(attr)
        if raw is None:
            return 1
        try:
            n = int(raw)
        except ValueError:
            n = 0
        if n < 1:
            where = f"dòng {text.format_int(self.r + 1)}" + (f", cột {col_letter(c)}" if c is not None else "")
            raise _damaged(f"{where} của trang «{self.grid.sheet}» ghi số {what} «{raw[:20]}» không hợp lệ")
        return n

    def _row(self, el) -> None:
        grid = self.grid
        rrep = self._count(el, ROWS_REP, "lần lặp dòng")
        vals, merges = self._cells(el)
        if any(v is not None for v in vals):
            if self.r >= MAX_ROWS:
                raise too_many_rows(grid.sheet, self.r)
            if self.r + rrep > MAX_ROWS:
                raise too_many_rows(grid.sheet, MAX_ROWS)
            for i in range(rrep):
                grid.put_row(self.r + i, list(vals) if i else vals)
            self.merges.extend(merges)
        self.r += rrep

    def _cells(self, row) -> tuple[list[Any], list[tuple[int, int, int, int]]]:
        """One row's values (repeated cells written out) and the spans of its cells."""
        vals: list[Any] = []
        merges: list[tuple[int, int, int, int]] = []
        c = 0
        for cell in row:
            if cell.tag != CELL and cell.tag != COVERED:
                continue
            crep = 1 if cell.get(COLS_REP) is None else self._count(cell, COLS_REP, "lần lặp ô", c)
            vtype, v = _value(cell)
            if v is None:
                c += crep
                continue
            spanned = vtype is not None or v
            span_c = span_r = 1
            if spanned and cell.get(COLS_SPAN) is not None:
                span_c = self._count(cell, COLS_SPAN, "cột gộp", c)
            if spanned and cell.get(ROWS_SPAN) is not None:
                span_r = self._count(cell, ROWS_SPAN, "dòng gộp", c)
            if c + crep > MAX_COLS:
                raise too_many_cols(self.grid.sheet, self.r, max(c, MAX_COLS))
            vals.extend([None] * (c - len(vals)))
            v = clip(v)
            if type(v) is str:
                v = self.budget.share(v)
            for _ in range(crep):
                vals.append(v)
                if span_c > 1 or span_r > 1:
                    merges.append((self.r, c, self.r + span_r - 1, c + span_c - 1))
                c += 1
        return vals, merges


def _value(cell) -> tuple[str | None, Any]:
    """(value type, value) of a cell: numbers, dates and booleans typed, text as its paragraphs."""
    vtype = cell.get(VALUE_TYPE) if cell.tag == CELL else None
    if vtype in ("float", "percentage", "currency"):
        raw = cell.get(VALUE)
        try:
            return vtype, float(raw)
        except (TypeError, ValueError):
            return vtype, raw
    if vtype == "date":
        raw = cell.get(DATE_VALUE) or ""
        try:
            return vtype, dt.datetime.fromisoformat(raw)
        except ValueError:
            return vtype, raw
    if vtype == "boolean":
        return vtype, (cell.get(BOOL_VALUE) or "") == "true"
    if len(cell) <= 1:  # the usual cell: no paragraph, or one without spans, spaces or breaks
        p = cell[0] if len(cell) else None
        if p is None or (p.tag == P and not len(p)):
            s = (p.text or "") if p is not None else ""
            return vtype, (s if s.strip() else None)
    budget = [CLIP]
    s = "\n".join(_paragraph(p, budget) for p in _paragraphs(cell))
    return vtype, (s if s.strip() else None)


def _paragraphs(el) -> list:
    """Every ``text:p`` inside ``el`` in document order, comments (``office:annotation``) left out."""
    out = []
    for ch in el:
        if ch.tag == ANNOTATION:
            continue
        if ch.tag == P:
            out.append(ch)
        out.extend(_paragraphs(ch))  # nesting is bounded by exports.xml_guard.MAX_DEPTH
    return out


def _paragraph(el, budget: list[int]) -> str:
    """A paragraph's text with its spaces, tabs and line breaks written out (at most ``budget[0]`` characters)."""
    out: list[str] = []
    _collect(el, budget, out)
    return "".join(out)


def _collect(el, budget: list[int], out: list[str]) -> None:
    def add(s: str | None) -> None:
        if s and budget[0] > 0:
            s = s[: budget[0]]
            out.append(s)
            budget[0] -= len(s)

    add(el.text)
    for ch in el:
        if ch.tag == S:
            try:
                n = int(ch.get(C) or 1)
            except ValueError:
                n = 1
            add(" " * max(0, min(n, budget[0])))
        elif ch.tag == TAB:
            add("\t")
        elif ch.tag == LINE_BREAK:
            add("\n")
        elif ch.tag != ANNOTATION:
            _collect(ch, budget, out)
        add(ch.tail)
