"""Activity tallies: what each team did, counts only (no resident's name or ID is ever stored).

One activity on a day (``TallyInput.day``), or a team's month (``day`` None: the leader's
monthly sheet or the clerk's grid — at most one per team and month, replaced when saved
again, so the same sheet imported twice counts once). :func:`month_grid` and
:func:`save_month_grid` are the team × service grid for fast entry; :func:`sums_by_unit`,
:func:`teams_by_unit`, :func:`kinds_by_unit` and :func:`needs_between` feed progress and the reports.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from collections.abc import Collection, Iterator
from typing import Any

import peewee as pw

from . import text, validate
from .activity_common import (COUNT_FIELDS, DEFAULT_APP_NAME, KINDS, MAX_COUNT, MAX_NEEDS, SERVICE_ORDER, SERVICES,
                              SETTING_KEYS, SOURCES, active_villages, load_units, month_label, month_of, month_range,
                              parse_month, place_names, read_setting, service_label, unit_label)
from .audit import log
from .common import full_name, get_row, today
from .denominators import denominators_for
from .errors import FieldError, InputError
from .schema import Activity, ActivityCount, Membership, Person, Team, Unit, database


# ---------------------------------------------------------------------------
# Tallies
# ---------------------------------------------------------------------------
@dataclass(frozen=True)
class CountInput:
    """People and households helped with one service (raw values: ints or typed text)."""

    service: str
    people: Any = 0
    households: Any = 0
    priority: Any = 0
    businesses: Any = 0


@dataclass(frozen=True)
class TallyInput:
    """One activity (``day`` given) or a team's month (``day`` None: replaces that month's tally).

    ``kinds``: activity kind code → number of sessions; ``kind`` is a shorthand for one
    session of one kind. ``member_ids``: the members who took part (person ids).
    ``needs``: residents' needs and difficulties to report up (no names, no ID numbers).
    """

    team_id: int
    month: Any = ""
    day: Any = None
    kind: str = ""
    kinds: dict[str, Any] = field(default_factory=dict)
    counts: tuple[CountInput, ...] = ()
    member_ids: tuple[int, ...] = ()
    needs: str = ""
    note: str = ""
    source: str = ""  # "" → nhap for a day, luoi for a month; the sheet reader passes "phieu"


@dataclass(frozen=True)
class CountInfo:
    service: str
    service_label: str
    people: int
    households: int
    priority: int
    businesses: int


@dataclass(frozen=True)
class TallyInfo:
    id: int
    team_id: int
    team_name: str
    unit_id: int
    unit_name: str
    month: str
    day: dt.date | None
    kinds: tuple[tuple[str, int], ...]
    counts: tuple[CountInfo, ...]
    member_ids: tuple[int, ...]
    member_names: tuple[str, ...]
    needs: str
    source: str
    note: str

    @property
    def is_month(self) -> bool:
        return self.day is None

    @property
    def people(self) -> int:
        return sum(c.people for c in self.counts)

    def count(self, service: str) -> CountInfo | None:
        return next((c for c in self.counts if c.service == service), None)


@dataclass(frozen=True)
class CheckedTally:
    """What :func:`check_tally` found: the clean values, errors and warnings (nothing written)."""

    values: dict[str, Any]
    errors: list[FieldError]
    warnings: list[str]

    @property
    def ok(self) -> bool:
        return not self.errors


_ID_LIKE = re.compile(r"(?<!\d)(?:\d[ .]?){9,12}(?!\d)")


def _check_counts(inp: TallyInput, cap: int | None, cap_what: str, errors: list, warnings: list) -> list[dict]:
    rows, seen = [], set()
    for c in inp.counts:
        svc = c.service
        if svc not in SERVICES:
            errors.append(FieldError(f"{svc}.service", f"Dịch vụ «{svc}» không có trong danh mục."))
            continue
        if svc in seen:
            errors.append(FieldError(f"{svc}.service", f"{SERVICES[svc][0]}: ghi hai lần."))
            continue
        seen.add(svc)
        vals, bad = {}, False
        for name, words in COUNT_FIELDS.items():
            raw = getattr(c, name)
            if raw is None or (isinstance(raw, str) and not text.clean(raw)):
                vals[name] = 0
                continue
            r = validate.check_int(raw, f"{SERVICES[svc][0]} — {words}", min=0, max=MAX_COUNT)
            if r.ok:
                vals[name] = r.value
            else:
                errors.append(FieldError(f"{svc}.{name}", r.error))
                bad = True
        if bad:
            continue
        svc_name = SERVICES[svc][0]
        if vals["priority"] > vals["people"]:
            errors.append(FieldError(f"{svc}.priority", f"{svc_name}: người cao tuổi, người yếu thế "
                                     f"({text.format_int(vals['priority'])}) nhiều hơn số người được hỗ trợ "
                                     f"({text.format_int(vals['people'])})."))
        if vals["businesses"] > vals["households"]:
            errors.append(FieldError(f"{svc}.businesses", f"{svc_name}: hộ kinh doanh "
                                     f"({text.format_int(vals['businesses'])}) nhiều hơn số hộ được hỗ trợ "
                                     f"({text.format_int(vals['households'])})."))
        if cap is not None and vals["households"] > cap:
            errors.append(FieldError(f"{svc}.households", f"{svc_name}: số hộ được hỗ trợ "
                                     f"({text.format_int(vals['households'])}) nhiều hơn {cap_what} "
                                     f"({text.format_int(cap)})."))
        if vals["households"] > vals["people"] > 0:
            warnings.append(f"{svc_name}: số hộ ({text.format_int(vals['households'])}) nhiều hơn số người "
                            f"({text.format_int(vals['people'])}) — hãy kiểm tra lại.")
        if any(vals.values()):
            rows.append(dict(service=svc, **vals))
    return rows


def _check_kinds(inp: TallyInput, errors: list) -> list[tuple[str, int]]:
    raw = dict(inp.kinds)
    if inp.kind:
        raw.setdefault(inp.kind, 1)
    out = []
    for code, n in raw.items():
        if code not in KINDS:
            errors.append(FieldError(f"kind.{code}", f"Hình thức hoạt động «{code}» không có trong danh mục."))
            continue
        if n is None or (isinstance(n, str) and not text.clean(n)):
            continue
        r = validate.check_int(n, f"{KINDS[code][0]} — số buổi", min=0, max=10_000)
        if not r.ok:
            errors.append(FieldError(f"kind.{code}", r.error))
        elif r.value:
            out.append((code, r.value))
    order = list(KINDS)
    return sorted(out, key=lambda kv: order.index(kv[0]))


def _check_when(inp: TallyInput, errors: list) -> tuple[str | None, dt.date | None]:
    day = None
    if inp.day not in (None, ""):
        r = validate.check_date(inp.day, "Ngày hoạt động", max_date=today())
        if not r.ok:
            errors.append(FieldError("day", r.error))
            return None, None
        day = r.value
    month = None
    if inp.month not in (None, ""):
        try:
            month = parse_month(inp.month)
        except InputError as e:
            errors.extend(e.errors)
            return None, day
    elif day is not None:
        month = month_of(day)
    if month is None:
        errors.append(FieldError("month", "Tháng không được để trống."))
        return None, day
    if day is not None and month_of(day) != month:
        errors.append(FieldError("day", f"Ngày {text.format_date(day)} không thuộc {month_label(month)}."))
    if month > month_of(today()):
        errors.append(FieldError("month", f"{month_label(month).capitalize()} chưa đến."))
    return month, day


def _check_members(team: Team, month: str, ids: tuple[int, ...], errors: list) -> list[int]:
    start, end = month_range(month)
    ok = {m.person_id for m in Membership.select(Membership.person).where(
        (Membership.team == team.id) & ((Membership.start_date.is_null()) | (Membership.start_date <= end))
        & ((Membership.end_date.is_null()) | (Membership.end_date >= start)))}
    out = []
    for pid in dict.fromkeys(ids):
        if pid not in ok:
            p = Person.get_or_none(Person.id == pid)
            who = full_name(p) if p else f"mã {pid}"
            errors.append(FieldError("member_ids", f"{who} không phải thành viên {team.name} trong "
                                                   f"{month_label(month)}."))
        else:
            out.append(pid)
    return out


def household_cap(unit: Unit, year: int) -> tuple[int | None, str]:
    """The most households one tally can reach in ``unit``: the village's (or, for the commune,
    its villages' total) households that year, or None when not known."""
    if unit.level == "thon":
        d = denominators_for(year, [unit])[unit.id]
        return d.households, f"số hộ của {unit_label(unit)} năm {d.from_year or year}"
    villages = [u for u in active_villages() if u.parent_id == unit.id]
    ds = denominators_for(year, villages)
    known = [d.households for d in ds.values() if d.households is not None]
    if not known or len(known) < len(villages):
        return None, ""
    return sum(known), f"tổng số hộ của {unit_label(unit)}"


def check_tally(reg, inp: TallyInput) -> CheckedTally:
    """Validate without writing: every error names its field (``TK_DVC.households``, ``day``…)."""
    errors: list[FieldError] = []
    warnings: list[str] = []
    with reg.read():
        team = Team.get_or_none(Team.id == inp.team_id)
        if team is None:
            return CheckedTally({}, [FieldError("team_id", f"Không tìm thấy tổ (mã {inp.team_id}).")], [])
        unit = Unit.get_by_id(team.unit_id)
        month, day = _check_when(inp, errors)
        cap, cap_what = household_cap(unit, int(month[:4])) if month else (None, "")
        counts = _check_counts(inp, cap, cap_what, errors, warnings)
        kinds = _check_kinds(inp, errors)
        members = _check_members(team, month, tuple(inp.member_ids), errors) if month else []
    needs = "\n".join(line for line in (text.clean(x) for x in str(inp.needs or "").splitlines()) if line)
    if len(needs) > MAX_NEEDS:
        errors.append(FieldError("needs", f"Nhu cầu, khó khăn: tối đa {text.format_int(MAX_NEEDS)} ký tự."))
    if _ID_LIKE.search(needs):
        errors.append(FieldError("needs", "Nhu cầu, khó khăn: không ghi số điện thoại hay số CCCD của người dân "
                                          "(sổ chỉ lưu số lượng)."))
    source = inp.source or ("nhap" if day else "luoi")
    if source not in SOURCES:
        errors.append(FieldError("source", f"Nguồn «{source}» không hợp lệ."))
    if not counts and not kinds and not needs and not errors:
        errors.append(FieldError("counts", "Chưa có số liệu nào: ghi ít nhất một số người/số hộ, một buổi "
                                           "hoạt động hoặc nhu cầu của người dân."))
    values = dict(team=team, unit=unit, month=month, day=day, counts=counts, kinds=kinds, members=members,
                  needs=needs, note=text.clean(inp.note), source=source)
    return CheckedTally(values, errors, warnings)


def _write_tally(reg, v: dict, replace: Activity | None) -> Activity:
    fields = dict(team=v["team"].id, unit=v["unit"].id, month=v["month"], day=v["day"],
                  kinds=";".join(f"{k}:{n}" for k, n in v["kinds"]), members=";".join(map(str, v["members"])),
                  needs=v["needs"], source=v["source"], note=v["note"])
    if replace is not None:
        Activity.update(**fields).where(Activity.id == replace.id).execute()
        ActivityCount.delete().where(ActivityCount.activity == replace.id).execute()
        act = Activity.get_by_id(replace.id)
    else:
        act = Activity.create(**fields)
    if v["counts"]:
        ActivityCount.insert_many([dict(activity=act.id, **c) for c in v["counts"]]).execute()
    return act


def _summary(v: dict) -> str:
    what = f"ngày {text.format_date(v['day'])}" if v["day"] else month_label(v["month"])
    people = sum(c["people"] for c in v["counts"])
    return f"Hoạt động {what} của {v['team'].name}: {text.format_int(people)} lượt người được hỗ trợ"


def month_tally_row(team_id: int, month: str) -> Activity | None:
    return (Activity.select().where((Activity.team == team_id) & (Activity.month == month) & Activity.day.is_null())
            .order_by(Activity.id).first())


def save_tally(reg, inp: TallyInput) -> TallyInfo:
    """Save an activity (``day`` given: a new record) or a team's month (``day`` None: the
    team's one tally for that month, replaced if it exists — saving it twice counts once)."""
    c = check_tally(reg, inp)
    if not c.ok:
        raise InputError(c.errors)
    v = c.values
    with reg.write():
        old = month_tally_row(v["team"].id, v["month"]) if v["day"] is None else None
        act = _write_tally(reg, v, old)
        log(reg, "sua" if old else "them", "team", v["team"].id,
            _summary(v) + (" (thay số liệu đã có)" if old else ""))
    return get_tally(reg, act.id)


def update_tally(reg, activity_id: int, inp: TallyInput) -> TallyInfo:
    """Change a saved activity (its team and month may change too)."""
    c = check_tally(reg, inp)
    if not c.ok:
        raise InputError(c.errors)
    v = c.values
    with reg.write():
        act = get_row(Activity, activity_id, "hoạt động")
        if v["day"] is None:
            other = month_tally_row(v["team"].id, v["month"])
            if other is not None and other.id != act.id:
                raise InputError(f"{v['team'].name} đã có số liệu {month_label(v['month'])}; hãy sửa bản đó.",
                                 "month")
        _write_tally(reg, v, act)
        log(reg, "sua", "team", v["team"].id, _summary(v) + " (sửa)")
    return get_tally(reg, activity_id)


def delete_tally(reg, activity_id: int) -> None:
    with reg.write():
        act = get_row(Activity, activity_id, "hoạt động")
        team = Team.get_by_id(act.team_id)
        what = f"ngày {text.format_date(act.day)}" if act.day else month_label(act.month)
        ActivityCount.delete().where(ActivityCount.activity == act.id).execute()
        act.delete_instance()
        log(reg, "xoa", "team", team.id, f"Xóa hoạt động {what} của {team.name}")


def _infos(q, app_name: str) -> list[TallyInfo]:
    acts = list(q)
    if not acts:
        return []
    ids = [a.id for a in acts]
    counts: dict[int, list[CountInfo]] = {}
    order = {s: i for i, s in enumerate(SERVICE_ORDER)}
    for i in range(0, len(ids), 900):
        for c in ActivityCount.select().where(ActivityCount.activity.in_(ids[i:i + 900])):
            counts.setdefault(c.activity_id, []).append(CountInfo(
                c.service, service_label(c.service, app_name), c.people, c.households, c.priority, c.businesses))
    teams = {t.id: t for t in Team.select(Team.id, Team.name)}
    names = place_names(load_units())
    pids = {int(p) for a in acts for p in a.members.split(";") if p}
    names = {p.id: full_name(p) for p in Person.select(Person.id, Person.family_name, Person.given_name)
             .where(Person.id.in_(list(pids)))} if pids else {}
    out = []
    for a in acts:
        members = tuple(int(p) for p in a.members.split(";") if p)
        kinds = tuple((k, int(n)) for k, _, n in (s.partition(":") for s in a.kinds.split(";") if s))
        out.append(TallyInfo(
            a.id, a.team_id, teams[a.team_id].name if a.team_id in teams else "", a.unit_id,
            names.get(a.unit_id, ""), a.month, a.day, kinds,
            tuple(sorted(counts.get(a.id, []), key=lambda c: order.get(c.service, 99))),
            members, tuple(names.get(p, f"mã {p}") for p in members), a.needs, a.source, a.note))
    return out


def get_tally(reg, activity_id: int) -> TallyInfo:
    with reg.read():
        get_row(Activity, activity_id, "hoạt động")
        app = read_setting(SETTING_KEYS["app_name"], DEFAULT_APP_NAME)
        return _infos(Activity.select().where(Activity.id == activity_id), app)[0]


def list_tallies(reg, *, team_id: int | None = None, month: str | None = None, start: str | None = None,
                 end: str | None = None, unit_id: int | None = None) -> list[TallyInfo]:
    """Saved activities, newest month first; ``start``/``end`` are months ("2026-04")."""
    with reg.read():
        q = Activity.select()
        if team_id:
            q = q.where(Activity.team == team_id)
        if unit_id:
            q = q.where(Activity.unit == unit_id)
        if month:
            q = q.where(Activity.month == parse_month(month))
        if start:
            q = q.where(Activity.month >= parse_month(start))
        if end:
            q = q.where(Activity.month <= parse_month(end))
        q = q.order_by(Activity.month.desc(), Activity.day.desc(nulls="first"), Activity.id)
        app = read_setting(SETTING_KEYS["app_name"], DEFAULT_APP_NAME)
        return _infos(q, app)


# ---------------------------------------------------------------------------
# The month grid: team × service (fast entry)
# ---------------------------------------------------------------------------
@dataclass(frozen=True)
class GridRow:
    team_id: int
    team_name: str
    unit_id: int
    unit_name: str
    level: str
    households_cap: int | None
    tally_id: int | None  # the team's month tally, if any
    source: str
    cells: dict[str, CountInfo]  # service → counts of the month tally
    day_people: int  # people in the team's activities typed one by one this month (not in ``cells``)


@dataclass(frozen=True)
class MonthGrid:
    month: str
    services: tuple[tuple[str, str], ...]  # (code, label)
    rows: list[GridRow]


@dataclass(frozen=True)
class GridCellInput:
    team_id: int
    service: str
    people: Any = 0
    households: Any = 0
    priority: Any = None  # None: keep what the month tally has
    businesses: Any = None


def month_grid(reg, month: Any) -> MonthGrid:
    """Every active team's month tally as a team × service grid."""
    m = parse_month(month)
    year = int(m[:4])
    with reg.read():
        app = read_setting(SETTING_KEYS["app_name"], DEFAULT_APP_NAME)
        units = load_units()
        names = place_names(units)
        teams = [t for t in Team.select().where(Team.active == True)]  # noqa: E712
        teams.sort(key=lambda t: (0 if t.level == "xa" else 1, units[t.unit_id].parent_id or 0,
                                  units[t.unit_id].sort_order, text.vn_key(t.name)))
        tallies = {a.team_id: a for a in _infos(Activity.select().where(
            (Activity.month == m) & Activity.day.is_null()), app)}
        day_people: dict[int, int] = {}
        for team_id, n in (ActivityCount.select(Activity.team, pw.fn.SUM(ActivityCount.people))
                           .join(Activity, on=(ActivityCount.activity == Activity.id))
                           .where((Activity.month == m) & Activity.day.is_null(False))
                           .group_by(Activity.team).tuples()):
            day_people[team_id] = n
        dens = denominators_for(year, active_villages(units), names=names)
        rows = []
        for t in teams:
            a = tallies.get(t.id)
            d = dens.get(t.unit_id)
            rows.append(GridRow(t.id, t.name, t.unit_id, names[t.unit_id], t.level,
                                d.households if d else None, a.id if a else None, a.source if a else "",
                                {c.service: c for c in a.counts} if a else {}, day_people.get(t.id, 0)))
    return MonthGrid(m, tuple((s, service_label(s, app)) for s in SERVICE_ORDER), rows)


def save_month_grid(reg, month: Any, cells: list[GridCellInput]) -> int:
    """Save many grid cells at once (all or nothing): each team's month tally gets the cells'
    counts (other services, kinds, members and needs stay). Returns the teams changed.
    Errors name the team and the service."""
    m = parse_month(month)
    by_team: dict[int, dict[str, GridCellInput]] = {}
    for c in cells:
        by_team.setdefault(c.team_id, {})[c.service] = c
    plans, errors = [], []
    with reg.read():
        for team_id, svc_cells in by_team.items():
            old = month_tally_row(team_id, m)
            info = get_tally(reg, old.id) if old else None
            counts = {c.service: c for c in info.counts} if info else {}
            merged = []
            for svc in SERVICE_ORDER:
                if svc in svc_cells:
                    g = svc_cells[svc]
                    prev = counts.get(svc)
                    merged.append(CountInput(svc, g.people, g.households,
                                             g.priority if g.priority is not None else (prev.priority if prev else 0),
                                             g.businesses if g.businesses is not None else
                                             (prev.businesses if prev else 0)))
                elif svc in counts:
                    p = counts[svc]
                    merged.append(CountInput(svc, p.people, p.households, p.priority, p.businesses))
            merged += [CountInput(s, 0) for s in svc_cells if s not in SERVICES]  # reported as unknown
            inp = TallyInput(team_id, m, kinds=dict(info.kinds) if info else {}, counts=tuple(merged),
                             member_ids=info.member_ids if info else (), needs=info.needs if info else "",
                             note=info.note if info else "", source=info.source if info else "luoi")
            c = check_tally(reg, inp)
            team = c.values.get("team")
            name = team.name if team else f"tổ mã {team_id}"
            errors.extend(FieldError(f"{team_id}.{e.field}", f"{name}: {e.message}") for e in c.errors
                          if e.field != "counts")
            if c.ok or all(e.field == "counts" for e in c.errors):
                plans.append((c.values, old))
    if errors:
        raise InputError(errors)
    with reg.write():
        for v, old in plans:
            _write_tally(reg, v, old)
        if plans:
            log(reg, "sua", "team", None, f"Bảng nhập hoạt động {month_label(m)}: {len(plans)} tổ")
    return len(plans)


# ---------------------------------------------------------------------------
# Sums for progress and reports (grouped in SQL, fast at province scale)
# ---------------------------------------------------------------------------
@dataclass(slots=True)
class Sums:
    people: int = 0
    households: int = 0
    priority: int = 0
    businesses: int = 0

    def add(self, p: int, h: int, pr: int, b: int) -> None:
        self.people += p
        self.households += h
        self.priority += pr
        self.businesses += b


# Each (unit, service) of months lo…end, summed over the months ≥ ?1 (the period) and over the months ≥ ?2
# (the year to date) in one pass, for the units ?5…?6 only: SQLite sorts what it groups (in memory), so a
# province's 1,4 million joined rows at 16× are grouped a block of units at a time, never all at once (the
# scan reads the activities — the CROSS JOIN keeps them the outer loop — and only their own counts).
_SPANS = ", ".join(f'SUM(a."month" >= ?{k}), ' + ", ".join(f'SUM(CASE WHEN a."month" >= ?{k} THEN c."{f}" ELSE 0 END)'
                                                        for f in COUNT_FIELDS) for k in (1, 2))
_SUMS_SQL = (f'SELECT a."unit_id", c."service", {_SPANS} FROM "activity" AS a CROSS JOIN "activity_count" AS c '
             'ON c."activity_id" = a."id" WHERE a."month" >= ?3 AND a."month" <= ?4 AND a."unit_id" >= ?5 '
             'AND a."unit_id" <= ?6 GROUP BY a."unit_id", c."service"')
UNITS_AT_ONCE = 1024  # units grouped in one query (what SQLite sorts at once: their counts only)
# Active teams per unit, and how many of them counted people or households for online-fraud guidance.
_FRAUD_SQL = ('SELECT t."unit_id", COUNT(*), SUM(t."id" IN (SELECT a."team_id" FROM "activity" AS a '
              'JOIN "activity_count" AS c ON c."activity_id" = a."id" WHERE c."service" = \'LUA_DAO\' '
              'AND a."month" >= ? AND a."month" <= ? GROUP BY a."team_id" '
              'HAVING SUM(c."people") <> 0 OR SUM(c."households") <> 0)) '
              'FROM "team" AS t WHERE t."active" = 1 GROUP BY t."unit_id"')


Slots = list  # one Sums or None per service of SERVICE_ORDER


def sums_by_unit(unit_ids: list[int], ytd_start: str, start: str, end: str
                 ) -> Iterator[tuple[int, Slots | None, Slots | None]]:
    """Each unit that has counts in months ``min(start, ytd_start)``…``end``, once, as ``(unit id,
    period, year to date)``: ``period`` the sums of months ``start``…``end``, ``year to date`` those
    of ``ytd_start``…``end``, each a list with one :class:`Sums` (or None: no count of it) per
    service of :data:`SERVICE_ORDER`, or None when the unit has no count in that span (a unit whose
    counts are all of services not in the catalogue has a list of None). ``unit_ids``: the units,
    ascending (a unit not among them is still read). Grouped in SQLite a block of units at a time,
    so neither SQLite nor Python ever holds a whole province's counts. Inside ``reg.read()``."""
    slot = {s: i for i, s in enumerate(SERVICE_ORDER)}
    lo = min(start, ytd_start)
    bounds = [-(1 << 62)] + [unit_ids[i] for i in range(UNITS_AT_ONCE, len(unit_ids), UNITS_AT_ONCE)] + [1 << 62]
    empty = (None,) * len(SERVICE_ORDER)
    for first, after in zip(bounds, bounds[1:], strict=False):
        last, per, ytd = None, None, None
        for uid, svc, n_p, p, h, pr, b, n_y, yp, yh, ypr, yb in database.execute_sql(
                _SUMS_SQL, (start, ytd_start, lo, end, first, after - 1)):
            if uid != last:
                if last is not None:
                    yield last, per, ytd
                last, per, ytd = uid, None, None
            i = slot.get(svc)
            if n_p:
                per = per or list(empty)
                if i is not None:
                    per[i] = Sums(p, h, pr, b)
            if n_y:
                ytd = ytd or list(empty)
                if i is not None:
                    ytd[i] = Sums(yp, yh, ypr, yb)
        if last is not None:
            yield last, per, ytd


def teams_by_unit(start: str, end: str) -> dict[int, tuple[int, int]]:
    """Unit id → (active teams, of which ran online-fraud guidance — people or households counted
    for LUA_DAO — in months ``start``…``end``). One query. Call inside ``reg.read()``."""
    return {uid: (n, fraud) for uid, n, fraud in database.execute_sql(_FRAUD_SQL, (start, end))}


def kinds_by_unit(start: str, end: str, *, rows: Collection[int] | None = None,
                  below: bool = False) -> dict[int, dict[str, int]]:
    """unit id → kind → sessions, months ``start``…``end`` (inside ``reg.read()``). ``rows``: only
    these units (a report's rows), each with its own sessions and, with ``below``, those of every
    unit under it (a commune's or a district's row counts its villages'): a province's units are
    never all held, only the rows'."""
    out: dict[int, dict[str, int]] = {}
    into: dict[int, tuple[int, ...]] = {}
    units = load_units() if rows is not None and below else {}

    def targets(uid: int) -> tuple[int, ...]:
        if rows is None:
            return (uid,)
        found, u, seen = [], units.get(uid), {uid}
        if uid in rows:
            found.append(uid)
        while u is not None and u.parent_id is not None and u.parent_id not in seen:
            seen.add(u.parent_id)
            if u.parent_id in rows:
                found.append(u.parent_id)
            u = units.get(u.parent_id)
        return tuple(found)

    for unit_id, kinds in database.execute_sql(
            'SELECT "unit_id", "kinds" FROM "activity" WHERE "month" >= ? AND "month" <= ? AND "kinds" <> \'\'',
            (start, end)):
        keys = into.get(unit_id)
        if keys is None:
            keys = into[unit_id] = targets(unit_id)
        for key in keys:
            d = out.setdefault(key, {})
            for part in kinds.split(";"):
                k, _, n = part.partition(":")
                if n:
                    d[k] = d.get(k, 0) + int(n)
    return out


@dataclass(frozen=True)
class NeedNote:
    team_name: str
    unit_name: str
    month: str
    day: dt.date | None
    text: str


def needs_between(reg, start: str, end: str) -> list[NeedNote]:
    """Residents' needs and difficulties the teams wrote down in months ``start``…``end``."""
    with reg.read():
        names = place_names(load_units())
        teams = {t.id: t.name for t in Team.select(Team.id, Team.name)}
        rows = [NeedNote(teams.get(a.team_id, ""), names.get(a.unit_id, ""), a.month, a.day, a.needs)
                for a in Activity.select(Activity.team, Activity.unit, Activity.month, Activity.day, Activity.needs)
                .where((Activity.month >= start) & (Activity.month <= end) & (Activity.needs != ""))
                .order_by(Activity.month, Activity.id)]
    return rows
