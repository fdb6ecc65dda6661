"""The main screen: one tab per area of work. The tabs' contents are the panes of
``cnscd_tui.panes`` (and ``reports_pane``); each reads its data in a worker. After unlocking
and after every save the screen reads the other tabs in the background, one after another,
so that opening a tab needs no read."""

from __future__ import annotations

from textual._context import NoActiveAppError  # a worker of a removed screen
from textual import events, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.message import Message
from textual.screen import Screen
from textual.timer import Timer
from textual.widgets import Header, Static, TabbedContent, TabPane

from .forms import KeysWaitForFocus
from .i18n import tr, tr_pair
from .panes.base import Loaded, Pane
from .widgets import QuickFooter

TABS = [
    ("tong-quan", "Tổng quan", "f2"),
    ("thon-to", "Thôn/Tổ", "f3"),
    ("thanh-vien", "Thành viên", "f4"),
    ("tap-huan", "Tập huấn", "f5"),
    ("thiet-bi", "Thiết bị", "f6"),
    ("bao-cao", "Báo cáo", "f7"),
    ("nhat-ky", "Nhật ký", "f8"),
    ("cai-dat", "Cài đặt", "f9"),
    ("hoat-dong", "Hoạt động", "f10"),
]
# the background read's order: the big lists first, the tab on view (the dashboard) last
WARM_UP_ORDER = ("thanh-vien", "thon-to", "tap-huan", "thiet-bi", "bao-cao", "nhat-ky", "cai-dat", "hoat-dong",
                 "tong-quan")
FIRST_TAB = "tong-quan"  # on view after unlocking
WARM_UP_DELAY = 0.2  # seconds after the tab on view has drawn its data (the dashboard, after opening)
WARM_UP_AFTER_SAVE = 0.3


ACTIVITY_VIEWS = [("luoi", "b", "Bảng nhập số liệu tháng", ""), ("tien-do", "t", "Tiến độ so với mục tiêu", ""),
                  ("nhu-cau", "n", "Nhu cầu, khó khăn", ""), ("lich-truc", "l", "Lịch trực", ""),
                  ("so-ho", "h", "Số hộ, số dân từng thôn", "")]


def tab_title(title: str) -> str:
    return tr(title)


def pane_classes() -> dict[str, type[Pane]]:
    """Each tab's pane class (imported when the main screen is built, not at start-up)."""
    from .panes.activities import ActivitiesPane
    from .panes.audit import AuditPane
    from .panes.dashboard import DashboardPane
    from .panes.equipment import EquipmentPane
    from .panes.people import PeoplePane
    from .panes.settings import SettingsPane
    from .panes.training import TrainingPane
    from .panes.villages import VillagesPane
    from .reports_pane import ReportsPane

    return {"tong-quan": DashboardPane, "thon-to": VillagesPane, "thanh-vien": PeoplePane, "tap-huan": TrainingPane,
            "thiet-bi": EquipmentPane, "bao-cao": ReportsPane, "nhat-ky": AuditPane, "cai-dat": SettingsPane,
            "hoat-dong": ActivitiesPane}


class WarmedUp(Message):
    """One pane's background read has ended (``failed_ticket``: it failed): read the next."""

    def __init__(self, round_: int, pane: Pane, failed_ticket: int | None = None) -> None:
        super().__init__()
        self.round, self.pane, self.failed_ticket = round_, pane, failed_ticket


class MainScreen(KeysWaitForFocus, Screen):
    # below 100 columns the tab labels are set closer together: all ten fit on 80 columns
    HORIZONTAL_BREAKPOINTS = [(0, "-narrow"), (100, "-wide")]
    # F2–F10 act at once (priority), so the keys typed right after them reach the new tab's field
    BINDINGS = [Binding(key, f"show_tab('{tid}')", title if key != "f2" else "Trang", id=f"main.{tid}",
                        tooltip=f"Mở {title} (F2–F10: chuyển trang)", show=key == "f2",
                        key_display="F2–F10" if key == "f2" else None, priority=True)
                for tid, title, key in TABS] + [
        Binding("ctrl+r", "reload", "Tải lại", show=False, id="main.reload", tooltip="Đọc lại dữ liệu"),
    ]

    _warm_timer: Timer | None = None  # a background read scheduled, not begun
    _warm_queue: tuple[str, ...] = ()  # the tabs still to read in this round
    _warm_round = 0
    _warm_reading = False
    _after_warm: list | None = None  # (tab or None, callback): run once the background read has read it

    def compose(self) -> ComposeResult:
        # the width's class now, as the first resize would set it: set afterwards, every widget of the
        # nine tabs had its styles worked out a second time (≈ 0.3 s before the dashboard's numbers)
        width = self.app.size.width
        self.add_class(max((w, name) for w, name in self.HORIZONTAL_BREAKPOINTS if width >= w)[1])
        yield Header(icon="☰")
        reg = self.app.reg
        if reg is not None and getattr(reg, "read_only", False):
            yield Static(tr_pair(f"CHỈ ĐỌC — {reg.read_only_reason}: xem, xuất báo cáo được; mọi thay đổi đều "
                                 "không lưu được. Muốn sửa, chép tệp sổ vào ổ ghi được rồi mở lại.",
                                 f"READ-ONLY — {reg.read_only_reason}: viewing and exports work; no change can be "
                                 "saved. To edit, copy the registry to a writable drive and open it again."),
                         id="read-only-banner")
        panes = pane_classes()
        with TabbedContent(initial=FIRST_TAB, id="tabs"):
            for tid, title, _key in TABS:
                with TabPane(tab_title(title), id=tid):
                    yield panes[tid](id=f"pane-{tid}")
        yield QuickFooter()

    def on_mount(self) -> None:
        self._subtitle()
        # the dashboard's numbers first, alone: the other tabs are read once it has drawn them
        # (their reads would hold the registry's lock its read waits for)
        self.schedule_warm_up(WARM_UP_DELAY)
        self.pane("tong-quan").when_loaded(lambda: self.schedule_warm_up(WARM_UP_DELAY))

    # -- reading the other tabs in the background --------------------------------------------
    # Read every tab's data, one after another, so that opening a tab shows it at once
    # (province scale: 7,446 people take a few hundred ms to read). The UI thread picks the
    # next pane and what its read needs (``Pane.claim``); the worker only reads and answers
    # with messages: ``Loaded`` to the pane, ``WarmedUp`` here for the next one.
    def schedule_warm_up(self, delay: float = WARM_UP_AFTER_SAVE) -> None:
        if self._warm_timer is not None:
            self._warm_timer.stop()
        self._warm_timer = self.set_timer(delay, self._warm_timer_fired)

    @property
    def warm_up_pending(self) -> bool:
        """A background read is scheduled and not begun (tests begin it: ``warm_up_now``)."""
        return self._warm_timer is not None

    @property
    def warming_up(self) -> bool:
        """Background reads are scheduled or running — or not begun yet: from the screen's building
        on (after unlocking), the first round is coming (no full garbage collection meanwhile: at 16×
        the province two of them, 140 ms each, ran while the tabs were built, before the numbers)."""
        return self._warm_timer is not None or self._warm_reading or self._warm_round == 0

    def _warm_timer_fired(self) -> None:
        self._warm_timer = None
        if self._on_view_reading():
            self.schedule_warm_up(WARM_UP_DELAY)  # the tab on view reads first, alone
            return
        self.warm_up_now()

    def _on_view_reading(self) -> bool:
        """The tab on view is reading its own data (the dashboard's numbers after opening, a
        tab after a save): the background reads wait for it, since they would hold the
        registry's lock its read needs."""
        from textual.worker import WorkerState

        pane = self.active_pane
        return any(w.node is pane and w.group == "pane-load" and w.state in (WorkerState.PENDING, WorkerState.RUNNING)
                   for w in self.app.workers)

    def warm_up_now(self) -> None:
        if self._warm_timer is not None:
            self._warm_timer.stop()
            self._warm_timer = None
        self._warm_round += 1
        self._warm_queue = WARM_UP_ORDER
        self._warm_next()

    def after_warm_up(self, tid: str | None, callback) -> None:
        """Run ``callback`` once this round of background reads has read tab ``tid`` (``None``: every
        tab) — at once when no round is due. The dashboard's slower reads (the teams checked, the
        progress against targets) come after the people list this way: they hold the registry's
        lock for seconds at province scale, and the clerk's next key is most often F4."""
        if not self.warming_up:
            callback()
            return
        self._after_warm = (self._after_warm or []) + [(tid, callback)]

    def _run_after_warm(self) -> None:
        waiting, self._after_warm = self._after_warm or [], []
        for tid, callback in waiting:
            if self._warm_queue and (tid is None or tid in self._warm_queue):
                self._after_warm.append((tid, callback))
            else:
                callback()

    def _warm_next(self) -> None:
        self._run_after_warm()
        while self._warm_queue and not self.app.locked and self.app.reg is not None:
            tid, self._warm_queue = self._warm_queue[0], self._warm_queue[1:]
            pane = self.pane(tid)
            claim = pane.claim()
            if claim is not None:
                self._warm_reading = True
                self._warm_read(self._warm_round, pane, *claim)
                return
            self._run_after_warm()
        self._warm_queue, self._warm_reading = (), False
        self._run_after_warm()

    @work(thread=True, group="warm-up")  # one at a time: the next starts when this one has answered
    def _warm_read(self, round_: int, pane: Pane, version: int, ticket: int, params) -> None:
        from models.errors import InputError, StoreError

        try:
            data = pane.read(params)
        except (InputError, StoreError):
            self.post_message(WarmedUp(round_, pane, failed_ticket=ticket))
            return
        except NoActiveAppError:  # this screen was replaced meanwhile (language switch, lock)
            return
        pane.post_message(Loaded(pane, data, version, ticket))
        self.post_message(WarmedUp(round_, pane))

    def on_warmed_up(self, message: WarmedUp) -> None:
        if message.failed_ticket is not None:
            message.pane.claim_failed(message.failed_ticket)
        if message.round == self._warm_round:
            self._warm_next()

    def _subtitle(self) -> None:
        s = self.app.settings
        if s is not None:
            self.app.sub_title = f"{s.commune_kind.capitalize()} {s.commune}, {s.province}".strip(", ")

    def pane(self, tid: str) -> Pane:
        return self.query_one(f"#pane-{tid}", Pane)

    @property
    def active_pane(self) -> Pane:
        return self.pane(self.query_one(TabbedContent).active)

    @property
    def tab_on_view(self) -> str:
        """The tab shown (while the screen is being built: the first one, which it will show)."""
        return self.query_one(TabbedContent).active or FIRST_TAB

    @property
    def help_text(self) -> str:
        return self.active_pane.help_text

    def on_tabbed_content_tab_activated(self, event: TabbedContent.TabActivated) -> None:
        pane = self.pane(event.pane.id)
        pane.ensure_loaded()
        # focus now, in the same frame: were the old tab's focused widget hidden first, Textual
        # would pass its focus to a neighbour in that (hidden) tab, which switched back to it
        self._focus_pane(pane)

    def _focus_pane(self, pane: Pane) -> None:
        if self.query_one(TabbedContent).active != pane.id.removeprefix("pane-"):
            return  # the clerk has moved on to another tab meanwhile
        focused = self.app.focused
        if focused is not None and pane in focused.ancestors:
            return
        if hasattr(pane, "focus_first"):  # a pane with views of its own knows which one is on view
            pane.focus_first()
            self.query_one(QuickFooter).bindings_changed(self)
            return
        for w in pane.query("LazyTable, OptionList, Input"):
            if w.display and w.can_focus and not w.has_class("hidden"):
                self.set_focus(w, scroll_visible=False)  # now; the page stays at its top
                # the footer shows this tab's keys now, not a frame after the focus
                self.query_one(QuickFooter).bindings_changed(self)
                return

    def action_show_tab(self, tid: str) -> None:
        self.query_one(TabbedContent).active = tid
        # the new tab's first field has the focus before the next key is handed out (the keys typed
        # right after F2–F10 land there, not in the tab left)
        self._focus_pane(self.pane(tid))

    def action_reload(self) -> None:
        self.active_pane.reload()

    _resumed = False

    def _on_screen_resume(self, event: events.ScreenResume) -> None:
        # (Textual's own handler, Screen._on_screen_resume, runs next.) Shown for the first time, the
        # screen has just been built and each widget's styles worked out as it was mounted: working
        # them all out again (Textual does so on every resume) took ≈ 0.25 s before the numbers
        if not self._resumed:
            self._resumed = True
            event.refresh_styles = False
        self._subtitle()
        if self.is_mounted and not self.app.locked:
            self.active_pane.ensure_loaded()

    def unsaved_work(self) -> str:
        """What typed work is not saved yet (the activity grid), for the app's quit."""
        return " ".join(w for p in self.query(Pane) if hasattr(p, "unsaved_work") for w in [p.unsaved_work()] if w)

    # lock support
    def drop_data(self) -> None:
        self._warm_queue = ()  # (a read on its way is dropped by the pane: the app is locked)
        for p in self.query(Pane):
            p.clear()

    def reload_visible(self) -> None:
        self.active_pane.reload()

    # navigation -------------------------------------------------------------------
    def open_team(self, team_id: int) -> None:
        from .team import TeamScreen

        self.app.push_screen(TeamScreen(team_id))

    def open_person(self, person_id: int) -> None:
        # the form comes after a read: the keys typed meanwhile (Enter on the row) wait for it
        self.keep_holding = self.holding_keys
        self.load_person(person_id)

    @work(thread=True, exclusive=True, group="open-person")
    def load_person(self, person_id: int) -> None:
        from models import services as S
        from models.errors import InputError, StoreError

        reg = self.app.reg
        try:
            detail = S.person_detail(reg, person_id)
            villages = S.list_villages(reg)
        except (InputError, StoreError) as exc:
            self.app.call_from_thread(self._person_failed, exc.message)
            return
        self.app.call_from_thread(self._person_form, detail, villages)

    def _person_failed(self, message: str) -> None:
        self.release_keys()
        self.app.notify(message, title="Không đọc được dữ liệu", severity="error")

    def _person_form(self, detail, villages) -> None:
        from .editors import PersonForm

        def done(result):
            if result is not None:
                self.app.data_changed()
                self.active_pane.reload()
                warns = result[1]
                self.app.notify("Đã lưu." + ("\n" + "\n".join(warns) if warns else ""))
        self.app.push_screen(PersonForm(villages, detail), done)
        self.release_keys()  # the keys typed since Enter: into the form

    def open_attendance(self, course) -> None:
        from .attendance import AttendanceScreen

        self.app.push_screen(AttendanceScreen(course))

    def jump_to(self, target: tuple[str, int]) -> None:
        kind, ident = target
        if kind == "tab":
            self.action_show_tab(ident)
        elif kind == "team":
            self.open_team(ident)
        elif kind == "unit":
            self.action_show_tab("thon-to")
            self.pane("thon-to").when_loaded(lambda: self.pane("thon-to").select("village", ident))
        elif kind == "training":
            self.action_show_tab("tap-huan")
            self.pane("tap-huan").when_loaded(self.pane("tap-huan").show_untrained)
        elif kind == "equipment":
            self.action_show_tab("thiet-bi")
            self.pane("thiet-bi").when_loaded(lambda: self.pane("thiet-bi").select_item(ident))
        elif kind in ("activity", "activity-households"):
            # a village behind its target (or without a household count) in the Hoạt động tab
            view = "tien-do" if kind == "activity" else "so-ho"
            self.action_show_tab("hoat-dong")
            self.pane("hoat-dong").when_loaded(lambda: self.pane("hoat-dong").show_unit(ident, view))

    def palette_commands(self):
        out = [(f"{tab_title(title)} ({key.upper()})", f"Mở trang {title}", lambda tid=tid: self.action_show_tab(tid))
               for tid, title, key in TABS]
        out += [
            ("Thêm người mới", "Thêm một người vào sổ", self._cmd(lambda: self.pane("thanh-vien").action_add(),
                                                                    "thanh-vien")),
            ("Thêm thôn/tổ dân phố", "Thêm thôn vào xã", self._cmd(lambda: self.pane("thon-to").action_add(),
                                                                   "thon-to")),
            ("Thêm khóa tập huấn", "Ghi một khóa tập huấn rồi điểm danh",
             self._cmd(lambda: self.pane("tap-huan").action_add(), "tap-huan")),
            ("Thêm thiết bị", "Ghi thiết bị của thôn", self._cmd(lambda: self.pane("thiet-bi").action_add(),
                                                                 "thiet-bi")),
            ("Chưa tập huấn năm nay", "Danh sách thành viên chưa được tập huấn",
             self._cmd(lambda: self.pane("tap-huan").show_untrained(), "tap-huan")),
            ("Đổi mật khẩu", "Đổi mật khẩu của sổ", self._cmd(lambda: self.pane("cai-dat").action_passphrase(),
                                                              "cai-dat")),
            ("Xuất báo cáo", "Chọn biểu mẫu, kỳ, nơi lưu (thư mục hoặc USB)",
             self._cmd(lambda: self.pane("bao-cao").query_one("#rep-kind").focus(), "bao-cao")),
            ("Sao lưu ngay", "Tạo một bản sao lưu mã hóa", self._cmd(lambda: self.pane("cai-dat").action_backup(),
                                                                     "cai-dat")),
            ("Làm mới khóa khôi phục", "Cấp mã khôi phục mới; mã cũ hết hiệu lực",
             self._cmd(lambda: self.pane("cai-dat").action_renew_key(), "cai-dat")),
        ]
        from .panes.activities import VIEW_TIPS

        for vid, key, vi, _en in ACTIVITY_VIEWS:
            out.append((f"Hoạt động: {vi} ({key.upper()})", VIEW_TIPS[vid],
                        self._cmd(lambda vid=vid: self.pane("hoat-dong").action_view(vid), "hoat-dong")))
        return out

    def _cmd(self, fn, tid: str):
        def run():
            self.action_show_tab(tid)
            self.pane(tid).when_loaded(fn)
        return run
