"""The teams' results report and the month's duty rota, as :class:`~exports.layout.Report` sheets.

    reports = results_reports(reg, parse_activity_period("2026-Q2"))   # cnscd export hoat-dong
    writers.write(reports, "KetQuaHoatDong_Q2-2026.xlsx")
    rota = rota_report(reg, "2026-12")                                  # cnscd export lich-truc

The results report (for a month, quarter, half year or year: counts of the activities inside
the period, shares from 1 January to the period's end against the year's targets):

1. «Kết quả hỗ trợ» — per village (or commune/district for a registry of many communes) and
   in total: people and households helped, by service;
2. «Tiến độ chỉ tiêu» — each target's share (what was reached / the denominator), or what is
   missing («chưa có số hộ»), never 0% for an unknown denominator; the counting rule in the notes;
3. «Hình thức hoạt động» — sessions by kind (door to door, support point, meetings,
   loudspeaker/Zalo, duty shifts);
4. «Nhu cầu, khó khăn» — residents' needs and difficulties the teams wrote down.

Writers give them the official layout (Nghị định 30/2020/NĐ-CP). Nothing here imports a
spreadsheet library.
"""

from __future__ import annotations

import calendar
import datetime as dt
import math
import re
from typing import Any

from models import activities as act
from models import text
from models.errors import InputError

from .layout import Column, Period, Report, letterhead, parse_period, unit_name


# ---------------------------------------------------------------------------
# Periods: a month too ("2026-11", "11/2026")
# ---------------------------------------------------------------------------
def month_period(month: str) -> Period:
    m = act.parse_month(month)
    y, mm = int(m[:4]), int(m[5:7])
    start = dt.date(y, mm, 1)
    end = dt.date(y, mm, calendar.monthrange(y, mm)[1])
    return Period(m, start, end, f"Tháng {mm:02d} năm {y}", f"T{mm:02d}-{y}")


def parse_activity_period(code: Any) -> Period:
    """"2026-11" or "11/2026" (a month), "2026-Q2", "2026-H1", "2026" — as the other reports."""
    c = text.clean(code)
    if re.fullmatch(r"\d{4}-\d{1,2}|(?i:t|tháng|thang)?\s*\d{1,2}\s*/\s*\d{4}", c):
        return month_period(c)
    try:
        return parse_period(c)
    except InputError:
        raise InputError(f"Kỳ báo cáo «{c}» không hợp lệ; ghi ví dụ 2026-11 (tháng), 2026-Q2 (quý), 2026-H1 "
                         "(6 tháng đầu năm) hoặc 2026 (cả năm).", "period") from None


def _months(p: Period) -> tuple[str, str]:
    return act.parse_month(p.start), act.parse_month(p.end)


def _pct(p: float | None) -> float | None:
    """One decimal, rounded down (a share never looks met when it is not)."""
    return None if p is None else math.floor(p * 10 + 1e-9) / 10


def _default_by(reg) -> str:
    from models.activity_common import load_units

    with reg.read():
        levels = [u.level for u in load_units().values()]
    if levels.count("xa") <= 1:
        return "thon"
    return "huyen" if "huyen" in levels else "xa"


_BY_TITLE = {"thon": "Thôn/Tổ dân phố", "xa": "Xã/Phường", "huyen": "Huyện/Thị xã/Thành phố"}


# ---------------------------------------------------------------------------
# The results report
# ---------------------------------------------------------------------------
def _context(reg, period: Period, day: dt.date | None, by: str | None) -> dict:
    by = by or _default_by(reg)
    start, end = _months(period)
    prog = act.progress(reg, start=start, end=end, by=by)
    settings = act.get_activity_settings(reg)
    return dict(prog=prog, period=period, by=by, lh=letterhead(reg, day), unit=unit_name(reg).upper(),
                app=settings.app_name)


def progress_reports(reg, period: Period, *, day: dt.date | None = None, by: str | None = None) -> list[Report]:
    """The first two sheets of the results (the period's counts by service, and the targets'
    progress), without reading every activity's kinds and needs as the other two do."""
    ctx = _context(reg, period, day, by)
    return [_services_sheet(**ctx), _targets_sheet(**ctx)]


def results_reports(reg, period: Period, *, day: dt.date | None = None, by: str | None = None) -> list[Report]:
    """The four sheets of the teams' results for ``period`` (see the module's docstring).
    ``by``: "thon" (default for one commune), "xa" or "huyen" (default for a province)."""
    ctx = _context(reg, period, day, by)
    return [_services_sheet(**ctx), _targets_sheet(**ctx), _kinds_sheet(reg, **ctx),
            _needs_sheet(reg, prog=ctx["prog"], period=period, lh=ctx["lh"], unit=ctx["unit"])]


def _services_sheet(*, prog, period: Period, by: str, lh, unit: str, app: str) -> Report:
    cols = [Column("Stt", "int", 5), Column(_BY_TITLE[by], "text", 26)]
    for svc in act.SERVICE_ORDER:
        g = act.service_label(svc, app)
        cols += [Column("Số người", "int", 9, group=g), Column("Số hộ", "int", 9, group=g)]
    cols += [Column("Trong đó người cao tuổi, yếu thế", "int", 11), Column("Hộ kinh doanh được hỗ trợ", "int", 11)]

    def line(r) -> list:
        out: list = []
        for svc in act.SERVICE_ORDER:
            s = r.period.get(svc)
            out += [s.people if s else 0, s.households if s else 0]
        out.append(sum(s.priority for s in r.period.values()))
        out.append(sum(s.businesses for s in r.period.values()))
        return out

    rows = [[i, r.name] + line(r) for i, r in enumerate(prog.rows, 1)]
    return Report(
        key="hoat-dong",
        title=f"KẾT QUẢ HỖ TRỢ NGƯỜI DÂN CỦA TỔ CÔNG NGHỆ SỐ CỘNG ĐỒNG {period.label.upper()}",
        subtitle=unit,
        columns=cols,
        rows=rows,
        total=["", "Tổng cộng"] + line(prog.total),
        notes=["Số người, số hộ được hỗ trợ trong kỳ theo từng dịch vụ, cộng từ phiếu tháng và các hoạt động "
               "của các tổ (một người được hỗ trợ hai dịch vụ được tính ở cả hai cột).",
               "Sổ chỉ lưu số lượng, không lưu họ tên hay số giấy tờ của người dân được hỗ trợ."],
        sheet_name="Kết quả hỗ trợ",
        letterhead=lh,
        meta={"rows": len(rows), "people": sum(s.people for s in prog.total.period.values())},
    )


def _share_cells(sh, kind: str) -> list:
    if kind == "to_xa" and sh.metric != "lua_dao":
        return [sh.reached if sh.reached else None, None, "—"]
    if sh.percent is None:
        return [sh.reached, sh.base, sh.shown]
    return [sh.reached, sh.base, _pct(sh.percent)]


def _verdict(sh, kind: str) -> str:
    if kind == "to_xa" and sh.metric != "lua_dao":
        return ""
    if sh.met is None:
        return "Chưa tính được" if sh.target else ""
    return "Đạt" if sh.met else "Chưa đạt"


def _targets_sheet(*, prog, period: Period, by: str, lh, unit: str, app: str) -> Report:
    targets = prog.targets
    cols = [Column("Stt", "int", 5), Column(_BY_TITLE[by], "text", 26)]
    for t in targets:
        g = f"{act.METRICS[t.metric].short} (mục tiêu {t.text})"
        base = "Số tổ" if t.metric == "lua_dao" else act.DENOMINATORS[act.METRICS[t.metric].base][0]
        cols += [Column("Đã đạt", "int", 9, group=g), Column(base, "int", 10, group=g),
                 Column("Tỷ lệ (%)", "pct1", 9, group=g), Column("Đánh giá", "text", 9, group=g)]

    def line(r) -> list:
        out: list = []
        for t in targets:
            sh = r.shares[t.metric]
            out += _share_cells(sh, r.kind) + [_verdict(sh, r.kind)]
        return out

    rows = [[i, r.name] + line(r) for i, r in enumerate(prog.rows, 1)]
    first, last = text.format_date(dt.date(prog.year, 1, 1)), text.format_date(period.end)
    notes = [f"Tỷ lệ tính lũy kế từ {first} đến {last} so với chỉ tiêu năm {prog.year}.", prog.rule]
    notes += [f"{act.METRICS[t.metric].short}: {prog.total.shares[t.metric].partial}." for t in targets
              if prog.total.shares[t.metric].partial]
    if any(r.denominators and r.denominators.from_year and r.denominators.from_year < prog.year
           for r in prog.rows):
        notes.append(f"Một số thôn chưa có số liệu năm {prog.year}: dùng số liệu năm gần nhất đã có.")
    if not targets:
        notes.insert(0, "Chưa đặt chỉ tiêu nào (Cài đặt → Chỉ tiêu hoạt động).")
    return Report(
        key="hoat-dong-chi-tieu",
        title=f"TIẾN ĐỘ THỰC HIỆN CHỈ TIÊU HỖ TRỢ NGƯỜI DÂN {period.label.upper()}",
        subtitle=unit,
        columns=cols,
        rows=rows,
        total=["", "Tổng cộng"] + line(prog.total),
        notes=notes,
        sheet_name="Tiến độ chỉ tiêu",
        letterhead=lh,
        meta={"behind": prog.behind_items, "unknown": prog.unknown_items},
    )


def _kinds_sheet(reg, *, prog, period: Period, by: str, lh, unit: str, app: str) -> Report:
    from models import tallies

    start, end = _months(period)
    with reg.read():
        sums = tallies.kinds_by_unit(start, end, rows={r.unit_id for r in prog.rows}, below=by != "thon")
    kinds = list(act.KINDS)
    rows = [[i, r.name] + [sums.get(r.unit_id, {}).get(k, 0) for k in kinds] for i, r in enumerate(prog.rows, 1)]
    total = ["", "Tổng cộng"] + [sum(row[2 + j] for row in rows) for j in range(len(kinds))]
    return Report(
        key="hoat-dong-hinh-thuc",
        title=f"HÌNH THỨC HOẠT ĐỘNG CỦA TỔ CÔNG NGHỆ SỐ CỘNG ĐỒNG {period.label.upper()}",
        subtitle=unit,
        columns=[Column("Stt", "int", 5), Column(_BY_TITLE[by], "text", 28)]
        + [Column(act.KINDS[k][0], "int", 12, group="Số buổi, lượt") for k in kinds],
        rows=rows,
        total=total,
        notes=["Đến từng hộ theo phương châm «đến từng ngõ, gõ từng nhà, hướng dẫn từng người»; họp thôn, hội nghị "
               "Nhân dân; truyền thông qua loa truyền thanh cơ sở và nhóm Zalo; ca trực tại điểm hỗ trợ."],
        sheet_name="Hình thức hoạt động",
        letterhead=lh,
    )


def _needs_sheet(reg, *, prog, period: Period, lh, unit: str) -> Report:
    start, end = _months(period)
    needs = act.needs_between(reg, start, end)
    rows = [[i, n.unit_name, n.team_name, text.format_date(n.day) if n.day else act.month_label(n.month)[6:],
             n.text] for i, n in enumerate(needs, 1)]
    notes = [f"Tổng cộng: {text.format_int(len(rows))} ý kiến."] if rows else \
        ["Các tổ chưa ghi nhận nhu cầu, khó khăn nào trong kỳ."]
    return Report(
        key="hoat-dong-nhu-cau",
        title=f"NHU CẦU, KHÓ KHĂN, KIẾN NGHỊ CỦA NGƯỜI DÂN {period.label.upper()}",
        subtitle=unit,
        columns=[Column("Stt", "int", 5), Column("Thôn/TDP", "text", 24), Column("Tổ CNSCĐ", "text", 30),
                 Column("Thời gian", "text", 11), Column("Nội dung", "text", 60)],
        rows=rows,
        notes=notes,
        sheet_name="Nhu cầu, khó khăn",
        letterhead=lh,
        meta={"needs": len(rows)},
    )


def results_file_name(reg, period: Period, ext: str = "xlsx") -> str:
    """"KetQuaHoatDong_Q2-2026_PhuongTranHungDao.xlsx"."""
    return f"KetQuaHoatDong_{period.tag}_{text.ascii_slug(unit_name(reg))}.{ext}"


# ---------------------------------------------------------------------------
# The month's duty rota
# ---------------------------------------------------------------------------
def rota_report(reg, month: Any, *, day: dt.date | None = None) -> Report:
    """Every duty day of the month with the members on duty at the support point."""
    m = act.parse_month(month)
    rota = act.month_rota(reg, m)
    rows = []
    for d in rota.days:
        if not d.slots:
            rows.append([len(rows) + 1, d.date, d.weekday_label, "", "(chưa phân công)", "", ""])
        for s in d.slots:
            rows.append([len(rows) + 1, d.date, d.weekday_label, s.shift_label, s.full_name, s.phone, s.team_name])
    days = "thứ Hai đến thứ Bảy" if 5 in rota.weekdays else "thứ Hai đến thứ Sáu"
    notes = [f"Trực từ {days} trong giờ hành chính tại {rota.support_point}, hướng dẫn người dân đăng nhập, "
             "khôi phục tài khoản, cài đặt ứng dụng, nộp hồ sơ trực tuyến và thanh toán không dùng tiền mặt.",
             "Ngày nghỉ lễ, Tết theo quy định không trực; thành viên bận đổi ca với người khác và báo Tổ trưởng."]
    if rota.empty_weekdays:
        notes.append(f"Chưa phân công trực: {', '.join(rota.empty_weekdays)}.")
    mm, yy = m[5:7], m[:4]
    return Report(
        key="lich-truc",
        title=f"LỊCH TRỰC HỖ TRỢ NGƯỜI DÂN THÁNG {mm}/{yy}",
        subtitle=f"{rota.support_point.upper()} — {unit_name(reg).upper()}",
        columns=[Column("Stt", "int", 5), Column("Ngày", "date", 12), Column("Thứ", "text", 9),
                 Column("Ca", "text", 9), Column("Thành viên trực", "text", 26), Column("Số điện thoại", "phone", 14),
                 Column("Tổ CNSCĐ", "text", 30)],
        rows=rows,
        notes=notes,
        sheet_name=f"Lịch trực {mm}-{yy}",
        personal_data=True,
        letterhead=letterhead(reg, day),
        meta={"days": len(rota.days), "slots": sum(len(d.slots) for d in rota.days)},
    )


def rota_file_name(reg, month: Any, ext: str = "xlsx") -> str:
    m = act.parse_month(month)
    return f"LichTruc_T{m[5:7]}-{m[:4]}_{text.ascii_slug(unit_name(reg))}.{ext}"
