"""Data truth on the way in (issue 13): the category a position title implies, the good rows of a
file with bad ones, legacy-font place names, the same phone or CCCD for two people."""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest

from exports import importer, legacy_text as lt
from exports.importer import ImportOptions
from models import services, validate
from models.errors import SaveFailed


def _villages(reg, names=("An Lợi", "Đông Lợi")) -> dict[str, int]:
    return {n: services.add_village(reg, name=n, kind="tổ dân phố").id for n in names}


def _xlsx(path: Path, head: list[str], rows: list[list], *, font: str | None = None, encode=None) -> Path:
    from openpyxl import Workbook
    from openpyxl.styles import Font

    wb = Workbook()
    ws = wb.active
    ws.append(["DANH SÁCH THÀNH VIÊN TỔ CÔNG NGHỆ SỐ CỘNG ĐỒNG"])
    ws.append([])
    ws.append(head)
    for row in rows:
        ws.append([encode(v) if encode and isinstance(v, str) else v for v in row])
        if font:
            for cell in ws[ws.max_row]:
                if isinstance(cell.value, str):
                    cell.font = Font(name=font)
    wb.save(path)
    return path


def _membership(reg, full_name: str):
    from models.schema import Membership, Person

    with reg.read():
        p = next(p for p in Person.select() if f"{p.family_name} {p.given_name}" == full_name)
        m = Membership.get(Membership.person == p)
        return m.category.code, m.other_positions, m.role


# ---------------------------------------------------------------------------
# 1. Composition from position titles
# ---------------------------------------------------------------------------
POSITION_HEAD = ["Stt", "Họ và tên", "Năm sinh", "Chức vụ", "Vai trò", "Thôn/TDP"]
POSITION_ROWS = [
    [1, "Nguyễn Thị Hà", 1985, "Trưởng thôn kiêm Bí thư chi bộ", "Tổ trưởng", "An Lợi"],
    [2, "Đặng Văn Lâm", 1996, "Bí thư Chi đoàn", "Tổ phó", "An Lợi"],
    [3, "Phạm Đức Thắng", 1969, "Trưởng ban công tác Mặt trận", "Thành viên", "An Lợi"],
    [4, "Lê Thị Mai", 1980, "CT Hội LHPN", "Thành viên", "An Lợi"],
    [5, "Vũ Quang Định", 1975, "Tổ trưởng", "Thành viên", "Đông Lợi"],
]


def test_position_column_gives_the_category_and_an_unsure_title_is_asked(reg, tmp_path):
    _villages(reg)
    f = _xlsx(tmp_path / "ds.xlsx", POSITION_HEAD, POSITION_ROWS)
    pv = importer.read_roster(reg, f)
    assert {c.header: c.field for c in pv.columns}["Chức vụ"] == "position"
    by_name = {r.name: r for r in pv.rows}
    assert by_name["Đặng Văn Lâm"].category == "DOAN_TN"  # the organisation decides, not «Bí thư»
    assert by_name["Phạm Đức Thắng"].category == "MTTQ"  # not «Trưởng …» → Trưởng thôn
    assert by_name["Lê Thị Mai"].category == "PHU_NU"
    hà = by_name["Nguyễn Thị Hà"]
    assert (hà.category, hà.category_source, hà.title) == ("TRUONG_THON", "chuc_vu", "Trưởng thôn kiêm Bí thư chi bộ")
    assert hà.category_label == "Trưởng thôn/Tổ trưởng tổ dân phố" and not hà.category_asked
    # «Tổ trưởng» names no organisation: the row waits for the clerk's choice, never a silent «khác»
    asked = by_name["Vũ Quang Định"]
    assert asked.category_asked and asked.category == "" and asked.status == "error"
    assert pv.unknown_categories == {"Tổ trưởng": [8]} and not pv.ok
    assert pv.category_counts == {"TRUONG_THON": 1, "MTTQ": 1, "DOAN_TN": 1, "PHU_NU": 1, "": 1}
    shown = importer.format_preview(pv)
    assert "thành phần: Đoàn Thanh niên (theo chức vụ «Bí thư Chi đoàn»)" in shown
    assert "Số dòng theo thành phần:" in shown and "  Ban Công tác Mặt trận: 1" in shown
    assert '--category-map "Tổ trưởng=MÃ"' in shown or "--category-map" in shown
    with pytest.raises(importer.ImportRejected):
        importer.apply_roster(reg, pv)
    assert services.stats(reg).active_members == 0

    pv = importer.read_roster(reg, f, ImportOptions(category_map={"Tổ trưởng": "TRUONG_THON"}))
    assert pv.ok and {r.name: r.category_source for r in pv.rows}["Vũ Quang Định"] == "da_chon"
    importer.apply_roster(reg, pv)
    assert _membership(reg, "Đặng Văn Lâm")[:2] == ("DOAN_TN", "Bí thư Chi đoàn")  # the title is kept
    assert _membership(reg, "Nguyễn Thị Hà") == ("TRUONG_THON", "Trưởng thôn kiêm Bí thư chi bộ", "to_truong")
    assert _membership(reg, "Vũ Quang Định")[0] == "TRUONG_THON"
    st = services.stats(reg)
    assert st.members_by_category["KHAC"] == 0 and st.members_by_category["MTTQ"] == 1


def test_an_explicit_category_column_wins_and_an_unknown_one_is_asked(reg, tmp_path):
    _villages(reg)
    head = ["Stt", "Họ và tên", "Năm sinh", "Chức vụ", "Thành phần", "Thôn/TDP"]
    rows = [[1, "Nguyễn Thị Hà", 1985, "Bí thư chi bộ", "Hội Phụ nữ", "An Lợi"],
            [2, "Đặng Văn Lâm", 1996, "Đoàn viên", "Thanh niên xung kích", "An Lợi"],
            [3, "Lê Văn Tám", 1990, "", "Chức danh khác", "An Lợi"]]
    pv = importer.read_roster(reg, _xlsx(tmp_path / "ds.xlsx", head, rows))
    by_name = {r.name: r for r in pv.rows}
    assert (by_name["Nguyễn Thị Hà"].category, by_name["Nguyễn Thị Hà"].category_source) == ("PHU_NU", "thanh_phan")
    assert by_name["Lê Văn Tám"].category == "KHAC"  # said by the file: not a guess
    assert by_name["Đặng Văn Lâm"].category == "DOAN_TN"  # «… thanh niên …» read as a title
    rows[1][4] = "Ban thanh tra"
    pv = importer.read_roster(reg, _xlsx(tmp_path / "ds2.xlsx", head, rows))
    assert {r.name: r.category_asked for r in pv.rows}["Đặng Văn Lâm"] and "Ban thanh tra" in pv.unknown_categories


def test_a_title_in_the_role_column_gives_the_category(reg, tmp_path):
    _villages(reg)
    head = ["Stt", "Họ và tên", "Năm sinh", "Chức danh", "Thôn/TDP"]
    rows = [[1, "Nguyễn Thị Hà", 1985, "Tổ trưởng", "An Lợi"], [2, "Đặng Văn Lâm", 1996, "Bí thư chi đoàn", "An Lợi"]]
    pv = importer.read_roster(reg, _xlsx(tmp_path / "ds.xlsx", head, rows))
    lam = {r.name: r for r in pv.rows}["Đặng Văn Lâm"]
    assert lam.category == "DOAN_TN" and lam.title == "Bí thư chi đoàn"
    hà = {r.name: r for r in pv.rows}["Nguyễn Thị Hà"]
    assert hà.category == "KHAC" and hà.category_source == "mac_dinh"  # a role, no title: said once
    assert any("không ghi thành phần hay chức vụ" in w for w in pv.warnings)


# ---------------------------------------------------------------------------
# 2. Import the good rows
# ---------------------------------------------------------------------------
def test_skip_errors_imports_the_good_rows_and_writes_the_others_to_fix(reg, tmp_path):
    _villages(reg)
    head = ["Stt", "Họ và tên", "Năm sinh", "Số ĐT", "Thành phần", "Thôn/TDP"]
    rows = [[1, "Nguyễn Thị Hà", 1985, "0912345678", "Trưởng thôn", "An Lợi"],
            [2, "Đặng Văn Lâm", 1996, "12345", "Đoàn Thanh niên", "An Lợi"],  # bad phone
            [3, "Lê Thị Mai", 1980, "0987654321", "Phụ nữ", "Thôn Không Có"],  # unknown village
            [4, "Phạm Đức Thắng", 1969, "0356789012", "Mặt trận", "Đông Lợi"]]
    src = _xlsx(tmp_path / "danh-sach.xlsx", head, rows)
    pv = importer.read_roster(reg, src)
    assert pv.counts["error"] == 2
    with pytest.raises(importer.ImportRejected):  # the default stays all or nothing
        importer.apply_roster(reg, pv)
    assert services.stats(reg).active_members == 0

    pv = importer.read_roster(reg, src, ImportOptions(skip_errors=True))
    res = importer.apply_roster(reg, pv)
    assert (res.created, res.skipped) == (2, 2)
    out = Path(res.skipped_file)
    assert out == tmp_path / "danh-sach_chua-nhap.xlsx" and out.exists()
    assert stat.S_IMODE(os.stat(out).st_mode) == 0o600
    assert not list(tmp_path.glob(".*tmp*"))  # written atomically: no temporary file left
    assert services.stats(reg).active_members == 2
    import openpyxl

    ws = openpyxl.load_workbook(out).active
    values = [[c.value for c in r] for r in ws.iter_rows()]
    assert values[0][-2:] == ["Dòng trong tệp gốc", "Lý do chưa nhập"]
    assert [v[1] for v in values[1:]] == ["Đặng Văn Lâm", "Lê Thị Mai"] and [v[-2] for v in values[1:]] == [5, 6]
    assert "điện thoại" in values[1][-1].lower() and "Thôn Không Có" in values[2][-1]
    # the clerk fixes the file and imports it again: it reads as it is
    ws.cell(row=2, column=values[0].index("Số điện thoại") + 1, value="0987000111")
    ws.cell(row=3, column=values[0].index("Thôn/TDP") + 1, value="Đông Lợi")
    ws.parent.save(out)
    pv = importer.read_roster(reg, out)
    assert pv.ok, importer.format_preview(pv)
    assert importer.apply_roster(reg, pv).created == 2 and services.stats(reg).active_members == 4


def test_skipped_rows_file_can_be_named_and_nothing_is_written_when_it_cannot_be(reg, tmp_path):
    _villages(reg)
    head = ["Stt", "Họ và tên", "Năm sinh", "Số ĐT", "Thôn/TDP"]
    rows = [[1, "Nguyễn Thị Hà", 1985, "0912345678", "An Lợi"], [2, "Đặng Văn Lâm", 1996, "12345", "An Lợi"]]
    src = _xlsx(tmp_path / "ds.xlsx", head, rows)
    pv = importer.read_roster(reg, src, ImportOptions(skip_errors=True, skipped_path=str(tmp_path / "loi.csv")))
    res = importer.apply_roster(reg, pv)
    text = (tmp_path / "loi.csv").read_text(encoding="utf-8-sig")
    assert res.skipped_file.endswith("loi.csv") and "Đặng Văn Lâm" in text and "Lý do chưa nhập" in text
    blocked = tmp_path / "khong-ghi-duoc"
    blocked.write_text("một tệp, không phải thư mục")
    pv = importer.read_roster(reg, src, ImportOptions(skip_errors=True, skipped_path=str(blocked / "x.xlsx")))
    before = services.stats(reg).active_members
    with pytest.raises(SaveFailed):
        importer.apply_roster(reg, pv)
    assert services.stats(reg).active_members == before  # no file of skipped rows: nothing imported


# ---------------------------------------------------------------------------
# 6. Legacy-font place names
# ---------------------------------------------------------------------------
def test_tcvn3_place_names_get_their_capitals(reg, tmp_path):
    _villages(reg, ("Á Lữ",))
    head = ["Stt", "Họ và tên", "Năm sinh", "Thôn/TDP"]
    rows = [[1, "Nguyễn Thị Hà", 1985, "Tổ dân phố Á Lữ"], [2, "Đặng Văn Lâm", 1996, "Tổ dân phố Ỷ La"],
            [3, "Lê Thị Mai", 1980, "Thôn Ấp Bắc"]]
    f = _xlsx(tmp_path / "tcvn3.xlsx", [lt.encode_tcvn3(h) for h in head], rows, font=".VnTime", encode=lt.encode_tcvn3)
    pv = importer.read_roster(reg, f, ImportOptions(create_villages=True))
    assert [r.village for r in pv.rows] == ["tổ dân phố Á Lữ", "Tổ dân phố Ỷ La", "Thôn Ấp Bắc"]
    assert pv.ok
    importer.apply_roster(reg, pv)
    assert {v.name for v in services.list_villages(reg)} == {"Á Lữ", "Ỷ La", "Ấp Bắc"}
    assert lt.decode_tcvn3(lt.encode_tcvn3("Tổ dân phố Á Lữ"), place=True) == "Tổ dân phố Á Lữ"
    assert lt.decode_tcvn3(lt.encode_tcvn3("Xã Ea Súp"), place=True) == "Xã Ea Súp"
    assert lt.decode_tcvn3(lt.encode_tcvn3("Ấp Ông Tú"), place=True) == "Ấp Ông Tú"


def test_tcvn3_group_heading_and_phu_luc_units_get_their_capitals(tmp_path):
    from openpyxl import Workbook
    from openpyxl.styles import Font

    wb = Workbook()
    ws = wb.active
    ws.append(["Stt", "Đơn vị", "Tổng số Tổ CNSCĐ/thôn", "Tổng số thành viên Tổ CNSCĐ"])
    for i, unit in enumerate(["Xã Ái Nghĩa", "Xã Ẩn Phú"], 1):
        ws.append([i, lt.encode_tcvn3(unit), "5/5", 30])
        ws.cell(row=ws.max_row, column=2).font = Font(name=".VnTime")
    wb.save(tmp_path / "pl.xlsx")
    assert [r.unit for r in importer.read_phu_luc_1(tmp_path / "pl.xlsx").rows] == ["Xã Ái Nghĩa", "Xã Ẩn Phú"]


# ---------------------------------------------------------------------------
# 7. The same phone or CCCD for two people
# ---------------------------------------------------------------------------
def test_same_phone_or_cccd_for_two_people_names_the_other(reg, tmp_path):
    v = _villages(reg)
    other, _ = services.add_person(reg, services.PersonInput(full_name="Trần Văn Bảy", birth="1970", phone="0912345678",
                                                              village_id=v["An Lợi"]))
    cccd = validate.make_cccd("031", "nam", 1990, 77)
    head = ["Stt", "Họ và tên", "Năm sinh", "Số ĐT", "CCCD", "Thôn/TDP"]
    rows = [[1, "Nguyễn Thị Hà", 1985, "0912345678", "", "An Lợi"],  # Trần Văn Bảy's phone in the registry
            [2, "Đặng Văn Lâm", 1990, "0987654321", cccd, "An Lợi"],
            [3, "Lê Thị Mai", 1980, "0987654321", "", "Đông Lợi"],  # the phone of row 5 of the file
            [4, "Phạm Văn Đức", 1990, "", cccd, "Đông Lợi"]]  # the CCCD of row 5
    pv = importer.read_roster(reg, _xlsx(tmp_path / "ds.xlsx", head, rows))
    by_name = {r.name: r for r in pv.rows}
    assert any("0912345678" in w.message and "Trần Văn Bảy" in w.message for w in by_name["Nguyễn Thị Hà"].warnings)
    assert any("dòng 5" in w.message and "Đặng Văn Lâm" in w.message for w in by_name["Lê Thị Mai"].warnings)
    assert any(cccd in e.message and "Đặng Văn Lâm" in e.message for e in by_name["Phạm Văn Đức"].errors)
    assert other.id not in {r.person_id for r in pv.rows}


def test_a_registry_cccd_under_another_name_warns(reg, tmp_path):
    v = _villages(reg)
    cccd = validate.make_cccd("031", "nam", 1990, 78)
    services.add_person(reg, services.PersonInput(full_name="Trần Văn Bảy", birth="1990", cccd=cccd,
                                                  village_id=v["An Lợi"]))
    pv = importer.read_roster(reg, _xlsx(tmp_path / "ds.xlsx", ["Stt", "Họ và tên", "Năm sinh", "CCCD", "Thôn/TDP"],
                                         [[1, "Lê Văn Tám", 1990, cccd, "An Lợi"]]))
    (row,) = pv.rows
    assert any("Trần Văn Bảy" in w.message and cccd in w.message for w in row.warnings)
