"""Passphrase → the dashboard's numbers (issue 19): nothing else is read, and no full garbage
collection runs, between Enter and the numbers on screen."""

from __future__ import annotations

import gc

from cnscd_tui.app import CnscdApp
from tests.tui_helpers import open_demo, settle

SIZE = (120, 40)


async def test_no_other_tab_is_read_before_the_dashboard_shows_its_numbers(demo_path, monkeypatch):
    """The Tập huấn tab's year box gave its first value while the screen was built, and the tab read
    its courses then, hidden, holding the registry's lock the dashboard waited for (2.7 s at 16×)."""
    from cnscd_tui.panes.base import Pane
    from cnscd_tui.panes.dashboard import DashboardPane

    events: list[str] = []
    real_read, real_show = Pane.read, DashboardPane.show

    def read(self, params):
        events.append(type(self).__name__)
        return real_read(self, params)

    def show(self, data):
        events.append("numbers shown")
        return real_show(self, data)

    monkeypatch.setattr(Pane, "read", read)
    monkeypatch.setattr(DashboardPane, "show", show)
    app = CnscdApp(demo_path)
    async with app.run_test(size=SIZE) as pilot:
        await open_demo(pilot)
        await settle(pilot)
        assert events[:events.index("numbers shown")] == ["DashboardPane"], events
        # the other tabs are read all the same, after the numbers
        for tid in ("tap-huan", "thiet-bi", "nhat-ky", "thanh-vien"):
            assert app.screen.pane(tid).has_data, tid
        await pilot.press("f5")
        await settle(pilot)
        assert app.screen.query_one("#courses-table").row_count > 0


async def test_no_full_collection_while_the_main_screen_is_built(demo_path, monkeypatch):
    """After unlocking, no worker runs while the tabs are built (before the dashboard starts its
    read), but the reads are coming: the idle collector (a full pass, 140 ms at 16×) waits."""
    from cnscd_tui.main_screen import MainScreen
    from cnscd_tui.unlock import UnlockScreen

    real_opened, real_compose = UnlockScreen.on_opened, MainScreen.compose
    left: list[int] = []

    async def on_opened(self, message):
        for w in [w for w in self.app.workers if w.group == "unlock"]:
            await w.wait()  # the unlock worker has ended: no worker runs while the tabs are built
        return real_opened(self, message)

    def compose(self):
        app = self.app
        gc.collect(1)  # a full pass is due
        app.last_input -= app.GC_IDLE_SECONDS  # and the clerk has paused: the 0.25 s timer comes now
        app._idle_gc()
        left.append(gc.get_count()[2])
        yield from real_compose(self)

    monkeypatch.setattr(UnlockScreen, "on_opened", on_opened)
    monkeypatch.setattr(MainScreen, "compose", compose)
    app = CnscdApp(demo_path)
    async with app.run_test(size=SIZE) as pilot:
        await open_demo(pilot)
        await settle(pilot)
        assert left and left[0] >= 1, left  # the full pass did not run
        assert app.screen.pane("tong-quan").has_data
        # and once the reads are over, the idle collector runs again
        assert not app.background_work()
        gc.collect(1)
        app.last_input -= app.GC_IDLE_SECONDS
        app._idle_gc()
        assert gc.get_count()[2] == 0
