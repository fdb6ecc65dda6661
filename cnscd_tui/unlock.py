"""Opening a registry: the unlock screen (the first screen of the program, kept light); the forgotten
passphrase, the first-run wizard and the lock screen are in :mod:`cnscd_tui.unlock_more`."""

from __future__ import annotations

from pathlib import Path

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Center, Horizontal, Vertical
from textual.screen import Screen
from textual.widgets import Button, Input, Label, Static

from .i18n import tr
from .unlock_common import (  # noqa: F401  (re-exported: the other screens' names are looked up here)
    BACKUP_SECRET,
    OpenFailed,
    Opened,
    _footer,
    _open_errors,
    passphrase_problems,
)

# What unlocking needs, imported in the background once the unlock screen has painted, while the
# clerk types (the store, the schema and peewee, cryptography, the services and the main screen):
# none of it is loaded before the first paint, and none of it is waited for after Enter.
PREWARM = ("models.db", "models.store", "models.services", "cnscd_tui.main_screen")


def _prewarm() -> None:
    import gc
    import importlib

    try:
        for name in PREWARM:
            importlib.import_module(name)
        from models import db

        # every tab's module (imported on the UI thread after Enter otherwise: ≈ 0.2 s)
        importlib.import_module("cnscd_tui.main_screen").pane_classes()
        db._load()
        # what was imported lives as long as the program: out of the collector's full passes (one,
        # when the clerk paused typing the passphrase, took 140 ms and could delay Enter)
        gc.freeze()
    except Exception:  # an import error shows itself again, where the module is used
        pass


def start_prewarm() -> None:
    """:data:`PREWARM` imported in a background thread (a daemon: nothing to wait for at exit)."""
    import threading

    threading.Thread(target=_prewarm, name="cnscd-prewarm", daemon=True).start()


class UnlockScreen(Screen):
    BINDINGS = [
        Binding("f3", "recover", "Quên mật khẩu", id="unlock.recover",
                tooltip="Mở bằng mã khôi phục và đặt mật khẩu mới"),
    ]
    help_text = ("Gõ mật khẩu của sổ rồi nhấn Enter. Quên mật khẩu: nhấn F3 và nhập mã khôi phục (25 ký tự "
                 "được in ra khi tạo sổ). Nếu tệp sổ bị hỏng, chương trình đề nghị khôi phục bản sao lưu tốt "
                 "gần nhất.")

    def __init__(self, path: Path, demo_passphrase: str | None = None) -> None:
        super().__init__()
        self.path = path
        self.demo_passphrase = demo_passphrase
        self.backup = None
        self.busy = False

    def compose(self) -> ComposeResult:
        with Center():
            with Vertical(id="unlock-box", classes="dialog"):
                yield Label("Sổ Tổ công nghệ số cộng đồng — Mở sổ", classes="dialog-title")
                yield Static(f"Tệp sổ: {self.path}", id="unlock-path", classes="muted")
                if self.demo_passphrase:
                    yield Static(f"Sổ mẫu (dữ liệu thử). Mật khẩu: [b]{self.demo_passphrase}[/b]", id="unlock-demo")
                yield Label(tr("Mật khẩu"))
                yield Input(password=True, id="unlock-pass", placeholder="mật khẩu của sổ")
                yield Static("", id="unlock-msg", classes="field-msg")
                with Horizontal(classes="buttons"):
                    yield Button(f"{tr('Mở sổ')} (Enter)", id="unlock-open", variant="primary")
                    yield Button(f"{tr('Quên mật khẩu')} (F3)", id="unlock-recover")
                    yield Button("Khôi phục bản sao lưu", id="unlock-restore", variant="warning", classes="hidden")
        # a plain key line instead of the Footer: the first screen must appear fast on an old PC
        yield Static(" [b]Enter[/b] Mở sổ   [b]F3[/b] Quên mật khẩu   [b]F1[/b] Trợ giúp   [b]Ctrl+Q[/b] Thoát",
                     classes="keys-line")

    def on_mount(self) -> None:
        self.query_one("#unlock-pass").focus()
        self.call_after_refresh(start_prewarm)

    @on(Input.Submitted, "#unlock-pass")
    @on(Button.Pressed, "#unlock-open")
    def _open(self) -> None:
        passphrase = self.query_one("#unlock-pass", Input).value
        if not passphrase:
            self._say("Hãy nhập mật khẩu.", error=True)
            return
        if self.busy:
            return
        self.busy = True
        self._say("Đang mở sổ… (giải mã mất khoảng nửa giây)")
        self.open_worker(passphrase)

    @work(thread=True, exclusive=True, group="unlock")
    def open_worker(self, passphrase: str, restore=None) -> None:
        from models.db import Registry
        from models.services import get_settings
        from models.errors import StoreError
        from models.store import restore_backup

        try:
            if restore is not None:
                restore_backup(restore.path, self.path, passphrase=passphrase)
            # read-only when the folder cannot be written (a CD, a locked USB stick): reading,
            # verifying and exporting still work; every save is refused with a clear message
            reg = Registry.open(self.path, passphrase=passphrase, read_only=None)
        except StoreError as exc:
            fail = _open_errors(exc)
            if restore is not None and fail.kind == "wrong":
                fail = OpenFailed("wrong-backup", BACKUP_SECRET)
            self.post_message(fail)
            return
        except OSError as exc:
            self.post_message(OpenFailed("error", f"Không đọc được tệp sổ: {exc.strerror or exc}"))
            return
        try:
            settings = get_settings(reg)
        except Exception as exc:  # a registry that opens but cannot be read is damaged
            reg.close()
            self.post_message(OpenFailed("damaged", f"Nội dung sổ không đọc được ({exc})."))
            return
        self.post_message(Opened(reg, settings))

    def on_opened(self, message: Opened) -> None:
        self.busy = False
        self.app.registry_opened(message.reg, message.settings)

    def on_open_failed(self, message: OpenFailed) -> None:
        self.busy = False
        titles = {"wrong": "Sai mật khẩu.", "busy": "Sổ đang mở ở nơi khác.", "damaged": "Tệp sổ bị hỏng.",
                  "missing": "Không tìm thấy tệp sổ.", "error": "Không mở được sổ.",
                  "wrong-backup": "Bản sao lưu không mở được bằng mật khẩu này."}
        text = message.message
        if message.kind == "wrong":  # the title already says the passphrase is wrong: only what to do
            text = "Kiểm tra phím Caps Lock và bộ gõ tiếng Việt (Unikey) rồi thử lại; quên mật khẩu thì nhấn F3."
        self._say(f"{titles.get(message.kind, '')} {text}", error=True)
        if message.kind != "wrong-backup":  # the backup offered stays offered
            self.backup = message.backup
        self.query_one("#unlock-restore").set_class(self.backup is None, "hidden")
        pw = self.query_one("#unlock-pass", Input)
        pw.value = ""
        pw.focus()

    @on(Button.Pressed, "#unlock-restore")
    def _restore(self) -> None:
        passphrase = self.query_one("#unlock-pass", Input).value
        if not passphrase:
            self._say("Nhập mật khẩu (của bản sao lưu) rồi nhấn lại «Khôi phục bản sao lưu».", error=True)
            return
        self.busy = True
        self._say(f"Đang khôi phục {self.backup.path.name}… (tệp hỏng được giữ lại trong thư mục sao lưu)")
        self.open_worker(passphrase, restore=self.backup)

    @on(Button.Pressed, "#unlock-recover")
    def action_recover(self) -> None:
        from .unlock_more import RecoverScreen

        self.app.push_screen(RecoverScreen(self.path))

    def _say(self, text: str, error: bool = False) -> None:
        msg = self.query_one("#unlock-msg", Static)
        msg.update(text)
        msg.set_class(error, "-error")


# The other screens (recovery, first run, lock, the recovery key) live in unlock_more, loaded when
# first asked for: ``from cnscd_tui.unlock import CreateScreen`` still works.
_MORE = ("RecoverScreen", "COMMUNE_KINDS", "NewRegistry", "CreateScreen", "LockScreen", "RecoveryKeyModal")


def __getattr__(name: str):
    if name in _MORE:
        from . import unlock_more

        return getattr(unlock_more, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
