"""Pilot tests of what the app itself does: colour themes (TEXTUAL_THEME honoured, light and
high-contrast offered, the choice kept on this computer), every state readable without colour
(NO_COLOR), crash reports instead of tracebacks, the log at start-up, and full garbage
collections kept off the UI thread while background reads run."""

from __future__ import annotations

import stat

import pytest

from cnscd_tui.app import CnscdApp, config_path, load_config
from tests.conftest import PASS
from tests.tui_helpers import choose, open_demo, press, screen_name, screen_text, settle


async def test_the_environment_theme_is_not_overridden(demo_path, monkeypatch):
    from textual.app import App

    # TEXTUAL_THEME is read by Textual at import time into the reactive's default: stand in for it
    monkeypatch.setattr(App.theme, "_default", "textual-light")
    app = CnscdApp(demo_path)
    async with app.run_test(size=(80, 24)) as pilot:
        await open_demo(pilot)
        assert app.theme == "textual-light"


async def test_light_and_high_contrast_themes_are_offered_and_kept(demo_path):
    app = CnscdApp(demo_path)
    async with app.run_test(size=(100, 32)) as pilot:
        await open_demo(pilot)
        await press(pilot, "f9", "e")
        assert screen_name(app) == "SettingsForm"
        options = [v for _, v in next(f for f in app.screen.specs if f.name == "theme").options]
        assert {"textual-light", "cnscd-tuong-phan-cao"} <= set(options)
        await choose(pilot, "#f-theme", "cnscd-tuong-phan-cao")
        await press(pilot, "ctrl+s")
        await settle(pilot)
        assert screen_name(app) == "MainScreen" and app.theme == "cnscd-tuong-phan-cao"
        assert "Tương phản cao" in screen_text(app)
    path = config_path()
    assert load_config()["theme"] == "cnscd-tuong-phan-cao"
    assert stat.S_IMODE(path.stat().st_mode) == 0o600 and stat.S_IMODE(path.parent.stat().st_mode) == 0o700
    again = CnscdApp(demo_path)
    async with again.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        assert again.theme == "cnscd-tuong-phan-cao"


async def test_states_read_without_colour(demo_path, monkeypatch):
    """NO_COLOR: Textual draws in monochrome; the cursor cell, a changed cell, an error, a met or
    missed target and a wrong passphrase each carry a mark of their own."""
    monkeypatch.setenv("NO_COLOR", "1")
    app = CnscdApp(demo_path)
    async with app.run_test(size=(100, 32)) as pilot:
        assert app.no_color
        await open_demo(pilot)
        await press(pilot, "f10")
        grid = app.screen.query_one("#act-grid")
        assert "▸" in screen_text(app)  # the cursor cell
        await press(pilot, "9", "9", "down")
        assert "99*" in screen_text(app)  # changed, not saved
        village = next(r for r in grid.rows if r.households_cap)
        grid.move_to(village.team_id, "CKS", "households")
        await press(pilot, *str(village.households_cap + 5), "ctrl+s")
        assert f"{village.households_cap + 5}!" in screen_text(app).replace(".", "")  # an error
        assert "▶B Bảng nhập◀" in screen_text(app)  # the view on show
        await press(pilot, "t")
        text = screen_text(app)
        assert "✓" in text and "▼" in text
        await press(pilot, "ctrl+l")
        await press(pilot, *"sai", "enter")
        assert "✗ Mật khẩu không đúng" in screen_text(app)


# -- unexpected errors -------------------------------------------------------------------------
async def test_an_unexpected_error_writes_a_report_and_no_traceback(demo_path, monkeypatch, tmp_path):
    from cnscd_tui.panes.activities import ActivitiesPane

    logs = tmp_path / "logs"
    monkeypatch.setenv("CNSCD_LOG_DIR", str(logs))

    def boom(self):
        raise RuntimeError("Nguyễn Văn An 0912345678")  # what an error message could quote

    monkeypatch.setattr(ActivitiesPane, "action_targets", boom)
    app = CnscdApp(demo_path)
    with pytest.raises(RuntimeError):
        async with app.run_test(size=(100, 32)) as pilot:
            await open_demo(pilot)
            await press(pilot, "f10", "t", "c")
    assert app.return_code == 1
    reports = list(logs.glob("bao-cao-loi-*.txt"))
    assert len(reports) == 1
    report = reports[0].read_text(encoding="utf-8")
    assert "RuntimeError" in report and "in boom" in report
    assert "Nguyễn" not in report and "0912345678" not in report
    assert "MainScreen" in report
    assert "Chương trình gặp lỗi" in app.crash_message and str(reports[0]) in app.crash_message
    assert "Traceback" not in app.crash_message


async def test_a_failed_background_read_is_reported_with_its_own_error(demo_path, monkeypatch, tmp_path):
    from cnscd_tui.panes.activities import ActivitiesPane

    logs = tmp_path / "logs"
    monkeypatch.setenv("CNSCD_LOG_DIR", str(logs))

    def broken(self, month):
        raise ZeroDivisionError

    monkeypatch.setattr(ActivitiesPane, "fetch", broken)
    app = CnscdApp(demo_path)
    with pytest.raises(Exception):  # noqa: B017 - Textual re-raises the worker's failure
        async with app.run_test(size=(100, 32)) as pilot:
            await open_demo(pilot)
    report = next(logs.glob("bao-cao-loi-*.txt")).read_text(encoding="utf-8")
    assert "ZeroDivisionError" in report and "in broken" in report
    assert app.crash_message


def test_run_app_starts_the_log(monkeypatch, tmp_path):
    from models import logs

    from cnscd_tui import app as app_module

    monkeypatch.setenv("CNSCD_LOG_DIR", str(tmp_path / "logs"))
    monkeypatch.setattr(logs, "_configured", None)
    monkeypatch.setattr(app_module.CnscdApp, "run", lambda self, *a, **k: None)
    try:
        assert app_module.run_app(tmp_path / "so.cnscd") == 0
        assert (tmp_path / "logs" / "cnscd.log").exists()
        assert "tui start" in (tmp_path / "logs" / "cnscd.log").read_text(encoding="utf-8")
    finally:
        handler = logs._configured
        if handler is not None:
            import logging

            logging.getLogger(logs.LOGGER).removeHandler(handler)
            handler.close()


# -- garbage collection --------------------------------------------------------------------------
async def test_no_full_collection_while_a_background_read_runs(demo_path):
    import gc
    import threading

    from textual import work

    app = CnscdApp(demo_path)
    release = threading.Event()

    @work(thread=True, group="test-read")
    def slow_read(self) -> None:
        release.wait(30)

    async with app.run_test(size=(80, 24)) as pilot:
        await open_demo(pilot)
        worker = slow_read(app)
        gc.collect(1)  # a middle-generation pass: a full one is now due
        app.last_input -= app.GC_IDLE_SECONDS  # the clerk has paused
        assert app.background_work()
        app._idle_gc()
        assert gc.get_count()[2] >= 1  # not while the read runs
        release.set()
        await worker.wait()
        await settle(pilot)
        assert not app.background_work()
        gc.collect(1)
        app._idle_gc()
        assert gc.get_count()[2] == 0


async def test_lock_then_unlock_keeps_the_grid_changes(demo_path):
    app = CnscdApp(demo_path)
    async with app.run_test(size=(100, 32)) as pilot:
        await open_demo(pilot)
        await press(pilot, "f10", "4", "2", "tab")
        await press(pilot, "ctrl+l")
        assert screen_name(app) == "LockScreen" and "42" not in screen_text(app)
        app.screen.query_one("#lock-pass").value = PASS
        await press(pilot, "enter")
        assert screen_name(app) == "MainScreen"
        assert app.screen.query_one("#act-grid").changed == 1 and "42*" in screen_text(app)
