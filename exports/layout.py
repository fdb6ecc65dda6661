"""What every report shares: columns, the letterhead, the :class:`Report` and :class:`Pack`
dataclasses, the registry's unit name and reporting periods.

:mod:`exports.report` (the builders) and :mod:`exports.fund` (the support fund) both build on
these; neither imports the other for them, so the imports go one way:
``report → fund → layout``. Nothing here imports Textual or a spreadsheet library.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import gc
import re
import sys
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from models import text
from models.errors import InputError

# Column kinds: how a writer stores and shows a value.
#   text   – a string                      int   – whole number, "7.440.000"
#   money  – đồng, like int                year  – a year, no separator ("1985")
#   date   – a real date, dd/mm/yyyy        phone – text, keeps the leading zero
#   id     – text (CCCD numbers)            pct   – a percentage number (20 = 20 %)
#   pct1   – a percentage with one decimal  sign  – an empty cell for a signature
KINDS = ("text", "int", "money", "year", "date", "phone", "id", "pct", "pct1", "sign")


@dataclass(frozen=True)
class Column:
    title: str
    kind: str = "text"
    width: float = 14
    group: str = ""  # a second header level above this column ("Năm sinh" over "Nam"/"Nữ")


def stt_column(width: float = 6) -> Column:
    """The serial-number column «Stt»: whole numbers shown without a thousands separator (1234, never
    «1.234», which reads like outline numbering) — the writers' ``year`` number format."""
    return Column("Stt", "year", width)


@dataclass(frozen=True)
class Letterhead:
    """The official frame around a table (Nghị định 30/2020/NĐ-CP layout)."""

    issuing_body_parent: str = ""
    issuing_body: str = ""
    place_date: str = ""
    signer_prefix: str = ""
    signer_title: str = ""
    signer_name: str = ""
    nation: str = "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM"
    motto: str = "Độc lập - Tự do - Hạnh phúc"
    # Nghị định 30 elements from the settings (exports.decree30 reads them): the document's number
    # ("" = a blank «Số:        /BC-UBND» to write by hand), the issuing body's abbreviation
    # ("" = from its name), the lines of «Nơi nhận» (() = the body above and «Lưu: VT.»).
    doc_number: str = ""
    doc_symbol: str = ""
    recipients: tuple[str, ...] = ()


@dataclass
class Report:
    key: str  # the CLI kind or a sheet key: "phu-luc-1", "thanh-phan", …
    title: str
    columns: list[Column]
    rows: list[list[Any]]
    total: list[Any] | None = None
    subtitle: str = ""
    notes: list[str] = field(default_factory=list)
    sheet_name: str = ""
    personal_data: bool = False  # names, phones or ID numbers: warn before handing out
    letterhead: Letterhead | None = None
    row_height: float | None = None  # points; e.g. room for signatures in a payment list
    # Extra facts tests and the UI use (e.g. numeric teams/villages behind "41/42").
    meta: dict[str, Any] = field(default_factory=dict)

    @property
    def header_rows(self) -> list[list[str]]:
        """One header row, or two when some columns sit under a group title.

        In the first row a grouped column shows its group title (the writers
        merge the run of equal group titles); ungrouped columns span both rows.
        """
        if not any(c.group for c in self.columns):
            return [[c.title for c in self.columns]]
        top = [c.group or c.title for c in self.columns]
        bottom = [c.title if c.group else "" for c in self.columns]
        return [top, bottom]

    def header_merges(self) -> list[tuple[int, int, int, int]]:
        """(first row, first col, last row, last col), 0-based within the header block."""
        if len(self.header_rows) == 1:
            return []
        out = []
        i, n = 0, len(self.columns)
        while i < n:
            c = self.columns[i]
            if not c.group:
                out.append((0, i, 1, i))
                i += 1
                continue
            j = i
            while j + 1 < n and self.columns[j + 1].group == c.group:
                j += 1
            if j > i:
                out.append((0, i, 0, j))
            i = j + 1
        return out

    @property
    def flat_header(self) -> list[str]:
        """One header row for CSV: "Năm sinh – Nam"."""
        return [f"{c.group} – {c.title}" if c.group else c.title for c in self.columns]


@dataclass
class Pack:
    """Several reports written as one workbook (one sheet each)."""

    key: str
    title: str
    reports: list[Report]
    file_stem: str = ""

    @property
    def personal_data(self) -> bool:
        return any(r.personal_data for r in self.reports)


# ---------------------------------------------------------------------------
# Building many sheets at once
# ---------------------------------------------------------------------------
_PAUSE = threading.Lock()
_paused = {"depth": 0, "was_enabled": False}


def shared(value):
    """A text that many rows repeat (a team's name, a village's label) as the one string every report of
    a pack shares (``sys.intern``): at 16× the province the period pack held the same 20,000 team
    names and village labels up to four times over. Anything not a ``str`` is given back as it is."""
    return sys.intern(value) if type(value) is str else value


@contextlib.contextmanager
def collector_paused() -> Iterator[None]:
    """Python's cyclic garbage collector paused while a pack's sheets are built (they make rows, not
    cycles). Each full pass walks every row already made: at 16× the province 39 of them took 5 s
    of the period pack's 25 (3 passes, 0,07 s at 1×: the time grew faster than the registry).
    Nested or in several threads at once: the collector runs again when the last one ends, as it
    was before the first."""
    with _PAUSE:
        if _paused["depth"] == 0:
            _paused["was_enabled"] = gc.isenabled()
            gc.disable()
        _paused["depth"] += 1
    try:
        yield
    finally:
        with _PAUSE:
            _paused["depth"] -= 1
            if _paused["depth"] == 0 and _paused["was_enabled"]:
                gc.enable()


# ---------------------------------------------------------------------------
# The registry's own unit
# ---------------------------------------------------------------------------
def letterhead(reg, day: dt.date | None = None) -> Letterhead:
    """The frame from the registry's settings; the place-and-date line for ``day`` (today)."""
    from models import services

    s = services.get_settings(reg)
    place = s.place_name or s.commune or s.province
    return Letterhead(s.issuing_body_parent, s.issuing_body, text.place_date_line(place, day or dt.date.today()),
                      s.signer_prefix, s.signer_title, s.signer_name,
                      doc_number=str(getattr(s, "doc_number", "") or ""),
                      doc_symbol=str(getattr(s, "doc_symbol", "") or ""),
                      recipients=tuple(getattr(s, "recipients", ()) or ()))


def unit_label(kind: str, name: str) -> str:
    """"Phường Trần Hưng Đạo" from ("phường", "Trần Hưng Đạo")."""
    return f"{kind[:1].upper()}{kind[1:]} {name}".strip() if kind else name


def unit_name(reg) -> str:
    """The registry's own unit, for titles and file names: "Phường Trần Hưng Đạo" / "Tỉnh Quảng Nam"."""
    from models import services

    s = services.get_settings(reg)
    if s.commune:
        return unit_label(s.commune_kind or "xã", s.commune)
    units = services.list_units(reg, level="tinh")
    if units:
        return unit_label(units[0].kind, units[0].name)
    return s.province


# ---------------------------------------------------------------------------
# Reporting periods
# ---------------------------------------------------------------------------
@dataclass(frozen=True)
class Period:
    code: str  # 2026-Q2 | 2026-H1 | 2026
    start: dt.date
    end: dt.date
    label: str  # "Quý II năm 2026"
    tag: str  # for file names: Q2-2026 | 6T-2026 | Nam-2026

    @property
    def year(self) -> int:
        return self.start.year


_ROMAN = ["I", "II", "III", "IV"]


def parse_period(code: str) -> Period:
    """"2026-Q2" (quarter), "2026-H1"/"2026-H2" (half year), "2026" (year). Bad input → InputError."""
    c = text.clean(code).upper().replace(" ", "")
    m = re.fullmatch(r"(\d{4})(?:-(Q[1-4]|H[12]))?", c)
    if not m or not 2000 <= int(m.group(1)) <= 2100:
        raise InputError(f"Kỳ báo cáo «{text.clean(code)}» không hợp lệ; ghi ví dụ 2026-Q2 (quý), "
                         "2026-H1 (6 tháng đầu năm) hoặc 2026 (cả năm).", "period")
    y = int(m.group(1))
    part = m.group(2)
    if part is None:
        return Period(c, dt.date(y, 1, 1), dt.date(y, 12, 31), f"Năm {y}", f"Nam-{y}")
    if part[0] == "Q":
        q = int(part[1])
        start = dt.date(y, 3 * q - 2, 1)
        end = (dt.date(y, 3 * q + 1, 1) - dt.timedelta(days=1)) if q < 4 else dt.date(y, 12, 31)
        return Period(c, start, end, f"Quý {_ROMAN[q - 1]} năm {y}", f"Q{q}-{y}")
    h = int(part[1])
    if h == 1:
        return Period(c, dt.date(y, 1, 1), dt.date(y, 6, 30), f"6 tháng đầu năm {y}", f"6T-{y}")
    return Period(c, dt.date(y, 7, 1), dt.date(y, 12, 31), f"6 tháng cuối năm {y}", f"6TC-{y}")


# A period named in a sheet's title or subtitle: «QUÝ II NĂM 2026», «6 THÁNG ĐẦU NĂM 2026», «NĂM 2026»
# (compared without accents or case; the last one named counts).
_PERIOD_TEXT = re.compile(r"(?:quy\s+(i{1,3}|iv|[1-4])\s*(?:nam|/)\s*|(6|sau)\s+thang\s+(dau|cuoi)\s+nam\s+|nam\s+)"
                          r"(\d{4})\b")
_QUARTERS = {"i": 1, "ii": 2, "iii": 3, "iv": 4, "1": 1, "2": 2, "3": 3, "4": 4}


def period_in_text(s: str) -> tuple[Period, tuple[int, int]] | None:
    """The reporting period a title names, and where (start, end in the folded text); None if none.
    "XÃ BÌNH AN QUÝ II NĂM 2026" → 2026-Q2; "… 6 THÁNG ĐẦU NĂM 2026" → 2026-H1; "… NĂM 2026" → 2026."""
    f = text.fold(s)
    found = None
    for m in _PERIOD_TEXT.finditer(f):
        if not re.search(r"thang\s*[\d.…_]*\s*$", f[:m.start()]):  # not the date line's «tháng 4 năm 2026»
            found = m
    if found is None or not 2000 <= int(found.group(4)) <= 2100:
        return None
    y = found.group(4)
    if found.group(1):
        code = f"{y}-Q{_QUARTERS[found.group(1)]}"
    elif found.group(3):
        code = f"{y}-H{1 if found.group(3) == 'dau' else 2}"
    else:
        code = y
    return parse_period(code), found.span()


def default_period(day: dt.date | None = None) -> Period:
    """The period a report covers when the clerk names none — one rule for every kind: the quarter
    that holds the request's date (``--date``; the system clock only when no date is given)."""
    day = day or dt.date.today()
    return parse_period(f"{day.year}-Q{(day.month - 1) // 3 + 1}")


# The report kinds that cannot be cut to a period, and why (an estimate covers the whole scheme).
PERIOD_REFUSED = {
    "kinh-phi": "Dự toán kinh phí tính cho cả thời gian thực hiện (số năm, số tháng), không theo kỳ báo cáo; "
                "bỏ --period, dùng --years/--months.",
}


def period_for(kind: str, period: Period | None, day: dt.date | None = None) -> Period | None:
    """The period ``kind`` covers: ``period`` when given (refused with an :class:`InputError` for a kind
    in :data:`PERIOD_REFUSED`), else :func:`default_period` of ``day``; None for a refused kind."""
    if kind in PERIOD_REFUSED:
        if period is not None:
            raise InputError(PERIOD_REFUSED[kind], "period")
        return None
    return period if period is not None else default_period(day)


def period_title(period: Period) -> str:
    """What a title says of the period: «QUÝ II NĂM 2026», «6 THÁNG ĐẦU NĂM 2026», «NĂM 2026»."""
    return period.label.upper()


def as_of_day(period: Period, day: dt.date | None = None) -> dt.date:
    """The day whose state a report of ``period`` shows: the period's last day, or the sheet's date
    (``day``, else today) when that is earlier — nothing after it is known yet."""
    return min(period.end, day or dt.date.today())


def as_of_line(period: Period, day: dt.date | None = None) -> str:
    """«tính đến ngày 30/06/2026»: the day whose state a report shows (:func:`as_of_day`)."""
    return f"tính đến ngày {text.format_date(as_of_day(period, day))}"
