"""Step 3 of the roster import: how the file's columns are read (Enter on a column to
change it, or its Vietnamese encoding), and the village and category names the registry
does not know (Enter to say which one they stand for). A change is kept in the
importer's options; the screen reads the file again with them."""

from __future__ import annotations

from pathlib import Path

from textual import on
from textual.app import ComposeResult
from textual.containers import Vertical
from textual.message import Message
from textual.widgets import Label, Static

from models import text

from ..i18n import tr
from ..widgets import Column, LazyTable


class MapStep(Vertical):
    class ColumnPicked(Message):
        """Enter on a column of the file."""

        def __init__(self, column) -> None:
            super().__init__()
            self.column = column

    class NamePicked(Message):
        """Enter on an unknown name: ``kind`` is «village» or «category»."""

        def __init__(self, kind: str, name: str) -> None:
            super().__init__()
            self.kind, self.name = kind, name

    preview = None

    def compose(self) -> ComposeResult:
        yield Static("", id="imp-map-info")
        yield LazyTable([Column("Cột", 4), Column("Tiêu đề trong tệp"), Column("Ghép vào", 18),
                         Column("Bảng mã", 14)], id="imp-cols", enter_label="Sửa cột",
                        empty_text="(chưa đọc tệp)")
        yield Label(tr("Tên thôn/TDP, thành phần chưa có trong sổ (Enter để chọn tương ứng)"), classes="section")
        yield LazyTable([Column("Trong tệp"), Column("Loại", 10), Column("Số dòng", 7, "right"),
                         Column("Sẽ ghép với", 24)], id="imp-names", enter_label="Chọn",
                        empty_text="Không có: mọi thôn và thành phần trong tệp đều đã có trong sổ.")

    def show(self, pv, options, categories) -> None:
        self.preview = pv
        self.query_one("#imp-map-info", Static).update("\n".join(_summary(pv)))
        self.query_one("#imp-cols", LazyTable).set_rows(*_column_rows(pv), keep_cursor=True)
        self.query_one("#imp-names", LazyTable).set_rows(*_name_rows(pv, options, categories), keep_cursor=True)

    def clear(self) -> None:
        self.preview = None
        for sel in ("#imp-cols", "#imp-names"):
            self.query_one(sel, LazyTable).set_rows([])
        self.query_one("#imp-map-info", Static).update("")

    @on(LazyTable.Selected, "#imp-cols")
    def _column(self, event: LazyTable.Selected) -> None:
        event.stop()
        col = next((c for c in self.preview.columns if c.index == event.key), None) if self.preview else None
        if col is not None:
            self.post_message(self.ColumnPicked(col))

    @on(LazyTable.Selected, "#imp-names")
    def _name(self, event: LazyTable.Selected) -> None:
        event.stop()
        if event.key is not None:
            self.post_message(self.NamePicked(*event.key))


def _summary(pv) -> list[str]:
    head = tr("dòng {row}").format(row=pv.header_row) + (f"–{pv.header_row + 1}" if pv.header_rows == 2 else "")
    csv = tr(" · mã hóa {encoding}, phân cách «{delimiter}»").format(
        encoding=pv.csv_encoding, delimiter=pv.csv_delimiter) if pv.file_kind == "csv" else ""
    lines = [tr("Tệp {name} ({kind}) · trang «{sheet}» · tiêu đề ở {head}{csv} · cách ghép cột: {source}").format(
        name=Path(pv.path).name, kind=pv.file_kind.upper(), sheet=pv.sheet, head=head, csv=csv,
        source=pv.mapping_source)]
    for b in pv.blocking:
        lines.append(f"[red]{b} {tr('Chọn cột chứa họ tên bằng Enter.')}[/red]")
    for c in pv.unsure_columns:
        lines.append("[red]" + tr("Cột {letter}: chưa rõ bảng mã chữ Việt — Enter trên cột {letter} để chọn "
                                  "(chưa chọn thì chưa nhập được).").format(letter=c.letter) + "[/red]")
    return lines


def _column_rows(pv) -> tuple[list, list]:
    from exports import importer
    from exports import legacy_text as lt

    rows, keys = [], []
    for ci in pv.columns:
        if not ci.header and not ci.field:
            continue
        enc = ""
        if ci.field in importer.TEXT_FIELDS:
            enc = tr(lt.ENCODING_LABELS[ci.encoding]).split(" (")[0] + ("" if ci.encoding_sure else " ?")
        rows.append((ci.letter, ci.header or tr("(không tên)"), tr(ci.field_label), enc))
        keys.append(ci.index)
    return rows, keys


def _name_rows(pv, options, categories) -> tuple[list, list]:
    from exports import importer

    names, keys = [], []
    for name, rws in pv.unknown_villages.items():
        target = mapped(options.village_map, name)
        shown = (tr("tạo mới") if target == importer.CREATE else target) if target else tr("[chưa chọn]")
        names.append((name, tr("Thôn/TDP"), text.format_int(len(rws)), shown))
        keys.append(("village", name))
    for name, rws in pv.unknown_categories.items():
        target = mapped(options.category_map, name)
        shown = next((c.name for c in categories if c.code == target), target) if target else \
            tr("[chưa chọn — các dòng chờ]")  # never a silent «Chức danh khác»
        names.append((name, tr("Thành phần"), text.format_int(len(rws)), shown))
        keys.append(("category", name))
    return names, keys


def mapped(mapping: dict, name: str) -> str:
    """What ``name`` is mapped to (names compared without accents or case), or ""."""
    for k, v in mapping.items():
        if text.fold(k) == text.fold(name):
            return v
    return ""


def set_column(options, col, values: dict) -> None:
    """Keep the clerk's choice for a column (from ``ColumnForm``) in the importer's options."""
    from exports import legacy_text as lt

    options.column_map[col.letter] = values["field"]
    if values["field"] != "ignore":
        if values["encoding"] != lt.UNICODE or values["field"] in options.encodings \
                or values["encoding"] != col.encoding or not col.encoding_sure:
            options.encodings[values["field"]] = values["encoding"]


def name_choices(kind: str, name: str, pv, options, villages, categories):
    """For ``NameForm``: the rows with the name, the choices, and the current one."""
    from exports import importer

    if kind == "village":
        rows = pv.unknown_villages.get(name, [])
        opts = [(tr("Tạo thôn/TDP mới «{name}»").format(name=name), importer.CREATE)] + \
            [(v.full_name, v.name) for v in villages if v.active]
        return rows, opts, mapped(options.village_map, name)
    rows = pv.unknown_categories.get(name, [])
    return rows, [(c.name, c.code) for c in categories], mapped(options.category_map, name)


def set_name(options, kind: str, name: str, target: str) -> None:
    (options.village_map if kind == "village" else options.category_map)[name] = target
