"""The import wizard (issue 15 item 9, issue 13 item 1): each row's category and the count per
category before anything is written; an unsure position title chosen by the clerk; a row's error
fixed in the wizard (the file is not changed); Esc asks before throwing the fixes away; the valid
rows imported on their own when the clerk asks (the others written to a file)."""

from __future__ import annotations

import pytest

from cnscd_tui.app import CnscdApp
from cnscd_tui.widgets import Pick
from models import services as S
from tests.tui_helpers import burst, choose, open_demo, press, screen_name, screen_text, settle, type_into

SIZES = pytest.mark.parametrize("size", [(80, 24), (120, 40)], ids=["80x24", "120x40"])
HEAD = ("STT", "Họ và tên", "Năm sinh", "Số ĐT", "Thôn/TDP", "Chức vụ")


def _roster(path, village: str):
    rows = [
        (1, "Vũ Thị Đào", 1990, "0912345678", village, "Bí thư Chi đoàn"),  # Đoàn Thanh niên, not Bí thư chi bộ
        (2, "Lò Văn Ước", 1988, "0987654321", village, "Trưởng ban công tác Mặt trận"),  # Mặt trận
        (3, "Hà Thị Mơ", 1979, "12345", village, "Chi hội trưởng phụ nữ"),  # a bad phone
        (4, "Đinh Văn Lực", 1985, "0901234567", village, "Thủ kho"),  # cannot be placed: asked
        (5, "Phùng Văn Sơn", 1970, "0934567890", village, "Công an viên"),
    ]
    lines = [";".join(HEAD)] + [";".join(str(x) for x in r) for r in rows]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8-sig")
    return path


async def _open_preview(pilot, path):
    app = pilot.app
    app.open_import(path=path)
    await settle(pilot)
    screen = app.screen
    assert screen_name(app) == "ImportScreen" and screen.step == "map"
    await press(pilot, "ctrl+n")
    assert screen.step == "preview"
    return screen


def _row(screen, n):
    return next(r for r in screen.preview.rows if r.row == n)


async def _open_row(pilot, screen, n):
    table = screen.query_one("#imp-rows")
    table.cursor = table.keys.index(n)
    table.focus()
    await press(pilot, "enter")
    assert screen_name(pilot.app) == "RowForm"


@SIZES
async def test_preview_shows_categories_and_counts_and_the_clerk_fixes_rows(demo_path, tmp_path, size):
    app = CnscdApp(demo_path)
    async with app.run_test(size=size) as pilot:
        await open_demo(pilot)
        village = S.list_villages(app.reg)[0]
        f = _roster(tmp_path / "ds.csv", village.name)
        original = f.read_bytes()
        before = S.stats(app.reg).active_members
        screen = await _open_preview(pilot, f)
        pv = screen.preview
        assert _row(screen, 2).category == "DOAN_TN" and _row(screen, 3).category == "MTTQ"
        assert _row(screen, 5).category_asked  # «Thủ kho»: the clerk must choose
        text = screen_text(app)
        assert "Thành phần" in text and "Đoàn Thanh niên" in text  # each row's category is shown
        flat = " ".join(text.split())
        assert "Theo thành phần:" in flat and "(chưa rõ — cần chọn) 1" in flat
        assert pv.counts["error"] == 2  # the bad phone, the asked title
        # the asked row: Enter, choose its category (for every row with that title)
        await _open_row(pilot, screen, 5)
        assert "cho mọi dòng có chức vụ «Thủ kho»" in screen_text(app)
        await choose(pilot, "#f-category", "KHAC")
        await press(pilot, "ctrl+s")
        assert screen_name(app) == "ImportScreen"
        assert not _row(screen, 5).category_asked and _row(screen, 5).category == "KHAC"
        # the bad phone: fixed here, the file unchanged
        await _open_row(pilot, screen, 4)
        await type_into(pilot, "#f-phone", "0976543210")
        await press(pilot, "ctrl+s")
        assert screen.preview.counts["error"] == 0 and screen.preview.counts["new"] == 5
        assert f.read_bytes() == original
        # the fixes stay when the file is read again (Ctrl+R)
        await press(pilot, "ctrl+r")
        assert screen.preview.counts["error"] == 0
        await press(pilot, "ctrl+s")
        await press(pilot, "c")
        assert screen.step == "done"
        assert S.stats(app.reg).active_members == before + 5
        mo = next(r for r in S.list_people(app.reg) if r.full_name == "Hà Thị Mơ")
        assert mo.phone == "0976543210"
        cats = {m.category_name for _t, m in S.person_detail(app.reg, mo.id).memberships}
        assert cats == {"Hội Liên hiệp Phụ nữ"}


async def test_esc_asks_before_closing_a_wizard_with_fixes(demo_path, tmp_path):
    app = CnscdApp(demo_path)
    async with app.run_test(size=(80, 24)) as pilot:
        await open_demo(pilot)
        f = _roster(tmp_path / "ds.csv", S.list_villages(app.reg)[0].name)
        screen = await _open_preview(pilot, f)
        await _open_row(pilot, screen, 4)
        await type_into(pilot, "#f-phone", "0976543210")
        await press(pilot, "ctrl+s")
        await press(pilot, "escape")  # preview → columns
        await press(pilot, "escape")  # columns → file
        assert screen.step == "file"
        await press(pilot, "escape")  # would close: asks first
        assert screen_name(app) == "ConfirmModal"
        await press(pilot, "k")
        assert screen_name(app) == "ImportScreen" and screen.edits
        await press(pilot, "escape")
        await press(pilot, "c")
        assert screen_name(app) == "MainScreen"


async def test_only_the_valid_rows_imported_when_the_clerk_asks(demo_path, tmp_path):
    app = CnscdApp(demo_path)
    async with app.run_test(size=(120, 40)) as pilot:
        await open_demo(pilot)
        f = _roster(tmp_path / "ds.csv", S.list_villages(app.reg)[0].name)
        before = S.stats(app.reg).active_members
        screen = await _open_preview(pilot, f)
        await press(pilot, "ctrl+s")  # all or nothing: refused
        assert S.stats(app.reg).active_members == before
        await press(pilot, "ctrl+e")
        assert screen_name(app) == "ConfirmModal" and "bỏ qua 2 dòng có lỗi" in screen_text(app)
        await press(pilot, "c")
        assert screen.step == "done"
        assert S.stats(app.reg).active_members == before + 3
        assert "Bỏ qua 2 dòng có lỗi" in screen_text(app).replace("\n", " ")
        skipped = [p for p in tmp_path.iterdir() if "chua-nhap" in p.name]
        assert len(skipped) == 1  # the rows left out, with their reasons, next to the file


async def test_a_name_chosen_from_the_list_in_the_map_step_is_typed(demo_path, tmp_path):
    """Unknown village names: the choice is typed (accent-insensitive) from the registry's list."""
    app = CnscdApp(demo_path)
    async with app.run_test(size=(80, 24)) as pilot:
        await open_demo(pilot)
        f = _roster(tmp_path / "ds.csv", "Xom Khong Co")
        app.open_import(path=f)
        await settle(pilot)
        screen = app.screen
        table = screen.query_one("#imp-names")
        table.cursor = [k[1] for k in table.keys].index("Xom Khong Co")
        table.focus()
        await press(pilot, "enter")
        assert screen_name(app) == "NameForm"
        assert isinstance(app.screen.query_one("#f-target"), Pick)  # typed, not a drop-down
        target = S.list_villages(app.reg)[1]
        await burst(pilot, *target.name.lower(), "enter")
        await settle(pilot)
        assert screen_name(app) == "ImportScreen", screen_text(app)
        assert not screen.preview.unknown_villages  # the typed choice took
