"""The people list made ready for a search on every keystroke (issue 19).

A search answers with positions in the list (ascending: the list's order), never new rows,
so a screen shows what it formatted once per row. The tests run at C speed (``map`` and
``compress`` over the stored folded keys, no Python call per row).

A screen that searches on every key calls :meth:`PeopleIndex.prepare` once (in its loading
worker): the index then knows, for every word of the keys and every character, the rows that
have it, and remembers its recent answers. The names of a province are made of a few hundred
words, so a part of a word typed («ng», «nguy») is answered from the rows of the words that
hold it (marked at C speed), not by testing every row's key; an earlier answer typed on is
scanned instead only when it is the shorter way (issue 19: a key that narrowed the previous
answer tested ≈ 85,000 keys at 16× the province, then intersected the result with that
answer, and cost more than a key that filtered the whole list). A first letter typed in an
empty box costs no scan at all, and a letter typed at the start of a two-word query scans
only the rows the other word found. The answers are the same as a scan of the whole list:
the rule is :func:`models.text.matches`.
"""

from __future__ import annotations

import itertools
import operator
from array import array
from collections import deque
from collections.abc import Iterable, Sequence
from typing import Any

from . import text

MEMO_ROWS = 8  # the remembered answers hold at most this many positions per row of the list
SCAN_COST = 5  # testing a row's key costs about this many times marking a row of a word
_NONE = array("i")  # no row


class PeopleIndex:
    """Searches over rows that have ``search_key`` (folded, single spaces), ``phone``, ``cccd``,
    ``village_id``, ``categories``, ``roles``, ``trained_this_year`` and ``active``."""

    __slots__ = ("rows", "keys", "_padded", "_phones", "_chars", "_words", "_memo", "_memo_size", "_filtered")

    def __init__(self, rows: Iterable[Any]) -> None:
        self.rows: list = rows if isinstance(rows, list) else list(rows)
        self.keys: list[str] = [r.search_key for r in self.rows]
        self._padded: list[str] | None = None
        self._phones: dict[str, list[str]] = {}
        self._chars: dict[str, array] | None = None  # prepared: character → the rows whose key holds it
        self._words: dict[str, array] = {}  # prepared: word of a key → the rows whose key has it
        self._memo: dict[str, array] | None = None  # prepared: part of a key → the rows holding it
        self._memo_size = 0
        self._filtered: tuple[tuple, array | None] = ((None, "", "", None, None), None)

    def __len__(self) -> int:
        return len(self.rows)

    def prepare(self) -> PeopleIndex:
        """Ready for a search on every keystroke: the rows of every word of the keys (one pass
        over the list, ≈ 3 positions per row) and of every character (from the words'), and
        answers remembered from now on."""
        words: dict[str, array] = {}
        get = words.get
        for i, key in enumerate(self.keys):
            for w in set(key.split()):
                found = get(w)
                if found is None:
                    found = words[w] = array("i")
                found.append(i)
        # a character's rows: those of the words that have it (a province's names are a few hundred words)
        with_char: dict[str, list[array]] = {}
        for w, rows in words.items():
            for ch in set(w):
                with_char.setdefault(ch, []).append(rows)
        n = len(self.keys)
        self._chars = {ch: _union(lists, n) for ch, lists in with_char.items()}
        self._words, self._memo, self._memo_size = words, {}, 0
        self._padded_keys()
        self._phone_keys("phone"), self._phone_keys("cccd")
        return self

    def search(self, query: str = "", *, within: Sequence[int] | None = None, village_id: int | None = None,
               category: str = "", role: str = "", trained: bool | None = None,
               active: bool | None = None) -> Sequence[int]:
        """Positions of the rows that match: a ``range`` when nothing is left out, else an ``array``.

        ``within``: the answer, with the same filters, of a query this one narrows (see
        :meth:`narrows`: typing on) — every row of this answer is among it, so the search may
        start from it; the answer is the same without it."""
        allowed = self._allowed((village_id, category, role, trained, active))
        how, digits = _search_kind(query)
        if how != "name":
            # a phone number (or CCCD) typed in the search box: «0912», «0912 345», «091.234»
            idx = self._all(_smaller(within, allowed))
            found = map(operator.contains, _at(self._phone_keys("phone"), idx), itertools.repeat(digits))
            if how == "phone+cccd":
                found = map(operator.or_, found, map(operator.contains, _at(self._phone_keys("cccd"), idx),
                                                     itertools.repeat(digits)))
            return _positions(itertools.compress(idx, found))
        folded = text.fold(query)
        words = folded.split()
        if not words:
            return self._all(allowed)
        if len(words) == 1:  # a word that begins with it contains it: the substring test decides
            return self._rows_with(folded, allowed, hint=within)
        # the folded query as it is («guyen thi h»), or every word beginning a word of the name
        # in any order («ha nguyen»). Either way every word but the first begins a word of the
        # name (in the query as it is, a space comes before each): those narrow first, longest
        # first; then the first word begins a word too, or the query is there as it is. With
        # the keys « »-padded, «begins a word» is «holds « t»».
        idx = _smaller(within, allowed)  # (an earlier answer is among the rows the filters allow)
        for w in sorted(words[1:], key=len, reverse=True):
            idx = self._rows_with(" " + w, idx)
        ks = list(_at(self._padded_keys(), idx))
        return _positions(itertools.compress(idx, map(
            operator.or_, map(operator.contains, ks, itertools.repeat(" " + words[0])),
            map(operator.contains, ks, itertools.repeat(folded)))))

    @staticmethod
    def narrows(earlier: str, later: str) -> bool:
        """Is every row found by ``later`` also found by ``earlier``, so that ``later`` may be
        searched among ``earlier``'s answer (typing on)? Yes when ``later`` extends it and
        both are searched the same way (a name; a phone number; a phone or CCCD number)."""
        return later.startswith(earlier) and _search_kind(earlier)[0] == _search_kind(later)[0]

    # -- the parts ---------------------------------------------------------------------------
    def _all(self, among: Sequence[int] | None) -> Sequence[int]:
        return range(len(self.rows)) if among is None else among

    def _rows_with(self, part: str, among: Sequence[int] | None, hint: Sequence[int] | None = None) -> Sequence[int]:
        """The positions (among ``among``; all rows when None) whose key holds ``part`` (no
        space in it but, maybe, one before it: a word of the key begins with the rest).
        ``hint``: positions among ``among`` known to hold every row of the answer (an earlier
        answer typed on); a search may scan it instead, and never intersects with it."""
        keys = self._padded_keys() if part[0] == " " else self.keys
        memo = self._memo
        narrow = _smaller(hint, among)
        if memo is None:  # a one-off search (not prepared): one scan
            return _where(self._all(narrow), keys, part)
        found = memo.pop(part, None) if len(part) > 1 else (self._chars or {}).get(part, _NONE)
        if found is not None:
            if len(part) > 1:
                memo[part] = found  # the most recently used last
        else:
            # the rows of the words that hold it (a few hundred words make a province's names)
            lists = self._word_rows(part)
            if narrow is not None and SCAN_COST * len(narrow) <= _union_cost(lists, len(keys), among is not None):
                # scanning the (short) earlier answer costs less than putting the words' rows together
                found = _where(narrow, keys, part)
                if among is None:
                    self._remember(part, found)  # among an earlier answer for the whole list: the whole list's
                return found
            found = _union(lists, len(keys))
            self._remember(part, found)
        # the answer is ``found`` ∩ ``among``; every row of it is in ``hint`` too (a shorter list)
        return found if among is None else _intersect(found, narrow, len(self.rows))

    def _word_rows(self, part: str) -> list[array]:
        """The rows of each word that holds ``part`` (that begins with the rest of « part»)."""
        if part[0] == " ":
            begins = part[1:]
            return [rows for w, rows in self._words.items() if w.startswith(begins)]
        return [rows for w, rows in self._words.items() if part in w]

    def _remember(self, part: str, found: array) -> None:
        memo = self._memo
        memo[part] = found
        self._memo_size += len(found)
        while self._memo_size > MEMO_ROWS * max(1, len(self.rows)) and len(memo) > 1:
            self._memo_size -= len(memo.pop(next(iter(memo))))

    def _allowed(self, filters: tuple) -> array | None:
        """The positions the filters let through (None: no filter), kept for the next keys."""
        if filters == self._filtered[0]:
            return self._filtered[1]
        village_id, category, role, trained, active = filters
        rows = self.rows
        idx: Iterable[int] = range(len(rows))
        if village_id is not None:
            idx = (i for i in idx if rows[i].village_id == village_id)
        if category:
            idx = (i for i in idx if category in rows[i].categories)
        if role:
            idx = (i for i in idx if role in rows[i].roles)
        if trained is not None:
            idx = (i for i in idx if rows[i].trained_this_year == trained)
        if active is not None:
            idx = (i for i in idx if rows[i].active == active)
        allowed = None if isinstance(idx, range) else _positions(idx)
        self._filtered = (filters, allowed)
        return allowed

    def _padded_keys(self) -> list[str]:
        """The keys with a space before each (made at the first search of several words)."""
        if self._padded is None:
            self._padded = [" " + k for k in self.keys]
        return self._padded

    def _phone_keys(self, field: str) -> list[str]:
        """Each row's phone number, or CCCD number (the rows' own strings)."""
        keys = self._phones.get(field)
        if keys is None:
            keys = self._phones[field] = list(map(operator.attrgetter(field), self.rows))
        return keys


def _smaller(a: Sequence[int] | None, b: Sequence[int] | None) -> Sequence[int] | None:
    """The shorter of two lists of positions (None: every row)."""
    if a is None:
        return b
    return a if b is None or len(a) <= len(b) else b


def _where(idx: Sequence[int], keys: list[str], part: str) -> Sequence[int]:
    """The positions among ``idx`` whose key holds ``part``."""
    return _positions(itertools.compress(idx, map(operator.contains, _at(keys, idx), itertools.repeat(part))))


def _at(keys: list[str], idx: Sequence[int]) -> Iterable[str]:
    """The keys at positions ``idx`` (all of them: the list itself)."""
    return keys if isinstance(idx, range) and idx == range(len(keys)) else map(keys.__getitem__, idx)


def _intersect(a: Sequence[int], b: Sequence[int], n: int) -> Sequence[int]:
    """The positions in both (ascending both; so is the answer)."""
    if isinstance(b, range) and b == range(n):
        return a
    if isinstance(a, range) and a == range(n):
        return b
    small, large = (a, b) if len(a) <= len(b) else (b, a)
    return _positions(itertools.compress(large, map(set(small).__contains__, large)))


def _union(lists: list[array], n: int) -> Sequence[int]:
    """The positions in any of ``lists`` (each ascending, of ``n`` rows), ascending: each list's
    rows marked at C speed, then the marks read in order."""
    if len(lists) <= 1:
        return lists[0] if lists else _NONE
    marks = bytearray(n)
    for rows in lists:
        deque(map(marks.__setitem__, rows, itertools.repeat(1)), maxlen=0)
    return _positions(itertools.compress(range(n), marks))


def _union_cost(lists: list[array], n: int, then_intersect: bool) -> int:
    """About what :func:`_union` costs (and :func:`_intersect` after it), in rows marked."""
    total = sum(map(len, lists))
    return (total + n // 4 if len(lists) > 1 else 0) + (3 * total if then_intersect else 0)


def _search_kind(query: str) -> tuple[str, str]:
    """How a query is searched: ("name", ""), or its digits in phone numbers ("phone", digits)
    — from 6 digits on in CCCD numbers too ("phone+cccd", digits)."""
    digits = "".join(ch for ch in query if ch.isdigit())
    if len(digits) < 3 or any(ch.isalpha() for ch in query):
        return "name", ""
    return ("phone+cccd" if len(digits) >= 6 else "phone"), digits


def _positions(it: Iterable[int]) -> array:
    return array("i", it)
