"""Planning a roster import: what each row of the file would do to the registry.

:func:`plan` checks every record read from the file (:mod:`exports.roster_read`)
against the registry (:class:`RegistryIndex`, :mod:`exports.roster_index`: the
commune, its villages, and only the people the file's rows can be) and fills the
preview: one :class:`PreviewRow` per record (new, update, unchanged, error),
the villages and categories it does not know, and the actions
:mod:`exports.roster_apply` carries out. The same plan runs again under the
write lock when the import is applied.

Matching: a person is the same person when the citizen ID matches, else when
the name, birth year and village match. A row never erases what the registry
has (an empty cell keeps the value; :func:`models.bulk.person_changes`). The same
phone or CCCD for two people (in the file, or the file and the registry) is
named in a warning (an error for two rows of the file with one CCCD).

Composition: a «Thành phần» cell decides (by the category's name or code, else
read as a title); without one, the position title — a «Chức vụ» column, a title
in the role column, else «Chức vụ khác» — is placed by
:func:`models.positions.resolve_title` (the organisation named decides; «kiêm»
parts are other positions) and kept in «Chức vụ khác». A text it cannot place is
**asked**: the row waits (an error naming ``--category-map``; the wizard's choice)
— never a silent «Chức danh khác». Each :class:`PreviewRow` carries its
``category``, ``category_label``, ``category_asked``, ``category_source`` and
``title``; :attr:`Preview.category_counts` counts them before anything is written.
"""

from __future__ import annotations

import datetime as dt
import functools
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from models import bulk, text, validate
from models.errors import InputError
from models.services import Checked, PersonInput, check_person

from . import legacy_text as lt
from .headers import FIELDS, header_key, text_value
from .roster_index import RegistryIndex, pyear
from .sheets import MAX_CELL, ImportCancelled

__all__ = [
    "STATUS_LABELS", "CREATE", "ImportOptions", "ColumnInfo", "RowMessage", "PreviewRow", "Preview", "Record",
    "Action", "RegistryIndex", "plan", "CHANGE_LABELS", "CATEGORY_SOURCES",
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
    # Import the valid rows and leave the others out (written with their reasons to a file the clerk
    # can fix and import again: ``skipped_path``, default «<tệp>_chua-nhap.xlsx» next to the source).
    # Default False: one bad row stops the whole file (all or nothing).
    skip_errors: bool = False
    skipped_path: str = ""


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
    category: str = ""  # the composition category's code; "" while it is asked
    category_label: str = ""  # its name («Đoàn Thanh niên»), or «(chưa rõ — cần chọn)»
    category_asked: bool = False  # the clerk must choose (--category-map, the wizard): the row waits
    category_source: str = ""  # where the category came from: a key of CATEGORY_SOURCES
    title: str = ""  # the position title as typed («Bí thư Chi đoàn kiêm …»), kept in «Chức vụ khác»

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
    category_names: dict[str, str] = field(default_factory=dict)  # code → name, in the registry's order

    @property
    def counts(self) -> dict[str, int]:
        out = dict.fromkeys(STATUS_LABELS, 0)
        for r in self.rows:
            out[r.status] += 1
        return out

    @property
    def category_counts(self) -> dict[str, int]:
        """Rows per composition category (code → count, the registry's order), before anything is
        written; rows still asked are counted under ``""``."""
        found: dict[str, int] = {}
        for r in self.rows:
            found[r.category] = found.get(r.category, 0) + 1
        order = list(self.category_names) + sorted(c for c in found if c not in self.category_names)
        return {c: found[c] for c in order if c in found}

    @property
    def asked_rows(self) -> list[PreviewRow]:
        """The rows whose category the clerk must choose."""
        return [r for r in self.rows if r.category_asked]

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
    values: dict[str, Any] = field(default_factory=dict)  # the row as read (for the file of skipped rows)


_ROLE_WORDS = {"to truong": "to_truong", "truong": "to_truong", "tt": "to_truong", "to pho": "to_pho",
               "pho": "to_pho", "tp": "to_pho", "thanh vien": "thanh_vien", "tv": "thanh_vien", "": "thanh_vien",
               "leader": "to_truong", "deputy": "to_pho", "member": "thanh_vien", "to truong to cnscd": "to_truong",
               "to pho to cnscd": "to_pho", "thanh vien to cnscd": "thanh_vien"}

# Where a row's composition category came from (PreviewRow.category_source → what the clerk reads).
CATEGORY_SOURCES = {"thanh_phan": "cột Thành phần", "chuc_vu": "theo chức vụ", "da_chon": "đã chọn",
                    "mac_dinh": "không ghi thành phần hay chức vụ"}
ASKED_LABEL = "(chưa rõ — cần chọn)"



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


@dataclass(frozen=True)
class _Category:
    """A row's composition category: ``code`` ("" = asked), where it came from, and for an asked
    row the text the clerk's choice is recorded under (``ImportOptions.category_map``) and why."""

    code: str
    source: str
    key: str = ""
    reason: str = ""


def _mapped(idx: RegistryIndex, options: ImportOptions, *texts: str) -> str | None:
    """The category the clerk chose for one of ``texts`` (--category-map, the wizard), or None."""
    wanted = [text.fold(t) for t in texts if t]
    for k, v in options.category_map.items():
        if text.fold(k) in wanted:
            code = v.strip().upper()
            return code if code in idx.cats else idx.cat_by_name.get(text.fold(v))
    return None


def _by_name(idx: RegistryIndex, s: str) -> str | None:
    """A category named exactly ("Đoàn Thanh niên", "DOAN_TN", "Trưởng thôn/Tổ trưởng tổ dân phố")."""
    f = text.fold(s)
    if f in idx.cat_by_name:
        return idx.cat_by_name[f]
    return s.upper() if s.upper() in idx.cats else None


def _category_of(idx: RegistryIndex, options: ImportOptions, raw: str, title: str) -> _Category:
    """The category of a row: an explicit «Thành phần» cell decides (by name, else read as a title);
    without one, the position title (:func:`models.positions.resolve_title`: the organisation named
    decides, «kiêm» parts are other positions). A text that cannot be placed with confidence is
    asked — never a silent «Chức danh khác»."""
    from models.positions import resolve_title

    raw = text.clean(raw)
    if raw:
        chosen = _mapped(idx, options, raw)
        if chosen:
            return _Category(chosen, "da_chon")
        code = _by_name(idx, raw)
        if code is None:
            res = resolve_title(raw)
            code = res.code if res is not None and res.code in idx.cats else None
        if code:
            return _Category(code, "thanh_phan")
        return _Category("", "thanh_phan", raw, "không có trong danh mục thành phần")
    if not title:
        return _Category("KHAC" if "KHAC" in idx.cats else "", "mac_dinh", "", "")
    res = resolve_title(title)
    chosen = _mapped(idx, options, title, res.primary if res is not None else "")
    if chosen:
        return _Category(chosen, "da_chon")
    if res is not None and res.code in idx.cats:
        return _Category(res.code, "chuc_vu")
    why = res.reason if res is not None else ""
    if res is not None and res.code:
        why = f"thành phần {res.code} không có trong danh mục của sổ"
    return _Category("", "chuc_vu", title, why)


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
    idx.village_cache = {}  # the options (--village-map) may have changed since the last plan
    pv.rows = []
    pv.unknown_villages = {}
    pv.unknown_categories = {}
    pv.category_names = {c.code: c.name for c in sorted(idx.cats.values(), key=lambda c: (c.sort_order, c.id))}
    _commune_warnings(idx, pv)
    _load_people(idx, pv, progress, cancelled)
    in_file = _InFile()
    actions: list[Action] = []
    total = len(pv._records)
    for i, rec in enumerate(pv._records):
        if cancelled is not None and i % 50 == 0 and cancelled():
            raise ImportCancelled()
        if progress is not None and i % 200 == 0:
            progress((total + i) // 2, total)
        prow, action = _plan_row(idx, pv, rec, in_file)
        pv.rows.append(prow)
        actions.append(action)
    _one_leader_per_team(idx, pv, actions)
    _default_category_note(pv)
    if progress is not None:
        progress(total, total)
    return actions


def _load_people(idx: RegistryIndex, pv: Preview, progress: Callable[[int, int], None] | None,
                 cancelled: Callable[[], bool] | None) -> None:
    """The first half of a plan: each row checked on its own (:func:`validate_record`, cached) and its
    village found; then the people the rows can be are read, once (:meth:`RegistryIndex.load_people`)."""
    cccds: set[str] = set()
    phones: set[str] = set()
    keys: set[str] = set()
    villages: set[int] = set()
    total = len(pv._records)
    for i, rec in enumerate(pv._records):
        if cancelled is not None and i % 50 == 0 and cancelled():
            raise ImportCancelled()
        if progress is not None and i % 200 == 0:
            progress(i // 2, total)
        _, checked, key, _, _ = validate_record(rec)
        raw = text_value(rec.values.get("village"))
        if raw:
            found = idx.village_cache.get(raw)
            if found is None:
                found = idx.village_cache[raw] = _resolve_village(idx, raw, pv.options)
            if found[0] is not None and found[0] > 0:
                villages.add(found[0])
        if checked is not None:
            keys.add(key)
            if checked.cccd:
                cccds.add(checked.cccd)
            if checked.phone:
                phones.add(checked.phone)
    idx.load_people(sorted(cccds), sorted(phones), sorted(keys), sorted(villages))


def _commune_warnings(idx: RegistryIndex, pv: Preview) -> None:
    if idx.commune is None and idx.commune_problem and idx.commune_problem not in pv.warnings:
        pv.warnings.append(idx.commune_problem)
    if idx.commune_new:
        msg = f"Sổ chưa có xã/phường «{idx.commune_new}»: sẽ tạo mới khi nhập."
        if msg not in pv.warnings:
            pv.warnings.append(msg)


def _default_category_note(pv: Preview) -> None:
    """Rows with neither a «Thành phần» nor a position: said once, never silently «Chức danh khác»."""
    n = sum(1 for r in pv.rows if r.category_source == "mac_dinh")
    pv.warnings[:] = [w for w in pv.warnings if not w.startswith(_DEFAULT_NOTE)]
    if n:
        name = pv.category_names.get("KHAC", "Chức danh khác")
        pv.warnings.append(f"{_DEFAULT_NOTE} {text.format_int(n)} dòng không ghi thành phần hay chức vụ nên ghi là "
                           f"«{name}»; nếu tệp có cột thành phần/chức vụ, hãy chỉ rõ cột đó (--map CỘT=category "
                           "hoặc CỘT=position).")


_DEFAULT_NOTE = "Thành phần:"


def _plan_row(idx: RegistryIndex, pv: Preview, rec: Record, in_file: _InFile) -> tuple[PreviewRow, Action]:
    """One record: its checks, village, role, category, the person it matches and what changes."""
    chk = _RowCheck(rec.row)
    full, checked, key, errs, warns = validate_record(rec)
    chk.errors.extend(errs)
    chk.warnings.extend(warns)
    village_id, village_label = _plan_village(idx, pv, rec, chk)
    role, other, title = _plan_role(rec.values, chk)
    cat = _plan_category(idx, pv, rec, chk, title, in_file)
    other = _keep_title(title, other, chk)
    person_id = None
    if checked is not None:
        person_id = _match_person(idx, checked, key, full, village_id, chk)
        in_file.check(checked, key, full, village_id, person_id, chk)
        _shared_phone(idx, checked, person_id, chk)
    team, team_key = _team_of(idx, village_id)
    changes: list[str] = []
    status = "new"
    if checked is not None and person_id is not None:
        changes = _changes(idx, idx.people[person_id], checked, village_id, team, role, cat.code, other)
        status = "update" if changes else "unchanged"
    if chk.errors:
        status = "error"
    label = idx.cats[cat.code].name if cat.code in idx.cats else ASKED_LABEL
    prow = PreviewRow(rec.row, status, full, village_label, changes, chk.errors, chk.warnings, person_id,
                      cat.code, label, not cat.code, cat.source, title)
    return prow, Action(rec.row, status, checked, person_id, village_id, village_label, team_key, role, cat.code,
                        other, rec.values)


def _plan_village(idx: RegistryIndex, pv: Preview, rec: Record, chk: _RowCheck) -> tuple[int | tuple | None, str]:
    """(village, label shown): an existing village's id, ("new", key) for one to create, or None."""
    raw = text_value(rec.values.get("village"))
    if not raw:
        if idx.commune is None and not idx.commune_new:
            chk.err("village", "Dòng không ghi thôn/tổ dân phố và sổ có nhiều xã/phường — hãy chọn xã/phường "
                               "(--commune).")
        return None, raw
    found = idx.village_cache.get(raw)
    if found is None:  # a file names each village on many rows: worked out once per plan
        found = idx.village_cache[raw] = _resolve_village(idx, raw, pv.options)
    vid, why = found
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


def _plan_role(v: dict[str, Any], chk: _RowCheck) -> tuple[str, str, str]:
    """(role code, other positions, position title). A role that is not Tổ trưởng/Tổ phó/Thành viên
    is a position: the title, unless the row has a «Chức vụ» column of its own (then it goes to the
    other positions). Without either, the «Chức vụ khác» text stands for the title."""
    role_raw = text_value(v.get("role"))
    other = text_value(v.get("other_positions"))
    title = text_value(v.get("position"))
    role = _ROLE_WORDS.get(_role_key(role_raw))
    if role is None and role_raw:
        if title:
            other = (f"{role_raw}; {other}" if other and text.fold(role_raw) not in text.fold(other)
                     else (other or role_raw))
        else:
            title = role_raw
        chk.warn("role", f"Vai trò «{role_raw}» không phải Tổ trưởng/Tổ phó/Thành viên: ghi là Thành viên, "
                         "«" + role_raw + "» đưa vào chức vụ khác.")
        role = "thanh_vien"
    if not title and other and "position" not in v:
        title = other
    return role or "thanh_vien", other, title


@functools.lru_cache(maxsize=512)
def _role_key(role_raw: str) -> str:
    return header_key(role_raw)


_OTHER_MAX = 200  # the length «Chức vụ khác» holds


def _keep_title(title: str, other: str, chk: _RowCheck) -> str:
    """The title (with its «kiêm» parts) kept in «Chức vụ khác», before what the file has there."""
    if title and text.fold(title) not in text.fold(other):
        other = f"{title}; {other}" if other else title
    if len(other) > _OTHER_MAX:
        chk.warn("other_positions", f"Chức vụ khác dài quá {_OTHER_MAX} ký tự: chỉ giữ {_OTHER_MAX} ký tự đầu.")
        other = other[:_OTHER_MAX - 1].rstrip() + "…"
    return other


def _plan_category(idx: RegistryIndex, pv: Preview, rec: Record, chk: _RowCheck, title: str,
                   in_file: _InFile) -> _Category:
    """The row's category; an asked one makes the row wait (an error naming how to choose)."""
    raw = text_value(rec.values.get("category"))
    ck = (raw, title)
    cat = in_file.categories.get(ck)
    if cat is None:
        cat = in_file.categories[ck] = _category_of(idx, pv.options, raw, title)
    if cat.code:
        return cat
    pv.unknown_categories.setdefault(cat.key, []).append(rec.row)
    what = "Thành phần" if cat.source == "thanh_phan" else "Chức vụ"
    chk.err("category", f"{what} «{cat.key}» chưa rõ thuộc thành phần nào ({cat.reason}): hãy chọn thành phần "
                        f"(--category-map \"{cat.key}=MÃ\"). Dòng này chờ chọn.")
    return cat


def _year(checked: Checked) -> int | None:
    return checked.birth_year or (checked.birth_date.year if checked.birth_date else None)


def _match_person(idx: RegistryIndex, checked: Checked, key: str, full: str, village_id,
                  chk: _RowCheck) -> int | None:
    """The registry's person this row is: same CCCD, else same name (search ``key``), birth year and village."""
    if checked.cccd and checked.cccd in idx.by_cccd:
        pid = idx.by_cccd[checked.cccd]
        if idx.people[pid].search_key != key:  # the same CCCD under another name: a typo or another person
            chk.warn("cccd", f"Số CCCD {checked.cccd} trong sổ là của {_full(idx.people[pid])}: dòng này ghi "
                             f"{full} — nhập sẽ sửa thông tin của {_full(idx.people[pid])}. Hãy kiểm tra lại số CCCD.")
        return pid
    year = _year(checked)
    vid = village_id if isinstance(village_id, int) else None
    cands = idx.by_key.get((key, year, vid), []) if year is not None else []
    if not cands:
        cands = [pid for pid in idx.by_name_village.get((key, vid), [])
                 if year is None or pyear(idx.people[pid]) in (None, year)]
    cands = [pid for pid in cands
             if not (checked.cccd and idx.people[pid].cccd and idx.people[pid].cccd != checked.cccd)]
    if len(cands) == 1:
        return cands[0]
    if len(cands) > 1:
        chk.err("full_name", f"{full} ({year or 'không rõ năm sinh'}) khớp {len(cands)} người trong sổ — "
                             "hãy thêm số CCCD hoặc năm sinh để phân biệt.")
    return None


def _shared_phone(idx: RegistryIndex, checked: Checked, person_id: int | None, chk: _RowCheck) -> None:
    """A phone number the registry has for someone else: a warning naming them (a family may share one)."""
    if not checked.phone:
        return
    others = [pid for pid in idx.by_phone.get(checked.phone, ()) if pid != person_id][:3]
    if others:
        names = ", ".join(_full(idx.people[pid]) for pid in others)
        chk.warn("phone", f"Số điện thoại {checked.phone} đã có ở {names} trong sổ: kiểm tra lại nếu không phải "
                          "người nhà dùng chung.")


class _InFile:
    """Duplicates inside the file: the same CCCD, the same name + year + village, the same registry person,
    the same phone for two people (a warning); and the categories already worked out, by (cell, title)."""

    def __init__(self):
        self.cccd: dict[str, tuple[int, str]] = {}
        self.key: dict[tuple, int] = {}
        self.people: dict[int, int] = {}
        self.phones: dict[str, tuple[int, str, str]] = {}
        self.categories: dict[tuple[str, str], _Category] = {}

    def check(self, checked: Checked, key: str, full: str, village_id, person_id: int | None,
              chk: _RowCheck) -> None:
        if checked.cccd:
            if checked.cccd in self.cccd:
                row, name = self.cccd[checked.cccd]
                chk.err("cccd", f"Số CCCD {checked.cccd} đã có ở dòng {row} của tệp ({name}).")
            else:
                self.cccd[checked.cccd] = (chk.row, full)
        dkey = (key, _year(checked), str(village_id))
        if not checked.cccd and dkey in self.key:
            chk.err("full_name", f"{full} trùng với dòng {self.key[dkey]} của tệp (cùng tên, năm sinh, thôn).")
        self.key.setdefault(dkey, chk.row)
        if person_id is not None and person_id in self.people:
            chk.err("full_name", f"{full} đã có ở dòng {self.people[person_id]} của tệp (cùng người trong sổ).")
        elif person_id is not None:
            self.people[person_id] = chk.row
        if checked.phone:
            seen = self.phones.get(checked.phone)
            if seen is None:
                self.phones[checked.phone] = (chk.row, full, key)
            elif seen[2] != key:
                chk.warn("phone", f"Số điện thoại {checked.phone} trùng với dòng {seen[0]} của tệp ({seen[1]}): "
                                  "kiểm tra lại nếu không phải người nhà dùng chung.")


def _team_of(idx: RegistryIndex, village_id) -> tuple[int | None, Any]:
    """(the team a row goes into, or None when it is to be created; its key for the one-leader rule)."""
    if isinstance(village_id, int):
        team = idx.teams.get(village_id)
        return team, (team if team is not None else ("new", village_id))
    if village_id is not None:
        return None, ("new", village_id)
    team = idx.teams.get(idx.commune.id) if idx.commune is not None else None
    return team, (team if team is not None else ("new", "xa"))


CHANGE_LABELS = {"family_name": "họ tên", "given_name": "họ tên", "gender": "giới tính", "birth_date": "ngày sinh",
                 "birth_year": "năm sinh", "phone": "số điện thoại", "cccd": "số CCCD", "village": "thôn/TDP",
                 "notes": "ghi chú", "role": "vai trò", "category": "thành phần", "other_positions": "chức vụ khác"}


def _changes(idx: RegistryIndex, p, checked: Checked, village_id, team: int | None, role: str, category: str,
             other: str) -> list[str]:
    """What importing the row changes on an existing person (labels as the preview shows them)."""
    person = bulk.person_changes(p, checked, village_id if isinstance(village_id, int) else None)
    changes = [CHANGE_LABELS.get(k, k) for k in person if k != "cccd_legacy"]
    m = idx.active.get((p.id, team)) if team is not None else None
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
    idx.load_leaders(file_leaders)
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


def _full(p) -> str:
    return text.clean(f"{p.family_name} {p.given_name}")
