"""Pilot tests of the «Hoạt động» tab (F10) and the dashboard's progress: the month grid (typed
fast, saved with Ctrl+S, errors naming the cell), the month selector, progress per village,
needs, the duty rota and the households per village; text snapshots at 80×24 and 120×40."""

from __future__ import annotations

import inspect

import pytest

from cnscd_tui.app import CnscdApp
from models import activities as A, services as S
from models.demo_activities import add_year_of_work
from tests.test_tui_snapshots import check
from tests.tui_helpers import open_demo, press, screen_name, screen_text, settle, type_into

SIZE = (100, 32)
DEMO_MONTH = inspect.signature(add_year_of_work).parameters["last_month"].default  # the demo's last month


async def burst(pilot, *keys: str) -> None:
    """Keys handed to the app at once, none waiting for the one before (a fast typist, a paste)."""
    from textual import events

    app = pilot.app
    for key in keys:
        event = events.Key(key, key if len(key) == 1 else None)
        event.set_sender(app)
        app._driver.send_message(event)
    await settle(pilot)


async def open_tab(pilot, month: str = DEMO_MONTH):
    await open_demo(pilot)
    await press(pilot, "f10")
    pane = pilot.app.screen.query_one("#pane-hoat-dong")
    if pane.month != month:
        pane.set_month(month)
        await settle(pilot)
    return pane


def toasts(app) -> str:
    """The notifications on screen (a toast wraps its words across lines of its box)."""
    return " ".join(n.message for n in app._notifications)


def grid_row(reg, month: str, team_id: int):
    return next(r for r in A.month_grid(reg, month).rows if r.team_id == team_id)


# -- the grid ----------------------------------------------------------------------------------
async def test_grid_takes_numbers_typed_fast_and_saves_with_ctrl_s(demo_path):
    app = CnscdApp(demo_path)
    async with app.run_test(size=SIZE) as pilot:
        pane = await open_tab(pilot)
        grid = pane.grid
        assert app.focused is grid and grid.line == 0 and grid.col == 0
        first, second = grid.rows[0], grid.rows[1]
        # people of the first service, Tab, people of the second; ↓ to households; Enter moves down
        await burst(pilot, "1", "2", "3", "tab", "4", "5", "down", "6", "enter", "9", "8", "backspace")
        assert grid.changed == 4
        text = screen_text(app)
        assert "123*" in text and "45*" in text and "6*" in text
        assert "4 ô chưa lưu" in text
        await press(pilot, "ctrl+s")
        row = grid_row(app.reg, DEMO_MONTH, first.team_id)
        assert (row.cells["TK_DVC"].people, row.cells["HO_SO"].people, row.cells["HO_SO"].households) == (123, 45, 6)
        # Enter went down to the next team's people; Backspace took one digit back
        assert grid_row(app.reg, DEMO_MONTH, second.team_id).cells["HO_SO"].people == 9
        text = screen_text(app)
        assert grid.changed == 0 and "123*" not in text and "123" in text
        assert any("Bảng nhập hoạt động" in e.summary for e in S.list_audit(app.reg))


async def test_grid_refuses_a_count_above_the_village_households_naming_the_cell(demo_path):
    app = CnscdApp(demo_path)
    async with app.run_test(size=SIZE) as pilot:
        pane = await open_tab(pilot)
        grid = pane.grid
        i, village = next((i, r) for i, r in enumerate(grid.rows) if r.households_cap)
        grid.move_to(village.team_id, "VNEID", "households")
        before = grid_row(app.reg, DEMO_MONTH, village.team_id).cells
        await burst(pilot, *str(village.households_cap + 1))
        await press(pilot, "ctrl+s")
        text = screen_text(app).replace("\n", " ")
        assert "Chưa lưu" in text and "!" in text
        msg = grid.errors[(village.team_id, "VNEID", "households")]
        assert village.team_name in msg and "VNeID" in msg and "số hộ" in msg
        assert grid.current_key == (village.team_id, "VNEID", "households")  # the cursor is on the cell
        assert grid_row(app.reg, DEMO_MONTH, village.team_id).cells == before  # nothing written
        # a minus sign is not a count: said, naming the cell
        await burst(pilot, "-")
        assert "chỉ nhận số nguyên không âm" in screen_text(app)
        # fixed: saved, the mark goes
        await burst(pilot, "delete", "9")
        await press(pilot, "ctrl+s")
        assert grid_row(app.reg, DEMO_MONTH, village.team_id).cells["VNEID"].households == 9
        assert not grid.errors


async def test_month_selector_asks_before_dropping_unsaved_cells(demo_path):
    from textual.widgets import Select

    app = CnscdApp(demo_path)
    async with app.run_test(size=SIZE) as pilot:
        pane = await open_tab(pilot)
        await burst(pilot, "7", "7")
        other = A.parse_month(f"{int(DEMO_MONTH[5:]) - 1}/{DEMO_MONTH[:4]}")
        sel = app.screen.query_one("#act-month", Select)
        sel.value = other
        await settle(pilot)
        assert screen_name(app) == "ConfirmModal" and "chưa lưu" in screen_text(app)
        await press(pilot, "k")  # no: stay on the month, keep the cells
        assert pane.month == DEMO_MONTH and sel.value == DEMO_MONTH and pane.grid.changed == 1
        sel.value = other
        await settle(pilot)
        await press(pilot, "c")  # yes
        assert pane.month == other and pane.grid.changed == 0
        assert "tháng" in screen_text(app).casefold()


async def test_quit_with_unsaved_cells_asks_first(demo_path):
    app = CnscdApp(demo_path)
    async with app.run_test(size=SIZE) as pilot:
        await open_tab(pilot)
        await burst(pilot, "5")
        await press(pilot, "ctrl+q")
        assert screen_name(app) == "ConfirmModal" and "1 ô chưa lưu" in screen_text(app)
        await press(pilot, "k")
        assert app.is_running and screen_name(app) == "MainScreen"
        await press(pilot, "ctrl+q")
        await press(pilot, "c")
        assert not app.is_running


# -- progress, households, needs, rota ---------------------------------------------------------
async def test_progress_says_what_cannot_be_computed_and_households_are_editable(demo_path):
    app = CnscdApp(demo_path)
    async with app.run_test(size=SIZE) as pilot:
        pane = await open_tab(pilot)
        await press(pilot, "t")
        assert pane.view == "tien-do"
        table = app.screen.query_one("#act-progress-table")
        assert app.focused is table
        missing = next(r for r in A.progress(app.reg, end=DEMO_MONTH).rows
                       if r.kind == "thon" and r.denominators and r.denominators.households is None)
        row = table.rows[table.keys.index(missing.unit_id)]
        assert row[1] == "chưa có"  # not 0%
        assert any("✓" in c or "▼" in c for r in table.rows for c in r[1:])
        table.cursor = table.keys.index(missing.unit_id)
        await settle(pilot)
        assert "chưa có số hộ" in screen_text(app)
        await press(pilot, "enter")
        assert screen_name(app) == "DenominatorForm"
        await type_into(pilot, "#f-households", "-3")
        await press(pilot, "ctrl+s")
        assert screen_name(app) == "DenominatorForm" and "Số hộ" in screen_text(app)
        await type_into(pilot, "#f-households", "400")
        await press(pilot, "ctrl+s")
        assert screen_name(app) == "MainScreen"
        year = int(DEMO_MONTH[:4])
        assert A.list_denominators(app.reg, year).for_unit(missing.unit_id).households == 400
        row = table.rows[table.keys.index(missing.unit_id)]
        assert row[1] != "chưa có" and "%" in row[1]
        # the households view: the commune's total is computed, not editable
        await press(pilot, "h")
        dens = app.screen.query_one("#act-dens-table")
        assert app.focused is dens and dens.keys[-1] is None and "tự tính" in dens.rows[-1][0]
        dens.cursor = len(dens.keys) - 1
        await press(pilot, "e")
        assert screen_name(app) == "MainScreen" and "tính tự động" in toasts(app)


async def test_targets_can_be_changed(demo_path):
    app = CnscdApp(demo_path)
    async with app.run_test(size=SIZE) as pilot:
        await open_tab(pilot)
        await press(pilot, "t", "c")
        assert screen_name(app) == "TargetsForm"
        await type_into(pilot, "#f-ho_dan", "60")
        await press(pilot, "ctrl+s")
        assert screen_name(app) == "MainScreen"
        assert next(t for t in A.get_targets(app.reg) if t.metric == "ho_dan").percent == 60
        assert "Hộ dân 60%" in screen_text(app)


async def test_needs_list_and_full_text(demo_path):
    app = CnscdApp(demo_path)
    async with app.run_test(size=SIZE) as pilot:
        await open_tab(pilot)
        await press(pilot, "n")
        table = app.screen.query_one("#act-needs-table")
        needs = A.needs_between(app.reg, f"{DEMO_MONTH[:4]}-01", DEMO_MONTH)
        assert table.row_count == len(needs) > 0
        assert table.rows[0][0] == f"{DEMO_MONTH[5:]}/{DEMO_MONTH[:4]}"  # newest first
        await press(pilot, "enter")
        assert screen_name(app) == "MessageModal"
        assert needs[-1].text[:30] in screen_text(app).replace("\n", " ")


async def test_duty_rota_add_and_remove(demo_path):
    app = CnscdApp(demo_path)
    async with app.run_test(size=SIZE) as pilot:
        await open_tab(pilot)
        await press(pilot, "l")
        table = app.screen.query_one("#act-rota-table")
        before = len(A.list_duty_rota(app.reg))
        assert table.row_count == before
        on_rota = {s.person_id for s in A.list_duty_rota(app.reg)}
        member = next(m for t in S.list_teams(app.reg) for m in S.team_detail(app.reg, t.id).members
                      if m.person_id not in on_rota)
        await press(pilot, "a")
        assert screen_name(app) == "PersonPicker"
        await type_into(pilot, "#picker-search", member.full_name)
        await settle(pilot)
        picker = app.screen.query_one("#picker-table")
        picker.focus()
        picker.cursor = picker.keys.index(member.person_id)
        await press(pilot, "enter")
        assert screen_name(app) == "DutyForm" and member.full_name in screen_text(app)
        await press(pilot, "ctrl+s")
        assert screen_name(app) == "MainScreen"
        slots = A.list_duty_rota(app.reg)
        assert len(slots) == before + 1 and table.row_count == before + 1
        new = next(s for s in slots if s.person_id == member.person_id)
        table.focus()
        table.cursor = table.keys.index(new.id)
        await press(pilot, "d")
        assert screen_name(app) == "ConfirmModal" and member.full_name in screen_text(app)
        await press(pilot, "c")
        assert len(A.list_duty_rota(app.reg)) == before and table.row_count == before


async def test_keys_of_each_view_in_the_footer_at_80_columns(demo_path):
    from tests.tui_helpers import footer_line

    app = CnscdApp(demo_path)
    async with app.run_test(size=(80, 24)) as pilot:
        await open_tab(pilot)
        line = footer_line(app)
        assert "Lưu" in line and "Tháng" in line and "Thêm" not in line
        assert "Hoạt động" in screen_text(app).splitlines()[1]  # the tab is in view at 80 columns
        await press(pilot, "l")
        line = footer_line(app)
        assert "Thêm" in line and "Xóa" in line and "Lưu" not in line
        await press(pilot, "h")
        assert "Sửa số hộ" in footer_line(app)
        await press(pilot, "f1")
        text = screen_text(app)
        assert screen_name(app) == "HelpScreen" and "Bảng nhập" in text and "Lịch trực" in text


# -- the dashboard -----------------------------------------------------------------------------
async def test_dashboard_says_what_is_behind_and_enter_opens_the_village(demo_path):
    app = CnscdApp(demo_path)
    async with app.run_test(size=(120, 40)) as pilot:
        await open_demo(pilot)
        dash = app.screen.query_one("#pane-tong-quan")
        progress = A.progress(app.reg)
        text = screen_text(app)
        assert "Tiến độ so với mục tiêu" in text
        first_village = next(b for b in progress.behind_items if b.unit_id)
        assert f"{first_village.unit_name}:" in text and "— mục tiêu" in text
        ol = app.screen.query_one("#dash-progress")
        oid = next(k for k, v in dash.progress_targets.items() if v == ("activity", first_village.unit_id))
        ol.focus()
        ol.highlighted = ol.get_option_index(oid)
        await press(pilot, "enter")
        pane = app.screen.query_one("#pane-hoat-dong")
        assert app.screen.query_one("TabbedContent").active == "hoat-dong" and pane.view == "tien-do"
        table = app.screen.query_one("#act-progress-table")
        assert table.current_key == first_village.unit_id and app.focused is table
        # a village without a household count: said so (not 0%), Enter goes to its figures
        await press(pilot, "f2")
        unknown = next(b for b in progress.unknown_items)
        oid = next(k for k, v in dash.progress_targets.items() if v == ("activity-households", unknown.unit_id))
        assert f"{unknown.unit_name}: chưa có số hộ" in str(ol.get_option(oid).prompt)
        ol.focus()
        ol.highlighted = ol.get_option_index(oid)
        await press(pilot, "enter")
        assert pane.view == "so-ho" and app.screen.query_one("#act-dens-table").current_key == unknown.unit_id


def test_dashboard_lines_start_with_a_capital_letter():
    from cnscd_tui.panes.dashboard import sentence_case

    assert sentence_case("thôn Phong Thịnh chưa có tổ.") == "Thôn Phong Thịnh chưa có tổ."
    assert sentence_case("có 4 thành viên, ít hơn mức tối thiểu 5. thiếu thành phần MTTQ.") == \
        "Có 4 thành viên, ít hơn mức tối thiểu 5. Thiếu thành phần MTTQ."
    assert sentence_case("33/189 thành viên") == "33/189 thành viên"
    assert sentence_case("1.240 tổ. đạt") == "1.240 tổ. Đạt"


async def test_new_registry_dashboard_lines_are_capitalised(tmp_path):
    from models.db import Registry
    from tests.conftest import PASS

    path = tmp_path / "so.cnscd"
    reg, _ = Registry.create(path, PASS, province="Ninh Bình", commune="Gia Viễn")
    S.add_village(reg, name="Phong Thịnh", kind="thôn")
    reg.close()
    app = CnscdApp(path)
    async with app.run_test(size=(120, 40)) as pilot:
        await open_demo(pilot)
        ol = app.screen.query_one("#dash-findings")
        lines = [str(ol.get_option_at_index(i).prompt) for i in range(ol.option_count)]
        for line in lines:
            body = line.split("] ", 1)[-1]
            assert body[:1].isupper() or not body[:1].isalpha(), line


# -- snapshots ---------------------------------------------------------------------------------
VIEWS = [("hoat-dong", []), ("hoat-dong-tien-do", ["t"]), ("hoat-dong-lich-truc", ["l"]),
         ("hoat-dong-so-ho", ["h"])]


@pytest.mark.parametrize("size", [(80, 24), (120, 40)], ids=["80x24", "120x40"])
async def test_activity_screens_snapshots(tmp_path, commune_demo_bytes, size):
    path = tmp_path / "demo.cnscd"
    path.write_bytes(commune_demo_bytes)
    app = CnscdApp(path)
    async with app.run_test(size=size) as pilot:
        pane = await open_tab(pilot)
        problems = []
        for name, keys in VIEWS:
            await press(pilot, "b")
            for key in keys:
                await press(pilot, key)
            assert pane.month == DEMO_MONTH
            problems.append(check(f"{name}_{size[0]}x{size[1]}", screen_text(app)))
    assert not any(problems), "\n".join(p for p in problems if p)


async def test_palette_opens_each_view(demo_path):
    app = CnscdApp(demo_path)
    async with app.run_test(size=SIZE) as pilot:
        await open_demo(pilot)
        commands = {title: cb for title, _help, cb in app.screen.palette_commands()}
        assert "Hoạt động (F10)" in commands
        commands["Hoạt động: Lịch trực (L)"]()
        await settle(pilot)
        pane = app.screen.query_one("#pane-hoat-dong")
        assert app.screen.query_one("TabbedContent").active == "hoat-dong" and pane.view == "lich-truc"
        assert app.focused is app.screen.query_one("#act-rota-table")
