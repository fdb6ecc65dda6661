"""English mode of the Reports tab, the import wizard (and its file picker) and the Templates
screen: English labels, footers and messages, none of the Vietnamese ones; and back."""

from __future__ import annotations

from cnscd_tui.app import CnscdApp
from exports import legacy_text as lt
from tests.test_import import _xlsx_roster
from tests.tui_helpers import (
    choose, footer_line, open_demo, press, screen_name, screen_text,
    set_ui_language, settle,
)

SIZE = (100, 32)


def assert_none_in(text: str, words) -> None:
    left = [w for w in words if w in text]
    assert not left, f"Vietnamese left in English mode: {left}\n{text}"


async def test_reports_import_templates_in_english_and_back(demo_path, tmp_path):
    f = _xlsx_roster(tmp_path / "ds.xlsx", lt.encode_tcvn3, ".VnTime")
    app = CnscdApp(demo_path)
    async with app.run_test(size=SIZE) as pilot:
        await open_demo(pilot)
        try:
            await set_ui_language(pilot, "en")

            # -- Reports tab
            await press(pilot, "f7")
            await settle(pilot)
            text = screen_text(app)
            assert "Annex I — teams and members by unit" in text
            assert "Include ID numbers" in text and "Set password (xlsx)" in text
            assert "Whole commune" in text and "rows · file" in text
            assert_none_in(text, ["Phụ lục I — số tổ", "Kèm số CCCD", "Năm sinh theo Nam/Nữ", "Đặt mật khẩu",
                                  "Toàn xã", "dòng · tệp", "gõ thư mục khác", "Năm 20"])
            foot = footer_line(app)
            assert "Export" in foot and "Templates" in foot and "Import Annex I" in foot
            assert_none_in(foot, ["Xuất", "Mẫu cấp trên", "Nhập Phụ lục"])
            # the fund controls of a fund report
            await choose(pilot, "#rep-kind", "kinh-phi")
            await settle(pilot)
            await choose(pilot, "#rep-policy", "quang-nam")  # the demo's rate is not pinned: chosen here
            await settle(pilot)
            text = screen_text(app)
            assert "Support-fund estimate" in text and "Teams" in text and "Months/yr" in text
            assert "active teams" in text and "Quảng Nam — option 01" in text
            assert_none_in(text, ["Dự toán kinh phí", "Số tổ", "Tháng/năm", "tổ đang hoạt động", "phương án 01"])
            # the help of the tab
            await press(pilot, "f1")
            assert screen_name(app) == "HelpScreen" or "Help" in screen_text(app)
            text = screen_text(app)
            assert "Choose the report (type a few letters" in text and "Chọn loại báo cáo" not in text
            await press(pilot, "escape")

            # -- import wizard: the file picker first
            app.open_import()
            await settle(pilot)
            assert screen_name(app) == "FilePicker"
            text = screen_text(app)
            assert "Choose a file to import" in text and "…or type a file/folder path" in text
            assert "Home folder" in text or "Documents" in text
            assert "Cancel (Esc)" in text
            assert_none_in(text, ["Chọn tệp để nhập", "Nơi tìm", "Thư mục cá nhân", "gõ đường dẫn", "Hủy", "Tìm USB"])
            await press(pilot, "escape")
            assert screen_name(app) == "ImportScreen"
            text = screen_text(app)
            assert "1. Choose file" in text and "2. Sheet" in text and "3. Columns" in text
            assert "4. Preview" in text and "5. Result" in text
            assert "Member list (name, birth year" in text and "header row" in text
            assert "Import from a file" in text
            assert "Back" in footer_line(app) and "Choose file" in footer_line(app)
            assert_none_in(text, ["Chọn tệp", "Trang tính", "Ghép cột", "Xem trước", "Kết quả", "Quay lại",
                                  "dòng tiêu đề", "Nhập dữ liệu từ tệp"])
            # a file: the columns, then the preview counts
            await press(pilot, "ctrl+f")
            assert screen_name(app) == "FilePicker"
            from tests.test_tui_import import pick_file

            await pick_file(pilot, f)
            assert screen_name(app) == "ImportScreen" and app.screen.step == "map"
            text = screen_text(app)
            assert "Header in the file" in text and "Maps to" in text and "mapping:" in text
            assert_none_in(text, ["Tiêu đề trong tệp", "Ghép vào", "cách ghép cột", "chưa có trong sổ (Enter"])
            await press(pilot, "ctrl+n")
            assert app.screen.step == "preview"
            text = screen_text(app)
            assert "rows" in text and "new" in text and "All rows" in text and "Full name" in text
            assert_none_in(text, ["thêm mới", "cập nhật", "không đổi", "Tất cả các dòng", "Dòng có lỗi"])
            assert "Import" in footer_line(app) and "Nhập vào sổ" not in footer_line(app)
            await press(pilot, "escape", "escape", "escape")
            await settle(pilot)
            if screen_name(app) != "MainScreen":
                await press(pilot, "escape")
            assert screen_name(app) == "MainScreen"

            # -- Templates screen
            app.open_templates()
            await settle(pilot)
            assert screen_name(app) == "TemplatesScreen"
            text = screen_text(app)
            assert "Templates saved in the registry" in text and "No templates yet" in text
            assert "Template" in text and "Form type" in text and "Templates from above" in text
            assert "Add" in footer_line(app) and "Back" in footer_line(app)
            assert_none_in(text, ["Mẫu biểu", "Chưa lưu mẫu", "Tên mẫu", "Loại biểu", "Quay lại"])
            await press(pilot, "escape")
            assert screen_name(app) == "MainScreen"

            # -- back to Vietnamese
            await set_ui_language(pilot, "vi")
            await press(pilot, "f7")
            await settle(pilot)
            text = screen_text(app)
            assert "Kèm số CCCD" in text and "Phụ lục I — số tổ và thành viên theo đơn vị" in text
            assert "Include ID numbers" not in text and "Xuất" in footer_line(app)
            app.open_templates()
            await settle(pilot)
            assert "Mẫu biểu đã lưu trong sổ" in screen_text(app)
            assert "Templates saved" not in screen_text(app)
        finally:
            from cnscd_tui.i18n import set_language

            set_language("vi")


async def test_activity_tab_settings_and_help_in_english(demo_path):
    """The Hoạt động tab (its footer, views, forms, help) and Cài đặt read in English, the keys'
    tooltips in help too; no Vietnamese sentence of the UI is left beside them."""
    app = CnscdApp(demo_path)
    async with app.run_test(size=(120, 40)) as pilot:
        await open_demo(pilot)
        try:
            await set_ui_language(pilot, "en")
            await press(pilot, "f10")
            text, foot = screen_text(app), footer_line(app)
            assert "Activity" in text and "Hoạt động" not in text
            assert "Month" in foot and "Save" in foot
            assert_none_in(foot, ["Tháng", "Lưu"])
            await press(pilot, "f1")
            text = screen_text(app)
            assert "The teams' activity by month" in text and "Choose the month" in text
            assert "General: F1 help" in text
            assert "Open Activity (F2–F10: change tab)" in text
            assert_none_in(text, ["Hoạt động của các tổ", "Chọn tháng", "Mở dòng đang chọn", "Chung: F1",
                                  "chuyển trang", "Đọc lại dữ liệu", "Thoát chương trình"])
            await press(pilot, "escape")
            await press(pilot, "t")
            assert "Targets" in footer_line(app) and "Chỉ tiêu" not in footer_line(app)
            await press(pilot, "c")
            assert screen_name(app) == "TargetsForm"
            text = screen_text(app)
            assert "Targets of a model plan" in text and "Households helped (%)" in text
            assert_none_in(text, ["Bộ chỉ tiêu", "Hộ dân đã được hỗ trợ"])
            await press(pilot, "escape")
            await press(pilot, "h")
            await press(pilot, "enter")
            assert screen_name(app) == "DenominatorForm"
            text = screen_text(app)
            assert "Residents" in text and "Working-age residents" in text and "Source of the figures" in text
            assert "e.g. from the commune police" in text or "ví dụ" not in text
            assert_none_in(text, ["Số dân", "Số hộ kinh doanh", "Nguồn số liệu"])
            await press(pilot, "escape")
            # Cài đặt: its help
            await press(pilot, "f9")
            await press(pilot, "f1")
            text = screen_text(app)
            assert "The registry's settings" in text and "Change the registry's passphrase" in text
            assert_none_in(text, ["Cài đặt của sổ", "Đổi mật khẩu của sổ", "Tạo bản sao lưu", "Làm mới khóa"])
            await press(pilot, "escape")
        finally:
            from cnscd_tui.i18n import set_language

            set_language("vi")
