"""Targets (settings, with presets from the plans) and progress against them.

Targets the documents set:

- the Bắc Thanh Miện plan: each year at least 70% of households helped to use one or
  more online public services or essential digital platforms;
- the Duy Tiên plan: at least 70% of working-age residents guided; at least 80% of
  business households using a cashless payment method; 100% of teams running
  online-fraud and personal-data guidance;
- the Thuận Thành report: an online-dossier rate above 50%.

Counting rule (said on every report, :data:`RULE`): a household helped twice, or with two
services, must not count twice. For each village the households helped are the largest
number any one service reached (each service summed over the months from 1 January to the
end of the period), never more than the village's households; the same for people against
the working-age residents. Business households count for cashless payment only; online
dossiers against the dossiers arising. A group (the commune, a district) adds up its
villages' figures and its commune-level teams' own, never beyond its total. Where the
denominator is not known, the share is «chưa có …», never 0%.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

from . import text
from .activity_common import (DENOMINATORS, SERVICE_ORDER, UnitRow, active_villages, load_units, month_label,
                              parse_month, place_names, read_setting, write_setting)
from .denominators import Denominators, denominator_values, denominators_for
from .tallies import Sums, sums_by_unit, teams_by_unit
from .common import today
from .errors import FieldError, InputError


@dataclass(frozen=True)
class Metric:
    code: str
    phrase: str  # «hộ dân đã được hỗ trợ» (after "41% ")
    short: str  # column title
    base: str  # a DENOMINATORS field, or "teams"
    missing: str  # «chưa có số hộ»
    phrase_en: str = ""
    missing_en: str = ""


METRICS = {
    "ho_dan": Metric("ho_dan", "hộ dân đã được hỗ trợ", "Hộ dân đã được hỗ trợ", "households", "chưa có số hộ",
                     "of households helped", "no household count"),
    "lao_dong": Metric("lao_dong", "người trong độ tuổi lao động đã được hướng dẫn",
                       "Người trong độ tuổi lao động đã được hướng dẫn", "working_age",
                       "chưa có số người trong độ tuổi lao động", "of working-age residents guided",
                       "no count of working-age residents"),
    "ho_kinh_doanh": Metric("ho_kinh_doanh", "hộ kinh doanh dùng thanh toán không dùng tiền mặt",
                            "Hộ kinh doanh dùng thanh toán không dùng tiền mặt", "businesses",
                            "chưa có số hộ kinh doanh", "of business households paid cashless",
                            "no business-household count"),
    "lua_dao": Metric("lua_dao", "tổ đã tuyên truyền phòng chống lừa đảo trực tuyến",
                      "Tổ đã tuyên truyền phòng chống lừa đảo", "teams", "chưa có tổ",
                      "of teams running online-fraud guidance", "no team"),
    "ho_so": Metric("ho_so", "hồ sơ TTHC nộp trực tuyến", "Hồ sơ TTHC nộp trực tuyến", "dossiers",
                    "chưa có số hồ sơ TTHC phát sinh", "of administrative dossiers filed online",
                    "no count of dossiers arising"),
}

RULE = ("Cách tính: số hộ (số người) đã được hỗ trợ của một thôn là số lớn nhất mà một dịch vụ đạt được, "
        "mỗi dịch vụ cộng dồn các tháng từ đầu năm đến cuối kỳ, và không vượt quá số hộ (số người trong độ tuổi "
        "lao động) của thôn — một hộ được hỗ trợ nhiều lần hoặc nhiều dịch vụ không bị tính trùng. Số của xã là "
        "tổng các thôn cộng phần của tổ cấp xã, không vượt quá tổng của xã. Tỷ lệ tính lũy kế từ đầu năm so với "
        "chỉ tiêu năm.")


@dataclass(frozen=True)
class Target:
    metric: str
    percent: float
    strict: bool = False  # "trên 50%" (more than), not "at least"

    @property
    def phrase(self) -> str:
        return METRICS[self.metric].phrase

    @property
    def text(self) -> str:
        """«70%» or «trên 50%»."""
        return ("trên " if self.strict else "") + pct_text(self.percent)

    def met(self, percent: float | None) -> bool | None:
        if percent is None:
            return None
        return percent > self.percent if self.strict else percent >= self.percent


@dataclass(frozen=True)
class TargetInput:
    metric: str
    percent: Any
    strict: bool = False


DEFAULT_TARGETS = (
    Target("ho_dan", 70),  # the Bắc Thanh Miện plan
    Target("lao_dong", 70),  # the Duy Tiên plan
    Target("ho_kinh_doanh", 80),  # the Duy Tiên plan
    Target("lua_dao", 100),  # the Duy Tiên plan
    Target("ho_so", 50, strict=True),  # the Thuận Thành report
)

# code → (what the clerk reads, targets)
TARGET_PRESETS = {
    "tat_ca": ("Tất cả chỉ tiêu của các kế hoạch mẫu", DEFAULT_TARGETS),
    "bac_thanh_mien": ("Kế hoạch xã Bắc Thanh Miện: ít nhất 70% hộ dân được hỗ trợ mỗi năm", DEFAULT_TARGETS[:1]),
    "duy_tien": ("Kế hoạch phường Duy Tiên: 70% người trong độ tuổi lao động, 80% hộ kinh doanh, 100% tổ "
                 "tuyên truyền phòng chống lừa đảo", DEFAULT_TARGETS[1:4]),
    "thuan_thanh": ("Báo cáo phường Thuận Thành: tỷ lệ hồ sơ nộp trực tuyến trên 50%", DEFAULT_TARGETS[4:]),
}

_KEY = "activity_targets"


def pct_text(p: float) -> str:
    """41 → «41%»; 69.97 → «69,9%» (rounded down, so a share never looks met when it is not)."""
    q = math.floor(p * 10 + 1e-9) / 10
    return f"{int(q)}%" if q == int(q) else f"{text.format_decimal(q, 1)}%"


def get_targets(reg) -> list[Target]:
    with reg.read():
        raw = read_setting(_KEY, None)
    if raw is None:
        return list(DEFAULT_TARGETS)
    return [Target(t["metric"], float(t["percent"]), bool(t.get("strict"))) for t in raw if t["metric"] in METRICS]


def _targets_text(ts: list[Target]) -> str:
    return "; ".join(f"{METRICS[t.metric].short} {t.text}" for t in ts) or "không có"


def check_targets(inputs: list[TargetInput]) -> tuple[list[Target], list[FieldError]]:
    out, errors, seen = [], [], set()
    for t in inputs:
        if t.metric not in METRICS:
            errors.append(FieldError(f"{t.metric}.metric", f"Chỉ tiêu «{t.metric}» không có."))
            continue
        name = METRICS[t.metric].short
        if t.metric in seen:
            errors.append(FieldError(f"{t.metric}.metric", f"{name}: ghi hai lần."))
            continue
        seen.add(t.metric)
        raw = t.percent
        try:
            p = float(raw) if isinstance(raw, (int, float)) and not isinstance(raw, bool) else \
                float(text.clean(raw).rstrip("%").strip().replace(",", "."))
        except (TypeError, ValueError):
            errors.append(FieldError(f"{t.metric}.percent", f"{name} «{text.clean(raw)}»: ghi một tỷ lệ phần "
                                                            "trăm, ví dụ 70."))
            continue
        if not 0 < p <= 100 or (t.strict and p >= 100):
            errors.append(FieldError(f"{t.metric}.percent", f"{name} «{text.clean(raw)}»: tỷ lệ phải lớn hơn 0 và "
                                                            f"không quá 100%{' (trên 100% không thể đạt)' if t.strict else ''}."))
            continue
        out.append(Target(t.metric, p, bool(t.strict)))
    return out, errors


def set_targets(reg, inputs: list[TargetInput]) -> list[Target]:
    """Replace the targets (an empty list: no targets)."""
    targets, errors = check_targets(inputs)
    if errors:
        raise InputError(errors)
    old = get_targets(reg)
    if old != targets:
        with reg.write():
            write_setting(reg, _KEY, [dict(metric=t.metric, percent=t.percent, strict=t.strict) for t in targets],
                          "Chỉ tiêu hoạt động", _targets_text(old), _targets_text(targets))
    return get_targets(reg)


def apply_target_preset(reg, preset: str) -> list[Target]:
    if preset not in TARGET_PRESETS:
        raise InputError(f"Bộ chỉ tiêu «{preset}» không có; chọn một trong: {', '.join(TARGET_PRESETS)}.", "preset")
    return set_targets(reg, [TargetInput(t.metric, t.percent, t.strict) for t in TARGET_PRESETS[preset][1]])


# ---------------------------------------------------------------------------
# Progress
# ---------------------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class Share:
    metric: str
    reached: int | None
    base: int | None  # None: not known (the share is not computable)
    target: Target | None = None
    partial: str = ""  # «tính trên 25/28 thôn có số hộ»

    @property
    def percent(self) -> float | None:
        if self.base is None or self.reached is None or self.base <= 0:
            return None
        return 100 * self.reached / self.base

    @property
    def met(self) -> bool | None:
        return self.target.met(self.percent) if self.target else None

    @property
    def shown(self) -> str:
        """«41%», or what is missing («chưa có số hộ»)."""
        p = self.percent
        if p is None:
            m = METRICS[self.metric]
            if self.base is None:
                return m.missing
            return "không có tổ" if m.base == "teams" else f"{DENOMINATORS[m.base][0].lower()} bằng 0"
        return pct_text(p)

    def sentence(self, unit: str, lang: str = "vi") -> str:
        """«Thôn Đông Lợi: 41% hộ dân đã được hỗ trợ — mục tiêu 70%» (names stay as written in English)."""
        m = METRICS[self.metric]
        if lang == "en":
            if self.percent is None:
                missing = m.missing_en if self.base is None else "denominator is 0"
                return f"{unit}: {missing} — share not computable"
            goal = ""
            if self.target:
                goal = f" — target {'above ' if self.target.strict else ''}{pct_text(self.target.percent)}"
            return f"{unit}: {self.shown.replace(',', '.')} {m.phrase_en}{goal}"
        if self.percent is None:
            return f"{unit}: {self.shown} — chưa tính được tỷ lệ {m.phrase}"
        goal = f" — mục tiêu {self.target.text}" if self.target else ""
        extra = f" ({self.partial})" if self.partial else ""
        return f"{unit}: {self.shown} {m.phrase}{goal}{extra}"


@dataclass(frozen=True, slots=True)
class Behind:
    """One line of what is behind (or cannot be computed), with where the UI should jump.
    The wording is made when asked for (a province has thousands of lines; a dashboard shows a few)."""

    unit_id: int  # 0: the whole area
    unit_name: str
    metric: str
    share: Share

    @property
    def text(self) -> str:
        return self.share.sentence(self.unit_name or "Toàn địa bàn")

    @property
    def text_en(self) -> str:
        return self.share.sentence(self.unit_name or "Whole area", "en")


@dataclass(frozen=True)
class UnitProgress:
    unit_id: int
    name: str  # «Tổ dân phố An Lợi», «Tổ cấp xã (phường Trần Hưng Đạo)», «Tổng cộng»
    kind: str  # thon | to_xa | xa | huyen | tong
    denominators: Denominators | None
    period: dict[str, Sums]  # service → counts inside the period
    year_to_date: dict[str, Sums]  # service → counts from 1 January to the period's end
    shares: dict[str, Share]
    teams: int
    teams_fraud: int  # teams that ran online-fraud guidance this year


@dataclass(frozen=True)
class Progress:
    start: str  # months "2026-04"
    end: str
    year: int
    rows: list[UnitProgress]
    total: UnitProgress
    targets: list[Target]
    behind_items: list[Behind]  # the whole area first, then the furthest behind
    unknown_items: list[Behind]  # shares that cannot be computed (no denominator)
    rule: str = RULE
    services: tuple[str, ...] = SERVICE_ORDER
    notes: list[str] = field(default_factory=list)

    @property
    def behind(self) -> list[str]:
        """«Thôn Đông Lợi: 41% hộ dân đã được hỗ trợ — mục tiêu 70%», the whole area first."""
        return [b.text for b in self.behind_items]

    @property
    def unknown(self) -> list[str]:
        """«Thôn X: chưa có số hộ — chưa tính được tỷ lệ hộ dân đã được hỗ trợ»."""
        return [b.text for b in self.unknown_items]


_METRIC_BASES = tuple(m.base for m in METRICS.values())
_DEN_INDEX = {n: i for i, n in enumerate(DENOMINATORS)}
_SLOT = {svc: i for i, svc in enumerate(SERVICE_ORDER)}


class _Atom:
    """A village, or a commune's commune-level teams: the bricks groups are added up from.
    ``reached``/``base``: per metric (in :data:`METRICS`' order), computed once (see :data:`RULE`);
    ``vals``: a village's denominators (in :data:`DENOMINATORS`' order), None for teams."""

    __slots__ = ("unit", "kind", "vals", "teams", "teams_fraud", "reached", "base")

    def __init__(self, unit: UnitRow, kind: str, vals: tuple | None, reached: tuple[int, int, int, int],
                 teams: int, teams_fraud: int):
        self.unit, self.kind, self.vals, self.teams, self.teams_fraud = unit, kind, vals, teams, teams_fraud
        households, people, businesses, dossiers = reached
        self.reached = (households, people, businesses, teams_fraud, dossiers)
        self.base = tuple(teams if b == "teams" else (vals[_DEN_INDEX[b]] if vals else None) for b in _METRIC_BASES)


_NOTHING = (0, 0, 0, 0)


def _reached(ytd: list | None) -> tuple[int, int, int, int]:
    """(households, people, business households paid cashless, online dossiers) of a unit's year."""
    if ytd is None:
        return _NOTHING
    sums = [s for s in ytd if s is not None]
    kdtm, ho_so = ytd[_SLOT["KDTM"]], ytd[_SLOT["HO_SO"]]
    return (max((x.households for x in sums), default=0), max((x.people for x in sums), default=0),
            kdtm.businesses if kdtm else 0, ho_so.people if ho_so else 0)


def _add(acc: list, slots: list | None) -> None:
    """Add a unit's sums (one per service, or None) into a group's (new :class:`Sums`, never shared)."""
    if slots is None:
        return
    for i, s in enumerate(slots):
        if s is None:
            continue
        t = acc[i]
        if t is None:
            acc[i] = Sums(s.people, s.households, s.priority, s.businesses)
        else:
            t.people += s.people
            t.households += s.households
            t.priority += s.priority
            t.businesses += s.businesses


def _services(slots: list | None) -> dict[str, Sums]:
    """Service → sums, in the catalogue's order."""
    if slots is None:
        return {}
    return {svc: s for svc, s in zip(SERVICE_ORDER, slots, strict=True) if s is not None}


def _one(a: _Atom, targets: dict[str, Target]) -> dict[str, Share]:
    """What :func:`_group` gives for one village or one commune's teams (a province has thousands)."""
    shares = {}
    for j, m in enumerate(METRICS):
        t = targets.get(m)
        if m == "lua_dao":
            shares[m] = Share(m, a.teams_fraud, a.teams or None, t)
            continue
        b, r = a.base[j], a.reached[j]  # a commune's teams: no base of their own
        shares[m] = Share(m, r, None, t) if b is None else Share(m, min(r, b), b, t)
    return shares


def _group(atoms: list[_Atom], targets: dict[str, Target]) -> dict[str, Share]:
    if len(atoms) == 1:
        return _one(atoms[0], targets)
    shares = {}
    villages = [a for a in atoms if a.kind == "thon"]
    for j, m in enumerate(METRICS):
        if m == "lua_dao":
            teams = sum(a.teams for a in atoms)
            shares[m] = Share(m, sum(a.teams_fraud for a in atoms), teams or None, targets.get(m))
            continue
        base = reached = known = 0
        for a in villages:
            b = a.base[j]
            if b is not None:
                known += 1
                base += b
                reached += min(a.reached[j], b)
        if not known:  # what was reached is still shown; the share is not computable
            shares[m] = Share(m, sum(a.reached[j] for a in atoms), None, targets.get(m))
            continue
        reached += sum(a.reached[j] for a in atoms if a.kind == "to_xa")
        what = METRICS[m].missing.removeprefix("chưa có ")
        partial = f"tính trên {known}/{len(villages)} thôn có {what}" if known < len(villages) else ""
        shares[m] = Share(m, min(reached, base), base, targets.get(m), partial)
    return shares


class _Sums:
    """What :func:`_gather` found: the atoms, each group's (and the total's) period and year-to-date
    sums per service, and (by village) each village's denominators."""

    def __init__(self, year: int):
        n = len(SERVICE_ORDER)
        self.atoms: list[_Atom] = []
        self.groups: dict[int, tuple[list, list]] = {}
        self.total = ([None] * n, [None] * n)
        self.dens: dict[int, Denominators] = {}
        self.year, self.width = year, n

    def add(self, key: int, period: list | None, ytd: list | None) -> None:
        g = self.groups.get(key)
        if g is None:
            g = self.groups[key] = ([None] * self.width, [None] * self.width)
        for acc in (g, self.total):
            _add(acc[0], period)
            _add(acc[1], ytd)


def _gather(year: int, ytd_start: str, start: str, end: str, units: dict[int, UnitRow],
            names: dict[int, str], by: str) -> _Sums:
    """Every atom, with the sums added into its group's as they are read (one unit at a time: a
    province's villages' sums are never all held, unless by village, where they are the answer)."""
    out = _Sums(year)
    villages = active_villages(units)
    village_ids = {v.id: v for v in villages}
    if by == "thon":
        out.dens = denominators_for(year, villages, names=names)
        vals = {uid: tuple(d.get(n) for n in DENOMINATORS) for uid, d in out.dens.items()}
    else:
        vals = denominator_values(year, village_ids)
    empty = (None,) * len(DENOMINATORS)
    teams = teams_by_unit(ytd_start, end)  # unit id → (active teams, of which ran fraud guidance this year)
    reached: dict[int, tuple[int, int, int, int]] = {}
    for uid, period, ytd in sums_by_unit(sorted(units), ytd_start, start, end):
        reached[uid] = _reached(ytd)
        out.add(_group_key(units[uid], by, units), period, ytd)
    for v in villages:
        n, fraud = teams.get(v.id, (0, 0))
        out.atoms.append(_Atom(v, "thon", vals.get(v.id, empty), reached.get(v.id, _NOTHING), n, fraud))
    for uid in sorted((reached.keys() | teams.keys()) - village_ids.keys()):
        # commune-level teams, or a village no longer active (merged): no denominators of their own
        n, fraud = teams.get(uid, (0, 0))
        out.atoms.append(_Atom(units[uid], "to_xa", None, reached.get(uid, _NOTHING), n, fraud))
    return out


def _group_key(u: UnitRow, by: str, units: dict[int, UnitRow]) -> int:
    if by == "thon":
        return u.id
    start = u
    while u is not None and u.level not in (by, "tinh"):
        u = units.get(u.parent_id)
    return u.id if u is not None and u.level == by else start.id


def progress(reg, *, end: Any = None, start: Any = None, by: str = "thon") -> Progress:
    """Counts inside months ``start``…``end`` and shares from 1 January of ``end``'s year to
    ``end``, per village (``by`` "thon"; commune-level teams in rows of their own), per
    commune ("xa") or district ("huyen"), and the total. ``end`` defaults to this month,
    ``start`` to January of its year."""
    end_m = parse_month(end) if end not in (None, "") else f"{today().year:04d}-{today().month:02d}"
    year = int(end_m[:4])
    ytd_start = f"{year:04d}-01"
    start_m = parse_month(start) if start not in (None, "") else ytd_start
    if start_m > end_m:
        raise InputError(f"Kỳ không hợp lệ: {month_label(start_m)} sau {month_label(end_m)}.", "start")
    if by not in ("thon", "xa", "huyen"):
        raise InputError(f"Cách nhóm «{by}» không hợp lệ (thon, xa hoặc huyen).", "by")
    key = (id(reg), getattr(reg.store, "generation", None), start_m, end_m, by)
    hit = _CACHE.get(key)
    if hit is not None:
        return hit
    targets = get_targets(reg)
    tmap = {t.metric: t for t in targets}
    with reg.read():
        units = load_units()
        names = place_names(units)
        found = _gather(year, ytd_start, start_m, end_m, units, names, by)
    groups: dict[int, list[_Atom]] = {}
    for a in found.atoms:
        groups.setdefault(_group_key(a.unit, by, units), []).append(a)
    rows = [_unit_progress(key, parts, found, names, by, tmap) for key, parts in groups.items()]
    if by != "thon":
        rows.sort(key=lambda r: (units[r.unit_id].sort_order, text.vn_key(r.name)) if r.unit_id in units else (0, ()))
    total = _unit_progress(0, found.atoms, found, names, "tong", tmap)
    behind_, unknown = _behind(rows, total, targets)
    out = Progress(start_m, end_m, year, rows, total, targets, behind_, unknown)
    if len(_CACHE) >= 8:
        _CACHE.clear()
    _CACHE[key] = out
    return out


# The last results, keyed by the registry and its save generation: every change is a save, so
# a changed registry never gets an old answer. The dashboard and the reports ask the same question.
_CACHE: dict[tuple, Progress] = {}


def _unit_progress(key: int, parts: list[_Atom], found: _Sums, names: dict[int, str], by: str,
                   tmap: dict[str, Target]) -> UnitProgress:
    if by == "tong":
        name, kind, den = "Tổng cộng", "tong", _sum_dens(parts, found.year)
        period, ytd = found.total
    else:
        if by == "thon" and parts[0].kind == "thon":
            a = parts[0]
            name, kind, den = names[a.unit.id], "thon", found.dens[a.unit.id]
        elif by == "thon":
            u = parts[0].unit
            name = f"Tổ cấp xã ({names[u.id]})" if u.level == "xa" else f"{names[u.id]} (không còn hoạt động)"
            kind, den = "to_xa", None
        else:
            name, kind, den = names[key], by, _sum_dens(parts, found.year)
        period, ytd = found.groups.get(key, (None, None))
    return UnitProgress(key, name, kind, den, _services(period), _services(ytd), _group(parts, tmap),
                        sum(a.teams for a in parts), sum(a.teams_fraud for a in parts))


def _sum_dens(parts: list[_Atom], year: int) -> Denominators | None:
    dens = [a.vals for a in parts if a.kind == "thon"]
    if not dens:
        return None
    vals = {}
    for i, n in enumerate(DENOMINATORS):
        known = [d[i] for d in dens if d[i] is not None]
        vals[n] = sum(known) if known else None
    return Denominators(0, "", year, **vals)


def _behind(rows: list[UnitProgress], total: UnitProgress,
            targets: list[Target]) -> tuple[list[Behind], list[Behind]]:
    gaps, unknown = [], []
    for t in targets:
        for r in [total] + rows:
            if r.kind == "to_xa" and t.metric != "lua_dao":
                continue  # a commune-level team has no denominators of its own
            sh = r.shares[t.metric]
            p = sh.percent
            if p is None:
                if sh.base is None and r.kind != "to_xa":
                    unknown.append(Behind(r.unit_id, "" if r.kind == "tong" else r.name, t.metric, sh))
                continue
            if sh.target is not None and not sh.target.met(p):
                item = Behind(r.unit_id, "" if r.kind == "tong" else r.name, t.metric, sh)
                gaps.append((0 if r.kind == "tong" else 1, p - t.percent, item))
    gaps.sort(key=lambda g: (g[0], g[1]))
    return [g[2] for g in gaps], unknown


def behind(reg, *, end: Any = None, limit: int | None = None) -> list[str]:
    """What is behind its target, for the dashboard (the whole area first, then the furthest behind)."""
    items = progress(reg, end=end).behind_items
    return [b.text for b in (items if limit is None else items[:limit])]
