"""Vocabularies: the codes stored in the registry and their labels.

Each table maps a code to ``(Vietnamese label, English label)``. The UI, the
exports and the CLI all take their wording from here.
"""

from __future__ import annotations

UNIT_LEVELS = {
    "tinh": ("Tỉnh/Thành phố", "Province"),
    "huyen": ("Huyện/Thị xã/Thành phố thuộc tỉnh", "District"),
    "xa": ("Xã/Phường/Đặc khu", "Commune"),
    "thon": ("Thôn/Tổ dân phố", "Village"),
}

UNIT_KINDS = {
    "tinh": ["tỉnh", "thành phố"],
    "huyen": ["huyện", "thị xã", "thành phố"],
    "xa": ["xã", "phường", "đặc khu", "thị trấn"],
    "thon": ["thôn", "tổ dân phố", "bản", "ấp", "khóm", "khu dân cư", "khu phố", "làng", "xóm"],
}

ROLES = {
    "to_truong": ("Tổ trưởng", "Leader"),
    "to_pho": ("Tổ phó", "Deputy"),
    "thanh_vien": ("Thành viên", "Member"),
}

ROLE_ORDER = {"to_truong": 0, "to_pho": 1, "thanh_vien": 2}

TEAM_LEVELS = {
    "xa": ("Tổ cấp xã", "Commune-level team"),
    "thon": ("Tổ cấp thôn", "Village-level team"),
}

DECISION_KINDS = {
    "thanh_lap": ("Thành lập", "Founding"),
    "kien_toan": ("Kiện toàn", "Re-forming"),
}

GENDERS = {
    "nam": ("Nam", "Male"),
    "nu": ("Nữ", "Female"),
    "": ("Chưa rõ", "Unknown"),
}

# (code, Vietnamese, English) in the order of DOMAIN.md's composition table.
DEFAULT_CATEGORIES = [
    ("CB_XA", "Cán bộ xã đứng điểm", "Commune cadre assigned to the village"),
    ("BI_THU", "Bí thư chi bộ", "Party cell secretary"),
    ("TRUONG_THON", "Trưởng thôn/Tổ trưởng tổ dân phố", "Village/residential-group head"),
    ("MTTQ", "Ban Công tác Mặt trận", "Fatherland Front"),
    ("DOAN_TN", "Đoàn Thanh niên", "Youth Union"),
    ("PHU_NU", "Hội Liên hiệp Phụ nữ", "Women's Union"),
    ("NONG_DAN", "Hội Nông dân", "Farmers' Union"),
    ("CCB", "Hội Cựu chiến binh", "Veterans' Association"),
    ("CONG_AN", "Công an viên/Công an", "Police"),
    ("GIAO_VIEN", "Giáo viên/Hiệu trưởng", "Teacher, school principal"),
    ("TNV", "Tình nguyện viên", "Volunteer"),
    ("KHAC", "Chức danh khác", "Other"),
]

COURSE_FORMS = {
    "truc_tiep": ("Trực tiếp", "In person"),
    "truc_tuyen": ("Trực tuyến", "Online"),
    "ket_hop": ("Kết hợp", "Blended"),
}

# Topics named in the Duy Tiên plan.
TOPICS = {
    "CHINH_SACH": ("Chủ trương, chính sách về chuyển đổi số", "Digital-transformation policy"),
    "DVCTT": ("Dịch vụ công trực tuyến", "Online public services"),
    "CHU_KY_SO": ("Chữ ký số", "Digital signatures"),
    "VNEID": ("Định danh điện tử VNeID", "VNeID electronic identity"),
    "KHONG_TIEN_MAT": ("Thanh toán không dùng tiền mặt", "Cashless payment"),
    "TMDT": ("Thương mại điện tử", "E-commerce"),
    "MXH": ("Mạng xã hội", "Social networks"),
    "ATTT": ("An toàn thông tin, bảo vệ dữ liệu cá nhân", "Information security and personal data"),
    "LUA_DAO": ("Phòng chống lừa đảo trực tuyến", "Online-fraud awareness"),
    "KY_NANG_SO": ("Kỹ năng số cơ bản", "Basic digital skills"),
}

ORGANISERS = [
    "Phòng Văn hóa - Xã hội",
    "Sở Khoa học và Công nghệ",
    "Công an xã",
    "Viettel",
    "VNPT",
    "MobiFone",
    "Ngân hàng Agribank",
    "Đoàn Thanh niên",
]

EQUIPMENT_KINDS = {
    "MAY_TINH": ("Máy tính kết nối mạng", "Networked computer"),
    "INTERNET": ("Đường truyền Internet tốc độ cao", "High-speed Internet"),
    "WIFI": ("Wi-Fi miễn phí", "Free Wi-Fi"),
    "BANG_TIN": ("Bảng tin điện tử", "Electronic notice board"),
    "BANG_QR": ("Bảng mã QR", "QR code board"),
    "MAY_SCAN": ("Máy quét (scan)", "Scanner"),
    "MAY_IN": ("Máy in", "Printer"),
    "LOA": ("Loa truyền thanh", "Loudspeaker"),
    "GIONG_NOI": ("Thiết bị giọng nói", "Voice device"),
    "KHAC": ("Thiết bị khác", "Other equipment"),
}

CONDITIONS = {
    "tot": ("Tốt", "Good"),
    "hong": ("Hỏng", "Broken"),
    "can_thay": ("Cần thay", "Needs replacing"),
}

FUNDING = {
    "ngan_sach": ("Ngân sách địa phương", "Local budget"),
    "xa_hoi_hoa": ("Xã hội hóa (doanh nghiệp viễn thông)", "Private/telecom contribution"),
    "khac": ("Nguồn khác", "Other source"),
}

NEED_STATUS = {
    "de_xuat": ("Đề xuất", "Proposed"),
    "da_dap_ung": ("Đã đáp ứng", "Fulfilled"),
}

AUDIT_ACTIONS = {
    "them": ("Thêm", "Add"),
    "sua": ("Sửa", "Edit"),
    "xoa": ("Xóa", "Delete"),
    "roi_to": ("Rời tổ", "Leave team"),
    "he_thong": ("Hệ thống", "System"),
    "xuat": ("Xuất", "Export"),
    "nhap": ("Nhập", "Import"),
}

ENTITY_LABELS = {
    "unit": "Đơn vị",
    "team": "Tổ",
    "decision": "Quyết định",
    "person": "Thành viên",
    "membership": "Tư cách thành viên",
    "course": "Khóa tập huấn",
    "attendance": "Điểm danh",
    "equipment": "Thiết bị",
    "equipment_need": "Đề xuất thiết bị",
    "category": "Thành phần",
    "setting": "Cài đặt",
    "registry": "Sổ",
}


def label(table: dict, code: str, lang: str = "vi") -> str:
    """The label of ``code`` in ``table`` (Vietnamese by default)."""
    pair = table.get(code)
    if pair is None:
        return code
    return pair[1] if lang == "en" else pair[0]


# Field names written in the audit log → what the clerk reads. A key "entity.field"
# is looked up before "field" (a course's start date is not a member's).
FIELD_LABELS = {
    # settings
    "province": ("Tỉnh/Thành phố", "Province"),
    "district": ("Huyện", "District"),
    "commune": ("Xã/Phường", "Commune"),
    "commune_kind": ("Loại đơn vị (xã/phường)", "Commune kind"),
    "place_name": ("Địa danh ghi ở dòng ngày tháng", "Place name on the date line"),
    "issuing_body_parent": ("Cơ quan cấp trên", "Parent authority"),
    "issuing_body": ("Cơ quan ban hành", "Issuing authority"),
    "signer_prefix": ("Quyền hạn ký", "Signing authority"),
    "signer_title": ("Chức danh người ký", "Signer's title"),
    "signer_name": ("Họ tên người ký", "Signer's name"),
    "village_team_min": ("Tổ cấp thôn: số thành viên tối thiểu", "Village team: minimum members"),
    "village_team_max": ("Tổ cấp thôn: số thành viên tối đa", "Village team: maximum members"),
    "commune_team_min": ("Tổ cấp xã: số thành viên tối thiểu", "Commune team: minimum members"),
    "commune_team_max": ("Tổ cấp xã: số thành viên tối đa", "Commune team: maximum members"),
    "required_categories": ("Thành phần bắt buộc", "Required categories"),
    "auto_lock_minutes": ("Tự khóa sau (phút)", "Auto-lock after (minutes)"),
    "language": ("Ngôn ngữ giao diện", "Interface language"),
    "quarterly_deadline_day": ("Hạn báo cáo quý (ngày)", "Quarterly report day"),
    "half_year_deadline": ("Hạn báo cáo 6 tháng", "Half-year report deadline"),
    "annual_deadline": ("Hạn báo cáo năm", "Annual report deadline"),
    "trainings_per_year": ("Số lần tập huấn mỗi năm", "Trainings per year"),
    "fund_policy": ("Mức hỗ trợ kinh phí Tổ CNSCĐ", "Support-fund rate"),
    "fund_basis": ("Căn cứ mức hỗ trợ (nghị quyết)", "Support-fund basis (resolution)"),
    "doc_number": ("Số văn bản", "Document number"),
    "doc_symbol": ("Ký hiệu văn bản", "Document symbol"),
    "recipients": ("Nơi nhận", "Recipients"),
    "preparer_name": ("Người lập biểu", "Prepared by"),
    "accountant_name": ("Kế toán", "Accountant"),
    # villages, teams
    "name": ("Tên", "Name"),
    "kind": ("Loại", "Kind"),
    "former_unit": ("Đơn vị cũ", "Former unit"),
    "note": ("Ghi chú", "Note"),
    "notes": ("Ghi chú", "Notes"),
    "merged_into": ("Sáp nhập vào", "Merged into"),
    "active": ("Đang dùng", "In use"),
    "name_en": ("Tên tiếng Anh", "English name"),
    "sort_order": ("Thứ tự", "Order"),
    # people
    "family_name": ("Họ và tên đệm", "Family and middle name"),
    "given_name": ("Tên", "Given name"),
    "gender": ("Giới tính", "Gender"),
    "birth_date": ("Ngày sinh", "Date of birth"),
    "birth_year": ("Năm sinh", "Year of birth"),
    "phone": ("Số điện thoại", "Phone"),
    "cccd": ("Số CCCD", "Citizen ID"),
    "cccd_legacy": ("Số CMND cũ", "Old ID number"),
    "village": ("Thôn/Tổ dân phố", "Village"),
    # membership
    "role": ("Vai trò", "Role"),
    "category": ("Thành phần", "Category"),
    "other_positions": ("Chức vụ khác", "Other positions"),
    "start_date": ("Ngày bắt đầu", "Start date"),
    "membership.start_date": ("Ngày tham gia", "Joined on"),
    "end_date": ("Ngày kết thúc", "End date"),
    "membership.end_date": ("Ngày rời tổ", "Left on"),
    "leave_reason": ("Lý do rời tổ", "Reason for leaving"),
    # training
    "title": ("Tên khóa", "Course title"),
    "organiser": ("Đơn vị tổ chức", "Organiser"),
    "form": ("Hình thức", "Form"),
    "hours": ("Số giờ", "Hours"),
    "topics": ("Chủ đề", "Topics"),
    "location": ("Địa điểm", "Location"),
    "attendance": ("Số người dự", "Attendees"),
    # equipment
    "unit": ("Thôn/TDP (hoặc xã)", "Village (or commune)"),
    "place": ("Nơi đặt", "Place"),
    "description": ("Mô tả", "Description"),
    "quantity": ("Số lượng", "Quantity"),
    "condition": ("Tình trạng", "Condition"),
    "funding": ("Nguồn kinh phí", "Funding"),
    "funding_note": ("Ghi chú nguồn kinh phí", "Funding note"),
    "acquired_on": ("Ngày trang bị", "Acquired on"),
    "value": ("Giá trị (đồng)", "Value (VND)"),
    "estimated_value": ("Kinh phí dự kiến (đồng)", "Estimated cost (VND)"),
    "reason": ("Lý do", "Reason"),
    "status": ("Trạng thái", "Status"),
    "proposed_on": ("Ngày đề xuất", "Proposed on"),
}

# Fields whose stored values are codes of a vocabulary (shown by their label in the log).
FIELD_VOCABS = {
    "role": ROLES,
    "gender": GENDERS,
    "form": COURSE_FORMS,
    "topics": TOPICS,
    "condition": CONDITIONS,
    "funding": FUNDING,
    "equipment.kind": EQUIPMENT_KINDS,
    "equipment_need.kind": EQUIPMENT_KINDS,
    "status": NEED_STATUS,
}


def field_label(entity: str, field: str, lang: str = "vi") -> str:
    """What the audit log shows for a field name (the name itself if unknown)."""
    pair = FIELD_LABELS.get(f"{entity}.{field}") or FIELD_LABELS.get(field)
    if pair is None:
        return field
    return pair[1] if lang == "en" else pair[0]


def field_vocab(entity: str, field: str) -> dict | None:
    return FIELD_VOCABS.get(f"{entity}.{field}") or FIELD_VOCABS.get(field)
