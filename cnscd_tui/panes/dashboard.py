"""Tổng quan (F2): the registry in numbers, the next report deadline, what needs doing
(Enter on a finding goes where it can be fixed), and what is behind its target in the
teams' work (Enter goes to the village in the Hoạt động tab)."""

from __future__ import annotations

import gc

from textual import on, work
from textual.app import ComposeResult
from textual.message import Message
from textual.containers import VerticalScroll
from textual.widgets import Label, OptionList, Static
from textual.widgets.option_list import Option

from models import text

from ..i18n import tr, tr_pair, tr_count
from ..widgets import bar_chart
from .base import Pane

MAX_FINDINGS = 100  # the dashboard lists the first ones; the villages tab shows every team's state
MAX_BEHIND = 6  # lines of what is behind its target (the Hoạt động tab has every village)
MAX_UNKNOWN = 3  # villages without a household count


class ProgressRead(Message):
    def __init__(self, progress, version: int) -> None:
        super().__init__()
        self.progress, self.version = progress, version


class ComplianceRead(Message):
    def __init__(self, compliance, version: int) -> None:
        super().__init__()
        self.compliance, self.version = compliance, version


def sentence_case(s: str) -> str:
    """Every sentence starts with a capital letter: «thôn X chưa có tổ. thiếu …» → «Thôn X chưa có tổ. Thiếu …»."""
    out, start = [], True
    for i, ch in enumerate(s):
        if start and ch.isalpha():
            ch, start = ch.upper(), False
        elif start and not ch.isspace():
            start = False
        out.append(ch)
        if ch in ".!?" and i + 1 < len(s) and s[i + 1] == " ":
            start = True
    return "".join(out)


class DashboardPane(Pane):
    help_text = ("Tổng quan của sổ: số thôn, tổ, thành viên, tập huấn, thiết bị và các việc cần xử lý theo quy "
                 "định (số thành viên, thành phần bắt buộc, tập huấn). Chọn một dòng trong «Việc cần xử lý» rồi "
                 "nhấn Enter để đến đúng chỗ cần sửa. «Tiến độ so với mục tiêu»: những thôn chưa đạt chỉ tiêu năm "
                 "(▼) hoặc chưa có số hộ để tính (?); Enter để mở thôn đó ở trang Hoạt động (F10).")

    def compose(self) -> ComposeResult:
        with VerticalScroll(id="dash-scroll"):
            yield Static("", id="dash-summary")
            yield Static("", id="dash-deadline")
            yield Label(tr("Việc cần xử lý"), classes="section")
            yield Static("", id="dash-teams")
            yield OptionList(id="dash-findings")
            yield Label(tr_pair("Tiến độ so với mục tiêu", "Progress against targets"), id="dash-progress-title",
                        classes="section")
            yield OptionList(id="dash-progress")
            yield Label(tr("Thành viên theo thành phần"), classes="section")
            yield Static("", id="dash-chart")

    # The numbers first (counted in SQL: at once even for a national roll-up), then what needs
    # doing (every team checked against the rules), then the progress against targets: each
    # part is read in a worker after the one before has been drawn.
    def fetch(self):
        from models import rules, services as S

        reg = self.app.reg
        return S.stats(reg), rules.deadlines(S.get_settings(reg)), S.list_categories(reg)

    def show(self, data) -> None:
        st, deadlines, cats = data
        self.stats = st
        cov = st.trained_this_year / st.people * 100 if st.people else 0.0
        self.query_one("#dash-summary", Static).update(
            f"[b]{tr('Thôn/TDP')}:[/b] {text.format_int(st.villages)}   "
            f"[b]{tr('Tổ CNSCĐ')}:[/b] {text.format_int(st.teams)}   "
            f"[b]{tr('Thành viên đang hoạt động')}:[/b] {text.format_int(st.active_members)}\n"
            f"[b]{tr('Tập huấn năm nay')}:[/b] {tr_count(st.courses_this_year, 'khóa')}, "
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
        if not getattr(self, "findings", None):  # the first read: say that the teams are being checked
            self.query_one("#dash-teams", Static).update(tr_pair("Đang kiểm tra các tổ…", "Checking the teams…"))
        version = self.app.data_version
        self._after_warm_up("thanh-vien", lambda: self._read_compliance(version))

    def _after_warm_up(self, tid: str | None, callback) -> None:
        """After the background read has read ``tid`` (the main screen orders the reads)."""
        after = getattr(self.screen, "after_warm_up", None)
        if after is None:
            callback()
        else:
            after(tid, callback)

    @work(thread=True, exclusive=True, group="dash-compliance")
    def _read_compliance(self, version: int) -> None:
        from models import rules
        from models.errors import InputError, StoreError

        reg = self.app.reg
        if reg is None:
            return
        try:
            compliance = rules.compliance(reg)
        except (InputError, StoreError):
            return
        self.post_message(ComplianceRead(compliance, version))

    def on_compliance_read(self, message: ComplianceRead) -> None:
        message.stop()
        if not self.app.locked and message.version == self.app.data_version:
            self._show_compliance(message.compliance)
            gc.freeze()  # kept by the screen, as the progress below
            version = message.version
            self._after_warm_up(None, lambda: self._read_progress(version))

    def _show_compliance(self, comp) -> None:
        self.compliance = comp
        self.query_one("#dash-teams", Static).update(
            f"{tr('Tổ đạt yêu cầu')}: [b]{comp.teams_ok}/{len(comp.teams)}[/b]. "
            f"{tr('Chưa tập huấn năm {year}').format(year=comp.year)}: {text.format_int(comp.untrained_members)} "
            f"{tr('người')}.")
        ol = self.query_one("#dash-findings", OptionList)
        ol.clear_options()
        self.findings = self._registry_findings(self.stats) + list(comp.findings)
        if not self.findings:
            ol.add_option(Option(f"[green]✓ {tr('Không có việc gì cần xử lý.')}[/green]", id="none", disabled=True))
        shown = self.findings[:MAX_FINDINGS]
        ol.add_options([Option(("[red]●[/red] " if f.severity == "loi" else "[yellow]▲[/yellow] ")
                               + sentence_case(tr_pair(f.message, f.message_en)), id=f"f{i}")
                        for i, f in enumerate(shown)])
        if len(self.findings) > len(shown):
            ol.add_option(Option(tr("… và {n} việc khác: xem cột «Tình trạng» ở trang Thôn/Tổ (F3).").format(
                n=text.format_int(len(self.findings) - len(shown))), id="more", disabled=True))
        if shown:  # the first Enter opens the first line (nothing was highlighted before)
            ol.highlighted = 0

    # the teams' progress is read after the rest has been drawn (≈ 0,5 s at province scale)
    @work(thread=True, exclusive=True, group="dash-progress")
    def _read_progress(self, version: int) -> None:
        from models import activities as A
        from models.errors import InputError, StoreError

        reg = self.app.reg
        if reg is None:
            return
        try:
            progress = A.progress(reg)
        except (InputError, StoreError):
            return
        self.post_message(ProgressRead(progress, version))

    def on_progress_read(self, message: ProgressRead) -> None:
        message.stop()
        if not self.app.locked and message.version == self.app.data_version:
            self._show_progress(message.progress)
            # the progress lives as long as the screen: out of the collector's full passes (at 16×
            # ≈ 340,000 objects, a 0.45 s pass landing on the keystroke after a pause)
            gc.freeze()

    def _show_progress(self, progress) -> None:
        """What is behind its target (year to date), then villages whose share cannot be computed."""
        self.query_one("#dash-progress-title", Label).update(tr_pair(
            f"Tiến độ so với mục tiêu năm {progress.year} (lũy kế từ đầu năm)",
            f"Progress against the {progress.year} targets (year to date)"))
        behind = progress.behind_items[:MAX_BEHIND]
        unknown, seen = [], set()
        for b in progress.unknown_items:  # one line per village («chưa có số hộ» first)
            if b.unit_id not in seen:
                seen.add(b.unit_id)
                unknown.append(b)
        self.progress_targets = {}
        options = []
        for i, b in enumerate(behind):
            self.progress_targets[f"b{i}"] = ("activity", b.unit_id)
            options.append(Option("[red]▼[/red] " + sentence_case(tr_pair(b.text, b.text_en)), id=f"b{i}"))
        for i, b in enumerate(unknown[:MAX_UNKNOWN]):
            self.progress_targets[f"u{i}"] = ("activity-households", b.unit_id)
            options.append(Option("[yellow]?[/yellow] " + sentence_case(tr_pair(b.text, b.text_en)), id=f"u{i}"))
        more = len(progress.behind_items) - len(behind) + max(0, len(unknown) - MAX_UNKNOWN)
        if more:
            options.append(Option(tr_pair(f"… và {text.format_int(more)} dòng khác: xem trang Hoạt động (F10), «T».",
                                          f"… and {more} more: see Activity (F10), «T»."), id="more", disabled=True))
        if not options:
            options.append(Option("[green]✓[/green] " + tr_pair("Mọi thôn đã đạt mục tiêu đến nay.",
                                                                "Every village meets its targets so far."),
                                  id="none", disabled=True))
        ol = self.query_one("#dash-progress", OptionList)
        ol.clear_options()
        ol.add_options(options)
        if self.progress_targets:
            ol.highlighted = 0

    def clear(self) -> None:
        super().clear()
        self.findings = []
        for sel in ("#dash-summary", "#dash-chart", "#dash-teams", "#dash-deadline"):
            self.query_one(sel, Static).update("")
        self.query_one("#dash-findings", OptionList).clear_options()
        self.query_one("#dash-progress", OptionList).clear_options()

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

    @on(OptionList.OptionSelected, "#dash-progress")
    def _jump_progress(self, event: OptionList.OptionSelected) -> None:
        target = getattr(self, "progress_targets", {}).get(event.option.id or "")
        if target is not None:
            self.screen.jump_to(target)
