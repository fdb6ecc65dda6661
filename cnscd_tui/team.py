"""A team's page: decisions, members (role, category), compliance, departures."""

from __future__ import annotations

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.message import Message
from textual.screen import Screen
from textual.widgets import Header, Input, Label, Static

from models import text

from .forms import SCREEN_FOCUS_KEYS, KeysAtOnce, KeysWaitForFocus, Modal, key_at_once
from .i18n import tr, tr_count, tr_pair
from .widgets import Column, LazyTable, QuickFooter, short_team


def sentence(s: str) -> str:
    """``s`` with a capital first letter (a finding shown after another one's full stop)."""
    return s[:1].upper() + s[1:]


class TeamLoaded(Message):
    def __init__(self, detail, categories) -> None:
        super().__init__()
        self.detail, self.categories = detail, categories


class VillagesLoaded(Message):
    """The village list the person form needs (read after the page is shown: a province has 1,240)."""

    def __init__(self, villages) -> None:
        super().__init__()
        self.villages = villages


class TeamScreen(KeysAtOnce, KeysWaitForFocus, Screen):
    BINDINGS = SCREEN_FOCUS_KEYS + [
        Binding("escape", "back", "Quay lại", id="team.back", tooltip="Về danh sách thôn và tổ"),
        # at once: the name typed right after A reaches the search box of the window it opens
        key_at_once("a", "add_member", "Thêm", id="team.add",
                    tooltip="Thêm người vào tổ (tìm người có sẵn trước, tránh trùng)"),
        # Enter on a member does the same; the footer shows it once
        Binding("e", "role", "Vai trò", show=False, id="team.role", tooltip="Đổi vai trò, thành phần, chức vụ khác"),
        Binding("l", "leave", "Rời tổ", id="team.leave", tooltip="Ghi người đang chọn rời tổ (ngày, lý do)"),
        Binding("p", "person", "Hồ sơ", id="team.person", tooltip="Mở hồ sơ người đang chọn"),
        Binding("k", "reform", "Kiện toàn", id="team.reform", tooltip="Kiện toàn tổ theo quyết định mới"),
    ]
    help_text = ("Trang của một Tổ CNSCĐ: các quyết định thành lập/kiện toàn, thành viên đang tham gia (vai trò, "
                 "thành phần), tình trạng đạt/chưa đạt, và những người đã rời tổ (lịch sử giữ nguyên). A: thêm "
                 "thành viên; E: đổi vai trò/thành phần; L: rời tổ; P: hồ sơ; K: kiện toàn theo quyết định mới.")

    def __init__(self, team_id: int) -> None:
        super().__init__()
        self.team_id = team_id
        self.detail = None
        self.villages = None  # read after the page is drawn
        self._want_villages: list = []  # forms waiting for them

    def compose(self) -> ComposeResult:
        yield Header()
        with Vertical(id="team-body"):
            yield Static("Đang đọc…", id="team-head")
            yield Static("", id="team-status")
            yield LazyTable([Column("Họ và tên"), Column("Vai trò", 10), Column("Thành phần", 22, grow=36), Column("NS", 4),
                             Column("Số điện thoại", 13), Column("TH", 3)], id="members-table", enter_label="Vai trò",
                            empty_text="Tổ chưa có thành viên. Nhấn A để thêm.")
            yield Label(tr("Đã rời tổ (lịch sử)"), classes="section")
            yield LazyTable([Column("Họ và tên"), Column("Vai trò", 10), Column("Rời ngày", 10), Column("Lý do", 24, grow=60)],
                            id="former-table", empty_text="Chưa ai rời tổ.")
        yield QuickFooter()

    def on_mount(self) -> None:
        self.reload()

    def reload(self) -> None:
        self.load_worker()

    reload_visible = reload

    def drop_data(self) -> None:
        for t in self.query(LazyTable):
            t.set_rows([])
        self.query_one("#team-head", Static).update("")
        self.query_one("#team-status", Static).update("")

    @work(thread=True, exclusive=True, group="team-load")
    def load_worker(self) -> None:
        from models import services as S

        reg = self.app.reg
        self.post_message(TeamLoaded(S.team_detail(reg, self.team_id), S.list_categories(reg)))
        self.post_message(VillagesLoaded(S.list_villages(reg)))

    def on_villages_loaded(self, message: VillagesLoaded) -> None:
        self.villages = message.villages
        waiting, self._want_villages = self._want_villages, []
        for fn in waiting:
            fn()

    def _with_villages(self, fn) -> None:
        """Run ``fn`` now if the village list is here, else as soon as it arrives."""
        if self.villages is not None:
            fn()
        else:
            self._want_villages.append(fn)

    def on_team_loaded(self, message: TeamLoaded) -> None:
        if self.app.locked:
            return
        d = self.detail = message.detail
        self.categories = message.categories
        t = d.team
        decs = "; ".join(f"{x.kind_label} {x.number} ngày {text.format_date(x.date) if x.date else '?'}"
                         + (f" ({x.issuer})" if x.issuer else "") for x in d.decisions) or tr("chưa ghi quyết định")
        self.query_one("#team-head", Static).update(
            f"[b]{t.name}[/b] — {t.unit_name} · {tr_count(len(d.members), 'thành viên')}\n{tr('Quyết định')}: {decs}")
        c = d.compliance
        if c.status == "dat":
            status = (f"[green]✓ {tr('Đạt yêu cầu')}[/green] ({c.size_min}–{c.size_max} {tr('người')}, "
                      f"{tr('đủ thành phần bắt buộc')})")
        else:
            colour = "red" if c.status == "loi" else "yellow"
            # each finding without the team's name, as a sentence of its own («… tối thiểu 5. Thiếu thành phần …»)
            msgs = " ".join(sentence(tr_pair(f.message, f.message_en).split(": ", 1)[-1]) for f in c.findings)
            status = f"[{colour}]{'✗ ' + tr('Chưa đạt') if c.status == 'loi' else '▲ ' + tr('Cần lưu ý')}:[/{colour}] {msgs}"
        self.query_one("#team-status", Static).update(status)
        self.query_one("#members-table", LazyTable).set_rows(
            [(m.full_name, m.role_label, m.category_name, m.birth_year or "", m.phone,
              "✓" if m.trained_this_year else "") for m in d.members],
            [m.membership_id for m in d.members], keep_cursor=True)
        self.query_one("#former-table", LazyTable).set_rows(
            [(m.full_name, m.role_label, text.format_date(m.end_date), m.leave_reason) for m in d.former_members],
            [m.membership_id for m in d.former_members])
        self.app.sub_title = t.name

    def _member(self):
        if not self.detail:
            return None
        key = self.query_one("#members-table", LazyTable).current_key
        return next((m for m in self.detail.members if m.membership_id == key), None)

    def _after_save(self, result, message: str = "Đã lưu.") -> None:
        if result is None:
            return
        self.app.data_changed()
        self.reload()
        self.app.notify(message, timeout=3)

    def action_back(self) -> None:
        self.app.pop_screen()

    def action_add_member(self) -> None:
        if not self.detail:
            return

        def picked(choice):
            if choice is None:
                return
            if choice[0] == "created":  # a new person, in this team already (the picker's Ctrl+N)
                if choice[1] is not None:
                    self._after_save(choice[1], f"Đã thêm {choice[1][0].full_name} vào tổ.")
            else:
                self._membership_form(*choice)
        self.app.push_screen(PersonPicker(self._new_person_form), picked)

    def _new_person_form(self, search: Input):
        """The new-person form for this team: the name typed in the picker's search, the team's
        village; category, role and position in the same form (no second window)."""
        from .editors import PersonForm

        if self.villages is None:
            return None
        t = self.detail.team
        return PersonForm(self.villages, village_id=t.unit_id if t.level == "thon" else None,
                          categories=self.categories, team=(t.id, t.name), name_from=search,
                          on_added=lambda _r: self._reload_after_add())

    def _reload_after_add(self) -> None:
        """One saved with «save and add another» (the form says so): the members list shows it."""
        self.app.data_changed()
        self.reload()

    def _membership_form(self, person_id: int, name: str) -> None:
        from .editors import MemberForm

        self.app.push_screen(MemberForm(self.team_id, name, self.categories, person_id=person_id),
                             lambda r: self._after_save(r, f"Đã đưa {name} vào tổ."))

    @on(LazyTable.Selected, "#members-table")
    def action_role(self) -> None:
        from .editors import MemberForm

        m = self._member()
        if m:
            self.app.push_screen(MemberForm(self.team_id, m.full_name, self.categories, member=m), self._after_save)

    def action_leave(self) -> None:
        from .editors import LeaveForm

        m = self._member()
        if m:
            self.app.push_screen(LeaveForm(m), lambda r: self._after_save(r, f"Đã ghi {m.full_name} rời tổ."))

    def action_person(self) -> None:
        m = self._member()
        if m:
            self.person_worker(m.person_id)

    @work(thread=True, exclusive=True, group="team-person")
    def person_worker(self, person_id: int) -> None:
        from models import services as S

        detail = S.person_detail(self.app.reg, person_id)
        self.app.call_from_thread(self._person_form, detail)

    def _person_form(self, detail) -> None:
        from .editors import PersonForm

        self._with_villages(lambda: self.app.push_screen(PersonForm(self.villages, detail), self._after_save))

    def action_reform(self) -> None:
        from .editors import TeamForm

        if self.detail:
            t = self.detail.team
            self.app.push_screen(TeamForm(t.unit_id, t.unit_name, team_id=t.id),
                                 lambda r: self._after_save(r, "Đã ghi quyết định kiện toàn."))

    def palette_commands(self):
        return [("Thêm thành viên", "Thêm người vào tổ này", self.action_add_member),
                ("Kiện toàn tổ", "Ghi quyết định kiện toàn", self.action_reform),
                ("Quay lại", "Về danh sách thôn và tổ", self.action_back)]


class PickerLoaded(Message):
    def __init__(self, rows) -> None:
        super().__init__()
        self.rows = rows


class PersonPicker(Modal):
    """Search the registry first so the same person is not entered twice."""

    BINDINGS = [
        Binding("escape", "cancel", "Hủy", id="picker.cancel", tooltip="Đóng, không thêm ai"),
        # at once: the keys typed after Ctrl+N reach the new-person form
        Binding("ctrl+n", "new", "Người mới", priority=True, id="picker.new",
                tooltip="Không tìm thấy: nhập người mới (tên đang gõ được đưa vào biểu mẫu)"),
    ]
    help_text = ("Gõ tên (không cần dấu) để tìm người đã có trong sổ; chọn bằng Enter. Không có thì Ctrl+N để "
                 "nhập người mới: tên đang gõ được đưa vào biểu mẫu; thành phần, vai trò chọn ngay trong đó.")

    def __init__(self, new_form=None) -> None:
        super().__init__()
        self.new_form = new_form  # search box → the new-person form (None: not ready)

    def compose(self) -> ComposeResult:
        with Vertical(id="form-box"):
            yield Label(tr("Thêm thành viên — tìm người đã có trong sổ trước"), id="form-title")
            yield Input(placeholder=tr("Gõ họ tên, không cần dấu…"), id="picker-search")
            yield LazyTable([Column("Họ và tên"), Column("NS", 4), Column("Thôn/TDP", 18, grow=40), Column("Đang ở tổ", 18, grow=40)],
                            id="picker-table", enter_label="Chọn người này", empty_text="Không thấy ai. Nhấn Ctrl+N để nhập người mới.")
            yield Static(tr("Enter: chọn người này · Ctrl+N: người mới · Esc: hủy · F1: trợ giúp"), classes="muted")

    def on_mount(self) -> None:
        self.rows = []
        self.set_focus(self.query_one("#picker-search"))
        self.load_worker()

    @work(thread=True, exclusive=True, group="picker")
    def load_worker(self) -> None:
        from models import services as S

        self.post_message(PickerLoaded(S.list_people(self.app.reg)))

    def on_picker_loaded(self, message: PickerLoaded) -> None:
        self.rows = message.rows
        self._filter()

    @on(Input.Changed, "#picker-search")
    def _filter(self) -> None:
        from models.services import filter_people

        q = self.query_one("#picker-search", Input).value
        rows = filter_people(self.rows, query=q) if q else self.rows
        self.shown = {r.id: r for r in rows}
        self.query_one(LazyTable).set_rows([(r.full_name, r.birth_year or "", r.village_name, short_team(r.teams))
                                            for r in rows],
                                           [r.id for r in rows])

    @on(Input.Submitted, "#picker-search")
    def _submit(self) -> None:
        t = self.query_one(LazyTable)
        if t.row_count:
            t.focus()

    @on(LazyTable.Selected)
    def _picked(self, event: LazyTable.Selected) -> None:
        r = self.shown.get(event.key)
        if r:
            self.dismiss((r.id, r.full_name))

    def action_new(self) -> None:
        form = self.new_form(self.query_one("#picker-search", Input)) if self.new_form else None
        if form is None:
            self.app.notify(tr("Đang đọc danh sách thôn, thử lại sau giây lát."), timeout=3)
            return
        # over this window: Esc in the form comes back to the search
        self.app.push_screen(form, lambda r: (r is not None or form.added) and self.dismiss(("created", r)))

    def action_cancel(self) -> None:
        self.dismiss(None)
