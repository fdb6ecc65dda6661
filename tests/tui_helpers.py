"""Helpers for the Pilot tests: settle workers, read the screen as text, fill forms."""

from __future__ import annotations

from textual.widgets import Input, Select, SelectionList


def screen_text(app) -> str:
    """What the terminal shows right now, as plain text lines."""
    return "\n".join(strip.text for strip in app.screen._compositor.render_strips())


async def settle(pilot, rounds: int = 3) -> None:
    """Wait for every worker and the messages they post.

    A ``DirectoryTree`` (the file picker) keeps a loader worker running for as long as it
    is on screen; it never completes, so it is not waited for."""
    for _ in range(rounds):
        waiting = [w for w in pilot.app.workers if w.group != "_loader"]
        if waiting:  # (an empty list would mean "all of them")
            await pilot.app.workers.wait_for_complete(waiting)
        await pilot.pause()


async def press(pilot, *keys: str) -> None:
    await pilot.press(*keys)
    await settle(pilot)


async def type_into(pilot, selector: str, value: str) -> None:
    """Focus an input and type ``value`` key by key (non-ASCII characters are pasted)."""
    app = pilot.app
    widget = app.screen.query_one(selector, Input)
    widget.focus()
    widget.value = ""
    await pilot.pause()
    if value.isascii() and all(c.isalnum() or c == " " for c in value):
        await pilot.press(*[c if c != " " else "space" for c in value])
    else:
        widget.insert_text_at_cursor(value)
    await pilot.pause()


async def choose(pilot, selector: str, value) -> None:
    widget = pilot.app.screen.query_one(selector, Select)
    widget.value = value
    await pilot.pause()


async def tick(pilot, selector: str, *values) -> None:
    widget = pilot.app.screen.query_one(selector, SelectionList)
    for v in values:
        widget.select(v)
    await pilot.pause()


async def unlock(pilot, passphrase: str) -> None:
    await type_into(pilot, "#unlock-pass", passphrase)
    await press(pilot, "enter")


def screen_name(app) -> str:
    return type(app.screen).__name__


async def open_demo(pilot, passphrase: str | None = None) -> None:
    """Unlock the demo copy of ``demo_path`` and land on the main screen."""
    from tests.conftest import PASS

    await settle(pilot)
    await unlock(pilot, passphrase or PASS)
    assert screen_name(pilot.app) == "MainScreen"


def footer_line(app) -> str:
    """The footer: the screen's last line."""
    return screen_text(app).splitlines()[-1]


async def set_ui_language(pilot, lang: str) -> None:
    """Cài đặt → Sửa → Ngôn ngữ giao diện, as the clerk does it."""
    app = pilot.app
    await press(pilot, "f9")
    await press(pilot, "e")
    assert screen_name(app) == "SettingsForm"
    await choose(pilot, "#f-language", lang)
    await press(pilot, "ctrl+s")
    await settle(pilot)
    assert screen_name(app) == "MainScreen"
