"""People: the person records (name, birth, phone, CCCD, village), their checks,
search and the list the People tab shows."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any
from collections.abc import Iterable

from . import rules, text, validate
from .audit import apply_changes, log, row_name
from .common import birth_year, full_name, get_row, today
from .errors import FieldError, InputError
from .schema import Attendance, Category, Course, Membership, Person, Team, Unit
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


def list_people(reg, *, year: int | None = None) -> list[PersonRow]:
    """Everyone in the registry, in Vietnamese name order, with what filters need."""
    year = year or today().year
    with reg.read():
        villages = {u.id: f"{u.kind} {u.name}" for u in Unit.select(Unit.id, Unit.kind, Unit.name)}
        teams = {t.id: t.name for t in Team.select(Team.id, Team.name)}
        cats = {c.id: c.code for c in Category.select(Category.id, Category.code)}
        trained = rules.trained_ids(year)
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
    digits = "".join(ch for ch in query if ch.isdigit())
    if digits and len(digits) >= 3 and not any(ch.isalpha() for ch in query):
        # a phone number (or CCCD) typed in the search box: «0912», «0912 345», «091.234»
        return [r for r in out if digits in r.phone or (len(digits) >= 6 and digits in r.cccd)]
    if folded:
        if len(q_words) == 1:
            # one word: a word that begins with it contains it, so the substring test decides
            out = [r for r in out if folded in r.search_key]
        else:
            # a word of the key begins with t ⇔ " t" is in " key" (keys are folded: single
            # spaces, no leading or trailing space). The longest word is a cheap substring
            # test that leaves few rows for the per-word test.
            longest = max(q_words, key=len)
            starts = [" " + t for t in q_words]
            out = [r for r in out if longest in r.search_key]
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


def course_attendees(reg, course_id: int) -> list[PersonRow]:
    with reg.read():
        ids = {a.person_id for a in Attendance.select(Attendance.person).where(Attendance.course == course_id)}
    return [r for r in list_people(reg) if r.id in ids]


def untrained_members(reg, year: int | None = None) -> list[PersonRow]:
    """Active team members with no course in ``year``."""
    return [r for r in list_people(reg, year=year) if r.active and not r.trained_this_year]
