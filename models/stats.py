"""Summary figures for the dashboard and ``cnscd stats``."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

from .common import today
from .people import TRAINED_SQL, year_bounds
from .schema import database


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
    """The registry in numbers: counted in SQL (no row is built), so the dashboard shows
    them at once even for a national roll-up."""
    year = year or today().year
    start, end = year_bounds(year)
    sql = database.execute_sql

    def one(q: str, params: tuple = ()) -> int:
        return sql(q, params).fetchone()[0] or 0

    with reg.read():
        by_cat: dict[str, int] = {code: 0 for (code,) in sql("SELECT code FROM category ORDER BY sort_order, id")}
        for code, n in sql("SELECT c.code, COUNT(*) FROM membership m JOIN category c ON c.id = m.category_id "
                           "WHERE m.end_date IS NULL GROUP BY c.code"):
            by_cat[code] = n
        active = "SELECT person_id FROM membership WHERE end_date IS NULL"
        return Stats(
            year=year,
            units=one("SELECT COUNT(*) FROM unit"),
            communes=one("SELECT COUNT(*) FROM unit WHERE level = 'xa'"),
            villages=one("SELECT COUNT(*) FROM unit WHERE level = 'thon' AND active"),
            teams=one("SELECT COUNT(*) FROM team WHERE active"),
            village_teams=one("SELECT COUNT(*) FROM team WHERE active AND level = 'thon'"),
            active_members=one("SELECT COUNT(*) FROM membership WHERE end_date IS NULL"),
            people=one(f"SELECT COUNT(DISTINCT person_id) FROM ({active})"),
            members_by_category=by_cat,
            trained_this_year=one(f"SELECT COUNT(*) FROM (SELECT DISTINCT person_id FROM ({active}) "
                                  f"INTERSECT SELECT person_id FROM ({TRAINED_SQL}))", (start, end)),
            courses_this_year=one("SELECT COUNT(*) FROM course WHERE start_date >= ? AND start_date <= ?", (start, end)),
            equipment_items=one("SELECT COALESCE(SUM(quantity), 0) FROM equipment"),
            equipment_needing_repair=one("SELECT COUNT(*) FROM equipment WHERE condition != 'tot'"),
        )
