"""UI language: Vietnamese first, English selectable in Settings.

Every UI string is written in Vietnamese in the code and passed through
:func:`tr`. English, when chosen, comes from :data:`EN`; a string missing
there stays Vietnamese (never blank). Data (names, categories, messages from
the services) stays as the registry holds it.
"""

from __future__ import annotations

_lang = "vi"

EN: dict[str, str] = {
    # tabs / screens
    "Tổng quan": "Overview",
    "Thôn/Tổ": "Villages",
    "Báo cáo": "Reports",
    "Thành viên": "People",
    "Tập huấn": "Training",
    "Thiết bị": "Equipment",
    "Nhật ký": "Audit log",
    "Cài đặt": "Settings",
    "Trợ giúp": "Help",
    "Điểm danh": "Attendance",
    "Mở sổ": "Unlock",
    "Tạo sổ mới": "New registry",
    # common actions
    "Thoát": "Quit",
    "Lưu": "Save",
    "Hủy": "Cancel",
    "Thêm": "Add",
    "Sửa": "Edit",
    "Xóa": "Delete",
    "Mở": "Open",
    "Khóa": "Lock",
    "Lệnh": "Commands",
    "Tìm": "Search",
    "Lọc": "Filter",
    "Đóng": "Close",
    "Tiếp": "Next",
    "Quay lại": "Back",
    "Tải lại": "Reload",
    "Chọn": "Select",
    "Chọn cả tổ": "Select whole team",
    "Bỏ chọn hết": "Clear selection",
    "Rời tổ": "Leave team",
    "Kiện toàn": "Re-form",
    "Lập tổ": "Found team",
    "Gộp": "Merge",
    "Đổi tên": "Rename",
    "Vai trò": "Role",
    "Thêm thành viên": "Add member",
    "Đổi mật khẩu": "Change passphrase",
    "Sao lưu ngay": "Back up now",
    "Khôi phục": "Restore",
    "Quên mật khẩu": "Forgot passphrase",
    "Đề xuất": "Needs",
    "Chưa tập huấn": "Untrained",
    # headings
    "Thôn/TDP": "Villages",
    "Tổ CNSCĐ": "Teams",
    "Thành viên đang hoạt động": "Active members",
    "Thành viên theo thành phần": "Members by category",
    "Tập huấn năm nay": "Training this year",
    "Thiết bị cần sửa/thay": "Equipment needing repair",
    "Việc cần xử lý": "To fix",
    "Hạn báo cáo tiếp theo": "Next report due",
    "Mật khẩu": "Passphrase",
    "Mã khôi phục": "Recovery key",
}


def set_language(lang: str) -> None:
    global _lang
    _lang = "en" if lang == "en" else "vi"


def language() -> str:
    return _lang


def tr(vi: str) -> str:
    """The UI string in the chosen language."""
    if _lang == "en":
        return EN.get(vi, vi)
    return vi
