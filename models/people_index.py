"""The people list made ready for a search on every keystroke (issue 19).

A search answers with positions in the list (ascending: the list's order), never new rows,
so a screen shows what it formatted once per row. The tests run at C speed (``map`` and
``compress`` over the stored folded keys, no Python call per row).

A screen that searches on every key calls :meth:`PeopleIndex.prepare` once (in its loading
worker): the index then knows, for every character of the keys, the rows that hold it, and
remembers its recent answers. A search starts from the smallest of those that must hold its
answer (the rows with the query's rarest letter; an earlier answer for a part of the query),
so a first letter typed in an empty box costs no scan at all, and a letter typed at the start
of a two-word query scans only the rows the other word found. The answers are the same as a
scan of the whole list: the rule is :func:`models.text.matches`.
"""

from __future__ import annotations

import itertools
import operator
from array import array
from collections.abc import Iterable, Sequence
from typing import Any

from . import text

MEMO_ROWS = 8  # the remembered answers hold at most this many positions per row of the list
_NONE = array("i")  # no row


class PeopleIndex:
    """Searches over rows that have ``search_key`` (folded, single spaces), ``phone``, ``cccd``,
    ``village_id``, ``categories``, ``roles``, ``trained_this_year`` and ``active``."""

    __slots__ = ("rows", "keys", "_padded", "_phones", "_chars", "_memo", "_memo_size", "_filtered")

    def __init__(self, rows: Iterable[Any]) -> None:
        self.rows: list = rows if isinstance(rows, list) else list(rows)
        self.keys: list[str] = [r.search_key for r in self.rows]
        self._padded: list[str] | None = None
        self._phones: dict[str, list[str]] = {}
        self._chars: dict[str, array] | None = None  # prepared: character → the rows whose key holds it
        self._memo: dict[str, array] | None = None  # prepared: part of a key → the rows holding it
        self._memo_size = 0
        self._filtered: tuple[tuple, array | None] = ((None, "", "", None, None), None)

    def __len__(self) -> int:
        return len(self.rows)

    def prepare(self) -> PeopleIndex:
        """Ready for a search on every keystroke: the rows of every character of the keys
        (one pass over the list, ≈ 12 positions per row), and answers remembered from now on."""
        chars: dict[str, array] = {}
        get = chars.get
        for i, key in enumerate(self.keys):
            for ch in set(key):
                found = get(ch)
                if found is None:
                    found = chars[ch] = array("i")
                found.append(i)
        chars.pop(" ", None)
        self._chars, self._memo, self._memo_size = chars, {}, 0
        self._padded_keys()
        self._phone_keys("phone"), self._phone_keys("cccd")
        return self

    def search(self, query: str = "", *, within: Sequence[int] | None = None, village_id: int | None = None,
               category: str = "", role: str = "", trained: bool | None = None,
               active: bool | None = None) -> Sequence[int]:
        """Positions of the rows that match (among ``within``, an earlier answer, when given):
        a ``range`` when nothing is left out, else an ``array``."""
        among = self._allowed((village_id, category, role, trained, active))
        if within is not None:
            among = within if among is None else _intersect(within, among, len(self.rows))
        how, digits = _search_kind(query)
        if how != "name":
            # a phone number (or CCCD) typed in the search box: «0912», «0912 345», «091.234»
            idx = self._all(among)
            found = map(operator.contains, _at(self._phone_keys("phone"), idx), itertools.repeat(digits))
            if how == "phone+cccd":
                found = map(operator.or_, found, map(operator.contains, _at(self._phone_keys("cccd"), idx),
                                                     itertools.repeat(digits)))
            return _positions(itertools.compress(idx, found))
        folded = text.fold(query)
        words = folded.split()
        if not words:
            return self._all(among)
        if len(words) == 1:  # a word that begins with it contains it: the substring test decides
            return self._rows_with(folded, among)
        # the folded query as it is («guyen thi h»), or every word beginning a word of the name
        # in any order («ha nguyen»). Either way every word but the first begins a word of the
        # name (in the query as it is, a space comes before each): those narrow first, longest
        # first; then the first word begins a word too, or the query is there as it is. With
        # the keys « »-padded, «begins a word» is «holds « t»».
        idx = among
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

    def _rows_with(self, part: str, among: Sequence[int] | None) -> Sequence[int]:
        """The positions (among ``among``; all rows when None) whose key holds ``part`` — with
        a space before it: a word of the key begins with the rest."""
        keys = self._padded_keys() if part[0] == " " else self.keys
        memo = self._memo
        if memo is None:  # a one-off search (not prepared): one scan
            return _where(self._all(among), keys, part)
        found = memo.pop(part, None) if len(part) > 1 else (self._chars or {}).get(part, _NONE)
        if found is not None:
            if len(part) > 1:
                memo[part] = found  # the most recently used last
            return found if among is None else _intersect(found, among, len(self.rows))
        start = self._smallest_superset(part)
        if among is not None and len(among) <= len(start):
            return _where(among, keys, part)  # a narrower start; the answer is not the whole list's
        found = _where(start, keys, part)
        self._remember(part, found)
        return found if among is None else _intersect(found, among, len(self.rows))

    def _smallest_superset(self, part: str) -> Sequence[int]:
        """The fewest rows known to hold every row that holds ``part``: those of its rarest
        character, or a remembered answer for a piece of it."""
        chars = self._chars or {}
        best: Sequence[int] = range(len(self.rows))
        for ch in set(part) - {" "}:
            rows = chars.get(ch)
            if rows is None:  # no key has this character
                return _NONE
            if len(rows) < len(best):
                best = rows
        for piece, rows in (self._memo or {}).items():
            if len(rows) < len(best) and piece in part:
                best = rows
        return best

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


def _search_kind(query: str) -> tuple[str, str]:
    """How a query is searched: ("name", ""), or its digits in phone numbers ("phone", digits)
    — from 6 digits on in CCCD numbers too ("phone+cccd", digits)."""
    digits = "".join(ch for ch in query if ch.isdigit())
    if len(digits) < 3 or any(ch.isalpha() for ch in query):
        return "name", ""
    return ("phone+cccd" if len(digits) >= 6 else "phone"), digits


def _positions(it: Iterable[int]) -> array:
    return array("i", it)
