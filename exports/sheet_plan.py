"""One sheet laid out for print, the same for XLSX and ODS: the column widths the letterhead needs,
the rows above and below the table with their text, styles and heights, the height of every table
row, the print scale and the page breaks.

The letterhead (Nghị định 30/2020/NĐ-CP): the body above and the issuing body top left, the
national name and motto top right (the motto underlined over its own length), a rule under the
issuing body (a third of its length) with «Số: …/BC-…» under it, the place and date on that line
at the right. The columns are widened where the phrases need it, measured in the fonts the sheet
names, so no phrase of the letterhead wraps. Under the table: the notes, then «Nơi nhận» on the
left (or the preparer's and the accountant's signatures on a payment list) and the signer's lines
on the right («TM. ỦY BAN NHÂN DÂN» / «KT. CHỦ TỊCH» / «PHÓ CHỦ TỊCH», room to sign, the name).
Page breaks keep the table's last rows with the signature, and the header with the first row.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from . import decree30
from . import print_layout as pl
from .layout import Report

NBSP = "\u00a0"
RULE_SIZE = 8  # the rule line: non-breaking spaces underlined at this size (≈ 0.4 pt thick)
ONE_LINE_KINDS = ("int", "money", "year", "pct", "pct1", "date", "phone", "id", "sign")  # never wrapped
SIGN_SPACE_ROWS = 4  # rows left free to sign and stamp
PORTRAIT_MIN_SCALE = 72  # a table printed upright at 72 % or more stays upright (more rows a page)
SHRINK_TO_ONE_PAGE = 0.8  # a sheet a little over one page is scaled down to one page, to 80 % at most
FIT_MIN_ROWS, FIT_SAMPLE, FIT_MIN_SCALE = 40, 2000, 70  # fit_columns: lists this long, sampled, scale kept
FIT_MAX_GROWTH = 1.8  # fit_columns: a column grows to 1.8 times its width at most


@dataclass(frozen=True)
class Style:
    size: float = 12
    bold: bool = False
    italic: bool = False
    underline: bool = False
    h: str = "center"  # left | center | right
    v: str = "center"  # top | center | bottom
    wrap: bool = True


@dataclass(frozen=True)
class Rule:
    """A rule line ``length`` points long (underlined non-breaking spaces), then ``below`` under it."""

    length: float
    below: str = ""
    below_size: float = 13

    @property
    def spaces(self) -> str:
        per = pl.text_width(NBSP, RULE_SIZE) or 1.0
        return NBSP * max(4, round(self.length / per))

    @property
    def plain(self) -> str:
        return self.spaces + ("\n" + self.below if self.below else "")


@dataclass
class Piece:
    col: int  # first column, 0-based
    span: int
    value: Any
    style: Style


@dataclass
class Line:
    pieces: list[Piece] = field(default_factory=list)
    height: float | None = None  # None: the sheet's default (one line of 11-pt text)


@dataclass
class SheetPlan:
    report: Report
    widths: list[float]
    left: int
    landscape: bool
    scale: int
    top: list[Line]
    header_heights: list[float | None]
    data_heights: list[float | None]  # the rows, then the total row when there is one
    bottom: list[Line]
    pages: pl.PagePlan = field(default_factory=pl.PagePlan)

    @property
    def header_first(self) -> int:
        """1-based row of the table's first header row."""
        return len(self.top) + 1

    @property
    def data_first(self) -> int:
        return self.header_first + len(self.header_heights)

    @property
    def last_row(self) -> int:
        return self.data_first - 1 + len(self.data_heights) + len(self.bottom)

    def row_of(self, index: int) -> int:
        """1-based sheet row of 0-based ``index`` in the list of all rows."""
        return index + 1


def _split(widths: list[float]) -> int:
    """How many columns the left half of the letterhead spans (about 40 % of the width)."""
    n = len(widths)
    if n <= 1:
        return 1
    total = sum(widths)
    acc, k = 0.0, 0
    for w in widths:
        if acc >= total * 0.4 and k >= 1:
            break
        acc += w
        k += 1
    return max(1, min(k, n - 1))


# ---------------------------------------------------------------------------
# The letterhead's geometry
# ---------------------------------------------------------------------------
def _body_lines(body: str) -> list[str]:
    """The issuing body on two lines where it breaks between the kind of body and the unit named
    («ỦY BAN NHÂN DÂN» / «PHƯỜNG TRẦN HƯNG ĐẠO»); one line if it has no such break."""
    from models import text

    f = text.fold(body)
    for head in ("uy ban nhan dan ", "hoi dong nhan dan "):
        if f.startswith(head) and len(body) > len(head):
            return [body[:len(head) - 1], body[len(head):].strip()]
    return [body]


def _needs(lh, body_lines: list[str]) -> tuple[float, float]:
    """Points of text the letterhead's left and right blocks need on one line each."""
    w = pl.text_width
    left = max([w(lh.issuing_body_parent or "", 12), w(decree30.number_line(lh), 13)]
               + [w(b, 12, bold=True) for b in body_lines])
    right = max(w(lh.nation or "", 12, bold=True), w(lh.motto or "", 13, bold=True),
                w(lh.place_date or "", 13, italic=True))
    return left + 2, right + 2


def _widen(widths: list[float], cols, lo: int, hi: int, extra: float) -> None:
    """Add ``extra`` units to columns lo..hi-1: to the text columns, in proportion to their widths."""
    if extra <= 0:
        return
    idx = [j for j in range(lo, hi) if cols[j].kind == "text" and cols[j].title != "Stt"] or list(range(lo, hi))
    total = sum(widths[j] for j in idx) or 1.0
    for j in idx:
        widths[j] = round(widths[j] + extra * widths[j] / total + 0.05, 1)


def letterhead_geometry(report: Report, landscape: bool,
                        widths: list[float] | None = None) -> tuple[list[float], int, list[str]]:
    """(column widths, columns of the left half, the issuing body's lines) such that every phrase of
    the letterhead fits on one line of its half."""
    cols = report.columns
    widths = list(widths) if widths is not None else [c.width for c in cols]
    lh = report.letterhead
    n = len(widths)
    body = lh.issuing_body or ""
    options = [[body]] + ([_body_lines(body)] if len(_body_lines(body)) > 1 else [])
    best = None
    for body_lines in options:
        need_l, need_r = _needs(lh, body_lines)
        if n == 1:
            return [max(widths[0], pl.units_for(max(need_l, need_r)))], 1, body_lines
        target = _split(widths)
        cand = None
        for k in range(1, n):
            add_l = max(0.0, pl.units_for(need_l) - sum(widths[:k]))
            add_r = max(0.0, pl.units_for(need_r) - sum(widths[k:]))
            cost = add_l + add_r + 0.01 * abs(k - target)
            if cand is None or cost < cand[0]:
                cand = (cost, k, add_l, add_r, body_lines)
        if best is None or cand[0] < best[0] - 1:
            best = cand
        # one line for the issuing body unless that makes the sheet wider than the page
        if (sum(widths) + cand[2] + cand[3]) * pl.LO_PT_PER_UNIT <= pl.printable(landscape)[0]:
            best = cand
            break
    _, k, add_l, add_r, body_lines = best
    _widen(widths, cols, 0, k, add_l)
    _widen(widths, cols, k, n, add_r)
    return widths, k, body_lines


# ---------------------------------------------------------------------------
# Rows above and below the table
# ---------------------------------------------------------------------------
def _h(lines: int, size: float) -> float:
    return pl.row_height(lines, size)


def _top(report: Report, widths: list[float], left: int, body_lines: list[str]) -> list[Line]:
    n, lh, out = len(widths), report.letterhead, []
    total = sum(widths)
    if lh is not None and n == 1:  # one column: the two blocks one above the other
        body = "\n".join(body_lines)
        for value, style in ((lh.nation, Style(12, bold=True, wrap=False)),
                             (lh.motto, Style(13, bold=True, underline=True, wrap=False)),
                             (lh.issuing_body_parent, Style(12, wrap=False)),
                             (body, Style(12, bold=True, wrap=len(body_lines) > 1)),
                             (decree30.number_line(lh), Style(13, wrap=False)),
                             (lh.place_date, Style(13, italic=True, wrap=False))):
            out.append(Line([Piece(0, 1, value or None, style)], _h(value.count("\n") + 1 if value else 1, style.size)))
        out.append(Line())
    elif lh is not None:
        body = "\n".join(body_lines)
        out.append(Line([Piece(0, left, lh.issuing_body_parent or None, Style(12, wrap=False)),
                         Piece(left, n - left, lh.nation or None, Style(12, bold=True, wrap=False))],
                        _h(1, 12)))
        out.append(Line([Piece(0, left, body or None, Style(12, bold=True, wrap=len(body_lines) > 1)),
                         Piece(left, n - left, lh.motto or None, Style(13, bold=True, underline=True, wrap=False))],
                        max(_h(len(body_lines), 12), _h(1, 13))))
        rule = Rule(0.4 * max(pl.text_width(b, 12, bold=True) for b in body_lines), decree30.number_line(lh))
        out.append(Line([Piece(0, left, rule, Style(13, v="bottom")),
                         Piece(left, n - left, lh.place_date or None, Style(13, italic=True, v="bottom", wrap=False))],
                        pl.px(pl.line_height(RULE_SIZE) + pl.line_height(13) * 1.1 + 3)))
        out.append(Line())
    title_lines = pl.wrapped_lines(report.title, total, 13, bold=True)
    out.append(Line([Piece(0, n, report.title, Style(13, bold=True))], max(21.0, _h(title_lines, 13))))
    if report.subtitle:
        lines = pl.wrapped_lines(report.subtitle, total, 12, bold=True)
        out.append(Line([Piece(0, n, report.subtitle, Style(12, bold=True))], _h(lines, 12)))
    out.append(Line())
    return out


def _halves(widths: list[float], left: int) -> int:
    """Where the left block splits in two for two signatures (columns before the split)."""
    half, acc = sum(widths[:left]) / 2, 0.0
    for j in range(left):
        acc += widths[j]
        if acc >= half:
            return max(1, min(j + 1, left - 1)) if left > 1 else 1
    return max(1, left - 1)


def _signature(report: Report, widths: list[float], left: int) -> list[Line]:
    lh, n = report.letterhead, len(widths)
    sig = decree30.signer_lines(lh)
    co = tuple(report.meta.get("co_signers") or ())
    bold = Style(12, bold=True, wrap=False)
    lefts: list[list[Piece]] = []
    if co and left >= 2:
        a = _halves(widths, left)
        spans = [(0, a), (a, left - a)]
        lefts.append([Piece(c, s, t, bold) for (c, s), (t, _) in zip(spans, co, strict=False)])
        lefts.append([Piece(c, s, "(Ký, ghi rõ họ tên)", Style(11, italic=True, wrap=False)) for c, s in spans[:len(co)]])
        names = [Piece(c, s, nm or None, bold) for (c, s), (_, nm) in zip(spans, co, strict=False)]
    else:
        lefts.append([Piece(0, left, "Nơi nhận:", Style(12, bold=True, italic=True, h="left", wrap=False))])
        lefts += [[Piece(0, left, r, Style(11, h="left"))] for r in decree30.recipients(lh)]
        names = []
    rows = max(len(sig) + SIGN_SPACE_ROWS, len(lefts))
    out: list[Line] = []
    for i in range(rows):
        pieces = list(lefts[i]) if i < len(lefts) else []
        if i < len(sig):
            pieces.append(Piece(left, n - left, sig[i], bold))
        lines = max([pl.wrapped_lines(p.value, sum(widths[p.col:p.col + p.span]), p.style.size)
                     for p in pieces if p.style.wrap] or [1])
        out.append(Line(pieces, _h(lines, 12) if pieces else None))
    out.append(Line(names + [Piece(left, n - left, lh.signer_name or None, bold)], _h(1, 12)))
    return out


def _bottom(report: Report, widths: list[float], left: int) -> list[Line]:
    n, total, lh, out = len(widths), sum(widths), report.letterhead, []
    if report.notes:
        out.append(Line())
        for note in report.notes:
            lines = pl.wrapped_lines(note, total, 11, italic=True)
            out.append(Line([Piece(0, n, note, Style(11, italic=True, h="left"))], _h(lines, 11) if lines > 1 else None))
    if lh is not None and (lh.signer_title or lh.signer_name):
        out.append(Line())
        out += _signature(report, widths, left)
    return out


# ---------------------------------------------------------------------------
# The table's rows
# ---------------------------------------------------------------------------
def header_heights(report: Report, widths: list[float]) -> list[float | None]:
    """Each header row's height: room for its wrapped titles (a title merged over several columns
    wraps over their width; one merged over both rows shares their height)."""
    span_w: dict[tuple[int, int], float] = {}
    two_rows: dict[tuple[int, int], float] = {}
    for r1, c1, r2, c2 in report.header_merges():
        span_w[(r1, c1)] = sum(widths[c1:c2 + 1])
        if r2 > r1:
            two_rows[(r1, c1)] = span_w[(r1, c1)]
    out: list[float | None] = []
    for i, hr in enumerate(report.header_rows):
        lines = max([pl.wrapped_lines(v, span_w.get((i, j), widths[j]), 11, bold=True)
                     for j, v in enumerate(hr) if (i, j) not in two_rows] or [1])
        out.append(pl.row_height(lines, 11) if lines > 1 else None)
    if len(out) == 2:
        need = max([pl.row_height(pl.wrapped_lines(report.header_rows[0][j], w, 11, bold=True), 11)
                    for (_, j), w in two_rows.items()] or [0.0])
        have = sum(h or pl.DEFAULT_ROW_PT for h in out)
        if need > have:
            out[1] = pl.px((out[1] or pl.DEFAULT_ROW_PT) + need - have)
    return out


def data_heights(report: Report, widths: list[float]) -> list[float | None]:
    """The height of every table row (and the total row): the report's own, or room for the lines
    of its longest wrapped text; None for a row of one line (the sheet's default height).
    Measured once per distinct text (village names repeat over a province's 7,446 rows)."""
    rows = list(report.rows) + ([report.total] if report.total is not None else [])
    if report.row_height:
        h = pl.px(report.row_height)
        return [h] * len(rows)
    per_unit = 11 / pl.UNITS * pl.TEXT_SAFETY
    key = "serif"
    # text columns, and numeric ones (a label such as «chưa có số hộ» in a count column wraps too)
    wrapping = [(j, round(pl.usable_width(widths[j]) / per_unit, 3), {}) for j, c in enumerate(report.columns)
                if c.kind not in ("phone", "id", "date", "sign")]
    out: list[float | None] = []
    units = pl._units
    for row in rows:
        lines = 1
        for j, avail, seen in wrapping:
            v = row[j] if j < len(row) else None
            if type(v) is not str or not v:
                continue
            n = seen.get(v)
            if n is None:
                n = seen[v] = (pl._lines(v, avail, key) if ("\n" in v or units(v, key) > avail) else 1)
            if n > lines:
                lines = n
        out.append(pl.row_height(lines, 11) if lines > 1 else None)
    return out


def fit_columns(report: Report, widths: list[float], landscape: bool) -> list[float]:
    """Long lists: a text column where most values just miss one line (a province's «Tổ dân phố 5,
    phường An An») is widened to hold nine values in ten on one line — to 1.8 times its width at most,
    and only while the page keeps a readable scale — so its rows take one line, not two."""
    rows = report.rows
    if len(rows) < FIT_MIN_ROWS:
        return widths
    step = max(1, len(rows) // FIT_SAMPLE)
    out = list(widths)
    per_unit = 11 / pl.UNITS * pl.TEXT_SAFETY
    for j, c in enumerate(report.columns):
        if c.kind != "text" or c.title == "Stt":
            continue
        sample = sorted(pl._units(v, "serif") for r in rows[::step] if j < len(r)
                        for v in [r[j]] if isinstance(v, str) and v and "\n" not in v)
        if len(sample) < FIT_MIN_ROWS:
            continue
        need = pl.units_for(sample[int(len(sample) * 0.9)] * per_unit) + 0.5
        if out[j] < need <= out[j] * FIT_MAX_GROWTH:
            trial = out[:j] + [round(need, 1)] + out[j + 1:]
            if pl.scale_for(trial, landscape) >= FIT_MIN_SCALE:
                out = trial
    return out


# ---------------------------------------------------------------------------
def plan(report: Report) -> SheetPlan:
    """The sheet's layout, widths, heights, scale and page breaks."""
    landscape = pl.scale_for([c.width for c in report.columns], False) < PORTRAIT_MIN_SCALE
    widths = fit_columns(report, [c.width for c in report.columns], landscape)
    if report.letterhead is not None:
        widths, left, body_lines = letterhead_geometry(report, landscape, widths)
    else:
        left, body_lines = _split(widths), []
    p = SheetPlan(report, widths, left, landscape, pl.scale_for(widths, landscape),
                  _top(report, widths, left, body_lines), header_heights(report, widths),
                  data_heights(report, widths), _bottom(report, widths, left))
    d = pl.DEFAULT_ROW_PT
    heights = ([ln.height or d for ln in p.top] + [h or d for h in p.header_heights]
               + [h or d for h in p.data_heights] + [ln.height or d for ln in p.bottom])
    h0 = len(p.top)
    h1 = h0 + len(p.header_heights) - 1
    first_data = h1 + 1
    n_data = len(p.data_heights)
    keep = [(0, min(first_data, len(heights) - 1))]
    if n_data and p.bottom:
        tail_first = first_data + max(0, n_data - 2)
        keep.append((tail_first, len(heights) - 1))
    p.pages = pl.paginate(heights, header=(h0, h1), keep=keep, landscape=landscape, scale=p.scale)
    if p.pages.pages == 2:  # a little over one page: printed a little smaller on one page
        one_page = pl.one_page_scale(sum(heights), landscape)
        if one_page >= p.scale * SHRINK_TO_ONE_PAGE:
            p.scale = one_page
            p.pages = pl.paginate(heights, header=(h0, h1), keep=keep, landscape=landscape, scale=p.scale)
    return p
