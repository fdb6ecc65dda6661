"""Import wizard: a roster from a spreadsheet (file → sheet → columns → preview → import)
or a lower unit's Phụ lục I. This screen sequences the steps (``cnscd_tui.wizard``) and
runs the reading and writing in workers; the reading and writing are ``exports.importer``'s,
the same code as ``cnscd import``. Nothing is written before the clerk confirms, and the
import is one transaction (all rows or none; or, when the clerk asks, the valid rows, the
others written to a file to fix). A row's cells, village and category can be fixed in the
preview (the file itself is not changed); the fixes stay when the file is read again."""

from __future__ import annotations

from pathlib import Path

from textual import work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import Screen
from textual.widgets import ContentSwitcher, Header, ProgressBar, Static

from models import text

from .forms import SCREEN_FOCUS_KEYS, ConfirmModal, KeysWaitForFocus
from .i18n import tr
from .widgets import QuickFooter
from .wizard import work as jobs
from .wizard.common import ROSTER_STEPS, TABLE_STEPS, ImportDone, ImportProgress, PreviewReady, ReportWritten
from .wizard.file_step import FileStep, SheetStep
from .wizard.forms import ColumnForm, NameForm, OpenPasswordForm, RowForm
from .wizard.map_step import MapStep, name_choices, set_column, set_name
from .wizard.preview_step import PreviewStep
from .wizard.result_step import ResultStep

FOCUS = {"sheet": "#imp-sheets", "map": "#imp-cols", "preview": "#imp-rows", "file": "#imp-kind"}


class ImportScreen(KeysWaitForFocus, Screen):
    DEFAULT_CSS = """
    ImportScreen #imp-body { height: 1fr; padding: 0 1; }
    ImportScreen #imp-trail { height: 1; color: $text-muted; }
    ImportScreen #imp-switch { height: 1fr; }
    ImportScreen #st-file, ImportScreen #st-sheet, ImportScreen #st-map, ImportScreen #st-preview,
    ImportScreen #st-done { height: 1fr; }
    ImportScreen .imp-bar { height: 1; }
    ImportScreen .imp-bar Select { width: 1fr; }
    ImportScreen #imp-source { width: 1fr; }
    ImportScreen #imp-file-help, ImportScreen #imp-map-info, ImportScreen #imp-counts, ImportScreen #imp-result { height: auto; }
    ImportScreen #imp-cols { height: 2fr; }
    ImportScreen #imp-names { height: 1fr; }
    ImportScreen #imp-rows { height: 1fr; }
    ImportScreen #imp-sheets { height: 1fr; }
    ImportScreen #imp-status { height: auto; max-height: 4; }
    ImportScreen #imp-progress { height: 1; }
    """
    BINDINGS = SCREEN_FOCUS_KEYS + [
        Binding("escape", "back", "Quay lại", id="import.back",
                tooltip="Dừng việc đang chạy, về bước trước, hoặc đóng (chưa ghi gì vào sổ; đã sửa gì thì hỏi "
                        "trước khi đóng)"),
        Binding("ctrl+f", "pick", "Chọn tệp", id="import.pick", tooltip="Chọn tệp bảng tính (cả trên USB)"),
        Binding("ctrl+n", "next", "Tiếp", id="import.next", tooltip="Sang bước sau"),
        # (in F1 help and the steps' own lines; the footer keeps the keys of the step at 80 columns)
        Binding("ctrl+r", "reread", "Đọc lại tệp", show=False, id="import.reread",
                tooltip="Đọc lại tệp (sau khi đã sửa tệp bằng Excel)"),
        Binding("ctrl+s", "apply", "Nhập vào sổ", id="import.apply",
                tooltip="Ghi vào sổ (một lần cho tất cả các dòng; có hỏi lại)"),
        Binding("ctrl+e", "apply_good", "Nhập dòng đúng", id="import.good",
                tooltip="Nhập các dòng không lỗi; các dòng lỗi (kèm lý do) được ghi ra một tệp để sửa rồi nhập lại"),
        Binding("ctrl+o", "report", "Ghi báo cáo", show=False, id="import.report",
                tooltip="Ghi bảng kết quả từng dòng ra tệp Excel (có thể đặt mật khẩu)"),
    ]
    help_text = ("Nhập danh sách thành viên từ tệp Excel/LibreOffice/CSV của xã (kể cả tệp cũ gõ bằng phông .VnTime "
                 "hoặc VNI), hoặc nhập bảng Phụ lục I của đơn vị cấp dưới để tổng hợp. Các bước: chọn tệp (Ctrl+F, "
                 "cả trên USB) → chọn trang tính → xem và sửa cách ghép cột (Enter trên một cột; Enter trên tên thôn "
                 "hoặc thành phần lạ để chọn thôn/thành phần tương ứng) → xem trước từng dòng (thêm mới, cập nhật, "
                 "không đổi, lỗi — kèm số dòng trong tệp; thành phần của từng dòng và số dòng theo thành phần; Enter "
                 "trên một dòng để sửa ô, chọn thôn, chọn thành phần ngay tại đây — tệp không đổi; chức vụ chưa rõ "
                 "thuộc thành phần nào thì phải chọn) → Ctrl+S nhập vào sổ (Ctrl+E: chỉ nhập các dòng đúng, dòng lỗi "
                 "ghi ra tệp để sửa). Chưa bấm Ctrl+S thì sổ không thay "
                 "đổi; đang đọc hoặc đang nhập mà bấm Esc thì dừng lại và không ghi gì. Nhập lại cùng một tệp không "
                 "làm thay đổi sổ; tệp đã sửa thì cập nhật đúng người đó (khớp theo CCCD, hoặc họ tên + năm sinh + "
                 "thôn). Tệp có mật khẩu (ví dụ tệp chương trình này xuất có đặt mật khẩu): chương trình hỏi mật khẩu và "
                 "chỉ mở tệp trong bộ nhớ. Cột chưa rõ bảng mã chữ Việt phải được chọn bảng mã trước khi nhập. "
                 "Ctrl+O: ghi bảng kết quả từng dòng ra tệp Excel.")

    def __init__(self, path: Path | None = None, *, kind: str = "roster") -> None:
        super().__init__()
        self.kind = kind  # roster | phu-luc-1
        self.path: Path | None = path
        self.options = None  # importer.ImportOptions
        self.preview = None  # importer.Preview
        self.table = None  # importer.PhuLucTable
        self.result = None
        self.step = "file"
        self.busy = ""  # "" | "read" | "apply"
        self._cancel = False
        self._file_password: str | None = None  # a protected file's password, in memory only
        self.villages: list = []
        self.categories: list = []
        self.edits: dict[tuple[int, str], str] = {}  # the clerk's fixes: (sheet row, field) → text
        self.dirty = False  # the clerk has fixed or chosen something an Esc would throw away

    # -- layout -------------------------------------------------------------------------
    def compose(self) -> ComposeResult:
        yield Header()
        with Vertical(id="imp-body"):
            yield Static("", id="imp-trail")
            with ContentSwitcher(initial="st-file", id="imp-switch"):
                yield FileStep(self.kind, id="st-file")
                yield SheetStep(id="st-sheet")
                yield MapStep(id="st-map")
                yield PreviewStep(id="st-preview")
                yield ResultStep(id="st-done")
            yield ProgressBar(total=100, show_eta=False, id="imp-progress", classes="hidden")
            yield Static("", id="imp-status")
        yield QuickFooter()

    def on_mount(self) -> None:
        self.title = tr("Nhập dữ liệu từ tệp")
        self._file_help()
        self._show_step("file")
        self._load_lists()
        if self.path is not None:
            self.read()
        else:
            self.call_after_refresh(self.action_pick)

    @property
    def steps(self) -> list[tuple[str, str]]:
        return ROSTER_STEPS if self.kind == "roster" else TABLE_STEPS

    @property
    def preview_step(self) -> PreviewStep:
        return self.query_one(PreviewStep)

    def _file_help(self) -> None:
        self.query_one(FileStep).show_help(self.kind, self.path)

    def _show_step(self, step: str) -> None:
        self.step = step
        self.query_one("#imp-switch", ContentSwitcher).current = f"st-{step}"
        names = [k for k, _ in self.steps]
        cur = names.index(step) if step in names else 0
        parts = []
        for i, (_k, label) in enumerate(self.steps):
            s = f"{i + 1}. {tr(label)}"
            parts.append(f"[b reverse] {s} [/b reverse]" if i == cur else (f"[dim]{s}[/dim]" if i > cur else s))
        sheet = f"   [dim]{tr('trang')} «{self.preview.sheet}»[/dim]" if self.preview is not None and step != "file" else ""
        self.query_one("#imp-trail", Static).update(" › ".join(parts) + sheet)
        self.preview_step.set_kind(self.kind)
        if step in FOCUS:
            self.query_one(FOCUS[step]).focus()
        self.refresh_bindings()

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "next":
            return self.step in ("sheet", "map") and not self.busy or (self.step == "done")
        if action == "apply":
            return self.step == "preview" and not self.busy
        if action == "apply_good":
            return self.kind == "roster" and self.step == "preview" and not self.busy \
                and self.preview is not None and bool(self.preview.errors)
        if action == "reread":
            return self.path is not None and self.step != "done" and not self.busy
        if action == "report":
            return self.kind == "roster" and self.preview is not None and self.step in ("preview", "done") \
                and not self.busy
        if action == "pick":  # (at the preview: Esc back to the file, or Ctrl+F still works, from F1 help)
            return not self.busy and self.step in ("file", "sheet", "map", "preview")
        return True

    def _status(self, msg: str) -> None:
        self.query_one("#imp-status", Static).update(msg)

    # -- lists for the mapping choices -----------------------------------------------------
    @work(thread=True, exclusive=True, group="import-lists")
    def _load_lists(self) -> None:
        from models import services as S

        reg = self.app.reg
        if reg is None:
            return
        villages, cats = S.list_villages(reg), S.list_categories(reg)
        self.app.call_from_thread(self._lists, villages, cats)

    def _lists(self, villages, cats) -> None:
        self.villages, self.categories = villages, cats

    # -- step 1: the file -----------------------------------------------------------------
    def on_file_step_kind_chosen(self, message: FileStep.KindChosen) -> None:
        if message.kind == self.kind:
            return
        self.kind = message.kind
        self.preview = self.table = self.result = None
        self.options = None
        self._file_help()
        self._show_step("file")
        if self.path is not None:
            self.read()

    def action_pick(self) -> None:
        from .filepicker import FilePicker

        start = self.path.parent if self.path else None
        self.app.push_screen(FilePicker(tr("Chọn tệp để nhập") if self.kind == "roster" else tr("Chọn tệp Phụ lục I"),
                                        start=start), self._picked)

    def _picked(self, path: Path | None) -> None:
        if path is None:
            return
        self.path = path
        self._file_password = None
        self.options = None
        self.edits, self.dirty = {}, False
        self.preview = self.table = self.result = None
        self._file_help()
        self.read()

    # -- reading (preview) -------------------------------------------------------------------
    def read(self) -> None:
        from exports import importer

        if self.path is None:
            return
        if self.options is None:
            self.options = importer.ImportOptions()
        self._begin("read", tr("Đang đọc «{name}»…").format(name=self.path.name))
        if self.kind == "roster":
            self._read_roster(self.path, self.options, self._file_password, dict(self.edits))
        else:
            self._read_table(self.path, self._file_password)

    def _begin(self, what: str, msg: str) -> None:
        self.busy = what
        self._cancel = False
        bar = self.query_one("#imp-progress", ProgressBar)
        bar.remove_class("hidden")
        bar.update(total=100, progress=0)
        self._status(msg + f"  [dim]({tr('Esc: dừng')})[/dim]")
        self.refresh_bindings()

    def _end(self) -> None:
        self.busy = ""
        self.query_one("#imp-progress", ProgressBar).add_class("hidden")
        self.refresh_bindings()

    def _cancelled(self) -> bool:  # worker thread: the Esc key's flag, or the worker cancelled
        from textual.worker import get_current_worker

        return self._cancel or get_current_worker().is_cancelled

    def _progress(self, what: str):
        """A progress callback for a worker: posts ``ImportProgress`` when the percentage moves."""
        last = [-1]

        def report(done: int, total: int) -> None:
            pct = int(done * 100 / total) if total else 100
            if pct != last[0]:
                last[0] = pct
                self.post_message(ImportProgress(what, done, total))
        return report

    @work(thread=True, exclusive=True, group="import-read")
    def _read_roster(self, path: Path, options, password: str | None, edits: dict) -> None:
        self.post_message(jobs.read_roster(self.app.reg, path, options, password,
                                           progress=self._progress(tr("Đang kiểm tra")),
                                           read_progress=self._progress(tr("Đang đọc tệp")),
                                           cancelled=self._cancelled, edits=edits))

    def replan(self) -> None:
        """Check the rows again after a fix or a choice (the file is not read again)."""
        import copy

        if self.preview is None:
            return
        self._begin("read", tr("Đang kiểm tra lại các dòng…"))
        self._replan_worker(copy.copy(self.preview), dict(self.edits))

    @work(thread=True, exclusive=True, group="import-read")
    def _replan_worker(self, preview, edits: dict) -> None:
        self.post_message(jobs.replan(self.app.reg, preview, edits, progress=self._progress(tr("Đang kiểm tra")),
                                      cancelled=self._cancelled))

    @work(thread=True, exclusive=True, group="import-read")
    def _read_table(self, path: Path, password: str | None) -> None:
        self.post_message(jobs.read_table(path, password, progress=self._progress(tr("Đang đọc tệp")),
                                          cancelled=self._cancelled))

    def on_import_progress(self, message: ImportProgress) -> None:
        if not self.busy:
            return
        self.query_one("#imp-progress", ProgressBar).update(total=max(1, message.total), progress=message.done)
        self._status(tr("{what}: {done}/{total} dòng…").format(what=message.what, done=text.format_int(message.done),
                                                              total=text.format_int(message.total))
                     + f"  [dim]({tr('Esc: dừng')})[/dim]")

    def on_preview_ready(self, message: PreviewReady) -> None:
        self._end()
        if message.password_needed and self.path is not None:
            self._file_password = None
            self._status(f"[yellow]{message.error}[/yellow]")
            self._ask_password(self.path)
            return
        if message.error:
            self._status(f"[red]{message.error}[/red]")
            if self.preview is None and self.table is None:
                self._show_step("file")
            return
        self._status("")
        if message.table is not None:
            self.table = message.table
            self.preview_step.show_table(self.table)
            self._show_step("preview")
            return
        first = self.preview is None
        self.preview = message.preview
        self._show_mapping()
        self.preview_step.show_rows(self.preview)
        if first and len(self.preview.sheet_names) > 1:
            self.query_one(SheetStep).show(self.preview)
            self._show_step("sheet")
        elif first:
            self._show_step("map")
        else:
            self._show_step(self.step if self.step in ("map", "preview", "sheet") else "map")

    def _ask_password(self, path: Path) -> None:
        def done(password):
            if password is None or path != self.path:
                self._status("[yellow]" + tr("Chưa mở tệp có mật khẩu; sổ không thay đổi. Ctrl+R: nhập lại mật khẩu · "
                                                "Ctrl+F: chọn tệp khác.") + "[/yellow]")
                if self.preview is None and self.table is None:
                    self._show_step("file")
                return
            self._file_password = password
            self.read()
        self.app.push_screen(OpenPasswordForm(path), done)

    # -- step 2: the sheet ----------------------------------------------------------------------
    def on_sheet_step_chosen(self, message: SheetStep.Chosen) -> None:
        name = self.preview.sheet_names[message.number - 1]
        if name == self.preview.sheet:
            self._show_step("map")
            return
        self.options.sheet = message.number
        self.step = "map"
        self.read()

    # -- step 3: the columns, unknown names ------------------------------------------------------
    def _show_mapping(self) -> None:
        self.query_one(MapStep).show(self.preview, self.options, self.categories)

    def on_map_step_column_picked(self, message: MapStep.ColumnPicked) -> None:
        if not self.busy:
            self._open_column(message.column)

    def _open_column(self, col) -> None:
        def done(values):
            if values:
                set_column(self.options, col, values)
                self.dirty = True
                self.read()
        self.app.push_screen(ColumnForm(col), done)

    def on_map_step_name_picked(self, message: MapStep.NamePicked) -> None:
        if self.busy:
            return
        kind, name = message.kind, message.name
        rows, opts, current = name_choices(kind, name, self.preview, self.options, self.villages, self.categories)

        def done(target):
            if target:
                set_name(self.options, kind, name, target)
                self.dirty = True
                self.replan()  # a choice of name: the rows are checked again, the file not read again
        self.app.push_screen(NameForm(kind, name, rows, opts, current), done)

    # -- step 4: a row fixed here ------------------------------------------------------------------
    def on_preview_step_row_picked(self, message: PreviewStep.RowPicked) -> None:
        pv, r = self.preview, message.row
        if self.busy or pv is None:
            return
        rec = next((x for x in pv._records if x.row == r.row), None)
        values = dict(rec.values) if rec is not None else {}
        village_key = next((k for k, rows in pv.unknown_villages.items() if r.row in rows), "")
        category_key = next((k for k, rows in pv.unknown_categories.items() if r.row in rows), "")
        form = RowForm(r, values, self.villages, self.categories, village_key=village_key,
                       category_key=category_key)

        def done(fix) -> None:
            if not fix:
                return
            for field, value in fix["edits"].items():
                self.edits[(r.row, field)] = value
            if fix["village"]:
                if village_key:  # every row with this unknown name
                    set_name(self.options, "village", village_key, fix["village"])
                else:
                    self.edits[(r.row, "village")] = fix["village"]
            if fix["category"]:
                if category_key:  # every row with this position title
                    set_name(self.options, "category", category_key, fix["category"])
                else:
                    self.edits[(r.row, "category")] = fix["category"]
            self.dirty = True
            self.replan()
        self.app.push_screen(form, done)

    # -- navigation ----------------------------------------------------------------------------
    def action_next(self) -> None:
        if self.step == "sheet":
            self.query_one(SheetStep).choose_highlighted()
        elif self.step == "map":
            self.preview_step.show_rows(self.preview)
            self._show_step("preview")
        elif self.step == "done":
            self._restart()

    def action_back(self) -> None:
        if self.busy:
            self._cancel = True
            self._status(tr("Đang dừng…"))
            return
        names = [k for k, _ in self.steps]
        if self.step == "file" and self.dirty and self.result is None:
            self.app.push_screen(ConfirmModal(tr("Đóng trình nhập? Những gì đã sửa, đã chọn trong các bước sẽ mất; "
                                                 "sổ không thay đổi."), yes="Đóng, bỏ", no="Ở lại"),
                                 lambda yes: yes and self.dismiss(self.result))
            return
        if self.step in ("file", "done"):
            self.dismiss(self.result)
            return
        prev = names[names.index(self.step) - 1]
        if prev == "sheet" and (self.preview is None or len(self.preview.sheet_names) <= 1):
            prev = "file"
        if prev == "sheet":
            self.query_one(SheetStep).show(self.preview)
        self._show_step(prev)

    def action_reread(self) -> None:
        if self.path is not None and not self.busy:
            self.read()

    def _restart(self) -> None:
        self.path = None
        self._file_password = None
        self.options = None
        self.edits, self.dirty = {}, False
        self.preview = self.table = self.result = None
        self.preview_step.source = ""
        self._file_help()
        self._show_step("file")
        self._status("")
        self.action_pick()

    # -- step 5: import --------------------------------------------------------------------------
    def action_apply(self) -> None:
        if self.step != "preview" or self.busy:
            return
        if self.kind == "roster":
            self._apply_roster()
        else:
            self._apply_table()

    def action_apply_good(self) -> None:
        """Import the rows without errors; the others, with their reasons, go to a file to fix."""
        from exports import importer

        pv = self.preview
        if self.step != "preview" or self.busy or pv is None or self.kind != "roster":
            return
        if pv.blocking or not pv.errors:
            self._apply_roster()
            return
        bad = len({e.row for e in pv.errors})
        good = pv.counts["new"] + pv.counts["update"]
        where = importer.skipped_rows_path(pv)
        q = tr("Nhập {good} dòng đúng (thêm mới {new}, cập nhật {update}); bỏ qua {bad} dòng có lỗi, ghi chúng kèm "
               "lý do ra tệp «{file}» (cạnh tệp gốc) để sửa rồi nhập lại?").format(
            good=text.format_int(good), new=text.format_int(pv.counts["new"]),
            update=text.format_int(pv.counts["update"]), bad=text.format_int(bad), file=where.name)

        def go(yes) -> None:
            if yes:
                self.options.skip_errors = True
                self._start_apply()
        self.app.push_screen(ConfirmModal(q, yes="Có, nhập dòng đúng", no="Chưa"), go)

    def _apply_roster(self) -> None:
        pv = self.preview
        if pv is None:
            return
        if pv.unsure_columns:  # the clerk chooses the encoding first: the column's form opens
            col = pv.unsure_columns[0]
            self._status(f"[red]{col.unsure_message}[/red]")
            self._open_column(col)
            return
        if pv.blocking:
            self._status(f"[red]{pv.blocking[0]}[/red]")
            return
        if pv.errors:
            n = len({e.row for e in pv.errors})
            self._status("[red]✗ " + tr("Còn {n} dòng lỗi; chưa nhập dòng nào. Xem các dòng lỗi (lọc «Dòng có lỗi»), "
                                        "Enter để sửa; hoặc Ctrl+E: chỉ nhập các dòng đúng.").format(n=n) + "[/red]")
            self.preview_step.show_errors_only()
            return
        c = pv.counts
        if not c["new"] and not c["update"]:
            self._status(tr("Không có gì mới để nhập: sổ đã có đủ các dòng này."))
            return
        q = tr("Nhập vào sổ: thêm mới {new} người, cập nhật {update} người (từ tệp «{name}»)?\nTất cả các dòng "
               "được ghi cùng một lần; có thể xem lại trong Nhật ký.").format(
            new=text.format_int(c['new']), update=text.format_int(c['update']), name=Path(pv.path).name)
        self.app.push_screen(ConfirmModal(q, yes="Có, nhập", no="Chưa"), lambda yes: yes and self._start_apply())

    def _apply_table(self) -> None:
        tab = self.table
        if tab is None:
            return
        if tab.errors:
            self._status(f"[red]{tr('Bảng có lỗi nên chưa nhập được.')}[/red]")
            return
        source = text.clean(self.preview_step.source) or Path(tab.path).stem
        q = tr("Đưa bảng Phụ lục I của «{source}» ({units} đơn vị, {members} thành viên) vào sổ tổng hợp?").format(
            source=source, units=len(tab.rows), members=text.format_int(tab.members))
        if tab.flags:
            q += ("\n\n" + tr("CẢNH BÁO: ") + "; ".join(tab.flags) + ".\n"
                  + tr("Báo cáo tổng hợp sẽ dùng số cộng từ các dòng và ghi chú sai lệch này."))
        self.app.push_screen(ConfirmModal(q, yes="Có, nhập", no="Chưa"), lambda yes: yes and self._start_table(source))

    def _start_apply(self) -> None:
        self._begin("apply", tr("Đang nhập vào sổ…"))
        self._apply_worker(self.preview)

    def _start_table(self, source: str) -> None:
        self._begin("apply", tr("Đang nhập bảng…"))
        self._table_worker(self.path, source, bool(self.table.flags), self._file_password)

    @work(thread=True, exclusive=True, group="import-apply")
    def _apply_worker(self, preview) -> None:
        self.post_message(jobs.apply_roster(self.app.reg, preview, progress=self._progress(tr("Đang ghi")),
                                            cancelled=self._cancelled))

    @work(thread=True, exclusive=True, group="import-apply")
    def _table_worker(self, path: Path, source: str, flagged: bool, password: str | None) -> None:
        self.post_message(jobs.import_table(self.app.reg, path, source, flagged, password))

    def on_import_done(self, message: ImportDone) -> None:
        self._end()
        if self.options is not None:
            self.options.skip_errors = False  # a choice for that import only
        if message.cancelled:
            self._status(f"[yellow]{tr('Đã dừng; sổ không thay đổi (chưa ghi dòng nào).')}[/yellow]")
            return
        if message.error:
            self._status("[red]" + tr("Chưa nhập được: {error}").format(error=message.error) + "[/red]\n"
                         + tr("Sổ không thay đổi."))
            return
        self._status("")
        self.app.data_changed()
        done = self.query_one(ResultStep)
        if message.table is not None:
            self.result = message.table
            done.show_table(message.table)
        else:
            self.result = message.result
            done.show_roster(message.result)
        self.edits, self.dirty = {}, False
        self._show_step("done")
        self.app.notify(tr("Đã nhập vào sổ."), timeout=4)

    # -- report to a file ------------------------------------------------------------------------
    def action_report(self) -> None:
        if self.preview is None or self.busy:
            return
        from .reports_pane import FilePasswordForm, documents_folder

        preview, result, dest = self.preview, self.result, documents_folder()

        def go(password):
            if password is not None:
                self._report_worker(preview, result, password or None, dest)

        q = tr("Bảng kết quả có họ tên người trong danh sách (dữ liệu cá nhân). Đặt mật khẩu cho tệp Excel?")
        self.app.push_screen(ConfirmModal(q, yes="Có, đặt mật khẩu", no="Không"),
                             lambda yes: self.app.push_screen(FilePasswordForm(), go) if yes else go(""))

    @work(thread=True, exclusive=True, group="import-report")
    def _report_worker(self, preview, result, password: str | None, dest: Path) -> None:
        self.post_message(jobs.write_report(self.app.reg, preview, result, password, dest))

    def on_report_written(self, message: ReportWritten) -> None:
        self._status(f"[red]{message.text}[/red]" if message.error else message.text)
        if not message.error:
            self.app.notify(message.text, timeout=5)

    # -- auto-lock ---------------------------------------------------------------------------------
    def drop_data(self) -> None:
        self._cancel = True
        self._file_password = None
        self.preview = self.table = None
        for step in (MapStep, PreviewStep, ResultStep, SheetStep):
            self.query_one(step).clear()
        self._status("")
        self.busy = ""

    def reload_visible(self) -> None:
        if self.path is not None and self.step != "done":
            self.read()
        elif self.step == "done":
            self._restart()
