"""Thành viên (F4): everyone in the registry; accent-insensitive search and filters."""

from __future__ import annotations

from textual import on
from textual.actions import SkipAction
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal
from textual.widgets import Input, Select

from models import text, vocab

from ..i18n import language, tr, tr_count
from ..forms import FOCUS_KEYS, KeysAtOnce, focus_now, key_at_once
from ..widgets import Column, LazyTable, Line, SearchInput
from .base import Pane, chosen

TRAINED_OPTS = [("Đã tập huấn năm nay", True), ("Chưa tập huấn năm nay", False)]
ACTIVE_OPTS = [("Đang tham gia tổ", True), ("Đã rời / không ở tổ nào", False)]


ADD_TIP = "Thêm người mới (vào tổ ngay trong biểu mẫu); tên đang gõ ở ô tìm được đưa vào biểu mẫu"


class PeoplePane(KeysAtOnce, Pane):
    # the keys that open a form or move the focus act at once (the keys typed after them land there)
    BINDINGS = FOCUS_KEYS + [
        Binding("ctrl+n", "add", "Thêm", priority=True, id="people.new", tooltip=ADD_TIP),
        key_at_once("a", "add", "Thêm", show=False, id="people.add", tooltip=ADD_TIP),
        key_at_once("d", "delete", "Xóa", id="people.delete", tooltip="Xóa người nhập nhầm (hỏi xác nhận)"),
        Binding("slash", "search", "Tìm", priority=True, id="people.search", tooltip="Đến ô tìm kiếm"),
        Binding("down", "to_table", "Danh sách", priority=True, id="people.list",
                tooltip="Từ ô tìm kiếm xuống danh sách"),
    ]
    help_text = ("Mọi người trong sổ, xếp theo tên tiếng Việt. Gõ vào ô tìm kiếm (không cần dấu: «nguyen thi h» "
                 "tìm được «Nguyễn Thị Hà»), lọc theo thôn, thành phần, vai trò, tập huấn, tình trạng. Enter: hồ sơ; "
                 "Ctrl+N (hoặc A ở danh sách): thêm người — tên đang gõ ở ô tìm được đưa vào biểu mẫu, thôn, tổ, "
                 "thành phần, vai trò chọn ngay trong biểu mẫu; D: xóa người nhập nhầm (rời tổ thì ghi ở trang tổ, "
                 "không xóa).")

    rows_all: list = []
    index = None  # the PeopleIndex of rows_all, once read
    lines: list = []  # the table's line of each row of rows_all (same positions)
    ids: list = []
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
        """Worker thread: the rows, and all a keystroke needs made ready here, off the screen's
        thread — the search index and every row's line (a search answers with positions in them)."""
        from models import services as S

        reg = self.app.reg
        rows = S.list_people(reg)
        index = S.PeopleIndex(rows).prepare()
        roles, role_text = vocab.ROLES, {}
        for r in rows:
            if r.roles not in role_text:
                role_text[r.roles] = ", ".join(roles[x][0] for x in r.roles)
        lines = [(r.full_name, r.birth_year or "", r.village_name,
                  role_text[r.roles] if r.roles else ("—" if not r.active else ""), r.phone) for r in rows]
        listed = (rows, index, lines, [r.id for r in rows], {r.id for r in rows if not r.active})
        villages, cats = S.list_villages(reg), S.list_categories(reg)
        # the filter boxes' choices made here too (a village's full name is worked out per village:
        # 19,840 of them at 16× the province took 80 ms of the screen's thread)
        choices = ([(v.full_name, v.id) for v in villages], [(c.name, c.code) for c in cats])
        return listed, villages, cats, S.list_teams(reg), choices

    def show(self, data) -> None:
        listed, villages, cats, teams, (village_opts, cat_opts) = data
        self.rows_all, self.index, self.lines, self.ids, self.inactive = listed
        self.villages, self.categories, self.teams = villages, cats, teams
        self._shown = None  # new data: filter again even if the search and filters are the same
        # a filter box is filled again only when its choices have changed; a long one when the clerk
        # goes to it (Pane.offer_choices)
        self.offer_choices(self.query_one("#pf-village", Select), village_opts)
        self.offer_choices(self.query_one("#pf-category", Select), cat_opts)
        self.apply_filter(keep_cursor=True)

    def clear(self) -> None:
        super().clear()
        self._shown = None
        self.rows_all, self.index, self.lines, self.ids, self.inactive = [], None, [], [], set()
        self._cache = {}

    def _val(self, sel_id: str):
        return chosen(self.query_one(sel_id, Select))

    def apply_filter(self, keep_cursor: bool = False) -> None:
        from models.text import fold

        if self.index is None:
            return  # typed before the list has been read: it is filtered when it comes
        q = fold(self.query_one("#people-search", Input).value)
        filters = (self._val("#pf-village"), self._val("#pf-category") or "", self._val("#pf-role") or "",
                   self._val("#pf-trained"), self._val("#pf-active"), id(self.rows_all))
        if getattr(self, "_shown", None) == (q, filters):
            return  # already shown (the search box filters as it changes; Input.Changed comes after)
        self._shown = (q, filters)
        cache = self._cache if getattr(self, "_cache_key", None) == filters else {}
        found = cache.get(q)
        if found is None:
            # typing on narrows the previous result (a longer query matches a subset);
            # backspace finds the earlier result in the cache
            prev = max((k for k in cache if k and self.index.narrows(k, q)), key=len, default=None)
            found = self.index.search(q, within=cache[prev] if prev is not None else None, village_id=filters[0],
                                      category=filters[1], role=filters[2], trained=filters[3], active=filters[4])
            if len(cache) > 64:
                cache = {}
            cache[q] = found
        self._cache, self._cache_key = cache, filters
        table = self.query_one(LazyTable)
        table.dim = self.inactive
        # the table shows the lines at the answer's positions in place (nothing copied per row)
        table.set_rows(self.lines, self.ids, keep_cursor=keep_cursor, order=found)
        self.query_one("#people-count", Line).text = (
            f"{text.format_int(len(found))}/{tr_count(len(self.rows_all), 'người')}")

    @on(Input.Changed, "#people-search")
    @on(Select.Changed)
    def _filter(self, event) -> None:
        event.stop()
        self.apply_filter()

    @on(Input.Submitted, "#people-search")
    def _to_table(self) -> None:
        focus_now(self.query_one(LazyTable))

    def action_search(self) -> None:
        focus_now(self.query_one("#people-search"))

    def action_to_table(self) -> None:
        if self.app.focused is not self.query_one("#people-search"):
            raise SkipAction()  # ↓ in the list or a filter box is its own
        focus_now(self.query_one(LazyTable))

    @on(LazyTable.Selected, "#people-table")
    def action_open(self) -> None:
        pid = self.query_one(LazyTable).current_key
        if pid is not None:
            self.screen.open_person(pid)

    def action_add(self) -> None:
        """The new-person form, with the name typed in the search box (if it is a name) and the
        village of the village filter; the person can join a team in the same form."""
        from ..editors import PersonForm

        if not self.has_data:
            self.when_loaded(self.action_add)
            return
        form = PersonForm(self.villages, village_id=self._val("#pf-village"), teams=self.teams,
                          categories=self.categories, on_added=lambda _r: self._added(),
                          name_from=self.query_one("#people-search", Input))
        self.open_form(form, lambda r: self.app.notify(tr("Đã thêm {name}.").format(name=r[0].full_name)
                                                       + ("\n" + "\n".join(r[1]) if r[1] else "")))

    def _added(self) -> None:
        """One saved with «save and add another»: the list shows it; the form stays open."""
        self.app.data_changed()
        self.reload()

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
