"""People: the person records (name, birth, phone, CCCD, village), their checks,
search and the list the People tab shows."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any, NamedTuple
from collections.abc import Iterable

from . import rules, text, validate
from .audit import apply_changes, log, row_name
from .common import birth_year, full_name, get_row, today
from .errors import FieldError, InputError
from .people_index import PeopleIndex
from .schema import Attendance, Category, Course, Membership, Person, Team, Unit, database
from .teams import MemberInfo, member_info
from .training import CourseInfo, course_info


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


class PersonRow(NamedTuple):
    """One line of the people list (everything the list, its filters and sort need).

    A plain immutable value, slim since a national roll-up lists half a million of them: a
    named tuple (built at C speed), no copy of the name's two parts (``family_name`` and
    ``given_name`` are cut from ``full_name`` when asked for), equal small values (genders,
    years, role tuples) shared between rows."""

    id: int
    full_name: str
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
    family_len: int = 0  # len(family_name): «Nguyễn Thị» + « » + «Hà» is full_name

    @property
    def family_name(self) -> str:
        return self.full_name[:self.family_len]

    @property
    def given_name(self) -> str:
        return self.full_name[self.family_len + 1:] if self.family_len else self.full_name

    @property
    def sort_key(self) -> str:
        """The stored sort key (the list comes in this order; computed when asked for)."""
        return text.name_sort_key_str(self.family_name, self.given_name)


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
    trainings: list[CourseInfo]


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
            get_row(Unit, c.village_id, "thôn/tổ dân phố")
        if c.cccd:
            other = Person.get_or_none(Person.cccd == c.cccd)
            if other is not None:
                raise InputError(f"Số CCCD {c.cccd} đã có ở {full_name(other)}.", "cccd")
        if not allow_duplicate:
            dups = _possible_duplicates(c.family_name, c.given_name, c.birth_year or (c.birth_date.year if c.birth_date else None))
            if dups:
                names = "; ".join(f"{full_name(p)} ({birth_year(p) or 'không rõ năm sinh'})" for p in dups[:3])
                raise InputError(f"Có thể đã có người này trong sổ: {names}. Hãy tìm và chọn người có sẵn, "
                                 "hoặc xác nhận đây là người khác.", "full_name")
        warnings = c.warnings + _shared_phone(c.phone, None)
        p = Person()
        _store_person(p, c)
        p.save()
        log(reg, "them", "person", p.id, f"Thêm {full_name(p)}")
    return person_detail(reg, p.id), warnings


def _shared_phone(phone: str, person_id: int | None) -> tuple[str, ...]:
    """A warning naming whoever else has this phone number (a family may share one)."""
    if not phone:
        return ()
    q = Person.select().where(Person.phone == phone)
    if person_id is not None:
        q = q.where(Person.id != person_id)
    others = list(q.limit(3))
    if not others:
        return ()
    names = ", ".join(full_name(o) for o in others)
    return (f"Số điện thoại {phone} đã có ở {names}: kiểm tra lại nếu không phải người nhà dùng chung.",)


def _possible_duplicates(family: str, given: str, year: int | None) -> list[Person]:
    key = text.search_key(family, given)
    q = Person.select().where(Person.search_key == key)
    out = []
    for p in q:
        py = birth_year(p)
        if year is None or py is None or py == year:
            out.append(p)
    return out


def update_person(reg, person_id: int, data: PersonInput) -> tuple[PersonDetail, tuple[str, ...]]:
    c = check_person(data)
    with reg.write():
        p = get_row(Person, person_id, "người")
        if c.cccd:
            other = Person.get_or_none((Person.cccd == c.cccd) & (Person.id != p.id))
            if other is not None:
                raise InputError(f"Số CCCD {c.cccd} đã có ở {full_name(other)}.", "cccd")
        warnings = c.warnings + _shared_phone(c.phone, p.id)
        changes = {
            "family_name": c.family_name, "given_name": c.given_name, "gender": c.gender,
            "birth_date": c.birth_date, "birth_year": c.birth_year, "phone": c.phone, "cccd": c.cccd,
            "cccd_legacy": c.cccd_legacy, "village": c.village_id, "notes": c.notes,
        }
        changes["village"] = Unit.get_by_id(c.village_id) if c.village_id else None
        apply_changes(reg, p, "person", full_name(p), {k: v for k, v in changes.items() if k != "village"})
        if (p.village_id or None) != (c.village_id or None):
            old = p.village
            p.village = c.village_id
            log(reg, "sua", "person", p.id, full_name(p), "village", row_name(old),
                 row_name(Unit.get_or_none(Unit.id == c.village_id)) if c.village_id else "")
        p.search_key = text.search_key(p.family_name, p.given_name)
        p.sort_key = text.name_sort_key_str(p.family_name, p.given_name)
        p.save()
    return person_detail(reg, person_id), warnings


def delete_person(reg, person_id: int) -> None:
    """Delete a person entered by mistake, with their current memberships and attendance.

    Deleting is for mistakes only: someone with a past membership (left a team, or a team
    re-formed without them) is part of the teams' history, which is never deleted; they
    are refused with a message that says what to do instead."""
    with reg.write():
        p = get_row(Person, person_id, "người")
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
        log(reg, "xoa", "person", person_id, f"Xóa {name} (nhập nhầm)", "", name, "")


def person_detail(reg, person_id: int) -> PersonDetail:
    with reg.read():
        p = get_row(Person, person_id, "người")
        trained = rules.trained_ids(today().year, [p.id])
        ms = []
        for m in (Membership.select(Membership, Team, Category).join(Team).switch(Membership).join(Category)
                  .where(Membership.person == p).order_by(Membership.start_date.desc())):
            ms.append((m.team.name, member_info(m, p, m.category, trained)))
        courses = [course_info(c, None) for c in
                   Course.select().join(Attendance).where(Attendance.person == p).order_by(Course.start_date.desc())]
        v = p.village
        return PersonDetail(p.id, p.family_name, p.given_name, full_name(p), p.gender, p.birth_date, p.birth_year,
                            p.phone, p.cccd, p.cccd_legacy, p.village_id, f"{v.kind} {v.name}" if v else "",
                            p.notes, ms, courses)


# Raw SQL for the lists (peewee's per-value conversion took most of the time at scale).
# Dates are stored as ISO text (peewee's DateField), so a year is its first four characters.
# The rows are read in the table's order and put in name order after: reading them through
# the sort key's index costs a jump in the table per row.
_PEOPLE_SQL = ("SELECT id, family_name, given_name, gender, COALESCE(CAST(substr(birth_date, 1, 4) AS INTEGER), "
               "birth_year), phone, cccd, village_id, search_key FROM person{where}")
_ORDER_SQL = "SELECT id FROM person{where} ORDER BY sort_key, id"  # the index alone answers it
_ACTIVE_SQL = ("SELECT person_id, team_id, role, category_id FROM membership WHERE end_date IS NULL{where} "
               "ORDER BY id")
TRAINED_SQL = ("SELECT a.person_id FROM attendance a JOIN course c ON c.id = a.course_id "
               "WHERE c.start_date >= ? AND c.start_date <= ?")


def year_bounds(year: int) -> tuple[str, str]:
    return dt.date(year, 1, 1).isoformat(), dt.date(year, 12, 31).isoformat()


def _people_rows(year: int, where: str = "", params: tuple = ()) -> list[PersonRow]:
    """The rows of the people list (``where``: an SQL condition on ``person``), in name order.

    Few objects per person besides its row (a province's worth of short-lived containers
    set off the garbage collector's full passes): SQLite's own result tuples are kept as
    they come, a role or category alone is one shared tuple."""
    sql = database.execute_sql
    villages = {i: f"{kind} {name}" for i, kind, name in sql("SELECT id, kind, name FROM unit")}
    teams = dict(sql("SELECT id, name FROM team").fetchall())
    cats = dict(sql("SELECT id, code FROM category").fetchall())
    trained = {pid for (pid,) in sql(TRAINED_SQL, year_bounds(year))}
    mem: dict[int, Any] = {}  # person id → (person, team, role, category), or a list of them
    for m in sql(_ACTIVE_SQL.format(where=f" AND person_id IN (SELECT id FROM person WHERE {where})" if where else ""),
                 params):
        had = mem.setdefault(m[0], m)
        if had is not m:
            mem[m[0]] = had + [m] if isinstance(had, list) else [had, m]
    shared: dict = {}  # one object for each equal small value (genders, years, village ids, tuples)
    same = shared.setdefault
    one = {}  # a role or category code alone → its 1-tuple
    by_id = {}
    where = f" WHERE {where}" if where else ""
    for pid, fam, giv, gen, by, phone, cccd, vid, sk in sql(_PEOPLE_SQL.format(where=where), params):
        ms = mem.get(pid)
        if ms is None:
            team_names, roles, categories = "", (), ()
        elif isinstance(ms, tuple):
            team_names = teams.get(ms[1], "")
            roles = one.get(ms[2]) or one.setdefault(ms[2], (ms[2],))
            code = cats.get(ms[3], "")
            categories = one.get(code) or one.setdefault(code, (code,))
        else:
            team_names = ", ".join([teams.get(m[1], "") for m in ms])
            roles = tuple([m[2] for m in ms])
            categories = tuple([cats.get(m[3], "") for m in ms])
            roles, categories = same(roles, roles), same(categories, categories)
        by_id[pid] = PersonRow(pid, f"{fam} {giv}" if fam and giv else (fam or giv), same(gen, gen), same(by, by),
                               phone, cccd, same(vid, vid), villages.get(vid, ""), team_names, roles, categories,
                               ms is not None, pid in trained, sk, len(fam or ""))
    return [by_id[pid] for (pid,) in sql(_ORDER_SQL.format(where=where), params)]


def list_people(reg, *, year: int | None = None) -> list[PersonRow]:
    """Everyone in the registry, in Vietnamese name order, with what filters need."""
    with reg.read():
        return _people_rows(year or today().year)


def filter_people(rows: Iterable[PersonRow], *, query: str = "", village_id: int | None = None,
                  category: str = "", role: str = "", trained: bool | None = None,
                  active: bool | None = None) -> list[PersonRow]:
    """Filter rows from :func:`list_people` in memory (see :class:`PeopleIndex`, which a
    screen that searches on every keystroke keeps)."""
    index = PeopleIndex(rows)
    found = index.search(query, village_id=village_id, category=category, role=role, trained=trained,
                         active=active)
    return [index.rows[i] for i in found]


def find_person(reg, *, cccd: str = "", full_name_: str = "", birth_year: int | None = None,
                village_id: int | None = None) -> list[PersonRow]:
    """Match a person the way imports and 'add an existing member' do."""
    with reg.read():
        if cccd:
            hit = _people_rows(today().year, "cccd != '' AND cccd = ?", (cccd,))
            if hit:
                return hit
        key = text.fold(full_name_)
        hit = [r for r in _people_rows(today().year, "search_key = ?", (key,))
               if birth_year is None or r.birth_year in (None, birth_year)]
    if village_id is not None and len(hit) > 1:
        hit = [r for r in hit if r.village_id == village_id] or hit
    return hit


def course_attendees(reg, course_id: int) -> list[PersonRow]:
    with reg.read():
        return _people_rows(today().year, "id IN (SELECT person_id FROM attendance WHERE course_id = ?)", (course_id,))


def untrained_members(reg, year: int | None = None) -> list[PersonRow]:
    """Active team members with no course in ``year`` (chosen in SQL: only they are built)."""
    year = year or today().year
    with reg.read():
        return _people_rows(year, "id IN (SELECT person_id FROM membership WHERE end_date IS NULL) "
                            f"AND id NOT IN ({TRAINED_SQL})", year_bounds(year))
