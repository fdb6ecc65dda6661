"""What a newly created registry holds before the clerk adds anything."""

from __future__ import annotations

import json
from dataclasses import asdict

from . import text, vocab
from .common import now
from .errors import InputError
from .schema import AuditLog, Category, Setting, Unit
from .settings import Settings


# ---------------------------------------------------------------------------
# A new registry
# ---------------------------------------------------------------------------
def fill_new_registry(*, province: str, commune: str, commune_kind: str = "xã", district: str = "",
                      actor: str = "") -> None:
    """The first rows of a new registry: categories, the province/district/commune units,
    the settings and the log's first line. Called inside the creating transaction (no Registry yet)."""
    province = text.clean(province)
    commune = text.clean(commune)
    if not province:
        raise InputError("Tên tỉnh/thành phố không được để trống.", "province")
    for i, (code, name, name_en) in enumerate(vocab.DEFAULT_CATEGORIES):
        Category.create(code=code, name=name, name_en=name_en, sort_order=i)
    prov_kind = "thành phố" if text.fold(province).startswith("thanh pho") else "tỉnh"
    prov_name = text.strip_unit_kind(province)
    p = Unit.create(level="tinh", kind=prov_kind, name=prov_name)
    parent = p
    if text.clean(district):
        parent = Unit.create(level="huyen", kind="huyện", name=text.strip_unit_kind(district), parent=p)
    if commune:  # a commune registry; without one it holds many communes (district/province level)
        Unit.create(level="xa", kind=commune_kind, name=text.strip_unit_kind(commune), parent=parent)
        body = f"ỦY BAN NHÂN DÂN {commune_kind.upper()} {text.strip_unit_kind(commune).upper()}"
    else:
        body = f"ỦY BAN NHÂN DÂN {prov_kind.upper()} {prov_name.upper()}"
    s = Settings(province=prov_name, district=text.strip_unit_kind(district), commune=text.strip_unit_kind(commune),
                 commune_kind=commune_kind if commune else "", place_name=text.strip_unit_kind(commune) or prov_name,
                 issuing_body=body)
    for key, value in asdict(s).items():
        Setting.create(key=key, value=json.dumps(value, ensure_ascii=False))
    AuditLog.create(at=now(), actor=actor, action="he_thong", entity="registry",
                    summary=(f"Tạo sổ mới cho {commune_kind} {text.strip_unit_kind(commune)}, {prov_kind} {prov_name}"
                             if commune else f"Tạo sổ tổng hợp cấp {prov_kind} {prov_name}"),
                    field="", old="", new="")


