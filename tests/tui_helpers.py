"""Helpers for the Pilot tests: settle workers, read the screen as text, fill forms."""

from __future__ import annotations

import threading
from collections.abc import Callable

from textual.widgets import Input, Select, SelectionList
from textual.worker import WorkerCancelled

# -- widgets belong to the UI thread -------------------------------------------------------
# Textual's DOM is not thread-safe: a worker thread that looks a widget up races the UI
# (under load this crashed a test with ``WorkerFailed: NoMatches('#pane-thon-to')``).
# Workers get what they need as arguments and answer with messages or ``call_from_thread``.
# ``install_dom_thread_guard`` (autouse, tests/conftest.py) makes every DOM query from a
# thread other than the main one fail at once, and records it so that a caller who
# swallows the error still fails the test.
DOM_QUERIES = ("query", "query_one", "query_exactly_one", "query_one_optional", "query_children", "query_ancestor")
dom_thread_violations: list[str] = []


class DomQueryFromThread(AssertionError):
    """A widget was looked up from a worker thread."""


def install_dom_thread_guard() -> None:
    from textual.dom import DOMNode

    if getattr(DOMNode, "_cnscd_thread_guard", False):
        return
    for name in DOM_QUERIES:
        original = DOMNode.__dict__.get(name)
        if original is not None:
            setattr(DOMNode, name, _guarded(name, original))
    DOMNode._cnscd_thread_guard = True


def _guarded(name: str, original: Callable) -> Callable:
    def guarded(self, *args, **kwargs):
        thread = threading.current_thread()
        if thread is not threading.main_thread():
            what = f"{type(self).__name__}.{name}({', '.join(map(repr, args))}) from thread {thread.name!r}"
            dom_thread_violations.append(what)
            raise DomQueryFromThread(f"DOM query from a worker thread: {what}")
        return original(self, *args, **kwargs)
    guarded.__name__ = guarded.__qualname__ = name
    guarded.__doc__ = original.__doc__
    guarded.__wrapped__ = original
    return guarded


def screen_text(app) -> str:
    """What the terminal shows right now, as plain text lines."""
    return "\n".join(strip.text for strip in app.screen._compositor.render_strips())


def _busy(app) -> list[str]:
    """What is still running: workers (but a file picker's endless loader), background reads."""
    out = [f"worker {w.name or w.group}" for w in app.workers if w.group != "_loader"]
    out += [f"{type(s).__name__} warm-up" for s in app.screen_stack if getattr(s, "warming_up", False)]
    return out


async def settle(pilot, rounds: int = 3, max_rounds: int = 100) -> None:
    """Wait for every worker and the messages they post, then for the work those start, until
    nothing runs (at least ``rounds`` rounds; fails after ``max_rounds``).

    The main screen reads its other tabs in the background a moment after a save (the tab
    on view draws first); a read scheduled like that is begun at once here rather than waited
    out, so it never lands in the middle of what a test does next. A ``DirectoryTree`` (the
    file picker) keeps a loader worker running for as long as it is on screen; it never
    completes, so it is not waited for."""
    app = pilot.app
    for n in range(1, max_rounds + 1):
        for screen in list(app.screen_stack):
            if getattr(screen, "warm_up_pending", False):
                screen.warm_up_now()
        for worker in [w for w in app.workers if w.group != "_loader"]:
            try:
                await worker.wait()
            except WorkerCancelled:  # replaced by a newer one (exclusive groups): that one is waited for
                pass
        await pilot.pause()
        if n >= rounds and not _busy(app):
            return
    raise AssertionError(f"still busy after {max_rounds} rounds: {', '.join(_busy(app))}")


async def shown(pilot, needle: str, max_rounds: int = 200) -> str:
    """Wait until the screen shows ``needle`` (a worker's answer is drawn on a later refresh than
    the one its message lands in); the screen's text. Fails, with that text, after ``max_rounds``."""
    for _ in range(max_rounds):
        text = screen_text(pilot.app)
        if needle in text:
            return text
        await settle(pilot, rounds=1)
    raise AssertionError(f"{needle!r} never shown; the screen:\n{screen_text(pilot.app)}")


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
    """Choose ``value`` in a select box or a type-to-select field (``Pick``)."""
    from cnscd_tui.widgets import Pick

    widget = pilot.app.screen.query_one(selector)
    if isinstance(widget, Pick):
        widget.pick(value)
    else:
        assert isinstance(widget, Select), widget
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


# -- keys in one burst -----------------------------------------------------------------------
KEY_CHARS = {"space": " ", "tab": "\t", "enter": "\r", "escape": "\x1b", "backspace": "\x7f"}


async def burst(pilot, *keys: str) -> None:
    """Send ``keys`` the way a fast typist or a paste does: all handed to the app at once, none
    waiting for the previous one to be handled (``pilot.press`` waits after each key); then settle.
    A single character stands for itself («N», «ă»); other keys by name («tab», «ctrl+n»)."""
    from textual import events

    app = pilot.app
    for key in keys:
        if len(key) == 1:
            name = {" ": "space", "/": "slash"}.get(key, key)
            event = events.Key(name, key)
        else:
            event = events.Key(key, KEY_CHARS.get(key))
        event.set_sender(app)
        app._driver.send_message(event)
    await settle(pilot)


def typed(text: str) -> list[str]:
    """The keys that type ``text`` (for ``burst``)."""
    return list(text)
