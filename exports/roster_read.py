"""Reading a roster file into a preview: which columns hold what, which rows are people,
how each text column is encoded; then the plan (:mod:`exports.roster_plan`).

    preview = read_roster(reg, "danh-sach.xlsx", options)   # reads, maps, validates; writes nothing

The clerk's column corrections are remembered per template shape (a hash of the
folded header cells) in the registry, key ``import_mapping:<hash>``
(:func:`models.bulk.save_document`). Each text column is read as Unicode, TCVN3
or VNI (:mod:`exports.legacy_text`) — by the cell's font where the file has one,
otherwise by scoring; an unsure column stops the import (``Preview.blocking``,
with two readings of one of its cells) until the clerk picks its encoding. Rows
below the table's end that still look like people are named in a warning, never
dropped silently.
"""

from __future__ import annotations

import datetime as dt
import os
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

from models import bulk, text
from models.errors import FieldError, InputError

from . import legacy_text as lt
from .headers import (FIELDS, PLACE_DATE, TEXT_FIELDS, Header, cell_text, col_index, col_letter, is_signature_label,
                      is_total_label, parse_field, pick_table, shape_hash)
from .roster_plan import CHANGE_LABELS, ColumnInfo, ImportOptions, Preview, Record, plan
from .sheets import Book, ImportFailed, ImportRejected, Table, read_table

__all__ = ["read_roster", "saved_mappings", "format_preview"]

_DATE_FIELDS = ("birth", "birth_nam", "birth_nu")
_TEXT_SERIAL = re.compile(r"\s*\d{5}(?:[.,]0+)?\s*")  # "31048" in a date column: a spreadsheet date serial
_MAPPING = "import_mapping:"


def saved_mappings(reg) -> dict[str, dict]:
    """The remembered column mappings, by template shape."""
    return {k[len(_MAPPING):]: v for k, v in bulk.documents(reg, _MAPPING).items()}


def read_roster(reg, path: str | os.PathLike, options: ImportOptions | None = None, *,
                progress: Callable[[int, int], None] | None = None,
                cancelled: Callable[[], bool] | None = None, password: str | None = None,
                read_progress: Callable[[int, int], None] | None = None, book: Book | None = None) -> Preview:
    """Read a roster file and show what importing it would do. Writes nothing.

    ``progress``/``cancelled``: while the rows are checked (and ``cancelled`` while the file is read,
    too); ``read_progress``: while the file's rows are read. ``password``: for a password-protected
    file. ``book``: the file already read by :func:`read_table` (not read again).
    """
    options = options or ImportOptions()
    if book is None:
        book = read_table(path, password=password, progress=read_progress, cancelled=cancelled)
    try:
        return _read_roster(reg, path, book, options, progress, cancelled)
    except InputError:
        raise
    except (ValueError, TypeError, OverflowError, ArithmeticError, IndexError, KeyError, AttributeError,
            RecursionError) as exc:  # a shape of file not foreseen: never a crash, never a library's English
        from models import logs

        logs.get("import").warning("roster preview: a file shape not foreseen (%s)", type(exc).__name__,
                                   exc_info=exc)  # the type and the frames, for support; never the message
        raise ImportFailed(f"Không xử lý được nội dung tệp «{Path(path).name}»: cách trình bày của tệp lạ, "
                           "chương trình chưa đọc được. Hãy mở tệp bằng Excel hoặc LibreOffice, lưu lại dưới dạng "
                           ".xlsx rồi thử lại; nếu vẫn không được, hãy gửi tệp cho bộ phận hỗ trợ.") from exc


def _read_roster(reg, path, book: Book, options: ImportOptions, progress, cancelled) -> Preview:
    t, h = pick_table(book, options.sheet)
    shape = shape_hash(h.texts)
    fields, source, enc_by_col = _column_fields(reg, h, shape, options)
    rows = _DataRows(t, h, fields)
    columns, col_enc = _columns(t, h, fields, rows.data, options, enc_by_col)
    warnings = ([_control_warning(book, t)] + ([rows.skipped_note()] if rows.stop is not None else [])
                + _column_warnings(columns))
    warnings = [w for w in warnings if w]
    records = _records(t, fields, rows, col_enc)
    pv = Preview(str(path), book.kind, t.name, [x.name for x in book.tables], h.row + 1, h.rows, columns, [], {}, {},
                 warnings, shape, source, book.encoding, book.delimiter, options, records)
    with reg.read():
        plan(pv, progress=progress, cancelled=cancelled)
    return pv


def _control_warning(book: Book, t: Table) -> str:
    """The rows of the imported sheet whose control characters (NUL, ESC, BEL…) were taken out while the file
    was read (:attr:`Book.cleaned`): named, so the clerk can look at them in the file."""
    rows = [(r, cols) for sheet, r, cols in book.cleaned if sheet == t.name]
    if not rows:
        return ""
    shown = "; ".join(f"dòng {text.format_int(r)} (cột {', '.join(cols)})" for r, cols in rows[:10])
    more = f" và {text.format_int(len(rows) - 10)} dòng khác" if len(rows) > 10 else ""
    return (f"Đã bỏ ký tự điều khiển (không in được, như NUL, ESC, BEL) ở {text.format_int(len(rows))} dòng: "
            f"{shown}{more}. Hãy xem lại các ô đó trong tệp gốc nếu chữ có vẻ thiếu.")


def _column_fields(reg, h: Header, shape: str, options: ImportOptions) -> tuple[dict[int, str], str, dict[int, str]]:
    """({column: field}, where the mapping came from, {column: encoding the clerk chose}).

    The header's own mapping, or the one remembered for this shape, corrected by ``options.column_map``."""
    fields = dict(h.fields)
    source = "tự động"
    saved = saved_mappings(reg).get(shape)
    if saved:
        fields = {int(c): f for c, f in saved.get("columns", {}).items()}
        source = "đã lưu"
    bad = []
    for spec, fname in options.column_map.items():
        c = col_index(spec, h.texts)
        f = parse_field(fname) if fname not in ("", "-", "ignore") else "ignore"
        if c is None or c < 0:
            bad.append(FieldError("map", f"Không có cột «{spec}» (ghi chữ cái cột như C, số thứ tự cột, hoặc tên cột)."))
            continue
        if f is None:
            bad.append(FieldError("map", f"Trường «{fname}» không có; chọn một trong: {', '.join(k for k in FIELDS)}."))
            continue
        for oc, of in list(fields.items()):
            if of == f and oc != c and f != "ignore":
                del fields[oc]
        fields[c] = f
        source = "người dùng sửa"
    enc_by_col: dict[int, str] = {}
    for fname, enc in options.encodings.items():
        if enc not in lt.ENCODINGS:
            bad.append(FieldError("encoding", f"Bảng mã «{enc}» không có; chọn unicode, tcvn3 hoặc vni."))
        elif fname not in FIELDS:
            c = col_index(fname, h.texts)
            if c is None or c < 0:
                bad.append(FieldError("encoding", f"--encoding: không có cột hay trường «{fname}» (ghi chữ cái cột "
                                                  "như B, hoặc tên trường như full_name)."))
            else:
                enc_by_col[c] = enc
    if bad:
        raise ImportRejected(bad)
    return {c: f for c, f in fields.items() if f and f != "ignore"}, source, enc_by_col


class _DataRows:
    """The rows of people under the header: group headings ("I. Thôn An Lợi") give the rows below them
    their village; the table ends at the total row, the place-and-date line or the signature block."""

    def __init__(self, t: Table, h: Header, fields: dict[int, str]):
        self.t, self.fields = t, fields
        self.data: list[int] = []
        self.group_village: dict[int, str] = {}
        self.name_cols = [c for c, f in fields.items() if f in ("full_name", "given_name")]
        self.stop: tuple[int, str] | None = None
        group = ""
        for r in range(h.data_start, len(t.cells)):
            nonempty = [(c, v) for c, v in enumerate(t.cells[r])
                        if v not in (None, "") and not (isinstance(v, str) and not v.strip())]
            if not nonempty:
                continue
            has_name = any(t.value(r, c) not in (None, "") for c in self.name_cols)
            if self._ends_table(r, nonempty, has_name):
                break
            c0, v0 = nonempty[0]
            if len(nonempty) == 1 and (not has_name or (isinstance(v0, str) and fields.get(c0) in ("stt", None))):
                if isinstance(v0, str) and not re.fullmatch(r"\s*\d+\s*", v0):
                    group = cell_text(t, r, c0, place=True)  # a group heading: "I. Thôn An Lợi"
                continue
            self.data.append(r)
            if group:
                self.group_village[r] = group

    def _ends_table(self, r: int, nonempty: list[tuple[int, Any]], has_name: bool) -> bool:
        c0, v0 = nonempty[0]
        first = cell_text(self.t, r, c0) if isinstance(v0, str) else ""
        if first and (is_total_label(first) or PLACE_DATE.search(text.fold(first))
                      or (is_signature_label(first) and (not has_name or len(nonempty) <= 2))):
            self.stop = (r, first)  # the total row, the place-and-date line or the signature block
            return True
        return False

    def skipped_note(self) -> str:
        """Rows that look like people below where the table was taken to end: never dropped silently."""
        assert self.stop is not None
        r0, label = self.stop
        below = [r + 1 for r in range(r0 + 1, len(self.t.cells)) if self._looks_like_data(r)]
        if not below:
            return ""
        label = label if len(label) <= 40 else label[:39] + "…"
        return (f"{len(below)} dòng có dữ liệu nằm dưới dòng «{label}» (dòng {r0 + 1}) nên KHÔNG được "
                f"nhập: dòng {_rows_text(below)}. Chương trình coi dòng {r0 + 1} là dòng tổng/chữ ký "
                "cuối bảng; nếu các dòng dưới là thành viên, hãy chuyển dòng đó xuống cuối danh sách "
                "trong tệp rồi đọc lại.")

    def _looks_like_data(self, r: int) -> bool:
        """A row below the end of the table that still looks like a person's row."""
        t = self.t
        row = t.cells[r] if r < len(t.cells) else []
        filled = [(c, v) for c, v in enumerate(row)
                  if v not in (None, "") and not (isinstance(v, str) and not v.strip())]
        if not filled:
            return False
        first = cell_text(t, r, filled[0][0]) if isinstance(filled[0][1], str) else ""
        if first and (is_signature_label(first) or PLACE_DATE.search(text.fold(first)) or first.startswith("(")):
            return False
        if len(filled) >= 3:
            return True
        has_name = any(t.value(r, c) not in (None, "") for c in self.name_cols)
        numeric = any(self.fields.get(c) in ("stt", "birth", "birth_nam", "birth_nu", "phone", "cccd")
                      and (isinstance(v, (int, float, dt.date)) or re.fullmatch(r"\s*[\d .]{4,}\s*", str(v)))
                      for c, v in filled)
        return has_name and numeric


def _columns(t: Table, h: Header, fields: dict[int, str], data_rows: list[int], options: ImportOptions,
             enc_by_col: dict[int, str]) -> tuple[list[ColumnInfo], dict[int, lt.Detection]]:
    """Every named or mapped column, with the encoding of each text column (chosen, or detected)."""
    columns: list[ColumnInfo] = []
    col_enc: dict[int, lt.Detection] = {}
    for c in sorted(set(h.texts) | set(fields)):
        f = fields.get(c, "")
        det = None
        candidates: tuple = ()
        sample_row = 0
        if f in TEXT_FIELDS:
            chosen = enc_by_col.get(c) or options.encodings.get(f)
            if chosen:
                det = lt.Detection(chosen, True, "người dùng", {})
            else:
                det = _detect(t, c, data_rows)
                if not det.sure:
                    candidates, sample_row = _candidate_readings(t, c, data_rows, det)
            col_enc[c] = det
        columns.append(ColumnInfo(c, col_letter(c), h.texts.get(c, ""), f,
                                  det.encoding if det else lt.UNICODE, det.sure if det else True,
                                  det.source if det else "", candidates, sample_row))
    return columns, col_enc


def _detect(t: Table, c: int, data_rows: list[int]) -> lt.Detection:
    """The encoding of column ``c``'s text cells (by their fonts where the file has them)."""
    vals = [t.value(r, c) for r in data_rows]
    fonts = [t.font(r, c) for r in data_rows] if t.fonts else [None] * len(vals)
    pairs = [(v, fo) for v, fo in zip(vals, fonts, strict=True) if isinstance(v, str)]
    return lt.detect([v for v, _ in pairs], fonts=[fo for _, fo in pairs] if t.fonts else None)


def _candidate_readings(t: Table, c: int, data_rows: list[int], det: lt.Detection) -> tuple[tuple, int]:
    """The two likeliest readings of an unsure column, shown on one of its cells that they read differently."""
    scores = det.scores or {}
    ranked = sorted(lt.ENCODINGS, key=lambda e: (-scores.get(e, 0.0), lt.ENCODINGS.index(e)))
    e1, e2 = ranked[0], ranked[1]
    for r in data_rows:
        v = t.value(r, c)
        if isinstance(v, str) and not v.isascii():
            a, b = text.clean(lt.decode(v, e1)), text.clean(lt.decode(v, e2))
            if a != b:
                return ((e1, a[:60]), (e2, b[:60])), r + 1
    return (), 0



def _column_warnings(columns: list[ColumnInfo]) -> list[str]:
    """Columns read from a legacy encoding, and columns not imported."""
    warnings = []
    for ci in columns:
        if ci.field and not ci.encoding_sure:
            continue  # blocks the import until the clerk chooses (Preview.blocking)
        if ci.field and ci.encoding != lt.UNICODE:
            how = "theo phông chữ của ô" if ci.encoding_source == "font" else "theo cách đọc ra chữ Việt hợp lệ"
            warnings.append(f"Cột {ci.letter} «{ci.header}»: chữ Việt bảng mã cũ {lt.ENCODING_LABELS[ci.encoding]} "
                            f"(nhận ra {how}), đã chuyển sang Unicode.")
    unmapped = [f"{ci.letter} «{ci.header}»" for ci in columns if ci.header and not ci.field]
    if unmapped:
        warnings.append("Các cột không nhập (không nhận ra tên cột): " + ", ".join(unmapped)
                        + ". Dùng --map CỘT=TRƯỜNG nếu cần.")
    return warnings


def _records(t: Table, fields: dict[int, str], rows: _DataRows, col_enc: dict[int, lt.Detection]) -> list[Record]:
    """Each data row's values by field: text decoded to Unicode, date serials typed as text made numbers."""
    records: list[Record] = []
    for r in rows.data:
        vals: dict[str, Any] = {}
        for c, f in fields.items():
            v = t.value(r, c)
            if isinstance(v, str):
                enc, caps = lt.encoding_from_font(t.font(r, c))
                if enc is None:
                    det = col_enc.get(c)
                    enc = det.encoding if det else lt.UNICODE
                v = lt.decode(v, enc, capitals=caps, capitalize_initials=f in ("full_name", "family_name", "given_name"),
                              place=f == "village")
                if f in _DATE_FIELDS and _TEXT_SERIAL.fullmatch(v):
                    v = int(float(v.strip().replace(",", ".")))  # a date serial saved as text (CSV): like the number
            if v is not None:
                vals[f] = v
        if "village" not in vals and r in rows.group_village:
            vals["village"] = rows.group_village[r]
        records.append(Record(r + 1, vals))
    return records


# ---------------------------------------------------------------------------
# Printing a preview (CLI, report file)
# ---------------------------------------------------------------------------
def format_preview(pv: Preview, *, limit: int | None = 200) -> str:
    out = []
    out.append(f"Tệp: {pv.path} ({pv.file_kind.upper()}), trang «{pv.sheet}»"
               + (f" — các trang: {', '.join(pv.sheet_names)}" if len(pv.sheet_names) > 1 else ""))
    if pv.file_kind == "csv":
        out.append(f"Mã hóa: {pv.csv_encoding}; phân cách: {pv.csv_delimiter}")
    out.append(f"Dòng tiêu đề: {pv.header_row}" + (f"–{pv.header_row + 1}" if pv.header_rows == 2 else "")
               + f"; cách ghép cột: {pv.mapping_source}")
    out.append("Cột:")
    for ci in pv.columns:
        if not ci.header and not ci.field:
            continue
        enc = ""
        if ci.field in TEXT_FIELDS and ci.encoding != lt.UNICODE:
            enc = f" [{lt.ENCODING_LABELS[ci.encoding]}{'' if ci.encoding_sure else ', chưa chắc'}]"
        elif ci.field in TEXT_FIELDS and not ci.encoding_sure:
            enc = " [chưa chắc bảng mã]"
        out.append(f"  {ci.letter}: «{ci.header}» → {ci.field_label}{enc}")
    for w in pv.warnings:
        out.append(f"Lưu ý: {w}")
    if pv.unknown_villages:
        out.append("Thôn/TDP chưa có trong sổ (chọn thôn tương ứng bằng --village-map \"Tên cũ=Tên trong sổ\", "
                   "hoặc --create-villages để tạo mới):")
        for name, rows in pv.unknown_villages.items():
            out.append(f"  «{name}» — {len(rows)} dòng (dòng {_rows_text(rows)})")
    if pv.unknown_categories:
        out.append("Thành phần cần chọn (các dòng này chờ: chọn bằng --category-map \"Chức vụ=MÃ\"; mã: "
                   + ", ".join(f"{code} = {name}" for code, name in pv.category_names.items()) + "):")
        for name, rows in pv.unknown_categories.items():
            out.append(f"  «{name}» — {len(rows)} dòng (dòng {_rows_text(rows)})")
    for b in pv.blocking:
        out.append(f"LỖI: {b}")
    shown = 0
    for r in pv.rows:
        if r.status == "unchanged" and not r.warnings:
            continue
        if limit is not None and shown >= limit:
            out.append(f"  … (còn {len(pv.rows) - shown} dòng; dùng --report TỆP để xem đủ)")
            break
        shown += 1
        extra = f" ({', '.join(dict.fromkeys(r.changes))})" if r.status == "update" and r.changes else ""
        out.append(f"  Dòng {r.row}: {r.status_label}{extra} — {r.name or '(không tên)'}"
                   + (f", {r.village}" if r.village else "") + f" — thành phần: {_category_text(r)}")
        for e in r.errors:
            out.append(f"      Lỗi [{FIELDS.get(e.field, CHANGE_LABELS.get(e.field, e.field)) or 'dòng'}]: {e.message}")
        for w in r.warnings:
            out.append(f"      Cảnh báo: {w.message}")
    out.extend(_category_lines(pv))
    c = pv.counts
    out.append(f"Tổng: {len(pv.rows)} dòng — thêm mới {c['new']}, cập nhật {c['update']}, không đổi {c['unchanged']}, "
               f"lỗi {c['error']}.")
    return "\n".join(out)


def _category_text(r) -> str:
    """«Đoàn Thanh niên (theo chức vụ «Bí thư Chi đoàn»)»."""
    from .roster_plan import CATEGORY_SOURCES

    if r.category_asked:
        return r.category_label
    how = CATEGORY_SOURCES.get(r.category_source, "")
    if r.category_source == "chuc_vu" and r.title:
        how += f" «{r.title}»"
    return f"{r.category_label} ({how})" if how else r.category_label


def _category_lines(pv: Preview) -> list[str]:
    """The count per composition category, before anything is written."""
    counts = pv.category_counts
    if not counts:
        return []
    out = ["Số dòng theo thành phần:"]
    for code, n in counts.items():
        out.append(f"  {pv.category_names.get(code, code) if code else '(chưa rõ — cần chọn)'}: {text.format_int(n)}")
    return out


def _rows_text(rows: list[int]) -> str:
    s = ", ".join(str(r) for r in rows[:10])
    return s + ("…" if len(rows) > 10 else "")

