"""Rules: one compliance summary that the dashboard and the reports both use,
and the reporting calendar.

The rules are commune settings (see ``services.Settings``): team size min–max
per team level, the categories every village team must include, the number of
courses a member attends per year.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass, field

from . import text, vocab
from .settings import get_settings
from .schema import Attendance, Course, Equipment, Team, Unit, database


@dataclass(frozen=True)
class Finding:
    """One thing to fix. ``target`` says where the UI should jump: (entity, id)."""

    kind: str  # size_low | size_high | missing_category | no_leader | untrained | repair | no_team
    severity: str  # loi (red) | canh_bao (yellow)
    message: str
    target: tuple[str, int]
    message_en: str = ""  # the same in English (names stay as they are), for the English UI


@dataclass(frozen=True)
class TeamCompliance:
    team_id: int
    team_name: str
    unit_name: str
    level: str
    size: int
    size_min: int
    size_max: int
    missing_categories: tuple[str, ...]  # category names
    has_leader: bool
    untrained: int
    findings: tuple[Finding, ...]

    @property
    def ok(self) -> bool:
        return not self.findings

    @property
    def status(self) -> str:
        if any(f.severity == "loi" for f in self.findings):
            return "loi"
        return "canh_bao" if self.findings else "dat"


@dataclass(frozen=True)
class Compliance:
    year: int
    teams: tuple[TeamCompliance, ...]
    villages_without_team: tuple[tuple[int, str], ...]
    untrained_members: int
    active_members: int
    equipment_needing_repair: int
    findings: tuple[Finding, ...] = field(default=())

    @property
    def teams_ok(self) -> int:
        return sum(1 for t in self.teams if t.ok)

    @property
    def training_coverage(self) -> float:
        if not self.active_members:
            return 0.0
        return (self.active_members - self.untrained_members) / self.active_members


def _settings(reg):
    return get_settings(reg)


def trained_ids(year: int, person_ids: Iterable[int] | None = None) -> set[int]:
    """Who attended a course starting in ``year`` (only among ``person_ids`` when given)."""
    start, end = dt.date(year, 1, 1), dt.date(year, 12, 31)
    if person_ids is None:
        return {pid for (pid,) in database.execute_sql(
            "SELECT a.person_id FROM attendance a JOIN course c ON c.id = a.course_id "
            "WHERE c.start_date >= ? AND c.start_date <= ?", (start.isoformat(), end.isoformat()))}
    q = (Attendance.select(Attendance.person).join(Course)
         .where((Course.start_date >= start) & (Course.start_date <= end)))
    q = q.where(Attendance.person.in_(list(person_ids)))
    return {pid for (pid,) in q.distinct().tuples()}


def team_checks(t: Team, unit_name: str, members: list[tuple[int, str, str]], trained: set[int], s,
                 cat_names: dict[str, str], cat_names_en: dict[str, str] | None = None) -> TeamCompliance:
    """members: (person_id, role, category_code) of active memberships."""
    return team_verdict(t.id, t.name, t.level, unit_name, size=len(members), categories={m[2] for m in members},
                        has_leader=any(m[1] == "to_truong" for m in members),
                        untrained=sum(1 for m in members if m[0] not in trained),
                        s=s, cat_names=cat_names, cat_names_en=cat_names_en)


def team_verdict(team_id: int, name: str, level: str, unit_name: str, *, size: int, categories: set[str],
                 has_leader: bool, untrained: int, s, cat_names: dict[str, str],
                 cat_names_en: dict[str, str] | None = None) -> TeamCompliance:
    """:func:`team_checks` from the counts it needs: ``size`` memberships, the category codes held
    among them, whether one is the Tổ trưởng, how many are held by people not trained (a report
    counts these in SQL, not holding a province's memberships)."""
    lo, hi = (s.village_team_min, s.village_team_max) if level == "thon" else (s.commune_team_min, s.commune_team_max)
    findings: list[Finding] = []
    target = ("team", team_id)
    if size < lo:
        findings.append(Finding("size_low", "loi", f"{name}: có {size} thành viên, ít hơn mức tối thiểu {lo}.", target,
                                f"{name}: {size} members, fewer than the minimum of {lo}."))
    elif size > hi:
        findings.append(Finding("size_high", "loi", f"{name}: có {size} thành viên, nhiều hơn mức tối đa {hi}.", target,
                                f"{name}: {size} members, more than the maximum of {hi}."))
    missing: tuple[str, ...] = ()
    if level == "thon":
        missing_codes = [c for c in s.required_categories if c not in categories]
        missing = tuple(cat_names.get(c, c) for c in missing_codes)
        if missing:
            en = ", ".join((cat_names_en or {}).get(c) or cat_names.get(c, c) for c in missing_codes)
            findings.append(Finding("missing_category", "loi", f"{name}: thiếu thành phần {', '.join(missing)}.", target,
                                    f"{name}: no member from {en}."))
    if size and not has_leader:
        findings.append(Finding("no_leader", "canh_bao", f"{name}: chưa có Tổ trưởng.", target,
                                f"{name}: no team leader yet."))
    if untrained:
        findings.append(Finding("untrained", "canh_bao",
                                f"{name}: {untrained}/{size} thành viên chưa được tập huấn năm nay.", target,
                                f"{name}: {untrained}/{size} members not trained this year."))
    return TeamCompliance(team_id, name, unit_name, level, size, lo, hi, missing, has_leader, untrained,
                          tuple(findings))


def _load(year: int, team_id: int | None = None):
    """(trained person ids, category names, active members by team) — of one team when ``team_id``
    is given (a team's page must not read a whole province's memberships and attendance).
    Read in SQL as plain tuples (peewee's per-value conversion cost seconds at scale)."""
    sql = database.execute_sql
    cat_codes = dict(sql("SELECT id, code FROM category").fetchall())
    cats = sql("SELECT code, name, name_en FROM category").fetchall()
    cat_names = {code: name for code, name, _ in cats}
    cat_names_en = {code: en for code, _, en in cats if en}
    by_team: dict[int, list[tuple[int, str, str]]] = {}
    q = "SELECT person_id, team_id, role, category_id FROM membership WHERE end_date IS NULL"
    rows = sql(q + " AND team_id = ?", (team_id,)) if team_id is not None else sql(q)
    for pid, tid, role, cid in rows:
        by_team.setdefault(tid, []).append((pid, role, cat_codes.get(cid, "")))
    people = None if team_id is None else {m[0] for m in by_team.get(team_id, [])}
    trained = trained_ids(year, people)
    return trained, (cat_names, cat_names_en), by_team


def team_compliance(reg, team_id: int, *, year: int | None = None) -> TeamCompliance:
    year = year or dt.date.today().year
    s = _settings(reg)
    with reg.read():
        t = Team.get_by_id(team_id)
        trained, (cat_names, cat_names_en), by_team = _load(year, t.id)
        u = t.unit
        return team_checks(t, f"{u.kind} {u.name}", by_team.get(t.id, []), trained, s, cat_names, cat_names_en)


def compliance(reg, *, year: int | None = None) -> Compliance:
    """The whole registry's compliance for ``year`` (default: this year)."""
    year = year or dt.date.today().year
    s = _settings(reg)
    with reg.read():
        trained, (cat_names, cat_names_en), by_team = _load(year)
        units = {u.id: u for u in Unit.select(Unit.id, Unit.kind, Unit.name, Unit.level, Unit.active).namedtuples()}
        teams = []
        with_team = set()
        for t in Team.select(Team.id, Team.unit, Team.level, Team.name).where(Team.active == True).namedtuples():  # noqa: E712
            u = units[t.unit]
            with_team.add(u.id)
            teams.append(team_checks(t, f"{u.kind} {u.name}", by_team.get(t.id, []), trained, s, cat_names,
                                      cat_names_en))
        keys = {name: text.vn_key(name) for name in {c.unit_name for c in teams}}  # many villages share a name
        teams.sort(key=lambda c: (0 if c.level == "xa" else 1, keys[c.unit_name]))
        no_team = tuple((u.id, f"{u.kind} {u.name}") for u in units.values()
                        if u.level == "thon" and u.active and u.id not in with_team)
        active_people = {m[0] for ms in by_team.values() for m in ms}
        untrained = len(active_people - trained)
        repair = (Equipment.select(Equipment.id, Equipment.unit, Equipment.kind, Equipment.condition)
                  .where(Equipment.condition != "tot"))
        findings = [f for tc in teams for f in tc.findings if f.kind != "untrained"]
        for uid, name in no_team:
            findings.append(Finding("no_team", "loi", f"{name} chưa có Tổ CNSCĐ.", ("unit", uid),
                                    f"{name} has no digital technology team yet."))
        if untrained:
            findings.append(Finding("untrained", "canh_bao",
                                    f"{untrained}/{len(active_people)} thành viên chưa được tập huấn năm {year}.",
                                    ("training", year),
                                    f"{untrained}/{len(active_people)} members not trained in {year}."))
        n_repair = 0
        for e in repair:
            n_repair += 1
            u = units.get(e.unit_id)
            findings.append(Finding("repair", "canh_bao",
                                    f"{vocab.label(vocab.EQUIPMENT_KINDS, e.kind)} tại {u.kind} {u.name}: "
                                    f"{vocab.label(vocab.CONDITIONS, e.condition).lower()}.", ("equipment", e.id),
                                    f"{vocab.label(vocab.EQUIPMENT_KINDS, e.kind, 'en')} at {u.kind} {u.name}: "
                                    f"{vocab.label(vocab.CONDITIONS, e.condition, 'en').lower()}."))
        return Compliance(year, tuple(teams), no_team, untrained, len(active_people), n_repair, tuple(findings))


# ---------------------------------------------------------------------------
# Reporting calendar
# ---------------------------------------------------------------------------
@dataclass(frozen=True)
class Deadline:
    kind: str  # quy | sau_thang | nam
    label: str
    period: str  # 2026-Q2 | 2026-H1 | 2026
    due: dt.date
    days_left: int


def _day_month(s: str) -> tuple[int, int]:
    d, m = s.split("/")
    return int(d), int(m)


def deadlines(settings, today: dt.date | None = None, horizon: int = 3) -> list[Deadline]:
    """Upcoming reporting deadlines from ``today`` on, soonest first."""
    today = today or dt.date.today()
    out: list[Deadline] = []
    for year in (today.year, today.year + 1):
        for q in range(1, 5):
            last_month = q * 3
            due = dt.date(year, last_month, min(settings.quarterly_deadline_day, 28))
            out.append(Deadline("quy", f"Báo cáo quý {['I', 'II', 'III', 'IV'][q - 1]}/{year}", f"{year}-Q{q}", due,
                                (due - today).days))
        d, m = _day_month(settings.half_year_deadline)
        due = dt.date(year, m, d)
        out.append(Deadline("sau_thang", f"Báo cáo 6 tháng đầu năm {year}", f"{year}-H1", due, (due - today).days))
        d, m = _day_month(settings.annual_deadline)
        due = dt.date(year, m, d)
        out.append(Deadline("nam", f"Báo cáo năm {year}", f"{year}", due, (due - today).days))
    upcoming = sorted((d for d in out if d.days_left >= 0), key=lambda d: (d.due, d.kind))
    return upcoming[:horizon]
