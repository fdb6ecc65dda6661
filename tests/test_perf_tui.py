"""The screens at scale (issue 19): the dashboard's numbers come first and alone, the other tabs
are read after the tab on view, no full garbage collection while reads run, and the people
search typed key by key finds what a search of the whole list finds."""

from __future__ import annotations

import gc
import threading

from cnscd_tui.app import CnscdApp
from models import services as S
from tests.conftest import PASS
from tests.tui_helpers import open_demo, press, screen_text, settle, type_into

SIZE = (120, 40)


async def test_typing_a_phone_number_key_by_key_finds_it(demo_path):
    """«0», «09» find no name; «091» is a phone number: it is searched in the whole list, not
    among what «09» found (nothing). Likewise from 6 digits on, CCCD numbers too."""
    app = CnscdApp(demo_path)
    async with app.run_test(size=SIZE) as pilot:
        await open_demo(pilot)
        await press(pilot, "f4")
        rows = S.list_people(app.reg)
        person = next(r for r in rows if r.phone and r.cccd)
        table = app.screen.query_one("#people-table")
        for typed in (person.phone[:5], person.cccd[:7]):
            await press(pilot, "slash", "ctrl+u")
            for i in range(1, len(typed) + 1):
                await press(pilot, typed[i - 1])
                expected = [r.id for r in S.filter_people(rows, query=typed[:i])]
                assert table.keys == expected, typed[:i]
            assert person.id in table.keys


async def _until(pilot, cond, blocked: tuple[str, ...]) -> None:
    """Wait (workers and messages, not the clock) until ``cond()``; the workers of the ``blocked``
    groups are held by the test and not waited for."""
    app = pilot.app
    for _ in range(200):
        if cond():
            return
        for w in [w for w in app.workers if w.group not in blocked + ("_loader",)]:
            await w.wait()
        await pilot.pause()
    raise AssertionError("never came")


async def test_dashboard_numbers_come_before_the_teams_are_checked(demo_path, monkeypatch):
    """Checking every team against the rules takes long at scale; the numbers do not wait for it."""
    from models import rules

    gate = threading.Event()
    real = rules.compliance

    def held(reg, **kw):
        gate.wait(30)
        return real(reg, **kw)

    monkeypatch.setattr(rules, "compliance", held)
    app = CnscdApp(demo_path)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await type_into(pilot, "#unlock-pass", PASS)
        await pilot.press("enter")

        def numbers_shown() -> bool:
            return app.reg is not None and "Thành viên đang hoạt động" in screen_text(app)

        try:
            await _until(pilot, numbers_shown, blocked=("dash-compliance", "warm-up"))
            members = S.stats(app.reg).active_members
            text = screen_text(app)
            assert f"Thành viên đang hoạt động: {members:,}".replace(",", ".") in text
            assert "Đang kiểm tra các tổ" in text and "Tổ đạt yêu cầu" not in text
        finally:
            gate.set()
        await settle(pilot)
        text = screen_text(app)
        assert "Tổ đạt yêu cầu" in text and "Đang kiểm tra các tổ" not in text
        assert app.screen.query_one("#pane-tong-quan").findings


async def test_other_tabs_are_read_after_the_tab_on_view(demo_path, monkeypatch):
    """The background reads of the other tabs wait while the tab on view reads its own data
    (they would hold the registry's lock it needs)."""
    from cnscd_tui.panes.dashboard import DashboardPane

    app = CnscdApp(demo_path)
    async with app.run_test(size=SIZE) as pilot:
        await open_demo(pilot)
        screen = app.screen
        gate = threading.Event()
        real = DashboardPane.fetch

        def held(self):
            gate.wait(30)
            return real(self)

        monkeypatch.setattr(DashboardPane, "fetch", held)
        people = screen.pane("thanh-vien")
        try:
            app.data_changed()  # a save landed: every tab is out of date, a background read is scheduled
            screen.active_pane.reload()  # the dashboard on view reads again (held)
            screen._warm_timer_fired()  # the scheduled moment comes while it reads
            assert people.loaded_version != app.data_version and screen.warm_up_pending
        finally:
            gate.set()
        await settle(pilot)
        assert people.loaded_version == app.data_version and people.has_data


async def test_no_full_collection_while_the_other_tabs_wait_to_be_read(demo_path):
    """Between two background reads (or before the first) no worker runs, but a read is coming:
    no full collection then either."""
    app = CnscdApp(demo_path)
    async with app.run_test(size=SIZE) as pilot:
        await open_demo(pilot)
        screen = app.screen
        screen.schedule_warm_up(3600)
        try:
            gc.collect(1)  # a middle-generation pass: a full one is now due
            app.last_input -= app.GC_IDLE_SECONDS  # the clerk has paused
            assert app.background_work()
            app._idle_gc()
            assert gc.get_count()[2] >= 1
        finally:
            screen.warm_up_now()
        await settle(pilot)
        assert not app.background_work()
        gc.collect(1)
        app._idle_gc()
        assert gc.get_count()[2] == 0


async def test_typing_in_the_people_search_before_the_list_is_read(demo_path, monkeypatch):
    """At scale the list comes seconds after the tab opens: what is typed meanwhile filters it
    when it comes (this crashed the program)."""
    from cnscd_tui.main_screen import MainScreen
    from cnscd_tui.panes.people import PeoplePane

    gate = threading.Event()
    real = PeoplePane.fetch

    def held(self):
        gate.wait(30)
        return real(self)

    monkeypatch.setattr(PeoplePane, "fetch", held)
    app = CnscdApp(demo_path)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await type_into(pilot, "#unlock-pass", PASS)
        await pilot.press("enter")
        try:
            await _until(pilot, lambda: isinstance(app.screen, MainScreen)
                         and app.screen.pane("tong-quan").has_data, blocked=("warm-up", "pane-load"))
            await pilot.press("f4", "slash", "n", "g")
            await pilot.pause()
            assert app.screen.query_one("#people-table").row_count == 0
        finally:
            gate.set()
        await settle(pilot)
        expected = [r.id for r in S.filter_people(S.list_people(app.reg), query="ng")]
        assert expected and app.screen.query_one("#people-table").keys == expected


async def test_people_list_is_read_before_the_dashboard_checks_the_teams(demo_path, monkeypatch):
    """After unlocking: the numbers, then the people list (F4 is the clerk's next key), then the
    teams checked, and the progress against targets only once every tab has been read — the
    slow reads held the registry's lock the people list waited for (17 s at 16×)."""
    from cnscd_tui.panes.people import PeoplePane
    from models import activities, rules

    order: list[str] = []
    real_read, real_comp, real_prog = PeoplePane.read, rules.compliance, activities.progress

    def read(self, params):
        order.append("people")
        return real_read(self, params)

    def compliance(reg, **kw):
        order.append("compliance")
        return real_comp(reg, **kw)

    def progress(reg, *a, **kw):
        order.append("progress")
        return real_prog(reg, *a, **kw)

    monkeypatch.setattr(PeoplePane, "read", read)
    monkeypatch.setattr(rules, "compliance", compliance)
    monkeypatch.setattr(activities, "progress", progress)
    app = CnscdApp(demo_path)
    async with app.run_test(size=SIZE) as pilot:
        await open_demo(pilot)
        await settle(pilot)
        assert order.index("people") < order.index("compliance") < order.index("progress"), order
        assert app.screen.query_one("#pane-tong-quan").findings
        assert all(app.screen.pane(t).has_data for t in ("thanh-vien", "thon-to", "tap-huan", "thiet-bi"))
