"""Step 4 of the import wizard: what importing would do, row by row (new, updated,
unchanged, errors — with the row number in the file), each row's composition category and the
count per category, filtered; Enter on a row shows it in full and lets the clerk fix it here
(``RowPicked``: the screen opens the row's form). For a Phụ lục I table: its units, the sums and
the total the table states, and the name of the unit that sent it."""

from __future__ import annotations

from pathlib import Path

from textual import on
from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical
from textual.message import Message
from textual.widgets import Input, Select, Static

from models import text

from ..i18n import tr
from ..widgets import Column, LazyTable
from .common import ASKED, category_cell, row_detail, row_error

ROW_FILTERS = [("Tất cả các dòng", "all"), ("Dòng có lỗi", "error"), ("Chờ chọn thành phần", "asked"),
               ("Dòng có cảnh báo", "warn"), ("Thêm mới", "new"), ("Cập nhật", "update"), ("Không đổi", "unchanged")]
ROW_COLUMNS = [Column("Dòng", 5, "right"), Column("Kết quả", 9), Column("Họ và tên", 20, grow=26),
               Column("Thôn/TDP", 12, grow=22), Column("Thành phần", 15, grow=26), Column("Chi tiết")]
TABLE_COLUMNS = [Column("Stt", 5), Column("Đơn vị"), Column("Tổ/thôn", 11, "right"), Column("Thành viên", 11, "right")]


class PreviewStep(Vertical):
    class RowPicked(Message):
        """Enter on a row of the roster: ``row`` is its ``PreviewRow``."""

        def __init__(self, row) -> None:
            super().__init__()
            self.row = row

    preview = None  # importer.Preview (a roster)

    def compose(self) -> ComposeResult:
        yield Static("", id="imp-counts")
        with Horizontal(classes="imp-bar"):
            yield Select([(tr(label), v) for label, v in ROW_FILTERS], value="all", allow_blank=False, id="imp-filter",
                         compact=True)
            yield Input(placeholder=tr("Tên đơn vị gửi bảng"), id="imp-source", compact=True)
        yield LazyTable(list(ROW_COLUMNS), id="imp-rows", enter_label="Sửa",
                        empty_text="Không có dòng nào như vậy.")

    def set_kind(self, kind: str) -> None:
        """A roster has the row filter; a Phụ lục I table the name of the unit that sent it."""
        self.query_one("#imp-source", Input).display = kind != "roster"
        self.query_one("#imp-filter", Select).display = kind == "roster"

    @property
    def source(self) -> str:
        return self.query_one("#imp-source", Input).value

    @source.setter
    def source(self, value: str) -> None:
        self.query_one("#imp-source", Input).value = value

    def show_errors_only(self) -> None:
        self.query_one("#imp-filter", Select).value = "error"

    def clear(self) -> None:
        self.preview = None
        self.query_one("#imp-rows", LazyTable).set_rows([])
        self.query_one("#imp-counts", Static).update("")

    # -- a roster ------------------------------------------------------------------------------
    def show_rows(self, pv) -> None:
        self.preview = pv
        self.query_one("#imp-counts", Static).update("\n".join(_counts(pv)))
        sel = self.query_one("#imp-filter", Select)
        flt = sel.value
        if flt in ("error", "asked") and not (pv.counts["error"] if flt == "error" else pv.asked_rows):
            flt = "all"  # the errors are fixed: show every row again
            with sel.prevent(Select.Changed):
                sel.value = "all"
        rows, keys = [], []
        for r in pv.rows:
            if _shown(r, flt):
                rows.append((str(r.row), tr(r.status_label), r.name or tr("(không tên)"), r.village, category_cell(r),
                             row_detail(r, screen=True)))
                keys.append(r.row)
        table = self.query_one("#imp-rows", LazyTable)
        table.columns = list(ROW_COLUMNS)
        table.dim = {r.row for r in pv.rows if r.status == "unchanged"}
        table.set_rows(rows, keys)

    @on(Select.Changed, "#imp-filter")
    def _filter(self, event: Select.Changed) -> None:
        event.stop()
        if self.preview is not None:
            self.show_rows(self.preview)

    @on(LazyTable.Selected, "#imp-rows")
    def _row(self, event: LazyTable.Selected) -> None:
        event.stop()
        if self.preview is None:
            return
        r = next((x for x in self.preview.rows if x.row == event.key), None)
        if r is not None:
            self.post_message(self.RowPicked(r))

    # -- a Phụ lục I table -------------------------------------------------------------------------
    def show_table(self, tab) -> None:
        self.preview = None
        rows = [(r.stt or str(i + 1), r.unit, f"{r.teams or 0}/{r.villages}" if r.villages is not None
                 else str(r.teams or ""), text.format_int(r.members)) for i, r in enumerate(tab.rows)]
        rows.append(("", tr("Cộng từ các dòng"), f"{text.format_int(tab.teams)}/{text.format_int(tab.villages)}",
                     text.format_int(tab.members)))
        if tab.stated_members is not None:
            rows.append(("", tr("Dòng tổng ghi trong bảng"),
                         f"{tab.stated_teams if tab.stated_teams is not None else '?'}/"
                         f"{tab.stated_villages if tab.stated_villages is not None else '?'}",
                         text.format_int(tab.stated_members)))
        table = self.query_one("#imp-rows", LazyTable)
        table.columns = list(TABLE_COLUMNS)
        table.dim = set()
        table.set_rows(rows)
        self.query_one("#imp-counts", Static).update("\n".join(_table_lines(tab)))
        if not self.source:
            self.source = Path(tab.path).stem


def _shown(r, flt: str) -> bool:
    if flt == "error":
        return r.status == "error"
    if flt == "asked":
        return r.category_asked
    if flt == "warn":
        return bool(r.warnings)
    if flt in ("new", "update", "unchanged"):
        return r.status == flt
    return True


def _counts(pv) -> list[str]:
    c = pv.counts
    nerr = len({e.row for e in pv.errors})
    lines = [tr("[b]{rows} dòng[/b]: thêm mới [green]{new}[/green] · cập nhật [cyan]{update}[/cyan] · "
                "không đổi {unchanged} · lỗi [red]{error}[/red]").format(
        rows=text.format_int(len(pv.rows)), new=text.format_int(c['new']), update=text.format_int(c['update']),
        unchanged=text.format_int(c['unchanged']), error=text.format_int(c['error']))]
    lines.append(category_counts_line(pv))
    for w in pv.warnings[:3]:
        lines.append(f"[yellow]{tr('Lưu ý')}: {w}[/yellow]")
    if pv.unsure_columns:
        lines.append("[red]" + tr("Chưa nhập được: {why} Ctrl+S: chọn bảng mã cho cột {letter}.").format(
            why=pv.unsure_columns[0].unsure_message, letter=pv.unsure_columns[0].letter) + "[/red]")
    elif pv.blocking:
        lines.append("[red]" + tr("Chưa nhập được: {why} (Esc về bước ghép cột).").format(why=pv.blocking[0])
                     + "[/red]")
    elif nerr:
        asked = len(pv.asked_rows)
        lines.append("[red]✗ " + tr("Còn {n} dòng lỗi: Enter trên một dòng để sửa ngay tại đây (tệp không đổi), "
                                    "hoặc sửa cách ghép ở bước trước (Esc). Khi còn lỗi, chưa nhập dòng nào — "
                                    "Ctrl+E: chỉ nhập các dòng đúng.").format(n=nerr) + "[/red]"
                     + ("\n[yellow]" + tr("{n} dòng chờ chọn thành phần (chức vụ chưa rõ): lọc «Chờ chọn thành "
                                            "phần», Enter để chọn.").format(n=asked) + "[/yellow]" if asked else ""))
    elif c["new"] or c["update"]:
        lines.append(f"[green]{tr('Không có lỗi. Ctrl+S để nhập vào sổ.')}[/green]")
    else:
        lines.append(tr("Sổ đã có đủ các dòng này; nhập lại cũng không thay đổi gì."))
    return lines


def category_counts_line(pv) -> str:
    """«Theo thành phần: Đoàn Thanh niên 12 · Công an viên/Công an 3 · chưa rõ (cần chọn) 2»."""
    parts = [f"{pv.category_names.get(code, code) if code else tr(ASKED)} [b]{text.format_int(n)}[/b]"
             for code, n in pv.category_counts.items()]
    return tr("Theo thành phần: ") + (" · ".join(parts) if parts else tr("(chưa có dòng nào)"))


def row_lines(r) -> list[str]:
    """A row in full: what importing it does, its category and why, its errors and warnings."""
    from exports import importer

    lines = [f"{tr('Kết quả')}: {tr(r.status_label)}", f"{tr('Họ và tên')}: {r.name or tr('(không tên)')}"]
    if r.village:
        lines.append(f"{tr('Thôn/TDP')}: {r.village}")
    lines.append(f"{tr('Thành phần')}: {category_cell(r, long=True)}")
    if r.changes:
        lines.append(tr("Thay đổi: ") + ", ".join(dict.fromkeys(r.changes)))
    for e in r.errors:
        where = tr(importer.FIELDS.get(e.field, e.field) or "dòng")
        lines.append("[red]✗ " + tr("Lỗi ở «{where}»: {message}").format(where=where, message=row_error(r, e))
                     + "[/red]")
    for w in r.warnings:
        lines.append(f"[yellow]{tr('Cảnh báo: ')}{w.message}[/yellow]")
    return lines


def _table_lines(tab) -> list[str]:
    lines = [tr("Bảng Phụ lục I trong «{name}», trang «{sheet}»: {units} đơn vị, {teams} tổ, {members} thành "
                "viên.").format(name=Path(tab.path).name, sheet=tab.sheet, units=len(tab.rows),
                                teams=text.format_int(tab.teams), members=text.format_int(tab.members))]
    for e in tab.errors:
        lines.append(f"[red]{tr('Dòng')} {e.row}: {e.message}[/red]")
    for f in tab.flags:
        lines.append("[yellow]" + tr("Sai lệch: {flag} — báo cáo tổng hợp sẽ dùng số cộng từ các dòng.").format(
            flag=f) + "[/yellow]")
    if tab.errors:
        lines.append(f"[red]{tr('Bảng có lỗi nên chưa nhập được; hãy hỏi lại đơn vị gửi.')}[/red]")
    else:
        lines.append(tr("Ghi tên đơn vị gửi bảng ở ô bên phải rồi Ctrl+S để đưa vào sổ tổng hợp."))
    return lines
