"""Keys typed in a burst right after a key that changes tab or opens a form (issue 15, point 2):
they land where the clerk sees the focus. ``burst`` hands all its keys to the app at once."""

from __future__ import annotations

from cnscd_tui.app import CnscdApp
from cnscd_tui.widgets import LazyTable
from tests.tui_helpers import burst, open_demo, press, screen_name, settle


async def test_letters_right_after_f4_reach_the_people_search(demo_path):
    app = CnscdApp(demo_path)
    async with app.run_test(size=(80, 24)) as pilot:
        await open_demo(pilot)
        await burst(pilot, "f4", *"dang")
        search = app.screen.query_one("#people-search")
        assert search.value == "dang"
        assert app.focused is search
        table = app.screen.query_one("#people-table", LazyTable)
        assert table.row_count > 0
        from models.text import fold

        assert all("dang" in fold(row[0]) for row in table.rows)


async def test_a_page_key_right_after_f5_opens_its_form_with_the_keys_typed_after(demo_path):
    app = CnscdApp(demo_path)
    async with app.run_test(size=(80, 24)) as pilot:
        await open_demo(pilot)
        # from the dashboard: F5, then «a» (add a course) and the title, all at once
        await burst(pilot, "f5", "a", *"Tap huan B")
        assert screen_name(app) == "CourseForm"
        assert app.screen.query_one("#f-title").value == "Tap huan B"


async def test_letters_right_after_f8_filter_the_log(demo_path):
    app = CnscdApp(demo_path)
    async with app.run_test(size=(80, 24)) as pilot:
        await open_demo(pilot)
        await burst(pilot, "f4", "f8", *"xyz")
        assert app.screen.query_one("#audit-search").value == "xyz"
        assert app.screen.query_one("#people-search").value == ""


async def test_keys_typed_right_after_enter_on_a_person_land_in_the_form(demo_path):
    """Enter on a row opens the person's form (after a read): the letters typed at once go into its
    first field — not to the list, where «a» would open the new-person form and «d» a delete."""
    app = CnscdApp(demo_path)
    async with app.run_test(size=(80, 24)) as pilot:
        await open_demo(pilot)
        await press(pilot, "f4")
        await burst(pilot, "down", "enter", *"Ada Do")
        assert screen_name(app) == "PersonForm"
        form = app.screen
        assert form.detail is not None  # the person's own form, not a new one
        assert form.query_one("#f-full_name").value == "Ada Do"
        await press(pilot, "escape")
        if screen_name(app) == "ConfirmModal":
            await press(pilot, "c")
        await settle(pilot)
        assert screen_name(app) == "MainScreen"
        # back on the list, which still has the focus
        assert isinstance(app.focused, LazyTable)


async def test_keys_typed_right_after_enter_on_equipment_land_in_the_form(demo_path):
    app = CnscdApp(demo_path)
    async with app.run_test(size=(80, 24)) as pilot:
        await open_demo(pilot)
        await press(pilot, "f6")
        assert isinstance(app.focused, LazyTable) and app.focused.row_count > 0
        await burst(pilot, "enter", "tab", *"Kho da")
        assert screen_name(app) == "EquipmentForm"
        assert app.screen.item is not None
        assert app.screen.query_one("#f-place").value == "Kho da"


def test_the_tui_command_passes_debug_on(monkeypatch, tmp_path, log_folder):
    """``cnscd --debug`` (no command: the TUI) runs the TUI with the detailed log."""
    from cnscd_tui import app as app_module
    from cnscd_tui import cli

    seen = {}

    def fake_run_app(path, demo_passphrase=None, *, debug=None):
        seen["debug"] = debug
        return 0

    monkeypatch.setattr(app_module, "run_app", fake_run_app)
    assert cli.main(["--db", str(tmp_path / "so.cnscd"), "--debug"]) == 0
    assert seen == {"debug": True}
    assert cli.main(["--db", str(tmp_path / "so.cnscd")]) == 0
    assert seen == {"debug": False}
