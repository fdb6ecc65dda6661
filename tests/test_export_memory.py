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
        self.most = 0  # the most alive at once


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
            c.most = max(c.most, c.alive)

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


def test_the_roster_never_holds_its_memberships_all_at_once(demo, counted):
    """«Danh sách» and «Chưa tập huấn»: the memberships come sorted one at a time and each is let go
    as its row is made — never all held at once (at 16× the province they were 120,000 objects,
    about 120 MB, held while sorted: the export's peak)."""
    from exports import report

    roster = report.danh_sach(demo, day=END)
    assert counted.made == len(roster.rows) > 100
    assert counted.most <= 2
    counted.made = counted.most = 0
    untrained = report._untrained(demo, END, report.letterhead(demo, END))
    assert counted.made >= len(untrained.rows) > 0
    assert counted.most <= 2


def test_the_roster_sorted_in_small_batches_is_the_same(demo, monkeypatch):
    """SQLite sorts the roster a batch of teams at a time (a few thousand memberships, not all of
    them): batches of any size give the same rows in the same order, with each person's training."""
    from exports import report_tree
    from exports.report_tree import Scope, roster_rows

    def rows():
        return [(r.name, r.year, r.role, r.team, r.village, r.phone, r.trained, r.person_id)
                for r in roster_rows(demo, Scope(), as_of=END, trained=(dt.date(END.year, 1, 1), END))]

    whole = rows()
    assert len({r[3] for r in whole}) > 5 and any(r[6] for r in whole) and not all(r[6] for r in whole)
    for size in (1, 7, 40):
        monkeypatch.setattr(report_tree, "SORT_BATCH", size)
        assert rows() == whole


def test_a_long_table_holds_no_row_dimension_per_row_in_xlsx(monkeypatch):
    """XLSX: the table's tall rows are as tall as before (``<row ht=…>``), but openpyxl holds no row
    dimension per row until the file is saved (at 16× the province: 108,000 of them, 45 MB)."""
    import io
    import re
    import zipfile

    from exports import xlsx_writer
    from exports.layout import Column, Report, stt_column
    from exports.usb import workbook_bytes

    long_text = "Tổ dân phố có tên rất dài để dòng phải xuống hàng trong ô " * 3
    rows = [[i, long_text if i % 3 else "ngắn"] for i in range(1, 301)]
    report = Report("thu", "BẢNG THỬ", [stt_column(), Column("Tên", width=20)], rows, total=["", "Tổng"])
    held: list[int] = []
    real = xlsx_writer._print_setup

    def setup(ws, p, last):
        held.append(len(ws.row_dimensions))
        return real(ws, p, last)

    monkeypatch.setattr(xlsx_writer, "_print_setup", setup)
    data = workbook_bytes(xlsx_writer.xlsx_book(report))
    sheet = zipfile.ZipFile(io.BytesIO(data)).read("xl/worksheets/sheet1.xml").decode()
    tall = {int(m.group(1)) for m in re.finditer(r'<row r="(\d+)"[^>]*\bht="', sheet)}
    assert len(tall) >= 200  # the long rows are tall
    assert held == [held[0]] and held[0] < 20  # the letterhead's and header's rows only


def test_the_text_measures_are_let_go_after_each_sheet():
    """XLSX and ODS: the text measures remembered while a sheet is laid out (up to 65,536 of each
    kind, holding every text measured: a 16-province roster's names) are let go once the sheet is
    made, not held after the export."""
    from exports import print_layout, writers
    from exports.layout import Column, Report, stt_column

    rows = [[i, f"Người thứ {i} có một cái tên khá dài để đo", f"Thôn {i % 40}"] for i in range(1, 400)]
    report = Report("thu", "BẢNG THỬ", [stt_column(), Column("Họ và tên", width=18), Column("Thôn", width=10)],
                    rows)
    for fmt in ("xlsx", "ods"):
        [(_, data)] = writers.render(report, "thu", fmt)
        assert data[:2] == b"PK"
        assert print_layout._units.cache_info().currsize == 0, fmt
        assert print_layout._lines.cache_info().currsize == 0, fmt
