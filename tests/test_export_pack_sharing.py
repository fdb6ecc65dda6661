"""The period pack at province scale (issue 19), what it holds: the teams' states counted by SQLite
(no membership, team or unit object held), the texts its sheets repeat held once for the whole
pack, and the finished file written into the destination, not held in memory first. Peak figures
are measured by bench/bench_exports.py, never asserted here."""

from __future__ import annotations

import datetime as dt
import zipfile
from pathlib import Path

import pytest

DAY = dt.date(2026, 7, 5)


@pytest.fixture
def made(monkeypatch):
    """The model objects made while it is in use, by class name."""
    from models.schema import Membership, Person, Team, Unit

    out: list[str] = []
    for model in (Membership, Person, Team, Unit):
        real = model.__init__

        def counted(self, *args, _real=real, **kw):
            out.append(type(self).__name__)
            _real(self, *args, **kw)

        monkeypatch.setattr(model, "__init__", counted)
    return out


def _per_member(reg, day: dt.date):
    """The teams' states worked out member by member, as compliance_on did before (every membership
    held that day, the set of the trained, rules.team_checks)."""
    from models import rules
    from models.schema import Attendance, Category, Course, Membership, Team, Unit
    from models.settings import get_settings

    from exports import as_of

    s = get_settings(reg)
    with reg.read():
        ids = as_of.team_ids_on(day)
        codes = {c.id: c.code for c in Category.select()}
        by_team: dict[int, list[tuple[int, str, str]]] = {}
        for m in Membership.select().where(as_of.active_on(day)):
            by_team.setdefault(m.team_id, []).append((m.person_id, m.role, codes.get(m.category_id, "")))
        trained = {a.person_id for a in Attendance.select().join(Course)
                   .where((Course.start_date >= dt.date(day.year, 1, 1)) & (Course.start_date <= day))}
        names = {c.code: c.name for c in Category.select()}
        names_en = {c.code: c.name_en for c in Category.select() if c.name_en}
        units = {u.id: f"{u.kind} {u.name}" for u in Unit.select()}
        return [as_of.TeamOn(t.id, t.unit_id, t.level, t.name,
                             rules.team_checks(t, units.get(t.unit_id, ""), by_team.get(t.id, []), trained, s, names,
                                               names_en))
                for t in Team.select().order_by(Team.id) if t.id in ids]


def test_the_teams_states_are_the_rules_member_by_member_counted_without_objects(demo, made):
    """Each team's state on a day (size, categories, Tổ trưởng, untrained — the rules' findings) is
    what the rules say member by member, on days before, inside and after the demo's changes; and
    working it out makes no membership, person, team or unit object (at 16× the province these were
    80 MB for a moment, the pack's largest)."""
    from models import services

    from exports import as_of

    # a change to count: one team's Tổ trưởng leaves in the autumn (no leader at the year's end only)
    team = next(t for t in services.list_teams(demo) if t.level == "thon" and t.member_count > 3)
    leader = next(m for m in services.team_detail(demo, team.id).members if m.role == "to_truong")
    services.leave_team(demo, leader.membership_id, end_date="15/10/2026", reason="chuyển công tác")
    for day in (dt.date(2025, 3, 1), DAY, dt.date(2026, 10, 15), dt.date(2026, 12, 31)):
        made.clear()
        got = as_of.compliance_on(demo, day)
        assert made == []
        assert got == _per_member(demo, day)
        assert len(got) == (0 if day.year == 2025 else 29)  # the demo's teams were founded in 2026
    kinds = {day: {f.kind for t in as_of.compliance_on(demo, day) for f in t.check.findings if f.target[1] == team.id}
             for day in (DAY, dt.date(2026, 12, 31))}
    assert "no_leader" not in kinds[DAY] and "no_leader" in kinds[dt.date(2026, 12, 31)]
    findings = {f.kind for t in as_of.compliance_on(demo, DAY) for f in t.check.findings}
    assert {"untrained", "missing_category", "size_low"} <= findings


def test_the_equipment_lists_make_no_unit_objects(demo, made):
    """The equipment and needs lists name each item's unit from plain rows (a province's 22,000 units
    were made into objects twice per report)."""
    from models import services

    items = services.list_equipment(demo)
    needs = services.list_needs(demo)
    assert items and needs
    assert "Unit" not in made
    assert all(e.unit_name for e in items) and all(n.unit_name for n in needs)


def test_a_pack_holds_each_repeated_text_once(demo):
    """A team's name and a village's label are one string across the pack's sheets (the coverage, the
    untrained list, the payment list, the roster, the equipment): at 16× the province the pack held
    the same 20,000 names and labels four times over."""
    from exports import report
    from exports.layout import parse_period

    pack = report.bao_cao_ky(demo, parse_period("2026-Q2"), day=DAY)
    sheets = {r.key: r for r in pack.reports}
    cover, untrained, pay = sheets["tap-huan-do-phu"], sheets["chua-tap-huan"], sheets["ky-nhan"]
    names = {}
    for r in cover.rows:
        names.setdefault(r[1], r[1])
    shared_names = [r[4] for r in untrained.rows] + [r[1] for r in pay.rows]
    assert shared_names and all(n in names for n in shared_names)
    assert all(n is names[n] for n in shared_names)
    labels = {}
    for r in cover.rows:
        labels.setdefault(r[2], r[2])
    in_roster = [r[6] for r in sheets["danh-sach"].rows if r[6] in labels]
    in_untrained = [r[5] for r in untrained.rows if r[5] in labels]
    assert in_roster and in_untrained
    assert all(v is labels[v] for v in in_roster + in_untrained)
    kit = sheets["thiet-bi"].rows
    assert len(kit) > len({r[4] for r in kit})  # descriptions repeat …
    firsts = {}
    for r in kit:
        firsts.setdefault(r[4], r[4])
    assert all(r[4] is firsts[r[4]] for r in kit)  # … and are held once


@pytest.mark.parametrize("fmt", ["xlsx", "ods"])
def test_the_file_is_written_into_the_destination_not_held_in_memory(demo, tmp_path, monkeypatch, fmt):
    """The zip is written straight into the hidden file in the destination folder (then fsync and
    rename), not built in memory as a second copy of the finished file (10 MB for a 16-province pack)."""
    from exports import report, writers
    from exports.layout import parse_period

    targets: list[object] = []
    real = zipfile.ZipFile.__init__

    def watched(self, file, *args, **kw):
        targets.append(file)
        real(self, file, *args, **kw)

    monkeypatch.setattr(zipfile.ZipFile, "__init__", watched)
    pack = report.bao_cao_ky(demo, parse_period("2026-Q2"), day=DAY)
    out = tmp_path / "dich"
    [written] = writers.write(pack, out / f"bao-cao.{fmt}", fmt)
    monkeypatch.setattr(zipfile.ZipFile, "__init__", real)
    assert targets
    for f in targets:
        name = getattr(f, "name", None)
        assert isinstance(name, str), f"the zip went to {type(f).__name__}, not a file"
        assert Path(name).parent == out and Path(name).name.startswith(".bao-cao.")
    assert [p.name for p in out.iterdir()] == [f"bao-cao.{fmt}"]
    with zipfile.ZipFile(written) as z:
        assert z.testzip() is None
    assert writers.render(pack, "bao-cao", fmt)[0][1][:2] == b"PK"  # in memory, for hand-offs, still
