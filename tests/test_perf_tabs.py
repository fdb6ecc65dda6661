"""Opening a tab at province scale (issue 19): what a tab shows is made ready in its read, off
the screen's thread, and the people tab does not fill a long filter box until the clerk goes
to it — nor fill it again after a save that has not changed its choices."""

from __future__ import annotations

import datetime as dt
import threading

from textual.widgets import Select

import cnscd_tui.panes.base as pane_base
from cnscd_tui.app import CnscdApp
from models import services as S
from tests.tui_helpers import choose, open_demo, press, screen_text, settle

SIZE = (120, 40)


def _choices(sel: Select) -> list:
    return [value for _label, value in sel._options if value is not Select.NULL]


def _long_boxes_counted(monkeypatch) -> list[str]:
    """The demo's few villages made «a long box»; the boxes filled, by id, as they are filled."""
    monkeypatch.setattr(pane_base, "FILL_WHEN_FOCUSED", 3)
    filled: list[str] = []
    real_refill = pane_base.refill

    def counting_refill(sel, options):
        filled.append(sel.id)
        real_refill(sel, options)

    monkeypatch.setattr(pane_base, "refill", counting_refill)
    return filled


async def test_a_long_village_box_is_filled_when_the_clerk_goes_to_it(demo_path, monkeypatch):
    """At 16× the province the village box has 19,840 choices: filling it took 110 ms of the
    screen's thread, when the people list came. The list is shown first; the box is filled once
    the clerk moves to it, with every village, and filters as before. A save that changes no
    village or category does not fill the boxes again."""
    filled = _long_boxes_counted(monkeypatch)
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


async def test_the_equipment_villages_and_training_lines_are_made_in_the_read(demo_path, monkeypatch):
    """At 16× the province the equipment tab formats 13,000 items and 19,840 unit choices, the villages
    tab 19,840 lines, the training tab tens of thousands of people: all of it in the tab's read (a
    worker); the screen's thread, drawing the tab (``show``), only hands the lines to the tables. The
    lines are what they were."""
    from models import text

    import cnscd_tui.panes.equipment as equipment_pane
    import cnscd_tui.panes.training as training_pane
    import cnscd_tui.panes.villages as villages_pane

    drawing: list[str] = []  # the pane being drawn
    made_while_drawing: list[tuple[str, str]] = []
    shown: list[str] = []

    def watched(name, real):
        def run(*args, **kw):
            if drawing:
                made_while_drawing.append((drawing[-1], name))
            return real(*args, **kw)
        return run

    for name in ("format_int", "format_date", "format_hours", "format_money"):
        monkeypatch.setattr(text, name, watched(name, getattr(text, name)))
    for mod in (villages_pane, training_pane, equipment_pane):
        if hasattr(mod, "tr"):
            monkeypatch.setattr(mod, "tr", watched("tr", mod.tr))
    monkeypatch.setattr(training_pane, "short_team", watched("short_team", training_pane.short_team))
    for cls in (villages_pane.VillagesPane, training_pane.TrainingPane, equipment_pane.EquipmentPane):
        def show(self, data, _real=cls.show, _name=cls.__name__):
            drawing.append(_name)
            try:
                _real(self, data)
            finally:
                drawing.pop()
            shown.append(_name)
        monkeypatch.setattr(cls, "show", show)
    app = CnscdApp(demo_path)
    async with app.run_test(size=SIZE) as pilot:
        await open_demo(pilot)
        for key in ("f3", "f5", "f6"):
            await press(pilot, key)
            await settle(pilot)
        assert {"VillagesPane", "TrainingPane", "EquipmentPane"} <= set(shown)
        assert made_while_drawing == []
        reg = app.reg
        items = S.list_equipment(reg)
        kit = app.screen.query_one("#equipment-table")
        assert items and kit.keys == [e.id for e in items]
        assert [r[5] for r in kit.rows] == [text.format_int(e.value) if e.value else "" for e in items]
        villages = app.screen.query_one("#villages-table")
        assert [r[0] for r in villages.rows if not r[0].startswith("(")] == [v.full_name for v in S.list_villages(reg)]
        courses = S.list_courses(reg, year=dt.date.today().year)
        assert app.screen.query_one("#courses-table").keys == [c.id for c in courses]
        assert [r[0] for r in app.screen.query_one("#courses-table").rows] == [
            text.format_date(c.start_date) for c in courses]


async def test_the_equipment_and_report_village_boxes_are_filled_when_the_clerk_goes_to_them(demo_path, monkeypatch):
    """The unit box of the equipment tab and the village box of the reports tab hold every village
    (19,840 at 16× the province): filled when the clerk goes to them, not when the tab opens; chosen,
    they filter as before."""
    filled = _long_boxes_counted(monkeypatch)
    app = CnscdApp(demo_path)
    async with app.run_test(size=SIZE) as pilot:
        await open_demo(pilot)
        await press(pilot, "f6")
        await settle(pilot)
        box = app.screen.query_one("#eq-unit", Select)
        assert "eq-unit" not in filled and _choices(box) == []
        assert "Thôn/TDP" in screen_text(app)
        box.focus()
        await settle(pilot)
        units = [uid for _label, uid in app.screen.pane("thiet-bi").units]
        assert len(units) > 3 and _choices(box) == units
        item = S.list_equipment(app.reg)[0]
        await choose(pilot, "#eq-unit", item.unit_id)
        await settle(pilot)
        table = app.screen.query_one("#equipment-table")
        assert table.keys == [e.id for e in S.list_equipment(app.reg, unit_id=item.unit_id)]
        await press(pilot, "f7")
        await settle(pilot)
        scope = app.screen.query_one("#rep-scope", Select)
        assert "rep-scope" not in filled and _choices(scope) == []
        scope.focus()
        await settle(pilot)
        assert len(_choices(scope)) > 3
