"""The other screens of opening a registry: the forgotten passphrase (recovery key), the first-run
wizard, the lock screen and the recovery key shown once. Apart from :mod:`cnscd_tui.unlock` so the
unlock screen, the first one a clerk sees, paints without them (``unlock`` still answers their names)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Center, Horizontal, Vertical
from textual.message import Message
from textual.screen import ModalScreen, Screen
from textual.widgets import Button, ContentSwitcher, Input, Label, Select, Static

from .i18n import tr
from .strength import passphrase_strength
from .unlock_common import Opened, OpenFailed, _footer, _open_errors, passphrase_problems


class RecoverScreen(Screen):
    BINDINGS = [Binding("escape", "back", "Quay lại", id="recover.back", tooltip="Về màn hình mở sổ")]
    help_text = ("Nhập mã khôi phục 25 ký tự (có thể gõ thường, có hoặc không có dấu gạch), rồi đặt mật khẩu "
                 "mới hai lần. Sổ được mã hóa lại bằng khóa mới: mật khẩu cũ không mở được sổ này nữa; mã khôi "
                 "phục vẫn dùng được.")

    def __init__(self, path: Path, recovery_key: str = "", note: str = "", log_text: str = "") -> None:
        super().__init__()
        self.path = path
        self.recovery_key, self.note = recovery_key, note
        self.log_text = log_text or "Đặt mật khẩu mới bằng mã khôi phục"

    def compose(self) -> ComposeResult:
        with Center():
            with Vertical(id="recover-box", classes="dialog"):
                yield Label("Quên mật khẩu — mở bằng mã khôi phục", classes="dialog-title")
                if self.note:
                    yield Static(self.note, id="rec-note", classes="warn")
                yield Label(tr("Mã khôi phục"))
                yield Input(self.recovery_key, id="rec-key", placeholder="XXXXX-XXXXX-XXXXX-XXXXX-XXXXX")
                yield Label("Mật khẩu mới")
                yield Input(password=True, id="rec-new")
                yield Static("", id="rec-strength", classes="field-msg")
                yield Label("Nhập lại mật khẩu mới")
                yield Input(password=True, id="rec-repeat")
                yield Static("", id="rec-msg", classes="field-msg")
                with Horizontal(classes="buttons"):
                    yield Button("Mở sổ và đặt mật khẩu mới", id="rec-go", variant="primary")
                    yield Button(f"{tr('Quay lại')} (Esc)", id="rec-back")
        yield _footer()

    def on_mount(self) -> None:
        self.query_one("#rec-new" if self.recovery_key else "#rec-key").focus()

    @on(Input.Changed, "#rec-new")
    def _strength(self, event: Input.Changed) -> None:
        self.query_one("#rec-strength", Static).update(passphrase_strength(event.value))

    @on(Button.Pressed, "#rec-back")
    def action_back(self) -> None:
        self.app.pop_screen()

    @on(Input.Submitted, "#rec-repeat")
    @on(Button.Pressed, "#rec-go")
    def _go(self) -> None:
        key = self.query_one("#rec-key", Input).value
        new = self.query_one("#rec-new", Input).value
        rep = self.query_one("#rec-repeat", Input).value
        if not key.strip():
            return self._say("Hãy nhập mã khôi phục.")
        problems = passphrase_problems(new)
        if problems:
            self.query_one("#rec-new").focus()
            return self._say(" ".join(problems))
        if new != rep:
            return self._say("Hai lần nhập mật khẩu mới không khớp.")
        self._say("Đang mở sổ…", error=False)
        self.recover_worker(key, new)

    @work(thread=True, exclusive=True, group="recover")
    def recover_worker(self, key: str, new: str) -> None:
        from models.db import Registry
        from models.services import get_settings, log_event
        from models.errors import StoreError

        try:
            reg = Registry.open(self.path, recovery_key=key)
        except StoreError as exc:
            fail = _open_errors(exc)
            if fail.kind == "wrong":
                fail = OpenFailed("wrong", "Mã khôi phục không đúng. Kiểm tra lại từng nhóm 5 ký tự.")
            self.post_message(fail)
            return
        from models.passphrase import unit_names

        problems = passphrase_problems(new, unit_names(reg))
        if problems:  # the commune's own name (the other checks ran before opening)
            reg.close()
            self.post_message(OpenFailed("weak", " ".join(problems)))
            return
        try:
            # a new data key too: the forgotten passphrase with an old copy of the file opens nothing new
            reg.change_passphrase(new)
            log_event(reg, "he_thong", "registry", self.log_text)
            settings = get_settings(reg)
        except StoreError as exc:
            reg.close()
            self.post_message(OpenFailed("error", exc.message))
            return
        self.post_message(Opened(reg, settings))

    def on_opened(self, message: Opened) -> None:
        self.app.registry_opened(message.reg, message.settings)

    def on_open_failed(self, message: OpenFailed) -> None:
        self._say(message.message)

    def _say(self, text: str, error: bool = True) -> None:
        msg = self.query_one("#rec-msg", Static)
        msg.update(text)
        msg.set_class(error, "-error")


COMMUNE_KINDS = [("Xã", "xã"), ("Phường", "phường"), ("Đặc khu", "đặc khu"), ("Thị trấn", "thị trấn")]


@dataclass(frozen=True)
class NewRegistry:
    """What the first-run wizard asked for, read on the UI thread for the worker that creates the file."""

    passphrase: str
    province: str
    commune: str
    commune_kind: str
    signer_title: str
    signer_name: str


class CreateScreen(Screen):
    """First run: commune identity → passphrase → recovery key (typed back)."""

    BINDINGS = [Binding("ctrl+q", "app.quit", "Thoát", id="create.quit", tooltip="Thoát, chưa tạo sổ")]
    help_text = ("Bước 1: tên tỉnh/thành phố, xã/phường và người ký văn bản. Bước 2: mật khẩu (ít nhất 8 ký tự; "
                 "nên là vài từ ghép lại). Bước 3: chép mã khôi phục ra giấy, cất nơi an toàn, rồi gõ lại nhóm "
                 "cuối để xác nhận.")

    def __init__(self, path: Path) -> None:
        super().__init__()
        self.path = path
        self.recovery_key = ""
        self.opened: Opened | None = None

    def compose(self) -> ComposeResult:
        with Center():
            with Vertical(id="create-box", classes="dialog"):
                yield Label("Tạo sổ mới — Sổ Tổ công nghệ số cộng đồng", classes="dialog-title")
                with ContentSwitcher(initial="step-1", id="create-steps"):
                    with Vertical(id="step-1"):
                        yield Static("Bước 1/3 — Đơn vị", classes="muted")
                        yield Label("Tỉnh/Thành phố *")
                        yield Input(id="c-province", placeholder="ví dụ: Ninh Bình, Thành phố Hải Phòng")
                        yield Label("Xã/Phường *")
                        with Horizontal(classes="row"):
                            yield Select(COMMUNE_KINDS, value="xã", allow_blank=False, id="c-kind", compact=True)
                            yield Input(id="c-commune", placeholder="tên, ví dụ: Duy Tiên")
                        yield Label("Chức danh người ký")
                        yield Input("PHÓ CHỦ TỊCH", id="c-signer-title")
                        yield Label("Họ tên người ký")
                        yield Input(id="c-signer-name", placeholder="ví dụ: Nguyễn Văn An")
                    with Vertical(id="step-2"):
                        yield Static("Bước 2/3 — Mật khẩu của sổ", classes="muted")
                        yield Label("Mật khẩu (ít nhất 8 ký tự)")
                        yield Input(password=True, id="c-pass")
                        yield Static("", id="c-strength", classes="field-msg")
                        yield Label("Nhập lại mật khẩu")
                        yield Input(password=True, id="c-repeat")
                    with Vertical(id="step-3"):
                        yield Static("Bước 3/3 — Mã khôi phục", classes="muted")
                        yield Static("", id="c-key")
                        yield Static("Chép mã này ra giấy và cất nơi an toàn. Nếu quên mật khẩu, chỉ mã này mở "
                                     "được sổ; chương trình sẽ không hiện lại mã.", classes="warn")
                        yield Label("Gõ lại nhóm 5 ký tự cuối cùng của mã để xác nhận đã chép")
                        yield Input(id="c-confirm", max_length=5)
                # docked at the bottom of the box: on 24 lines the steps scroll, the button stays in view
                with Vertical(classes="dialog-foot"):
                    yield Static("", id="c-msg", classes="field-msg")
                    with Horizontal(classes="buttons"):
                        yield Button(f"{tr('Tiếp')} (Enter)", id="c-next", variant="primary")
        yield _footer()

    def on_mount(self) -> None:
        self.query_one("#c-province").focus()

    @property
    def step(self) -> str:
        return self.query_one("#create-steps", ContentSwitcher).current or "step-1"

    def _say(self, text: str, error: bool = True) -> None:
        msg = self.query_one("#c-msg", Static)
        msg.update(text)
        msg.set_class(error, "-error")

    @on(Input.Changed, "#c-pass")
    def _strength(self, event: Input.Changed) -> None:
        self.query_one("#c-strength", Static).update(passphrase_strength(event.value))

    @on(Input.Submitted)
    def _submitted(self, event: Input.Submitted) -> None:
        if event.input.id in ("c-signer-name", "c-repeat", "c-confirm"):
            self.next_step()
        else:
            self.focus_next()

    @on(Button.Pressed, "#c-next")
    def next_step(self) -> None:
        sw = self.query_one("#create-steps", ContentSwitcher)
        if self.step == "step-1":
            if not self.query_one("#c-province", Input).value.strip():
                self.query_one("#c-province").focus()
                return self._say("Hãy nhập tên tỉnh/thành phố.")
            if not self.query_one("#c-commune", Input).value.strip():
                self.query_one("#c-commune").focus()
                return self._say("Hãy nhập tên xã/phường.")
            self._say("", False)
            sw.current = "step-2"
            self.query_one("#c-pass").focus()
        elif self.step == "step-2":
            p = self.query_one("#c-pass", Input).value
            names = [self.query_one("#c-commune", Input).value.strip(), self.query_one("#c-province", Input).value]
            problems = passphrase_problems(p, [n for n in names if n.strip()])
            if problems:
                self.query_one("#c-pass").focus()
                return self._say(" ".join(problems))
            if p != self.query_one("#c-repeat", Input).value:
                return self._say("Hai lần nhập mật khẩu không khớp.")
            self._say("Đang tạo sổ…", False)
            self.query_one("#c-next").disabled = True
            self.create_worker(self._new_registry(p))
        else:
            last = self.recovery_key.split("-")[-1]
            typed = self.query_one("#c-confirm", Input).value.strip().upper()
            if typed != last:
                return self._say("Nhóm cuối chưa khớp. Hãy chép lại mã cho đúng rồi gõ lại nhóm cuối.")
            op = self.opened
            self.app.registry_opened(op.reg, op.settings)

    def _new_registry(self, passphrase: str) -> NewRegistry:
        def typed(sel: str) -> str:
            return self.query_one(sel, Input).value

        return NewRegistry(passphrase, typed("#c-province"), typed("#c-commune"),
                           str(self.query_one("#c-kind", Select).value), typed("#c-signer-title"),
                           typed("#c-signer-name"))

    @work(thread=True, exclusive=True, group="create")
    def create_worker(self, new: NewRegistry) -> None:
        from models.db import Registry
        from models.errors import InputError, StoreError
        from models.services import get_settings, update_settings

        try:
            reg, key = Registry.create(self.path, new.passphrase, province=new.province, commune=new.commune,
                                       commune_kind=new.commune_kind)
        except (StoreError, InputError) as exc:
            self.post_message(OpenFailed("error", exc.message))
            return
        try:
            changes = {"signer_title": new.signer_title, "signer_name": new.signer_name}
            update_settings(reg, **{k: v for k, v in changes.items() if v.strip()})
        except (StoreError, InputError):
            pass  # identity can be completed in Settings
        self.post_message(Opened(reg, get_settings(reg), key))

    def on_opened(self, message: Opened) -> None:
        self.opened = message
        self.recovery_key = message.recovery_key
        self.query_one("#c-key", Static).update(f"[b]{message.recovery_key}[/b]")
        self.query_one("#create-steps", ContentSwitcher).current = "step-3"
        self.query_one("#c-next").disabled = False
        button = self.query_one("#c-next", Button)
        button.label = "Đã chép mã — vào sổ"
        button.refresh(layout=True)  # a Button keeps the width of its first label otherwise
        self._say("", False)
        self.query_one("#c-confirm").focus()

    def on_open_failed(self, message: OpenFailed) -> None:
        self.query_one("#c-next").disabled = False
        self._say(message.message)


class LockScreen(Screen):
    """Shown by auto-lock / Ctrl+L: no data on screen until the passphrase is typed again."""

    BINDINGS = [Binding("ctrl+q", "app.quit", "Thoát", id="lock.quit", tooltip="Thoát chương trình")]
    help_text = "Sổ đã khóa. Gõ mật khẩu để tiếp tục; những gì đang nhập dở trong biểu mẫu vẫn còn nguyên."

    class Checked(Message):
        def __init__(self, ok: bool) -> None:
            super().__init__()
            self.ok = ok

    def __init__(self, by_clerk: bool = False) -> None:
        super().__init__()
        self.by_clerk = by_clerk

    def compose(self) -> ComposeResult:
        why = ("Bạn đã khóa sổ (Ctrl+L)." if self.by_clerk else
               "Sổ tự khóa vì không dùng một lúc.")
        with Center():
            with Vertical(id="lock-box", classes="dialog"):
                yield Label("Sổ đã khóa", classes="dialog-title")
                yield Static(f"{why} Những gì đang nhập dở vẫn được giữ.", id="lock-why", classes="muted")
                yield Label(tr("Mật khẩu"))
                yield Input(password=True, id="lock-pass")
                yield Static("", id="lock-msg", classes="field-msg")
        yield _footer()

    def on_mount(self) -> None:
        self.query_one("#lock-pass").focus()

    @on(Input.Submitted, "#lock-pass")
    def _submit(self, event: Input.Submitted) -> None:
        if event.value:
            self.check_worker(event.value)

    @work(thread=True, exclusive=True, group="lock")
    def check_worker(self, passphrase: str) -> None:
        self.post_message(self.Checked(self.app.reg.store.verify_passphrase(passphrase)))

    def on_lock_screen_checked(self, message: LockScreen.Checked) -> None:
        if message.ok:
            self.app.pop_screen()
            self.app.unlocked()
        else:
            msg = self.query_one("#lock-msg", Static)
            msg.update("✗ Mật khẩu không đúng.")
            msg.set_class(True, "-error")
            self.query_one("#lock-pass", Input).value = ""


class RecoveryKeyModal(ModalScreen):
    """A new recovery key, shown once: the clerk copies it on paper and types its last group
    back (as in the first-run wizard). Dismissed with True once confirmed."""

    BINDINGS = [
        Binding("escape", "close", "Đóng", id="rkey.close", tooltip="Đóng (hỏi lại nếu chưa xác nhận đã chép mã)"),
        Binding("ctrl+q", "app.quit", "Thoát", show=False, id="rkey.quit", tooltip="Thoát chương trình"),
        Binding("f1", "app.help", "Trợ giúp", show=False, id="rkey.help", tooltip="Trợ giúp của cửa sổ này"),
    ]
    help_text = ("Mã khôi phục mới đã có hiệu lực; mã cũ không mở được sổ nữa. Chép mã ra giấy, cất nơi an toàn, "
                 "rồi gõ lại nhóm 5 ký tự cuối để xác nhận.")

    def __init__(self, key: str, title: str = "Mã khôi phục mới") -> None:
        super().__init__()
        self.key, self.title_text = key, title
        self.warned = False

    def compose(self) -> ComposeResult:
        with Vertical(id="confirm-box"):
            yield Label(self.title_text, id="form-title")
            yield Static(f"[b]{self.key}[/b]", id="rkey-key")
            yield Static("Chép mã này ra giấy và cất nơi an toàn. Mã cũ đã hết hiệu lực; chương trình sẽ không "
                         "hiện lại mã này.", classes="warn")
            yield Label("Gõ lại nhóm 5 ký tự cuối cùng của mã để xác nhận đã chép")
            yield Input(id="rkey-confirm", max_length=5)
            yield Static("", id="rkey-msg", classes="field-msg")
            yield Static("Enter: xác nhận · Esc: đóng", classes="muted")

    def on_mount(self) -> None:
        self.query_one("#rkey-confirm").focus()

    @on(Input.Submitted, "#rkey-confirm")
    def _confirm(self, event: Input.Submitted) -> None:
        if event.value.strip().upper() == self.key.split("-")[-1]:
            self.dismiss(True)
            return
        msg = self.query_one("#rkey-msg", Static)
        msg.update("✗ Nhóm cuối chưa khớp. Hãy chép lại mã cho đúng rồi gõ lại nhóm cuối.")
        msg.set_class(True, "-error")

    def action_close(self) -> None:
        if self.warned:
            self.dismiss(False)
            return
        self.warned = True
        msg = self.query_one("#rkey-msg", Static)
        msg.update("Chưa xác nhận đã chép mã. Nhấn Esc lần nữa để đóng: nếu chưa chép, hãy làm mới mã khôi phục "
                   "lần nữa (Cài đặt → K).")
        msg.set_class(True, "-error")
