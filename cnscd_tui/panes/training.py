"""Tập huấn (F5): the year's courses (Enter: attendance) and who is not trained yet."""

from __future__ import annotations

import datetime as dt

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal
from textual.widgets import Label, Select, Static

from models import text

from ..i18n import tr, tr_count
from ..forms import FOCUS_KEYS, KeysAtOnce, key_at_once
from ..widgets import Column, LazyTable, short_team
from .base import Pane


class TrainingPane(KeysAtOnce, Pane):
    # «A» opens its form at once: the keys typed after it land in the form; Tab moves at once
    BINDINGS = FOCUS_KEYS + [
        # Enter on a course does the same; the footer shows it once
        Binding("p", "attendance", "Điểm danh", show=False, id="training.attendance",
                tooltip="Chọn những người đã dự khóa này"),
        key_at_once("a", "add", "Thêm", id="training.add", tooltip="Thêm khóa tập huấn"),
        Binding("e", "edit", "Sửa", id="training.edit", tooltip="Sửa khóa đang chọn"),
        Binding("d", "delete", "Xóa", id="training.delete", tooltip="Xóa khóa nhập nhầm (hỏi xác nhận)"),
        Binding("u", "untrained", "Chưa tập huấn", id="training.untrained",
                tooltip="Danh sách thành viên chưa được tập huấn năm đang xem"),
    ]
    help_text = ("Các khóa tập huấn theo năm. A: thêm khóa (chủ đề, hình thức, đơn vị tổ chức, số giờ); Enter: "
                 "điểm danh — chọn người theo thôn/tổ, Space đánh dấu rồi xuống dòng dưới, T chọn cả tổ, Ctrl+S lưu; U: xem ai chưa "
                 "được tập huấn năm nay.")

    def compose(self) -> ComposeResult:
        with Horizontal(id="training-bar"):
            year = dt.date.today().year
            yield Select([(str(y), y) for y in range(year, year - 6, -1)], value=year, id="training-year",
                         compact=True, allow_blank=False)
            yield Static("", id="training-count", classes="muted")
        yield LazyTable([Column("Ngày", 10), Column("Tên khóa"), Column("Đơn vị tổ chức", 16, grow=40), Column("Hình thức", 10),
                         Column("Giờ", 4, "right"), Column("Người", 6, "right")], id="courses-table", enter_label="Điểm danh",
                        empty_text="Chưa có khóa tập huấn nào trong năm. Nhấn A để thêm.")
        yield Label("", id="untrained-title", classes="section hidden")
        yield LazyTable([Column("Họ và tên"), Column("Thôn/TDP", 20, grow=40), Column("Tổ", 20, grow=40), Column("Số điện thoại", 13)],
                        id="untrained-table", enter_label="Hồ sơ", classes="hidden", empty_text="Mọi thành viên đã được tập huấn.")

    year = dt.date.today().year  # the year on view (the year box)

    def fetch_params(self) -> int:
        return self.year

    def fetch(self, year: int):
        from models import services as S

        reg = self.app.reg
        courses, untrained = S.list_courses(reg, year=year), S.untrained_members(reg, year)
        # the lines made here, off the screen's thread (at 16× the province tens of thousands of people)
        course_lines = [(text.format_date(c.start_date), c.title, c.organiser, c.form_label, text.format_hours(c.hours),
                         c.attendee_count) for c in courses]
        untrained_lines = [(r.full_name, r.village_name, short_team(r.teams), r.phone) for r in untrained]
        title = tr("Chưa được tập huấn năm {year}: {people} (Enter: mở hồ sơ)").format(
            year=year, people=tr_count(len(untrained), "người"))
        count = (f"{tr_count(len(courses), 'khóa')} · "
                 f"{tr_count(sum(c.attendee_count or 0 for c in courses), 'lượt người dự')}")
        return courses, untrained, course_lines, untrained_lines, title, count

    def show(self, data) -> None:
        courses, untrained, course_lines, untrained_lines, title, count = data
        self.courses = {c.id: c for c in courses}
        self.query_one("#courses-table", LazyTable).set_rows(course_lines, [c.id for c in courses], keep_cursor=True)
        self.query_one("#untrained-table", LazyTable).set_rows(untrained_lines, [r.id for r in untrained])
        self.query_one("#untrained-title", Label).update(title)
        self.query_one("#training-count", Static).update(count)

    @on(Select.Changed, "#training-year")
    def _year(self, event: Select.Changed) -> None:
        if event.value is not Select.NULL:
            self.year = int(event.value)
            self.reload()

    def _course(self):
        key = self.query_one("#courses-table", LazyTable).current_key
        return self.courses.get(key) if key is not None else None

    @on(LazyTable.Selected, "#courses-table")
    def action_attendance(self) -> None:
        c = self._course()
        if c:
            self.screen.open_attendance(c)

    @on(LazyTable.Selected, "#untrained-table")
    def _open_person(self, event: LazyTable.Selected) -> None:
        self.screen.open_person(event.key)

    def action_add(self) -> None:
        from ..editors import CourseForm

        self.open_form(CourseForm(), lambda c: self.screen.open_attendance(c))

    def action_edit(self) -> None:
        from ..editors import CourseForm

        c = self._course()
        if c:
            self.open_form(CourseForm(c))

    def action_delete(self) -> None:
        from models import services as S

        c = self._course()
        if c:
            reg = self.app.reg
            self.confirm_delete(f"Xóa khóa «{c.title}» ({text.format_date(c.start_date)}) cùng danh sách "
                                f"{c.attendee_count or 0} người dự? Chỉ dùng khi nhập nhầm.",
                                lambda: S.delete_course(reg, c.id))

    def action_untrained(self) -> None:
        t = self.query_one("#untrained-table", LazyTable)
        show = t.has_class("hidden")
        t.set_class(not show, "hidden")
        self.query_one("#untrained-title").set_class(not show, "hidden")
        self.query_one("#courses-table").set_class(show, "hidden")
        (t if show else self.query_one("#courses-table")).focus()

    def show_untrained(self) -> None:
        if self.query_one("#untrained-table").has_class("hidden"):
            self.action_untrained()
