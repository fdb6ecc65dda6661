"""Support fund for the teams: a rate model, the estimate table (Phụ lục III) and
the payment list with a signature column (danh sách ký nhận).

One :class:`FundPolicy` expresses every policy in DOMAIN.md:

- per team per month, with a breakdown (Quảng Nam phương án 01: 500.000 đ =
  văn phòng phẩm 100.000 + xăng xe 125.000 + 3G/4G 250.000 + nước uống 75.000;
  Yên Bái 500.000; Hà Tĩnh, Cà Mau 600.000; Đà Nẵng from 2026 300.000),
- per member per month (Bình Dương 60.000),
- per member per day worked, and per night (Bình Dương 150.000 / 200.000;
  Đà Nẵng 50.000),
- a cap per team per year (Đà Nẵng 3.000.000),
- a number of months per year and of years (Yên Bái: 24 months).

All amounts are whole đồng (int); nothing is rounded until it is paid.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, replace
from typing import Any

from models import text

from models.errors import InputError

from .layout import Column, Period, Report, letterhead, unit_name


@dataclass(frozen=True)
class RateItem:
    label: str
    amount: int  # đồng per team per month
    calc: str = ""  # how it is computed, shown in the "Cách tính" column


@dataclass(frozen=True)
class FundPolicy:
    code: str
    name: str
    team_month_items: tuple[RateItem, ...] = ()
    person_month: int = 0
    # A stated lump sum per team per month (khoán). When set it is the rate, and the
    # items are its breakdown as the source gives it (which may not add up: seed
    # 003's items add up to 550.000 đ for a 500.000 đ lump sum — flagged in the table).
    person_day: int = 0
    person_night: int = 0
    team_year_cap: int | None = None
    months_per_year: int = 12
    years: int = 1
    basis: str = ""  # e.g. "Nghị quyết số 60/2022/NQ-HĐND"
    team_month_lump: int | None = None

    @property
    def team_month(self) -> int:
        if self.team_month_lump is not None:
            return self.team_month_lump
        return self.items_sum

    @property
    def items_sum(self) -> int:
        return sum(i.amount for i in self.team_month_items)

    def breakdown_mismatch(self) -> str:
        """A warning when the breakdown does not add up to the lump sum, else ""."""
        if self.team_month_lump is None or len(self.team_month_items) < 2 or self.items_sum == self.team_month_lump:
            return ""
        return (f"Các khoản chi tiết cộng lại {text.format_int(self.items_sum)} đồng, khác mức khoán "
                f"{text.format_int(self.team_month_lump)} đồng/tổ/tháng; dự toán tính theo mức khoán.")

    def team_amount(self, *, members: int, months: int, person_days: int = 0, person_nights: int = 0,
                    already_paid_this_year: int = 0) -> int:
        """What one team receives for ``months`` months (within one year when a cap applies).

        ``person_days``/``person_nights``: days (nights) worked, summed over the
        members, in those months.
        """
        amount = (self.team_month * months + self.person_month * members * months
                  + self.person_day * person_days + self.person_night * person_nights)
        if self.team_year_cap is not None:
            amount = min(amount, max(0, self.team_year_cap - already_paid_this_year))
        return amount

    def describe(self) -> str:
        parts = []
        if self.team_month:
            parts.append(f"{text.format_int(self.team_month)} đồng/tổ/tháng")
        if self.person_month:
            parts.append(f"{text.format_int(self.person_month)} đồng/người/tháng")
        if self.person_day:
            parts.append(f"{text.format_int(self.person_day)} đồng/người/ngày làm việc")
        if self.person_night:
            parts.append(f"{text.format_int(self.person_night)} đồng/người/đêm")
        if self.team_year_cap is not None:
            parts.append(f"tối đa {text.format_int(self.team_year_cap)} đồng/tổ/năm")
        return "; ".join(parts)


QUANG_NAM_PA01 = FundPolicy(
    code="quang-nam",
    name="Quảng Nam — phương án 01 (khoán 500.000 đồng/tổ/tháng)",
    team_month_items=(
        RateItem("Chi phí văn phòng phẩm (giấy A4, bút, …)", 100_000, "100.000 đồng/tháng"),
        RateItem("Chi phí xăng xe (01 lít/thành viên/tháng)", 125_000, "1 lít × 25.000 đồng × 5 người"),
        RateItem("Hỗ trợ thông tin liên lạc, gói cước 3G, 4G", 250_000, "50.000 đồng/người × 5 người"),
        RateItem("Chi nước uống", 75_000, "15.000 đồng/người × 5 người"),
    ),
    years=2,
    basis="Seed 003, Phụ lục III (khoán 500.000 đồng/tháng/tổ, tính bình quân 05 người/tổ)",
    team_month_lump=500_000,
)

POLICIES: dict[str, FundPolicy] = {
    p.code: p
    for p in [
        QUANG_NAM_PA01,
        FundPolicy("yen-bai", "Yên Bái — 500.000 đồng/tổ/tháng trong 24 tháng",
                   (RateItem("Hỗ trợ hoạt động Tổ CNSCĐ", 500_000, "500.000 đồng/tổ/tháng"),), years=2,
                   basis="Nghị quyết số 60/2022/NQ-HĐND ngày 09/12/2022"),
        FundPolicy("ha-tinh", "Hà Tĩnh — 600.000 đồng/tổ/tháng",
                   (RateItem("Hỗ trợ hoạt động Tổ CNSCĐ", 600_000, "600.000 đồng/tổ/tháng"),)),
        FundPolicy("ca-mau", "Cà Mau — 600.000 đồng/tổ/tháng",
                   (RateItem("Hỗ trợ hoạt động Tổ CNSCĐ", 600_000, "600.000 đồng/tổ/tháng"),)),
        FundPolicy("binh-duong", "Bình Dương — 60.000 đồng/người/tháng và 150.000 đồng/người/ngày (200.000 ban đêm)",
                   person_month=60_000, person_day=150_000, person_night=200_000),
        FundPolicy("da-nang", "Đà Nẵng — 50.000 đồng/người/ngày, tối đa 3.000.000 đồng/tổ/năm",
                   person_day=50_000, team_year_cap=3_000_000),
        FundPolicy("da-nang-2026", "Đà Nẵng từ năm 2026 — 300.000 đồng/tổ/tháng",
                   (RateItem("Hỗ trợ hoạt động Tổ CNSCĐ", 300_000, "300.000 đồng/tổ/tháng"),)),
    ]
}


def get_policy(code: str) -> FundPolicy:
    p = POLICIES.get(text.fold(code).replace(" ", "-"))
    if p is None:
        raise InputError(f"Không có mức hỗ trợ «{code}»; chọn một trong: {', '.join(POLICIES)}.", "policy")
    return p


@dataclass(frozen=True)
class Estimate:
    policy: FundPolicy
    teams: int
    members_per_team: int
    days_per_person_month: int
    nights_per_person_month: int
    months_per_year: int
    years: int
    per_team_month: int  # before any yearly cap
    per_team_year: int  # after the cap
    month_total: int
    year_total: int
    total: int


def estimate(policy: FundPolicy, *, teams: int, members_per_team: int = 5, days_per_person_month: int = 0,
             nights_per_person_month: int = 0, months_per_year: int | None = None,
             years: int | None = None) -> Estimate:
    """teams × (rate per team per month) × months × years, with the cap per team per year applied."""
    months = policy.months_per_year if months_per_year is None else months_per_year
    years = policy.years if years is None else years
    for value, what in ((teams, "Số tổ"), (members_per_team, "Số thành viên mỗi tổ"), (months, "Số tháng"),
                        (years, "Số năm"), (days_per_person_month, "Số ngày làm việc"),
                        (nights_per_person_month, "Số đêm làm việc")):
        if not isinstance(value, int) or value < 0:
            raise InputError(f"{what} phải là số nguyên không âm (đang là «{value}»).")
    if not 1 <= months <= 12:
        raise InputError(f"Số tháng mỗi năm phải từ 1 đến 12 (đang là {months}).", "months")
    per_month = (policy.team_month + policy.person_month * members_per_team
                 + (policy.person_day * days_per_person_month + policy.person_night * nights_per_person_month)
                 * members_per_team)
    per_year = per_month * months
    if policy.team_year_cap is not None:
        per_year = min(per_year, policy.team_year_cap)
    month_total = per_month * teams
    year_total = per_year * teams
    return Estimate(policy, teams, members_per_team, days_per_person_month, nights_per_person_month, months, years,
                    per_month, per_year, month_total, year_total, year_total * years)


def estimate_report(reg, est: Estimate, *, day: dt.date | None = None, policy_source: str = "") -> Report:
    """Phụ lục III: the per-item breakdown, the number of teams, the totals per month, year and period."""
    p = est.policy
    f = text.format_int
    rows: list[list[Any]] = []
    n = 0
    if p.team_month_items:
        n += 1
        detailed = len(p.team_month_items) > 1
        rows.append([str(n), f"Khoán chi hỗ trợ hoạt động Tổ CNSCĐ {f(p.team_month)} đồng/tháng/tổ"
                     + (", gồm:" if detailed else ""),
                     f"{f(p.team_month)} đồng/tháng/tổ", p.team_month, ""])
        if detailed:
            for i, item in enumerate(p.team_month_items, 1):
                rows.append([f"{n}.{i}", item.label, item.calc, item.amount, ""])
    m = est.members_per_team
    if p.person_month:
        n += 1
        rows.append([str(n), "Hỗ trợ thành viên theo tháng", f"{f(p.person_month)} đồng/người/tháng × {m} người",
                     p.person_month * m, ""])
    if p.person_day:
        n += 1
        d = est.days_per_person_month
        rows.append([str(n), "Hỗ trợ theo ngày làm việc",
                     f"{f(p.person_day)} đồng/người/ngày × {d} ngày/tháng × {m} người", p.person_day * d * m,
                     "Số ngày làm việc bình quân là giả định của dự toán"])
    if p.person_night:
        n += 1
        d = est.nights_per_person_month
        rows.append([str(n), "Hỗ trợ làm việc ban đêm",
                     f"{f(p.person_night)} đồng/người/đêm × {d} đêm/tháng × {m} người", p.person_night * d * m, ""])
    if len(rows) > 1 or p.team_year_cap is not None:
        n += 1
        rows.append([str(n), "Mức hỗ trợ 01 tổ/tháng", "", est.per_team_month, ""])
    if p.team_year_cap is not None:
        n += 1
        rows.append([str(n), f"Mức hỗ trợ 01 tổ/năm (tối đa {f(p.team_year_cap)} đồng/tổ/năm)",
                     f"min({f(est.per_team_month)} × {est.months_per_year} tháng; {f(p.team_year_cap)})",
                     est.per_team_year, ""])
    n += 1
    rows.append([str(n), "Tổng số Tổ CNSCĐ", f"{f(est.teams)} tổ", None, ""])
    n += 1
    rows.append([str(n), "Tổng kinh phí hỗ trợ 01 tháng cho Tổ CNSCĐ",
                 f"{f(est.per_team_month)} đồng/tổ/tháng × {f(est.teams)} tổ", est.month_total,
                 "Trước khi áp dụng mức trần năm" if p.team_year_cap is not None else ""])
    n += 1
    if p.team_year_cap is not None:
        calc = f"{f(est.per_team_year)} đồng/tổ/năm × {f(est.teams)} tổ"
    else:
        calc = f"{f(est.month_total)} đồng × {est.months_per_year} tháng"
    rows.append([str(n), "Tổng kinh phí hỗ trợ 01 năm cho Tổ CNSCĐ", calc, est.year_total, ""])
    if est.years != 1:
        n += 1
        rows.append([str(n), f"Tổng kinh phí hỗ trợ {est.years:02d} năm cho Tổ CNSCĐ",
                     f"{f(est.year_total)} đồng × {est.years} năm", est.total, ""])
    notes = [f"Mức hỗ trợ: {p.describe()}."]
    if policy_source:
        notes.insert(0, f"Mức hỗ trợ áp dụng ({policy_source}): {p.name}.")
    if p.breakdown_mismatch():
        notes.append(p.breakdown_mismatch())
    if p.basis:
        notes.append(f"Căn cứ: {p.basis}.")
    notes.append(f"Tổng kinh phí: {f(est.total)} đồng.")
    return Report(
        key="kinh-phi",
        title="CƠ SỞ TÍNH DỰ TOÁN KINH PHÍ HỖ TRỢ HOẠT ĐỘNG TỔ CÔNG NGHỆ SỐ CỘNG ĐỒNG",
        subtitle=p.name.upper(),
        columns=[Column("Stt", "text", 6), Column("Nội dung", "text", 48), Column("Cách tính", "text", 36),
                 Column("Thành tiền (đồng)", "money", 18), Column("Ghi chú", "text", 20)],
        rows=rows,
        notes=notes,
        sheet_name="Dự toán kinh phí",
        letterhead=letterhead(reg, day) if reg is not None else None,
        meta={"estimate": est},
    )


@dataclass(frozen=True)
class Payment:
    team_id: int
    team_name: str
    village: str
    receiver: str
    members: int
    months: int
    rate: int  # đồng per month (the fixed part only when the days worked are not known)
    amount: int  # for the period, after the yearly cap (the fixed part only when the days are not known)
    person_days: int | None = None  # days worked by the members in the period; None: fill in by hand
    earlier: int | None = 0  # due in the earlier periods of the same year (yearly cap); None: not known


def period_months(period: Period) -> int:
    return (period.end.year - period.start.year) * 12 + period.end.month - period.start.month + 1


def payments(reg, policy: FundPolicy, period: Period, *, days_per_person_month: int | None = None,
             nights_per_person_month: int | None = None, include_commune_team: bool = False) -> list[Payment]:
    """One line per active team: what it receives for the period (leader signs for the team).

    A cap per team per year (Đà Nẵng) counts what was due in the earlier periods of the same year:
    for 2026-Q3 the months January–June, worked out the same way (today's members, the same days
    per member per month), are subtracted from the cap first.

    ``days_per_person_month=None`` for a per-day policy: the days are not known yet, so
    :attr:`Payment.person_days` is None and the amount holds only the fixed part.
    """
    from models import services

    months = period_months(period)
    before = period.start.month - 1  # months of the same year before the period
    days = days_per_person_month or 0
    nights = nights_per_person_month or 0
    days_known = not policy.person_day or days_per_person_month is not None
    leaders = _leaders(reg)
    out = []
    for t in services.list_teams(reg):
        if t.level != "thon" and not include_commune_team:
            continue
        leader = leaders.get(t.id, "")
        n = t.member_count
        earlier = 0
        if policy.team_year_cap is not None and before:
            earlier = policy.team_amount(members=n, months=before, person_days=days * n * before,
                                         person_nights=nights * n * before)
        amount = policy.team_amount(members=n, months=months, person_days=days * n * months,
                                    person_nights=nights * n * months, already_paid_this_year=earlier)
        rate = policy.team_amount(members=n, months=1, person_days=days * n, person_nights=nights * n)
        if policy.team_year_cap is not None:
            rate = min(rate, policy.team_year_cap)
        village = t.unit_name[:1].upper() + t.unit_name[1:]
        out.append(Payment(t.id, t.name, village, leader, n, months, rate, amount,
                           person_days=(days * n * months if days_known else None) if policy.person_day else None,
                           earlier=earlier if days_known else None))
    return out


def _leaders(reg) -> dict[int, str]:
    """Team id → its leader's name (the first in Vietnamese name order when there are two), one query."""
    from models.schema import Membership, Person

    with reg.read():
        rows = list(Membership.select(Membership.team, Person.family_name, Person.given_name).join(Person)
                    .where(Membership.end_date.is_null() & (Membership.role == "to_truong")).tuples())
    rows.sort(key=lambda r: (r[0], text.name_sort_key(r[1], r[2])))
    out: dict[int, str] = {}
    for tid, fam, giv in rows:
        out.setdefault(tid, text.clean(f"{fam} {giv}"))
    return out


def payment_report(reg, policy: FundPolicy, period: Period, *, days_per_person_month: int | None = None,
                   nights_per_person_month: int | None = None, include_commune_team: bool = False,
                   day: dt.date | None = None, policy_source: str = "") -> Report:
    """Danh sách ký nhận: Stt | Tổ | Thôn/TDP | Người nhận | Số thành viên | [Số ngày làm việc] | Số tháng |
    Mức/tháng | [Đã hỗ trợ các kỳ trước] | Thành tiền | Ký nhận.

    Per-day policies get a "Số ngày làm việc" column: blank, to be filled in by hand, when
    no days were given (the amount is then only the fixed part, or blank when there is none);
    when days were given, a note says the figures assume that many days per member per month.
    """
    pays = payments(reg, policy, period, days_per_person_month=days_per_person_month,
                    nights_per_person_month=nights_per_person_month, include_commune_team=include_commune_team)
    per_day = bool(policy.person_day)
    days_known = not per_day or days_per_person_month is not None
    fixed = policy.team_month or policy.person_month
    capped = policy.team_year_cap is not None and period.start.month > 1
    blank_amount = not days_known and not fixed  # nothing to compute until the days are known
    partial = not days_known and not blank_amount  # only the fixed part is known
    cols = [Column("Stt", "int", 6), Column("Tổ CNSCĐ", "text", 34), Column("Thôn/TDP", "text", 20),
            Column("Người nhận (Tổ trưởng)", "text", 22), Column("Số thành viên", "int", 9)]
    if per_day:
        cols.append(Column("Số ngày làm việc", "int", 10))
    cols += [Column("Số tháng", "int", 7),
             Column("Phần cố định (đồng/tháng)" if partial else "Mức hỗ trợ (đồng/tháng)", "money", 13)]
    if capped:
        cols.append(Column("Đã hỗ trợ các kỳ trước trong năm (đồng)", "money", 14))
    cols += [Column("Thành tiền phần cố định (đồng)" if partial else "Thành tiền (đồng)", "money", 15),
             Column("Ký nhận", "sign", 16)]
    rows = []
    for i, p in enumerate(pays, 1):
        row: list[Any] = [i, p.team_name, p.village, p.receiver, p.members]
        if per_day:
            row.append(p.person_days)
        row += [p.months, None if blank_amount else p.rate]
        if capped:
            row.append(p.earlier)
        row += [None if blank_amount else p.amount, None]
        rows.append(row)
    total = sum(p.amount for p in pays)
    total_row: list[Any] = ["", "Tổng cộng", "", "", sum(p.members for p in pays)]
    if per_day:
        total_row.append(sum(p.person_days for p in pays) if days_known else None)
    total_row += [None, None]
    if capped:
        total_row.append(sum(p.earlier for p in pays) if days_known else None)
    total_row += [None if blank_amount else total, None]
    notes = _payment_notes(policy, period, days_per_person_month, nights_per_person_month, total=total,
                           no_leader=sum(1 for p in pays if not p.receiver), policy_source=policy_source)
    return Report(
        key="ky-nhan",
        title=f"DANH SÁCH KÝ NHẬN KINH PHÍ HỖ TRỢ HOẠT ĐỘNG TỔ CNSCĐ {period.label.upper()}",
        subtitle=unit_name(reg).upper(),
        columns=cols,
        rows=rows,
        total=total_row,
        notes=notes,
        sheet_name="Danh sách ký nhận",
        personal_data=True,
        letterhead=letterhead(reg, day),
        row_height=30,
        meta={"total": total, "payments": pays, "days_known": days_known},
    )


def _payment_notes(policy: FundPolicy, period: Period, days_per_person_month: int | None,
                   nights_per_person_month: int | None, *, total: int, no_leader: int,
                   policy_source: str) -> list[str]:
    """The notes under a payment list: the rate, what to fill in by hand, what was assumed."""
    f = text.format_int
    per_day = bool(policy.person_day)
    days_known = not per_day or days_per_person_month is not None
    fixed = policy.team_month or policy.person_month
    capped = policy.team_year_cap is not None and period.start.month > 1
    blank_amount = not days_known and not fixed
    notes: list[str] = []
    if policy_source:
        notes.append(f"Mức hỗ trợ áp dụng ({policy_source}): {policy.name}.")
    notes.append(f"Mức hỗ trợ: {policy.describe()}.")
    if per_day and not days_known:
        extra = f"{f(policy.person_day)} đồng × số ngày làm việc"
        if policy.person_night:
            extra += f" (ban đêm {f(policy.person_night)} đồng × số đêm)"
        if blank_amount:
            how = f"Cột «Thành tiền» để trống: ghi {extra}"
        else:
            how = (f"Cột «Thành tiền phần cố định» mới gồm phần cố định "
                   f"({f(fixed)} đồng/{'tổ' if policy.team_month else 'người'}/tháng); cộng thêm {extra}")
        if policy.team_year_cap is not None:
            how += (f", tối đa {f(policy.team_year_cap)} đồng/tổ/năm (trừ số đã chi các kỳ trước trong năm "
                    f"{period.year})")
        notes.append("Cột «Số ngày làm việc» để trống: ghi tay tổng số ngày làm việc của các thành viên trong kỳ "
                     f"theo bảng chấm công. {how} trước khi chi.")
    elif per_day:
        notes.append(f"Số ngày làm việc là giả định: mỗi thành viên làm việc {days_per_person_month} ngày/tháng "
                     "(cột «Số ngày làm việc» = số ngày × số thành viên × số tháng). "
                     "Sửa theo bảng chấm công trước khi chi.")
    if policy.person_night:
        if nights_per_person_month:
            notes.append(f"Số đêm làm việc là giả định: mỗi thành viên {nights_per_person_month} đêm/tháng.")
        elif days_known:
            notes.append(f"Chưa tính làm việc ban đêm ({f(policy.person_night)} đồng/người/đêm): cộng thêm nếu có.")
    if capped and days_known:
        notes.append(f"Mức tối đa {f(policy.team_year_cap)} đồng/tổ/năm đã trừ số phải chi các kỳ trước trong năm "
                     f"{period.year} (tháng 1–{period.start.month - 1}), tính theo số thành viên hiện nay"
                     + (f" và {days_per_person_month} ngày/người/tháng" if per_day else "")
                     + "; sửa theo chứng từ đã chi nếu khác.")
    if not blank_amount:
        notes.append(f"Tổng số tiền{' phần cố định' if not days_known else ''}: {f(total)} đồng.")
    if no_leader:
        notes.append(f"{no_leader} tổ chưa có Tổ trưởng: ghi tên người nhận thay trước khi chi.")
    return notes


POLICY_SETTING = "fund_policy"


def registry_policy(reg, code: str | None = None, *, settings=None) -> tuple[FundPolicy, str]:
    """The policy to use and where it comes from (said in the sheet).

    ``code`` (chosen by the clerk) wins; else the registry's ``fund_policy`` setting when there is
    one (from ``settings`` when the caller has read them already); else Quảng Nam phương án 01
    (500.000 đồng/tổ/tháng).
    """
    if code:
        return get_policy(code), "chọn khi xuất"
    if settings is None and reg is not None:
        from models import services

        settings = services.get_settings(reg)
    saved = (getattr(settings, POLICY_SETTING, "") or "") if settings is not None else ""
    if saved and isinstance(saved, str) and text.fold(saved).replace(" ", "-") in POLICIES:
        return get_policy(saved), "theo cài đặt của sổ"
    return QUANG_NAM_PA01, "mặc định, vì sổ chưa cài đặt mức hỗ trợ"


def with_years(policy: FundPolicy, years: int | None = None, months_per_year: int | None = None) -> FundPolicy:
    changes: dict[str, Any] = {}
    if years is not None:
        changes["years"] = years
    if months_per_year is not None:
        changes["months_per_year"] = months_per_year
    return replace(policy, **changes) if changes else policy


__all__ = ["RateItem", "FundPolicy", "POLICIES", "QUANG_NAM_PA01", "get_policy", "Estimate", "estimate",
           "estimate_report", "Payment", "payments", "payment_report", "with_years", "period_months",
           "registry_policy", "POLICY_SETTING"]
