"""The Textual application: unlock/create → the main screen; auto-lock; palette.

Widgets never touch the database themselves: every read and save runs in a
thread worker that calls ``models.services`` and answers with a message.
"""

from __future__ import annotations

import time
from collections.abc import Iterable
from pathlib import Path

from textual import events
from textual.app import App, SystemCommand
from textual.binding import Binding
from textual.screen import Screen

from .i18n import set_language, tr


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
        Binding("f1", "help", "Trợ giúp", id="app.help", tooltip="Phím tắt và hướng dẫn của màn hình này"),
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

    # -- start -------------------------------------------------------------------
    def on_mount(self) -> None:
        from .unlock import CreateScreen, UnlockScreen

        self.theme = "textual-dark"
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

    def _idle_gc(self) -> None:
        import gc

        since_full = gc.get_count()[2]  # middle-generation passes since the last full one
        if since_full and (time.monotonic() - self.last_input >= self.GC_IDLE_SECONDS
                           or since_full >= self.GC_FORCE_AFTER):
            gc.collect()

    def registry_opened(self, reg, settings) -> None:
        """Called (on the UI thread) when the unlock/create screen has opened a registry."""
        self.reg = reg
        self.settings = settings
        set_language(settings.language)
        self.last_input = time.monotonic()
        self.data_version += 1
        self.show_main_screen()

    def show_main_screen(self) -> None:
        """The main screen, built anew (after unlocking, or in a new interface language)."""
        from .main_screen import MainScreen

        self.switch_screen(MainScreen())

    def data_changed(self) -> None:
        """A save landed: screens reload what they show when next visible, and the main
        screen re-reads its other tabs in the background."""
        self.data_version += 1
        for screen in self.screen_stack:
            if hasattr(screen, "schedule_warm_up"):
                screen.schedule_warm_up()

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
            self.action_lock()

    def action_lock(self) -> None:
        from .unlock import LockScreen

        if self.reg is None or self.locked:
            return
        self.locked = True
        for screen in self.screen_stack:
            if hasattr(screen, "drop_data"):
                screen.drop_data()
        self.push_screen(LockScreen())

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

        if self.use_command_palette and not CommandPalette.is_open(self):
            self.push_screen(CommandPalette(placeholder=tr("Tìm lệnh (gõ không dấu cũng được)…"),
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
        yield SystemCommand("Trợ giúp (F1)", "Phím tắt và hướng dẫn của màn hình này", self.action_help)
        if self.reg is not None and not self.locked:
            yield SystemCommand("Khóa sổ (Ctrl+L)", "Ẩn dữ liệu và hỏi lại mật khẩu", self.action_lock)
        yield SystemCommand("Thoát (Ctrl+Q)", "Đóng chương trình; mọi thay đổi đã được lưu", self.action_quit)

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


def run_app(path: str | Path, demo_passphrase: str | None = None) -> int:
    app = CnscdApp(path, demo_passphrase=demo_passphrase)
    try:
        app.run()
    finally:
        app.close_registry()
    return app.return_code or 0
