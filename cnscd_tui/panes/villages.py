"""Thôn/Tổ (F3): the commune's villages and residential groups and the team of each."""

from __future__ import annotations

from typing import Any

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.widgets import Static

from ..i18n import tr
from ..forms import FOCUS_KEYS, KeysAtOnce, key_at_once
from ..widgets import Column, LazyTable
from .base import Pane


class VillagesPane(KeysAtOnce, Pane):
    # «A» opens its form at once: the keys typed after it land in the form; Tab moves at once
    BINDINGS = FOCUS_KEYS + [
        key_at_once("a", "add", "Thêm", id="villages.add", tooltip="Thêm thôn/tổ dân phố"),
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
        return villages, commune, settings, self._lines(villages, teams, comp)

    @staticmethod
    def _lines(villages, teams, comp) -> tuple[list, list, dict, str]:
        """Worker thread: the table's lines and keys, each village by its key, the count line (at 16× the
        province 19,840 villages: made on the screen's thread they took 70–145 ms when the tab opened)."""
        by_key: dict[Any, Any] = {}
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
            by_key[("village", v.id)] = v
        with_team = sum(1 for v in villages if v.team_id)
        return rows, keys, by_key, tr("{n} thôn/TDP, {k} đã có Tổ CNSCĐ ({k}/{n}).").format(n=len(villages), k=with_team)

    def show(self, data) -> None:
        self.villages, self.commune, self.settings, (rows, keys, self.by_key, count) = data
        self.query_one(LazyTable).set_rows(rows, keys, keep_cursor=True)
        self.query_one("#villages-count", Static).update(count)

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
        from ..editors import VillageForm

        self.open_form(VillageForm(), lambda v: self.app.notify(f"Đã thêm {v.full_name}."))

    def action_edit(self) -> None:
        from ..editors import VillageForm

        key = self._current()
        if key and key[0] == "village":
            self.open_form(VillageForm(self.by_key[key]))

    def action_merge(self) -> None:
        from ..editors import MergeForm

        key = self._current()
        if key and key[0] == "village":
            self.open_form(MergeForm(self.by_key[key], self.villages),
                           lambda v: self.app.notify(f"Đã gộp vào {v.full_name}."))

    def action_found(self) -> None:
        from ..editors import TeamForm

        key = self._current()
        if not key or key[0] != "village":
            return
        v = self.by_key[key]
        if v.team_id:
            self.app.notify(f"{v.full_name} đã có tổ; mở tổ (Enter) để kiện toàn.", timeout=5)
            return
        self.open_form(TeamForm(v.id, v.full_name, issuer=self.settings.issuing_body),
                       lambda t: self.screen.open_team(t.id))
