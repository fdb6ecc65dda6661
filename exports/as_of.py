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

from .layout import shared

__all__ = ["rows", "active_on", "team_ids_on", "TeamOn", "compliance_on"]


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
    training counted from ``trained_from`` (the first of ``day``'s year) to ``day``.

    The counts the rules need (members, categories held, a Tổ trưởng, members not trained) are
    asked of SQLite a team and category at a time, in the teams' order: no membership, person or
    model object is held here (at 16× the province these took 80 MB for a moment)."""
    from models.schema import Attendance, Category, Course, Membership, Team, Unit

    s = get_settings(reg)
    start = trained_from or dt.date(day.year, 1, 1)
    with reg.read():
        db = Team._meta.database
        ids = team_ids_on(day)
        cats = rows(Category.select(Category.code, Category.name, Category.name_en)).fetchall()
        names = {code: name for code, name, _ in cats}
        names_en = {code: en for code, _, en in cats if en}
        units = {uid: f"{kind} {name}" for uid, kind, name in rows(Unit.select(Unit.id, Unit.kind, Unit.name))}
        m, c, a, co = (x._meta.table_name for x in (Membership, Category, Attendance, Course))
        held, params = Membership.select(Membership.id).where(active_on(day)).sql()
        counts = db.execute_sql(
            f'SELECT "m"."team_id", "c"."code", COUNT(*), MAX("m"."role" = ?), SUM(NOT EXISTS ('
            f'SELECT 1 FROM "{a}" AS "a" INNER JOIN "{co}" AS "co" ON "a"."course_id" = "co"."id" '
            f'WHERE "a"."person_id" = "m"."person_id" AND "co"."start_date" >= ? AND "co"."start_date" <= ?)) '
            f'FROM "{m}" AS "m" LEFT JOIN "{c}" AS "c" ON "c"."id" = "m"."category_id" '
            f'WHERE "m"."id" IN ({held}) GROUP BY "m"."team_id", "c"."code" ORDER BY "m"."team_id"',
            ["to_truong", start.isoformat(), day.isoformat(), *params])
        nxt = next(counts, None)  # both in the teams' id order: merged as they come
        out = []
        for tid, uid, level, name in rows(Team.select(Team.id, Team.unit, Team.level, Team.name).order_by(Team.id)):
            size, codes, leader, untrained = 0, set(), False, 0
            while nxt is not None and nxt[0] <= tid:
                if nxt[0] == tid:
                    size += nxt[2]
                    codes.add(nxt[1] or "")
                    leader = leader or bool(nxt[3])
                    untrained += nxt[4]
                nxt = next(counts, None)
            if tid not in ids:
                continue
            name, level = shared(name), shared(level)  # the names the other sheets of a pack hold too
            check = rules.team_verdict(tid, name, level, units.get(uid, ""), size=size, categories=codes,
                                       has_leader=leader, untrained=untrained, s=s, cat_names=names,
                                       cat_names_en=names_en)
            out.append(TeamOn(tid, uid, level, name, check))
    return out
