"""Modal forms. Each is a ``ModalScreen`` that returns a plain result.

A form validates as the clerk types (pure checks from ``models.validate``, no
database), saves in a thread worker through the services, and answers with a
typed message: on success the form closes with the saved object; on bad input
or a failed save it stays open with everything typed, the message under the
field it concerns (or at the bottom for a failed save).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from textual import events, on, work
from textual.actions import SkipAction
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.message import Message
from textual.screen import ModalScreen
from textual.widget import Widget
from textual.widgets import Button, Checkbox, Input, Label, Select, SelectionList, Static

from models import text, validate

from .i18n import tr
from .widgets import Pick, PickInput

Check = Callable[[Any, dict], tuple[str, str]]  # (value, all values) -> (error, hint)


@dataclass
class F:
    """One field of a form."""

    name: str
    label: str
    kind: str = "input"  # input | password | select | pick | multi | check | info
    value: Any = ""
    options: list[tuple[str, Any]] = field(default_factory=list)
    placeholder: str = ""
    check: Check | None = None
    required: bool = False
    allow_blank: bool = True  # selects
    resolver: Callable[[str], Any] | None = None  # picks: a value for a text no option's label matches
    select_on_focus: bool = True  # inputs: False keeps a filled-in text (a name from the search) to go on typing


# -- live checks -------------------------------------------------------------------
def _from_checked(r: validate.Checked, show: Callable[[Any], str] | None = None) -> tuple[str, str]:
    if not r.ok:
        return r.error or "", ""
    hint = "; ".join(r.warnings)
    if show and r.value not in (None, ""):
        shown = show(r.value)
        hint = f"→ {shown}" + (f" — {hint}" if hint else "")
    return "", hint


def check_phone(v, _all) -> tuple[str, str]:
    return _from_checked(validate.check_phone(v), validate.format_phone)


def _birth_year_of(values: dict) -> int | None:
    r = validate.check_birth(values.get("birth", ""))
    if r.ok and r.value:
        bdate, byear = r.value
        return bdate.year if bdate else byear
    return None


def check_cccd(v, values) -> tuple[str, str]:
    gender = values.get("gender") or None
    r = validate.check_cccd(v, birth_year=_birth_year_of(values), gender=gender)
    return _from_checked(r)


def check_birth(v, _all) -> tuple[str, str]:
    r = validate.check_birth(v)
    if r.ok and r.value and any(r.value):
        bdate, byear = r.value
        return "", "; ".join(r.warnings) or (f"→ {text.format_date(bdate)}" if bdate else f"→ năm {byear}")
    return _from_checked(r)


def check_date(label: str, required: bool = False) -> Check:
    def _check(v, _all):
        if not str(v or "").strip():
            return (tr("{label} không được để trống.").format(label=tr(label)) if required else ""), ""
        r = validate.parse_date(v, field=label)
        return _from_checked(r, text.format_date)
    return _check


def check_int(label: str, lo: int = 0, hi: int = 100000) -> Check:
    def _check(v, _all):
        return _from_checked(validate.check_int(v, label, min=lo, max=hi))
    return _check


def check_money(label: str) -> Check:
    def _check(v, _all):
        if not str(v or "").strip():
            return "", ""
        return _from_checked(validate.check_money(v, label), lambda n: f"{text.format_int(n)} đồng")
    return _check


def date_text(d: dt.date | None) -> str:
    return text.format_date(d) if d else ""


# -- keys typed in a burst -----------------------------------------------------------------
# A key bound the ordinary way runs when it has travelled through the focused widget and back up
# to the app; the keys typed after it are handed out meanwhile, to the widget that had the focus.
# A clerk typing from a paper list (or pasting) sends «Tab 1990» or «Ctrl+N Nguyễn…» in one burst:
# so the keys that open a form or move the focus are priority bindings (they run at once, before
# the next key is handed out), focus moves with ``Screen.set_focus`` (``Widget.focus`` waits for
# the app's next turn), and a new screen keeps the keys that reach it before it has focused a field.
def focus_now(widget: Widget) -> None:
    """Focus ``widget`` at once (``Widget.focus`` only asks the app to, on its next turn)."""
    target = widget.input if isinstance(widget, Pick) else widget
    target.screen.set_focus(target)


def taken_as_text(app) -> bool:
    """The focused widget takes printable keys as text (a text box, an open list being searched)."""
    focused = app.focused
    return focused is not None and focused.check_consume_key("a", "a")


# Tab and Shift+Tab for a page's widgets (a pane): at once
FOCUS_KEYS = [
    Binding("tab", "app.focus_next", show=False, priority=True),
    Binding("shift+tab", "app.focus_previous", show=False, priority=True),
]


class KeysWaitForFocus:
    """A screen that keeps the keys reaching it before it has focused a widget (it is still being
    built) and hands them, in order, to the first widget it focuses. Tab and Shift+Tab move the
    focus at once (``SCREEN_FOCUS_KEYS``), kept in order with the typed keys too."""

    _early: list | None = None
    _settled = False
    focus_pending = False  # the screen focuses its first widget a moment later (keep the keys until then)

    def _forward_event(self, event) -> None:
        if isinstance(event, events.Key):
            self._claim_held_keys()
        if isinstance(event, events.Key) and self._waiting():
            event._set_forwarded()
            self._keep(event)
            return
        super()._forward_event(event)

    def _waiting(self) -> bool:
        return not self._settled and self.focused is None

    # -- keys held while a list row opens (Enter on a row: a form opens a moment later) ---------
    _held_focus = None
    holding_keys = False  # Enter on a row: the keys typed next wait for what it opens
    keep_holding = False  # what the row opens comes later (read in a worker): ``release_keys`` then

    def hold_keys(self) -> None:
        """Keep the keys typed from now on (the focused widget lets go of the focus, so they come
        here and no page key acts on them) until ``release_keys``: they go to what opened meanwhile,
        or back to the widget that had the focus."""
        if self.holding_keys:
            return
        self.holding_keys, self._held_focus, self._settled = True, self.focused, False
        super().set_focus(None)

    def release_keys(self) -> None:
        if not self.holding_keys:
            return
        self.holding_keys = self.keep_holding = False
        held, self._held_focus = self._held_focus, None
        early, self._early = self._early or [], None
        top = self.app.screen
        if top is not self:  # a form (or another screen) opened: the keys are typed there, first
            if isinstance(top, KeysWaitForFocus) and top._waiting():
                top._early = early + (top._early or [])
                top.call_after_refresh(top._no_focus_after_all)
            else:
                hand = getattr(top, "early_key", None) if top.focused is not None else None
                for event in early:
                    if hand is not None:
                        hand(event)
                    else:
                        (top.focused or top)._forward_event(event)
            early = []
        if held is not None and held.is_attached and held.focusable:
            self._early = early
            self.set_focus(held, scroll_visible=False)  # hands the kept keys back to it
        else:
            self._settled = True
            for event in early:
                self.post_message(event)

    def _claim_held_keys(self) -> None:
        """Opened over a screen that still holds the keys typed before this one opened: those come
        first (taken now, before any key typed later is handed out)."""
        stack = self.app.screen_stack
        if self.app.screen is self and len(stack) > 1:
            below = stack[-2]
            if getattr(below, "holding_keys", False) and not below.keep_holding:
                below.release_keys()

    def on_lazy_table_opened(self, message) -> None:
        """A list row's Enter has been handled by everything above the list."""
        message.stop()
        if not self.keep_holding:
            self.release_keys()

    def _keep(self, event: events.Key) -> None:
        if self._early is None:
            self._early = []
            self.call_after_refresh(self._no_focus_after_all)
        self._early.append(event)

    def set_focus(self, widget, scroll_visible: bool = True, from_app_focus: bool = False) -> None:
        super().set_focus(widget, scroll_visible, from_app_focus)
        if self.focused is not None and not self._settled:
            self._claim_held_keys()
            self._settled = True
            early, self._early = self._early or [], None
            for event in early:
                self.early_key(event)

    def early_key(self, event: events.Key) -> None:
        """Hand a kept key on (as if typed now)."""
        if event.key in ("tab", "shift+tab"):
            self.action_focus_move(1 if event.key == "tab" else -1)
        elif self.focused is not None:
            self.focused._forward_event(event)

    def _no_focus_after_all(self) -> None:
        """Built and nothing focused: the kept keys go to the screen itself."""
        if self._settled or self.focused is not None or self.holding_keys:
            return
        if self.focus_pending:  # it focuses a widget when its data has come: ``set_focus`` hands them over
            return
        if not self.is_mounted:  # not ready yet: look again after the next frame
            self.call_after_refresh(self._no_focus_after_all)
            return
        self._settled = True
        early, self._early = self._early or [], None
        for event in early:
            self.post_message(event)

    def action_focus_move(self, delta: int) -> None:
        if self._waiting():
            self._keep(events.Key("tab" if delta > 0 else "shift+tab", "\t" if delta > 0 else None))
            return
        if delta > 0:
            self.focus_next()
        else:
            self.focus_previous()


SCREEN_FOCUS_KEYS = [
    Binding("tab", "focus_move(1)", show=False, priority=True),
    Binding("shift+tab", "focus_move(-1)", show=False, priority=True),
]


def key_at_once(key: str, action: str, description: str, **kwargs) -> Binding:
    """A page's key that opens a form or moves the focus: it runs at once (priority), so the keys
    typed after it reach what it opens; a letter typed into a text box stays text (``KeysAtOnce``)."""
    return Binding(key, f"at_once('{action}')", description, priority=True, **kwargs)


class KeysAtOnce:
    """The action behind ``key_at_once`` bindings."""

    def action_at_once(self, action: str) -> None:
        from textual.actions import SkipAction

        if taken_as_text(self.app):
            raise SkipAction()  # typed into a search box: a letter, not a command
        getattr(self, f"action_{action}")()


# -- the shared modal base ----------------------------------------------------------------
# A modal screen cuts the app's own bindings off its key chain (Textual stops at the
# first modal), so the keys every screen promises (help, lock, quit, palette) are
# bound here again and passed on to the app's actions.
APP_KEYS = [
    Binding("f1", "app.help", "Trợ giúp", show=False, id="modal.help",
            tooltip="Phím tắt và hướng dẫn của cửa sổ này"),
    Binding("question_mark", "app.help", "Trợ giúp", show=False, id="modal.help2",
            tooltip="Phím tắt và hướng dẫn của cửa sổ này"),
    Binding("ctrl+l", "app.lock", "Khóa", show=False, id="modal.lock",
            tooltip="Khóa sổ ngay; những gì đang nhập dở vẫn được giữ"),
    Binding("ctrl+q", "app.quit", "Thoát", show=False, id="modal.quit", tooltip="Thoát chương trình"),
    Binding("ctrl+p", "app.command_palette", "Lệnh", show=False, priority=True, id="modal.palette",
            tooltip="Bảng lệnh"),
]


class Modal(KeysWaitForFocus, ModalScreen):
    """Base of every pop-up window: the app's keys work inside it too; the keys typed while it
    opens reach the field it focuses first; Tab moves at once."""

    BINDINGS = list(APP_KEYS) + SCREEN_FOCUS_KEYS


# -- the base form -------------------------------------------------------------------
class FormError(Static):
    """The line under the fields for a failed save: takes no room while empty."""

    def update(self, content="", **kwargs) -> None:
        super().update(content, **kwargs)
        self.display = bool(str(content))

FORM_KEYS_HINT = "Enter: ô sau · Ctrl+S lưu · Esc hủy"


class FormModal(Modal):
    """Base of every form. Subclasses give ``title``, ``fields()`` and ``save(values)``."""

    BINDINGS = [
        Binding("ctrl+s", "save", "Lưu", id="form.save", tooltip="Kiểm tra và lưu vào sổ"),
        Binding("escape", "cancel", "Hủy", id="form.cancel",
                tooltip="Đóng biểu mẫu, không lưu (đã nhập gì thì hỏi trước)"),
        # Enter in a box goes on to the next field (at once: the keys typed after it land there);
        # on the last field it saves
        Binding("enter", "enter_key", "Ô sau", show=False, priority=True, id="form.next",
                tooltip="Sang ô sau; ở ô cuối thì lưu"),
    ]
    form_title = ""
    # the first field has the focus from the start (Textual would focus the scrolling box around the
    # fields, and the keys typed while the form opened would go there)
    AUTO_FOCUS = "#form-fields *"
    help_text = ("Enter hoặc Tab: sang ô sau (Enter ở ô cuối: lưu) · Shift+Tab: ô trước · Ctrl+S: lưu · Esc: hủy "
                 "(đã nhập gì thì hỏi trước khi bỏ). Ô chọn: gõ vài chữ (không cần dấu) rồi Enter; ↑↓ xem danh sách.")

    class Saved(Message):
        def __init__(self, result: Any) -> None:
            super().__init__()
            self.result = result

    class Failed(Message):
        def __init__(self, errors: list, message: str) -> None:
            super().__init__()
            self.errors, self.message = errors, message

    def __init__(self) -> None:
        super().__init__()
        self.specs = self.fields()
        self.saving = False

    # subclass API
    def fields(self) -> list[F]:
        raise NotImplementedError

    def save(self, values: dict) -> Any:  # runs in a worker thread
        raise NotImplementedError

    def compose_extra(self) -> ComposeResult:
        return iter(())

    # building
    def compose(self) -> ComposeResult:
        with Vertical(id="form-box"):
            yield Label(tr(self.form_title), id="form-title")
            with VerticalScroll(id="form-fields"):
                for f in self.specs:
                    yield from self._compose_field(f)
                yield from self.compose_extra()
            # docked at the bottom of the box: the fields scroll, the message and buttons stay in view
            with Vertical(id="form-foot"):
                yield FormError("", id="form-error")
                with Horizontal(id="form-buttons"):
                    yield Static(tr(FORM_KEYS_HINT), id="form-keys", classes="muted")
                    yield Button(f"{tr('Lưu')} (Ctrl+S)", id="form-save", variant="primary")
                    yield Button(f"{tr('Hủy')} (Esc)", id="form-cancel")

    def _compose_field(self, f: F) -> ComposeResult:
        label = tr(f.label) + (" *" if f.required else "")
        if f.kind == "check":
            yield Checkbox(tr(f.label), bool(f.value), id=f"f-{f.name}")
        elif f.kind == "info":
            yield Label(label, classes="field-label")
            yield Static(str(f.value), id=f"f-{f.name}", classes="field-info")
            return
        else:
            yield Label(label, classes="field-label")
            if f.kind in ("input", "password"):
                yield Input(str(f.value or ""), placeholder=tr(f.placeholder), password=f.kind == "password",
                            select_on_focus=f.select_on_focus, id=f"f-{f.name}")
            elif f.kind == "select":
                value = f.value if any(v == f.value for _, v in f.options) else Select.NULL
                yield Select(f.options, value=value, allow_blank=f.allow_blank, prompt=tr("(chọn)"), id=f"f-{f.name}")
            elif f.kind == "pick":
                yield Pick(f.options, f.value, placeholder=f.placeholder or tr("gõ vài chữ để chọn, ↓ xem danh sách"),
                           resolver=f.resolver, allow_blank=f.allow_blank, id=f"f-{f.name}")
            elif f.kind == "multi":
                chosen = set(f.value or [])
                yield SelectionList(*[(lab, v, v in chosen) for lab, v in f.options], id=f"f-{f.name}",
                                    classes="field-multi")
        yield Static("", id=f"m-{f.name}", classes="field-msg -empty")

    def on_mount(self) -> None:
        self.refresh_checks()
        self._initial = self.values()
        self.focus_first_field()

    def _inputs(self) -> list:
        return [w for w in self.query_one("#form-fields").query("*") if w.focusable]

    def focus_first_field(self) -> None:
        """The first field takes the keys typed at once (not the scrolling box around the fields);
        focused now, so that the keys typed while the form opened go there (``KeysWaitForFocus``)."""
        fields = self._inputs()
        if fields:
            focus_now(fields[0])

    # Enter: the next field, or save on the last one
    def action_enter_key(self) -> None:
        if self._waiting():
            self._keep(events.Key("enter", "\r"))
            return
        focused = self.focused
        if not isinstance(focused, Input) or focused not in self._inputs():
            raise SkipAction()  # a button, a list, a checkbox: its own Enter
        # the focus moves now (the keys typed next go to the next field); the box may not have
        # handled the keys typed before Enter yet, so what reads it waits for it: a pick takes its
        # choice when it loses the focus, the save runs after the box's own keys
        if focused is self._inputs()[-1]:
            focused.call_later(self.action_save)
        else:
            self.focus_next()

    def early_key(self, event: events.Key) -> None:
        if event.key == "enter":
            self.action_enter_key()
        else:
            super().early_key(event)

    def changed(self) -> bool:
        """Has the clerk typed or chosen anything since the form opened (or was last saved)?"""
        return self.is_mounted and self.values() != getattr(self, "_initial", None)

    # values and checks
    def values(self) -> dict:
        out = {}
        for f in self.specs:
            if f.kind == "info":
                continue
            w = self.query_one(f"#f-{f.name}")
            if isinstance(w, Input):
                out[f.name] = w.value
            elif isinstance(w, Pick):
                out[f.name] = w.value
            elif isinstance(w, Select):
                out[f.name] = None if w.value is Select.NULL else w.value
            elif isinstance(w, SelectionList):
                out[f.name] = list(w.selected)
            elif isinstance(w, Checkbox):
                out[f.name] = w.value
        return out

    def field_errors(self, values: dict) -> dict[str, tuple[str, str]]:
        out = {}
        for f in self.specs:
            if f.kind == "info":
                continue
            v = values.get(f.name)
            err, hint = "", ""
            typed = self._unknown_pick(f)
            if typed:
                err = tr("Không có «{typed}» trong danh sách: gõ lại vài chữ, hoặc ↓ để xem danh sách.").format(
                    typed=typed)
            elif f.required and (v is None or (isinstance(v, str) and not v.strip()) or v == []):
                err = tr("«{label}» không được để trống.").format(label=tr(f.label))
            elif f.check:
                err, hint = f.check(v, values)
            out[f.name] = (err, hint)
        return out

    def _unknown_pick(self, f: F) -> str:
        """The text typed in a pick that chooses nothing ("" when fine)."""
        if f.kind != "pick" or not self.is_mounted:
            return ""
        return self.query_one(f"#f-{f.name}", Pick).invalid

    def refresh_checks(self, only_touched: bool = True) -> int:
        values = self.values()
        errors = 0
        for name, (err, hint) in self.field_errors(values).items():
            msg = self.query_one(f"#m-{name}", Static)
            raw = values.get(name)
            blank = raw in (None, "", []) and not self._unknown_pick(next(f for f in self.specs if f.name == name))
            if err and only_touched and blank:
                err = ""  # do not shout at fields not typed in yet
            errors += bool(err)
            msg.update(f"✗ {err}" if err else hint)
            msg.set_class(bool(err), "-error")
            msg.set_class(bool(hint) and not err, "-hint")
            msg.set_class(not (err or hint), "-empty")
        return errors

    @on(Input.Changed)
    @on(Select.Changed)
    @on(Pick.Changed)
    @on(SelectionList.SelectedChanged)
    def _changed(self, event) -> None:
        if self.is_mounted:
            self.refresh_checks()

    # saving
    @on(Button.Pressed, "#form-save")
    def _save_pressed(self) -> None:
        self.action_save()

    @on(Button.Pressed, "#form-cancel")
    def _cancel_pressed(self) -> None:
        self.action_cancel()

    def action_cancel(self) -> None:
        """Close without saving; what the clerk has typed is not thrown away without asking."""
        if not self.changed():
            self.dismiss(None)
            return
        self.app.push_screen(ConfirmModal(tr("Bỏ những gì đã nhập vào biểu mẫu này? Chưa có gì được lưu."),
                                          yes="Bỏ, không lưu", no="Nhập tiếp"),
                             lambda yes: yes and self.dismiss(None))

    def action_save(self) -> None:
        if self.saving:
            return
        if isinstance(self.focused, PickInput):
            self.focused.pick.commit()  # what is typed in the box on focus counts
        values = self.values()
        errs = self.field_errors(values)
        bad = [n for n, (e, _) in errs.items() if e]
        self.refresh_checks(only_touched=False)
        if bad:
            self.query_one("#form-error", Static).update(tr("Chưa lưu: hãy sửa các ô báo lỗi (✗)."))
            focus_now(self.query_one(f"#f-{bad[0]}"))
            return
        self.saving = True
        self.query_one("#form-error", Static).update("Đang lưu…")
        self._save_worker(values)

    @work(thread=True, exclusive=True, group="form-save")
    def _save_worker(self, values: dict) -> None:
        from models.errors import InputError, StoreError

        try:
            result = self.save(values)
        except InputError as exc:
            self.post_message(self.Failed(exc.errors, exc.message))
        except StoreError as exc:
            self.post_message(self.Failed([], exc.message))
        else:
            self.post_message(self.Saved(result))

    _again = False  # this save is «save and add another»

    def action_save_again(self) -> None:
        """Save, then an empty form for the next one (``saved_again`` says what is kept)."""
        self._again = True
        self.action_save()
        if not self.saving:  # not saved (a field to fix)
            self._again = False

    def on_form_modal_saved(self, message: FormModal.Saved) -> None:
        self.saving = False
        if self._again:
            self._again = False
            self.saved_again(message.result)
            self._initial = self.values()
            return
        self.dismiss(message.result)

    def saved_again(self, result: Any) -> None:
        """Hook: the form saved and stays open for the next entry."""

    def on_form_modal_failed(self, message: FormModal.Failed) -> None:
        self.saving = False
        self._again = False
        names = {f.name for f in self.specs}
        general = []
        first = None
        for e in message.errors:
            if e.field in names:
                msg = self.query_one(f"#m-{e.field}", Static)
                msg.update(f"✗ {e.message}")
                msg.set_class(True, "-error")
                msg.set_class(False, "-empty")
                first = first or e.field
            else:
                general.append(e.message)
        if not message.errors:
            general.append(message.message)
        self.query_one("#form-error", Static).update(
            "Chưa lưu. " + " ".join(general) if general else tr("Chưa lưu: hãy sửa các ô báo lỗi (✗)."))
        if first:
            focus_now(self.query_one(f"#f-{first}"))
        self.failed(message)

    def failed(self, message: FormModal.Failed) -> None:
        """Hook for subclasses (e.g. a duplicate-person warning)."""


# -- small modals --------------------------------------------------------------------
class ConfirmModal(Modal):
    BINDINGS = [
        Binding("y,c", "answer(True)", "Có", id="confirm.yes", tooltip="Đồng ý"),
        Binding("n,k,escape", "answer(False)", "Không", id="confirm.no", tooltip="Không đồng ý"),
    ]

    def __init__(self, question: str, yes: str = "Có, xóa", no: str = "Không") -> None:
        super().__init__()
        self.question, self.yes, self.no = question, yes, no

    def compose(self) -> ComposeResult:
        with Vertical(id="confirm-box"):
            yield Static(self.question, id="confirm-text")
            with Horizontal(id="form-buttons"):
                yield Button(f"{tr(self.yes)} (C)", id="confirm-yes", variant="error")
                yield Button(f"{tr(self.no)} (K)", id="confirm-no", variant="primary")

    def on_mount(self) -> None:
        self.query_one("#confirm-no").focus()

    @on(Button.Pressed)
    def _pressed(self, event: Button.Pressed) -> None:
        self.dismiss(event.button.id == "confirm-yes")

    def action_answer(self, yes: bool) -> None:
        self.dismiss(yes)


class MessageModal(Modal):
    BINDINGS = [Binding("escape,enter", "close", "Đóng", id="message.close", tooltip="Đóng thông báo")]

    def __init__(self, title: str, body: str) -> None:
        super().__init__()
        self.title_text, self.body = title, body

    def compose(self) -> ComposeResult:
        with Vertical(id="confirm-box"):
            yield Label(tr(self.title_text), id="form-title")
            with VerticalScroll(id="message-body"):
                yield Static(self.body, id="message-text")
            with Horizontal(id="form-buttons"):
                yield Button(f"{tr('Đóng')} (Esc)", id="message-close", variant="primary")

    @on(Button.Pressed)
    def action_close(self) -> None:
        self.dismiss(None)


# -- option helpers ---------------------------------------------------------------------
def vocab_options(table: dict) -> list[tuple[str, str]]:
    return [(vi, code) for code, (vi, _en) in table.items()]


GENDER_OPTIONS = [("Nam", "nam"), ("Nữ", "nu")]
