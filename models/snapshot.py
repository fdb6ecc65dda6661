"""A commune's snapshot for a reporting period: what a hand-off package carries to the province.

    snap = build_snapshot(reg, "2026-H2", day=dt.date(2026, 12, 10))                 # full (``day_du``)
    snap = build_snapshot(reg, "2026-H2", counts_only=True)                            # ``so_lieu``
    data = snapshot_bytes(snap)          # canonical JSON (UTF-8): what the manifest's SHA-256 covers
    tot = totals(snap)                   # the counts, computed from the rows (or carried, counts-only)

**As of the period's end**: the state on ``as_of`` = the period's last day, or the package's
day when that is earlier (a report due on 15/12 for the second half year): units and teams
active then, memberships running on that day, decisions, equipment and needs dated by then,
courses of the period's year held by then and their attendance, the villages' denominators for
that year (carried forward from an earlier year where not set), and the teams' tallies from
January to ``as_of`` (year-to-date, for the targets; the period's own months are summed apart).

A **full** snapshot (``rows``) holds the rows — units, teams, decisions, people (name, gender,
birth, phone, CCCD, village; never the notes), memberships, courses, attendance, equipment,
needs, denominators, activities with their counts (the members who took part only as a number).
A **counts-only** snapshot (``totals``) holds the aggregate tables and no personal data: no
names, phones, ID numbers, decisions or free-text needs. The receiver computes the totals of a
full snapshot from its rows itself (:func:`totals`), so both kinds roll up the same way.

Every table is a list of lists (compact JSON); :func:`check_snapshot` checks an incoming one
cell by cell before anything reads it.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from collections import Counter
from dataclasses import dataclass
from typing import Any

from . import text
from .common import today
from .errors import InputError, NotFoundError
from .schema import (Activity, ActivityCount, Attendance, Category, Course, Decision, Equipment, EquipmentNeed,
                     Membership, Person, Team, Unit)

FORMAT = "cnscd-snapshot"
VERSION = 1
FULL, COUNTS = "day_du", "so_lieu"
KIND_LABELS = {FULL: "đầy đủ", COUNTS: "chỉ số liệu"}

SERVICES = ("TK_DVC", "HO_SO", "VNEID", "KDTM", "CKS", "TMDT", "APP_TINH", "LUA_DAO")  # activity_common.SERVICES
DENOMINATOR_FIELDS = ("households", "residents", "working_age", "businesses", "dossiers")


# ---------------------------------------------------------------------------
# Periods (the same codes as exports.layout.parse_period)
# ---------------------------------------------------------------------------
@dataclass(frozen=True)
class Span:
    code: str  # 2026-Q2 | 2026-H1 | 2026-H2 | 2026
    start: dt.date
    end: dt.date

    @property
    def year(self) -> int:
        return self.start.year


def period_span(code: Any) -> Span:
    """"2026-Q2", "2026-H1", "2026-H2" or "2026"; anything else is an InputError."""
    c = text.clean(code).upper().replace(" ", "")
    m = re.fullmatch(r"(\d{4})(?:-(Q[1-4]|H[12]))?", c)
    if not m or not 2000 <= int(m.group(1)) <= 2100:
        raise InputError(f"Kỳ báo cáo «{text.clean(code)}» không hợp lệ; ghi ví dụ 2026-H2 (6 tháng cuối năm), "
                         "2026-H1, 2026-Q2 (quý) hoặc 2026 (cả năm).", "period")
    y, part = int(m.group(1)), m.group(2)
    if part is None:
        return Span(c, dt.date(y, 1, 1), dt.date(y, 12, 31))
    n = int(part[1])
    first, last = (3 * n - 2, 3 * n) if part[0] == "Q" else (6 * n - 5, 6 * n)
    end = dt.date(y, 12, 31) if last == 12 else dt.date(y, last + 1, 1) - dt.timedelta(days=1)
    return Span(c, dt.date(y, first, 1), end)


def _iso(v: Any) -> str | None:
    if v is None or v == "":
        return None
    if isinstance(v, (dt.date, dt.datetime)):
        return v.isoformat()[:10]
    return str(v)[:10]


def label(kind: str, name: str) -> str:
    return f"{kind[:1].upper()}{kind[1:]} {name}".strip() if kind else name


# ---------------------------------------------------------------------------
# Which commune, and how the province recognises it
# ---------------------------------------------------------------------------
def unit_key(unit: dict) -> str:
    """The commune's key at the province: its official code (mã ĐVHC) when it has one, else its
    district (if any), kind and name without accents: «ma:26734», «ten:phuong-tran-hung-dao»."""
    code = re.sub(r"[^0-9A-Za-z]", "", str(unit.get("code") or ""))
    if code:
        return f"ma:{code}"[:80]
    words = " ".join(str(unit.get(k) or "") for k in ("district", "kind", "name"))
    return ("ten:" + "-".join(re.split(r"[^0-9a-z]+", text.fold(words))).strip("-"))[:80]


def _commune(commune_id: int | None) -> Unit:
    q = Unit.select().where(Unit.level == "xa")
    if commune_id is not None:
        q = q.where(Unit.id == commune_id)
    else:
        if q.count() > 1:
            raise InputError("Sổ này có nhiều xã/phường; gói báo cáo chỉ lập cho một xã (chọn xã).", "commune")
    u = q.order_by(Unit.id).first()
    if u is None:
        raise NotFoundError("Sổ chưa có xã/phường nào nên chưa lập được gói báo cáo.")
    return u


def _unit_descriptor(commune: Unit) -> dict:
    chain = []
    p = commune.parent
    while p is not None and len(chain) < 5:
        chain.append(p)
        p = p.parent
    province = next((u for u in chain if u.level == "tinh"), None)
    district = next((u for u in chain if u.level == "huyen"), None)
    return {"name": commune.name, "kind": commune.kind, "code": commune.code or "",
            "province": province.name if province else "", "province_kind": province.kind if province else "",
            "district": district.name if district else "", "district_kind": district.kind if district else ""}


# ---------------------------------------------------------------------------
# Building a snapshot
# ---------------------------------------------------------------------------
def build_snapshot(reg, period: Any, *, commune_id: int | None = None, counts_only: bool = False,
                   day: dt.date | None = None, created_at: dt.datetime | None = None) -> dict:
    """The snapshot of one commune for ``period`` as of its end (or ``day``, when earlier).

    ``commune_id``: which commune (needed only when the registry holds several, e.g. the province
    demo writing its communes' packages)."""
    span = period_span(period)
    day = day or today()
    as_of = min(span.end, day)
    if as_of < span.start:
        raise InputError(f"Kỳ {span.code} bắt đầu ngày {text.format_date(span.start)}, sau ngày lập gói "
                         f"{text.format_date(day)}: chưa có số liệu để gửi.", "period")
    created_at = (created_at or dt.datetime.combine(day, dt.datetime.now().time())).replace(microsecond=0)
    with reg.read():
        commune = _commune(commune_id)
        single = Unit.select().where(Unit.level == "xa").count() == 1
        rows = _rows(commune, span, as_of, all_courses=single)
        cats = [[c, n] for c, n in Category.select(Category.code, Category.name).order_by(Category.sort_order,
                                                                                          Category.id).tuples()]
        unit = _unit_descriptor(commune)
    snap = {"format": FORMAT, "version": VERSION, "kind": COUNTS if counts_only else FULL, "unit": unit,
            "unit_key": unit_key(unit),
            "period": {"code": span.code, "start": span.start.isoformat(), "end": span.end.isoformat(),
                       "as_of": as_of.isoformat()},
            "created_at": created_at.isoformat(), "categories": cats}
    if counts_only:
        snap["totals"] = _totals(rows, snap["period"], cats)
    else:
        snap["rows"] = rows
    return snap


def snapshot_bytes(snap: dict) -> bytes:
    """Canonical JSON (sorted keys, no spaces, UTF-8): the exact bytes a package carries."""
    return json.dumps(snap, ensure_ascii=False, sort_keys=True, separators=(",", ":")).encode("utf-8")


def _rows(commune: Unit, span: Span, as_of: dt.date, *, all_courses: bool) -> dict[str, list]:
    units = [[commune.id, "xa", commune.kind, commune.name, commune.former_unit or "", commune.sort_order]]
    units += [list(r) for r in Unit.select(Unit.id, Unit.level, Unit.kind, Unit.name, Unit.former_unit,
                                           Unit.sort_order)
              .where((Unit.parent == commune) & (Unit.level == "thon") & (Unit.active == True))  # noqa: E712
              .order_by(Unit.sort_order, Unit.id).tuples()]
    unit_ids = [u[0] for u in units]
    teams = [[t[0], t[1], t[2], t[3], _iso(t[4])] for t in
             Team.select(Team.id, Team.unit, Team.level, Team.name, Team.founded_on)
             .where(Team.unit.in_(unit_ids) & (Team.active == True)).order_by(Team.id).tuples()  # noqa: E712
             if t[4] is None or _iso(t[4]) <= as_of.isoformat()]
    team_ids = [t[0] for t in teams]
    out: dict[str, list] = {"units": units, "teams": teams}
    out["decisions"] = [[d[0], d[1], d[2], d[3], _iso(d[4]), d[5]] for d in
                        Decision.select(Decision.id, Decision.team, Decision.kind, Decision.number, Decision.date,
                                        Decision.issuer)
                        .where(Decision.team.in_(team_ids)).order_by(Decision.id).tuples()
                        if d[4] is None or _iso(d[4]) <= as_of.isoformat()]
    out["people"], out["memberships"] = _people(team_ids, as_of)
    out["courses"], out["attendance"] = _training(span, as_of, {p[0] for p in out["people"]}, all_courses)
    out["equipment"], out["needs"] = _equipment(unit_ids, as_of)
    out["denominators"] = _denominators(span.year, [u for u in units if u[1] == "thon"])
    out["activities"] = _activities(team_ids, span, as_of)
    return out


def _people(team_ids: list[int], as_of: dt.date) -> tuple[list, list]:
    day = as_of.isoformat()
    ms = []
    for pid, tid, role, code, other, start, end, dec in (
            Membership.select(Membership.person, Membership.team, Membership.role, Category.code,
                              Membership.other_positions, Membership.start_date, Membership.end_date,
                              Membership.decision)
            .join(Category).where(Membership.team.in_(team_ids)).order_by(Membership.id).tuples()):
        if (start is not None and _iso(start) > day) or (end is not None and _iso(end) <= day):
            continue  # not yet a member, or already left, on that day
        ms.append([pid, tid, role, code, other or "", _iso(start), dec])
    ids = sorted({m[0] for m in ms})
    people = []
    for i in range(0, len(ids), 500):
        people += [[p[0], p[1], p[2], p[3], _iso(p[4]), p[5], p[6] or "", p[7] or "", p[8]] for p in
                   Person.select(Person.id, Person.family_name, Person.given_name, Person.gender, Person.birth_date,
                                 Person.birth_year, Person.phone, Person.cccd, Person.village)
                   .where(Person.id.in_(ids[i:i + 500])).tuples()]
    people.sort(key=lambda p: p[0])
    return people, ms


def _training(span: Span, as_of: dt.date, people: set[int], all_courses: bool) -> tuple[list, list]:
    start = dt.date(span.year, 1, 1)
    courses = {c[0]: [c[0], c[1], _iso(c[2]), _iso(c[3]), c[4], c[5], float(c[6] or 0), c[7]] for c in
               Course.select(Course.id, Course.title, Course.start_date, Course.end_date, Course.organiser,
                             Course.form, Course.hours, Course.topics)
               .where((Course.start_date >= start) & (Course.start_date <= as_of)).order_by(Course.id).tuples()}
    att = [[cid, pid] for cid, pid in Attendance.select(Attendance.course, Attendance.person)
           .where(Attendance.course.in_(list(courses) or [-1])).order_by(Attendance.course, Attendance.person)
           .tuples() if pid in people]
    used = {a[0] for a in att}
    return [c for cid, c in courses.items() if all_courses or cid in used], att


def _equipment(unit_ids: list[int], as_of: dt.date) -> tuple[list, list]:
    day = as_of.isoformat()
    eq = [[e[0], e[1] or "", e[2], e[3] or "", int(e[4] or 0), e[5], e[6], _iso(e[7]), int(e[8] or 0)] for e in
          Equipment.select(Equipment.unit, Equipment.place, Equipment.kind, Equipment.description, Equipment.quantity,
                           Equipment.condition, Equipment.funding, Equipment.acquired_on, Equipment.value)
          .where(Equipment.unit.in_(unit_ids)).order_by(Equipment.id).tuples()
          if e[7] is None or _iso(e[7]) <= day]
    needs = [[n[0], n[1], n[2] or "", int(n[3] or 0), int(n[4] or 0), n[5] or "", _iso(n[6]), n[7]] for n in
             EquipmentNeed.select(EquipmentNeed.unit, EquipmentNeed.kind, EquipmentNeed.description,
                                  EquipmentNeed.quantity, EquipmentNeed.estimated_value, EquipmentNeed.reason,
                                  EquipmentNeed.proposed_on, EquipmentNeed.status)
             .where(EquipmentNeed.unit.in_(unit_ids)).order_by(EquipmentNeed.id).tuples()
             if n[6] is None or _iso(n[6]) <= day]
    return eq, needs


def _denominators(year: int, villages: list[list]) -> list[list]:
    from .activity_common import UnitRow
    from .denominators import denominators_for

    rows = [UnitRow(v[0], None, "thon", v[2], v[3], v[4], v[5], True) for v in villages]
    found = denominators_for(year, rows)
    return [[v[0], year] + [found[v[0]].get(f) for f in DENOMINATOR_FIELDS] for v in villages]


def _activities(team_ids: list[int], span: Span, as_of: dt.date) -> list[list]:
    first, last = f"{span.year}-01", as_of.isoformat()[:7]
    acts = {}
    for aid, tid, uid, month, day, kinds, members, needs, source in (
            Activity.select(Activity.id, Activity.team, Activity.unit, Activity.month, Activity.day, Activity.kinds,
                            Activity.members, Activity.needs, Activity.source)
            .where(Activity.team.in_(team_ids) & (Activity.month >= first) & (Activity.month <= last))
            .order_by(Activity.id).tuples()):
        if day is not None and _iso(day) > as_of.isoformat():
            continue
        n_members = len([m for m in (members or "").split(";") if m.strip()])
        acts[aid] = [tid, uid, month, _iso(day), kinds or "", n_members, needs or "", source, []]
    ids = list(acts)
    for i in range(0, len(ids), 500):
        for aid, svc, p, h, pr, b in (ActivityCount.select(ActivityCount.activity, ActivityCount.service,
                                                           ActivityCount.people, ActivityCount.households,
                                                           ActivityCount.priority, ActivityCount.businesses)
                                      .where(ActivityCount.activity.in_(ids[i:i + 500])).tuples()):
            acts[aid][8].append([svc, int(p or 0), int(h or 0), int(pr or 0), int(b or 0)])
    for a in acts.values():
        a[8].sort()
    return list(acts.values())


# ---------------------------------------------------------------------------
# Totals: the counts the province rolls up (computed from the rows)
# ---------------------------------------------------------------------------
def totals(snap: dict) -> dict:
    """The aggregate tables of a snapshot: carried as they are by a counts-only one, computed from
    the rows of a full one."""
    if snap.get("kind") == COUNTS:
        return snap["totals"]
    return _totals(snap["rows"], snap["period"], snap.get("categories") or [])


def _totals(rows: dict, period: dict, categories: list) -> dict:
    units = {u[0]: u for u in rows["units"]}
    villages = [u for u in rows["units"] if u[1] == "thon"]
    teams = {t[0]: t for t in rows["teams"]}
    ms = [m for m in rows["memberships"] if m[1] in teams]
    size = Counter(m[1] for m in ms)
    by_village = {v[0]: [v[0], label(v[2], v[3]), 0, 0] for v in villages}
    commune_teams = []
    for t in teams.values():
        if t[2] == "thon" and t[1] in by_village:
            by_village[t[1]][2] += 1
            by_village[t[1]][3] += size[t[0]]
        else:
            commune_teams.append([t[3], size[t[0]]])
    active = {m[0] for m in ms}
    out = {
        "villages": list(by_village.values()),  # [id, label, village teams, their members]
        "commune_teams": commune_teams,  # [name, members]
        "members": len(ms), "people": len(active),
        "composition": dict(sorted(Counter(m[3] for m in ms).items())),
        "category_names": {c: n for c, n in categories},
    }
    out["training"] = _training_totals(rows, period, teams, units, ms)
    out["equipment"] = _equipment_totals(rows)
    out["denominators"] = _denominator_totals(rows)
    out["activities"] = _activity_totals(rows, period)
    return out


def _training_totals(rows: dict, period: dict, teams: dict, units: dict, ms: list) -> dict:
    courses = {c[0]: c for c in rows["courses"]}
    attendees = Counter(a[0] for a in rows["attendance"])
    trained = {a[1] for a in rows["attendance"] if a[0] in courses}
    in_period = [c for c in rows["courses"] if period["start"] <= (c[2] or "") <= period["as_of"]]
    per_team = {}
    for m in ms:
        t = teams[m[1]]
        row = per_team.setdefault(t[0], [t[3], label(units[t[1]][2], units[t[1]][3]) if t[1] in units else "", 0, 0])
        row[2] += 1
        row[3] += m[0] in trained
    active = {m[0] for m in ms}
    return {"year": int(period["as_of"][:4]),
            "courses": [[c[1], c[2], c[3], c[4], c[5], c[6], attendees[c[0]]] for c in in_period],
            "teams": list(per_team.values()),  # [team, unit, members, trained this year]
            "active_people": len(active), "trained_people": len(active & trained)}


def _equipment_totals(rows: dict) -> dict:
    by_kind: dict[str, list[int]] = {}
    for e in rows["equipment"]:
        k = by_kind.setdefault(e[2], [0, 0, 0, 0])  # items, quantity, value, needing repair
        k[0] += 1
        k[1] += e[4]
        k[2] += e[8]
        k[3] += e[5] != "tot"
    needs = [n for n in rows["needs"] if n[7] == "de_xuat"]
    return {"by_kind": dict(sorted(by_kind.items())),
            "needs": [len(needs), sum(n[3] for n in needs), sum(n[4] for n in needs)]}


def _denominator_totals(rows: dict) -> dict:
    out: dict[str, list] = {}
    for i, f in enumerate(DENOMINATOR_FIELDS):
        known = [r[2 + i] for r in rows["denominators"] if r[2 + i] is not None]
        out[f] = [sum(known), len(known), len(rows["denominators"])]  # sum, villages known, villages
    return out


def _activity_totals(rows: dict, period: dict) -> dict:
    first, last = period["start"][:7], period["as_of"][:7]
    services: dict[str, list[int]] = {}
    ytd: dict[str, list[int]] = {}
    kinds: Counter = Counter()
    for a in rows["activities"]:
        inside = first <= a[2] <= last
        for svc, *vals in a[8]:
            for target in ((services, ytd) if inside else (ytd,)):
                s = target.setdefault(svc, [0, 0, 0, 0])
                for j, v in enumerate(vals):
                    s[j] += v
        if inside:
            for part in (a[4] or "").split(";"):
                code, _, n = part.partition(":")
                if code and (n.isascii() and n.isdigit()):
                    kinds[code] += int(n)
    return {"months": [first, last], "services": dict(sorted(services.items())),
            "year_to_date": dict(sorted(ytd.items())), "kinds": dict(sorted(kinds.items()))}


# ---------------------------------------------------------------------------
# Checking a snapshot that came from outside
# ---------------------------------------------------------------------------
# Cell types: i int · n int or null · s text · d date text or null · f number · k list of counts
ROW_SPECS = {
    "units": "issssi",  # id, level (xa|thon), kind, name, former unit, order
    "teams": "iissd",  # id, unit, level, name, founded on
    "decisions": "iissds",  # id, team, kind, number, date, issuer
    "people": "isssdnssn",  # id, family+middle name, given name, gender, birth date, birth year, phone, CCCD, village
    "memberships": "iisssdn",  # person, team, role, category code, other positions, start, decision
    "courses": "isddssfs",  # id, title, start, end, organiser, form, hours, topics
    "attendance": "ii",  # course, person
    "equipment": "isssissdi",  # unit, place, kind, description, quantity, condition, funding, acquired on, value
    "needs": "issiisds",  # unit, kind, description, quantity, estimated value, reason, proposed on, status
    "denominators": "iinnnnn",  # village, year, households, residents, working age, businesses, dossiers
    "activities": "iisdsissk",  # team, unit, month, day, kinds, members who took part, needs, source, counts
}


class BadSnapshot(ValueError):
    """An incoming snapshot does not have the expected shape (the message says where)."""


def _cell_ok(t: str, v: Any) -> bool:
    if t == "i":
        return isinstance(v, int) and not isinstance(v, bool)
    if t == "n":
        return v is None or (isinstance(v, int) and not isinstance(v, bool))
    if t == "s":
        return isinstance(v, str) and len(v) <= 20000
    if t == "d":
        return v is None or (isinstance(v, str) and re.fullmatch(r"\d{4}-\d{2}-\d{2}", v) is not None)
    if t == "f":
        return isinstance(v, (int, float)) and not isinstance(v, bool)
    return isinstance(v, list) and all(isinstance(c, list) and len(c) == 5 and isinstance(c[0], str)
                                       and all(isinstance(x, int) and not isinstance(x, bool) for x in c[1:])
                                       for c in v)


def check_snapshot(snap: Any) -> dict:
    """``snap`` if it has the shape :func:`build_snapshot` makes; :class:`BadSnapshot` otherwise."""
    try:
        return _check(snap)
    except (TypeError, KeyError, AttributeError, IndexError) as exc:  # a shape no check above foresaw
        raise BadSnapshot(f"cấu trúc không đúng ({type(exc).__name__})") from None


def _check(snap: Any) -> dict:
    if not isinstance(snap, dict) or snap.get("format") != FORMAT:
        raise BadSnapshot("không phải ảnh chụp số liệu Sổ Tổ CNSCĐ")
    if snap.get("version") != VERSION:
        raise BadSnapshot(f"phiên bản {snap.get('version')!r} chưa được hỗ trợ (cần {VERSION})")
    unit, per = snap.get("unit"), snap.get("period")
    if not isinstance(unit, dict) or not all(isinstance(unit.get(k), str) for k in ("name", "kind", "code",
                                                                                   "province", "district")):
        raise BadSnapshot("thiếu thông tin đơn vị gửi")
    if not unit["name"].strip() or snap.get("unit_key") != unit_key(unit):
        raise BadSnapshot("thông tin đơn vị gửi không khớp")
    if not isinstance(per, dict) or not all(_cell_ok("d", per.get(k)) and per.get(k)
                                            for k in ("start", "end", "as_of")):
        raise BadSnapshot("thiếu kỳ báo cáo")
    try:
        span = period_span(str(per.get("code")))
        if dt.datetime.fromisoformat(str(snap.get("created_at"))).tzinfo is not None:
            raise ValueError("tz")
    except (InputError, ValueError):
        raise BadSnapshot("kỳ báo cáo hoặc ngày lập gói không đúng") from None
    if (span.start.isoformat(), span.end.isoformat()) != (per["start"], per["end"]) or \
            not per["start"] <= per["as_of"] <= per["end"]:
        raise BadSnapshot("kỳ báo cáo không khớp ngày bắt đầu/kết thúc")
    cats = snap.get("categories")
    if not isinstance(cats, list) or not all(isinstance(c, list) and len(c) == 2 and all(isinstance(x, str) for x in c)
                                             for c in cats):
        raise BadSnapshot("danh mục thành phần không đúng")
    if snap.get("kind") == FULL:
        _check_rows(snap.get("rows"))
    elif snap.get("kind") == COUNTS:
        _check_totals(snap.get("totals"))
    else:
        raise BadSnapshot(f"loại gói {snap.get('kind')!r} không rõ")
    return snap


def _check_rows(rows: Any) -> None:
    if not isinstance(rows, dict) or set(rows) != set(ROW_SPECS):
        raise BadSnapshot("thiếu hoặc thừa bảng số liệu")
    for name, spec in ROW_SPECS.items():
        table = rows[name]
        if not isinstance(table, list):
            raise BadSnapshot(f"bảng «{name}» không phải danh sách")
        for i, row in enumerate(table):
            if not isinstance(row, list) or len(row) != len(spec) or not all(map(_cell_ok, spec, row)):
                raise BadSnapshot(f"dòng {i + 1} của bảng «{name}» không đúng")
    if sum(1 for u in rows["units"] if u[1] == "xa") != 1 or any(u[1] not in ("xa", "thon") for u in rows["units"]):
        raise BadSnapshot("bảng đơn vị phải có đúng một xã/phường và các thôn của nó")
    teams = {t[0] for t in rows["teams"]}
    if any(m[1] not in teams for m in rows["memberships"]):
        raise BadSnapshot("có thành viên thuộc tổ không có trong gói")


def _is_count(v: Any) -> bool:
    return isinstance(v, int) and not isinstance(v, bool) and 0 <= v <= 10**12


def _check_totals(tot: Any) -> None:
    need = {"villages", "commune_teams", "members", "people", "composition", "category_names", "training",
            "equipment", "denominators", "activities"}
    if not isinstance(tot, dict) or not need <= set(tot):
        raise BadSnapshot("thiếu bảng tổng hợp")
    ok = (all(isinstance(v, list) and len(v) == 4 and isinstance(v[1], str) and all(map(_is_count, v[2:]))
              for v in tot["villages"])
          and all(isinstance(t, list) and len(t) == 2 and isinstance(t[0], str) and _is_count(t[1])
                  for t in tot["commune_teams"])
          and _is_count(tot["members"]) and _is_count(tot["people"])
          and isinstance(tot["composition"], dict) and all(map(_is_count, tot["composition"].values()))
          and isinstance(tot["category_names"], dict))
    tr, eq, de, ac = tot["training"], tot["equipment"], tot["denominators"], tot["activities"]
    ok = ok and isinstance(tr, dict) and all(_is_count(tr.get(k)) for k in ("year", "active_people", "trained_people"))
    ok = ok and all(isinstance(t, list) and len(t) == 4 and all(map(_is_count, t[2:])) for t in tr.get("teams", [None]))
    ok = ok and all(isinstance(c, list) and len(c) == 7 and _is_count(c[6]) for c in tr.get("courses", [None]))
    ok = ok and isinstance(eq, dict) and isinstance(eq.get("by_kind"), dict) and all(
        isinstance(v, list) and len(v) == 4 and all(map(_is_count, v)) for v in eq["by_kind"].values())
    ok = ok and isinstance(eq.get("needs"), list) and len(eq["needs"]) == 3 and all(map(_is_count, eq["needs"]))
    ok = ok and isinstance(de, dict) and all(isinstance(de.get(f), list) and len(de[f]) == 3
                                             and all(map(_is_count, de[f])) for f in DENOMINATOR_FIELDS)
    ok = ok and isinstance(ac, dict) and all(
        isinstance(ac.get(k), dict) and all(isinstance(v, list) and len(v) == 4 and all(map(_is_count, v))
                                            for v in ac[k].values()) for k in ("services", "year_to_date"))
    ok = ok and isinstance(ac.get("kinds"), dict) and all(map(_is_count, ac["kinds"].values()))
    if not ok:
        raise BadSnapshot("bảng tổng hợp không đúng cấu trúc")
