"""The province's hand-off screens: receive the communes' packages, and the completeness board.

- :class:`HandoffImportScreen` — pick a ``.cnscd-goi`` file, type a folder, or take the USB stick's
  folder; every package is opened and checked (encryption, signature, contents) and a preview says
  what would happen to each (new, replaces the one received, unchanged, refused and why); Ctrl+S
  imports after confirming the replacements. Nothing is written before that.
- :class:`CompletenessScreen` — every commune of the province for a period: received on time,
  late, or missing against the deadline, the package's date, its signing key, its counts; **M**
  lists only the missing communes (to send a reminder); **N** opens the import screen.

Both read and write in thread workers through ``models.received`` / ``exports.package`` and answer
with messages; no widget is touched from a worker.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.message import Message
from textual.widgets import Button, Checkbox, DataTable, Input, Label, Static

from .forms import ConfirmModal, Modal
from .i18n import tr

PACKAGE_EXT = ".cnscd-goi"


def default_period(day: dt.date | None = None) -> str:
    """The half year holding ``day`` (today): the packages a province waits for."""
    d = day or dt.date.today()
    return f"{d.year}-H{1 if d.month <= 6 else 2}"


class Previewed(Message):
    def __init__(self, opened: list, items: list, refused: list[str], error: str = "") -> None:
        super().__init__()
        self.opened, self.items, self.refused, self.error = opened, items, refused, error


class Imported(Message):
    def __init__(self, result=None, error: str = "") -> None:
        super().__init__()
        self.result, self.error = result, error


class BoardLoaded(Message):
    def __init__(self, board=None, duplicates: list | None = None, error: str = "") -> None:
        super().__init__()
        self.board, self.duplicates, self.error = board, duplicates or [], error


# ---------------------------------------------------------------------------
# Receiving packages
# ---------------------------------------------------------------------------
class HandoffImportScreen(Modal):
    """Receive packages: choose, preview, confirm. Dismisses with the number of packages written."""

    BINDINGS = [
        Binding("escape", "close", "Đóng", id="goi.close", tooltip="Đóng, không nhận thêm gói"),
        Binding("ctrl+o", "pick", "Chọn tệp", id="goi.pick", tooltip="Chọn một tệp gói .cnscd-goi"),
        Binding("ctrl+u", "usb", "USB", id="goi.usb", tooltip="Lấy các gói trên USB đang cắm"),
        Binding("ctrl+s", "apply", "Nhận gói", id="goi.apply", tooltip="Nhận các gói đã xem trước"),
    ]
    help_text = ("Nhận gói báo cáo của các xã (tệp .cnscd-goi). Gõ đường dẫn một tệp hoặc một thư mục rồi Enter, "
                 "Ctrl+O để chọn tệp, Ctrl+U để lấy mọi gói trên USB. Chương trình giải mã và kiểm tra chữ ký từng "
                 "gói rồi cho xem trước: gói mới, gói thay gói đã nhận của cùng xã và cùng kỳ (hỏi lại trước khi "
                 "thay, không bao giờ cộng thêm), gói đã nhận (không đổi), hay gói bị từ chối và vì sao. Gói ký bằng "
                 "khóa khác khóa đã biết của xã chỉ nhận khi đánh dấu «Chấp nhận khóa ký mới» sau khi gọi điện đối "
                 "chiếu dấu vân tay. Ctrl+S: nhận.")
    DEFAULT_CSS = """
    HandoffImportScreen { align: center middle; }
    #goi-box { width: 120; max-width: 100%; height: 90%; border: thick $accent; background: $panel; padding: 0 1; }
    #goi-row { height: auto; }
    #goi-path { width: 1fr; }
    #goi-preview { height: 1fr; }
    #goi-msg { height: auto; max-height: 10; }
    """

    def __init__(self, start: Path | None = None) -> None:
        super().__init__()
        self.start = start
        self.opened: list = []
        self.items: list = []
        self.written = 0

    def compose(self) -> ComposeResult:
        with Vertical(id="goi-box"):
            yield Label(tr("Nhận gói báo cáo của các xã"), id="form-title")
            with Horizontal(id="goi-row"):
                yield Input(str(self.start or ""), placeholder=tr("Tệp .cnscd-goi hoặc thư mục/USB chứa các gói, "
                                                                  "rồi Enter"), id="goi-path", compact=True)
                yield Button(tr("Chọn tệp") + " (Ctrl+O)", id="goi-pick", compact=True)
                yield Button("USB (Ctrl+U)", id="goi-usb", compact=True)
            yield Input(placeholder=tr("Mật khẩu gói (chỉ khi xã khóa gói bằng mật khẩu)"), password=True,
                        id="goi-pass", compact=True)
            yield Checkbox(tr("Chấp nhận khóa ký mới (đã gọi điện đối chiếu dấu vân tay với xã)"), id="goi-newkey",
                           compact=True)
            yield DataTable(id="goi-preview", cursor_type="row", zebra_stripes=True)
            yield Static("", id="goi-msg")
            with Horizontal(id="form-buttons"):
                yield Button(tr("Nhận gói") + " (Ctrl+S)", id="goi-apply", variant="primary")
                yield Button(tr("Đóng") + " (Esc)", id="goi-close")

    def on_mount(self) -> None:
        t = self.query_one("#goi-preview", DataTable)
        t.add_columns(*(tr(c) for c in ("Xã, phường", "Kỳ", "Loại", "Lập ngày", "Khóa ký", "Việc sẽ làm", "Tệp")))
        self.query_one("#goi-path", Input).focus()
        if self.start:
            self.preview()

    def _say(self, msg: str) -> None:
        self.query_one("#goi-msg", Static).update(msg)

    # -- choosing ------------------------------------------------------------------
    @on(Input.Submitted, "#goi-path")
    @on(Input.Submitted, "#goi-pass")
    def preview(self) -> None:
        raw = self.query_one("#goi-path", Input).value.strip().strip('"')
        if not raw:
            self._say(tr("Hãy gõ đường dẫn tệp gói hoặc thư mục, hoặc chọn tệp (Ctrl+O), hoặc lấy từ USB (Ctrl+U)."))
            return
        self._say(tr("Đang mở và kiểm tra các gói…"))
        self._preview(self.app.reg, Path(raw).expanduser(), self.query_one("#goi-pass", Input).value or None,
                      self.query_one("#goi-newkey", Checkbox).value)

    @on(Checkbox.Changed, "#goi-newkey")
    def _newkey(self) -> None:
        if self.opened:
            self.preview()

    @work(thread=True, exclusive=True, group="goi-preview")
    def _preview(self, reg, path: Path, passphrase: str | None, accept_new_key: bool) -> None:
        from exports import package
        from models import handoff_keys, received
        from models.errors import StoreError

        try:
            files = package.package_files([path])
            if not files:
                none = tr("Không thấy gói .cnscd-goi nào ở {path}.").format(path=path)
                self.post_message(Previewed([], [], [], none))
                return
            ids = handoff_keys.identities(reg)
            opened, refused = [], []
            for f in files:
                try:
                    opened.append(package.read_package(f, identities=ids, passphrase=passphrase))
                except StoreError as exc:
                    refused.append(exc.message)
            items = received.plan_import(reg, opened, accept_new_key=accept_new_key) if opened else []
        except StoreError as exc:
            self.post_message(Previewed([], [], [], exc.message))
            return
        self.post_message(Previewed(opened, items, refused))

    def on_previewed(self, message: Previewed) -> None:
        from models import handoff_keys, snapshot

        self.opened, self.items = message.opened, message.items
        t = self.query_one("#goi-preview", DataTable)
        t.clear()
        for it in message.items:
            inc = it.incoming
            t.add_row(inc.unit_label, inc.period, snapshot.KIND_LABELS[inc.snapshot["kind"]],
                      f"{inc.created_at:%d/%m/%Y}", handoff_keys.grouped(inc.sender, 2), tr(it.action_label),
                      Path(inc.file_name).name)
        lines = [message.error] if message.error else []
        lines += [f"[b]{tr('Từ chối')}:[/b] {r}" for r in message.refused]
        lines += [f"{it.incoming.unit_label}: {it.message}" for it in message.items if it.message and
                  it.action != "thay"]
        n_new = sum(1 for it in message.items if it.action == "moi")
        n_rep = sum(1 for it in message.items if it.action == "thay")
        if message.items:
            lines.insert(0, tr("{n} gói hợp lệ: {new} gói mới, {rep} gói thay gói đã nhận. Ctrl+S để nhận.")
                         .format(n=len(message.items), new=n_new, rep=n_rep))
        self._say("\n".join(lines))

    def action_pick(self) -> None:
        from .filepicker import FilePicker

        def picked(path: Path | None) -> None:
            if path is not None:
                self.query_one("#goi-path", Input).value = str(path)
                self.preview()

        self.app.push_screen(FilePicker(tr("Chọn gói báo cáo (.cnscd-goi)"), extensions=(PACKAGE_EXT,)), picked)

    @on(Button.Pressed, "#goi-pick")
    def _pick_button(self) -> None:
        self.action_pick()

    @on(Button.Pressed, "#goi-usb")
    def action_usb(self) -> None:
        self._say(tr("Đang tìm USB…"))
        self._find_usb()

    @work(thread=True, exclusive=True, group="goi-usb")
    def _find_usb(self) -> None:
        from exports.usb import list_drives

        try:
            drives = list_drives()
        except OSError:
            drives = []
        for d in drives:
            try:
                if any(p.suffix.lower() == PACKAGE_EXT for p in Path(d.path).iterdir()):
                    self.app.call_from_thread(self._use_folder, Path(d.path))
                    return
            except OSError:
                continue
        self.app.call_from_thread(self._say, tr("Không thấy USB nào có gói .cnscd-goi (ở thư mục gốc của USB)."))

    def _use_folder(self, folder: Path) -> None:
        self.query_one("#goi-path", Input).value = str(folder)
        self.preview()

    # -- importing -----------------------------------------------------------------
    @on(Button.Pressed, "#goi-apply")
    def action_apply(self) -> None:
        todo = [it for it in self.items if it.importable]
        if not todo:
            self._say(tr("Chưa có gói nào để nhận: xem trước các gói (Enter ở ô đường dẫn) trước."))
            return
        replace = [it for it in todo if it.action == "thay"]
        if not replace:
            self._apply(True)
            return
        names = "; ".join(f"{it.incoming.unit_label} ({it.incoming.period})" for it in replace[:8])
        more = tr(" và {n} xã khác").format(n=len(replace) - 8) if len(replace) > 8 else ""
        question = tr("Thay {n} gói đã nhận bằng gói mới hơn của cùng xã, cùng kỳ: {names}{more}? Gói cũ được thay, "
                      "không cộng thêm.").format(n=len(replace), names=names, more=more)
        self.app.push_screen(ConfirmModal(question, yes="Có, thay", no="Không thay"), self._confirmed)

    def _confirmed(self, yes: bool | None) -> None:
        if yes:
            self._apply(True)
        elif any(it.action == "moi" for it in self.items):
            self._apply(False)  # the new packages only; the received ones stay
        else:
            self._say(tr("Không thay gói nào; các gói đã nhận giữ nguyên."))

    def _apply(self, replace: bool | None) -> None:
        self._say(tr("Đang nhận gói…"))
        self._write(self.app.reg, list(self.opened), bool(replace), self.query_one("#goi-newkey", Checkbox).value)

    @work(thread=True, exclusive=True, group="goi-write")
    def _write(self, reg, opened: list, replace: bool, accept_new_key: bool) -> None:
        from models import received
        from models.errors import StoreError

        try:
            res = received.apply_import(reg, opened, replace=replace, accept_new_key=accept_new_key)
        except StoreError as exc:
            self.post_message(Imported(error=exc.message))
            return
        self.post_message(Imported(res))

    def on_imported(self, message: Imported) -> None:
        if message.error:
            self._say(message.error)
            return
        res = message.result
        self.written += res.written
        if res.written and hasattr(self.app, "data_changed"):
            self.app.data_changed()
        lines = [tr("Đã nhận: {a} gói mới, thay {r} gói; không đổi {u}; bỏ qua/từ chối {s}.").format(
            a=len(res.added), r=len(res.replaced), u=len(res.unchanged), s=len(res.skipped))]
        if res.duplicates:
            lines.append(tr("Cảnh báo: {n} người có trong gói của hai xã trở lên:").format(n=len(res.duplicates)))
            lines += [f"  - {d.describe()}" for d in res.duplicates[:8]]
        self.items = []
        self.query_one("#goi-preview", DataTable).clear()
        self._say("\n".join(lines))

    @on(Button.Pressed, "#goi-close")
    def action_close(self) -> None:
        self.dismiss(self.written)


# ---------------------------------------------------------------------------
# The completeness board
# ---------------------------------------------------------------------------
class CompletenessScreen(Modal):
    """Who has sent the period's package: on time, late, missing. Dismisses with None."""

    BINDINGS = [
        Binding("escape", "close", "Đóng", id="bang.close", tooltip="Đóng bảng theo dõi"),
        Binding("m", "missing", "Chưa nộp", id="bang.missing", tooltip="Chỉ liệt kê các xã chưa nộp (để nhắc)"),
        Binding("n", "receive", "Nhận gói", id="bang.receive", tooltip="Nhận gói báo cáo của các xã"),
        Binding("f5", "reload", "Tải lại", id="bang.reload", tooltip="Đọc lại bảng theo dõi"),
    ]
    help_text = ("Bảng theo dõi gói báo cáo: mọi xã, phường của tỉnh với tình trạng đã nộp đúng hạn, nộp muộn hay "
                 "chưa nộp so với hạn của kỳ (theo lịch báo cáo trong Cài đặt), ngày lập gói, dấu vân tay khóa ký và "
                 "số liệu chính. Gõ kỳ (2026-H2, 2026-Q4, 2026) rồi Enter. M: chỉ các xã chưa nộp (danh sách để "
                 "nhắc). N: nhận gói. F5: tải lại.")
    DEFAULT_CSS = """
    CompletenessScreen { align: center middle; }
    #bang-box { width: 130; max-width: 100%; height: 95%; border: thick $accent; background: $panel; padding: 0 1; }
    #bang-row { height: auto; }
    #bang-ky { width: 16; }
    #bang-table { height: 1fr; }
    #bang-missing { height: auto; max-height: 12; }
    """

    def __init__(self, period: str | None = None, *, day: dt.date | None = None) -> None:
        super().__init__()
        self.day = day
        self.period = period or default_period(day)
        self.board = None
        self.duplicates: list = []
        self.only_missing = False

    def compose(self) -> ComposeResult:
        with Vertical(id="bang-box"):
            yield Label(tr("Theo dõi gói báo cáo của các xã"), id="form-title")
            with Horizontal(id="bang-row"):
                yield Label(tr("Kỳ") + ": ")
                yield Input(self.period, id="bang-ky", compact=True)
                yield Static("", id="bang-sum")
            yield DataTable(id="bang-table", cursor_type="row", zebra_stripes=True)
            yield Static("", id="bang-missing")
            with Horizontal(id="form-buttons"):
                yield Button(tr("Chưa nộp") + " (M)", id="bang-missing-btn")
                yield Button(tr("Nhận gói") + " (N)", id="bang-receive")
                yield Button(tr("Đóng") + " (Esc)", id="bang-close")

    def on_mount(self) -> None:
        t = self.query_one("#bang-table", DataTable)
        t.add_columns(*(tr(c) for c in ("Xã, phường", "Tình trạng", "Ngày lập gói", "Loại gói", "Khóa ký",
                                        "Thành viên", "Tổ", "Thôn")))
        t.focus()
        self.action_reload()

    @on(Input.Submitted, "#bang-ky")
    def _period(self, event: Input.Submitted) -> None:
        self.period = event.value.strip()
        self.action_reload()
        self.query_one("#bang-table", DataTable).focus()

    def action_reload(self) -> None:
        self._load(self.app.reg, self.period, self.day)

    @work(thread=True, exclusive=True, group="bang-load")
    def _load(self, reg, period: str, day: dt.date | None) -> None:
        from models import received
        from models.errors import InputError, StoreError

        try:
            board = received.completeness(reg, period, day=day)
            dups = received.duplicates(reg, board.period)
        except (InputError, StoreError) as exc:
            self.post_message(BoardLoaded(error=exc.message))
            return
        self.post_message(BoardLoaded(board, dups))

    def on_board_loaded(self, message: BoardLoaded) -> None:
        from models import text

        if message.error:
            self.query_one("#bang-sum", Static).update(message.error)
            return
        self.board, self.duplicates = message.board, message.duplicates
        b = self.board
        c = b.counts
        summary = tr("Hạn nộp {due} (tính đến {day}): đúng hạn {ok}, muộn {late}, chưa nộp {missing} / {n}").format(
            due=text.format_date(b.deadline), day=text.format_date(b.today), ok=c["dung_han"], late=c["muon"],
            missing=c["thieu"], n=len(b.rows))
        if self.duplicates:
            summary += tr(" — {n} người có trong gói của hai xã").format(n=len(self.duplicates))
        self.query_one("#bang-sum", Static).update(summary)
        self._fill()

    def _fill(self) -> None:
        t = self.query_one("#bang-table", DataTable)
        t.clear()
        if self.board is None:
            return
        rows = self.board.missing if self.only_missing else self.board.rows
        for r in rows:
            p = r.package
            name = r.label + (f", {r.district}" if r.district else "") + ("" if r.in_registry else " *")
            t.add_row(name, tr(r.status_label), f"{p.created_at:%d/%m/%Y}" if p else "", tr(p.kind_label) if p else "",
                      r.sender, p.members if p else "", p.teams if p else "", p.villages if p else "")
        box = self.query_one("#bang-missing", Static)
        if self.only_missing:
            names = [r.label + (f", {r.district}" if r.district else "") for r in self.board.missing]
            box.update(tr("Các xã chưa nộp gói kỳ {period} ({n}): ").format(period=self.board.period, n=len(names))
                       + ("; ".join(names) if names else tr("không có")))
        else:
            box.update(tr("* Xã chưa có trong danh sách của sổ.") if any(not r.in_registry for r in self.board.rows)
                       else "")

    @on(Button.Pressed, "#bang-missing-btn")
    def action_missing(self) -> None:
        self.only_missing = not self.only_missing
        self._fill()

    @on(Button.Pressed, "#bang-receive")
    def action_receive(self) -> None:
        def done(written) -> None:
            if written:
                self.action_reload()

        self.app.push_screen(HandoffImportScreen(), done)

    @on(Button.Pressed, "#bang-close")
    def action_close(self) -> None:
        self.dismiss(None)
