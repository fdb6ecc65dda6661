"""A worksheet and the shared strings of an XLSX workbook, read through expat's callbacks.

    strings = read_shared_strings(stream, budget)          # [text of each shared string]
    reader = SheetReader(name, strings, styles, epoch, budget, on_row)
    reader.read(stream)                                     # reader.grid, reader.merges

A roster of 180,000 people is 3 million XML elements: no element object is built for them
(that cost three times the reading); each callback looks at a name and a depth. What is read
is what the element-tree reader read (and openpyxl reads): the text of a cell's first ``v``
(before any child element of it), or of its first ``is`` (its ``t`` and the ``t`` of each
rich-text run), the cell's ``r``, ``t`` and ``s``; rows at most three deep (worksheet,
``sheetData``, row), merged ranges and the declared dimension (a progress hint only). The
guards are those of :class:`exports.xml_guard.XmlEvents`: no DTD, at most
:data:`~exports.xml_guard.GAP_ELEMENTS` elements and :data:`~exports.xml_guard.GAP_BYTES`
bytes between two handled elements (a row, a shared string), :data:`~exports.xml_guard.MAX_DEPTH`
levels, and the file's :class:`~exports.xml_guard.Work`.

Before a sheet is parsed its bytes are streamed once (C speed) to count the values it holds:
a sheet with more than the file's cell budget is refused in a second, not after reading two
million cells.
"""

from __future__ import annotations

import re
from typing import Any

from models import text

from .sheet_limits import MAX_COLS, MAX_ROWS, SAVE_AGAIN, Budget, Grid, SheetRefused, clip, too_many_cells
from .xml_guard import CHUNK, GAP_ELEMENTS, MAX_DEPTH, ExpatReader, too_far

__all__ = ["SheetReader", "read_shared_strings", "MAX_SHARED_STRINGS", "count_values", "MAIN", "EXCEL_ROWS"]

MAX_SHARED_STRINGS = 1_000_000
MAIN = ("http://schemas.openxmlformats.org/spreadsheetml/2006/main", "http://purl.oclc.org/ooxml/spreadsheetml/main")
EXCEL_ROWS = 1_048_576
_COORD = re.compile(r"\$?([A-Za-z]{1,3})\$?(\d+)$")


def main_prefixes(attrs: dict) -> frozenset[str]:
    """The prefixes (``""``, ``"x:"``) the root element's declarations bind to a spreadsheet namespace. (Names
    are read as written: a file that binds the prefixes anew deeper down is read by the root's.)"""
    return frozenset(("" if k == "xmlns" else k[6:] + ":") for k, v in attrs.items()
                     if (k == "xmlns" or k.startswith("xmlns:")) and v in MAIN)


def _prefix(name: str) -> str:
    return name[:name.index(":") + 1] if ":" in name else ""


def damaged(why: str) -> SheetRefused:
    return SheetRefused(f"tệp Excel (.xlsx) bị hỏng: {why}. {SAVE_AGAIN}")


def count_values(stream) -> int:
    """How many cells of a worksheet's XML hold a value, at most (``<v>`` and ``<is>`` elements, not the empty
    ``<v></v>``), counted on the bytes as they stream: a prefixed namespace (``<x:v>``) is not counted
    (the parse counts it), a cell whose value is a blank text is."""
    n, tail = 0, b""
    while True:
        chunk = stream.read(CHUNK * 16)
        if not chunk:
            return n
        data = tail + chunk
        n += data.count(b"<v>") + data.count(b"<is>") - data.count(b"<v></v>")
        tail = data[-6:]
        n -= tail.count(b"<v>") + tail.count(b"<is>") - tail.count(b"<v></v>")  # counted with the next chunk


class _Strings(ExpatReader):
    """The shared strings part: each ``si``'s ``t`` and the ``t`` of its rich-text runs (phonetic runs left out)."""

    def __init__(self, budget: Budget):
        super().__init__(budget)
        self.out: list[str] = []
        self.si_depth = self.run_depth = 0
        self.collect = False
        self.buf: list[str] = []
        self.t = self.r = ""
        self.si: frozenset[str] = frozenset()

    def start(self, name: str, attrs: dict) -> None:
        if self.ends:
            self._drain()
        depth = self.depth = self.depth + 1
        since = self.since = self.since + 1
        self.collect = False
        si = self.si_depth
        if si:
            if depth == si + 1:
                if name == self.t:
                    self.collect = True
                elif name == self.r:
                    self.run_depth = depth
            elif depth == self.run_depth + 1 and self.run_depth and name == self.t:
                self.collect = True
        elif depth == 2 and name in self.si:
            self.si_depth = depth
            ns = name[:-2]
            self.t, self.r = ns + "t", ns + "r"
            self.buf.clear()
        elif depth == 1:
            self.si = frozenset(p + "si" for p in main_prefixes(attrs))
        if since > GAP_ELEMENTS or depth > MAX_DEPTH:
            raise too_far(since)

    def _drain(self) -> None:
        n = len(self.ends)
        if not n:  # called after each chunk too: a text the chunk's end cut in two goes on being collected
            return
        self.ends.clear()
        self.collect = False
        for _ in range(n):
            depth = self.depth
            self.depth = depth - 1
            if depth == self.run_depth:
                self.run_depth = 0
            elif depth == self.si_depth:
                self.si_depth = 0
                self._string()
            if depth <= 2:
                self._done()

    def _string(self) -> None:
        if len(self.out) >= MAX_SHARED_STRINGS:
            raise SheetRefused(
                f"tệp có hơn {text.format_int(MAX_SHARED_STRINGS)} chuỗi chữ khác nhau, quá sức đọc "
                "của chương trình; tệp chưa được nhập. Hãy chia thành nhiều tệp nhỏ hơn rồi nhập lại.")
        buf = self.buf
        s = buf[0] if len(buf) == 1 else "".join(buf)
        buf.clear()
        if "x005F_" in s:
            s = s.replace("x005F_", "")
        s = clip(s)
        if "_x" in s:
            self.budget.escapes = True
        self.budget.text(len(s))
        self.out.append(s)


def read_shared_strings(stream, budget: Budget) -> list[str]:
    """Every shared string of the part ``stream`` reads."""
    r = _Strings(budget)
    r._run(stream, r.start, r.chars)
    return r.out


class SheetReader(ExpatReader):
    """One worksheet's rows, streamed: cells into a :class:`Grid`, merged ranges, a row count hint.

    The handlers keep their state in a few numbers (millions of calls): ``cell_at``, the depth a cell
    may start at (a row is open, no cell is: -1 otherwise); ``child_at``, the depth of the open cell's
    children (-1 without one); ``want``, the child holding its value (``v``, or ``is`` for an inline
    string); ``seen``, whether that child has come (only the first counts); ``box``/``run``, the
    depths of the open ``is`` and of a rich-text run in it (0: none)."""

    def __init__(self, name: str, strings: list[str], styles, epoch, budget: Budget, on_row):
        super().__init__(budget)
        self.name, self.strings, self.styles, self.epoch = name, strings, styles, epoch
        self.grid = Grid(name, budget)
        self.merges: list[tuple[int, int, int, int]] = []
        self.on_row = on_row
        self.hint = 0
        self._cols: dict[str, int] = {}  # column letters met (upper or lower case, validated) → 1-based column
        self._styles_seen: dict[str, int] = {}
        self._fonts: dict[int, str | None] = {}  # style index → its font's name
        self._tags("")
        self.rows = self.merge_tags = self.dimension_tags = frozenset()
        self.row_depth = self.cell_depth = self.box = self.run = 0
        self.cell_at = self.child_at = -1
        self.row_no, self.r_attr, self.cut = 0, "", 0
        self.raw: list[tuple[str | None, str | None, str | None, list[str]]] = []
        self.want = self.v_tag
        self.inline = self.seen = self.collect = False
        self.buf: list[str] = []

    def _tags(self, ns: str) -> None:
        self.cell_tag, self.v_tag, self.is_tag, self.t_tag, self.r_tag = (ns + n for n in ("c", "v", "is", "t", "r"))

    def read(self, stream) -> None:
        self._run(stream, self.start, self.chars)

    def start(self, name: str, attrs: dict) -> None:
        if self.ends:
            self._drain()
        depth = self.depth = self.depth + 1
        since = self.since = self.since + 1
        self.collect = False  # a value's text is what comes before its first child element
        if depth == self.child_at:
            if not self.seen and name == self.want:
                self.seen = True
                if self.inline:
                    self.box = depth
                else:
                    self.collect = True
        elif depth == self.cell_at and name == self.cell_tag:
            self.cell_depth, self.child_at, self.cell_at = depth, depth + 1, -1
            t = attrs.get("t")
            self.inline = inline = t == "inlineStr"
            self.want = self.is_tag if inline else self.v_tag
            self.seen = False
            buf = self.buf = []
            self.raw.append((attrs.get("r"), t, attrs.get("s"), buf))  # read when the row ends
        elif self.box:
            self._in_box(depth, name)
        elif depth <= 3 and not self.row_depth:
            self._outer(depth, name, attrs)
        if since > GAP_ELEMENTS or depth > MAX_DEPTH:
            raise too_far(since)

    def _in_box(self, depth: int, name: str) -> None:
        """Inside an inline string: its ``t``, its runs and their ``t``."""
        if depth == self.box + 1:
            if name == self.t_tag:
                self.collect = True
            elif name == self.r_tag:
                self.run = depth
        elif self.run and depth == self.run + 1 and name == self.t_tag:
            self.collect = True

    def _outer(self, depth: int, name: str, attrs: dict) -> None:
        """An element at most three deep outside a row: the root, a row, a merged range, the dimension."""
        if depth == 1:
            self._tags(_prefix(name))
            self.want = self.v_tag
            mains = main_prefixes(attrs)
            self.rows, self.merge_tags, self.dimension_tags = (
                frozenset(p + local for p in mains) for local in ("row", "mergeCell", "dimension"))
        elif name in self.rows:
            self.row_depth, self.cell_at = depth, depth + 1
            self._row_start(attrs.get("r"))
        elif name in self.merge_tags:
            self._merge(attrs.get("ref") or "")
        elif name in self.dimension_tags:
            self._dimension(attrs.get("ref") or "")

    def _drain(self) -> None:
        n = len(self.ends)
        if not n:  # called after each chunk too: a text the chunk's end cut in two goes on being collected
            return
        self.ends.clear()
        self.collect = False
        for _ in range(n):
            depth = self.depth
            self.depth = depth - 1
            if depth == self.cell_depth:
                self.cell_depth = self.box = self.run = 0
                self.child_at, self.cell_at = -1, depth
            elif depth > 3:
                if depth == self.box:
                    self.box = self.run = 0
                elif depth == self.run:
                    self.run = 0
                continue
            elif depth == self.row_depth:
                self.row_depth, self.cell_at = 0, -1
                self._row_end()
            if depth <= 3:
                self._done()

    def _row_start(self, r_attr: str | None) -> None:
        self.row_no = self.row_no + 1 if r_attr is None else self._number(r_attr, "dòng")
        if self.row_no > EXCEL_ROWS:
            raise damaged(f"trang «{self.name}» có hơn {text.format_int(EXCEL_ROWS)} dòng")
        self.r_attr, self.cut = r_attr or "", -len(r_attr or "x")
        self.raw = []

    def _row_end(self) -> None:
        if self.raw:
            items = self._cells(self.raw)
            if items:
                self.grid.put_cells(self.row_no - 1, items, self.width + 1)
        if self.on_row is not None:
            self.on_row(self.hint)

    def _cells(self, raw: list[tuple[str | None, str | None, str | None, list[str]]]
               ) -> list[tuple[int, Any, str | None, bool]]:
        """A row's cells — (``r``, ``t``, ``s``, the text of its value) as they came — as the grid keeps them
        (column, value, font, text already counted); a cell naming another row is put there at once."""
        row_no, ra, cut, cols = self.row_no, self.r_attr, self.cut, self._cols
        strings, dates, fonts, styles, share = self.strings, self.styles.dates, self._fonts, self._styles_seen, \
            self.budget.share
        items: list[tuple[int, Any, str | None, bool]] = []
        col = width = 0
        for ref, t, s, buf in raw:
            if not ref:
                r, col = row_no, col + 1
            elif ra and ref.endswith(ra) and (c := cols.get(ref[:cut])):  # "C12" in row 12: the usual
                r, col = row_no, c
            else:
                r, col = self._coordinate(ref)
            v: Any = buf[0] if len(buf) == 1 else "".join(buf)
            if not v:
                continue
            style = styles.get(s, -1) if s else 0
            if style < 0:
                style = self._style(s)
            if t == "s":
                try:
                    v = strings[int(v)]
                except (ValueError, IndexError):
                    raise self._bad(ref, v) from None
            elif t == "inlineStr":
                v = share(v)
                if "_x" in v:
                    self.budget.escapes = True
            elif t is None and style not in dates:  # a plain number
                try:
                    v = float(v) if ("." in v or "E" in v or "e" in v) else int(v)
                except ValueError:
                    raise self._bad(ref, v) from None
            else:
                v = self._typed(t or "n", v, style, ref or str(row_no))
                if type(v) is str and "_x" in v:
                    self.budget.escapes = True
            if type(v) is str:
                if v.isspace():
                    continue
                font = fonts.get(style) if style else None
            else:
                font = None
            if r == row_no:
                items.append((col - 1, v, font, t == "s"))
                if col > width:
                    width = col
            else:  # a cell whose address names another row
                self.grid.put(r - 1, col - 1, v, font, t == "s")
        self.width = width - 1
        return items

    def _bad(self, ref: str | None, v: str) -> SheetRefused:
        return damaged(f"trang «{self.name}», ô {(ref or str(self.row_no))[:20]} có giá trị «{v[:20]}» không hợp lệ")

    def _style(self, s: str) -> int:
        style = self._styles_seen.get(s)
        if style is None:
            try:
                style = int(s)
            except ValueError:
                style = 0
            self._styles_seen[s] = style
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
                raise damaged(f"trang «{self.name}» ghi số {what} «{s[:20]}» không hợp lệ") from None
            n = int(f)
        if n < 1 or n > EXCEL_ROWS:
            raise damaged(f"trang «{self.name}» ghi số {what} «{s[:20]}» không hợp lệ")
        return n

    def _coordinate(self, ref: str) -> tuple[int, int]:
        m = _COORD.match(ref)
        if m is None:
            raise damaged(f"trang «{self.name}» có ô mang địa chỉ «{ref[:20]}» không hợp lệ")
        letters, digits = m.groups()
        col = self._cols.get(letters)
        if col is None:
            col = 0
            for ch in letters.upper():
                col = col * 26 + ord(ch) - 64
            if col > 16_384:
                raise damaged(f"trang «{self.name}» có ô mang địa chỉ «{ref[:20]}» không hợp lệ")
            self._cols[letters] = col
        n = int(digits)
        if n < 1 or n > EXCEL_ROWS:
            raise damaged(f"trang «{self.name}» có ô mang địa chỉ «{ref[:20]}» không hợp lệ")
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
            raise damaged(f"trang «{self.name}», ô {ref[:20]} có giá trị «{v[:20]}» không hợp lệ") from None
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


def refuse_if_too_many(count: int, budget: Budget, sheet: str) -> None:
    """Before a sheet is parsed: its values (:func:`count_values`) on top of the cells read so far."""
    if budget.cells + count > budget.max_cells:
        raise too_many_cells(sheet)

