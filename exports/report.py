"""Report builders: the tables higher levels ask for, as plain dataclasses.

Each builder reads the registry through :mod:`models.services` /
:mod:`models.rules` (or, for the few queries services has no call for, the
peewee models inside ``with reg.read():``) and returns a :class:`Report`:
title, columns (which give the header rows), data rows, a computed total row
and notes. The writers (:mod:`exports.writers`) lay a report out as XLSX, ODS
or CSV; the UI shows the same rows as a preview. Nothing here imports Textual
or a spreadsheet library.

Totals are always computed from the rows (seed 003's own total row says 7,448
members where its rows add up to 7,446).
"""

from __future__ import annotations

import datetime as dt
import json
import re
from dataclasses import dataclass
from typing import Any

from models import text, vocab
from models.errors import InputError, NotFoundError

from . import fund
from .layout import (KINDS, Column, Letterhead, Pack, Period, Report, letterhead, parse_period, unit_label,
                     unit_name)

# Kept importable from here: callers (writers, the import wizard, tests) use ``report.Column`` & co.
__all__ = ["KINDS", "Column", "Letterhead", "Pack", "Period", "Report", "letterhead", "parse_period", "unit_name",
           "largest_remainder_pct", "phu_luc_1", "check_stated_total", "thanh_phan", "Scope", "resolve_scope",
           "village_choices", "danh_sach", "tap_huan", "thiet_bi", "pack_file_name", "summary", "bao_cao_ky"]


# ---------------------------------------------------------------------------
# Helpers
# ---------------------------------------------------------------------------
def largest_remainder_pct(counts: list[int], decimals: int = 0) -> list[float]:
    """Percentages of ``counts`` rounded so that they add up to exactly 100.

    Hamilton's method: every share is rounded down to ``decimals`` places, then
    the units still missing go to the largest remainders (ties: the earlier
    row). All zero → all zero.
    """
    total = sum(counts)
    if total <= 0:
        return [0 for _ in counts]
    scale = 10 ** decimals
    units = 100 * scale
    exact = [c * units / total for c in counts]
    # integer arithmetic for the floor and the remainder, so no float drift
    floors = [c * units // total for c in counts]
    rem = [c * units % total for c in counts]
    missing = units - sum(floors)
    for i in sorted(range(len(counts)), key=lambda i: (-rem[i], i))[:missing]:
        floors[i] += 1
    del exact
    if decimals == 0:
        return [int(f) for f in floors]
    return [f / scale for f in floors]


def _num_key(name: str):
    parts = re.split(r"(\d+)", name or "")
    return tuple((0, int(p), ()) if p.isdigit() else (1, 0, text.vn_key(p)) for p in parts if p)


class _Tree:
    """All units in memory: parents, order, and the active teams with member counts."""

    def __init__(self, reg):
        from models.schema import Membership, Team, Unit

        import peewee as pw

        with reg.read():
            self.units = {u[0]: u for u in Unit.select(Unit.id, Unit.parent, Unit.level, Unit.kind, Unit.name,
                                                        Unit.sort_order, Unit.active, Unit.former_unit).tuples()}
            self.teams = list(Team.select(Team.id, Team.unit, Team.level, Team.name)
                              .where(Team.active == True).tuples())  # noqa: E712
            self.counts = dict(Membership.select(Membership.team, pw.fn.COUNT(Membership.id))
                               .where(Membership.end_date.is_null()).group_by(Membership.team).tuples())

    def ancestor(self, uid: int | None, level: str) -> int | None:
        seen = 0
        while uid is not None and seen < 10:
            u = self.units.get(uid)
            if u is None:
                return None
            if u[2] == level:
                return uid
            uid = u[1]
            seen += 1
        return None

    def label(self, uid: int) -> str:
        u = self.units[uid]
        return unit_label(u[3], u[4])

    def village_label(self, uid: int) -> str:
        """"Tổ dân phố 1" — with ", phường An Hòa" when the registry holds several communes, and the
        district (", thị xã Điện Bàn") when that commune's name is not unique in the registry.
        Two villages of one commune with the same name get their former unit."""
        u = self.units[uid]
        name = unit_label(u[3], u[4])
        if u[2] != "thon":
            return name
        if u[7] and self._dup_villages().get((u[1], text.fold(name)), 0) > 1:
            name += f", {u[7]}"
        if self.many_communes and u[1] in self.units:
            name += f", {self.commune_label(u[1])}"
        return name

    def commune_label(self, cid: int) -> str:
        """"phường An An" — with ", thị xã Điện Bàn" (or the former unit) when the name is not unique."""
        c = self.units[cid]
        name = f"{c[3]} {c[4]}".strip()
        if self._dup_communes().get(text.fold(name), 0) > 1:
            p = self.units.get(c[1])
            if p is not None and p[2] == "huyen":
                name += f", {p[3]} {p[4]}".rstrip()
            elif c[7]:
                name += f", {c[7]}"
        return name

    def _dup_communes(self) -> dict[str, int]:
        d = getattr(self, "_dupc", None)
        if d is None:
            d = self._dupc = {}
            for u in self.units.values():
                if u[2] == "xa":
                    k = text.fold(f"{u[3]} {u[4]}".strip())
                    d[k] = d.get(k, 0) + 1
        return d

    def _dup_villages(self) -> dict[tuple[int, str], int]:
        d = getattr(self, "_dupv", None)
        if d is None:
            d = self._dupv = {}
            for u in self.units.values():
                if u[2] == "thon":
                    k = (u[1], text.fold(unit_label(u[3], u[4])))
                    d[k] = d.get(k, 0) + 1
        return d

    @property
    def many_communes(self) -> bool:
        m = getattr(self, "_many", None)
        if m is None:
            m = self._many = sum(1 for u in self.units.values() if u[2] == "xa") > 1
        return m

    def order_key(self, uid: int):
        """Sort key: the path from the top. Provinces, districts and communes keep their
        recorded order; villages go by former unit, then name (numbers as numbers) —
        the order of ``services.list_villages``, so the lists on screen and on paper agree."""
        path = []
        seen = 0
        while uid is not None and seen < 10:
            u = self.units.get(uid)
            if u is None:
                break
            if u[2] == "thon":
                path.append(((), text.vn_key(u[7] or ""), _num_key(u[4]), u[0]))
            else:
                path.append(((u[5], u[0]), (), (), u[0]))
            uid = u[1]
            seen += 1
        return tuple(reversed(path))


# ---------------------------------------------------------------------------
# Phụ lục I — teams and members per unit
# ---------------------------------------------------------------------------
def phu_luc_1(reg, *, level: str | None = None, day: dt.date | None = None) -> Report:
    """Stt | Đơn vị | Tổng số Tổ CNSCĐ/thôn ("41/42") | Tổng số thành viên, with a computed total row.

    Rows are the registry's districts (data from before 7/2025) or communes
    when it holds several, otherwise the commune's villages; ``level``
    ("huyen", "xa", "thon") forces the choice. A commune-level team has its
    own row (its members count in the total; it is not a village team).
    """
    tree = _Tree(reg)
    level = _row_level(tree, level)
    row_units = [uid for uid, u in tree.units.items() if u[2] == level and u[6]]
    row_units.sort(key=tree.order_key)
    villages_of: dict[int, int] = {}
    for uid, u in tree.units.items():
        if u[2] == "thon" and u[6]:
            a = tree.ancestor(uid, level)
            if a is not None:
                villages_of[a] = villages_of.get(a, 0) + 1
    teams_of: dict[int, int] = {}
    members_of: dict[int, int] = {}
    upper: list[tuple[str, int]] = []  # teams above the row level (a commune-level team in a village table)
    for tid, unit_id, tlevel, tname in tree.teams:
        n = tree.counts.get(tid, 0)
        a = tree.ancestor(unit_id, level)
        if a is None:
            upper.append((tname, n))
            continue
        members_of[a] = members_of.get(a, 0) + n
        if tlevel == "thon":
            teams_of[a] = teams_of.get(a, 0) + 1
    rows: list[list[Any]] = []
    stt = 0
    for tname, n in upper:
        stt += 1
        rows.append([stt, f"{tname} (cấp {_commune_kind(reg)})", "", n])
    t_teams = t_villages = t_members = 0
    for uid in row_units:
        stt += 1
        nt, nv, nm = teams_of.get(uid, 0), villages_of.get(uid, 0), members_of.get(uid, 0)
        rows.append([stt, tree.label(uid), f"{nt}/{nv}", nm])
        t_teams, t_villages, t_members = t_teams + nt, t_villages + nv, t_members + nm
    # tables imported from lower units (cnscd import phu-luc-1): one row per unit, summed from their rows
    imported = _imported_phu_luc_1(reg)
    for tab in imported:
        for _stt, unit, teams, villages, members in tab["rows"]:
            stt += 1
            nt, nv, nm = int(teams or 0), int(villages or 0), int(members or 0)
            rows.append([stt, f"{unit} (số liệu {tab['source']} gửi)", f"{nt}/{nv}", nm])
            t_teams, t_villages, t_members = t_teams + nt, t_villages + nv, t_members + nm
    upper_members = sum(n for _, n in upper)
    total_members = t_members + upper_members
    notes = _imported_notes(imported)
    if upper:
        notes.append(f"Tổng số thành viên gồm cả {text.format_int(upper_members)} thành viên "
                     f"Tổ CNSCĐ cấp {_commune_kind(reg)}.")
    notes.append("Cột «Tổng số Tổ CNSCĐ/thôn»: số tổ cấp thôn/số thôn, tổ dân phố. Dòng tổng cộng tính từ các dòng trên.")
    label = {"huyen": "Đơn vị", "xa": "Xã, phường", "thon": "Thôn, tổ dân phố"}[level]
    return Report(
        key="phu-luc-1",
        title="TỔNG HỢP SỐ LIỆU TỔ CÔNG NGHỆ SỐ CỘNG ĐỒNG",
        subtitle=f"{unit_name(reg).upper()} NĂM {(day or dt.date.today()).year}",
        columns=[Column("Stt", "int", 6), Column(label, "text", 34), Column("Tổng số Tổ CNSCĐ/thôn", "text", 16),
                 Column("Tổng số thành viên Tổ CNSCĐ", "int", 18)],
        rows=rows,
        total=["", "Tổng", f"{t_teams}/{t_villages}", total_members],
        notes=notes,
        sheet_name="Phụ lục I",
        letterhead=letterhead(reg, day),
        meta={"teams": t_teams, "villages": t_villages, "members": total_members, "level": level},
    )


def _row_level(tree: _Tree, level: str | None) -> str:
    """The units Phụ lục I has a row for: ``level`` when given, else districts (data from before
    7/2025), else communes when there are several, else villages."""
    if level is None:
        if any(u[2] == "huyen" for u in tree.units.values()):
            level = "huyen"
        elif sum(1 for u in tree.units.values() if u[2] == "xa") > 1:
            level = "xa"
        else:
            level = "thon"
    if level not in ("huyen", "xa", "thon"):
        raise InputError(f"Cấp đơn vị «{level}» không hợp lệ (huyen, xa hoặc thon).", "level")
    return level


def _imported_notes(imported: list[dict]) -> list[str]:
    """Where the imported tables came from, and what was wrong with their stated totals."""
    notes = []
    for tab in imported:
        notes.append(f"Gồm số liệu {tab['source']} gửi (tệp {tab['file']}, nhập ngày "
                     f"{text.format_date(dt.date.fromisoformat(tab['imported']))}).")
        for flag in tab.get("flags") or []:
            notes.append(f"Lưu ý về bảng của {tab['source']}: {flag} Dòng tổng cộng ở đây tính từ các dòng.")
    return notes


def _imported_phu_luc_1(reg) -> list[dict]:
    from models.schema import Setting

    with reg.read():
        return [json.loads(r.value) for r in
                Setting.select().where(Setting.key.startswith("aggregate:phu_luc_1:")).order_by(Setting.key)]


def _commune_kind(reg) -> str:
    from models import services

    return services.get_settings(reg).commune_kind or "xã"


def check_stated_total(report: Report, stated_members: int) -> str:
    """Compare a source table's stated total with the rows; a message when they disagree, else ""."""
    computed = report.meta.get("members")
    if computed is None or computed == stated_members:
        return ""
    return (f"Dòng tổng của bảng nguồn ghi {text.format_int(stated_members)} thành viên nhưng cộng các dòng được "
            f"{text.format_int(computed)}; bảng xuất dùng số cộng từ các dòng.")


# ---------------------------------------------------------------------------
# Members by composition
# ---------------------------------------------------------------------------
def thanh_phan(reg, *, include_empty: bool = False, decimals: int = 0, day: dt.date | None = None) -> Report:
    """Stt | Thành viên theo thành phần | Số lượng ("1194/6157") | Tỷ lệ (%), largest-remainder percentages."""
    from models import services

    st = services.stats(reg)
    cats = services.list_categories(reg, include_inactive=True)
    counts = st.members_by_category
    chosen = [c for c in cats if counts.get(c.code, 0) > 0 or (include_empty and c.active)]
    total = sum(counts.get(c.code, 0) for c in chosen)
    pct = largest_remainder_pct([counts.get(c.code, 0) for c in chosen], decimals)
    rows = [[i, c.name, f"{counts.get(c.code, 0)}/{total}", p] for i, (c, p) in enumerate(zip(chosen, pct, strict=True), 1)]
    return Report(
        key="thanh-phan",
        title="TỔNG HỢP SỐ LIỆU THÔNG TIN THÀNH VIÊN TỔ CÔNG NGHỆ SỐ CỘNG ĐỒNG",
        subtitle=f"{unit_name(reg).upper()} — THEO THÀNH PHẦN",
        columns=[Column("Stt", "int", 6), Column("Thành viên theo thành phần", "text", 36),
                 Column("Số lượng", "text", 14), Column("Tỷ lệ (%)", "pct1" if decimals else "pct", 12)],
        rows=rows,
        total=["", "Tổng", f"{total}/{total}", 100 if total else 0],
        notes=["Tỷ lệ làm tròn theo phương pháp phần dư lớn nhất để tổng đúng 100%. "
               "Mỗi thành viên tính theo một thành phần chính."],
        sheet_name="Thành phần",
        letterhead=letterhead(reg, day),
        meta={"counts": {c.code: counts.get(c.code, 0) for c in chosen}, "total": total},
    )


# ---------------------------------------------------------------------------
# Roster (danh sách thành viên)
# ---------------------------------------------------------------------------
@dataclass(frozen=True)
class Scope:
    """Which part of the registry a list covers: all, one village, or one team."""

    village_id: int | None = None
    team_id: int | None = None
    label: str = ""


def resolve_scope(reg, *, village: str = "", team_id: int | None = None, village_id: int | None = None) -> Scope:
    """A village by id (the TUI), or by name (the CLI), or a team by id.

    Names are accent- and case-insensitive: "Tổ dân phố An Lợi" or "An Lợi"; in a registry of
    several communes also "village, commune" ("Tổ dân phố 1, phường An An", "1, An An") and the
    label the roster prints ("Tổ dân phố 1, phường An An, thị xã Điện Bàn"). A name that fits
    several villages is an :class:`InputError` listing them with their full labels.
    """
    from models import services

    if team_id is not None:
        teams = {t.id: t for t in services.list_teams(reg, include_inactive=True)}
        if team_id not in teams:
            raise NotFoundError(f"Không tìm thấy tổ có mã {team_id}.", "team")
        return Scope(team_id=team_id, label=teams[team_id].name)
    tree = _Tree(reg)
    if village_id is not None:
        u = tree.units.get(village_id)
        if u is None or u[2] != "thon":
            raise NotFoundError(f"Không tìm thấy thôn/tổ dân phố có mã {village_id}.", "village")
        return Scope(village_id=village_id, label=tree.village_label(village_id))
    hits = _village_hits(tree, village)
    if hits is None:
        return Scope()
    if not hits:
        raise NotFoundError(f"Không tìm thấy thôn/tổ dân phố «{text.clean(village)}».", "village")
    if len(hits) > 1:
        active = [uid for uid in hits if tree.units[uid][6]]
        hits = active or hits
    if len(hits) > 1:
        hits.sort(key=tree.order_key)
        labels = [tree.village_label(uid) for uid in hits]
        shown = "; ".join(labels[:10]) + (f"; … và {len(labels) - 10} nơi khác" if len(labels) > 10 else "")
        raise InputError(
            f"«{text.clean(village)}» khớp {len(hits)} thôn/tổ dân phố: {shown}. "
            f"Hãy ghi rõ hơn, ví dụ «{labels[0]}».", "village")
    return Scope(village_id=hits[0], label=tree.village_label(hits[0]))


def _village_hits(tree: _Tree, village: str) -> list[int] | None:
    """The villages a typed name fits (None: no name given): the whole label, else the name (with
    its commune/district after commas) exactly, else as a part of the full name."""
    parts = [p for p in (text.fold(p) for p in text.clean(village).split(",")) if p]
    if not parts:
        return None
    head, rest = parts[0], parts[1:]
    villages = [uid for uid, u in tree.units.items() if u[2] == "thon"]
    want = text.fold(village)
    hits = [uid for uid in villages if text.fold(tree.village_label(uid)) == want]
    if not hits:
        hits = [uid for uid in villages if _fits(tree, uid, head, rest, exact=True)]
    if not hits:
        hits = [uid for uid in villages if _fits(tree, uid, head, rest, exact=False)]
    return hits


def _fits(tree: _Tree, uid: int, head: str, rest: list[str], *, exact: bool) -> bool:
    u = tree.units[uid]
    name, full = text.fold(u[4]), text.fold(unit_label(u[3], u[4]))
    if exact:
        if head not in (name, full):
            return False
    elif head not in full:
        return False
    if not rest:
        return True
    ds = _descriptors(tree, uid)
    if exact:
        return all(p in ds for p in rest)
    return all(any(p in d for d in ds) for p in rest)


def _descriptors(tree: _Tree, uid: int) -> set[str]:
    """What may follow the village's name after a comma: its commune, district, former unit."""
    out: set[str] = set()
    u = tree.units[uid]
    if u[7]:
        out |= {text.fold(u[7]), text.fold(u[7].replace("(trước sáp nhập)", ""))}
    a = tree.units.get(u[1])
    seen = 0
    while a is not None and seen < 5 and a[2] != "tinh":
        out |= {text.fold(a[4]), text.fold(f"{a[3]} {a[4]}")}
        if a[7]:
            out |= {text.fold(a[7]), text.fold(a[7].replace("(trước sáp nhập)", ""))}
        a = tree.units.get(a[1])
        seen += 1
    return out


def village_choices(reg, *, include_inactive: bool = False) -> list[tuple[str, int]]:
    """(label, village id) for a picker, in roster order; labels are unique enough to choose by
    ("Tổ dân phố 1, phường An An, thị xã Điện Bàn" in a province registry)."""
    tree = _Tree(reg)
    ids = [uid for uid, u in tree.units.items() if u[2] == "thon" and (u[6] or include_inactive)]
    ids.sort(key=tree.order_key)
    return [(tree.village_label(uid), uid) for uid in ids]


def _roster_rows(reg, scope: Scope, *, trained_year: int | None = None) -> list[dict]:
    """Active memberships in scope, in village order then Vietnamese name order (one query)."""
    from models.schema import Attendance, Category, Course, Membership, Person

    tree = _Tree(reg)
    team_unit = {t[0]: (t[1], t[2], t[3]) for t in tree.teams}
    with reg.read():
        q = (Membership.select(Membership.team, Membership.role, Membership.other_positions, Category.name,
                               Person.id, Person.family_name, Person.given_name, Person.gender, Person.birth_date,
                               Person.birth_year, Person.phone, Person.cccd, Person.village, Person.sort_key,
                               Person.notes)
             .join(Person).switch(Membership).join(Category)
             .where(Membership.end_date.is_null()))
        if scope.team_id is not None:
            q = q.where(Membership.team == scope.team_id)
        elif scope.village_id is not None:
            ids = [tid for tid, (uid, _, _) in team_unit.items() if uid == scope.village_id]
            q = q.where(Membership.team.in_(ids or [-1]))
        rows = list(q.tuples())
        trained: set[int] = set()
        if trained_year:
            start, end = dt.date(trained_year, 1, 1), dt.date(trained_year, 12, 31)
            trained = {a for (a,) in Attendance.select(Attendance.person).join(Course)
                       .where((Course.start_date >= start) & (Course.start_date <= end)).distinct().tuples()}
    order_cache: dict[int, Any] = {}
    out = []
    for (tid, role, other, cat, pid, fam, giv, gender, bdate, byear, phone, cccd, vid, sort_key, notes) in rows:
        t = team_unit.get(tid)
        if t is None:  # membership of a dissolved team
            continue
        uid, tlevel, tname = t
        if tlevel == "thon":
            village = tree.village_label(uid)
            okey = order_cache.get(uid)
            if okey is None:
                okey = order_cache[uid] = (1, tree.order_key(uid))
        else:
            village = tree.village_label(vid) if vid in tree.units else ""
            okey = (0, tree.order_key(uid))
        if isinstance(bdate, str):
            bdate = dt.date.fromisoformat(bdate[:10])
        year = bdate.year if bdate else byear
        out.append(dict(key=(okey, sort_key, pid), name=text.clean(f"{fam} {giv}"), gender=gender, year=year,
                        role=vocab.label(vocab.ROLES, role), category=cat, other=other or "", village=village,
                        phone=phone or "", cccd=cccd or "", notes=notes or "", team=tname,
                        trained=pid in trained, person_id=pid))
    out.sort(key=lambda r: r["key"])
    return out


def danh_sach(reg, *, scope: Scope | None = None, gender_columns: bool = False, with_cccd: bool = False,
              day: dt.date | None = None) -> Report:
    """The roster: Stt, họ và tên, năm sinh (or Nam/Nữ), vai trò, thành phần, chức vụ khác, thôn/TDP,
    số điện thoại, [số CCCD], ghi chú — by village, then Vietnamese name order."""
    scope = scope or Scope()
    data = _roster_rows(reg, scope)
    cols = [Column("Stt", "int", 6), Column("Họ và tên", "text", 26)]
    if gender_columns:
        cols += [Column("Nam", "year", 8, group="Năm sinh"), Column("Nữ", "year", 8, group="Năm sinh")]
    else:
        cols.append(Column("Năm sinh", "year", 9))
    cols += [Column("Vai trò trong Tổ", "text", 13), Column("Thành phần", "text", 24),
             Column("Chức vụ khác", "text", 24), Column("Thôn/TDP", "text", 22), Column("Số điện thoại", "phone", 14)]
    if with_cccd:
        cols.append(Column("Số CCCD", "id", 16))
    cols.append(Column("Ghi chú", "text", 14))
    rows = []
    for i, r in enumerate(data, 1):
        row: list[Any] = [i, r["name"]]
        if gender_columns:
            row += [r["year"] if r["gender"] == "nam" else None, r["year"] if r["gender"] == "nu" else None]
        else:
            row.append(r["year"])
        row += [r["role"], r["category"], r["other"], r["village"], r["phone"]]
        if with_cccd:
            row.append(r["cccd"])
        row.append(r["notes"])
        rows.append(row)
    where = scope.label or unit_name(reg)
    notes = []
    if gender_columns:
        unknown = sum(1 for r in data if r["gender"] not in ("nam", "nu"))
        if unknown:
            notes.append(f"{unknown} người chưa ghi giới tính nên không có năm sinh ở cột Nam/Nữ.")
    return Report(
        key="danh-sach",
        title="DANH SÁCH THÀNH VIÊN TỔ CÔNG NGHỆ SỐ CỘNG ĐỒNG",
        subtitle=where.upper(),
        columns=cols,
        rows=rows,
        total=None,
        notes=notes + [f"Tổng cộng: {text.format_int(len(rows))} thành viên."],
        sheet_name="Danh sách",
        personal_data=True,
        letterhead=letterhead(reg, day),
        meta={"count": len(rows)},
    )


# ---------------------------------------------------------------------------
# Training
# ---------------------------------------------------------------------------
def tap_huan(reg, *, year: int | None = None, start: dt.date | None = None, end: dt.date | None = None,
             day: dt.date | None = None) -> list[Report]:
    """Courses (of a year or a period) with attendance counts; coverage per team; the untrained list."""
    from models import rules, services

    year = year or (end or dt.date.today()).year
    start = start or dt.date(year, 1, 1)
    end = end or dt.date(year, 12, 31)
    lh = letterhead(reg, day)
    courses = [c for c in services.list_courses(reg, year=None) if start <= c.start_date <= end]
    courses.sort(key=lambda c: (c.start_date, c.id))
    rows = [[i, c.title, c.start_date, c.end_date, c.organiser, c.form_label, c.hours,
             "; ".join(c.topic_labels), c.attendee_count or 0] for i, c in enumerate(courses, 1)]
    period = f"từ {text.format_date(start)} đến {text.format_date(end)}"
    r1 = Report(
        key="tap-huan",
        title="TỔNG HỢP CÁC LỚP TẬP HUẤN CHO TỔ CÔNG NGHỆ SỐ CỘNG ĐỒNG",
        subtitle=f"{unit_name(reg).upper()} — {period.upper()}",
        columns=[Column("Stt", "int", 6), Column("Tên lớp tập huấn", "text", 36), Column("Ngày bắt đầu", "date", 12),
                 Column("Ngày kết thúc", "date", 12), Column("Đơn vị tổ chức", "text", 22),
                 Column("Hình thức", "text", 11), Column("Số giờ", "pct1", 8), Column("Chủ đề", "text", 36),
                 Column("Số người dự", "int", 10)],
        rows=rows,
        total=["", f"Tổng: {len(rows)} lớp", None, None, "", "", sum(c.hours for c in courses), "",
               sum((c.attendee_count or 0) for c in courses)],
        notes=["Số người dự tính theo lượt (một người dự hai lớp được tính hai lượt)."],
        sheet_name="Tập huấn",
        letterhead=lh,
        meta={"courses": len(rows)},
    )
    comp = rules.compliance(reg, year=year)
    rows2 = []
    t_size = t_untrained = 0
    for i, tc in enumerate(comp.teams, 1):
        trained = tc.size - tc.untrained
        rows2.append([i, tc.team_name, _cap(tc.unit_name), tc.size, trained, tc.untrained,
                      round(100 * trained / tc.size, 1) if tc.size else 0.0])
        t_size += tc.size
        t_untrained += tc.untrained
    r2 = Report(
        key="tap-huan-do-phu",
        title=f"TỶ LỆ THÀNH VIÊN TỔ CNSCĐ ĐÃ ĐƯỢC TẬP HUẤN NĂM {year}",
        subtitle=unit_name(reg).upper(),
        columns=[Column("Stt", "int", 6), Column("Tổ CNSCĐ", "text", 38), Column("Thôn/TDP", "text", 24),
                 Column("Số thành viên", "int", 11), Column("Đã tập huấn", "int", 11),
                 Column("Chưa tập huấn", "int", 11), Column("Tỷ lệ đã tập huấn (%)", "pct1", 12)],
        rows=rows2,
        total=["", "Tổng", "", t_size, t_size - t_untrained, t_untrained,
               round(100 * (t_size - t_untrained) / t_size, 1) if t_size else 0.0],
        notes=[f"Mục tiêu: 100% thành viên dự ít nhất một lớp tập huấn trong năm {year}. "
               f"Số người khác nhau đang hoạt động: {text.format_int(comp.active_members)}, "
               f"chưa tập huấn: {text.format_int(comp.untrained_members)}."],
        sheet_name="Độ phủ tập huấn",
        letterhead=lh,
        meta={"active_members": comp.active_members, "untrained": comp.untrained_members},
    )
    data = [r for r in _roster_rows(reg, Scope(), trained_year=year) if not r["trained"]]
    seen: set[int] = set()
    rows3 = []
    for r in data:
        if r["person_id"] in seen:
            continue
        seen.add(r["person_id"])
        rows3.append([len(rows3) + 1, r["name"], r["year"], r["role"], r["team"], r["village"], r["phone"]])
    r3 = Report(
        key="chua-tap-huan",
        title=f"DANH SÁCH THÀNH VIÊN CHƯA ĐƯỢC TẬP HUẤN NĂM {year}",
        subtitle=unit_name(reg).upper(),
        columns=[Column("Stt", "int", 6), Column("Họ và tên", "text", 26), Column("Năm sinh", "year", 9),
                 Column("Vai trò trong Tổ", "text", 13), Column("Tổ CNSCĐ", "text", 36),
                 Column("Thôn/TDP", "text", 22), Column("Số điện thoại", "phone", 14)],
        rows=rows3,
        notes=[f"Tổng cộng: {text.format_int(len(rows3))} người."],
        sheet_name="Chưa tập huấn",
        personal_data=True,
        letterhead=lh,
        meta={"count": len(rows3)},
    )
    return [r1, r2, r3]


def _cap(s: str) -> str:
    return s[:1].upper() + s[1:] if s else s


# ---------------------------------------------------------------------------
# Equipment
# ---------------------------------------------------------------------------
def thiet_bi(reg, *, scope: Scope | None = None, day: dt.date | None = None) -> list[Report]:
    """Inventory by village (condition, funding source, value) and the needs list."""
    from models import services

    scope = scope or Scope()
    tree = _Tree(reg)
    lh = letterhead(reg, day)
    items = services.list_equipment(reg, unit_id=scope.village_id)
    items.sort(key=lambda e: (tree.order_key(e.unit_id) if e.unit_id in tree.units else (), e.kind, e.id))
    rows = []
    for i, e in enumerate(items, 1):
        funding = e.funding_label + (f" ({e.funding_note})" if e.funding_note else "")
        rows.append([i, tree.village_label(e.unit_id) if e.unit_id in tree.units else e.unit_name, e.place, e.kind_label,
                     e.description, e.quantity, e.condition_label, funding, e.acquired_on, e.value])
    bad = sum(1 for e in items if e.condition != "tot")
    r1 = Report(
        key="thiet-bi",
        title="DANH MỤC TRANG THIẾT BỊ PHỤC VỤ HOẠT ĐỘNG TỔ CÔNG NGHỆ SỐ CỘNG ĐỒNG",
        subtitle=(scope.label or unit_name(reg)).upper(),
        columns=[Column("Stt", "int", 6), Column("Thôn/TDP", "text", 22), Column("Nơi đặt", "text", 26),
                 Column("Loại thiết bị", "text", 24), Column("Mô tả", "text", 26), Column("Số lượng", "int", 8),
                 Column("Tình trạng", "text", 10), Column("Nguồn kinh phí", "text", 24),
                 Column("Ngày trang bị", "date", 12), Column("Giá trị (đồng)", "money", 14)],
        rows=rows,
        total=["", "Tổng", "", "", "", sum(e.quantity for e in items), "", "", None, sum(e.value for e in items)],
        notes=[f"Thiết bị hỏng hoặc cần thay: {bad} mục."],
        sheet_name="Thiết bị",
        letterhead=lh,
        meta={"items": len(items), "value": sum(e.value for e in items), "repair": bad},
    )
    needs = [n for n in services.list_needs(reg, unit_id=scope.village_id)]
    needs.sort(key=lambda n: (tree.order_key(n.unit_id) if n.unit_id in tree.units else (), n.id))
    rows2 = [[i, tree.village_label(n.unit_id) if n.unit_id in tree.units else n.unit_name, n.kind_label, n.description,
              n.quantity, n.estimated_value, n.reason, n.proposed_on, n.status_label] for i, n in enumerate(needs, 1)]
    r2 = Report(
        key="de-xuat",
        title="DANH SÁCH ĐỀ XUẤT BỔ SUNG TRANG THIẾT BỊ",
        subtitle=(scope.label or unit_name(reg)).upper(),
        columns=[Column("Stt", "int", 6), Column("Thôn/TDP", "text", 22), Column("Loại thiết bị", "text", 22),
                 Column("Mô tả", "text", 24), Column("Số lượng", "int", 8), Column("Kinh phí dự kiến (đồng)", "money", 15),
                 Column("Lý do", "text", 40), Column("Ngày đề xuất", "date", 12), Column("Trạng thái", "text", 12)],
        rows=rows2,
        total=["", "Tổng", "", "", sum(n.quantity for n in needs), sum(n.estimated_value for n in needs), "", None, ""],
        sheet_name="Đề xuất thiết bị",
        letterhead=lh,
        meta={"needs": len(needs)},
    )
    return [r1, r2]


# ---------------------------------------------------------------------------
# The period pack (periods themselves: exports.layout)
# ---------------------------------------------------------------------------
def pack_file_name(reg, period: Period, ext: str = "xlsx") -> str:
    """"BaoCao_Q2-2026_PhuongTranHungDao.xlsx"."""
    return f"BaoCao_{period.tag}_{text.ascii_slug(unit_name(reg))}.{ext}"


def summary(reg, period: Period, *, day: dt.date | None = None, parts: dict[str, Report] | None = None) -> Report:
    from models import rules, services

    st = services.stats(reg, year=period.year)
    comp = rules.compliance(reg, year=period.year)
    parts = parts or {}
    courses = parts.get("tap-huan")
    needs = services.list_needs(reg, status="de_xuat")
    village_teams_ok = sum(1 for t in comp.teams if t.ok)
    rows: list[list[Any]] = []

    def add(label: str, value: Any, kind_note: str = "") -> None:
        rows.append([len(rows) + 1, label, value, kind_note])

    add("Số thôn, tổ dân phố", st.villages)
    covered = st.villages - len(comp.villages_without_team)
    add("Số thôn, tổ dân phố có Tổ CNSCĐ", covered,
        f"{text.format_decimal(100 * covered / st.villages, 1)}%" if st.villages else "")
    add("Số Tổ CNSCĐ", st.teams, f"cấp thôn: {text.format_int(st.village_teams)}")
    add("Số thành viên đang hoạt động", st.active_members, f"{text.format_int(st.people)} người khác nhau")
    add(f"Số thành viên đã tập huấn năm {period.year}", st.trained_this_year,
        f"{text.format_decimal(100 * st.trained_this_year / st.people if st.people else 0, 1)}%")
    add("Số lớp tập huấn trong kỳ", courses.meta["courses"] if courses else st.courses_this_year, period.label)
    add("Số tổ đạt đủ các tiêu chí (số lượng, thành phần, tổ trưởng, tập huấn)", village_teams_ok,
        f"trên {text.format_int(len(comp.teams))} tổ")
    add("Số trang thiết bị", st.equipment_items, f"hỏng/cần thay: {text.format_int(st.equipment_needing_repair)}")
    add("Số đề xuất bổ sung thiết bị chưa đáp ứng", len(needs),
        f"{text.format_money(sum(n.estimated_value for n in needs))}")
    pay = parts.get("ky-nhan")
    if pay is not None:
        pays = pay.meta["payments"]
        if pay.meta.get("days_known", True):
            add(f"Kinh phí hỗ trợ Tổ CNSCĐ {period.label} (đồng)", pay.meta["total"],
                f"{text.format_int(len(pays))} tổ; xem trang «{pay.sheet_name}»")
        else:
            add(f"Kinh phí hỗ trợ Tổ CNSCĐ {period.label}: phần cố định (đồng)", pay.meta["total"],
                f"chưa gồm phần theo ngày làm việc; xem trang «{pay.sheet_name}»")
    issues = [f.message for f in comp.findings if f.severity == "loi"][:15]
    notes = ["Các vấn đề cần khắc phục:"] + [f"- {m}" for m in issues] if issues else []
    return Report(
        key="tong-hop",
        title=f"BÁO CÁO KẾT QUẢ HOẠT ĐỘNG TỔ CÔNG NGHỆ SỐ CỘNG ĐỒNG {period.label.upper()}",
        subtitle=unit_name(reg).upper(),
        columns=[Column("Stt", "int", 6), Column("Chỉ tiêu", "text", 50), Column("Số liệu", "int", 12),
                 Column("Ghi chú", "text", 30)],
        rows=rows,
        notes=notes,
        sheet_name="Tổng hợp",
        letterhead=letterhead(reg, day),
    )


def bao_cao_ky(reg, period: Period, *, day: dt.date | None = None, with_cccd: bool = False,
               policy_code: str | None = None, days_per_person_month: int | None = None) -> Pack:
    """The period pack: a summary sheet, then Phụ lục I, composition, roster, training, equipment,
    and the support fund — the Phụ lục III estimate and the payment list (ký nhận) for the period.

    The fund policy is ``policy_code`` when given, else the registry's setting, else Quảng Nam
    phương án 01 (500.000 đồng/tổ/tháng); the fund sheets say which.
    """
    from models import services

    courses, coverage, untrained = tap_huan(reg, year=period.year, start=period.start, end=period.end, day=day)
    equipment, needs = thiet_bi(reg, day=day)
    policy, source = fund.registry_policy(reg, policy_code)
    est = fund.estimate(policy, teams=services.stats(reg).village_teams,
                        days_per_person_month=days_per_person_month or 0)
    estimate = fund.estimate_report(reg, est, day=day, policy_source=source)
    pay = fund.payment_report(reg, policy, period, days_per_person_month=days_per_person_month, day=day,
                              policy_source=source)
    parts = [phu_luc_1(reg, day=day), thanh_phan(reg, day=day), danh_sach(reg, with_cccd=with_cccd, day=day),
             courses, coverage, untrained, equipment, needs, estimate, pay]
    head = summary(reg, period, day=day, parts={r.key: r for r in parts})
    return Pack("bao-cao-ky", head.title, [head] + parts, file_stem=pack_file_name(reg, period, "")[:-1])
