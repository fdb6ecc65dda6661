"""Memory of the exports at province scale and beyond (issue 19): the report builders never hold more
rows than the sheet they make. A 16-province roster is 120,000 memberships; what a builder holds at
once is what the clerk's machine must have free. Peak figures are measured by bench/bench_exports.py
(each next to its limit), never asserted here: these tests assert what is held, counted."""

from __future__ import annotations

import datetime as dt

import pytest

END = dt.date(2026, 9, 30)


class _Counted:
    """Counts the roster's rows made and alive (a subclass of report_tree.RosterRow put in its place)."""

    def __init__(self):
        self.made = 0
        self.alive = 0


@pytest.fixture
def counted(monkeypatch):
    from exports import report_tree

    c = _Counted()

    class CountedRow(report_tree.RosterRow):
        __slots__ = ()

        def __init__(self, *args):
            super().__init__(*args)
            c.made += 1
            c.alive += 1

        def __del__(self):
            c.alive -= 1

    monkeypatch.setattr(report_tree, "RosterRow", CountedRow)
    return c


def test_the_untrained_list_makes_rows_only_for_the_untrained(demo, counted):
    """«Chưa tập huấn»: the memberships of trained people are skipped as they are read, not made into
    rows and thrown away (at 16× that was 100,000 rows made for 20,000 kept); the list is the same."""
    from exports import report
    from exports.report_tree import Scope, roster_rows

    everyone = roster_rows(demo, Scope(), as_of=END, trained=(dt.date(END.year, 1, 1), END))
    untrained_memberships = sum(1 for r in everyone if not r.trained)
    assert 0 < untrained_memberships < len(everyone)  # the demo has both: the test means something
    expected, seen = [], set()
    for r in everyone:
        if not r.trained and r.person_id not in seen:
            seen.add(r.person_id)
            expected.append([len(expected) + 1, r.name, r.year, r.role, r.team, r.village, r.phone])
    del everyone

    counted.made = 0
    untrained = report._untrained(demo, END, report.letterhead(demo, END))
    assert counted.made == untrained_memberships
    assert untrained.rows == expected


def test_the_roster_lets_each_membership_go_once_its_row_is_made(demo, counted, monkeypatch):
    """«Danh sách»: when the sheet is made, none of the memberships read for it is still held (they
    were let go one by one as the rows were made, not all kept until the sheet was done)."""
    from exports import report

    alive_at_sheet: list[int] = []
    real = report.Report

    def sheet(*args, **kw):
        alive_at_sheet.append(counted.alive)
        return real(*args, **kw)

    monkeypatch.setattr(report, "Report", sheet)
    for kw in ({}, {"gender_columns": True, "with_cccd": True}):
        counted.made = counted.alive = 0
        roster = report.danh_sach(demo, day=END, **kw)
        assert counted.made == len(roster.rows) > 100
        assert alive_at_sheet[-1] == 0


def test_the_roster_rows_are_the_memberships_in_order(demo):
    """The rows made as the memberships are let go: each membership's cells, in the roster's order,
    with and without the gender and CCCD columns."""
    from exports import report
    from exports.report_tree import Scope, roster_rows

    data = roster_rows(demo, Scope(), as_of=END)
    plain = report.danh_sach(demo, day=END)
    assert plain.rows == [[i, r.name, r.year, r.role, r.category, r.other, r.village, r.phone, r.notes]
                          for i, r in enumerate(data, 1)]
    full = report.danh_sach(demo, day=END, gender_columns=True, with_cccd=True)
    assert full.rows == [[i, r.name, r.year if r.gender == "nam" else None, r.year if r.gender == "nu" else None,
                          r.role, r.category, r.other, r.village, r.phone, r.cccd, r.notes]
                         for i, r in enumerate(data, 1)]
