"""Cài đặt (F9): commune identity and signer, rules, categories, auto-lock, language,
colour theme, support-fund rate, passphrase and recovery key, backups."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import replace
from pathlib import Path

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal
from textual.widgets import Static

from ..editors import CategoryForm, PassphraseForm
from ..forms import F, FormModal, check_int
from ..i18n import tr, tr_pair
from ..widgets import Column, LazyTable
from .base import Pane

KIND_LABEL = {"gen": "Lần lưu", "day": "Theo ngày", "before-restore": "Trước khôi phục", "manual": "Thủ công"}


class SettingsForm(FormModal):
    form_title = "Sửa cài đặt"

    def __init__(self, settings, categories) -> None:
        self.settings, self.categories = settings, categories
        super().__init__()

    def fields(self) -> list[F]:
        s = self.settings
        return [
            F("province", "Tỉnh/Thành phố", value=s.province, required=True),
            F("commune", "Xã/Phường", value=s.commune, required=True),
            F("place_name", "Địa danh ghi ở dòng ngày tháng", value=s.place_name, placeholder="ví dụ: Duy Tiên"),
            F("issuing_body_parent", "Cơ quan cấp trên (dòng 1 góc trái)", value=s.issuing_body_parent),
            F("issuing_body", "Cơ quan ban hành (dòng 2 góc trái)", value=s.issuing_body),
            F("signer_prefix", "Quyền hạn ký (ví dụ KT. CHỦ TỊCH)", value=s.signer_prefix),
            F("signer_title", "Chức danh người ký", value=s.signer_title),
            F("signer_name", "Họ tên người ký", value=s.signer_name),
            *document_fields(s),
            F("village_team_min", "Tổ cấp thôn: số thành viên tối thiểu", value=str(s.village_team_min),
              check=check_int("Số thành viên tối thiểu", 1, 500)),
            F("village_team_max", "Tổ cấp thôn: số thành viên tối đa", value=str(s.village_team_max),
              check=check_int("Số thành viên tối đa", 1, 500)),
            F("commune_team_min", "Tổ cấp xã: số thành viên tối thiểu", value=str(s.commune_team_min),
              check=check_int("Số thành viên tối thiểu", 1, 500)),
            F("commune_team_max", "Tổ cấp xã: số thành viên tối đa", value=str(s.commune_team_max),
              check=check_int("Số thành viên tối đa", 1, 500)),
            F("required_categories", "Thành phần bắt buộc trong tổ cấp thôn (Space để chọn)", "multi",
              list(s.required_categories), [(c.name, c.code) for c in self.categories]),
            F("auto_lock_minutes", "Tự khóa sau (phút, 0 = không tự khóa)", value=str(s.auto_lock_minutes),
              check=check_int("Tự khóa sau (phút)", 0, 240)),
            F("language", "Ngôn ngữ giao diện", "select", s.language, [("Tiếng Việt", "vi"), ("English", "en")],
              allow_blank=False),
            F("fund_policy", "Mức hỗ trợ kinh phí (dự toán, danh sách ký nhận, báo cáo kỳ)", "select",
              *policy_choice(s), allow_blank=False),
            F("fund_basis", "Căn cứ mức hỗ trợ (số, ngày của nghị quyết)", value=s.fund_basis,
              placeholder="ví dụ: Nghị quyết số 12/2025/NQ-HĐND ngày 10/7/2025",
              check=check_text("Căn cứ mức hỗ trợ", 300)),
            F("theme", "Màu giao diện (của máy này)", "select", self.app.theme, self.app.theme_choices(),
              allow_blank=False),
        ]

    def save(self, values: dict):
        from models import services as S

        self.theme = values.pop("theme", None)  # kept on this computer, not in the registry
        changes = {}
        for k, v in values.items():
            if k.endswith(("_min", "_max", "_minutes")):
                v = int(str(v).strip())
            elif k == "recipients":
                v = recipient_lines(v)
            elif isinstance(v, str):
                v = v.strip()
            changes[k] = v
        return S.update_settings(self.app.reg, **changes)


# -- the document fields (Decree 30/2020: exports/decree30.py) and the fund rate --------------------
RECIPIENTS_SEP = ";"


def recipient_lines(typed: str) -> list[str]:
    """«Như trên; UBND huyện; Lưu: VT.» → ["Như trên;", "UBND huyện;", "Lưu: VT."]: the lines of «Nơi
    nhận», each but the last ending with «;» as an official document writes them; "" → [] (the
    exports then write the body above and «Lưu: VT.»)."""
    parts = [p.strip() for p in str(typed or "").split(RECIPIENTS_SEP)]
    parts = [p for p in parts if p]
    return [p + (RECIPIENTS_SEP if i < len(parts) - 1 else "") for i, p in enumerate(parts)]


def recipients_text(lines) -> str:
    """The saved lines as the clerk types them (the inverse of :func:`recipient_lines`)."""
    parts = [str(x).strip().rstrip(RECIPIENTS_SEP).strip() for x in (lines or ())]
    return f"{RECIPIENTS_SEP} ".join(p for p in parts if p)


_DOC_NUMBER = re.compile(r"\d{1,6}(/[^\s/]+(/[^\s/]+)*)?")
_DOC_SYMBOL = re.compile(r"[^\W_][\w.&-]*")


def _check_doc_number(v, _all) -> tuple[str, str]:
    v = str(v or "").strip()
    if not v:
        return "", tr("để trống: chừa chỗ ghi số bằng tay")
    if len(v) > 40 or not _DOC_NUMBER.fullmatch(v):
        return tr("«{label}» ghi chữ số (ví dụ 125), hoặc cả số và ký hiệu (ví dụ 125/BC-UBND), không có dấu "
                  "cách; để trống để ghi tay (đang là «{v}»).").format(label=tr("Số văn bản"), v=v), ""
    return "", ""


def _check_doc_symbol(v, _all) -> tuple[str, str]:
    v = str(v or "").strip()
    if v and (len(v) > 20 or "_" in v or not _DOC_SYMBOL.fullmatch(v)):
        return tr("«{label}» chỉ gồm chữ, chữ số và dấu gạch nối, không có dấu cách hay dấu «/» (ví dụ UBND, "
                  "VHXH; đang là «{v}»).").format(label=tr("Ký hiệu văn bản"), v=v), ""
    return "", ""


def check_text(label: str, longest: int, *, name: bool = False):
    """A text the sheets print: at most ``longest`` characters; a person's name without digits."""
    def _check(v, _all) -> tuple[str, str]:
        v = str(v or "").strip()
        if len(v) > longest:
            return tr("«{label}» dài quá {n} ký tự (đang có {k}).").format(label=tr(label), n=longest, k=len(v)), ""
        if name and any(c.isdigit() for c in v):
            return tr("«{label}» là họ tên người, không có chữ số (đang là «{v}»).").format(label=tr(label), v=v), ""
        return "", ""
    return _check


def _check_recipients(v, _all) -> tuple[str, str]:
    lines = recipient_lines(v)
    if len(lines) > 15:
        return tr("«{label}» có nhiều nhất 15 dòng (đang có {k}).").format(label=tr("Nơi nhận"), k=len(lines)), ""
    long = next((x for x in lines if len(x) > 150), None)
    if long is not None:
        return tr("«{label}»: mỗi dòng dài nhiều nhất 150 ký tự («{v}…» dài hơn).").format(
            label=tr("Nơi nhận"), v=long[:30]), ""
    return "", ""


def document_fields(s) -> list[F]:
    """The number line, «Nơi nhận» and the payment list's co-signers, as the exports print them."""
    from exports import decree30

    derived = decree30.doc_symbol(replace(s, doc_symbol=""))
    return [
        F("doc_number", "Số văn bản", value=s.doc_number, placeholder="ví dụ: 125 hoặc 125/BC-UBND",
          check=_check_doc_number),
        F("doc_symbol", "Ký hiệu văn bản (sau «BC-» trên dòng số)", value=s.doc_symbol,
          placeholder=tr("để trống: {symbol}").format(symbol=derived) if derived else "", check=_check_doc_symbol),
        F("recipients", "Nơi nhận (các dòng cách nhau bằng dấu ;)", value=recipients_text(s.recipients),
          placeholder="ví dụ: Như trên; UBND huyện; Lưu: VT.", check=_check_recipients),
        F("preparer_name", "Người lập biểu (danh sách ký nhận kinh phí)", value=s.preparer_name,
          check=check_text("Người lập biểu", 80, name=True)),
        F("accountant_name", "Kế toán (danh sách ký nhận kinh phí)", value=s.accountant_name,
          check=check_text("Kế toán", 80, name=True)),
    ]


def policy_choice(s) -> tuple[str, list[tuple[str, str]]]:
    """The fund-rate box's value and options. Nothing saved: the first line says what the exports use
    then (exports.fund.registry_policy: the province's rate, or none chosen), and saving the form
    keeps it so (the value ""), never pins another province's rate."""
    from exports.fund import POLICIES, registry_policy
    from models import text

    policy, _ = registry_policy(None, settings=replace(s, fund_policy=""))
    first = (tr("Theo tỉnh, thành phố của sổ: {name}").format(name=policy.name) if policy.chosen
             else tr("Chưa chọn (để trống số tiền trên các biểu kinh phí)"))
    options = [(first, "")] + [(p.name, code) for code, p in POLICIES.items()]
    saved = text.fold(str(s.fund_policy or "")).strip().replace(" ", "-")  # as registry_policy reads it
    return (saved if saved in POLICIES else ""), options


def quick_backups(db_path: Path) -> list:
    """The backups beside the registry from their names and file dates only, newest first.
    ``store.list_backups()`` reads and checksums every backup (dozens of files of several MB at
    province scale) — too slow for opening a tab; a restore checks the file it restores."""
    from models.store_backups import BACKUP_RE, BackupInfo, backup_dir, real_path

    kinds = {"g": "gen", "d": "day", "r": "before-restore", "m": "manual"}
    folder = backup_dir(real_path(db_path))
    out = []
    try:
        entries = list(folder.iterdir()) if folder.is_dir() else []
    except OSError:
        return []
    for f in entries:
        m = BACKUP_RE.search(f.name)
        if not m:
            continue
        try:
            saved = dt.datetime.fromtimestamp(f.stat().st_mtime, dt.UTC)
        except OSError:  # removed by the rotation meanwhile
            continue
        out.append(BackupInfo(f, int(m.group(2)), saved, kinds[m.group(1)]))
    out.sort(key=lambda b: (b.generation, b.kind == "gen"), reverse=True)
    return out


def document_line(s) -> str:
    """«Số: 125/BC-UBND · Nơi nhận: 3 dòng · Lập biểu: … · Kế toán: …» as the exports print them
    (exports.decree30; «…» where the number is left to write by hand); a name not saved is signed by
    hand. One line at 80 columns."""
    from rich.markup import escape

    from exports import decree30

    def name(v: str) -> str:
        return escape(v.strip()) if v.strip() else tr("(ký tay)")

    number = decree30.number_line(s).replace(decree30.BLANK_NUMBER + "/", "…/")
    sent = tr("{n} dòng").format(n=len(s.recipients)) if s.recipients else tr("mặc định")
    return (f"[b]{escape(number)}[/b] · [b]{tr('Nơi nhận')}:[/b] {sent} · [b]{tr('Lập biểu')}:[/b] "
            f"{name(s.preparer_name)} · [b]{tr('Kế toán')}:[/b] {name(s.accountant_name)}")


class RenewKeyForm(FormModal):
    """Cài đặt → K: a new recovery key (the old one stops opening the registry)."""

    form_title = "Làm mới khóa khôi phục"
    help_text = ("Nhập mật khẩu hiện tại để cấp mã khôi phục mới. Mã cũ hết hiệu lực ngay (dùng khi mã cũ bị lộ "
                 "hoặc bị mất). Mã mới chỉ hiện một lần: chép ra giấy và gõ lại nhóm cuối để xác nhận.")

    def fields(self) -> list[F]:
        return [
            F("info", "Lưu ý", "info", "Mã khôi phục cũ sẽ không mở được sổ nữa. Bản sao lưu đã có vẫn mở bằng "
              "mật khẩu và mã khôi phục lúc tạo chúng."),
            F("passphrase", "Mật khẩu hiện tại", "password", required=True),
        ]

    def save(self, values: dict):
        from models.errors import InputError, WrongSecret

        try:
            return self.app.reg.renew_recovery_key(values["passphrase"])
        except WrongSecret:
            raise InputError("Mật khẩu hiện tại không đúng.", "passphrase") from None


class CopyToFolderForm(FormModal):
    form_title = "Chép bản sao lưu (mã hóa) ra thư mục hoặc USB"

    def __init__(self, suggestions: list[str]) -> None:
        self.suggestions = suggestions
        super().__init__()

    def fields(self) -> list[F]:
        hint = ("Ổ USB tìm thấy: " + ", ".join(self.suggestions)) if self.suggestions else \
            "Không thấy ổ USB nào; có thể gõ bất kỳ thư mục nào."
        return [
            F("info", "Gợi ý", "info", hint),
            F("folder", "Thư mục đích", value=self.suggestions[0] if self.suggestions else str(Path.home()),
              required=True, check=_check_folder),
        ]

    def save(self, values: dict):
        from models import services as S

        reg = self.app.reg
        target = reg.store.backup_to(Path(values["folder"]).expanduser())
        S.log_event(reg, "xuat", "registry", f"Chép bản sao lưu ra {target}")
        return target


def _check_folder(v, _all):
    if not v:
        return "", ""
    p = Path(v).expanduser()
    if not p.is_dir():
        return f"Không có thư mục «{v}».", ""
    return "", ""


class RestoreForm(FormModal):
    def __init__(self, backup) -> None:
        self.backup = backup
        self.form_title = f"Khôi phục bản sao lưu lần lưu {backup.generation}"
        super().__init__()

    def fields(self) -> list[F]:
        b = self.backup
        return [
            F("what", "Bản sao", "info", f"{b.path.name}\nlưu lúc {b.saved_at.astimezone():%H:%M %d/%m/%Y}. "
              "Sổ hiện tại được giữ lại thành một bản sao «trước khôi phục». Bản sao lưu mở bằng mật khẩu của "
              "sổ lúc tạo nó (đã đổi mật khẩu sau đó thì nhập mật khẩu cũ), hoặc bằng mã khôi phục lúc đó."),
            F("passphrase", "Mật khẩu (của sổ lúc tạo bản sao lưu đó)", "password"),
            F("recovery_key", "…hoặc mã khôi phục", placeholder="XXXXX-XXXXX-XXXXX-XXXXX-XXXXX"),
        ]

    def save(self, values: dict):
        """Worker: check that the secret opens this backup (nothing is closed or replaced yet)."""
        from models.errors import DamagedFile, InputError, StoreError, WrongSecret
        from models.store import EncryptedStore

        p, rk = values["passphrase"], values["recovery_key"].strip()
        if not p and not rk:
            raise InputError("Nhập mật khẩu hoặc mã khôi phục của bản sao lưu.", "passphrase")
        try:
            st, _ = EncryptedStore.open(self.backup.path, passphrase=None if rk else p, recovery_key=rk or None,
                                        lock=False, read_only=True)
        except WrongSecret:
            if rk:
                raise InputError("Mã khôi phục không mở được bản sao lưu này: bản sao mở bằng mã khôi phục của sổ "
                                 "lúc tạo nó (nếu mã đã được làm mới sau đó, cần mã cũ).", "recovery_key") from None
            raise InputError("Mật khẩu này không mở được bản sao lưu. Bản sao lưu mở bằng mật khẩu của sổ LÚC TẠO "
                             "bản sao: nếu đã đổi mật khẩu sau đó, hãy nhập mật khẩu cũ — hoặc nhập mã khôi phục "
                             "ở ô dưới.", "passphrase") from None
        except DamagedFile as exc:
            raise InputError(f"Bản sao lưu này không dùng được: {exc.message}") from None
        except StoreError as exc:
            raise InputError(exc.message) from None
        st.close()
        same = bool(p) and not rk and self.app.reg.store.verify_passphrase(p)
        return p, rk, same


def removable_folders() -> list[str]:
    """Removable drives, via the exports module when it is installed."""
    try:
        from exports.usb import list_drives
    except ImportError:
        return []
    try:
        return [str(d.path) for d in list_drives()]
    except Exception:  # noqa: BLE001 - a drive list is a hint only
        return []


class SettingsPane(Pane):
    BINDINGS = [
        # short labels: every key of this page fits on an 80-column footer (F1 gives the long ones)
        Binding("e", "edit", "Sửa", id="settings.edit", tooltip="Sửa thông tin xã, người ký, quy định, tự khóa"),
        Binding("c", "add_category", "Thành phần", id="settings.category", tooltip="Thêm thành phần mới"),
        Binding("enter", "open", "Sửa", show=False, id="settings.open",
                tooltip="Sửa thành phần / khôi phục bản sao đang chọn"),
        Binding("p", "passphrase", "Mật khẩu", id="settings.passphrase", tooltip="Đổi mật khẩu của sổ"),
        Binding("b", "backup", "Sao lưu", id="settings.backup", tooltip="Tạo bản sao lưu mã hóa ngay"),
        Binding("o", "copy_out", "Ra USB", id="settings.copy", tooltip="Chép bản sao lưu mã hóa ra USB/thư mục"),
        Binding("r", "restore", "Khôi phục", id="settings.restore", tooltip="Khôi phục bản sao lưu đang chọn"),
        Binding("k", "renew_key", "Làm mới khóa khôi phục", show=False, id="settings.renew-key",
                tooltip="Cấp mã khôi phục mới; mã cũ hết hiệu lực"),
    ]
    help_text = ("Cài đặt của sổ. E: sửa thông tin xã, người ký, số thành viên tối thiểu/tối đa, thành phần bắt "
                 "buộc, thời gian tự khóa, ngôn ngữ, màu giao diện (sáng, tối, tương phản cao — lưu trên máy "
                 "này). C: thêm thành phần; Enter trên một thành phần để sửa. P: đổi mật khẩu. K: làm mới khóa "
                 "khôi phục (mã cũ hết hiệu lực). B: sao lưu ngay; O: chép bản sao ra USB; R: khôi phục bản sao "
                 "đang chọn (bằng mật khẩu lúc tạo bản sao, hoặc mã khôi phục).")

    def compose(self) -> ComposeResult:
        yield Static("", id="settings-summary")
        with Horizontal(id="settings-lists"):
            with Horizontal(classes="half"):
                yield LazyTable([Column("Mã", 11), Column("Thành phần"), Column("Dùng", 4)], id="categories-table")
            with Horizontal(classes="half"):
                yield LazyTable([Column("Lần", 5, "right"), Column("Lưu lúc", 16), Column("Loại")],
                                id="backups-table", empty_text="Chưa có bản sao lưu.")

    # -- reading: at once, even while the other tabs are read in the background ---------------------
    # After unlocking or a save the main screen reads every tab in the background, one read holding
    # the registry for seconds at 16× the province (the people list); a read of this page queued
    # behind it left the tab empty or out of date that long. So this page is read as soon as the
    # dashboard has its numbers (before the other tabs), and when the registry is busy it is drawn at
    # once from what is in memory, then again when the read gets the registry.
    def on_mount(self) -> None:
        self.call_after_refresh(self._read_early)

    def _read_early(self) -> None:
        if self.app.reg is None or self.app.locked or not hasattr(self.screen, "pane"):
            return
        self.screen.pane("tong-quan").when_loaded(self.ensure_loaded)

    def reload(self) -> None:
        reg, settings = self.app.reg, self.app.settings
        if reg is not None and settings is not None and getattr(self, "categories", None) is not None \
                and not self.app.locked:
            if reg.lock.acquire(blocking=False):
                reg.lock.release()
            else:  # a background read holds the registry: drawn now from memory, read when it is free
                self.show(self.from_memory(settings))
        super().reload()

    def from_memory(self, s):
        """The page's data without the registry: the settings the app holds, the categories last
        read, the backups from their file names, the fund rate from the settings."""
        from exports.fund import registry_policy

        return s, self.categories, quick_backups(self.app.reg.path), registry_policy(None, settings=s)[0].name

    def fetch(self):
        from exports.fund import registry_policy
        from models import services as S

        reg = self.app.reg
        with reg.read():  # one hold of the registry for the whole page
            s = S.get_settings(reg)
            cats = S.list_categories(reg, include_inactive=True)
        return s, cats, quick_backups(reg.path), registry_policy(reg, settings=s)[0].name

    def show(self, data) -> None:
        s, cats, backups, fund_name = data
        self.settings, self.categories, self.backups = s, cats, {str(b.path): b for b in backups}
        self.app.settings = s
        names = {c.code: c.name for c in cats}
        bodies = " / ".join(b for b in (s.issuing_body_parent.strip(), s.issuing_body.strip()) if b) or \
            tr_pair("(chưa ghi — nhấn E để ghi)", "(not set — press E)")
        self.query_one("#settings-summary", Static).update(
            f"[b]{tr('Đơn vị')}:[/b] {s.commune_kind.capitalize()} {s.commune}, {s.province}   "
            f"[b]{tr('Người ký')}:[/b] {s.signer_prefix} {s.signer_title} {s.signer_name}\n"
            f"[b]{tr('Cơ quan')}:[/b] {bodies}\n"
            f"[b]{tr('Tổ cấp thôn')}:[/b] {s.village_team_min}–{s.village_team_max} {tr('người')}; "
            f"[b]{tr('tổ cấp xã')}:[/b] {s.commune_team_min}–{s.commune_team_max} {tr('người')}\n"
            f"[b]{tr('Thành phần bắt buộc')}:[/b] "
            f"{', '.join(names.get(c, c) for c in s.required_categories) or tr('(không)')}\n"
            f"[b]{tr('Tự khóa sau')}:[/b] "
            f"{f'{s.auto_lock_minutes} ' + tr('phút') if s.auto_lock_minutes else tr('không tự khóa')}   "
            f"[b]{tr('Ngôn ngữ')}:[/b] {'English' if s.language == 'en' else 'Tiếng Việt'}   "
            f"[b]{tr_pair('Màu', 'Theme')}:[/b] {self.app.theme_label()}\n"
            f"{document_line(s)}\n"
            f"[b]{tr('Mức hỗ trợ kinh phí')}:[/b] {fund_name}   "
            f"[b]{tr('Tệp sổ')}:[/b] {self.app.path}")
        self.query_one("#categories-table", LazyTable).set_rows(
            [(c.code, c.name, tr("Có") if c.active else tr("Không")) for c in cats], [c.code for c in cats],
            keep_cursor=True)
        self.query_one("#backups-table", LazyTable).set_rows(
            [(b.generation, f"{b.saved_at.astimezone():%d/%m/%Y %H:%M}", tr(KIND_LABEL.get(b.kind, b.kind)))
             for b in backups], [str(b.path) for b in backups])

    def action_edit(self) -> None:
        form = SettingsForm(self.settings, [c for c in self.categories if c.active])

        def then(settings):
            from ..i18n import language, set_language

            theme = getattr(form, "theme", None)
            if theme and theme != self.app.theme:
                self.app.choose_theme(theme)
            if settings.language != language():
                set_language(settings.language)
                self.app.show_main_screen()  # built again, in the new language
            self.app.settings = settings
            self.reload()
        self.open_form(form, then)

    def action_add_category(self) -> None:
        self.open_form(CategoryForm())

    def action_open(self) -> None:
        focused = self.app.focused
        if focused is self.query_one("#backups-table"):
            self.action_restore()
        else:
            code = self.query_one("#categories-table", LazyTable).current_key
            cat = next((c for c in self.categories if c.code == code), None)
            if cat:
                self.open_form(CategoryForm(cat))

    @on(LazyTable.Selected)
    def _selected(self) -> None:
        self.action_open()

    def action_passphrase(self) -> None:
        def done(result) -> None:
            if not result:
                return
            self.app.notify("Đã đổi mật khẩu.")
            if isinstance(result, str):  # the recovery key could not be carried over: a new one, shown once
                from ..unlock import RecoveryKeyModal

                self.app.push_screen(RecoveryKeyModal(result))
        self.app.push_screen(PassphraseForm(), done)

    def action_renew_key(self) -> None:
        from ..unlock import RecoveryKeyModal

        def done(key) -> None:
            if not key:
                return
            self.app.show_notices()

            def confirmed(ok) -> None:
                if ok:
                    self.app.notify(tr_pair("Đã làm mới mã khôi phục; mã cũ không mở được sổ nữa.",
                                            "New recovery key in use; the old one no longer opens the registry."))
            self.app.push_screen(RecoveryKeyModal(key), confirmed)
        self.app.push_screen(RenewKeyForm(), done)

    def action_backup(self) -> None:
        from models import services as S

        reg = self.app.reg
        self.run_save(lambda: S.backup_now(reg), ok=f"Đã tạo bản sao lưu trong {reg.path.name}.backups")

    def action_copy_out(self) -> None:
        self.open_form(CopyToFolderForm(removable_folders()),
                       lambda target: self.app.notify(f"Đã chép bản sao lưu (mã hóa) ra {target}.", timeout=8))

    def action_restore(self) -> None:
        key = self.query_one("#backups-table", LazyTable).current_key
        if key is None:
            self.app.notify("Chọn một bản sao lưu trong danh sách bên phải trước.")
            return
        backup = self.backups[key]

        def go(result):
            if result:
                self.restore_worker(backup, *result)
        self.app.push_screen(RestoreForm(backup), go)

    @work(thread=True, exclusive=True, group="restore")
    def restore_worker(self, backup, passphrase: str, recovery_key: str = "", same: bool = True) -> None:
        from models.db import Registry
        from models.errors import StoreError
        from models.services import get_settings, log_event
        from models.store import restore_backup

        app = self.app
        path = app.reg.path
        app.call_from_thread(app.close_registry)
        problem = ""
        try:
            restore_backup(backup.path, path, passphrase=None if recovery_key else passphrase,
                           recovery_key=recovery_key or None)
        except StoreError as exc:
            problem = exc.message
        if recovery_key and not problem:
            # the file now opens with the backup's passphrase, which the clerk may not know: set a new one
            app.call_from_thread(self._set_new_passphrase, recovery_key, backup.generation)
            return
        try:
            reg = Registry.open(path, passphrase=passphrase, read_only=None)
        except StoreError:
            app.call_from_thread(self._back_to_unlock, problem or "Hãy mở lại sổ bằng mật khẩu hiện tại.")
            return
        if not problem:
            log_event(reg, "he_thong", "registry", f"Khôi phục bản sao lưu lần lưu {backup.generation}")
        settings = get_settings(reg)
        app.call_from_thread(self._reopened, reg, settings, problem, same)

    def _reopened(self, reg, settings, problem: str, same: bool = True) -> None:
        self.app.registry_opened(reg, settings)
        if problem:
            self.app.notify(f"Chưa khôi phục: {problem}", severity="error", timeout=10)
        elif not same:
            self.app.notify("Đã khôi phục bản sao lưu. Từ giờ sổ mở bằng mật khẩu của bản sao lưu đó (mật khẩu "
                            "cũ); nên đổi mật khẩu: Cài đặt → P.", severity="warning", timeout=15)
        else:
            self.app.notify("Đã khôi phục bản sao lưu.")

    def _set_new_passphrase(self, recovery_key: str, generation: int) -> None:
        from ..unlock import RecoverScreen, UnlockScreen

        self.app.switch_screen(UnlockScreen(self.app.path))
        self.app.push_screen(RecoverScreen(self.app.path, recovery_key, note=(
            f"Đã khôi phục bản sao lưu lần lưu {generation} bằng mã khôi phục. Sổ vừa khôi phục mở bằng mật khẩu "
            "của bản sao lưu đó: hãy đặt mật khẩu mới."),
            log_text=f"Khôi phục bản sao lưu lần lưu {generation} bằng mã khôi phục, đặt mật khẩu mới"))

    def _back_to_unlock(self, message: str) -> None:
        from ..unlock import UnlockScreen

        self.app.switch_screen(UnlockScreen(self.app.path))
        self.app.notify(message, severity="warning", timeout=10)
