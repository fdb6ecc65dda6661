"""The main screen: one tab per area of work; each tab loads its data in a worker."""

from __future__ import annotations

import datetime as dt
import gc
from typing import Any, Callable

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.message import Message
from textual.screen import Screen
from textual.widgets import Header, Input, Label, OptionList, Select, Static, TabbedContent, TabPane
from textual.widgets.option_list import Option

from models import text, vocab

from .i18n import language, tr, tr_pair
from .widgets import Column, LazyTable, Line, QuickFooter, SearchInput, bar_chart, short_team

TABS = [
    ("tong-quan", "Tổng quan", "f2"),
    ("thon-to", "Thôn/Tổ", "f3"),
    ("thanh-vien", "Thành viên", "f4"),
    ("tap-huan", "Tập huấn", "f5"),
    ("thiet-bi", "Thiết bị", "f6"),
    ("bao-cao", "Báo cáo", "f7"),
    ("nhat-ky", "Nhật ký", "f8"),
    ("cai-dat", "Cài đặt", "f9"),
]


class Loaded(Message):
    """A pane's data, read in a worker, as of ``version`` (the app's data version)."""

    def __init__(self, pane: "Pane", data: Any, version: int = -1) -> None:
        super().__init__()
        self.pane, self.data, self.version = pane, data, version


class LoadFailed(Message):
    def __init__(self, pane: "Pane", message: str) -> None:
        super().__init__()
        self.pane, self.message = pane, message


class Pane(Vertical):
    """A tab's content. ``fetch()`` runs in a worker; ``show(data)`` on the UI thread."""

    help_text = ""
    loaded_version = -1
    has_data = False

    def when_loaded(self, fn: Callable[[], None]) -> None:
        """Run ``fn`` once this pane shows current data (e.g. a palette command)."""
        if self.has_data and self.loaded_version == self.app.data_version:
            fn()
        else:
            self._pending = [*getattr(self, "_pending", []), fn]
            self.ensure_loaded()

    def fetch(self) -> Any:  # worker thread
        raise NotImplementedError

    def show(self, data: Any) -> None:
        raise NotImplementedError

    def clear(self) -> None:
        for t in self.query(LazyTable):
            t.set_rows([])
        self.loaded_version = -1
        self.has_data = False

    def reload(self) -> None:
        self.loaded_version = self.app.data_version
        self._load(self.loaded_version)

    def ensure_loaded(self) -> None:
        if self.loaded_version != self.app.data_version:
            self.reload()

    @work(thread=True, exclusive=True, group="pane-load")
    def _load(self, version: int) -> None:
        from models.services import InputError
        from models.store import StoreError

        try:
            data = self.fetch()
        except (InputError, StoreError) as exc:
            self.post_message(LoadFailed(self, exc.message))
            return
        self.post_message(Loaded(self, data, version))

    def on_loaded(self, message: Loaded) -> None:
        if message.pane is self:
            message.stop()
            if self.has_data and message.version < self.loaded_version:
                return  # an older read finished late; a newer one is on its way
            if not self.app.locked:
                self.show(message.data)
                self.has_data = True
                # what a tab shows lives long: keep it out of the cyclic collector's full passes
                # (a full pass over a province's rows took ≈ 50 ms, in the middle of a keystroke)
                gc.freeze()
                pending, self._pending = getattr(self, "_pending", []), []
                for fn in pending:
                    fn()

    def on_load_failed(self, message: LoadFailed) -> None:
        if message.pane is self:
            message.stop()
            self.app.notify(message.message, title="Không đọc được dữ liệu", severity="error")

    # helpers for forms --------------------------------------------------------
    def open_form(self, form, then: Callable[[Any], None] | None = None) -> None:
        def done(result):
            if result is None:
                return
            self.app.data_changed()
            self.reload()
            if then:
                then(result)
        self.app.push_screen(form, done)

    def confirm_delete(self, question: str, action: Callable[[], None]) -> None:
        from .forms import ConfirmModal

        def done(yes):
            if yes:
                self.run_save(action)
        self.app.push_screen(ConfirmModal(question), done)

    def run_save(self, action: Callable[[], Any], ok: str = "Đã lưu.") -> None:
        self._save(action, ok)

    @work(thread=True, exclusive=True, group="pane-save")
    def _save(self, action: Callable[[], Any], ok: str) -> None:
        from models.services import InputError
        from models.store import StoreError

        try:
            action()
        except (InputError, StoreError) as exc:
            self.app.call_from_thread(self.app.notify, exc.message, title="Chưa lưu", severity="error", timeout=10)
            return
        self.app.call_from_thread(self._saved, ok)

    def _saved(self, ok: str) -> None:
        self.app.notify(ok, timeout=3)
        self.app.data_changed()
        self.reload()


# ---------------------------------------------------------------------------
# Dashboard
# ---------------------------------------------------------------------------
MAX_FINDINGS = 100  # the dashboard lists the first ones; the villages tab shows every team's state


class DashboardPane(Pane):
    help_text = ("Tổng quan của sổ: số thôn, tổ, thành viên, tập huấn, thiết bị và các việc cần xử lý theo quy "
                 "định (số thành viên, thành phần bắt buộc, tập huấn). Chọn một dòng trong «Việc cần xử lý» rồi "
                 "nhấn Enter để đến đúng chỗ cần sửa.")

    def compose(self) -> ComposeResult:
        with VerticalScroll(id="dash-scroll"):
            yield Static("", id="dash-summary")
            yield Static("", id="dash-deadline")
            yield Label(tr("Việc cần xử lý"), classes="section")
            yield Static("", id="dash-teams")
            yield OptionList(id="dash-findings")
            yield Label(tr("Thành viên theo thành phần"), classes="section")
            yield Static("", id="dash-chart")

    def fetch(self):
        from models import rules, services as S

        reg = self.app.reg
        st = S.stats(reg)
        comp = rules.compliance(reg)
        settings = S.get_settings(reg)
        cats = S.list_categories(reg)
        return st, comp, rules.deadlines(settings), cats

    def show(self, data) -> None:
        st, comp, deadlines, cats = data
        self.compliance = comp
        cov = comp.training_coverage * 100
        self.query_one("#dash-summary", Static).update(
            f"[b]{tr('Thôn/TDP')}:[/b] {text.format_int(st.villages)}   "
            f"[b]{tr('Tổ CNSCĐ')}:[/b] {text.format_int(st.teams)}   "
            f"[b]{tr('Thành viên đang hoạt động')}:[/b] {text.format_int(st.active_members)}\n"
            f"[b]{tr('Tập huấn năm nay')}:[/b] {st.courses_this_year} {tr('khóa')}, "
            f"{text.format_int(st.trained_this_year)}/{text.format_int(st.people)} {tr('người đã dự')} "
            f"({text.format_decimal(cov, 1)}%)   "
            f"[b]{tr('Thiết bị cần sửa/thay')}:[/b] {st.equipment_needing_repair}")
        if deadlines:
            d = deadlines[0]
            colour = "red" if d.days_left <= 7 else ("yellow" if d.days_left <= 20 else "green")
            self.query_one("#dash-deadline", Static).update(
                f"[b]{tr('Hạn báo cáo tiếp theo')}:[/b] {d.label} — {tr('trước')} {text.format_date(d.due)} "
                f"([{colour}]{tr('còn {n} ngày').format(n=d.days_left)}[/{colour}])")
        names = {c.code: c.name for c in cats}
        items = [(names.get(code, code), n) for code, n in st.members_by_category.items() if n]
        width = max(10, min(40, self.size.width - 50))
        self.query_one("#dash-chart", Static).update(bar_chart(items, width=width, label_width=32) or tr("(chưa có ai)"))
        n_ok = comp.teams_ok
        self.query_one("#dash-teams", Static).update(
            f"{tr('Tổ đạt yêu cầu')}: [b]{n_ok}/{len(comp.teams)}[/b]. "
            f"{tr('Chưa tập huấn năm {year}').format(year=comp.year)}: {text.format_int(comp.untrained_members)} "
            f"{tr('người')}.")
        ol = self.query_one("#dash-findings", OptionList)
        ol.clear_options()
        self.findings = self._registry_findings(st) + list(comp.findings)
        if not self.findings:
            ol.add_option(Option(f"[green]✓ {tr('Không có việc gì cần xử lý.')}[/green]", id="none", disabled=True))
        shown = self.findings[:MAX_FINDINGS]
        ol.add_options([Option(("[red]●[/red] " if f.severity == "loi" else "[yellow]▲[/yellow] ")
                               + tr_pair(f.message, f.message_en), id=f"f{i}") for i, f in enumerate(shown)])
        if len(self.findings) > len(shown):
            ol.add_option(Option(tr("… và {n} việc khác: xem cột «Tình trạng» ở trang Thôn/Tổ (F3).").format(
                n=text.format_int(len(self.findings) - len(shown))), id="more", disabled=True))
        if shown:  # the first Enter opens the first line (nothing was highlighted before)
            ol.highlighted = 0

    @staticmethod
    def _registry_findings(st) -> list:
        """What a new registry still lacks (the rules check teams; with none there is nothing to check)."""
        from models.rules import Finding

        out = []
        if not st.villages:
            out.append(Finding("no_unit", "loi", "Chưa có thôn/TDP nào: nhấn Enter (hoặc F3), rồi A để thêm.",
                               ("tab", "thon-to"), "No village yet: press Enter (or F3), then A to add one."))
        if not st.teams:
            out.append(Finding("no_team", "loi", "Chưa lập Tổ CNSCĐ nào: ở trang Thôn/Tổ (F3), chọn một thôn rồi "
                               "nhấn T để lập tổ.", ("tab", "thon-to"),
                               "No team yet: on Villages/Teams (F3), pick a village and press T to found its team."))
        return out

    @on(OptionList.OptionSelected, "#dash-findings")
    def _jump(self, event: OptionList.OptionSelected) -> None:
        oid = event.option.id or ""
        if not oid.startswith("f"):
            return
        finding = self.findings[int(oid[1:])]
        self.screen.jump_to(finding.target)


# ---------------------------------------------------------------------------
# Villages and teams
# ---------------------------------------------------------------------------
class VillagesPane(Pane):
    BINDINGS = [
        Binding("a", "add", "Thêm", id="villages.add", tooltip="Thêm thôn/tổ dân phố"),
        Binding("e", "edit", "Sửa", id="villages.edit", tooltip="Đổi tên, loại hoặc đơn vị cũ"),
        Binding("m", "merge", "Gộp", id="villages.merge", tooltip="Gộp thôn này vào thôn khác"),
        Binding("t", "found", "Lập tổ", id="villages.found", tooltip="Thành lập Tổ CNSCĐ cho thôn chưa có tổ"),
    ]
    help_text = ("Danh sách thôn/tổ dân phố của xã và Tổ CNSCĐ của từng nơi. Enter: mở trang tổ (quyết định, "
                 "thành viên, vai trò, rời tổ, kiện toàn). A: thêm thôn; E: sửa tên; M: gộp thôn; T: lập tổ. "
                 "Dòng đầu là Tổ CNSCĐ cấp xã.")

    def compose(self) -> ComposeResult:
        yield Static("", id="villages-count", classes="muted")
        yield LazyTable([Column("Thôn/TDP"), Column("Đơn vị cũ", 16, grow=40), Column("Tổ CNSCĐ", 9), Column("TV", 4, "right"),
                         Column("Tình trạng", 18)], id="villages-table", enter_label="Mở tổ", empty_text="Chưa có thôn nào. Nhấn A để thêm.")

    def fetch(self):
        from models import rules, services as S

        reg = self.app.reg
        villages = S.list_villages(reg)
        teams = S.list_teams(reg)
        comp = {t.team_id: t for t in rules.compliance(reg).teams}
        commune = S.home_commune(reg)
        settings = S.get_settings(reg)
        return villages, teams, comp, commune, settings

    def show(self, data) -> None:
        villages, teams, comp, commune, settings = data
        self.villages, self.commune, self.settings = villages, commune, settings
        self.by_key: dict[Any, Any] = {}
        rows, keys = [], []

        def status(team_id):
            c = comp.get(team_id)
            if c is None:
                return ""
            return tr({"dat": "Đạt", "canh_bao": "Cần lưu ý", "loi": "Chưa đạt"}[c.status])

        for t in teams:
            if t.level == "xa":
                rows.append((f"({tr('cấp xã')}) {t.unit_name}", "", tr("Có"), t.member_count, status(t.id)))
                keys.append(("team", t.id))
        for v in villages:
            rows.append((v.full_name, v.former_unit, tr("Có") if v.team_id else tr("Chưa có"),
                         v.member_count if v.team_id else "", status(v.team_id) if v.team_id else tr("Chưa lập tổ")))
            keys.append(("village", v.id))
            self.by_key[("village", v.id)] = v
        table = self.query_one(LazyTable)
        table.set_rows(rows, keys, keep_cursor=True)
        with_team = sum(1 for v in villages if v.team_id)
        self.query_one("#villages-count", Static).update(
            tr("{n} thôn/TDP, {k} đã có Tổ CNSCĐ ({k}/{n}).").format(n=len(villages), k=with_team))

    def select(self, kind: str, id_: int) -> None:
        table = self.query_one(LazyTable)
        try:
            table.cursor = table.keys.index((kind, id_))
        except ValueError:
            pass
        table.focus()

    def _current(self):
        return self.query_one(LazyTable).current_key

    @on(LazyTable.Selected, "#villages-table")
    def _selected(self) -> None:
        self.action_open_team()

    def action_open_team(self) -> None:
        key = self._current()
        if key is None:
            return
        if key[0] == "team":
            self.screen.open_team(key[1])
            return
        v = self.by_key[key]
        if v.team_id:
            self.screen.open_team(v.team_id)
        else:
            self.app.notify(f"{v.full_name} chưa có Tổ CNSCĐ. Nhấn T để thành lập.", timeout=5)

    def action_add(self) -> None:
        from .editors import VillageForm

        self.open_form(VillageForm(), lambda v: self.app.notify(f"Đã thêm {v.full_name}."))

    def action_edit(self) -> None:
        from .editors import VillageForm

        key = self._current()
        if key and key[0] == "village":
            self.open_form(VillageForm(self.by_key[key]))

    def action_merge(self) -> None:
        from .editors import MergeForm

        key = self._current()
        if key and key[0] == "village":
            self.open_form(MergeForm(self.by_key[key], self.villages),
                           lambda v: self.app.notify(f"Đã gộp vào {v.full_name}."))

    def action_found(self) -> None:
        from .editors import TeamForm

        key = self._current()
        if not key or key[0] != "village":
            return
        v = self.by_key[key]
        if v.team_id:
            self.app.notify(f"{v.full_name} đã có tổ; mở tổ (Enter) để kiện toàn.", timeout=5)
            return
        self.open_form(TeamForm(v.id, v.full_name, issuer=self.settings.issuing_body),
                       lambda t: self.screen.open_team(t.id))


# ---------------------------------------------------------------------------
# People
# ---------------------------------------------------------------------------
TRAINED_OPTS = [("Đã tập huấn năm nay", True), ("Chưa tập huấn năm nay", False)]
ACTIVE_OPTS = [("Đang tham gia tổ", True), ("Đã rời / không ở tổ nào", False)]


class PeoplePane(Pane):
    BINDINGS = [
        Binding("a", "add", "Thêm", id="people.add", tooltip="Thêm người mới"),
        Binding("d", "delete", "Xóa", id="people.delete", tooltip="Xóa người nhập nhầm (hỏi xác nhận)"),
        Binding("slash", "search", "Tìm", id="people.search", tooltip="Đến ô tìm kiếm"),
        Binding("down", "to_table", "Danh sách", id="people.list", tooltip="Từ ô tìm kiếm xuống danh sách"),
    ]
    help_text = ("Mọi người trong sổ, xếp theo tên tiếng Việt. Gõ vào ô tìm kiếm (không cần dấu: «nguyen thi h» "
                 "tìm được «Nguyễn Thị Hà»), lọc theo thôn, thành phần, vai trò, tập huấn, tình trạng. Enter: hồ sơ; "
                 "A: thêm người; D: xóa người nhập nhầm (rời tổ thì ghi ở trang tổ, không xóa).")

    rows_all: list = []
    lines: dict = {}
    inactive: set = set()

    def compose(self) -> ComposeResult:
        # «/» (the «Tìm» key) is not part of a name: typed in the box it only keeps the cursor there
        yield SearchInput(placeholder=tr("Tìm theo họ tên (gõ không dấu cũng được)…"), id="people-search", compact=True,
                          on_typed=lambda _: self.apply_filter(), not_typed="/")
        with Horizontal(id="people-filters"):
            yield Select([], prompt=tr("Thôn/TDP"), id="pf-village", compact=True)
            yield Select([], prompt=tr("Thành phần"), id="pf-category", compact=True)
            yield Select([(vocab.label(vocab.ROLES, c, language()), c) for c in vocab.ROLES], prompt=tr("Vai trò"), id="pf-role", compact=True)
            yield Select([(tr(lab), v) for lab, v in TRAINED_OPTS], prompt=tr("Tập huấn"), id="pf-trained", compact=True)
            yield Select([(tr(lab), v) for lab, v in ACTIVE_OPTS], prompt=tr("Tình trạng"), id="pf-active", compact=True)
        yield Line(id="people-count")
        yield LazyTable([Column("Họ và tên"), Column("NS", 4), Column("Thôn/TDP", 18, grow=40), Column("Vai trò", 10, grow=24),
                         Column("Số điện thoại", 13)], id="people-table", enter_label="Hồ sơ",
                        empty_text="Không có ai khớp. Xóa bớt chữ tìm kiếm hoặc bộ lọc.")

    def fetch(self):
        from models import services as S

        reg = self.app.reg
        return S.list_people(reg), S.list_villages(reg), S.list_categories(reg)

    def show(self, data) -> None:
        rows, villages, cats = data
        self.rows_all, self.villages, self.categories = rows, villages, cats
        roles = vocab.ROLES
        # the lines are formatted once per load, not on every keystroke
        self.lines = {r.id: (r.full_name, r.birth_year or "", r.village_name,
                             ", ".join(roles[x][0] for x in r.roles) if r.roles else ("—" if not r.active else ""),
                             r.phone) for r in rows}
        self.inactive = {r.id for r in rows if not r.active}
        self._shown = None  # new data: filter again even if the search and filters are the same
        self._set_options("#pf-village", [(v.full_name, v.id) for v in villages])
        self._set_options("#pf-category", [(c.name, c.code) for c in cats])
        self.apply_filter(keep_cursor=True)

    def clear(self) -> None:
        super().clear()
        self._shown = None

    def _set_options(self, sel_id: str, options) -> None:
        sel = self.query_one(sel_id, Select)
        current = sel.value
        with sel.prevent(Select.Changed):
            sel.set_options(options)
            if current is not Select.NULL and any(v == current for _, v in options):
                sel.value = current

    def _val(self, sel_id: str):
        v = self.query_one(sel_id, Select).value
        return None if v is Select.NULL else v

    def apply_filter(self, keep_cursor: bool = False) -> None:
        from models.services import filter_people
        from models.text import fold

        q = fold(self.query_one("#people-search", Input).value)
        filters = (self._val("#pf-village"), self._val("#pf-category") or "", self._val("#pf-role") or "",
                   self._val("#pf-trained"), self._val("#pf-active"), id(self.rows_all))
        if getattr(self, "_shown", None) == (q, filters):
            return  # already shown (the search box filters as it changes; Input.Changed comes after)
        self._shown = (q, filters)
        cache = self._cache if getattr(self, "_cache_key", None) == filters else {}
        rows = cache.get(q)
        if rows is None:
            # typing on narrows the previous result (a longer query matches a subset);
            # backspace finds the earlier result in the cache
            base = self.rows_all
            prev = max((k for k in cache if k and q.startswith(k)), key=len, default=None)
            if prev is not None:
                base = cache[prev]
            rows = filter_people(base, query=q, village_id=filters[0], category=filters[1], role=filters[2],
                                 trained=filters[3], active=filters[4])
            if len(cache) > 64:
                cache = {}
            cache[q] = rows
        self._cache, self._cache_key = cache, filters
        table = self.query_one(LazyTable)
        table.dim = self.inactive
        lines = self.lines
        keys = [r.id for r in rows]
        table.set_rows([lines[k] for k in keys], keys, keep_cursor=keep_cursor)
        self.query_one("#people-count", Line).text = (
            f"{text.format_int(len(rows))}/{text.format_int(len(self.rows_all))} {tr('người')}")

    @on(Input.Changed, "#people-search")
    @on(Select.Changed)
    def _filter(self, event) -> None:
        event.stop()
        self.apply_filter()

    @on(Input.Submitted, "#people-search")
    def _to_table(self) -> None:
        self.query_one(LazyTable).focus()

    def action_search(self) -> None:
        self.query_one("#people-search").focus()

    def action_to_table(self) -> None:
        self.query_one(LazyTable).focus()

    @on(LazyTable.Selected, "#people-table")
    def action_open(self) -> None:
        pid = self.query_one(LazyTable).current_key
        if pid is not None:
            self.screen.open_person(pid)

    def action_add(self) -> None:
        from .editors import PersonForm

        self.open_form(PersonForm(self.villages), lambda r: self.app.notify(f"Đã thêm {r[0].full_name}."
                                                                            + ("\n" + "\n".join(r[1]) if r[1] else "")))

    def action_delete(self) -> None:
        from models import services as S

        table = self.query_one(LazyTable)
        pid = table.current_key
        if pid is None:
            return
        row = next(r for r in self.rows_all if r.id == pid)
        reg = self.app.reg
        self.confirm_delete(f"Xóa hẳn {row.full_name} khỏi sổ? Chỉ dùng khi nhập nhầm — người rời tổ thì ghi "
                            "«rời tổ» ở trang tổ để giữ lịch sử. Việc xóa được ghi vào nhật ký.",
                            lambda: S.delete_person(reg, pid))


# ---------------------------------------------------------------------------
# Training
# ---------------------------------------------------------------------------
class TrainingPane(Pane):
    BINDINGS = [
        # Enter on a course does the same; the footer shows it once
        Binding("p", "attendance", "Điểm danh", show=False, id="training.attendance",
                tooltip="Chọn những người đã dự khóa này"),
        Binding("a", "add", "Thêm", id="training.add", tooltip="Thêm khóa tập huấn"),
        Binding("e", "edit", "Sửa", id="training.edit", tooltip="Sửa khóa đang chọn"),
        Binding("d", "delete", "Xóa", id="training.delete", tooltip="Xóa khóa nhập nhầm (hỏi xác nhận)"),
        Binding("u", "untrained", "Chưa tập huấn", id="training.untrained",
                tooltip="Danh sách thành viên chưa được tập huấn năm đang xem"),
    ]
    help_text = ("Các khóa tập huấn theo năm. A: thêm khóa (chủ đề, hình thức, đơn vị tổ chức, số giờ); Enter: "
                 "điểm danh — chọn người theo thôn/tổ, Space đánh dấu, T chọn cả tổ, Ctrl+S lưu; U: xem ai chưa "
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

    year = dt.date.today().year

    def fetch(self):
        from models import services as S

        reg = self.app.reg
        return S.list_courses(reg, year=self.year), S.untrained_members(reg, self.year)

    def show(self, data) -> None:
        courses, untrained = data
        self.courses = {c.id: c for c in courses}
        self.query_one("#courses-table", LazyTable).set_rows(
            [(text.format_date(c.start_date), c.title, c.organiser, c.form_label, text.format_hours(c.hours),
              c.attendee_count) for c in courses], [c.id for c in courses], keep_cursor=True)
        self.query_one("#untrained-table", LazyTable).set_rows(
            [(r.full_name, r.village_name, short_team(r.teams), r.phone) for r in untrained],
            [r.id for r in untrained])
        self.query_one("#untrained-title", Label).update(
            f"Chưa được tập huấn năm {self.year}: {text.format_int(len(untrained))} người (Enter: mở hồ sơ)")
        self.query_one("#training-count", Static).update(
            f"{len(courses)} {tr('khóa')} · {text.format_int(sum(c.attendee_count or 0 for c in courses))} "
            f"{tr('lượt người dự')}")

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
        from .editors import CourseForm

        self.open_form(CourseForm(), lambda c: self.screen.open_attendance(c))

    def action_edit(self) -> None:
        from .editors import CourseForm

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


# ---------------------------------------------------------------------------
# Equipment
# ---------------------------------------------------------------------------
class EquipmentPane(Pane):
    BINDINGS = [
        Binding("a", "add", "Thêm", id="equipment.add", tooltip="Thêm thiết bị hoặc đề xuất"),
        Binding("e", "edit", "Sửa", show=False, id="equipment.edit", tooltip="Sửa dòng đang chọn (như Enter)"),
        Binding("d", "delete", "Xóa", id="equipment.delete", tooltip="Xóa dòng nhập nhầm (hỏi xác nhận)"),
        Binding("n", "needs", "Đề xuất", id="equipment.needs",
                tooltip="Chuyển giữa danh sách thiết bị và đề xuất bổ sung"),
    ]
    help_text = ("Thiết bị tại từng thôn/nhà văn hóa: loại, số lượng, tình trạng, nguồn kinh phí, giá trị. Lọc "
                 "theo thôn và tình trạng. N: chuyển sang danh sách đề xuất bổ sung. A: thêm; E/Enter: sửa; "
                 "D: xóa dòng nhập nhầm.")

    def compose(self) -> ComposeResult:
        with Horizontal(id="equipment-bar"):
            yield Select([], prompt=tr("Thôn/TDP"), id="eq-unit", compact=True)
            yield Select([(vocab.label(vocab.CONDITIONS, c, language()), c) for c in vocab.CONDITIONS], prompt=tr("Tình trạng"), id="eq-cond",
                         compact=True)
            yield Static("", id="eq-count", classes="muted")
        yield LazyTable([Column("Thôn/TDP", 16, grow=40), Column("Thiết bị"), Column("SL", 3, "right"),
                         Column("Tình trạng", 10), Column("Nguồn", 12, grow=36), Column("Giá trị (đ)", 12, "right")],
                        id="equipment-table", enter_label="Sửa", empty_text="Chưa có thiết bị nào. Nhấn A để thêm.")
        yield LazyTable([Column("Thôn/TDP", 16, grow=40), Column("Đề xuất"), Column("SL", 3, "right"),
                         Column("Dự kiến (đ)", 12, "right"), Column("Trạng thái", 10)], id="needs-table", enter_label="Sửa",
                        classes="hidden", empty_text="Chưa có đề xuất nào. Nhấn A để thêm.")

    @property
    def showing_needs(self) -> bool:
        return not self.query_one("#needs-table").has_class("hidden")

    def fetch(self):
        from models import services as S

        reg = self.app.reg
        unit = getattr(self, "unit_filter", None)
        cond = getattr(self, "cond_filter", "") or ""
        return (S.list_equipment(reg, unit_id=unit, condition=cond), S.list_needs(reg, unit_id=unit),
                S.list_villages(reg), S.home_commune(reg))

    def show(self, data) -> None:
        from .editors import unit_options

        items, needs, villages, commune = data
        self.items = {e.id: e for e in items}
        self.needs = {n.id: n for n in needs}
        self.units = unit_options(villages, commune)
        sel = self.query_one("#eq-unit", Select)
        current = sel.value
        with sel.prevent(Select.Changed):
            sel.set_options(self.units)
            if current is not Select.NULL:
                sel.value = current
        self.query_one("#equipment-table", LazyTable).set_rows(
            [(e.unit_name, f"{e.kind_label}" + (f" – {e.description}" if e.description else ""), e.quantity,
              e.condition_label, e.funding_label, text.format_int(e.value) if e.value else "") for e in items],
            [e.id for e in items], keep_cursor=True)
        self.query_one("#needs-table", LazyTable).set_rows(
            [(n.unit_name, n.kind_label + (f" – {n.description}" if n.description else ""), n.quantity,
              text.format_int(n.estimated_value) if n.estimated_value else "", n.status_label) for n in needs],
            [n.id for n in needs], keep_cursor=True)
        total = sum(e.value for e in items)
        self.query_one("#eq-count", Static).update(
            f"{len(items)} {tr('thiết bị')} · {text.format_money(total)} · {len(needs)} {tr('đề xuất')}")

    @on(Select.Changed, "#eq-unit")
    @on(Select.Changed, "#eq-cond")
    def _filters(self, event: Select.Changed) -> None:
        u = self.query_one("#eq-unit", Select).value
        c = self.query_one("#eq-cond", Select).value
        self.unit_filter = None if u is Select.NULL else u
        self.cond_filter = None if c is Select.NULL else c
        self.reload()

    def select_item(self, item_id: int) -> None:
        if self.showing_needs:
            self.action_needs()
        t = self.query_one("#equipment-table", LazyTable)
        if item_id not in t.keys and (getattr(self, "unit_filter", None) or getattr(self, "cond_filter", None)):
            # a filter hides the line asked for (a jump from the dashboard): show everything
            self.unit_filter = self.cond_filter = None
            for sel_id in ("#eq-unit", "#eq-cond"):
                sel = self.query_one(sel_id, Select)
                with sel.prevent(Select.Changed):
                    sel.clear()
            self.loaded_version = -1
            self.when_loaded(lambda: self.select_item(item_id))
            return
        if item_id in t.keys:
            t.cursor = t.keys.index(item_id)
        t.focus()

    def action_needs(self) -> None:
        show = not self.showing_needs
        self.query_one("#needs-table").set_class(not show, "hidden")
        self.query_one("#equipment-table").set_class(show, "hidden")
        self.query_one("#needs-table" if show else "#equipment-table").focus()

    def action_add(self) -> None:
        from .editors import EquipmentForm, NeedForm

        self.open_form(NeedForm(self.units) if self.showing_needs else EquipmentForm(self.units))

    @on(LazyTable.Selected)
    def action_edit(self) -> None:
        from .editors import EquipmentForm, NeedForm

        if self.showing_needs:
            key = self.query_one("#needs-table", LazyTable).current_key
            if key is not None:
                self.open_form(NeedForm(self.units, self.needs[key]))
        else:
            key = self.query_one("#equipment-table", LazyTable).current_key
            if key is not None:
                self.open_form(EquipmentForm(self.units, self.items[key]))

    def action_delete(self) -> None:
        from models import services as S

        reg = self.app.reg
        if self.showing_needs:
            key = self.query_one("#needs-table", LazyTable).current_key
            if key is not None:
                n = self.needs[key]
                self.confirm_delete(f"Xóa đề xuất «{n.kind_label}» của {n.unit_name}?", lambda: S.delete_need(reg, key))
        else:
            key = self.query_one("#equipment-table", LazyTable).current_key
            if key is not None:
                e = self.items[key]
                self.confirm_delete(f"Xóa thiết bị «{e.kind_label}» ×{e.quantity} của {e.unit_name}? "
                                    "Chỉ dùng khi nhập nhầm; thiết bị hỏng thì sửa tình trạng.",
                                    lambda: S.delete_equipment(reg, key))


# ---------------------------------------------------------------------------
# Audit log
# ---------------------------------------------------------------------------
class AuditPane(Pane):
    BINDINGS = [Binding("slash", "search", "Lọc", id="audit.search", tooltip="Đến ô lọc nhật ký")]

    def action_search(self) -> None:
        self.query_one("#audit-search").focus()
    help_text = ("Nhật ký ghi mọi thay đổi: khi nào, ai, thay đổi gì, giá trị cũ → mới. Chỉ để xem, không sửa được. "
                 "Gõ để lọc (không cần dấu), hoặc chọn loại đối tượng/thao tác.")

    def compose(self) -> ComposeResult:
        yield SearchInput(placeholder=tr("Lọc nhật ký (tên, nội dung, người sửa)…"), id="audit-search", compact=True)
        with Horizontal(id="audit-bar"):
            yield Select([(tr(lab), k) for k, lab in vocab.ENTITY_LABELS.items()], prompt=tr("Đối tượng"), id="audit-entity",
                         compact=True)
            yield Select([(vocab.label(vocab.AUDIT_ACTIONS, k, language()), k) for k in vocab.AUDIT_ACTIONS], prompt=tr("Thao tác"),
                         id="audit-action", compact=True)
            yield Static("", id="audit-count", classes="muted")
        yield LazyTable([Column("Thời gian", 16), Column("Người", 10), Column("Thao tác", 8), Column("Nội dung"),
                         Column("Cũ → Mới", 22, grow=60)], id="audit-table", enter_label="Chi tiết", empty_text="Nhật ký trống.")

    def fetch(self):
        from models import services as S

        q = self.query_one("#audit-search", Input).value
        ent = self.query_one("#audit-entity", Select).value
        act = self.query_one("#audit-action", Select).value
        return S.list_audit(self.app.reg, query=q, entity="" if ent is Select.NULL else ent,
                            action="" if act is Select.NULL else act)

    def show(self, entries) -> None:
        self.entries = {e.id: e for e in entries}
        rows = []
        for e in entries:
            change = f"{e.old} → {e.new}".strip() if (e.old or e.new) else ""
            what = e.summary
            if e.field_label and e.field_label not in what:
                what = f"{what}: {e.field_label}"
            rows.append((e.at.strftime("%d/%m/%Y %H:%M"), e.actor, e.action_label, what, change))
        self.query_one(LazyTable).set_rows(rows, [e.id for e in entries])
        self.query_one("#audit-count", Static).update(f"{text.format_int(len(entries))} {tr('dòng')}")

    @on(Input.Changed, "#audit-search")
    @on(Select.Changed)
    def _filter(self, event) -> None:
        event.stop()
        self.reload()

    @on(LazyTable.Selected)
    def action_details(self) -> None:
        from .forms import MessageModal

        key = self.query_one(LazyTable).current_key
        if key is None:
            return
        e = self.entries[key]
        body = (f"Thời gian: {e.at.strftime('%d/%m/%Y %H:%M:%S')}\nNgười thực hiện: {e.actor}\n"
                f"Thao tác: {e.action_label} · {e.entity_label}\nNội dung: {e.summary}\n"
                + (f"Mục thay đổi: {e.field_label or e.field}\nGiá trị cũ: {e.old}\nGiá trị mới: {e.new}"
                   if e.field or e.old or e.new else ""))
        self.app.push_screen(MessageModal("Nhật ký", body))


# ---------------------------------------------------------------------------
# Main screen
# ---------------------------------------------------------------------------
class MainScreen(Screen):
    BINDINGS = [Binding(key, f"show_tab('{tid}')", title if key != "f2" else "Trang", id=f"main.{tid}",
                        tooltip=f"Mở {title} (F2–F9: chuyển trang)", show=key == "f2",
                        key_display="F2–F9" if key == "f2" else None)
                for tid, title, key in TABS] + [
        Binding("ctrl+r", "reload", "Tải lại", show=False, id="main.reload", tooltip="Đọc lại dữ liệu"),
    ]

    def compose(self) -> ComposeResult:
        from .reports_pane import ReportsPane
        from .settings_pane import SettingsPane

        yield Header(icon="☰")
        panes = {"tong-quan": DashboardPane, "thon-to": VillagesPane, "thanh-vien": PeoplePane,
                 "tap-huan": TrainingPane, "thiet-bi": EquipmentPane, "bao-cao": ReportsPane, "nhat-ky": AuditPane, "cai-dat": SettingsPane}
        with TabbedContent(initial="tong-quan", id="tabs"):
            for tid, title, key in TABS:
                with TabPane(tr(title), id=tid):
                    yield panes[tid](id=f"pane-{tid}")
        yield QuickFooter()

    def on_mount(self) -> None:
        self._subtitle()
        self.pane("tong-quan").ensure_loaded()
        self.set_timer(0.2, self.warm_up)

    @work(thread=True, exclusive=True, group="warm-up")
    def warm_up(self) -> None:
        """Read every tab's data in the background, one after another, so that opening a
        tab shows it at once (province scale: 7,446 people take a few hundred ms to read)."""
        from textual.worker import get_current_worker

        from models.services import InputError
        from models.store import StoreError

        worker = get_current_worker()
        for tid in ("thanh-vien", "thon-to", "tap-huan", "thiet-bi", "bao-cao", "nhat-ky", "cai-dat", "tong-quan"):
            if worker.is_cancelled or self.app.locked or self.app.reg is None:
                return
            pane = self.pane(tid)
            version = self.app.data_version
            if pane.loaded_version == version:
                continue
            pane.loaded_version = version
            try:
                data = pane.fetch()
            except (InputError, StoreError):
                pane.loaded_version = -1
                continue
            pane.post_message(Loaded(pane, data, version))

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
        for w in pane.query("LazyTable, OptionList, Input"):
            if w.display and w.can_focus and not w.has_class("hidden"):
                w.focus(scroll_visible=False)  # the page stays at its top
                # the footer shows this tab's keys now, not a frame after the focus
                self.query_one(QuickFooter).bindings_changed(self)
                return

    def action_show_tab(self, tid: str) -> None:
        self.query_one(TabbedContent).active = tid

    def action_reload(self) -> None:
        self.active_pane.reload()

    def on_screen_resume(self) -> None:
        self._subtitle()
        if self.is_mounted and not self.app.locked:
            self.active_pane.ensure_loaded()

    # lock support
    def drop_data(self) -> None:
        for p in self.query(Pane):
            p.clear()
        for sel in ("#dash-summary", "#dash-chart", "#dash-teams", "#dash-deadline"):
            self.query_one(sel, Static).update("")
        self.query_one("#dash-findings", OptionList).clear_options()

    def reload_visible(self) -> None:
        self.active_pane.reload()

    # navigation -------------------------------------------------------------------
    def open_team(self, team_id: int) -> None:
        from .team import TeamScreen

        self.app.push_screen(TeamScreen(team_id))

    def open_person(self, person_id: int) -> None:
        self.load_person(person_id)

    @work(thread=True, exclusive=True, group="open-person")
    def load_person(self, person_id: int) -> None:
        from models import services as S

        reg = self.app.reg
        detail = S.person_detail(reg, person_id)
        villages = S.list_villages(reg)
        self.app.call_from_thread(self._person_form, detail, villages)

    def _person_form(self, detail, villages) -> None:
        from .editors import PersonForm

        def done(result):
            if result is not None:
                self.app.data_changed()
                self.active_pane.reload()
                warns = result[1]
                self.app.notify("Đã lưu." + ("\n" + "\n".join(warns) if warns else ""))
        self.app.push_screen(PersonForm(villages, detail), done)

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

    def palette_commands(self):
        out = [(f"{tr(title)} ({key.upper()})", f"Mở trang {title}", lambda tid=tid: self.action_show_tab(tid))
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
        ]
        return out

    def _cmd(self, fn, tid: str):
        def run():
            self.action_show_tab(tid)
            self.pane(tid).when_loaded(fn)
        return run
