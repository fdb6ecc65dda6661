"""Attendance of one course: pick members by village/team with check marks, bulk save."""

from __future__ import annotations

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.message import Message
from textual.screen import Screen
from textual.widgets import Header, Input, Select, Static

from models import text

from .forms import SCREEN_FOCUS_KEYS, KeysWaitForFocus
from .i18n import tr
from .widgets import Column, LazyTable, QuickFooter, short_team


class AttendanceLoaded(Message):
    def __init__(self, people, attending: set[int], teams, villages) -> None:
        super().__init__()
        self.people, self.attending, self.teams, self.villages = people, attending, teams, villages


class AttendanceSaved(Message):
    def __init__(self, count: int, error: str = "") -> None:
        super().__init__()
        self.count, self.error = count, error


class AttendanceScreen(KeysWaitForFocus, Screen):
    # the list takes the keys once it is read (Space typed while it loads marks the first people)
    AUTO_FOCUS = ""
    focus_pending = True
    BINDINGS = SCREEN_FOCUS_KEYS + [
        Binding("escape", "back", "Quay lại", id="attendance.back", tooltip="Về danh sách khóa tập huấn"),
        Binding("ctrl+s", "save", "Lưu", id="attendance.save", tooltip="Lưu danh sách người dự"),
        Binding("t", "whole_team", "Chọn cả tổ", id="attendance.team",
                tooltip="Đánh dấu mọi thành viên của tổ đang lọc (hoặc tổ của dòng đang chọn)"),
        Binding("x", "clear", "Bỏ hết", id="attendance.clear", tooltip="Bỏ mọi dấu chọn"),
    ]
    help_text = ("Điểm danh khóa tập huấn: lọc theo thôn hoặc tổ; Space đánh dấu (hoặc bỏ dấu) người đang chọn rồi "
                 "xuống dòng dưới — nhấn Space liền nhiều lần để đánh dấu những người liền nhau, ↓ để bỏ qua một "
                 "người; T chọn cả tổ, X bỏ chọn hết, rồi Ctrl+S để lưu một lần cho cả danh sách. Dòng đã đánh dấu "
                 "có «[x]».")

    def __init__(self, course) -> None:
        super().__init__()
        self.course = course
        self.people = []
        self.saved_ids: set[int] = set()

    def compose(self) -> ComposeResult:
        yield Header()
        with Vertical(id="attendance-body"):
            yield Static(f"[b]{self.course.title}[/b] — {text.format_date(self.course.start_date)}"
                         + (f" · {self.course.organiser}" if self.course.organiser else ""), id="attendance-head")
            with Horizontal(id="attendance-bar"):
                yield Select([], prompt=tr("Thôn/TDP"), id="att-village", compact=True)
                yield Select([], prompt=tr("Tổ"), id="att-team", compact=True)
                yield Input(placeholder=tr("Tìm tên…"), id="att-search", compact=True)
            yield Static("", id="attendance-count", classes="muted")
            yield LazyTable([Column("Họ và tên"), Column("Thôn/TDP", 18, grow=40), Column("Tổ", 20, grow=40)], checkable=True,
                            id="attendance-table", empty_text="Không có ai khớp bộ lọc.",
                            space_label="Chọn, xuống")
        yield QuickFooter()

    def on_mount(self) -> None:
        self.load_worker()

    @work(thread=True, exclusive=True, group="attendance-load")
    def load_worker(self) -> None:
        from models import services as S

        reg = self.app.reg
        people = S.list_people(reg)
        attending = {r.id for r in S.course_attendees(reg, self.course.id)}
        teams = S.list_teams(reg)
        members = {}
        for t in teams:
            members[t.id] = {m.person_id for m in S.team_detail(reg, t.id).members}
        self.post_message(AttendanceLoaded(people, attending, (teams, members), S.list_villages(reg)))

    def on_attendance_loaded(self, message: AttendanceLoaded) -> None:
        if self.app.locked:
            return
        # members and anyone already recorded (even if they have left since)
        self.people = [r for r in message.people if r.active or r.id in message.attending]
        self.teams, self.team_members = message.teams
        table = self.query_one(LazyTable)
        table.checked = set(message.attending)
        self.saved_ids = set(message.attending)
        self.query_one("#att-village", Select).set_options([(v.full_name, v.id) for v in message.villages])
        self.query_one("#att-team", Select).set_options([(t.name, t.id) for t in self.teams])
        self.apply_filter()
        self.focus_pending = False
        self.set_focus(table)

    def drop_data(self) -> None:
        self.query_one(LazyTable).set_rows([])

    def reload_visible(self) -> None:
        self.apply_filter()

    def _val(self, sel: str):
        v = self.query_one(sel, Select).value
        return None if v is Select.NULL else v

    @on(Select.Changed)
    @on(Input.Changed, "#att-search")
    def apply_filter(self) -> None:
        village, team = self._val("#att-village"), self._val("#att-team")
        q = text.fold(self.query_one("#att-search", Input).value)
        rows = self.people
        if village is not None:
            rows = [r for r in rows if r.village_id == village]
        if team is not None:
            ids = self.team_members.get(team, set())
            rows = [r for r in rows if r.id in ids]
        if q:
            rows = [r for r in rows if text.matches(q, r.search_key)]
        self.query_one(LazyTable).set_rows([(r.full_name, r.village_name, short_team(r.teams)) for r in rows],
                                           [r.id for r in rows])
        self._count()

    def _count(self) -> None:
        n = len(self.query_one(LazyTable).checked)
        changed = "" if self.query_one(LazyTable).checked == self.saved_ids else f" · [yellow]{tr('chưa lưu')}[/yellow]"
        self.query_one("#attendance-count", Static).update(f"{tr('Đã chọn {n} người').format(n=n)}{changed}")

    @on(LazyTable.Toggled)
    def _toggled(self) -> None:
        self._count()

    def action_whole_team(self) -> None:
        team = self._val("#att-team")
        table = self.query_one(LazyTable)
        if team is None:
            pid = table.current_key
            team = next((tid for tid, ids in self.team_members.items() if pid in ids), None)
        if team is None:
            self.app.notify("Chọn một tổ ở ô «Tổ» (hoặc đứng ở một người có tổ) rồi nhấn T.")
            return
        table.set_checked(self.team_members.get(team, set()))
        name = next((t.name for t in self.teams if t.id == team), "")
        self.app.notify(f"Đã chọn cả {name}.", timeout=3)
        self._count()

    def action_clear(self) -> None:
        table = self.query_one(LazyTable)
        table.checked = set()
        table.refresh()
        self._count()

    def action_save(self) -> None:
        self.save_worker(set(self.query_one(LazyTable).checked))

    @work(thread=True, exclusive=True, group="attendance-save")
    def save_worker(self, ids: set[int]) -> None:
        from models import services as S
        from models.errors import InputError, StoreError

        try:
            n = S.set_attendance(self.app.reg, self.course.id, ids)
        except (InputError, StoreError) as exc:
            self.post_message(AttendanceSaved(0, exc.message))
            return
        self.post_message(AttendanceSaved(n))

    def on_attendance_saved(self, message: AttendanceSaved) -> None:
        if message.error:
            self.app.notify(message.error, title="Chưa lưu", severity="error", timeout=10)
            return
        self.saved_ids = set(self.query_one(LazyTable).checked)
        self.app.data_changed()
        self._count()
        self.app.notify(f"Đã lưu điểm danh: {message.count} người dự «{self.course.title}».", timeout=4)

    def action_back(self) -> None:
        from .forms import ConfirmModal

        if self.query_one(LazyTable).checked != self.saved_ids:
            self.app.push_screen(ConfirmModal("Danh sách điểm danh chưa được lưu. Bỏ các thay đổi và quay lại?",
                                              yes="Bỏ thay đổi", no="Ở lại"),
                                 lambda yes: yes and self.app.pop_screen())
            return
        self.app.pop_screen()
