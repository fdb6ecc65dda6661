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

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.message import Message
from textual.screen import ModalScreen
from textual.widgets import Button, Checkbox, Input, Label, Select, SelectionList, Static

from models import text, validate

from .i18n import tr

Check = Callable[[Any, dict], tuple[str, str]]  # (value, all values) -> (error, hint)


@dataclass
class F:
    """One field of a form."""

    name: str
    label: str
    kind: str = "input"  # input | password | select | multi | check | info
    value: Any = ""
    options: list[tuple[str, Any]] = field(default_factory=list)
    placeholder: str = ""
    check: Check | None = None
    required: bool = False
    allow_blank: bool = True  # selects


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


class Modal(ModalScreen):
    """Base of every pop-up window: the app's keys work inside it too."""

    BINDINGS = list(APP_KEYS)


# -- the base form -------------------------------------------------------------------
class FormError(Static):
    """The line under the fields for a failed save: takes no room while empty."""

    def update(self, content="", **kwargs) -> None:
        super().update(content, **kwargs)
        self.display = bool(str(content))

FORM_KEYS_HINT = "Ctrl+S lưu · Esc hủy · F1 trợ giúp"


class FormModal(Modal):
    """Base of every form. Subclasses give ``title``, ``fields()`` and ``save(values)``."""

    BINDINGS = [
        Binding("ctrl+s", "save", "Lưu", id="form.save", tooltip="Kiểm tra và lưu vào sổ"),
        Binding("escape", "cancel", "Hủy", id="form.cancel", tooltip="Đóng biểu mẫu, không lưu"),
    ]
    form_title = ""
    help_text = "Tab/Shift+Tab: sang ô khác · Ctrl+S: lưu · Esc: hủy."

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
                yield Input(str(f.value or ""), placeholder=f.placeholder, password=f.kind == "password",
                            id=f"f-{f.name}")
            elif f.kind == "select":
                value = f.value if any(v == f.value for _, v in f.options) else Select.NULL
                yield Select(f.options, value=value, allow_blank=f.allow_blank, prompt=tr("(chọn)"), id=f"f-{f.name}")
            elif f.kind == "multi":
                chosen = set(f.value or [])
                yield SelectionList(*[(lab, v, v in chosen) for lab, v in f.options], id=f"f-{f.name}",
                                    classes="field-multi")
        yield Static("", id=f"m-{f.name}", classes="field-msg -empty")

    def on_mount(self) -> None:
        self.refresh_checks()
        self.focus_first_field()

    def focus_first_field(self) -> None:
        """The first field takes the keys typed at once (not the scrolling box around the fields)."""
        for w in self.query_one("#form-fields").query("*"):
            if w.focusable:
                w.focus()
                return

    # values and checks
    def values(self) -> dict:
        out = {}
        for f in self.specs:
            if f.kind == "info":
                continue
            w = self.query_one(f"#f-{f.name}")
            if isinstance(w, Input):
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
            if f.required and (v is None or (isinstance(v, str) and not v.strip()) or v == []):
                err = tr("«{label}» không được để trống.").format(label=tr(f.label))
            elif f.check:
                err, hint = f.check(v, values)
            out[f.name] = (err, hint)
        return out

    def refresh_checks(self, only_touched: bool = True) -> int:
        values = self.values()
        errors = 0
        for name, (err, hint) in self.field_errors(values).items():
            msg = self.query_one(f"#m-{name}", Static)
            raw = values.get(name)
            blank = raw in (None, "", [])
            if err and only_touched and blank:
                err = ""  # do not shout at fields not typed in yet
            errors += bool(err)
            msg.update(err or hint)
            msg.set_class(bool(err), "-error")
            msg.set_class(bool(hint) and not err, "-hint")
            msg.set_class(not (err or hint), "-empty")
        return errors

    @on(Input.Changed)
    @on(Select.Changed)
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
        self.dismiss(None)

    def action_save(self) -> None:
        if self.saving:
            return
        values = self.values()
        errs = self.field_errors(values)
        bad = [n for n, (e, _) in errs.items() if e]
        self.refresh_checks(only_touched=False)
        if bad:
            self.query_one("#form-error", Static).update("Chưa lưu: hãy sửa các ô báo đỏ.")
            self.query_one(f"#f-{bad[0]}").focus()
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

    def on_form_modal_saved(self, message: FormModal.Saved) -> None:
        self.saving = False
        self.dismiss(message.result)

    def on_form_modal_failed(self, message: FormModal.Failed) -> None:
        self.saving = False
        names = {f.name for f in self.specs}
        general = []
        first = None
        for e in message.errors:
            if e.field in names:
                msg = self.query_one(f"#m-{e.field}", Static)
                msg.update(e.message)
                msg.set_class(True, "-error")
                msg.set_class(False, "-empty")
                first = first or e.field
            else:
                general.append(e.message)
        if not message.errors:
            general.append(message.message)
        self.query_one("#form-error", Static).update(
            "Chưa lưu. " + " ".join(general) if general else "Chưa lưu: hãy sửa các ô báo đỏ.")
        if first:
            self.query_one(f"#f-{first}").focus()
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
