"""Pilot tests of every flow of the terminal UI (isolated HOME, fast KDF)."""

from __future__ import annotations

import errno

import pytest

from cnscd_tui.app import CnscdApp
from models import services as S
from tests.conftest import PASS
from tests.tui_helpers import (
    choose, footer_line, open_demo, press, screen_name, screen_text,
    set_ui_language, settle, tick, type_into, unlock,
)

SIZE = (100, 32)


# -- unlock / create ---------------------------------------------------------------
async def test_wrong_passphrase_then_right(demo_path):
    app = CnscdApp(demo_path, demo_passphrase=None)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        assert screen_name(app) == "UnlockScreen"
        await unlock(pilot, "sai-mat-khau")
        text = screen_text(app)
        assert "Sai mật khẩu" in text and "F3" in text
        assert screen_name(app) == "UnlockScreen"
        await unlock(pilot, PASS)
        assert screen_name(app) == "MainScreen"
        text = screen_text(app)
        assert "Thôn/TDP: 28" in text and "Tổ CNSCĐ: 29" in text


async def test_demo_passphrase_is_shown(demo_path):
    app = CnscdApp(demo_path, demo_passphrase="demo-cnscd-2026")
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        assert "demo-cnscd-2026" in screen_text(app)


async def test_damaged_file_offers_newest_good_backup(tmp_path):
    from models.db import Registry

    path = tmp_path / "so.cnscd"
    reg, _ = Registry.create(path, PASS, province="Ninh Bình", commune="Gia Viễn")
    S.add_village(reg, name="Đông Hòa")
    S.add_village(reg, name="Tây Hòa")
    reg.close()
    data = bytearray(path.read_bytes())
    data[len(data) // 2] ^= 0xFF
    path.write_bytes(bytes(data))
    app = CnscdApp(path)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await unlock(pilot, PASS)
        text = screen_text(app)
        assert "Tệp sổ bị hỏng" in text
        assert "Sai mật khẩu" not in text
        restore = app.screen.query_one("#unlock-restore")
        assert not restore.has_class("hidden")
        await type_into(pilot, "#unlock-pass", PASS)
        await pilot.click("#unlock-restore")
        await settle(pilot)
        assert screen_name(app) == "MainScreen"
        names = [v.name for v in S.list_villages(app.reg)]
        assert "Đông Hòa" in names  # the backup taken before the last save


async def test_registry_open_elsewhere_is_refused(demo_path):
    from models.lock import RegistryLock

    lock = RegistryLock(demo_path)
    lock.acquire()
    try:
        app = CnscdApp(demo_path)
        async with app.run_test(size=SIZE) as pilot:
            await settle(pilot)
            await unlock(pilot, PASS)
            text = screen_text(app)
            assert "Sổ đang mở ở nơi khác" in text
            assert screen_name(app) == "UnlockScreen"
    finally:
        lock.release()


async def test_forgotten_passphrase_recovery_key(tmp_path):
    from models.db import Registry

    path = tmp_path / "so.cnscd"
    reg, key = Registry.create(path, PASS, province="Ninh Bình", commune="Gia Viễn")
    reg.close()
    app = CnscdApp(path)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await press(pilot, "f3")
        assert screen_name(app) == "RecoverScreen"
        await type_into(pilot, "#rec-key", "AAAAA-BBBBB-CCCCC-DDDDD-EEEEE")
        await type_into(pilot, "#rec-new", "mat khau moi rat dai")
        await type_into(pilot, "#rec-repeat", "mat khau moi rat dai")
        await press(pilot, "enter")
        assert "Mã khôi phục không đúng" in screen_text(app) or "không" in screen_text(app)
        assert screen_name(app) == "RecoverScreen"
        await type_into(pilot, "#rec-key", key.lower())
        await type_into(pilot, "#rec-repeat", "mat khau moi rat dai")
        await press(pilot, "enter")
        assert screen_name(app) == "MainScreen"
    reg = Registry.open(path, passphrase="mat khau moi rat dai")
    reg.close()


# -- the whole new-user story ------------------------------------------------------
async def _add_member(pilot, name: str, birth: str, gender: str, category: str, role: str = "thanh_vien"):
    app = pilot.app
    await press(pilot, "a")
    assert screen_name(app) == "PersonPicker"
    await press(pilot, "ctrl+n")
    assert screen_name(app) == "PersonForm"
    await type_into(pilot, "#f-full_name", name)
    await choose(pilot, "#f-gender", gender)
    await type_into(pilot, "#f-birth", birth)
    # the team's category and role in the same form (issue 15: no second window)
    await choose(pilot, "#f-category", category)
    await choose(pilot, "#f-role", role)
    await press(pilot, "ctrl+s")
    assert screen_name(app) == "TeamScreen", screen_text(app)


async def test_new_user_story_red_to_green(tmp_path):
    path = tmp_path / "moi.cnscd"
    app = CnscdApp(path)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        assert screen_name(app) == "CreateScreen"
        # step 1: identity
        await type_into(pilot, "#c-province", "Ninh Bình")
        await type_into(pilot, "#c-commune", "Gia Viễn")
        await type_into(pilot, "#c-signer-name", "Nguyễn Văn An")
        await press(pilot, "enter")
        # step 2: passphrase twice, with a strength hint
        await type_into(pilot, "#c-pass", "ngan")
        assert "Yếu" in screen_text(app)
        await type_into(pilot, "#c-pass", "mat khau cua xa")
        await type_into(pilot, "#c-repeat", "mat khau cua xa")
        await press(pilot, "enter")
        # step 3: the recovery key is shown; the last group must be typed back
        key = app.screen.recovery_key
        assert key and key in screen_text(app)
        await type_into(pilot, "#c-confirm", "ZZZZZ")
        await press(pilot, "enter")
        assert screen_name(app) == "CreateScreen"
        assert "chưa khớp" in screen_text(app)
        await type_into(pilot, "#c-confirm", key.split("-")[-1])
        await press(pilot, "enter")
        assert screen_name(app) == "MainScreen"
        assert S.get_settings(app.reg).signer_name == "Nguyễn Văn An"

        # a village
        await press(pilot, "f3")
        await press(pilot, "a")
        assert screen_name(app) == "VillageForm"
        await type_into(pilot, "#f-name", "Đông Hòa")
        await press(pilot, "ctrl+s")
        assert screen_name(app) == "MainScreen"
        assert "Thôn Đông Hòa" in screen_text(app)

        # found its team with a decision → the team page opens
        app.screen.query_one("#villages-table").focus()
        await press(pilot, "t")
        assert screen_name(app) == "TeamForm"
        await type_into(pilot, "#f-number", "12/QĐ-UBND")
        await type_into(pilot, "#f-date", "05/09/2025")
        await press(pilot, "ctrl+s")
        assert screen_name(app) == "TeamScreen"
        team_id = app.screen.team_id
        status = screen_text(app)
        assert "Chưa đạt" in status

        comp = {t.team_id: t for t in __import__("models.rules", fromlist=["x"]).compliance(app.reg).teams}
        assert comp[team_id].status == "loi"  # red: no members, categories missing

        # five members with different categories
        await _add_member(pilot, "Trần Văn Bình", "1970", "nam", "TRUONG_THON", "to_truong")
        await _add_member(pilot, "Lê Thị Hoa", "12/03/1995", "nu", "DOAN_TN", "to_pho")
        await _add_member(pilot, "Phạm Văn Cường", "1965", "nam", "MTTQ")
        await _add_member(pilot, "Ngô Thị Dung", "1980", "nu", "PHU_NU")
        await _add_member(pilot, "Đỗ Văn Em", "1958", "nam", "CCB")
        text = screen_text(app)
        for name in ("Trần Văn Bình", "Lê Thị Hoa", "Phạm Văn Cường", "Ngô Thị Dung", "Đỗ Văn Em"):
            assert name in text
        assert "chưa được tập huấn" in text  # yellow now: untrained
        await press(pilot, "escape")

        # the dashboard still has something to fix: nobody is trained yet
        await press(pilot, "f2")
        assert "5/5 thành viên chưa được tập huấn" in screen_text(app)
        assert "Không có việc gì cần xử lý" not in screen_text(app)

        # record a training for them
        await press(pilot, "f5")
        await press(pilot, "a")
        assert screen_name(app) == "CourseForm"
        await type_into(pilot, "#f-title", "Tập huấn kỹ năng số")
        await type_into(pilot, "#f-start_date", "10/03/2026" if False else f"10/03/{__import__('datetime').date.today().year}")
        await tick(pilot, "#f-topics", "DVCTT", "VNEID")
        await press(pilot, "ctrl+s")
        assert screen_name(app) == "AttendanceScreen"
        await choose(pilot, "#att-team", team_id)
        await settle(pilot)
        await press(pilot, "t")
        assert "Đã chọn 5 người" in screen_text(app)
        await press(pilot, "ctrl+s")
        assert "chưa lưu" not in screen_text(app)
        await press(pilot, "escape")
        assert screen_name(app) == "MainScreen"

        # green
        await press(pilot, "f2")
        text = screen_text(app)
        assert "Không có việc gì cần xử lý" in text
        assert "Tổ đạt yêu cầu: 1/1" in text
        await press(pilot, "f3")
        assert "Đạt" in screen_text(app)


# -- people ------------------------------------------------------------------------------
async def test_people_search_ignores_accents(demo_path):
    app = CnscdApp(demo_path)
    async with app.run_test(size=SIZE) as pilot:
        await open_demo(pilot)
        await press(pilot, "f4")
        await type_into(pilot, "#people-search", "nguyen thi h")
        await settle(pilot)
        table = app.screen.query_one("#people-table")
        names = [r[0] for r in table.rows]
        assert names, "expected matches"
        from models import text as T

        for n in names:
            folded = T.fold(n)
            assert folded.startswith("nguyen thi h") or " thi h" in folded or "nguyen" in folded
        expected = [r.full_name for r in S.filter_people(S.list_people(app.reg), query="nguyen thi h")]
        assert names == expected
        assert f"{len(names)}/" in screen_text(app)
        # Vietnamese order: by given name
        all_names = [r.full_name for r in S.list_people(app.reg)]
        await type_into(pilot, "#people-search", "")
        assert [r[0] for r in table.rows] == all_names


async def test_people_filters(demo_path):
    app = CnscdApp(demo_path)
    async with app.run_test(size=SIZE) as pilot:
        await open_demo(pilot)
        await press(pilot, "f4")
        await choose(pilot, "#pf-role", "to_truong")
        table = app.screen.query_one("#people-table")
        assert table.rows and all("Tổ trưởng" in r[3] for r in table.rows)
        await choose(pilot, "#pf-trained", False)
        rows = S.filter_people(S.list_people(app.reg), role="to_truong", trained=False)
        assert len(table.rows) == len(rows)


async def test_person_form_validates_as_you_type_and_saves(demo_path):
    app = CnscdApp(demo_path)
    async with app.run_test(size=SIZE) as pilot:
        await open_demo(pilot)
        await press(pilot, "f4")
        app.screen.query_one("#people-table").focus()
        await press(pilot, "a")
        assert screen_name(app) == "PersonForm"
        await type_into(pilot, "#f-full_name", "Vũ Thị Lan")
        await choose(pilot, "#f-gender", "nu")
        await type_into(pilot, "#f-birth", "1990")
        await type_into(pilot, "#f-phone", "12345")
        msg = str(app.screen.query_one("#m-phone").render())
        assert "Số điện thoại" in msg
        # citizen ID of a man born in 1985 does not fit a woman born in 1990
        from models.validate import make_cccd

        await type_into(pilot, "#f-cccd", make_cccd("001", "nam", 1985, 12345))
        assert app.screen.query_one("#m-cccd").has_class("-error")
        await press(pilot, "ctrl+s")
        assert screen_name(app) == "PersonForm"  # nothing saved, input kept
        assert app.screen.query_one("#f-full_name").value == "Vũ Thị Lan"
        await type_into(pilot, "#f-phone", "912345678")  # Excel dropped the 0
        assert "0912" in str(app.screen.query_one("#m-phone").render())
        await type_into(pilot, "#f-cccd", make_cccd("001", "nu", 1990, 12345))
        await press(pilot, "ctrl+s")
        assert screen_name(app) == "MainScreen"
        found = S.filter_people(S.list_people(app.reg), query="vu thi lan")
        assert [r.phone for r in found] == ["0912345678"]


async def test_failed_save_keeps_the_form_and_input(demo_path, monkeypatch):
    app = CnscdApp(demo_path)
    async with app.run_test(size=SIZE) as pilot:
        await open_demo(pilot)
        before = len(S.list_villages(app.reg))

        def disk_full(*a, **k):
            raise OSError(errno.ENOSPC, "No space left on device")

        monkeypatch.setattr("models.store._write_atomic", disk_full)
        await press(pilot, "f3")
        await press(pilot, "a")
        await type_into(pilot, "#f-name", "Xóm Mới")
        await press(pilot, "ctrl+s")
        assert screen_name(app) == "VillageForm"
        assert "Không lưu được" in screen_text(app)
        assert app.screen.query_one("#f-name").value == "Xóm Mới"
        monkeypatch.undo()
        assert len(S.list_villages(app.reg)) == before
        await press(pilot, "ctrl+s")
        assert screen_name(app) == "MainScreen"
        assert len(S.list_villages(app.reg)) == before + 1


async def test_delete_person_asks_first(demo_path):
    app = CnscdApp(demo_path)
    async with app.run_test(size=SIZE) as pilot:
        await open_demo(pilot)
        await press(pilot, "f4")
        table = app.screen.query_one("#people-table")
        table.focus()
        first = table.rows[0][0]
        n = table.row_count
        await press(pilot, "d")
        assert screen_name(app) == "ConfirmModal"
        await press(pilot, "k")
        assert table.row_count == n
        await press(pilot, "d")
        await press(pilot, "c")
        assert table.row_count == n - 1
        assert first not in [r[0] for r in table.rows]
        assert any(e.action == "xoa" and first in e.summary for e in S.list_audit(app.reg))


# -- teams ------------------------------------------------------------------------------
async def _open_first_village_team(pilot):
    app = pilot.app
    await press(pilot, "f3")
    table = app.screen.query_one("#villages-table")
    table.focus()
    table.cursor = 1  # the first village (row 0 is the commune-level team)
    await press(pilot, "enter")
    assert screen_name(app) == "TeamScreen"


async def test_leave_team_keeps_history_and_reform(demo_path):
    app = CnscdApp(demo_path)
    async with app.run_test(size=SIZE) as pilot:
        await open_demo(pilot)
        await _open_first_village_team(pilot)
        members = app.screen.query_one("#members-table")
        members.focus()
        name = members.rows[0][0]
        await press(pilot, "l")
        assert screen_name(app) == "LeaveForm"
        await press(pilot, "ctrl+s")  # reason is required
        assert screen_name(app) == "LeaveForm"
        await type_into(pilot, "#f-reason", "chuyen cong tac")
        await press(pilot, "ctrl+s")
        assert screen_name(app) == "TeamScreen"
        former = app.screen.query_one("#former-table")
        assert name in [r[0] for r in former.rows]
        assert name not in [r[0] for r in members.rows]
        # re-form under a new decision
        await press(pilot, "k")
        await type_into(pilot, "#f-number", "77/QĐ-UBND")
        await press(pilot, "ctrl+s")
        assert "77/QĐ-UBND" in screen_text(app)
        assert [d.number for d in app.screen.detail.decisions][-1] == "77/QĐ-UBND"


async def test_change_role_and_category(demo_path):
    app = CnscdApp(demo_path)
    async with app.run_test(size=SIZE) as pilot:
        await open_demo(pilot)
        await _open_first_village_team(pilot)
        members = app.screen.query_one("#members-table")
        members.focus()
        members.cursor = members.row_count - 1
        await press(pilot, "e")
        assert screen_name(app) == "MemberForm"
        await choose(pilot, "#f-category", "TNV")
        await press(pilot, "ctrl+s")
        assert screen_name(app) == "TeamScreen"
        assert "Tình nguyện viên" in [r[2] for r in members.rows]


async def test_add_existing_person_found_by_search(demo_path):
    app = CnscdApp(demo_path)
    async with app.run_test(size=SIZE) as pilot:
        await open_demo(pilot)
        people = S.list_people(app.reg)
        outsider = next(r for r in people if not r.active) if any(not r.active for r in people) else None
        await _open_first_village_team(pilot)
        n = app.screen.query_one("#members-table").row_count
        await press(pilot, "a")
        target = outsider or people[-1]
        await type_into(pilot, "#picker-search", S.text.fold(target.full_name) if hasattr(S, "text") else target.full_name)
        table = app.screen.query_one("#picker-table")
        assert target.full_name in [r[0] for r in table.rows]
        table.focus()
        table.cursor = [r[0] for r in table.rows].index(target.full_name)
        await press(pilot, "enter")
        assert screen_name(app) == "MemberForm"
        await choose(pilot, "#f-category", "KHAC")
        await press(pilot, "ctrl+s")
        if screen_name(app) == "TeamScreen":
            assert app.screen.query_one("#members-table").row_count == n + 1
        else:  # already in this team: a clear message, form kept
            assert "đang là thành viên" in screen_text(app)


async def test_villages_add_rename_merge(demo_path):
    app = CnscdApp(demo_path)
    async with app.run_test(size=SIZE) as pilot:
        await open_demo(pilot)
        await press(pilot, "f3")
        await press(pilot, "a")
        await type_into(pilot, "#f-name", "Dong Tien")
        await press(pilot, "ctrl+s")
        table = app.screen.query_one("#villages-table")
        key = next(k for k, r in zip(table.keys, table.rows, strict=True) if r[0] == "Thôn Dong Tien")
        table.cursor = table.keys.index(key)
        table.focus()
        await press(pilot, "e")
        await type_into(pilot, "#f-name", "Đồng Tiến")
        await press(pilot, "ctrl+s")
        assert "Thôn Đồng Tiến" in [r[0] for r in table.rows]
        table.cursor = table.keys.index(key)
        await press(pilot, "m")
        assert screen_name(app) == "MergeForm"
        target = next(v for v in S.list_villages(app.reg) if v.id != key[1])
        await choose(pilot, "#f-target", target.id)
        await press(pilot, "ctrl+s")
        assert screen_name(app) == "MainScreen"
        assert "Thôn Đồng Tiến" not in [r[0] for r in table.rows]


async def test_dashboard_line_jumps_to_the_team(demo_path):
    app = CnscdApp(demo_path)
    async with app.run_test(size=SIZE) as pilot:
        await open_demo(pilot)
        ol = app.screen.query_one("#dash-findings")
        ol.focus()
        pane = app.screen.query_one("#pane-tong-quan")
        idx = next(i for i, f in enumerate(pane.findings) if f.target[0] == "team")
        ol.highlighted = idx
        await press(pilot, "enter")
        assert screen_name(app) == "TeamScreen"
        assert app.screen.team_id == pane.findings[idx].target[1]


# -- training, equipment, audit, settings --------------------------------------------------
async def test_training_untrained_list_and_history(demo_path):
    app = CnscdApp(demo_path)
    async with app.run_test(size=SIZE) as pilot:
        await open_demo(pilot)
        await press(pilot, "f5")
        courses = app.screen.query_one("#courses-table")
        assert courses.row_count == len(S.list_courses(app.reg, year=__import__("datetime").date.today().year))
        await press(pilot, "u")
        untrained = app.screen.query_one("#untrained-table")
        assert untrained.row_count == len(S.untrained_members(app.reg))
        # a member's training history is in the person form
        await press(pilot, "u")
        await press(pilot, "f4")
        people = app.screen.query_one("#people-table")
        people.focus()
        trained = next(r for r in S.list_people(app.reg) if r.trained_this_year)
        people.cursor = people.keys.index(trained.id)
        await press(pilot, "enter")
        assert screen_name(app) == "PersonForm"
        hist = str(app.screen.query_one("#person-trainings").render())
        assert "•" in hist


async def test_attendance_checkboxes_bulk_save(demo_path):
    app = CnscdApp(demo_path)
    async with app.run_test(size=SIZE) as pilot:
        await open_demo(pilot)
        await press(pilot, "f5")
        courses = app.screen.query_one("#courses-table")
        courses.focus()
        course_id = courses.current_key
        before = len(S.course_attendees(app.reg, course_id))
        await press(pilot, "enter")
        assert screen_name(app) == "AttendanceScreen"
        await press(pilot, "x")
        await press(pilot, "space", "space")
        assert "Đã chọn 2 người" in screen_text(app)
        await press(pilot, "escape")  # unsaved: asks
        assert screen_name(app) == "ConfirmModal"
        await press(pilot, "k")
        await press(pilot, "ctrl+s")
        assert len(S.course_attendees(app.reg, course_id)) == 2 != before or before == 2


async def test_equipment_filter_add_and_needs(demo_path):
    app = CnscdApp(demo_path)
    async with app.run_test(size=SIZE) as pilot:
        await open_demo(pilot)
        await press(pilot, "f6")
        await choose(pilot, "#eq-cond", "hong")
        await settle(pilot)
        table = app.screen.query_one("#equipment-table")
        assert table.rows and all(r[3] == "Hỏng" for r in table.rows)
        await choose(pilot, "#eq-cond", __import__("textual.widgets", fromlist=["Select"]).Select.NULL)
        await settle(pilot)
        n = len(S.list_equipment(app.reg))
        table.focus()
        await press(pilot, "a")
        assert screen_name(app) == "EquipmentForm"
        village = S.list_villages(app.reg)[0]
        await choose(pilot, "#f-unit_id", village.id)
        await type_into(pilot, "#f-quantity", "2")
        await type_into(pilot, "#f-value", "15.000.000")
        assert "15.000.000 đồng" in str(app.screen.query_one("#m-value").render())
        await press(pilot, "ctrl+s")
        assert screen_name(app) == "MainScreen"
        assert len(S.list_equipment(app.reg)) == n + 1
        await press(pilot, "n")
        assert not app.screen.query_one("#needs-table").has_class("hidden")
        assert app.screen.query_one("#needs-table").row_count == len(S.list_needs(app.reg))


async def test_audit_log_filters_and_is_read_only(demo_path):
    app = CnscdApp(demo_path)
    async with app.run_test(size=SIZE) as pilot:
        await open_demo(pilot)
        S.add_village(app.reg, name="Thôn Kiểm Tra")
        app.data_changed()
        await press(pilot, "f8")
        await type_into(pilot, "#audit-search", "kiem tra")
        await settle(pilot)
        table = app.screen.query_one("#audit-table")
        assert table.row_count >= 1
        assert all("Kiểm Tra" in r[3] for r in table.rows)
        table.focus()
        await press(pilot, "enter")
        assert screen_name(app) == "MessageModal"
        await press(pilot, "escape")
        for key in ("a", "e", "d"):
            await press(pilot, key)
            assert screen_name(app) == "MainScreen"


async def test_settings_rules_language_and_passphrase(demo_path):
    app = CnscdApp(demo_path)
    async with app.run_test(size=SIZE) as pilot:
        await open_demo(pilot)
        await press(pilot, "f9")
        await press(pilot, "e")
        assert screen_name(app) == "SettingsForm"
        await type_into(pilot, "#f-village_team_min", "9")
        await type_into(pilot, "#f-village_team_max", "7")
        await press(pilot, "ctrl+s")
        assert screen_name(app) == "SettingsForm"
        assert "lớn hơn tối đa" in screen_text(app)
        await type_into(pilot, "#f-village_team_min", "6")
        await choose(pilot, "#f-language", "en")
        await press(pilot, "ctrl+s")
        await settle(pilot)
        assert S.get_settings(app.reg).village_team_min == 6
        assert "Overview" in screen_text(app) and "People" in screen_text(app)
        # change passphrase
        await press(pilot, "f9")
        await press(pilot, "p")
        await type_into(pilot, "#f-current", "wrong one")
        await type_into(pilot, "#f-new", "mat khau moi 2026")
        await type_into(pilot, "#f-repeat", "mat khau moi 2026")
        await press(pilot, "ctrl+s")
        assert "hiện tại không đúng" in screen_text(app)
        await type_into(pilot, "#f-current", PASS)
        await press(pilot, "ctrl+s")
        assert app.reg.store.verify_passphrase("mat khau moi 2026")


async def test_fund_policy_is_a_setting_the_reports_use(demo_path):
    app = CnscdApp(demo_path)
    async with app.run_test(size=SIZE) as pilot:
        await open_demo(pilot)
        await press(pilot, "f9")
        # a Hải Phòng ward: no policy of its own province, so none until the clerk chooses (issue 13)
        assert "Chưa chọn mức hỗ trợ" in screen_text(app)
        await press(pilot, "e")
        await choose(pilot, "#f-fund_policy", "ha-tinh")
        await press(pilot, "ctrl+s")
        await settle(pilot)
        assert S.get_settings(app.reg).fund_policy == "ha-tinh"
        assert "Hà Tĩnh — 600.000 đồng/tổ/tháng" in screen_text(app)
        assert any("Mức hỗ trợ kinh phí" in e.summary for e in S.list_audit(app.reg))
        # the Reports tab starts on the registry's policy
        await press(pilot, "f7")
        await choose(pilot, "#rep-kind", "kinh-phi")
        await settle(pilot)
        assert app.screen.query_one("#rep-policy").value == "ha-tinh"
        assert "600.000" in screen_text(app)


async def test_backup_now_and_restore(demo_path):
    app = CnscdApp(demo_path)
    async with app.run_test(size=SIZE) as pilot:
        await open_demo(pilot)
        S.add_village(app.reg, name="Sẽ Mất")
        await press(pilot, "f9")
        await press(pilot, "b")
        backups = app.screen.query_one("#backups-table")
        assert backups.row_count >= 1
        # the one just made is listed first, as made by hand, and holds the current state
        assert "Thủ công" in backups.rows[0]
        newest = app.reg.store.list_backups()[0]
        assert newest.kind == "manual" and newest.path.read_bytes() == app.reg.path.read_bytes()
        # restore the backup made before "Sẽ Mất" was added
        gens = [b for b in app.reg.store.list_backups()]
        before = min(gens, key=lambda b: b.generation)
        backups.focus()
        backups.cursor = backups.keys.index(str(before.path))
        await press(pilot, "r")
        assert screen_name(app) == "RestoreForm"
        await type_into(pilot, "#f-passphrase", PASS)
        await press(pilot, "ctrl+s")
        await settle(pilot, 5)
        assert screen_name(app) == "MainScreen"
        assert "Sẽ Mất" not in [v.name for v in S.list_villages(app.reg)]


# -- auto-lock, help, palette, sizes ---------------------------------------------------------
async def test_auto_lock_hides_data_and_keeps_typed_input(demo_path):
    app = CnscdApp(demo_path)
    async with app.run_test(size=SIZE) as pilot:
        await open_demo(pilot)
        await press(pilot, "f4")
        some_name = app.screen.query_one("#people-table").rows[0][0]
        await press(pilot, "down", "a")
        await type_into(pilot, "#f-full_name", "Đang Nhập Dở")
        app.last_input -= 11 * 60
        app.check_auto_lock()
        await settle(pilot)
        assert screen_name(app) == "LockScreen"
        text = screen_text(app)
        assert "Sổ đã khóa" in text and some_name not in text and "Đang Nhập Dở" not in text
        await type_into(pilot, "#lock-pass", "sai")
        await press(pilot, "enter")
        assert screen_name(app) == "LockScreen"
        await type_into(pilot, "#lock-pass", PASS)
        await press(pilot, "enter")
        assert screen_name(app) == "PersonForm"
        assert app.screen.query_one("#f-full_name").value == "Đang Nhập Dở"


async def test_no_auto_lock_while_active(demo_path):
    app = CnscdApp(demo_path)
    async with app.run_test(size=SIZE) as pilot:
        await open_demo(pilot)
        app.check_auto_lock()
        assert screen_name(app) == "MainScreen"
        await press(pilot, "ctrl+l")
        assert screen_name(app) == "LockScreen"


async def test_help_lists_the_keys_of_the_screen(demo_path):
    app = CnscdApp(demo_path)
    async with app.run_test(size=SIZE) as pilot:
        await open_demo(pilot)
        await press(pilot, "f3")
        await press(pilot, "f1")
        assert screen_name(app) == "HelpScreen"
        text = screen_text(app)
        assert "Gộp" in text and "Lập tổ" in text and "Ctrl+P" in text
        await press(pilot, "escape")
        await press(pilot, "question_mark")
        assert screen_name(app) == "HelpScreen"


async def test_command_palette_runs_screen_actions(demo_path):
    app = CnscdApp(demo_path)
    async with app.run_test(size=SIZE) as pilot:
        await open_demo(pilot)
        await press(pilot, "ctrl+p")
        assert screen_name(app) == "CommandPalette"
        await pilot.press(*"them nguoi")
        await settle(pilot, 5)
        await press(pilot, "enter")
        await settle(pilot, 5)
        assert screen_name(app) == "PersonForm"


@pytest.mark.parametrize("size", [(80, 24), (200, 60)])
async def test_nothing_needed_is_cut_off(demo_path, size):
    app = CnscdApp(demo_path)
    async with app.run_test(size=size) as pilot:
        await open_demo(pilot)
        text = screen_text(app)
        for tab in ("Tổng quan", "Thôn/Tổ", "Thành viên", "Tập huấn", "Thiết bị", "Báo cáo", "Nhật ký", "Cài đặt"):
            assert tab in text
        assert "Việc cần xử lý" in text
        await press(pilot, "f4")
        text = screen_text(app)
        assert "Họ và tên" in text and "Số điện thoại" in text
        await press(pilot, "down")
        assert "Thêm" in screen_text(app).splitlines()[-1]  # key hints in the footer


# -- reports ---------------------------------------------------------------------------------
async def test_reports_preview_and_export_with_receipt(demo_path, tmp_path):
    import openpyxl

    app = CnscdApp(demo_path)
    async with app.run_test(size=SIZE) as pilot:
        await open_demo(pilot)
        await press(pilot, "f7")
        table = app.screen.query_one("#rep-preview")
        assert table.row_count == 29 + 1  # 28 villages + the ward team, and the total row
        assert table.rows[-1][-1] == "189"
        await choose(pilot, "#rep-kind", "danh-sach")
        await settle(pilot)
        assert "dữ liệu cá nhân" in screen_text(app)
        await choose(pilot, "#rep-kind", "thanh-phan")
        await settle(pilot)
        out = tmp_path / "bao cao"
        await type_into(pilot, "#rep-folder", str(out))
        await press(pilot, "ctrl+o")
        await settle(pilot, 5)
        files = list(out.iterdir())
        assert len(files) == 1 and files[0].suffix == ".xlsx"
        assert str(files[0]) in screen_text(app).replace("\n", "")or files[0].name in screen_text(app)
        ws = openpyxl.load_workbook(files[0]).active
        assert any(c.value == "Hội Liên hiệp Phụ nữ" for row in ws.iter_rows() for c in row)
        assert any(e.action == "xuat" and e.new.startswith("sha256:") for e in S.list_audit(app.reg))


async def test_reports_protected_export_asks_for_a_password(demo_path, tmp_path):
    app = CnscdApp(demo_path)
    async with app.run_test(size=SIZE) as pilot:
        await open_demo(pilot)
        await press(pilot, "f7")
        await choose(pilot, "#rep-kind", "danh-sach")
        app.screen.query_one("#rep-protect").value = True
        await type_into(pilot, "#rep-folder", str(tmp_path / "usb"))
        await press(pilot, "ctrl+o")
        assert screen_name(app) == "FilePasswordForm"
        await type_into(pilot, "#f-password", "tep-bi-mat")
        await type_into(pilot, "#f-repeat", "tep-bi-mat")
        await press(pilot, "ctrl+s")
        await settle(pilot, 5)
        [f] = list((tmp_path / "usb").iterdir())
        assert f.read_bytes()[:4] == bytes.fromhex("d0cf11e0")
        assert "Tệp có mật khẩu" in screen_text(app)


# -- the 80×24 audit: keys, focus, what is on screen ----------------------------------------
async def _open_person_form(pilot):
    await press(pilot, "f4")
    await press(pilot, "down")  # from the search box down to the list (the «Danh sách» key)
    await press(pilot, "a")
    assert screen_name(pilot.app) == "PersonForm"


async def test_form_takes_the_first_keys_typed(demo_path):
    app = CnscdApp(demo_path)
    async with app.run_test(size=(80, 24)) as pilot:
        await open_demo(pilot)
        await _open_person_form(pilot)
        await press(pilot, "N", "g", "a")
        assert app.screen.query_one("#f-full_name").value == "Nga"
        assert "Nga" in screen_text(app)


async def test_form_buttons_and_save_error_stay_visible_at_80x24(demo_path):
    app = CnscdApp(demo_path)
    async with app.run_test(size=(80, 24)) as pilot:
        await open_demo(pilot)

        def assert_buttons(where: str) -> None:
            text = screen_text(app)
            for want in ("Lưu (Ctrl+S)", "Hủy (Esc)", "Ctrl+S lưu · Esc hủy"):
                assert want in text, f"{where}: «{want}» không thấy\n{text}"

        await _open_person_form(pilot)
        assert_buttons("người")
        await press(pilot, "escape")
        await press(pilot, "f5")
        await press(pilot, "a")
        assert screen_name(app) == "CourseForm"
        assert_buttons("khóa tập huấn")
        await press(pilot, "escape")
        await press(pilot, "f6")
        await press(pilot, "a")
        assert screen_name(app) == "EquipmentForm"
        assert_buttons("thiết bị")
        await press(pilot, "escape")
        await press(pilot, "f3")
        await press(pilot, "down", "m")
        assert screen_name(app) == "MergeForm"
        assert_buttons("gộp thôn")
        await press(pilot, "escape")
        await press(pilot, "enter")  # the team page
        await press(pilot, "k")
        assert screen_name(app) == "TeamForm"
        assert_buttons("quyết định")
        await press(pilot, "escape")
        await press(pilot, "enter")  # Enter on a member: role and category
        assert screen_name(app) == "MemberForm"
        assert_buttons("thành viên tổ")
        await press(pilot, "escape", "escape")
        # the settings form is the longest: a failed save shows its message and the buttons
        await press(pilot, "f9")
        await press(pilot, "e")
        assert screen_name(app) == "SettingsForm"
        assert_buttons("cài đặt")
        await type_into(pilot, "#f-village_team_min", "9")
        await type_into(pilot, "#f-village_team_max", "7")
        await press(pilot, "ctrl+s")
        assert screen_name(app) == "SettingsForm"
        text = screen_text(app)
        assert "Chưa lưu" in text and "lớn hơn tối đa" in text
        assert_buttons("cài đặt, sau khi lưu lỗi")


async def test_first_run_wizard_buttons_visible_at_80x24(tmp_path):
    app = CnscdApp(tmp_path / "moi.cnscd")
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        assert "Tiếp (Enter)" in screen_text(app)  # step 1 was taller than the screen
        await type_into(pilot, "#c-province", "Ninh Bình")
        await type_into(pilot, "#c-commune", "Gia Viễn")
        await type_into(pilot, "#c-signer-name", "Nguyễn Văn An")
        await press(pilot, "enter")
        await type_into(pilot, "#c-pass", "mat khau cua xa")
        await type_into(pilot, "#c-repeat", "mat khau cua xa")
        await press(pilot, "enter")
        assert "Đã chép mã — vào sổ" in screen_text(app)  # the new label is not cut to the old width


@pytest.mark.parametrize("size", [(80, 24), (200, 60)])
async def test_equipment_and_audit_filters_are_visible(demo_path, size):
    app = CnscdApp(demo_path)
    async with app.run_test(size=size) as pilot:
        await open_demo(pilot)
        for tab, selects in (("f6", {"#eq-unit": "Thôn/TDP", "#eq-cond": "Tình trạng"}),
                             ("f8", {"#audit-entity": "Đối tượng", "#audit-action": "Thao tác"})):
            await press(pilot, tab)
            lines = screen_text(app).splitlines()
            for sel_id, prompt in selects.items():
                sel = app.screen.query_one(sel_id)
                assert sel.region.height == 1 and sel.region.width >= 14, (sel_id, sel.region)
                assert prompt in lines[sel.region.y], (sel_id, lines[sel.region.y])


async def test_app_keys_work_inside_popups(demo_path):
    app = CnscdApp(demo_path)
    async with app.run_test(size=(80, 24)) as pilot:
        await open_demo(pilot)
        await _open_person_form(pilot)
        await press(pilot, "T", "h", "u")
        await press(pilot, "f1")
        assert screen_name(app) == "HelpScreen"
        assert "CCCD 12 số" in screen_text(app)  # the form's own how-to
        await press(pilot, "escape")
        assert screen_name(app) == "PersonForm"
        await press(pilot, "ctrl+p")
        assert screen_name(app) == "CommandPalette"
        await press(pilot, "escape")
        # lock with the form open: its input comes back after the passphrase
        await press(pilot, "ctrl+l")
        assert screen_name(app) == "LockScreen"
        assert "Thu" not in screen_text(app)
        await type_into(pilot, "#lock-pass", PASS)
        await press(pilot, "enter")
        assert screen_name(app) == "PersonForm"
        assert app.screen.query_one("#f-full_name").value == "Thu"
        await press(pilot, "escape")  # something typed: the form asks first (issue 15)
        assert screen_name(app) == "ConfirmModal"
        await press(pilot, "c")
        # confirm, message box and the person picker
        await press(pilot, "d")
        assert screen_name(app) == "ConfirmModal"
        await press(pilot, "question_mark")
        assert screen_name(app) == "HelpScreen"
        await press(pilot, "escape", "k")
        await press(pilot, "f8")
        app.screen.query_one("#audit-table").focus()
        await press(pilot, "enter")
        assert screen_name(app) == "MessageModal"
        await press(pilot, "f1")
        assert screen_name(app) == "HelpScreen"
        await press(pilot, "escape", "escape")
        await press(pilot, "f3")
        await press(pilot, "down", "enter", "a")
        assert screen_name(app) == "PersonPicker"
        await press(pilot, "f1")
        assert screen_name(app) == "HelpScreen" and "Ctrl+N" in screen_text(app)
        await press(pilot, "escape")
        await press(pilot, "ctrl+q")
        assert not app.is_running


async def test_footer_shows_the_keys_of_each_screen_at_80_columns(demo_path):
    app = CnscdApp(demo_path)
    async with app.run_test(size=(80, 24)) as pilot:
        await open_demo(pilot)
        pages = [
            (["f3"], ["Mở tổ", "Thêm", "Sửa", "Gộp", "Lập tổ"]),
            (["f4", "down"], ["Hồ sơ", "Thêm", "Xóa", "Tìm"]),
            (["f5"], ["Điểm danh", "Thêm", "Sửa", "Xóa", "Chưa tập huấn"]),
            (["f6"], ["Sửa", "Thêm", "Xóa", "Đề xuất"]),
            (["f8"], ["Lọc"]),
            (["f9"], ["Sửa", "Thành phần", "Mật khẩu", "Sao lưu", "Ra USB", "Khôi phục"]),
            (["f3", "down", "enter"], ["Vai trò", "Quay lại", "Thêm", "Rời tổ", "Hồ sơ", "Kiện toàn"]),
            (["escape", "f5", "enter"], ["Quay lại", "Lưu", "Chọn cả tổ", "Bỏ hết", "Chọn, xuống"]),
        ]
        for keys, labels in pages:
            for key in keys:
                await press(pilot, key)
            line = footer_line(app)
            for label in labels + ["F1 Trợ giúp"]:
                assert label in line, f"{keys}: «{label}» không có trong chân trang «{line}»"
            # a label is shown once (Enter and a letter doing the same thing)
            assert line.count("Điểm danh") <= 1 and line.count("Vai trò") <= 1, line
        await press(pilot, "escape")


async def test_audit_log_shows_names_not_field_codes(demo_path):
    app = CnscdApp(demo_path)
    async with app.run_test(size=(120, 40)) as pilot:
        await open_demo(pilot)
        S.update_settings(app.reg, signer_name="Nguyễn Văn Bình")
        villages = S.list_villages(app.reg)
        person = S.person_detail(app.reg, S.list_people(app.reg)[0].id)
        S.update_person(app.reg, person.id, S.PersonInput(
            full_name=person.full_name, gender=person.gender, birth=str(person.birth_year or ""),
            phone=person.phone, cccd=person.cccd, village_id=villages[-1].id, notes=person.notes))
        app.data_changed()
        await press(pilot, "f8")
        text = screen_text(app)
        assert "Cài đặt: Họ tên người ký" in text and "signer_name" not in text
        assert villages[-1].full_name in text and f"{person.full_name}: Thôn/Tổ dân phố" in text
        table = app.screen.query_one("#audit-table")
        table.focus()
        table.cursor = next(i for i, r in enumerate(table.rows) if "Thôn/Tổ dân phố" in r[3])
        await press(pilot, "enter")
        text = screen_text(app)
        assert "Mục thay đổi: Thôn/Tổ dân phố" in text and "village" not in text


async def test_command_palette_speaks_vietnamese(demo_path):
    app = CnscdApp(demo_path)
    async with app.run_test(size=(80, 24)) as pilot:
        await open_demo(pilot)
        await press(pilot, "ctrl+p")
        text = screen_text(app)
        assert "Tìm lệnh" in text and "Search for commands" not in text
        # the province's hand-off screens are commands of the main screen
        await pilot.press(*"nop bao cao")
        await settle(pilot, 5)
        await press(pilot, "enter")
        await settle(pilot, 5)
        assert screen_name(app) == "CompletenessScreen"


async def test_english_mode_columns_and_footer(demo_path):
    app = CnscdApp(demo_path)
    async with app.run_test(size=(120, 40)) as pilot:
        await open_demo(pilot)
        await set_ui_language(pilot, "en")
        try:
            # the dashboard's list of things to fix comes from the rules, in English too (names stay)
            await press(pilot, "f2")
            text = screen_text(app)
            assert "members, fewer than the minimum of 5" in text and "no member from Fatherland Front" in text
            assert "ít hơn mức tối thiểu" not in text and "thiếu thành phần" not in text
            await press(pilot, "f3")
            text = screen_text(app)
            assert "Former unit" in text and "Status" in text and "Đơn vị cũ" not in text
            assert all(w in footer_line(app) for w in ("Open team", "Add", "Edit", "Merge", "Found team", "Help"))
            await press(pilot, "f4", "down")
            text = screen_text(app)
            assert "Full name" in text and "Phone" in text and "Role" in text
            assert "Profile" in footer_line(app) and "Thêm" not in footer_line(app)
            await press(pilot, "f6")
            assert "Qty" in screen_text(app) and "Status" in screen_text(app)
            await press(pilot, "f9")
            assert "Back up" in footer_line(app) and "Passphrase" in footer_line(app)
            # and back: the footer follows the language (its labels were translated once, at start-up)
            await press(pilot, "e")
            assert screen_name(app) == "SettingsForm" and "Edit settings" in screen_text(app)
            await choose(pilot, "#f-language", "vi")
            await press(pilot, "ctrl+s")
            await settle(pilot)
            await press(pilot, "f9")
            assert "Sao lưu" in footer_line(app) and "Back up" not in footer_line(app)
        finally:
            from cnscd_tui.i18n import set_language

            set_language("vi")


async def test_dashboard_first_enter_opens_the_first_line(demo_path):
    app = CnscdApp(demo_path)
    async with app.run_test(size=(80, 24)) as pilot:
        await open_demo(pilot)
        pane = app.screen.query_one("#pane-tong-quan")
        first = pane.findings[0]
        await press(pilot, "enter")
        if first.target[0] == "team":
            assert screen_name(app) == "TeamScreen" and app.screen.team_id == first.target[1]
        else:
            assert app.screen.query_one("TabbedContent").active != "tong-quan"


async def test_new_registry_dashboard_says_what_to_do(tmp_path):
    from models.db import Registry

    path = tmp_path / "moi.cnscd"
    reg, _ = Registry.create(path, PASS, province="Ninh Bình", commune="Gia Viễn")
    reg.close()
    app = CnscdApp(path)
    async with app.run_test(size=(80, 24)) as pilot:
        await open_demo(pilot)
        text = screen_text(app)
        assert "Không có việc gì cần xử lý" not in text
        assert "Chưa có thôn/TDP nào" in text and "Chưa lập Tổ CNSCĐ nào" in text
        await press(pilot, "enter")
        assert app.screen.query_one("TabbedContent").active == "thon-to"


async def test_dashboard_jump_to_equipment_clears_the_filter(demo_path):
    app = CnscdApp(demo_path)
    async with app.run_test(size=(100, 32)) as pilot:
        await open_demo(pilot)
        await press(pilot, "f6")
        await choose(pilot, "#eq-cond", "tot")  # only good items: the broken ones are hidden
        await settle(pilot)
        await press(pilot, "f2")
        pane = app.screen.query_one("#pane-tong-quan")
        idx = next(i for i, f in enumerate(pane.findings) if f.target[0] == "equipment")
        ol = app.screen.query_one("#dash-findings")
        ol.focus()
        ol.highlighted = idx
        await press(pilot, "enter")
        await settle(pilot)
        table = app.screen.query_one("#equipment-table")
        assert app.screen.query_one("TabbedContent").active == "thiet-bi"
        assert table.current_key == pane.findings[idx].target[1]
        from textual.widgets import Select

        assert app.screen.query_one("#eq-cond").value is Select.NULL


async def test_team_columns_drop_the_common_prefix_and_villages_widen(demo_path):
    app = CnscdApp(demo_path)
    async with app.run_test(size=(80, 24)) as pilot:
        await open_demo(pilot)
        await press(pilot, "f5")
        await press(pilot, "u")
        table = app.screen.query_one("#untrained-table")
        assert table.rows and not any(str(r[2]).startswith("Tổ CNSCĐ") for r in table.rows)
        assert "TDP " in "\n".join(str(r[2]) for r in table.rows)
        assert "Tổ CNSCĐ tổ dân phố" not in screen_text(app)
    app = CnscdApp(demo_path)
    async with app.run_test(size=(200, 60)) as pilot:
        await open_demo(pilot)
        await press(pilot, "f4", "down")
        longest = max((v.full_name for v in S.list_villages(app.reg)), key=len)
        text = screen_text(app)
        assert longest.casefold() in text.casefold()  # the Thôn/TDP column was 18 characters at every width


async def test_slash_in_people_search_is_a_key_not_text(demo_path):
    app = CnscdApp(demo_path)
    async with app.run_test(size=(80, 24)) as pilot:
        await open_demo(pilot)
        await press(pilot, "f4")
        await press(pilot, "slash", "a", "n")
        box = app.screen.query_one("#people-search")
        assert box.value == "an" and app.focused is box


async def test_help_lists_every_key_of_an_action(demo_path):
    app = CnscdApp(demo_path)
    async with app.run_test(size=(100, 40)) as pilot:
        await open_demo(pilot)
        await press(pilot, "f9")
        await press(pilot, "f1")
        text = screen_text(app)
        assert "F1/?" in text  # F1 and ? share a label; both are listed
        for key in ("E", "C", "P", "B", "O", "R"):
            assert f"  {key}  " in text, key


async def test_wrong_passphrase_message_says_it_once(demo_path):
    app = CnscdApp(demo_path)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await unlock(pilot, "sai-mat-khau")
        text = screen_text(app).replace("\n", " ").casefold()
        assert text.count("mật khẩu không đúng") + text.count("sai mật khẩu") == 1


async def test_full_garbage_collection_waits_for_a_pause_in_typing(demo_path):
    """Python's full collections (10–45 ms at province scale) must not land in the middle of
    keystrokes: while the app runs they happen when input pauses, and the process gets its
    own collector settings back when the app ends."""
    import gc

    before = gc.get_threshold()
    app = CnscdApp(demo_path)
    async with app.run_test(size=SIZE) as pilot:
        await open_demo(pilot)
        assert gc.get_threshold()[:2] == before[:2] and gc.get_threshold()[2] >= 1_000_000
        gc.collect(1)  # a middle-generation pass: a full one is now due
        assert gc.get_count()[2] >= 1
        app.last_input = __import__("time").monotonic()  # typing: not yet
        app._idle_gc()
        assert gc.get_count()[2] >= 1
        app.last_input -= app.GC_IDLE_SECONDS  # a pause: now
        app._idle_gc()
        assert gc.get_count()[2] == 0
    assert gc.get_threshold() == before


# -- widgets belong to the UI thread -------------------------------------------------------
async def test_the_thread_guard_catches_a_worker_that_looks_up_a_widget():
    """``run_test`` runs the app's loop on the main thread, so the screens' own queries pass;
    a thread worker that looks a widget up fails at once, and the guard (autouse, conftest)
    has it on record even when the worker's error is swallowed."""
    import threading

    from textual import work
    from textual.app import App
    from textual.widgets import Static
    from textual.worker import WorkerFailed, WorkerState

    from tests.tui_helpers import DomQueryFromThread, dom_thread_violations

    class Probe(App):
        loop_thread = None

        def compose(self):
            yield Static("x", id="probe")

        def on_mount(self) -> None:
            self.loop_thread = threading.current_thread()
            self.query_one("#probe", Static)  # the UI thread: allowed

        @work(thread=True, exit_on_error=False)
        def peek(self) -> None:
            self.query_one("#probe", Static)

        @work(thread=True, exit_on_error=False)
        def peek_quietly(self) -> None:
            try:
                self.screen.query("Static").first()
            except Exception:  # noqa: BLE001 - code that swallows errors is caught all the same
                pass

    app = Probe()
    async with app.run_test():
        assert app.loop_thread is threading.main_thread()
        workers = [app.peek(), app.peek_quietly()]
        with pytest.raises(WorkerFailed):
            await workers[0].wait()
        await workers[1].wait()
        assert workers[0].state == WorkerState.ERROR and isinstance(workers[0].error, DomQueryFromThread)
        assert workers[1].state == WorkerState.SUCCESS
        app.query_one("#probe", Static)  # back on the UI thread: still fine
    found, dom_thread_violations[:] = list(dom_thread_violations), []  # expected here: not a failure
    assert len(found) == 2
    assert "Probe.query_one('#probe', <class 'textual.widgets._static.Static'>)" in found[0]
    assert "query('Static')" in found[1]
