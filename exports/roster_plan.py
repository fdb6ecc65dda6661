"""Planning a roster import: what each row of the file would do to the registry.

:func:`plan` checks every record read from the file (:mod:`exports.roster_read`)
against the registry held in memory (:class:`RegistryIndex`) and fills the
preview: one :class:`PreviewRow` per record (new, update, unchanged, error),
the villages and categories it does not know, and the actions
:mod:`exports.roster_apply` carries out. The same plan runs again under the
write lock when the import is applied.

Matching: a person is the same person when the citizen ID matches, else when
the name, birth year and village match. A row never erases what the registry
has (an empty cell keeps the value; :func:`models.bulk.person_changes`).
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from models import bulk, text, validate
from models.errors import InputError
from models.services import Checked, PersonInput, check_person

from . import legacy_text as lt
from .headers import FIELDS, header_key, text_value
from .sheets import MAX_CELL, ImportCancelled

__all__ = [
    "STATUS_LABELS", "CREATE", "ImportOptions", "ColumnInfo", "RowMessage", "PreviewRow", "Preview", "Record",
    "Action", "RegistryIndex", "plan", "CHANGE_LABELS",
]

STATUS_LABELS = {"new": "Thêm mới", "update": "Cập nhật", "unchanged": "Không đổi", "error": "Lỗi"}
CREATE = "+"  # village_map value: create the village


@dataclass
class ImportOptions:
    sheet: str | int | None = None
    column_map: dict[str, str] = field(default_factory=dict)  # "C" / "3" / header text → field (or "ignore")
    village_map: dict[str, str] = field(default_factory=dict)  # name in the file → village in the registry, or CREATE
    create_villages: bool = False
    category_map: dict[str, str] = field(default_factory=dict)  # text in the file → category code
    encodings: dict[str, str] = field(default_factory=dict)  # field → unicode|tcvn3|vni
    commune: str = ""  # for registries holding several communes
    start_date: dt.date | None = None  # membership start for new members (default today)
    remember_mapping: bool = True


@dataclass(frozen=True)
class ColumnInfo:
    index: int
    letter: str
    header: str
    field: str  # "" when not mapped
    encoding: str = lt.UNICODE
    encoding_sure: bool = True
    encoding_source: str = ""
    candidates: tuple = ()  # unsure: ((encoding, a sample cell read that way), …), the likeliest first
    sample_row: int = 0  # the sheet row of that sample cell (1-based)

    @property
    def field_label(self) -> str:
        return FIELDS.get(self.field, "(không dùng)")

    @property
    def unsure_message(self) -> str:
        """Why this column stops the import, with the two likeliest readings of one of its cells."""
        msg = f"Cột {self.letter} «{self.header or '(không tên)'}»: chưa rõ chữ Việt gõ theo bảng mã nào"
        if len(self.candidates) >= 2 and self.sample_row:
            (e1, r1), (e2, r2) = self.candidates[:2]
            msg += (f" — ô ở dòng {self.sample_row} đọc theo {lt.ENCODING_LABELS[e1]} là «{r1}», "
                    f"theo {lt.ENCODING_LABELS[e2]} là «{r2}»")
        return msg + f". Hãy chọn bảng mã cho cột {self.letter} rồi đọc lại; chưa nhập gì vào sổ."


@dataclass(frozen=True)
class RowMessage:
    row: int  # the sheet's row number (1-based, as Excel shows it)
    field: str
    message: str


@dataclass
class PreviewRow:
    row: int
    status: str  # new | update | unchanged | error
    name: str
    village: str
    changes: list[str] = field(default_factory=list)
    errors: list[RowMessage] = field(default_factory=list)
    warnings: list[RowMessage] = field(default_factory=list)
    person_id: int | None = None

    @property
    def status_label(self) -> str:
        return STATUS_LABELS[self.status]


@dataclass
class Preview:
    path: str
    file_kind: str
    sheet: str
    sheet_names: list[str]
    header_row: int  # 1-based
    header_rows: int
    columns: list[ColumnInfo]
    rows: list[PreviewRow]
    unknown_villages: dict[str, list[int]]  # name in the file → row numbers
    unknown_categories: dict[str, list[int]]
    warnings: list[str]
    shape: str
    mapping_source: str  # "tự động" | "đã lưu" | "người dùng sửa"
    csv_encoding: str = ""
    csv_delimiter: str = ""
    options: ImportOptions = field(default_factory=ImportOptions)
    _records: list[Record] = field(default_factory=list, repr=False)

    @property
    def counts(self) -> dict[str, int]:
        out = dict.fromkeys(STATUS_LABELS, 0)
        for r in self.rows:
            out[r.status] += 1
        return out

    @property
    def errors(self) -> list[RowMessage]:
        return [e for r in self.rows for e in r.errors]

    @property
    def ok(self) -> bool:
        return not self.errors and not self.blocking

    @property
    def blocking(self) -> list[str]:
        """Problems that stop the import as a whole (besides row errors)."""
        out = []
        if not any(c.field in ("full_name", "given_name") for c in self.columns):
            out.append("Không tìm thấy cột «Họ và tên».")
        out += [c.unsure_message for c in self.unsure_columns]
        return out

    @property
    def unsure_columns(self) -> list[ColumnInfo]:
        return [c for c in self.columns if c.field and not c.encoding_sure]



@dataclass
class Record:
    """One data row of the file: its sheet row (1-based) and its values by field."""

    row: int
    values: dict[str, Any]
    cache: Any = None


@dataclass
class Action:
    """What importing one row does: the plan behind a :class:`PreviewRow`."""

    row: int
    status: str
    checked: Checked | None
    person_id: int | None
    village_id: int | tuple | None  # an existing village, ("new", folded name) for one to create, or None
    village_label: str
    team_key: Any  # the team's id, or ("new", village_id) / ("new", "xa") for one to create
    role: str
    category: str
    other: str


_ROLE_WORDS = {"to truong": "to_truong", "truong": "to_truong", "tt": "to_truong", "to pho": "to_pho",
               "pho": "to_pho", "tp": "to_pho", "thanh vien": "thanh_vien", "tv": "thanh_vien", "": "thanh_vien",
               "leader": "to_truong", "deputy": "to_pho", "member": "thanh_vien", "to truong to cnscd": "to_truong",
               "to pho to cnscd": "to_pho", "thanh vien to cnscd": "thanh_vien"}

_CATEGORY_HINTS = [  # (folded keyword, category code), first match wins
    ("can bo xa", "CB_XA"), ("cong chuc", "CB_XA"), ("dung diem", "CB_XA"), ("cb xa", "CB_XA"),
    ("bi thu chi bo", "BI_THU"), ("bi thu", "BI_THU"),
    ("truong thon", "TRUONG_THON"), ("to truong to dan pho", "TRUONG_THON"), ("truong khu", "TRUONG_THON"),
    ("truong ban", "TRUONG_THON"), ("to truong tdp", "TRUONG_THON"), ("truong ap", "TRUONG_THON"),
    ("mat tran", "MTTQ"), ("mttq", "MTTQ"),
    ("doan thanh nien", "DOAN_TN"), ("chi doan", "DOAN_TN"), ("doan tn", "DOAN_TN"), ("doan vien", "DOAN_TN"),
    ("phu nu", "PHU_NU"), ("nong dan", "NONG_DAN"), ("cuu chien binh", "CCB"), ("ccb", "CCB"),
    ("cong an", "CONG_AN"), ("giao vien", "GIAO_VIEN"), ("hieu truong", "GIAO_VIEN"),
    ("tinh nguyen", "TNV"), ("tnv", "TNV"), ("khac", "KHAC"),
]



class RegistryIndex:
    """The registry in memory for matching: people, villages, teams, categories, memberships."""

    def __init__(self, commune_name: str = ""):
        from models.schema import Team, Unit

        self.units = {u.id: u for u in Unit.select()}
        self._find_commune(commune_name)
        self.villages: dict[str, list[int]] = {}  # every folded name a village goes by → its ids
        for u in self.units.values():
            if u.level == "thon" and u.active and (self.commune is None or u.parent_id == self.commune.id):
                for k in _village_keys(u.kind, u.name):
                    self.villages.setdefault(k, [])
                    if u.id not in self.villages[k]:
                        self.villages[k].append(u.id)
        self._load_categories()
        self.teams: dict[int, Any] = {}  # unit → its first active team
        for tm in Team.select().where(Team.active == True):  # noqa: E712
            self.teams.setdefault(tm.unit_id, tm)
        self._load_people()

    def _find_commune(self, commune_name: str) -> None:
        communes = [u for u in self.units.values() if u.level == "xa"]
        self.commune = None
        self.commune_problem = ""
        self.commune_new = ""
        if commune_name:
            want = text.fold(commune_name)
            hits = [u for u in communes if text.fold(u.name) == want or text.fold(f"{u.kind} {u.name}") == want]
            if not hits:
                self.commune_new = text.clean(commune_name)  # created on import (aggregating registries)
            else:
                self.commune = hits[0]
        elif len(communes) == 1:
            self.commune = communes[0]
        elif communes:
            self.commune_problem = "Sổ có nhiều xã/phường; hãy chọn xã/phường của danh sách này (--commune)."
        else:
            self.commune_problem = "Sổ chưa có xã/phường nào; hãy chọn xã/phường của danh sách này (--commune)."

    def _load_categories(self) -> None:
        from models.schema import Category

        self.cats = {c.code: c for c in Category.select()}
        self.cat_code = {c.id: c.code for c in self.cats.values()}
        self.cat_by_name = {text.fold(c.name): c.code for c in self.cats.values()}
        for c in self.cats.values():
            for part in re.split(r"[/,]", c.name):
                self.cat_by_name.setdefault(text.fold(part), c.code)
            self.cat_by_name.setdefault(text.fold(c.code), c.code)

    def _load_people(self) -> None:
        from models.schema import Membership, Person

        self.people = {p.id: p for p in Person.select()}
        self.by_cccd = {p.cccd: p.id for p in self.people.values() if p.cccd}
        self.by_key: dict[tuple[str, int | None, int | None], list[int]] = {}
        self.by_name_village: dict[tuple[str, int | None], list[int]] = {}
        for p in self.people.values():
            self.by_key.setdefault((p.search_key, _pyear(p), p.village_id), []).append(p.id)
            self.by_name_village.setdefault((p.search_key, p.village_id), []).append(p.id)
        self.active: dict[tuple[int, int], Any] = {}  # (person, team) → membership
        self.leaders: dict[int, set[int]] = {}
        for m in Membership.select().where(Membership.end_date.is_null()):
            self.active[(m.person_id, m.team_id)] = m
            if m.role == "to_truong":
                self.leaders.setdefault(m.team_id, set()).add(m.person_id)


def _village_keys(kind: str, name: str) -> set[str]:
    """The folded names a village may be written as: "An Lợi", "Thôn An Lợi", "TDP 3", "Tổ 3", "Khu 5"."""
    keys = {text.fold(name), text.fold(f"{kind} {name}"), text.fold(text.strip_unit_kind(name))}
    if kind == "tổ dân phố":
        keys |= {text.fold(f"tdp {name}"), text.fold(f"to {name}")}
    if kind == "khu dân cư":
        keys.add(text.fold(f"khu {name}"))
    return {k for k in keys if k}


def _norm_village(s: str) -> str:
    f = text.fold(s)
    f = re.sub(r"^(?:[ivxlc]+|\d+)\s*[.)\-/]\s*", "", f)  # "I. Thôn An Lợi", "1) …"
    f = re.sub(r"[/,;]+", " ", f)
    f = re.sub(r"\s+", " ", f).strip()
    f = re.sub(r"^tdp\.?\s*", "tdp ", f)
    return f


def _resolve_village(idx: RegistryIndex, raw: str, options: ImportOptions) -> tuple[int | None, str]:
    """(village id, '') or (None, why). CREATE-mapped names give (-1, name)."""
    name = text.clean(raw)
    if idx.commune_new:
        return (-1, name) if options.create_villages else (None, "unknown")
    target = None
    for k, v in options.village_map.items():
        if text.fold(k) == text.fold(name):
            target = v
            break
    if target is not None:
        if text.clean(target) == CREATE:
            return -1, name
        name = target
    hits = (idx.villages.get(_norm_village(name)) or idx.villages.get(text.fold(name))
            or idx.villages.get(text.fold(text.strip_unit_kind(name)), []))
    if len(hits) == 1:
        return hits[0], ""
    if len(hits) > 1:
        return None, f"«{name}» khớp nhiều thôn/tổ dân phố; hãy ghi rõ hơn (--village-map)."
    if target is None and options.create_villages:
        return -1, text.clean(raw)
    return None, "unknown"


def _category_code(idx: RegistryIndex, raw: str, options: ImportOptions) -> str | None:
    s = text.clean(raw)
    for k, v in options.category_map.items():
        if text.fold(k) == text.fold(s):
            code = v.strip().upper()
            if code in idx.cats:
                return code
            return idx.cat_by_name.get(text.fold(v))
    f = text.fold(s)
    if not f:
        return "KHAC"
    if f in idx.cat_by_name:
        return idx.cat_by_name[f]
    if s.upper() in idx.cats:
        return s.upper()
    for kw, code in _CATEGORY_HINTS:
        if kw in f and code in idx.cats:
            return code
    return None


class _RowCheck:
    """The errors and warnings found on one row."""

    def __init__(self, row: int):
        self.row = row
        self.errors: list[RowMessage] = []
        self.warnings: list[RowMessage] = []

    def err(self, fieldname: str, msg: str) -> None:
        self.errors.append(RowMessage(self.row, fieldname, msg))

    def warn(self, fieldname: str, msg: str) -> None:
        self.warnings.append(RowMessage(self.row, fieldname, msg))


def _birth_and_gender(v: dict[str, Any], chk: _RowCheck) -> tuple[Any, str]:
    """Birth and gender, possibly from the "Năm sinh – Nam" / "– Nữ" columns, or the gender from the CCCD."""
    birth = v.get("birth")
    gender = text_value(v.get("gender"))
    if v.get("birth_nam") not in (None, "") and v.get("birth_nu") not in (None, ""):
        chk.err("birth", "Năm sinh ghi ở cả cột Nam và cột Nữ — chỉ ghi vào một cột.")
    elif v.get("birth_nam") not in (None, ""):
        birth, gender = v["birth_nam"], gender or "nam"
    elif v.get("birth_nu") not in (None, ""):
        birth, gender = v["birth_nu"], gender or "nu"
    cccd = v.get("cccd")
    if not gender and cccd not in (None, ""):
        c = validate.check_cccd(cccd)
        info = validate.cccd_birth_info(c.value) if c.ok and c.value else None
        if info:
            gender = info[1]
    return birth, gender


def validate_record(rec: Record):
    """Checks that depend only on the row: (full name, Checked or None, its search key, errors, warnings).
    Cached: the import plans again under the write lock."""
    if rec.cache is not None:
        return rec.cache
    v = rec.values
    chk = _RowCheck(rec.row)
    for f, val in v.items():
        if isinstance(val, str) and len(val) > MAX_CELL:
            chk.err(f, f"{FIELDS.get(f, f)}: ô quá dài ({text.format_int(len(val))} ký tự).")
    full = text_value(v.get("full_name"))
    family, given = text_value(v.get("family_name")), text_value(v.get("given_name"))
    if not full and (family or given):
        full = text.clean(f"{family} {given}")
    if full and not re.search(r"[^\W\d_]", full):
        chk.err("full_name", f"Họ và tên «{full[:40]}» không có chữ cái nào.")
    birth, gender = _birth_and_gender(v, chk)
    cccd = v.get("cccd")
    pin = PersonInput(full_name=full, gender=gender, birth=birth if birth is not None else "",
                      phone=v.get("phone") if v.get("phone") is not None else "",
                      cccd=cccd if cccd is not None else "", notes=text_value(v.get("notes")))
    checked = None
    if len(full) <= MAX_CELL:
        try:
            checked = check_person(pin)
            for w in checked.warnings:
                chk.warn("", w)
        except InputError as e:
            for fe in e.errors:
                chk.err(fe.field, fe.message)
    key = text.search_key(checked.family_name, checked.given_name) if checked is not None else ""
    rec.cache = (full, checked, key, tuple(chk.errors), tuple(chk.warnings))
    return rec.cache


# ---------------------------------------------------------------------------
# The plan
# ---------------------------------------------------------------------------
def plan(pv: Preview, *, progress: Callable[[int, int], None] | None = None,
         cancelled: Callable[[], bool] | None = None, idx: RegistryIndex | None = None) -> list[Action]:
    """Check every record against the registry (read inside ``reg.read()``/``reg.write()``).

    Fills ``pv.rows`` and the unknown villages/categories; returns one :class:`Action` per record.
    """
    idx = idx or RegistryIndex(pv.options.commune)
    pv.rows = []
    pv.unknown_villages = {}
    pv.unknown_categories = {}
    _commune_warnings(idx, pv)
    in_file = _InFile()
    actions: list[Action] = []
    total = len(pv._records)
    for i, rec in enumerate(pv._records):
        if cancelled is not None and i % 50 == 0 and cancelled():
            raise ImportCancelled()
        if progress is not None and i % 200 == 0:
            progress(i, total)
        prow, action = _plan_row(idx, pv, rec, in_file)
        pv.rows.append(prow)
        actions.append(action)
    _one_leader_per_team(idx, pv, actions)
    if progress is not None:
        progress(total, total)
    return actions


def _commune_warnings(idx: RegistryIndex, pv: Preview) -> None:
    if idx.commune is None and idx.commune_problem and idx.commune_problem not in pv.warnings:
        pv.warnings.append(idx.commune_problem)
    if idx.commune_new:
        msg = f"Sổ chưa có xã/phường «{idx.commune_new}»: sẽ tạo mới khi nhập."
        if msg not in pv.warnings:
            pv.warnings.append(msg)


def _plan_row(idx: RegistryIndex, pv: Preview, rec: Record, in_file: _InFile) -> tuple[PreviewRow, Action]:
    """One record: its checks, village, role, category, the person it matches and what changes."""
    chk = _RowCheck(rec.row)
    full, checked, key, errs, warns = validate_record(rec)
    chk.errors.extend(errs)
    chk.warnings.extend(warns)
    village_id, village_label = _plan_village(idx, pv, rec, chk)
    role, other = _plan_role(rec.values, chk)
    category = _plan_category(idx, pv, rec, chk)
    person_id = None
    if checked is not None:
        person_id = _match_person(idx, checked, key, full, village_id, chk)
        in_file.check(checked, key, full, village_id, person_id, chk)
    team, team_key = _team_of(idx, village_id)
    changes: list[str] = []
    status = "new"
    if checked is not None and person_id is not None:
        changes = _changes(idx, idx.people[person_id], checked, village_id, team, role, category, other)
        status = "update" if changes else "unchanged"
    if chk.errors:
        status = "error"
    return (PreviewRow(rec.row, status, full, village_label, changes, chk.errors, chk.warnings, person_id),
            Action(rec.row, status, checked, person_id, village_id, village_label, team_key, role, category, other))


def _plan_village(idx: RegistryIndex, pv: Preview, rec: Record, chk: _RowCheck) -> tuple[int | tuple | None, str]:
    """(village, label shown): an existing village's id, ("new", key) for one to create, or None."""
    raw = text_value(rec.values.get("village"))
    if not raw:
        if idx.commune is None and not idx.commune_new:
            chk.err("village", "Dòng không ghi thôn/tổ dân phố và sổ có nhiều xã/phường — hãy chọn xã/phường "
                               "(--commune).")
        return None, raw
    vid, why = _resolve_village(idx, raw, pv.options)
    if vid is None and why == "unknown":
        pv.unknown_villages.setdefault(raw, []).append(rec.row)
        chk.err("village", f"Thôn/TDP «{raw}» chưa có trong sổ — hãy chọn thôn tương ứng "
                           f"(--village-map \"{raw}=Tên thôn\") hoặc tạo mới (--create-villages).")
        return None, raw
    if vid is None:
        chk.err("village", why)
        return None, raw
    if vid == -1:
        if idx.commune is None and not idx.commune_new:
            chk.err("village", idx.commune_problem)
        label = why or raw
        chk.warn("village", f"Sẽ tạo thôn/tổ dân phố mới «{label}».")
        return ("new", text.fold(label)), label
    u = idx.units[vid]
    return vid, f"{u.kind} {u.name}"


def _plan_role(v: dict[str, Any], chk: _RowCheck) -> tuple[str, str]:
    """(role code, other positions): a role that is not Tổ trưởng/Tổ phó/Thành viên goes to the other positions."""
    role_raw = text_value(v.get("role"))
    other = text_value(v.get("other_positions"))
    role = _ROLE_WORDS.get(header_key(role_raw))
    if role is not None:
        return role, other
    if role_raw:
        other = (f"{role_raw}; {other}" if other and text.fold(role_raw) not in text.fold(other)
                 else (other or role_raw))
        chk.warn("role", f"Vai trò «{role_raw}» không phải Tổ trưởng/Tổ phó/Thành viên: ghi là Thành viên, "
                         "«" + role_raw + "» đưa vào chức vụ khác.")
    return "thanh_vien", other


def _plan_category(idx: RegistryIndex, pv: Preview, rec: Record, chk: _RowCheck) -> str:
    raw = text_value(rec.values.get("category"))
    code = _category_code(idx, raw, pv.options)
    if code is not None:
        return code
    pv.unknown_categories.setdefault(raw, []).append(rec.row)
    chk.warn("category", f"Thành phần «{raw}» không có trong danh mục: tạm ghi «Chức danh khác» "
                         f"(chọn thành phần tương ứng bằng --category-map \"{raw}=MÃ\").")
    return "KHAC"


def _year(checked: Checked) -> int | None:
    return checked.birth_year or (checked.birth_date.year if checked.birth_date else None)


def _match_person(idx: RegistryIndex, checked: Checked, key: str, full: str, village_id,
                  chk: _RowCheck) -> int | None:
    """The registry's person this row is: same CCCD, else same name (search ``key``), birth year and village."""
    if checked.cccd and checked.cccd in idx.by_cccd:
        return idx.by_cccd[checked.cccd]
    year = _year(checked)
    vid = village_id if isinstance(village_id, int) else None
    cands = idx.by_key.get((key, year, vid), []) if year is not None else []
    if not cands:
        cands = [pid for pid in idx.by_name_village.get((key, vid), [])
                 if year is None or _pyear(idx.people[pid]) in (None, year)]
    cands = [pid for pid in cands
             if not (checked.cccd and idx.people[pid].cccd and idx.people[pid].cccd != checked.cccd)]
    if len(cands) == 1:
        return cands[0]
    if len(cands) > 1:
        chk.err("full_name", f"{full} ({year or 'không rõ năm sinh'}) khớp {len(cands)} người trong sổ — "
                             "hãy thêm số CCCD hoặc năm sinh để phân biệt.")
    return None


class _InFile:
    """Duplicates inside the file: the same CCCD, the same name + year + village, the same registry person."""

    def __init__(self):
        self.cccd: dict[str, int] = {}
        self.key: dict[tuple, int] = {}
        self.people: dict[int, int] = {}

    def check(self, checked: Checked, key: str, full: str, village_id, person_id: int | None,
              chk: _RowCheck) -> None:
        if checked.cccd:
            if checked.cccd in self.cccd:
                chk.err("cccd", f"Số CCCD {checked.cccd} đã có ở dòng {self.cccd[checked.cccd]} của tệp.")
            else:
                self.cccd[checked.cccd] = chk.row
        dkey = (key, _year(checked), str(village_id))
        if not checked.cccd and dkey in self.key:
            chk.err("full_name", f"{full} trùng với dòng {self.key[dkey]} của tệp (cùng tên, năm sinh, thôn).")
        self.key.setdefault(dkey, chk.row)
        if person_id is not None and person_id in self.people:
            chk.err("full_name", f"{full} đã có ở dòng {self.people[person_id]} của tệp (cùng người trong sổ).")
        elif person_id is not None:
            self.people[person_id] = chk.row


def _team_of(idx: RegistryIndex, village_id) -> tuple[Any, Any]:
    """(the team a row goes into, or None when it is to be created; its key for the one-leader rule)."""
    if isinstance(village_id, int):
        team = idx.teams.get(village_id)
        return team, (team.id if team else ("new", village_id))
    if village_id is not None:
        return None, ("new", village_id)
    team = idx.teams.get(idx.commune.id) if idx.commune is not None else None
    return team, (team.id if team else ("new", "xa"))


CHANGE_LABELS = {"family_name": "họ tên", "given_name": "họ tên", "gender": "giới tính", "birth_date": "ngày sinh",
                 "birth_year": "năm sinh", "phone": "số điện thoại", "cccd": "số CCCD", "village": "thôn/TDP",
                 "notes": "ghi chú", "role": "vai trò", "category": "thành phần", "other_positions": "chức vụ khác"}


def _changes(idx: RegistryIndex, p, checked: Checked, village_id, team, role: str, category: str,
             other: str) -> list[str]:
    """What importing the row changes on an existing person (labels as the preview shows them)."""
    person = bulk.person_changes(p, checked, village_id if isinstance(village_id, int) else None)
    changes = [CHANGE_LABELS.get(k, k) for k in person if k != "cccd_legacy"]
    m = idx.active.get((p.id, team.id)) if team is not None else None
    if m is None:
        return changes + ["vào tổ"]
    want = {"role": role, "category": category, "other_positions": other}
    have = {"role": m.role, "category": idx.cat_code.get(m.category_id, ""), "other_positions": m.other_positions}
    for k in want:
        if k == "other_positions" and not want[k]:
            continue
        if text.clean(want[k]) != text.clean(have[k]):
            changes.append(CHANGE_LABELS[k])
    return changes


def _one_leader_per_team(idx: RegistryIndex, pv: Preview, actions: list[Action]) -> None:
    """One Tổ trưởng per team: the file's leaders plus the registry's leaders the file does not touch."""
    file_leaders: dict[Any, set[tuple[int | None, int]]] = {}
    for a in actions:
        if a.role == "to_truong":
            file_leaders.setdefault(a.team_key, set()).add((a.person_id, a.row))
    touched = {(a.person_id, a.team_key) for a in actions if a.person_id is not None}
    for tk, leaders in file_leaders.items():
        kept = {pid for pid in idx.leaders.get(tk, set()) if (pid, tk) not in touched} if isinstance(tk, int) else set()
        if len(leaders) + len(kept) <= 1:
            continue
        rows = sorted(r for _, r in leaders)
        names = [f"dòng {r}" for r in rows] + [f"{_full(idx.people[pid])} (đang là Tổ trưởng trong sổ)" for pid in kept]
        for pr, a in zip(pv.rows, actions, strict=True):
            if pr.row in rows:
                pr.errors.append(RowMessage(pr.row, "role", "Một tổ chỉ có một Tổ trưởng: " + ", ".join(names) + "."))
                pr.status = a.status = "error"


def _pyear(p) -> int | None:
    return p.birth_date.year if p.birth_date else p.birth_year


def _full(p) -> str:
    return text.clean(f"{p.family_name} {p.given_name}")
