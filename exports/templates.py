"""Filling the district's own Excel templates with the registry's data.

    result = fill_template(reg, "mau-huyen.xlsx", "da-dien.xlsx", kind="danh-sach")

The template is an .xlsx the district sent: a title block, one or two header
rows (possibly merged), maybe example rows, a total row with formulas, and a
signature block. :func:`fill_template`

1. finds the header (the row whose cells best match the report's columns,
   compared like the importer does: no accents, no case; a second header row
   under merged cells is joined to the one above: "Năm sinh – Nam");
2. finds the data area (example or empty bordered rows down to the total row,
   a blank row or the signature block);
3. clears the example values (formulas stay), inserts the rows it needs below
   the last example row, so merged cells, row heights and everything below move
   down the way Excel moves them and the total row's ranges that end on the
   last data row grow over the new rows (``=COUNTA(B6:B6)`` → ``=COUNTA(B6:B200)``);
   every data row gets the styles (font, border, fill, number format,
   alignment) and height of the first data row;
4. numbers "Stt", fills the place-and-date line below the table (a cell that is
   only "..., ngày ... tháng ... năm ...") and, where the total row has no
   formula, the computed totals;
5. writes a new file atomically — the template file is only read.

Templates and their column mappings can be stored in the registry's Setting
table (key ``template:<name>``, the file as base64) so next quarter it is one
step: ``cnscd template fill --saved NAME --out FILE``.

openpyxl is imported inside the functions.
"""

from __future__ import annotations

import base64
import copy
import dataclasses
import datetime as dt
import io
import json
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from models import text
from models.errors import InputError

from .headers import field_for_header, header_key, is_place_date_line, is_signature_label, is_total_label
from .sheets import ImportFailed, package_refusal, read_error

KINDS = {
    "danh-sach": "Danh sách thành viên",
    "phu-luc-1": "Phụ lục I — số tổ và thành viên theo đơn vị",
    "thanh-phan": "Thành viên theo thành phần",
    "tap-huan": "Tập huấn",
    "thiet-bi": "Trang thiết bị",
}


class TemplateError(InputError):
    exit_code = 2


@dataclass
class TemplateInfo:
    name: str
    kind: str
    filename: str
    saved: str
    mapping: dict[str, str]
    size: int


@dataclass
class FillResult:
    out: Path
    sheet: str
    kind: str
    header_rows: tuple[int, int]  # first and last header row (1-based)
    mapping: dict[str, str]  # template column letter → report column title
    unmapped_template: list[str]  # template columns left empty
    unmapped_report: list[str]  # report columns the template has no place for
    rows: int
    inserted: int
    place_date: bool
    notes: list[str] = field(default_factory=list)
    labels: dict[str, str] = field(default_factory=dict)  # template column letter → its header text
    report_columns: list[str] = field(default_factory=list)  # the report's column titles (choices for a mapping)
    personal_data: bool = False
    data: bytes | None = None  # the filled workbook, when ``out`` was None


# ---------------------------------------------------------------------------
# Reports
# ---------------------------------------------------------------------------
def _build_report(reg, kind: str, labels: list[str], day: dt.date | None):
    from . import report

    if kind == "danh-sach":
        fields = {field_for_header(lbl) for lbl in labels}
        return report.danh_sach(reg, gender_columns=bool(fields & {"birth_nam", "birth_nu"}),
                                with_cccd="cccd" in fields, day=day)
    if kind == "phu-luc-1":
        return _teams_per_villages(report.phu_luc_1(reg, day=day), labels)
    if kind == "thanh-phan":
        return report.thanh_phan(reg, day=day)
    if kind == "tap-huan":
        return report.tap_huan(reg, day=day)[0]
    if kind == "thiet-bi":
        return report.thiet_bi(reg, day=day)[0]
    raise TemplateError(f"Loại biểu «{kind}» không có; chọn một trong: {', '.join(KINDS)}.", "kind")


def _teams_per_villages(rep, labels: list[str]):
    """A template with one «Tổng số Tổ CNSCĐ/thôn» column gets «41/42» there, as it asks: the report's
    «Số tổ» and «Số thôn, TDP» columns joined (a template with both columns gets the numbers)."""
    keys = [header_key(x) for x in labels]
    if any("so thon" in k for k in keys) or not any("to cnscd" in k and "thon" in k for k in keys):
        return rep
    cols = [c.title for c in rep.columns]
    if "Số tổ" not in cols or "Số thôn, TDP" not in cols:
        return rep
    i = cols.index("Số tổ")

    def join(row):
        if row is None:
            return None
        t, v = row[i], row[i + 1]
        both = f"{t or 0}/{v or 0}" if isinstance(t, int) or isinstance(v, int) else t
        return row[:i] + [both] + row[i + 2:]

    from .layout import Column

    columns = rep.columns[:i] + [Column(rep.columns[i].group or "Tổng số Tổ CNSCĐ/thôn", "text", 16)] + rep.columns[i + 2:]
    return dataclasses.replace(rep, columns=columns, rows=[join(r) for r in rep.rows], total=join(rep.total))


def guess_kind(labels: list[str]) -> str | None:
    keys = " | ".join(header_key(x) for x in labels)
    fields = {field_for_header(x) for x in labels}
    if "full_name" in fields:
        return "danh-sach"
    if "thiet bi" in keys:
        return "thiet-bi"
    if "tap huan" in keys or "ten lop" in keys or "khoa" in keys:
        return "tap-huan"
    if "ty le" in keys and "thanh phan" in keys:
        return "thanh-phan"
    if "thanh vien" in keys and ("don vi" in keys or "xa" in keys or "thon" in keys):
        return "phu-luc-1"
    return None


# ---------------------------------------------------------------------------
# Header matching
# ---------------------------------------------------------------------------
def _report_labels(rep) -> list[str]:
    return [f"{c.group} – {c.title}" if c.group else c.title for c in rep.columns]


# Names of the same column in different templates: the unit a row is about.
_SYNONYMS = [
    {"don vi", "ten don vi", "dia phuong", "ten dia phuong", "don vi hanh chinh", "thon tdp", "thon to dan pho",
     "thon to", "thon", "tdp", "to dan pho", "thon xom", "thon ban", "khu dan cu", "xa phuong", "xa phuong thi tran",
     "xa", "phuong", "ten xa phuong", "don vi thon tdp", "don vi xa phuong", "huyen", "ten thon tdp"},
]


def _similarity(a: str, b: str, roster: bool) -> float:
    ka, kb = header_key(a), header_key(b)
    if not ka or not kb:
        return 0.0
    if ka == kb:
        return 1.0
    if any(ka in g and kb in g for g in _SYNONYMS):
        return 0.9
    if roster:
        fa, fb = field_for_header(a), field_for_header(b)
        if fa and fa == fb:
            return 1.0
        if fa and fb and fa != fb:
            return 0.0
    ta, tb = set(ka.split()), set(kb.split())
    j = len(ta & tb) / len(ta | tb)
    if ka in kb or kb in ka:
        j = max(j, 0.6)
    return j


def match_columns(template_labels: dict[int, str], report_labels: list[str], roster: bool,
                  overrides: dict[str, str] | None = None) -> dict[int, int]:
    """Template column → report column index (greedy by best similarity, ≥ 0.5)."""
    pairs = []
    for c, lbl in template_labels.items():
        for j, rl in enumerate(report_labels):
            s = _similarity(lbl, rl, roster)
            if s >= 0.5:
                pairs.append((s, -c, j, c))
    pairs.sort(reverse=True)
    out: dict[int, int] = {}
    used: set[int] = set()
    for _s, _, j, c in pairs:
        if c in out or j in used:
            continue
        out[c] = j
        used.add(j)
    for spec, target in (overrides or {}).items():
        c = _letter_index(spec)
        if c is None:
            raise TemplateError(f"Cột «{spec}» không hợp lệ (ghi chữ cái cột, ví dụ C).", "map")
        if target.strip() in ("", "-"):
            out.pop(c, None)
            continue
        hits = [j for j, rl in enumerate(report_labels) if header_key(rl) == header_key(target)]
        if not hits:
            raise TemplateError(f"Báo cáo không có cột «{target}»; các cột: {', '.join(report_labels)}.", "map")
        for k in [k for k, v in out.items() if v == hits[0]]:
            del out[k]
        out[c] = hits[0]
    return out


def _letter_index(spec: str) -> int | None:
    s = spec.strip().upper()
    if (s.isascii() and s.isdigit()):
        return int(s)
    if not re.fullmatch(r"[A-Z]{1,3}", s):
        return None
    n = 0
    for ch in s:
        n = n * 26 + ord(ch) - 64
    return n


def _cell_str(ws, r: int, c: int) -> str:
    v = ws.cell(row=r, column=c).value
    if v is None:
        return ""
    from . import legacy_text as lt

    if isinstance(v, str):
        enc, caps = lt.encoding_from_font(ws.cell(row=r, column=c).font.name if ws.cell(row=r, column=c).has_style
                                           else None)
        if enc:
            v = lt.decode(v, enc, capitals=caps)
    return text.clean(v)


def _merged_origin(ws) -> dict[tuple[int, int], tuple[int, int]]:
    out = {}
    for m in ws.merged_cells.ranges:
        if (m.max_row - m.min_row + 1) * (m.max_col - m.min_col + 1) > 5000:
            continue
        for r in range(m.min_row, m.max_row + 1):
            for c in range(m.min_col, m.max_col + 1):
                out[(r, c)] = (m.min_row, m.min_col)
    return out


def _labels_for(ws, r: int, two: bool, origin) -> dict[int, str]:
    out = {}
    for c in range(1, min(ws.max_column, 200) + 1):
        o = origin.get((r, c), (r, c))
        top = _cell_str(ws, *o)
        bottom = ""
        if two:
            o2 = origin.get((r + 1, c), (r + 1, c))
            if o2 != o:
                bottom = _cell_str(ws, *o2)
        lbl = f"{top} – {bottom}" if top and bottom else (top or bottom)
        if lbl:
            out[c] = lbl
    return out


def _header_candidates(ws, kind: str | None, origin):
    """Rows that may be the header: (row, rows (1|2), labels {col: label}, kind), top first."""
    for r in range(1, min(ws.max_row, 40) + 1):
        one = _labels_for(ws, r, False, origin)
        if len(one) < 2:
            continue
        k = kind or guess_kind(list(one.values()))
        if k is None:
            continue
        # a second header row: sub-titles under a header that has merged cells
        below_all = _labels_for(ws, r + 1, False, origin)
        merged_here = any(origin.get((r, c), (r, c)) != (r, c) or origin.get((r + 1, c)) == (r, c) for c in one)
        two = False
        if below_all and merged_here:
            below = {c: lbl for c, lbl in below_all.items() if origin.get((r + 1, c), (r + 1, c)) == (r + 1, c)}
            if below and not all(re.fullmatch(r"\d+", header_key(x) or "0") for x in below.values()):
                two = True
        yield r, 2 if two else 1, _labels_for(ws, r, two, origin), k


# ---------------------------------------------------------------------------
# Row operations that keep merged cells, heights and formulas right
# ---------------------------------------------------------------------------
_REF = re.compile(r"(?<![A-Za-z_])(\$?)([A-Z]{1,3})(\$?)(\d+)(?::(\$?)([A-Z]{1,3})(\$?)(\d+))?(?![\d(])")


def _shift_formula(f: str, at: int, delta: int, stretch_end: int | None = None) -> str:
    """Rows ≥ ``at`` in a formula's references move by ``delta`` (what Excel does on insert).

    ``stretch_end``: a range that ends on that row (the last data row, just above the rows
    inserted) grows over the new rows — ``=COUNTA(B6:B6)`` becomes ``=COUNTA(B6:B200)``, as in Excel
    when rows are inserted inside a range.
    """
    out, pos = [], 0
    for m in _REF.finditer(f):
        if f.count('"', 0, m.start()) % 2:  # text inside quotes
            continue
        r1 = int(m.group(4))
        n1 = r1 + delta if r1 >= at else r1
        if m.group(8) is None:
            if n1 == r1:
                continue
            rep = f"{m.group(1)}{m.group(2)}{m.group(3)}{n1}"
        else:
            r2 = int(m.group(8))
            n2 = r2 + delta if r2 >= at or (stretch_end is not None and r2 == stretch_end and r1 <= r2) else r2
            if (n1, n2) == (r1, r2):
                continue
            rep = f"{m.group(1)}{m.group(2)}{m.group(3)}{n1}:{m.group(5)}{m.group(6)}{m.group(7)}{n2}"
        out.append(f[pos:m.start()])
        out.append(rep)
        pos = m.end()
    out.append(f[pos:])
    return "".join(out)


def _insert_rows(ws, at: int, n: int, *, stretch_end: int | None = None,
                 keep_rows: tuple[int, int] | None = None) -> None:
    """Insert ``n`` rows before row ``at`` (1-based), moving merges, heights and formulas.

    ``stretch_end``: ranges ending on that row grow over the inserted rows (see :func:`_shift_formula`),
    except in formulas on the rows ``keep_rows`` (first, last) — the data rows' own formulas.
    """
    if n <= 0:
        return
    from openpyxl.worksheet.cell_range import CellRange

    merges = list(ws.merged_cells.ranges)
    for m in merges:
        ws.merged_cells.remove(m)
    heights = {r: d.height for r, d in ws.row_dimensions.items() if r >= at and d.height is not None}
    ws.insert_rows(at, n)
    for r in sorted(heights, reverse=True):
        ws.row_dimensions[r + n].height = heights[r]
        if r < at + n:
            ws.row_dimensions[r].height = None
    for m in merges:
        if m.min_row >= at:
            m = CellRange(min_col=m.min_col, min_row=m.min_row + n, max_col=m.max_col, max_row=m.max_row + n)
        elif m.max_row >= at:
            m = CellRange(min_col=m.min_col, min_row=m.min_row, max_col=m.max_col, max_row=m.max_row + n)
        ws.merged_cells.add(m)
    for row in ws.iter_rows():
        for cell in row:
            v = cell.value
            if isinstance(v, str) and v.startswith("="):
                inside = keep_rows is not None and keep_rows[0] <= cell.row <= keep_rows[1]
                cell.value = _shift_formula(v, at, n, None if inside else stretch_end)
    if ws.print_area:
        try:
            ws.print_area = _shift_formula(str(ws.print_area).split("!")[-1].replace("'", ""), at, n)
        except Exception:
            pass


def _copy_style(src, dst) -> None:
    if src.has_style:
        dst._style = copy.copy(src._style)


# ---------------------------------------------------------------------------
# Filling
# ---------------------------------------------------------------------------
def _is_total(ws, r: int, maxc: int) -> bool:
    """A total row: one of its first cells is a whole total label ("Tổng cộng", "Cộng"), not
    a name or a unit that starts like one ("Tống Văn Dũng", "Cộng Hòa 1")."""
    return any(is_total_label(_cell_str(ws, r, c)) for c in range(1, min(maxc, 6) + 1))


def _row_empty(ws, r: int, maxc: int) -> bool:
    return all(ws.cell(row=r, column=c).value in (None, "") for c in range(1, maxc + 1))


def _has_border(ws, r: int, maxc: int) -> bool:
    for c in range(1, maxc + 1):
        cell = ws.cell(row=r, column=c)
        if cell.has_style and cell.border is not None and (cell.border.left.style or cell.border.bottom.style):
            return True
    return False


def _is_footer(ws, r: int, maxc: int) -> bool:
    """The place-and-date line or the signature block (a row with at most two cells filled:
    an example row "… | Chủ tịch Hội Nông dân | …" is data)."""
    filled = [x for x in (_cell_str(ws, r, c) for c in range(1, maxc + 1)) if x]
    return len(filled) <= 2 and any(is_place_date_line(x) or is_signature_label(x) for x in filled)


def _value_for(col, v: Any):
    if v is None or v == "":
        return None, None
    if col.kind in ("phone", "id"):
        return str(v), "@"
    if col.kind == "date" and isinstance(v, (dt.date, dt.datetime)):
        return v, "dd/mm/yyyy"
    return v, None


@dataclass
class _Table:
    """The table found in a template: where its header is, what the report fills it with, and where its
    data rows, total row and footer are (rows and columns 1-based)."""

    ws: Any
    origin: dict[tuple[int, int], tuple[int, int]]  # merged cell → its range's top-left cell
    header_row: int
    header_rows: int
    labels: dict[int, str]  # template column → its header text
    kind: str
    rep: Any  # the report (exports.layout.Report)
    report_labels: list[str]
    mapping: dict[int, int]  # template column → report column index
    first: int = 0  # first data row
    have: int = 0  # data rows in the template (examples or empty bordered rows)
    total_row: int | None = None
    maxc: int = 0

    @property
    def need(self) -> int:
        return len(self.rep.rows)

    @property
    def stt_cols(self) -> list[int]:
        return [c for c, lbl in self.labels.items() if field_for_header(lbl) == "stt" or header_key(lbl) in ("stt", "tt")]


def fill_template(reg, template, out, *, kind: str | None = None, day: dt.date | None = None,
                  column_map: dict[str, str] | None = None, report=None) -> FillResult:
    """Fill ``template`` (a path or the file's bytes) with the registry's data; write ``out`` atomically.

    With ``out=None`` nothing is written: the filled workbook comes back in ``FillResult.data``
    (the terminal UI hands it off to a folder/USB stick itself, optionally password-protected).
    """
    data, src_name = _template_bytes(template, out)
    if kind is not None and kind not in KINDS:
        raise TemplateError(f"Loại biểu «{kind}» không có; chọn một trong: {', '.join(KINDS)}.", "kind")
    wb = _load_workbook(data, src_name)
    tab = _find_table(reg, wb, kind, day, column_map, report)
    _find_data_area(tab)
    inserted = _make_room(tab)
    _clear_examples(tab)
    _write_rows(tab)
    notes = _write_totals(tab)
    place_done = _write_place_date(reg, tab, day)
    data_out = None
    if out is None:  # in memory: the caller writes it (USB hand-off, password) — no file on disk here
        buf = io.BytesIO()
        wb.save(buf)
        data_out = buf.getvalue()
    else:
        out = Path(out)
        _save_atomic(wb, out)
    labels, rlabels, mapping = tab.labels, tab.report_labels, tab.mapping
    unmapped_t = [f"{_letter(c)} «{lbl}»" for c, lbl in labels.items() if c not in mapping and c not in tab.stt_cols]
    unmapped_r = [rl for j, rl in enumerate(rlabels) if j not in mapping.values() and header_key(rl) not in ("stt",)]
    return FillResult(out, tab.ws.title, tab.kind, (tab.header_row, tab.header_row + tab.header_rows - 1),
                      {_letter(c): rlabels[j] for c, j in sorted(mapping.items())}, unmapped_t, unmapped_r, tab.need,
                      inserted, place_done, notes, labels={_letter(c): lbl for c, lbl in sorted(labels.items())},
                      report_columns=[rl for rl in rlabels if header_key(rl) != "stt"],
                      personal_data=bool(getattr(tab.rep, "personal_data", False)), data=data_out)


def _template_bytes(template, out) -> tuple[bytes, str]:
    """(the template's bytes, its name for messages); the template file is never the output."""
    if isinstance(template, (bytes, bytearray)):
        return bytes(template), "mẫu đã lưu"
    src = Path(template)
    try:
        data = src.read_bytes()
    except OSError as exc:
        raise ImportFailed(f"Không đọc được tệp mẫu «{src.name}»: {read_error(exc)}") from None
    if out is not None and Path(out).resolve() == src.resolve():
        raise TemplateError("Tệp kết quả phải khác tệp mẫu (tệp mẫu không bao giờ bị ghi đè).", "out")
    return data, src.name


def _load_workbook(data: bytes, src_name: str):
    """The template, once the shared guard has passed it (a file from outside: bombs, far cells, entity
    declarations refused before openpyxl sees it)."""
    from openpyxl import load_workbook

    why = package_refusal(data)
    if why:
        raise ImportFailed(f"Không đọc được tệp mẫu «{src_name}»: {why}")
    try:
        return load_workbook(io.BytesIO(data))
    except MemoryError:
        raise ImportFailed(f"Không đọc được tệp mẫu «{src_name}»: tệp quá lớn để đọc với bộ nhớ còn trống của "
                           "máy. Hãy đóng bớt chương trình khác rồi thử lại.") from None
    except Exception as exc:  # any library error on a damaged file: never its English text
        raise ImportFailed(f"Không đọc được tệp mẫu «{src_name}»: tệp Excel .xlsx bị hỏng, chương trình không "
                           "đọc được. Hãy mở tệp bằng Excel, lưu lại dạng .xlsx (tệp .xls cũng lưu lại dạng .xlsx) "
                           f"rồi thử lại ({type(exc).__name__}).") from None


def _find_table(reg, wb, kind: str | None, day: dt.date | None, column_map: dict[str, str] | None,
                report) -> _Table:
    """The first header (sheet by sheet, top first) whose columns match its report's (at least two)."""
    reports: dict[tuple, Any] = {}
    for ws in wb.worksheets:
        origin = _merged_origin(ws)
        for hrow, hrows, labels, k in _header_candidates(ws, kind, origin):
            if report is not None:
                rep = report
            else:
                fl = {field_for_header(x) for x in labels.values()} & {"birth_nam", "birth_nu", "cccd"}
                key = (k, frozenset(fl) if k == "danh-sach" else None)
                if key not in reports:
                    reports[key] = _build_report(reg, k, list(labels.values()), day)
                rep = reports[key]
            rlabels = _report_labels(rep)
            mapping = match_columns(labels, rlabels, k == "danh-sach", column_map)
            if len(mapping) >= min(2, len(rlabels)):
                return _Table(ws, origin, hrow, hrows, labels, k, rep, rlabels, mapping)
    raise TemplateError("Không tìm thấy dòng tiêu đề bảng khớp với báo cáo trong tệp mẫu"
                        + ("" if kind else " (hãy chỉ rõ loại biểu bằng --kind)") + ".", "header")


def _find_data_area(tab: _Table) -> None:
    """The data rows under the header (after a row of column numbers): down to the total row, a blank
    unbordered row, or the footer."""
    ws = tab.ws
    tab.maxc = maxc = max(max(tab.labels), ws.max_column)
    first = tab.header_row + tab.header_rows
    nums = [ws.cell(row=first, column=c).value for c in range(1, maxc + 1)]
    nums = [x for x in nums if x not in (None, "")]
    if nums and all(re.fullmatch(r"\(?\s*\d{1,2}\s*\)?", str(int(x) if isinstance(x, float) else x).strip())
                    for x in nums) and len(nums) >= 2 and not _is_total(ws, first, maxc):
        first += 1
    last = first - 1
    for r in range(first, ws.max_row + 1):
        if _is_total(ws, r, maxc):
            tab.total_row = r
            break
        if _is_footer(ws, r, maxc) or (_row_empty(ws, r, maxc) and not _has_border(ws, r, maxc)):
            break
        last = r
    tab.first, tab.have = first, last - first + 1


def _make_room(tab: _Table) -> int:
    """Insert the rows the data needs beyond the template's; returns how many were inserted."""
    extra = tab.need - tab.have
    if extra <= 0:
        return 0
    if tab.have > 0:
        # after the last example row: the data rows keep their place and styles, and the total
        # row's ranges that end on the last data row (=COUNTA(B6:B6)) grow over the new rows
        last = tab.first + tab.have - 1
        _insert_rows(tab.ws, last + 1, extra, stretch_end=last, keep_rows=(tab.first, last))
    else:
        _insert_rows(tab.ws, tab.total_row or tab.first, extra)
    if tab.total_row is not None:
        tab.total_row += extra
    tab.origin = _merged_origin(tab.ws)  # the merged cells moved down with the rows below
    return extra


def _clear_examples(tab: _Table) -> None:
    """The example rows' values go (formulas stay): a column the report does not fill stays empty."""
    for r in range(tab.first, tab.first + tab.have):
        for c in range(1, tab.maxc + 1):
            if tab.origin.get((r, c), (r, c)) != (r, c):
                continue
            cell = tab.ws.cell(row=r, column=c)
            if cell.value is not None and not (isinstance(cell.value, str) and cell.value.startswith("=")):
                cell.value = None


def _write_rows(tab: _Table) -> None:
    """Every data row: the styles and height of the first data row (it did not move: rows are inserted
    below it), the report's values, the Stt numbers, and the first row's own formulas carried down."""
    ws = tab.ws
    style_row = tab.first if tab.have > 0 else None
    styles: dict[int, Any] = {}
    formulas: dict[int, str] = {}
    height = None
    if style_row is not None:
        src = {c: ws.cell(row=style_row, column=c) for c in range(1, tab.maxc + 1)}
        height = ws.row_dimensions[style_row].height
        formulas = {c: cell.value for c, cell in src.items()
                    if isinstance(cell.value, str) and cell.value.startswith("=") and c not in tab.mapping}
        styles = {c: copy.copy(cell._style) for c, cell in src.items() if cell.has_style}
    for i in range(max(tab.need, tab.have)):
        r = tab.first + i
        for c, st in styles.items():
            ws.cell(row=r, column=c)._style = copy.copy(st)
        if styles and height is not None:
            ws.row_dimensions[r].height = height
        if i >= tab.need:  # template rows beyond the data: cleared, styles kept
            for c in range(1, tab.maxc + 1):
                if ws.cell(row=r, column=c).value is not None and (r, c) not in tab.origin:
                    ws.cell(row=r, column=c).value = None
            continue
        _write_values(tab, r, tab.rep.rows[i])
        for c in tab.stt_cols:
            if c not in tab.mapping:
                ws.cell(row=r, column=c).value = i + 1
        if r != style_row:
            _copy_formulas(ws, formulas, style_row, r)


def _write_values(tab: _Table, r: int, data_row: list) -> None:
    for c, j in tab.mapping.items():
        if tab.origin.get((r, c), (r, c)) != (r, c):
            continue
        cell = tab.ws.cell(row=r, column=c)
        v, fmt = _value_for(tab.rep.columns[j], data_row[j] if j < len(data_row) else None)
        cell.value = v
        if fmt and (not cell.has_style or cell.number_format == "General"):
            cell.number_format = fmt


def _copy_formulas(ws, formulas: dict[int, str], style_row: int | None, r: int) -> None:
    """The first data row's formulas, moved to row ``r`` the way Excel copies them."""
    from openpyxl.formula.translate import Translator

    for c, f in formulas.items():
        try:
            ws.cell(row=r, column=c).value = Translator(f, origin=f"{_letter(c)}{style_row}").translate_formula(
                f"{_letter(c)}{r}")
        except Exception:
            pass


def _write_totals(tab: _Table) -> list[str]:
    """The computed totals where the template's total row has no formula; notes for the clerk."""
    rep = tab.rep
    if rep.total is None:
        return []
    if tab.total_row is None:
        return ["Tệp mẫu không có dòng tổng; không thêm dòng tổng."]
    for c, j in tab.mapping.items():
        cell = tab.ws.cell(row=tab.total_row, column=c)
        if isinstance(cell.value, str) and cell.value.startswith("="):
            continue
        tv = rep.total[j] if j < len(rep.total) else None
        if tv not in (None, "") and not isinstance(cell.value, str):
            cell.value = tv
    return []


def _write_place_date(reg, tab: _Table, day: dt.date | None) -> bool:
    """The place-and-date line below the table (the signature block): a cell that is only that line — not
    a header "Ngày tháng năm sinh" nor a subtitle "(Kèm theo Công văn số … ngày … tháng … năm …)"."""
    ws = tab.ws
    below = (tab.total_row if tab.total_row is not None else tab.first + max(tab.need, tab.have) - 1) + 1
    done = False
    settings = None
    for row in (ws.iter_rows(min_row=below, max_row=ws.max_row) if below <= ws.max_row else ()):
        for cell in row:
            v = cell.value
            if not isinstance(v, str) or not is_place_date_line(v):
                continue
            prefix = text.clean(v.rsplit(",", 1)[0]) if "," in v else ""
            place = prefix if re.search(r"[^\W\d_]", prefix) and not re.fullmatch(r"[.…_\s]*", prefix) else ""
            if not place:
                if settings is None:
                    from models import services

                    settings = services.get_settings(reg)
                place = settings.place_name or settings.commune or settings.province
            cell.value = text.place_date_line(place, day or dt.date.today())
            done = True
    return done


def _letter(c: int) -> str:
    from openpyxl.utils import get_column_letter

    return get_column_letter(c)


def _save_atomic(wb, path: Path) -> None:
    from .writers import _atomic

    _atomic(path, wb.save)


# ---------------------------------------------------------------------------
# Stored templates
# ---------------------------------------------------------------------------
_KEY = "template:"


def _slug(name: str) -> str:
    s = text.ascii_slug(name)
    return s[: 64 - len(_KEY)] or "Mau"


def save_template(reg, path, *, name: str = "", kind: str | None = None,
                  column_map: dict[str, str] | None = None) -> TemplateInfo:
    """Store a template file (and its kind and column corrections) in the registry."""
    from models import bulk

    p = Path(path)
    try:
        data = p.read_bytes()
    except OSError as exc:
        raise ImportFailed(f"Không đọc được tệp mẫu «{p.name}»: {read_error(exc)}") from None
    _load_workbook(data, p.name)  # a file that cannot be filled is refused now, not at each later fill
    if kind is not None and kind not in KINDS:
        raise TemplateError(f"Loại biểu «{kind}» không có; chọn một trong: {', '.join(KINDS)}.", "kind")
    name = text.clean(name) or p.stem
    info = dict(name=name, kind=kind or "", filename=p.name, saved=dt.date.today().isoformat(),
                mapping=column_map or {}, data=base64.b64encode(data).decode("ascii"))
    bulk.save_document(reg, _KEY + _slug(name), info, action="nhap", summary=f"Lưu mẫu biểu «{name}» ({p.name})")
    return TemplateInfo(name, kind or "", p.name, info["saved"], info["mapping"], len(data))


def _stored(reg) -> dict[str, dict]:
    from models import bulk

    return bulk.documents(reg, _KEY)


def _info(d: dict, size: int) -> TemplateInfo:
    return TemplateInfo(d["name"], d.get("kind", ""), d.get("filename", ""), d.get("saved", ""), d.get("mapping", {}),
                        size)


def list_templates(reg) -> list[TemplateInfo]:
    out = []
    for d in _stored(reg).values():
        try:
            out.append(_info(d, len(base64.b64decode(d.get("data", "")))))
        except (ValueError, KeyError, TypeError, AttributeError):
            continue
    return out


def load_template(reg, name: str) -> tuple[TemplateInfo, bytes]:
    stored = _stored(reg)
    d = stored.get(_KEY + _slug(name))
    if d is None:
        hits = [x for x in stored.values() if isinstance(x, dict) and text.fold(x.get("name", "")) == text.fold(name)]
        d = hits[0] if hits else None
    if d is None:
        names = ", ".join(t.name for t in list_templates(reg)) or "chưa có mẫu nào"
        raise TemplateError(f"Chưa lưu mẫu biểu «{name}» ({names}).", "saved")
    data = base64.b64decode(d["data"])
    return _info(d, len(data)), data


def update_template(reg, name: str, *, kind: str | None = None, column_map: dict[str, str] | None = None) -> TemplateInfo:
    """Change a stored template's kind and/or column corrections (the file itself stays as it was)."""
    from models import bulk

    info, data = load_template(reg, name)
    if kind is not None and kind != "" and kind not in KINDS:
        raise TemplateError(f"Loại biểu «{kind}» không có; chọn một trong: {', '.join(KINDS)}.", "kind")
    new_kind = info.kind if kind is None else kind
    new_map = info.mapping if column_map is None else {k: v for k, v in column_map.items() if v}
    payload = dict(name=info.name, kind=new_kind, filename=info.filename, saved=info.saved, mapping=new_map,
                   data=base64.b64encode(data).decode("ascii"))
    bulk.save_document(reg, _KEY + _slug(info.name), payload, action="sua",
                       summary=f"Sửa mẫu biểu «{info.name}» (loại biểu, cách ghép cột)", field_name="ghép cột",
                       old=json.dumps(info.mapping, ensure_ascii=False), new=json.dumps(new_map, ensure_ascii=False))
    return TemplateInfo(info.name, new_kind, info.filename, info.saved, new_map, info.size)


def delete_template(reg, name: str) -> None:
    """Remove a stored template (only the copy inside the registry)."""
    from models import bulk

    info, _data = load_template(reg, name)
    bulk.delete_document(reg, _KEY + _slug(info.name), summary=f"Xóa mẫu biểu «{info.name}» khỏi sổ")
