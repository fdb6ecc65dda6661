"""Templates (Mẫu biểu của cấp trên): the Excel files the district sends, kept inside the
registry with their column mapping, filled for a period in one step. The filling is
``exports.templates.fill_template`` (the same as ``cnscd template fill``); the filled file is
built in memory and handed off like every export (temporary name, fsync, read back,
SHA-256, receipt in the audit log), optionally with a password."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.message import Message
from textual.screen import Screen
from textual.widgets import Header, Label, Static

from models import text

from .forms import F, ConfirmModal, FormModal, check_date
from .i18n import tr
from .widgets import Column, LazyTable, QuickFooter

AUTO = "auto"


def kind_options(auto: bool = True) -> list[tuple[str, str]]:
    from exports.templates import KINDS

    return ([(tr("(tự nhận theo tiêu đề cột)"), AUTO)] if auto else []) + [(tr(label), k) for k, label in KINDS.items()]


def period_day(code: str, today: dt.date | None = None) -> dt.date:
    """The date a period's figures are taken at: its last day, or today if it has not ended."""
    from exports.report import parse_period

    today = today or dt.date.today()
    return min(parse_period(code).end, today)


class TemplatesLoaded(Message):
    def __init__(self, items, error: str = "") -> None:
        super().__init__()
        self.items, self.error = items, error


class Analysed(Message):
    def __init__(self, name: str, result=None, error: str = "", then: str = "") -> None:
        super().__init__()
        self.name, self.result, self.error, self.then = name, result, error, then


def describe_mapping(res) -> str:
    """The mapping of a template as the clerk reads it: column ← what goes there."""
    from exports.templates import KINDS

    lines = [tr("Loại biểu: {kind} · trang «{sheet}» · tiêu đề dòng {row}").format(
        kind=tr(KINDS.get(res.kind, res.kind)), sheet=res.sheet, row=res.header_rows[0])
        + (f"–{res.header_rows[1]}" if res.header_rows[1] != res.header_rows[0] else "")]
    for letter, label in res.labels.items():
        target = res.mapping.get(letter)
        if target:
            lines.append(f"  {letter} «{label}» ← {target}")
        elif text.fold(label).strip() in ("stt", "tt", "so tt"):
            lines.append(f"  {letter} «{label}» ← {tr('số thứ tự')}")
        else:
            lines.append(f"  {letter} «{label}» ← [yellow]{tr('(để trống)')}[/yellow]")
    if res.unmapped_report:
        lines.append("[yellow]" + tr("Số liệu không có chỗ trong mẫu: ") + ", ".join(res.unmapped_report) + "[/yellow]")
    for n in res.notes:
        lines.append(n)
    return "\n".join(lines)


# -- forms ---------------------------------------------------------------------------------
class AddTemplateForm(FormModal):
    form_title = "Lưu mẫu biểu của cấp trên vào sổ"

    def __init__(self, path: Path) -> None:
        self.path = path
        super().__init__()

    def fields(self) -> list[F]:
        return [
            F("info", "Tệp mẫu", "info", f"{self.path}\n{tr('(tệp gốc không bị sửa; sổ giữ một bản sao mã hóa)')}"),
            F("name", "Tên gọi của mẫu", "input", self.path.stem, placeholder=tr("ví dụ: Danh sách Tổ CNSCĐ (huyện)"),
              required=True),
            F("kind", "Loại biểu", "select", AUTO, kind_options(), allow_blank=False),
        ]

    def save(self, values: dict):
        from exports import templates

        kind = None if values["kind"] in (None, AUTO) else values["kind"]
        res = templates.fill_template(self.app.reg, self.path, None, kind=kind)  # check that it can be filled
        info = templates.save_template(self.app.reg, self.path, name=values["name"], kind=res.kind)
        return info, res


class MappingForm(FormModal):
    """One choice per column of the template: which report column goes there."""

    def __init__(self, name: str, res) -> None:
        self.template_name, self.res = name, res
        super().__init__()
        self.form_title = tr("Cách ghép cột của mẫu «{name}»").format(name=name)

    def fields(self) -> list[F]:
        opts = [(tr("(để trống)"), "-")] + [(tr(rc), rc) for rc in self.res.report_columns]
        out = [F("info", "Hướng dẫn", "info", tr("Mỗi cột của mẫu nhận một cột số liệu. Cột «Stt» được đánh số "
                 "tự động. Lần sau điền mẫu này, chương trình dùng đúng cách ghép đã lưu."))]
        for letter, label in self.res.labels.items():
            if text.fold(label).strip() in ("stt", "tt", "so tt") or text.fold(self.res.mapping.get(letter, "")) == "stt":
                continue  # numbered automatically (and not among the choices)
            out.append(F(f"c_{letter}", tr("Cột {letter} «{header}»").format(letter=letter, header=label), "select", self.res.mapping.get(letter, "-"), opts,
                         allow_blank=False))
        return out

    def save(self, values: dict):
        from exports import templates

        info, _data = templates.load_template(self.app.reg, self.template_name)
        new_map = dict(info.mapping)
        for key, choice in values.items():
            if not key.startswith("c_"):
                continue
            letter = key[2:]
            if choice != self.res.mapping.get(letter, "-"):
                new_map[letter] = choice
        return templates.update_template(self.app.reg, self.template_name, column_map=new_map)


class FillForm(FormModal):
    """Fill a stored template for a period and hand the file to a folder or a USB stick."""

    def __init__(self, info, drives) -> None:
        self.info, self.drives = info, drives
        super().__init__()
        self.form_title = tr("Điền mẫu «{name}»").format(name=info.name)

    def fields(self) -> list[F]:
        from .reports_pane import documents_folder, period_options

        dests = [(f"{tr('Tài liệu')}: {documents_folder()}", str(documents_folder()))] + \
            [(f"USB: {d.describe()}", str(d.path)) for d in self.drives]
        today = dt.date.today()
        stem = text.ascii_slug(self.info.name)[:40] or "MauBieu"

        def need_password(v, values):
            if values.get("protect") and not v:
                return tr("Nhập mật khẩu cho tệp (hoặc bỏ chọn «Đặt mật khẩu»)."), ""
            return "", ""

        def repeat(v, values):
            return (tr("Hai lần nhập không khớp."), "") if values.get("protect") and v != values.get("password") else ("", "")

        def name_ok(v, _values):
            v = (v or "").strip()
            if not v:
                return tr("Ghi tên tệp kết quả."), ""
            if any(ch in v for ch in '\\/:*?"<>|'):
                return tr('Tên tệp không được có các ký tự \\ / : * ? " < > |'), ""
            return "", ""

        personal = self.info.kind in ("danh-sach", "")
        return [
            F("period", "Kỳ báo cáo (số liệu tính đến cuối kỳ, hoặc hôm nay nếu kỳ chưa hết)", "select",
              str(today.year), period_options(today), allow_blank=False),
            F("date", "Ngày ghi trên biểu (để trống: theo kỳ)", "input", "", placeholder="dd/mm/yyyy",
              check=check_date("Ngày ghi trên biểu")),
            F("dest", "Lưu vào", "select", dests[-1][1], dests, allow_blank=False),
            F("folder", "…hoặc thư mục khác", "input", "", placeholder=tr("để trống: theo ô «Lưu vào»")),
            F("filename", "Tên tệp", "input", f"{stem}_{today:%Y%m%d}.xlsx", check=name_ok, required=True),
            F("protect", "Đặt mật khẩu cho tệp (nên làm với danh sách có họ tên, số điện thoại)", "check", personal),
            F("password", "Mật khẩu cho tệp", "password", check=need_password),
            F("repeat", "Nhập lại mật khẩu", "password", check=repeat),
        ]

    def save(self, values: dict):
        from exports import templates, usb
        from models import services, validate
        from models.errors import InputError

        info, data = templates.load_template(self.app.reg, self.info.name)
        day = None
        if (values.get("date") or "").strip():
            r = validate.parse_date(values["date"], field="Ngày ghi trên biểu")
            if not r.ok:
                raise InputError(r.error, "date")
            day = r.value
        else:
            day = period_day(values["period"])
        res = templates.fill_template(self.app.reg, data, None, kind=info.kind or None, day=day,
                                      column_map=info.mapping)
        payload = res.data
        password = values.get("password") if values.get("protect") else None
        if password:
            payload = usb.protect_bytes(payload, password)
        folder = Path((values.get("folder") or "").strip() or values["dest"]).expanduser()
        name = values["filename"].strip()
        if not name.lower().endswith(".xlsx"):
            name += ".xlsx"
        try:
            folder.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise InputError(tr("Không tạo được thư mục {folder}: {error}").format(folder=folder, error=exc.strerror or exc),
                             "folder") from None
        receipt = usb.safe_write(payload, folder, name)
        services.log_event(self.app.reg, "xuat", "registry",
                           f"Điền mẫu biểu «{info.name}» ({templates.KINDS.get(res.kind, res.kind)}) ra {receipt.path}"
                           + (" — có dữ liệu cá nhân" if res.personal_data else "")
                           + (" — có mật khẩu" if password else ""), new=f"sha256:{receipt.sha256}")
        return res, receipt, bool(password)


# -- the screen ----------------------------------------------------------------------------------
class TemplatesScreen(Screen):
    DEFAULT_CSS = """
    TemplatesScreen #tpl-body { height: 1fr; padding: 0 1; }
    TemplatesScreen #tpl-list { height: 1fr; min-height: 4; }
    TemplatesScreen #tpl-detail { height: auto; max-height: 60%; overflow-y: auto; }
    TemplatesScreen #tpl-status { height: auto; }
    """
    BINDINGS = [
        Binding("escape", "back", "Quay lại", id="templates.back", tooltip="Về màn hình chính"),
        Binding("a", "add", "Thêm", id="templates.add", tooltip="Lưu một mẫu biểu (.xlsx) cấp trên gửi vào sổ"),
        Binding("f", "fill", "Điền mẫu", id="templates.fill", tooltip="Điền mẫu đang chọn cho một kỳ, lưu ra thư mục/USB"),
        Binding("m", "mapping", "Ghép cột", id="templates.mapping", tooltip="Xem và sửa cách ghép cột của mẫu"),
        Binding("d", "delete", "Xóa", id="templates.delete", tooltip="Xóa mẫu khỏi sổ (hỏi xác nhận)"),
    ]
    help_text = ("Mẫu biểu cấp trên gửi (tệp .xlsx có tiêu đề, dòng tên cột, dòng tổng, chữ ký…) được lưu vào sổ "
                 "cùng cách ghép cột; kỳ sau chỉ cần chọn mẫu và bấm F (hoặc Enter) để điền. Chương trình tìm dòng "
                 "tên cột, chèn các dòng số liệu theo đúng kiểu chữ, khung, định dạng của mẫu, kéo dãn công thức "
                 "dòng tổng, đánh số Stt, điền dòng «…, ngày … tháng … năm …» và giữ nguyên phần chữ ký. Tệp mẫu "
                 "gốc không bao giờ bị sửa. A: thêm mẫu; M: xem/sửa cách ghép cột; D: xóa mẫu.")

    def __init__(self) -> None:
        super().__init__()
        self.items: list = []
        self.analysed: dict[str, object] = {}

    def compose(self) -> ComposeResult:
        yield Header()
        with Vertical(id="tpl-body"):
            yield Label(tr("Mẫu biểu đã lưu trong sổ"), classes="section")
            yield LazyTable([Column("Tên mẫu"), Column("Loại biểu", 24), Column("Tệp gốc", 22),
                             Column("Ngày lưu", 10)], id="tpl-list", enter_label="Điền mẫu",
                            empty_text="Chưa lưu mẫu nào. Nhấn A để thêm tệp .xlsx cấp trên gửi.")
            yield Static("", id="tpl-detail")
            yield Static("", id="tpl-status")
        yield QuickFooter()

    def on_mount(self) -> None:
        self.title = tr("Mẫu biểu của cấp trên")
        self.query_one("#tpl-list").focus()
        self.reload()

    def check_action(self, action: str, parameters) -> bool | None:
        if action in ("fill", "mapping", "delete"):
            return bool(self.items)
        return True

    # -- data -------------------------------------------------------------------------------
    def reload(self) -> None:
        self._load()

    @work(thread=True, exclusive=True, group="templates-load")
    def _load(self) -> None:
        from exports import templates
        from models.errors import InputError, StoreError

        try:
            items = templates.list_templates(self.app.reg)
        except (InputError, StoreError) as exc:
            self.post_message(TemplatesLoaded([], exc.message))
            return
        self.post_message(TemplatesLoaded(items))

    def on_templates_loaded(self, message: TemplatesLoaded) -> None:
        from exports.templates import KINDS

        if message.error:
            self._status(f"[red]{message.error}[/red]")
        self.items = message.items
        table = self.query_one("#tpl-list", LazyTable)
        table.set_rows([(t.name, tr(KINDS.get(t.kind, "(tự nhận)")), t.filename, _iso_to_vn(t.saved))
                        for t in self.items], [t.name for t in self.items], keep_cursor=True)
        self._detail()
        self.refresh_bindings()

    def current(self):
        key = self.query_one("#tpl-list", LazyTable).current_key
        return next((t for t in self.items if t.name == key), None)

    @on(LazyTable.Highlighted, "#tpl-list")
    def _highlighted(self, event) -> None:
        event.stop()
        self._detail()

    def _detail(self) -> None:
        t = self.current()
        out = self.query_one("#tpl-detail", Static)
        if t is None:
            out.update("")
            return
        lines = [tr("[b]{name}[/b] — tệp «{file}», {size} byte, lưu ngày {day}").format(
            name=t.name, file=t.filename, size=text.format_int(t.size), day=_iso_to_vn(t.saved))]
        if t.name in self.analysed:
            lines.append(describe_mapping(self.analysed[t.name]))
        else:
            if t.mapping:
                lines.append(tr("Đã sửa ghép cột: ") + "; ".join(f"{k} ← {tr('(để trống)') if v == '-' else v}"
                                                              for k, v in t.mapping.items()))
            lines.append(f"[dim]{tr('M: xem đầy đủ cách ghép cột · F/Enter: điền mẫu cho một kỳ')}[/dim]")
        out.update("\n".join(lines))

    def _status(self, msg: str) -> None:
        self.query_one("#tpl-status", Static).update(msg)

    # -- actions ------------------------------------------------------------------------------
    def action_back(self) -> None:
        self.dismiss(None)

    def action_add(self) -> None:
        from .filepicker import FilePicker

        def picked(path):
            if path is None:
                return

            def saved(result):
                if result is None:
                    return
                info, res = result
                self.analysed[info.name] = res
                self._status(tr("[green]Đã lưu mẫu «{name}»[/green]. Kiểm tra cách ghép cột dưới đây; sửa bằng M.")
                             .format(name=info.name))
                self.app.data_changed()
                self.reload()
            self.app.push_screen(AddTemplateForm(path), saved)
        self.app.push_screen(FilePicker(tr("Chọn tệp mẫu (.xlsx) cấp trên gửi"), extensions=(".xlsx", ".xlsm")), picked)

    def action_mapping(self) -> None:
        t = self.current()
        if t is None:
            return
        self._status(tr("Đang đọc mẫu «{name}»…").format(name=t.name))
        self._analyse(t, "mapping")

    @work(thread=True, exclusive=True, group="templates-analyse")
    def _analyse(self, t, then: str) -> None:
        from exports import templates
        from models.errors import InputError, StoreError

        try:
            info, data = templates.load_template(self.app.reg, t.name)
            res = templates.fill_template(self.app.reg, data, None, kind=info.kind or None, column_map=info.mapping)
        except (InputError, StoreError) as exc:
            self.post_message(Analysed(t.name, error=exc.message))
            return
        self.post_message(Analysed(t.name, res, then=then))

    def on_analysed(self, message: Analysed) -> None:
        if message.error:
            self._status("[red]" + tr("Không đọc được mẫu «{name}»: {error}").format(name=message.name, error=message.error)
                         + "[/red]")
            return
        self._status("")
        self.analysed[message.name] = message.result
        self._detail()
        if message.then == "mapping":
            def done(info):
                if info is None:
                    return
                self.analysed.pop(info.name, None)
                self._status("[green]" + tr("Đã lưu cách ghép cột của mẫu «{name}».").format(name=info.name) + "[/green]")
                self.app.data_changed()
                self.reload()
                self._analyse(info, "")
            self.app.push_screen(MappingForm(message.name, message.result), done)

    @on(LazyTable.Selected, "#tpl-list")
    def _selected(self, event) -> None:
        event.stop()
        self.action_fill()

    def action_fill(self) -> None:
        t = self.current()
        if t is None:
            return
        self._drives_then_fill(t)

    @work(thread=True, exclusive=True, group="templates-drives")
    def _drives_then_fill(self, t) -> None:
        from exports.usb import list_drives

        try:
            drives = list_drives()
        except Exception:  # noqa: BLE001 - the drive list is a convenience
            drives = []
        self.app.call_from_thread(self._open_fill, t, drives)

    def _open_fill(self, t, drives) -> None:
        def done(result):
            if result is None:
                return
            res, receipt, protected = result
            self.analysed[t.name] = res
            lines = [tr("[green]Đã điền mẫu «{name}»:[/green] {path} ({size} byte; {rows} dòng số liệu").format(
                name=t.name, path=receipt.path, size=text.format_int(receipt.size), rows=text.format_int(res.rows))
                + (tr(", chèn thêm {n} dòng").format(n=res.inserted) if res.inserted else "") + ")"]
            if res.place_date:
                lines.append(tr("Đã điền dòng địa danh, ngày tháng."))
            if protected:
                lines.append(tr("Tệp có mật khẩu."))
            elif res.personal_data:
                lines.append("[yellow]" + tr("Tệp có dữ liệu cá nhân, không có mật khẩu: giữ cẩn thận, xóa khỏi USB "
                                               "sau khi giao.") + "[/yellow]")
            lines.append(f"[dim]SHA-256 {receipt.sha256} — {tr('biên nhận đã ghi vào Nhật ký.')}[/dim]")
            self._status("\n".join(lines))
            self._detail()
            self.app.data_changed()
            self.app.notify(tr("Đã điền mẫu biểu."), timeout=4)
        self.app.push_screen(FillForm(t, drives), done)

    def action_delete(self) -> None:
        t = self.current()
        if t is None:
            return

        def yes(ok):
            if ok:
                self._delete(t.name)
        self.app.push_screen(ConfirmModal(tr("Xóa mẫu «{name}» khỏi sổ? (Tệp gốc trên máy không bị ảnh hưởng.)").format(name=t.name)), yes)

    @work(thread=True, exclusive=True, group="templates-delete")
    def _delete(self, name: str) -> None:
        from exports import templates
        from models.errors import InputError, StoreError

        try:
            templates.delete_template(self.app.reg, name)
        except (InputError, StoreError) as exc:
            self.app.call_from_thread(self._status, "[red]" + tr("Chưa xóa được: {error}").format(error=exc.message) + "[/red]")
            return
        self.app.call_from_thread(self._deleted, name)

    def _deleted(self, name: str) -> None:
        self.analysed.pop(name, None)
        self._status(tr("Đã xóa mẫu «{name}».").format(name=name))
        self.app.data_changed()
        self.reload()

    # -- auto-lock -------------------------------------------------------------------------------
    def drop_data(self) -> None:
        self.items = []
        self.analysed.clear()
        self.query_one("#tpl-list", LazyTable).set_rows([])
        self.query_one("#tpl-detail", Static).update("")
        self.query_one("#tpl-status", Static).update("")

    def reload_visible(self) -> None:
        self.reload()


def _iso_to_vn(iso: str) -> str:
    try:
        return text.format_date(dt.date.fromisoformat(iso))
    except (TypeError, ValueError):
        return iso or ""
