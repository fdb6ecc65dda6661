"""What the teams' work modules share: the vocabularies (services helped, activity kinds,
denominators), months ("2026-11"), and this subject's settings (the province app's name, the
support point, Saturday duty), stored as rows of the ``setting`` table beside
``services.Settings``."""

from __future__ import annotations

import datetime as dt
import json
import re
from dataclasses import dataclass
from typing import Any, NamedTuple

from . import text
from .audit import log
from .errors import FieldError, InputError
from .schema import Setting, database
from .units import unit_order

# ---------------------------------------------------------------------------
# Vocabularies (code → (Vietnamese, English)), as in models.vocab
# ---------------------------------------------------------------------------
SERVICES = {
    "TK_DVC": ("Tạo tài khoản dịch vụ công", "Public-service account"),
    "HO_SO": ("Nộp hồ sơ trực tuyến", "Online dossier submitted"),
    "VNEID": ("Cài đặt, kích hoạt VNeID mức độ 2", "VNeID installed/activated (level 2)"),
    "KDTM": ("Thanh toán không dùng tiền mặt", "Cashless payment set up"),
    "CKS": ("Chữ ký số", "Digital signature"),
    "TMDT": ("Đưa sản phẩm lên sàn thương mại điện tử", "E-commerce listing"),
    "APP_TINH": ("Cài đặt ứng dụng của tỉnh", "The province's own app"),
    "LUA_DAO": ("Phòng chống lừa đảo trực tuyến", "Online-fraud awareness"),
}
SERVICE_ORDER = tuple(SERVICES)

KINDS = {
    "den_tung_ho": ("Đến từng hộ", "Door to door"),
    "tai_diem": ("Tại điểm hỗ trợ", "At the support point"),
    "hop_thon": ("Họp thôn, hội nghị", "Village meeting, conference"),
    "truyen_thong": ("Truyền thông loa, Zalo", "Loudspeaker, Zalo"),
    "ca_truc": ("Ca trực", "Duty shift"),
}

SOURCES = {
    "nhap": ("Nhập từng hoạt động", "Typed in"),
    "phieu": ("Phiếu tháng của tổ", "Team's monthly sheet"),
    "luoi": ("Bảng nhập theo tháng", "Monthly grid"),
}

# The four counts of a service, with the words the messages and sheets use.
COUNT_FIELDS = {
    "people": "số người được hỗ trợ",
    "households": "số hộ được hỗ trợ",
    "priority": "trong đó người cao tuổi, người yếu thế",
    "businesses": "trong đó hộ kinh doanh",
}

# Denominators: field → (label, what is missing when it is unknown)
DENOMINATORS = {
    "households": ("Số hộ", "chưa có số hộ"),
    "residents": ("Số dân", "chưa có số dân"),
    "working_age": ("Số người trong độ tuổi lao động", "chưa có số người trong độ tuổi lao động"),
    "businesses": ("Số hộ kinh doanh", "chưa có số hộ kinh doanh"),
    "dossiers": ("Số hồ sơ TTHC phát sinh", "chưa có số hồ sơ TTHC phát sinh"),
}

MAX_COUNT = 10_000_000
MAX_NEEDS = 2000
DEFAULT_APP_NAME = "ứng dụng dùng chung của tỉnh"
DEFAULT_SUPPORT_POINT = "Trung tâm Phục vụ hành chính công"


def label(table: dict, code: str, lang: str = "vi") -> str:
    pair = table.get(code)
    if pair is None:
        return code
    return pair[1] if lang == "en" else pair[0]


def service_label(code: str, app_name: str = "", lang: str = "vi") -> str:
    """A service as the clerk reads it; the province app by its configured name
    («Cài đặt Smart Quảng Nam»)."""
    if code == "APP_TINH" and app_name and lang == "vi":
        return f"Cài đặt {app_name}"
    return label(SERVICES, code, lang)


# ---------------------------------------------------------------------------
# Months
# ---------------------------------------------------------------------------
_MONTH_FORMS = (re.compile(r"(\d{4})-(\d{1,2})"), re.compile(r"(?:t|thang)?\s*(\d{1,2})\s*[/.-]\s*(\d{4})"))


def parse_month(raw: Any, field_name: str = "Tháng") -> str:
    """"2026-11", "11/2026", "T11/2026", "tháng 11/2026" or a date → "2026-11". Bad → InputError."""
    if isinstance(raw, (dt.date, dt.datetime)):
        return f"{raw.year:04d}-{raw.month:02d}"
    s = text.fold(raw).replace(" nam ", "/")
    for i, rx in enumerate(_MONTH_FORMS):
        m = rx.fullmatch(s)
        if m:
            year, month = (int(m.group(1)), int(m.group(2))) if i == 0 else (int(m.group(2)), int(m.group(1)))
            if 1 <= month <= 12 and 2000 <= year <= 2100:
                return f"{year:04d}-{month:02d}"
    raise InputError(f"{field_name} «{text.clean(raw)}» không hợp lệ; ghi ví dụ 11/2026 hoặc 2026-11.", "month")


def month_range(month: str) -> tuple[dt.date, dt.date]:
    y, m = int(month[:4]), int(month[5:7])
    start = dt.date(y, m, 1)
    end = dt.date(y + (m == 12), m % 12 + 1, 1) - dt.timedelta(days=1)
    return start, end


def month_label(month: str) -> str:
    """"2026-11" → "tháng 11/2026"."""
    return f"tháng {month[5:7]}/{month[:4]}"


def month_of(d: dt.date) -> str:
    return f"{d.year:04d}-{d.month:02d}"


# ---------------------------------------------------------------------------
# Settings of this module (rows of the setting table, beside services.Settings)
# ---------------------------------------------------------------------------
@dataclass(frozen=True)
class ActivitySettings:
    app_name: str = DEFAULT_APP_NAME  # the province's own app («Smart Quảng Nam»)
    support_point: str = DEFAULT_SUPPORT_POINT  # where the duty rota is kept
    saturday: bool = False  # the rota has Saturdays too


SETTING_KEYS = {"app_name": "activity_app_name", "support_point": "activity_support_point",
                 "saturday": "activity_saturday"}
_SETTING_LABELS = {"app_name": "Tên ứng dụng của tỉnh", "support_point": "Điểm hỗ trợ (nơi trực)",
                   "saturday": "Trực cả thứ Bảy"}


def read_setting(key: str, default: Any) -> Any:
    row = Setting.get_or_none(Setting.key == key)
    return default if row is None else json.loads(row.value)


def write_setting(reg, key: str, value: Any, what: str, old_shown: str, new_shown: str) -> None:
    """Store one setting row and log it (inside the caller's ``reg.write()``)."""
    Setting.insert(key=key, value=json.dumps(value, ensure_ascii=False)).on_conflict_replace().execute()
    log(reg, "sua", "setting", None, f"Cài đặt: {what}", "", old_shown, new_shown)


def get_activity_settings(reg) -> ActivitySettings:
    with reg.read():
        d = ActivitySettings()
        return ActivitySettings(**{k: read_setting(key, getattr(d, k)) for k, key in SETTING_KEYS.items()})


def update_activity_settings(reg, **changes: Any) -> ActivitySettings:
    errors = [FieldError(k, f"Không có mục cài đặt «{k}».") for k in changes if k not in SETTING_KEYS]
    for k in ("app_name", "support_point"):
        if k in changes:
            changes[k] = text.clean(changes[k])
            if not changes[k]:
                errors.append(FieldError(k, f"{_SETTING_LABELS[k]} không được để trống."))
            elif len(changes[k]) > 120:
                errors.append(FieldError(k, f"{_SETTING_LABELS[k]}: tối đa 120 ký tự."))
    if "saturday" in changes and not isinstance(changes["saturday"], bool):
        errors.append(FieldError("saturday", "Trực cả thứ Bảy: chọn có hoặc không."))
    if errors:
        raise InputError(errors)
    current = get_activity_settings(reg)
    with reg.write():
        for k, v in changes.items():
            old = getattr(current, k)
            if old != v:
                fmt = (lambda x: "có" if x else "không") if k == "saturday" else str
                write_setting(reg, SETTING_KEYS[k], v, _SETTING_LABELS[k], fmt(old), fmt(v))
    return get_activity_settings(reg)


def unit_label(u) -> str:
    return f"{u.kind[:1].upper()}{u.kind[1:]} {u.name}" if u.kind else u.name


class UnitRow(NamedTuple):
    """A unit as plain values (a province has thousands; model instances are slow to build)."""

    id: int
    parent_id: int | None
    level: str
    kind: str
    name: str
    former_unit: str
    sort_order: int
    active: bool


def load_units() -> dict[int, UnitRow]:
    """Every unit by id (inside ``reg.read()``)."""
    # Plain SQL (peewee's row conversion was most of the time for a province's 20.000 units).
    cur = database.execute_sql('SELECT "id", "parent_id", "level", "kind", "name", "former_unit", "sort_order", '
                               '"active" FROM "unit"')
    return {r[0]: UnitRow(*r[:7], r[7] if r[7] is None else bool(r[7])) for r in cur}


def active_villages(units: dict[int, UnitRow] | None = None) -> list[UnitRow]:
    """The active villages in the order the village list shows them (inside ``reg.read()``)."""
    units = units if units is not None else load_units()
    rows = [u for u in units.values() if u.level == "thon" and u.active]
    rows.sort(key=lambda u: (u.parent_id or 0, text.vn_key(u.former_unit), unit_order(u.name)))
    return rows


def place_names(units: dict[int, UnitRow]) -> dict[int, str]:
    """Each unit as the reports name it: «Tổ dân phố An Lợi»; where the registry holds several
    communes, a village also names its commune: «Thôn 3, xã Tam Thăng»."""
    communes = sum(1 for u in units.values() if u.level == "xa")
    out = {}
    for u in units.values():
        name = unit_label(u)
        if communes > 1 and u.level == "thon" and u.parent_id in units:
            p = units[u.parent_id]
            name = f"{name}, {p.kind} {p.name}"
        out[u.id] = name
    return out
