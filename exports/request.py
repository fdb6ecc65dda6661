"""A report asked for, as a typed request, and the report(s) it gives.

Both the ``cnscd export`` command (its arguments → :class:`ReportRequest`) and the
Reports tab (its widgets, read on the UI thread → :class:`ReportRequest`) call
:func:`build_pack` with one, so the two can never disagree on what a report holds.
Checks of the clerk's input that name a command-line option stay in the command.

:data:`KINDS` are the reports; :data:`ACTIVITY_KINDS` the teams' work (the results report for a
month, quarter, half year or year; the month's duty rota); :data:`TAB_KINDS` both (the Reports tab's
list); :data:`ALL_KINDS` these and the province's roll-up, which ``cnscd export`` asks for. The period a
kind covers when none is named: :func:`default_period_for`, for the command and the tab alike.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from models import text
from models.errors import InputError, UsageError

from . import fund, report
from .layout import Pack, Period, Report, default_period, parse_period, unit_name

# kind → (what the clerk reads, the file name's stem)
KINDS = {
    "phu-luc-1": ("Phụ lục I — số tổ và thành viên theo đơn vị", "PhuLucI"),
    "thanh-phan": ("Thành viên theo thành phần", "ThanhPhan"),
    "danh-sach": ("Danh sách thành viên", "DanhSach"),
    "tap-huan": ("Tập huấn", "TapHuan"),
    "thiet-bi": ("Trang thiết bị và đề xuất", "ThietBi"),
    "kinh-phi": ("Dự toán kinh phí hỗ trợ (Phụ lục III)", "DuToanKinhPhi"),
    "ky-nhan": ("Danh sách ký nhận kinh phí hỗ trợ", "KyNhan"),
    "bao-cao-ky": ("Báo cáo định kỳ (quý, 6 tháng, năm)", "BaoCao"),
}

# The teams' work (issue 16): asked for by ``cnscd export`` and in the Reports tab's list.
ACTIVITY_KINDS = {
    "hoat-dong": ("Kết quả hoạt động của các Tổ CNSCĐ", "KetQuaHoatDong"),
    "lich-truc": ("Lịch trực hỗ trợ người dân tại điểm hỗ trợ", "LichTruc"),
}
# At the province: every table rolled up from the communes' hand-off packages (issue 17).
HANDOFF_KINDS = {
    "tong-hop-goi": ("Tổng hợp từ gói báo cáo của các xã (cấp tỉnh)", "TongHopGoi"),
}
ALL_KINDS = {**KINDS, **ACTIVITY_KINDS, **HANDOFF_KINDS}
# The Reports tab's list: the reports and the teams' work (the roll-up has its own screen).
TAB_KINDS = {**KINDS, **ACTIVITY_KINDS}

# The kinds that cover a period, and the period they cover when none is given (default_period_for):
# the quarter holding the request's date (--date), a month for the rota. kinh-phi covers the whole
# scheme and refuses a period (layout.PERIOD_REFUSED).
PERIOD_KINDS = {"phu-luc-1": "quarter", "thanh-phan": "quarter", "danh-sach": "quarter", "tap-huan": "quarter",
                "thiet-bi": "quarter", "ky-nhan": "quarter", "bao-cao-ky": "quarter", "hoat-dong": "quarter",
                "lich-truc": "month", "tong-hop-goi": "quarter"}


def default_period_for(kind: str, day: dt.date | None = None) -> Period | None:
    """The period ``kind`` covers when the clerk names none — the one rule of ``cnscd export`` and of
    the Reports tab: the report the clerk most likely owes next. Every deadline in the documents falls
    inside the period it reports on (a quarter before the 20th of its last month, the Duy Tiên plan; six
    months before 15 June and the year before 15 December, the Bắc Thanh Miện plan), so the report due
    next is the quarter holding ``day`` (layout.default_period); the duty rota: the month holding it.
    None for a kind that covers no period (kinh-phi). ``day`` None: today."""
    unit = PERIOD_KINDS.get(kind)
    if unit is None:
        return None
    day = day or dt.date.today()
    if unit == "month":
        return parse_kind_period(kind, f"{day.year}-{day.month:02d}")
    return default_period(day)


def parse_kind_period(kind: str, code: str) -> Period:
    """``--period`` for ``kind``: the teams' work takes a month too ("2026-11"); the duty rota only a
    month. Bad input is an :class:`InputError` naming the forms that work."""
    if kind not in ACTIVITY_KINDS:
        return parse_period(code)
    from .activities import parse_activity_period

    p = parse_activity_period(code)
    if kind == "lich-truc" and (p.start.year, p.start.month) != (p.end.year, p.end.month):
        raise InputError(f"Lịch trực lập theo từng tháng: ghi kỳ là một tháng, ví dụ {p.end.year}-12 "
                         f"(đang là «{code}»).", "period")
    return p


@dataclass(frozen=True)
class ReportRequest:
    """Everything :func:`build_pack` reads. Only the fields the kind uses matter.

    ``period`` None: the default of :data:`PERIOD_KINDS`. ``day``: the date on the sheet
    (None: today). A village is chosen by ``village_id`` (the Reports tab) or by name
    (``village``, the command line); ``team_id`` narrows the roster to one team.
    The fund fields are those of :func:`exports.fund.estimate` / ``payment_report``;
    ``teams`` None: the registry's village-level teams.
    """

    kind: str
    period: Period | None = None
    day: dt.date | None = None
    village: str = ""
    village_id: int | None = None
    team_id: int | None = None
    gender_columns: bool = False
    with_cccd: bool = False
    policy: str | None = None
    teams: int | None = None
    members_per_team: int = 5
    days: int | None = None
    nights: int | None = None
    months: int | None = None
    years: int | None = None

    def __post_init__(self) -> None:
        if self.kind not in ALL_KINDS:
            raise UsageError(f"Loại báo cáo «{self.kind}» không có.")

    @property
    def label(self) -> str:
        """What the clerk reads: "Danh sách thành viên"."""
        return ALL_KINDS[self.kind][0]

    def period_or_default(self, today: dt.date | None = None) -> Period:
        """The period asked for, else the one rule (:func:`default_period_for`): from the request's date
        (``day``, --date), the system clock only when there is none."""
        if self.period is not None:
            return self.period
        return default_period_for(self.kind, today or self.day) or default_period(today or self.day)


def build_pack(reg, req: ReportRequest) -> tuple[Report | list[Report] | Pack, str]:
    """The report(s) ``req`` asks for, and a tag for the file name ("Q2-2026", a village's slug, …).

    Bad input (an unknown village or policy, a negative count) is an ``InputError`` with a
    Vietnamese message; nothing is written.
    """
    day = req.day
    kind = req.kind
    if kind == "kinh-phi":  # the whole scheme, never a period (the CLI refuses --period: layout.PERIOD_REFUSED)
        return _estimate(reg, req)
    p = req.period_or_default()
    if kind == "phu-luc-1":
        return report.phu_luc_1(reg, day=day, period=p), p.tag
    if kind == "thanh-phan":
        return report.thanh_phan(reg, day=day, period=p), p.tag
    if kind == "danh-sach":
        scope = report.resolve_scope(reg, village=req.village, team_id=req.team_id, village_id=req.village_id)
        r = report.danh_sach(reg, scope=scope, gender_columns=req.gender_columns, with_cccd=req.with_cccd, day=day,
                             period=p)
        return r, _slug(scope)
    if kind == "tap-huan":
        return report.tap_huan(reg, period=p, day=day), p.tag
    if kind == "thiet-bi":
        scope = report.resolve_scope(reg, village=req.village, village_id=req.village_id)
        return report.thiet_bi(reg, scope=scope, day=day, period=p), _slug(scope)
    if kind in ACTIVITY_KINDS:
        return _activity(reg, req, p), p.tag
    if kind in HANDOFF_KINDS:
        from .rollup_report import tong_hop_goi

        return tong_hop_goi(reg, p, day=day), p.tag
    if kind == "ky-nhan":
        policy, source = fund.registry_policy(reg, req.policy)
        return fund.payment_report(reg, policy, p, days_per_person_month=req.days,
                                   nights_per_person_month=req.nights, day=day, policy_source=source), p.tag
    # bao-cao-ky (the request checked its kind)
    return report.bao_cao_ky(reg, p, day=day, with_cccd=req.with_cccd, policy_code=req.policy,
                             days_per_person_month=req.days), p.tag


def _estimate(reg, req: ReportRequest) -> tuple[Report, str]:
    policy, source = fund.registry_policy(reg, req.policy)
    policy = fund.with_years(policy, req.years, req.months)
    est = fund.registry_estimate(reg, policy, teams=req.teams, members_per_team=req.members_per_team,
                        days_per_person_month=req.days or 0, nights_per_person_month=req.nights or 0)
    return fund.estimate_report(reg, est, day=req.day, policy_source=source), policy.code


def _activity(reg, req: ReportRequest, p: Period) -> Report | list[Report]:
    from . import activities

    if req.kind == "hoat-dong":
        return activities.results_reports(reg, p, day=req.day)
    p = parse_kind_period("lich-truc", p.code)  # a quarter or a year is refused: the rota is monthly
    return activities.rota_report(reg, f"{p.start.year}-{p.start.month:02d}", day=req.day)


def _slug(scope: report.Scope) -> str:
    return text.ascii_slug(scope.label) if scope.label else ""


def default_name(reg, kind: str, tag: str, fmt: str) -> str:
    """"DanhSach_ToDanPhoAnLoi_PhuongTranHungDao.xlsx"."""
    slug = text.ascii_slug(unit_name(reg))
    stem = ALL_KINDS[kind][1]
    parts = [stem] + ([tag] if tag else []) + [slug]
    return "_".join(parts) + f".{fmt}"

