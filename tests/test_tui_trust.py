"""Pilot tests of the trust hooks in the TUI: a new recovery key from Cài đặt, recovery that
re-keys and checks the new passphrase, read-only opens, save notices, restoring a backup made
before a passphrase change (and by recovery key), the lock screen's wording, the settings
summary, and the Settings tab not reading every backup."""

from __future__ import annotations

import os

from cnscd_tui.app import CnscdApp
from models import services as S
from models.db import Registry
from models.errors import WrongSecret
from tests.conftest import PASS
from tests.tui_helpers import open_demo, press, screen_name, screen_text, settle, type_into

SIZE = (100, 32)
NEW = "ba con meo trang 2026"


def toasts(app) -> str:
    return " ".join(n.message for n in app._notifications)


async def test_settings_renews_the_recovery_key_shown_once_and_typed_back(demo_path):
    app = CnscdApp(demo_path)
    async with app.run_test(size=SIZE) as pilot:
        await open_demo(pilot)
        await press(pilot, "f9", "k")
        assert screen_name(app) == "RenewKeyForm"
        await type_into(pilot, "#f-passphrase", "sai mat khau")
        await press(pilot, "ctrl+s")
        assert screen_name(app) == "RenewKeyForm" and "hiện tại không đúng" in screen_text(app)
        await type_into(pilot, "#f-passphrase", PASS)
        await press(pilot, "ctrl+s")
        assert screen_name(app) == "RecoveryKeyModal"
        key = app.screen.key
        assert key in screen_text(app) and "hết hiệu lực" in screen_text(app)
        await type_into(pilot, "#rkey-confirm", "XXXXX")
        await press(pilot, "enter")
        assert screen_name(app) == "RecoveryKeyModal" and "chưa khớp" in screen_text(app)
        await type_into(pilot, "#rkey-confirm", key.split("-")[-1])
        await press(pilot, "enter")
        assert screen_name(app) == "MainScreen" and "mã cũ không mở được" in toasts(app)
    other = Registry.open(demo_path, recovery_key=key)
    other.close()


async def test_recovery_rekeys_and_refuses_a_weak_passphrase(tmp_path):
    path = tmp_path / "so.cnscd"
    reg, key = Registry.create(path, PASS, province="Ninh Bình", commune="Gia Viễn")
    reg.close()
    old_copy = path.read_bytes()
    app = CnscdApp(path)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await press(pilot, "f3")
        await type_into(pilot, "#rec-key", key)
        for weak in ("12345678", "matkhau2026"):
            await type_into(pilot, "#rec-new", weak)
            await type_into(pilot, "#rec-repeat", weak)
            await press(pilot, "enter")
            assert screen_name(app) == "RecoverScreen"
            assert "dãy" in screen_text(app) or "phổ biến" in screen_text(app)
        await type_into(pilot, "#rec-new", "giavien2026")  # the commune's own name
        await type_into(pilot, "#rec-repeat", "giavien2026")
        await press(pilot, "enter")
        assert screen_name(app) == "RecoverScreen" and "tên đơn vị" in screen_text(app)
        await type_into(pilot, "#rec-new", NEW)
        await type_into(pilot, "#rec-repeat", NEW)
        await press(pilot, "enter")
        assert screen_name(app) == "MainScreen"
    reg = Registry.open(path, passphrase=NEW)
    reg.close()
    # re-keyed: the old passphrase with the copy of the file from before opens only that copy
    old = tmp_path / "old.cnscd"
    old.write_bytes(old_copy)
    Registry.open(old, passphrase=PASS).close()
    try:
        Registry.open(path, passphrase=PASS).close()
        raise AssertionError("the old passphrase still opens the file")
    except WrongSecret:
        pass


async def test_first_run_wizard_checks_the_new_passphrase(tmp_path):
    app = CnscdApp(tmp_path / "moi.cnscd")
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await type_into(pilot, "#c-province", "Ninh Bình")
        await type_into(pilot, "#c-commune", "Gia Viễn")
        app.screen.next_step()
        await settle(pilot)
        await type_into(pilot, "#c-pass", "password1")
        await type_into(pilot, "#c-repeat", "password1")
        app.screen.next_step()
        await settle(pilot)
        assert app.screen.step == "step-2" and "phổ biến" in screen_text(app)


async def test_read_only_registry_has_a_banner_and_refuses_saves(demo_path, monkeypatch):
    real_access = os.access
    monkeypatch.setattr(os, "access", lambda p, mode, **k: False if mode == os.W_OK else real_access(p, mode, **k))
    app = CnscdApp(demo_path)
    async with app.run_test(size=SIZE) as pilot:
        await open_demo(pilot)
        assert app.reg.read_only
        assert "CHỈ ĐỌC" in screen_text(app) and "không lưu được" in screen_text(app)
        await press(pilot, "f10")
        await pilot.press("5")
        await press(pilot, "ctrl+s")
        assert "chỉ đọc" in screen_text(app) and "Chưa lưu" in screen_text(app)
        await press(pilot, "f4")  # reading works
        assert app.screen.query_one("#people-table").row_count > 0


async def test_a_save_warning_is_shown_once(demo_path):
    app = CnscdApp(demo_path)
    async with app.run_test(size=SIZE) as pilot:
        await open_demo(pilot)
        folder = demo_path.with_name(demo_path.name + ".backups")
        if folder.is_dir():
            import shutil

            shutil.rmtree(folder)
        folder.write_text("not a folder")  # saves go on, backups cannot be made
        await press(pilot, "f10", "9", "9")
        await press(pilot, "ctrl+s")
        assert "KHÔNG có bản sao lưu" in toasts(app)
        assert app.reg.take_notices() == []  # taken: said once


async def test_restoring_a_backup_from_before_a_passphrase_change(demo_path):
    app = CnscdApp(demo_path)
    async with app.run_test(size=SIZE) as pilot:
        await open_demo(pilot)
        rk = app.reg.renew_recovery_key(PASS)  # (the demo's own key is not known here)
        S.add_village(app.reg, name="Trước Khi Đổi")
        backup = app.reg.store.backup_now()
        app.reg.change_passphrase(NEW)
        app.data_changed()
        await press(pilot, "f9")
        table = app.screen.query_one("#backups-table")
        table.focus()
        table.cursor = table.keys.index(str(backup))
        await press(pilot, "r")
        assert screen_name(app) == "RestoreForm"
        await type_into(pilot, "#f-passphrase", NEW)  # today's passphrase: not the backup's
        await press(pilot, "ctrl+s")
        text = str(app.screen.query_one("#m-passphrase").render())
        assert screen_name(app) == "RestoreForm" and "LÚC TẠO" in text and "mật khẩu cũ" in text
        assert app.reg is not None and not app.reg.closed  # nothing closed or replaced
        await type_into(pilot, "#f-passphrase", "")
        await type_into(pilot, "#f-recovery_key", rk)
        await press(pilot, "ctrl+s")
        await settle(pilot)
        assert screen_name(app) == "RecoverScreen" and "Đã khôi phục" in screen_text(app)
        await type_into(pilot, "#rec-new", "mot mat khau moi khac")
        await type_into(pilot, "#rec-repeat", "mot mat khau moi khac")
        await press(pilot, "enter")
        assert screen_name(app) == "MainScreen"
        assert "Trước Khi Đổi" in [v.name for v in S.list_villages(app.reg)]
        assert any("bằng mã khôi phục" in e.summary for e in S.list_audit(app.reg))


async def test_restore_with_the_old_passphrase_says_it_now_opens_with_it(demo_path):
    app = CnscdApp(demo_path)
    async with app.run_test(size=SIZE) as pilot:
        await open_demo(pilot)
        backup = app.reg.store.backup_now()
        app.reg.change_passphrase(NEW)
        app.data_changed()
        await press(pilot, "f9")
        table = app.screen.query_one("#backups-table")
        table.focus()
        table.cursor = table.keys.index(str(backup))
        await press(pilot, "r")
        await type_into(pilot, "#f-passphrase", PASS)
        await press(pilot, "ctrl+s")
        await settle(pilot, 5)
        assert screen_name(app) == "MainScreen"
        assert "mật khẩu của bản sao lưu" in toasts(app)
        assert app.reg.store.verify_passphrase(PASS)


async def test_lock_screen_says_who_locked(demo_path):
    app = CnscdApp(demo_path)
    async with app.run_test(size=SIZE) as pilot:
        await open_demo(pilot)
        await press(pilot, "ctrl+l")
        text = screen_text(app)
        assert "Bạn đã khóa sổ" in text and "tự khóa" not in text
        await type_into(pilot, "#lock-pass", PASS)
        await press(pilot, "enter")
        app.last_input -= 11 * 60
        app.check_auto_lock()
        await settle(pilot)
        assert "Sổ tự khóa vì không dùng" in screen_text(app)


async def test_settings_summary_has_no_empty_part(demo_path):
    app = CnscdApp(demo_path)
    async with app.run_test(size=SIZE) as pilot:
        await open_demo(pilot)
        S.update_settings(app.reg, issuing_body_parent="")
        app.data_changed()
        await press(pilot, "f9")
        line = next(ln for ln in screen_text(app).splitlines() if "Cơ quan:" in ln)
        assert "Cơ quan: ỦY BAN" in line and " / " not in line
        S.update_settings(app.reg, issuing_body="")
        app.data_changed()
        await press(pilot, "f2", "f9")
        assert "Cơ quan: (chưa ghi" in screen_text(app)


async def test_settings_tab_does_not_read_every_backup(demo_path, monkeypatch):
    import models.store_backups as SB

    app = CnscdApp(demo_path)
    async with app.run_test(size=SIZE) as pilot:
        await open_demo(pilot)
        for i in range(3):
            S.add_village(app.reg, name=f"Mới {i}")
            app.reg.store.backup_now()
        reads = []
        real = SB.check_file
        monkeypatch.setattr(SB, "check_file", lambda p: reads.append(p) or real(p))
        app.data_changed()
        await press(pilot, "f9")
        table = app.screen.query_one("#backups-table")
        assert table.row_count >= 3 and "Thủ công" in table.rows[0]
        assert reads == []


async def test_damaged_file_backup_from_before_a_passphrase_change_says_which_passphrase(tmp_path):
    path = tmp_path / "so.cnscd"
    reg, _ = Registry.create(path, PASS, province="Ninh Bình", commune="Gia Viễn")
    S.add_village(reg, name="Đông Hòa")
    S.add_village(reg, name="Tây Hòa")  # the file with Đông Hòa is kept as a backup (old passphrase)
    reg.change_passphrase(NEW)
    reg.close()
    data = bytearray(path.read_bytes())
    data[len(data) // 2] ^= 0xFF
    path.write_bytes(bytes(data))
    app = CnscdApp(path)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await type_into(pilot, "#unlock-pass", NEW)
        await press(pilot, "enter")
        assert "Tệp sổ bị hỏng" in screen_text(app)
        await type_into(pilot, "#unlock-pass", NEW)
        await pilot.click("#unlock-restore")
        await settle(pilot)
        text = str(app.screen.query_one("#unlock-msg").render())
        assert screen_name(app) == "UnlockScreen" and "LÚC TẠO" in text and "mật khẩu cũ" in text
        assert not app.screen.query_one("#unlock-restore").has_class("hidden")  # still offered
        await type_into(pilot, "#unlock-pass", PASS)
        await pilot.click("#unlock-restore")
        await settle(pilot)
        assert screen_name(app) == "MainScreen"
        assert "Đông Hòa" in [v.name for v in S.list_villages(app.reg)]
