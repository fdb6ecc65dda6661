"""Reports (Báo cáo): choose report, period, scope, format, destination; preview;
export with progress; the result's path. The builders and writers are the
same ones the ``cnscd export`` command uses."""

from __future__ import annotations

import argparse
import datetime as dt
from pathlib import Path

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal
from textual.message import Message
from textual.widgets import Checkbox, Input, ProgressBar, Select, Static

from models import text

from .forms import F, FormModal
from .main_screen import Pane
from .widgets import Column, LazyTable


def period_options(today: dt.date | None = None) -> list[tuple[str, str]]:
    today = today or dt.date.today()
    out = []
    for year in (today.year, today.year - 1):
        out.append((f"Năm {year}", str(year)))
        out.append((f"6 tháng đầu năm {year}", f"{year}-H1"))
        for q in range(4, 0, -1):
            if year == today.year and (q - 1) * 3 + 1 > today.month:
                continue
            out.append((f"Quý {['I', 'II', 'III', 'IV'][q - 1]}/{year}", f"{year}-Q{q}"))
    return out


def documents_folder() -> Path:
    import platformdirs

    return Path(platformdirs.user_documents_dir()) / "BaoCao-CNSCD"


class Previewed(Message):
    def __init__(self, report, stem: str, error: str = "") -> None:
        super().__init__()
        self.report, self.stem, self.error = report, stem, error


class ExportProgress(Message):
    def __init__(self, text_: str, step: int) -> None:
        super().__init__()
        self.text, self.step = text_, step


class Exported(Message):
    def __init__(self, result=None, error: str = "") -> None:
        super().__init__()
        self.result, self.error = result, error


class FilePasswordForm(FormModal):
    form_title = "Đặt mật khẩu cho tệp Excel"

    def fields(self) -> list[F]:
        def repeat(v, values):
            return ("Hai lần nhập không khớp.", "") if v and v != values.get("password") else ("", "")

        return [
            F("info", "Lưu ý", "info", "Người nhận cần mật khẩu này để mở tệp bằng Excel hoặc LibreOffice. "
              "Hãy báo mật khẩu qua điện thoại, không gửi kèm tệp."),
            F("password", "Mật khẩu cho tệp", "password", required=True),
            F("repeat", "Nhập lại", "password", required=True, check=repeat),
        ]

    def save(self, values: dict):
        return values["password"]


class ReportsPane(Pane):
    BINDINGS = [
        Binding("ctrl+o", "export", "Xuất", id="reports.export", tooltip="Xuất báo cáo đã chọn ra thư mục/USB"),
        Binding("ctrl+u", "drives", "Tìm USB", id="reports.drives", tooltip="Tìm lại các ổ USB đang cắm"),
        Binding("ctrl+t", "templates", "Mẫu cấp trên", id="reports.templates",
                tooltip="Mẫu biểu .xlsx huyện/tỉnh gửi: lưu, ghép cột, điền cho một kỳ"),
        Binding("ctrl+g", "import_table", "Nhập Phụ lục I", id="reports.import",
                tooltip="Nhập bảng Phụ lục I của đơn vị cấp dưới để tổng hợp"),
    ]
    help_text = ("Chọn loại báo cáo, kỳ, phạm vi (toàn xã hoặc một thôn), định dạng (xlsx cho Excel, ods cho "
                 "LibreOffice, csv) và nơi lưu (thư mục Tài liệu hoặc USB). Bảng dưới là xem trước các dòng đầu. "
                 "Ctrl+O: xuất; Ctrl+U: tìm lại USB; Ctrl+T: mẫu biểu của cấp trên (điền vào tệp huyện gửi); Ctrl+G: nhập Phụ lục I của đơn vị cấp dưới để tổng hợp. Tệp có họ tên, số điện thoại là dữ liệu cá nhân: nên đặt mật khẩu (chỉ với xlsx).")

    def compose(self) -> ComposeResult:
        from exports.cli import KINDS

        with Horizontal(classes="rep-bar"):
            yield Select([(label, k) for k, (label, _) in KINDS.items()], value="phu-luc-1", allow_blank=False,
                         id="rep-kind", compact=True)
            yield Select(period_options(), value=str(dt.date.today().year), allow_blank=False, id="rep-period",
                         compact=True)
        with Horizontal(classes="rep-bar"):
            yield Select([], prompt="Toàn xã", id="rep-scope", compact=True)
            yield Select([("Excel (.xlsx)", "xlsx"), ("LibreOffice (.ods)", "ods"), ("CSV (.csv)", "csv")],
                         value="xlsx", allow_blank=False, id="rep-format", compact=True)
            yield Select([], prompt="Nơi lưu", id="rep-dest", compact=True, allow_blank=True)
        with Horizontal(classes="rep-bar"):
            yield Checkbox("Kèm số CCCD", id="rep-cccd", compact=True)
            yield Checkbox("Năm sinh theo Nam/Nữ", id="rep-namnu", compact=True)
            yield Checkbox("Đặt mật khẩu (xlsx)", id="rep-protect", compact=True)
        yield Input(placeholder="…hoặc gõ thư mục khác để lưu", id="rep-folder", compact=True)
        yield Static("", id="rep-info")
        yield LazyTable([Column("(xem trước)")], id="rep-preview", empty_text="Chưa có dữ liệu để xem trước.")
        yield ProgressBar(total=4, show_eta=False, id="rep-progress", classes="hidden")
        yield Static("", id="rep-result")

    # -- data -----------------------------------------------------------------------
    def fetch(self):
        from exports.usb import list_drives
        from models import services as S

        try:
            drives = list_drives()
        except Exception:  # noqa: BLE001 - the drive list is a convenience
            drives = []
        return S.list_villages(self.app.reg), drives

    def show(self, data) -> None:
        villages, drives = data
        scope = self.query_one("#rep-scope", Select)
        with scope.prevent(Select.Changed):
            cur = scope.value
            scope.set_options([(v.full_name, v.name) for v in villages])
            if cur is not Select.NULL and any(v.name == cur for v in villages):
                scope.value = cur
        self._set_destinations(drives)
        self.preview()

    def _set_destinations(self, drives) -> None:
        dest = self.query_one("#rep-dest", Select)
        docs = documents_folder()
        options = [(f"Tài liệu: {docs}", str(docs))] + [(f"USB: {d.describe()}", str(d.path)) for d in drives]
        with dest.prevent(Select.Changed):
            cur = dest.value
            dest.set_options(options)
            dest.value = cur if cur is not Select.NULL and any(v == cur for _, v in options) else options[-1][1]

    def _val(self, sel: str):
        v = self.query_one(sel, Select).value
        return None if v is Select.NULL else v

    def _args(self) -> argparse.Namespace:
        kind = self._val("#rep-kind")
        return argparse.Namespace(
            kind=kind, village=(self._val("#rep-scope") or "") if kind in ("danh-sach", "thiet-bi") else "",
            team=None, nam_nu=self.query_one("#rep-namnu", Checkbox).value,
            cccd=self.query_one("#rep-cccd", Checkbox).value, date=None, period=self._val("#rep-period"),
            year=None, policy="quang-nam", teams=None, members_per_team=5, days=0, nights=0, months=None, years=None)

    @on(Select.Changed)
    @on(Checkbox.Changed, "#rep-cccd")
    @on(Checkbox.Changed, "#rep-namnu")
    def _options_changed(self, event) -> None:
        event.stop()
        if self.has_data:
            self.preview()

    def preview(self) -> None:
        self.query_one("#rep-info", Static).update("Đang dựng bản xem trước…")
        self._preview_worker(self._args())

    @work(thread=True, exclusive=True, group="report-preview")
    def _preview_worker(self, args) -> None:
        from exports.cli import build, default_name
        from models.services import InputError
        from models.store import StoreError

        try:
            obj, tag = build(self.app.reg, args)
        except (InputError, StoreError) as exc:
            self.post_message(Previewed(None, "", exc.message))
            return
        stem = Path(default_name(self.app.reg, args.kind, tag, "x")).stem
        if hasattr(obj, "file_stem"):
            stem = obj.file_stem
        self.post_message(Previewed(obj, stem))

    def on_previewed(self, message: Previewed) -> None:
        from exports.writers import as_reports

        info = self.query_one("#rep-info", Static)
        table = self.query_one("#rep-preview", LazyTable)
        if message.error:
            info.update(f"[red]{message.error}[/red]")
            table.set_rows([])
            self.current = None
            return
        self.current, self.stem = message.report, message.stem
        reports = as_reports(message.report)
        first = reports[0]
        personal = any(r.personal_data for r in reports)
        sheets = f" · {len(reports)} trang tính" if len(reports) > 1 else ""
        warn = ("\n[yellow]Có dữ liệu cá nhân (họ tên, số điện thoại). Nên đặt mật khẩu và chỉ giao cho người có "
                "trách nhiệm.[/yellow]" if personal else "")
        info.update(f"[b]{first.title}[/b]{sheets} · {text.format_int(len(first.rows))} dòng · tệp "
                    f"{self.stem}.{self._val('#rep-format')}{warn}")
        cols = [Column(c.title if not c.group else f"{c.group} {c.title}", 0 if i == 1 else max(4, min(16, len(c.title) + 1)),
                       "right" if c.kind in ("int", "money", "pct", "pct1") else "left")
                for i, c in enumerate(first.columns)]
        table.columns = cols
        rows = [tuple(self._cell(c, v) for c, v in zip(first.columns, r)) for r in first.rows[:500]]
        if first.total:
            rows.append(tuple(self._cell(c, v) for c, v in zip(first.columns, first.total)))
        table.set_rows(rows)

    @staticmethod
    def _cell(col, v) -> str:
        if v is None:
            return ""
        if col.kind in ("int", "money") and isinstance(v, (int, float)):
            return text.format_int(v)
        if isinstance(v, dt.date):
            return text.format_date(v)
        return str(v)

    # -- export -----------------------------------------------------------------------
    def destination(self) -> Path | None:
        typed = self.query_one("#rep-folder", Input).value.strip()
        if typed:
            return Path(typed).expanduser()
        v = self._val("#rep-dest")
        return Path(v) if v else None

    def action_templates(self) -> None:
        self.app.open_templates()

    def action_import_table(self) -> None:
        self.app.open_import("phu-luc-1")

    def action_drives(self) -> None:
        self.reload()

    def action_export(self) -> None:
        if getattr(self, "current", None) is None:
            self.app.notify("Chưa có báo cáo để xuất (xem thông báo ở trên).", severity="warning")
            return
        dest = self.destination()
        if dest is None:
            self.app.notify("Chọn nơi lưu hoặc gõ một thư mục.", severity="warning")
            return
        fmt = self._val("#rep-format")
        if self.query_one("#rep-protect", Checkbox).value:
            if fmt != "xlsx":
                self.app.notify("Chỉ đặt được mật khẩu cho tệp Excel (.xlsx).", severity="warning")
                return
            self.app.push_screen(FilePasswordForm(), lambda pw: pw and self._start(dest, fmt, pw))
        else:
            self._start(dest, fmt, None)

    def _start(self, dest: Path, fmt: str, password: str | None) -> None:
        bar = self.query_one("#rep-progress", ProgressBar)
        bar.remove_class("hidden")
        bar.update(total=4, progress=0)
        self.query_one("#rep-result", Static).update("")
        self._export_worker(self.current, self.stem, dest, fmt, password, self._val("#rep-kind"))

    @work(thread=True, exclusive=True, group="report-export")
    def _export_worker(self, obj, stem: str, dest: Path, fmt: str, password: str | None, kind: str) -> None:
        from exports.cli import KINDS
        from exports.handoff import hand_off
        from exports.usb import UsbError
        from models.services import InputError
        from models.store import StoreError

        steps = iter(range(1, 100))
        try:
            if not dest.exists():
                dest.mkdir(parents=True)
            result = hand_off(self.app.reg, obj, label=KINDS[kind][0], dest_dir=dest, stem=stem, fmt=fmt,
                              password=password, progress=lambda m: self.post_message(ExportProgress(m, next(steps))))
        except (InputError, StoreError, UsbError) as exc:
            self.post_message(Exported(error=exc.message if hasattr(exc, "message") else str(exc)))
            return
        except OSError as exc:
            self.post_message(Exported(error=f"Không ghi được vào {dest}: {exc.strerror or exc}"))
            return
        self.post_message(Exported(result))

    def on_export_progress(self, message: ExportProgress) -> None:
        self.query_one("#rep-progress", ProgressBar).update(progress=min(message.step, 3))
        self.query_one("#rep-result", Static).update(message.text)

    def on_exported(self, message: Exported) -> None:
        bar = self.query_one("#rep-progress", ProgressBar)
        result = self.query_one("#rep-result", Static)
        if message.error:
            bar.add_class("hidden")
            result.update(f"[red]Chưa xuất được: {message.error}[/red]")
            return
        bar.update(progress=4)
        lines = [f"[green]Đã xuất:[/green] {r.path} ({text.format_int(r.size)} byte)" for r in message.result.files]
        if message.result.protected:
            lines.append("Tệp có mật khẩu.")
        elif message.result.personal_data:
            lines.append("[yellow]Tệp có dữ liệu cá nhân, không có mật khẩu: giữ cẩn thận, xóa khỏi USB sau khi "
                         "giao.[/yellow]")
        result.update("\n".join(lines))
        self.app.data_changed()
        self.app.notify("Đã xuất báo cáo; biên nhận (SHA-256) đã ghi vào nhật ký.", timeout=4)
