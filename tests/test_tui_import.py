"""Pilot tests of the import wizard and the Templates screen (isolated HOME, fast KDF)."""

from __future__ import annotations

import threading

from cnscd_tui.app import CnscdApp
from exports import importer
from exports import legacy_text as lt
from models import services as S
from tests.conftest import PASS
from tests.test_import import ROWS, _phu_luc_file, _template, _xlsx_roster
from tests.tui_helpers import choose, open_demo, press, screen_name, screen_text, settle, type_into

SIZE = (110, 34)


async def pick_file(pilot, path) -> None:
    """In the file picker: type the path and press Enter."""
    assert screen_name(pilot.app) == "FilePicker"
    await type_into(pilot, "#picker-path", str(path))
    await press(pilot, "enter")


async def map_name(pilot, name: str, target: str) -> None:
    """In the mapping step: open the unknown name and map it."""
    app = pilot.app
    table = app.screen.query_one("#imp-names")
    table.cursor = [k[1] for k in table.keys].index(name)
    table.focus()
    await press(pilot, "enter")
    assert screen_name(app) == "NameForm"
    await choose(pilot, "#f-target", target)
    await press(pilot, "ctrl+s")
    assert screen_name(app) == "ImportScreen"


def _csv(path, rows, head=("STT", "Họ và tên", "Năm sinh", "Số ĐT", "Thôn/TDP", "Ghi chú")):
    lines = [";".join(head)] + [";".join(str(x) for x in r) for r in rows]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8-sig")
    return path


# -- roster import -------------------------------------------------------------------
NEW_VILLAGES = {"An Lợi": "An Phú", "Đông Lợi": "Đông Phú"}  # the demo has An Lợi, Đông Lợi; not these
ROWS_NEW_VILLAGES = [r[:7] + (NEW_VILLAGES[r[7]],) for r in ROWS]


async def test_wizard_tcvn3_roster_unknown_villages_then_reimport_changes_nothing(demo_path, tmp_path):
    f = _xlsx_roster(tmp_path / "ds-tcvn3.xlsx", lt.encode_tcvn3, ".VnTime", rows=ROWS_NEW_VILLAGES)
    app = CnscdApp(demo_path)
    async with app.run_test(size=SIZE) as pilot:
        await open_demo(pilot)
        before = S.stats(app.reg).active_members
        # the palette command opens the wizard, which opens the file picker
        app.open_import()
        await settle(pilot)
        await pick_file(pilot, f)
        assert screen_name(app) == "ImportScreen"
        screen = app.screen
        assert screen.step == "map"  # one sheet: straight to the columns
        text = screen_text(app)
        assert "TCVN3" in text and "Họ và tên" in text
        assert set(screen.preview.unknown_villages) == {"An Phú", "Đông Phú"}
        # unknown villages block the import until the clerk decides
        await press(pilot, "ctrl+n")
        assert screen.step == "preview"
        assert screen.preview.counts["error"] == len(ROWS)
        await press(pilot, "ctrl+s")
        assert screen_name(app) == "ImportScreen" and "dòng lỗi" in screen_text(app)
        assert S.stats(app.reg).active_members == before
        await press(pilot, "escape")
        assert screen.step == "map"
        await map_name(pilot, "An Phú", importer.CREATE)
        await map_name(pilot, "Đông Phú", importer.CREATE)
        await press(pilot, "ctrl+n")
        c = screen.preview.counts
        assert c["new"] == len(ROWS) and c["error"] == 0
        assert "Nguyễn Thị Hà" in screen_text(app)  # converted from TCVN3
        await press(pilot, "ctrl+s")
        assert screen_name(app) == "ConfirmModal"
        await press(pilot, "c")
        assert screen.step == "done"
        assert "Ctrl+N: nhập tệp khác" in screen_text(app)
        assert S.stats(app.reg).active_members == before + len(ROWS)
        names = {v.name for v in S.list_villages(app.reg)}
        assert {"An Phú", "Đông Phú"} <= names
        # the same file again: everything unchanged, nothing to write
        await press(pilot, "ctrl+n")
        await pick_file(pilot, f)
        assert screen.step == "map" and not screen.preview.unknown_villages
        await press(pilot, "ctrl+n")
        assert screen.preview.counts["unchanged"] == len(ROWS)
        await press(pilot, "ctrl+s")
        assert screen_name(app) == "ImportScreen" and "Không có gì mới" in screen_text(app)
        await press(pilot, "escape")
        await press(pilot, "escape")
        await press(pilot, "escape")
        assert screen_name(app) == "MainScreen"


async def test_wizard_column_remap_and_row_errors(demo_path, tmp_path):
    """The category sits in a «Ghi chú» column: the clerk maps it; a bad phone is an error with its row number."""
    app = CnscdApp(demo_path)
    async with app.run_test(size=SIZE) as pilot:
        await open_demo(pilot)
        village = S.list_villages(app.reg)[0].name
        f = _csv(tmp_path / "ds.csv", [
            (1, "Vũ Thị Đào", 1990, "0912345678", village, "Đoàn Thanh niên"),
            (2, "Lò Văn Ước", 1988, "12345", village, "Hội Phụ nữ"),
        ])
        before = S.stats(app.reg).active_members
        app.open_import(path=f)
        await settle(pilot)
        screen = app.screen
        assert screen.step == "map"
        col = next(c for c in screen.preview.columns if c.header == "Ghi chú")
        assert col.field == "notes"
        cols = screen.query_one("#imp-cols")
        cols.cursor = cols.keys.index(col.index)
        cols.focus()
        await press(pilot, "enter")
        assert screen_name(app) == "ColumnForm"
        await choose(pilot, "#f-field", "category")
        await press(pilot, "ctrl+s")
        col = next(c for c in screen.preview.columns if c.header == "Ghi chú")
        assert col.field == "category" and screen.preview.mapping_source == "người dùng sửa"
        await press(pilot, "ctrl+n")
        errs = screen.preview.errors
        assert [e.row for e in errs] == [3] and errs[0].field == "phone"
        text = screen_text(app)
        assert "Còn 1 dòng lỗi" in text
        await press(pilot, "ctrl+s")  # refused: nothing written, the error rows shown
        assert screen.query_one("#imp-filter").value == "error"
        assert S.stats(app.reg).active_members == before
        # fix the file, read it again (Ctrl+R): the corrected mapping is kept
        _csv(f, [
            (1, "Vũ Thị Đào", 1990, "0912345678", village, "Đoàn Thanh niên"),
            (2, "Lò Văn Ước", 1988, "0987654321", village, "Hội Phụ nữ"),
        ])
        await press(pilot, "ctrl+r")
        assert screen.preview.counts["new"] == 2 and not screen.preview.errors
        await press(pilot, "ctrl+s")
        await press(pilot, "c")
        assert screen.step == "done"
        from models.schema import Membership, Person

        with app.reg.read():
            p = Person.get((Person.given_name == "Đào") & (Person.family_name == "Vũ Thị"))
            m = Membership.get(Membership.person == p)
            code = m.category.code
        assert code == "DOAN_TN"
        # the corrected mapping is remembered for files of the same shape
        assert importer.saved_mappings(app.reg)


async def test_wizard_cancel_while_writing_leaves_registry_unchanged(demo_path, tmp_path, monkeypatch):
    from cnscd_tui.import_screen import ImportScreen

    app = CnscdApp(demo_path)
    async with app.run_test(size=SIZE) as pilot:
        await open_demo(pilot)
        village = S.list_villages(app.reg)[0].name
        rows = [(i, f"Nguyễn Văn Thử {i}", 1980 + i % 20, "", village, "") for i in range(1, 161)]
        f = _csv(tmp_path / "nhieu.csv", rows)
        gate = threading.Event()
        orig = ImportScreen._progress

        def slow(self, what):
            inner = orig(self, what)

            def report(done, total):
                inner(done, total)
                if what == "Đang ghi":
                    gate.wait(10)
            return report

        monkeypatch.setattr(ImportScreen, "_progress", slow)
        before = S.stats(app.reg).active_members
        app.open_import(path=f)
        await settle(pilot)
        screen = app.screen
        await press(pilot, "ctrl+n")
        assert screen.preview.counts["new"] == 160
        await pilot.press("ctrl+s")
        await pilot.press("c")
        await pilot.pause()
        assert screen.busy == "apply"
        await pilot.press("escape")  # stop while the worker is writing
        gate.set()
        await settle(pilot)
        assert screen.busy == "" and screen.step == "preview"
        assert "Đã dừng" in screen_text(app)
        assert S.stats(app.reg).active_members == before
    # and on disk: reopen the file
    from models.db import Registry

    reg = Registry.open(demo_path, passphrase=PASS)
    try:
        assert S.stats(reg).active_members == before
    finally:
        reg.close()


async def test_wizard_row_details_result_report_and_lock(demo_path, tmp_path):
    """Enter on a preview row shows it in full (in the form that fixes it); Ctrl+O writes the row-by-row result to the
    documents folder; locking drops what the wizard shows and unlocking reads the file again."""
    from openpyxl import load_workbook

    from cnscd_tui.reports_pane import documents_folder

    app = CnscdApp(demo_path)
    async with app.run_test(size=SIZE) as pilot:
        await open_demo(pilot)
        village = S.list_villages(app.reg)[0].name
        f = _csv(tmp_path / "ba-nguoi.csv", [(1, "Lê Văn Một", 1990, "", village, ""),
                                             (2, "Lê Văn Hai", 1991, "", village, ""),
                                             (3, "", 1992, "", village, "")])
        app.open_import(path=f)
        await settle(pilot)
        screen = app.screen
        await press(pilot, "ctrl+n")
        assert screen.step == "preview" and screen.preview.counts["error"] == 1
        rows = screen.query_one("#imp-rows")
        rows.cursor = rows.keys.index(4)  # the third person is on the file's row 4
        rows.focus()
        await press(pilot, "enter")
        # the row in full, in a form to fix it here (issue 15); nothing changed: Esc closes it
        assert screen_name(app) == "RowForm" and "Dòng 4 của tệp" in screen_text(app)
        await press(pilot, "escape")
        assert screen_name(app) == "ImportScreen"
        await press(pilot, "ctrl+o")
        assert screen_name(app) == "ConfirmModal" and "dữ liệu cá nhân" in screen_text(app)
        await press(pilot, "k")  # no password
        await settle(pilot)
        [out] = documents_folder().glob("NhapDanhSach_BaNguoi_*.xlsx")
        assert "Đã ghi bảng kết quả" in screen_text(app)
        cells = [c.value for row in load_workbook(out).active.iter_rows() for c in row]
        assert "Lê Văn Hai" in cells and "Bản xem trước: chưa nhập vào sổ." in " ".join(map(str, cells))
        # locked: nothing of the file on screen; unlocked: read again
        await press(pilot, "ctrl+l")
        assert screen_name(app) == "LockScreen"
        assert screen.preview is None and screen.query_one("#imp-rows").row_count == 0
        await type_into(pilot, "#lock-pass", PASS)
        await press(pilot, "enter")
        assert screen_name(app) == "ImportScreen" and screen.preview.counts["new"] == 2
        assert screen.query_one("#imp-rows").row_count == 3


async def test_wizard_phu_luc_1_with_wrong_stated_total(demo_path, tmp_path):
    f = _phu_luc_file(tmp_path / "pl1-quang-nam.xlsx", 7448)
    app = CnscdApp(demo_path)
    async with app.run_test(size=SIZE) as pilot:
        await open_demo(pilot)
        await press(pilot, "f7")
        await press(pilot, "ctrl+g")
        assert screen_name(app) == "FilePicker"
        await pick_file(pilot, f)
        screen = app.screen
        assert screen.kind == "phu-luc-1" and screen.step == "preview"
        text = screen_text(app)
        assert "Sai lệch" in text and "7.446" in text and "7.448" in text
        await type_into(pilot, "#imp-source", "Tỉnh Quảng Nam")
        await press(pilot, "ctrl+s")
        assert screen_name(app) == "ConfirmModal" and "CẢNH BÁO" in screen_text(app)
        await press(pilot, "c")
        assert screen.step == "done"
        tabs = importer.imported_tables(app.reg)
        assert len(tabs) == 1 and tabs[0]["source"] == "Tỉnh Quảng Nam" and tabs[0]["flags"]
        assert importer.aggregate_report(app.reg).total[-1] == 7446


async def test_file_picker_refuses_non_spreadsheet_and_typed_folder(demo_path, tmp_path):
    (tmp_path / "ghi-chu.txt").write_text("x")
    sub = tmp_path / "thu muc"
    sub.mkdir()
    app = CnscdApp(demo_path)
    async with app.run_test(size=SIZE) as pilot:
        await open_demo(pilot)
        app.open_import()
        await settle(pilot)
        await type_into(pilot, "#picker-path", str(tmp_path / "ghi-chu.txt"))
        await press(pilot, "enter")
        assert screen_name(app) == "FilePicker" and "không phải tệp bảng tính" in screen_text(app)
        await type_into(pilot, "#picker-path", str(tmp_path / "khong-co.xlsx"))
        await press(pilot, "enter")
        assert "Không thấy tệp" in screen_text(app)
        await type_into(pilot, "#picker-path", str(sub))
        await press(pilot, "enter")
        assert app.screen.query_one("#picker-tree").path == sub
        # the app's keys work here too: F1 shows the picker's own how-to
        app.screen.query_one("#picker-tree").focus()
        await press(pilot, "f1")
        assert screen_name(app) == "HelpScreen" and "Ctrl+U: tìm lại USB" in screen_text(app)
        await press(pilot, "escape")
        assert screen_name(app) == "FilePicker"
        await press(pilot, "escape")
        assert screen_name(app) == "ImportScreen"
        await press(pilot, "escape")
        assert screen_name(app) == "MainScreen"


# -- templates ----------------------------------------------------------------------------
async def test_templates_add_see_mapping_fix_and_fill(demo_path, tmp_path):
    from openpyxl import load_workbook

    tpl = _template(tmp_path / "mau-huyen.xlsx")
    original = tpl.read_bytes()
    out = tmp_path / "nop"
    app = CnscdApp(demo_path)
    async with app.run_test(size=SIZE) as pilot:
        await open_demo(pilot)
        await press(pilot, "f7")
        await press(pilot, "ctrl+t")
        assert screen_name(app) == "TemplatesScreen"
        assert "Chưa lưu mẫu nào" in screen_text(app)
        await press(pilot, "a")
        await pick_file(pilot, tpl)
        assert screen_name(app) == "AddTemplateForm"
        await type_into(pilot, "#f-name", "Danh sách huyện")
        await press(pilot, "ctrl+s")
        assert screen_name(app) == "TemplatesScreen"
        text = screen_text(app)
        assert "Danh sách huyện" in text and "Đã lưu mẫu" in text
        assert "B «Họ và tên» ← Họ và tên" in text and "G «Ghi chú» ← Ghi chú" in text
        # the clerk leaves the notes column empty
        await press(pilot, "m")
        assert screen_name(app) == "MappingForm"
        await choose(pilot, "#f-c_G", "-")
        await press(pilot, "ctrl+s")
        await settle(pilot)
        assert screen_name(app) == "TemplatesScreen"
        from exports import templates

        assert templates.list_templates(app.reg)[0].mapping == {"G": "-"}
        assert "G «Ghi chú» ← (để trống)" in screen_text(app)
        # fill it (Enter) into a folder, without a password
        await press(pilot, "enter")
        assert screen_name(app) == "FillForm"
        await type_into(pilot, "#f-folder", str(out))
        await type_into(pilot, "#f-date", "10/04/2026")
        app.screen.query_one("#f-protect").value = False
        await pilot.pause()
        await press(pilot, "ctrl+s")
        assert screen_name(app) == "TemplatesScreen", screen_text(app)
        files = list(out.glob("*.xlsx"))
        assert len(files) == 1 and "Đã điền mẫu" in screen_text(app)
        ws = load_workbook(files[0]).active
        n = S.stats(app.reg).active_members
        assert ws.cell(row=7 + n - 1, column=1).value == n
        assert all(ws.cell(row=r, column=7).value in (None, "") for r in range(7, 7 + n))
        assert any("ngày 10 tháng 4 năm 2026" in str(c.value) for row in ws.iter_rows() for c in row if c.value)
        assert tpl.read_bytes() == original  # the district's file is never modified
        # with a password: an encrypted OOXML file (OLE container)
        await press(pilot, "f")
        await type_into(pilot, "#f-folder", str(out))
        await type_into(pilot, "#f-filename", "co-mat-khau.xlsx")
        await type_into(pilot, "#f-password", "mk-huyen-2026")
        await type_into(pilot, "#f-repeat", "mk-huyen-2026")
        await press(pilot, "ctrl+s")
        assert screen_name(app) == "TemplatesScreen", screen_text(app)
        assert (out / "co-mat-khau.xlsx").read_bytes()[:4] == b"\xd0\xcf\x11\xe0"
        assert "Tệp có mật khẩu" in screen_text(app)
        # delete (asks first)
        await press(pilot, "d")
        assert screen_name(app) == "ConfirmModal"
        await press(pilot, "c")
        assert templates.list_templates(app.reg) == []


async def test_template_that_cannot_be_matched_is_not_saved(demo_path, tmp_path):
    from openpyxl import Workbook

    wb = Workbook()
    wb.active["A1"] = "Bảng không có tiêu đề cột nào quen thuộc"
    wb.active["A3"] = "Xyz"
    wb.active["B3"] = "Abc"
    f = tmp_path / "la.xlsx"
    wb.save(f)
    app = CnscdApp(demo_path)
    async with app.run_test(size=SIZE) as pilot:
        await open_demo(pilot)
        app.open_templates()
        await settle(pilot)
        await press(pilot, "a")
        await pick_file(pilot, f)
        await press(pilot, "ctrl+s")
        assert screen_name(app) == "AddTemplateForm"
        assert "Không tìm thấy dòng tiêu đề" in screen_text(app)
        from exports import templates

        assert templates.list_templates(app.reg) == []


async def test_wizard_protected_file_asks_for_the_password(demo_path, tmp_path):
    from tests.test_import import PROTECT, _protected_roster

    f = _protected_roster(tmp_path / "ban-giao.xlsx")
    files = sorted(p.name for p in tmp_path.iterdir())
    app = CnscdApp(demo_path)
    async with app.run_test(size=SIZE) as pilot:
        await open_demo(pilot)
        app.open_import(path=f)
        await settle(pilot)
        assert screen_name(app) == "OpenPasswordForm"
        assert "có mật khẩu" in screen_text(app)
        await type_into(pilot, "#f-password", "sai-mat-khau")
        await press(pilot, "ctrl+s")
        assert screen_name(app) == "OpenPasswordForm" and "không đúng" in screen_text(app)
        await type_into(pilot, "#f-password", PROTECT)
        await press(pilot, "ctrl+s")
        assert screen_name(app) == "ImportScreen"
        screen = app.screen
        assert screen.step == "map" and [r.name for r in screen.preview.rows] == [r[0] for r in ROWS]
        # Esc on the password form: nothing opened, a clear word, back to choosing a file
        screen._file_password = None
        screen.read()
        await settle(pilot)
        assert screen_name(app) == "OpenPasswordForm"
        await press(pilot, "escape")
        assert screen_name(app) == "ImportScreen" and "Chưa mở tệp có mật khẩu" in screen_text(app)
    assert sorted(p.name for p in tmp_path.iterdir() if p.suffix == ".xlsx") == [n for n in files if n.endswith(".xlsx")]


async def test_wizard_unsure_encoding_must_be_chosen_before_import(demo_path, tmp_path):
    from tests.test_import import _mixed_legacy_roster

    f = _mixed_legacy_roster(tmp_path / "tron.xlsx")
    app = CnscdApp(demo_path)
    async with app.run_test(size=SIZE) as pilot:
        await open_demo(pilot)
        before = S.stats(app.reg).active_members
        app.open_import(path=f)
        await settle(pilot)
        screen = app.screen
        assert screen.step == "map" and "Cột A: chưa rõ bảng mã" in screen_text(app)
        await press(pilot, "ctrl+n")
        await press(pilot, "ctrl+s")  # not a confirmation: the column's form, with the two readings
        assert screen_name(app) == "ColumnForm"
        text = screen_text(app)
        assert "Nguyễn Thị Hà" in text and "chưa chọn thì chưa nhập được" in text
        assert S.stats(app.reg).active_members == before
        await choose(pilot, "#f-encoding", lt.VNI)
        await press(pilot, "ctrl+s")
        assert screen_name(app) == "ImportScreen"
        assert not screen.preview.unsure_columns and screen.preview.rows[0].name == "Nguyễn Thị Hà"
        await press(pilot, "ctrl+s")
        assert screen_name(app) == "ConfirmModal"
