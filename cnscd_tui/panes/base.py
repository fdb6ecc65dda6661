"""What every tab of the main screen shares: the ``Pane`` base (read in a worker, draw on
the UI thread), its ``Loaded``/``LoadFailed`` messages, and small helpers for forms,
deletes and filter boxes.

Widgets belong to the UI thread. A pane whose read depends on what the clerk chose on
screen (a filter, a year) reads those values in ``fetch_params()`` on the UI thread; the
worker gets them as the argument of ``fetch(params)`` and never looks a widget up."""

from __future__ import annotations

import gc
from collections.abc import Callable
from typing import Any

from textual._context import NoActiveAppError  # a worker of a removed screen
from textual import work
from textual.containers import Vertical
from textual.message import Message
from textual.widgets import Select

from ..widgets import LazyTable

FILL_WHEN_FOCUSED = 200  # a filter box with more choices is filled when the clerk goes to it


class Loaded(Message):
    """A pane's data, read in a worker, as of ``version`` (the app's data version).
    ``ticket`` numbers the pane's reads: only the latest one asked for is drawn."""

    def __init__(self, pane: Pane, data: Any, version: int = -1, ticket: int = 0) -> None:
        super().__init__()
        self.pane, self.data, self.version, self.ticket = pane, data, version, ticket


class LoadFailed(Message):
    def __init__(self, pane: Pane, message: str) -> None:
        super().__init__()
        self.pane, self.message = pane, message


class Pane(Vertical):
    """A tab's content. ``fetch()`` runs in a worker; ``show(data)`` on the UI thread."""

    help_text = ""
    loaded_version = -1
    has_data = False
    _ticket = 0  # the number of the latest read asked for

    def when_loaded(self, fn: Callable[[], None]) -> None:
        """Run ``fn`` once this pane shows current data (e.g. a palette command)."""
        if self.has_data and self.loaded_version == self.app.data_version:
            fn()
        else:
            self._pending = [*getattr(self, "_pending", []), fn]
            self.ensure_loaded()

    # -- the subclass API --------------------------------------------------------------
    def fetch_params(self) -> Any:
        """UI thread: what the read needs from the widgets (filters, a year), or None."""
        return None

    def fetch(self, params: Any = None) -> Any:  # worker thread: no widget access
        """Read the data. Called as ``fetch()`` when ``fetch_params()`` gave None."""
        raise NotImplementedError

    def show(self, data: Any) -> None:
        raise NotImplementedError

    # -- reading ------------------------------------------------------------------------
    @property
    def on_view(self) -> bool:
        """This pane's tab is the one shown (from the screen's building on; a pane of a screen
        without tabs always is)."""
        tab = getattr(self.screen, "tab_on_view", None)
        return tab is None or self.id == f"pane-{tab}"

    def read(self, params: Any) -> Any:  # worker thread
        return self.fetch() if params is None else self.fetch(params)

    def clear(self) -> None:
        for t in self.query(LazyTable):
            t.set_rows([])
        self.loaded_version = -1
        self.has_data = False

    def reload(self) -> None:
        if self._ticket == 0 and not self.on_view:
            # never read, and not on view: a filter box's first value while the screen is built
            # (Select.Changed). The tab is read when first shown or by the main screen's background
            # read, not now, ahead of the tab on view (at 16× the province the courses' read held the
            # registry's lock the dashboard's numbers waited for, 2.7 s)
            self.loaded_version = -1
            return
        self.loaded_version = self.app.data_version
        self._ticket += 1
        self._load(self.loaded_version, self._ticket, self.fetch_params())

    def ensure_loaded(self) -> None:
        if self.loaded_version != self.app.data_version:
            self.reload()

    def claim(self) -> tuple[int, int, Any] | None:
        """UI thread, for the main screen's background read: if this pane's data is not
        current, note that a read is on its way and give its (version, ticket, params)."""
        version = self.app.data_version
        if self.loaded_version == version:
            return None
        self.loaded_version = version
        self._ticket += 1
        return version, self._ticket, self.fetch_params()

    def claim_failed(self, ticket: int) -> None:
        """The background read of ``ticket`` failed: the next visit reads again."""
        if ticket == self._ticket:
            self.loaded_version = -1

    @work(thread=True, exclusive=True, group="pane-load")
    def _load(self, version: int, ticket: int, params: Any) -> None:
        from models.errors import InputError, StoreError

        try:
            data = self.read(params)
        except (InputError, StoreError) as exc:
            self.post_message(LoadFailed(self, exc.message))
            return
        except NoActiveAppError:  # the screen was replaced meanwhile (language switch, lock): nothing to show
            return
        self.post_message(Loaded(self, data, version, ticket))

    def on_loaded(self, message: Loaded) -> None:
        if message.pane is not self:
            return
        message.stop()
        if message.ticket != self._ticket:
            return  # an older read finished late; a newer one is on its way
        if not self.app.locked:
            self.show(message.data)
            self.has_data = True
            # what a tab shows lives long: keep it out of the cyclic collector's full passes
            # (a full pass over a province's rows took ≈ 50 ms, in the middle of a keystroke)
            gc.freeze()
            pending, self._pending = getattr(self, "_pending", []), []
            for fn in pending:
                fn()

    def on_load_failed(self, message: LoadFailed) -> None:
        if message.pane is self:
            message.stop()
            self.app.notify(message.message, title="Không đọc được dữ liệu", severity="error")

    # -- filter boxes ---------------------------------------------------------------------
    _choices: dict[str, list] | None = None  # each filter box's choices, as last given
    _unfilled: dict[str, list] | None = None  # the choices of a box filled when it gets the focus

    def offer_choices(self, sel: Select, options: list[tuple[Any, Any]]) -> None:
        """New choices for filter box ``sel`` (UI thread). Given again unchanged (after most saves),
        the box is left as it is; a long box with nothing chosen is filled when the clerk goes to it
        — filling a box of 19,840 villages took 110 ms of the screen's thread at 16× the province,
        when the tab's list came."""
        if self._choices is None:
            self._choices, self._unfilled = {}, {}
        assert self._unfilled is not None and sel.id is not None
        if self._choices.get(sel.id) == options:
            return
        self._choices[sel.id] = options
        if len(options) > FILL_WHEN_FOCUSED and chosen(sel) is None and not sel.has_focus:
            self._unfilled[sel.id] = options
        else:
            self._unfilled.pop(sel.id, None)
            refill(sel, options)

    def on_descendant_focus(self, event) -> None:
        options = self._unfilled.pop(event.widget.id, None) if self._unfilled and event.widget.id else None
        if options is not None and isinstance(event.widget, Select):
            refill(event.widget, options)

    # -- helpers for forms ----------------------------------------------------------------
    def open_form(self, form, then: Callable[[Any], None] | None = None) -> None:
        def done(result):
            if result is None:
                return
            self.app.data_changed()
            self.reload()
            if then:
                then(result)
        self.app.push_screen(form, done)

    def confirm_delete(self, question: str, action: Callable[[], None]) -> None:
        from ..forms import ConfirmModal

        def done(yes):
            if yes:
                self.run_save(action)
        self.app.push_screen(ConfirmModal(question), done)

    def run_save(self, action: Callable[[], Any], ok: str = "Đã lưu.") -> None:
        self._save(action, ok)

    @work(thread=True, exclusive=True, group="pane-save")
    def _save(self, action: Callable[[], Any], ok: str) -> None:
        from models.errors import InputError, StoreError

        try:
            action()
        except (InputError, StoreError) as exc:
            self.app.call_from_thread(self.app.notify, exc.message, title="Chưa lưu", severity="error", timeout=10)
            return
        self.app.call_from_thread(self._saved, ok)

    def _saved(self, ok: str) -> None:
        self.app.notify(ok, timeout=3)
        self.app.data_changed()
        self.reload()


# -- filter boxes -----------------------------------------------------------------------------
def chosen(sel: Select) -> Any:
    """A select's value, or None when nothing is chosen."""
    v = sel.value
    return None if v is Select.NULL else v


def refill(sel: Select, options: list[tuple[str, Any]]) -> None:
    """New options for a filter box, keeping the clerk's choice if it is still there,
    without a ``Changed`` message (which would read the data again)."""
    current = sel.value
    with sel.prevent(Select.Changed):
        sel.set_options(options)
        if current is not Select.NULL and any(v == current for _, v in options):
            sel.value = current
