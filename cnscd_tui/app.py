"""The Textual application: unlock/create → the main screen; auto-lock; palette.

Widgets never touch the database themselves: every read and save runs in a
thread worker that calls ``models.services`` and answers with a message.

Also here: the colour theme (the clerk's choice is kept in the program's own settings
file, ``user_config_dir``/tui.json — a monitor's matter, not the registry's; without a
choice ``TEXTUAL_THEME`` or Textual's default applies; ``NO_COLOR`` is honoured by
Textual), the warnings a save leaves (``reg.take_notices()``), and what an unexpected
error does: a crash report without personal data (``models.logs``) and a Vietnamese
message instead of a traceback.
"""

from __future__ import annotations

import json
import os
import time
from collections.abc import Iterable
from pathlib import Path

from textual import events
from textual.app import App, SystemCommand
from textual.binding import Binding
from textual.screen import Screen
from textual.theme import Theme

from .i18n import set_language, tr, tr_pair

HIGH_CONTRAST = Theme(
    name="cnscd-tuong-phan-cao", primary="#FFFF00", secondary="#00FFFF", accent="#FFFF00", foreground="#FFFFFF",
    background="#000000", surface="#000000", panel="#1A1A1A", boost="#333333", warning="#FFB000",
    error="#FF4040", success="#00FF00", dark=True,
    variables={"text-muted": "#D0D0D0", "border": "#FFFFFF", "block-cursor-background": "#FFFF00",
               "block-cursor-foreground": "#000000", "input-selection-background": "#FFFF00 40%"},
)
# the themes offered in Cài đặt: name → (Vietnamese, English)
THEMES = {
    "textual-dark": ("Tối (mặc định)", "Dark (default)"),
    "textual-light": ("Sáng", "Light"),
    HIGH_CONTRAST.name: ("Tương phản cao (màn hình cũ)", "High contrast (old monitors)"),
}
APP_NAME = "cnscd"


def config_path() -> Path:
    """The program's own settings on this computer (not in the registry): the colour theme."""
    from platformdirs import user_config_dir

    return Path(user_config_dir(APP_NAME, appauthor=False)) / "tui.json"


def load_config() -> dict:
    try:
        data = json.loads(config_path().read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return data if isinstance(data, dict) else {}


def save_config(**changes) -> None:
    """Store settings of this computer (folder 0700, file 0600, written then renamed)."""
    path = config_path()
    data = load_config() | changes
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    tmp = path.with_name(path.name + ".tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as f:
        json.dump(data, f, ensure_ascii=False)
    os.replace(tmp, path)


def _palette_provider():
    """The command palette provider, imported when the palette first opens (start-up stays light)."""
    from .palette import CnscdCommands

    return CnscdCommands


class CnscdApp(App):
    CSS_PATH = str(Path(__file__).with_name("app.tcss"))
    COMMANDS = {_palette_provider}
    TITLE = "Sổ Tổ CNSCĐ"
    SUB_TITLE = "Tổ công nghệ số cộng đồng"
    ENABLE_COMMAND_PALETTE = True
    COMMAND_PALETTE_BINDING = "ctrl+p"
    BINDINGS = [
        Binding("f1", "help", "Trợ giúp", key_display="F1", id="app.help", tooltip="Phím tắt và hướng dẫn của màn hình này"),
        Binding("ctrl+p", "command_palette", "Lệnh", id="app.palette", priority=True, show=False,
                tooltip="Bảng lệnh: gõ để tìm việc cần làm"),
        # global keys stay out of the 80-column footer (F1 lists them, so does the palette)
        Binding("ctrl+l", "lock", "Khóa", show=False, id="app.lock",
                tooltip="Khóa sổ ngay (ẩn dữ liệu, hỏi lại mật khẩu)"),
        Binding("ctrl+q", "quit", "Thoát", show=False, id="app.quit",
                tooltip="Thoát chương trình (dữ liệu đã được lưu)"),
        Binding("question_mark", "help", "Trợ giúp", show=False, id="app.help2",
                tooltip="Phím tắt và hướng dẫn của màn hình này"),
    ]

    def __init__(self, path: str | Path, *, demo_passphrase: str | None = None, idle_check_seconds: float = 15.0):
        super().__init__()
        self.path = Path(path)
        self.demo_passphrase = demo_passphrase
        self.reg = None
        self.settings = None
        self.locked = False
        self.data_version = 0
        self.idle_check_seconds = idle_check_seconds
        self.last_input = time.monotonic()
        self.crash_message = ""  # set when an unexpected error ended the program
        self.register_theme(HIGH_CONTRAST)

    # -- start -------------------------------------------------------------------
    def on_mount(self) -> None:
        from .unlock import CreateScreen, UnlockScreen

        self.apply_theme(load_config().get("theme"))
        # no sliding tab underlines or smooth scrolling: old office PCs, remote terminals
        self.animation_level = "none"
        if self.path.exists():
            self.push_screen(UnlockScreen(self.path, demo_passphrase=self.demo_passphrase))
        else:
            self.push_screen(CreateScreen(self.path))
        self.set_interval(self.idle_check_seconds, self.check_auto_lock)
        self._full_gc_when_idle()

    # -- garbage collection ------------------------------------------------------------------
    # Python's full (generation 2) collections took 10–45 ms at province scale and landed
    # in the middle of keystrokes of the people search. While the app runs, the collector
    # keeps its quick young-generation passes but does the full pass only when the clerk
    # pauses (no key or mouse for GC_IDLE_SECONDS), or when garbage has piled up anyway.
    GC_IDLE_SECONDS = 0.5
    GC_FORCE_AFTER = 200  # young passes since the last full one: collect even while typing

    def _full_gc_when_idle(self) -> None:
        import gc

        self._gc_threshold = gc.get_threshold()
        young, middle = self._gc_threshold[:2]
        gc.set_threshold(young, middle, 1_000_000)  # no automatic full pass
        self.set_interval(0.25, self._idle_gc)

    GC_BUSY_MAX_SECONDS = 60.0  # … and even while background work runs, once it has run this long (a safety valve)

    def _idle_gc(self) -> None:
        """A full collection when input pauses, never while a background read, a save or the
        main screen's reading of the other tabs runs (a full pass holds the interpreter, and
        with it the worker, for tens of ms — at 16× the province, hundreds)."""
        import gc

        since_full = gc.get_count()[2]  # middle-generation passes since the last full one
        if not since_full:
            return
        now = time.monotonic()
        if self.background_work():
            busy_since = getattr(self, "_busy_since", None)
            if busy_since is None:
                self._busy_since = now
            elif now - busy_since >= self.GC_BUSY_MAX_SECONDS:
                self._busy_since = now
                gc.collect()
            return
        self._busy_since = None
        if now - self.last_input >= self.GC_IDLE_SECONDS or since_full >= self.GC_FORCE_AFTER:
            gc.collect()

    def background_work(self) -> bool:
        """A worker is running (a file picker's folder loader, which never ends, does not count),
        or a screen is between two of its background reads."""
        from textual.worker import WorkerState

        return (any(w.state in (WorkerState.PENDING, WorkerState.RUNNING) and w.group != "_loader"
                    for w in self.workers)
                or any(getattr(s, "warming_up", False) for s in self.screen_stack))

    # -- colour themes -------------------------------------------------------------------------
    def apply_theme(self, name: str | None) -> None:
        """The clerk's theme; without one, what ``TEXTUAL_THEME`` (or Textual) chose stays."""
        if name and name in self.available_themes:
            self.theme = name

    def theme_choices(self) -> list[tuple[str, str]]:
        """The themes Cài đặt offers (the one TEXTUAL_THEME chose too, if it is another)."""
        out = [(tr_pair(vi, en), name) for name, (vi, en) in THEMES.items()]
        if self.theme not in THEMES:
            out.insert(0, (tr_pair(f"{self.theme} (theo TEXTUAL_THEME)", f"{self.theme} (from TEXTUAL_THEME)"),
                           self.theme))
        return out

    def theme_label(self) -> str:
        pair = THEMES.get(self.theme)
        return tr_pair(*pair) if pair else self.theme

    def choose_theme(self, name: str) -> None:
        """Cài đặt: show ``name`` now and keep it for the next start (this computer's settings)."""
        self.apply_theme(name)
        try:
            save_config(theme=name)
        except OSError as exc:
            self.notify(tr_pair(f"Không ghi được tệp cài đặt giao diện ({exc.strerror or exc}); màu chỉ đổi "
                                "trong lần chạy này.", "Could not save the theme; it applies to this run only."),
                        severity="warning", timeout=8)

    def registry_opened(self, reg, settings) -> None:
        """Called (on the UI thread) when the unlock/create screen has opened a registry."""
        self.reg = reg
        self.settings = settings
        set_language(settings.language)
        self.last_input = time.monotonic()
        self.data_version += 1
        from models import logs

        logs.get("tui").info("registry opened%s", " read-only" if getattr(reg, "read_only", False) else "")
        self.show_main_screen()
        self.show_notices()

    def show_main_screen(self) -> None:
        """The main screen, built anew (after unlocking, or in a new interface language)."""
        from .main_screen import MainScreen

        self.switch_screen(MainScreen())

    def data_changed(self) -> None:
        """A save landed: screens reload what they show when next visible, and the main
        screen re-reads its other tabs in the background. What the save had to warn about
        (e.g. no backup could be made) is shown once."""
        self.data_version += 1
        for screen in self.screen_stack:
            if hasattr(screen, "schedule_warm_up"):
                screen.schedule_warm_up()
        self.show_notices()

    def show_notices(self) -> None:
        reg = self.reg
        if reg is None or getattr(reg, "closed", False):
            return
        for notice in reg.take_notices():
            self.notify(notice, title=tr_pair("Cần lưu ý", "Warning"), severity="warning", timeout=20)

    # -- auto-lock ------------------------------------------------------------------
    async def on_event(self, event: events.Event) -> None:
        if isinstance(event, (events.Key, events.MouseDown, events.MouseScrollDown, events.MouseScrollUp)):
            self.last_input = time.monotonic()
        await super().on_event(event)

    def check_auto_lock(self) -> None:
        if self.reg is None or self.locked or self.settings is None:
            return
        minutes = int(self.settings.auto_lock_minutes or 0)
        if minutes and time.monotonic() - self.last_input >= minutes * 60:
            self.action_lock(by_clerk=False)

    def action_lock(self, by_clerk: bool = True) -> None:
        """Ctrl+L (``by_clerk``) or the auto-lock: hide the data, ask for the passphrase again."""
        from .unlock import LockScreen

        if self.reg is None or self.locked:
            return
        self.locked = True
        for screen in self.screen_stack:
            if hasattr(screen, "drop_data"):
                screen.drop_data()
        self.push_screen(LockScreen(by_clerk=by_clerk))

    def unlocked(self) -> None:
        self.locked = False
        self.last_input = time.monotonic()
        self.data_version += 1
        for screen in self.screen_stack:
            if hasattr(screen, "reload_visible"):
                screen.reload_visible()

    # -- help and palette ------------------------------------------------------------
    def action_command_palette(self) -> None:
        """Textual's palette, with a Vietnamese prompt (its own is «Search for commands…»)."""
        from textual.command import CommandPalette

        from .palette import palette_class

        if self.use_command_palette and not CommandPalette.is_open(self):
            self.push_screen(palette_class()(placeholder=tr("Tìm lệnh (gõ không dấu cũng được)…"),
                                             id="--command-palette"))

    def action_help(self) -> None:
        from .help import HelpScreen

        if isinstance(self.screen, HelpScreen):
            return
        self.push_screen(HelpScreen(self.screen))

    def get_system_commands(self, screen: Screen) -> Iterable[SystemCommand]:
        commands = getattr(screen, "palette_commands", None)
        if commands is not None:
            for title, helptext, cb in commands():
                yield SystemCommand(title, helptext, cb)
        if self.reg is not None and not self.locked and type(screen).__name__ == "MainScreen":
            yield SystemCommand("Nhập danh sách từ tệp Excel", "Nhập danh sách thành viên từ tệp .xlsx/.xls/.ods/.csv "
                                "(kể cả trên USB, phông .VnTime/VNI)", self.open_import)
            yield SystemCommand("Nhập Phụ lục I của đơn vị cấp dưới", "Đưa bảng số tổ, số thành viên của xã/huyện "
                                "vào sổ tổng hợp", lambda: self.open_import("phu-luc-1"))
            yield SystemCommand("Mẫu biểu của cấp trên", "Lưu, xem cách ghép cột và điền mẫu .xlsx huyện/tỉnh gửi",
                                self.open_templates)
            yield SystemCommand("Nhận gói báo cáo của các xã", "Chọn tệp .cnscd-goi, thư mục hay ổ USB; xem trước; "
                                "gói mới thay gói cũ của cùng xã, cùng kỳ", self.open_handoff_import)
            yield SystemCommand("Theo dõi nộp báo cáo của các xã", "Xã nào đã nộp, nộp muộn, chưa nộp gói báo cáo "
                                "của kỳ (M: danh sách xã chưa nộp)", self.open_handoff_board)
        yield SystemCommand("Trợ giúp (F1)", "Phím tắt và hướng dẫn của màn hình này", self.action_help)
        if self.reg is not None and not self.locked:
            yield SystemCommand("Khóa sổ (Ctrl+L)", "Ẩn dữ liệu và hỏi lại mật khẩu", self.action_lock)
        yield SystemCommand("Thoát (Ctrl+Q)", "Đóng chương trình; mọi thay đổi đã được lưu", self.action_quit)

    # -- hand-off packages (province) ---------------------------------------------------
    def open_handoff_import(self) -> None:
        from .handoff_screen import HandoffImportScreen

        self.push_screen(HandoffImportScreen())

    def open_handoff_board(self) -> None:
        from .handoff_screen import CompletenessScreen

        self.push_screen(CompletenessScreen())

    # -- imports and templates ---------------------------------------------------------
    def open_import(self, kind: str = "roster", path: Path | None = None) -> None:
        from .import_screen import ImportScreen

        if self.reg is None or self.locked:
            return
        self.push_screen(ImportScreen(path, kind=kind))

    def open_templates(self) -> None:
        from .templates_screen import TemplatesScreen

        if self.reg is None or self.locked:
            return
        self.push_screen(TemplatesScreen())

    # -- end -----------------------------------------------------------------------------
    async def action_quit(self) -> None:
        """Quit; if typed work is not saved (the activity grid), ask first."""
        unsaved = [w for s in self.screen_stack if hasattr(s, "unsaved_work") for w in [s.unsaved_work()] if w]
        if not unsaved or self.locked:
            self.exit()
            return
        from .forms import ConfirmModal

        def done(yes) -> None:
            if yes:
                self.exit()
        self.push_screen(ConfirmModal(" ".join(unsaved) + tr_pair(" Thoát và bỏ những ô đó?",
                                                                  " Quit and drop them?"),
                                      yes="Có, thoát", no="Không, ở lại"), done)

    def _handle_exception(self, error: Exception) -> None:
        """An unexpected error: a crash report (no personal data) and a Vietnamese message on
        exit instead of Textual's traceback (which prints local values, i.e. people's data)."""
        from textual.worker import WorkerFailed

        from models import logs

        original = error.error if isinstance(error, WorkerFailed) else error
        try:
            where = type(self.screen).__name__
        except Exception:  # noqa: BLE001 - no screen yet (or any more)
            where = "khởi động"
        try:
            path = logs.crash_report(original, where=f"giao diện: {where}")
        except Exception:  # noqa: BLE001 - the report must never hide the message
            path = None
        self.crash_message = logs.excepthook_message(path)
        super()._handle_exception(error)

    def _fatal_error(self) -> None:
        if not self.crash_message:  # pragma: no cover - _handle_exception always sets it first
            return super()._fatal_error()
        self.bell()
        self.panic(self.crash_message)

    def on_unmount(self) -> None:
        import gc

        if getattr(self, "_gc_threshold", None):
            gc.set_threshold(*self._gc_threshold)
        self.close_registry()

    def close_registry(self) -> None:
        if self.reg is not None:
            try:
                self.reg.close()
            finally:
                self.reg = None


def run_app(path: str | Path, demo_passphrase: str | None = None, *, debug: bool | None = None) -> int:
    """Run the TUI. The log goes to the platform's log folder (``debug``: more detail; None: as the
    command line already set it up, or the usual level)."""
    import logging

    from models import logs

    if debug is None:
        debug = logging.getLogger(logs.LOGGER).level == logging.DEBUG
    logs.setup(debug)
    log = logs.get("tui")
    log.info("tui start")
    app = CnscdApp(path, demo_passphrase=demo_passphrase)
    try:
        app.run()
    finally:
        app.close_registry()
    log.info("tui end (exit code %s)", app.return_code or 0)
    return app.return_code or 0
