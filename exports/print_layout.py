"""The printed page, worked out from font metrics: how wide a text is, how many lines it takes in a
column, how tall its row must be, where the letterhead splits, how the sheet is scaled and where its
pages break.

Widths come from :mod:`exports.font_metrics` (Liberation Serif, metric-compatible with Times New
Roman, the font the sheets name; generated once from the font files by
``bench/gen_font_metrics.py``), never from character counts.

Column widths are in Excel's unit (the digit width of the workbook's default font, Calibri 11).
Excel draws one unit as 7 pixels (5.25 pt) less about 5 pixels of cell padding; LibreOffice draws it
a little wider (≈ 5.55 pt). Text is fitted to Excel's narrower cell, the page to LibreOffice's wider
sheet, so both print the same lines on the same pages. Row heights are multiples of 0.75 pt (one
pixel), so neither program rounds them up.
"""

from __future__ import annotations

import math
import unicodedata
from dataclasses import dataclass, field
from functools import lru_cache

from .font_metrics import CHARS, UNITS, VERTICAL, WIDTHS

EXCEL_PT_PER_UNIT = 5.25  # 7 px of Calibri 11's digit at 96 dpi
LO_PT_PER_UNIT = 5.56  # LibreOffice: the digit's true width (Carlito 11), a little wider
CELL_PADDING_PT = 5.0  # Excel's inner cell margins (both sides) and the grid line
TEXT_SAFETY = 1.04  # Excel renders glyphs at whole pixels: a few per cent wider than their advances

A4 = (595.3, 841.9)  # points
MARGIN_LR = 0.5  # inches, left and right
MARGIN_TB = 0.6  # inches, top and bottom (the footer sits inside the bottom margin)
FOOTER_MARGIN = 0.25  # inches from the page edge to the footer

DEFAULT_ROW_PT = 14.25  # a row of one line of 11-pt text (19 px: Excel's own height for Times New Roman 11)

_TABLES = {key: dict(zip(CHARS, ws, strict=True)) for key, ws in WIDTHS.items()}
_FALLBACK = {key: sum(ws) / len(ws) for key, ws in WIDTHS.items()}
_SPACE = {key: t[" "] for key, t in _TABLES.items()}


def _style(bold: bool, italic: bool) -> str:
    return "serif" + ("-bold" if bold else "") + ("-italic" if italic else "")


# Bounded small: most cells are unique texts (a roster's names and phones) that are measured once, and
# each entry holds its text (65,536 of them were about 13 MB per cache at 16× the province); the words
# that repeat (the syllables of names, the villages) fit.
@lru_cache(maxsize=1 << 13)
def _units(s: str, key: str) -> float:
    """The advance of ``s`` in font units (NFC, so decomposed Vietnamese measures as it prints)."""
    if not s.isascii():
        s = unicodedata.normalize("NFC", s)
    table, fb = _TABLES[key], _FALLBACK[key]
    get = table.get
    return sum(get(c, fb) for c in s)


def text_width(s: str, size: float = 11, *, bold: bool = False, italic: bool = False) -> float:
    """The printed width of ``s`` in points, in Times New Roman (Liberation Serif) at ``size``."""
    return _units(s, _style(bold, italic)) * size / UNITS * TEXT_SAFETY


def line_height(size: float = 11) -> float:
    """The distance between two lines of ``size``-point text (both programs: ascent + descent + a
    little; LibreOffice measures 12.2 pt for 11 pt, Excel about 12.75 pt)."""
    asc, desc, _gap = VERTICAL["serif"]
    return max((asc + desc) / UNITS * size, size * 1.16)


def px(points: float) -> float:
    """``points`` rounded up to whole pixels (0.75 pt): a height neither program rounds up."""
    return math.ceil(points / 0.75 - 1e-9) * 0.75


def row_height(lines: int, size: float = 11) -> float:
    """The height of a row holding ``lines`` lines of ``size``-point text (cell padding included)."""
    if lines <= 1 and size <= 11:
        return DEFAULT_ROW_PT
    if lines <= 1:
        return px(line_height(size) + 3)
    return px(lines * line_height(size) * 1.1 + 3)


def usable_width(units: float) -> float:
    """Points of text that fit on one line of a cell ``units`` wide (Excel's narrower cell)."""
    return max(1.0, units * EXCEL_PT_PER_UNIT - CELL_PADDING_PT)


def units_for(points: float) -> float:
    """The column width (Excel units) whose cell holds ``points`` of text on one line."""
    return (points + CELL_PADDING_PT) / EXCEL_PT_PER_UNIT


@lru_cache(maxsize=1 << 12)
def _lines(s: str, avail_units: float, key: str) -> int:
    """Lines of ``s`` wrapped word by word (as both programs wrap) into ``avail_units`` font units."""
    space = _SPACE[key]
    n = 0
    for para in s.split("\n"):
        n += 1
        cur = 0.0
        for word in para.split():
            w = _units(word, key)
            if cur and cur + space + w <= avail_units:
                cur += space + w
                continue
            if cur:
                n += 1
            if w > avail_units:  # a word longer than the line is broken by characters
                extra = math.ceil(w / avail_units) - 1
                n += extra
                w -= extra * avail_units
            cur = w
    return max(n, 1)


def wrapped_lines(value, width_units: float, size: float = 11, *, bold: bool = False, italic: bool = False) -> int:
    """How many lines ``value`` takes in a wrapping cell ``width_units`` wide (1 for a non-text value)."""
    if not isinstance(value, str) or not value:
        return 1
    avail = usable_width(width_units) / (size / UNITS * TEXT_SAFETY)
    key = _style(bold, italic)
    if "\n" not in value and _units(value, key) <= avail:
        return 1
    return _lines(value, round(avail, 3), key)


def fits(value: str, width_units: float, size: float = 11, *, bold: bool = False, italic: bool = False) -> bool:
    return text_width(value, size, bold=bold, italic=italic) <= usable_width(width_units)


# ---------------------------------------------------------------------------
# The page
# ---------------------------------------------------------------------------
def printable(landscape: bool) -> tuple[float, float]:
    """(width, height) in points inside the margins of an A4 page."""
    w, h = (A4[1], A4[0]) if landscape else A4
    return w - 2 * 72 * MARGIN_LR, h - 2 * 72 * MARGIN_TB


def scale_for(widths: list[float], landscape: bool) -> int:
    """The print scale (per cent) that fits the columns in the page's width, as LibreOffice draws
    them (the wider of the two programs); at most 100."""
    total = sum(widths) * LO_PT_PER_UNIT + 2
    return max(10, min(100, math.floor(100 * printable(landscape)[0] / total)))


PAGE_SLACK = 6.0  # points of each page left unplanned, for the programs' rounding


def one_page_scale(total_height: float, landscape: bool) -> int:
    """The scale (per cent) at which ``total_height`` points of rows fit on one page."""
    return max(10, min(100, math.floor(100 * printable(landscape)[1] / (total_height + PAGE_SLACK))))


@dataclass
class PagePlan:
    """Where the pages of a sheet start (0-based row indexes, the first page excluded) and how many."""

    breaks: list[int] = field(default_factory=list)
    pages: int = 1


def paginate(heights: list[float], *, header: tuple[int, int] | None, keep: list[tuple[int, int]],
             landscape: bool, scale: int) -> PagePlan:
    """Break ``heights`` (every row of the sheet, points) into pages.

    ``header`` (first, last) are the rows repeated at the top of every page; ``keep`` are runs of
    rows (first, last) that stay on one page when they fit on one (the top of the sheet with the
    table's first row; the table's last rows with the notes and the signature). A page break goes
    before a run that does not fit in what is left of a page, so no page holds only a signature,
    and none ends with a header and no row under it.
    """
    capacity = printable(landscape)[1] * 100 / scale - PAGE_SLACK
    head_h = sum(heights[header[0]:header[1] + 1]) if header else 0.0
    runs: dict[int, int] = {}
    for first, last in keep:
        runs[first] = max(runs.get(first, first), last)
    plan = PagePlan()
    used = 0.0
    i, n = 0, len(heights)
    while i < n:
        last = min(runs.get(i, i), n - 1)
        block = sum(heights[i:last + 1])
        fresh = head_h if header and i > header[1] else 0.0  # what a new page starts with
        if used + block <= capacity:
            used += block
        elif block <= capacity - fresh:
            if used > fresh:
                plan.breaks.append(i)
            used = fresh + block
        else:  # a run longer than a page: row by row
            for j in range(i, last + 1):
                if used + heights[j] > capacity and used > fresh:
                    plan.breaks.append(j)
                    used = fresh
                used += heights[j]
        i = last + 1
    plan.pages = len(plan.breaks) + 1
    return plan
