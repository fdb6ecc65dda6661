"""The province's hand-off screens in a real app (Pilot): the completeness board, M for the missing
communes, N to receive packages from a folder with a preview, the replacement asked before it is
made, the board afterwards. Waits for states (``settle``), never for time."""

from __future__ import annotations

import datetime as dt

from cnscd_tui.app import CnscdApp
from cnscd_tui.handoff_screen import CompletenessScreen, HandoffImportScreen, default_period
from models import received
from tests.conftest import PASS
from tests.test_handoff import cnscd, make_province
from tests.tui_helpers import press, screen_name, screen_text, settle, shown, type_into, unlock

SIZE = (140, 45)
BOARD_DAY = dt.date(2026, 12, 20)


def test_default_period_is_the_half_year_of_the_day():
    assert default_period(dt.date(2026, 3, 1)) == "2026-H1" and default_period(dt.date(2026, 12, 20)) == "2026-H2"


async def test_board_missing_list_and_receiving_packages(tmp_path, demo_path, monkeypatch):
    monkeypatch.setenv("CNSCD_PASSPHRASE", PASS)
    tinh = tmp_path / "tinh.cnscd"
    pub = tmp_path / "tinh.pub"
    pub.write_text(make_province(tinh), encoding="utf-8")
    usb = tmp_path / "usb"
    usb.mkdir()
    newer = tmp_path / "usb-2"
    newer.mkdir()
    # both packages made before the app opens (one registry open per process at a time)
    for folder, day in ((usb, "05/12/2026"), (newer, "10/12/2026")):
        assert cnscd("handoff", "export", "--db", str(demo_path), "--period", "2026-H2", "--to", str(folder),
                     "--recipient", str(pub), "--date", day)[0] == 0
    app = CnscdApp(tinh)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await unlock(pilot, PASS)
        assert screen_name(app) == "MainScreen"
        app.push_screen(CompletenessScreen("2026-H2", day=BOARD_DAY))
        await settle(pilot)
        text = screen_text(app)
        assert "Hạn nộp 15/12/2026" in text and "chưa nộp 3 / 3" in text
        assert "Chưa nhận — quá hạn 5 ngày" in text and "Xã Kiến Thụy" in text
        await press(pilot, "m")
        assert "Các xã chưa nộp gói kỳ 2026-H2 (3)" in screen_text(app)
        await press(pilot, "m")
        # N: receive the folder's packages
        await press(pilot, "n")
        assert screen_name(app) == "HandoffImportScreen"
        await type_into(pilot, "#goi-path", str(usb))
        await press(pilot, "enter")
        text = screen_text(app)
        assert "Phường Trần Hưng Đạo" in text and "Nhận mới" in text and "1 gói hợp lệ" in text
        with app.reg.read():
            assert received.list_packages(app.reg) == []  # a preview writes nothing
        await press(pilot, "ctrl+s")
        assert "Đã nhận: 1 gói mới" in screen_text(app)
        assert len(received.list_packages(app.reg)) == 1
        # a newer package from the same ward: the preview says it replaces; Ctrl+S asks first
        await type_into(pilot, "#goi-path", str(newer))
        await press(pilot, "enter")
        await shown(pilot, "Thay gói đã nhận")
        await press(pilot, "ctrl+s")
        assert screen_name(app) == "ConfirmModal"
        await press(pilot, "k")  # not now: nothing replaced
        assert screen_name(app) == "HandoffImportScreen"
        (s,) = received.list_packages(app.reg)
        assert s.created_at.date() == dt.date(2026, 12, 5)
        await press(pilot, "ctrl+s")
        await press(pilot, "c")
        assert "thay 1 gói" in screen_text(app)
        (s,) = received.list_packages(app.reg)  # replaced, never added
        assert s.created_at.date() == dt.date(2026, 12, 10)
        await press(pilot, "escape")
        assert screen_name(app) == "CompletenessScreen"
        text = screen_text(app)
        assert "đúng hạn 1, muộn 0, chưa nộp 2 / 3" in text and "Đã nhận, đúng hạn" in text
        await press(pilot, "m")
        text = screen_text(app)
        assert "Các xã chưa nộp gói kỳ 2026-H2 (2): Xã An Lão; Xã Kiến Thụy" in text
        await press(pilot, "escape")
        assert screen_name(app) == "MainScreen"


async def test_a_damaged_package_is_refused_in_the_preview(tmp_path, monkeypatch):
    monkeypatch.setenv("CNSCD_PASSPHRASE", PASS)
    tinh = tmp_path / "tinh.cnscd"
    make_province(tinh)
    bad = tmp_path / "goi" / "hong.cnscd-goi"
    bad.parent.mkdir()
    bad.write_bytes(b"age-encryption.org/v1\n-> X25519 abc\nxyz\n--- abc\n" + b"\0" * 64)
    app = CnscdApp(tinh)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await unlock(pilot, PASS)
        app.push_screen(HandoffImportScreen(start=bad.parent))
        await settle(pilot)
        text = screen_text(app)
        assert "Từ chối" in text and "hong.cnscd-goi" in text
        await press(pilot, "ctrl+s")
        assert "Chưa có gói nào để nhận" in screen_text(app)
        await press(pilot, "escape")
        assert screen_name(app) == "MainScreen"
