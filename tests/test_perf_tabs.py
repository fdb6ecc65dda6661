"""Opening a tab at province scale (issue 19): what a tab shows is made ready in its read, off
the screen's thread, and the people tab does not fill a long filter box until the clerk goes
to it — nor fill it again after a save that has not changed its choices."""

from __future__ import annotations

import datetime as dt
import threading

from textual.widgets import Select

import cnscd_tui.panes.people as people_pane
from cnscd_tui.app import CnscdApp
from models import services as S
from tests.tui_helpers import choose, open_demo, press, screen_text, settle

SIZE = (120, 40)


def _choices(sel: Select) -> list:
    return [value for _label, value in sel._options if value is not Select.NULL]


async def test_a_long_village_box_is_filled_when_the_clerk_goes_to_it(demo_path, monkeypatch):
    """At 16× the province the village box has 19,840 choices: filling it took 110 ms of the
    screen's thread, when the people list came. The list is shown first; the box is filled once
    the clerk moves to it, with every village, and filters as before. A save that changes no
    village or category does not fill the boxes again."""
    monkeypatch.setattr(people_pane, "FILL_WHEN_FOCUSED", 3)  # the demo's villages make «a long box»
    filled: list[str] = []
    real_refill = people_pane.refill

    def counting_refill(sel, options):
        filled.append(sel.id)
        real_refill(sel, options)

    monkeypatch.setattr(people_pane, "refill", counting_refill)
    app = CnscdApp(demo_path)
    async with app.run_test(size=SIZE) as pilot:
        await open_demo(pilot)
        await press(pilot, "f4")
        villages = S.list_villages(app.reg)
        rows = S.list_people(app.reg)
        assert len(villages) > 3
        box = app.screen.query_one("#pf-village", Select)
        table = app.screen.query_one("#people-table")
        assert table.keys == [r.id for r in rows]  # the whole list is on screen …
        assert "pf-village" not in filled and _choices(box) == []  # … the village box not filled yet
        assert "Thôn/TDP" in screen_text(app)
        box.focus()
        await settle(pilot)
        assert _choices(box) == [v.id for v in villages]
        assert [str(label) for label, value in box._options if value is not Select.NULL] == \
            [v.full_name for v in villages]
        village = rows[0].village_id
        await choose(pilot, "#pf-village", village)
        await settle(pilot)
        assert table.keys == [r.id for r in rows if r.village_id == village]
        # read again after a save elsewhere: same villages, same categories — no box filled again
        filled.clear()
        app.data_changed()
        app.screen.pane("thanh-vien").reload()
        await settle(pilot)
        assert filled == []
        assert box.value == village and table.keys == [r.id for r in rows if r.village_id == village]


async def test_the_audit_lines_are_written_in_the_read_not_on_the_screen_thread(demo_path, monkeypatch):
    """The audit tab lists up to 2,000 changes: their dates and texts are written by the read
    (a worker), the screen's thread only hands the lines to the table."""
    import models.audit as audit

    formatted_on: list[str] = []

    class Moment(dt.datetime):
        def strftime(self, fmt):
            formatted_on.append(threading.current_thread().name)
            return super().strftime(fmt)

    real_entry = audit.AuditEntry

    def entry(id_, at, *rest):
        return real_entry(id_, Moment.combine(at.date(), at.time()) if at is not None else at, *rest)

    monkeypatch.setattr(audit, "AuditEntry", entry)
    app = CnscdApp(demo_path)
    async with app.run_test(size=SIZE) as pilot:
        await open_demo(pilot)
        await press(pilot, "f8")
        on_screen_thread = [name for name in formatted_on if name == threading.main_thread().name]
        entries = S.list_audit(app.reg)
        table = app.screen.query_one("#audit-table")
        assert entries and table.keys == [e.id for e in entries]
        assert table.rows[0][0] == entries[0].at.strftime("%d/%m/%Y %H:%M")
        assert formatted_on and on_screen_thread == []
