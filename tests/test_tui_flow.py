"""The clerk's daily flow (issue 15): a member added in a few keys from the people search,
keys typed in a burst land where the clerk sees the focus, Esc asks before throwing input away.

Every test waits for states (``settle``), never for time; ``burst`` hands all its keys to the
app at once, the way a fast typist or a paste does."""

from __future__ import annotations

import pytest

from cnscd_tui.app import CnscdApp
from cnscd_tui.widgets import Pick, pick_matches
from models import services as S
from models import text
from tests.tui_helpers import burst, choose, open_demo, press, screen_name, screen_text, settle, type_into

SIZES = pytest.mark.parametrize("size", [(80, 24), (120, 40)], ids=["80x24", "120x40"])


def _person(app, name: str):
    found = [r for r in S.list_people(app.reg) if r.full_name == name]
    assert len(found) == 1, (name, found)
    return S.person_detail(app.reg, found[0].id)


def _membership(app, name: str):
    [(team, m)] = [(t, m) for t, m in _person(app, name).memberships if m.end_date is None]
    return team, m


class KeyCounter:
    """Presses keys one at a time (as a clerk does) and counts them."""

    def __init__(self, pilot) -> None:
        self.pilot, self.count = pilot, 0

    async def __call__(self, *keys: str) -> None:
        for key in keys:
            self.count += 1
            await press(self.pilot, {" ": "space"}.get(key, key))


# -- type-to-select ------------------------------------------------------------------------
def test_type_to_select_is_accent_insensitive():
    from models.vocab import DEFAULT_CATEGORIES

    labels = [name for _code, name, _en in DEFAULT_CATEGORIES]
    folded = [text.fold(n) for n in labels]

    def first(q):
        return labels[pick_matches(folded, q)[0]]

    assert first("cong an") == "Công an viên/Công an"
    assert first("doan") == "Đoàn Thanh niên"
    assert first("Đoàn") == "Đoàn Thanh niên"
    assert first("tt") == "Trưởng thôn/Tổ trưởng tổ dân phố"  # initials
    assert first("mat tran") == "Ban Công tác Mặt trận"
    assert pick_matches(folded, "xyz") == []


# -- item 1: a member in a few keys ---------------------------------------------------------
@SIZES
async def test_add_member_from_the_people_search_in_eleven_keys(demo_path, size):
    """From the people list with the name typed in the search: Ctrl+N, the name is there; village,
    team (follows the village), category and role in the same form, typed; saved. 11 keys."""
    app = CnscdApp(demo_path)
    async with app.run_test(size=size) as pilot:
        await open_demo(pilot)
        await press(pilot, "f4")
        await burst(pilot, *"nguyen van an")  # the name, typed in the search (not counted)
        keys = KeyCounter(pilot)
        await keys("ctrl+n")
        assert screen_name(app) == "PersonForm"
        assert app.screen.query_one("#f-full_name").value == "Nguyen Van An"
        await keys("enter")  # the name is right: on to the village
        await keys(*"le h")  # «Tổ dân phố Lê Hồng Phong»
        await keys("enter")
        team = app.screen.query_one("#f-team", Pick)
        village = next(v for v in S.list_villages(app.reg) if v.name == "Lê Hồng Phong")
        assert team.value == village.team_id  # the team follows the village
        await keys("enter")  # the village's team
        await keys(*"co")  # «Công an viên/Công an»
        await keys("ctrl+s")
        assert screen_name(app) == "MainScreen", screen_text(app)
        assert keys.count == 11
        team_name, m = _membership(app, "Nguyen Van An")
        assert team_name == village.team_name
        assert (m.category_name, m.role_label) == ("Công an viên/Công an", "Thành viên")
        # the list shows the new member (the search still says the name)
        assert "Nguyen Van An" in screen_text(app)


async def test_save_and_add_another_keeps_village_and_team(demo_path):
    app = CnscdApp(demo_path)
    async with app.run_test(size=(80, 24)) as pilot:
        await open_demo(pilot)
        await press(pilot, "f4")
        await press(pilot, "ctrl+n")
        await burst(pilot, *"Trần Văn Một", "enter", *"le h", "enter", "enter", *"doan", "ctrl+t")
        assert screen_name(app) == "PersonForm"  # open for the next one
        village = app.screen.query_one("#f-village_id", Pick).value
        team = app.screen.query_one("#f-team", Pick).value
        assert village is not None and team is not None
        assert app.screen.query_one("#f-full_name").value == ""
        assert app.screen.query_one("#f-category", Pick).value is None
        assert app.focused is app.screen.query_one("#f-full_name")
        await burst(pilot, *"Trần Văn Hai", "enter", "enter", "enter", *"cong an", "ctrl+s")
        assert screen_name(app) == "MainScreen", screen_text(app)
        one, two = _membership(app, "Trần Văn Một"), _membership(app, "Trần Văn Hai")
        assert one[0] == two[0]  # the same team
        assert one[1].category_name == "Đoàn Thanh niên" and two[1].category_name == "Công an viên/Công an"
        assert _person(app, "Trần Văn Hai").village_id == village


async def test_the_position_chooses_the_category_until_the_clerk_does(demo_path):
    app = CnscdApp(demo_path)
    async with app.run_test(size=(120, 40)) as pilot:
        await open_demo(pilot)
        await press(pilot, "f4")
        await press(pilot, "ctrl+n")
        cat = app.screen.query_one("#f-category", Pick)
        await type_into(pilot, "#f-other_positions", "Bí thư Chi đoàn")
        assert cat.value == "DOAN_TN"  # the organisation decides, not «Bí thư»
        await type_into(pilot, "#f-other_positions", "Công an viên")
        assert cat.value == "CONG_AN"
        await choose(pilot, "#f-category", "KHAC")  # the clerk's choice stays
        await settle(pilot)
        await type_into(pilot, "#f-other_positions", "Bí thư Chi đoàn")
        assert cat.value == "KHAC"
        # a position typed into the category box itself is understood too («ccb»)
        focus = app.screen.query_one("#f-category", Pick)
        focus.focus()
        await settle(pilot)
        await burst(pilot, *"ccb", "tab")
        assert cat.value == "CCB"


async def test_enter_on_the_last_field_saves(demo_path):
    app = CnscdApp(demo_path)
    async with app.run_test(size=(80, 24)) as pilot:
        await open_demo(pilot)
        await press(pilot, "f3")
        await press(pilot, "a")
        assert screen_name(app) == "VillageForm"
        # kind (a select), name, former unit: Enter in the name goes on, Enter in the last box saves
        await burst(pilot, "tab", *"Dong Moi", "enter", *"Xa cu", "enter")
        assert screen_name(app) == "MainScreen", screen_text(app)
        assert any(v.name == "Dong Moi" and v.former_unit == "Xa cu" for v in S.list_villages(app.reg))


async def test_a_new_member_from_the_team_page_in_one_form(demo_path):
    """A on the team page, the name typed in the search, Ctrl+N: one form with the name, the team's
    village, category and role (no second window)."""
    app = CnscdApp(demo_path)
    async with app.run_test(size=(80, 24)) as pilot:
        await open_demo(pilot)
        await press(pilot, "f3")
        table = app.screen.query_one("#villages-table")
        table.focus()
        table.cursor = 1
        await press(pilot, "enter")
        assert screen_name(app) == "TeamScreen"
        team = app.screen.detail.team
        n = len(app.screen.detail.members)
        await burst(pilot, "a", *"Pham Thi Moi", "ctrl+n", "enter", "enter", *"phu nu", "ctrl+s")
        assert screen_name(app) == "TeamScreen", screen_text(app)
        assert len(app.screen.detail.members) == n + 1
        team_name, m = _membership(app, "Pham Thi Moi")
        assert team_name == team.name and m.category_name == "Hội Liên hiệp Phụ nữ"
        assert _person(app, "Pham Thi Moi").village_id == team.unit_id


# -- item 2: keys in a burst ----------------------------------------------------------------
@SIZES
async def test_keys_typed_in_a_burst_reach_the_focused_field(demo_path, size):
    app = CnscdApp(demo_path)
    async with app.run_test(size=size) as pilot:
        await open_demo(pilot)
        await press(pilot, "f4")
        # Ctrl+N and the name at once; Tab and the birth year at once (Tab used to let them land in
        # the field that had the focus before)
        await burst(pilot, "ctrl+n", *"Nguyen Van A", "tab", *"dong", "tab", "tab", "tab", "tab", "tab", "tab",
                    *"1990", "tab", *"0912345678")
        form = app.screen
        assert screen_name(app) == "PersonForm"
        assert form.query_one("#f-full_name").value == "Nguyen Van A"
        assert form.query_one("#f-village_id", Pick).value is not None
        assert form.query_one("#f-birth").value == "1990"
        assert form.query_one("#f-phone").value == "0912345678"
        # shift+tab back (a filled box is selected: typing replaces it) and on: still in order
        await burst(pilot, "shift+tab", *"1985", "tab", "tab", *"x")
        assert form.query_one("#f-birth").value == "1985"
        assert form.query_one("#f-phone").value == "0912345678"
        assert form.query_one("#f-cccd").value == "x"


async def test_a_letter_typed_in_the_search_box_stays_a_letter(demo_path):
    """The page keys act at once, but not on letters typed into a text box («a» in «an»)."""
    app = CnscdApp(demo_path)
    async with app.run_test(size=(80, 24)) as pilot:
        await open_demo(pilot)
        await press(pilot, "f4")
        await burst(pilot, *"tran van a")
        assert screen_name(app) == "MainScreen"
        assert app.screen.query_one("#people-search").value == "tran van a"
        # ↓ goes to the list, and «a» there opens the form with the name from the search
        await burst(pilot, "down", "a", *" B")
        assert screen_name(app) == "PersonForm"
        assert app.screen.query_one("#f-full_name").value == "Tran Van A B"


async def test_keys_typed_while_a_popup_opens_reach_it(demo_path):
    app = CnscdApp(demo_path)
    async with app.run_test(size=(80, 24)) as pilot:
        await open_demo(pilot)
        await press(pilot, "f5")
        await burst(pilot, "a", *"Tap huan A", "tab", *"01/03/2026")
        assert screen_name(app) == "CourseForm"
        assert app.screen.query_one("#f-title").value == "Tap huan A"
        assert app.screen.query_one("#f-start_date").value == "01/03/2026"


# -- item 3: Esc asks ------------------------------------------------------------------------
async def test_esc_on_a_filled_form_asks_before_discarding(demo_path):
    app = CnscdApp(demo_path)
    async with app.run_test(size=(80, 24)) as pilot:
        await open_demo(pilot)
        await press(pilot, "f6")
        await press(pilot, "a")
        assert screen_name(app) == "EquipmentForm"
        await press(pilot, "escape")  # nothing typed: closes at once
        assert screen_name(app) == "MainScreen"
        await press(pilot, "a")
        await burst(pilot, "tab", *"Nha van hoa moi")
        await press(pilot, "escape")
        assert screen_name(app) == "ConfirmModal"
        assert "Bỏ những gì đã nhập" in screen_text(app)
        await press(pilot, "k")  # no: back to the form, input kept
        assert screen_name(app) == "EquipmentForm"
        assert app.screen.query_one("#f-place").value == "Nha van hoa moi"
        await press(pilot, "escape")
        await press(pilot, "c")  # yes: discarded
        assert screen_name(app) == "MainScreen"
        assert not any(e.place == "Nha van hoa moi" for e in S.list_equipment(app.reg))


# -- item 4: the Reports tab ------------------------------------------------------------------
def _fake_usb(tmp_path, monkeypatch):
    from exports.usb import Drive

    usb = tmp_path / "media" / "nguoi-dung-may-xa" / "KINGSTON-32GB-VAN-PHONG-UBND"
    usb.mkdir(parents=True)
    monkeypatch.setattr("cnscd_tui.reports_pane.list_drives",
                        lambda: [Drive(usb, "KINGSTON", 3_200_000_000, 32_000_000_000)])
    return usb


@SIZES
async def test_reports_tab_phu_luc_1_to_usb_in_two_keys(demo_path, tmp_path, monkeypatch, size):
    """From the dashboard: F7 (focus on the report kind, Phụ lục I chosen, the USB stick the
    destination, its path readable), Ctrl+O: the receipt line says where the file is, no pop-up
    over it."""
    usb = _fake_usb(tmp_path, monkeypatch)
    app = CnscdApp(demo_path)
    async with app.run_test(size=size) as pilot:
        await open_demo(pilot)
        keys = KeyCounter(pilot)
        await keys("f7")
        kind = app.screen.query_one("#rep-kind", Pick)
        assert app.focused is kind.input and kind.value == "phu-luc-1"
        lines = screen_text(app).splitlines()
        dest = next(line for line in lines if "Lưu vào:" in line)
        assert "USB KINGSTON — " in dest and "KINGSTON-32GB-VAN-PHONG-UBND" in dest  # the end of the path
        assert "(còn trống 3,2 GB)" in dest or size[0] < 100  # the free space gives way to the path
        assert "[ ] Kèm số CCCD" in screen_text(app)  # unticked reads «[ ]», not a colour
        await keys("ctrl+o")
        assert keys.count == 2
        [f] = list(usb.iterdir())
        assert f.name.startswith("PhuLucI_") and f.suffix == ".xlsx"
        shown = screen_text(app).replace("\n", "")
        assert "✓ Đã xuất:" in shown and str(f) in shown
        assert not app._notifications, "a pop-up would cover the receipt line"


async def test_reports_kind_typed_and_ticks_readable(demo_path, tmp_path, monkeypatch):
    _fake_usb(tmp_path, monkeypatch)
    app = CnscdApp(demo_path)
    async with app.run_test(size=(80, 24)) as pilot:
        await open_demo(pilot)
        await press(pilot, "f7")
        await burst(pilot, *"danh sach", "enter")
        assert app.screen.query_one("#rep-kind", Pick).value == "danh-sach"
        assert "DANH SÁCH" in screen_text(app)
        box = app.screen.query_one("#rep-cccd")
        box.focus()
        await press(pilot, "space")
        assert box.value and "[x] Kèm số CCCD" in screen_text(app)
        # ↓ on the kind opens the list at the current kind; ↓ Enter takes the next one
        app.screen.query_one("#rep-kind", Pick).focus()
        await settle(pilot)
        await burst(pilot, "down", "down", "enter")
        assert app.screen.query_one("#rep-kind", Pick).value != "danh-sach"


# -- item 7: attendance, Space ----------------------------------------------------------------
@SIZES
async def test_attendance_says_space_marks_and_moves_down(demo_path, size):
    app = CnscdApp(demo_path)
    async with app.run_test(size=size) as pilot:
        await open_demo(pilot)
        await press(pilot, "f5")
        await pilot.press("enter")  # the attendance screen opens; its list is read in a worker
        assert screen_name(app) == "AttendanceScreen"
        await burst(pilot, "x", "space", "space", "down", "space")  # typed while the list loads
        table = app.screen.query_one("#attendance-table")
        assert table.checked == {table.keys[0], table.keys[1], table.keys[3]}
        assert "Đã chọn 3 người" in screen_text(app)
        foot = screen_text(app).splitlines()[-1]
        assert "Space Chọn, xuống" in foot and "Trợ giúp" in foot  # the footer says it, whole
        await press(pilot, "f1")
        text = screen_text(app).replace("\n", " ")
        assert "Space đánh dấu (hoặc bỏ dấu) người đang chọn rồi" in text or "xuống dòng dưới" in text
        await press(pilot, "escape")
        await press(pilot, "escape")  # unsaved: asks
        await press(pilot, "c")


# -- item 6: wording ------------------------------------------------------------------------
async def test_team_findings_read_as_sentences(demo_path):
    from cnscd_tui.team import sentence

    assert sentence("thiếu thành phần Đoàn Thanh niên.") == "Thiếu thành phần Đoàn Thanh niên."
    app = CnscdApp(demo_path)
    async with app.run_test(size=(120, 40)) as pilot:
        await open_demo(pilot)
        await press(pilot, "f3")
        table = app.screen.query_one("#villages-table")
        table.focus()
        table.cursor = 1
        await press(pilot, "enter")
        members = app.screen.query_one("#members-table")
        members.focus()
        for _ in range(members.row_count - 2):  # a team below its minimum (and missing categories)
            await press(pilot, "l")
            await type_into(pilot, "#f-reason", "chuyen di")
            await press(pilot, "ctrl+s")
        status = str(app.screen.query_one("#team-status").render())
        assert "Chưa đạt" in status
        import re

        assert not re.search(r"\. [a-zà-ỹđ]", status), status  # never lowercase after a full stop


async def test_english_counts_are_singular_or_plural():
    from cnscd_tui.i18n import set_language, tr_count

    set_language("en")
    try:
        assert tr_count(1, "khóa") == "1 course" and tr_count(2, "khóa") == "2 courses"
        assert tr_count(1, "thành viên") == "1 member" and tr_count(0, "thành viên") == "0 members"
        assert tr_count(1, "người") == "1 person" and tr_count(1240, "người") == "1.240 people"
    finally:
        set_language("vi")
    assert tr_count(1, "khóa") == "1 khóa"


async def test_command_palette_says_no_command_found_in_vietnamese(demo_path):
    from cnscd_tui.palette import palette_class

    app = CnscdApp(demo_path)
    async with app.run_test(size=(80, 24)) as pilot:
        await open_demo(pilot)
        app.push_screen(palette_class()(id="--command-palette"))
        await settle(pilot)
        await burst(pilot, *"zzqq")
        for _ in range(200):  # the palette says so after its short pause: wait for that state
            if "Không tìm thấy lệnh nào" in screen_text(app):
                break
            await pilot.pause()
        assert "Không tìm thấy lệnh nào" in screen_text(app)
        assert "No matches found" not in screen_text(app)


# -- the passphrase form ---------------------------------------------------------------------
async def test_passphrase_form_checks_the_new_one_and_shows_a_new_recovery_key_once(demo_path, monkeypatch):
    app = CnscdApp(demo_path)
    async with app.run_test(size=(80, 24)) as pilot:
        await open_demo(pilot)
        await press(pilot, "f9")
        await press(pilot, "p")
        assert screen_name(app) == "PassphraseForm"
        await type_into(pilot, "#f-current", "mat-khau-thu-nghiem")
        await type_into(pilot, "#f-new", "12345678")
        assert "dãy phím liền nhau" in str(app.screen.query_one("#m-new").render())  # models.passphrase
        await type_into(pilot, "#f-new", "tran hung dao")  # the unit's own name
        assert "tên đơn vị" in str(app.screen.query_one("#m-new").render())
        calls = []
        original = type(app.reg).change_passphrase

        def change(reg, new, *, allow_new_recovery_key=False):
            calls.append(allow_new_recovery_key)
            original(reg, new, allow_new_recovery_key=allow_new_recovery_key)
            return "ABCDE-FGHIJ-KLMNO-PQRST-UVWXY-Z2345"  # as if the old key could not be carried over

        monkeypatch.setattr(type(app.reg), "change_passphrase", change)
        await burst(pilot, "shift+tab", "tab", *"ba con meo trang", "enter", *"ba con meo trang", "enter")
        assert calls == [True]  # through the Registry (its lock), a new recovery key allowed
        assert app.reg.store.verify_passphrase("ba con meo trang")
        assert screen_name(app) == "RecoveryKeyModal"  # shown once
        assert "ABCDE-FGHIJ" in screen_text(app)


async def test_a_pick_list_opens_moves_and_closes_with_esc(demo_path):
    app = CnscdApp(demo_path)
    async with app.run_test(size=(80, 24)) as pilot:
        await open_demo(pilot)
        await press(pilot, "f4")
        await press(pilot, "ctrl+n")
        role = app.screen.query_one("#f-role", Pick)
        role.focus()
        await settle(pilot)
        await press(pilot, "down")  # the whole list, at the current choice (Thành viên)
        assert role.expanded
        await press(pilot, "up", "up", "enter")  # two up: Tổ trưởng; Enter takes it and goes on
        assert role.value == "to_truong" and not role.expanded
        assert app.focused is app.screen.query_one("#f-other_positions")
        await press(pilot, "shift+tab")
        await burst(pilot, *"pho")  # the text is selected: typing replaces it
        assert role.expanded
        await press(pilot, "escape")  # closes the list only, the choice as it was
        assert screen_name(app) == "PersonForm" and not role.expanded and role.value == "to_truong"
        assert role.input.value == "Tổ trưởng"
        await burst(pilot, *"xyz", "tab")  # a text that picks nothing: said, not saved
        assert role.invalid == "xyz" and "Không có «xyz» trong danh sách" in screen_text(app)
