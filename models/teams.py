"""Teams (tổ CNSCĐ), their founding and re-forming decisions, and memberships
(who is in which team, in which role and category, from when to when)."""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass
from typing import Any

from . import rules, text, validate, vocab
from .audit import apply_changes, log
from .categories import category_by_code
from .common import birth_year, full_name, get_row, today
from .errors import FieldError, InputError
from .schema import Category, Decision, Membership, Person, Setting, Team, Unit
from .units import active_counts_by_team, unit_order


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
        counts = active_counts_by_team()
        out = [_team_info(t, counts) for t in q]
        out.sort(key=lambda t: (0 if t.level == "xa" else 1, unit_order(t.unit_name)))
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
        u = get_row(Unit, unit_id, "đơn vị")
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
        log(reg, "them", "team", t.id, f"Thành lập {name} theo Quyết định {number}")
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
        t = get_row(Team, team_id, "tổ")
        dec = Decision.create(team=t, kind="kien_toan", number=number, date=d,
                              issuer=text.clean(issuer) or _default_issuer(), note=note)
        log(reg, "them", "decision", dec.id, f"Kiện toàn {t.name} theo Quyết định {number}")
        return _decision_info(dec)


def _decision_info(d: Decision) -> DecisionInfo:
    return DecisionInfo(d.id, d.kind, vocab.label(vocab.DECISION_KINDS, d.kind), d.number, d.date, d.issuer, d.note)


def member_info(m: Membership, p: Person, c: Category, trained: set[int]) -> MemberInfo:
    return MemberInfo(m.id, p.id, full_name(p), p.family_name, p.given_name, p.gender, birth_year(p), p.phone,
                      m.role, vocab.label(vocab.ROLES, m.role), c.code, c.name, m.other_positions,
                      m.start_date, m.end_date, m.leave_reason, p.id in trained)


def team_detail(reg, team_id: int, *, year: int | None = None) -> TeamDetail:
    year = year or today().year
    with reg.read():
        t = get_row(Team, team_id, "tổ")
        rows = list(Membership.select(Membership, Person, Category).join(Person).switch(Membership)
                    .join(Category).where(Membership.team == t))
        trained = rules.trained_ids(year, {m.person_id for m in rows})
        active, former = [], []
        for m in rows:
            info = member_info(m, m.person, m.category, trained)
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
        t = get_row(Team, team_id, "tổ")
        p = get_row(Person, person_id, "người")
        c = category_by_code(category)
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
                              start_date=sd or today(), decision=decision_id)
        log(reg, "them", "membership", m.id,
             f"{full_name(p)} vào {t.name} ({vocab.label(vocab.ROLES, role)}, {c.name})")
        return member_info(m, p, c, rules.trained_ids(today().year, [p.id]))


def change_membership(reg, membership_id: int, *, role: str | None = None, category: str | None = None,
                      other_positions: str | None = None) -> MemberInfo:
    with reg.write():
        m = get_row(Membership, membership_id, "tư cách thành viên")
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
            changes["category"] = category_by_code(category)
        if other_positions is not None:
            changes["other_positions"] = other_positions
        apply_changes(reg, m, "membership", f"{full_name(m.person)} trong {m.team.name}", changes)
        return member_info(m, m.person, Category.get_by_id(m.category_id), rules.trained_ids(today().year, [m.person_id]))


def leave_team(reg, membership_id: int, *, end_date: Any = None, reason: str = "") -> MemberInfo:
    reason = text.clean(reason)
    ed = today()
    if end_date not in (None, ""):
        r = validate.parse_date(end_date, field="Ngày rời tổ")
        if not r.ok:
            raise InputError(r.error, "end_date")
        ed = r.value
    if not reason:
        raise InputError("Hãy ghi lý do rời tổ (ví dụ: chuyển công tác, xin thôi).", "reason")
    with reg.write():
        m = get_row(Membership, membership_id, "tư cách thành viên")
        if m.end_date is not None:
            raise InputError("Người này đã rời tổ trước đó.", "membership")
        if m.start_date and ed < m.start_date:
            raise InputError(f"Ngày rời tổ ({text.format_date(ed)}) trước ngày tham gia "
                             f"({text.format_date(m.start_date)}).", "end_date")
        m.end_date = ed
        m.leave_reason = reason
        m.save()
        log(reg, "roi_to", "membership", m.id, f"{full_name(m.person)} rời {m.team.name}: {reason}",
             "end_date", "", ed)
        return member_info(m, m.person, Category.get_by_id(m.category_id), rules.trained_ids(today().year, [m.person_id]))
