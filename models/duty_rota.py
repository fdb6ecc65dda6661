"""The support point's duty rota: members assigned by weekday.

As in the Trần Hưng Đạo report: the ward's team and Youth Union volunteers take turns
Monday to Friday, in office hours, at the public administration centre, guiding
residents. Saturday is a setting (``activities.update_activity_settings(saturday=True)``);
the place is the ``support_point`` setting. A month's rota (:func:`month_rota`) lists
every working day with the members on duty that day (members who have left are skipped).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from . import text, validate
from .activity_common import get_activity_settings, month_range, parse_month
from .audit import log
from .common import full_name, get_row
from .errors import FieldError, InputError
from .schema import DutySlot, Membership, Person, Team

WEEKDAYS = {
    0: ("Thứ Hai", "Monday"),
    1: ("Thứ Ba", "Tuesday"),
    2: ("Thứ Tư", "Wednesday"),
    3: ("Thứ Năm", "Thursday"),
    4: ("Thứ Sáu", "Friday"),
    5: ("Thứ Bảy", "Saturday"),
}

SHIFTS = {
    "ca_ngay": ("Cả ngày", "All day"),
    "sang": ("Sáng", "Morning"),
    "chieu": ("Chiều", "Afternoon"),
}
_SHIFT_ORDER = {s: i for i, s in enumerate(SHIFTS)}


@dataclass(frozen=True)
class DutySlotInput:
    person_id: int
    weekday: Any  # 0 = Monday … 5 = Saturday
    shift: str = "ca_ngay"


@dataclass(frozen=True)
class DutySlotInfo:
    id: int
    person_id: int
    full_name: str
    phone: str
    team_name: str  # the member's current team (the commune-level one first)
    weekday: int
    weekday_label: str
    shift: str
    shift_label: str
    member_until: dt.date | None  # the end of the member's last membership; None: still a member


@dataclass(frozen=True)
class RotaDay:
    date: dt.date
    weekday: int
    weekday_label: str
    slots: tuple[DutySlotInfo, ...]


@dataclass(frozen=True)
class MonthRota:
    month: str
    support_point: str
    days: list[RotaDay]
    weekdays: tuple[int, ...]  # the weekdays with duty (0–4, and 5 when Saturday is on)
    empty_weekdays: tuple[str, ...]  # duty days nobody is assigned to


def _check(slots: list[DutySlotInput], saturday: bool, kept: set[tuple[int, int, str]]) -> list[tuple[int, int, str]]:
    """The slots as (person, weekday, shift); ``kept``: slots already on the rota, which stay even if
    their member has left since (the month's rota skips them from the day after)."""
    errors, out, seen = [], [], {}
    for i, s in enumerate(slots, 1):
        r = validate.check_int(s.weekday, f"Dòng {i}: thứ trong tuần", min=0, max=5)
        p = Person.get_or_none(Person.id == s.person_id)
        if p is None:
            errors.append(FieldError(f"{i}.person_id", f"Dòng {i}: không tìm thấy người (mã {s.person_id})."))
            continue
        who = full_name(p)
        if not r.ok:
            errors.append(FieldError(f"{i}.weekday", r.error))
            continue
        if r.value == 5 and not saturday:
            errors.append(FieldError(f"{i}.weekday", f"Dòng {i} ({who}): lịch trực chưa có thứ Bảy — bật «Trực cả "
                                                     "thứ Bảy» trong cài đặt trước."))
            continue
        if s.shift not in SHIFTS:
            errors.append(FieldError(f"{i}.shift", f"Dòng {i} ({who}): ca «{s.shift}» không hợp lệ (cả ngày, sáng, "
                                                   "chiều)."))
            continue
        if (p.id, r.value, s.shift) not in kept and not Membership.select().where(
                (Membership.person == p.id) & Membership.end_date.is_null()).exists():
            errors.append(FieldError(f"{i}.person_id", f"Dòng {i}: {who} không còn là thành viên tổ nào."))
            continue
        day = WEEKDAYS[r.value][0]
        for other in seen.get((p.id, r.value), []):
            if other == s.shift or "ca_ngay" in (other, s.shift):
                errors.append(FieldError(f"{i}.shift", f"Dòng {i}: {who} đã có ca trực {day} "
                                                       f"({SHIFTS[other][0].lower()})."))
                break
        else:
            seen.setdefault((p.id, r.value), []).append(s.shift)
            out.append((p.id, r.value, s.shift))
    if errors:
        raise InputError(errors)
    return out


def _rota_text(rows) -> str:
    names = {p.id: full_name(p) for p in Person.select().where(Person.id.in_([r[0] for r in rows]))} if rows else {}
    return "; ".join(f"{WEEKDAYS[d][0]} {SHIFTS[s][0].lower()}: {names.get(pid, pid)}"
                     for pid, d, s in sorted(rows, key=lambda r: (r[1], _SHIFT_ORDER[r[2]]))) or "trống"


def set_duty_rota(reg, slots: list[DutySlotInput]) -> list[DutySlotInfo]:
    """Replace the whole rota (all or nothing); errors name the line and the member."""
    saturday = get_activity_settings(reg).saturday
    with reg.read():
        kept = {(d.person_id, d.weekday, d.shift) for d in DutySlot.select()}
        rows = _check(slots, saturday, kept)
    with reg.write():
        old = [(d.person_id, d.weekday, d.shift) for d in DutySlot.select()]
        if sorted(old) != sorted(rows):
            DutySlot.delete().execute()
            if rows:
                DutySlot.insert_many([dict(person=p, weekday=d, shift=s) for p, d, s in rows]).execute()
            log(reg, "sua", "registry", None, "Lịch trực tại điểm hỗ trợ", "", _rota_text(old)[:2000],
                _rota_text(rows)[:2000])
    return list_duty_rota(reg)


def add_duty(reg, slot: DutySlotInput) -> list[DutySlotInfo]:
    current = [DutySlotInput(s.person_id, s.weekday, s.shift) for s in list_duty_rota(reg)]
    return set_duty_rota(reg, current + [slot])


def remove_duty(reg, slot_id: int) -> list[DutySlotInfo]:
    with reg.read():
        get_row(DutySlot, slot_id, "ca trực")
    current = [DutySlotInput(s.person_id, s.weekday, s.shift) for s in list_duty_rota(reg) if s.id != slot_id]
    return set_duty_rota(reg, current)


def list_duty_rota(reg) -> list[DutySlotInfo]:
    with reg.read():
        slots = list(DutySlot.select())
        pids = [s.person_id for s in slots]
        people = {p.id: p for p in Person.select().where(Person.id.in_(pids))} if pids else {}
        teams = {t.id: t for t in Team.select(Team.id, Team.name, Team.level)}
        current: dict[int, tuple] = {}
        ended: dict[int, dt.date] = {}
        for m in Membership.select().where(Membership.person.in_(pids)) if pids else []:
            if m.end_date is None:
                t = teams[m.team_id]
                best = current.get(m.person_id)
                if best is None or (t.level == "xa" and best[0] != "xa"):
                    current[m.person_id] = (t.level, t.name)
            else:
                ended[m.person_id] = max(ended.get(m.person_id, m.end_date), m.end_date)
        out = []
        for s in slots:
            p = people[s.person_id]
            team = current.get(s.person_id)
            out.append(DutySlotInfo(s.id, p.id, full_name(p), validate.format_phone(p.phone) if p.phone else "",
                                    team[1] if team else "", s.weekday, WEEKDAYS[s.weekday][0], s.shift,
                                    SHIFTS[s.shift][0], None if team else ended.get(p.id)))
    out.sort(key=lambda d: (d.weekday, _SHIFT_ORDER[d.shift], text.vn_key(d.full_name)))
    return out


def month_rota(reg, month: Any) -> MonthRota:
    """Every duty day of ``month`` with the members on duty (members who left before that day are
    not listed)."""
    m = parse_month(month)
    start, end = month_range(m)
    settings = get_activity_settings(reg)
    days_on = (0, 1, 2, 3, 4, 5) if settings.saturday else (0, 1, 2, 3, 4)
    slots = list_duty_rota(reg)
    out = []
    d = start
    while d <= end:
        wd = d.weekday()
        if wd in days_on:
            on = tuple(s for s in slots if s.weekday == wd and (s.member_until is None or s.member_until >= d))
            out.append(RotaDay(d, wd, WEEKDAYS[wd][0], on))
        d += dt.timedelta(days=1)
    empty = tuple(WEEKDAYS[wd][0] for wd in days_on if not any(s.weekday == wd for s in slots))
    return MonthRota(m, settings.support_point, out, days_on, empty)

