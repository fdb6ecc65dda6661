"""The tables of an ODS ``content.xml``, read through expat's callbacks.

    tables = read_content(lambda: z.open("content.xml"), budget, on_row)   # [(name, Grid, merged ranges)]

A roster of 150,000 people is 3 million XML elements: no element object is built for them;
each start is one call that looks at a name and a depth, and the ends are gathered by expat
itself (``ends.append``) and taken in order before the next start or text (:meth:`_drain`).
Names are read as written, the prefixes the root declares standing for their namespaces (expat's
intern table turns ``table:table-cell`` into ``"urn:…:table:1.0 table-cell"``): any prefix reads as
LibreOffice's. A namespace declared anywhere else (``xmlns`` counted on the bytes as they stream)
and the part is read again with names resolved by expat (a fifth slower).

What is read is what :mod:`exports.ods_reader` read with an element tree (and odfpy before it):
rows that are children of a table (or of its row groups), cells and covered cells that are
children of such a row, the value of a typed cell from its attributes, the text of any other
cell from its paragraphs (every ``text:p`` inside it, comments left out, ``text:s``, ``text:tab``
and ``text:line-break`` written out, at most :data:`~exports.sheet_limits.CLIP` characters).
The guards are :class:`exports.xml_guard.XmlEvents`' — no DTD, at most
:data:`~exports.xml_guard.GAP_ELEMENTS` elements and :data:`~exports.xml_guard.GAP_BYTES` bytes
between two handled elements (a row, a table, a column, anything at most three deep),
:data:`~exports.xml_guard.MAX_DEPTH` levels, the file's :class:`~exports.xml_guard.Work` — and
the reader's: repeats and spans must be whole numbers ≥ 1, repeated data stops at
:data:`~exports.sheet_limits.MAX_ROWS` / :data:`~exports.sheet_limits.MAX_COLS`, merged ranges
are cut to the rows read.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any
from xml.parsers import expat

from models import text

from .sheet_limits import (CLIP, MAX_COLS, MAX_ROWS, Budget, Grid, SheetRefused, clip, col_letter, too_many_cells,
                           too_many_cols, too_many_rows)
from .xml_guard import GAP_ELEMENTS, MAX_DEPTH, ExpatReader, XmlRefused, expat_run, too_far

__all__ = ["ContentReader", "read_content", "damaged"]

_TABLE = "urn:oasis:names:tc:opendocument:xmlns:table:1.0 "
_OFFICE = "urn:oasis:names:tc:opendocument:xmlns:office:1.0 "
_TEXT = "urn:oasis:names:tc:opendocument:xmlns:text:1.0 "
TABLE, ROW, CELL, COVERED = (_TABLE + n for n in ("table", "table-row", "table-cell", "covered-table-cell"))
_ROW_GROUPS = frozenset(_TABLE + n for n in ("table-row-group", "table-header-rows", "table-rows"))
_CONTAINERS = _ROW_GROUPS | frozenset(_TABLE + n for n in (
    "table-column-group", "table-header-columns", "table-columns", "table-column"))
NAME, ROWS_REP, COLS_REP, ROWS_SPAN, COLS_SPAN = (_TABLE + n for n in (
    "name", "number-rows-repeated", "number-columns-repeated", "number-rows-spanned", "number-columns-spanned"))
VALUE_TYPE, VALUE, DATE_VALUE, BOOL_VALUE = (_OFFICE + n for n in ("value-type", "value", "date-value", "boolean-value"))
ANNOTATION = _OFFICE + "annotation"
P, S, TAB, LINE_BREAK, C = (_TEXT + n for n in ("p", "s", "tab", "line-break", "c"))
_NAMES = (TABLE, ROW, CELL, COVERED, *_CONTAINERS, NAME, ROWS_REP, COLS_REP, ROWS_SPAN, COLS_SPAN, VALUE_TYPE, VALUE,
          DATE_VALUE, BOOL_VALUE, ANNOTATION, P, S, TAB, LINE_BREAK, C)
_URIS: dict[str, list[str]] = {}
for _name in _NAMES:
    _URIS.setdefault(_name[:_name.index(" ") + 1], []).append(_name)
_NUMBERS = frozenset(("float", "percentage", "currency"))
_TYPED = _NUMBERS | {"date", "boolean"}
_SAVE_AGAIN = "Hãy mở tệp bằng LibreOffice (hoặc Excel), lưu lại rồi nhập lại."


def damaged(why: str) -> SheetRefused:
    return SheetRefused(f"tệp LibreOffice (.ods) bị hỏng: {why}. {_SAVE_AGAIN}")


def _parser(resolve: bool) -> expat.XMLParserType:
    """:func:`exports.xml_guard.expat_parser`; ``resolve``: with namespaces resolved (``uri name``)."""
    p = expat.ParserCreate(namespace_separator=" ") if resolve else expat.ParserCreate()
    p.buffer_text = True
    p.StartDoctypeDeclHandler = p.EntityDeclHandler = _no_dtd
    p.SetParamEntityParsing(expat.XML_PARAM_ENTITY_PARSING_NEVER)
    return p


def _no_dtd(*_args) -> None:
    raise XmlRefused("dtd")


def read_content(open_part: Callable[[], Any], budget: Budget, on_row: Callable[[int], None] | None
                 ) -> list[tuple[str, Grid, list[tuple[int, int, int, int]]]]:
    """The tables of the part ``open_part()`` streams: read with names as written, and read again with names
    resolved if its namespaces are not all declared on the root (the cells read are forgotten, the XML work
    done is not: both readings together stay within the file's :class:`~exports.xml_guard.Work`)."""
    counted = budget.cells, budget.chars
    reader = ContentReader(budget, on_row)
    try:
        with open_part() as f:
            reader.read(f, resolve=False)
    except Rebound:
        budget.cells, budget.chars = counted
        reader = ContentReader(budget, on_row)
        with open_part() as f:
            reader.read(f, resolve=True)
    return reader.tables


class Rebound(Exception):
    """Names read as written would not be read right: a namespace is declared below the root (or as the default)."""


class _Declared:
    """A stream, and how many namespace declarations (``xmlns`` after a space) may be in what was read of it."""

    def __init__(self, stream):
        self.stream, self.n, self.tail = stream, 0, b""

    def read(self, size: int) -> bytes:
        chunk = self.stream.read(size)
        data = self.tail + chunk
        if b"xmlns" in data:  # rare after the root: then the declarations among them are counted
            self.n += sum(data.count(sp + b"xmlns") for sp in (b" ", b"\n", b"\t", b"\r"))
        self.tail = data[-5:]
        return chunk


class _Fan:
    """Text going to several open paragraphs at once (a paragraph inside another)."""

    def __init__(self, bufs: list[list[str]]):
        self.bufs = bufs

    def append(self, s: str) -> None:
        for b in self.bufs:
            b.append(s)


class ContentReader(ExpatReader):
    """Every table of ``content.xml``, streamed.

    The state is a few numbers (millions of calls): ``depth``; ``holders``, the depths of the open
    table and of its row groups (a row directly inside one is read); ``row_depth`` (0: no row read);
    ``cell_at``, the depth a cell of that row starts at (-1 otherwise); ``cell_depth`` (0: no cell
    open); ``texty``, whether the open cell's value is its text; ``p_depth``, the depth of its open
    paragraph (0: none; ``nest``: paragraphs open inside that one); ``mute``, the depth of a comment,
    space, tab or line break in the cell (its text is no paragraph's); ``buf``, where text goes now,
    and ``collect``, whether it is kept. A row's cells are gathered in ``raw`` — ``[value type,
    attributes, paragraph…]`` for a cell whose value is its text, ``(value type, attributes)`` for
    another — and read when the row ends (:meth:`_cells`)."""

    def __init__(self, budget: Budget, on_row: Callable[[int], None] | None):
        super().__init__(budget)
        self.on_row = on_row
        self.tables: list[tuple[str, Grid, list[tuple[int, int, int, int]]]] = []
        self.grid: Grid | None = None
        self.merges: list[tuple[int, int, int, int]] = []
        self.r = 0  # 0-based index of the next row
        self.holders: list[int] = [-9]
        self.row_depth = self.cell_depth = self.p_depth = self.mute = self.size = self.rrep = 0
        self.cell_at = -1
        self.raw: list[Any] = []
        self.texty = self.collect = False
        self.plain = False  # the open cell's first paragraph not met yet
        self.paras: list[Any] = []
        self.nest: list[tuple[int, list[str]]] = []
        self.buf: Any = []
        self.pbuf: list[str] = []
        self.shared: dict[str, str] = {}  # one object for each short text met again (as Budget.share)
        self.declared: _Declared | None = None
        self.root_decls = 0  # -1: the root's namespace declarations are to be read

    def read(self, stream, resolve: bool = True) -> None:
        """Read ``stream``. Without ``resolve``, names are read as written and the root's prefixes (``table:``)
        stand for their namespaces — a fifth faster —, and a namespace declared anywhere else (seen on the bytes)
        raises :class:`Rebound`: read again with ``resolve``."""
        p = self.parser = _parser(resolve)
        for name in _NAMES:  # expat hands these very objects back: names compare by identity first
            p.intern[name] = name
        p.StartElementHandler, p.EndElementHandler, p.CharacterDataHandler = self.start, self.ends.append, self.chars
        if resolve:
            expat_run(stream, p, lambda: self.handled_at, self._drain)
        else:
            self.declared = _Declared(stream)
            self.root_decls = -1
            try:
                expat_run(self.declared, p, lambda: self.handled_at, self._check)
            except (XmlRefused, SheetRefused) as exc:
                if self.declared.n > max(self.root_decls, 0):
                    raise Rebound from exc
                raise
        self.work.elements += self.since

    def _check(self) -> None:
        """After a chunk read without resolving names: were namespaces declared elsewhere than on the root?"""
        self._drain()
        if self.declared.n > max(self.root_decls, 0):
            raise Rebound

    def _bind(self, attrs: dict) -> None:
        """The root's declarations: each name written with a prefix of the namespaces read stands for its
        resolved form. (Bound to no prefix, their unprefixed attributes would be in no namespace: resolve.)"""
        self.root_decls = sum(1 for k in attrs if k == "xmlns" or k.startswith("xmlns:"))
        intern = self.parser.intern
        for k, uri in attrs.items():
            if k == "xmlns" and uri + " " in _URIS:
                raise Rebound
            if k.startswith("xmlns:") and uri + " " in _URIS:
                for name in _URIS[uri + " "]:
                    intern[k[6:] + ":" + name[len(uri) + 1:]] = name

    # -- starts
    def start(self, name: str, attrs: dict) -> None:
        ends = self.ends
        if not ends:
            depth = self.depth = self.depth + 1
        elif self.cell_depth and self.depth - len(ends) == self.row_depth:  # the open cell ended, nothing more
            ends.clear()
            self.cell_depth = self.p_depth = self.mute = 0
            self.collect = False
            if self.nest:
                self.nest = []
            depth = self.depth = self.row_depth + 1
        else:
            self._drain()
            depth = self.depth = self.depth + 1
        since = self.since = self.since + 1
        if self.cell_depth:
            if self.plain and name == P and depth == self.cell_depth + 1:
                self.plain = False  # the cell's own paragraph
            else:  # anything more inside a cell counts twice: millions of <text:s/> cost as many Python calls
                since = self.since = since + 1
            if self.texty and not self.mute:
                if name == P and not self.p_depth:
                    buf = self.buf = []
                    self.paras.append(buf)
                    self.p_depth = depth
                    self.collect = True
                else:
                    self._in_cell(depth, name, attrs)
        elif depth == self.cell_at:
            if name == CELL or name == COVERED:
                self.cell_depth, self.plain = depth, True
                vtype = attrs.get(VALUE_TYPE) if name == CELL else None
                if vtype not in _TYPED:  # its record: [value type, attributes, paragraph…]
                    self.texty, self.size = True, 0
                    rec = self.paras = [vtype, attrs]
                    self.raw.append(rec)
                else:
                    self.texty = False
                    self.raw.append((vtype, attrs))
        else:
            self._outer(depth, name, attrs)
        if since > GAP_ELEMENTS or depth > MAX_DEPTH:
            raise too_far(since)

    def _in_cell(self, depth: int, name: str, attrs: dict) -> None:
        """Inside a cell whose value is its text, but for its first paragraph's start."""
        if name == P:  # inside another: its text is both's
            if not self.nest:
                self.pbuf = self.buf
            buf: list[str] = []
            self.paras.append(buf)
            self.nest.append((depth, buf))
            self.buf, self.collect = _Fan([self.pbuf] + [b for _, b in self.nest]), True
        elif name == ANNOTATION:
            self.mute, self.collect = depth, False
        elif self.p_depth and (name == S or name == TAB or name == LINE_BREAK):
            self.mute, self.collect = depth, False
            if name == S:
                try:
                    n = int(attrs.get(C) or 1)
                except ValueError:
                    n = 1
                n = max(0, min(n, CLIP - self.size))
                if n:
                    self.buf.append(" " * n)
                    self.size += n
            else:
                self.buf.append("\t" if name == TAB else "\n")
                self.size += 1

    def _outer(self, depth: int, name: str, attrs: dict) -> None:
        """Outside a cell: a table, its row groups, its rows."""
        if depth - 1 == self.holders[-1]:
            if name == ROW:
                self.rrep = self._count(attrs, ROWS_REP, "lần lặp dòng") if attrs else 1
                self.row_depth, self.cell_at = depth, depth + 1
                self.raw = []
            elif name in _ROW_GROUPS:
                self.holders.append(depth)
        elif depth == 1 and self.root_decls == -1:
            self._bind(attrs)
        elif name == TABLE and self.grid is None:  # a table inside a cell of this one is not another sheet
            self.grid = Grid(attrs.get(NAME) or "Sheet", self.budget)
            self.merges, self.r = [], 0
            self.holders = [depth]

    def chars(self, data: str) -> None:
        if self.ends:
            self._drain()
        if self.collect:
            self.buf.append(data)
            self.size += len(data)

    # -- ends
    def _drain(self) -> None:
        """The elements ended since the last call, in order. Inside a row only depths matter (a cell, a
        paragraph, a muted part closes when the depth falls below its own): no look at each."""
        ends = self.ends
        new = self.depth - len(ends)
        if new >= self.row_depth > 0:
            ends.clear()
            self._fall(new)
            return
        depth = self.depth
        for name in ends:
            if depth > self.row_depth > 0:
                self._fall(depth - 1)
            elif depth == self.row_depth:
                self.row_depth, self.cell_at = 0, -1
                self._row_end()
                self._done()
                if self.on_row is not None:
                    self.on_row(0)
            elif depth == self.holders[-1]:
                self.holders.pop()
                if not self.holders:
                    self._table_end()
                self._done()
            elif depth <= 3 or name in _CONTAINERS:
                self._done()
            depth -= 1
        self.depth = depth
        ends.clear()

    def _fall(self, new: int) -> None:
        """Inside a row, the depth falls to ``new``: what was open deeper is closed."""
        self.depth = new
        if new < self.cell_depth:
            self.cell_depth = self.p_depth = self.mute = 0
            self.collect = False
            if self.nest:
                self.nest = []
            return
        if new < self.mute:
            self.mute = 0
        if new < self.p_depth:
            self.p_depth = 0
            self.nest = []
        elif self.nest and new < self.nest[-1][0]:
            self.nest = [(d, b) for d, b in self.nest if d <= new]
            self.buf = _Fan([self.pbuf] + [b for _, b in self.nest]) if self.nest else self.pbuf
        self.collect = self.p_depth > 0 and not self.mute

    def _table_end(self) -> None:
        grid = self.grid
        self.tables.append((grid.sheet, grid, grid.merges_within(self.merges)))
        self.grid = None
        self.holders = [-9]

    def _count(self, attrs: dict, attr: str, what: str, c: int | None = None) -> int:
        raw = attrs.get(attr)
        if raw is None:
            return 1
        try:
            n = int(raw)
        except ValueError:
            n = 0
        if n < 1:
            where = f"dòng {text.format_int(self.r + 1)}" + (f", cột {col_letter(c)}" if c is not None else "")
            raise damaged(f"{where} của trang «{self.grid.sheet}» ghi số {what} «{raw[:20]}» không hợp lệ")
        return n

    def _row_end(self) -> None:
        if self.raw:
            vals, merges, n, chars = self._cells(self.raw)
            self.raw = []
        else:
            vals = None
        r, rrep = self.r, self.rrep
        if not vals:  # no value (empty cells are never written out)
            self.r = r + rrep
            return
        grid = self.grid
        if r >= MAX_ROWS:
            raise too_many_rows(grid.sheet, r)
        if r + rrep > MAX_ROWS:
            raise too_many_rows(grid.sheet, MAX_ROWS)
        if rrep == 1:  # Grid.put_row, its budget counted with the cells
            budget = self.budget
            budget.cells += n
            if budget.cells > budget.max_cells:
                raise too_many_cells(grid.sheet)
            if chars:
                budget.text(chars)
            cells = grid.cells
            while len(cells) < r:
                cells.append([])
            if len(cells) == r:
                cells.append(vals)
            else:
                cells[r] = vals
        else:
            for i in range(rrep):
                grid.put_row(r + i, list(vals) if i else vals)
        if merges:
            self.merges.extend(merges)
        self.r = r + rrep

    def _cells(self, raw: list[Any]
               ) -> tuple[list[Any], list[tuple[int, int, int, int]], int, int]:
        """A row's values (repeated cells written out), the spans of its cells, how many values, characters."""
        vals: list[Any] = []
        merges: list[tuple[int, int, int, int]] = []
        shared = self.shared
        c = n = chars = 0
        for rec in raw:
            vtype, attrs = rec[0], rec[1]
            if type(rec) is list:  # the text of its paragraphs
                if len(rec) == 3:
                    buf = rec[2]
                    v = buf[0] if len(buf) == 1 else "".join(buf)
                    if not v or v.isspace():
                        v = None
                else:
                    v = _text(rec[2:])
            else:
                if vtype == "float":
                    raw_v = attrs.get(VALUE)
                    try:
                        v = float(raw_v)
                    except (TypeError, ValueError):
                        v = raw_v
                else:
                    vtype, v = _typed(attrs)
            if COLS_REP in attrs or COLS_SPAN in attrs or ROWS_SPAN in attrs:
                c, k, t = self._repeated(attrs, vtype, v, c, vals, merges)
                n, chars = n + k, chars + t
                continue
            if v is None:
                c += 1
                continue
            if c >= MAX_COLS:
                raise too_many_cols(self.grid.sheet, self.r, c)
            if len(vals) < c:
                vals.extend([None] * (c - len(vals)))
            if type(v) is str:
                k = len(v)
                if k <= 40:
                    got = shared.get(v)
                    if got is not None:
                        v = got
                    elif len(shared) < 50_000:
                        shared[v] = v
                elif k > CLIP:
                    v, k = v[:CLIP], CLIP
                chars += k
            vals.append(v)
            n += 1
            c += 1
        return vals, merges, n, chars

    def _repeated(self, attrs: dict, vtype: str | None, v: Any, c: int, vals: list[Any],
                  merges: list[tuple[int, int, int, int]]) -> tuple[int, int, int]:
        """A cell repeated or spanning others at column ``c``: (the next column, how many values put, their
        characters of text)."""
        crep = 1 if COLS_REP not in attrs else self._count(attrs, COLS_REP, "lần lặp ô", c)
        if v is None:
            return c + crep, 0, 0
        span_c = span_r = 1
        if vtype is not None or v:
            if COLS_SPAN in attrs:
                span_c = self._count(attrs, COLS_SPAN, "cột gộp", c)
            if ROWS_SPAN in attrs:
                span_r = self._count(attrs, ROWS_SPAN, "dòng gộp", c)
        if c + crep > MAX_COLS:
            raise too_many_cols(self.grid.sheet, self.r, max(c, MAX_COLS))
        if len(vals) < c:
            vals.extend([None] * (c - len(vals)))
        if type(v) is str:
            v = self._share(clip(v))
        r = self.r
        for _ in range(crep):
            vals.append(v)
            if span_c > 1 or span_r > 1:
                merges.append((r, c, r + span_r - 1, c + span_c - 1))
            c += 1
        return c, crep, (len(v) * crep if type(v) is str else 0)

    def _share(self, v: str) -> str:
        """One object for each short text met again (villages, roles, years as text: a roster repeats them)."""
        if len(v) > 40:
            return v
        got = self.shared.get(v)
        if got is not None:
            return got
        if len(self.shared) < 50_000:
            self.shared[v] = v
        return v


def _text(paras: list[list[str]]) -> str | None:
    """A cell's paragraphs, one a line, at most :data:`CLIP` characters of text in all."""
    if not paras:
        return None
    room, out = CLIP, []
    for buf in paras:
        p = "".join(buf)[:room]
        room -= len(p)
        out.append(p)
    s = "\n".join(out)
    return clip(s) if s.strip() else None


def _typed(attrs: dict) -> tuple[str, Any]:
    """(value type, value) of a number, date or yes/no cell, from its attributes."""
    vtype = attrs[VALUE_TYPE]
    if vtype in _NUMBERS:
        raw = attrs.get(VALUE)
        try:
            return vtype, float(raw)
        except (TypeError, ValueError):
            return vtype, raw
    if vtype == "date":
        raw = attrs.get(DATE_VALUE) or ""
        try:
            return vtype, dt.datetime.fromisoformat(raw)
        except ValueError:
            return vtype, raw
    return vtype, (attrs.get(BOOL_VALUE) or "") == "true"
