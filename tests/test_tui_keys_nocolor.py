"""Without colour (NO_COLOR, issue 15 point 8): a list's cursor row reads from its text alone."""

from __future__ import annotations

from cnscd_tui.app import CnscdApp
from cnscd_tui.widgets import LazyTable
from tests.tui_helpers import open_demo, press, screen_text


def _table_lines(app, table: LazyTable) -> list[str]:
    return [table.render_line(y).text for y in range(1, min(table.size.height, table.row_count + 1))]


async def test_the_cursor_row_is_marked_without_colour(demo_path, monkeypatch):
    monkeypatch.setenv("NO_COLOR", "1")
    app = CnscdApp(demo_path)
    async with app.run_test(size=(80, 24)) as pilot:
        await open_demo(pilot)
        await press(pilot, "f4", "down", "down", "down")
        table = app.screen.query_one("#people-table", LazyTable)
        assert app.focused is table and table.cursor == 2
        lines = _table_lines(app, table)
        marked = [i for i, line in enumerate(lines) if line.startswith("▸")]
        assert marked == [2], lines[:5]
        name = table.rows[2][0]
        assert lines[2].startswith("▸" + name)
        assert all(line.startswith(" ") for i, line in enumerate(lines) if i != 2)
        # on the screen too, and in reverse video (what Textual keeps without colour)
        assert ("▸" + name) in screen_text(app)
        strip = table.render_line(3)
        assert any(seg.style is not None and seg.style.reverse for seg in strip)
        # the mark follows the cursor
        await press(pilot, "up")
        assert _table_lines(app, table)[1].startswith("▸" + table.rows[1][0])


async def test_with_colour_no_gutter_is_added(demo_path):
    app = CnscdApp(demo_path)
    async with app.run_test(size=(80, 24)) as pilot:
        await open_demo(pilot)
        await press(pilot, "f4", "down")
        table = app.screen.query_one("#people-table", LazyTable)
        assert not app.no_color
        assert _table_lines(app, table)[0].startswith(table.rows[0][0])
        assert "▸" not in screen_text(app)
