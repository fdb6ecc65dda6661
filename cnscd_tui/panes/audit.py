"""Nhật ký (F8): every change, read-only, filtered by text, kind of record and action."""

from __future__ import annotations

from dataclasses import dataclass

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal
from textual.widgets import Input, Select, Static

from models import text, vocab

from ..i18n import language, tr
from ..widgets import Column, LazyTable, SearchInput
from .base import Pane, chosen


@dataclass(frozen=True)
class AuditFilter:
    """What the filter boxes ask for (read on the UI thread, handed to the worker)."""

    query: str = ""
    entity: str = ""
    action: str = ""


class AuditPane(Pane):
    BINDINGS = [Binding("slash", "search", "Lọc", id="audit.search", tooltip="Đến ô lọc nhật ký")]
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

    def fetch_params(self) -> AuditFilter:
        return AuditFilter(self.query_one("#audit-search", Input).value,
                           chosen(self.query_one("#audit-entity", Select)) or "",
                           chosen(self.query_one("#audit-action", Select)) or "")

    def fetch(self, f: AuditFilter):
        """Worker thread: the entries and the table's line of each (up to 2,000 of them: formatted
        here, not on the screen's thread)."""
        from models import services as S

        entries = S.list_audit(self.app.reg, query=f.query, entity=f.entity, action=f.action)
        rows = []
        for e in entries:
            change = f"{e.old} → {e.new}".strip() if (e.old or e.new) else ""
            what = e.summary
            if e.field_label and e.field_label not in what:
                what = f"{what}: {e.field_label}"
            rows.append((e.at.strftime("%d/%m/%Y %H:%M"), e.actor, e.action_label, what, change))
        return entries, rows, [e.id for e in entries]

    def show(self, data) -> None:
        entries, rows, ids = data
        self.entries = dict(zip(ids, entries, strict=True))
        self.query_one(LazyTable).set_rows(rows, ids)
        self.query_one("#audit-count", Static).update(f"{text.format_int(len(entries))} {tr('dòng')}")

    def action_search(self) -> None:
        self.query_one("#audit-search").focus()

    @on(Input.Changed, "#audit-search")
    @on(Select.Changed)
    def _filter(self, event) -> None:
        event.stop()
        self.reload()

    @on(LazyTable.Selected)
    def action_details(self) -> None:
        from ..forms import MessageModal

        key = self.query_one(LazyTable).current_key
        if key is None:
            return
        e = self.entries[key]
        body = (f"Thời gian: {e.at.strftime('%d/%m/%Y %H:%M:%S')}\nNgười thực hiện: {e.actor}\n"
                f"Thao tác: {e.action_label} · {e.entity_label}\nNội dung: {e.summary}\n"
                + (f"Mục thay đổi: {e.field_label or e.field}\nGiá trị cũ: {e.old}\nGiá trị mới: {e.new}"
                   if e.field or e.old or e.new else ""))
        self.app.push_screen(MessageModal("Nhật ký", body))
