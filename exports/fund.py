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

Which policy a registry uses (:func:`registry_policy`): the one chosen when exporting, else the
one saved in its settings, else its province's (:data:`PROVINCE_POLICIES`), else none — the
sheets then say so and leave the amounts blank until the clerk chooses. Every sheet cites its
basis by the document's title and number (or the resolution the clerk saved, ``fund_basis``)
and states what the source's own table gets wrong. An estimate funds one team per village
unless told otherwise (:func:`default_teams`), and says how many teams are active.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, replace
from typing import Any

from models import money_words, text
from models.errors import InputError

from .layout import Column, Period, Report, letterhead, shared, unit_name


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
    person_day: int = 0
    person_night: int = 0
    team_year_cap: int | None = None
    months_per_year: int = 12
    years: int = 1
    basis: str = ""  # the document the rate comes from: "Nghị quyết số 60/2022/NQ-HĐND ngày … của HĐND tỉnh …"
    # A stated lump sum per team per month (khoán). When set it is the rate, and the items are
    # its breakdown as the source gives it (which may not add up: the Quảng Nam proposal's items
    # add up to 550.000 đ for a 500.000 đ lump sum — said on the sheet).
    team_month_lump: int | None = None
    source_notes: tuple[str, ...] = ()  # what the source's own table gets wrong, said on the sheet
    draft: bool = False  # the basis is a proposal (a draft resolution), not an adopted resolution

    @property
    def chosen(self) -> bool:
        return self.code != "chua-chon"

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


# The Quảng Nam proposal's own table (Phụ lục III) as it stands: its arithmetic is stated on the
# sheet, neither copied nor silently corrected (see FundPolicy.source_notes).
QUANG_NAM_BASIS = ("Báo cáo đánh giá tác động chính sách «Đề nghị xây dựng Nghị quyết quy định mức chi hỗ trợ "
                   "cho Tổ công nghệ số cộng đồng trên địa bàn tỉnh Quảng Nam giai đoạn 2025-2027» của Sở Thông "
                   "tin và Truyền thông tỉnh Quảng Nam, Phụ lục III (phương án 01: khoán 500.000 đồng/tháng/tổ, "
                   "tính bình quân 05 người/tổ)")

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
    basis=QUANG_NAM_BASIS,
    team_month_lump=500_000,
    source_notes=(
        "Phụ lục III của văn bản nguồn ghi dòng tổng kinh phí 01 tháng là «500.000 đồng/người/tháng x 1212 tổ» "
        "trong khi số tổ của chính bảng đó là 1.240 tổ và thành tiền 620.000.000 đồng ứng với 1.240 tổ "
        "(500.000 × 1.212 = 606.000.000); bảng này nhân mức khoán với số tổ ở dòng «Tổng số Tổ CNSCĐ».",
    ),
    draft=True,
)

# No policy known for the registry's province and none saved in its settings: the sheets say so and
# leave the amounts blank until the clerk chooses one (never another province's rate, silently).
UNCHOSEN = FundPolicy(code="chua-chon", name="Chưa chọn mức hỗ trợ (chọn mức để tính số tiền)")

POLICIES: dict[str, FundPolicy] = {
    p.code: p
    for p in [
        QUANG_NAM_PA01,
        FundPolicy("yen-bai", "Yên Bái — 500.000 đồng/tổ/tháng trong 24 tháng",
                   (RateItem("Hỗ trợ hoạt động Tổ CNSCĐ", 500_000, "500.000 đồng/tổ/tháng"),), years=2,
                   basis="Nghị quyết số 60/2022/NQ-HĐND ngày 09/12/2022 của HĐND tỉnh Yên Bái"),
        FundPolicy("ha-tinh", "Hà Tĩnh — 600.000 đồng/tổ/tháng",
                   (RateItem("Hỗ trợ hoạt động Tổ CNSCĐ", 600_000, "600.000 đồng/tổ/tháng"),),
                   basis="Nghị quyết số 119/2023/NQ-HĐND ngày 08/12/2023 của HĐND tỉnh Hà Tĩnh"),
        FundPolicy("ca-mau", "Cà Mau — 600.000 đồng/tổ/tháng",
                   (RateItem("Hỗ trợ hoạt động Tổ CNSCĐ", 600_000, "600.000 đồng/tổ/tháng"),),
                   basis="Nghị quyết số 18/2024/NQ-HĐND ngày 11/12/2024 của HĐND tỉnh Cà Mau"),
        FundPolicy("binh-duong", "Bình Dương — 60.000 đồng/người/tháng và 150.000 đồng/người/ngày (200.000 ban đêm)",
                   person_month=60_000, person_day=150_000, person_night=200_000,
                   basis="Nghị quyết số 27/2023/NQ-HĐND ngày 08/12/2023 của HĐND tỉnh Bình Dương"),
        FundPolicy("da-nang", "Đà Nẵng — 50.000 đồng/người/ngày, tối đa 3.000.000 đồng/tổ/năm",
                   person_day=50_000, team_year_cap=3_000_000,
                   basis="Nghị quyết số 36/2024/NQ-HĐND ngày 30/7/2024 của HĐND thành phố Đà Nẵng"),
        FundPolicy("da-nang-2026", "Đà Nẵng từ năm 2026 — 300.000 đồng/tổ/tháng",
                   (RateItem("Hỗ trợ hoạt động Tổ CNSCĐ", 300_000, "300.000 đồng/tổ/tháng"),)),
        UNCHOSEN,
    ]
}

# The policy a registry uses when none is chosen or saved: its province's (folded name, without
# «tỉnh»/«thành phố»). A province not listed has none: the sheets ask the clerk to choose.
PROVINCE_POLICIES = {"quang nam": "quang-nam", "yen bai": "yen-bai", "ha tinh": "ha-tinh", "ca mau": "ca-mau",
                     "binh duong": "binh-duong", "da nang": "da-nang-2026"}


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


@dataclass(frozen=True)
class TeamCount:
    """What the number of teams of an estimate can be: the villages (the default, one team per
    village as the plans require, and the figure the province approves) and the village teams
    active today."""

    villages: int
    active_teams: int


def team_count(reg) -> TeamCount:
    from models import services

    st = services.stats(reg)
    return TeamCount(st.villages, st.village_teams)


def default_teams(reg) -> int:
    """The number of teams an estimate funds when the clerk gives none — the same in the CLI, the
    Reports tab and the period pack: one per village (thôn, tổ dân phố); the sheet states the
    number of active teams next to it."""
    return team_count(reg).villages


def registry_estimate(reg, policy: FundPolicy, *, teams: int | None = None, **kw) -> Estimate:
    """:func:`estimate` for the registry: ``teams`` None → :func:`default_teams`."""
    return estimate(policy, teams=default_teams(reg) if teams is None else teams, **kw)


def _teams_note(est: Estimate, counts: TeamCount | None) -> str:
    """The «Ghi chú» of the number of teams: which count it is, and the other one."""
    if counts is None:
        return ""
    f = text.format_int
    if est.teams == counts.villages:
        return (f"Theo số thôn, tổ dân phố ({f(counts.villages)}); số Tổ CNSCĐ cấp thôn đang hoạt động: "
                f"{f(counts.active_teams)} tổ")
    if est.teams == counts.active_teams:
        return (f"Theo số Tổ CNSCĐ cấp thôn đang hoạt động ({f(counts.active_teams)}); số thôn, tổ dân phố: "
                f"{f(counts.villages)}")
    return (f"Số tổ do người lập ghi; số thôn, tổ dân phố: {f(counts.villages)}; số Tổ CNSCĐ cấp thôn "
            f"đang hoạt động: {f(counts.active_teams)} tổ")


def _estimate_rate_rows(est: Estimate) -> list[list[Any]]:
    """The rate part of Phụ lục III: the lump sum and its items, the per-member parts, the cap."""
    p, f, m = est.policy, text.format_int, est.members_per_team
    rows: list[list[Any]] = []
    n = 0
    if not p.chosen:
        rows.append(["1", "Mức hỗ trợ: chưa chọn", "Chọn mức hỗ trợ để tính", None, ""])
        return rows
    if p.team_month_items:
        n += 1
        detailed = len(p.team_month_items) > 1
        rows.append([str(n), f"Khoán chi hỗ trợ hoạt động Tổ CNSCĐ {f(p.team_month)} đồng/tháng/tổ"
                     + (", gồm:" if detailed else ""), f"{f(p.team_month)} đồng/tháng/tổ", p.team_month, ""])
        if detailed:
            for i, item in enumerate(p.team_month_items, 1):
                rows.append([f"{n}.{i}", item.label, item.calc, item.amount, ""])
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
    return rows


def _estimate_rows(est: Estimate, counts: TeamCount | None) -> list[list[Any]]:
    p, f = est.policy, text.format_int
    rows = _estimate_rate_rows(est)
    n = sum(1 for r in rows if "." not in r[0])
    chosen = p.chosen
    n += 1
    rows.append([str(n), "Tổng số Tổ CNSCĐ", f"{f(est.teams)} tổ", None, _teams_note(est, counts)])
    n += 1
    rows.append([str(n), "Tổng kinh phí hỗ trợ 01 tháng cho Tổ CNSCĐ",
                 f"{f(est.per_team_month)} đồng/tổ/tháng × {f(est.teams)} tổ" if chosen else "",
                 est.month_total if chosen else None,
                 "Trước khi áp dụng mức trần năm" if p.team_year_cap is not None else ""])
    n += 1
    if not chosen:
        calc = ""
    elif p.team_year_cap is not None:
        calc = f"{f(est.per_team_year)} đồng/tổ/năm × {f(est.teams)} tổ"
    else:
        calc = f"{f(est.month_total)} đồng × {est.months_per_year} tháng"
    rows.append([str(n), "Tổng kinh phí hỗ trợ 01 năm cho Tổ CNSCĐ", calc, est.year_total if chosen else None, ""])
    if est.years != 1:
        n += 1
        rows.append([str(n), f"Tổng kinh phí hỗ trợ {est.years:02d} năm cho Tổ CNSCĐ",
                     f"{f(est.year_total)} đồng × {est.years} năm" if chosen else "", est.total if chosen else None,
                     ""])
    return rows


def basis_note(policy: FundPolicy, settings=None) -> str:
    """«Căn cứ: …»: the resolution the clerk saved in the settings (``fund_basis``), else the document
    the policy comes from; without either, what to write where."""
    saved = text.clean(getattr(settings, BASIS_SETTING, "") or "") if settings is not None else ""
    if saved:
        return f"Căn cứ: {saved.rstrip('.')}."
    if not policy.chosen:
        return ""
    if policy.basis:
        note = f"Căn cứ: {policy.basis}."
        if policy.draft:
            note += (" Đây là phương án đề xuất khi xây dựng Nghị quyết: khi Nghị quyết được ban hành, ghi số, "
                     "ngày của Nghị quyết vào cài đặt của sổ (căn cứ mức hỗ trợ) để bảng dẫn đúng căn cứ.")
        return note
    return ("Căn cứ: chưa có số, ngày của Nghị quyết quy định mức hỗ trợ — ghi vào cài đặt của sổ "
            "(căn cứ mức hỗ trợ) trước khi gửi bảng này.")


def unchosen_note(policy_source: str) -> str:
    return (f"Chưa có mức hỗ trợ ({policy_source}): chọn mức hỗ trợ khi xuất (cnscd export … --policy <mã>, "
            "hoặc ô «Mức hỗ trợ» ở thẻ Báo cáo) hoặc lưu mức của tỉnh, thành phố vào cài đặt của sổ, rồi xuất lại; "
            "các ô số tiền để trống cho đến khi chọn.")


def estimate_report(reg, est: Estimate, *, day: dt.date | None = None, policy_source: str = "") -> Report:
    """Phụ lục III: the per-item breakdown, the number of teams, the totals per month, year and period.

    The number of teams is said to be the villages' or the active teams' (the other count is given
    next to it); the basis is cited by its title and number; what the source table gets wrong is noted."""
    p = est.policy
    f = text.format_int
    settings = counts = None
    if reg is not None:
        from models import services

        settings = services.get_settings(reg)
        counts = team_count(reg)
    rows = _estimate_rows(est, counts)
    notes = []
    if not p.chosen:
        notes.append(unchosen_note(policy_source))
    else:
        if policy_source:
            notes.append(f"Mức hỗ trợ áp dụng ({policy_source}): {p.name}.")
        notes.append(f"Mức hỗ trợ: {p.describe()}.")
        if p.breakdown_mismatch():
            notes.append(p.breakdown_mismatch())
        notes.extend(p.source_notes)
    basis = basis_note(p, settings)
    if basis:
        notes.append(basis)
    if p.chosen:
        notes.append(f"Tổng kinh phí: {f(est.total)} đồng (bằng chữ: {money_words.amount_in_words(est.total)}).")
    return Report(
        key="kinh-phi",
        title="CƠ SỞ TÍNH DỰ TOÁN KINH PHÍ HỖ TRỢ HOẠT ĐỘNG TỔ CÔNG NGHỆ SỐ CỘNG ĐỒNG",
        subtitle=p.name.upper() if p.chosen else "CHƯA CHỌN MỨC HỖ TRỢ",
        columns=[Column("Stt", "text", 6), Column("Nội dung", "text", 48), Column("Cách tính", "text", 36),
                 Column("Thành tiền (đồng)", "money", 18), Column("Ghi chú", "text", 20)],
        rows=rows,
        notes=notes,
        sheet_name="Dự toán kinh phí",
        letterhead=letterhead(reg, day) if reg is not None else None,
        meta={"estimate": est, "teams": counts, "policy_chosen": p.chosen},
    )


@dataclass(frozen=True, slots=True)
class Payment:  # slots: a 16-province list is 20,000 of them, kept in the report's meta
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
    months = period_months(period)
    before = period.start.month - 1  # months of the same year before the period
    days = days_per_person_month or 0
    nights = nights_per_person_month or 0
    days_known = not policy.person_day or days_per_person_month is not None
    leaders = _leaders(reg)
    same = {}.setdefault  # the amounts repeat from team to team: one int object each
    out = []
    for tid, tname, level, uname, n in _active_teams(reg):
        if level != "thon" and not include_commune_team:
            continue
        leader = leaders.get(tid, "")
        earlier = 0
        if policy.team_year_cap is not None and before:
            earlier = policy.team_amount(members=n, months=before, person_days=days * n * before,
                                         person_nights=nights * n * before)
        amount = policy.team_amount(members=n, months=months, person_days=days * n * months,
                                    person_nights=nights * n * months, already_paid_this_year=earlier)
        rate = policy.team_amount(members=n, months=1, person_days=days * n, person_nights=nights * n)
        if policy.team_year_cap is not None:
            rate = min(rate, policy.team_year_cap)
        village = shared(uname[:1].upper() + uname[1:])
        out.append(Payment(tid, shared(tname), village, leader, n, months, same(rate, rate), same(amount, amount),
                           person_days=(days * n * months if days_known else None) if policy.person_day else None,
                           earlier=same(earlier, earlier) if days_known else None))
    return out


def _active_teams(reg) -> list[tuple[int, str, str, str, int]]:
    """(id, name, level, «kind name» of its unit, members now) of the active teams, in the order of
    ``services.list_teams`` (the commune's own team first, then by unit name, numbers as numbers),
    read as plain rows: the teams' model objects were 20,000 pairs at 16× the province."""
    from models.schema import Team, Unit
    from models.units import active_counts_by_team, unit_order

    with reg.read():
        counts = active_counts_by_team()
        rows = [(tid, name, level, f"{kind} {uname}", counts.get(tid, 0))
                for tid, name, level, kind, uname in Team.select(Team.id, Team.name, Team.level, Unit.kind, Unit.name)
                .join(Unit).where(Team.active == True).order_by(Team.id).tuples()]  # noqa: E712
    rows.sort(key=lambda t: (0 if t[2] == "xa" else 1, unit_order(t[3])))
    return rows


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
    # nothing to compute until the days are known, or until a policy is chosen
    blank_amount = (not days_known and not fixed) or not policy.chosen
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
    settings = _settings(reg)
    notes = _payment_notes(policy, period, days_per_person_month, nights_per_person_month, total=total,
                           no_leader=sum(1 for p in pays if not p.receiver), policy_source=policy_source)
    basis = basis_note(policy, settings)
    if basis:
        notes.append(basis)
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
        meta={"total": None if blank_amount else total, "payments": pays, "days_known": days_known,
              "policy_chosen": policy.chosen, CO_SIGNERS: co_signers(settings)},
    )


CO_SIGNERS = "co_signers"  # Report.meta key: the signatures left of the head's on a payment list


def co_signers(settings) -> tuple[tuple[str, str], ...]:
    """The payment list's other signatures, left of the head's: who drew it up and the accountant
    (names from the settings ``preparer_name`` / ``accountant_name``; blank to sign by hand)."""
    def name(key: str) -> str:
        return text.clean(getattr(settings, key, "") or "") if settings is not None else ""

    return (("NGƯỜI LẬP BIỂU", name("preparer_name")), ("KẾ TOÁN", name("accountant_name")))


def _settings(reg):
    if reg is None:
        return None
    from models import services

    return services.get_settings(reg)


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
    if not policy.chosen:
        return [unchosen_note(policy_source)] + ([f"{no_leader} tổ chưa có Tổ trưởng: ghi tên người nhận thay "
                                                  "trước khi chi."] if no_leader else [])
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
        notes.append(f"Tổng số tiền{' phần cố định' if not days_known else ''}: {f(total)} đồng "
                     f"(bằng chữ: {money_words.amount_in_words(total)}).")
    if no_leader:
        notes.append(f"{no_leader} tổ chưa có Tổ trưởng: ghi tên người nhận thay trước khi chi.")
    return notes


POLICY_SETTING = "fund_policy"
BASIS_SETTING = "fund_basis"  # the resolution the rate comes from, as the clerk writes it (settings)


def province_policy(province: str) -> FundPolicy | None:
    """The policy of ``province`` ("Tỉnh Quảng Nam", "Thành phố Đà Nẵng", "Quảng Nam"), None when
    the catalogue has none for it."""
    f = text.fold(province or "").strip()
    for prefix in ("tinh ", "thanh pho ", "tp. ", "tp "):
        if f.startswith(prefix):
            f = f[len(prefix):].strip()
            break
    code = PROVINCE_POLICIES.get(f)
    return POLICIES[code] if code else None


def registry_policy(reg, code: str | None = None, *, settings=None) -> tuple[FundPolicy, str]:
    """The policy to use and where it comes from (said in the sheet).

    ``code`` (chosen by the clerk) wins; else the registry's ``fund_policy`` setting when there is
    one (from ``settings`` when the caller has read them already); else the policy of the registry's
    province; else :data:`UNCHOSEN` — the sheets then ask the clerk to choose and leave the amounts
    blank (a Hải Phòng ward is never paid at Quảng Nam's rate by default).
    """
    if code:
        return get_policy(code), "chọn khi xuất"
    if settings is None and reg is not None:
        from models import services

        settings = services.get_settings(reg)
    saved = (getattr(settings, POLICY_SETTING, "") or "") if settings is not None else ""
    if saved and isinstance(saved, str) and text.fold(saved).replace(" ", "-") in POLICIES:
        return get_policy(saved), "theo cài đặt của sổ"
    province = text.clean(getattr(settings, "province", "") or "") if settings is not None else ""
    found = province_policy(province)
    if found is not None:
        return found, f"theo tỉnh, thành phố của sổ: {province}"
    where = province or "tỉnh, thành phố của sổ"
    return UNCHOSEN, f"sổ chưa cài đặt mức hỗ trợ và {where} chưa có mức hỗ trợ trong danh mục của chương trình"


def with_years(policy: FundPolicy, years: int | None = None, months_per_year: int | None = None) -> FundPolicy:
    changes: dict[str, Any] = {}
    if years is not None:
        changes["years"] = years
    if months_per_year is not None:
        changes["months_per_year"] = months_per_year
    return replace(policy, **changes) if changes else policy


__all__ = ["RateItem", "FundPolicy", "POLICIES", "QUANG_NAM_PA01", "UNCHOSEN", "PROVINCE_POLICIES", "get_policy",
           "province_policy", "Estimate", "estimate", "TeamCount", "team_count", "default_teams", "registry_estimate",
           "estimate_report", "basis_note", "Payment", "payments", "payment_report", "co_signers", "CO_SIGNERS",
           "with_years", "period_months", "registry_policy", "POLICY_SETTING", "BASIS_SETTING"]
