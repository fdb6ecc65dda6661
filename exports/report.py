"""Report builders: the tables higher levels ask for, as plain dataclasses.

Each builder reads the registry through :mod:`models.services` /
:mod:`models.rules` (or, for the few queries services has no call for, the
peewee models inside ``with reg.read():``) and returns a :class:`Report`:
title, columns (which give the header rows), data rows, a computed total row
and notes. The writers (:mod:`exports.writers`) lay a report out as XLSX, ODS
or CSV; the UI shows the same rows as a preview. Nothing here imports Textual
or a spreadsheet library.

Totals are always computed from the rows (the Quảng Nam assessment's own total row
says 7,448 members where its rows add up to 7,446).

Every builder shows the state at the end of a period (:class:`layout.Period`; default
:func:`layout.default_period` of the sheet's date — the quarter holding it): the
members held on its last day, the courses held inside it, the equipment acquired by
its end (:mod:`exports.as_of`); each title names the period. The units, their order
and the roster's rows live in :mod:`exports.report_tree`.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from models import text
from models.errors import InputError

from . import as_of as as_of_state
from . import fund
from .layout import (KINDS, Column, Letterhead, Pack, Period, Report, as_of_day, as_of_line, collector_paused,
                     default_period, letterhead, shared,
                     parse_period, period_title, stt_column, unit_name)
from .report_tree import Scope, Tree, cap, resolve_scope, roster_iter, roster_rows, village_choices  # noqa: F401

# Kept importable from here: callers (writers, the import wizard, tests) use ``report.Column`` & co.
__all__ = ["KINDS", "Column", "Letterhead", "Pack", "Period", "Report", "letterhead", "parse_period", "unit_name",
           "largest_remainder_pct", "phu_luc_1", "check_stated_total", "thanh_phan", "Scope", "resolve_scope",
           "village_choices", "danh_sach", "tap_huan", "thiet_bi", "pack_file_name", "summary", "bao_cao_ky",
           "problem_notes", "PROBLEMS_SHOWN", "default_period"]


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


# ---------------------------------------------------------------------------
# Phụ lục I — teams and members per unit
# ---------------------------------------------------------------------------
def phu_luc_1(reg, *, level: str | None = None, day: dt.date | None = None, period: Period | None = None) -> Report:
    """Stt | Đơn vị | Tổng số Tổ CNSCĐ/thôn: Số tổ | Số thôn, TDP | Tổng số thành viên, with a computed
    total row; the state at the end of ``period`` (default: :func:`layout.default_period` of ``day``).

    Rows are the registry's districts (data from before 7/2025) or communes
    when it holds several, otherwise the commune's villages; ``level``
    ("huyen", "xa", "thon") forces the choice. A commune-level team has its
    own row (its members count in the total; it is not a village team). Tables
    imported from lower units for the same period add one row per unit they hold,
    each naming the table it came from.
    """
    period = period or default_period(day)
    end = as_of_day(period, day)
    tree = Tree(reg, as_of=end)
    level = _row_level(tree, level)
    row_units = [uid for uid, u in tree.units.items() if u[2] == level and u[6]]
    row_units.sort(key=tree.order_key)
    villages_of, teams_of, members_of, upper = _unit_counts(tree, level)
    rows: list[list[Any]] = []
    for tname, n in upper:
        rows.append([len(rows) + 1, f"{tname} (cấp {_commune_kind(reg)})", None, None, n, ""])
    for uid in row_units:
        rows.append([len(rows) + 1, tree.label(uid), teams_of.get(uid, 0), villages_of.get(uid, 0),
                     members_of.get(uid, 0), ""])
    imported, other_periods = _imported_phu_luc_1(reg, period)
    for tab in imported:  # tables imported from lower units (cnscd import phu-luc-1) for this period
        for _stt, unit, teams, villages, members in tab["rows"]:
            rows.append([len(rows) + 1, f"{unit} (số liệu {tab['unit']} gửi)", int(teams or 0), int(villages or 0),
                         int(members or 0), _table_source(tab)])
    t_teams, t_villages = sum(r[2] or 0 for r in rows), sum(r[3] or 0 for r in rows)
    total_members = sum(r[4] for r in rows)
    upper_members = sum(n for _, n in upper)
    notes = [f"Số liệu {as_of_line(period, day)}: các tổ đã thành lập và thành viên đang hoạt động tại ngày đó."]
    notes += _imported_notes(imported, other_periods)
    if upper:
        notes.append(f"Tổng số thành viên gồm cả {text.format_int(upper_members)} thành viên "
                     f"Tổ CNSCĐ cấp {_commune_kind(reg)}.")
    notes.append("Cột «Tổng số Tổ CNSCĐ/thôn»: số tổ cấp thôn và số thôn, tổ dân phố. Dòng tổng cộng tính từ các "
                 "dòng trên.")
    label = {"huyen": "Đơn vị", "xa": "Xã, phường", "thon": "Thôn, tổ dân phố"}[level]
    group = "Tổng số Tổ CNSCĐ/thôn"
    columns = [stt_column(), Column(label, "text", 34), Column("Số tổ", "int", 9, group=group),
               Column("Số thôn, TDP", "int", 9, group=group), Column("Tổng số thành viên Tổ CNSCĐ", "int", 18)]
    # rows from more than one source (the registry, each imported table): each says where it came from
    many = len(imported) + (1 if len(rows) > sum(len(t["rows"]) for t in imported) else 0) > 1
    if many:
        columns.append(Column("Nguồn số liệu", "text", 26))
        rows = [r[:5] + [r[5] or "Sổ của đơn vị"] for r in rows]
    else:
        rows = [r[:5] for r in rows]
    total = ["", "Tổng", t_teams, t_villages, total_members] + ([""] if many else [])
    return Report(
        key="phu-luc-1",
        title="TỔNG HỢP SỐ LIỆU TỔ CÔNG NGHỆ SỐ CỘNG ĐỒNG",
        subtitle=f"{unit_name(reg).upper()} {period_title(period)}",
        columns=columns,
        rows=rows,
        total=total,
        notes=notes,
        sheet_name="Phụ lục I",
        letterhead=letterhead(reg, day),
        meta={"teams": t_teams, "villages": t_villages, "members": total_members, "level": level,
              "period": period.code, "as_of": end},
    )


def _unit_counts(tree: Tree, level: str):
    """({unit: villages}, {unit: village teams}, {unit: members}, [(team, members) above ``level``]) for
    the units of ``level`` (a commune-level team in a village table is above it)."""
    villages_of: dict[int, int] = {}
    for uid, u in tree.units.items():
        if u[2] == "thon" and u[6]:
            a = tree.ancestor(uid, level)
            if a is not None:
                villages_of[a] = villages_of.get(a, 0) + 1
    teams_of: dict[int, int] = {}
    members_of: dict[int, int] = {}
    upper: list[tuple[str, int]] = []
    for tid, unit_id, tlevel, tname in tree.teams:
        n = tree.counts.get(tid, 0)
        a = tree.ancestor(unit_id, level)
        if a is None:
            upper.append((tname, n))
            continue
        members_of[a] = members_of.get(a, 0) + n
        if tlevel == "thon":
            teams_of[a] = teams_of.get(a, 0) + 1
    return villages_of, teams_of, members_of, upper


def _row_level(tree: Tree, level: str | None) -> str:
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


def _imported_notes(imported: list[dict], other_periods: list[dict]) -> list[str]:
    """Where the imported tables came from, what was wrong with their stated totals, and the tables of
    other periods left out."""
    notes = []
    for tab in imported:
        notes.append(f"Gồm số liệu {tab['unit']} gửi ({tab['period_label']}; tệp {tab['file']}, nhập ngày "
                     f"{text.format_date(dt.date.fromisoformat(tab['imported']))}).")
        for flag in tab.get("flags") or []:
            notes.append(f"Lưu ý về bảng của {tab['unit']}: {flag} Dòng tổng cộng ở đây tính từ các dòng.")
    if other_periods:
        notes.append("Không cộng các bảng nhập của kỳ khác: " + "; ".join(
            f"{d['unit']} ({d['period_label']})" for d in other_periods) + ". Chọn đúng kỳ để cộng các bảng đó.")
    return notes


def _imported_phu_luc_1(reg, period: Period) -> tuple[list[dict], list[dict]]:
    """(the Phụ lục I tables imported from lower units for ``period``, those of other periods)."""
    from .phu_luc_intake import imported_tables

    every = imported_tables(reg)
    return [d for d in every if d["period"] == period.code], [d for d in every if d["period"] != period.code]


def _table_source(tab: dict) -> str:
    from .phu_luc_intake import table_source

    return table_source(tab)


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
def thanh_phan(reg, *, include_empty: bool = False, decimals: int = 0, day: dt.date | None = None,
               period: Period | None = None) -> Report:
    """Stt | Thành viên theo thành phần | Số lượng | Tổng số | Tỷ lệ (%): the members held at the end of
    ``period`` (default: :func:`layout.default_period` of ``day``), largest-remainder percentages."""
    from models import services

    period = period or default_period(day)
    end = as_of_day(period, day)
    counts, people = _category_counts_on(reg, end)
    cats = services.list_categories(reg, include_inactive=True)
    chosen = [c for c in cats if counts.get(c.code, 0) > 0 or (include_empty and c.active)]
    total = sum(counts.get(c.code, 0) for c in chosen)
    pct = largest_remainder_pct([counts.get(c.code, 0) for c in chosen], decimals)
    rows = [[i, c.name, counts.get(c.code, 0), total, p] for i, (c, p) in enumerate(zip(chosen, pct, strict=True), 1)]
    covers = (f"Số liệu tính trên {text.format_int(total)} thành viên đang hoạt động tại ngày "
              f"{text.format_date(end)}")
    if people != total:
        covers += f" ({text.format_int(people)} người; người ở hai tổ được tính ở mỗi tổ)"
    notes = [covers + ".", "Tỷ lệ làm tròn theo phương pháp phần dư lớn nhất để tổng đúng 100%. "
             "Mỗi thành viên tính theo một thành phần chính."] + _demo_notes(reg, total)
    return Report(
        key="thanh-phan",
        title="TỔNG HỢP SỐ LIỆU THÔNG TIN THÀNH VIÊN TỔ CÔNG NGHỆ SỐ CỘNG ĐỒNG",
        subtitle=f"{unit_name(reg).upper()} — THEO THÀNH PHẦN, {period_title(period)}",
        columns=[stt_column(), Column("Thành viên theo thành phần", "text", 36),
                 Column("Số lượng", "int", 11), Column("Tổng số thành viên", "int", 12),
                 Column("Tỷ lệ (%)", "pct1" if decimals else "pct", 10)],
        rows=rows,
        total=["", "Tổng", total, total, 100 if total else 0],
        notes=notes,
        sheet_name="Thành phần",
        letterhead=letterhead(reg, day),
        meta={"counts": {c.code: counts.get(c.code, 0) for c in chosen}, "total": total, "people": people,
              "period": period.code, "as_of": end},
    )


def _category_counts_on(reg, day: dt.date) -> tuple[dict[str, int], int]:
    """({category code: memberships held on ``day``}, distinct people), of the teams existing that day."""
    from models.schema import Category, Membership

    import peewee as pw

    with reg.read():
        teams = list(as_of_state.team_ids_on(day)) or [-1]
        held = as_of_state.active_on(day) & Membership.team.in_(teams)
        counts = dict(Membership.select(Category.code, pw.fn.COUNT(Membership.id)).join(Category)
                      .where(held).group_by(Category.code).tuples())
        people = Membership.select(pw.fn.COUNT(pw.fn.DISTINCT(Membership.person))).where(held).scalar() or 0
    return counts, people


def _demo_notes(reg, total: int) -> list[str]:
    """A demo registry says so: the province demo's composition is the Quảng Nam assessment's shares
    spread over its members, not that document's own table."""
    from models.schema import AuditLog

    with reg.read():
        mark = (AuditLog.select(AuditLog.summary).where((AuditLog.action == "he_thong")
                & AuditLog.summary.startswith("Tạo dữ liệu mẫu")).scalar())
    if not mark:
        return []
    if "cấp tỉnh" not in mark:
        return ["Sổ dữ liệu mẫu: số liệu không phải của đơn vị thật."]
    from models.demo import COMPOSITION_QUANG_NAM

    source = sum(n for _, n in COMPOSITION_QUANG_NAM)
    return [f"Sổ dữ liệu mẫu: thành phần của {text.format_int(total)} thành viên mẫu được chia theo tỷ lệ của bảng "
            f"thành phần trong Báo cáo đánh giá tác động của tỉnh Quảng Nam ({text.format_int(source)} thành viên); "
            "đây không phải bảng số liệu của báo cáo đó."]


def danh_sach(reg, *, scope: Scope | None = None, gender_columns: bool = False, with_cccd: bool = False,
              day: dt.date | None = None, period: Period | None = None) -> Report:
    """The roster: Stt, họ và tên, năm sinh (or Nam/Nữ), vai trò, thành phần, chức vụ khác, thôn/TDP,
    số điện thoại, [số CCCD], ghi chú — the members held at the end of ``period`` (default:
    :func:`layout.default_period` of ``day``), unit by unit in the registry's order, in each team the
    Tổ trưởng, the Tổ phó, then the members in Vietnamese name order."""
    scope = scope or Scope()
    period = period or default_period(day)
    end = as_of_day(period, day)
    cols = [stt_column(), Column("Họ và tên", "text", 26)]
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
    unknown = 0
    # the memberships come sorted one at a time (report_tree.roster_iter): each is let go once its row
    # is made, so the rows are all that is held
    for i, r in enumerate(roster_iter(reg, scope, as_of=end), 1):
        g = r.gender
        unknown += g not in ("nam", "nu")
        years = (r.year if g == "nam" else None, r.year if g == "nu" else None) if gender_columns else (r.year,)
        tail = (r.cccd, r.notes) if with_cccd else (r.notes,)
        # from a tuple: a list of exactly its length (120,000 of them in a 16-province roster)
        rows.append(list((i, r.name, *years, r.role, r.category, r.other, r.village, r.phone, *tail)))
    r = None  # the last one too
    where = scope.label or unit_name(reg)
    notes = [f"Thành viên đang hoạt động tại ngày {text.format_date(end)}; mỗi tổ: Tổ trưởng, Tổ phó, rồi "
             "các thành viên theo tên."]
    if gender_columns and unknown:
        notes.append(f"{unknown} người chưa ghi giới tính nên không có năm sinh ở cột Nam/Nữ.")
    return Report(
        key="danh-sach",
        title="DANH SÁCH THÀNH VIÊN TỔ CÔNG NGHỆ SỐ CỘNG ĐỒNG",
        subtitle=f"{where.upper()} — {period_title(period)}",
        columns=cols,
        rows=rows,
        total=None,
        notes=notes + [f"Tổng cộng: {text.format_int(len(rows))} thành viên."],
        sheet_name="Danh sách",
        personal_data=True,
        letterhead=letterhead(reg, day),
        meta={"count": len(rows), "period": period.code, "as_of": end},
    )


# ---------------------------------------------------------------------------
# Training
# ---------------------------------------------------------------------------
def _training_period(period: Period | None, year: int | None, start: dt.date | None, end: dt.date | None,
                     day: dt.date | None) -> tuple[dt.date, dt.date, str]:
    """(first day, last day, what the titles say) of the courses a training report covers."""
    if period is None and year is None and start is None and end is None:
        period = default_period(day)
    if period is not None:
        return period.start, as_of_day(period, day), period_title(period)
    year = year or (end or start or dt.date.today()).year
    start, end = start or dt.date(year, 1, 1), end or dt.date(year, 12, 31)
    if (start, end) == (dt.date(year, 1, 1), dt.date(year, 12, 31)):
        return start, end, f"NĂM {year}"
    return start, end, f"TỪ {text.format_date(start)} ĐẾN {text.format_date(end)}"


def tap_huan(reg, *, year: int | None = None, start: dt.date | None = None, end: dt.date | None = None,
             day: dt.date | None = None, period: Period | None = None, compliance: list | None = None) -> list[Report]:
    """The courses held inside ``period`` (or ``year``, or ``start``–``end``; default
    :func:`layout.default_period` of ``day``) with attendance counts; how many of each team's members
    at the period's end were trained in its year up to then; the members not yet trained.
    ``compliance``: ``as_of.compliance_on(reg, end)`` when the caller has it (the period pack)."""
    from models import services

    start, end, when = _training_period(period, year, start, end, day)
    lh = letterhead(reg, day)
    courses = [c for c in services.list_courses(reg, year=None) if start <= c.start_date <= end]
    courses.sort(key=lambda c: (c.start_date, c.id))
    rows = [[i, c.title, c.start_date, c.end_date, c.organiser, c.form_label, c.hours,
             "; ".join(c.topic_labels), c.attendee_count or 0] for i, c in enumerate(courses, 1)]
    r1 = Report(
        key="tap-huan",
        title="TỔNG HỢP CÁC LỚP TẬP HUẤN CHO TỔ CÔNG NGHỆ SỐ CỘNG ĐỒNG",
        subtitle=f"{unit_name(reg).upper()} — {when}",
        columns=[stt_column(), Column("Tên lớp tập huấn", "text", 36), Column("Ngày bắt đầu", "date", 12),
                 Column("Ngày kết thúc", "date", 12), Column("Đơn vị tổ chức", "text", 22),
                 Column("Hình thức", "text", 11), Column("Số giờ", "pct1", 8), Column("Chủ đề", "text", 36),
                 Column("Số người dự", "int", 10)],
        rows=rows,
        total=["", f"Tổng: {len(rows)} lớp", None, None, "", "", sum(c.hours for c in courses), "",
               sum((c.attendee_count or 0) for c in courses)],
        notes=[f"Các lớp bắt đầu từ {text.format_date(start)} đến {text.format_date(end)}. "
               "Số người dự tính theo lượt (một người dự hai lớp được tính hai lượt)."],
        sheet_name="Tập huấn",
        letterhead=lh,
        meta={"courses": len(rows), "start": start, "end": end},
    )
    return [r1, _coverage(reg, start, end, lh, compliance), _untrained(reg, end, lh)]


def _year_to(end: dt.date) -> str:
    """«NĂM 2026» for a whole year, «NĂM 2026 (ĐẾN NGÀY 30/06/2026)» for part of one."""
    return f"NĂM {end.year}" + ("" if (end.month, end.day) == (12, 31) else f" (ĐẾN NGÀY {text.format_date(end)})")


def _coverage(reg, start: dt.date, end: dt.date, lh: Letterhead, compliance: list | None = None) -> Report:
    """Each team existing at ``end``: its members then, and how many attended a course of that year
    up to ``end``; in the registry's order of units (the commune's own team first)."""
    tree = Tree(reg, as_of=end)
    teams = _teams_in_order(reg, tree, end, compliance)
    rows2 = []
    t_size = t_untrained = 0
    for i, t in enumerate(teams, 1):
        tc = t.check
        trained = tc.size - tc.untrained
        rows2.append([i, tc.team_name, shared(cap(tree.village_label(t.unit_id))) if t.unit_id in tree.units else "",
                      tc.size, trained, tc.untrained, round(100 * trained / tc.size, 1) if tc.size else 0.0])
        t_size += tc.size
        t_untrained += tc.untrained
    people, untrained = _people_trained(reg, end)
    return Report(
        key="tap-huan-do-phu",
        title=f"TỶ LỆ THÀNH VIÊN TỔ CNSCĐ ĐÃ ĐƯỢC TẬP HUẤN {_year_to(end)}",
        subtitle=unit_name(reg).upper(),
        columns=[stt_column(), Column("Tổ CNSCĐ", "text", 38), Column("Thôn/TDP", "text", 24),
                 Column("Số thành viên", "int", 11), Column("Đã tập huấn", "int", 11),
                 Column("Chưa tập huấn", "int", 11), Column("Tỷ lệ đã tập huấn (%)", "pct1", 12)],
        rows=rows2,
        total=["", "Tổng", "", t_size, t_size - t_untrained, t_untrained,
               round(100 * (t_size - t_untrained) / t_size, 1) if t_size else 0.0],
        notes=[f"Mục tiêu: 100% thành viên dự ít nhất một lớp tập huấn trong năm {end.year}. Thành viên đang hoạt "
               f"động tại ngày {text.format_date(end)}; đã tập huấn: dự lớp bắt đầu từ 01/01/{end.year} đến ngày đó. "
               f"Số người khác nhau: {text.format_int(people)}, chưa tập huấn: {text.format_int(untrained)}."],
        sheet_name="Độ phủ tập huấn",
        letterhead=lh,
        meta={"active_members": people, "untrained": untrained, "start": start, "end": end},
    )


def _teams_in_order(reg, tree: Tree, end: dt.date, compliance: list | None) -> list:
    """``compliance`` (else :func:`as_of.compliance_on` of ``end``) in the registry's order of units,
    the commune's own team first."""
    teams = compliance if compliance is not None else as_of_state.compliance_on(reg, end)
    teams.sort(key=lambda t: (0 if t.level == "xa" else 1, tree.order_key(t.unit_id)))
    return teams


def _people_trained(reg, end: dt.date) -> tuple[int, int]:
    """(distinct people holding a membership on ``end``, of them not trained in its year up to then),
    counted by SQLite (the memberships and the trained were two sets of 100,000 ids at 16×)."""
    from models.schema import Attendance, Course, Membership

    import peewee as pw

    start = dt.date(end.year, 1, 1)
    trained = (Attendance.select(Attendance.person).join(Course)
               .where((Course.start_date >= start) & (Course.start_date <= end)))
    held = as_of_state.active_on(end)
    with reg.read():
        people = Membership.select(pw.fn.COUNT(pw.fn.DISTINCT(Membership.person))).where(held).scalar() or 0
        done = (Membership.select(pw.fn.COUNT(pw.fn.DISTINCT(Membership.person)))
                .where(held & Membership.person.in_(trained)).scalar() or 0)
    return people, people - done


def _untrained(reg, end: dt.date, lh: Letterhead) -> Report:
    seen: set[int] = set()
    rows3 = []
    for r in roster_iter(reg, Scope(), as_of=end, trained=(dt.date(end.year, 1, 1), end), untrained_only=True):
        if r["person_id"] in seen:
            continue
        seen.add(r["person_id"])
        rows3.append([len(rows3) + 1, r["name"], r["year"], r["role"], r["team"], r["village"], r["phone"]])
    return Report(
        key="chua-tap-huan",
        title=f"DANH SÁCH THÀNH VIÊN CHƯA ĐƯỢC TẬP HUẤN {_year_to(end)}",
        subtitle=unit_name(reg).upper(),
        columns=[stt_column(), Column("Họ và tên", "text", 26), Column("Năm sinh", "year", 9),
                 Column("Vai trò trong Tổ", "text", 13), Column("Tổ CNSCĐ", "text", 36),
                 Column("Thôn/TDP", "text", 22), Column("Số điện thoại", "phone", 14)],
        rows=rows3,
        notes=[f"Tổng cộng: {text.format_int(len(rows3))} người."],
        sheet_name="Chưa tập huấn",
        personal_data=True,
        letterhead=lh,
        meta={"count": len(rows3)},
    )


# ---------------------------------------------------------------------------
# Equipment
# ---------------------------------------------------------------------------
def _by(d, end: dt.date) -> bool:
    """Acquired/proposed by ``end`` (an item without a date counts)."""
    if isinstance(d, str):
        d = dt.date.fromisoformat(d[:10])
    return d is None or d <= end


def _unit_places(tree: Tree, ids: set[int]) -> dict[int, int]:
    """Each unit's place in the registry's order (:meth:`Tree.order_key`), worked out once per unit,
    not once per item (13,000 equipment items at 16×); a unit not in the tree first."""
    known = sorted((uid for uid in ids if uid in tree.units), key=tree.order_key)
    place = dict.fromkeys((uid for uid in ids if uid not in tree.units), -1)
    place.update((uid, i) for i, uid in enumerate(known))
    return place


def thiet_bi(reg, *, scope: Scope | None = None, day: dt.date | None = None,
             period: Period | None = None) -> list[Report]:
    """Inventory by village (condition, funding source, value) and the needs list, as at the end of
    ``period`` (default: :func:`layout.default_period` of ``day``): the items acquired and the needs
    proposed by then (their condition and status as the registry has them now)."""
    from models import services

    scope = scope or Scope()
    period = period or default_period(day)
    end = as_of_day(period, day)
    tree = Tree(reg)
    lh = letterhead(reg, day)
    items = [e for e in services.list_equipment(reg, unit_id=scope.village_id) if _by(e.acquired_on, end)]
    place = _unit_places(tree, {e.unit_id for e in items})
    items.sort(key=lambda e: (place[e.unit_id], e.kind, e.id))
    rows = []
    same = {}.setdefault  # descriptions, dates and values repeat from item to item: one object each
    for i, e in enumerate(items, 1):
        funding = e.funding_label + (f" ({e.funding_note})" if e.funding_note else "")
        rows.append([i, tree.village_label(e.unit_id) if e.unit_id in tree.units else e.unit_name, same(e.place, e.place),
                     e.kind_label, same(e.description, e.description), e.quantity, e.condition_label,
                     same(funding, funding), same(e.acquired_on, e.acquired_on), same(e.value, e.value)])
    bad = sum(1 for e in items if e.condition != "tot")
    r1 = Report(
        key="thiet-bi",
        title="DANH MỤC TRANG THIẾT BỊ PHỤC VỤ HOẠT ĐỘNG TỔ CÔNG NGHỆ SỐ CỘNG ĐỒNG",
        subtitle=f"{(scope.label or unit_name(reg)).upper()} — {period_title(period)}",
        columns=[stt_column(), Column("Thôn/TDP", "text", 22), Column("Nơi đặt", "text", 26),
                 Column("Loại thiết bị", "text", 24), Column("Mô tả", "text", 26), Column("Số lượng", "int", 8),
                 Column("Tình trạng", "text", 10), Column("Nguồn kinh phí", "text", 24),
                 Column("Ngày trang bị", "date", 12), Column("Giá trị (đồng)", "money", 14)],
        rows=rows,
        total=["", "Tổng", "", "", "", sum(e.quantity for e in items), "", "", None, sum(e.value for e in items)],
        notes=[f"Thiết bị trang bị đến ngày {text.format_date(end)} (kể cả thiết bị chưa ghi ngày trang bị); "
               f"tình trạng theo sổ hiện nay. Thiết bị hỏng hoặc cần thay: {bad} mục."],
        sheet_name="Thiết bị",
        letterhead=lh,
        meta={"items": len(items), "value": sum(e.value for e in items), "repair": bad, "period": period.code,
              "quantity": sum(e.quantity for e in items), "end": end, "scoped": scope.village_id is not None},
    )
    needs = [n for n in services.list_needs(reg, unit_id=scope.village_id) if _by(n.proposed_on, end)]
    place = _unit_places(tree, {n.unit_id for n in needs})
    needs.sort(key=lambda n: (place[n.unit_id], n.id))
    rows2 = [[i, tree.village_label(n.unit_id) if n.unit_id in tree.units else n.unit_name, n.kind_label, n.description,
              n.quantity, n.estimated_value, n.reason, n.proposed_on, n.status_label] for i, n in enumerate(needs, 1)]
    r2 = Report(
        key="de-xuat",
        title="DANH SÁCH ĐỀ XUẤT BỔ SUNG TRANG THIẾT BỊ",
        subtitle=f"{(scope.label or unit_name(reg)).upper()} — {period_title(period)}",
        columns=[stt_column(), Column("Thôn/TDP", "text", 22), Column("Loại thiết bị", "text", 22),
                 Column("Mô tả", "text", 24), Column("Số lượng", "int", 8), Column("Kinh phí dự kiến (đồng)", "money", 15),
                 Column("Lý do", "text", 40), Column("Ngày đề xuất", "date", 12), Column("Trạng thái", "text", 12)],
        rows=rows2,
        total=["", "Tổng", "", "", sum(n.quantity for n in needs), sum(n.estimated_value for n in needs), "", None, ""],
        notes=[f"Đề xuất ghi đến ngày {text.format_date(end)}; trạng thái theo sổ hiện nay."],
        sheet_name="Đề xuất thiết bị",
        letterhead=lh,
        meta={"needs": len(needs), "end": end, "scoped": scope.village_id is not None,
              "open": (sum(1 for n in needs if n.status == "de_xuat"),
                       sum(n.estimated_value for n in needs if n.status == "de_xuat"))},
    )
    return [r1, r2]


# ---------------------------------------------------------------------------
# The period pack (periods themselves: exports.layout)
# ---------------------------------------------------------------------------
def pack_file_name(reg, period: Period, ext: str = "xlsx") -> str:
    """"BaoCao_Q2-2026_PhuongTranHungDao.xlsx"."""
    return f"BaoCao_{period.tag}_{text.ascii_slug(unit_name(reg))}.{ext}"


PROBLEMS_SHOWN = 15  # problems listed on the summary sheet; the rest are counted («… và N vấn đề khác»)


def summary(reg, period: Period, *, day: dt.date | None = None, parts: dict[str, Report] | None = None,
            compliance: list | None = None) -> Report:
    """The period's summary sheet: every figure as at the period's end (members held that day, courses
    held inside the period, training of its year up to its end, equipment acquired by then).
    ``parts``: the pack's sheets, whose figures are taken rather than counted again; ``compliance``:
    ``as_of.compliance_on(reg, end)`` when the caller has it."""
    end = as_of_day(period, day)
    parts = parts or {}
    tree = Tree(reg, as_of=end)
    teams = _teams_in_order(reg, tree, end, compliance)
    villages = [uid for uid, u in tree.units.items() if u[2] == "thon" and u[6]]
    with_team = {t.unit_id for t in teams if t.level == "thon"}
    coverage = parts.get("tap-huan-do-phu")
    people, untrained = ((coverage.meta["active_members"], coverage.meta["untrained"])
                         if coverage is not None and coverage.meta["end"] == end else _people_trained(reg, end))
    members = sum(t.check.size for t in teams)
    n_courses, (n_items, n_repair), (n_needs, needs_value) = _summary_counts(reg, period, end, parts)
    rows: list[list[Any]] = []

    def add(label: str, value: Any, kind_note: str = "") -> None:
        rows.append([len(rows) + 1, label, value, kind_note])

    add("Số thôn, tổ dân phố", len(villages))
    covered = sum(1 for uid in villages if uid in with_team)
    add("Số thôn, tổ dân phố có Tổ CNSCĐ", covered,
        f"{text.format_decimal(100 * covered / len(villages), 1)}%" if villages else "")
    add("Số Tổ CNSCĐ", len(teams), f"cấp thôn: {text.format_int(sum(1 for t in teams if t.level == 'thon'))}")
    add("Số thành viên đang hoạt động", members, f"{text.format_int(people)} người khác nhau")
    add(f"Số thành viên đã tập huấn năm {period.year}", people - untrained,
        f"{text.format_decimal(100 * (people - untrained) / people if people else 0, 1)}%")
    add("Số lớp tập huấn trong kỳ", n_courses, period.label)
    add("Số tổ đạt đủ các tiêu chí (số lượng, thành phần, tổ trưởng, tập huấn)", sum(1 for t in teams if t.check.ok),
        f"trên {text.format_int(len(teams))} tổ")
    add("Số trang thiết bị", n_items, f"hỏng/cần thay: {text.format_int(n_repair)}")
    add("Số đề xuất bổ sung thiết bị chưa đáp ứng", n_needs, f"{text.format_money(needs_value)}")
    pay = parts.get("ky-nhan")
    if pay is not None:
        pays = pay.meta["payments"]
        if pay.meta.get("days_known", True):
            add(f"Kinh phí hỗ trợ Tổ CNSCĐ {period.label} (đồng)", pay.meta["total"],
                f"{text.format_int(len(pays))} tổ; xem trang «{pay.sheet_name}»")
        else:
            add(f"Kinh phí hỗ trợ Tổ CNSCĐ {period.label}: phần cố định (đồng)", pay.meta["total"],
                f"chưa gồm phần theo ngày làm việc; xem trang «{pay.sheet_name}»")
    issues = [f.message for t in teams for f in t.check.findings if f.severity == "loi"]
    issues += [f"{tree.village_label(uid)} chưa có Tổ CNSCĐ." for uid in sorted(villages, key=tree.order_key)
               if uid not in with_team]
    return Report(
        key="tong-hop",
        title=f"BÁO CÁO KẾT QUẢ HOẠT ĐỘNG TỔ CÔNG NGHỆ SỐ CỘNG ĐỒNG {period_title(period)}",
        subtitle=unit_name(reg).upper(),
        columns=[stt_column(), Column("Chỉ tiêu", "text", 50), Column("Số liệu", "int", 12),
                 Column("Ghi chú", "text", 30)],
        rows=rows,
        notes=[f"Số liệu {as_of_line(period, day)}; lớp tập huấn trong kỳ."] + problem_notes(issues),
        sheet_name="Tổng hợp",
        letterhead=letterhead(reg, day),
        meta={"problems": len(issues), "period": period.code, "as_of": end},
    )


def _summary_counts(reg, period: Period, end: dt.date, parts: dict[str, Report]):
    """(courses in the period, (equipment items, of them to repair), (open needs, their value)) as at
    ``end``: from the pack's sheets when it has them (made for the same day), else from the registry."""
    from models import services

    courses = parts.get("tap-huan")
    n_courses = courses.meta["courses"] if courses else len(
        [c for c in services.list_courses(reg, year=None) if period.start <= c.start_date <= end])
    kit, asked = parts.get("thiet-bi"), parts.get("de-xuat")
    if kit is not None and "quantity" in kit.meta and kit.meta.get("end") == end and not kit.meta.get("scoped"):
        items = (kit.meta["quantity"], kit.meta["repair"])
    else:
        every = [e for e in services.list_equipment(reg) if _by(e.acquired_on, end)]
        items = (sum(e.quantity for e in every), sum(1 for e in every if e.condition != "tot"))
    if asked is not None and "open" in asked.meta and asked.meta.get("end") == end and not asked.meta.get("scoped"):
        needs = asked.meta["open"]
    else:
        open_needs = [n for n in services.list_needs(reg, status="de_xuat") if _by(n.proposed_on, end)]
        needs = (len(open_needs), sum(n.estimated_value for n in open_needs))
    return n_courses, items, needs


def problem_notes(issues: list[str], shown: int = PROBLEMS_SHOWN) -> list[str]:
    """The problems to fix: all of them, or the first ``shown`` and «… và N vấn đề khác»."""
    if not issues:
        return []
    out = [f"Các vấn đề cần khắc phục ({text.format_int(len(issues))}):"] + [f"- {m}" for m in issues[:shown]]
    if len(issues) > shown:
        out.append(f"- … và {text.format_int(len(issues) - shown)} vấn đề khác (đủ danh sách: màn hình Tổng quan "
                   "của chương trình).")
    return out


def bao_cao_ky(reg, period: Period, *, day: dt.date | None = None, with_cccd: bool = False,
               policy_code: str | None = None, days_per_person_month: int | None = None) -> Pack:
    """The period pack: a summary sheet, then Phụ lục I, composition, roster, training, equipment,
    the teams' results (by service, and against the targets), and the support fund — the Phụ lục III estimate and the payment list (ký nhận) for the period.

    The fund policy is ``policy_code`` when given, else the registry's setting, else Quảng Nam
    phương án 01 (500.000 đồng/tổ/tháng); the fund sheets say which.
    """

    from . import activities

    with collector_paused():
        # The teams' results first: their reading is the pack's largest passing need of memory (at 16×
        # the province), best met before the roster's rows are held; the sheets' order is below.
        results = activities.progress_reports(reg, period, day=day)
        # each team's state at the period's end, worked out once for the training coverage and the summary
        teams = as_of_state.compliance_on(reg, as_of_day(period, day))
        courses, coverage, untrained = tap_huan(reg, period=period, day=day, compliance=teams)
        equipment, needs = thiet_bi(reg, day=day, period=period)
        policy, source = fund.registry_policy(reg, policy_code)
        est = fund.registry_estimate(reg, policy, days_per_person_month=days_per_person_month or 0)
        estimate = fund.estimate_report(reg, est, day=day, policy_source=source)
        pay = fund.payment_report(reg, policy, period, days_per_person_month=days_per_person_month, day=day,
                                  policy_source=source)
        # the summary as soon as the sheets it counts on are made: the teams' states are let go before
        # the roster's rows are made (at 16× they are 20 MB, the rows 40)
        head = summary(reg, period, day=day, parts={r.key: r for r in (courses, coverage, pay, equipment, needs)},
                       compliance=teams)
        del teams
        parts = [phu_luc_1(reg, day=day, period=period), thanh_phan(reg, day=day, period=period),
                 danh_sach(reg, with_cccd=with_cccd, day=day, period=period),
                 courses, coverage, untrained, equipment, needs,
                 *results, estimate, pay]
    return Pack("bao-cao-ky", head.title, [head] + parts, file_stem=pack_file_name(reg, period, "")[:-1])
