"""Administrative units: the province, districts, communes and their villages (thôn/tổ dân phố)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

import peewee as pw

from . import text, vocab
from .audit import apply_changes, log
from .common import get_row, today
from .errors import FieldError, InputError, NotFoundError
from .schema import Equipment, EquipmentNeed, Membership, Person, Team, Unit


# ---------------------------------------------------------------------------
# Units (communes, villages)
# ---------------------------------------------------------------------------
@dataclass(frozen=True)
class UnitInfo:
    id: int
    level: str
    kind: str
    name: str
    parent_id: int | None
    former_unit: str
    active: bool

    @property
    def full_name(self) -> str:
        return f"{self.kind[:1].upper()}{self.kind[1:]} {self.name}" if self.kind else self.name


@dataclass(frozen=True)
class VillageInfo:
    id: int
    name: str
    kind: str
    former_unit: str
    commune_id: int
    commune_name: str
    active: bool
    merged_into: int | None
    team_id: int | None
    team_name: str
    member_count: int

    @property
    def full_name(self) -> str:
        return f"{self.kind[:1].upper()}{self.kind[1:]} {self.name}"


def _unit_info(u: Unit) -> UnitInfo:
    return UnitInfo(u.id, u.level, u.kind, u.name, u.parent_id, u.former_unit, u.active)


def list_units(reg, level: str | None = None) -> list[UnitInfo]:
    with reg.read():
        q = Unit.select().order_by(Unit.sort_order, Unit.id)
        if level:
            q = q.where(Unit.level == level)
        return [_unit_info(u) for u in q]


def home_commune(reg) -> UnitInfo:
    with reg.read():
        u = Unit.select().where(Unit.level == "xa").order_by(Unit.id).first()
        if u is None:
            raise NotFoundError("Sổ chưa có xã/phường nào.")
        return _unit_info(u)


def active_counts_by_team() -> dict[int, int]:
    q = (Membership.select(Membership.team, pw.fn.COUNT(Membership.id).alias("n"))
         .where(Membership.end_date.is_null()).group_by(Membership.team))
    return {r.team_id: r.n for r in q}


def list_villages(reg, *, commune_id: int | None = None, include_inactive: bool = False) -> list[VillageInfo]:
    with reg.read():
        q = (Unit.select(Unit, Unit.parent).where(Unit.level == "thon"))
        if commune_id:
            q = q.where(Unit.parent == commune_id)
        if not include_inactive:
            q = q.where(Unit.active == True)  # noqa: E712
        communes = {u.id: u for u in Unit.select().where(Unit.level == "xa")}
        teams: dict[int, Team] = {}
        for t in Team.select().where((Team.level == "thon") & (Team.active == True)):  # noqa: E712
            teams.setdefault(t.unit_id, t)
        counts = active_counts_by_team()
        out = []
        for u in q:
            t = teams.get(u.id)
            c = communes.get(u.parent_id)
            out.append(VillageInfo(u.id, u.name, u.kind, u.former_unit, u.parent_id or 0,
                                   c.name if c else "", u.active, u.merged_into_id,
                                   t.id if t else None, t.name if t else "",
                                   counts.get(t.id, 0) if t else 0))
        out.sort(key=lambda v: (v.commune_id, text.vn_key(v.former_unit), unit_order(v.name)))
        return out


def unit_order(name: str):
    # "Tổ dân phố 2" before "Tổ dân phố 10": numbers compare as numbers.
    import re

    parts = re.split(r"(\d+)", name)
    return tuple((0, int(p), ()) if (p.isascii() and p.isdigit()) else (1, 0, text.vn_key(p)) for p in parts if p)


def add_village(reg, *, name: str, kind: str = "thôn", former_unit: str = "", commune_id: int | None = None,
                note: str = "") -> VillageInfo:
    name = text.strip_unit_kind(name)
    kind = text.clean(kind).lower()
    errs = []
    if not name:
        errs.append(FieldError("name", "Tên thôn/tổ dân phố không được để trống."))
    if kind not in vocab.UNIT_KINDS["thon"]:
        errs.append(FieldError("kind", f"Loại «{kind}» không hợp lệ; chọn một trong: {', '.join(vocab.UNIT_KINDS['thon'])}."))
    if errs:
        raise InputError(errs)
    with reg.write():
        commune = Unit.get_by_id(commune_id) if commune_id else Unit.select().where(Unit.level == "xa").order_by(Unit.id).first()
        if commune is None:
            raise NotFoundError("Không tìm thấy xã/phường để thêm thôn.")
        dup = [u for u in Unit.select().where((Unit.parent == commune) & (Unit.level == "thon") & (Unit.active == True))  # noqa: E712
               if text.fold(u.name) == text.fold(name) and u.kind == kind]
        if dup:
            raise InputError(f"{kind.capitalize()} «{name}» đã có trong {commune.kind} {commune.name}.", "name")
        order = (Unit.select(pw.fn.MAX(Unit.sort_order)).where(Unit.parent == commune).scalar() or 0) + 1
        u = Unit.create(level="thon", kind=kind, name=name, parent=commune, former_unit=former_unit,
                        sort_order=order, note=note)
        log(reg, "them", "unit", u.id, f"Thêm {kind} {name}")
    return next(v for v in list_villages(reg, include_inactive=True) if v.id == u.id)


def update_village(reg, village_id: int, **changes: Any) -> VillageInfo:
    allowed = {"name", "kind", "former_unit", "note"}
    bad = set(changes) - allowed
    if bad:
        raise InputError(f"Không sửa được trường: {', '.join(sorted(bad))}.")
    if "name" in changes:
        changes["name"] = text.strip_unit_kind(changes["name"])
        if not changes["name"]:
            raise InputError("Tên thôn/tổ dân phố không được để trống.", "name")
    if "kind" in changes and changes["kind"] not in vocab.UNIT_KINDS["thon"]:
        raise InputError(f"Loại «{changes['kind']}» không hợp lệ.", "kind")
    with reg.write():
        u = get_row(Unit, village_id, "thôn/tổ dân phố")
        apply_changes(reg, u, "unit", f"{u.kind} {u.name}", changes)
    return next(v for v in list_villages(reg, include_inactive=True) if v.id == village_id)


def merge_villages(reg, source_id: int, target_id: int, *, date: dt.date | None = None) -> VillageInfo:
    """Merge village ``source`` into ``target``: residents, equipment and active team
    members move over; the source is kept (inactive, merged_into target) for history."""
    if source_id == target_id:
        raise InputError("Không thể sáp nhập một thôn vào chính nó.", "target")
    date = date or today()
    with reg.write():
        src = get_row(Unit, source_id, "thôn nguồn")
        dst = get_row(Unit, target_id, "thôn đích")
        Person.update(village=dst).where(Person.village == src).execute()
        Equipment.update(unit=dst).where(Equipment.unit == src).execute()
        EquipmentNeed.update(unit=dst).where(EquipmentNeed.unit == src).execute()
        dst_team = Team.select().where((Team.unit == dst) & (Team.active == True)).first()  # noqa: E712
        for t in Team.select().where((Team.unit == src) & (Team.active == True)):  # noqa: E712
            if dst_team is None:
                t.unit = dst
                t.save()
                dst_team = t
                continue
            for m in Membership.select().where((Membership.team == t) & Membership.end_date.is_null()):
                m.end_date = date
                m.leave_reason = f"Sáp nhập vào {dst.kind} {dst.name}"
                m.save()
                Membership.create(person=m.person_id, team=dst_team, role="thanh_vien", category=m.category_id,
                                  other_positions=m.other_positions, start_date=date)
            t.active = False
            t.save()
        src.active = False
        src.merged_into = dst
        src.save()
        log(reg, "sua", "unit", src.id, f"Sáp nhập {src.kind} {src.name} vào {dst.kind} {dst.name}",
             "merged_into", "", f"{dst.kind} {dst.name}")
    return next(v for v in list_villages(reg, include_inactive=True) if v.id == target_id)


