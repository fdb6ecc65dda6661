"""Thiết bị (F6): equipment at each village and the requests for more."""

from __future__ import annotations

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal
from textual.widgets import Select, Static

from models import text, vocab

from ..i18n import language, tr
from ..forms import FOCUS_KEYS, KeysAtOnce, key_at_once
from ..widgets import Column, LazyTable
from .base import Pane, chosen


class EquipmentPane(KeysAtOnce, Pane):
    unit_filter: int | None = None  # the filter boxes' choices (set on the UI thread)
    cond_filter: str | None = None

    # «A» opens its form at once: the keys typed after it land in the form; Tab moves at once
    BINDINGS = FOCUS_KEYS + [
        key_at_once("a", "add", "Thêm", id="equipment.add", tooltip="Thêm thiết bị hoặc đề xuất"),
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

    def fetch_params(self) -> tuple[int | None, str]:
        return self.unit_filter, self.cond_filter or ""

    def fetch(self, params: tuple[int | None, str]):
        """Worker thread: the items and needs, and their lines and the unit choices made here (at 16×
        the province 13,000 items and 19,840 units: formatting them took 90–280 ms of the screen's
        thread when the tab opened)."""
        from models import services as S

        from ..editors import unit_options

        reg = self.app.reg
        unit, cond = params
        items, needs = S.list_equipment(reg, unit_id=unit, condition=cond), S.list_needs(reg, unit_id=unit)
        item_lines = [(e.unit_name, f"{e.kind_label}" + (f" – {e.description}" if e.description else ""), e.quantity,
                       e.condition_label, e.funding_label, text.format_int(e.value) if e.value else "") for e in items]
        need_lines = [(n.unit_name, n.kind_label + (f" – {n.description}" if n.description else ""), n.quantity,
                       text.format_int(n.estimated_value) if n.estimated_value else "", n.status_label) for n in needs]
        count = (f"{len(items)} {tr('thiết bị')} · {text.format_money(sum(e.value for e in items))} · "
                 f"{len(needs)} {tr('đề xuất')}")
        return (items, needs, unit_options(S.list_villages(reg), S.home_commune(reg)), item_lines, need_lines,
                count)

    def show(self, data) -> None:
        items, needs, self.units, item_lines, need_lines, count = data
        self.items = {e.id: e for e in items}
        self.needs = {n.id: n for n in needs}
        self.offer_choices(self.query_one("#eq-unit", Select), self.units)
        self.query_one("#equipment-table", LazyTable).set_rows(item_lines, [e.id for e in items], keep_cursor=True)
        self.query_one("#needs-table", LazyTable).set_rows(need_lines, [n.id for n in needs], keep_cursor=True)
        self.query_one("#eq-count", Static).update(count)

    @on(Select.Changed, "#eq-unit")
    @on(Select.Changed, "#eq-cond")
    def _filters(self, event: Select.Changed) -> None:
        self.unit_filter = chosen(self.query_one("#eq-unit", Select))
        self.cond_filter = chosen(self.query_one("#eq-cond", Select))
        self.reload()

    def select_item(self, item_id: int) -> None:
        if self.showing_needs:
            self.action_needs()
        t = self.query_one("#equipment-table", LazyTable)
        if item_id not in t.keys and (self.unit_filter or self.cond_filter):
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
        from ..editors import EquipmentForm, NeedForm

        self.open_form(NeedForm(self.units) if self.showing_needs else EquipmentForm(self.units))

    @on(LazyTable.Selected)
    def action_edit(self) -> None:
        from ..editors import EquipmentForm, NeedForm

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
