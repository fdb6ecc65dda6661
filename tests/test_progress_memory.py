"""Progress against the targets at province scale (issue 19): the counts are grouped by SQLite a block
of units at a time, the period and the year to date in one pass, and by commune or district no
village's sums are kept — only its group's. What it holds is counted (tracemalloc), never timed;
peak figures at 16× are in bench/bench_exports.py. The sums stay the activities' own."""

from __future__ import annotations

import gc
import tracemalloc

import pytest

from models import activity_targets as at
from models import tallies
from models.activity_common import SERVICE_ORDER, load_units, place_names
from models.schema import Activity, ActivityCount, Team


@pytest.fixture(scope="module")
def province(province_read_only):
    return province_read_only


def _allocated(fn):
    """(what ``fn`` leaves allocated, its peak), in bytes, and what it returned."""
    gc.collect()
    tracemalloc.start()
    try:
        out = fn()
        kept, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    return kept, peak, out


@pytest.mark.parametrize("by", ["xa", "huyen"])
@pytest.mark.parametrize("start", ["2026-07", None])
def test_progress_by_commune_or_district_works_in_little_more_than_the_unit_list(province, by, start):
    """By commune or district the report needs each village's sums only to add them to its group's:
    the working memory is now about twice the unit list progress has to read anyway (before, every
    village's sums were built for the period and again for the year, and all its denominators: 5–7×
    the unit list at the province, growing with the registry — 86 MB at 16×)."""

    def units():
        with province.read():
            u = load_units()
            return u, place_names(u)

    unit_list, _, _ = _allocated(units)
    at._CACHE.clear()
    kept, peak, p = _allocated(lambda: at.progress(province, start=start, end="2026-09", by=by))
    assert len(p.rows) > 5 and p.total.teams > 1000  # the whole province, by commune or district
    assert peak - kept <= 3 * unit_list, (peak - kept, unit_list)


def test_progress_is_the_same_whatever_the_block_of_units(province, monkeypatch):
    """Grouping a few units at a time (here 7: blocks end inside communes and districts) gives the
    same answer, row by row, as grouping them all at once — for villages, communes and districts."""
    for by in ("thon", "xa", "huyen"):
        monkeypatch.setattr(tallies, "UNITS_AT_ONCE", 10**9)
        at._CACHE.clear()
        whole = at.progress(province, start="2026-07", end="2026-09", by=by)
        monkeypatch.setattr(tallies, "UNITS_AT_ONCE", 7)
        at._CACHE.clear()
        blocks = at.progress(province, start="2026-07", end="2026-09", by=by)
        assert blocks.rows == whole.rows and blocks.total == whole.total
        assert blocks.behind == whole.behind and blocks.unknown == whole.unknown
        assert sum(s.people for s in blocks.total.period.values()) > 0


@pytest.mark.parametrize("by", ["xa", "huyen"])
def test_the_kinds_sheet_of_a_province_counts_each_group_s_units(province, by):
    """«Hình thức hoạt động» by commune or district: each row's sessions are those of the activities of
    its units (villages and commune-level teams), counted here activity by activity; the total is all."""
    from exports import activities as xa
    from models.activity_common import KINDS

    reps = xa.results_reports(province, xa.parse_activity_period("2026-Q3"), by=by)
    kinds = reps[2]
    with province.read():
        units = load_units()
        acts = list(Activity.select(Activity.unit, Activity.kinds).where(
            (Activity.month >= "2026-07") & (Activity.month <= "2026-09")).tuples())
    prog = at.progress(province, start="2026-07", end="2026-09", by=by)
    ids = [r.unit_id for r in prog.rows]
    expected = {uid: dict.fromkeys(KINDS, 0) for uid in ids}
    for unit, text in acts:
        u = units[unit]
        while u is not None and u.id not in expected:
            u = units.get(u.parent_id)
        for part in filter(None, text.split(";")):
            k, _, n = part.partition(":")
            if u is not None:
                expected[u.id][k] += int(n)
    assert [row[2:] for row in kinds.rows] == [list(expected[uid].values()) for uid in ids]
    assert sum(kinds.total[2:]) == sum(int(p.partition(":")[2]) for _, t in acts for p in t.split(";") if p) > 0


# The commune demo, opened last: the province's registry (module-wide) is not used after it.
def _naive(reg, lo: str, hi: str) -> dict[int, dict[str, list[int]]]:
    """unit id → service → [people, households, priority, businesses] of months lo…hi, row by row."""
    out: dict[int, dict[str, list[int]]] = {}
    with reg.read():
        q = (ActivityCount.select(Activity.unit, ActivityCount.service, ActivityCount.people, ActivityCount.households,
                                  ActivityCount.priority, ActivityCount.businesses)
             .join(Activity, on=(ActivityCount.activity == Activity.id))
             .where((Activity.month >= lo) & (Activity.month <= hi)).tuples())
        for unit, svc, *vals in q:
            if svc in SERVICE_ORDER:
                acc = out.setdefault(unit, {}).setdefault(svc, [0, 0, 0, 0])
                for i, v in enumerate(vals):
                    acc[i] += v
    return out


def test_a_period_across_the_new_year_and_services_no_longer_in_the_catalogue(demo):
    """December to February: the period's counts include December, the shares count from
    1 January only; counts of a service no longer in the catalogue are left out of the sums, but
    the place that has only those is still listed (as before); every village's sums are its own."""
    with demo.write():
        team = Team.select().where(Team.level == "thon").order_by(Team.id).first()
        for unit, month, svc, vals in ((team.unit_id, "2026-01", "DV_CU", (9, 9, 0, 0)),
                                       (1, "2026-02", "DV_CU", (7, 5, 0, 0)),
                                       (team.unit_id, "2025-12", "VNEID", (11, 6, 2, 0))):
            a = Activity.create(team=team.id, unit=unit, month=month, day=None, kinds="", members="", needs="",
                                source="luoi", note="")
            ActivityCount.insert(activity=a.id, service=svc, people=vals[0], households=vals[1],
                                 priority=vals[2], businesses=vals[3]).execute()
        teams = {t.unit_id for t in Team.select(Team.unit).where(Team.active == True)}  # noqa: E712
    assert 1 not in teams  # the province's own unit: no team, only the old service's counts
    at._CACHE.clear()
    p = at.progress(demo, start="2025-12", end="2026-02", by="thon")
    period, ytd = _naive(demo, "2025-12", "2026-02"), _naive(demo, "2026-01", "2026-02")

    def flat(d):
        return {svc: [s.people, s.households, s.priority, s.businesses] for svc, s in d.items()}

    rows = {r.unit_id: r for r in p.rows}
    assert 1 in rows and rows[1].period == {} and rows[1].year_to_date == {}
    for uid, r in rows.items():
        assert flat(r.period) == period.get(uid, {}) and flat(r.year_to_date) == ytd.get(uid, {}), r.name
        assert list(r.period) == [s for s in SERVICE_ORDER if s in r.period]
    assert flat(p.total.period) == {svc: [sum(d[svc][i] for d in period.values() if svc in d) for i in range(4)]
                                    for svc in SERVICE_ORDER if any(svc in d for d in period.values())}
