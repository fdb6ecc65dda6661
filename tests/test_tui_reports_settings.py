"""The Reports tab (F7) and the Settings tab (F9), issue 15: the period a report covers by default
(one rule with ``cnscd export``), the teams' work in the tab's list, the document fields of the
settings and the support-fund rate shown as the exports use it."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import openpyxl
import pytest

from cnscd_tui.app import CnscdApp
from models import services as S
from tests.conftest import PASS
from tests.tui_helpers import choose, open_demo, press, screen_name, screen_text, settle, type_into

SIZE = (100, 32)


def _cells(path: Path) -> list[str]:
    wb = openpyxl.load_workbook(path)
    return [str(c.value) for ws in wb.worksheets for row in ws.iter_rows() for c in row if c.value is not None]


async def _export(pilot, folder: Path) -> list[Path]:
    """Ctrl+O to ``folder`` (typed in the tab's folder box); the files written."""
    await type_into(pilot, "#rep-folder", str(folder))
    await press(pilot, "ctrl+o")
    await settle(pilot, 5)
    return sorted(folder.iterdir())


# -- the period a report covers when the clerk names none ------------------------------------------
@pytest.mark.parametrize("day", [dt.date(2026, 1, 2), dt.date(2026, 5, 15), dt.date(2026, 6, 30),
                                 dt.date(2026, 7, 1), dt.date(2026, 12, 31)])
def test_command_and_tab_default_to_the_same_period(day):
    """``cnscd export KIND --date D`` (no --period) and the Reports tab on day D cover the same
    period: the quarter under way (the rota: the month), from exports.request.default_period_for."""
    from cnscd_tui.cli import build_parser
    from cnscd_tui.commands.export import request_from_args
    from cnscd_tui.reports_pane import default_period_code, period_options
    from exports.request import TAB_KINDS, default_period_for

    quarter = f"{day.year}-Q{(day.month - 1) // 3 + 1}"
    for kind in TAB_KINDS:
        args = build_parser().parse_args(["export", kind, "--db", "so.cnscd", "--date", day.strftime("%d/%m/%Y")])
        req = request_from_args(args)
        rule = default_period_for(kind, day)
        expected = {"kinh-phi": None, "lich-truc": f"{day.year}-{day.month:02d}"}.get(kind, quarter)
        assert (rule.code if rule else None) == expected, kind
        assert req.period == rule, kind
        if rule is not None:
            assert default_period_code(kind, day) == rule.code, kind
            assert rule.code in [v for _, v in period_options(day, kind)], kind


async def test_reports_tab_opens_on_the_quarter_under_way(demo_path):
    """The tab used to open on the whole year while ``cnscd export`` gave the quarter."""
    from exports.request import default_period_for

    today = dt.date.today()
    quarter = default_period_for("phu-luc-1", today)
    app = CnscdApp(demo_path)
    async with app.run_test(size=SIZE) as pilot:
        await open_demo(pilot)
        await press(pilot, "f7")
        q = app.screen.query_one
        assert q("#rep-period").value == quarter.code == f"{today.year}-Q{(today.month - 1) // 3 + 1}"
        assert f"PhuLucI_{quarter.tag}_" in screen_text(app)  # the file named for the quarter
        await choose(pilot, "#rep-kind", "kinh-phi")  # the whole scheme: no period to choose
        await settle(pilot)
        assert q("#rep-period").disabled and "Cả thời gian hỗ trợ" in screen_text(app)
        await choose(pilot, "#rep-kind", "thanh-phan")
        await settle(pilot)
        assert not q("#rep-period").disabled and q("#rep-period").value == quarter.code


# -- the teams' work in the Reports tab ------------------------------------------------------------
async def test_activity_reports_exported_from_the_reports_tab(demo_path, tmp_path):
    today = dt.date.today()
    month = f"{today.year}-{today.month:02d}"
    app = CnscdApp(demo_path)
    async with app.run_test(size=SIZE) as pilot:
        await open_demo(pilot)
        await press(pilot, "f7")
        q = app.screen.query_one
        kinds = [v for _, v in q("#rep-kind")._options] if hasattr(q("#rep-kind"), "_options") else None
        assert kinds is None or {"hoat-dong", "lich-truc"} <= set(kinds)
        # the teams' results: a month, a quarter, six months or a year; by default the quarter under way
        await choose(pilot, "#rep-kind", "hoat-dong")
        await settle(pilot)
        periods = [v for _, v in q("#rep-period")._options]
        assert month in periods and q("#rep-period").value == f"{today.year}-Q{(today.month - 1) // 3 + 1}"
        await choose(pilot, "#rep-period", month)
        await settle(pilot)
        assert "Kết quả hoạt động" in screen_text(app) or "KẾT QUẢ" in screen_text(app).upper()
        [results] = await _export(pilot, tmp_path / "hoat-dong")
        assert results.suffix == ".xlsx" and f"T{today.month:02d}-{today.year}" in results.name
        wb = openpyxl.load_workbook(results)
        assert len(wb.worksheets) == 4  # services, targets, kinds of support, needs
        assert "Đã xuất" in screen_text(app) and results.name in screen_text(app).replace("\n", "")
        # the duty rota: months only, the month under way by default
        await choose(pilot, "#rep-kind", "lich-truc")
        await settle(pilot)
        periods = [v for _, v in q("#rep-period")._options]
        assert q("#rep-period").value == month and all(len(v) == 7 for v in periods)
        [rota] = await _export(pilot, tmp_path / "lich-truc")
        assert rota.name.startswith(f"LichTruc_T{today.month:02d}-{today.year}")
        cells = _cells(rota)
        assert any("LỊCH TRỰC" in c.upper() for c in cells)
        audit = [e.summary for e in S.list_audit(app.reg) if e.action == "xuat"]
        assert any("Lịch trực" in s for s in audit) and any("Kết quả hoạt động" in s for s in audit)


# -- the settings the exports read ------------------------------------------------------------------
async def _edit_settings(pilot, **values) -> None:
    app = pilot.app
    await press(pilot, "f9")
    await press(pilot, "e")
    assert screen_name(app) == "SettingsForm"
    for name, v in values.items():
        await type_into(pilot, f"#f-{name}", v)
    await press(pilot, "ctrl+s")
    await settle(pilot)


async def test_document_settings_saved_and_printed_on_the_exports(demo_path, tmp_path):
    app = CnscdApp(demo_path)
    async with app.run_test(size=SIZE) as pilot:
        await open_demo(pilot)
        await _edit_settings(pilot, doc_number="125", doc_symbol="UBND-VHXH",
                             recipients="Như trên; Sở Khoa học và Công nghệ; Lưu: VT, VHXH.",
                             preparer_name="Lê Thị Hồng Nhung", accountant_name="Trần Văn Bình",
                             fund_basis="Nghị quyết số 12/2025/NQ-HĐND ngày 10/7/2025 của HĐND thành phố")
        assert screen_name(app) == "MainScreen"
        s = S.get_settings(app.reg)
        assert (s.doc_number, s.doc_symbol, s.preparer_name, s.accountant_name) == (
            "125", "UBND-VHXH", "Lê Thị Hồng Nhung", "Trần Văn Bình")
        assert s.recipients == ["Như trên;", "Sở Khoa học và Công nghệ;", "Lưu: VT, VHXH."]
        text = screen_text(app)
        assert "Lê Thị Hồng Nhung" in text and "Số: 125/BC-UBND-VHXH" in text
        # the payment list: who drew it up and the accountant sign beside the head
        await press(pilot, "f7")
        await choose(pilot, "#rep-kind", "ky-nhan")
        await choose(pilot, "#rep-policy", "quang-nam")
        await settle(pilot)
        [payments] = await _export(pilot, tmp_path / "ky-nhan")
        cells = _cells(payments)
        for label, name in (("NGƯỜI LẬP BIỂU", "Lê Thị Hồng Nhung"), ("KẾ TOÁN", "Trần Văn Bình")):
            assert label in cells and name in cells
        assert any(c.startswith("Căn cứ: Nghị quyết số 12/2025/NQ-HĐND") for c in cells)
        # a report: the number line and «Nơi nhận»
        await choose(pilot, "#rep-kind", "phu-luc-1")
        await settle(pilot)
        [table] = await _export(pilot, tmp_path / "phu-luc-1")
        cells = _cells(table)
        assert any(c.splitlines()[-1] == "Số: 125/BC-UBND-VHXH" for c in cells)  # under the body's rule
        assert ["- Như trên;", "- Sở Khoa học và Công nghệ;", "- Lưu: VT, VHXH."] == [
            c for c in cells if c.startswith("- ")]
        # the form shows them back as typed
        await press(pilot, "f9")
        await press(pilot, "e")
        assert app.screen.query_one("#f-recipients").value == \
            "Như trên; Sở Khoa học và Công nghệ; Lưu: VT, VHXH."


BAD = {  # field: (what the clerk typed, the field named in the message)
    "doc_number": ("125 BC", "Số văn bản"),
    "doc_symbol": ("BC/UBND", "Ký hiệu văn bản"),
    "preparer_name": ("Nguyễn Văn 2", "Người lập biểu"),
    "accountant_name": ("K" * 80 + ".", "Kế toán"),  # not typed key by key (it ends in «.»): pasted
    "recipients": ("; ".join(f"Nơi {i}" for i in range(16)), "Nơi nhận"),
    "fund_basis": ("N" * 300 + ".", "Căn cứ mức hỗ trợ"),
}


async def test_document_settings_refused_with_the_field_named(demo_path):
    app = CnscdApp(demo_path)
    async with app.run_test(size=SIZE) as pilot:
        await open_demo(pilot)
        before = S.get_settings(app.reg)
        await _edit_settings(pilot, **{k: v for k, (v, _) in BAD.items()})
        assert screen_name(app) == "SettingsForm"  # not saved
        for field, (_, label) in BAD.items():
            assert f"«{label}»" in app.screen.query_one(f"#m-{field}").render().plain, field
        assert S.get_settings(app.reg) == before


# -- the support-fund rate: the one the exports use --------------------------------------------------
async def test_settings_show_the_rate_the_exports_use_and_do_not_pin_another(demo_path):
    """A Hải Phòng ward has no rate of its own province: the exports leave the amounts blank
    (exports.fund.registry_policy). Saving the settings form for another field used to pin
    Quảng Nam's rate, the box's first choice."""
    from exports.fund import registry_policy

    app = CnscdApp(demo_path)
    async with app.run_test(size=SIZE) as pilot:
        await open_demo(pilot)
        policy, _ = registry_policy(app.reg)
        assert not policy.chosen
        await press(pilot, "f9")
        assert f"Mức hỗ trợ kinh phí: {policy.name}" in screen_text(app).replace("\n", " ")
        await press(pilot, "e")
        assert app.screen.query_one("#f-fund_policy").value == ""
        await type_into(pilot, "#f-signer_name", "Phạm Văn An")
        await press(pilot, "ctrl+s")
        await settle(pilot)
        s = S.get_settings(app.reg)
        assert s.signer_name == "Phạm Văn An" and s.fund_policy == ""
        assert not registry_policy(app.reg)[0].chosen
        # a rate chosen in the form is the one the exports use, and the one shown
        await press(pilot, "e")
        await choose(pilot, "#f-fund_policy", "da-nang")
        await press(pilot, "ctrl+s")
        await settle(pilot)
        policy, source = registry_policy(app.reg)
        assert policy.code == "da-nang" and source == "theo cài đặt của sổ"
        assert f"Mức hỗ trợ kinh phí: {policy.name}" in screen_text(app).replace("\n", " ")


async def test_rate_of_the_registry_province_offered_as_the_first_choice(tmp_path):
    """A Quảng Nam commune with no rate saved: the form says the exports use the province's."""
    from cnscd_tui.panes.settings import policy_choice
    from exports.fund import registry_policy
    from models.db import Registry

    reg, _ = Registry.create(tmp_path / "qn.cnscd", PASS, province="Tỉnh Quảng Nam", commune="Tam Kỳ",
                             commune_kind="phường")
    try:
        s = S.get_settings(reg)
        value, options = policy_choice(s)
        assert value == "" and options[0][1] == ""
        assert registry_policy(reg)[0].name in options[0][0] and options[0][0].startswith("Theo tỉnh")
    finally:
        reg.close()


# -- the Settings tab while the other tabs are read in the background (issue 19) ---------------------
async def test_settings_tab_drawn_at_once_while_a_background_read_holds_the_registry(demo_path):
    """After a save the main screen reads every tab again, one read holding the registry for
    seconds at 16× the province. The Settings tab used to wait behind it, showing the backups as
    they were before; it is drawn at once from what is in memory, then read when the registry is free."""
    import threading

    from cnscd_tui.widgets import LazyTable

    app = CnscdApp(demo_path)
    async with app.run_test(size=SIZE) as pilot:
        await open_demo(pilot)
        await press(pilot, "f9")
        table = app.screen.query_one("#backups-table", LazyTable)
        def manual_backup_listed() -> bool:
            return any(row[2] == "Thủ công" for row in table.rows)

        assert not manual_backup_listed()
        await press(pilot, "f2")
        S.backup_now(app.reg)  # a save: a new backup beside the registry
        app.data_changed()
        held, release = threading.Event(), threading.Event()

        def background_read() -> None:  # what a long read of another tab does
            with app.reg.read():
                held.set()
                release.wait(60)

        reader = threading.Thread(target=background_read)
        reader.start()
        try:
            assert held.wait(10)
            await pilot.press("f9")
            await pilot.pause()
            assert manual_backup_listed() and "Thủ công" in screen_text(app)
        finally:
            release.set()
            reader.join()
        await settle(pilot)
        assert manual_backup_listed()
