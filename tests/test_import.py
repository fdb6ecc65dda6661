"""Imports: legacy Vietnamese text, roster import (xlsx/xls/ods/csv), templates, aggregation, CLI.

Every fixture file is built here: a TCVN3 roster (.VnTime and .VnTimeH cells),
a VNI roster, a Windows-1258 CSV with ";", an .xls (xlwt, dev-only), a district
template with merged two-row headers, a SUM total and a signature block.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import hashlib
import io
import os
import subprocess
import sys
import unicodedata
import zipfile
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings, strategies as st

from exports import importer, legacy_text as lt
from exports.importer import ImportOptions
from models import services, validate
from models.services import InputError

from .conftest import PASS

NAMES = ["Nguyễn Thị Hà", "Đặng Văn Lâm", "Trương Thị Ngọc Ánh", "Phạm Đức Thắng", "Lê Hữu Ước",
         "Hoàng Thị Thu Hương", "Vũ Quang Định"]


# ---------------------------------------------------------------------------
# Legacy text
# ---------------------------------------------------------------------------
@pytest.mark.parametrize("name", NAMES + ["Tổ dân phố Đông Hưng", "Ỷ Lan", "Quyết định 598/QĐ-UBND"])
def test_tcvn3_and_vni_round_trip(name):
    is_name = not name.startswith("Quyết")  # the capital-initial repair is for names only
    assert lt.decode_tcvn3(lt.encode_tcvn3(name), capitalize_initials=is_name) == name
    assert lt.decode_vni(lt.encode_vni(name)) == name
    # capital fonts (.VnTimeH): the typist's lower-case codes show as capitals
    assert lt.decode_tcvn3(lt.encode_tcvn3(name.lower()), capitals=True) == name.upper()
    assert lt.decode_vni(lt.encode_vni(name.upper())) == name.upper()


def test_known_mojibake():
    assert lt.decode_tcvn3("NguyÔn V¨n A") == "Nguyễn Văn A"
    assert lt.decode_tcvn3("Tr\xad¬ng ThÞ Ngäc ¸nh", capitalize_initials=True) == "Trương Thị Ngọc Ánh"
    assert lt.decode_tcvn3("§µo t¹o") == "Đào tạo"
    assert lt.decode_vni("Nguyeãn Thò Haø") == "Nguyễn Thị Hà"
    assert lt.decode_vni("Leâ Höõu Öôùc") == "Lê Hữu Ước"
    assert lt.decode_vni("Ñaëng Vaên Laâm") == "Đặng Văn Lâm"
    assert unicodedata.is_normalized("NFC", lt.decode_vni("Thaéng"))


def test_font_names():
    assert lt.encoding_from_font(".VnTime") == (lt.TCVN3, False)
    assert lt.encoding_from_font(".VnTimeH") == (lt.TCVN3, True)
    assert lt.encoding_from_font(".VnArialH") == (lt.TCVN3, True)
    assert lt.encoding_from_font("VNI-Times") == (lt.VNI, False)
    assert lt.encoding_from_font("Times New Roman") == (None, False)
    assert lt.encoding_from_font(None) == (None, False)


def test_detection_by_score_and_unsure():
    assert lt.detect([lt.encode_tcvn3(n) for n in NAMES]).encoding == lt.TCVN3
    assert lt.detect([lt.encode_vni(n) for n in NAMES]).encoding == lt.VNI
    d = lt.detect(NAMES)
    assert d.encoding == lt.UNICODE and d.sure
    assert lt.detect(["Nguyen Van A"]).source == "ascii"
    unsure = lt.detect(["¸µ"])  # nonsense in every reading
    assert not unsure.sure


@given(st.text(alphabet="aăâbcdđeêghiklmnoôơpqrstuưvxyàáảãạằắẳẵặầấẩẫậèéẻẽẹềếểễệìíỉĩịòóỏõọồốổỗộờớởỡợùúủũụừứửữựỳýỷỹỵ ",
               max_size=30))
@settings(max_examples=150, deadline=None)
def test_round_trip_property(s):
    s = unicodedata.normalize("NFC", s)
    assert lt.decode_vni(lt.encode_vni(s)) == s
    assert lt.decode_tcvn3(lt.encode_tcvn3(s)) == s


# ---------------------------------------------------------------------------
# Fixture builders
# ---------------------------------------------------------------------------
def _add_villages(reg, names=("An Lợi", "Đông Lợi")):
    out = {}
    for n in names:
        out[n] = services.add_village(reg, name=n, kind="tổ dân phố").id
    return out


ROWS = [  # name, birth, gender, phone, cccd, role, category, village
    ("Nguyễn Thị Hà", 1985.0, "Nữ", 912345678.0, None, "Tổ trưởng", "Trưởng thôn", "An Lợi"),
    ("Đặng Văn Lâm", 1990.0, "Nam", "0987 654 321", float(validate.make_cccd("031", "nam", 1990, 77)),
     "Tổ phó", "Đoàn Thanh niên", "An Lợi"),
    ("Trương Thị Ngọc Ánh", 1978.0, "Nữ", "", None, "Thành viên", "Hội Phụ nữ", "Đông Lợi"),
    ("Phạm Đức Thắng", 1969.0, "Nam", 356789012.0, None, "Thành viên", "Mặt trận", "Đông Lợi"),
    ("Lê Hữu Ước", 1995.0, "Nam", "0345678901", None, "", "Công an viên", "An Lợi"),
]


def _xlsx_roster(path: Path, encode, font: str | None, *, caps_font: str | None = None, rows=ROWS) -> Path:
    from openpyxl import Workbook
    from openpyxl.styles import Font

    wb = Workbook()
    ws = wb.active
    ws.title = "DS"
    ws["A1"] = encode("ỦY BAN NHÂN DÂN PHƯỜNG TRẦN HƯNG ĐẠO".lower() if caps_font else "Ủy ban nhân dân phường")
    ws.merge_cells("A1:D1")
    ws["A3"] = encode("Danh sách thành viên Tổ công nghệ số cộng đồng")
    ws.merge_cells("A3:I3")
    head = ["STT", "Họ và tên", "Năm sinh", "Giới tính", "Số ĐT", "CCCD", "Chức danh", "Thành phần", "Thôn/TDP"]
    for c, h in enumerate(head, 1):
        cell = ws.cell(row=5, column=c, value=encode(h))
        if font:
            cell.font = Font(name=font)
    for i, (name, birth, gender, phone, cccd, role, cat, village) in enumerate(rows, 1):
        r = 5 + i
        vals = [i, name, birth, gender, phone, cccd, role, cat, village]
        for c, v in enumerate(vals, 1):
            if isinstance(v, str):
                v = encode(v)
            cell = ws.cell(row=r, column=c, value=v)
            if font and isinstance(v, str):
                cell.font = Font(name=font)
        if caps_font and i == 2:  # this name typed in the capital font (lower-case codes)
            ws.cell(row=r, column=2, value=lt.encode_tcvn3(name.lower())).font = Font(name=caps_font)
    ws.cell(row=6 + len(rows) + 1, column=2, value=encode("Trần Hưng Đạo, ngày 10 tháng 4 năm 2026"))
    wb.save(path)
    return path


def _to_cp1258(s: str) -> bytes:
    """Windows-1258 the way Word/Excel write it: base letters (incl. â ê ô ă ơ ư) + combining tone marks."""
    out = []
    for ch in unicodedata.normalize("NFC", s):
        d = unicodedata.normalize("NFD", ch)
        base, marks = d[0], d[1:]
        quality = "".join(m for m in marks if m in "\u0302\u0306\u031b")
        tone = "".join(m for m in marks if m not in "\u0302\u0306\u031b")
        out.append(unicodedata.normalize("NFC", base + quality) + tone)
    return "".join(out).encode("cp1258")


def _count_people():
    from models.schema import Person

    return Person.select().count()


# ---------------------------------------------------------------------------
# Roster import
# ---------------------------------------------------------------------------
def test_tcvn3_roster_by_font_incl_capital_font(reg, tmp_path):
    _add_villages(reg)
    f = _xlsx_roster(tmp_path / "tcvn3.xlsx", lt.encode_tcvn3, ".VnTime", caps_font=".VnTimeH")
    pv = importer.read_roster(reg, f)
    assert pv.ok, importer.format_preview(pv)
    names = [r.name for r in pv.rows]
    assert names[0] == "Nguyễn Thị Hà" and names[2] == "Trương Thị Ngọc Ánh"
    assert names[1] == "ĐẶNG VĂN LÂM"  # the .VnTimeH cell
    col = {c.field: c for c in pv.columns}
    assert col["full_name"].encoding == lt.TCVN3 and col["full_name"].encoding_source == "font"
    assert pv.counts == {"new": 5, "update": 0, "unchanged": 0, "error": 0}
    res = importer.apply_roster(reg, pv)
    assert res.created == 5
    people = {p.full_name: p for p in services.list_people(reg)}
    ha = people["Nguyễn Thị Hà"]
    assert ha.phone == "0912345678" and ha.birth_year == 1985 and ha.gender == "nu"
    lam = people["ĐẶNG VĂN LÂM"]
    assert lam.cccd == validate.make_cccd("031", "nam", 1990, 77)  # lost its leading zero as a float
    assert "Tổ trưởng" in people["Nguyễn Thị Hà"].teams or people["Nguyễn Thị Hà"].roles == ("to_truong",)
    assert people["Phạm Đức Thắng"].categories == ("MTTQ",)
    assert people["Lê Hữu Ước"].village_name == "tổ dân phố An Lợi"
    audit = services.list_audit(reg, action="nhap")
    assert audit and "thêm 5" in audit[0].summary


def test_vni_roster_by_font_and_reimport_unchanged_then_corrected(reg, tmp_path):
    _add_villages(reg)
    f = _xlsx_roster(tmp_path / "vni.xlsx", lt.encode_vni, "VNI-Times")
    importer.import_roster(reg, f)
    n = _count_people()
    pv = importer.read_roster(reg, f)
    assert pv.counts["unchanged"] == 5 and pv.ok
    res = importer.apply_roster(reg, pv)
    assert (res.created, res.updated) == (0, 0) and _count_people() == n
    rows = list(ROWS)
    rows[2] = ("Trương Thị Ngọc Ánh", 1978.0, "Nữ", "0912000111", None, "Thành viên", "Hội Phụ nữ", "Đông Lợi")
    f2 = _xlsx_roster(tmp_path / "vni2.xlsx", lt.encode_vni, "VNI-Times", rows=rows)
    pv = importer.read_roster(reg, f2)
    upd = [r for r in pv.rows if r.status == "update"]
    assert len(upd) == 1 and "số điện thoại" in upd[0].changes
    importer.apply_roster(reg, pv)
    assert _count_people() == n
    anh = next(p for p in services.list_people(reg) if p.full_name == "Trương Thị Ngọc Ánh")
    assert anh.phone == "0912000111"


def test_vni_roster_without_font_detected_by_score(reg, tmp_path):
    _add_villages(reg)
    f = _xlsx_roster(tmp_path / "vni-plain.xlsx", lt.encode_vni, None)
    pv = importer.read_roster(reg, f)
    col = {c.field: c for c in pv.columns}
    assert col["full_name"].encoding == lt.VNI and col["full_name"].encoding_source == "score"
    assert [r.name for r in pv.rows][:2] == ["Nguyễn Thị Hà", "Đặng Văn Lâm"]
    assert any("VNI" in w for w in pv.warnings)


def test_cp1258_csv_with_semicolons(reg, tmp_path):
    _add_villages(reg)
    lines = ["Danh sách thành viên", "", "Stt;Họ và tên;Ngày sinh;Số điện thoại;Thành phần;Thôn/TDP;Ghi chú"]
    lines += ["1;Nguyễn Thị Hà;05/09/1985;0912345678;Phụ nữ;An Lợi;", "2;Lê Hữu Ước;1995;912 345 679;Đoàn TN;Tổ dân phố Đông Lợi;mới"]
    f = tmp_path / "ds.csv"
    f.write_bytes(b"\r\n".join(_to_cp1258(x) for x in lines))
    pv = importer.read_roster(reg, f)
    assert pv.csv_encoding == "Windows-1258" and pv.csv_delimiter == "dấu chấm phẩy"
    assert [r.name for r in pv.rows] == ["Nguyễn Thị Hà", "Lê Hữu Ước"]
    assert all(unicodedata.is_normalized("NFC", r.name) for r in pv.rows)
    importer.apply_roster(reg, pv)
    ha = next(p for p in services.list_people(reg) if p.full_name == "Nguyễn Thị Hà")
    assert services.person_detail(reg, ha.id).birth_date == dt.date(1985, 9, 5)


@pytest.mark.parametrize("enc", ["utf-8", "utf-8-sig"])
@pytest.mark.parametrize("sep", [",", "\t"])
def test_csv_utf8_and_separators(reg, tmp_path, enc, sep):
    f = tmp_path / "ds.csv"
    f.write_bytes(sep.join(["Họ và tên", "Năm sinh", "Số ĐT"]).encode(enc) + b"\n"
                  + sep.join(["Phạm Đức Thắng", "1969", "0356789012"]).encode("utf-8") + b"\n")
    pv = importer.read_roster(reg, f)
    assert pv.rows[0].name == "Phạm Đức Thắng" and pv.ok


def _xls_roster(path: Path) -> Path:
    import xlwt  # dev-only: writes BIFF8 for this fixture

    wb = xlwt.Workbook(encoding="utf-8")
    ws = wb.add_sheet("Danh sach")
    ws.write_merge(0, 0, 0, 5, "DANH SÁCH TỔ CNSCĐ")
    ws.write_merge(2, 3, 0, 0, "TT")
    ws.write_merge(2, 3, 1, 1, lt.encode_vni("Họ và tên"))
    ws.write_merge(2, 2, 2, 3, lt.encode_vni("Năm sinh"))
    ws.write(3, 2, "Nam")
    ws.write(3, 3, lt.encode_vni("Nữ"))
    ws.write_merge(2, 3, 4, 4, lt.encode_vni("Thôn/TDP"))
    ws.write_merge(2, 3, 5, 5, lt.encode_vni("Ngày vào tổ"))
    date_style = xlwt.easyxf(num_format_str="DD/MM/YYYY")
    data = [("Đặng Văn Lâm", 1990, None), ("Nguyễn Thị Hà", None, 1985), ("Hoàng Thị Thu Hương", None, 1992)]
    for i, (name, male, female) in enumerate(data):
        r = 4 + i
        ws.write(r, 0, i + 1)
        ws.write(r, 1, lt.encode_vni(name))
        if male:
            ws.write(r, 2, male)
        if female:
            ws.write(r, 3, female)
        ws.write(r, 4, lt.encode_vni("An Lợi"))
        ws.write(r, 5, dt.date(2025, 9, 5), date_style)
    wb.save(str(path))
    return path


def test_xls_two_row_header_gender_from_column(reg, tmp_path):
    pytest.importorskip("xlwt", reason="xlwt (dev-only) writes the .xls fixture")
    _add_villages(reg)
    f = _xls_roster(tmp_path / "ds.xls")
    pv = importer.read_roster(reg, f)
    assert pv.file_kind == "xls" and pv.header_rows == 2
    fields = [c.field for c in pv.columns]
    assert "birth_nam" in fields and "birth_nu" in fields
    assert [r.name for r in pv.rows] == ["Đặng Văn Lâm", "Nguyễn Thị Hà", "Hoàng Thị Thu Hương"]
    importer.apply_roster(reg, pv)
    g = {p.full_name: (p.gender, p.birth_year) for p in services.list_people(reg)}
    assert g["Đặng Văn Lâm"] == ("nam", 1990) and g["Nguyễn Thị Hà"] == ("nu", 1985)


def test_ods_roster(reg, tmp_path, demo_roster_report=None):
    from exports import report, writers

    _add_villages(reg)
    from exports.report import Column, Report

    rep = Report("danh-sach", "DANH SÁCH", [Column("Stt", "int"), Column("Họ và tên"), Column("Năm sinh", "year"),
                                            Column("Thôn/TDP"), Column("Số điện thoại", "phone")],
                 [[1, "Phạm Đức Thắng", 1969, "Tổ dân phố An Lợi", "0356789012"],
                  [2, "Lê Hữu Ước", 1995, "An Lợi", "0345678901"]])
    f = writers.write_ods(rep, tmp_path / "ds.ods")
    pv = importer.read_roster(reg, f)
    assert pv.file_kind == "ods" and pv.ok and len(pv.rows) == 2
    del report


def test_excel_artefacts_and_errors_with_row_numbers(reg, tmp_path):
    from openpyxl import Workbook

    _add_villages(reg)
    wb = Workbook()
    ws = wb.active
    ws.append(["Họ tên", "Ngày sinh", "Điện thoại", "Số CCCD", "Thôn"])
    ws.append(["Vũ Quang Định", 1980, 912345678.0, "1,08901E+11", "An Lợi"])  # CCCD lost digits
    ws.append(["Hoàng Thị Thu Hương", "1992", "12345", None, "Thôn Không Có"])
    ws.append(["Đỗ Văn Bình", 31048, "0912 345 680", None, "Đông Lợi"])  # a date serial number
    wb.save(tmp_path / "x.xlsx")
    pv = importer.read_roster(reg, tmp_path / "x.xlsx")
    by_row = {r.row: r for r in pv.rows}
    assert by_row[2].status == "error" and any(e.field == "cccd" and "mất chữ số" in e.message for e in by_row[2].errors)
    assert by_row[3].status == "error" and {e.field for e in by_row[3].errors} >= {"phone", "village"}
    assert "Thôn Không Có" in pv.unknown_villages and pv.unknown_villages["Thôn Không Có"] == [3]
    assert by_row[4].status == "new"
    assert any("01/01/1985" in w.message for w in by_row[4].warnings)  # serial → date, with a warning
    with pytest.raises(importer.ImportRejected) as e:
        importer.apply_roster(reg, pv)
    assert "Dòng 2" in e.value.message and _count_people() == 0
    # the clerk maps the unknown village and fixes nothing else: still rejected, still nothing written
    pv = importer.read_roster(reg, tmp_path / "x.xlsx", ImportOptions(village_map={"Thôn Không Có": "Đông Lợi"}))
    assert "Thôn Không Có" not in pv.unknown_villages and not pv.ok


def test_mapping_remembered_per_shape(reg, tmp_path):
    from openpyxl import Workbook

    wb = Workbook()
    ws = wb.active
    ws.append(["Họ và tên", "Cột lạ", "Năm sinh"])
    ws.append(["Phạm Đức Thắng", "0356789012", 1969])
    wb.save(tmp_path / "m.xlsx")
    pv = importer.read_roster(reg, tmp_path / "m.xlsx", ImportOptions(column_map={"B": "phone"}))
    assert pv.mapping_source == "người dùng sửa"
    importer.apply_roster(reg, pv)
    pv2 = importer.read_roster(reg, tmp_path / "m.xlsx")
    assert pv2.mapping_source == "đã lưu" and {c.field for c in pv2.columns} >= {"phone"}
    assert pv2.counts["unchanged"] == 1
    assert pv.shape in importer.saved_mappings(reg)


def test_transaction_all_or_nothing(reg, tmp_path, monkeypatch):
    _add_villages(reg)
    f = _xlsx_roster(tmp_path / "t.xlsx", lambda s: s, None)
    before = reg.path.read_bytes()
    pv = importer.read_roster(reg, f)
    from models.schema import Membership

    from models import bulk

    real = bulk._insert

    def boom(model, *a, **kw):
        if model is Membership:  # the people are in, their memberships fail
            raise RuntimeError("mất điện giữa chừng")
        return real(model, *a, **kw)

    monkeypatch.setattr(bulk, "_insert", boom)
    with pytest.raises(RuntimeError):
        importer.apply_roster(reg, pv)
    monkeypatch.setattr(bulk, "_insert", real)
    assert _count_people() == 0
    assert reg.path.read_bytes() == before  # nothing saved
    assert not services.list_audit(reg, action="nhap")


def test_cancel_writes_nothing(reg, tmp_path):
    _add_villages(reg)
    f = _xlsx_roster(tmp_path / "c.xlsx", lambda s: s, None)
    seen = []
    with pytest.raises(importer.ImportCancelled):
        importer.read_roster(reg, f, progress=lambda d, t: seen.append((d, t)), cancelled=lambda: True)
    pv = importer.read_roster(reg, f, progress=lambda d, t: seen.append((d, t)))
    assert seen[-1] == (5, 5)
    calls = iter([False, True, True, True])
    with pytest.raises(importer.ImportCancelled):
        importer.apply_roster(reg, pv, cancelled=lambda: next(calls, True))
    assert _count_people() == 0


def test_leaders_one_per_team(reg, tmp_path):
    _add_villages(reg)
    rows = [r[:5] + ("Tổ trưởng",) + r[6:] for r in ROWS[:2]]  # two leaders of An Lợi
    f = _xlsx_roster(tmp_path / "l.xlsx", lambda s: s, None, rows=rows)
    pv = importer.read_roster(reg, f)
    assert [r.status for r in pv.rows] == ["error", "error"]
    assert "một Tổ trưởng" in pv.rows[0].errors[-1].message


def test_aggregate_roster_into_province_registry(tmp_path, commune_demo_bytes):
    """A commune's roster export imported into a registry that holds many communes."""
    from exports import report, writers
    from models.db import Registry

    p = tmp_path / "demo.cnscd"
    p.write_bytes(commune_demo_bytes)
    with Registry.open(p, passphrase=PASS) as demo:
        writers.write_xlsx(report.danh_sach(demo, with_cccd=True), tmp_path / "ds.xlsx")
        n = services.stats(demo).active_members
    prov, _ = Registry.create(tmp_path / "tinh.cnscd", PASS, province="Thành phố Hải Phòng", commune="")
    with prov:
        pv = importer.read_roster(prov, tmp_path / "ds.xlsx", ImportOptions(commune="Phường Trần Hưng Đạo",
                                                                              create_villages=True))
        assert pv.ok, importer.format_preview(pv, limit=5)
        importer.apply_roster(prov, pv)
        st = services.stats(prov)
        assert st.active_members == n and st.communes == 1 and st.villages == 28
        r = report.phu_luc_1(prov)
        assert r.meta["members"] == n


# ---------------------------------------------------------------------------
# Phụ lục I aggregation: a stated total that disagrees is flagged
# ---------------------------------------------------------------------------
def _phu_luc_file(path: Path, stated: int) -> Path:
    from openpyxl import Workbook

    from models.demo import PHU_LUC_I

    wb = Workbook()
    ws = wb.active
    ws.append(["PHỤ LỤC I"])
    ws.append(["Stt", "Đơn vị", "Tổng số Tổ CNSCĐ/thôn", "Tổng số thành viên Tổ CNSCĐ"])
    for i, (name, _kind, teams, villages, members) in enumerate(PHU_LUC_I, 1):
        ws.append([i, name, f"{teams}/{villages}", members])
    ws.append(["", "Tổng", "1238/1240", stated])
    wb.save(path)
    return path


def test_phu_luc_1_stated_total_flagged(reg, tmp_path):
    f = _phu_luc_file(tmp_path / "pl1.xlsx", 7448)
    tab = importer.read_phu_luc_1(f)
    assert tab.members == 7446 and tab.stated_members == 7448 and tab.teams == 1238 and tab.villages == 1240
    assert tab.flags and "7.448" in tab.flags[0] and "7.446" in tab.flags[0]
    with pytest.raises(importer.ImportRejected):
        importer.import_phu_luc_1(reg, f, source="Quảng Nam")
    importer.import_phu_luc_1(reg, f, source="Quảng Nam", accept_flagged=True)
    rep = importer.aggregate_report(reg)
    assert rep.total[-1] == 7446 and any("7.448" in n for n in rep.notes)
    ok = _phu_luc_file(tmp_path / "ok.xlsx", 7446)
    assert importer.read_phu_luc_1(ok).flags == []


# ---------------------------------------------------------------------------
# District templates
# ---------------------------------------------------------------------------
def _template(path: Path) -> Path:
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Border, Font, Side

    thin = Side(style="thin")
    box = Border(left=thin, right=thin, top=thin, bottom=thin)
    wb = Workbook()
    ws = wb.active
    ws.title = "Mẫu 01"
    ws["A1"] = "UBND HUYỆN"
    ws["D1"] = "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM"
    ws.merge_cells("D1:G1")
    ws["A3"] = "DANH SÁCH THÀNH VIÊN TỔ CÔNG NGHỆ SỐ CỘNG ĐỒNG"
    ws.merge_cells("A3:G3")
    heads = {"A5": "STT", "B5": "Họ và tên", "C5": "Năm sinh", "E5": "Thôn/TDP", "F5": "Số điện thoại",
             "G5": "Ghi chú", "C6": "Nam", "D6": "Nữ"}
    for k, v in heads.items():
        ws[k] = v
        ws[k].font = Font(name="Times New Roman", bold=True)
    for rng in ("A5:A6", "B5:B6", "C5:D5", "E5:E6", "F5:F6", "G5:G6"):
        ws.merge_cells(rng)
    for r in (7, 8):  # two example rows
        for c in range(1, 8):
            cell = ws.cell(row=r, column=c)
            cell.border = box
            cell.font = Font(name="Times New Roman", size=13, italic=(c == 2))
            cell.alignment = Alignment(horizontal="center" if c != 2 else "left")
        ws.row_dimensions[r].height = 21
    ws["B7"] = "Nguyễn Văn Mẫu"
    ws["C7"] = 1980
    ws["A9"] = "Tổng cộng"
    ws.merge_cells("A9:B9")
    ws["C9"] = "=COUNT(C7:C8)"
    ws["D9"] = "=SUM(D7:D8)"
    ws["E11"] = "......., ngày ..... tháng ..... năm 20..."
    ws.merge_cells("E11:G11")
    ws["E12"] = "TM. ỦY BAN NHÂN DÂN"
    ws.merge_cells("E12:G12")
    ws["E16"] = "(Ký, ghi rõ họ tên)"
    ws.merge_cells("E16:G16")
    ws.row_dimensions[12].height = 30
    wb.save(path)
    return path


def test_template_fill_roster(demo, tmp_path):
    from openpyxl import load_workbook

    from exports import templates

    tpl = _template(tmp_path / "mau.xlsx")
    digest = hashlib.sha256(tpl.read_bytes()).hexdigest()
    res = templates.fill_template(demo, tpl, tmp_path / "ra.xlsx", day=dt.date(2026, 4, 10))
    assert hashlib.sha256(tpl.read_bytes()).hexdigest() == digest  # the template is only read
    assert res.kind == "danh-sach" and res.header_rows == (5, 6)
    n = services.stats(demo).active_members
    assert res.rows == n and res.inserted == n - 2
    assert res.mapping["C"].endswith("Nam") and res.mapping["D"].endswith("Nữ")
    ws = load_workbook(tmp_path / "ra.xlsx").active
    last = 7 + n - 1
    assert [ws.cell(row=7 + i, column=1).value for i in range(3)] == [1, 2, 3]
    assert ws.cell(row=last, column=1).value == n
    total = last + 1
    assert ws.cell(row=total, column=1).value == "Tổng cộng"
    assert ws.cell(row=total, column=3).value == f"=COUNT(C7:C{last})"
    assert ws.cell(row=total, column=4).value == f"=SUM(D7:D{last})"
    merged = {str(m) for m in ws.merged_cells.ranges}
    assert f"A{total}:B{total}" in merged and "C5:D5" in merged and f"E{total + 3}:G{total + 3}" in merged
    assert ws.row_dimensions[total + 3].height == 30  # the signature block moved down with its height
    assert ws.cell(row=total + 2, column=5).value == "Trần Hưng Đạo, ngày 10 tháng 4 năm 2026"
    c = ws.cell(row=last, column=2)
    assert c.font.name == "Times New Roman" and c.font.size == 13 and c.border.left.style == "thin"
    assert ws.row_dimensions[last].height == 21
    years = [ws.cell(row=r, column=3).value or ws.cell(row=r, column=4).value for r in range(7, last + 1)]
    assert sum(1 for y in years if y) >= n - 5


def test_template_stored_and_cli(demo, tmp_path, monkeypatch, capsys):
    from cnscd_tui.cli import main

    tpl = _template(tmp_path / "mau.xlsx")
    db = demo.path
    demo.close()
    monkeypatch.setenv("CNSCD_PASSPHRASE", PASS)
    assert main(["template", "fill", str(tpl), "--db", str(db), "--out", str(tmp_path / "a.xlsx"),
                 "--save", "Mẫu huyện quý"]) == 0
    assert main(["template", "list", "--db", str(db)]) == 0
    out = capsys.readouterr().out
    assert "Mẫu huyện quý" in out
    tpl.unlink()
    assert main(["template", "fill", "--saved", "Mẫu huyện quý", "--db", str(db), "--out", str(tmp_path / "b.xlsx")]) == 0
    assert (tmp_path / "b.xlsx").stat().st_size > 0


# ---------------------------------------------------------------------------
# CLI
# ---------------------------------------------------------------------------
def test_cli_import_roster(reg, tmp_path, monkeypatch, capsys):
    from cnscd_tui.cli import main

    _add_villages(reg)
    f = _xlsx_roster(tmp_path / "tcvn3.xlsx", lt.encode_tcvn3, ".VnTime")
    db = reg.path
    reg.close()
    monkeypatch.setenv("CNSCD_PASSPHRASE", PASS)
    assert main(["import", "roster", str(f), "--db", str(db), "--dry-run"]) == 0
    out = capsys.readouterr().out
    assert "Thêm mới" in out and "Nguyễn Thị Hà" in out and "chưa ghi gì" in out
    assert main(["import", "roster", str(f), "--db", str(db), "--yes", "--report", str(tmp_path / "r.txt")]) == 0
    assert "Đã nhập: thêm mới 5" in capsys.readouterr().out
    assert "thêm 5" in (tmp_path / "r.txt").read_text(encoding="utf-8")
    assert main(["import", "roster", str(f), "--db", str(db), "--yes"]) == 0
    assert "Không có gì thay đổi" in capsys.readouterr().out
    bad = tmp_path / "hong.xlsx"
    bad.write_bytes(b"PK\x03\x04" + os.urandom(200))
    assert main(["import", "roster", str(bad), "--db", str(db)]) == 4
    assert "Không đọc được tệp" in capsys.readouterr().err
    rows = [("Nguyễn Văn Lỗi", 1990.0, "Nam", "12345", None, "", "", "An Lợi")]
    f2 = _xlsx_roster(tmp_path / "loi.xlsx", lambda s: s, None, rows=rows)
    assert main(["import", "roster", str(f2), "--db", str(db), "--yes"]) == 2
    out = capsys.readouterr()
    assert "Dòng 6" in out.out and "chưa nhập gì" in out.err


def test_cli_import_phu_luc_flagged(reg, tmp_path, monkeypatch, capsys):
    from cnscd_tui.cli import main

    f = _phu_luc_file(tmp_path / "pl.xlsx", 7448)
    db = reg.path
    reg.close()
    monkeypatch.setenv("CNSCD_PASSPHRASE", PASS)
    assert main(["import", "phu-luc-1", str(f), "--db", str(db)]) == 2
    out = capsys.readouterr()
    assert "CẢNH BÁO" in out.out and "7.448" in out.out


# ---------------------------------------------------------------------------
# Malformed files never crash and never write half an import
# ---------------------------------------------------------------------------
@pytest.fixture(scope="module")
def blank_registry_bytes(tmp_path_factory) -> bytes:
    """A commune registry with the villages of ROWS, made once; every hypothesis example opens its own copy."""
    from models.db import Registry

    p = tmp_path_factory.mktemp("blank") / "so.cnscd"
    r, _ = Registry.create(p, PASS, province="Thành phố Hải Phòng", commune="Trần Hưng Đạo", commune_kind="phường")
    try:
        _add_villages(r)
    finally:
        r.close()
    return p.read_bytes()


@contextlib.contextmanager
def _fresh_registry(tmp_path_factory, data: bytes):
    from models.db import Registry

    p = tmp_path_factory.mktemp("r") / "so.cnscd"
    p.write_bytes(data)
    r = Registry.open(p, passphrase=PASS)
    try:
        yield r
    finally:
        r.close()


def _import_all_or_nothing(reg, path) -> None:
    """Read and (when the preview is clean) import ``path``: an InputError with a message and nothing
    written, or exactly the rows created — never a crash, never half an import."""
    before = _count_people()
    disk = reg.path.read_bytes()
    try:
        pv = importer.read_roster(reg, path)
        res = importer.apply_roster(reg, pv) if pv.ok else None
    except InputError as e:
        assert e.message
        assert _count_people() == before
        assert reg.path.read_bytes() == disk  # nothing saved either
    else:
        assert _count_people() == before + (res.created if res else 0)
        if res is None:
            assert reg.path.read_bytes() == disk


_HUGE = "xĐ" * 1500  # a 3,000-character cell (cheap to generate)
_cell = st.one_of(st.none(), st.integers(-10**12, 10**12), st.floats(allow_nan=True, allow_infinity=True),
                  st.booleans(), st.text(max_size=20), st.just(_HUGE), st.just("Tổng cộng"),
                  st.dates(min_value=dt.date(1800, 1, 1), max_value=dt.date(2200, 1, 1)))


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.data_too_large, HealthCheck.too_slow])
@given(rows=st.lists(st.lists(_cell, max_size=6), max_size=6), header=st.booleans())
def test_random_xlsx_never_crashes(blank_registry_bytes, tmp_path_factory, rows, header):
    from openpyxl import Workbook

    d = tmp_path_factory.mktemp("h")
    wb = Workbook()
    ws = wb.active
    if header:
        ws.append(["Họ và tên", "Năm sinh", "Số ĐT", "CCCD", "Thôn"])
    for r in rows:
        try:
            ws.append([v if not isinstance(v, str) else "".join(ch for ch in v if ch.isprintable()) for v in r])
        except Exception:
            pass
    wb.create_sheet("Trống")
    wb.save(d / "r.xlsx")
    with _fresh_registry(tmp_path_factory, blank_registry_bytes) as reg:
        _import_all_or_nothing(reg, d / "r.xlsx")


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(cut=st.integers(0, 4000), flips=st.lists(st.tuples(st.integers(0, 10**6), st.integers(0, 255)), max_size=4),
       as_csv=st.booleans())
def test_broken_files_never_crash(blank_registry_bytes, tmp_path_factory, cut, flips, as_csv):
    d = tmp_path_factory.mktemp("b")
    src = _xlsx_roster(d / "ok.xlsx", lambda s: s, None)
    data = bytearray(src.read_bytes())
    if cut:
        data = data[: max(1, len(data) - cut)]
    for pos, val in flips:
        if data:
            data[pos % len(data)] = val
    f = d / ("x.csv" if as_csv else "x.xlsx")
    f.write_bytes(bytes(data))
    with _fresh_registry(tmp_path_factory, blank_registry_bytes) as reg:
        _import_all_or_nothing(reg, f)


def test_intact_file_through_the_broken_file_path_imports_every_row(blank_registry_bytes, tmp_path_factory):
    """The all-or-nothing helper above can see a real import (so the property tests can fail)."""
    d = tmp_path_factory.mktemp("ok")
    f = _xlsx_roster(d / "ok.xlsx", lambda s: s, None)
    with _fresh_registry(tmp_path_factory, blank_registry_bytes) as reg:
        _import_all_or_nothing(reg, f)
        assert _count_people() == len(ROWS)


def test_empty_and_odd_files(reg, tmp_path):
    for name, data in [("rong.xlsx", b""), ("html.xls", b"<html><table><tr><td>x</td></tr></table></html>"),
                       ("zip.xlsx", _zip_without_workbook()), ("a.csv", b"\n\n;;;\n")]:
        (tmp_path / name).write_bytes(data)
        with pytest.raises(InputError) as e:
            importer.read_roster(reg, tmp_path / name)
        assert e.value.message
    from openpyxl import Workbook

    Workbook().save(tmp_path / "empty.xlsx")
    with pytest.raises(importer.ImportFailed, match="không có dữ liệu"):
        importer.read_roster(reg, tmp_path / "empty.xlsx")


def _zip_without_workbook() -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        z.writestr("hello.txt", "xin chào")
    return buf.getvalue()


def test_import_modules_stay_light():
    code = ("import sys; import exports.importer, exports.templates, exports.legacy_text, cnscd_tui.commands.imports; "
            "assert 'textual' not in sys.modules, 'textual imported'; "
            "bad = [m for m in ('openpyxl', 'xlrd', 'odf') if m in sys.modules]; assert not bad, bad")
    r = subprocess.run([sys.executable, "-c", code], cwd=Path(__file__).resolve().parent.parent,
                       capture_output=True, text=True)
    assert r.returncode == 0, r.stderr


def test_imported_phu_luc_1_rolls_up_into_the_report(reg, tmp_path):
    """A province registry that received Phụ lục I tables: the report rolls them up, totals from rows."""
    from exports import report, writers

    importer.import_phu_luc_1(reg, _phu_luc_file(tmp_path / "qn.xlsx", 7448), source="Quảng Nam",
                              accept_flagged=True, period="2026")
    r = report.phu_luc_1(reg, period=report.parse_period("2026"))
    assert r.total[-1] == 7446 and r.total[2:4] == [1238, 1240]
    assert len(r.rows) == 17  # the registry's own commune has no villages yet; one row per imported unit
    assert any("Quảng Nam" in n for n in r.notes) and any("7.448" in n for n in r.notes)
    out = writers.write_xlsx(r, tmp_path / "pl.xlsx")
    import openpyxl

    values = [c.value for row in openpyxl.load_workbook(out).active.iter_rows() for c in row]
    assert 7446 in values and 1238 in values and 1240 in values
    # another period's report does not count the table, and says so
    q2 = report.phu_luc_1(reg, period=report.parse_period("2026-Q2"))
    assert q2.total[-1] == 0 and any("kỳ khác" in n and "Năm 2026" in n for n in q2.notes)


# ---------------------------------------------------------------------------
# Audit fixes: totals, templates with one example row, protected files, unsure encodings
# ---------------------------------------------------------------------------
def _simple_xlsx(path: Path, rows) -> Path:
    from openpyxl import Workbook

    wb = Workbook()
    ws = wb.active
    for r in rows:
        ws.append(list(r))
    wb.save(path)
    return path


def test_person_named_tong_is_not_a_total_and_rows_below_the_total_are_named(reg, tmp_path):
    """No Stt column, two cells a row: "Tống Văn Dũng" and "Trương Bản" are people; what lies under
    the real total row is not imported, and the clerk is told which rows."""
    f = _simple_xlsx(tmp_path / "tong.xlsx", [
        ("Họ và tên", "Năm sinh"),
        ("Lê Văn An", 1980), ("Tống Văn Dũng", 1985), ("Trương Bản", 1970), ("Phạm Thị Cúc", 1990),
        ("Tổng cộng: 4 người",),
        ("Đỗ Thị Mai", 1992),  # row 7: below the total, looks like a member
        (None, "Bình An, ngày 10 tháng 4 năm 2026"),
        (None, "Người lập biểu"),
        (None, "Nguyễn Văn Ký"),
    ])
    pv = importer.read_roster(reg, f)
    assert [r.name for r in pv.rows] == ["Lê Văn An", "Tống Văn Dũng", "Trương Bản", "Phạm Thị Cúc"]
    note = next(w for w in pv.warnings if "KHÔNG được nhập" in w)
    assert "dòng 7" in note and "«Tổng cộng: 4 người» (dòng 6)" in note and "dòng 10" not in note
    assert importer.format_preview(pv).count("KHÔNG được nhập") == 1  # the CLI shows it too
    # a whole-cell label is a total whatever else the row holds; names that start like one are not
    assert importer.is_total_label("TỔNG CỘNG") and importer.is_total_label("Cộng:")
    assert not importer.is_total_label("Tống Văn Dũng") and not importer.is_total_label("Cộng Hòa 1")


def test_phu_luc_1_unit_cong_hoa_is_a_unit_not_the_total(tmp_path):
    f = _simple_xlsx(tmp_path / "pl.xlsx", [
        ("Stt", "Đơn vị", "Tổng số Tổ CNSCĐ/thôn", "Tổng số thành viên Tổ CNSCĐ"),
        (1, "Cộng Hòa 1", "1/1", 6), (2, "Cộng Hòa 2", "1/1", 5), (3, "Tổng Đài", "1/1", 7),
        ("", "Cộng", "3/3", 18),
    ])
    tab = importer.read_phu_luc_1(f)
    assert [r.unit for r in tab.rows] == ["Cộng Hòa 1", "Cộng Hòa 2", "Tổng Đài"]
    assert tab.stated_members == 18 and tab.members == 18 and not tab.flags


def _one_row_template(path: Path) -> Path:
    from openpyxl import Workbook
    from openpyxl.styles import Border, Font, Side

    thin = Side(style="thin")
    box = Border(left=thin, right=thin, top=thin, bottom=thin)
    wb = Workbook()
    ws = wb.active
    ws["A1"] = "UBND HUYỆN BÌNH SƠN"
    ws["A2"] = "(Kèm theo Công văn số 123/UBND ngày 05 tháng 3 năm 2026 của UBND huyện)"
    ws.merge_cells("A2:F2")
    for c, h in enumerate(["STT", "Họ và tên", "Ngày tháng năm sinh", "Đơn vị", "Dân tộc", "Số điện thoại"], 1):
        ws.cell(row=4, column=c, value=h).font = Font(name="Times New Roman", bold=True)
    for c, v in enumerate([1, "Tống Văn Mẫu", "01/01/1980", "Thôn Mẫu", "Kinh", "0912000000"], 1):  # the only example row
        cell = ws.cell(row=5, column=c, value=v)
        cell.font = Font(name="Times New Roman", size=13)
        cell.border = box
    ws.row_dimensions[5].height = 22
    ws["A6"] = "Cộng"
    ws.merge_cells("A6:B6")
    ws["C6"] = "=COUNTA(B5:B5)"
    ws["D8"] = "…………, ngày …… tháng …… năm 20……"
    ws.merge_cells("D8:F8")
    ws["D9"] = "NGƯỜI LẬP BIỂU"
    wb.save(path)
    return path


def test_template_with_one_example_row(demo, tmp_path):
    from openpyxl import load_workbook

    from exports import templates

    tpl = _one_row_template(tmp_path / "mau1.xlsx")
    res = templates.fill_template(demo, tpl, tmp_path / "ra1.xlsx", day=dt.date(2026, 4, 10))
    n = services.stats(demo).active_members
    assert res.rows == n and res.inserted == n - 1
    assert res.mapping["D"] == "Thôn/TDP"  # «Đơn vị» is the unit column
    ws = load_workbook(tmp_path / "ra1.xlsx").active
    last = 5 + n - 1
    names = [ws.cell(row=r, column=2).value for r in range(5, last + 1)]
    assert "Tống Văn Mẫu" not in names and all(names)  # the example row is a data row, not a total
    assert [ws.cell(row=r, column=1).value for r in (5, 6, last)] == [1, 2, n]
    for r in (5, 6, last):  # every row in the template row's own styles
        c = ws.cell(row=r, column=2)
        assert c.font.name == "Times New Roman" and c.font.size == 13 and c.border.left.style == "thin"
        assert ws.row_dimensions[r].height == 22
    total = last + 1
    assert ws.cell(row=total, column=1).value == "Cộng"
    assert ws.cell(row=total, column=3).value == f"=COUNTA(B5:B{last})"  # grew over the new rows
    assert f"A{total}:B{total}" in {str(m) for m in ws.merged_cells.ranges}
    # the example's values are gone from the columns the report does not fill
    assert all(ws.cell(row=r, column=5).value is None for r in range(5, last + 1))
    from exports import report

    rep = report.danh_sach(demo)
    vc = [c.title for c in rep.columns].index("Thôn/TDP")
    assert [ws.cell(row=r, column=4).value for r in range(5, last + 1)] == [row[vc] or None for row in rep.rows]
    # the place-and-date line below the table is filled; the header and the subtitle are not touched
    assert "ngày 10 tháng 4 năm 2026" in ws.cell(row=total + 2, column=4).value
    assert ws["C4"].value == "Ngày tháng năm sinh"
    assert ws["A2"].value == "(Kèm theo Công văn số 123/UBND ngày 05 tháng 3 năm 2026 của UBND huyện)"
    assert ws.cell(row=total + 3, column=4).value == "NGƯỜI LẬP BIỂU"


def test_template_place_date_only_in_the_signature_block(demo, tmp_path):
    """A subtitle citing a dated letter above the table and a «Ngày tháng năm sinh» header are kept; the
    two-example-row template's signature line is the only cell filled."""
    from openpyxl import load_workbook

    from exports import templates

    tpl = _template(tmp_path / "mau.xlsx")
    wb = load_workbook(tpl)
    ws = wb.active
    ws["A2"] = "(Kèm theo Công văn số 123/UBND ngày 05 tháng 3 năm 2026 của UBND huyện)"
    ws["C5"] = "Ngày tháng năm sinh"
    wb.save(tpl)
    templates.fill_template(demo, tpl, tmp_path / "ra.xlsx", day=dt.date(2026, 4, 10))
    out = load_workbook(tmp_path / "ra.xlsx").active
    filled = [c.coordinate for row in out.iter_rows() for c in row
              if isinstance(c.value, str) and "ngày 10 tháng 4 năm 2026" in c.value]
    assert len(filled) == 1 and int(filled[0][1:]) > 9
    assert out["A2"].value.startswith("(Kèm theo Công văn số 123/UBND ngày 05 tháng 3")
    assert out["C5"].value == "Ngày tháng năm sinh"


PROTECT = "mk-xa-2026"


def _protected_roster(path: Path) -> Path:
    from exports import usb

    plain = _xlsx_roster(path.with_name("plain.xlsx"), lambda s: s, None)
    path.write_bytes(usb.protect_bytes(plain.read_bytes(), PROTECT))
    plain.unlink()
    return path


def test_protected_xlsx_asks_for_its_password(reg, tmp_path):
    _add_villages(reg)
    f = _protected_roster(tmp_path / "ban-giao.xlsx")
    with pytest.raises(importer.FilePasswordRequired) as e:
        importer.read_roster(reg, f)
    assert "có đặt mật khẩu" in e.value.message and "bị hỏng" not in e.value.message
    with pytest.raises(importer.FilePasswordWrong) as e:
        importer.read_roster(reg, f, password="sai-mat-khau")
    assert "không đúng" in e.value.message and e.value.exit_code == 3
    files = sorted(p.name for p in tmp_path.iterdir())
    pv = importer.read_roster(reg, f, password=PROTECT)
    assert pv.ok and [r.name for r in pv.rows] == [r[0] for r in ROWS]
    importer.apply_roster(reg, pv)
    assert _count_people() == len(ROWS)
    assert sorted(p.name for p in tmp_path.iterdir()) == files  # decrypted in memory: no plaintext copy


def test_cli_protected_file_password_from_env_stdin_or_refused(reg, tmp_path, monkeypatch, capsys):
    from cnscd_tui.cli import main

    _add_villages(reg)
    f = _protected_roster(tmp_path / "ban-giao.xlsx")
    db = reg.path
    reg.close()
    monkeypatch.setenv("CNSCD_PASSPHRASE", PASS)
    # no password anywhere, no terminal: refused, nothing read
    assert main(["import", "roster", str(f), "--db", str(db), "--dry-run"]) == 2
    assert "CNSCD_FILE_PASSWORD" in capsys.readouterr().err
    monkeypatch.setenv("CNSCD_FILE_PASSWORD", "sai-mat-khau")
    assert main(["import", "roster", str(f), "--db", str(db), "--dry-run"]) == 3
    assert "không đúng" in capsys.readouterr().err
    monkeypatch.setenv("CNSCD_FILE_PASSWORD", PROTECT)
    assert main(["import", "roster", str(f), "--db", str(db), "--dry-run"]) == 0
    assert "Nguyễn Thị Hà" in capsys.readouterr().out
    # --passphrase-stdin: the file's password first, then the registry's
    monkeypatch.delenv("CNSCD_FILE_PASSWORD")
    monkeypatch.delenv("CNSCD_PASSPHRASE")
    monkeypatch.setattr(sys, "stdin", io.StringIO(f"{PROTECT}\n{PASS}\n"))
    assert main(["import", "roster", str(f), "--db", str(db), "--passphrase-stdin", "--yes"]) == 0
    assert "Đã nhập: thêm mới 5" in capsys.readouterr().out


def _mixed_legacy_roster(path: Path) -> Path:
    """Names pasted from two old files (VNI and TCVN3), no font recorded: no reading is clearly right."""
    rows = [("Họ và tên", "Năm sinh")]
    rows += [(lt.encode_vni(n), 1980 + i) for i, n in enumerate(NAMES[:4])]
    rows += [(lt.encode_tcvn3(n), 1990 + i) for i, n in enumerate(NAMES[4:])]
    return _simple_xlsx(path, rows)


def test_unsure_encoding_blocks_until_chosen(reg, tmp_path, monkeypatch, capsys):
    f = _mixed_legacy_roster(tmp_path / "tron.xlsx")
    pv = importer.read_roster(reg, f)
    assert not pv.ok and not pv.errors
    msg = pv.blocking[0]
    assert msg.startswith("Cột A «Họ và tên»") and "dòng 2" in msg
    assert "VNI (phông VNI-Times) là «Nguyễn Thị Hà»" in msg and "TCVN3" in msg
    with pytest.raises(importer.ImportRejected, match="Cột A"):
        importer.apply_roster(reg, pv)
    assert _count_people() == 0
    pv = importer.read_roster(reg, f, ImportOptions(encodings={"A": "vni"}))
    assert pv.ok and pv.rows[0].name == "Nguyễn Thị Hà"
    # the CLI: refused with the column and how to choose, then done with --encoding
    from cnscd_tui.cli import main

    db = reg.path
    reg.close()
    monkeypatch.setenv("CNSCD_PASSPHRASE", PASS)
    assert main(["import", "roster", str(f), "--db", str(db), "--yes"]) == 2
    out = capsys.readouterr()
    assert "LỖI: Cột A «Họ và tên»" in out.out and "--encoding A=vni" in out.err
    assert main(["import", "roster", str(f), "--db", str(db), "--yes", "--encoding", "A=vni"]) == 0
    assert "Đã nhập: thêm mới 7" in capsys.readouterr().out


def test_legacy_header_without_font_reads_as_vietnamese(reg, tmp_path):
    """«Th«n/TDP» (TCVN3, no font) names the village column read as Unicode too; the TCVN3 reading wins."""
    f = _xlsx_roster(tmp_path / "tcvn3-khong-phong.xlsx", lt.encode_tcvn3, None)
    pv = importer.read_roster(reg, f)
    headers = {c.header for c in pv.columns}
    assert {"Họ và tên", "Năm sinh", "Giới tính", "Thôn/TDP", "Chức danh", "Thành phần"} <= headers
    assert not any("«" in h or "§" in h for h in headers)


def test_text_date_serial_in_csv_is_a_date_with_a_warning(reg, tmp_path):
    f = tmp_path / "ns.csv"
    f.write_text("Họ và tên;Ngày sinh\nĐỗ Văn Bình;31048\nLê Thị Hoa;1990\n", encoding="utf-8")
    pv = importer.read_roster(reg, f)
    row = pv.rows[0]
    assert row.status == "new" and any("01/01/1985" in w.message for w in row.warnings)
    assert pv.rows[1].status == "new"


def test_reading_a_large_file_reports_progress_and_can_be_cancelled(reg, tmp_path):
    f = tmp_path / "lon.csv"
    f.write_text("Họ và tên;Năm sinh\n" + "".join(f"Nguyễn Văn Thử {i};{1960 + i % 40}\n" for i in range(1500)),
                 encoding="utf-8")
    seen = []
    book = importer.read_table(f, progress=lambda d, t: seen.append((d, t)))
    assert seen[0][0] == 500 and seen[-1][0] == seen[-1][1] >= 1501 and book.tables[0].cells
    with pytest.raises(importer.ImportCancelled):
        importer.read_roster(reg, f, cancelled=lambda: True)  # stops while the file is still being read
    assert _count_people() == 0


# ---------------------------------------------------------------------------
# The bulk people import service (models.bulk): the one write path of roster imports
# ---------------------------------------------------------------------------
def test_bulk_import_people_ids_from_sqlite_and_audit_rows(reg):
    import datetime as dt

    from models import bulk
    from models.schema import AuditLog, Membership, Person, Team

    villages = _add_villages(reg)
    # an existing person; a deleted one (SQLite may give its id again: the ids come back from SQLite itself)
    (old, _w) = services.add_person(reg, services.PersonInput(full_name="Lê Hữu Ước", birth="1970"))
    gone, _w = services.add_person(reg, services.PersonInput(full_name="Người Tạm", birth="1990"))
    services.delete_person(reg, gone.id)
    rows = [bulk.BulkPerson("Nguyễn Thị", "Hà", "nu", None, 1985, "0912345678", village=villages["An Lợi"],
                            role="to_truong", category="TRUONG_THON"),
            bulk.BulkPerson("Đặng Văn", "Lâm", "nam", dt.date(1990, 5, 1), None, village="tdp 3",
                            category="DOAN_TN", other_positions="Bí thư chi đoàn"),
            bulk.BulkPerson("Lê Hữu", "Ước", phone="0987654321", village=villages["Đông Lợi"], person_id=old.id)]
    res = bulk.import_people(reg, rows, villages=[bulk.NewVillage("tdp 3", "TDP 3")],
                             commune_id=services.home_commune(reg).id, start_date=dt.date(2026, 1, 5))
    assert (res.created, res.updated, res.unchanged) == (2, 1, 0)
    assert res.villages_created == ("Tổ dân phố 3",)
    assert set(res.teams_created) == {"Tổ CNSCĐ tổ dân phố An Lợi", "Tổ CNSCĐ tổ dân phố 3",
                                      "Tổ CNSCĐ tổ dân phố Đông Lợi"}
    with reg.read():
        ids = [i for (i,) in Person.select(Person.id).order_by(Person.id).tuples()]
        assert list(res.person_ids) == [ids[1], ids[2], old.id]  # the new people in the rows' order
        ha = Person.get_by_id(res.person_ids[0])
        assert (ha.family_name, ha.given_name, ha.phone, ha.search_key) == ("Nguyễn Thị", "Hà", "0912345678",
                                                                         "nguyen thi ha")
        lam = Person.get_by_id(res.person_ids[1])
        assert lam.village.name == "3" and lam.village.kind == "tổ dân phố" and lam.birth_date == dt.date(1990, 5, 1)
        m = Membership.get(Membership.person == lam.id)
        assert (m.role, m.category.code, m.other_positions, m.start_date) == (
            "thanh_vien", "DOAN_TN", "Bí thư chi đoàn", dt.date(2026, 1, 5))
        assert Team.get_by_id(m.team_id).note.startswith("Lập khi nhập danh sách")
        uoc = Person.get_by_id(old.id)
        assert uoc.phone == "0987654321" and uoc.village_id == villages["Đông Lợi"] and uoc.birth_year == 1970
        assert Membership.select().where(Membership.person == old.id).count() == 1
        added = {r.entity_id: r.summary for r in AuditLog.select().where((AuditLog.entity == "person")
                                                                       & (AuditLog.action == "them"))}
        assert added[ha.id] == "Thêm Nguyễn Thị Hà (nhập danh sách)" and added[lam.id] == "Thêm Đặng Văn Lâm (nhập danh sách)"
        changed = {r.field: (r.old, r.new) for r in AuditLog.select().where((AuditLog.entity == "person")
                                                                          & (AuditLog.entity_id == old.id)
                                                                          & (AuditLog.action == "sua"))}
        assert changed == {"phone": ("", "0987654321"), "village": ("", "Tổ dân phố Đông Lợi")}
        assert AuditLog.select().where((AuditLog.entity == "membership") & (AuditLog.entity_id.is_null(False))
                                       & AuditLog.summary.contains("Lê Hữu Ước vào tổ")).count() == 1
    # the same rows again: nothing new, nothing changed for the existing person
    again = bulk.import_people(reg, [rows[2]], commune_id=services.home_commune(reg).id)
    assert (again.created, again.updated, again.unchanged) == (0, 0, 1)


def test_bulk_import_people_writes_nothing_on_bad_input(reg):
    from models import bulk
    from models.schema import AuditLog, Person, Unit

    villages = _add_villages(reg)
    before = reg.path.read_bytes()
    with reg.read():
        logs, units = AuditLog.select().count(), Unit.select().count()
    good = bulk.BulkPerson("Nguyễn Thị", "Hà", village=villages["An Lợi"])
    bad_rows = [
        [good, bulk.BulkPerson("Trần Văn", "Nam", village=villages["An Lợi"], role="chu_tich")],
        [good, bulk.BulkPerson("Trần Văn", "Nam", village=villages["An Lợi"], category="KHONG_CO")],
        [good, bulk.BulkPerson("Trần Văn", "Nam", village="thôn chưa khai")],
        [good, bulk.BulkPerson("Trần Văn", "Nam", village=99999)],
        [good, bulk.BulkPerson("Trần Văn", "", village=villages["An Lợi"])],
        [good, bulk.BulkPerson("Trần Văn", "Nam", village=villages["An Lợi"], person_id=99999)],
    ]
    commune = services.home_commune(reg).id
    for rows in bad_rows:
        with pytest.raises(InputError) as e:
            bulk.import_people(reg, rows, villages=[bulk.NewVillage("tdp 3", "TDP 3")], commune_id=commune)
        assert len(e.value.errors) == 1 and e.value.message.startswith("Dòng 2 (")
    with pytest.raises(InputError, match="xã/phường"):  # new villages need their commune
        bulk.import_people(reg, [good], villages=[bulk.NewVillage("tdp 3", "TDP 3")])
    # a village that exists already: found only while writing — rolled back, the new people too
    with pytest.raises(InputError, match="đã có"):
        bulk.import_people(reg, [good], villages=[bulk.NewVillage("x", "Tổ dân phố An Lợi")], commune_id=commune)
    # a cancelled import (the progress callback raises)
    def stop(done, total):
        if done:
            raise RuntimeError("hủy")

    with pytest.raises(RuntimeError):
        bulk.import_people(reg, [good] * 60, progress=stop)
    with reg.read():
        assert (Person.select().count(), AuditLog.select().count(), Unit.select().count()) == (0, logs, units)
    assert reg.path.read_bytes() == before


def test_bulk_documents_only_under_their_prefixes(reg):
    from models import bulk

    bulk.save_document(reg, "import_mapping:abc", {"columns": {"1": "full_name"}})
    assert bulk.documents(reg, "import_mapping:") == {"import_mapping:abc": {"columns": {"1": "full_name"}}}
    with pytest.raises(InputError):
        bulk.save_document(reg, "language", "en")  # a setting goes through update_settings
    bulk.delete_document(reg, "import_mapping:abc", summary="Xóa cách ghép cột")
    assert bulk.documents(reg, "import_mapping:") == {}
    assert services.list_audit(reg, action="xoa")[0].summary == "Xóa cách ghép cột"
