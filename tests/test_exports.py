"""Exports: the numbers in the cells, the official layout, the formats, the USB hand-off, the CLI."""

from __future__ import annotations

import csv
import datetime as dt
import errno
import os
import subprocess
import sys
import time
from pathlib import Path

import openpyxl
import pytest

from .conftest import PASS

DAY = dt.date(2026, 4, 10)


# ---------------------------------------------------------------------------
# Helpers
# ---------------------------------------------------------------------------
def xlsx_rows(path, sheet=None):
    wb = openpyxl.load_workbook(path)
    ws = wb[sheet] if sheet else wb.worksheets[0]
    return wb, ws


def find_row(ws, first_value, col=1):
    for row in ws.iter_rows():
        if row[col - 1].value == first_value:
            return row
    raise AssertionError(f"no row starting with {first_value!r}")


def ods_table(path, index=0):
    """Rows of an ODS table as lists of (value-type, value, text); covered cells are None."""
    from odf import teletype
    from odf.opendocument import load
    from odf.table import CoveredTableCell, Table, TableCell, TableRow

    doc = load(str(path))
    table = doc.spreadsheet.getElementsByType(Table)[index]
    out = []
    for tr in table.getElementsByType(TableRow):
        row = []
        for c in tr.childNodes:
            if c.qname == CoveredTableCell().qname:
                row.append(None)
            elif c.qname == TableCell().qname:
                vt = c.getAttribute("valuetype")
                val = c.getAttribute("value") or c.getAttribute("datevalue")
                row.append((vt, val, teletype.extractText(c)))
        out.append(row)
    return table.getAttribute("name"), out


@pytest.fixture(scope="session")
def province(tmp_path_factory):
    """Province demo (seed 003): build once, compute the reports, close (one registry open at a time)."""
    from exports import report, writers
    from models import services
    from models.db import Registry
    from models.demo import create_demo

    d = tmp_path_factory.mktemp("province")
    path = d / "prov.cnscd"
    reg, _ = create_demo(path, scale="province", passphrase=PASS)
    try:
        out = {
            "path": path,
            "pl1": report.phu_luc_1(reg, day=DAY),
            "tp": report.thanh_phan(reg, day=DAY),
            "ds": report.danh_sach(reg, day=DAY),
            "stats": services.stats(reg),
            "people": {p.id: p for p in services.list_people(reg)},
        }
        out["pl1_xlsx"] = writers.write_xlsx(out["pl1"], d / "pl1.xlsx")
        out["tp_xlsx"] = writers.write_xlsx(out["tp"], d / "tp.xlsx")
    finally:
        reg.close()
    assert Registry  # imported for clarity of what is opened
    return out


# ---------------------------------------------------------------------------
# (1) Phụ lục I, composition, roster
# ---------------------------------------------------------------------------
def test_phu_luc_1_province_reproduces_seed_003_row_by_row(province):
    from models.demo import PHU_LUC_I, PHU_LUC_I_STATED_TOTAL

    from exports.report import check_stated_total

    r = province["pl1"]
    assert len(r.rows) == len(PHU_LUC_I) == 17
    for row, (name, kind, teams, villages, members) in zip(r.rows, PHU_LUC_I, strict=True):
        stt, unit, n_teams, n_villages, n = row
        assert unit == f"{kind[:1].upper()}{kind[1:]} {name}"
        assert (n_teams, n_villages) == (teams, villages)  # two numeric columns, not "41/42" text
        assert n == members
    assert r.rows[10][1:] == ["Huyện Phước Sơn", 41, 42, 260]
    assert r.total == ["", "Tổng", 1238, 1240, 7446]  # computed from the rows, not the source's 7,448
    assert r.meta["members"] == sum(x[4] for x in PHU_LUC_I) == 7446
    msg = check_stated_total(r, PHU_LUC_I_STATED_TOTAL[1])
    assert "7.448" in msg and "7.446" in msg
    assert check_stated_total(r, 7446) == ""


def test_phu_luc_1_xlsx_cells_and_official_layout(province):
    wb, ws = xlsx_rows(province["pl1_xlsx"])
    assert ws.title == "Phụ lục I"
    # header block: issuing body top-left, national header top-right, italic place-and-date line
    assert ws["A1"].value == "UBND TỈNH QUẢNG NAM"
    assert ws["A2"].value == "SỞ KHOA HỌC VÀ CÔNG NGHỆ" and ws["A2"].font.b
    assert ws["C1"].value == "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM" and ws["C1"].font.b
    assert ws["C2"].value == "Độc lập - Tự do - Hạnh phúc"
    assert ws["C3"].value == "Tam Kỳ, ngày 10 tháng 4 năm 2026" and ws["C3"].font.i
    assert ws["A5"].value == "TỔNG HỢP SỐ LIỆU TỔ CÔNG NGHỆ SỐ CỘNG ĐỒNG"
    assert ws["A6"].value == "TỈNH QUẢNG NAM QUÝ II NĂM 2026"  # the period the sheet covers (default: its date's)
    assert ws["A1"].font.name == "Times New Roman" and ws["A10"].font.name == "Times New Roman"
    merged = {str(m) for m in ws.merged_cells.ranges}
    assert {"A5:E5", "C8:D8", "A8:A9", "E8:E9"} <= merged
    assert [c.value for c in ws[8]] == ["Stt", "Đơn vị", "Tổng số Tổ CNSCĐ/thôn", None, "Tổng số thành viên Tổ CNSCĐ"]
    assert [c.value for c in ws[9]][2:4] == ["Số tổ", "Số thôn, TDP"]
    # table: numbers are numbers, shown with thousands separators; borders; the serial number without one
    row = find_row(ws, 11)
    assert [c.value for c in row] == [11, "Huyện Phước Sơn", 41, 42, 260]
    assert row[4].data_type == "n" and "#,##0" in row[4].number_format and row[0].number_format == "0"
    assert row[0].border.left.style == "thin" and row[4].border.bottom.style == "thin"
    total = find_row(ws, "Tổng", col=2)
    assert (total[2].value, total[3].value) == (1238, 1240)
    assert total[4].value == 7446 and isinstance(total[4].value, int) and total[4].font.b
    assert sum(find_row(ws, i)[4].value for i in range(1, 18)) == 7446
    # signature block from the settings
    values = [c.value for r in ws.iter_rows() for c in r if c.value]
    signer = ["KT. GIÁM ĐỐC", "PHÓ GIÁM ĐỐC", "Nguyễn Văn Hùng"]
    assert [v for v in values if v in signer] == signer and values[-1] == "Nguyễn Văn Hùng"
    # print setup: A4, header rows repeated (scaling and page breaks: the printed-document tests)
    assert ws.page_setup.paperSize == 9
    assert ws.print_title_rows == "$8:$9"
    assert ws.freeze_panes == "A10"


def test_phu_luc_1_commune_rows_are_villages_plus_the_ward_team(demo):
    from exports import report
    from models import services

    r = report.phu_luc_1(demo, day=DAY)
    assert r.rows[0][1] == "Tổ CNSCĐ phường Trần Hưng Đạo (cấp phường)" and r.rows[0][4] == 50
    assert len(r.rows) == 29 and all(row[2:4] == [1, 1] for row in r.rows[1:])
    assert [row[1] for row in r.rows[1:]] == [v.full_name for v in services.list_villages(demo)]
    assert r.total == ["", "Tổng", 28, 28, 189]
    assert sum(row[4] for row in r.rows) == 189
    assert any("50 thành viên" in n for n in r.notes)
    assert r.letterhead.issuing_body == "ỦY BAN NHÂN DÂN PHƯỜNG TRẦN HƯNG ĐẠO"
    assert r.letterhead.place_date == "Trần Hưng Đạo, ngày 10 tháng 4 năm 2026"


@pytest.mark.parametrize("counts,expected", [
    ([1, 1, 1], [34, 33, 33]),
    # seed 003's composition table: the source's own percentages
    ([1194, 1248, 935, 800, 413, 321, 263, 983], [20, 20, 15, 13, 7, 5, 4, 16]),
    ([0, 0], [0, 0]),
    ([5, 0, 0], [100, 0, 0]),
    ([2, 2, 2, 1], [29, 29, 28, 14]),
])
def test_largest_remainder_percentages_add_to_100(counts, expected):
    from exports.report import largest_remainder_pct

    got = largest_remainder_pct(counts)
    assert got == expected
    assert sum(got) in (0, 100)


def test_largest_remainder_with_one_decimal():
    from exports.report import largest_remainder_pct

    got = largest_remainder_pct([1, 1, 1], 1)
    assert got == [33.4, 33.3, 33.3]
    assert round(sum(got), 6) == 100


def test_thanh_phan_province_counts_and_rounding(province):
    r = province["tp"]
    st = province["stats"]
    counts = {code: n for code, n in st.members_by_category.items() if n}
    assert r.meta["total"] == 7446 == sum(counts.values())
    assert [row[2:4] for row in r.rows] == [[n, 7446] for n in counts.values()]  # count and total: numbers
    assert sum(row[4] for row in r.rows) == 100
    assert r.total[2:] == [7446, 7446, 100]
    # the registry's category order, not the source table's
    assert [row[1] for row in r.rows][:3] == ["Cán bộ xã đứng điểm", "Bí thư chi bộ", "Trưởng thôn/Tổ trưởng tổ dân phố"]
    wb, ws = xlsx_rows(province["tp_xlsx"])
    row = find_row(ws, 1)
    assert row[1].value == "Cán bộ xã đứng điểm" and row[2].value == counts["CB_XA"] and row[3].value == 7446
    assert isinstance(row[4].value, int)
    pct_cells = [find_row(ws, i)[4].value for i in range(1, len(r.rows) + 1)]
    assert sum(pct_cells) == 100


def test_roster_province_order_and_size(province):
    from models import text

    r = province["ds"]
    assert len(r.rows) == 7446 and r.personal_data
    # within a village, Vietnamese name order (given name first)
    people = province["people"]
    by_name = {}
    for p in people.values():
        by_name.setdefault(p.full_name, p)
    village_col = [c.title for c in r.columns].index("Thôn/TDP")
    role_col = [c.title for c in r.columns].index("Vai trò trong Tổ")
    rank = {"Tổ trưởng": 0, "Tổ phó": 1, "Thành viên": 2}
    prev = None
    checked = 0
    for row in r.rows[:400]:
        if prev is not None and prev[village_col] == row[village_col]:
            # each team: the Tổ trưởng, the Tổ phó, then the members by given name
            assert rank[prev[role_col]] <= rank[row[role_col]]
            if prev[role_col] == row[role_col] == "Thành viên":
                a, b = by_name[prev[1]], by_name[row[1]]
                assert text.name_sort_key(a.family_name, a.given_name) <= text.name_sort_key(b.family_name,
                                                                                             b.given_name)
                checked += 1
        else:
            assert row[role_col] == "Tổ trưởng"
        prev = row
    assert checked > 100


def test_roster_commune_columns_order_phone_text(demo, tmp_path):
    from exports import report, writers
    from models import services, text

    r = report.danh_sach(demo, day=DAY)
    titles = [c.title for c in r.columns]
    assert titles == ["Stt", "Họ và tên", "Năm sinh", "Vai trò trong Tổ", "Thành phần", "Chức vụ khác", "Thôn/TDP",
                      "Số điện thoại", "Ghi chú"]
    assert "Số CCCD" not in titles  # only when asked
    assert len(r.rows) == 189
    # the ward team first, then villages in their order, names in Vietnamese order inside each
    villages = [v.full_name for v in services.list_villages(demo)]
    seen = []
    for row in r.rows[50:]:
        if not seen or seen[-1] != row[6]:
            seen.append(row[6])
    assert seen == villages
    people = {p.full_name: p for p in services.list_people(demo)}
    group = [row for row in r.rows if row[6] == "Tổ dân phố An Lợi"]
    assert [row[3] for row in group][:2] == ["Tổ trưởng", "Tổ phó"] and len(group) == 5
    keys = [text.name_sort_key(people[row[1]].family_name, people[row[1]].given_name) for row in group[2:]]
    assert keys == sorted(keys)

    path = writers.write_xlsx(r, tmp_path / "ds.xlsx")
    wb, ws = xlsx_rows(path)
    row = find_row(ws, 1)
    phone = row[7]
    expected_phone = r.rows[0][7]
    assert expected_phone.startswith("0")
    assert phone.value == expected_phone and phone.data_type == "s" and phone.number_format == "@"
    assert isinstance(row[2].value, int) and row[2].number_format == "0"  # a year, no thousands dot
    assert ws.print_title_rows == "$8:$8"


def test_roster_nam_nu_columns_cccd_and_village_scope(demo, tmp_path):
    from exports import report, writers
    from models import services

    scope = report.resolve_scope(demo, village="an loi")
    assert scope.label == "Tổ dân phố An Lợi"
    r = report.danh_sach(demo, scope=scope, gender_columns=True, with_cccd=True, day=DAY)
    assert r.header_rows == [
        ["Stt", "Họ và tên", "Năm sinh", "Năm sinh", "Vai trò trong Tổ", "Thành phần", "Chức vụ khác", "Thôn/TDP",
         "Số điện thoại", "Số CCCD", "Ghi chú"],
        ["", "", "Nam", "Nữ", "", "", "", "", "", "", ""]]
    assert len(r.rows) == 5
    people = {p.full_name: p for p in services.list_people(demo)}
    for row in r.rows:
        p = people[row[1]]
        assert (row[2], row[3]) == ((p.birth_year, None) if p.gender == "nam" else (None, p.birth_year))
        assert row[9] == p.cccd
    path = writers.write_xlsx(r, tmp_path / "an-loi.xlsx")
    wb, ws = xlsx_rows(path)
    merged = {str(m) for m in ws.merged_cells.ranges}
    assert "C8:D8" in merged and "A8:A9" in merged
    assert ws.print_title_rows == "$8:$9" and ws.freeze_panes == "A10"
    assert ws["C9"].value == "Nam" and ws["D9"].value == "Nữ"
    with_id = [find_row(ws, i)[9] for i in range(1, 6)]
    assert all(c.value is None or (c.data_type == "s" and len(c.value) == 12) for c in with_id)
    with pytest.raises(services.NotFoundError):
        report.resolve_scope(demo, village="Không có thôn này")


def test_csv_utf8_bom_and_plain_numbers(demo, tmp_path):
    from exports import report, writers

    r = report.danh_sach(demo, day=DAY)
    (path,) = writers.write(r, tmp_path / "ds.csv")
    raw = path.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")
    with open(path, encoding="utf-8-sig", newline="") as f:
        rows = list(csv.reader(f))
    assert rows[0][:3] == ["Stt", "Họ và tên", "Năm sinh"]
    assert len(rows) == 1 + 189
    assert rows[1][7] == r.rows[0][7] and rows[1][7].startswith("0")
    pl = report.phu_luc_1(demo, day=DAY)
    (p2,) = writers.write(pl, tmp_path / "pl.csv")
    with open(p2, encoding="utf-8-sig", newline="") as f:
        rows = list(csv.reader(f))
    assert rows[-1] == ["", "Tổng", "28", "28", "189"]


def test_ods_reads_back_with_numbers_text_and_header(demo, tmp_path):
    from exports import report, writers

    r = report.danh_sach(demo, gender_columns=True, day=DAY)
    path = writers.write_ods([report.phu_luc_1(demo, day=DAY), r], tmp_path / "x.ods")
    name, rows = ods_table(path, 0)
    assert name == "Phụ lục I"
    assert rows[0][0][2] == "UBND THÀNH PHỐ HẢI PHÒNG" and rows[0][1] is None
    assert rows[0][2][2] == "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM"
    assert rows[2][2][2] == "Trần Hưng Đạo, ngày 10 tháng 4 năm 2026"
    total = next(row for row in rows if len(row) > 4 and row[1] and row[1][2] == "Tổng")
    assert total[4][:2] == ("float", "189") and total[2][:2] == ("float", "28")
    first = next(row for row in rows if row and row[0] and row[0][:2] == ("float", "1"))
    assert first[4][0] == "float"
    name, rows = ods_table(path, 1)
    assert name == "Danh sách"
    first = next(row for row in rows if row and row[0] and row[0][:2] == ("float", "1"))
    phone = first[8]
    assert phone[0] == "string" and phone[2] == r.rows[0][8] and phone[2].startswith("0")


# ---------------------------------------------------------------------------
# (3) Training and equipment
# ---------------------------------------------------------------------------
def test_training_reports(demo, tmp_path):
    from exports import report, writers
    from models import rules, services

    courses, coverage, untrained = report.tap_huan(demo, year=2026, day=DAY)
    expected = services.list_courses(demo, year=2026)
    assert len(courses.rows) == len(expected) == 3
    assert [row[1] for row in courses.rows] == [c.title for c in sorted(expected, key=lambda c: c.start_date)]
    assert courses.total[-1] == sum(c.attendee_count for c in expected)
    comp = rules.compliance(demo, year=2026)
    assert coverage.total[3] == sum(t.size for t in comp.teams) == 189
    assert coverage.total[5] == sum(t.untrained for t in comp.teams)
    assert len(untrained.rows) == comp.untrained_members == len(services.untrained_members(demo, year=2026))
    assert untrained.personal_data and not courses.personal_data
    path = writers.write_xlsx([courses, coverage, untrained], tmp_path / "th.xlsx")
    wb = openpyxl.load_workbook(path)
    assert wb.sheetnames == ["Tập huấn", "Độ phủ tập huấn", "Chưa tập huấn"]
    ws = wb["Tập huấn"]
    row = find_row(ws, 1)
    assert row[2].value == dt.datetime(2026, 3, 18) and row[2].number_format == "dd/mm/yyyy"
    assert row[8].value == expected[-1].attendee_count
    q2 = report.tap_huan(demo, year=2026, start=dt.date(2026, 4, 1), end=dt.date(2026, 6, 30), day=DAY)[0]
    assert [row[1] for row in q2.rows] == ["Hướng dẫn thanh toán không dùng tiền mặt"]


def test_equipment_reports(demo, tmp_path):
    from exports import report, writers
    from models import services

    items, needs = report.thiet_bi(demo, day=DAY)
    eq = services.list_equipment(demo)
    assert len(items.rows) == len(eq)
    assert items.total[5] == sum(e.quantity for e in eq) and items.total[9] == sum(e.value for e in eq)
    assert needs.total[5] == sum(n.estimated_value for n in services.list_needs(demo))
    path = writers.write_xlsx([items, needs], tmp_path / "tb.xlsx")
    wb = openpyxl.load_workbook(path)
    ws = wb["Thiết bị"]
    total = find_row(ws, "Tổng", col=2)
    assert total[9].value == sum(e.value for e in eq) and "#,##0" in total[9].number_format
    scope = report.resolve_scope(demo, village="An Lợi")
    one, _ = report.thiet_bi(demo, scope=scope, day=DAY)
    assert one.rows and all(row[1] == "Tổ dân phố An Lợi" for row in one.rows)


# ---------------------------------------------------------------------------
# (4) Support fund
# ---------------------------------------------------------------------------
def test_fund_estimate_seed_003(tmp_path):
    from exports import fund, writers

    est = fund.estimate(fund.QUANG_NAM_PA01, teams=1240)
    assert est.per_team_month == 500_000
    assert est.month_total == 620_000_000
    assert est.year_total == 7_440_000_000
    assert est.total == 14_880_000_000
    r = fund.estimate_report(None, est)
    assert any("550.000" in n and "500.000" in n for n in r.notes)  # the source's breakdown does not add up
    path = writers.write_xlsx(r, tmp_path / "pl3.xlsx")
    wb, ws = xlsx_rows(path)
    amounts = {row[1].value: row[3].value for row in ws.iter_rows() if row[1].value}
    assert amounts["Chi phí văn phòng phẩm (giấy A4, bút, …)"] == 100_000
    assert amounts["Tổng kinh phí hỗ trợ 01 tháng cho Tổ CNSCĐ"] == 620_000_000
    assert amounts["Tổng kinh phí hỗ trợ 01 năm cho Tổ CNSCĐ"] == 7_440_000_000
    cell = find_row(ws, "Tổng kinh phí hỗ trợ 02 năm cho Tổ CNSCĐ", col=2)[3]
    assert cell.value == 14_880_000_000 and cell.data_type == "n" and "#,##0" in cell.number_format


def test_fund_policies_from_domain():
    from exports import fund

    p = fund.POLICIES
    assert fund.estimate(p["yen-bai"], teams=10).total == 10 * 500_000 * 24
    assert fund.estimate(p["ha-tinh"], teams=1).year_total == 7_200_000
    assert fund.estimate(p["ca-mau"], teams=1).per_team_month == 600_000
    # Bình Dương: per person per month + per day + per night
    bd = fund.estimate(p["binh-duong"], teams=2, members_per_team=5, days_per_person_month=2, nights_per_person_month=1)
    assert bd.per_team_month == 5 * 60_000 + 5 * 2 * 150_000 + 5 * 1 * 200_000
    # Đà Nẵng: per person per day, capped per team per year
    dn = fund.estimate(p["da-nang"], teams=3, members_per_team=5, days_per_person_month=4)
    assert dn.per_team_month == 1_000_000 and dn.per_team_year == 3_000_000 and dn.year_total == 9_000_000
    small = fund.estimate(p["da-nang"], teams=1, members_per_team=5, days_per_person_month=0)
    assert small.per_team_year == 0
    assert p["da-nang"].team_amount(members=5, months=2, person_days=20, already_paid_this_year=2_500_000) == 500_000
    assert fund.estimate(p["da-nang-2026"], teams=1).year_total == 3_600_000
    with pytest.raises(Exception) as e:
        fund.get_policy("khong-co")
    assert "quang-nam" in str(e.value)


def test_payment_list_with_signature_column(demo, tmp_path):
    from exports import fund, report, writers

    period = report.parse_period("2026-Q2")
    r = fund.payment_report(demo, fund.QUANG_NAM_PA01, period, day=DAY)
    assert len(r.rows) == 28 and r.personal_data
    assert all(row[5] == 3 and row[6] == 500_000 and row[7] == 1_500_000 for row in r.rows)
    assert r.total[7] == 28 * 1_500_000 == r.meta["total"]
    assert r.columns[-1].title == "Ký nhận"
    assert all(row[3] for row in r.rows)  # every team has a leader to sign
    path = writers.write_xlsx(r, tmp_path / "kn.xlsx")
    wb, ws = xlsx_rows(path)
    head = find_row(ws, "Stt")
    assert head[-1].value == "Ký nhận"
    first = find_row(ws, 1)
    assert first[8].value is None and first[8].border.left.style == "thin"
    assert ws.row_dimensions[first[0].row].height == 30
    assert find_row(ws, "Tổng cộng", col=2)[7].value == 42_000_000


# ---------------------------------------------------------------------------
# (5) Period pack
# ---------------------------------------------------------------------------
def test_period_pack(demo, tmp_path):
    from exports import report, writers

    p = report.parse_period("2026-Q2")
    assert (p.start, p.end, p.label) == (dt.date(2026, 4, 1), dt.date(2026, 6, 30), "Quý II năm 2026")
    assert report.parse_period("2026-H1").end == dt.date(2026, 6, 30)
    assert report.parse_period("2026").tag == "Nam-2026"
    for bad in ("2026-Q5", "26-Q1", "quý 2", ""):
        with pytest.raises(Exception) as e:
            report.parse_period(bad)
        assert "Kỳ báo cáo" in str(e.value)
    pack = report.bao_cao_ky(demo, p, day=dt.date(2026, 7, 5))  # made after the quarter: its whole state
    assert pack.file_stem + ".xlsx" == "BaoCao_Q2-2026_PhuongTranHungDao.xlsx"
    assert pack.personal_data
    path = writers.write_xlsx(pack, tmp_path / (pack.file_stem + ".xlsx"))
    wb = openpyxl.load_workbook(path)
    assert wb.sheetnames[:4] == ["Tổng hợp", "Phụ lục I", "Thành phần", "Danh sách"]
    ws = wb["Tổng hợp"]
    assert "QUÝ II NĂM 2026" in ws["A5"].value
    assert find_row(ws, "Số thành viên đang hoạt động", col=2)[2].value == 189
    assert find_row(ws, "Số lớp tập huấn trong kỳ", col=2)[2].value == 1


# ---------------------------------------------------------------------------
# (6) USB hand-off
# ---------------------------------------------------------------------------
def test_usb_lists_fake_removable_folder_and_copies_safely(tmp_path, monkeypatch):
    from exports import usb

    stick = tmp_path / "USB_XA"
    stick.mkdir()
    monkeypatch.setenv("CNSCD_USB_ROOTS", str(stick))
    assert stick in [d.path for d in usb.list_drives()]
    src = tmp_path / "BaoCao.xlsx"
    src.write_bytes(os.urandom(3 * usb.CHUNK + 17))
    receipt = usb.safe_copy(src, stick)
    assert receipt.path == stick / "BaoCao.xlsx"
    assert receipt.path.read_bytes() == src.read_bytes()
    assert receipt.sha256 == usb.sha256_file(src)
    again = usb.safe_copy(src, stick)  # never overwrites
    assert again.path.name == "BaoCao (2).xlsx"
    assert sorted(p.name for p in stick.iterdir()) == ["BaoCao (2).xlsx", "BaoCao.xlsx"]


@pytest.mark.parametrize("err,words", [(errno.ENOSPC, "đã đầy"), (errno.EIO, "bị rút ra")])
def test_usb_failure_leaves_no_file_that_looks_complete(tmp_path, monkeypatch, err, words):
    from exports import usb

    stick = tmp_path / "usb"
    stick.mkdir()
    src = tmp_path / "DanhSach.xlsx"
    src.write_bytes(os.urandom(2 * usb.CHUNK + 5))
    calls = {"n": 0}
    real = usb._write_chunk

    def failing(f, data):
        calls["n"] += 1
        if calls["n"] == 2:
            raise OSError(err, os.strerror(err))
        real(f, data)

    monkeypatch.setattr(usb, "_write_chunk", failing)
    with pytest.raises(usb.UsbError) as e:
        usb.safe_copy(src, stick)
    assert words in e.value.message and e.value.exit_code == 6
    assert list(stick.iterdir()) == []


def test_usb_readback_mismatch_is_caught(tmp_path, monkeypatch):
    from exports import usb

    stick = tmp_path / "usb"
    stick.mkdir()
    src = tmp_path / "a.csv"
    src.write_bytes(b"x" * 1000)
    monkeypatch.setattr(usb, "sha256_file", lambda p: "0" * 64)
    with pytest.raises(usb.UsbError) as e:
        usb.safe_copy(src, stick)
    assert "SHA-256" in e.value.message
    assert list(stick.iterdir()) == []
    with pytest.raises(usb.UsbError):
        usb.safe_copy(src, tmp_path / "khong-co")


# ---------------------------------------------------------------------------
# (7) Command line
# ---------------------------------------------------------------------------
def _cli(argv, monkeypatch, capsys):
    from cnscd_tui.cli import main

    monkeypatch.setenv("CNSCD_PASSPHRASE", PASS)
    code = main(argv)
    out, err = capsys.readouterr()
    return code, out, err


def test_cli_export_writes_file_and_audit_receipt(demo, tmp_path, monkeypatch, capsys):
    from models import services

    db = demo.path
    demo.close()
    code, out, err = _cli(["export", "phu-luc-1", "--db", str(db), "--out", str(tmp_path / "pl.xlsx"),
                           "--date", "10/04/2026"], monkeypatch, capsys)
    assert code == 0, err
    assert "Đã xuất" in out and "SHA-256" in out
    wb, ws = xlsx_rows(tmp_path / "pl.xlsx")
    assert find_row(ws, "Tổng", col=2)[4].value == 189
    code, out, err = _cli(["export", "bao-cao-ky", "--db", str(db), "--period", "2026-Q2", "--out", str(tmp_path)],
                          monkeypatch, capsys)
    assert code == 0, err
    assert (tmp_path / "BaoCao_Q2-2026_PhuongTranHungDao.xlsx").exists()
    assert "dữ liệu cá nhân" in err
    from models.db import Registry

    with Registry.open(db, passphrase=PASS) as reg:
        log = services.list_audit(reg, action="xuat")
    assert len(log) == 2
    assert "BaoCao_Q2-2026_PhuongTranHungDao.xlsx" in log[0].summary and log[0].new.startswith("sha256:")
    import hashlib

    digest = hashlib.sha256((tmp_path / "BaoCao_Q2-2026_PhuongTranHungDao.xlsx").read_bytes()).hexdigest()
    assert log[0].new == f"sha256:{digest}"


def test_cli_export_to_usb_and_list(demo, tmp_path, monkeypatch, capsys):
    db = demo.path
    demo.close()
    stick = tmp_path / "USB"
    stick.mkdir()
    monkeypatch.setenv("CNSCD_USB_ROOTS", str(stick))
    code, out, err = _cli(["usb", "list"], monkeypatch, capsys)
    assert code == 0 and "1. " in out and str(stick) in out
    code, out, err = _cli(["export", "danh-sach", "--db", str(db), "--usb", "1", "--format", "ods",
                           "--village", "Đông Lợi"], monkeypatch, capsys)
    assert code == 0, err
    files = list(stick.iterdir())
    assert [f.name for f in files] == ["DanhSach_ToDanPhoDongLoi_PhuongTranHungDao.ods"]
    name, rows = ods_table(files[0])
    assert name == "Danh sách"


@pytest.mark.parametrize("argv,words", [
    (["export", "tap-huan", "--period", "2026-Q7"], "Kỳ báo cáo"),
    (["export", "phu-luc-1", "--village", "An Lợi"], "--village"),
    (["export", "danh-sach", "--village", "Thôn Không Có"], "Không tìm thấy thôn"),
    (["export", "kinh-phi", "--policy", "sai"], "Không có mức hỗ trợ"),
    (["export", "kinh-phi", "--months", "13"], "--months"),
    (["export", "phu-luc-1", "--out", "x.pdf"], "không hỗ trợ"),
    (["export", "phu-luc-1", "--usb", "/khong/co/o/nay"], "Không tìm thấy ổ"),
    (["export", "khong-co-loai"], "lựa chọn 'khong-co-loai' không hợp lệ"),
])
def test_cli_bad_input_is_a_message_and_exit_2(demo, tmp_path, monkeypatch, capsys, argv, words):
    db = demo.path
    demo.close()
    monkeypatch.chdir(tmp_path)
    code, out, err = _cli(argv + ["--db", str(db)], monkeypatch, capsys)
    assert code == 2
    assert words in err and "Traceback" not in err


def test_cli_kinh_phi_csv(demo, tmp_path, monkeypatch, capsys):
    db = demo.path
    demo.close()
    code, out, err = _cli(["export", "kinh-phi", "--db", str(db), "--teams", "1240", "--policy", "quang-nam",
                           "--out", str(tmp_path / "k.csv")], monkeypatch, capsys)
    assert code == 0, err
    with open(tmp_path / "k.csv", encoding="utf-8-sig", newline="") as f:
        rows = list(csv.reader(f))
    amounts = {r[1]: r[3] for r in rows}
    assert amounts["Tổng kinh phí hỗ trợ 02 năm cho Tổ CNSCĐ"] == "14880000000"


def test_exports_never_import_textual():
    code = ("import sys; import exports, exports.report, exports.writers, exports.fund, exports.usb, exports.layout, "
            "exports.request, exports.handoff, cnscd_tui.cli, cnscd_tui.commands.export; "
            "assert 'textual' not in sys.modules, 'textual imported'; "
            "assert 'openpyxl' not in sys.modules and 'odf' not in sys.modules, 'eager spreadsheet import'")
    r = subprocess.run([sys.executable, "-c", code], cwd=Path(__file__).resolve().parent.parent,
                       capture_output=True, text=True)
    assert r.returncode == 0, r.stderr


@pytest.mark.skipif(not (__import__("shutil").which("soffice") or __import__("shutil").which("libreoffice")),
                    reason="LibreOffice is not installed")
def test_libreoffice_opens_xlsx_and_ods_headless(demo, tmp_path):  # pragma: no cover - needs LibreOffice
    import shutil

    from exports import report, writers

    r = report.phu_luc_1(demo, day=DAY)
    exe = shutil.which("soffice") or shutil.which("libreoffice")
    for src in (writers.write_xlsx(r, tmp_path / "pl.xlsx"), writers.write_ods(r, tmp_path / "pl2.ods")):
        out = tmp_path / f"out-{src.suffix[1:]}"
        subprocess.run([exe, "--headless", "--convert-to", "csv:Text - txt - csv (StarCalc):44,34,76,1", "--outdir", str(out), str(src)], check=True,
                       capture_output=True, timeout=120, env=dict(os.environ, HOME=str(tmp_path)))
        text_ = next(out.glob("*.csv")).read_text(encoding="utf-8", errors="replace")
        assert '"Tổng",28,28,189' in text_.replace(" ", "")


def test_cli_protected_xlsx_opens_only_with_the_password(demo, tmp_path, monkeypatch, capsys):
    import io

    import msoffcrypto
    import msoffcrypto.exceptions
    import openpyxl

    db = demo.path
    demo.close()
    stick = tmp_path / "USB"
    stick.mkdir()
    monkeypatch.setenv("CNSCD_USB_ROOTS", str(stick))
    monkeypatch.setenv("CNSCD_EXPORT_PASSWORD", "mat-khau-tep")
    monkeypatch.setenv("TMPDIR", str(tmp_path / "tmp"))
    (tmp_path / "tmp").mkdir()
    code, out, err = _cli(["export", "danh-sach", "--db", str(db), "--usb", "1", "--protect"], monkeypatch, capsys)
    assert code == 0, err
    assert "có mật khẩu" in out and "dữ liệu cá nhân" in err
    [f] = list(stick.iterdir())
    raw = f.read_bytes()
    assert raw[:8] == bytes.fromhex("d0cf11e0a1b11ae1")  # an encrypted (OLE) package, not a plain zip
    assert "Nguyễn".encode() not in raw
    dec = io.BytesIO()
    office = msoffcrypto.OfficeFile(io.BytesIO(raw))
    office.load_key(password="mat-khau-tep")
    office.decrypt(dec)
    ws = openpyxl.load_workbook(dec).active
    assert any(c.value == "Danh sách thành viên" or (isinstance(c.value, str) and "DANH SÁCH" in c.value.upper())
               for row in ws.iter_rows(max_row=8) for c in row)
    wrong = msoffcrypto.OfficeFile(io.BytesIO(raw))
    with pytest.raises((msoffcrypto.exceptions.InvalidKeyError, msoffcrypto.exceptions.DecryptionError)):
        wrong.load_key(password="sai")
        wrong.decrypt(io.BytesIO())
    assert list((tmp_path / "tmp").iterdir()) == []  # nothing passed through a temporary folder
    assert [p.name for p in stick.iterdir()] == [f.name]  # no hidden leftovers on the stick


def test_hand_off_refuses_password_for_ods(demo, tmp_path):
    from exports import report
    from exports.handoff import hand_off
    from models.services import InputError

    dest = tmp_path / "dich"
    dest.mkdir()
    with pytest.raises(InputError, match="xlsx"):
        hand_off(demo, report.thanh_phan(demo), label="x", dest_dir=dest, stem="x", fmt="ods", password="p")
    assert list(dest.iterdir()) == []


# ---------------------------------------------------------------------------
# (8) Audit fixes: yearly cap across periods, per-day lists, fund sheets in the pack,
#     villages in multi-commune registries, the Reports pane's fund controls, receipts
# ---------------------------------------------------------------------------
def _col(report_, title):
    return [c.title for c in report_.columns].index(title)


def test_da_nang_yearly_cap_holds_across_the_quarters(demo, tmp_path):
    from exports import fund, report, writers

    dn = fund.POLICIES["da-nang"]
    cap = dn.team_year_cap
    paid: dict[int, int] = {}
    for q in range(1, 5):
        for pay in fund.payments(demo, dn, report.parse_period(f"2026-Q{q}"), days_per_person_month=4):
            paid[pay.team_id] = paid.get(pay.team_id, 0) + pay.amount
    assert len(paid) == 28
    assert all(v <= cap for v in paid.values())  # was 4 × 3.000.000 = 12.000.000 a year
    assert max(paid.values()) == cap
    halves = [sum(p.amount for p in fund.payments(demo, dn, report.parse_period(f"2026-H{h}"),
                                                  days_per_person_month=4)) for h in (1, 2)]
    year = sum(p.amount for p in fund.payments(demo, dn, report.parse_period("2026"), days_per_person_month=4))
    assert sum(halves) == year == sum(paid.values()) <= 28 * cap
    # the clerk sees why Q2 pays nothing to a 5-member team: what the earlier months already took
    r = fund.payment_report(demo, dn, report.parse_period("2026-Q2"), days_per_person_month=4, day=DAY)
    earlier, amount = _col(r, "Đã hỗ trợ các kỳ trước trong năm (đồng)"), _col(r, "Thành tiền (đồng)")
    five = next(row for row in r.rows if row[4] == 5)
    assert five[earlier] == 3_000_000 and five[amount] == 0
    four = next(row for row in r.rows if row[4] == 4)
    assert four[earlier] == 2_400_000 and four[amount] == 600_000
    assert any("tháng 1–3" in n and "3.000.000" in n for n in r.notes)
    wb, ws = xlsx_rows(writers.write_xlsx(r, tmp_path / "dn.xlsx"))
    assert find_row(ws, "Tổng cộng", col=2)[amount].value == r.meta["total"] == sum(
        p.amount for p in r.meta["payments"])


def test_per_day_payment_list_leaves_days_to_fill_in_by_hand(demo, tmp_path):
    from exports import fund, report, writers

    q2 = report.parse_period("2026-Q2")
    bd = fund.payment_report(demo, fund.POLICIES["binh-duong"], q2, day=DAY)
    days = _col(bd, "Số ngày làm việc")
    amount = _col(bd, "Thành tiền phần cố định (đồng)")
    assert all(row[days] is None for row in bd.rows)
    assert all(row[amount] == 60_000 * row[4] * 3 for row in bd.rows)  # only the fixed part
    assert any("để trống" in n and "ghi tay" in n and "phần cố định" in n for n in bd.notes)
    wb, ws = xlsx_rows(writers.write_xlsx(bd, tmp_path / "bd.xlsx"))
    first = find_row(ws, 1)
    assert first[days].value is None and first[days].border.left.style == "thin"
    # Đà Nẵng has no fixed part: the amount is blank too, with the formula and the cap in the note
    dn = fund.payment_report(demo, fund.POLICIES["da-nang"], q2, day=DAY)
    assert all(row[_col(dn, "Thành tiền (đồng)")] is None for row in dn.rows)
    assert any("50.000 đồng × số ngày" in n and "3.000.000" in n for n in dn.notes)
    # --days given: the column is filled and a note says what it assumes
    bd2 = fund.payment_report(demo, fund.POLICIES["binh-duong"], q2, days_per_person_month=2, day=DAY)
    d2, a2 = _col(bd2, "Số ngày làm việc"), _col(bd2, "Thành tiền (đồng)")
    assert all(row[d2] == 2 * row[4] * 3 for row in bd2.rows)
    assert all(row[a2] == 60_000 * row[4] * 3 + 150_000 * row[d2] for row in bd2.rows)
    assert any("giả định" in n and "2 ngày/tháng" in n for n in bd2.notes)
    # a per-team-month policy has no days column at all
    qn = fund.payment_report(demo, fund.QUANG_NAM_PA01, q2, day=DAY)
    assert "Số ngày làm việc" not in [c.title for c in qn.columns]


def test_cli_ky_nhan_per_day_without_days(demo, tmp_path, monkeypatch, capsys):
    db = demo.path
    demo.close()
    out = tmp_path / "kn.xlsx"
    code, _, err = _cli(["export", "ky-nhan", "--db", str(db), "--policy", "binh-duong", "--period", "2026-Q2",
                         "--out", str(out)], monkeypatch, capsys)
    assert code == 0, err
    wb, ws = xlsx_rows(out)
    head = [c.value for c in find_row(ws, "Stt")]
    assert "Số ngày làm việc" in head
    assert find_row(ws, 1)[head.index("Số ngày làm việc")].value is None
    values = [c.value for r in ws.iter_rows() for c in r if isinstance(c.value, str)]
    assert any("Cột «Số ngày làm việc» để trống" in v for v in values)


def test_period_pack_has_the_support_fund_sheets(demo, tmp_path):
    from exports import report, writers

    p = report.parse_period("2026-Q2")
    # a Hải Phòng ward: no rate of its own province is known, so the sheets ask to choose one
    unset = report.bao_cao_ky(demo, p, day=DAY)
    assert unset.reports[-1].meta["total"] is None
    pack = report.bao_cao_ky(demo, p, day=DAY, policy_code="quang-nam")
    path = writers.write_xlsx(pack, tmp_path / "pack.xlsx")
    wb = openpyxl.load_workbook(path)
    assert wb.sheetnames[-2:] == ["Dự toán kinh phí", "Danh sách ký nhận"]
    texts = [c.value for r in wb["Danh sách ký nhận"].iter_rows() for c in r if isinstance(c.value, str)]
    assert any("Quảng Nam" in t for t in texts)  # which policy
    assert find_row(wb["Danh sách ký nhận"], "Tổng cộng", col=2)[7].value == 28 * 1_500_000
    est = wb["Dự toán kinh phí"]
    assert find_row(est, "Tổng kinh phí hỗ trợ 01 tháng cho Tổ CNSCĐ", col=2)[3].value == 28 * 500_000
    summary = find_row(wb["Tổng hợp"], "Kinh phí hỗ trợ Tổ CNSCĐ Quý II năm 2026 (đồng)", col=2)
    assert summary[2].value == 42_000_000
    # a policy saved in the registry is used, and the sheet says so
    from models import services

    services.update_settings(demo, fund_policy="ha-tinh")
    pack = report.bao_cao_ky(demo, p, day=DAY)
    pay = pack.reports[-1]
    assert pay.meta["total"] == 28 * 600_000 * 3
    assert any("theo cài đặt của sổ" in n and "Hà Tĩnh" in n for n in pay.notes)


def test_estimate_without_breakdown_does_not_say_gom():
    from exports import fund

    for code in ("yen-bai", "ha-tinh", "da-nang-2026"):
        r = fund.estimate_report(None, fund.estimate(fund.POLICIES[code], teams=3))
        assert not r.rows[0][1].endswith("gồm:") and r.rows[1][0] != "1.1"
    r = fund.estimate_report(None, fund.estimate(fund.QUANG_NAM_PA01, teams=3))
    assert r.rows[0][1].endswith("gồm:") and r.rows[1][0] == "1.1"


def test_province_village_filter_and_unambiguous_labels(province, monkeypatch, capsys, tmp_path):
    from exports import report
    from models import services
    from models.db import Registry

    labels = [r[6] for r in province["ds"].rows]
    assert "Thôn 2, xã Duy Hòa, huyện Thăng Bình" in labels  # commune name not unique: district added
    assert "Thôn 2, xã Duy Hòa, huyện Đại Lộc" in labels
    assert "Tổ dân phố 1, phường An An" in labels  # unique commune name: no district
    with Registry.open(province["path"], passphrase=PASS) as reg:
        choices = report.village_choices(reg)
        assert len(choices) == 1240 and len({label for label, _ in choices}) == 1240
        s = report.resolve_scope(reg, village="Tổ dân phố 1, phường An An")
        assert s.label == "Tổ dân phố 1, phường An An"
        assert report.resolve_scope(reg, village="to dan pho 1, phuong an an").village_id == s.village_id
        s2 = report.resolve_scope(reg, village="Thôn 2, xã Duy Hòa, huyện Đại Lộc")
        assert s2.label == "Thôn 2, xã Duy Hòa, huyện Đại Lộc"
        assert report.resolve_scope(reg, village_id=s2.village_id).label == s2.label
        with pytest.raises(services.InputError) as e:
            report.resolve_scope(reg, village="Thôn 2, xã Duy Hòa")
        assert "huyện Thăng Bình" in e.value.message and "huyện Đại Lộc" in e.value.message
        with pytest.raises(services.InputError) as e:
            report.resolve_scope(reg, village="1")
        assert "Tổ dân phố 1, phường An An" in e.value.message and "nơi khác" in e.value.message
        ds = report.danh_sach(reg, scope=s, day=DAY)
        assert ds.rows and {r[6] for r in ds.rows} == {"Tổ dân phố 1, phường An An"}
    code, out, err = _cli(["export", "danh-sach", "--db", str(province["path"]), "--village",
                           "Tổ dân phố 1, phường An An", "--out", str(tmp_path / "ds.xlsx")], monkeypatch, capsys)
    assert code == 0, err
    code, out, err = _cli(["export", "danh-sach", "--db", str(province["path"]), "--village", "Thôn 2, xã Duy Hòa",
                           "--out", str(tmp_path / "x.xlsx")], monkeypatch, capsys)
    assert code == 2 and "huyện Đại Lộc" in err and "Traceback" not in err
    assert not (tmp_path / "x.xlsx").exists()


def test_cli_warns_before_writing_names_protect_and_stores_full_receipt(demo, tmp_path, monkeypatch, capsys):
    from exports import writers
    from models import services, text
    from models.db import Registry

    db = demo.path
    demo.close()
    seen = {}
    real = writers.write

    def spy(obj, target, fmt):
        seen["err"] = capsys.readouterr().err  # what the clerk had been told before the file was written
        return real(obj, target, fmt)

    monkeypatch.setattr(writers, "write", spy)
    monkeypatch.chdir(tmp_path)
    code, out, err = _cli(["export", "danh-sach", "--db", str(db), "--out", "ds.xlsx"], monkeypatch, capsys)
    assert code == 0, err
    assert "dữ liệu cá nhân" in seen["err"] and "--protect" in seen["err"]
    f = (tmp_path / "ds.xlsx").resolve()
    with Registry.open(db, passphrase=PASS) as reg:
        [entry] = services.list_audit(reg, action="xuat")
    assert str(f) in entry.summary  # the absolute path, not "ds.xlsx" as typed
    assert f"{text.format_int(f.stat().st_size)} byte" in entry.summary


def test_hand_off_receipt_has_absolute_path_and_size(demo, tmp_path, monkeypatch):
    from exports import report
    from exports.handoff import hand_off
    from models import services, text

    (tmp_path / "usb").mkdir()
    monkeypatch.chdir(tmp_path)
    done = hand_off(demo, report.thanh_phan(demo), label="Thành phần", dest_dir="usb", stem="tp", fmt="xlsx")
    [r] = done.files
    assert r.path.is_absolute() and r.path == (tmp_path / "usb" / "tp.xlsx").resolve()
    entry = services.list_audit(demo, action="xuat")[0]
    assert str(r.path) in entry.summary and f"{text.format_int(r.size)} byte" in entry.summary


@pytest.mark.skipif(not hasattr(os, "posix_fadvise"), reason="no posix_fadvise on this system")
def test_usb_readback_drops_the_page_cache_first(tmp_path, monkeypatch):
    from exports import usb

    calls = []
    real_fadvise, real_sha = os.posix_fadvise, usb.sha256_file
    monkeypatch.setattr(os, "posix_fadvise", lambda fd, off, n, adv: (calls.append(("fadvise", adv)),
                                                                       real_fadvise(fd, off, n, adv)))
    monkeypatch.setattr(usb, "sha256_file", lambda p: (calls.append(("read", None)), real_sha(p))[1])
    (tmp_path / "usb").mkdir()
    usb.safe_write(b"x" * 5000, tmp_path / "usb", "a.xlsx")
    assert calls == [("fadvise", os.POSIX_FADV_DONTNEED), ("read", None)]


def test_number_format_and_csv_behaviour_are_documented(province):
    wb, ws = xlsx_rows(province["pl1_xlsx"])
    assert find_row(ws, 11)[3].number_format == "[$-42A]#,##0"  # kept: no robust dotted format exists
    readme = (Path(__file__).resolve().parent.parent / "README.md").read_text(encoding="utf-8")
    assert "7,440,000,000" in readme and "Use system separators" in readme
    assert "CSV" in readme and "số 0 đầu" in readme and "xlsx" in readme


async def _wait_until(pilot, done, what: str, seconds: float = 30.0) -> None:
    """Let the app run (Pilot pauses, workers finished) until ``done()`` holds: the Reports tab
    previews once the clerk pauses typing, so the test waits for that state, not for a time."""
    from tests.tui_helpers import settle

    deadline = time.monotonic() + seconds
    while not done():
        if time.monotonic() > deadline:
            pytest.fail(f"Timed out after {seconds:.0f} s waiting for {what}")
        await pilot.pause()
        await settle(pilot, rounds=1)


async def test_reports_pane_fund_controls_h2_and_village_ids(tmp_path, commune_demo_bytes):
    from textual.widgets import Input, Select

    from cnscd_tui.app import CnscdApp
    from cnscd_tui.reports_pane import period_options
    from tests.tui_helpers import choose, press, screen_text, settle, type_into, unlock

    today = dt.date.today()
    codes = [v for _, v in period_options(today)]
    assert f"{today.year - 1}-H2" in codes and f"{today.year - 1}-H1" in codes
    assert (f"{today.year}-H2" in codes) == (today.month >= 7)
    assert [v for _, v in period_options(dt.date(2026, 8, 1))][:3] == ["2026", "2026-H2", "2026-H1"]

    path = tmp_path / "demo.cnscd"
    path.write_bytes(commune_demo_bytes)
    app = CnscdApp(path)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await unlock(pilot, PASS)
        await press(pilot, "f7")
        q = app.screen.query_one
        assert not q("#rep-fund-bar").display and "Số tổ" not in screen_text(app)  # only for fund reports
        await choose(pilot, "#rep-kind", "kinh-phi")
        await settle(pilot)
        await choose(pilot, "#rep-policy", "quang-nam")  # a Hải Phòng ward has no rate of its own province
        await settle(pilot)
        assert q("#rep-fund-bar").display and q("#rep-pair-teams").display
        assert q("#rep-teams", Input).value == "28"  # default: the number of villages (the target)
        assert "28 tổ đang hoạt động" in screen_text(app)
        await type_into(pilot, "#rep-teams", "1240")
        month_total = "Tổng kinh phí hỗ trợ 01 tháng cho Tổ CNSCĐ"
        await _wait_until(pilot, lambda: any(r[1] == month_total and r[3] == "620.000.000"
                                             for r in q("#rep-preview").rows),
                          "the preview for 1240 teams (after the pause in typing)")
        rows = {r[1]: r[3] for r in q("#rep-preview").rows}
        assert rows["Tổng kinh phí hỗ trợ 01 tháng cho Tổ CNSCĐ"] == "620.000.000"
        assert "Số tổ" in screen_text(app) and "620.000.000" in screen_text(app)  # fits at 80×24
        await type_into(pilot, "#rep-months", "13")
        await _wait_until(pilot, lambda: "Số tháng mỗi năm phải từ 1 đến 12" in screen_text(app),
                          "the message about 13 months")
        assert "Số tháng mỗi năm phải từ 1 đến 12" in screen_text(app)
        q("#rep-months", Input).value = ""
        await choose(pilot, "#rep-kind", "ky-nhan")
        await choose(pilot, "#rep-policy", "da-nang")
        await choose(pilot, "#rep-period", f"{today.year - 1}-H2")
        await settle(pilot)
        assert not q("#rep-pair-teams").display and q("#rep-pair-days").display
        table = q("#rep-preview")
        assert "Số ngày làm việc" in [c.title for c in table.columns]
        assert "DANH SÁCH KÝ NHẬN" in screen_text(app)  # a preview, not an error
        await type_into(pilot, "#rep-days", "4")

        def days_shown() -> bool:
            titles = [c.title for c in table.columns]
            return bool(table.rows) and "Số ngày làm việc" in titles and \
                table.rows[0][titles.index("Số ngày làm việc")] == str(4 * 5 * 6)

        await _wait_until(pilot, days_shown, "the payment list for 4 days per person per month")
        # the village picker gives ids, and the roster is that village's
        await choose(pilot, "#rep-kind", "danh-sach")
        scope = q("#rep-scope", Select)
        label, vid = next((lbl, v) for lbl, v in scope._options if lbl == "Tổ dân phố An Lợi")
        assert isinstance(vid, int)
        await choose(pilot, "#rep-scope", vid)
        await settle(pilot)
        assert len(q("#rep-preview").rows) == 5
        assert not q("#rep-fund-bar").display


def test_xlsx_rows_are_tall_enough_for_their_wrapped_text(demo, tmp_path):
    """Excel and LibreOffice do not re-measure the rows of a file they open: a header that wraps in
    its narrow column must come with the height of its lines, or half of it is cut off."""
    import dataclasses

    from exports import report, writers

    r = report.phu_luc_1(demo, day=DAY)
    _, ws = xlsx_rows(writers.write_xlsx(r, tmp_path / "pl.xlsx"))
    head = find_row(ws, "Stt")
    assert head[2].value == "Tổng số Tổ CNSCĐ/thôn"
    assert ws.row_dimensions[head[0].row].height >= 30  # two lines of 11-pt text
    short = find_row(ws, 2)  # "Tổ dân phố Bạch Đằng": one line, default height
    assert ws.row_dimensions[short[0].row].height is None
    # a long note under the table, merged over every column, gets the lines it needs too
    long_note = dataclasses.replace(r, rows=r.rows[:2], total=None, notes=["Ghi chú rất dài " * 30])
    _, ws2 = xlsx_rows(writers.write_xlsx(long_note, tmp_path / "note.xlsx"))
    note = find_row(ws2, "Ghi chú rất dài " * 30)
    assert ws2.row_dimensions[note[0].row].height >= 3 * 14
