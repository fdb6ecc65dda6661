"""Reading XLSX workbooks for the import: streamed, within limits, whatever the file declares.

    sheets = read_xlsx(SafeZip(data), budget, on_row)   # [(name, Grid, merges)]

The values are those openpyxl's read-only, ``data_only`` reader gives (numbers as int or
float, dates by the cell's number format, booleans, shared and inline strings, formulas as
their cached value, errors as their text) and a text cell's font name where the cell has a
style — the tests compare the two. What differs is what a hostile file cannot do here: the
declared dimension (``A1:XFD1048576``) is ignored, only cells that hold something are
stored, every XML part is streamed through :class:`exports.xml_guard.XmlEvents` (no DTD, no
gigabyte of whitespace in one element) from a :class:`exports.safe_zip.SafeZip` (sizes and
compression checked first), and a row or column number that is not a number is a damaged file.

openpyxl is imported (for its number-format and date rules) only when a workbook is read.
"""

from __future__ import annotations

import posixpath
import re
from collections.abc import Callable
from typing import Any

from models import text

from .safe_zip import SafeZip
from .sheet_limits import MAX_COLS, MAX_ROWS, SAVE_AGAIN, Budget, Grid, SheetRefused, clip
from .xml_guard import Work, XmlEvents

__all__ = ["read_xlsx", "MAX_SHARED_STRINGS", "MAX_PART"]

MAX_SHARED_STRINGS = 1_000_000
MAX_PART = 32 * 1024 * 1024  # a workbook, relationships or styles part
MAIN = ("http://schemas.openxmlformats.org/spreadsheetml/2006/main", "http://purl.oclc.org/ooxml/spreadsheetml/main")
_REL_NS = ("http://schemas.openxmlformats.org/officeDocument/2006/relationships",
           "http://purl.oclc.org/ooxml/officeDocument/relationships")
_PKG_REL = "{http://schemas.openxmlformats.org/package/2006/relationships}Relationship"
_CT = "{http://schemas.openxmlformats.org/package/2006/content-types}"
_COORD = re.compile(r"\$?([A-Za-z]{1,3})\$?(\d+)$")
_EXCEL_ROWS = 1_048_576


def _tags(name: str) -> frozenset[str]:
    return frozenset(f"{{{ns}}}{name}" for ns in MAIN)


ROW, T, R, SI = (_tags(n) for n in ("row", "t", "r", "si"))
MERGE, DIMENSION, SHEET, WBPR, XF, FONT, NAME, NUMFMT = (
    _tags(n) for n in ("mergeCell", "dimension", "sheet", "workbookPr", "xf", "font", "name", "numFmt"))


def _damaged(why: str) -> SheetRefused:
    return SheetRefused(f"tệp Excel (.xlsx) bị hỏng: {why}. {SAVE_AGAIN}")


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
    out: list[str] = []
    if not part or part not in z:
        return out
    with z.open(part) as f:
        events = XmlEvents(f, shallow=2, work=budget.work)
        for ev, el in events:
            if ev == "end":
                if el.tag in SI:
                    if len(out) >= MAX_SHARED_STRINGS:
                        raise SheetRefused(
                            f"tệp có hơn {text.format_int(MAX_SHARED_STRINGS)} chuỗi chữ khác nhau, quá sức đọc "
                            "của chương trình; tệp chưa được nhập. Hãy chia thành nhiều tệp nhỏ hơn rồi nhập lại.")
                    first = el[0] if len(el) == 1 else None
                    s = (first.text or "") if first is not None and first.tag in T else _text(el)
                    if "x005F_" in s:
                        s = s.replace("x005F_", "")
                    s = clip(s)
                    budget.text(len(s))
                    out.append(s)
                events.done(el)
    return out


def _text(el) -> str:
    """The text of a shared or inline string: its ``t`` and the ``t`` of each rich-text run."""
    parts = []
    for ch in el:
        if ch.tag in T:
            parts.append(ch.text or "")
        elif ch.tag in R:
            for t in ch:
                if t.tag in T:
                    parts.append(t.text or "")
    return "".join(parts)


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
        reader = _SheetReader(name, strings, styles, epoch, budget, on_row)
        with z.open(part) as f:
            reader.read(XmlEvents(f, shallow=3, work=budget.work))
        out.append((name, reader.grid, reader.grid.merges_within(reader.merges)))
    return out


def _default(z: SafeZip, part: str) -> str | None:
    return part if part in z else None


class _SheetReader:
    """One worksheet's rows, streamed: cells into a :class:`Grid`, merged ranges, a row count hint."""

    def __init__(self, name: str, strings: list[str], styles: _Styles, epoch, budget: Budget, on_row):
        self.name, self.strings, self.styles, self.epoch = name, strings, styles, epoch
        self.grid = Grid(name, budget)
        self.merges: list[tuple[int, int, int, int]] = []
        self.on_row = on_row
        self.hint = 0
        self._cols: dict[str, int] = {}  # column letters met (upper or lower case, validated) → 1-based column
        self._styles_seen: dict[str, int] = {}
        self._fonts: dict[int, str | None] = {}  # style index → its font's name
        self._ns = f"{{{MAIN[0]}}}"

    def read(self, events: XmlEvents) -> None:
        row_no = 0
        for ev, el in events:
            if ev == "start":  # the root
                self._ns = el.tag.rpartition("}")[0] + "}" if el.tag.startswith("{") else ""
                continue
            tag = el.tag
            if tag in ROW:
                row_no = self._row(el, row_no)
                if self.on_row is not None:
                    self.on_row(self.hint)
            elif tag in MERGE:
                self._merge(el.get("ref") or "")
            elif tag in DIMENSION:
                self._dimension(el.get("ref") or "")
            events.done(el)

    def _row(self, el, prev: int) -> int:
        r_attr = el.get("r")
        row_no = prev + 1 if r_attr is None else self._number(r_attr, "dòng")
        if row_no > _EXCEL_ROWS:
            raise _damaged(f"trang «{self.name}» có hơn {text.format_int(_EXCEL_ROWS)} dòng")
        cell_tag, v_tag, is_tag = self._ns + "c", self._ns + "v", self._ns + "is"
        col = 0
        items: list[tuple[int, Any, str | None, bool]] = []
        dates, fonts, cols, strings = self.styles.dates, self._fonts, self._cols, self.strings
        for c in el:
            if c.tag != cell_tag:
                continue
            ref = c.get("r")
            if not ref:
                r, col = row_no, col + 1
            elif r_attr and ref.endswith(r_attr) and ref[:-len(r_attr)] in cols:  # "C12" in row 12: the usual
                r, col = row_no, cols[ref[:-len(r_attr)]]
            else:
                r, col = self._coordinate(ref)
            t = c.get("t")
            s = c.get("s")
            style = self._style(s) if s else 0
            if t == "inlineStr":
                box = c.find(is_tag)
                if box is None:
                    continue
                v: Any = self.grid.budget.share(_text(box))
            else:
                v = c.findtext(v_tag)
                if not v:
                    continue
                try:
                    if t == "s":
                        v = strings[int(v)]
                    elif t is None and style not in dates:  # a plain number
                        v = float(v) if ("." in v or "E" in v or "e" in v) else int(v)
                    else:
                        v = self._typed(t or "n", v, style, ref or str(row_no))
                except (ValueError, IndexError):
                    raise _damaged(f"trang «{self.name}», ô {(ref or str(row_no))[:20]} có giá trị "
                                   f"«{v[:20]}» không hợp lệ") from None
            if type(v) is str:
                if not v or v.isspace():
                    continue
                font = fonts.get(style) if style else None
            else:
                font = None
            if r == row_no:
                items.append((col - 1, v, font, t == "s"))
            else:  # a cell whose address names another row
                self.grid.put(r - 1, col - 1, v, font, t == "s")
        if items:
            self.grid.put_cells(row_no - 1, items)
        return row_no

    def _style(self, s: str) -> int:
        style = self._styles_seen.get(s)
        if style is None:
            style = self._styles_seen[s] = _int(s, 0)
            self._fonts[style] = self.styles.font(style)
        return style

    def _number(self, s: str, what: str) -> int:
        try:
            n = int(s)
        except ValueError:
            try:
                f = float(s)
            except ValueError:
                f = 0.5
            if not f.is_integer():
                raise _damaged(f"trang «{self.name}» ghi số {what} «{s[:20]}» không hợp lệ") from None
            n = int(f)
        if n < 1 or n > _EXCEL_ROWS:
            raise _damaged(f"trang «{self.name}» ghi số {what} «{s[:20]}» không hợp lệ")
        return n

    def _coordinate(self, ref: str) -> tuple[int, int]:
        m = _COORD.match(ref)
        if m is None:
            raise _damaged(f"trang «{self.name}» có ô mang địa chỉ «{ref[:20]}» không hợp lệ")
        letters, digits = m.groups()
        col = self._cols.get(letters)
        if col is None:
            col = 0
            for ch in letters.upper():
                col = col * 26 + ord(ch) - 64
            if col > 16_384:
                raise _damaged(f"trang «{self.name}» có ô mang địa chỉ «{ref[:20]}» không hợp lệ")
            self._cols[letters] = col
        n = int(digits)
        if n < 1 or n > _EXCEL_ROWS:
            raise _damaged(f"trang «{self.name}» có ô mang địa chỉ «{ref[:20]}» không hợp lệ")
        return n, col

    def _typed(self, t: str, v: str, style: int, ref: str) -> Any:
        try:
            if t == "n":
                n = float(v) if ("." in v or "E" in v or "e" in v) else int(v)
                if style in self.styles.dates:
                    return self._date(n, style)
                return n
            if t == "s":
                return self.strings[int(v)]
            if t == "b":
                return bool(int(v))
            if t == "d":
                from openpyxl.utils.datetime import from_ISO8601

                return from_ISO8601(v)
        except (ValueError, IndexError, TypeError, OverflowError):
            raise _damaged(f"trang «{self.name}», ô {ref[:20]} có giá trị «{v[:20]}» không hợp lệ") from None
        return v  # str (a formula's text result), e (an error such as #N/A), or an unknown type: the text

    def _date(self, n, style: int) -> Any:
        from openpyxl.utils.datetime import from_excel

        try:
            return from_excel(n, self.epoch, timedelta=style in self.styles.durations)
        except (OverflowError, ValueError):
            return "#VALUE!"

    def _merge(self, ref: str) -> None:
        a, sep, b = ref.partition(":")
        if not sep or _COORD.match(a) is None or _COORD.match(b) is None:
            return
        try:
            r1, c1 = self._coordinate(a)
            r2, c2 = self._coordinate(b)
        except SheetRefused:
            return
        if r1 <= MAX_ROWS and c1 <= MAX_COLS:
            self.merges.append((r1 - 1, c1 - 1, r2 - 1, c2 - 1))

    def _dimension(self, ref: str) -> None:
        m = _COORD.match(ref.rpartition(":")[2])
        if m:
            self.hint = min(int(m.group(2)), MAX_ROWS)
