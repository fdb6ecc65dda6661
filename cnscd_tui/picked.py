"""A view of a list at some of its positions (a search's answer), for ``LazyTable``."""

from __future__ import annotations

import operator
from bisect import bisect_left
from collections.abc import Sequence


class Picked(Sequence):
    """The items of ``base`` at ``order`` (positions, ascending), without copying them: a
    search of a long list answers with positions, and showing its answer costs nothing per row."""

    __slots__ = ("base", "order")

    def __init__(self, base: Sequence, order: Sequence[int]) -> None:
        self.base, self.order = base, order

    def __len__(self) -> int:
        return len(self.order)

    def __getitem__(self, i):
        if isinstance(i, slice):
            return list(map(self.base.__getitem__, self.order[i]))
        return self.base[self.order[i]]

    def __iter__(self):
        return map(self.base.__getitem__, self.order)

    def __contains__(self, value) -> bool:
        try:
            self.index(value)
        except ValueError:
            return False
        return True

    def index(self, value, start: int = 0, stop: int | None = None) -> int:
        """Where ``value`` is (the first place ``base`` has it must be among ``order``)."""
        pos = self.base.index(value)
        i = bisect_left(self.order, pos)
        if i < len(self.order) and self.order[i] == pos and start <= i and (stop is None or i < stop):
            return i
        raise ValueError(value)

    def __eq__(self, other) -> bool:
        if not isinstance(other, Sequence) or isinstance(other, str):
            return NotImplemented
        return len(self) == len(other) and all(map(operator.eq, self, other))

    __hash__ = None  # type: ignore[assignment]

    def __repr__(self) -> str:
        return f"Picked({len(self)} of {len(self.base)})"
