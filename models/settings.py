"""The registry's settings (commune, signer, team-size rules, deadlines, language…),
stored as JSON values in the ``setting`` table; every change is logged."""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from typing import Any

from . import text, validate, vocab
from .audit import log, shown
from .errors import FieldError, InputError
from .schema import Category, Setting


# ---------------------------------------------------------------------------
# Settings
# ---------------------------------------------------------------------------
@dataclass
class Settings:
    province: str = ""
    district: str = ""
    commune: str = ""
    commune_kind: str = "xã"
    place_name: str = ""  # used in "Duy Tiên, ngày ... tháng ... năm ..."
    issuing_body_parent: str = ""  # e.g. "UBND THÀNH PHỐ HẢI PHÒNG"
    issuing_body: str = ""  # e.g. "ỦY BAN NHÂN DÂN PHƯỜNG TRẦN HƯNG ĐẠO"
    signer_prefix: str = "KT. CHỦ TỊCH"
    signer_title: str = "PHÓ CHỦ TỊCH"
    signer_name: str = ""
    village_team_min: int = 5
    village_team_max: int = 7
    commune_team_min: int = 5
    commune_team_max: int = 60
    required_categories: list[str] = field(default_factory=lambda: ["TRUONG_THON", "DOAN_TN", "MTTQ"])
    auto_lock_minutes: int = 10
    language: str = "vi"
    quarterly_deadline_day: int = 20  # before the Nth of the quarter's last month
    half_year_deadline: str = "15/06"
    annual_deadline: str = "15/12"
    trainings_per_year: int = 1
    fund_policy: str = ""  # the support-fund rate (exports.fund.POLICIES code); "" = the registry's province's rate
    fund_basis: str = ""  # the resolution the fund sheets cite, when the clerk enters it
    # Decree 30/2020 elements of the documents (exports/decree30.py)
    doc_number: str = ""  # «Số: …/BC-UBND»; "" = a blank to write by hand
    doc_symbol: str = ""  # "" = from the issuing body's name (UBND, SKHCN…)
    recipients: list[str] = field(default_factory=list)  # «Nơi nhận»; [] = the parent body and «Lưu: VT.»
    preparer_name: str = ""  # «Người lập biểu» on the payment list
    accountant_name: str = ""  # «Kế toán» on the payment list


_SETTING_KEYS = set(Settings.__dataclass_fields__)


def get_settings(reg) -> Settings:
    with reg.read():
        s = Settings()
        for row in Setting.select():
            if row.key in _SETTING_KEYS:
                setattr(s, row.key, json.loads(row.value))
        return s


def update_settings(reg, **changes: Any) -> Settings:
    errors = []
    for key in changes:
        if key not in _SETTING_KEYS:
            errors.append(FieldError(key, f"Không có mục cài đặt «{key}»."))
    current = get_settings(reg)
    merged = asdict(current) | changes
    for lo, hi, lbl in (("village_team_min", "village_team_max", "tổ cấp thôn"),
                        ("commune_team_min", "commune_team_max", "tổ cấp xã")):
        for k in (lo, hi):
            r = validate.check_int(merged[k], "Số thành viên tối thiểu/tối đa", min=1, max=500)
            if not r.ok:
                errors.append(FieldError(k, r.error))
        if not errors and int(merged[lo]) > int(merged[hi]):
            errors.append(FieldError(lo, f"Số thành viên tối thiểu của {lbl} ({merged[lo]}) lớn hơn tối đa ({merged[hi]})."))
    if "auto_lock_minutes" in changes:
        r = validate.check_int(changes["auto_lock_minutes"], "Tự khóa sau (phút)", min=0, max=240)
        if not r.ok:
            errors.append(FieldError("auto_lock_minutes", r.error))
    if "language" in changes and changes["language"] not in ("vi", "en"):
        errors.append(FieldError("language", "Ngôn ngữ phải là «vi» hoặc «en»."))
    if "required_categories" in changes:
        known = {c.code for c in Category.select(Category.code)}
        for code in changes["required_categories"]:
            if code not in known:
                errors.append(FieldError("required_categories", f"Thành phần «{code}» không có trong danh mục."))
    if errors:
        raise InputError(errors)
    with reg.write():
        for key, value in changes.items():
            old = getattr(current, key)
            if isinstance(value, str):
                value = text.clean(value)
            if key.endswith(("_min", "_max", "_minutes", "_day", "_per_year")):
                value = int(value)
            if old == value:
                continue
            Setting.insert(key=key, value=json.dumps(value, ensure_ascii=False)).on_conflict_replace().execute()
            log(reg, "sua", "setting", None, f"Cài đặt: {vocab.field_label('setting', key)}", key,
                 shown(key, old), shown(key, value))
            setattr(current, key, value)
    return current
