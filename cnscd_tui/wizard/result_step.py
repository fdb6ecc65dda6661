"""Step 5 of the import wizard: what the import did (people added and updated, villages and
teams created; or the Phụ lục I table taken into the summary registry) and what next."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.containers import Vertical
from textual.widgets import Static

from models import text

from ..i18n import tr


class ResultStep(Vertical):
    def compose(self) -> ComposeResult:
        yield Static("", id="imp-result")

    def _say(self, body: str) -> None:
        self.query_one("#imp-result", Static).update(body)

    def clear(self) -> None:
        self._say("")

    def show_roster(self, res) -> None:
        lines = [f"[green]{res.summary}[/green]"]
        if res.villages_created:
            lines.append(tr("Thôn/TDP mới: ") + ", ".join(res.villages_created))
        if getattr(res, "skipped", 0):
            lines.append("[yellow]" + tr("Bỏ qua {n} dòng có lỗi; các dòng ấy kèm lý do ở tệp: {file} — sửa rồi nhập "
                                         "lại tệp đó.").format(n=res.skipped, file=res.skipped_file) + "[/yellow]")
        if res.teams_created:
            lines.append(tr("Tổ CNSCĐ mới (chưa có quyết định thành lập — bổ sung ở trang Thôn/Tổ): ")
                         + ", ".join(res.teams_created))
        lines.append(tr("Đã ghi vào Nhật ký. Cách ghép cột của mẫu tệp này đã được nhớ cho lần sau."))
        lines.append("\n" + tr("Ctrl+O: ghi bảng kết quả từng dòng ra tệp · Ctrl+N: nhập tệp khác · Esc: đóng."))
        self._say("\n".join(lines))

    def show_table(self, tab) -> None:
        self._say(tr("[green]Đã đưa bảng Phụ lục I vào sổ tổng hợp[/green]: {units} đơn vị, {members} thành "
                     "viên").format(units=len(tab.rows), members=text.format_int(tab.members))
                  + (f"\n[yellow]{tr('Kèm cảnh báo: ')}{'; '.join(tab.flags)}[/yellow]" if tab.flags else "")
                  + "\n\n" + tr("Báo cáo Phụ lục I (F7 Báo cáo) nay cộng cả các bảng đã nhập. Ctrl+N: nhập "
                                "tệp khác · Esc: đóng."))
