"""Reports (Báo cáo): choose report, period, scope, format, destination; preview;
export with progress; the result's path. The builders and writers are the
same ones the ``cnscd export`` command uses."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal
from textual.message import Message
from textual.widgets import Input, Label, ProgressBar, Select, Static

from rich.cells import cell_len

from exports import handoff, writers
from exports.fund import POLICIES, registry_policy
from exports.report import village_choices
from exports.request import (ACTIVITY_KINDS, ALL_KINDS, PERIOD_KINDS, TAB_KINDS, ReportRequest, build_pack,
                             default_name, default_period_for, parse_kind_period)
from exports.usb import UsbError, list_drives
from models import services, text
from models.errors import InputError, StoreError, UsageError

from .forms import FOCUS_KEYS, F, FormModal
from .i18n import tr
from .panes.base import Pane
from .widgets import Column, LazyTable, Pick, TickBox, short_path


# Report kinds that take support-fund parameters, and which of them each one uses.
FUND_KINDS = {
    "kinh-phi": ("teams", "months", "years", "days"),
    "ky-nhan": ("days",),
    "bao-cao-ky": ("days",),
}


NO_PERIOD = "-"  # the period box of a kind that covers no period (kinh-phi: the whole scheme)


def period_options(today: dt.date | None = None, kind: str = "phu-luc-1") -> list[tuple[str, str]]:
    """The periods ``kind`` can cover: years, halves and quarters of this year and last year that have
    begun; the teams' results also each month begun; the duty rota only months (next month's too, to
    print it ahead). A kind that covers no period: one line saying so."""
    today = today or dt.date.today()
    unit = PERIOD_KINDS.get(kind)
    if unit is None:
        return [(tr("Cả thời gian hỗ trợ (không theo kỳ)"), NO_PERIOD)]
    if unit == "month":
        return _months(dt.date(today.year + today.month // 12, today.month % 12 + 1, 1), 14)
    out = []
    for year in (today.year, today.year - 1):
        out.append((tr("Năm {year}").format(year=year), str(year)))
        if year < today.year or today.month >= 7:
            out.append((tr("6 tháng cuối năm {year}").format(year=year), f"{year}-H2"))
        out.append((tr("6 tháng đầu năm {year}").format(year=year), f"{year}-H1"))
        for q in range(4, 0, -1):
            if year == today.year and (q - 1) * 3 + 1 > today.month:
                continue
            out.append((tr("Quý {q}/{year}").format(q=['I', 'II', 'III', 'IV'][q - 1], year=year), f"{year}-Q{q}"))
        if kind in ACTIVITY_KINDS:
            last = dt.date(year, today.month if year == today.year else 12, 1)
            out += _months(last, last.month)
    return out


def _months(last: dt.date, n: int) -> list[tuple[str, str]]:
    """«Tháng 11/2026» … : ``n`` months back from ``last``'s, newest first."""
    out = []
    y, m = last.year, last.month
    for _ in range(n):
        out.append((tr("Tháng {month}/{year}").format(month=f"{m:02d}", year=y), f"{y}-{m:02d}"))
        y, m = (y, m - 1) if m > 1 else (y - 1, 12)
    return out


def default_period_code(kind: str, today: dt.date | None = None) -> str:
    """The period box's value when the clerk has chosen none: the rule of ``cnscd export`` too
    (exports.request.default_period_for)."""
    p = default_period_for(kind, today)
    return p.code if p is not None else NO_PERIOD


def destination_label(prefix: str, path: Path | str, suffix: str, width: int) -> str:
    """«USB KINGSTON — /media/…/KINGSTON (còn trống 3,2 GB)» in ``width`` cells: the path is
    shortened in the middle (its beginning and its last folder stay); the free space is left out
    first when there is no room for the last folder whole."""
    from rich.cells import cell_len

    path = home_short(path)
    tail = path[max(path.rfind("/"), path.rfind("\\")):]
    for extra in ((suffix, "") if suffix else ("",)):
        room = width - cell_len(prefix) - cell_len(extra)
        if cell_len(path) <= room or cell_len(tail) + 4 <= room:
            return prefix + short_path(path, room) + extra
    return prefix + short_path(path, max(8, width - cell_len(prefix)))


def home_short(path: Path | str) -> str:
    """A path under the home folder written «~/…» (Linux, macOS); as it is elsewhere."""
    import os

    path = str(path)
    if os.name == "nt":
        return path
    home = str(Path.home())
    if home not in ("", "/") and (path == home or path.startswith(home + os.sep)):
        return "~" + path[len(home):]
    return path


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
            return (tr("Hai lần nhập không khớp."), "") if v and v != values.get("password") else ("", "")

        return [
            F("info", "Lưu ý", "info", tr("Người nhận cần mật khẩu này để mở tệp bằng Excel hoặc LibreOffice. "
              "Hãy báo mật khẩu qua điện thoại, không gửi kèm tệp.")),
            F("password", "Mật khẩu cho tệp", "password", required=True),
            F("repeat", "Nhập lại", "password", required=True, check=repeat),
        ]

    def save(self, values: dict):
        return values["password"]


class BadInput(Exception):
    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class ReportsPane(Pane):
    DEFAULT_CSS = """
    ReportsPane #rep-dest-bar { height: 1; }
    ReportsPane #rep-dest-bar Label { width: auto; margin-right: 1; color: $text-muted; }
    ReportsPane #rep-dest { width: 1fr; }
    ReportsPane #rep-kind { margin-right: 1; }
    ReportsPane .rep-bar TickBox { width: auto; margin-right: 2; }
    ReportsPane .rep-fund { height: 1; }
    ReportsPane .rep-fund Select { width: 1fr; }
    ReportsPane #rep-teams-info { width: auto; margin-left: 1; color: $text-muted; }
    ReportsPane .rep-pair { width: auto; height: 1; margin-right: 2; }
    ReportsPane .rep-pair Label { width: auto; margin-right: 1; }
    ReportsPane .rep-pair Input { width: 7; }
    ReportsPane #rep-pair-days Input { width: 9; }
    """
    BINDINGS = FOCUS_KEYS + [
        Binding("ctrl+o", "export", "Xuất", id="reports.export", tooltip="Xuất báo cáo đã chọn ra thư mục/USB"),
        Binding("ctrl+u", "drives", "Tìm USB", id="reports.drives", tooltip="Tìm lại các ổ USB đang cắm"),
        Binding("ctrl+t", "templates", "Mẫu cấp trên", id="reports.templates",
                tooltip="Mẫu biểu .xlsx huyện/tỉnh gửi: lưu, ghép cột, điền cho một kỳ"),
        Binding("ctrl+g", "import_table", "Nhập Phụ lục I", id="reports.import",
                tooltip="Nhập bảng Phụ lục I của đơn vị cấp dưới để tổng hợp"),
    ]
    help_text = ("Chọn loại báo cáo (gõ vài chữ, ví dụ «phu luc», hoặc ↓ để xem danh sách, Enter để chọn), kỳ, "
                 "phạm vi (toàn xã hoặc một thôn), định dạng (xlsx cho Excel, ods cho "
                 "LibreOffice, csv) và nơi lưu (thư mục Tài liệu hoặc USB). Bảng dưới là xem trước các dòng đầu. "
                 "Với dự toán kinh phí, danh sách ký nhận và báo cáo định kỳ: chọn mức hỗ trợ; số tổ (mặc định "
                 "bằng số thôn, tổ dân phố — mục tiêu mỗi thôn một tổ), số tháng mỗi năm và số năm (để trống: theo "
                 "mức hỗ trợ), số ngày làm việc mỗi người mỗi tháng cho mức tính theo ngày (để trống: danh sách ký "
                 "nhận để cột «Số ngày làm việc» trống để ghi tay). "
                 "Ctrl+O: xuất; Ctrl+U: tìm lại USB; Ctrl+T: mẫu biểu của cấp trên (điền vào tệp huyện gửi); Ctrl+G: nhập Phụ lục I của đơn vị cấp dưới để tổng hợp. Tệp có họ tên, số điện thoại là dữ liệu cá nhân: nên đặt mật khẩu (chỉ với xlsx).")

    def compose(self) -> ComposeResult:
        with Horizontal(classes="rep-bar"):
            # the tab opens here (the first text box): type a few letters or ↓ to change the report
            yield Pick([(tr(label), k) for k, (label, _) in TAB_KINDS.items()], "phu-luc-1", allow_blank=False,
                       compact=True, id="rep-kind")
            # the report the clerk most likely owes (the quarter under way), as ``cnscd export`` does
            yield Select(period_options(kind="phu-luc-1"), value=default_period_code("phu-luc-1"),
                         allow_blank=False, id="rep-period", compact=True)
        with Horizontal(classes="rep-bar"):
            yield Select([], prompt=tr("Toàn xã"), id="rep-scope", compact=True)
            yield Select([("Excel (.xlsx)", "xlsx"), ("LibreOffice (.ods)", "ods"), ("CSV (.csv)", "csv")],
                         value="xlsx", allow_blank=False, id="rep-format", compact=True)
        # the destination has a line of its own: its path is read whole (shortened in the middle if need be)
        with Horizontal(id="rep-dest-bar"):
            yield Label(tr("Lưu vào:"))
            yield Select([], prompt=tr("Nơi lưu"), id="rep-dest", compact=True, allow_blank=True)
        # support-fund parameters: shown only for the kinds that use them (room at 80×24)
        with Horizontal(classes="rep-fund", id="rep-fund-bar"):
            yield Select([(tr(p.name), code) for code, p in POLICIES.items()], value="quang-nam", allow_blank=False,
                         id="rep-policy", compact=True)
            yield Static("", id="rep-teams-info")
        with Horizontal(classes="rep-fund", id="rep-fund-nums"):
            for key, label, tip in (
                    ("teams", "Số tổ", "Số tổ tính dự toán (mặc định: số thôn, tổ dân phố)"),
                    ("months", "Tháng/năm", "Số tháng hỗ trợ mỗi năm (để trống: theo mức hỗ trợ)"),
                    ("years", "Số năm", "Số năm hỗ trợ (để trống: theo mức hỗ trợ)"),
                    ("days", "Ngày/người/tháng", "Số ngày làm việc mỗi người mỗi tháng (mức theo ngày); "
                     "để trống: ghi tay trên danh sách ký nhận")):
                with Horizontal(classes="rep-pair", id=f"rep-pair-{key}"):
                    yield Label(tr(label))
                    yield Input(id=f"rep-{key}", type="integer", compact=True, tooltip=tr(tip),
                                placeholder=tr("ghi tay") if key == "days" else "")
        with Horizontal(classes="rep-bar"):  # ticked «[x]», not «[ ]»: readable without colour
            yield TickBox(tr("Kèm số CCCD"), id="rep-cccd", compact=True)
            yield TickBox(tr("Năm sinh theo Nam/Nữ"), id="rep-namnu", compact=True)
            yield TickBox(tr("Đặt mật khẩu (xlsx)"), id="rep-protect", compact=True)
        yield Input(placeholder=tr("…hoặc gõ thư mục khác để lưu"), id="rep-folder", compact=True)
        yield Static("", id="rep-info")
        yield LazyTable([Column("(xem trước)")], id="rep-preview", empty_text="Chưa có dữ liệu để xem trước.")
        yield ProgressBar(total=4, show_eta=False, id="rep-progress", classes="hidden")
        yield Static("", id="rep-result")

    def on_mount(self) -> None:
        self._show_fund_controls()  # hidden until a fund report is chosen

    # -- data -----------------------------------------------------------------------
    def fetch(self):
        try:
            drives = list_drives()
        except Exception:  # noqa: BLE001 - the drive list is a convenience
            drives = []
        reg = self.app.reg
        st = services.stats(reg)
        policy, source = registry_policy(reg)
        return village_choices(reg), drives, (st.villages, st.village_teams), (policy.code, source)

    def show(self, data) -> None:
        villages, drives, (n_villages, n_teams), (policy, source) = data
        # by id: in a province registry village names repeat ("1", "2") across communes; a long list
        # is filled when the clerk goes to the box (Pane.offer_choices)
        self.offer_choices(self.query_one("#rep-scope", Select), villages)
        self.villages, self.village_teams = n_villages, n_teams
        self.query_one("#rep-teams-info", Static).update(
            tr("{villages} thôn/TDP · {teams} tổ đang hoạt động").format(
                villages=text.format_int(n_villages), teams=text.format_int(n_teams)))
        teams = self.query_one("#rep-teams", Input)
        if not teams.value:
            with teams.prevent(Input.Changed):
                teams.value = str(n_villages)
        sel = self.query_one("#rep-policy", Select)
        if not getattr(self, "_policy_touched", False) and sel.value != policy:
            with sel.prevent(Select.Changed):
                sel.value = policy
        self.policy_source = source
        self._set_destinations(drives)
        self._show_fund_controls()
        self.preview()

    def _show_fund_controls(self) -> None:
        """The fund rows only for the kinds that use them; within them, only the fields the kind uses."""
        uses = self._fund_fields()
        self.query_one("#rep-fund-bar").display = self._val("#rep-kind") in FUND_KINDS
        self.query_one("#rep-fund-nums").display = bool(uses)
        for key in ("teams", "months", "years", "days"):
            self.query_one(f"#rep-pair-{key}").display = key in uses
        policy = POLICIES.get(self._val("#rep-policy") or "")
        if policy is not None:
            self.query_one("#rep-months", Input).placeholder = str(policy.months_per_year)
            self.query_one("#rep-years", Input).placeholder = str(policy.years)

    def _set_periods(self) -> None:
        """The periods of the chosen kind; the one chosen is kept when the kind covers it too, else
        the kind's default (a month for the rota, the quarter under way for the others)."""
        kind = self._val("#rep-kind") or "phu-luc-1"
        sel = self.query_one("#rep-period", Select)
        options = period_options(kind=kind)
        with sel.prevent(Select.Changed):
            cur = sel.value
            sel.set_options(options)
            keep = cur is not Select.NULL and any(v == cur for _, v in options)
            sel.value = cur if keep else default_period_code(kind)
        sel.disabled = kind not in PERIOD_KINDS

    def _fund_fields(self) -> tuple[str, ...]:
        """The fund fields the chosen kind uses; the days only for a policy paid per day worked."""
        uses = FUND_KINDS.get(self._val("#rep-kind") or "", ())
        policy = POLICIES.get(self._val("#rep-policy") or "")
        if policy is None or not policy.person_day:
            uses = tuple(k for k in uses if k != "days")
        return uses

    def _set_destinations(self, drives) -> None:
        from models.text import format_decimal

        self._drives = drives
        dest = self.query_one("#rep-dest", Select)
        docs = documents_folder()
        # the room the box has (the pane's width, less «Lưu vào:» and the box's arrow)
        width = max(30, (self.size.width or self.app.size.width) - cell_len(tr("Lưu vào:")) - 6)
        options = [(destination_label(f"{tr('Tài liệu')} — ", docs, "", width), str(docs))]
        for d in drives:
            free = " (" + tr("còn trống {gb} GB").format(gb=format_decimal(d.free / 1e9, 1)) + ")"
            name = f"USB {d.label} — " if d.label and d.label != d.path.name else "USB — "
            options.append((destination_label(name, d.path, free, width), str(d.path)))
        with dest.prevent(Select.Changed):
            cur = dest.value
            dest.set_options(options)
            dest.value = cur if cur is not Select.NULL and any(v == cur for _, v in options) else options[-1][1]

    def on_resize(self) -> None:
        if getattr(self, "_drives", None) is not None:
            self._set_destinations(self._drives)  # the paths shortened to the new width

    def _val(self, sel: str):
        v = self.query_one(sel).value
        return None if v is Select.NULL else v

    def _int(self, key: str, what: str, lo: int, hi: int) -> int | None:
        raw = self.query_one(f"#rep-{key}", Input).value.strip()
        if not raw:
            return None
        try:
            v = int(raw)
        except ValueError:
            raise BadInput(tr("{what} phải là số nguyên (đang là «{raw}»).").format(what=tr(what), raw=raw)) from None
        if not lo <= v <= hi:
            raise BadInput(tr("{what} phải từ {lo} đến {hi} (đang là {v}).").format(
                what=tr(what), lo=lo, hi=text.format_int(hi), v=v))
        return v

    def _request(self) -> ReportRequest:
        """The report the widgets ask for (read here, on the UI thread; built in a worker)."""
        kind = self._val("#rep-kind")
        uses = self._fund_fields()
        village_id = self._val("#rep-scope") if kind in ("danh-sach", "thiet-bi") else None
        teams = months = years = days = None
        if "teams" in uses:
            teams = self._int("teams", "Số tổ", 0, 1_000_000)
            if teams is None:
                teams = getattr(self, "villages", None)
        if "months" in uses:
            months = self._int("months", "Số tháng mỗi năm", 1, 12)
        if "years" in uses:
            years = self._int("years", "Số năm", 1, 50)
        if "days" in uses:
            days = self._int("days", "Số ngày làm việc mỗi người mỗi tháng", 0, 31)
        period = self._val("#rep-period")
        return ReportRequest(
            kind=kind, period=parse_kind_period(kind, period) if period and kind in PERIOD_KINDS else None,
            village_id=village_id,
            gender_columns=self.query_one("#rep-namnu", TickBox).value,
            with_cccd=self.query_one("#rep-cccd", TickBox).value,
            policy=self._val("#rep-policy") if kind in FUND_KINDS else None,
            teams=teams, days=days, months=months, years=years)

    @on(Select.Changed)
    @on(Pick.Changed, "#rep-kind")
    @on(TickBox.Changed, "#rep-cccd")
    @on(TickBox.Changed, "#rep-namnu")
    def _options_changed(self, event) -> None:
        event.stop()
        if self.has_data and getattr(event, "select", None) is not None and event.select.id == "rep-policy":
            self._policy_touched = True
        if isinstance(event, Pick.Changed):
            self._set_periods()
        self._show_fund_controls()
        if self.has_data:
            self.preview()

    @on(Input.Changed, "#rep-teams, #rep-months, #rep-years, #rep-days")
    def _fund_input_changed(self, event: Input.Changed) -> None:
        event.stop()
        if not self.has_data:
            return
        timer = getattr(self, "_typing", None)
        if timer is not None:
            timer.stop()
        self._typing = self.set_timer(0.3, self.preview)  # one preview when the clerk pauses typing

    def preview(self) -> None:
        try:
            request = self._request()
        except (BadInput, InputError, UsageError) as exc:
            self.query_one("#rep-info", Static).update(f"[red]{exc.message}[/red]")
            self.query_one("#rep-preview", LazyTable).set_rows([])
            self.current = None
            return
        self.query_one("#rep-info", Static).update(tr("Đang dựng bản xem trước…"))
        self._preview_worker(request)

    @work(thread=True, exclusive=True, group="report-preview")
    def _preview_worker(self, request: ReportRequest) -> None:
        try:
            obj, tag = build_pack(self.app.reg, request)
        except (InputError, StoreError) as exc:
            self.post_message(Previewed(None, "", exc.message))
            return
        except Exception as exc:  # noqa: BLE001 - the clerk gets a message, never a traceback
            self.post_message(Previewed(None, "", tr("Không dựng được báo cáo: {error}").format(error=exc)))
            return
        stem = Path(default_name(self.app.reg, request.kind, tag, "x")).stem
        if hasattr(obj, "file_stem"):
            stem = obj.file_stem
        self.post_message(Previewed(obj, stem))

    def on_previewed(self, message: Previewed) -> None:
        info = self.query_one("#rep-info", Static)
        table = self.query_one("#rep-preview", LazyTable)
        if message.error:
            info.update(f"[red]{message.error}[/red]")
            table.set_rows([])
            self.current = None
            return
        self.current, self.stem = message.report, message.stem
        reports = writers.as_reports(message.report)
        first = reports[0]
        personal = any(r.personal_data for r in reports)
        sheets = tr(" · {n} trang tính").format(n=len(reports)) if len(reports) > 1 else ""
        warn = ("\n[yellow]" + tr("Có dữ liệu cá nhân (họ tên, số điện thoại). Nên đặt mật khẩu và chỉ giao cho "
                                  "người có trách nhiệm.") + "[/yellow]" if personal else "")
        info.update(tr("[b]{title}[/b]{sheets} · {rows} dòng · tệp {file}{warn}").format(
            title=first.title, sheets=sheets, rows=text.format_int(len(first.rows)),
            file=f"{self.stem}.{self._val('#rep-format')}", warn=warn))
        cols = [Column(c.title if not c.group else f"{c.group} {c.title}", 0 if i == 1 else max(4, min(16, len(c.title) + 1)),
                       "right" if c.kind in ("int", "money", "pct", "pct1") else "left")
                for i, c in enumerate(first.columns)]
        table.columns = cols
        rows = [tuple(self._cell(c, v) for c, v in zip(first.columns, r, strict=False)) for r in first.rows[:500]]
        if first.total:
            rows.append(tuple(self._cell(c, v) for c, v in zip(first.columns, first.total, strict=False)))
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
            self.app.notify(tr("Chưa có báo cáo để xuất (xem thông báo ở trên)."), severity="warning")
            return
        dest = self.destination()
        if dest is None:
            self.app.notify(tr("Chọn nơi lưu hoặc gõ một thư mục."), severity="warning")
            return
        fmt = self._val("#rep-format")
        if self.query_one("#rep-protect", TickBox).value:
            if fmt != "xlsx":
                self.app.notify(tr("Chỉ đặt được mật khẩu cho tệp Excel (.xlsx)."), severity="warning")
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
        steps = iter(range(1, 100))
        try:
            if not dest.exists():
                dest.mkdir(parents=True)
            result = handoff.hand_off(self.app.reg, obj, label=ALL_KINDS[kind][0], dest_dir=dest, stem=stem, fmt=fmt,
                              password=password, progress=lambda m: self.post_message(ExportProgress(m, next(steps))))
        except (InputError, StoreError, UsbError) as exc:
            self.post_message(Exported(error=exc.message if hasattr(exc, "message") else str(exc)))
            return
        except OSError as exc:
            self.post_message(Exported(error=tr("Không ghi được vào {dest}: {error}").format(dest=dest, error=exc.strerror or exc)))
            return
        self.post_message(Exported(result))

    def on_export_progress(self, message: ExportProgress) -> None:
        self.query_one("#rep-progress", ProgressBar).update(progress=min(message.step, 3))
        self.query_one("#rep-result", Static).update(tr(message.text))

    def on_exported(self, message: Exported) -> None:
        bar = self.query_one("#rep-progress", ProgressBar)
        result = self.query_one("#rep-result", Static)
        if message.error:
            bar.add_class("hidden")
            result.update("[red]✗ " + tr("Chưa xuất được: {error}").format(error=message.error) + "[/red]")
            return
        bar.update(progress=4)
        # the receipt is this line (no pop-up over it): where the file is, its size, the log entry
        lines = [f"[green]✓ {tr('Đã xuất:')}[/green] {r.path} ({text.format_int(r.size)} byte)" for r in message.result.files]
        lines.append(tr("Biên nhận (SHA-256) đã ghi vào nhật ký."))
        if message.result.protected:
            lines.append(tr("Tệp có mật khẩu."))
        elif message.result.personal_data:
            lines.append("[yellow]" + tr("Tệp có dữ liệu cá nhân, không có mật khẩu: giữ cẩn thận, xóa khỏi USB "
                                           "sau khi giao.") + "[/yellow]")
        result.update("\n".join(lines))
        self.app.data_changed()
