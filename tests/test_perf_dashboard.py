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


async def test_the_tabs_are_styled_once_when_the_main_screen_is_built(demo_path, monkeypatch):
    """Nine tabs of widgets: working out their styles is most of building the screen. Each was
    styled as it was mounted, then all again when the width's class came (the first resize) and
    when the screen was first shown (Textual restyles a resumed screen): ≈ 0.5 s at 16× before the
    numbers. A tab not on view keeps the styles it was mounted with until it is shown."""
    from textual.css.stylesheet import Stylesheet

    from cnscd_tui.main_screen import MainScreen

    styled: dict[int, int] = {}
    real_apply = Stylesheet.apply

    def apply(self, node, *a, **kw):
        styled[id(node)] = styled.get(id(node), 0) + 1
        return real_apply(self, node, *a, **kw)

    monkeypatch.setattr(Stylesheet, "apply", apply)
    app = CnscdApp(demo_path)
    async with app.run_test(size=SIZE) as pilot:
        await open_demo(pilot)
        await settle(pilot)
        assert isinstance(app.screen, MainScreen) and app.screen.has_class("-wide")
        # (a widget changing its own classes as it is set up — a filter box given its value — restyles
        # itself: that is its own small affair)
        hidden = [app.screen.query_one(sel) for sel in ("#thanh-vien", "#pane-thanh-vien", "#people-table",
                                                         "#thiet-bi", "#pane-thiet-bi", "#tabs")]
        assert [styled.get(id(w), 0) for w in hidden] == [1] * len(hidden)
        await pilot.press("f4")
        await settle(pilot)
        assert app.screen.query_one("#people-table").row_count > 0


def test_what_the_passphrase_screen_imports_is_kept_out_of_full_collections():
    """While the passphrase is typed, the program imports what unlocking needs (every tab's module
    too: imported after Enter otherwise). Those objects live as long as the program: frozen, a full
    collection — run when the clerk pauses typing, and able to delay Enter — no longer walks them."""
    import sys

    from cnscd_tui import unlock

    gc.unfreeze()
    unlock._prewarm()
    assert gc.get_freeze_count() > 0
    assert all(f"cnscd_tui.panes.{m}" in sys.modules for m in ("people", "dashboard", "activities", "training"))


async def test_the_progress_on_the_dashboard_is_kept_out_of_full_collections(demo_path):
    """The progress against targets lives as long as the screen: left in the collector's full passes
    (≈ 340,000 objects at 16×), each idle pass took 0.45 s and landed on the next keystroke."""
    from models.activity_targets import Progress, UnitProgress

    app = CnscdApp(demo_path)
    async with app.run_test(size=SIZE) as pilot:
        await open_demo(pilot)
        await settle(pilot)
        dash = app.screen.pane("tong-quan")
        await pilot.wait_for_scheduled_animations()
        for w in list(app.workers):
            await w.wait()
        await settle(pilot)
        assert "mục tiêu năm" in str(dash.query_one("#dash-progress-title").render())
        tracked = [o for o in gc.get_objects() if type(o) in (Progress, UnitProgress)]
        assert tracked == [], f"{len(tracked)} progress objects still in the collector's passes"
