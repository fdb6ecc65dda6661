"""Steps 1–2 of the import wizard: what kind of file to import (a roster or a lower unit's
Phụ lục I) and which file; then, for a workbook of several sheets, which sheet."""

from __future__ import annotations

from pathlib import Path

from textual import on
from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical
from textual.message import Message
from textual.widgets import Label, OptionList, Select, Static
from textual.widgets.option_list import Option

from ..i18n import tr

KINDS = [("Danh sách thành viên (họ tên, năm sinh, thôn, số điện thoại…)", "roster"),
         ("Phụ lục I của đơn vị cấp dưới (số tổ, số thành viên) — để tổng hợp", "phu-luc-1")]


class FileStep(Vertical):
    """The kind of import and what the file should look like (Ctrl+F picks the file)."""

    class KindChosen(Message):
        def __init__(self, kind: str) -> None:
            super().__init__()
            self.kind = kind

    def __init__(self, kind: str, **kwargs) -> None:
        super().__init__(**kwargs)
        self.kind = kind

    def compose(self) -> ComposeResult:
        with Horizontal(classes="imp-bar"):
            yield Select([(tr(label), k) for label, k in KINDS], value=self.kind, allow_blank=False, id="imp-kind",
                         compact=True)
        yield Static("", id="imp-file-help")

    def show_help(self, kind: str, path: Path | None) -> None:
        if kind == "roster":
            how = tr("Tệp .xlsx, .xls, .ods hoặc .csv có một dòng tiêu đề (Họ và tên, Năm sinh, Thôn/TDP, Số ĐT, "
                     "Thành phần, CCCD…), có thể có dòng tên biểu ở trên và chữ ký ở dưới. Chữ gõ phông cũ "
                     "(.VnTime, VNI) được tự chuyển sang Unicode.")
        else:
            how = tr("Bảng Phụ lục I (Stt | Đơn vị | Tổng số Tổ CNSCĐ/thôn | Tổng số thành viên) do xã/huyện gửi "
                     "lên, hoặc tệp báo cáo do chương trình này xuất ở đơn vị đó. Bảng có dòng tổng không khớp các "
                     "dòng sẽ được báo.")
        picked = f"\n[b]{tr('Tệp đã chọn:')}[/b] {path}" if path else ""
        self.query_one("#imp-file-help", Static).update(
            f"{how}\n\n{tr('Ctrl+F: chọn tệp (Tài liệu, Tải về, USB…).')}{picked}")

    @on(Select.Changed, "#imp-kind")
    def _kind(self, event: Select.Changed) -> None:
        event.stop()
        if event.value is not Select.NULL:
            self.post_message(self.KindChosen(str(event.value)))


class SheetStep(Vertical):
    """A workbook of several sheets: the clerk picks the one with the list (Enter)."""

    class Chosen(Message):
        """``number`` counts from 1, as the importer's options do."""

        def __init__(self, number: int) -> None:
            super().__init__()
            self.number = number

    def compose(self) -> ComposeResult:
        yield Label(tr("Tệp có nhiều trang tính; chọn trang có danh sách (Enter):"), classes="section")
        yield OptionList(id="imp-sheets")

    def show(self, preview) -> None:
        ol = self.query_one("#imp-sheets", OptionList)
        ol.clear_options()
        for i, name in enumerate(preview.sheet_names):
            mark = "  ← " + tr("có danh sách") if name == preview.sheet else ""
            ol.add_option(Option(f"{i + 1}. {name}{mark}", id=str(i + 1)))
        ol.highlighted = preview.sheet_names.index(preview.sheet) if preview.sheet in preview.sheet_names else 0

    def choose_highlighted(self) -> None:
        ol = self.query_one("#imp-sheets", OptionList)
        if ol.highlighted is not None:
            ol.action_select()

    def clear(self) -> None:
        self.query_one("#imp-sheets", OptionList).clear_options()

    @on(OptionList.OptionSelected, "#imp-sheets")
    def _sheet(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        self.post_message(self.Chosen(int(event.option.id)))
