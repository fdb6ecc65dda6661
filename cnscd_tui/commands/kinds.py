"""The choices ``cnscd --help`` shows, without importing the exports that make them.

Building the parser must stay fast (``cnscd --help``, every command's start): these are
copies of :data:`exports.request.ALL_KINDS` (labels), :data:`exports.templates.KINDS` and the
formats, and ``tests/test_cli_conventions.py`` checks that they still match the originals.
"""

from __future__ import annotations

# kind → what the clerk reads (exports.request.ALL_KINDS, then the tally sheets)
EXPORT_KINDS = {
    "phu-luc-1": "Phụ lục I — số tổ và thành viên theo đơn vị",
    "thanh-phan": "Thành viên theo thành phần",
    "danh-sach": "Danh sách thành viên",
    "tap-huan": "Tập huấn",
    "thiet-bi": "Trang thiết bị và đề xuất",
    "kinh-phi": "Dự toán kinh phí hỗ trợ (Phụ lục III)",
    "ky-nhan": "Danh sách ký nhận kinh phí hỗ trợ",
    "bao-cao-ky": "Báo cáo định kỳ (quý, 6 tháng, năm)",
    "hoat-dong": "Kết quả hoạt động của các Tổ CNSCĐ",
    "lich-truc": "Lịch trực hỗ trợ người dân tại điểm hỗ trợ",
    "tong-hop-goi": "Tổng hợp từ gói báo cáo của các xã (cấp tỉnh)",
}
TALLY_SHEETS = "phieu-hoat-dong"  # not a report: one blank sheet per team for the leaders to fill
ALL_EXPORT_KINDS = {**EXPORT_KINDS, TALLY_SHEETS: "Phiếu hoạt động tháng (mỗi tổ một phiếu để tổ trưởng ghi)"}

# exports.templates.KINDS
TEMPLATE_KINDS = {
    "danh-sach": "Danh sách thành viên",
    "phu-luc-1": "Phụ lục I — số tổ và thành viên theo đơn vị",
    "thanh-phan": "Thành viên theo thành phần",
    "tap-huan": "Tập huấn",
    "thiet-bi": "Trang thiết bị",
}

SHEET_FORMATS = ("xlsx", "ods")  # the official layout (exports.writers)
DATA_FORMATS = ("csv", "tsv", "json")  # machine-readable (exports.datasets, tablib)
FORMATS = SHEET_FORMATS + DATA_FORMATS
