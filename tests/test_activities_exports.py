"""The teams' work (exports): the monthly tally sheet round trip with a sheet filled by openpyxl,
the results report and the duty rota in the official layout, the statistics sheet."""

from __future__ import annotations

import datetime as dt

import pytest
from openpyxl import load_workbook

from exports import activities as xa
from exports import tally_sheet as ts
from exports import village_stats as vs
from exports import writers
from exports.sheets import ImportRejected
from models import activities as act
from models import services
from models.errors import InputError
from models.services import PersonInput

TODAY = dt.date(2026, 12, 2)


@pytest.fixture(autouse=True)
def _fixed_today(monkeypatch):
    import models.activity_targets
    import models.tallies

    monkeypatch.setattr(models.tallies, "today", lambda: TODAY)
    monkeypatch.setattr(models.activity_targets, "today", lambda: TODAY)


@pytest.fixture
def village(reg):
    """Thôn Đông Lợi (120 households) with its team of three; the leader's name starts with «=»."""
    v = services.add_village(reg, name="Đông Lợi", kind="thôn")
    t = services.create_team(reg, unit_id=v.id, decision_number="12/QĐ-UBND", decision_date="05/01/2026")
    ids = []
    for i, name in enumerate(["=HYPERLINK(\"http://x\") Nguyễn Văn", "Trần Thị Hà", "Lê Văn Đạt"]):
        p, _ = services.add_person(reg, PersonInput(full_name=name, village_id=v.id))
        services.add_member(reg, t.id, p.id, role="to_truong" if i == 0 else "thanh_vien", start_date="05/01/2026")
        ids.append(p.id)
    act.set_denominators(reg, act.DenominatorInput(v.id, 2026, households=120, residents=450))
    return v, t, ids


def _fill(path, cells: dict):
    wb = load_workbook(path)
    ws = wb[ts.MAIN_SHEET]
    rows = {ws.cell(r, ts.CODE_COL).value: r for r in range(1, ws.max_row + 1) if ws.cell(r, ts.CODE_COL).value}
    for (code, col), value in cells.items():
        ws[f"{col}{rows[code]}"] = value
    wb.save(path)
    return rows


def test_tally_sheet_is_locked_except_the_cells_to_fill_and_names_are_text(reg, village, tmp_path):
    v, t, ids = village
    [path] = ts.write_tally_sheets(reg, "2026-11", tmp_path, team_ids=[t.id])
    assert path.name == "PhieuHoatDong_T11-2026_ToCnscdThonDongLoi.xlsx"
    wb = load_workbook(path)
    ws = wb[ts.MAIN_SHEET]
    assert wb.sheetnames == [ts.MAIN_SHEET, ts.META_SHEET] and wb[ts.META_SHEET].sheet_state == "veryHidden"
    assert ws.protection.sheet and wb.security.lockStructure
    assert ws["A2"].value == "PHIẾU TỔNG HỢP KẾT QUẢ HOẠT ĐỘNG THÁNG 11/2026"
    assert ws["A3"].value == "Tổ CNSCĐ thôn Đông Lợi — Thôn Đông Lợi"
    assert "Số hộ của Thôn Đông Lợi: 120 hộ" == ws["A4"].value
    rows = {ws.cell(r, ts.CODE_COL).value: r for r in range(1, ws.max_row + 1) if ws.cell(r, ts.CODE_COL).value}
    assert [c for c in rows if c.startswith("svc:")] == [f"svc:{s}" for s in act.SERVICE_ORDER]
    r = rows["svc:HO_SO"]
    assert ws[f"B{r}"].value == "Nộp hồ sơ trực tuyến" and ws[f"B{r}"].protection.locked
    assert all(not ws[f"{c}{r}"].protection.locked for c in "CDEF")
    leader = rows[f"member:{ids[0]}"]
    assert ws[f"B{leader}"].data_type == "s" and ws[f"B{leader}"].value.startswith("=HYPERLINK")  # text, no formula
    assert not ws[f"D{leader}"].protection.locked and ws[f"C{leader}"].protection.locked
    assert ws.column_dimensions["H"].hidden
    assert not ws.cell(rows["needs"], 1).protection.locked
    meta = dict(wb[ts.META_SHEET].iter_rows(min_row=2, max_col=2, values_only=True))
    assert meta["thang"] == "2026-11" and meta["to"] == t.id and meta["don_vi"] == "Phường Trần Hưng Đạo"
    assert wb.defined_names["CNSCD_THANG"].attr_text == '"2026-11"'


def test_round_trip_with_a_sheet_filled_by_openpyxl_counts_once(reg, village, tmp_path):
    v, t, ids = village
    [path] = ts.write_tally_sheets(reg, "2026-11", tmp_path, team_ids=[t.id])
    _fill(path, {("svc:VNEID", "C"): 14, ("svc:VNEID", "D"): 11, ("svc:VNEID", "E"): 4,
                 ("svc:KDTM", "C"): 6, ("svc:KDTM", "D"): 5, ("svc:KDTM", "F"): 3,
                 ("kind:den_tung_ho", "C"): 5, ("kind:hop_thon", "C"): 1,
                 (f"member:{ids[0]}", "D"): "x", (f"member:{ids[2]}", "D"): "x",
                 ("needs", "A"): "Người cao tuổi chưa có điện thoại thông minh."})
    found = ts.read_tally_sheets(reg, [path], period=xa.parse_activity_period("2026-Q4"))
    assert found.ok and not found.errors and found.sheets[0].people == 20 and not found.sheets[0].replaces
    assert ts.apply_tally_import(reg, found) == 1
    [saved] = act.list_tallies(reg, team_id=t.id)
    assert saved.source == "phieu" and saved.month == "2026-11" and saved.day is None
    assert [(c.service, c.people, c.households, c.priority, c.businesses) for c in saved.counts] == [
        ("VNEID", 14, 11, 4, 0), ("KDTM", 6, 5, 0, 3)]
    assert saved.kinds == (("den_tung_ho", 5), ("hop_thon", 1))
    assert saved.member_ids == (ids[0], ids[2]) and saved.needs.startswith("Người cao tuổi")
    # the same sheet again, and twice in one batch: still counted once
    again = ts.read_tally_sheets(reg, [path, path])
    assert again.sheets[0].replaces and "chỉ nhập một lần" in again.warnings[0]
    assert ts.apply_tally_import(reg, again) == 1
    assert len(act.list_tallies(reg, team_id=t.id)) == 1
    assert act.progress(reg, end="2026-11").total.period["VNEID"].people == 14
    # a corrected sheet replaces the month
    _fill(path, {("svc:VNEID", "C"): 20})
    ts.apply_tally_import(reg, ts.read_tally_sheets(reg, [path]))
    assert act.list_tallies(reg, team_id=t.id)[0].count("VNEID").people == 20


def test_a_bad_cell_is_named_and_nothing_is_saved(reg, village, tmp_path):
    v, t, ids = village
    [path] = ts.write_tally_sheets(reg, "2026-11", tmp_path, team_ids=[t.id])
    rows = _fill(path, {("svc:HO_SO", "C"): 5, ("svc:HO_SO", "D"): -3, ("svc:TK_DVC", "C"): 10,
                        ("svc:TK_DVC", "D"): 130, ("needs", "A"): "Gọi 0912 345 678"})
    found = ts.read_tally_sheets(reg, [path])
    r1, r2 = rows["svc:HO_SO"], rows["svc:TK_DVC"]
    assert not found.ok
    msgs = found.sheets[0].errors
    assert f"Ô D{r1}: Nộp hồ sơ trực tuyến — số hộ được hỗ trợ «-3»: không được nhỏ hơn 0." in msgs
    assert any(m.startswith(f"Ô D{r2}: Tạo tài khoản dịch vụ công: số hộ được hỗ trợ (130) nhiều hơn số hộ "
                            "của Thôn Đông Lợi") for m in msgs)
    assert any(m.startswith("Ô nhu cầu, khó khăn:") for m in msgs)
    with pytest.raises(ImportRejected) as e:
        ts.apply_tally_import(reg, found)
    assert path.name in e.value.message and e.value.exit_code == 2
    assert act.list_tallies(reg) == []


def test_sheets_of_another_commune_period_or_kind_are_refused(reg, village, tmp_path):
    v, t, ids = village
    [path] = ts.write_tally_sheets(reg, "2026-11", tmp_path / "here", team_ids=[t.id])
    _fill(path, {("svc:VNEID", "C"): 3, ("svc:VNEID", "D"): 3})
    found = ts.read_tally_sheets(reg, [path], period=xa.parse_activity_period("2026-Q3"))
    assert found.errors == [f"{path.name}: phiếu tháng 11/2026, không thuộc kỳ quý III năm 2026; chưa nhập."]
    elsewhere = tmp_path / "elsewhere.xlsx"  # a sheet written by another commune's registry
    wb = load_workbook(path)
    meta = {k: i for i, (k,) in enumerate(wb[ts.META_SHEET].iter_rows(min_row=1, max_col=1, values_only=True), 1)}
    wb[ts.META_SHEET][f"B{meta['don_vi']}"] = "Phường Duy Tiên"
    wb.save(elsewhere)
    refused = ts.read_tally_sheets(reg, [elsewhere])
    assert refused.errors == [f"{elsewhere.name}: phiếu của Phường Duy Tiên, không phải của Phường Trần Hưng Đạo; "
                              "chưa nhập."]
    plain = tmp_path / "plain.xlsx"
    writers.write_xlsx(xa.rota_report(reg, "2026-12"), plain)
    notes = tmp_path / "ghi-chu.txt"
    notes.write_text("không phải bảng tính", encoding="utf-8")
    found = ts.read_tally_sheets(reg, [plain, notes, tmp_path / "khong-co.xlsx"])
    assert "không phải phiếu hoạt động do chương trình" in found.sheets[0].errors[0]
    assert "không phải tệp Excel (.xlsx)" in found.sheets[1].errors[0]
    assert "không tìm thấy tệp" in found.sheets[2].errors[0]
    # written from another registry file of the same commune (another file id): accepted, with a warning
    wb = load_workbook(path)
    wb[ts.META_SHEET][f"B{meta['so']}"] = "0123456789ab"
    wb.save(path)
    found = ts.read_tally_sheets(reg, [path])
    assert found.ok and "bản sổ khác" in found.warnings[0]


def test_results_report_in_the_official_layout(reg, village, tmp_path):
    v, t, ids = village
    w = services.add_village(reg, name="Tây Lợi", kind="thôn")
    tw = services.create_team(reg, unit_id=w.id, decision_number="13/QĐ-UBND", decision_date="05/01/2026")
    act.save_tally(reg, act.TallyInput(t.id, "2026-05", kinds={"den_tung_ho": 6},
                                       counts=(act.CountInput("VNEID", 60, 50, 20),
                                               act.CountInput("HO_SO", 10, 8)), needs="Sóng 4G yếu."))
    act.save_tally(reg, act.TallyInput(t.id, "2026-01", counts=(act.CountInput("VNEID", 40, 34),)))
    act.save_tally(reg, act.TallyInput(tw.id, "2026-06", counts=(act.CountInput("LUA_DAO", 90, 40),)))
    period = xa.parse_activity_period("2026-Q2")
    reps = xa.results_reports(reg, period, day=dt.date(2026, 7, 10))
    assert [r.sheet_name for r in reps] == ["Kết quả hỗ trợ", "Tiến độ chỉ tiêu", "Hình thức hoạt động",
                                            "Nhu cầu, khó khăn"]
    res, prog, kinds, needs = reps
    assert res.title == "KẾT QUẢ HỖ TRỢ NGƯỜI DÂN CỦA TỔ CÔNG NGHỆ SỐ CỘNG ĐỒNG QUÝ II NĂM 2026"
    assert res.letterhead.place_date.endswith("ngày 10 tháng 7 năm 2026")
    assert [row[1] for row in res.rows] == ["Thôn Đông Lợi", "Thôn Tây Lợi"]
    vneid = 2 + 2 * act.SERVICE_ORDER.index("VNEID")
    assert res.rows[0][vneid:vneid + 2] == [60, 50]  # inside the quarter only (January is not)
    assert res.total[vneid:vneid + 2] == [60, 50]
    ho_dan = 2  # first target: households helped — reached, households, %, verdict (year to date: 34 + 50)
    assert prog.rows[0][ho_dan:ho_dan + 4] == [84, 120, 70.0, "Đạt"]
    assert prog.rows[1][ho_dan:ho_dan + 4] == [40, None, "chưa có số hộ", "Chưa tính được"]
    assert prog.header_rows[0][ho_dan] == "Hộ dân đã được hỗ trợ (mục tiêu 70%)"
    assert any("không bị tính trùng" in n for n in prog.notes)
    assert any(n.startswith("Tỷ lệ tính lũy kế từ 01/01/2026 đến 30/06/2026") for n in prog.notes)
    assert kinds.rows[0][2] == 6 and kinds.total[2] == 6
    assert needs.rows == [[1, "Thôn Đông Lợi", "Tổ CNSCĐ thôn Đông Lợi", "05/2026", "Sóng 4G yếu."]]
    [out] = writers.write(reps, tmp_path / xa.results_file_name(reg, period))
    assert out.name == "KetQuaHoatDong_Q2-2026_PhuongTranHungDao.xlsx"
    wb = load_workbook(out)
    assert wb.sheetnames == [r.sheet_name for r in reps]
    head = [c for row in wb["Tiến độ chỉ tiêu"].iter_rows(max_row=8, values_only=True) for c in row if c]
    assert "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM" in head and prog.title in head  # the official frame
    # a month and a year are periods too
    assert xa.parse_activity_period("11/2026").label == "Tháng 11 năm 2026"
    assert xa.parse_activity_period("2026-11").tag == "T11-2026"
    assert xa.parse_activity_period("2026").end == dt.date(2026, 12, 31)
    with pytest.raises(InputError) as e:
        xa.parse_activity_period("quý 2")
    assert "2026-11 (tháng)" in e.value.message


def test_duty_rota_report_for_a_month(reg, village, tmp_path):
    v, t, ids = village
    act.set_duty_rota(reg, [act.DutySlotInput(ids[1], 0), act.DutySlotInput(ids[2], 2, "sang")])
    r = xa.rota_report(reg, "2026-12", day=dt.date(2026, 11, 25))
    assert r.title == "LỊCH TRỰC HỖ TRỢ NGƯỜI DÂN THÁNG 12/2026" and r.personal_data
    assert r.rows[0] == [1, dt.date(2026, 12, 1), "Thứ Ba", "", "(chưa phân công)", "", ""]
    monday = next(row for row in r.rows if row[2] == "Thứ Hai")
    assert monday[1:5] == [dt.date(2026, 12, 7), "Thứ Hai", "Cả ngày", "Trần Thị Hà"]
    assert "Chưa phân công trực: Thứ Ba, Thứ Năm, Thứ Sáu." in r.notes
    assert "Trung tâm Phục vụ hành chính công" in r.notes[0]
    [out] = writers.write(r, tmp_path / xa.rota_file_name(reg, "2026-12"))
    assert out.name == "LichTruc_T12-2026_PhuongTranHungDao.xlsx"


def test_statistics_sheet_preview_then_apply(reg, village, tmp_path):
    v, t, ids = village
    services.add_village(reg, name="Tây Lợi", kind="thôn")
    sheet = tmp_path / "so-lieu.csv"
    sheet.write_text("Stt,Thôn/TDP,Tổng số hộ,Số dân,Số người trong độ tuổi lao động,Số hộ kinh doanh\n"
                     "1,Thôn Đông Lợi,130,,300,12\n"
                     "2,Tây Lợi,1.020,3.900,2.400,-4\n"
                     "3,Nam Lợi,10,20,5,1\n"
                     ",Tổng cộng,1.150,3.900,2.700,8\n", encoding="utf-8")
    p = vs.read_statistics(reg, sheet, year=2026)
    assert p.columns["households"] == "Tổng số hộ"
    assert p.errors == ["Ô F3: Số hộ kinh doanh «-4»: không được nhỏ hơn 0.", "Dòng 4: «Nam Lợi» không có trong sổ."]
    with pytest.raises(ImportRejected):
        vs.apply_statistics(reg, p)
    sheet.write_text("Thôn/TDP;Số hộ;Số dân\nĐông Lợi;130;\nTây Lợi;1.020;3.900\nTổng;1.150;3.900\n",
                     encoding="utf-8")
    p = vs.read_statistics(reg, sheet, year=2026)
    assert not p.errors and [r.changed for r in p.rows] == [["households"], ["households", "residents"]]
    assert vs.apply_statistics(reg, p) == 2
    t2026 = act.list_denominators(reg, 2026)
    assert (t2026.for_unit(v.id).households, t2026.for_unit(v.id).residents) == (130, 450)  # empty cell kept
    assert t2026.total.households == 1150 and t2026.total.residents == 4350
    assert vs.read_statistics(reg, sheet, year=2026).changes == 0


def test_the_period_report_takes_the_results_first_two_sheets_without_reading_kinds_or_needs(reg, village,
                                                                                             monkeypatch):
    """«Báo cáo kỳ» uses the counts by service and the targets' progress only: ``progress_reports``
    gives exactly those two sheets of the results, and never reads the activities' kinds and needs."""
    from models import tallies

    v, t, ids = village
    act.save_tally(reg, act.TallyInput(t.id, "2026-05", kinds={"den_tung_ho": 6},
                                       counts=(act.CountInput("VNEID", 60, 50, 20),), needs="Sóng 4G yếu."))
    period = xa.parse_activity_period("2026-Q2")
    day = dt.date(2026, 7, 10)
    full = xa.results_reports(reg, period, day=day)

    def unread(*a, **kw):
        raise AssertionError("read the kinds or the needs")

    monkeypatch.setattr(tallies, "kinds_by_unit", unread)
    monkeypatch.setattr(act, "needs_between", unread)
    two = xa.progress_reports(reg, period, day=day)
    assert [r.sheet_name for r in two] == ["Kết quả hỗ trợ", "Tiến độ chỉ tiêu"]
    for a, b in zip(two, full[:2], strict=True):
        assert (a.title, a.rows, a.total, a.notes, a.columns) == (b.title, b.rows, b.total, b.notes, b.columns)
    assert two[0].rows[0][2 + 2 * act.SERVICE_ORDER.index("VNEID")] == 60
