"""Hoạt động (F10): what the teams did — the month grid (team × service, people and
households, typed fast and saved with Ctrl+S), progress per village against the targets, the
residents' needs and difficulties, the duty rota at the support point, and each village's
households and residents per year (the denominators of every share).

Everything the tab shows is read in one worker for the month chosen (``fetch(month)``);
saving goes through ``models.activities`` in a worker too. Counts only: no resident's name
or ID is ever typed here."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.message import Message
from textual.widgets import ContentSwitcher, Select, Static

from models import text

from ..activity_grid import ActivityGrid, team_head
from ..i18n import language, tr_pair
from ..widgets import Column, LazyTable
from .base import Pane

# view id, key, Vietnamese, English
VIEWS = [
    ("luoi", "b", "Bảng nhập", "Grid"),
    ("tien-do", "t", "Tiến độ", "Progress"),
    ("nhu-cau", "n", "Nhu cầu", "Needs"),
    ("lich-truc", "l", "Lịch trực", "Duty rota"),
    ("so-ho", "h", "Số hộ", "Households"),
]
VIEW_TIPS = {
    "luoi": "Bảng nhập số người, số hộ được hỗ trợ của từng tổ theo dịch vụ trong tháng",
    "tien-do": "Tỷ lệ đã đạt của từng thôn so với chỉ tiêu năm",
    "nhu-cau": "Nhu cầu, khó khăn của người dân các tổ ghi lại",
    "lich-truc": "Lịch trực tại điểm hỗ trợ theo thứ trong tuần",
    "so-ho": "Số hộ, số dân, người trong độ tuổi lao động, hộ kinh doanh của từng thôn theo năm",
}
MONTHS_BACK = 24
METRIC_TITLES = {"ho_dan": ("Hộ dân", "Househ."), "lao_dong": ("Lao động", "Working"),
                 "ho_kinh_doanh": ("Hộ KD", "Business"), "ho_so": ("Hồ sơ TT", "Dossiers"),
                 "lua_dao": ("Lừa đảo", "Fraud")}
MARK_MET, MARK_BEHIND = "✓", "▼"
# the denominators' columns, in activities.DENOMINATORS order: Vietnamese, English, width
DEN_COLUMNS = [("Số hộ", "Househ.", 7), ("Số dân", "Resid.", 8), ("Tuổi LĐ", "Working", 8), ("Hộ KD", "Busin.", 7),
               ("Hồ sơ", "Dossiers", 8)]
# the views where a key applies (the footer shows only those)
ACTION_VIEWS = {"save": {"luoi"}, "drop": {"luoi"}, "add": {"lich-truc"}, "delete": {"lich-truc"},
                "edit": {"tien-do", "so-ho"}, "targets": {"tien-do"}}


def empty_grid_text() -> str:
    return tr_pair("Chưa có tổ nào đang hoạt động.", "No active team.")


def month_options(today: dt.date | None = None) -> list[tuple[str, str]]:
    today = today or dt.date.today()
    y, m = today.year, today.month
    out = []
    for _ in range(MONTHS_BACK):
        out.append((tr_pair(f"Tháng {m:02d}/{y}", f"{y}-{m:02d}"), f"{y:04d}-{m:02d}"))
        y, m = (y - 1, 12) if m == 1 else (y, m - 1)
    return out


def default_month(today: dt.date | None = None) -> str:
    """The month just ended: what team leaders report at the start of a month."""
    return month_options(today)[1][1]


def target_text(t) -> str:
    """«70%», «trên 50%» («above 50%»)."""
    from models.activity_targets import pct_text

    shown = pct_text(t.percent) if language() != "en" else pct_text(t.percent).replace(",", ".")
    return (tr_pair("trên ", "above ") if t.strict else "") + shown


def month_text(month: str) -> str:
    return tr_pair(f"tháng {month[5:7]}/{month[:4]}", month)


@dataclass(frozen=True)
class ActivityData:
    month: str
    grid: Any  # activities.MonthGrid
    progress: Any  # activities.Progress
    needs: list
    rota: Any  # activities.MonthRota
    slots: list
    dens: Any  # activities.DenominatorTable
    saturday: bool


class GridSaved(Message):
    def __init__(self, teams: int, month: str) -> None:
        super().__init__()
        self.teams, self.month = teams, month


class GridSaveFailed(Message):
    def __init__(self, errors: list, message: str) -> None:
        super().__init__()
        self.errors, self.message = errors, message


class ActivitiesPane(Pane):
    BINDINGS = [
        Binding("ctrl+s", "save", "Lưu", id="activities.save", tooltip="Lưu các ô đã sửa của bảng nhập tháng"),
        Binding("m", "month", "Tháng", id="activities.month", tooltip="Chọn tháng"),
        Binding("e", "edit", "Sửa số hộ", id="activities.edit",
                tooltip="Sửa số hộ, số dân của thôn đang chọn (năm của tháng đang xem)"),
        Binding("c", "targets", "Chỉ tiêu", id="activities.targets", tooltip="Sửa chỉ tiêu hoạt động"),
        Binding("a", "add", "Thêm", id="activities.add", tooltip="Thêm người vào lịch trực"),
        Binding("d", "delete", "Xóa", id="activities.delete", tooltip="Xóa ca trực đang chọn (hỏi xác nhận)"),
        Binding("x", "drop", "Bỏ thay đổi", show=False, id="activities.drop",
                tooltip="Bỏ mọi ô đã sửa mà chưa lưu (hỏi xác nhận)"),
    ] + [Binding(key, f"view('{vid}')", vi, show=False, id=f"activities.view-{vid}", tooltip=VIEW_TIPS[vid])
         for vid, key, vi, _en in VIEWS]
    help_text = ("Hoạt động của các tổ theo tháng. B: bảng nhập — mỗi tổ hai dòng (số người, số hộ), mỗi dịch vụ "
                 "một cột; gõ số thẳng vào ô, mũi tên/Tab/Enter để sang ô khác, Backspace xóa một chữ số, Delete "
                 "xóa ô, Esc bỏ số đang gõ; Ctrl+S lưu (ô đã sửa có dấu *, ô lỗi có dấu !), X bỏ các ô chưa lưu. "
                 "M: chọn tháng. T: tiến độ từng thôn so với mục tiêu (✓ đạt, ▼ chưa đạt; «chưa có» khi thiếu số "
                 "hộ/số dân), E: sửa số hộ của thôn, C: sửa chỉ tiêu. N: nhu cầu, khó khăn người dân (Enter để xem "
                 "đủ). L: lịch trực tại điểm hỗ trợ (A thêm, D xóa). H: số hộ, số dân từng thôn theo năm (Enter "
                 "hoặc E để sửa; tổng của xã tự tính).")

    month = default_month()
    view = "luoi"
    data: ActivityData | None = None

    def compose(self) -> ComposeResult:
        with Horizontal(id="act-bar"):
            yield Select(month_options(), value=self.month, id="act-month", compact=True, allow_blank=False)
            yield Static("", id="act-views")
        with ContentSwitcher(initial="act-luoi", id="act-switch"):
            with Vertical(id="act-luoi"):
                yield ActivityGrid(id="act-grid", empty_text=empty_grid_text())
                yield Static("", id="act-cell")
                yield Static("", id="act-msg", classes="-empty")
            with Vertical(id="act-tien-do"):
                yield Static("", id="act-targets")
                yield LazyTable([Column(tr_pair("Thôn/TDP", "Village"))]
                                + [Column(tr_pair(*METRIC_TITLES[m]), 9, "right") for m in METRIC_TITLES],
                                id="act-progress-table", empty_text=tr_pair("Chưa có thôn nào.", "No village yet."))
                yield Static("", id="act-progress-detail")
            with Vertical(id="act-nhu-cau"):
                yield Static("", id="act-needs-info")
                yield LazyTable([Column(tr_pair("Tháng", "Month"), 7), Column(tr_pair("Thôn/TDP", "Village"), 16,
                                                                                 grow=28),
                                 Column(tr_pair("Nhu cầu, khó khăn", "Needs and difficulties"))],
                                id="act-needs-table", enter_label=tr_pair("Xem", "Read"),
                                empty_text=tr_pair("Chưa có nhu cầu, khó khăn nào được ghi lại.",
                                                   "No needs or difficulties noted yet."))
            with Vertical(id="act-lich-truc"):
                yield Static("", id="act-rota-info")
                yield LazyTable([Column(tr_pair("Thứ", "Day"), 8), Column(tr_pair("Ca", "Shift"), 8),
                                 Column(tr_pair("Họ và tên", "Full name")), Column(tr_pair("Tổ", "Team"), 14, grow=32),
                                 Column(tr_pair("Điện thoại", "Phone"), 12), Column(tr_pair("Ghi chú", "Note"), 12)],
                                id="act-rota-table", empty_text=tr_pair("Chưa có ai trong lịch trực. Nhấn A để thêm.",
                                                                        "Nobody on the rota yet. Press A to add."))
            with Vertical(id="act-so-ho"):
                yield Static("", id="act-dens-info")
                yield LazyTable([Column(tr_pair("Thôn/TDP", "Village"))]
                                + [Column(tr_pair(vi, en), w, "right") for vi, en, w in DEN_COLUMNS]
                                + [Column(tr_pair("Ghi chú", "Note"), 11)],
                                id="act-dens-table", empty_text=tr_pair("Chưa có thôn nào.", "No village yet."))

    def on_mount(self) -> None:
        self._views_line()

    # -- reading -----------------------------------------------------------------------
    def fetch_params(self) -> str:
        return self.month

    def fetch(self, month: str) -> ActivityData:
        from models import activities as A

        reg = self.app.reg
        year = int(month[:4])
        return ActivityData(month, A.month_grid(reg, month), A.progress(reg, end=month),
                            A.needs_between(reg, f"{year:04d}-01", month), A.month_rota(reg, month),
                            A.list_duty_rota(reg), A.list_denominators(reg, year),
                            A.get_activity_settings(reg).saturday)

    def show(self, data: ActivityData) -> None:
        if data.month != self.month:
            return  # the clerk chose another month meanwhile; that read is on its way
        self.data = data
        self.grid.empty_text = empty_grid_text()
        self.grid.set_grid(data.grid.services, data.grid.rows)
        self._cell_line()
        self._show_progress(data)
        self._show_needs(data)
        self._show_rota(data)
        self._show_dens(data)

    def clear(self) -> None:
        super().clear()
        self.data = None
        self.grid.clear()  # what was typed stays (counts only), shown again after unlocking
        self._say("")
        for sel in ("#act-cell", "#act-targets", "#act-progress-detail", "#act-needs-info",
                    "#act-rota-info", "#act-dens-info"):
            self.query_one(sel, Static).update("")

    @property
    def grid(self) -> ActivityGrid:
        return self.query_one("#act-grid", ActivityGrid)

    def unsaved_work(self) -> str:
        """What would be lost by quitting ("" when nothing)."""
        n = self.grid.changed
        return tr_pair(f"Bảng nhập hoạt động {month_text(self.month)} còn {n} ô chưa lưu.",
                       f"The activity grid for {self.month} has {n} unsaved cells.") if n else ""

    # -- views -------------------------------------------------------------------------
    def _views_line(self) -> None:
        parts = []
        for vid, key, vi, en in VIEWS:
            label = f"{key.upper()} {tr_pair(vi, en)}"
            parts.append(f"[b reverse]▶{label}◀[/]" if vid == self.view else f" {label} ")
        self.query_one("#act-views", Static).update(" ".join(parts))

    def action_view(self, vid: str) -> None:
        if vid == self.view:
            self.focus_first()
            return
        self.grid.commit()
        self.view = vid
        self.query_one("#act-switch", ContentSwitcher).current = f"act-{vid}"
        self._views_line()
        self.refresh_bindings()
        self.focus_first()

    def focus_first(self) -> None:
        target = {"luoi": "#act-grid", "tien-do": "#act-progress-table", "nhu-cau": "#act-needs-table",
                  "lich-truc": "#act-rota-table", "so-ho": "#act-dens-table"}[self.view]
        self.screen.set_focus(self.query_one(target), scroll_visible=False)  # now: the keys typed next go there

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        views = ACTION_VIEWS.get(action)
        return views is None or self.view in views

    def show_unit(self, unit_id: int, view: str = "tien-do") -> None:
        """The village in the progress (or households) view — the dashboard's Enter."""
        self.action_view(view)
        table = self.query_one("#act-progress-table" if view == "tien-do" else "#act-dens-table", LazyTable)
        if unit_id in table.keys:
            table.cursor = table.keys.index(unit_id)
        table.focus()

    # -- the month ---------------------------------------------------------------------
    def action_month(self) -> None:
        sel = self.query_one("#act-month", Select)
        sel.focus()
        sel.action_show_overlay()

    @on(Select.Changed, "#act-month")
    def _month_chosen(self, event: Select.Changed) -> None:
        month = event.value
        if month is Select.NULL or month == self.month:
            return
        n = self.grid.changed
        if not n:
            self.set_month(str(month))
            return
        from ..forms import ConfirmModal

        def done(yes) -> None:
            if yes:
                self.grid.drop_changes()
                self.set_month(str(month))
            else:
                with event.select.prevent(Select.Changed):
                    event.select.value = self.month
        self.app.push_screen(ConfirmModal(tr_pair(
            f"Bảng nhập {month_text(self.month)} còn {n} ô chưa lưu. Đổi tháng và bỏ các ô đó?",
            f"The grid for {self.month} has {n} unsaved cells. Change month and drop them?"),
            yes="Có, bỏ các ô đó", no="Không, ở lại"), done)

    def set_month(self, month: str) -> None:
        self.month = month
        sel = self.query_one("#act-month", Select)
        if sel.value != month and any(v == month for _, v in month_options()):
            with sel.prevent(Select.Changed):
                sel.value = month
        self._say("")
        self.grid.empty_text = tr_pair(f"Đang đọc số liệu {month_text(month)}…", f"Reading {month}…")
        self.grid.clear()  # nothing of the month before is typed into by mistake
        self.reload()
        self.focus_first()

    # -- the grid --------------------------------------------------------------------
    _refusal_shown = False

    @on(ActivityGrid.Moved)
    def _cell_line(self) -> None:
        if self._refusal_shown:  # a refused key is said until the next move (a save's errors stay)
            self._refusal_shown = False
            self._say("")
        grid = self.grid
        info = grid.info()
        row = info["row"]
        if row is None:
            self.query_one("#act-cell", Static).update("")
            return
        bits = [tr_pair(f"đã lưu: {text.format_int(info['original'])}",
                        f"saved: {text.format_int(info['original'])}")]
        if row.households_cap is not None:
            bits.append(tr_pair(f"số hộ của thôn: {text.format_int(row.households_cap)}",
                                f"village households: {text.format_int(row.households_cap)}"))
        if row.day_people:
            bits.append(tr_pair(f"{text.format_int(row.day_people)} lượt người ghi theo ngày (không ở bảng này)",
                                f"{text.format_int(row.day_people)} people in day records (not in this grid)"))
        n = grid.changed
        if n:
            bits.append(tr_pair(f"[b]{n} ô chưa lưu (*): Ctrl+S lưu[/b]", f"[b]{n} unsaved (*): Ctrl+S saves[/b]"))
        second = f"[b]! {info['error']}[/b]" if info["error"] else " · ".join(bits)
        self.query_one("#act-cell", Static).update(f"[b]{info['label']}[/b]\n{second}")

    def _say(self, message: str) -> None:
        """The grid's message line (errors of a save, a key refused); takes no room when empty."""
        msg = self.query_one("#act-msg", Static)
        msg.update(message)
        msg.set_class(not message, "-empty")

    @on(ActivityGrid.Refused)
    def _refused(self, event: ActivityGrid.Refused) -> None:
        self._say(f"{event.message} ({self.grid.cell_label()})")
        self._refusal_shown = True

    def action_save(self) -> None:
        from models import activities as A

        if not self.grid.rows:  # the month is being read: the cells beside the changed ones are not known yet
            self.app.notify(tr_pair("Đang đọc số liệu; thử lại sau giây lát.", "Still reading; try again."),
                            timeout=3)
            return
        changes = self.grid.changes()
        if not changes:
            self.app.notify(tr_pair("Không có ô nào thay đổi.", "No cell changed."), timeout=3)
            return
        cells = [A.GridCellInput(team_id, svc, v["people"], v["households"]) for (team_id, svc), v in changes.items()]
        self._say(tr_pair("Đang lưu…", "Saving…"))
        self._save_grid(self.month, cells)

    @work(thread=True, exclusive=True, group="activities-save")
    def _save_grid(self, month: str, cells: list) -> None:
        from models import activities as A
        from models.errors import InputError, StoreError

        try:
            n = A.save_month_grid(self.app.reg, month, cells)
        except InputError as exc:
            self.post_message(GridSaveFailed(exc.errors, exc.message))
        except StoreError as exc:
            self.post_message(GridSaveFailed([], exc.message))
        else:
            self.post_message(GridSaved(n, month))

    def on_grid_saved(self, message: GridSaved) -> None:
        message.stop()
        self._say("")
        self.app.notify(tr_pair(f"Đã lưu số liệu {month_text(message.month)} của {message.teams} tổ.",
                                f"Saved {message.month} for {message.teams} teams."), timeout=4)
        self.app.data_changed()
        self.reload()

    def on_grid_save_failed(self, message: GridSaveFailed) -> None:
        message.stop()
        cells, general = {}, []
        for e in message.errors:
            key = _cell_of(e.field)
            if key is not None and key[0] in {r.team_id for r in self.grid.rows}:
                cells.setdefault(key, e.message)
            else:
                general.append(e.message)
        if not message.errors:
            general.append(message.message)
        self.grid.set_errors(cells)
        head = tr_pair("[b]Chưa lưu.[/b]", "[b]Not saved.[/b]")
        if cells:
            head += tr_pair(f" {len(cells)} ô có lỗi, đánh dấu «!»; lỗi của ô đang chọn ở dòng trên.",
                            f" {len(cells)} cells have errors, marked «!»; the chosen cell's error is above.")
        self._say("\n".join([head] + [f"! {m}" for m in general[:2]]))
        self.grid.focus()

    def action_drop(self) -> None:
        from ..forms import ConfirmModal

        n = self.grid.changed
        if not n:
            return

        def done(yes) -> None:
            if yes:
                self.grid.drop_changes()
                self._say("")
                self._cell_line()
        self.app.push_screen(ConfirmModal(tr_pair(f"Bỏ {n} ô đã sửa mà chưa lưu?", f"Drop {n} unsaved cells?"),
                                          yes="Có, bỏ", no="Không"), done)

    # -- progress ----------------------------------------------------------------------
    def _show_progress(self, data: ActivityData) -> None:
        p = data.progress
        targets = ", ".join(f"{tr_pair(*METRIC_TITLES[t.metric])} {target_text(t)}" for t in p.targets) or \
            tr_pair("chưa đặt (C để đặt)", "none set (C to set)")
        self.query_one("#act-targets", Static).update(tr_pair(
            f"Lũy kế {p.start[5:7]}–{p.end[5:7]}/{p.year}. Mục tiêu: {targets}. {MARK_MET} đạt, {MARK_BEHIND} chưa đạt.",
            f"Year to date {p.start}–{p.end}. Targets: {targets}. {MARK_MET} met, {MARK_BEHIND} behind."))
        rows = [(tr_pair("Toàn địa bàn", "Whole area"), *self._shares(p.total))]
        keys: list[Any] = [0]
        for r in p.rows:
            rows.append((r.name, *self._shares(r)))
            keys.append(r.unit_id)
        self.progress_rows = {0: p.total, **{r.unit_id: r for r in p.rows}}
        self.query_one("#act-progress-table", LazyTable).set_rows(rows, keys, keep_cursor=True)
        self._progress_detail()

    @staticmethod
    def _shares(row) -> list[str]:
        out = []
        for m in METRIC_TITLES:
            sh = row.shares.get(m)
            if sh is None or (row.kind == "to_xa" and m != "lua_dao"):
                out.append("")
                continue
            if sh.percent is None:
                out.append(tr_pair("chưa có", "n/a") if sh.base is None else "—")
                continue
            mark = {True: MARK_MET, False: MARK_BEHIND}.get(sh.met, " ")
            shown = sh.shown if language() != "en" else sh.shown.replace(",", ".")
            out.append(f"{shown} {mark}")
        return out

    @on(LazyTable.Highlighted, "#act-progress-table")
    def _progress_detail(self) -> None:
        table = self.query_one("#act-progress-table", LazyTable)
        row = getattr(self, "progress_rows", {}).get(table.current_key)
        if row is None:
            self.query_one("#act-progress-detail", Static).update("")
            return
        name = row.name if row.kind != "tong" else tr_pair("Toàn địa bàn", "Whole area")
        lines = []  # what is behind or cannot be computed, one line each (the table has the rest)
        for m, sh in row.shares.items():
            if (row.kind == "to_xa" and m != "lua_dao") or sh.met is True:
                continue
            if sh.met is False or sh.base is None:
                mark = MARK_BEHIND if sh.met is False else "?"
                lines.append(f"{mark} {sh.sentence(name, 'en' if language() == 'en' else 'vi')}")
        self.query_one("#act-progress-detail", Static).update("\n".join(lines[:3]))

    # -- needs -------------------------------------------------------------------------
    def _show_needs(self, data: ActivityData) -> None:
        needs = list(reversed(data.needs))
        self.needs = needs
        year = data.month[:4]
        self.query_one("#act-needs-info", Static).update(tr_pair(
            f"Nhu cầu, khó khăn các tổ ghi lại từ tháng 01 đến {month_text(data.month)}: {len(needs)} ý kiến "
            "(không có tên, số giấy tờ của người dân). Enter: xem đủ.",
            f"Needs and difficulties the teams noted from {year}-01 to {data.month}: {len(needs)} "
            "(no names, no ID numbers). Enter: read in full."))
        self.query_one("#act-needs-table", LazyTable).set_rows(
            [(f"{n.month[5:7]}/{n.month[:4]}", n.unit_name, n.text.replace("\n", " · ")) for n in needs],
            list(range(len(needs))))

    @on(LazyTable.Selected, "#act-needs-table")
    def _need(self, event: LazyTable.Selected) -> None:
        from ..forms import MessageModal

        n = self.needs[event.key]
        when = text.format_date(n.day) if n.day else month_text(n.month)
        self.app.push_screen(MessageModal(tr_pair("Nhu cầu, khó khăn", "Needs and difficulties"),
                                          f"{n.team_name} ({n.unit_name}), {when}:\n\n{n.text}"))

    # -- duty rota ---------------------------------------------------------------------
    def _show_rota(self, data: ActivityData) -> None:
        from models.activities import SHIFTS, WEEKDAYS

        r = data.rota
        days = tr_pair("Thứ Hai–Thứ Bảy", "Monday–Saturday") if data.saturday else \
            tr_pair("Thứ Hai–Thứ Sáu", "Monday–Friday")
        empty = (tr_pair(" · Chưa có người trực: ", " · Nobody on duty: ") + ", ".join(r.empty_weekdays)) \
            if r.empty_weekdays else ""
        self.query_one("#act-rota-info", Static).update(
            tr_pair(f"Điểm hỗ trợ: {r.support_point} · trực {days}", f"Support point: {r.support_point} · {days}")
            + empty)
        self.slots = {s.id: s for s in data.slots}
        rows = []
        for s in data.slots:
            note = tr_pair(f"đã rời tổ {text.format_date(s.member_until)}",
                           f"left {text.format_date(s.member_until)}") if s.member_until else ""
            rows.append((tr_pair(s.weekday_label, WEEKDAYS[s.weekday][1]), tr_pair(s.shift_label, SHIFTS[s.shift][1]),
                         s.full_name, team_head(s.team_name), s.phone, note))
        self.query_one("#act-rota-table", LazyTable).set_rows(rows, [s.id for s in data.slots], keep_cursor=True)

    def action_add(self) -> None:
        from ..activity_forms import DutyForm
        from ..team import PersonPicker

        saturday = self.data.saturday if self.data else False

        def picked(result) -> None:
            if isinstance(result, tuple):
                self.open_form(DutyForm(result[0], result[1], saturday))
            elif result == "new":
                self.app.notify(tr_pair("Lịch trực chỉ gồm thành viên các tổ: thêm người vào tổ trước (F3).",
                                        "The rota takes team members only: add the person to a team first (F3)."),
                                timeout=6)
        self.app.push_screen(PersonPicker(), picked)

    def action_delete(self) -> None:
        from models import activities as A

        key = self.query_one("#act-rota-table", LazyTable).current_key
        slot = getattr(self, "slots", {}).get(key)
        if slot is None:
            return
        reg = self.app.reg
        self.confirm_delete(tr_pair(f"Xóa {slot.full_name} khỏi lịch trực {slot.weekday_label} "
                                    f"({slot.shift_label.lower()})?",
                                    f"Remove {slot.full_name} from the rota ({slot.weekday_label})?"),
                            lambda: A.remove_duty(reg, slot.id))

    # -- households and residents --------------------------------------------------------
    def _show_dens(self, data: ActivityData) -> None:
        from models.activities import DENOMINATORS

        t = data.dens
        n = len(t.villages)
        self.dens = {d.unit_id: d for d in t.villages}
        self.query_one("#act-dens-info", Static).update(tr_pair(
            f"Năm {t.year}: {t.known['households']}/{n} thôn có số hộ, {t.known['working_age']}/{n} có số người "
            "trong độ tuổi lao động. Dòng tổng của xã tự tính. Enter hoặc E: sửa số của thôn đang chọn.",
            f"{t.year}: {t.known['households']}/{n} villages have a household count. The total is computed. "
            "Enter or E: edit the village's figures."))

        def cell(d, name):
            v = d.get(name)
            return tr_pair("chưa có", "n/a") if v is None else text.format_int(v)

        rows, keys = [], []
        for d in t.villages:
            note = tr_pair(f"số năm {d.from_year}", f"from {d.from_year}") if d.from_year and d.from_year != t.year \
                else d.note
            rows.append((d.unit_name, *(cell(d, f) for f in DENOMINATORS), note))
            keys.append(d.unit_id)
        rows.append((tr_pair("Tổng cộng (tự tính)", "Total (computed)"), *(cell(t.total, f) for f in DENOMINATORS),
                     ""))
        keys.append(None)
        self.query_one("#act-dens-table", LazyTable).set_rows(rows, keys, keep_cursor=True)

    @on(LazyTable.Selected, "#act-dens-table")
    @on(LazyTable.Selected, "#act-progress-table")
    def _selected_village(self) -> None:
        self.action_edit()

    def action_edit(self) -> None:
        from ..activity_forms import DenominatorForm

        table = self.query_one("#act-dens-table" if self.view == "so-ho" else "#act-progress-table", LazyTable)
        d = getattr(self, "dens", {}).get(table.current_key)
        if d is None:
            self.app.notify(tr_pair("Chọn một thôn: số của xã là tổng các thôn, được tính tự động.",
                                    "Choose a village: the commune's figures are computed from its villages."),
                            timeout=5)
            return
        self.open_form(DenominatorForm(d, int(self.month[:4])))

    def action_targets(self) -> None:
        from ..activity_forms import TargetsForm

        if self.data is not None:
            self.open_form(TargetsForm(self.data.progress.targets))


def _cell_of(field: str) -> tuple[int, str, str] | None:
    """A model error's field («12.VNEID.households») as a grid cell."""
    parts = field.split(".")
    if len(parts) != 3 or not (parts[0].isascii() and parts[0].isdigit()):
        return None
    name = parts[2]
    return int(parts[0]), parts[1], "households" if name in ("households", "businesses") else "people"
