"""Equipment (trang thiết bị) and requests for more (đề xuất bổ sung)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from . import text, validate, vocab
from .audit import apply_changes, log
from .common import get_row, today
from .errors import FieldError, InputError
from .schema import Equipment, EquipmentNeed, Unit


# ---------------------------------------------------------------------------
# Equipment
# ---------------------------------------------------------------------------
@dataclass
class EquipmentInput:
    unit_id: int | None = None
    place: str = ""
    kind: str = "MAY_TINH"
    description: str = ""
    quantity: Any = 1
    condition: str = "tot"
    funding: str = "ngan_sach"
    funding_note: str = ""
    acquired_on: Any = ""
    value: Any = 0
    note: str = ""


@dataclass(frozen=True)
class EquipmentInfo:
    id: int
    unit_id: int
    unit_name: str
    place: str
    kind: str
    kind_label: str
    description: str
    quantity: int
    condition: str
    condition_label: str
    funding: str
    funding_label: str
    funding_note: str
    acquired_on: dt.date | None
    value: int
    note: str


@dataclass
class NeedInput:
    unit_id: int | None = None
    kind: str = "MAY_SCAN"
    description: str = ""
    quantity: Any = 1
    estimated_value: Any = 0
    reason: str = ""
    proposed_on: Any = ""
    status: str = "de_xuat"


@dataclass(frozen=True)
class NeedInfo:
    id: int
    unit_id: int
    unit_name: str
    kind: str
    kind_label: str
    description: str
    quantity: int
    estimated_value: int
    reason: str
    proposed_on: dt.date | None
    status: str
    status_label: str


def _check_equipment(data: EquipmentInput) -> dict[str, Any]:
    errs = []
    if data.unit_id is None:
        errs.append(FieldError("unit_id", "Hãy chọn thôn/tổ dân phố (hoặc xã) nơi đặt thiết bị."))
    if data.kind not in vocab.EQUIPMENT_KINDS:
        errs.append(FieldError("kind", f"Loại thiết bị «{data.kind}» không có trong danh mục."))
    q = validate.check_int(data.quantity, "Số lượng", min=0, max=100000)
    if not q.ok:
        errs.append(FieldError("quantity", q.error))
    if data.condition not in vocab.CONDITIONS:
        errs.append(FieldError("condition", "Tình trạng phải là Tốt, Hỏng hoặc Cần thay."))
    if data.funding not in vocab.FUNDING:
        errs.append(FieldError("funding", "Nguồn kinh phí không hợp lệ."))
    v = validate.check_money(data.value, "Giá trị (đồng)")
    if not v.ok:
        errs.append(FieldError("value", v.error))
    acq = None
    if data.acquired_on not in (None, ""):
        r = validate.parse_date(data.acquired_on, field="Ngày trang bị")
        if not r.ok:
            errs.append(FieldError("acquired_on", r.error))
        else:
            acq = r.value
    if errs:
        raise InputError(errs)
    return dict(unit=data.unit_id, place=text.clean(data.place), kind=data.kind, description=text.clean(data.description),
                quantity=q.value, condition=data.condition, funding=data.funding,
                funding_note=text.clean(data.funding_note), acquired_on=acq, value=v.value or 0, note=data.note)


def _equipment_info(e: Equipment, units: dict[int, str]) -> EquipmentInfo:
    return EquipmentInfo(e.id, e.unit_id, units.get(e.unit_id, ""), e.place, e.kind,
                         vocab.label(vocab.EQUIPMENT_KINDS, e.kind), e.description, e.quantity, e.condition,
                         vocab.label(vocab.CONDITIONS, e.condition), e.funding, vocab.label(vocab.FUNDING, e.funding),
                         e.funding_note, e.acquired_on, e.value, e.note)


def _unit_names() -> dict[int, str]:
    # plain rows: a province's 22,000 units as model objects were 15 MB for a moment, twice per report
    return {uid: f"{kind} {name}" for uid, kind, name in Unit.select(Unit.id, Unit.kind, Unit.name).tuples()}


def add_equipment(reg, data: EquipmentInput) -> EquipmentInfo:
    values = _check_equipment(data)
    with reg.write():
        get_row(Unit, data.unit_id, "đơn vị")
        e = Equipment.create(**values)
        log(reg, "them", "equipment", e.id, f"Thêm thiết bị {vocab.label(vocab.EQUIPMENT_KINDS, e.kind)} ×{e.quantity}")
        return _equipment_info(e, _unit_names())


def update_equipment(reg, equipment_id: int, data: EquipmentInput) -> EquipmentInfo:
    values = _check_equipment(data)
    with reg.write():
        e = get_row(Equipment, equipment_id, "thiết bị")
        values["unit"] = Unit.get_by_id(values["unit"])
        apply_changes(reg, e, "equipment", f"Thiết bị {vocab.label(vocab.EQUIPMENT_KINDS, e.kind)}", values)
        return _equipment_info(e, _unit_names())


def delete_equipment(reg, equipment_id: int) -> None:
    with reg.write():
        e = get_row(Equipment, equipment_id, "thiết bị")
        what = f"{vocab.label(vocab.EQUIPMENT_KINDS, e.kind)} ×{e.quantity}"
        e.delete_instance()
        log(reg, "xoa", "equipment", equipment_id, f"Xóa thiết bị {what} (nhập nhầm)", "", what, "")


def list_equipment(reg, *, unit_id: int | None = None, condition: str = "") -> list[EquipmentInfo]:
    with reg.read():
        q = Equipment.select().order_by(Equipment.unit, Equipment.kind, Equipment.id)
        if unit_id:
            q = q.where(Equipment.unit == unit_id)
        if condition:
            q = q.where(Equipment.condition == condition)
        units = _unit_names()
        return [_equipment_info(e, units) for e in q.iterator()]  # no model object kept once made into info


def _check_need(data: NeedInput) -> dict[str, Any]:
    errs = []
    if data.unit_id is None:
        errs.append(FieldError("unit_id", "Hãy chọn thôn/tổ dân phố (hoặc xã) đề xuất."))
    if data.kind not in vocab.EQUIPMENT_KINDS:
        errs.append(FieldError("kind", f"Loại thiết bị «{data.kind}» không có trong danh mục."))
    q = validate.check_int(data.quantity, "Số lượng", min=1, max=100000)
    if not q.ok:
        errs.append(FieldError("quantity", q.error))
    v = validate.check_money(data.estimated_value, "Kinh phí dự kiến (đồng)")
    if not v.ok:
        errs.append(FieldError("estimated_value", v.error))
    if data.status not in vocab.NEED_STATUS:
        errs.append(FieldError("status", "Trạng thái không hợp lệ."))
    pd = None
    if data.proposed_on not in (None, ""):
        r = validate.parse_date(data.proposed_on, field="Ngày đề xuất")
        if not r.ok:
            errs.append(FieldError("proposed_on", r.error))
        else:
            pd = r.value
    if errs:
        raise InputError(errs)
    return dict(unit=data.unit_id, kind=data.kind, description=text.clean(data.description), quantity=q.value,
                estimated_value=v.value or 0, reason=data.reason, proposed_on=pd or today(), status=data.status)


def _need_info(n: EquipmentNeed, units: dict[int, str]) -> NeedInfo:
    return NeedInfo(n.id, n.unit_id, units.get(n.unit_id, ""), n.kind, vocab.label(vocab.EQUIPMENT_KINDS, n.kind),
                    n.description, n.quantity, n.estimated_value, n.reason, n.proposed_on, n.status,
                    vocab.label(vocab.NEED_STATUS, n.status))


def add_need(reg, data: NeedInput) -> NeedInfo:
    values = _check_need(data)
    with reg.write():
        get_row(Unit, data.unit_id, "đơn vị")
        n = EquipmentNeed.create(**values)
        log(reg, "them", "equipment_need", n.id, f"Đề xuất bổ sung {vocab.label(vocab.EQUIPMENT_KINDS, n.kind)} ×{n.quantity}")
        return _need_info(n, _unit_names())


def update_need(reg, need_id: int, data: NeedInput) -> NeedInfo:
    values = _check_need(data)
    with reg.write():
        n = get_row(EquipmentNeed, need_id, "đề xuất")
        values["unit"] = Unit.get_by_id(values["unit"])
        apply_changes(reg, n, "equipment_need", f"Đề xuất {vocab.label(vocab.EQUIPMENT_KINDS, n.kind)}", values)
        return _need_info(n, _unit_names())


def delete_need(reg, need_id: int) -> None:
    with reg.write():
        n = get_row(EquipmentNeed, need_id, "đề xuất")
        n.delete_instance()
        log(reg, "xoa", "equipment_need", need_id, "Xóa đề xuất thiết bị (nhập nhầm)")


def list_needs(reg, *, unit_id: int | None = None, status: str = "") -> list[NeedInfo]:
    with reg.read():
        q = EquipmentNeed.select().order_by(EquipmentNeed.unit, EquipmentNeed.id)
        if unit_id:
            q = q.where(EquipmentNeed.unit == unit_id)
        if status:
            q = q.where(EquipmentNeed.status == status)
        units = _unit_names()
        return [_need_info(n, units) for n in q.iterator()]
