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
import datetime as dt
import io
import json
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from models import text
from models.services import InputError

from .importer import (ImportFailed, field_for_header, header_key, is_place_date_line, is_signature_label,
                       is_total_label)

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
        return report.phu_luc_1(reg, day=day)
    if kind == "thanh-phan":
        return report.thanh_phan(reg, day=day)
    if kind == "tap-huan":
        return report.tap_huan(reg, day=day)[0]
    if kind == "thiet-bi":
        return report.thiet_bi(reg, day=day)[0]
    raise TemplateError(f"Loại biểu «{kind}» không có; chọn một trong: {', '.join(KINDS)}.", "kind")


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
    for s, _, j, c in pairs:
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
    if s.isdigit():
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


def fill_template(reg, template, out, *, kind: str | None = None, day: dt.date | None = None,
                  column_map: dict[str, str] | None = None, report=None) -> FillResult:
    """Fill ``template`` (a path or the file's bytes) with the registry's data; write ``out`` atomically.

    With ``out=None`` nothing is written: the filled workbook comes back in ``FillResult.data``
    (the terminal UI hands it off to a folder/USB stick itself, optionally password-protected).
    """
    from openpyxl import load_workbook

    if isinstance(template, (bytes, bytearray)):
        data = bytes(template)
        src_name = "mẫu đã lưu"
    else:
        src = Path(template)
        src_name = src.name
        try:
            data = src.read_bytes()
        except OSError as exc:
            raise ImportFailed(f"Không đọc được tệp mẫu «{src.name}»: {exc.strerror or exc}.") from None
        if out is not None and Path(out).resolve() == src.resolve():
            raise TemplateError("Tệp kết quả phải khác tệp mẫu (tệp mẫu không bao giờ bị ghi đè).", "out")
    if kind is not None and kind not in KINDS:
        raise TemplateError(f"Loại biểu «{kind}» không có; chọn một trong: {', '.join(KINDS)}.", "kind")
    try:
        wb = load_workbook(io.BytesIO(data))
    except Exception as exc:
        raise ImportFailed(f"Không đọc được tệp mẫu «{src_name}»: không phải tệp Excel .xlsx hợp lệ "
                           f"({str(exc)[:80] or type(exc).__name__}). Tệp .xls cần mở bằng Excel và lưu lại dạng .xlsx.") from None
    found = None
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
                found = (ws, origin, hrow, hrows, labels, k, rep, rlabels, mapping)
                break
        if found:
            break
    if found is None:
        raise TemplateError("Không tìm thấy dòng tiêu đề bảng khớp với báo cáo trong tệp mẫu"
                            + ("" if kind else " (hãy chỉ rõ loại biểu bằng --kind)") + ".", "header")
    ws, origin, hrow, hrows, labels, kind, rep, rlabels, mapping = found
    maxc = max(max(labels), ws.max_column)
    first = hrow + hrows
    # a row of column numbers under the header
    nums = [ws.cell(row=first, column=c).value for c in range(1, maxc + 1)]
    nums = [x for x in nums if x not in (None, "")]
    if nums and all(re.fullmatch(r"\(?\s*\d{1,2}\s*\)?", str(int(x) if isinstance(x, float) else x).strip()) for x in nums) \
            and len(nums) >= 2 and not _is_total(ws, first, maxc):
        first += 1
    # data area: rows until the total row, a blank unbordered row, or the footer
    last = first - 1
    total_row = None
    r = first
    limit = ws.max_row
    while r <= limit:
        if _is_total(ws, r, maxc):
            total_row = r
            break
        if _is_footer(ws, r, maxc):
            break
        if _row_empty(ws, r, maxc) and not _has_border(ws, r, maxc):
            break
        last = r
        r += 1
    have = last - first + 1
    need = len(rep.rows)
    style_row = first if have > 0 else None
    inserted = 0
    if need > have:
        if have > 0:
            # after the last example row: the data rows keep their place and styles, and the total
            # row's ranges that end on the last data row (=COUNTA(B6:B6)) grow over the new rows
            _insert_rows(ws, last + 1, need - have, stretch_end=last, keep_rows=(first, last))
        else:
            _insert_rows(ws, total_row or first, need - have)
        inserted = need - have
        if total_row is not None:
            total_row += inserted
        origin = _merged_origin(ws)  # the merged cells moved down with the rows below
    # the example rows' values go (formulas stay): a column the report does not fill stays empty
    for r in range(first, first + have):
        for c in range(1, maxc + 1):
            if origin.get((r, c), (r, c)) != (r, c):
                continue
            cell = ws.cell(row=r, column=c)
            if cell.value is not None and not (isinstance(cell.value, str) and cell.value.startswith("=")):
                cell.value = None
    # styles of the first data row (it did not move: rows are inserted below it)
    src_cells = {}
    height = None
    if style_row is not None:
        src_cells = {c: ws.cell(row=style_row, column=c) for c in range(1, maxc + 1)}
        height = ws.row_dimensions[style_row].height
        src_formulas = {c: cell.value for c, cell in src_cells.items()
                        if isinstance(cell.value, str) and cell.value.startswith("=") and c not in mapping}
    else:
        src_formulas = {}
    styles = {c: copy.copy(cell._style) for c, cell in src_cells.items() if cell.has_style}
    stt_cols = [c for c, lbl in labels.items() if field_for_header(lbl) == "stt" or header_key(lbl) in ("stt", "tt")]
    from openpyxl.formula.translate import Translator

    rows_total = max(need, have)
    for i in range(rows_total):
        r = first + i
        if styles:
            for c, st in styles.items():
                ws.cell(row=r, column=c)._style = copy.copy(st)
            if height is not None:
                ws.row_dimensions[r].height = height
        if i >= need:  # template rows beyond the data: cleared, styles kept
            for c in range(1, maxc + 1):
                if ws.cell(row=r, column=c).value is not None and (r, c) not in origin:
                    ws.cell(row=r, column=c).value = None
            continue
        data_row = rep.rows[i]
        for c, j in mapping.items():
            cell = ws.cell(row=r, column=c)
            if origin.get((r, c), (r, c)) != (r, c):
                continue
            v, fmt = _value_for(rep.columns[j], data_row[j] if j < len(data_row) else None)
            cell.value = v
            if fmt and (not cell.has_style or cell.number_format == "General"):
                cell.number_format = fmt
        for c in stt_cols:
            if c not in mapping:
                ws.cell(row=r, column=c).value = i + 1
        for c, f in src_formulas.items():
            if r != style_row:
                try:
                    ws.cell(row=r, column=c).value = Translator(f, origin=f"{_letter(c)}{style_row}").translate_formula(
                        f"{_letter(c)}{r}")
                except Exception:
                    pass
    # the total row: computed totals where the template has no formula
    notes = []
    if total_row is not None and rep.total is not None:
        for c, j in mapping.items():
            cell = ws.cell(row=total_row, column=c)
            if isinstance(cell.value, str) and cell.value.startswith("="):
                continue
            tv = rep.total[j] if j < len(rep.total) else None
            if tv not in (None, "") and not isinstance(cell.value, str):
                cell.value = tv
    elif rep.total is not None and total_row is None:
        notes.append("Tệp mẫu không có dòng tổng; không thêm dòng tổng.")
    # the place-and-date line: below the table (the signature block), a cell that is only that line —
    # not a header "Ngày tháng năm sinh" nor a subtitle "(Kèm theo Công văn số … ngày … tháng … năm …)"
    place_done = False
    below = (total_row if total_row is not None else first + rows_total - 1) + 1
    for row in (ws.iter_rows(min_row=below, max_row=ws.max_row) if below <= ws.max_row else ()):
        for cell in row:
            v = cell.value
            if not isinstance(v, str) or not is_place_date_line(v):
                continue
            prefix = text.clean(v.rsplit(",", 1)[0]) if "," in v else ""
            place = prefix if re.search(r"[^\W\d_]", prefix) and not re.fullmatch(r"[.…_\s]*", prefix) else ""
            from models import services

            s = services.get_settings(reg)
            place = place or s.place_name or s.commune or s.province
            cell.value = text.place_date_line(place, day or dt.date.today())
            place_done = True
    unmapped_t = [f"{_letter(c)} «{lbl}»" for c, lbl in labels.items() if c not in mapping and c not in stt_cols]
    unmapped_r = [rl for j, rl in enumerate(rlabels) if j not in mapping.values()
                  and header_key(rl) not in ("stt",)]
    data_out = None
    if out is None:  # in memory: the caller writes it (USB hand-off, password) — no file on disk here
        buf = io.BytesIO()
        wb.save(buf)
        data_out = buf.getvalue()
    else:
        out = Path(out)
        _save_atomic(wb, out)
    return FillResult(out, ws.title, kind, (hrow, hrow + hrows - 1),
                      {_letter(c): rlabels[j] for c, j in sorted(mapping.items())}, unmapped_t, unmapped_r, need,
                      inserted, place_done, notes, labels={_letter(c): lbl for c, lbl in sorted(labels.items())},
                      report_columns=[rl for rl in rlabels if header_key(rl) != "stt"],
                      personal_data=bool(getattr(rep, "personal_data", False)), data=data_out)


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
    from models import services
    from models.schema import Setting

    p = Path(path)
    try:
        data = p.read_bytes()
    except OSError as exc:
        raise ImportFailed(f"Không đọc được tệp mẫu «{p.name}»: {exc.strerror or exc}.") from None
    if data[:4] != b"PK\x03\x04":
        raise ImportFailed(f"Tệp mẫu «{p.name}» không phải tệp Excel .xlsx.")
    if kind is not None and kind not in KINDS:
        raise TemplateError(f"Loại biểu «{kind}» không có; chọn một trong: {', '.join(KINDS)}.", "kind")
    name = text.clean(name) or p.stem
    info = dict(name=name, kind=kind or "", filename=p.name, saved=dt.date.today().isoformat(),
                mapping=column_map or {}, data=base64.b64encode(data).decode("ascii"))
    with reg.write():
        Setting.insert(key=_KEY + _slug(name), value=json.dumps(info, ensure_ascii=False)).on_conflict_replace().execute()
        services.log_event(reg, "nhap", "setting", f"Lưu mẫu biểu «{name}» ({p.name})")
    return TemplateInfo(name, kind or "", p.name, info["saved"], info["mapping"], len(data))


def list_templates(reg) -> list[TemplateInfo]:
    from models.schema import Setting

    out = []
    with reg.read():
        for r in Setting.select().where(Setting.key.startswith(_KEY)).order_by(Setting.key):
            try:
                d = json.loads(r.value)
                out.append(TemplateInfo(d["name"], d.get("kind", ""), d.get("filename", ""), d.get("saved", ""),
                                        d.get("mapping", {}), len(base64.b64decode(d.get("data", "")))))
            except (ValueError, KeyError):
                continue
    return out


def load_template(reg, name: str) -> tuple[TemplateInfo, bytes]:
    from models.schema import Setting

    with reg.read():
        row = Setting.get_or_none(Setting.key == _KEY + _slug(name))
        if row is None:
            hits = [r for r in Setting.select().where(Setting.key.startswith(_KEY))
                    if text.fold(json.loads(r.value).get("name", "")) == text.fold(name)]
            row = hits[0] if hits else None
    if row is None:
        names = ", ".join(t.name for t in list_templates(reg)) or "chưa có mẫu nào"
        raise TemplateError(f"Chưa lưu mẫu biểu «{name}» ({names}).", "saved")
    d = json.loads(row.value)
    data = base64.b64decode(d["data"])
    return TemplateInfo(d["name"], d.get("kind", ""), d.get("filename", ""), d.get("saved", ""), d.get("mapping", {}),
                        len(data)), data


def update_template(reg, name: str, *, kind: str | None = None, column_map: dict[str, str] | None = None) -> TemplateInfo:
    """Change a stored template's kind and/or column corrections (the file itself stays as it was)."""
    from models import services
    from models.schema import Setting

    info, data = load_template(reg, name)
    if kind is not None and kind != "" and kind not in KINDS:
        raise TemplateError(f"Loại biểu «{kind}» không có; chọn một trong: {', '.join(KINDS)}.", "kind")
    new_kind = info.kind if kind is None else kind
    new_map = info.mapping if column_map is None else {k: v for k, v in column_map.items() if v}
    payload = dict(name=info.name, kind=new_kind, filename=info.filename, saved=info.saved, mapping=new_map,
                   data=base64.b64encode(data).decode("ascii"))
    with reg.write():
        Setting.insert(key=_KEY + _slug(info.name),
                       value=json.dumps(payload, ensure_ascii=False)).on_conflict_replace().execute()
        services._log(reg, "sua", "setting", None, f"Sửa mẫu biểu «{info.name}» (loại biểu, cách ghép cột)",
                      "ghép cột", json.dumps(info.mapping, ensure_ascii=False),
                      json.dumps(new_map, ensure_ascii=False))
    return TemplateInfo(info.name, new_kind, info.filename, info.saved, new_map, info.size)


def delete_template(reg, name: str) -> None:
    """Remove a stored template (only the copy inside the registry)."""
    from models import services
    from models.schema import Setting

    info, _data = load_template(reg, name)
    with reg.write():
        Setting.delete().where(Setting.key == _KEY + _slug(info.name)).execute()
        services.log_event(reg, "xoa", "setting", f"Xóa mẫu biểu «{info.name}» khỏi sổ")
