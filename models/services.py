"""Services: everything the UI, the CLI and the exports do to the registry.

Every function takes the open :class:`~models.db.Registry` first, holds its
lock, and returns plain dataclasses (never peewee rows), so callers in worker
threads can hand results to the UI safely. Writes go through
``reg.write()``, are on disk when the call returns, and are recorded in the
audit log (when, who, what, old → new). Bad input raises :class:`InputError`
with Vietnamese messages that name the field.
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import asdict, dataclass, field
from typing import Any, Iterable

import peewee as pw

from . import text, validate, vocab
from .schema import (
    Attendance,
    AuditLog,
    Category,
    Course,
    Decision,
    Equipment,
    EquipmentNeed,
    Membership,
    Person,
    Setting,
    Team,
    Unit,
)


from .errors import FieldError, InputError, NotFoundError  # noqa: E402,F401  (re-exported)


def _today() -> dt.date:
    return dt.date.today()


def _now() -> dt.datetime:
    return dt.datetime.now().replace(microsecond=0)


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
    fund_policy: str = ""  # the support-fund rate (exports.fund.POLICIES code); "" = Quảng Nam 500.000 đ/tổ/tháng


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
            _log(reg, "sua", "setting", None, f"Cài đặt: {vocab.field_label('setting', key)}", key,
                 _shown(key, old), _shown(key, value))
            setattr(current, key, value)
    return current


# ---------------------------------------------------------------------------
# Audit log
# ---------------------------------------------------------------------------
def _fmt(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, dt.date):
        return text.format_date(value)
    if isinstance(value, bool):
        return "có" if value else "không"
    if isinstance(value, (list, tuple)):
        return ", ".join(map(str, value))
    return str(value)


def _row_name(row: pw.Model | None) -> str:
    """A related row as the clerk knows it (a village by its name, not its number)."""
    if row is None:
        return ""
    if isinstance(row, Unit):
        return f"{row.kind[:1].upper()}{row.kind[1:]} {row.name}" if row.kind else row.name
    if isinstance(row, Person):
        return full_name(row)
    return str(getattr(row, "name", None) or getattr(row, "title", None) or getattr(row, "number", None) or row.id)


def _shown(field_name: str, value: Any, entity: str = "") -> Any:
    """A value as the audit log shows it: codes by their label, related rows by their name."""
    if isinstance(value, pw.Model):
        return _row_name(value)
    if field_name == "required_categories" and isinstance(value, (list, tuple)):
        names = {c.code: c.name for c in Category.select(Category.code, Category.name)}
        return [names.get(c, c) for c in value]
    if field_name == "language" and value in ("vi", "en"):
        return "Tiếng Việt" if value == "vi" else "English"
    table = vocab.field_vocab(entity, field_name)
    if table is not None:
        if isinstance(value, str) and ";" in value:
            value = [v for v in value.split(";") if v]
        if isinstance(value, (list, tuple)):
            return [vocab.label(table, v) if v in table else v for v in value]
        if isinstance(value, str) and value and value in table:
            return vocab.label(table, value)
    return value


def _log(reg, action: str, entity: str, entity_id: int | None, summary: str,
         field_name: str = "", old: Any = "", new: Any = "") -> None:
    AuditLog.create(
        at=_now(), actor=reg.actor, action=action, entity=entity, entity_id=entity_id,
        summary=summary[:300], field=field_name, old=_fmt(old), new=_fmt(new),
    )


def _apply_changes(reg, row: pw.Model, entity: str, summary: str, changes: dict[str, Any]) -> bool:
    """Set changed fields on ``row``, save, and log each change. Returns True if anything changed."""
    changed = False
    for name, new in changes.items():
        fk = row._meta.fields.get(name)
        fk = fk if isinstance(fk, pw.ForeignKeyField) else None
        old = getattr(row, name + "_id") if fk else getattr(row, name)
        if isinstance(new, pw.Model):
            new_cmp = new.id
        else:
            new_cmp = text.clean(new) if isinstance(new, str) else new
        if old == new_cmp:
            continue
        if fk:  # the log names the related rows (a village, a category), not their numbers
            old_shown = _row_name(fk.rel_model.get_or_none(fk.rel_model.id == old)) if old is not None else ""
            new_shown = _row_name(new if isinstance(new, pw.Model) else
                                  (fk.rel_model.get_or_none(fk.rel_model.id == new_cmp) if new_cmp is not None else None))
        else:
            old_shown, new_shown = _shown(name, old, entity), _shown(name, new_cmp, entity)
        setattr(row, name, new)
        _log(reg, "sua", entity, row.id, summary, name, old_shown, new_shown)
        changed = True
    if changed:
        row.save()
    return changed


@dataclass(frozen=True)
class AuditEntry:
    id: int
    at: dt.datetime
    actor: str
    action: str
    action_label: str
    entity: str
    entity_label: str
    entity_id: int | None
    summary: str
    field: str
    old: str
    new: str
    field_label: str = ""  # the field as the clerk knows it («Số điện thoại», not «phone»)


# fields of older log rows that hold a related row's number, and the table it is in
_AUDIT_ID_FIELDS = {"village": "unit", "unit": "unit", "merged_into": "unit", "parent": "unit",
                    "category": "category", "team": "team"}


class _AuditNames:
    """Reads names for old log rows lazily: only when a row needs one."""

    def __init__(self) -> None:
        self._tables: dict[str, dict[str, str]] = {}

    def name(self, table: str, value: str) -> str:
        if table not in self._tables:
            if table == "unit":
                rows = {str(u.id): _row_name(u) for u in Unit.select()}
            elif table == "category":
                rows = {str(c.id): c.name for c in Category.select()}
            else:
                rows = {str(t.id): t.name for t in Team.select()}
            self._tables[table] = rows
        return self._tables[table].get(value, value)

    def value(self, entity: str, field_name: str, value: str) -> str:
        if not value:
            return value
        table = _AUDIT_ID_FIELDS.get(field_name)
        if table and value.isdigit():
            return self.name(table, value)
        codes = vocab.field_vocab(entity, field_name)
        if codes is not None:
            parts = [p.strip() for p in value.split(",")]
            if all(p in codes for p in parts):
                return ", ".join(vocab.label(codes, p) for p in parts)
        return value


def list_audit(reg, *, query: str = "", entity: str = "", action: str = "",
               since: dt.date | None = None, until: dt.date | None = None, limit: int = 2000) -> list[AuditEntry]:
    with reg.read():
        q = AuditLog.select().order_by(AuditLog.id.desc())
        if entity:
            q = q.where(AuditLog.entity == entity)
        if action:
            q = q.where(AuditLog.action == action)
        if since:
            q = q.where(AuditLog.at >= dt.datetime.combine(since, dt.time.min))
        if until:
            q = q.where(AuditLog.at <= dt.datetime.combine(until, dt.time.max))
        folded = text.fold(query)
        names = _AuditNames()
        out = []
        for r in q.iterator():
            label = vocab.field_label(r.entity, r.field) if r.field else ""
            summary, old, new = r.summary, r.old, r.new
            if r.field:  # rows written before the log named things: map them now
                if r.entity == "setting" and summary == f"Cài đặt {r.field}":
                    summary = f"Cài đặt: {label}"
                old, new = names.value(r.entity, r.field, old), names.value(r.entity, r.field, new)
            if folded and folded not in text.fold(f"{summary} {r.actor} {old} {new} {r.field} {label}"):
                continue
            out.append(AuditEntry(r.id, r.at, r.actor, r.action, vocab.label(vocab.AUDIT_ACTIONS, r.action),
                                  r.entity, vocab.ENTITY_LABELS.get(r.entity, r.entity), r.entity_id,
                                  summary, r.field, old, new, label))
            if len(out) >= limit:
                break
        return out


def log_event(reg, action: str, entity: str, summary: str, *, new: str = "") -> None:
    """Record an event that is not a data change (an export, a USB hand-off, a backup)."""
    with reg.write():
        _log(reg, action, entity, None, summary, "", "", new)


def backup_now(reg):
    """«Sao lưu ngay»: note it in the log, then keep the file as it is now (with that note)
    as a backup of its own kind; returns the backup's path."""
    log_event(reg, "he_thong", "registry", "Sao lưu thủ công")
    with reg.read():
        return reg.store.backup_now()


# ---------------------------------------------------------------------------
# Seeding a new registry
# ---------------------------------------------------------------------------
def seed_new_registry(*, province: str, commune: str, commune_kind: str = "xã", district: str = "",
                      actor: str = "") -> None:
    """Called inside the creating transaction (no Registry yet)."""
    province = text.clean(province)
    commune = text.clean(commune)
    if not province:
        raise InputError("Tên tỉnh/thành phố không được để trống.", "province")
    for i, (code, name, name_en) in enumerate(vocab.DEFAULT_CATEGORIES):
        Category.create(code=code, name=name, name_en=name_en, sort_order=i)
    prov_kind = "thành phố" if text.fold(province).startswith("thanh pho") else "tỉnh"
    prov_name = _strip_kind(province)
    p = Unit.create(level="tinh", kind=prov_kind, name=prov_name)
    parent = p
    if text.clean(district):
        parent = Unit.create(level="huyen", kind="huyện", name=_strip_kind(district), parent=p)
    if commune:  # a commune registry; without one it holds many communes (district/province level)
        Unit.create(level="xa", kind=commune_kind, name=_strip_kind(commune), parent=parent)
        body = f"ỦY BAN NHÂN DÂN {commune_kind.upper()} {_strip_kind(commune).upper()}"
    else:
        body = f"ỦY BAN NHÂN DÂN {prov_kind.upper()} {prov_name.upper()}"
    s = Settings(province=prov_name, district=_strip_kind(district), commune=_strip_kind(commune),
                 commune_kind=commune_kind if commune else "", place_name=_strip_kind(commune) or prov_name,
                 issuing_body=body)
    for key, value in asdict(s).items():
        Setting.create(key=key, value=json.dumps(value, ensure_ascii=False))
    AuditLog.create(at=_now(), actor=actor, action="he_thong", entity="registry",
                    summary=(f"Tạo sổ mới cho {commune_kind} {_strip_kind(commune)}, {prov_kind} {prov_name}"
                             if commune else f"Tạo sổ tổng hợp cấp {prov_kind} {prov_name}"),
                    field="", old="", new="")


_strip_kind = text.strip_unit_kind


@dataclass(frozen=True)
class CategoryInfo:
    id: int
    code: str
    name: str
    name_en: str
    sort_order: int
    active: bool


def list_categories(reg, include_inactive: bool = False) -> list[CategoryInfo]:
    with reg.read():
        q = Category.select().order_by(Category.sort_order, Category.id)
        if not include_inactive:
            q = q.where(Category.active == True)  # noqa: E712
        return [CategoryInfo(c.id, c.code, c.name, c.name_en, c.sort_order, c.active) for c in q]


def save_category(reg, *, code: str, name: str, name_en: str = "", active: bool = True,
                  sort_order: int | None = None) -> CategoryInfo:
    code = text.clean(code).upper().replace(" ", "_")
    name = text.clean(name)
    errs = []
    if not code or not code.replace("_", "").isalnum() or not code.isascii():
        errs.append(FieldError("code", "Mã thành phần chỉ gồm chữ cái không dấu, chữ số và dấu gạch dưới."))
    if not name:
        errs.append(FieldError("name", "Tên thành phần không được để trống."))
    if errs:
        raise InputError(errs)
    with reg.write():
        c = Category.get_or_none(Category.code == code)
        if c is None:
            order = sort_order if sort_order is not None else (Category.select(pw.fn.MAX(Category.sort_order)).scalar() or 0) + 1
            c = Category.create(code=code, name=name, name_en=name_en, active=active, sort_order=order)
            _log(reg, "them", "category", c.id, f"Thêm thành phần {code} – {name}")
        else:
            ch = {"name": name, "name_en": name_en, "active": active}
            if sort_order is not None:
                ch["sort_order"] = sort_order
            _apply_changes(reg, c, "category", f"Thành phần {code}", ch)
    return next(x for x in list_categories(reg, True) if x.code == code)


def _category(code: str) -> Category:
    c = Category.get_or_none(Category.code == code)
    if c is None:
        raise InputError(f"Thành phần «{code}» không có trong danh mục.", "category")
    return c


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


def _active_counts_by_team() -> dict[int, int]:
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
        counts = _active_counts_by_team()
        out = []
        for u in q:
            t = teams.get(u.id)
            c = communes.get(u.parent_id)
            out.append(VillageInfo(u.id, u.name, u.kind, u.former_unit, u.parent_id or 0,
                                   c.name if c else "", u.active, u.merged_into_id,
                                   t.id if t else None, t.name if t else "",
                                   counts.get(t.id, 0) if t else 0))
        out.sort(key=lambda v: (v.commune_id, text.vn_key(v.former_unit), _unit_order(v.name)))
        return out


def _unit_order(name: str):
    # "Tổ dân phố 2" before "Tổ dân phố 10": numbers compare as numbers.
    import re

    parts = re.split(r"(\d+)", name)
    return tuple((0, int(p), ()) if p.isdigit() else (1, 0, text.vn_key(p)) for p in parts if p)


def add_village(reg, *, name: str, kind: str = "thôn", former_unit: str = "", commune_id: int | None = None,
                note: str = "") -> VillageInfo:
    name = _strip_kind(name)
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
        _log(reg, "them", "unit", u.id, f"Thêm {kind} {name}")
    return next(v for v in list_villages(reg, include_inactive=True) if v.id == u.id)


def update_village(reg, village_id: int, **changes: Any) -> VillageInfo:
    allowed = {"name", "kind", "former_unit", "note"}
    bad = set(changes) - allowed
    if bad:
        raise InputError(f"Không sửa được trường: {', '.join(sorted(bad))}.")
    if "name" in changes:
        changes["name"] = _strip_kind(changes["name"])
        if not changes["name"]:
            raise InputError("Tên thôn/tổ dân phố không được để trống.", "name")
    if "kind" in changes and changes["kind"] not in vocab.UNIT_KINDS["thon"]:
        raise InputError(f"Loại «{changes['kind']}» không hợp lệ.", "kind")
    with reg.write():
        u = _get(Unit, village_id, "thôn/tổ dân phố")
        _apply_changes(reg, u, "unit", f"{u.kind} {u.name}", changes)
    return next(v for v in list_villages(reg, include_inactive=True) if v.id == village_id)


def merge_villages(reg, source_id: int, target_id: int, *, date: dt.date | None = None) -> VillageInfo:
    """Merge village ``source`` into ``target``: residents, equipment and active team
    members move over; the source is kept (inactive, merged_into target) for history."""
    if source_id == target_id:
        raise InputError("Không thể sáp nhập một thôn vào chính nó.", "target")
    date = date or _today()
    with reg.write():
        src = _get(Unit, source_id, "thôn nguồn")
        dst = _get(Unit, target_id, "thôn đích")
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
        _log(reg, "sua", "unit", src.id, f"Sáp nhập {src.kind} {src.name} vào {dst.kind} {dst.name}",
             "merged_into", "", f"{dst.kind} {dst.name}")
    return next(v for v in list_villages(reg, include_inactive=True) if v.id == target_id)


def _get(model, id_: int, what: str):
    row = model.get_or_none(model.id == id_)
    if row is None:
        raise NotFoundError(f"Không tìm thấy {what} (mã {id_}).")
    return row


# ---------------------------------------------------------------------------
# Teams, decisions, memberships
# ---------------------------------------------------------------------------
@dataclass(frozen=True)
class DecisionInfo:
    id: int
    kind: str
    kind_label: str
    number: str
    date: dt.date | None
    issuer: str
    note: str


@dataclass(frozen=True)
class MemberInfo:
    membership_id: int
    person_id: int
    full_name: str
    family_name: str
    given_name: str
    gender: str
    birth_year: int | None
    phone: str
    role: str
    role_label: str
    category_code: str
    category_name: str
    other_positions: str
    start_date: dt.date | None
    end_date: dt.date | None
    leave_reason: str
    trained_this_year: bool

    @property
    def active(self) -> bool:
        return self.end_date is None


@dataclass(frozen=True)
class TeamInfo:
    id: int
    name: str
    level: str
    unit_id: int
    unit_name: str
    active: bool
    member_count: int
    founded_on: dt.date | None


@dataclass(frozen=True)
class TeamDetail:
    team: TeamInfo
    decisions: list[DecisionInfo]
    members: list[MemberInfo]  # active, by role then Vietnamese name order
    former_members: list[MemberInfo]
    compliance: Any  # rules.TeamCompliance


def _team_info(t: Team, counts: dict[int, int] | None = None) -> TeamInfo:
    if counts is None:
        n = Membership.select().where((Membership.team == t) & Membership.end_date.is_null()).count()
    else:
        n = counts.get(t.id, 0)
    u = t.unit
    return TeamInfo(t.id, t.name, t.level, t.unit_id, f"{u.kind} {u.name}", t.active, n, t.founded_on)


def list_teams(reg, *, include_inactive: bool = False) -> list[TeamInfo]:
    with reg.read():
        q = Team.select(Team, Unit).join(Unit)
        if not include_inactive:
            q = q.where(Team.active == True)  # noqa: E712
        counts = _active_counts_by_team()
        out = [_team_info(t, counts) for t in q]
        out.sort(key=lambda t: (0 if t.level == "xa" else 1, _unit_order(t.unit_name)))
        return out


def _check_decision(number: str, date: Any) -> tuple[str, dt.date | None, list[FieldError]]:
    errs = []
    number = text.clean(number)
    if not number:
        errs.append(FieldError("decision_number", "Số quyết định không được để trống (ví dụ 598/QĐ-UBND)."))
    d = None
    if date not in (None, ""):
        r = validate.parse_date(date, field="Ngày quyết định")
        if not r.ok:
            errs.append(FieldError("decision_date", r.error))
        else:
            d = r.value
    return number, d, errs


def create_team(reg, *, unit_id: int, decision_number: str, decision_date: Any = None,
                issuer: str = "", name: str = "", note: str = "") -> TeamInfo:
    number, d, errs = _check_decision(decision_number, decision_date)
    if errs:
        raise InputError(errs)
    with reg.write():
        u = _get(Unit, unit_id, "đơn vị")
        level = "xa" if u.level == "xa" else "thon"
        if u.level not in ("xa", "thon"):
            raise InputError("Tổ CNSCĐ chỉ lập ở xã/phường hoặc thôn/tổ dân phố.", "unit")
        existing = Team.select().where((Team.unit == u) & (Team.active == True)).first()  # noqa: E712
        if existing is not None:
            raise InputError(f"{u.kind.capitalize()} {u.name} đã có Tổ CNSCĐ («{existing.name}»). "
                             "Hãy kiện toàn tổ đó thay vì lập tổ mới.", "unit")
        name = text.clean(name) or f"Tổ CNSCĐ {u.kind} {u.name}"
        t = Team.create(unit=u, level=level, name=name, founded_on=d, note=note)
        Decision.create(team=t, kind="thanh_lap", number=number, date=d,
                        issuer=text.clean(issuer) or _default_issuer())
        _log(reg, "them", "team", t.id, f"Thành lập {name} theo Quyết định {number}")
        return _team_info(t)


def _default_issuer() -> str:
    row = Setting.get_or_none(Setting.key == "issuing_body")
    return json.loads(row.value) if row else ""


def reform_team(reg, team_id: int, *, decision_number: str, decision_date: Any = None, issuer: str = "",
                note: str = "") -> DecisionInfo:
    number, d, errs = _check_decision(decision_number, decision_date)
    if errs:
        raise InputError(errs)
    with reg.write():
        t = _get(Team, team_id, "tổ")
        dec = Decision.create(team=t, kind="kien_toan", number=number, date=d,
                              issuer=text.clean(issuer) or _default_issuer(), note=note)
        _log(reg, "them", "decision", dec.id, f"Kiện toàn {t.name} theo Quyết định {number}")
        return _decision_info(dec)


def _decision_info(d: Decision) -> DecisionInfo:
    return DecisionInfo(d.id, d.kind, vocab.label(vocab.DECISION_KINDS, d.kind), d.number, d.date, d.issuer, d.note)


def _trained_ids(year: int, person_ids: Iterable[int] | None = None) -> set[int]:
    from .rules import _trained

    return _trained(year, person_ids)


def _member_info(m: Membership, p: Person, c: Category, trained: set[int]) -> MemberInfo:
    return MemberInfo(m.id, p.id, full_name(p), p.family_name, p.given_name, p.gender, _birth_year(p), p.phone,
                      m.role, vocab.label(vocab.ROLES, m.role), c.code, c.name, m.other_positions,
                      m.start_date, m.end_date, m.leave_reason, p.id in trained)


def full_name(p) -> str:
    return text.clean(f"{p.family_name} {p.given_name}")


def _birth_year(p: Person) -> int | None:
    return p.birth_date.year if p.birth_date else p.birth_year


def team_detail(reg, team_id: int, *, year: int | None = None) -> TeamDetail:
    from . import rules

    year = year or _today().year
    with reg.read():
        t = _get(Team, team_id, "tổ")
        rows = list(Membership.select(Membership, Person, Category).join(Person).switch(Membership)
                    .join(Category).where(Membership.team == t))
        trained = _trained_ids(year, {m.person_id for m in rows})
        active, former = [], []
        for m in rows:
            info = _member_info(m, m.person, m.category, trained)
            (active if m.end_date is None else former).append(info)
        active.sort(key=lambda x: (vocab.ROLE_ORDER.get(x.role, 9), text.name_sort_key(x.family_name, x.given_name)))
        former.sort(key=lambda x: (x.end_date or dt.date.min), reverse=True)
        decs = [_decision_info(d) for d in t.decisions.order_by(Decision.date, Decision.id)]
        comp = rules.team_compliance(reg, t.id, year=year)
        return TeamDetail(_team_info(t), decs, active, former, comp)


_ROLE_CODES = set(vocab.ROLES)


def _role_code(role: str) -> str:
    role = text.clean(role)
    if role in _ROLE_CODES:
        return role
    for code, (vi, en) in vocab.ROLES.items():
        if text.fold(role) in (text.fold(vi), text.fold(en)):
            return code
    raise InputError(f"Vai trò «{role}» không hợp lệ; chọn Tổ trưởng, Tổ phó hoặc Thành viên.", "role")


def add_member(reg, team_id: int, person_id: int, *, role: str = "thanh_vien", category: str = "KHAC",
               other_positions: str = "", start_date: Any = None, decision_id: int | None = None) -> MemberInfo:
    role = _role_code(role)
    sd = None
    if start_date not in (None, ""):
        r = validate.parse_date(start_date, field="Ngày tham gia")
        if not r.ok:
            raise InputError(r.error, "start_date")
        sd = r.value
    with reg.write():
        t = _get(Team, team_id, "tổ")
        p = _get(Person, person_id, "người")
        c = _category(category)
        if Membership.select().where((Membership.team == t) & (Membership.person == p)
                                     & Membership.end_date.is_null()).exists():
            raise InputError(f"{full_name(p)} đang là thành viên của {t.name}.", "person")
        if role == "to_truong":
            other = (Membership.select().where((Membership.team == t) & (Membership.role == "to_truong")
                                               & Membership.end_date.is_null()).first())
            if other is not None:
                raise InputError(f"{t.name} đã có Tổ trưởng ({full_name(other.person)}). "
                                 "Hãy đổi vai trò người đó trước.", "role")
        if decision_id is None:
            last = t.decisions.order_by(Decision.date.desc(), Decision.id.desc()).first()
            decision_id = last.id if last else None
        m = Membership.create(person=p, team=t, role=role, category=c, other_positions=other_positions,
                              start_date=sd or _today(), decision=decision_id)
        _log(reg, "them", "membership", m.id,
             f"{full_name(p)} vào {t.name} ({vocab.label(vocab.ROLES, role)}, {c.name})")
        return _member_info(m, p, c, _trained_ids(_today().year, [p.id]))


def change_membership(reg, membership_id: int, *, role: str | None = None, category: str | None = None,
                      other_positions: str | None = None) -> MemberInfo:
    with reg.write():
        m = _get(Membership, membership_id, "tư cách thành viên")
        if m.end_date is not None:
            raise InputError("Người này đã rời tổ; không sửa được vai trò.", "membership")
        changes: dict[str, Any] = {}
        if role is not None:
            role = _role_code(role)
            if role == "to_truong" and m.role != "to_truong":
                other = (Membership.select().where((Membership.team == m.team) & (Membership.role == "to_truong")
                                                   & Membership.end_date.is_null() & (Membership.id != m.id)).first())
                if other is not None:
                    raise InputError(f"Tổ đã có Tổ trưởng ({full_name(other.person)}). Hãy đổi vai trò người đó trước.",
                                     "role")
            changes["role"] = role
        if category is not None:
            changes["category"] = _category(category)
        if other_positions is not None:
            changes["other_positions"] = other_positions
        _apply_changes(reg, m, "membership", f"{full_name(m.person)} trong {m.team.name}", changes)
        return _member_info(m, m.person, Category.get_by_id(m.category_id), _trained_ids(_today().year, [m.person_id]))


def leave_team(reg, membership_id: int, *, end_date: Any = None, reason: str = "") -> MemberInfo:
    reason = text.clean(reason)
    ed = _today()
    if end_date not in (None, ""):
        r = validate.parse_date(end_date, field="Ngày rời tổ")
        if not r.ok:
            raise InputError(r.error, "end_date")
        ed = r.value
    if not reason:
        raise InputError("Hãy ghi lý do rời tổ (ví dụ: chuyển công tác, xin thôi).", "reason")
    with reg.write():
        m = _get(Membership, membership_id, "tư cách thành viên")
        if m.end_date is not None:
            raise InputError("Người này đã rời tổ trước đó.", "membership")
        if m.start_date and ed < m.start_date:
            raise InputError(f"Ngày rời tổ ({text.format_date(ed)}) trước ngày tham gia "
                             f"({text.format_date(m.start_date)}).", "end_date")
        m.end_date = ed
        m.leave_reason = reason
        m.save()
        _log(reg, "roi_to", "membership", m.id, f"{full_name(m.person)} rời {m.team.name}: {reason}",
             "end_date", "", ed)
        return _member_info(m, m.person, Category.get_by_id(m.category_id), _trained_ids(_today().year, [m.person_id]))


# ---------------------------------------------------------------------------
# People
# ---------------------------------------------------------------------------
@dataclass
class PersonInput:
    full_name: str = ""  # or family_name + given_name
    family_name: str = ""
    given_name: str = ""
    gender: str = ""  # nam | nu | '' (also "Nam"/"Nữ")
    birth: Any = ""  # "1990" or "dd/mm/yyyy" or date
    phone: Any = ""
    cccd: Any = ""
    village_id: int | None = None
    notes: str = ""


@dataclass(frozen=True)
class Checked:
    """A validated person, with warnings for the clerk."""

    family_name: str
    given_name: str
    gender: str
    birth_date: dt.date | None
    birth_year: int | None
    phone: str
    cccd: str
    cccd_legacy: bool
    village_id: int | None
    notes: str
    warnings: tuple[str, ...]


def _gender_code(g: Any) -> str:
    f = text.fold(g or "")
    if f in ("", "chua ro"):
        return ""
    if f in ("nam", "male", "m"):
        return "nam"
    if f in ("nu", "female", "f"):
        return "nu"
    raise InputError(f"Giới tính «{text.clean(g)}» không hợp lệ; ghi Nam hoặc Nữ.", "gender")


def check_person(data: PersonInput) -> Checked:
    """Validate a person; raise InputError listing every bad field."""
    errs: list[FieldError] = []
    warns: list[str] = []
    family, given = text.clean(data.family_name), text.clean(data.given_name)
    if not given and data.full_name:
        family, given = text.split_full_name(data.full_name)
    if not given:
        errs.append(FieldError("full_name", "Họ và tên không được để trống."))
    try:
        gender = _gender_code(data.gender)
    except InputError as e:
        errs.extend(e.errors)
        gender = ""
    bdate, byear = None, None
    if data.birth not in (None, ""):
        r = validate.check_birth(data.birth)
        if not r.ok:
            errs.append(FieldError("birth", r.error))
        else:
            bdate, byear = r.value
            warns.extend(r.warnings)
    rp = validate.check_phone(data.phone)
    if not rp.ok:
        errs.append(FieldError("phone", rp.error))
    warns.extend(rp.warnings)
    rc = validate.check_cccd(data.cccd, birth_year=byear, gender=gender or None)
    if not rc.ok:
        errs.append(FieldError("cccd", rc.error))
    warns.extend(rc.warnings)
    if errs:
        raise InputError(errs)
    return Checked(family, given, gender, bdate, byear if bdate is None else None, rp.value or "",
                   rc.value or "", "legacy" in rc.flags, data.village_id, text.clean(data.notes), tuple(warns))


@dataclass(frozen=True)
class PersonRow:
    """One line of the people list (everything the list, its filters and sort need)."""

    id: int
    full_name: str
    family_name: str
    given_name: str
    gender: str
    birth_year: int | None
    phone: str
    cccd: str
    village_id: int | None
    village_name: str
    teams: str
    roles: tuple[str, ...]
    categories: tuple[str, ...]
    active: bool
    trained_this_year: bool
    search_key: str
    sort_key: str


@dataclass(frozen=True)
class PersonDetail:
    id: int
    family_name: str
    given_name: str
    full_name: str
    gender: str
    birth_date: dt.date | None
    birth_year: int | None
    phone: str
    cccd: str
    cccd_legacy: bool
    village_id: int | None
    village_name: str
    notes: str
    memberships: list[tuple[str, MemberInfo]]  # (team name, membership)
    trainings: list["CourseInfo"]


def _store_person(p: Person, c: Checked) -> None:
    p.family_name, p.given_name, p.gender = c.family_name, c.given_name, c.gender
    p.birth_date, p.birth_year = c.birth_date, c.birth_year
    p.phone, p.cccd, p.cccd_legacy = c.phone, c.cccd, c.cccd_legacy
    p.village = c.village_id
    p.notes = c.notes
    p.search_key = text.search_key(c.family_name, c.given_name)
    p.sort_key = text.name_sort_key_str(c.family_name, c.given_name)


def add_person(reg, data: PersonInput, *, allow_duplicate: bool = False) -> tuple[PersonDetail, tuple[str, ...]]:
    c = check_person(data)
    with reg.write():
        if c.village_id is not None:
            _get(Unit, c.village_id, "thôn/tổ dân phố")
        if c.cccd:
            other = Person.get_or_none(Person.cccd == c.cccd)
            if other is not None:
                raise InputError(f"Số CCCD {c.cccd} đã có ở {full_name(other)}.", "cccd")
        if not allow_duplicate:
            dups = _possible_duplicates(c.family_name, c.given_name, c.birth_year or (c.birth_date.year if c.birth_date else None))
            if dups:
                names = "; ".join(f"{full_name(p)} ({_birth_year(p) or 'không rõ năm sinh'})" for p in dups[:3])
                raise InputError(f"Có thể đã có người này trong sổ: {names}. Hãy tìm và chọn người có sẵn, "
                                 "hoặc xác nhận đây là người khác.", "full_name")
        p = Person()
        _store_person(p, c)
        p.save()
        _log(reg, "them", "person", p.id, f"Thêm {full_name(p)}")
    return person_detail(reg, p.id), c.warnings


def _possible_duplicates(family: str, given: str, year: int | None) -> list[Person]:
    key = text.search_key(family, given)
    q = Person.select().where(Person.search_key == key)
    out = []
    for p in q:
        py = _birth_year(p)
        if year is None or py is None or py == year:
            out.append(p)
    return out


def update_person(reg, person_id: int, data: PersonInput) -> tuple[PersonDetail, tuple[str, ...]]:
    c = check_person(data)
    with reg.write():
        p = _get(Person, person_id, "người")
        if c.cccd:
            other = Person.get_or_none((Person.cccd == c.cccd) & (Person.id != p.id))
            if other is not None:
                raise InputError(f"Số CCCD {c.cccd} đã có ở {full_name(other)}.", "cccd")
        changes = {
            "family_name": c.family_name, "given_name": c.given_name, "gender": c.gender,
            "birth_date": c.birth_date, "birth_year": c.birth_year, "phone": c.phone, "cccd": c.cccd,
            "cccd_legacy": c.cccd_legacy, "village": c.village_id, "notes": c.notes,
        }
        changes["village"] = Unit.get_by_id(c.village_id) if c.village_id else None
        _apply_changes(reg, p, "person", full_name(p), {k: v for k, v in changes.items() if k != "village"})
        if (p.village_id or None) != (c.village_id or None):
            old = p.village
            p.village = c.village_id
            _log(reg, "sua", "person", p.id, full_name(p), "village", _row_name(old),
                 _row_name(Unit.get_or_none(Unit.id == c.village_id)) if c.village_id else "")
        p.search_key = text.search_key(p.family_name, p.given_name)
        p.sort_key = text.name_sort_key_str(p.family_name, p.given_name)
        p.save()
    return person_detail(reg, person_id), c.warnings


def delete_person(reg, person_id: int) -> None:
    """Delete a person entered by mistake, with their current memberships and attendance.

    Deleting is for mistakes only: someone with a past membership (left a team, or a team
    re-formed without them) is part of the teams' history, which is never deleted; they
    are refused with a message that says what to do instead."""
    with reg.write():
        p = _get(Person, person_id, "người")
        name = full_name(p)
        past = (Membership.select(Membership, Team).join(Team)
                .where((Membership.person == p) & Membership.end_date.is_null(False))
                .order_by(Membership.end_date.desc()).first())
        if past is not None:
            raise InputError(f"Không xóa được {name}: người này đã có lịch sử trong {past.team.name} "
                             f"(rời tổ ngày {text.format_date(past.end_date)}), mà lịch sử tổ thì không xóa. "
                             "Nếu là hồ sơ nhập trùng, hãy sửa lại hồ sơ cho đúng; nếu người này thôi "
                             "tham gia, ghi «rời tổ» ở trang tổ.", "person")
        Attendance.delete().where(Attendance.person == p).execute()
        Membership.delete().where(Membership.person == p).execute()
        p.delete_instance()
        _log(reg, "xoa", "person", person_id, f"Xóa {name} (nhập nhầm)", "", name, "")


def person_detail(reg, person_id: int) -> PersonDetail:
    with reg.read():
        p = _get(Person, person_id, "người")
        trained = _trained_ids(_today().year, [p.id])
        ms = []
        for m in (Membership.select(Membership, Team, Category).join(Team).switch(Membership).join(Category)
                  .where(Membership.person == p).order_by(Membership.start_date.desc())):
            ms.append((m.team.name, _member_info(m, p, m.category, trained)))
        courses = [_course_info(c, None) for c in
                   Course.select().join(Attendance).where(Attendance.person == p).order_by(Course.start_date.desc())]
        v = p.village
        return PersonDetail(p.id, p.family_name, p.given_name, full_name(p), p.gender, p.birth_date, p.birth_year,
                            p.phone, p.cccd, p.cccd_legacy, p.village_id, f"{v.kind} {v.name}" if v else "",
                            p.notes, ms, courses)


def list_people(reg, *, year: int | None = None) -> list[PersonRow]:
    """Everyone in the registry, in Vietnamese name order, with what filters need."""
    year = year or _today().year
    with reg.read():
        villages = {u.id: f"{u.kind} {u.name}" for u in Unit.select(Unit.id, Unit.kind, Unit.name)}
        teams = {t.id: t.name for t in Team.select(Team.id, Team.name)}
        cats = {c.id: c.code for c in Category.select(Category.id, Category.code)}
        trained = _trained_ids(year)
        mem: dict[int, list[tuple]] = {}
        for m in Membership.select(Membership.person, Membership.team, Membership.role, Membership.category,
                                   Membership.end_date).tuples():
            mem.setdefault(m[0], []).append(m)
        out = []
        cur = Person.select(Person.id, Person.family_name, Person.given_name, Person.gender, Person.birth_date,
                            Person.birth_year, Person.phone, Person.cccd, Person.village, Person.search_key,
                            Person.sort_key).order_by(Person.sort_key).tuples()
        for (pid, fam, giv, gen, bd, by, phone, cccd, vid, sk, so) in cur:
            ms = mem.get(pid, [])
            act = [m for m in ms if m[4] is None]
            if isinstance(bd, str):
                bd = dt.date.fromisoformat(bd)
            out.append(PersonRow(
                pid, text.clean(f"{fam} {giv}"), fam, giv, gen, bd.year if bd else by, phone, cccd, vid,
                villages.get(vid, ""), ", ".join(teams.get(m[1], "") for m in act),
                tuple(m[2] for m in act), tuple(cats.get(m[3], "") for m in act), bool(act),
                pid in trained, sk, so))
        return out


def filter_people(rows: Iterable[PersonRow], *, query: str = "", village_id: int | None = None,
                  category: str = "", role: str = "", trained: bool | None = None,
                  active: bool | None = None) -> list[PersonRow]:
    """Filter rows from :func:`list_people` in memory (fast enough to run per keystroke).

    One pass per filter that is set, as a list comprehension (no per-row calls): at
    province scale this runs on every keystroke of the people search."""
    folded = text.fold(query)
    q_words = folded.split()
    out = list(rows)
    if village_id is not None:
        out = [r for r in out if r.village_id == village_id]
    if category:
        out = [r for r in out if category in r.categories]
    if role:
        out = [r for r in out if role in r.roles]
    if trained is not None:
        out = [r for r in out if r.trained_this_year == trained]
    if active is not None:
        out = [r for r in out if r.active == active]
    if folded:
        if len(q_words) == 1:
            # one word: a word that begins with it contains it, so the substring test decides
            out = [r for r in out if folded in r.search_key]
        else:
            # text.matches_folded inlined: a word of the key begins with t ⇔ " t" is in " key"
            # (keys are folded: single spaces, no leading or trailing space)
            starts = [" " + t for t in q_words]
            out = [r for r in out if folded in r.search_key
                   or all(t in " " + r.search_key for t in starts)]
    return out


def find_person(reg, *, cccd: str = "", full_name_: str = "", birth_year: int | None = None,
                village_id: int | None = None) -> list[PersonRow]:
    """Match a person the way imports and 'add an existing member' do."""
    rows = list_people(reg)
    if cccd:
        hit = [r for r in rows if r.cccd and r.cccd == cccd]
        if hit:
            return hit
    key = text.fold(full_name_)
    hit = [r for r in rows if r.search_key == key and (birth_year is None or r.birth_year in (None, birth_year))]
    if village_id is not None and len(hit) > 1:
        hit = [r for r in hit if r.village_id == village_id] or hit
    return hit


# ---------------------------------------------------------------------------
# Training
# ---------------------------------------------------------------------------
@dataclass
class CourseInput:
    title: str = ""
    start_date: Any = ""
    end_date: Any = ""
    organiser: str = ""
    form: str = "truc_tiep"
    hours: Any = 0
    topics: list[str] = field(default_factory=list)
    location: str = ""
    note: str = ""


@dataclass(frozen=True)
class CourseInfo:
    id: int
    title: str
    start_date: dt.date
    end_date: dt.date | None
    organiser: str
    form: str
    form_label: str
    hours: float
    topics: tuple[str, ...]
    topic_labels: tuple[str, ...]
    location: str
    note: str
    attendee_count: int | None


def _course_info(c: Course, n: int | None) -> CourseInfo:
    topics = tuple(t for t in c.topics.split(";") if t)
    return CourseInfo(c.id, c.title, c.start_date, c.end_date, c.organiser, c.form,
                      vocab.label(vocab.COURSE_FORMS, c.form), c.hours, topics,
                      tuple(vocab.label(vocab.TOPICS, t) for t in topics), c.location, c.note, n)


def _check_course(data: CourseInput) -> dict[str, Any]:
    errs = []
    title = text.clean(data.title)
    if not title:
        errs.append(FieldError("title", "Tên khóa tập huấn không được để trống."))
    sd = validate.parse_date(data.start_date, field="Ngày bắt đầu")
    if not sd.ok or sd.value is None:
        errs.append(FieldError("start_date", sd.error or "Ngày bắt đầu không được để trống."))
    ed_v = None
    if data.end_date not in (None, ""):
        ed = validate.parse_date(data.end_date, field="Ngày kết thúc")
        if not ed.ok:
            errs.append(FieldError("end_date", ed.error))
        else:
            ed_v = ed.value
            if sd.ok and sd.value and ed_v and ed_v < sd.value:
                errs.append(FieldError("end_date", "Ngày kết thúc trước ngày bắt đầu."))
    if data.form not in vocab.COURSE_FORMS:
        errs.append(FieldError("form", "Hình thức phải là Trực tiếp, Trực tuyến hoặc Kết hợp."))
    hours = 0.0
    if data.hours not in (None, ""):
        try:
            hours = float(str(data.hours).replace(",", "."))
            if hours < 0 or hours > 1000:
                raise ValueError
        except ValueError:
            errs.append(FieldError("hours", f"Số giờ «{data.hours}» không hợp lệ (ví dụ 4 hoặc 3,5)."))
    for t in data.topics:
        if t not in vocab.TOPICS:
            errs.append(FieldError("topics", f"Chủ đề «{t}» không có trong danh mục."))
    if errs:
        raise InputError(errs)
    return dict(title=title, start_date=sd.value, end_date=ed_v, organiser=text.clean(data.organiser),
                form=data.form, hours=hours, topics=";".join(data.topics), location=text.clean(data.location),
                note=data.note)


def add_course(reg, data: CourseInput) -> CourseInfo:
    values = _check_course(data)
    with reg.write():
        c = Course.create(**values)
        _log(reg, "them", "course", c.id, f"Thêm khóa tập huấn «{c.title}» ({text.format_date(c.start_date)})")
        return _course_info(c, 0)


def update_course(reg, course_id: int, data: CourseInput) -> CourseInfo:
    values = _check_course(data)
    with reg.write():
        c = _get(Course, course_id, "khóa tập huấn")
        _apply_changes(reg, c, "course", f"Khóa tập huấn «{c.title}»", values)
        return _course_info(c, c.attendance.count())


def delete_course(reg, course_id: int) -> None:
    with reg.write():
        c = _get(Course, course_id, "khóa tập huấn")
        n = c.attendance.count()
        title = c.title
        c.delete_instance(recursive=True)
        _log(reg, "xoa", "course", course_id, f"Xóa khóa tập huấn «{title}» ({n} người dự)", "", title, "")


def list_courses(reg, *, year: int | None = None) -> list[CourseInfo]:
    with reg.read():
        q = (Course.select(Course, pw.fn.COUNT(Attendance.id).alias("n")).join(Attendance, pw.JOIN.LEFT_OUTER)
             .group_by(Course).order_by(Course.start_date.desc(), Course.id.desc()))
        if year:
            q = q.where((Course.start_date >= dt.date(year, 1, 1)) & (Course.start_date <= dt.date(year, 12, 31)))
        return [_course_info(c, c.n) for c in q]


def course_attendees(reg, course_id: int) -> list[PersonRow]:
    with reg.read():
        ids = {a.person_id for a in Attendance.select(Attendance.person).where(Attendance.course == course_id)}
    return [r for r in list_people(reg) if r.id in ids]


def set_attendance(reg, course_id: int, person_ids: Iterable[int], *, certificates: dict[int, str] | None = None) -> int:
    """Make the course's attendance exactly ``person_ids`` (bulk save). Returns the count."""
    wanted = set(person_ids)
    certificates = certificates or {}
    with reg.write():
        c = _get(Course, course_id, "khóa tập huấn")
        have = {a.person_id: a for a in Attendance.select().where(Attendance.course == c)}
        known = {p.id for p in Person.select(Person.id).where(Person.id.in_(list(wanted)))} if wanted else set()
        missing = wanted - known
        if missing:
            raise NotFoundError(f"Không tìm thấy {len(missing)} người trong danh sách điểm danh.")
        added = wanted - set(have)
        removed = set(have) - wanted
        if added:
            Attendance.insert_many([{"course": c.id, "person": pid, "certificate_no": certificates.get(pid, "")}
                                    for pid in sorted(added)]).execute()
        if removed:
            Attendance.delete().where((Attendance.course == c) & Attendance.person.in_(list(removed))).execute()
        for pid, cert in certificates.items():
            if pid in have and have[pid].certificate_no != cert:
                have[pid].certificate_no = cert
                have[pid].save()
        if added or removed:
            _log(reg, "sua", "attendance", c.id, f"Điểm danh «{c.title}»: thêm {len(added)}, bỏ {len(removed)}",
                 "attendance", len(have), len(wanted))
        return len(wanted)


def untrained_members(reg, year: int | None = None) -> list[PersonRow]:
    """Active team members with no course in ``year``."""
    return [r for r in list_people(reg, year=year) if r.active and not r.trained_this_year]


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
    return {u.id: f"{u.kind} {u.name}" for u in Unit.select(Unit.id, Unit.kind, Unit.name)}


def add_equipment(reg, data: EquipmentInput) -> EquipmentInfo:
    values = _check_equipment(data)
    with reg.write():
        _get(Unit, data.unit_id, "đơn vị")
        e = Equipment.create(**values)
        _log(reg, "them", "equipment", e.id, f"Thêm thiết bị {vocab.label(vocab.EQUIPMENT_KINDS, e.kind)} ×{e.quantity}")
        return _equipment_info(e, _unit_names())


def update_equipment(reg, equipment_id: int, data: EquipmentInput) -> EquipmentInfo:
    values = _check_equipment(data)
    with reg.write():
        e = _get(Equipment, equipment_id, "thiết bị")
        values["unit"] = Unit.get_by_id(values["unit"])
        _apply_changes(reg, e, "equipment", f"Thiết bị {vocab.label(vocab.EQUIPMENT_KINDS, e.kind)}", values)
        return _equipment_info(e, _unit_names())


def delete_equipment(reg, equipment_id: int) -> None:
    with reg.write():
        e = _get(Equipment, equipment_id, "thiết bị")
        what = f"{vocab.label(vocab.EQUIPMENT_KINDS, e.kind)} ×{e.quantity}"
        e.delete_instance()
        _log(reg, "xoa", "equipment", equipment_id, f"Xóa thiết bị {what} (nhập nhầm)", "", what, "")


def list_equipment(reg, *, unit_id: int | None = None, condition: str = "") -> list[EquipmentInfo]:
    with reg.read():
        q = Equipment.select().order_by(Equipment.unit, Equipment.kind, Equipment.id)
        if unit_id:
            q = q.where(Equipment.unit == unit_id)
        if condition:
            q = q.where(Equipment.condition == condition)
        units = _unit_names()
        return [_equipment_info(e, units) for e in q]


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
                estimated_value=v.value or 0, reason=data.reason, proposed_on=pd or _today(), status=data.status)


def _need_info(n: EquipmentNeed, units: dict[int, str]) -> NeedInfo:
    return NeedInfo(n.id, n.unit_id, units.get(n.unit_id, ""), n.kind, vocab.label(vocab.EQUIPMENT_KINDS, n.kind),
                    n.description, n.quantity, n.estimated_value, n.reason, n.proposed_on, n.status,
                    vocab.label(vocab.NEED_STATUS, n.status))


def add_need(reg, data: NeedInput) -> NeedInfo:
    values = _check_need(data)
    with reg.write():
        _get(Unit, data.unit_id, "đơn vị")
        n = EquipmentNeed.create(**values)
        _log(reg, "them", "equipment_need", n.id, f"Đề xuất bổ sung {vocab.label(vocab.EQUIPMENT_KINDS, n.kind)} ×{n.quantity}")
        return _need_info(n, _unit_names())


def update_need(reg, need_id: int, data: NeedInput) -> NeedInfo:
    values = _check_need(data)
    with reg.write():
        n = _get(EquipmentNeed, need_id, "đề xuất")
        values["unit"] = Unit.get_by_id(values["unit"])
        _apply_changes(reg, n, "equipment_need", f"Đề xuất {vocab.label(vocab.EQUIPMENT_KINDS, n.kind)}", values)
        return _need_info(n, _unit_names())


def delete_need(reg, need_id: int) -> None:
    with reg.write():
        n = _get(EquipmentNeed, need_id, "đề xuất")
        n.delete_instance()
        _log(reg, "xoa", "equipment_need", need_id, "Xóa đề xuất thiết bị (nhập nhầm)")


def list_needs(reg, *, unit_id: int | None = None, status: str = "") -> list[NeedInfo]:
    with reg.read():
        q = EquipmentNeed.select().order_by(EquipmentNeed.unit, EquipmentNeed.id)
        if unit_id:
            q = q.where(EquipmentNeed.unit == unit_id)
        if status:
            q = q.where(EquipmentNeed.status == status)
        units = _unit_names()
        return [_need_info(n, units) for n in q]


# ---------------------------------------------------------------------------
# Statistics
# ---------------------------------------------------------------------------
@dataclass(frozen=True)
class Stats:
    year: int
    units: int
    communes: int
    villages: int
    teams: int
    village_teams: int
    active_members: int
    people: int
    members_by_category: dict[str, int]
    trained_this_year: int
    courses_this_year: int
    equipment_items: int
    equipment_needing_repair: int

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def stats(reg, *, year: int | None = None) -> Stats:
    year = year or _today().year
    with reg.read():
        active = Membership.select().where(Membership.end_date.is_null())
        active_people = {m.person_id for m in active.select(Membership.person)}
        by_cat: dict[str, int] = {c.code: 0 for c in Category.select().order_by(Category.sort_order)}
        for code, n in (Membership.select(Category.code, pw.fn.COUNT(Membership.id)).join(Category)
                        .where(Membership.end_date.is_null()).group_by(Category.code).tuples()):
            by_cat[code] = n
        trained = _trained_ids(year)
        return Stats(
            year=year,
            units=Unit.select().count(),
            communes=Unit.select().where(Unit.level == "xa").count(),
            villages=Unit.select().where((Unit.level == "thon") & (Unit.active == True)).count(),  # noqa: E712
            teams=Team.select().where(Team.active == True).count(),  # noqa: E712
            village_teams=Team.select().where((Team.active == True) & (Team.level == "thon")).count(),  # noqa: E712
            active_members=active.count(),
            people=len(active_people),
            members_by_category=by_cat,
            trained_this_year=len(active_people & trained),
            courses_this_year=Course.select().where(
                (Course.start_date >= dt.date(year, 1, 1)) & (Course.start_date <= dt.date(year, 12, 31))).count(),
            equipment_items=Equipment.select(pw.fn.COALESCE(pw.fn.SUM(Equipment.quantity), 0)).scalar(),
            equipment_needing_repair=Equipment.select().where(Equipment.condition != "tot").count(),
        )
