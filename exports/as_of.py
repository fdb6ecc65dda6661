"""The registry as it stood on a day: what a report for a period shows (the state at its end).

A period's report counts the members **as of the period's last day** — memberships
that had started by then (``start_date`` ≤ day, or no start date) and had not ended
(``end_date`` is null or after the day) —, the teams that existed then (founded by
the day; still active, or holding a membership on the day), the courses held inside
the period, the training of the year up to its end, and the equipment acquired by
its end. :mod:`exports.report` builds every period's sheet from here; today's state
is the same call with today's date.

Team compliance on a day uses the rules of :mod:`models.rules` (team size, required
categories, a leader) applied to the members of that day.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from models import rules
from models.settings import get_settings

__all__ = ["rows", "active_on", "team_ids_on", "members_on", "trained_between", "TeamOn", "compliance_on"]


def rows(q):
    """A query's rows as the database gives them (dates as ISO text, ids as ints): peewee's per-value
    conversion was most of a 16-province report's reading time."""
    return q.model._meta.database.execute_sql(*q.sql())


def active_on(day: dt.date):
    """The peewee condition «this membership was held on ``day``»."""
    from models.schema import Membership

    return (((Membership.start_date.is_null()) | (Membership.start_date <= day))
            & ((Membership.end_date.is_null()) | (Membership.end_date > day)))


def team_ids_on(day: dt.date) -> set[int]:
    """The teams that existed on ``day`` (inside ``reg.read()``): founded by then (or no date), and
    active now or holding a membership on that day (a team dissolved later still existed)."""
    from models.schema import Membership, Team

    held = {t for (t,) in rows(Membership.select(Membership.team).where(active_on(day)).distinct())}
    out = set()
    for tid, active, founded in rows(Team.select(Team.id, Team.active, Team.founded_on)):
        if isinstance(founded, str):
            founded = dt.date.fromisoformat(founded[:10])
        if founded is not None and founded > day:
            continue
        if active or tid in held:
            out.add(tid)
    return out


def members_on(day: dt.date, team_id: int | None = None) -> dict[int, list[tuple[int, str, str]]]:
    """team → [(person, role, category code)] of the memberships held on ``day`` (inside ``reg.read()``)."""
    from models.schema import Category, Membership

    codes = {c.id: c.code for c in Category.select(Category.id, Category.code)}
    q = Membership.select(Membership.person, Membership.team, Membership.role, Membership.category).where(active_on(day))
    if team_id is not None:
        q = q.where(Membership.team == team_id)
    out: dict[int, list[tuple[int, str, str]]] = {}
    for pid, tid, role, cid in rows(q):
        out.setdefault(tid, []).append((pid, role, codes.get(cid, "")))
    return out


def trained_between(start: dt.date, end: dt.date) -> set[int]:
    """Who attended a course starting between ``start`` and ``end`` (inside ``reg.read()``)."""
    from models.schema import Attendance, Course

    q = (Attendance.select(Attendance.person).join(Course)
         .where((Course.start_date >= start) & (Course.start_date <= end)))
    return {pid for (pid,) in rows(q.distinct())}


@dataclass(frozen=True)
class TeamOn:
    """One team's state on the day, with the rules' verdict (``check``: a ``rules.TeamCompliance``)."""

    team_id: int
    unit_id: int
    level: str
    name: str
    check: rules.TeamCompliance


def compliance_on(reg, day: dt.date, *, trained_from: dt.date | None = None) -> list[TeamOn]:
    """Every team that existed on ``day``, checked against the rules with its members of that day;
    training counted from ``trained_from`` (the first of ``day``'s year) to ``day``."""
    from models.schema import Category, Team, Unit

    s = get_settings(reg)
    start = trained_from or dt.date(day.year, 1, 1)
    with reg.read():
        ids = team_ids_on(day)
        by_team = members_on(day)
        trained = trained_between(start, day)
        cats = list(Category.select(Category.code, Category.name, Category.name_en))
        names = {c.code: c.name for c in cats}
        names_en = {c.code: c.name_en for c in cats if c.name_en}
        units = {u.id: u for u in Unit.select(Unit.id, Unit.kind, Unit.name)}
        out = []
        for t in Team.select().where(Team.id.in_(list(ids) or [-1])):
            u = units.get(t.unit_id)
            check = rules.team_checks(t, f"{u.kind} {u.name}" if u else "", by_team.get(t.id, []), trained, s,
                                       names, names_en)
            out.append(TeamOn(t.id, t.unit_id, t.level, t.name, check))
    return out
