"""Denominators per village and year: households, residents, working-age residents,
business households, administrative dossiers arising. Typed per village (or read from the
commune's statistics sheet, see ``exports.activities``); the commune's totals are computed
by :func:`list_denominators`, never typed. A figure not set for a year is carried forward
from the latest earlier year that has it (``Denominators.from_year`` says so)."""

from __future__ import annotations

from dataclasses import dataclass
from collections.abc import Iterator
from typing import Any

from . import text, validate
from .activity_common import DENOMINATORS, MAX_COUNT, active_villages, load_units, place_names, unit_label
from .audit import log
from .common import get_row
from .errors import FieldError, InputError
from .schema import Unit, VillageStat


# ---------------------------------------------------------------------------
# Denominators per village and year
# ---------------------------------------------------------------------------
@dataclass(frozen=True)
class DenominatorInput:
    """A village's figures for a year. A value None or "" is «not known»; with
    ``keep_blank`` it leaves the stored figure as it is (a statistics sheet's empty cell)."""

    village_id: int
    year: int
    households: Any = None
    residents: Any = None
    working_age: Any = None
    businesses: Any = None
    dossiers: Any = None
    note: str = ""
    keep_blank: bool = False


@dataclass(frozen=True)
class Denominators:
    unit_id: int  # a village, or 0 for the computed total
    unit_name: str  # «Tổ dân phố An Lợi»
    year: int
    households: int | None = None
    residents: int | None = None
    working_age: int | None = None
    businesses: int | None = None
    dossiers: int | None = None
    from_year: int | None = None  # the year the figures were set for (earlier than ``year``: carried forward)
    note: str = ""

    def get(self, name: str) -> int | None:
        return getattr(self, name)


@dataclass(frozen=True)
class DenominatorTable:
    year: int
    villages: list[Denominators]
    total: Denominators  # sums over the villages whose figure is known
    known: dict[str, int]  # field → villages with a figure
    missing: dict[str, list[str]]  # field → villages without one

    def for_unit(self, unit_id: int) -> Denominators | None:
        return next((d for d in self.villages if d.unit_id == unit_id), None)


def check_denominators(inp: DenominatorInput) -> tuple[dict[str, int | None], list[FieldError]]:
    """Normalised figures (None: unknown or kept) and the errors, each naming its field."""
    errors: list[FieldError] = []
    values: dict[str, int | None] = {}
    if not isinstance(inp.year, int) or not 2000 <= inp.year <= 2100:
        errors.append(FieldError("year", f"Năm «{inp.year}» không hợp lệ (từ 2000 đến 2100)."))
    for name, (lbl, _) in DENOMINATORS.items():
        raw = getattr(inp, name)
        if raw is None or (isinstance(raw, str) and not text.clean(raw)):
            values[name] = None
            continue
        r = validate.check_int(raw, lbl, min=0, max=MAX_COUNT)
        if r.ok:
            values[name] = r.value
        else:
            errors.append(FieldError(name, r.error))
    for small, big in (("households", "residents"), ("working_age", "residents"), ("businesses", "households")):
        a, b = values.get(small), values.get(big)
        if a is not None and b is not None and a > b:
            errors.append(FieldError(small, f"{DENOMINATORS[small][0]} ({text.format_int(a)}) lớn hơn "
                                            f"{DENOMINATORS[big][0].lower()} ({text.format_int(b)})."))
    return values, errors


def _village(village_id: int) -> Unit:
    u = get_row(Unit, village_id, "thôn/tổ dân phố")
    if u.level != "thon":
        raise InputError(f"«{unit_label(u)}» không phải thôn/tổ dân phố: số liệu của xã là tổng các thôn, "
                         "được tính tự động.", "village_id")
    return u


def _store_denominators(reg, u: Unit, inp: DenominatorInput, values: dict[str, int | None]) -> None:
    row = VillageStat.get_or_none((VillageStat.unit == u.id) & (VillageStat.year == inp.year))
    if row is None:
        row = VillageStat(unit=u.id, year=inp.year)
    changed = []
    for name, v in values.items():
        if v is None and inp.keep_blank:
            continue
        old = getattr(row, name) if row.id else None
        if old != v:
            setattr(row, name, v)
            changed.append((name, old, v))
    note = text.clean(inp.note)
    if note and note != row.note:
        row.note = note
    if not changed and row.id:
        return
    row.save()
    for name, old, v in changed:
        log(reg, "sua", "unit", u.id, f"{unit_label(u)}: {DENOMINATORS[name][0].lower()} năm {inp.year}", "",
            text.format_int(old), text.format_int(v))


def set_denominators(reg, inp: DenominatorInput) -> Denominators:
    values, errors = check_denominators(inp)
    if errors:
        raise InputError(errors)
    with reg.write():
        u = _village(inp.village_id)
        _store_denominators(reg, u, inp, values)
    return list_denominators(reg, inp.year).for_unit(inp.village_id)


def set_denominators_many(reg, inputs: list[DenominatorInput]) -> int:
    """Several villages at once (a statistics sheet), all or nothing. Errors name the village."""
    errors: list[FieldError] = []
    checked = []
    with reg.read():
        for inp in inputs:
            values, errs = check_denominators(inp)
            try:
                u = _village(inp.village_id)
            except InputError as e:
                errors.extend(e.errors)
                continue
            errors.extend(FieldError(f"{inp.village_id}.{e.field}", f"{unit_label(u)}: {e.message}") for e in errs)
            checked.append((u, inp, values))
    if errors:
        raise InputError(errors)
    with reg.write():
        for u, inp, values in checked:
            _store_denominators(reg, u, inp, values)
    return len(checked)


_FIELDS = tuple(DENOMINATORS)


def _carried(year: int, carry: bool) -> Iterator[tuple[int, list[int | None], int, str]]:
    """(village id, figures, the year they are from, note) of each village that has a row, read in
    order and let go one village at a time (a province has tens of thousands of rows)."""
    cond = VillageStat.year <= year if carry else VillageStat.year == year
    q = (VillageStat.select(VillageStat.unit, VillageStat.year, VillageStat.note,
                            *(getattr(VillageStat, n) for n in _FIELDS))
         .where(cond).order_by(VillageStat.unit, VillageStat.year.desc()).tuples())
    uid, vals, from_year, note = None, [], 0, ""
    for row in q:
        if row[0] != uid:
            if uid is not None:
                yield uid, vals, from_year, note
            uid, vals, from_year, note = row[0], list(row[3:]), row[1], row[2]
            continue
        if None not in vals:
            continue
        for i, v in enumerate(row[3:]):
            if vals[i] is None and v is not None:
                vals[i] = v
                from_year = row[1]
    if uid is not None:
        yield uid, vals, from_year, note


def denominators_for(year: int, villages: list, *, carry: bool = True,
                     names: dict[int, str] | None = None) -> dict[int, Denominators]:
    """Each village's figures for ``year``; a figure not set for ``year`` comes from the latest
    earlier year that has it (``carry``), and ``from_year`` says which. ``villages``: Unit rows
    or :class:`UnitRow`; ``names``: how to name them (default «Thôn X»). Inside ``reg.read()``."""
    names = names or {}
    wanted = {u.id: u for u in villages}
    out = {}
    for uid, vals, from_year, note in _carried(year, carry):
        u = wanted.get(uid)
        if u is not None:
            out[uid] = Denominators(uid, names.get(uid) or unit_label(u), year, *vals, from_year=from_year, note=note)
    return {u.id: out.get(u.id) or Denominators(u.id, names.get(u.id) or unit_label(u), year) for u in villages}


def denominator_values(year: int, village_ids: set[int] | dict) -> dict[int, tuple[int | None, ...]]:
    """Village id → its figures for ``year`` (in :data:`DENOMINATORS`' order, carried forward as
    :func:`denominators_for` does), for the villages that have any row; nothing else is built (a
    province's progress by commune or district needs only the figures). Inside ``reg.read()``."""
    return {uid: tuple(vals) for uid, vals, _, _ in _carried(year, True) if uid in village_ids}


def list_denominators(reg, year: int, *, carry: bool = True) -> DenominatorTable:
    """Every active village's figures for ``year`` and the computed total."""
    with reg.read():
        units = load_units()
        villages = active_villages(units)
        by_id = denominators_for(year, villages, carry=carry, names=place_names(units))
    rows = [by_id[u.id] for u in villages]
    known = {n: sum(1 for d in rows if d.get(n) is not None) for n in DENOMINATORS}
    missing = {n: [d.unit_name for d in rows if d.get(n) is None] for n in DENOMINATORS}
    sums = {n: (sum(d.get(n) for d in rows if d.get(n) is not None) if known[n] else None) for n in DENOMINATORS}
    total = Denominators(0, "Tổng cộng", year, **sums)
    return DenominatorTable(year, rows, total, known, missing)
