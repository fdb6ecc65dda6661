"""Reading XLSX workbooks for the import: streamed, within limits, whatever the file declares.

    sheets = read_xlsx(SafeZip(data), budget, on_row)   # [(name, Grid, merges)]

The values are those openpyxl's read-only, ``data_only`` reader gives (numbers as int or
float, dates by the cell's number format, booleans, shared and inline strings, formulas as
their cached value, errors as their text) and a text cell's font name where the cell has a
style — the tests compare the two. What differs is what a hostile file cannot do here: the
declared dimension (``A1:XFD1048576``) is ignored, only cells that hold something are
stored, every XML part is streamed through :class:`exports.xml_guard.XmlEvents` or, for the
worksheets and shared strings, expat's callbacks (:mod:`exports.xlsx_sheet`: the same guards —
no DTD, no gigabyte of whitespace in one element —, no element built for each cell) from a :class:`exports.safe_zip.SafeZip` (sizes and
compression checked first), and a row or column number that is not a number is a damaged file.

openpyxl is imported (for its number-format and date rules) only when a workbook is read.
"""

from __future__ import annotations

import posixpath
from collections.abc import Callable
from typing import Any

from .safe_zip import SafeZip
from .sheet_limits import Budget, Grid
from .xlsx_sheet import (MAIN, MAX_SHARED_STRINGS, SheetReader, count_values, damaged, read_shared_strings,
                         refuse_if_too_many)
from .xml_guard import Work, XmlEvents

__all__ = ["read_xlsx", "MAX_SHARED_STRINGS", "MAX_PART"]

MAX_PART = 32 * 1024 * 1024  # a workbook, relationships or styles part
_REL_NS = ("http://schemas.openxmlformats.org/officeDocument/2006/relationships",
           "http://purl.oclc.org/ooxml/officeDocument/relationships")
_PKG_REL = "{http://schemas.openxmlformats.org/package/2006/relationships}Relationship"
_CT = "{http://schemas.openxmlformats.org/package/2006/content-types}"


def _tags(name: str) -> frozenset[str]:
    return frozenset(f"{{{ns}}}{name}" for ns in MAIN)


SHEET, WBPR, XF, FONT, NAME, NUMFMT = (_tags(n) for n in ("sheet", "workbookPr", "xf", "font", "name", "numFmt"))
_damaged = damaged


def _local(tag: str) -> str:
    return tag.rpartition("}")[2]


def _attr(el, name: str) -> str | None:
    """An attribute in the relationships namespace (``r:id``) or without a namespace."""
    for ns in _REL_NS:
        v = el.get(f"{{{ns}}}{name}")
        if v is not None:
            return v
    return el.get(name)


def _walk(z: SafeZip, part: str, depth: int, visit: Callable[[Any, int], None], work: Work | None = None) -> None:
    """``visit(element, its depth)`` for every element of a small part down to ``depth`` (the root is 1),
    at the element's end (its children complete); then it is forgotten."""
    if z.size(part) > MAX_PART:
        raise _damaged(f"phần «{part}» quá lớn")
    with z.open(part) as f:
        events = XmlEvents(f, shallow=depth, work=work)
        for ev, el in events:
            if ev == "end":
                visit(el, len(events.stack))
                events.done(el)


def _rels(z: SafeZip, part: str, work: Work) -> dict[str, tuple[str, str]]:
    """{relationship id: (type, target part)} of ``part``'s relationships."""
    folder, name = posixpath.split(part)
    rels_part = posixpath.join(folder, "_rels", name + ".rels")
    out: dict[str, tuple[str, str]] = {}
    if rels_part not in z:
        return out

    def visit(el, _d: int) -> None:
        if el.tag == _PKG_REL and el.get("TargetMode") != "External":
            target = el.get("Target") or ""
            path = target[1:] if target.startswith("/") else posixpath.join(folder, target)
            out[el.get("Id") or ""] = (el.get("Type") or "", posixpath.normpath(path))

    _walk(z, rels_part, 2, visit, work)
    return out


def _workbook_part(z: SafeZip, work: Work) -> str:
    for typ, target in _rels(z, "", work).values():
        if typ.endswith("/officeDocument") and target in z:
            return target
    if "[Content_Types].xml" in z:
        found: list[str] = []

        def visit(el, _d: int) -> None:
            ctype = el.get("ContentType") or ""
            if el.tag == _CT + "Override" and ctype.endswith(".main+xml") and "spreadsheetml" in ctype:
                found.append((el.get("PartName") or "").lstrip("/"))

        _walk(z, "[Content_Types].xml", 2, visit, work)
        for p in found:
            if p in z:
                return p
    if "xl/workbook.xml" in z:
        return "xl/workbook.xml"
    raise _damaged("không tìm thấy phần sổ tính (workbook)")


def _workbook(z: SafeZip, wb_part: str, work: Work) -> tuple[list[tuple[str, str]], bool, dict[str, tuple[str, str]]]:
    """([(sheet name, worksheet part)], 1904 date system?, the workbook's relationships)."""
    rels = _rels(z, wb_part, work)
    found: list[tuple[str, str]] = []
    date1904 = [False]

    def visit(el, d: int) -> None:
        if d == 3 and el.tag in SHEET:
            rel = rels.get(_attr(el, "id") or "")
            if rel and rel[0].endswith("/worksheet") and rel[1] in z:
                found.append((el.get("name") or f"Sheet{len(found) + 1}", rel[1]))
        elif d == 2 and el.tag in WBPR:
            date1904[0] = (el.get("date1904") or "").lower() in ("1", "true")

    _walk(z, wb_part, 3, visit, work)
    return found, date1904[0], rels


class _Styles:
    """What a cell's style index says: is it a date (or a duration), and its font's name."""

    def __init__(self):
        self.dates: set[int] = set()
        self.durations: set[int] = set()
        self.fonts: list[str | None] = []
        self.xf_fonts: list[int] = []

    def font(self, style: int) -> str | None:
        try:
            return self.fonts[self.xf_fonts[style]]
        except IndexError:
            return None


def _styles(z: SafeZip, part: str | None, work: Work) -> _Styles:
    """Number formats, fonts and cell formats (``cellXfs``), as openpyxl reads them for dates and fonts."""
    from openpyxl.styles.numbers import BUILTIN_FORMATS, is_date_format, is_timedelta_format

    st = _Styles()
    if not part or part not in z:
        return st
    custom: dict[int, str] = {}
    xf_formats: list[int] = []

    def visit(el, d: int) -> None:
        if d != 3:
            return
        parent = _local(events_parent[0])
        if parent == "numFmts" and el.tag in NUMFMT:
            custom[_int(el.get("numFmtId"), -1)] = el.get("formatCode") or ""
        elif parent == "fonts" and el.tag in FONT:
            st.fonts.append(next((n.get("val") for n in el if n.tag in NAME), None))
        elif parent == "cellXfs" and el.tag in XF:
            xf_formats.append(_int(el.get("numFmtId"), 0))
            st.xf_fonts.append(_int(el.get("fontId"), 0))

    events_parent = [""]
    if z.size(part) > MAX_PART:
        raise _damaged(f"phần «{part}» quá lớn")
    with z.open(part) as f:
        events = XmlEvents(f, shallow=3, work=work)
        for ev, el in events:
            if ev == "end":
                d = len(events.stack)
                events_parent[0] = events.stack[-2].tag if d >= 2 else ""
                visit(el, d)
                events.done(el)
    for i, fmt_id in enumerate(xf_formats):
        fmt = custom[fmt_id] if fmt_id in custom else BUILTIN_FORMATS.get(fmt_id)
        if is_date_format(fmt):
            st.dates.add(i)
        if is_timedelta_format(fmt):
            st.durations.add(i)
    return st


def _int(v: str | None, default: int) -> int:
    try:
        return int(v) if v is not None else default
    except ValueError:
        return default


def _shared_strings(z: SafeZip, part: str | None, budget: Budget) -> list[str]:
    """Every shared string (its plain text and rich-text runs; phonetic runs left out, as openpyxl does)."""
    if not part or part not in z:
        return []
    with z.open(part) as f:
        return read_shared_strings(f, budget)


def read_xlsx(z: SafeZip, budget: Budget, on_row: Callable[[int], None] | None = None
              ) -> list[tuple[str, Grid, list[tuple[int, int, int, int]]]]:
    """Every worksheet: (name, its cells, merged ranges within them). ``on_row(hint)`` is called once per row
    read (``hint``: the row count the sheet declares, capped — for a progress bar only, never trusted)."""
    from openpyxl.utils.datetime import CALENDAR_MAC_1904, CALENDAR_WINDOWS_1900

    wb_part = _workbook_part(z, budget.work)
    sheets, date1904, rels = _workbook(z, wb_part, budget.work)
    epoch = CALENDAR_MAC_1904 if date1904 else CALENDAR_WINDOWS_1900
    by_type = {typ.rpartition("/")[2]: target for typ, target in rels.values()}
    strings = _shared_strings(z, by_type.get("sharedStrings") or _default(z, "xl/sharedStrings.xml"), budget)
    styles = _styles(z, by_type.get("styles") or _default(z, "xl/styles.xml"), budget.work)
    out = []
    for name, part in sheets:
        with z.open(part) as f:  # a sheet holding more values than the budget: refused before it is parsed
            refuse_if_too_many(count_values(f), budget, name)
        reader = SheetReader(name, strings, styles, epoch, budget, on_row)
        with z.open(part) as f:
            reader.read(f)
        out.append((name, reader.grid, reader.grid.merges_within(reader.merges)))
    return out


def _default(z: SafeZip, part: str) -> str | None:
    return part if part in z else None
