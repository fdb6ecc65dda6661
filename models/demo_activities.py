"""The demo registries' year of work: denominators, monthly tallies, the duty rota.

Figures are made up but shaped by the documents: the Trần Hưng Đạo report's 35.932
residents spread over its 28 residential groups; door-to-door work, village meetings and
loudspeaker/Zalo communication as in the Bắc Thanh Miện plan and the Duy Tiên plan; about
60% of dossiers filed online, as in the Thuận Thành report; the Quảng Nam assessment's
province app («Smart Quảng Nam»). Villages differ in how active their team is, so some
reach the plans' targets and some are behind (Tổ dân phố Đông Lợi clearly so); one village
has no household count yet, and a few teams never ran online-fraud guidance.

Rows go in with ``executemany`` on the registry's connection, inside the caller's
``reg.write()`` — a province's 1.238 teams × 12 months × 8 services take well under a second.
"""

from __future__ import annotations

import datetime as dt
import random

from .activity_common import SERVICE_ORDER, active_villages, write_setting
from .schema import Activity, Membership, Team, VillageStat

# service → (share of the village's households reached over a year at full activity,
#            people per household reached, share of them elderly or vulnerable)
SERVICE_SHAPE = {
    "TK_DVC": (0.62, 1.25, 0.22),
    "HO_SO": (0.40, 1.20, 0.25),
    "VNEID": (0.78, 1.35, 0.30),
    "KDTM": (0.40, 1.15, 0.12),
    "CKS": (0.05, 1.00, 0.05),
    "TMDT": (0.03, 1.00, 0.02),
    "APP_TINH": (0.45, 1.30, 0.20),
    "LUA_DAO": (0.70, 2.60, 0.35),
}

NEEDS = [
    "Nhiều người cao tuổi chưa có điện thoại thông minh, cần hướng dẫn tại nhà.",
    "Sóng 4G yếu ở cuối xóm, khó thao tác kích hoạt VNeID.",
    "Người dân quên mật khẩu tài khoản định danh điện tử, cần hỗ trợ khôi phục.",
    "Đề nghị trang bị máy scan tại nhà văn hóa để scan giấy tờ khi nộp hồ sơ trực tuyến.",
    "Hộ kinh doanh ở chợ lo ngại phí khi nhận thanh toán qua mã QR.",
    "Một số người dân nhận tin nhắn giả mạo cơ quan công an, cần tuyên truyền thêm.",
    "Người dân mong có video hướng dẫn ngắn gửi qua nhóm Zalo của thôn.",
    "Cổng dịch vụ công chậm vào giờ cao điểm buổi sáng.",
]

KIND_SESSIONS = {"den_tung_ho": (2, 8), "hop_thon": (0, 2), "truyen_thong": (0, 4), "tai_diem": (0, 3)}


def _months(last: str, n: int = 12) -> list[str]:
    y, m = int(last[:4]), int(last[5:7])
    out = []
    for _ in range(n):
        out.append(f"{y:04d}-{m:02d}")
        y, m = (y - 1, 12) if m == 1 else (y, m - 1)
    return out[::-1]


def _denominators(rng: random.Random, year: int, villages, *, residents_total: int | None,
                  no_households: set[int]) -> dict[int, dict]:
    """Each village's figures; the residents add up to ``residents_total`` when given."""
    weights = [rng.randint(70, 130) for _ in villages]
    if residents_total:
        s = sum(weights)
        residents = [residents_total * w // s for w in weights]
        residents[0] += residents_total - sum(residents)
    else:
        residents = [w * rng.randint(9, 15) for w in weights]
    rows, out = [], {}
    for v, r in zip(villages, residents, strict=True):
        urban = v.kind in ("tổ dân phố", "khu dân cư")
        h = round(r / rng.uniform(3.3, 3.9))
        d = dict(unit=v.id, year=year, residents=r, households=h, working_age=round(r * rng.uniform(0.58, 0.66)),
                 businesses=round(h * (rng.uniform(0.10, 0.18) if urban else rng.uniform(0.04, 0.09))),
                 dossiers=round(h * rng.uniform(0.45, 0.7)), note="")
        if v.id in no_households:
            d.update(households=None, working_age=None, businesses=None, dossiers=None)
        rows.append(d)
        out[v.id] = d
    for i in range(0, len(rows), 500):
        VillageStat.insert_many(rows[i:i + 500]).execute()
    return out


def _members_by_team() -> dict[int, list[tuple[int, dt.date | None, dt.date | None]]]:
    out: dict[int, list] = {}
    for pid, tid, start, end in Membership.select(Membership.person, Membership.team, Membership.start_date,
                                                  Membership.end_date).tuples():
        out.setdefault(tid, []).append((pid, start, end))
    return out


def _month_bounds(month: str) -> tuple[dt.date, dt.date]:
    y, m = int(month[:4]), int(month[5:7])
    return dt.date(y, m, 1), dt.date(y + (m == 12), m % 12 + 1, 1) - dt.timedelta(days=1)


class _Writer:
    """Collects activity and count rows, with ids assigned here, for two executemany calls."""

    def __init__(self, conn):
        self.conn = conn
        self.next_id = (Activity.select(Activity.id).order_by(Activity.id.desc()).scalar() or 0) + 1
        self.acts: list[tuple] = []
        self.counts: list[tuple] = []

    def add(self, team_id, unit_id, month, day, kinds, members, needs, source, counts) -> None:
        aid = self.next_id
        self.next_id += 1
        self.acts.append((aid, team_id, unit_id, month, day.isoformat() if day else None, kinds, members, needs,
                          source, ""))
        self.counts.extend((aid, *c) for c in counts)
        if len(self.counts) >= 200_000:  # a 16× province has 1,9 million counts: not all in lists at once
            self.flush()

    def flush(self) -> None:
        self.conn.executemany('INSERT INTO "activity" ("id", "team_id", "unit_id", "month", "day", "kinds", '
                              '"members", "needs", "source", "note") VALUES (?,?,?,?,?,?,?,?,?,?)', self.acts)
        self.conn.executemany('INSERT INTO "activity_count" ("activity_id", "service", "people", "households", '
                              '"priority", "businesses") VALUES (?,?,?,?,?,?)', self.counts)
        self.acts, self.counts = [], []


def _team_month(rng: random.Random, level: float, den: dict, months_in_year: int, no_fraud: bool,
                all_services: bool) -> list[tuple]:
    h = den.get("households") or 300
    b = den.get("businesses") or round(h * 0.08)
    scale = h * level / months_in_year
    r = rng.random
    counts = []
    for svc in SERVICE_ORDER:
        share, per_house, prio = SERVICE_SHAPE[svc]
        if svc == "LUA_DAO" and no_fraud:
            continue
        hh = round(scale * share * (0.6 + 0.8 * r()))
        if hh <= 0:
            if not all_services:
                continue
            hh = 1
        people = max(hh, round(hh * per_house * (0.9 + 0.2 * r())))
        biz = 0
        if svc == "KDTM":
            biz = min(hh, round(b * 0.95 * level / months_in_year * (0.7 + 0.6 * r())))
        elif svc == "TMDT":
            biz = round(hh * 0.7)
        counts.append((svc, people, hh, round(people * prio * (0.8 + 0.4 * r())), biz))
    return counts


def _kinds(rng: random.Random) -> str:
    parts = []
    for k, (lo, hi) in KIND_SESSIONS.items():
        n = lo + int((hi - lo + 1) * rng.random())
        if n:
            parts.append(f"{k}:{n}")
    return ";".join(parts)


def _members(rng: random.Random, members, month: str) -> str:
    """Two to five of the members of the team that month, from a random one on."""
    start, end = _month_bounds(month)
    on = [pid for pid, s, e in members if (s is None or s <= end) and (e is None or e >= start)]
    if not on:
        return ""
    k = min(len(on), 2 + int(4 * rng.random()))
    i = int(len(on) * rng.random())
    return ";".join(str(p) for p in sorted((on[i:] + on[:i])[:k]))


def add_year_of_work(reg, rng: random.Random, *, last_month: str = "2026-11", residents_total: int | None = None,
                     low: dict[str, float] | None = None, missing_households: int = 0,
                     no_households: tuple[str, ...] = (), no_fraud_teams: int = 3,
                     all_services: bool = False, every_month: bool = False, needs_share: float = 0.15) -> None:
    """Denominators for the last month's year and 12 months of tallies for every active team.
    ``low``: village name → activity level (e.g. {"Đông Lợi": 0.5}); ``no_households`` (names) or
    ``missing_households`` (how many, drawn at random): villages whose household count is not known yet;
    ``all_services``/``every_month``: every team reports every service every month (the province demo is
    also the performance case: 1.238 teams × 12 months × 8 services). Call inside ``reg.write()``."""
    year = int(last_month[:4])
    months = _months(last_month)
    villages = active_villages()
    unknown = {v.id for v in rng.sample(villages, missing_households)} if missing_households else set()
    unknown |= {v.id for v in villages if v.name in no_households}
    dens = _denominators(rng, year, villages, residents_total=residents_total, no_households=unknown)
    levels = {v.id: (low or {}).get(v.name, rng.uniform(0.55, 1.2)) for v in villages}
    teams = list(Team.select().where(Team.active == True).order_by(Team.id))  # noqa: E712
    village_teams = [t for t in teams if t.level == "thon"]
    no_fraud = {t.id for t in rng.sample(village_teams, min(no_fraud_teams, len(village_teams)))}
    members = _members_by_team()
    w = _Writer(reg.conn)
    commune_den = {"households": sum((d["households"] or 0) for d in dens.values()) // max(1, len(
        {v.parent_id for v in villages})), "businesses": 0}
    for t in teams:
        den = dens.get(t.unit_id) or commune_den
        # a commune-level team works at the support point: fewer households, every month
        level = levels.get(t.unit_id, 0.08)
        report_p = 1.0 if t.level == "xa" or every_month else 0.95 if level > 0.6 else 0.8
        for month in months:
            if rng.random() > report_p:
                continue
            needs = rng.choice(NEEDS) if rng.random() < needs_share else ""
            kinds = _kinds(rng)
            if t.level == "xa":
                kinds = f"tai_diem:{rng.randint(2, 6)};ca_truc:{rng.randint(18, 22)}"
            counts = _team_month(rng, level, den, 12, t.id in no_fraud, all_services)
            w.add(t.id, t.unit_id, month, None, kinds, _members(rng, members.get(t.id, []), month), needs,
                  "phieu" if rng.random() < 0.85 else "luoi", counts)
    w.flush()


def add_meetings(reg, rng: random.Random, dates: list[dt.date]) -> None:
    """A few village conferences on online-fraud awareness, typed in one by one (inside ``reg.write()``)."""
    teams = list(Team.select().where((Team.active == True) & (Team.level == "thon")).order_by(Team.id))  # noqa: E712
    members = _members_by_team()
    w = _Writer(reg.conn)
    for d in dates:
        t = rng.choice(teams)
        people = rng.randint(60, 140)
        month = f"{d.year:04d}-{d.month:02d}"
        w.add(t.id, t.unit_id, month, d, "hop_thon:1", _members(rng, members.get(t.id, []), month), "", "nhap",
              [("LUA_DAO", people, round(people / 1.6), round(people * 0.4), 0)])
    w.flush()


def add_duty_rota(reg, rng: random.Random, *, per_day: int = 2) -> None:
    """Members of the commune-level team on duty Monday to Friday (inside ``reg.write()``)."""
    from .schema import DutySlot

    team = Team.select().where((Team.level == "xa") & (Team.active == True)).order_by(Team.id).first()  # noqa: E712
    if team is None:
        return
    people = [m.person_id for m in Membership.select(Membership.person).where(
        (Membership.team == team.id) & Membership.end_date.is_null()).order_by(Membership.id)]
    chosen = rng.sample(people, min(len(people), per_day * 5))
    rows = []
    for i, pid in enumerate(chosen):
        wd = i % 5
        shift = "ca_ngay" if i < 5 else rng.choice(["sang", "chieu"])
        rows.append(dict(person=pid, weekday=wd, shift=shift))
    DutySlot.insert_many(rows).execute()


def set_demo_settings(reg, *, app_name: str = "", support_point: str = "") -> None:
    if app_name:
        write_setting(reg, "activity_app_name", app_name, "Tên ứng dụng của tỉnh", "", app_name)
    if support_point:
        write_setting(reg, "activity_support_point", support_point, "Điểm hỗ trợ (nơi trực)", "", support_point)
