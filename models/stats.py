"""Summary figures for the dashboard and ``cnscd stats``."""

from __future__ import annotations

import datetime as dt
from dataclasses import asdict, dataclass
from typing import Any

import peewee as pw

from . import rules
from .common import today
from .schema import Category, Course, Equipment, Membership, Team, Unit


# ---------------------------------------------------------------------------
# Statistics
# ---------------------------------------------------------------------------
@dataclass(frozen=True)
class Stats:
    year: int
    units: int
    communes: int
    villages: int
    teams: int
    village_teams: int
    active_members: int
    people: int
    members_by_category: dict[str, int]
    trained_this_year: int
    courses_this_year: int
    equipment_items: int
    equipment_needing_repair: int

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def stats(reg, *, year: int | None = None) -> Stats:
    year = year or today().year
    with reg.read():
        active = Membership.select().where(Membership.end_date.is_null())
        active_people = {m.person_id for m in active.select(Membership.person)}
        by_cat: dict[str, int] = {c.code: 0 for c in Category.select().order_by(Category.sort_order)}
        for code, n in (Membership.select(Category.code, pw.fn.COUNT(Membership.id)).join(Category)
                        .where(Membership.end_date.is_null()).group_by(Category.code).tuples()):
            by_cat[code] = n
        trained = rules.trained_ids(year)
        return Stats(
            year=year,
            units=Unit.select().count(),
            communes=Unit.select().where(Unit.level == "xa").count(),
            villages=Unit.select().where((Unit.level == "thon") & (Unit.active == True)).count(),  # noqa: E712
            teams=Team.select().where(Team.active == True).count(),  # noqa: E712
            village_teams=Team.select().where((Team.active == True) & (Team.level == "thon")).count(),  # noqa: E712
            active_members=active.count(),
            people=len(active_people),
            members_by_category=by_cat,
            trained_this_year=len(active_people & trained),
            courses_this_year=Course.select().where(
                (Course.start_date >= dt.date(year, 1, 1)) & (Course.start_date <= dt.date(year, 12, 31))).count(),
            equipment_items=Equipment.select(pw.fn.COALESCE(pw.fn.SUM(Equipment.quantity), 0)).scalar(),
            equipment_needing_repair=Equipment.select().where(Equipment.condition != "tot").count(),
        )
