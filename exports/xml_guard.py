"""The XML inside spreadsheet files from strangers: streamed, without DTDs, in bounded memory.

    events = XmlEvents(stream, shallow=3)   # a file-like object of the XML part's bytes; ends down to depth 3
    for ev, el in events:               # ("start" | "end", element), as xml.etree.ElementTree gives them
        if ev == "end" and el.tag == ROW:
            ...                         # use the row (its children are complete)
            events.done(el)             # handled: forgotten, and the guard knows the file moves on

A spreadsheet's XML never needs a document type declaration, so one is refused before it
is parsed (no entity can be expanded: no "billion laughs", no external entity). The rest is
bounded as it streams: between two :meth:`XmlEvents.done` calls at most :data:`GAP_BYTES`
bytes and :data:`GAP_ELEMENTS` elements may pass (one row of a sheet is far smaller; a
gigabyte of whitespace inside a cell is not), and elements nest at most :data:`MAX_DEPTH`
deep. Anything else that is not well-formed is :class:`XmlRefused` (``broken``).
"""

from __future__ import annotations

import collections
import xml.etree.ElementTree as ET
from collections.abc import Callable
from xml.parsers import expat

__all__ = ["ExpatReader", "too_far", "GAP_BYTES", "GAP_ELEMENTS", "MAX_DEPTH", "MAX_ELEMENTS", "MAX_UNITS", "XmlRefused", "XmlEvents", "Work",
           "expat_parser", "expat_run"]

GAP_BYTES = 4 * 1024 * 1024
GAP_ELEMENTS = 100_000
MAX_DEPTH = 256
# elements parsed in one file: a roster of 180,000 rows × 9 columns with its shared strings has 4.4
# million (≈ 9 s of CPU on the 2-core test machine); 8 million useless ones took 14 s before a refusal
MAX_ELEMENTS = 5_000_000
MAX_UNITS = 2_000_000  # elements handled one by one (rows, shared strings, styles…) in one file
CHUNK = 64 * 1024
_DOCTYPE = (b"<!doctype", "<!doctype".encode("utf-16-le"), "<!doctype".encode("utf-16-be"))


class XmlRefused(Exception):
    """``kind``: ``dtd`` (a document type declaration), ``gap`` (too much without a handled element),
    ``deep`` (nesting), ``work`` (too many elements in the file), ``broken`` (not well-formed XML)."""

    def __init__(self, kind: str, cause: str = ""):
        super().__init__(kind)
        self.kind, self.cause = kind, cause


class Work:
    """What one file's XML parts cost together: elements parsed, elements handled (:meth:`XmlEvents.done`).
    It bounds the time a file can take, however its parts are shaped."""

    def __init__(self, max_elements: int = MAX_ELEMENTS, max_units: int = MAX_UNITS):
        self.elements = self.units = 0
        self.max_elements, self.max_units = max_elements, max_units


class XmlEvents:
    """Start and end events of one XML stream, within the limits above.

    Only the events asked for are given (a sheet has millions of elements and most are read
    through their row): the root's start, starts of ``start_tags``, and ends of elements at
    most ``shallow`` deep (the root is 1) or of ``end_tags``.
    """

    def __init__(self, stream, *, shallow: int = 1, end_tags: frozenset[str] = frozenset(),
                 start_tags: frozenset[str] = frozenset(), gap_bytes: int = GAP_BYTES,
                 gap_elements: int = GAP_ELEMENTS, work: Work | None = None):
        self._stream = stream
        self._work = work if work is not None else Work()
        self._shallow, self._end_tags, self._start_tags = shallow, end_tags, start_tags
        self._gap_bytes, self._gap_elements = gap_bytes, gap_elements
        self._fed = self._mark = 0
        self._since = 0
        self.stack: list[ET.Element] = []  # the open elements; at an "end" event its element is still on top
        self._pending: dict[int, ET.Element] = {}  # parents of handled elements, emptied after each chunk

    @property
    def depth(self) -> int:
        """How deep the current element is (the root is 1), for elements that may be handled."""
        return len(self.stack)

    def done(self, el: ET.Element) -> None:
        """At ``el``'s end event: it has been used. It is emptied, dropped from its parent (with its siblings,
        at the end of the chunk: use an element when it ends) and the limits start again."""
        self._mark, self._since = self._fed, 0
        work = self._work
        work.units += 1
        if work.units > work.max_units:
            raise XmlRefused("work")
        if len(self.stack) >= 2 and self.stack[-1] is el:
            parent = self.stack[-2]
            self._pending[id(parent)] = parent
        el.clear()

    def _forget(self) -> None:
        """After a chunk's events: the parents of handled elements drop all their children. (The parser has
        added a whole chunk's elements before any is handled; children still open live on in the parser.)"""
        for parent in self._pending.values():
            del parent[:]
        self._pending.clear()

    def __iter__(self):
        parser = ET.XMLPullParser(events=("start", "end"))
        queue = getattr(parser, "_events_queue", None)  # read directly: read_events() costs a call per event
        prolog, tail = True, b""
        push, pop = self.stack.append, self.stack.pop
        shallow, end_tags, start_tags = self._shallow, self._end_tags, self._start_tags
        gap_elements = self._gap_elements
        # only elements that may be handled (and their parents) are kept on the stack; deeper ones are counted
        keep = MAX_DEPTH if (end_tags or start_tags) else shallow
        depth = 0
        while True:
            chunk = self._stream.read(CHUNK)
            if prolog and chunk:
                _refuse_doctype(tail + chunk)
                tail = chunk[-32:]
            self._fed += len(chunk)
            if self._fed - self._mark > self._gap_bytes:
                raise XmlRefused("gap")
            events = _feed(parser, queue, chunk)
            work = self._work
            work.elements += len(events) // 2  # a start and an end each, give or take the open ones
            if work.elements > work.max_elements:
                raise XmlRefused("work")
            since = self._since
            for ev, el in events:
                if ev == "start":
                    prolog = False
                    depth += 1
                    since += 1
                    if depth <= keep:
                        push(el)
                    if since > gap_elements or depth > MAX_DEPTH:
                        raise XmlRefused("gap" if since > gap_elements else "deep")
                    if depth == 1 or (start_tags and el.tag in start_tags):
                        self._since = since
                        yield ev, el
                        since = self._since
                else:
                    if depth <= shallow or (end_tags and el.tag in end_tags):
                        self._since = since
                        yield ev, el
                        since = self._since
                    if depth <= keep:
                        pop()
                    depth -= 1
            self._since = since
            if self._pending:
                self._forget()
            if not chunk:
                return


def _feed(parser: ET.XMLPullParser, queue, chunk: bytes) -> list:
    """The events of one more chunk (the end of the stream when it is empty)."""
    try:
        if chunk:
            parser.feed(chunk)
        else:
            parser.close()
        if isinstance(queue, collections.deque):
            events = list(queue)
            queue.clear()
            if events and isinstance(events[-1], BaseException):
                raise events[-1]
        else:
            events = list(parser.read_events())
    except (ET.ParseError, ValueError, LookupError, UnicodeError) as exc:
        raise XmlRefused("broken", type(exc).__name__) from exc
    return events


def _refuse_doctype(data: bytes) -> None:
    low = data.lower()
    if any(d in low for d in _DOCTYPE):
        raise XmlRefused("dtd")


# ---------------------------------------------------------------------------
# The same guards for a part read through expat's callbacks (a worksheet, the shared strings: millions of
# elements, where building an element for each costs three times the reading)
# ---------------------------------------------------------------------------
def _no_dtd(*_args) -> None:
    raise XmlRefused("dtd")


def expat_parser() -> expat.XMLParserType:
    """An expat parser for a spreadsheet part: names as written (``c``, ``x:c``: namespaces are not resolved —
    that costs a fifth of the reading —, their declarations are attributes), character data in runs, and any
    document type or entity declaration refused (:class:`XmlRefused` ``dtd``). Its handlers count the
    elements and their depth themselves (:func:`expat_run` bounds the bytes)."""
    p = expat.ParserCreate()
    p.buffer_text = True
    p.StartDoctypeDeclHandler = _no_dtd
    p.EntityDeclHandler = _no_dtd
    p.SetParamEntityParsing(expat.XML_PARAM_ENTITY_PARSING_NEVER)
    return p


def expat_run(stream, parser: expat.XMLParserType, handled_at: Callable[[], int],
              after: Callable[[], None] | None = None, gap_bytes: int = GAP_BYTES) -> None:
    """Feed ``stream`` to ``parser`` (from :func:`expat_parser`) chunk by chunk, ``after()`` each chunk.
    ``handled_at()``: the byte index where an element was last handled; more than ``gap_bytes`` past it is
    :class:`XmlRefused` ``gap``. What the handlers raise goes through; XML not well-formed is ``broken``."""
    fed = 0
    try:
        while True:
            chunk = stream.read(CHUNK)
            if not fed:
                _refuse_doctype(chunk)  # the handlers refuse one anywhere; this, before expat reads it
            fed += len(chunk)
            parser.Parse(chunk, not chunk)
            if after is not None:
                after()
            if fed - max(handled_at(), 0) > gap_bytes:
                raise XmlRefused("gap")
            if not chunk:
                return
    except (expat.ExpatError, ValueError, LookupError, UnicodeError) as exc:
        raise XmlRefused("broken", type(exc).__name__) from exc


def too_far(since: int) -> XmlRefused:
    """The refusal for an element met ``since`` elements after the last handled one, or nested too deep."""
    return XmlRefused("gap" if since > GAP_ELEMENTS else "deep")


class ExpatReader:
    """What the expat readers of a file's big parts share (:mod:`exports.xlsx_sheet`, :mod:`exports.ods_sheet`):
    depth, elements since the last handled one, the file's work (``budget.work``, a :class:`Work`).

    Elements' ends are not a Python call each: expat appends their names to ``ends`` (at C speed) and
    :meth:`_drain` takes them in order, before the next start or text and after each chunk."""

    def __init__(self, budget):
        self.budget = budget
        self.work: Work = budget.work
        self.depth = self.since = self.handled_at = 0
        self.parser = None
        self.ends: list[str] = []
        self.collect = False
        self.buf: list[str] = []

    def _drain(self) -> None:
        raise NotImplementedError

    def _done(self) -> None:
        """An element handled: the limits start again (as :meth:`XmlEvents.done`)."""
        work = self.work
        work.units += 1
        work.elements += self.since
        self.since = 0
        self.handled_at = self.parser.CurrentByteIndex
        if work.units > work.max_units or work.elements > work.max_elements:
            raise XmlRefused("work")

    def _run(self, stream, start, chars) -> None:
        p = self.parser = expat_parser()
        p.StartElementHandler, p.EndElementHandler, p.CharacterDataHandler = start, self.ends.append, chars
        expat_run(stream, p, lambda: self.handled_at, self._drain)
        self.work.elements += self.since

    def chars(self, data: str) -> None:
        if self.ends:
            self._drain()
        if self.collect:
            self.buf.append(data)
