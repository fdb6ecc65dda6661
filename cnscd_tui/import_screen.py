"""Import wizard: a roster from a spreadsheet (file → sheet → columns → preview → import)
or a lower unit's Phụ lục I. The reading and writing are ``exports.importer``'s, the
same code as ``cnscd import``; nothing is written before the clerk confirms, and the
import is one transaction (all rows or none)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.message import Message
from textual.screen import Screen
from textual.widgets import ContentSwitcher, Header, Input, Label, OptionList, ProgressBar, Select, Static
from textual.widgets.option_list import Option

from models import text

from .forms import F, ConfirmModal, FormModal, MessageModal
from .i18n import tr
from .widgets import Column, LazyTable, QuickFooter

ROSTER_STEPS = [("file", "Chọn tệp"), ("sheet", "Trang tính"), ("map", "Ghép cột"), ("preview", "Xem trước"),
                ("done", "Kết quả")]
TABLE_STEPS = [("file", "Chọn tệp"), ("preview", "Xem trước"), ("done", "Kết quả")]
ROW_FILTERS = [("Tất cả các dòng", "all"), ("Dòng có lỗi", "error"), ("Dòng có cảnh báo", "warn"),
               ("Thêm mới", "new"), ("Cập nhật", "update"), ("Không đổi", "unchanged")]


# -- messages from the workers ---------------------------------------------------------
class ImportProgress(Message):
    def __init__(self, what: str, done: int, total: int) -> None:
        super().__init__()
        self.what, self.done, self.total = what, done, total


class PreviewReady(Message):
    def __init__(self, preview=None, table=None, error: str = "", password_needed: bool = False) -> None:
        super().__init__()
        self.preview, self.table, self.error, self.password_needed = preview, table, error, password_needed


class ImportDone(Message):
    def __init__(self, result=None, table=None, error: str = "", cancelled: bool = False) -> None:
        super().__init__()
        self.result, self.table, self.error, self.cancelled = result, table, error, cancelled


class ReportWritten(Message):
    def __init__(self, text_: str, error: bool = False) -> None:
        super().__init__()
        self.text, self.error = text_, error


# -- small forms ----------------------------------------------------------------------------
class ColumnForm(FormModal):
    """Which field a column of the file holds, and (for text) its Vietnamese encoding."""

    def __init__(self, column) -> None:
        self.column = column
        super().__init__()
        self.form_title = tr("Cột {letter} «{header}»").format(letter=column.letter,
                                                              header=column.header or tr("(không tên)"))

    def fields(self) -> list[F]:
        from exports import importer
        from exports import legacy_text as lt

        fields = [(tr(label), key) for key, label in importer.FIELDS.items() if key != "ignore"]
        fields.append((tr("(không nhập cột này)"), "ignore"))
        out = [
            F("field", "Cột này là", "select", self.column.field or "ignore", fields, allow_blank=False),
            F("encoding", "Bảng mã chữ Việt (cột chữ)", "select", self.column.encoding,
              [(tr(label), key) for key, label in lt.ENCODING_LABELS.items()], allow_blank=False),
        ]
        if not self.column.encoding_sure:
            readings = "\n".join(f"• {tr(lt.ENCODING_LABELS[e])}: «{r}»" for e, r in self.column.candidates)
            where = tr(" (ô ở dòng {row})").format(row=self.column.sample_row) if self.column.sample_row else ""
            out.append(F("readings", "Chưa rõ bảng mã — chọn cách đọc đúng", "info",
                         (tr("Cùng một ô{where} đọc theo từng bảng mã:").format(where=where) + f"\n{readings}\n"
                          if readings else "")
                         + tr("Chọn bảng mã cho ra chữ Việt đúng rồi Ctrl+S; chưa chọn thì chưa nhập được.")))
        out.append(F("info", "Gợi ý", "info", tr("Nếu chữ trong bản xem trước hiện sai dấu (ví dụ «NguyÔn»), hãy "
                     "chọn bảng mã TCVN3 (phông .VnTime) hoặc VNI (phông VNI-Times). Chương trình nhớ cách ghép cột "
                     "cho các tệp cùng mẫu.")))
        return out

    def save(self, values: dict):
        return values


class OpenPasswordForm(FormModal):
    """The password of a protected file (checked in memory before the form closes)."""

    def __init__(self, path: Path) -> None:
        self.path = path
        super().__init__()
        self.form_title = tr("Tệp «{name}» có mật khẩu").format(name=path.name)

    def fields(self) -> list[F]:
        return [
            F("info", "Lưu ý", "info", tr("Tệp này được đặt mật khẩu khi gửi đi. Hãy nhập mật khẩu mà người gửi "
              "báo cho bạn. Tệp chỉ được mở trong bộ nhớ, không lưu bản không mật khẩu nào ra đĩa.")),
            F("password", "Mật khẩu của tệp", "password", required=True),
        ]

    def save(self, values: dict):
        from exports import importer

        importer.check_file_password(self.path, values["password"])  # wrong → stays open with the message
        return values["password"]


class NameForm(FormModal):
    """A village or category named in the file that the registry does not know."""

    def __init__(self, kind: str, name: str, rows: list[int], options: list[tuple[str, str]], current: str = "") -> None:
        self.kind, self.item_name, self.rows, self.choice_options, self.current = kind, name, rows, options, current
        super().__init__()
        what = tr("Thôn/TDP") if kind == "village" else tr("Thành phần")
        self.form_title = tr("{what} «{name}» chưa có trong sổ").format(what=what, name=name)

    def fields(self) -> list[F]:
        shown = ", ".join(str(r) for r in self.rows[:12]) + ("…" if len(self.rows) > 12 else "")
        label = "Ứng với thôn/TDP trong sổ" if self.kind == "village" else "Ứng với thành phần"
        return [
            F("info", "Có ở các dòng", "info", tr("{n} dòng: {rows}").format(n=len(self.rows), rows=shown)),
            F("target", label, "select", self.current, self.choice_options, required=True),
        ]

    def save(self, values: dict):
        return values["target"]


# -- the wizard -----------------------------------------------------------------------------
class ImportScreen(Screen):
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
    BINDINGS = [
        Binding("escape", "back", "Quay lại", id="import.back",
                tooltip="Dừng việc đang chạy, về bước trước, hoặc đóng (chưa ghi gì vào sổ)"),
        Binding("ctrl+f", "pick", "Chọn tệp", id="import.pick", tooltip="Chọn tệp bảng tính (cả trên USB)"),
        Binding("ctrl+n", "next", "Tiếp", id="import.next", tooltip="Sang bước sau"),
        Binding("ctrl+r", "reread", "Đọc lại tệp", id="import.reread",
                tooltip="Đọc lại tệp (sau khi đã sửa tệp bằng Excel)"),
        Binding("ctrl+s", "apply", "Nhập vào sổ", id="import.apply",
                tooltip="Ghi vào sổ (một lần cho tất cả các dòng; có hỏi lại)"),
        Binding("ctrl+o", "report", "Ghi báo cáo", id="import.report",
                tooltip="Ghi bảng kết quả từng dòng ra tệp Excel (có thể đặt mật khẩu)"),
    ]
    help_text = ("Nhập danh sách thành viên từ tệp Excel/LibreOffice/CSV của xã (kể cả tệp cũ gõ bằng phông .VnTime "
                 "hoặc VNI), hoặc nhập bảng Phụ lục I của đơn vị cấp dưới để tổng hợp. Các bước: chọn tệp (Ctrl+F, "
                 "cả trên USB) → chọn trang tính → xem và sửa cách ghép cột (Enter trên một cột; Enter trên tên thôn "
                 "hoặc thành phần lạ để chọn thôn/thành phần tương ứng) → xem trước từng dòng (thêm mới, cập nhật, "
                 "không đổi, lỗi — kèm số dòng trong tệp) → Ctrl+S nhập vào sổ. Chưa bấm Ctrl+S thì sổ không thay "
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

    # -- layout -------------------------------------------------------------------------
    def compose(self) -> ComposeResult:
        yield Header()
        with Vertical(id="imp-body"):
            yield Static("", id="imp-trail")
            with ContentSwitcher(initial="st-file", id="imp-switch"):
                with Vertical(id="st-file"):
                    with Horizontal(classes="imp-bar"):
                        yield Select([(tr("Danh sách thành viên (họ tên, năm sinh, thôn, số điện thoại…)"), "roster"),
                                      (tr("Phụ lục I của đơn vị cấp dưới (số tổ, số thành viên) — để tổng hợp"),
                                       "phu-luc-1")],
                                     value=self.kind, allow_blank=False, id="imp-kind", compact=True)
                    yield Static("", id="imp-file-help")
                with Vertical(id="st-sheet"):
                    yield Label(tr("Tệp có nhiều trang tính; chọn trang có danh sách (Enter):"), classes="section")
                    yield OptionList(id="imp-sheets")
                with Vertical(id="st-map"):
                    yield Static("", id="imp-map-info")
                    yield LazyTable([Column("Cột", 4), Column("Tiêu đề trong tệp"), Column("Ghép vào", 18),
                                     Column("Bảng mã", 14)], id="imp-cols", enter_label="Sửa cột",
                                    empty_text="(chưa đọc tệp)")
                    yield Label(tr("Tên thôn/TDP, thành phần chưa có trong sổ (Enter để chọn tương ứng)"), classes="section")
                    yield LazyTable([Column("Trong tệp"), Column("Loại", 10), Column("Số dòng", 7, "right"),
                                     Column("Sẽ ghép với", 24)], id="imp-names", enter_label="Chọn",
                                    empty_text="Không có: mọi thôn và thành phần trong tệp đều đã có trong sổ.")
                with Vertical(id="st-preview"):
                    yield Static("", id="imp-counts")
                    with Horizontal(classes="imp-bar"):
                        yield Select([(tr(label), v) for label, v in ROW_FILTERS], value="all", allow_blank=False, id="imp-filter", compact=True)
                        yield Input(placeholder=tr("Tên đơn vị gửi bảng"), id="imp-source", compact=True)
                    yield LazyTable([Column("Dòng", 5, "right"), Column("Kết quả", 9), Column("Họ và tên", 22),
                                     Column("Thôn/TDP", 14), Column("Chi tiết")], id="imp-rows",
                                    enter_label="Xem chi tiết", empty_text="Không có dòng nào như vậy.")
                with Vertical(id="st-done"):
                    yield Static("", id="imp-result")
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

    def _file_help(self) -> None:
        if self.kind == "roster":
            how = tr("Tệp .xlsx, .xls, .ods hoặc .csv có một dòng tiêu đề (Họ và tên, Năm sinh, Thôn/TDP, Số ĐT, "
                     "Thành phần, CCCD…), có thể có dòng tên biểu ở trên và chữ ký ở dưới. Chữ gõ phông cũ "
                     "(.VnTime, VNI) được tự chuyển sang Unicode.")
        else:
            how = tr("Bảng Phụ lục I (Stt | Đơn vị | Tổng số Tổ CNSCĐ/thôn | Tổng số thành viên) do xã/huyện gửi "
                     "lên, hoặc tệp báo cáo do chương trình này xuất ở đơn vị đó. Bảng có dòng tổng không khớp các "
                     "dòng sẽ được báo.")
        picked = f"\n[b]{tr('Tệp đã chọn:')}[/b] {self.path}" if self.path else ""
        self.query_one("#imp-file-help", Static).update(
            f"{how}\n\n{tr('Ctrl+F: chọn tệp (Tài liệu, Tải về, USB…).')}{picked}")

    def _show_step(self, step: str) -> None:
        self.step = step
        self.query_one("#imp-switch", ContentSwitcher).current = f"st-{step}"
        names = [k for k, _ in self.steps]
        cur = names.index(step) if step in names else 0
        parts = []
        for i, (k, label) in enumerate(self.steps):
            s = f"{i + 1}. {tr(label)}"
            parts.append(f"[b reverse] {s} [/b reverse]" if i == cur else (f"[dim]{s}[/dim]" if i > cur else s))
        sheet = f"   [dim]{tr('trang')} «{self.preview.sheet}»[/dim]" if self.preview is not None and step != "file" else ""
        self.query_one("#imp-trail", Static).update(" › ".join(parts) + sheet)
        self.query_one("#imp-source", Input).display = self.kind != "roster"
        self.query_one("#imp-filter", Select).display = self.kind == "roster"
        focus = {"sheet": "#imp-sheets", "map": "#imp-cols", "preview": "#imp-rows", "file": "#imp-kind"}.get(step)
        if focus:
            self.query_one(focus).focus()
        self.refresh_bindings()

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "next":
            return self.step in ("sheet", "map") and not self.busy or (self.step == "done")
        if action == "apply":
            return self.step == "preview" and not self.busy
        if action == "reread":
            return self.path is not None and self.step != "done" and not self.busy
        if action == "report":
            return self.kind == "roster" and self.preview is not None and self.step in ("preview", "done") \
                and not self.busy
        if action == "pick":
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
    @on(Select.Changed, "#imp-kind")
    def _kind(self, event: Select.Changed) -> None:
        event.stop()
        if event.value is Select.NULL or event.value == self.kind:
            return
        self.kind = str(event.value)
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
            self._read_roster(self.path, self.options, self._file_password)
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

    def _cancelled(self) -> bool:
        from textual.worker import get_current_worker

        return self._cancel or get_current_worker().is_cancelled

    def _progress(self, what: str):
        last = [-1]

        def report(done: int, total: int) -> None:
            pct = int(done * 100 / total) if total else 100
            if pct != last[0]:
                last[0] = pct
                self.post_message(ImportProgress(what, done, total))
        return report

    @work(thread=True, exclusive=True, group="import-read")
    def _read_roster(self, path: Path, options, password: str | None) -> None:
        from exports import importer
        from models.services import InputError
        from models.store import StoreError

        try:
            pv = importer.read_roster(self.app.reg, path, options, progress=self._progress(tr("Đang kiểm tra")),
                                      read_progress=self._progress(tr("Đang đọc tệp")), cancelled=self._cancelled,
                                      password=password)
        except importer.ImportCancelled:
            self.post_message(PreviewReady(error=tr("Đã dừng đọc tệp; sổ không thay đổi.")))
        except (importer.FilePasswordRequired, importer.FilePasswordWrong) as exc:
            self.post_message(PreviewReady(error=exc.message, password_needed=True))
        except (InputError, StoreError) as exc:
            self.post_message(PreviewReady(error=exc.message))
        else:
            self.post_message(PreviewReady(preview=pv))

    @work(thread=True, exclusive=True, group="import-read")
    def _read_table(self, path: Path, password: str | None) -> None:
        from exports import importer
        from models.services import InputError

        try:
            tab = importer.read_phu_luc_1(path, password=password, progress=self._progress(tr("Đang đọc tệp")),
                                          cancelled=self._cancelled)
        except importer.ImportCancelled:
            self.post_message(PreviewReady(error=tr("Đã dừng đọc tệp; sổ không thay đổi.")))
        except (importer.FilePasswordRequired, importer.FilePasswordWrong) as exc:
            self.post_message(PreviewReady(error=exc.message, password_needed=True))
        except InputError as exc:
            self.post_message(PreviewReady(error=exc.message))
        else:
            self.post_message(PreviewReady(table=tab))

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
            self._show_table()
            self._show_step("preview")
            return
        first = self.preview is None
        self.preview = message.preview
        self._show_mapping()
        self._show_rows()
        if first and len(self.preview.sheet_names) > 1:
            self._show_sheets()
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
    def _show_sheets(self) -> None:
        ol = self.query_one("#imp-sheets", OptionList)
        ol.clear_options()
        for i, name in enumerate(self.preview.sheet_names):
            mark = "  ← " + tr("có danh sách") if name == self.preview.sheet else ""
            ol.add_option(Option(f"{i + 1}. {name}{mark}", id=str(i + 1)))
        ol.highlighted = self.preview.sheet_names.index(self.preview.sheet) if self.preview.sheet in \
            self.preview.sheet_names else 0

    @on(OptionList.OptionSelected, "#imp-sheets")
    def _sheet(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        name = self.preview.sheet_names[int(event.option.id) - 1]
        if name == self.preview.sheet:
            self._show_step("map")
            return
        self.options.sheet = int(event.option.id)
        self.step = "map"
        self.read()

    # -- step 3: the columns, unknown names ------------------------------------------------------
    def _show_mapping(self) -> None:
        from exports import importer
        from exports import legacy_text as lt

        pv = self.preview
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
        self.query_one("#imp-map-info", Static).update("\n".join(lines))
        rows, keys = [], []
        for ci in pv.columns:
            if not ci.header and not ci.field:
                continue
            enc = ""
            if ci.field in importer.TEXT_FIELDS:
                enc = tr(lt.ENCODING_LABELS[ci.encoding]).split(" (")[0] + ("" if ci.encoding_sure else " ?")
            rows.append((ci.letter, ci.header or tr("(không tên)"), tr(ci.field_label), enc))
            keys.append(ci.index)
        cols = self.query_one("#imp-cols", LazyTable)
        cols.set_rows(rows, keys, keep_cursor=True)
        names, nkeys = [], []
        for name, rws in pv.unknown_villages.items():
            target = self._mapped(self.options.village_map, name)
            shown = (tr("tạo mới") if target == importer.CREATE else target) if target else tr("[chưa chọn]")
            names.append((name, tr("Thôn/TDP"), text.format_int(len(rws)), shown))
            nkeys.append(("village", name))
        for name, rws in pv.unknown_categories.items():
            target = self._mapped(self.options.category_map, name)
            shown = next((c.name for c in self.categories if c.code == target), target) if target else \
                tr("Chức danh khác (tạm)")
            names.append((name, tr("Thành phần"), text.format_int(len(rws)), shown))
            nkeys.append(("category", name))
        self.query_one("#imp-names", LazyTable).set_rows(names, nkeys, keep_cursor=True)

    @staticmethod
    def _mapped(mapping: dict, name: str) -> str:
        for k, v in mapping.items():
            if text.fold(k) == text.fold(name):
                return v
        return ""

    @on(LazyTable.Selected, "#imp-cols")
    def _edit_column(self, event: LazyTable.Selected) -> None:
        event.stop()
        col = next((c for c in self.preview.columns if c.index == event.key), None)
        if col is None or self.busy:
            return

        self._open_column(col)

    def _open_column(self, col) -> None:
        def done(values):
            if not values:
                return
            self.options.column_map[col.letter] = values["field"]
            if values["field"] != "ignore":
                from exports import legacy_text as lt

                if values["encoding"] != lt.UNICODE or values["field"] in self.options.encodings \
                        or values["encoding"] != col.encoding or not col.encoding_sure:
                    self.options.encodings[values["field"]] = values["encoding"]
            self.read()
        self.app.push_screen(ColumnForm(col), done)

    @on(LazyTable.Selected, "#imp-names")
    def _edit_name(self, event: LazyTable.Selected) -> None:
        from exports import importer

        event.stop()
        if self.busy or event.key is None:
            return
        kind, name = event.key
        if kind == "village":
            rows = self.preview.unknown_villages.get(name, [])
            opts = [(tr("Tạo thôn/TDP mới «{name}»").format(name=name), importer.CREATE)] + [(v.full_name, v.name) for v in self.villages
                                                                          if v.active]
            current = self._mapped(self.options.village_map, name)
        else:
            rows = self.preview.unknown_categories.get(name, [])
            opts = [(c.name, c.code) for c in self.categories]
            current = self._mapped(self.options.category_map, name)

        def done(target):
            if not target:
                return
            if kind == "village":
                self.options.village_map[name] = target
            else:
                self.options.category_map[name] = target
            self.read()
        self.app.push_screen(NameForm(kind, name, rows, opts, current), done)

    # -- step 4: preview ------------------------------------------------------------------------
    def _row_detail(self, r) -> str:
        if r.errors:
            return "; ".join(e.message for e in r.errors)
        bits = []
        if r.status == "update" and r.changes:
            bits.append(tr("đổi: ") + ", ".join(dict.fromkeys(r.changes)))
        bits += [w.message for w in r.warnings]
        return "; ".join(bits)

    def _show_rows(self) -> None:
        pv = self.preview
        if pv is None:
            return
        c = pv.counts
        nerr = len({e.row for e in pv.errors})
        lines = [tr("[b]{rows} dòng[/b]: thêm mới [green]{new}[/green] · cập nhật [cyan]{update}[/cyan] · "
                    "không đổi {unchanged} · lỗi [red]{error}[/red]").format(
            rows=text.format_int(len(pv.rows)), new=text.format_int(c['new']), update=text.format_int(c['update']),
            unchanged=text.format_int(c['unchanged']), error=text.format_int(c['error']))]
        for w in pv.warnings[:3]:
            lines.append(f"[yellow]{tr('Lưu ý')}: {w}[/yellow]")
        if pv.unsure_columns:
            lines.append("[red]" + tr("Chưa nhập được: {why} Ctrl+S: chọn bảng mã cho cột {letter}.").format(
                why=pv.unsure_columns[0].unsure_message, letter=pv.unsure_columns[0].letter) + "[/red]")
        elif pv.blocking:
            lines.append("[red]" + tr("Chưa nhập được: {why} (Esc về bước ghép cột).").format(why=pv.blocking[0])
                         + "[/red]")
        elif nerr:
            lines.append("[red]" + tr("Còn {n} dòng lỗi: sửa trong tệp rồi Ctrl+R đọc lại, hoặc sửa cách ghép ở "
                                      "bước trước (Esc). Khi còn lỗi, chưa nhập dòng nào.").format(n=nerr) + "[/red]")
        elif c["new"] or c["update"]:
            lines.append(f"[green]{tr('Không có lỗi. Ctrl+S để nhập vào sổ.')}[/green]")
        else:
            lines.append(tr("Sổ đã có đủ các dòng này; nhập lại cũng không thay đổi gì."))
        self.query_one("#imp-counts", Static).update("\n".join(lines))
        sel = self.query_one("#imp-filter", Select)
        flt = sel.value
        if flt == "error" and not c["error"]:  # the errors are fixed: show every row again
            flt = "all"
            with sel.prevent(Select.Changed):
                sel.value = "all"
        rows, keys = [], []
        for r in pv.rows:
            if flt == "error" and r.status != "error":
                continue
            if flt == "warn" and not r.warnings:
                continue
            if flt in ("new", "update", "unchanged") and r.status != flt:
                continue
            rows.append((str(r.row), tr(r.status_label), r.name or tr("(không tên)"), r.village, self._row_detail(r)))
            keys.append(r.row)
        table = self.query_one("#imp-rows", LazyTable)
        table.columns = [Column("Dòng", 5, "right"), Column("Kết quả", 9), Column("Họ và tên", 22),
                         Column("Thôn/TDP", 14), Column("Chi tiết")]
        table.dim = {r.row for r in pv.rows if r.status == "unchanged"}
        table.set_rows(rows, keys)

    @on(Select.Changed, "#imp-filter")
    def _filter(self, event: Select.Changed) -> None:
        event.stop()
        self._show_rows()

    @on(LazyTable.Selected, "#imp-rows")
    def _row(self, event: LazyTable.Selected) -> None:
        from exports import importer

        event.stop()
        if self.preview is None:
            return
        r = next((x for x in self.preview.rows if x.row == event.key), None)
        if r is None:
            return
        lines = [f"{tr('Kết quả')}: {tr(r.status_label)}", f"{tr('Họ và tên')}: {r.name or tr('(không tên)')}"]
        if r.village:
            lines.append(f"{tr('Thôn/TDP')}: {r.village}")
        if r.changes:
            lines.append(tr("Thay đổi: ") + ", ".join(dict.fromkeys(r.changes)))
        for e in r.errors:
            where = tr(importer.FIELDS.get(e.field, e.field) or "dòng")
            lines.append("[red]" + tr("Lỗi ở «{where}»: {message}").format(where=where, message=e.message) + "[/red]")
        for w in r.warnings:
            lines.append(f"[yellow]{tr('Cảnh báo: ')}{w.message}[/yellow]")
        self.app.push_screen(MessageModal(tr("Dòng {row} của tệp").format(row=r.row), "\n".join(lines)))

    def _show_table(self) -> None:
        tab = self.table
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
        table.columns = [Column("Stt", 5), Column("Đơn vị"), Column("Tổ/thôn", 11, "right"),
                         Column("Thành viên", 11, "right")]
        table.dim = set()
        table.set_rows(rows)
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
        self.query_one("#imp-counts", Static).update("\n".join(lines))
        src = self.query_one("#imp-source", Input)
        if not src.value:
            src.value = Path(tab.path).stem

    # -- navigation ----------------------------------------------------------------------------
    def action_next(self) -> None:
        if self.step == "sheet":
            ol = self.query_one("#imp-sheets", OptionList)
            if ol.highlighted is not None:
                ol.action_select()
        elif self.step == "map":
            self._show_rows()
            self._show_step("preview")
        elif self.step == "done":
            self._restart()

    def action_back(self) -> None:
        if self.busy:
            self._cancel = True
            self._status(tr("Đang dừng…"))
            return
        names = [k for k, _ in self.steps]
        if self.step in ("file", "done"):
            self.dismiss(self.result)
            return
        i = names.index(self.step)
        prev = names[i - 1]
        if prev == "sheet" and (self.preview is None or len(self.preview.sheet_names) <= 1):
            prev = "file"
        if prev == "sheet":
            self._show_sheets()
        self._show_step(prev)

    def action_reread(self) -> None:
        if self.path is not None and not self.busy:
            self.read()

    def _restart(self) -> None:
        self.path = None
        self._file_password = None
        self.options = None
        self.preview = self.table = self.result = None
        self.query_one("#imp-source", Input).value = ""
        self._file_help()
        self._show_step("file")
        self._status("")
        self.action_pick()

    # -- step 5: import --------------------------------------------------------------------------
    def action_apply(self) -> None:
        if self.step != "preview" or self.busy:
            return
        if self.kind == "roster":
            pv = self.preview
            if pv is None:
                return
            unsure = pv.unsure_columns
            if unsure:  # the clerk chooses the encoding first: the column's form opens
                col = unsure[0]
                self._status(f"[red]{col.unsure_message}[/red]")
                self._open_column(col)
                return
            if pv.blocking:
                self._status(f"[red]{pv.blocking[0]}[/red]")
                return
            if pv.errors:
                n = len({e.row for e in pv.errors})
                self._status("[red]" + tr("Còn {n} dòng lỗi; chưa nhập dòng nào. Xem các dòng lỗi (lọc «Dòng có lỗi»).")
                             .format(n=n) + "[/red]")
                self.query_one("#imp-filter", Select).value = "error"
                return
            c = pv.counts
            if not c["new"] and not c["update"]:
                self._status(tr("Không có gì mới để nhập: sổ đã có đủ các dòng này."))
                return
            q = tr("Nhập vào sổ: thêm mới {new} người, cập nhật {update} người (từ tệp «{name}»)?\nTất cả các dòng "
                   "được ghi cùng một lần; có thể xem lại trong Nhật ký.").format(
                new=text.format_int(c['new']), update=text.format_int(c['update']), name=Path(pv.path).name)
            self.app.push_screen(ConfirmModal(q, yes="Có, nhập", no="Chưa"),
                                 lambda yes: yes and self._start_apply())
        else:
            tab = self.table
            if tab is None:
                return
            if tab.errors:
                self._status(f"[red]{tr('Bảng có lỗi nên chưa nhập được.')}[/red]")
                return
            source = text.clean(self.query_one("#imp-source", Input).value) or Path(tab.path).stem
            q = tr("Đưa bảng Phụ lục I của «{source}» ({units} đơn vị, {members} thành viên) vào sổ tổng hợp?").format(
                source=source, units=len(tab.rows), members=text.format_int(tab.members))
            if tab.flags:
                q += ("\n\n" + tr("CẢNH BÁO: ") + "; ".join(tab.flags) + ".\n"
                      + tr("Báo cáo tổng hợp sẽ dùng số cộng từ các dòng và ghi chú sai lệch này."))
            self.app.push_screen(ConfirmModal(q, yes="Có, nhập", no="Chưa"),
                                 lambda yes: yes and self._start_table(source))

    def _start_apply(self) -> None:
        self._begin("apply", tr("Đang nhập vào sổ…"))
        self._apply_worker(self.preview)

    def _start_table(self, source: str) -> None:
        self._begin("apply", tr("Đang nhập bảng…"))
        self._table_worker(self.path, source, bool(self.table.flags))

    @work(thread=True, exclusive=True, group="import-apply")
    def _apply_worker(self, preview) -> None:
        from exports import importer
        from models.services import InputError
        from models.store import StoreError

        try:
            res = importer.apply_roster(self.app.reg, preview, progress=self._progress(tr("Đang ghi")),
                                        cancelled=self._cancelled)
        except importer.ImportCancelled:
            self.post_message(ImportDone(cancelled=True))
        except (InputError, StoreError) as exc:
            self.post_message(ImportDone(error=exc.message))
        else:
            self.post_message(ImportDone(result=res))

    @work(thread=True, exclusive=True, group="import-apply")
    def _table_worker(self, path: Path, source: str, flagged: bool) -> None:
        from exports import importer
        from models.services import InputError
        from models.store import StoreError

        try:
            tab = importer.import_phu_luc_1(self.app.reg, path, source=source, accept_flagged=flagged,
                                            password=self._file_password)
        except (InputError, StoreError) as exc:
            self.post_message(ImportDone(error=exc.message))
        else:
            self.post_message(ImportDone(table=tab))

    def on_import_done(self, message: ImportDone) -> None:
        self._end()
        if message.cancelled:
            self._status(f"[yellow]{tr('Đã dừng; sổ không thay đổi (chưa ghi dòng nào).')}[/yellow]")
            return
        if message.error:
            self._status("[red]" + tr("Chưa nhập được: {error}").format(error=message.error) + "[/red]\n"
                         + tr("Sổ không thay đổi."))
            return
        self._status("")
        self.app.data_changed()
        out = self.query_one("#imp-result", Static)
        if message.table is not None:
            tab = message.table
            self.result = tab
            out.update(tr("[green]Đã đưa bảng Phụ lục I vào sổ tổng hợp[/green]: {units} đơn vị, {members} thành "
                          "viên").format(units=len(tab.rows), members=text.format_int(tab.members))
                       + (f"\n[yellow]{tr('Kèm cảnh báo: ')}{'; '.join(tab.flags)}[/yellow]" if tab.flags else "")
                       + "\n\n" + tr("Báo cáo Phụ lục I (F7 Báo cáo) nay cộng cả các bảng đã nhập. Ctrl+N: nhập "
                                      "tệp khác · Esc: đóng."))
        else:
            res = message.result
            self.result = res
            lines = [f"[green]{res.summary}[/green]"]
            if res.villages_created:
                lines.append(tr("Thôn/TDP mới: ") + ", ".join(res.villages_created))
            if res.teams_created:
                lines.append(tr("Tổ CNSCĐ mới (chưa có quyết định thành lập — bổ sung ở trang Thôn/Tổ): ")
                             + ", ".join(res.teams_created))
            lines.append(tr("Đã ghi vào Nhật ký. Cách ghép cột của mẫu tệp này đã được nhớ cho lần sau."))
            lines.append("\n" + tr("Ctrl+O: ghi bảng kết quả từng dòng ra tệp · Ctrl+N: nhập tệp khác · Esc: đóng."))
            out.update("\n".join(lines))
        self._show_step("done")
        self.app.notify(tr("Đã nhập vào sổ."), timeout=4)

    # -- report to a file ------------------------------------------------------------------------
    def action_report(self) -> None:
        if self.preview is None or self.busy:
            return
        from .reports_pane import FilePasswordForm

        def go(password):
            if password is None:
                return
            self._report_worker(self.preview, self.result, password or None)

        q = tr("Bảng kết quả có họ tên người trong danh sách (dữ liệu cá nhân). Đặt mật khẩu cho tệp Excel?")
        self.app.push_screen(ConfirmModal(q, yes="Có, đặt mật khẩu", no="Không"),
                             lambda yes: self.app.push_screen(FilePasswordForm(), go) if yes else go(""))

    @work(thread=True, exclusive=True, group="import-report")
    def _report_worker(self, preview, result, password: str | None) -> None:
        from exports.handoff import hand_off
        from exports.report import Column as RCol
        from exports.report import Report, letterhead
        from exports.usb import UsbError
        from models.services import InputError
        from models.store import StoreError

        from .reports_pane import documents_folder

        pv = preview
        rows = [[r.row, r.status_label, r.name, r.village, self._row_detail(r)] for r in pv.rows]
        c = pv.counts
        notes = [f"Tệp: {Path(pv.path).name}, trang «{pv.sheet}».",
                 f"Thêm mới {c['new']}, cập nhật {c['update']}, không đổi {c['unchanged']}, lỗi {c['error']}."]
        if result is not None:
            notes.append(f"Đã nhập vào sổ ngày {text.format_date(dt.date.today())}: {result.summary}")
        else:
            notes.append("Bản xem trước: chưa nhập vào sổ.")
        rep = Report(key="nhap-danh-sach", title="KẾT QUẢ NHẬP DANH SÁCH THÀNH VIÊN TỔ CNSCĐ",
                     columns=[RCol("Dòng trong tệp", "int", 8), RCol("Kết quả", "text", 12),
                              RCol("Họ và tên", "text", 26), RCol("Thôn/TDP", "text", 18),
                              RCol("Chi tiết", "text", 60)],
                     rows=rows, notes=notes, sheet_name="Kết quả nhập", personal_data=True,
                     letterhead=letterhead(self.app.reg))
        stem = f"NhapDanhSach_{text.ascii_slug(Path(pv.path).stem)[:30]}_{dt.date.today():%Y%m%d}"
        dest = documents_folder()
        try:
            dest.mkdir(parents=True, exist_ok=True)
            res = hand_off(self.app.reg, rep, label="Kết quả nhập danh sách", dest_dir=dest, stem=stem, fmt="xlsx",
                           password=password)
        except (InputError, StoreError, UsbError) as exc:
            self.post_message(ReportWritten(tr("Chưa ghi được báo cáo: {error}").format(error=exc.message), True))
            return
        except OSError as exc:
            self.post_message(ReportWritten(tr("Chưa ghi được báo cáo vào {dest}: {error}").format(
                dest=dest, error=exc.strerror or exc), True))
            return
        path = res.files[0].path
        self.post_message(ReportWritten(tr("Đã ghi bảng kết quả: {path}").format(path=path)
                                        + (tr(" (có mật khẩu)") if password else tr(" — có dữ liệu cá nhân, giữ cẩn thận"))))

    def on_report_written(self, message: ReportWritten) -> None:
        self._status(f"[red]{message.text}[/red]" if message.error else message.text)
        if not message.error:
            self.app.notify(message.text, timeout=5)

    # -- auto-lock ---------------------------------------------------------------------------------
    def drop_data(self) -> None:
        self._cancel = True
        self._file_password = None
        self.preview = self.table = None
        for sel in ("#imp-cols", "#imp-names", "#imp-rows"):
            self.query_one(sel, LazyTable).set_rows([])
        for sel in ("#imp-counts", "#imp-map-info", "#imp-result", "#imp-status"):
            self.query_one(sel, Static).update("")
        self.query_one("#imp-sheets", OptionList).clear_options()
        self.busy = ""

    def reload_visible(self) -> None:
        if self.path is not None and self.step != "done":
            self.read()
        elif self.step == "done":
            self._restart()
