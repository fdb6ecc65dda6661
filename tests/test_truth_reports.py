"""Data truth on the way out (issue 13, and the report content of issue 14): a period means the state
at its end, Phụ lục I roll-ups never count a unit twice, the roster's order and numeric counts, the
composition note, the problems list and the serial numbers."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import openpyxl
import pytest

from exports import importer, report, writers
from exports.layout import parse_period
from models.errors import InputError

from .conftest import PASS

AFTER_Q2 = dt.date(2026, 7, 5)  # a sheet dated after the second quarter: its whole state is known


@pytest.fixture(scope="module")
def province(tmp_path_factory):
    """The province demo: build once, compute what the tests read, close (one registry open at a time)."""
    from models.demo import create_demo

    d = tmp_path_factory.mktemp("prov")
    reg, _ = create_demo(d / "p.cnscd", scale="province", passphrase=PASS)
    year, after = parse_period("2026"), dt.date(2027, 1, 5)
    try:
        roster = report.danh_sach(reg, period=year, day=after)
        return {
            "coverage": report.tap_huan(reg, period=year, day=after)[1],
            "thanh_phan": report.thanh_phan(reg, period=year, day=after),
            "summary": report.summary(reg, year, day=after),
            "roster": roster,
            "roster_xlsx": writers.write_xlsx(roster, d / "ds.xlsx"),
            "pack": report.bao_cao_ky(reg, parse_period("2026-Q2"), day=AFTER_Q2),
        }
    finally:
        reg.close()


# ---------------------------------------------------------------------------
# 3. A period means the state at its end
# ---------------------------------------------------------------------------
def test_past_period_counts_the_members_held_at_its_end(demo):
    """The demo's teams were founded on 05/9/2025: the first half of 2025 had none, the second had 189."""
    h1 = report.phu_luc_1(demo, period=parse_period("2025-H1"), day=AFTER_Q2)
    h2 = report.phu_luc_1(demo, period=parse_period("2025-H2"), day=AFTER_Q2)
    assert h1.meta["members"] == 0 and h2.meta["members"] == 189
    assert report.thanh_phan(demo, period=parse_period("2025-H1"), day=AFTER_Q2).meta["total"] == 0
    assert len(report.danh_sach(demo, period=parse_period("2025-H1"), day=AFTER_Q2).rows) == 0
    # a member replaced on 01/03/2026 (left) and 05/03/2026 (joined): each quarter shows who was there
    q4 = {r[1] for r in report.danh_sach(demo, period=parse_period("2025-Q4"), day=AFTER_Q2).rows}
    q1 = {r[1] for r in report.danh_sach(demo, period=parse_period("2026-Q1"), day=AFTER_Q2).rows}
    assert len(q4) == len(q1) and q4 != q1


def test_the_title_names_the_period_and_half_year_differs_from_the_year(demo):
    h1 = report.phu_luc_1(demo, period=parse_period("2026-H1"), day=AFTER_Q2)
    year = report.phu_luc_1(demo, period=parse_period("2026"), day=dt.date(2027, 1, 5))
    assert h1.subtitle.endswith("6 THÁNG ĐẦU NĂM 2026") and year.subtitle.endswith("NĂM 2026")
    assert h1.subtitle != year.subtitle
    assert "QUÝ II NĂM 2026" in report.thanh_phan(demo, period=parse_period("2026-Q2"), day=AFTER_Q2).subtitle
    assert any("30/06/2026" in n for n in h1.notes)


def test_a_quarter_counts_only_the_courses_held_inside_it(demo):
    courses, coverage, untrained = report.tap_huan(demo, period=parse_period("2026-Q2"), day=dt.date(2026, 12, 1))
    assert [r[1] for r in courses.rows] == ["Hướng dẫn thanh toán không dùng tiền mặt"]
    # training up to 30/06: the course of 22/09 does not count yet
    _, cov_q3, _ = report.tap_huan(demo, period=parse_period("2026-Q3"), day=dt.date(2026, 12, 1))
    assert coverage.total[5] > cov_q3.total[5]  # more untrained at the end of Q2 than at the end of Q3
    assert "ĐẾN NGÀY 30/06/2026" in coverage.title and "ĐẾN NGÀY 30/06/2026" in untrained.title


def test_the_day_caps_the_state_when_the_period_is_not_over(demo):
    """A Q2 sheet dated 10/04/2026 cannot count the course of 10/06/2026."""
    pack = report.bao_cao_ky(demo, parse_period("2026-Q2"), day=dt.date(2026, 4, 10))
    head = pack.reports[0]
    assert next(r for r in head.rows if r[1] == "Số lớp tập huấn trong kỳ")[2] == 0
    assert any("10/04/2026" in n for n in head.notes)


def test_equipment_as_of_the_period_end(demo):
    every = report.thiet_bi(demo, period=parse_period("2026"), day=dt.date(2027, 1, 5))[0]
    before = report.thiet_bi(demo, period=parse_period("2025-Q3"), day=AFTER_Q2)[0]  # bought from 10/2025
    assert before.meta["items"] < every.meta["items"]
    assert "QUÝ III NĂM 2025" in before.subtitle


def test_one_default_period_rule_from_the_request_date():
    from exports.layout import default_period, period_for

    assert default_period(dt.date(2026, 8, 15)).code == "2026-Q3"
    assert default_period(dt.date(2026, 1, 1)).code == "2026-Q1"
    for kind in ("phu-luc-1", "thanh-phan", "danh-sach", "tap-huan", "thiet-bi", "ky-nhan", "bao-cao-ky"):
        assert period_for(kind, None, dt.date(2026, 8, 15)).code == "2026-Q3"
    assert period_for("kinh-phi", None, dt.date(2026, 8, 15)) is None
    with pytest.raises(InputError) as e:
        period_for("kinh-phi", parse_period("2026-Q2"))
    assert "kỳ báo cáo" in e.value.message


def test_every_builder_uses_the_sheet_date_for_its_default_period(demo):
    day = dt.date(2026, 8, 15)
    assert report.phu_luc_1(demo, day=day).subtitle.endswith("QUÝ III NĂM 2026")
    assert "QUÝ III NĂM 2026" in report.danh_sach(demo, day=day).subtitle
    courses = report.tap_huan(demo, day=day)[0]
    assert courses.subtitle.endswith("QUÝ III NĂM 2026") and courses.rows == []  # the 22/09 course is after the day
    assert "QUÝ III NĂM 2026" in report.thiet_bi(demo, day=day)[0].subtitle


# ---------------------------------------------------------------------------
# 4. Province roll-up never double counts
# ---------------------------------------------------------------------------
def _commune_phu_luc(demo, folder: Path, name: str, period: str = "2026-Q2") -> Path:
    """The commune demo's own Phụ lục I export, as a commune sends it up."""
    r = report.phu_luc_1(demo, period=parse_period(period), day=AFTER_Q2)
    return writers.write_xlsx(r, folder / name)


def test_the_same_table_twice_is_refused_until_replace_and_never_summed(demo, tmp_path):
    reg = demo  # a registry receiving the commune's tables (one registry open at a time)
    first = _commune_phu_luc(demo, tmp_path, "PhuLucI_XaA.xlsx")
    copy = _commune_phu_luc(demo, tmp_path, "PhuLucI_XaA (1).xlsx")
    tab = importer.import_phu_luc_1(reg, first)
    assert (tab.unit, tab.period.code, tab.members) == ("Phường Trần Hưng Đạo", "2026-Q2", 189)
    with pytest.raises(InputError) as e:
        importer.import_phu_luc_1(reg, copy)
    assert e.value.errors[0].field == "replace" and "Phường Trần Hưng Đạo" in e.value.message
    assert "--replace" in e.value.message and "PhuLucI_XaA.xlsx" in e.value.message
    roll = importer.aggregate_report(reg)
    assert roll.meta["members"] == 189  # not 378
    importer.import_phu_luc_1(reg, copy, replace=True)
    tables = importer.imported_tables(reg)
    assert len(tables) == 1 and tables[0]["file"] == "PhuLucI_XaA (1).xlsx"
    assert importer.aggregate_report(reg).meta["members"] == 189
    # the same unit under another name given by the clerk, and another period: kept apart
    with pytest.raises(InputError):
        importer.import_phu_luc_1(reg, first, source="Trần Hưng Đạo")
    importer.import_phu_luc_1(reg, _commune_phu_luc(demo, tmp_path, "q3.xlsx", "2026-Q3"))
    assert len(importer.imported_tables(reg)) == 2
    assert importer.aggregate_report(reg, period=parse_period("2026-Q2")).meta["members"] == 189


def test_tables_are_keyed_by_unit_code_and_the_roll_up_names_each_rows_table(reg, tmp_path):
    from openpyxl import Workbook

    def table(name: str, unit: str, code: str, members: int) -> Path:
        wb = Workbook()
        ws = wb.active
        ws.append([f"ỦY BAN NHÂN DÂN {unit.upper()}"])
        ws.append([f"Mã đơn vị: {code}"])
        ws.append(["TỔNG HỢP SỐ LIỆU TỔ CÔNG NGHỆ SỐ CỘNG ĐỒNG"])
        ws.append([f"{unit.upper()} NĂM 2026"])
        ws.append(["Stt", "Đơn vị", "Tổng số Tổ CNSCĐ/thôn", "Tổng số thành viên Tổ CNSCĐ"])
        ws.append([1, "Thôn 1", "1/1", members])
        wb.save(tmp_path / name)
        return tmp_path / name

    a = importer.import_phu_luc_1(reg, table("a.xlsx", "Xã Bình An", "20314", 6))
    assert (a.unit, a.unit_code, a.period.code) == ("Xã Bình An", "20314", "2026")
    importer.import_phu_luc_1(reg, table("b.xlsx", "Xã Bình An", "20315", 7))  # same name, another unit code
    with pytest.raises(InputError):
        importer.import_phu_luc_1(reg, table("c.xlsx", "Xã Bình An", "20315", 8))
    roll = importer.aggregate_report(reg, period=parse_period("2026"))
    assert roll.meta["members"] == 13
    source_col = [c.title for c in roll.columns].index("Nguồn số liệu")
    assert [r[source_col].split(",")[0] for r in roll.rows] == ["a.xlsx", "b.xlsx"]
    pl = report.phu_luc_1(reg, period=parse_period("2026"))
    assert pl.meta["members"] == 13 and any("a.xlsx" in n for n in pl.notes)


def test_our_own_two_column_export_reads_back(demo, tmp_path):
    tab = importer.read_phu_luc_1(_commune_phu_luc(demo, tmp_path, "pl.xlsx"))
    assert (tab.teams, tab.villages, tab.members) == (28, 28, 189) and not tab.flags


def test_a_template_with_one_teams_per_villages_column_gets_41_42(demo, tmp_path):
    from openpyxl import Workbook

    from exports import templates

    wb = Workbook()
    ws = wb.active
    ws.append(["Stt", "Đơn vị", "Tổng số Tổ CNSCĐ/thôn", "Tổng số thành viên Tổ CNSCĐ"])
    ws.append([1, "", "", ""])
    ws.append(["", "Tổng cộng", "", ""])
    wb.save(tmp_path / "mau.xlsx")
    res = templates.fill_template(demo, tmp_path / "mau.xlsx", tmp_path / "out.xlsx", kind="phu-luc-1", day=AFTER_Q2)
    values = [[c.value for c in r] for r in openpyxl.load_workbook(res.out).active.iter_rows()]
    assert values[2][2] == "1/1" and [None, "Tổng cộng", "28/28", 189] in [list(v) for v in values]


# ---------------------------------------------------------------------------
# 8. Order and types
# ---------------------------------------------------------------------------
def test_coverage_rows_are_grouped_district_commune_village(province):
    coverage = province["coverage"]
    communes = [row[2].split(", ", 1)[1] for row in coverage.rows]
    blocks = [c for i, c in enumerate(communes) if i == 0 or communes[i - 1] != c]
    assert len(blocks) == len(set(blocks))  # each commune's villages together, not every «Thôn 1» first
    assert coverage.rows[0][2].startswith("Tổ dân phố 1, phường") and coverage.rows[1][2].startswith("Tổ dân phố 2")


def test_counts_are_numbers_in_their_own_columns(demo, tmp_path):
    tp = report.thanh_phan(demo, period=parse_period("2026-Q2"), day=AFTER_Q2)
    assert all(isinstance(r[2], int) and r[3] == 189 for r in tp.rows)
    pl = report.phu_luc_1(demo, period=parse_period("2026-Q2"), day=AFTER_Q2)
    assert [c.title for c in pl.columns][2:4] == ["Số tổ", "Số thôn, TDP"] and pl.total[2:4] == [28, 28]
    ws = openpyxl.load_workbook(writers.write_xlsx(tp, tmp_path / "tp.xlsx")).active
    cells = [c for row in ws.iter_rows() for c in row if isinstance(c.value, str) and "/" in c.value]
    assert not [c.value for c in cells if c.value.replace("/", "").isdigit()]  # no "1444/7446" text


# ---------------------------------------------------------------------------
# 9. Composition note
# ---------------------------------------------------------------------------
def test_the_composition_says_which_members_it_covers(demo, province):
    tp = report.thanh_phan(demo, period=parse_period("2026-H1"), day=AFTER_Q2)
    assert "Số liệu tính trên 189 thành viên đang hoạt động tại ngày 30/06/2026" in tp.notes[0]
    prov = province["thanh_phan"]
    assert "7.446 thành viên" in prov.notes[0]
    scaled = [n for n in prov.notes if "6.157" in n]
    assert scaled and "không phải bảng số liệu" in scaled[0]


# ---------------------------------------------------------------------------
# Issue 14: the problems list and the serial numbers
# ---------------------------------------------------------------------------
def test_the_problems_list_is_complete_or_says_how_many_more(province):
    head = province["summary"]
    listed = [n for n in head.notes if n.startswith("- ")]
    n = head.meta["problems"]
    assert n > report.PROBLEMS_SHOWN
    assert len(listed) == report.PROBLEMS_SHOWN + 1
    from models import text

    assert f"và {text.format_int(n - report.PROBLEMS_SHOWN)} vấn đề khác" in listed[-1]
    assert f"({text.format_int(n)})" in head.notes[1]
    assert report.problem_notes(["a", "b"]) == ["Các vấn đề cần khắc phục (2):", "- a", "- b"]


def test_serial_numbers_have_no_thousands_separator(province):
    roster = province["roster"]
    assert roster.columns[0].title == "Stt" and roster.columns[0].kind == "year"
    ws = openpyxl.load_workbook(province["roster_xlsx"]).active
    cell = next(row[0] for row in ws.iter_rows() if row[0].value == 1234)
    assert cell.number_format == "0"  # «1234», never «1.234»
    pack = province["pack"]
    mine = ("tong-hop", "phu-luc-1", "thanh-phan", "danh-sach", "tap-huan", "tap-huan-do-phu", "chua-tap-huan",
            "thiet-bi", "de-xuat")
    for r in pack.reports:
        if r.key in mine:
            assert r.columns[0].title == "Stt" and r.columns[0].kind == "year", r.key
