"""F1: the keys of the screen underneath and a short how-to."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical, VerticalScroll
from textual.screen import ModalScreen, Screen
from textual.widgets import Label, Static

from .i18n import language, tr

GENERAL = ("Chung: F1 trợ giúp · Ctrl+P bảng lệnh (gõ để tìm lệnh) · Ctrl+L khóa sổ · Ctrl+Q thoát · "
           "Tab/Shift+Tab chuyển ô · F2–F10 chuyển trang. Mọi thay đổi được lưu (mã hóa) ngay khi bấm Lưu; "
           "không cần «lưu tệp».")


def _key_name(key: str) -> str:
    names = {"escape": "Esc", "enter": "Enter", "space": "Space", "slash": "/", "question_mark": "?",
             "pageup": "PgUp", "pagedown": "PgDn", "down": "↓", "up": "↑", "home": "Home", "end": "End"}
    out = []
    for k in key.split(","):
        k = k.strip()
        if k.startswith("ctrl+"):
            out.append("Ctrl+" + k[5:].upper())
        else:
            out.append(names.get(k, k.upper()))
    return "/".join(out)


def _tooltip(tip: str | None) -> str:
    """A key's tooltip in the UI's language; in English, one not translated yet is left out (the
    key's English name stands alone rather than beside a Vietnamese sentence)."""
    shown = tr(tip or "")
    return "" if language() == "en" and shown == tip else shown


class HelpScreen(ModalScreen):
    BINDINGS = [
        Binding("escape,f1,q", "close", "Đóng", id="help.close", tooltip="Đóng trợ giúp"),
        # a modal screen cuts the app's keys off: lock, quit and the palette still work here
        Binding("ctrl+l", "app.lock", "Khóa", show=False, id="help.lock", tooltip="Khóa sổ ngay"),
        Binding("ctrl+q", "app.quit", "Thoát", show=False, id="help.quit", tooltip="Thoát chương trình"),
        Binding("ctrl+p", "app.command_palette", "Lệnh", show=False, priority=True, id="help.palette",
                tooltip="Bảng lệnh"),
    ]

    def __init__(self, under: Screen) -> None:
        super().__init__()
        self.under = under

    def compose(self) -> ComposeResult:
        how = tr(getattr(self.under, "help_text", "") or "")  # every screen's how-to, in the UI's language
        # one line per action; every key that does it is listed (F1/?, not only the first one)
        groups: dict[tuple, list[str]] = {}
        nav = {"table.up", "table.down", "table.pageup", "table.pagedown", "table.home", "table.end"}
        for key, active in self.under.active_bindings.items():
            b = active.binding
            # our own bindings all carry an id; Textual's built-in ones (in English) do not
            if not b.id or b.id in nav or not b.description:
                continue
            keys = groups.setdefault((tr(b.description), _tooltip(b.tooltip)), [])
            shown = b.key_display or _key_name(key)
            if shown not in keys:
                keys.append(shown)
        lines = []
        for (description, tooltip), keys in groups.items():
            tip = f" — {tooltip}" if tooltip and tooltip != description else ""
            lines.append(f"[b]{'/'.join(keys):>8}[/b]  {description}{tip}")
        lines.append(f"[b]{'↑↓ PgUp PgDn':>8}[/b]  " + tr("Di chuyển trong danh sách; Home/End: đầu/cuối"))
        with Vertical(id="help-box"):
            yield Label(tr("Trợ giúp — phím tắt của màn hình này"), id="form-title")
            with VerticalScroll():
                if how:
                    yield Static(how, id="help-how")
                yield Static("\n".join(lines) or "(không có phím riêng)", id="help-keys")
                yield Static(tr(GENERAL), id="help-general", classes="muted")
            yield Static(tr("Esc: đóng"), classes="muted")

    def action_close(self) -> None:
        self.dismiss(None)
