"""Choosing a spreadsheet file: the usual folders, USB sticks, or a typed path."""

from __future__ import annotations

import os
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.message import Message
from textual.widgets import Button, DirectoryTree, Input, Label, Select, Static

from .forms import Modal
from .i18n import tr

SPREADSHEETS = (".xlsx", ".xlsm", ".xls", ".ods", ".csv")


def usual_places() -> list[tuple[str, Path]]:
    """The folders a clerk keeps files in, those that exist, without duplicates."""
    import platformdirs

    home = Path.home()
    out: list[tuple[str, Path]] = []
    for label, fn in (("Tài liệu", platformdirs.user_documents_dir), ("Tải về", platformdirs.user_downloads_dir),
                      ("Màn hình nền", platformdirs.user_desktop_dir)):
        try:
            out.append((label, Path(fn())))
        except Exception:  # noqa: BLE001 - a missing folder is not an error
            continue
    out.append(("Thư mục cá nhân", home))
    seen, unique = set(), []
    for label, p in out:
        if p in seen or not p.is_dir():
            continue
        seen.add(p)
        unique.append((label, p))
    return unique


class SpreadsheetTree(DirectoryTree):
    """Folders and spreadsheet files only; hidden entries left out."""

    def __init__(self, path, *, extensions: tuple[str, ...] = SPREADSHEETS, id: str | None = None) -> None:
        self.extensions = extensions
        super().__init__(path, id=id)

    def filter_paths(self, paths: Iterable[Path]) -> Iterable[Path]:
        out = []
        for p in paths:
            if p.name.startswith((".", "~$")):
                continue
            try:
                if p.is_dir() or p.suffix.lower() in self.extensions:
                    out.append(p)
            except OSError:
                continue
        return out


@dataclass
class Place:
    label: str
    path: Path


class PlacesFound(Message):
    def __init__(self, places: list[Place]) -> None:
        super().__init__()
        self.places = places


class FilePicker(Modal):  # dismisses with a Path, or None
    """Pick a file: a folder (Tài liệu, Tải về, USB…) on top, its tree below, or type a path."""

    BINDINGS = [
        Binding("escape", "cancel", "Hủy", id="picker.cancel", tooltip="Đóng, không chọn tệp"),
        Binding("ctrl+u", "drives", "Tìm USB", id="picker.drives", tooltip="Tìm lại các ổ USB đang cắm"),
    ]
    help_text = ("Chọn nơi tìm (Tài liệu, Tải về, USB…) ở ô trên, rồi mở thư mục và chọn tệp bằng Enter. "
                 "Chỉ hiện thư mục và tệp bảng tính (.xlsx, .xls, .ods, .csv). Có thể gõ thẳng đường dẫn tệp "
                 "vào ô cuối rồi Enter. Ctrl+U: tìm lại USB vừa cắm.")

    def __init__(self, title: str, *, extensions: tuple[str, ...] = SPREADSHEETS, start: Path | None = None) -> None:
        super().__init__()
        self.title_text = title
        self.extensions = extensions
        self.start = start

    def compose(self) -> ComposeResult:
        places = usual_places()
        first = self.start if self.start and self.start.is_dir() else (places[0][1] if places else Path.cwd())
        with Vertical(id="picker-box"):
            yield Label(tr(self.title_text), id="form-title")
            yield Select([(f"{tr(label)}: {p}", str(p)) for label, p in places], value=str(first)
                         if any(p == first for _, p in places) else Select.NULL, prompt=tr("Nơi tìm"), id="picker-place",
                         compact=True)
            yield SpreadsheetTree(first, extensions=self.extensions, id="picker-tree")
            yield Input(placeholder=tr("…hoặc gõ đường dẫn tệp/thư mục rồi Enter"), id="picker-path", compact=True)
            yield Static("", id="picker-msg", classes="field-msg")
            with Horizontal(id="form-buttons"):
                yield Button(f"{tr('Hủy')} (Esc)", id="picker-cancel")

    def on_mount(self) -> None:
        self.query_one("#picker-tree").focus()
        self.find_places()

    @work(thread=True, exclusive=True, group="picker-drives")
    def find_places(self) -> None:
        from exports.usb import list_drives

        places = [Place(label, p) for label, p in usual_places()]
        try:
            drives = list_drives()
        except Exception:  # noqa: BLE001 - the drive list is a convenience
            drives = []
        places += [Place(f"USB {d.describe()}", Path(d.path)) for d in drives]
        self.post_message(PlacesFound(places))

    def on_places_found(self, message: PlacesFound) -> None:
        sel = self.query_one("#picker-place", Select)
        with sel.prevent(Select.Changed):
            cur = sel.value
            opts = [(f"{tr(p.label)}: {p.path}" if not p.label.startswith("USB") else p.label, str(p.path))
                    for p in message.places]
            sel.set_options(opts)
            if cur is not Select.NULL and any(v == cur for _, v in opts):
                sel.value = cur
        usb = [p for p in message.places if p.label.startswith("USB")]
        if usb:
            self.query_one("#picker-msg", Static).update(
                tr("Đã thấy USB: ") + "; ".join(p.label.removeprefix("USB ") for p in usb)
                + tr(" — chọn ở ô «Nơi tìm»."))

    @on(Select.Changed, "#picker-place")
    def _place(self, event: Select.Changed) -> None:
        if event.value is not Select.NULL:
            self.query_one(SpreadsheetTree).path = Path(str(event.value))

    @on(DirectoryTree.FileSelected)
    def _file(self, event: DirectoryTree.FileSelected) -> None:
        event.stop()
        self.dismiss(Path(event.path))

    @on(Input.Submitted, "#picker-path")
    def _typed(self, event: Input.Submitted) -> None:
        raw = event.value.strip().strip('"')
        msg = self.query_one("#picker-msg", Static)
        if not raw:
            return
        p = Path(os.path.expandvars(raw)).expanduser()
        if p.is_dir():
            self.query_one(SpreadsheetTree).path = p
            msg.update(tr("Đang xem thư mục {path}").format(path=p))
            self.query_one(SpreadsheetTree).focus()
        elif p.is_file():
            if p.suffix.lower() not in self.extensions:
                msg.update(tr("«{name}» không phải tệp bảng tính ({extensions}).").format(
                    name=p.name, extensions=", ".join(self.extensions)))
                return
            self.dismiss(p)
        else:
            msg.update(tr("Không thấy tệp hoặc thư mục «{path}».").format(path=raw))

    @on(Button.Pressed, "#picker-cancel")
    def action_cancel(self) -> None:
        self.dismiss(None)

    def action_drives(self) -> None:
        self.query_one("#picker-msg", Static).update(tr("Đang tìm USB…"))
        self.find_places()
