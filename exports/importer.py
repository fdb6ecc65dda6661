"""Imports: rosters from the commune's own spreadsheets, and Phụ lục I tables from below.

    preview = read_roster(reg, "danh-sach.xlsx", options)   # reads, maps, validates; writes nothing
    result = apply_roster(reg, preview)                     # one transaction: all rows or none

Reading (:func:`read_table`): XLSX (openpyxl), XLS (xlrd), ODS (odfpy) and CSV
(UTF-8, UTF-8 with BOM, Windows-1258 — its combining tone marks become NFC —
or 8-bit TCVN3/VNI text; separators ``,`` ``;`` and tab detected). The format
comes from the file's first bytes, not its name. A password-protected Office file
(this program's protected hand-offs, Excel's "Encrypt with password") is
recognised and, given its password, decrypted in memory.

Mapping: the header row is found below the title rows; a second header row
under it is understood ("Năm sinh" over "Nam" | "Nữ": the column holding the
year gives the gender). Header cells are compared with :func:`models.text.fold`
(no accents, no case, punctuation as spaces). The clerk's corrections are
remembered per template shape (a hash of the folded header cells) in the
registry's Setting table, key ``import_mapping:<hash>``.

Legacy text: each text column is read as Unicode, TCVN3 or VNI
(:mod:`exports.legacy_text`) — by the cell's font where the file has one,
otherwise by scoring; an unsure column stops the import (``Preview.blocking``, with
two readings of one of its cells) until the clerk picks its encoding.

The table ends at a whole-cell total label ("Tổng cộng", "Cộng" — not "Tống Văn
Dũng"), the place-and-date line or the signature block; rows below it that still
look like people are named in a warning, never dropped silently.

Matching: a person is the same person when the citizen ID matches, else when
the name, birth year and village match. Re-importing the same file changes
nothing; a corrected file updates in place; nothing is ever deleted.

openpyxl, xlrd and odfpy are imported inside the functions that need them.
"""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import io
import json
import os
import re
import zipfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Iterable

from models import text, validate, vocab
from models.services import FieldError, InputError

from . import legacy_text as lt

__all__ = [
    "ImportFailed", "ImportRejected", "ImportCancelled", "FilePasswordRequired", "FilePasswordWrong", "FIELDS", "STATUS_LABELS", "CREATE",
    "Table", "read_table", "header_key", "field_for_header", "ImportOptions", "ColumnInfo", "RowMessage",
    "PreviewRow", "Preview", "ImportResult", "read_roster", "apply_roster", "import_roster", "format_preview",
    "saved_mappings", "PhuLucRow", "PhuLucTable", "read_phu_luc_1", "import_phu_luc_1", "imported_tables",
    "aggregate_report", "is_total_label", "is_signature_label", "is_place_date_line", "check_file_password",
]

MAX_ROWS = 200_000
MAX_COLS = 200
MAX_CELL = 2_000  # characters kept per cell (a longer one is an error in a field)
MAX_BYTES = 200 * 1024 * 1024


# ---------------------------------------------------------------------------
# Errors
# ---------------------------------------------------------------------------
class ImportFailed(InputError):
    """The file could not be read as a table (damaged, wrong kind, empty). Exit code 4."""

    exit_code = 4


class ImportRejected(InputError):
    """Rows have errors, or names still need the clerk's choice: nothing was written. Exit code 2."""

    exit_code = 2


class FilePasswordRequired(ImportFailed):
    """The file is password-protected (an encrypted OOXML/Office package): ask the clerk for its password."""

    exit_code = 3

    def __init__(self, path):
        self.path = str(path)
        super().__init__(f"Tệp «{Path(path).name}» có đặt mật khẩu (tệp Excel được bảo vệ khi gửi đi). Hãy nhập "
                         "mật khẩu của tệp — người gửi tệp biết mật khẩu này.", "password")


class FilePasswordWrong(ImportFailed):
    """The password given for a protected file does not open it."""

    exit_code = 3

    def __init__(self, path):
        self.path = str(path)
        super().__init__(f"Mật khẩu của tệp «{Path(path).name}» không đúng; tệp chưa được mở. Hãy hỏi lại người gửi "
                         "tệp (mật khẩu phân biệt chữ hoa, chữ thường).", "password")


class ImportCancelled(InputError):
    """The clerk cancelled: nothing was written."""

    exit_code = 2

    def __init__(self):
        super().__init__("Đã hủy nhập dữ liệu; sổ không thay đổi.")


# ---------------------------------------------------------------------------
# Fields and header names
# ---------------------------------------------------------------------------
FIELDS = {
    "stt": "Stt",
    "full_name": "Họ và tên",
    "family_name": "Họ và tên đệm",
    "given_name": "Tên",
    "birth": "Năm sinh",
    "birth_nam": "Năm sinh (Nam)",
    "birth_nu": "Năm sinh (Nữ)",
    "gender": "Giới tính",
    "phone": "Số điện thoại",
    "cccd": "Số CCCD",
    "role": "Vai trò trong Tổ",
    "category": "Thành phần",
    "other_positions": "Chức vụ khác",
    "village": "Thôn/TDP",
    "notes": "Ghi chú",
    "ignore": "(bỏ qua)",
}
TEXT_FIELDS = ("full_name", "family_name", "given_name", "gender", "role", "category", "other_positions", "village",
               "notes")

_DATE_FIELDS = ("birth", "birth_nam", "birth_nu")
_TEXT_SERIAL = re.compile(r"\s*\d{5}(?:[.,]0+)?\s*")  # "31048" in a date column: a spreadsheet date serial

STATUS_LABELS = {"new": "Thêm mới", "update": "Cập nhật", "unchanged": "Không đổi", "error": "Lỗi"}
CREATE = "+"  # village_map value: create the village

_EXACT = {
    "stt": ["stt", "tt", "so tt", "so thu tu", "s tt", "thu tu"],
    "full_name": ["ho va ten", "ho ten", "ho va ten thanh vien", "ten thanh vien", "ho va ten nguoi",
                  "thanh vien", "ho va ten cua thanh vien"],
    "family_name": ["ho", "ho dem", "ho va ten dem", "ho va dem", "ho va chu dem"],
    "given_name": ["ten"],
    "birth": ["nam sinh", "ngay sinh", "ngay thang nam sinh", "ngay thang nam", "sinh nam", "ns", "nam sinh ngay sinh"],
    "birth_nam": ["nam sinh nam", "nam"],
    "birth_nu": ["nam sinh nu", "nu"],
    "gender": ["gioi tinh", "gioi", "nam nu", "gt"],
    "phone": ["so dt", "dt", "sdt", "so dien thoai", "dien thoai", "dien thoai lien he", "so dien thoai lien he",
              "di dong", "so di dong", "dt lien he", "zalo", "so dt zalo", "dien thoai di dong"],
    "cccd": ["cccd", "so cccd", "cmnd", "so cmnd", "cccd cmnd", "so cccd cmnd", "cmnd cccd", "so dinh danh",
             "so dinh danh ca nhan", "can cuoc cong dan", "so can cuoc", "so can cuoc cong dan", "can cuoc"],
    "role": ["vai tro", "vai tro trong to", "chuc danh", "chuc danh trong to", "chuc vu trong to", "nhiem vu",
             "nhiem vu trong to", "vi tri", "vi tri trong to"],
    "category": ["thanh phan", "thanh phan tham gia", "thanh phan to", "doi tuong", "thuoc thanh phan"],
    "other_positions": ["chuc vu khac", "chuc vu", "chuc vu hien tai", "chuc vu dang dam nhiem", "don vi cong tac",
                        "noi cong tac", "chuc vu don vi cong tac", "chuc danh khac", "cong viec hien nay",
                        "nghe nghiep"],
    "village": ["thon tdp", "thon", "tdp", "to dan pho", "thon to dan pho", "thon xom", "khu dan cu", "ban", "ap",
                "khom", "khu pho", "dia chi", "noi o", "cho o hien nay", "noi cu tru", "thon to", "thon ban",
                "don vi thon tdp", "thon khu pho"],
    "notes": ["ghi chu", "ghi chu khac"],
}
_EXACT_INDEX = {alias: f for f, aliases in _EXACT.items() for alias in aliases}
_KEYWORDS = [  # (substring, field), tried in order when no exact match
    ("ho va ten", "full_name"), ("ho ten", "full_name"), ("nam sinh", "birth"), ("ngay sinh", "birth"),
    ("gioi tinh", "gender"), ("dien thoai", "phone"), ("sdt", "phone"), ("so dt", "phone"), ("cccd", "cccd"),
    ("cmnd", "cccd"), ("can cuoc", "cccd"), ("dinh danh", "cccd"), ("vai tro", "role"), ("chuc vu khac", "other_positions"),
    ("chuc danh trong to", "role"), ("chuc vu trong to", "role"), ("thanh phan", "category"),
    ("chuc vu", "other_positions"), ("chuc danh", "role"), ("thon", "village"), ("to dan pho", "village"),
    ("tdp", "village"), ("ghi chu", "notes"),
]


def header_key(s: Any) -> str:
    """"Thôn/TDP" → "thon tdp"; "Số ĐT (Zalo)" → "so dt zalo"."""
    if s is None:
        return ""
    f = text.fold(str(s))
    f = re.sub(r"[^0-9a-z]+", " ", f)
    return " ".join(f.split())


def field_for_header(s: Any) -> str | None:
    """The field a header cell names, or None."""
    k = header_key(s)
    if not k:
        return None
    if k in _EXACT_INDEX:
        return _EXACT_INDEX[k]
    if re.fullmatch(r"\d+|\(\d+\)", k):
        return None
    for sub, f in _KEYWORDS:
        if re.search(rf"(?:^| ){sub}(?: |$)", k):
            return f
    return None


# ---------------------------------------------------------------------------
# Reading files into tables
# ---------------------------------------------------------------------------
@dataclass
class Table:
    """One sheet: raw cell values (row-major, 0-based), font names where known, merged ranges."""

    name: str
    cells: list[list[Any]]
    fonts: list[list[str | None]] | None = None
    merges: list[tuple[int, int, int, int]] = field(default_factory=list)  # r1, c1, r2, c2 (0-based, inclusive)

    def value(self, r: int, c: int) -> Any:
        row = self.cells[r] if r < len(self.cells) else []
        return row[c] if c < len(row) else None

    def font(self, r: int, c: int) -> str | None:
        if not self.fonts or r >= len(self.fonts):
            return None
        row = self.fonts[r]
        return row[c] if c < len(row) else None

    @property
    def width(self) -> int:
        return max((len(r) for r in self.cells), default=0)


@dataclass
class Book:
    path: str
    kind: str  # xlsx | xls | ods | csv
    tables: list[Table]
    encoding: str = ""  # csv
    delimiter: str = ""  # csv


def _unreadable(path, why: str) -> ImportFailed:
    return ImportFailed(f"Không đọc được tệp «{Path(path).name}»: {why}")


def _sniff(data: bytes) -> str:
    if data[:4] == b"PK\x03\x04" or data[:4] == b"PK\x05\x06":
        try:
            with zipfile.ZipFile(io.BytesIO(data)) as z:
                names = set(z.namelist())
                if "mimetype" in names and b"opendocument.spreadsheet" in z.read("mimetype"):
                    return "ods"
                if "xl/workbook.xml" in names or any(n.startswith("xl/") for n in names):
                    return "xlsx"
                if "content.xml" in names:
                    return "ods"
        except (zipfile.BadZipFile, KeyError, OSError, ValueError, RuntimeError, EOFError):
            return "badzip"
        return "zip"
    if data[:8] == b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1":
        return "xls"
    head = data[:2048].lstrip(b"\xef\xbb\xbf \t\r\n").lower()
    if head.startswith((b"<html", b"<!doctype html", b"<table", b"<?xml", b"<meta")):
        return "html"
    return "csv"


_ENCRYPTED_PACKAGE = "EncryptedPackage".encode("utf-16-le")


def _office_encrypted(data: bytes) -> bool:
    """Is this OLE container a password-protected Office file (an encrypted .xlsx package, or an
    .xls with a password to open)? Excel and this program's own protected hand-offs
    (``exports.usb.protect_bytes``) are such files."""
    try:
        import msoffcrypto

        return bool(msoffcrypto.OfficeFile(io.BytesIO(data)).is_encrypted())
    except ImportError:
        return _ENCRYPTED_PACKAGE in data
    except Exception:  # not an Office file msoffcrypto knows: let the .xls reader report on it
        return _ENCRYPTED_PACKAGE in data[:1 << 20]


def _decrypt(p: Path, data: bytes, password: str) -> bytes:
    """The decrypted bytes of a protected Office file, in memory only (never a plaintext temporary file)."""
    try:
        import msoffcrypto
        from msoffcrypto import exceptions as mexc
    except ImportError:
        raise _unreadable(p, "tệp có mật khẩu nhưng máy chưa cài thư viện msoffcrypto-tool để mở tệp có mật "
                             "khẩu.") from None
    out = io.BytesIO()
    try:
        f = msoffcrypto.OfficeFile(io.BytesIO(data))
        f.load_key(password=password, verify_password=True)
        f.decrypt(out)
    except mexc.InvalidKeyError:
        raise FilePasswordWrong(p) from None
    except (mexc.DecryptionError, mexc.FileFormatError, mexc.ParseError) as exc:
        if "password" in str(exc).lower() or "key" in str(exc).lower():
            raise FilePasswordWrong(p) from None
        raise _unreadable(p, "tệp có mật khẩu bị hỏng, không giải mã được.") from None
    except Exception:
        raise _unreadable(p, "tệp có mật khẩu bị hỏng, không giải mã được.") from None
    plain = out.getvalue()
    if not plain:
        raise FilePasswordWrong(p)
    return plain


def _file_bytes(p: Path) -> bytes:
    try:
        size = p.stat().st_size
        if size > MAX_BYTES:
            raise _unreadable(p, f"tệp quá lớn ({text.format_int(size)} byte).")
        return p.read_bytes()
    except ImportFailed:
        raise
    except FileNotFoundError:
        raise _unreadable(p, "không tìm thấy tệp.") from None
    except IsADirectoryError:
        raise _unreadable(p, "đây là một thư mục, không phải tệp.") from None
    except OSError as exc:
        raise _unreadable(p, f"lỗi đọc tệp ({exc.strerror or exc}).") from None


def check_file_password(path: str | os.PathLike, password: str) -> None:
    """Raise :class:`FilePasswordWrong` unless ``password`` opens the protected file (decrypted in memory)."""
    p = Path(path)
    data = _file_bytes(p)
    if _sniff(data) == "xls" and _office_encrypted(data):
        _decrypt(p, data, password or "")


def read_table(path: str | os.PathLike, *, password: str | None = None,
               progress: Callable[[int, int], None] | None = None,
               cancelled: Callable[[], bool] | None = None) -> Book:
    """Every sheet of a spreadsheet file. Any problem → :class:`ImportFailed` (a Vietnamese message).

    A password-protected file raises :class:`FilePasswordRequired` without ``password`` and
    :class:`FilePasswordWrong` with a wrong one; it is decrypted in memory.
    ``progress(rows read, rows in the sheet)`` and ``cancelled()`` (→ :class:`ImportCancelled`)
    are called while the rows are read.
    """
    p = Path(path)
    data = _file_bytes(p)
    if not data.strip():
        raise _unreadable(p, "tệp rỗng.")
    kind = _sniff(data)
    if kind == "xls" and _office_encrypted(data):
        if password is None:
            raise FilePasswordRequired(p)
        data = _decrypt(p, data, password)
        kind = _sniff(data)
    watch = _Watch(progress, cancelled)
    try:
        if kind == "xlsx":
            book = Book(str(p), "xlsx", _read_xlsx(data, watch))
        elif kind == "xls":
            book = Book(str(p), "xls", _read_xls(data, watch))
        elif kind == "ods":
            book = Book(str(p), "ods", _read_ods(data, watch))
        elif kind == "html":
            raise _unreadable(p, "tệp thực chất là trang web (HTML) dù mang đuôi bảng tính. Hãy mở bằng Excel "
                                 "rồi «Lưu thành» dạng .xlsx và nhập lại.")
        elif kind in ("badzip", "zip"):
            raise _unreadable(p, "tệp nén bị hỏng hoặc không phải bảng tính Excel (.xlsx) hay LibreOffice (.ods).")
        else:
            tables, enc, delim = _read_csv(data, p.stem, watch)
            book = Book(str(p), "csv", tables, enc, delim)
    except InputError:
        raise
    except MemoryError:
        raise _unreadable(p, "tệp quá lớn để đọc.") from None
    except Exception as exc:  # any library error on a damaged file
        what = {"xlsx": "Excel (.xlsx)", "xls": "Excel 97-2003 (.xls)", "ods": "LibreOffice (.ods)"}.get(kind, "CSV")
        detail = str(exc).strip().splitlines()[0][:120] if str(exc).strip() else type(exc).__name__
        raise _unreadable(p, f"tệp {what} bị hỏng ({detail}).") from None
    if not book.tables or all(not any(any(v not in (None, "") for v in row) for row in t.cells) for t in book.tables):
        raise _unreadable(p, "bảng tính không có dữ liệu.")
    watch.done()
    return book


class _Watch:
    """Progress and cancellation while a file's rows are read (every 500 rows)."""

    def __init__(self, progress, cancelled):
        self.progress, self.cancelled = progress, cancelled
        self.rows = 0

    def row(self, total_hint: int = 0) -> None:
        """One more row read; ``total_hint``: the sheet's row count where the format tells it."""
        self.rows += 1
        if self.rows % 500:
            return
        if self.cancelled is not None and self.cancelled():
            raise ImportCancelled()
        if self.progress is not None:
            self.progress(self.rows, max(total_hint, self.rows))

    def done(self) -> None:
        if self.progress is not None:
            self.progress(self.rows, self.rows)


def _clip(v: Any) -> Any:
    if isinstance(v, str) and len(v) > MAX_CELL * 50:
        return v[: MAX_CELL * 50]
    return v


def _read_xlsx(data: bytes, watch: "_Watch | None" = None) -> list[Table]:
    import warnings

    from openpyxl import load_workbook
    from openpyxl.utils.cell import range_boundaries

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        wb = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    tables = []
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as z:
            for ws in wb.worksheets:
                if not hasattr(ws, "iter_rows"):  # a chart sheet
                    continue
                by_row: dict[int, dict[int, tuple[Any, str | None]]] = {}
                r = (ws.min_row or 1) - 1
                try:
                    hint = int(ws.max_row or 0)
                except (TypeError, ValueError):
                    hint = 0
                for row in ws.iter_rows():
                    r += 1
                    if watch is not None:
                        watch.row(hint)
                    for c, cell in enumerate(row, 1):
                        v = getattr(cell, "value", None)
                        if v is None or (isinstance(v, str) and not v.strip()):
                            continue
                        if r > MAX_ROWS or c > MAX_COLS:
                            raise ImportFailed(f"Trang «{ws.title}» có quá nhiều dòng hoặc cột (tối đa "
                                               f"{text.format_int(MAX_ROWS)} dòng, {MAX_COLS} cột).")
                        font = None
                        if isinstance(v, str) and getattr(cell, "has_style", False):
                            try:
                                font = cell.font.name
                            except Exception:
                                font = None
                        by_row.setdefault(getattr(cell, "row", None) or r, {})[getattr(cell, "column", None) or c] = (
                            _clip(v), font)
                cells, fonts = _grid(by_row)
                merges = []
                try:
                    xml = z.read(ws._worksheet_path).decode("utf-8", errors="replace")
                except (KeyError, AttributeError):
                    xml = ""
                for ref in re.findall(r"<(?:\w+:)?mergeCell\s+ref=\"([A-Z]+\d+:[A-Z]+\d+)\"", xml):
                    c1, r1, c2, r2 = range_boundaries(ref)
                    if r1 <= MAX_ROWS and c1 <= MAX_COLS:
                        merges.append((r1 - 1, c1 - 1, r2 - 1, c2 - 1))
                tables.append(Table(ws.title, cells, fonts, merges))
    finally:
        wb.close()
    return tables


def _grid(by_row: dict[int, dict[int, tuple[Any, str | None]]]):
    if not by_row:
        return [], []
    nrows = max(by_row)
    cells: list[list[Any]] = []
    fonts: list[list[str | None]] = []
    for r in range(1, nrows + 1):
        row = by_row.get(r)
        if not row:
            cells.append([])
            fonts.append([])
            continue
        w = max(row)
        cells.append([row[c][0] if c in row else None for c in range(1, w + 1)])
        fonts.append([row[c][1] if c in row else None for c in range(1, w + 1)])
    return cells, fonts


def _read_xls(data: bytes, watch: "_Watch | None" = None) -> list[Table]:
    import xlrd

    try:
        book = xlrd.open_workbook(file_contents=data, formatting_info=True, on_demand=False)
        with_fmt = True
    except (NotImplementedError, AssertionError, KeyError, IndexError):
        book = xlrd.open_workbook(file_contents=data, on_demand=False)
        with_fmt = False
    tables = []
    for sh in book.sheets():
        if sh.nrows > MAX_ROWS or sh.ncols > MAX_COLS:
            raise ImportFailed(f"Trang «{sh.name}» có quá nhiều dòng hoặc cột.")
        cells, fonts = [], []
        for r in range(sh.nrows):
            if watch is not None:
                watch.row(sh.nrows)
            row, frow = [], []
            for c in range(sh.ncols):
                ctype = sh.cell_type(r, c)
                v = sh.cell_value(r, c)
                f = None
                if ctype == xlrd.XL_CELL_DATE:
                    try:
                        v = xlrd.xldate.xldate_as_datetime(v, book.datemode)
                    except Exception:
                        pass
                elif ctype in (xlrd.XL_CELL_EMPTY, xlrd.XL_CELL_BLANK, xlrd.XL_CELL_ERROR):
                    v = None
                elif ctype == xlrd.XL_CELL_BOOLEAN:
                    v = bool(v)
                elif ctype == xlrd.XL_CELL_TEXT and with_fmt:
                    try:
                        xf = book.xf_list[sh.cell_xf_index(r, c)]
                        f = book.font_list[xf.font_index].name
                    except Exception:
                        f = None
                row.append(_clip(v))
                frow.append(f)
            while row and row[-1] in (None, ""):
                row.pop()
                frow.pop()
            cells.append(row)
            fonts.append(frow)
        merges = [(r1, c1, r2 - 1, c2 - 1) for r1, r2, c1, c2 in getattr(sh, "merged_cells", [])]
        tables.append(Table(sh.name, cells, fonts if with_fmt else None, merges))
    return tables


def _read_ods(data: bytes, watch: "_Watch | None" = None) -> list[Table]:
    from odf import teletype
    from odf.namespaces import OFFICENS, TABLENS
    from odf.opendocument import load
    from odf.table import Table as OTable, TableRow
    from odf.text import P

    doc = load(io.BytesIO(data))
    tables = []
    for t in doc.spreadsheet.getElementsByType(OTable):
        name = t.getAttrNS(TABLENS, "name") or "Sheet"
        cells: list[list[Any]] = []
        merges = []
        r = 0
        for row in t.getElementsByType(TableRow):
            if watch is not None:
                watch.row()
            rrep = int(row.getAttrNS(TABLENS, "number-rows-repeated") or 1)
            vals: list[Any] = []
            c = 0
            for cell in row.childNodes:
                if cell.qname[1] not in ("table-cell", "covered-table-cell"):
                    continue
                crep = int(cell.getAttrNS(TABLENS, "number-columns-repeated") or 1)
                vtype = cell.getAttrNS(OFFICENS, "value-type") if cell.qname[1] == "table-cell" else None
                v: Any = None
                if vtype in ("float", "percentage", "currency"):
                    raw = cell.getAttrNS(OFFICENS, "value")
                    try:
                        v = float(raw)
                    except (TypeError, ValueError):
                        v = raw
                elif vtype == "date":
                    raw = cell.getAttrNS(OFFICENS, "date-value") or ""
                    try:
                        v = dt.datetime.fromisoformat(raw)
                    except ValueError:
                        v = raw
                elif vtype == "boolean":
                    v = (cell.getAttrNS(OFFICENS, "boolean-value") or "") == "true"
                else:
                    ps = cell.getElementsByType(P)
                    s = "\n".join(teletype.extractText(p) for p in ps)
                    v = s if s.strip() else None
                span_c = int(cell.getAttrNS(TABLENS, "number-columns-spanned") or 1) if vtype is not None or v else 1
                span_r = int(cell.getAttrNS(TABLENS, "number-rows-spanned") or 1) if vtype is not None or v else 1
                if v is None:
                    c += crep
                    continue
                crep = min(crep, MAX_COLS)
                for _ in range(crep):
                    if c >= MAX_COLS:
                        break
                    while len(vals) < c:
                        vals.append(None)
                    vals.append(_clip(v))
                    if span_c > 1 or span_r > 1:
                        merges.append((r, c, r + span_r - 1, c + span_c - 1))
                    c += 1
            if vals:
                for _ in range(min(rrep, 1000)):
                    cells.append(list(vals))
                r += min(rrep, 1000)
            else:
                if r + rrep > MAX_ROWS:
                    break  # trailing empty rows ("repeated 1,048,000")
                cells.extend([] for _ in range(rrep))
                r += rrep
            if r > MAX_ROWS:
                raise ImportFailed(f"Trang «{name}» có quá nhiều dòng (tối đa {text.format_int(MAX_ROWS)}).")
        while cells and not cells[-1]:
            cells.pop()
        tables.append(Table(name, cells, None, merges))
    return tables


def _decode_csv(data: bytes) -> tuple[str, str]:
    if data.startswith(b"\xef\xbb\xbf"):
        return data[3:].decode("utf-8", errors="replace"), "UTF-8 (BOM)"
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return data.decode("utf-16"), "UTF-16"
    try:
        return data.decode("utf-8"), "UTF-8"
    except UnicodeDecodeError:
        pass
    # 8-bit: Windows-1258 (Unicode letters + combining tones) or legacy TCVN3/VNI bytes.
    as1258 = data.decode("cp1258", errors="replace")
    as1252 = data.decode("latin-1")
    words = re.findall(r"\S+", as1252)[:3000]
    s_legacy = max(lt.score(words, lt.TCVN3), lt.score(words, lt.VNI))
    import unicodedata

    nfc = unicodedata.normalize("NFC", as1258)
    s_1258 = lt.score(re.findall(r"\S+", nfc)[:3000], lt.UNICODE)
    if s_legacy > s_1258 + 0.1:
        return as1252, "8-bit (TCVN3/VNI)"
    return nfc, "Windows-1258"


def _read_csv(data: bytes, name: str, watch: "_Watch | None" = None) -> tuple[list[Table], str, str]:
    textdata, enc = _decode_csv(data)
    lines = [ln for ln in textdata.splitlines() if ln.strip()][:50]
    best, best_score = ",", -1.0
    for d in (",", ";", "\t", "|"):
        counts = [len(r) for r in csv.reader(lines, delimiter=d)]
        if not counts:
            continue
        multi = [n for n in counts if n > 1]
        if not multi:
            continue
        common = max(set(multi), key=multi.count)
        sc = multi.count(common) + common / 100
        if sc > best_score:
            best, best_score = d, sc
    csv.field_size_limit(max(MAX_CELL * 100, 131072))
    rows = []
    hint = textdata.count("\n") + 1
    for i, r in enumerate(csv.reader(io.StringIO(textdata, newline=""), delimiter=best)):
        if watch is not None:
            watch.row(hint)
        if i >= MAX_ROWS:
            raise ImportFailed(f"Tệp CSV có quá nhiều dòng (tối đa {text.format_int(MAX_ROWS)}).")
        if len(r) > MAX_COLS:
            r = r[:MAX_COLS]
        rows.append([_clip(v) if v.strip() else None for v in r])
    label = {",": "dấu phẩy", ";": "dấu chấm phẩy", "\t": "dấu tab", "|": "dấu |"}[best]
    return [Table(name, rows, None, [])], enc, label


# ---------------------------------------------------------------------------
# Header detection and column mapping
# ---------------------------------------------------------------------------
def _cell_text(t: Table, r: int, c: int, enc_hint: str | None = None) -> str:
    """A header/label cell as Unicode text (legacy fonts and mojibake decoded)."""
    v = t.value(r, c)
    if v is None:
        return ""
    if not isinstance(v, str):
        return str(v)
    enc, caps = lt.encoding_from_font(t.font(r, c))
    if enc:
        return text.clean(lt.decode(v, enc, capitals=caps))
    if enc_hint:
        return text.clean(lt.decode(v, enc_hint))
    if v.isascii():
        return text.clean(v)
    # No font: the reading that names a known field — the exact header name first, then the one
    # that reads as Vietnamese syllables ("Th«n/TDP" names "tdp" read as Unicode, but TCVN3 gives
    # "Thôn/TDP") — else the best-scoring one.
    best = None
    for i, e in enumerate(lt.ENCODINGS):
        d = text.clean(lt.decode(v, e))
        if field_for_header(d):
            key = (header_key(d) in _EXACT_INDEX, _reading_quality(d), -i)
            if best is None or key > best[0]:
                best = (key, d)
    if best is not None:
        return best[1]
    return text.clean(lt.decode(v, lt.detect([v]).encoding))


_WORD_SPLIT = re.compile(r"[\s,.;:()/\\\-–—+&]+")


def _reading_quality(s: str) -> int:
    """Valid Vietnamese syllables minus words with stray symbols (mojibake such as «, ¸, µ, ¬)."""
    good = bad = 0
    for w in _WORD_SPLIT.split(s):
        if not w:
            continue
        if not all(ch.isalnum() for ch in w):
            bad += 1
        elif w.isalpha() and lt.syllable_ok(w[:1] + w[1:].lower() if not w.isupper() else w):
            good += 1
    return good - 2 * bad


def _merged_value_grid(t: Table, rows: Iterable[int]) -> dict[tuple[int, int], str]:
    """Header texts with merged ranges filled into every cell they cover."""
    want = set(rows)
    out: dict[tuple[int, int], str] = {}
    for r in want:
        for c in range(len(t.cells[r]) if r < len(t.cells) else 0):
            s = _cell_text(t, r, c)
            if s:
                out[(r, c)] = s
    for r1, c1, r2, c2 in t.merges:
        if not any(r1 <= r <= r2 for r in want):
            continue
        s = _cell_text(t, r1, c1)
        if not s:
            continue
        for r in range(r1, r2 + 1):
            if r in want:
                for c in range(c1, min(c2, MAX_COLS) + 1):
                    out.setdefault((r, c), s)
    return out


@dataclass
class _Header:
    row: int  # first header row (0-based)
    rows: int  # 1 or 2
    fields: dict[int, str]  # column → field
    texts: dict[int, str]  # column → header text shown to the clerk
    data_start: int  # first data row (0-based)


def _find_header(t: Table) -> _Header | None:
    best: tuple[int, int] | None = None
    limit = min(len(t.cells), 40)
    for r in range(limit):
        grid = {(r, c): _cell_text(t, r, c) for c in range(len(t.cells[r]))}
        fields = {field_for_header(s) for s in grid.values()} - {None, "stt", "ignore", "birth_nam", "birth_nu"}
        if not (fields & {"full_name", "given_name"}):
            continue
        n = len(fields)
        if n >= 2 and (best is None or n > best[1]):
            best = (r, n)
    if best is None:
        return None
    r = best[0]
    g1 = _merged_value_grid(t, [r])
    g2 = _merged_value_grid(t, [r + 1]) if r + 1 < len(t.cells) else {}
    width = max([c for (_, c) in g1] + [c for (_, c) in g2] + [0]) + 1
    # A second header row: sub-titles under merged/empty cells, not data (no name under the name column).
    two = False
    name_col = next((c for (_, c), s in g1.items() if field_for_header(s) in ("full_name", "given_name")), None)
    if g2:
        under_name = g2.get((r + 1, name_col), "") if name_col is not None else ""
        merged_name = under_name and under_name == g1.get((r, name_col))
        subs = [c for (_, c), s in g2.items()
                if field_for_header(s) in ("birth_nam", "birth_nu")
                or (field_for_header(s) and field_for_header(g1.get((r, c), "")) is None)]
        if (not under_name or merged_name) and subs:
            two = True
    fields: dict[int, str] = {}
    texts: dict[int, str] = {}
    for c in range(width):
        top = g1.get((r, c), "")
        bottom = g2.get((r + 1, c), "") if two else ""
        ftop = field_for_header(top)
        fbot = field_for_header(bottom) if bottom and bottom != top else None
        if two and fbot in ("birth_nam", "birth_nu") and ftop in ("birth", None):
            f = fbot
            label = f"{top} – {bottom}" if top else bottom
        elif fbot and fbot not in ("birth_nam", "birth_nu"):
            f, label = fbot, (f"{top} – {bottom}" if top and top != bottom else bottom)
        elif ftop and ftop not in ("birth_nam", "birth_nu"):
            f, label = ftop, top
        else:
            f, label = None, (f"{top} – {bottom}" if top and bottom and top != bottom else top or bottom)
        if label:
            texts[c] = label
        if f:
            if f in fields.values() and f not in ("ignore",):
                continue  # the first column of a field wins
            fields[c] = f
    start = r + (2 if two else 1)
    # A row of column numbers "(1) (2) (3)" / "1 2 3" / "A B C" under the header.
    if start < len(t.cells):
        vals = [v for v in t.cells[start] if v not in (None, "")]
        if len(vals) >= 2 and all(_is_column_number(v) for v in vals):
            start += 1
    return _Header(r, 2 if two else 1, fields, texts, start)


def _is_column_number(v: Any) -> bool:
    """"1", 2.0, "(3)", "A", "(4)=(2)+(3)": the numbering row under a header."""
    if isinstance(v, bool):
        return False
    if isinstance(v, (int, float)):
        return v == v and abs(v) < 100 and v == int(v)
    return re.fullmatch(r"\(?\s*(\d{1,2}|[A-Za-z])\s*\)?(\s*[=+*x-]\s*\(?\d+\)?)*", str(v).strip()) is not None


def _col_letter(c: int) -> str:
    s = ""
    c += 1
    while c:
        c, rem = divmod(c - 1, 26)
        s = chr(65 + rem) + s
    return s


def _col_index(spec: str, texts: dict[int, str]) -> int | None:
    s = spec.strip()
    if re.fullmatch(r"[A-Za-z]{1,3}", s):
        n = 0
        for ch in s.upper():
            n = n * 26 + ord(ch) - 64
        return n - 1
    if s.isdigit():
        return int(s) - 1
    k = header_key(s)
    for c, h in texts.items():
        if header_key(h) == k:
            return c
    return None


def shape_hash(texts: dict[int, str]) -> str:
    key = "|".join(f"{c}:{header_key(h)}" for c, h in sorted(texts.items()))
    return hashlib.sha256(key.encode("utf-8")).hexdigest()[:16]


_FIELD_ALIASES = {header_key(v): k for k, v in FIELDS.items()} | {k: k for k in FIELDS}


def parse_field(name: str) -> str | None:
    """A field code from the clerk's spelling: "phone", "Số điện thoại", "so dien thoai", "SĐT"."""
    k = header_key(name)
    return _FIELD_ALIASES.get(k) or _FIELD_ALIASES.get(text.clean(name)) or field_for_header(name)


def saved_mappings(reg) -> dict[str, dict]:
    from models.schema import Setting

    with reg.read():
        return {r.key.split(":", 1)[1]: json.loads(r.value)
                for r in Setting.select().where(Setting.key.startswith("import_mapping:"))}


# ---------------------------------------------------------------------------
# Preview
# ---------------------------------------------------------------------------
@dataclass
class ImportOptions:
    sheet: str | int | None = None
    column_map: dict[str, str] = field(default_factory=dict)  # "C" / "3" / header text → field (or "ignore")
    village_map: dict[str, str] = field(default_factory=dict)  # name in the file → village in the registry, or CREATE
    create_villages: bool = False
    category_map: dict[str, str] = field(default_factory=dict)  # text in the file → category code
    encodings: dict[str, str] = field(default_factory=dict)  # field → unicode|tcvn3|vni
    commune: str = ""  # for registries holding several communes
    start_date: dt.date | None = None  # membership start for new members (default today)
    remember_mapping: bool = True


@dataclass(frozen=True)
class ColumnInfo:
    index: int
    letter: str
    header: str
    field: str  # "" when not mapped
    encoding: str = lt.UNICODE
    encoding_sure: bool = True
    encoding_source: str = ""
    candidates: tuple = ()  # unsure: ((encoding, a sample cell read that way), …), the likeliest first
    sample_row: int = 0  # the sheet row of that sample cell (1-based)

    @property
    def field_label(self) -> str:
        return FIELDS.get(self.field, "(không dùng)")

    @property
    def unsure_message(self) -> str:
        """Why this column stops the import, with the two likeliest readings of one of its cells."""
        msg = f"Cột {self.letter} «{self.header or '(không tên)'}»: chưa rõ chữ Việt gõ theo bảng mã nào"
        if len(self.candidates) >= 2 and self.sample_row:
            (e1, r1), (e2, r2) = self.candidates[:2]
            msg += (f" — ô ở dòng {self.sample_row} đọc theo {lt.ENCODING_LABELS[e1]} là «{r1}», "
                    f"theo {lt.ENCODING_LABELS[e2]} là «{r2}»")
        return msg + f". Hãy chọn bảng mã cho cột {self.letter} rồi đọc lại; chưa nhập gì vào sổ."


def _candidate_readings(t: Table, c: int, data_rows: list[int], det) -> tuple[tuple, int]:
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


@dataclass(frozen=True)
class RowMessage:
    row: int  # the sheet's row number (1-based, as Excel shows it)
    field: str
    message: str


@dataclass
class PreviewRow:
    row: int
    status: str  # new | update | unchanged | error
    name: str
    village: str
    changes: list[str] = field(default_factory=list)
    errors: list[RowMessage] = field(default_factory=list)
    warnings: list[RowMessage] = field(default_factory=list)
    person_id: int | None = None

    @property
    def status_label(self) -> str:
        return STATUS_LABELS[self.status]


@dataclass
class Preview:
    path: str
    file_kind: str
    sheet: str
    sheet_names: list[str]
    header_row: int  # 1-based
    header_rows: int
    columns: list[ColumnInfo]
    rows: list[PreviewRow]
    unknown_villages: dict[str, list[int]]  # name in the file → row numbers
    unknown_categories: dict[str, list[int]]
    warnings: list[str]
    shape: str
    mapping_source: str  # "tự động" | "đã lưu" | "người dùng sửa"
    csv_encoding: str = ""
    csv_delimiter: str = ""
    options: ImportOptions = field(default_factory=ImportOptions)
    _records: list = field(default_factory=list, repr=False)

    @property
    def counts(self) -> dict[str, int]:
        out = dict.fromkeys(STATUS_LABELS, 0)
        for r in self.rows:
            out[r.status] += 1
        return out

    @property
    def errors(self) -> list[RowMessage]:
        return [e for r in self.rows for e in r.errors]

    @property
    def ok(self) -> bool:
        return not self.errors and not self.blocking

    @property
    def blocking(self) -> list[str]:
        """Problems that stop the import as a whole (besides row errors)."""
        out = []
        if not any(c.field in ("full_name", "given_name") for c in self.columns):
            out.append("Không tìm thấy cột «Họ và tên».")
        out += [c.unsure_message for c in self.unsure_columns]
        return out

    @property
    def unsure_columns(self) -> list[ColumnInfo]:
        return [c for c in self.columns if c.field and not c.encoding_sure]


@dataclass
class ImportResult:
    created: int
    updated: int
    unchanged: int
    villages_created: list[str]
    teams_created: list[str]
    summary: str


@dataclass
class _Record:
    row: int
    values: dict[str, Any]
    cache: Any = None


def _pick_table(book: Book, sheet) -> tuple[Table, _Header]:
    names = [t.name for t in book.tables]
    if sheet not in (None, ""):
        if isinstance(sheet, int) or (isinstance(sheet, str) and sheet.isdigit() and sheet not in names):
            i = int(sheet) - 1
            if not 0 <= i < len(book.tables):
                raise ImportRejected(f"Tệp không có trang số {sheet} (có {len(names)} trang: {', '.join(names)}).",
                                     "sheet")
            t = book.tables[i]
        else:
            hits = [t for t in book.tables if text.fold(t.name) == text.fold(str(sheet))]
            if not hits:
                raise ImportRejected(f"Tệp không có trang «{sheet}»; các trang: {', '.join(names)}.", "sheet")
            t = hits[0]
        h = _find_header(t)
        if h is None:
            raise ImportRejected(f"Trang «{t.name}» không có dòng tiêu đề có cột «Họ và tên» — hãy kiểm tra lại tệp "
                                 "hoặc chỉ rõ cột bằng --map.", "header")
        return t, h
    found = []
    for t in book.tables:
        h = _find_header(t)
        if h is not None:
            found.append((len(t.cells) - h.data_start, t, h))
    if not found:
        raise ImportRejected("Không tìm thấy dòng tiêu đề có cột «Họ và tên» trong trang nào của tệp "
                             f"({', '.join(names)}).", "header")
    found.sort(key=lambda x: -x[0])
    return found[0][1], found[0][2]


# A total row's label is the whole cell: "Tổng cộng", "Cộng", "Tổng số", "Tổng" — compared without accents —
# maybe with a colon, a note in brackets or a number after it ("Tổng cộng: 7.446", "Cộng (toàn xã)").
# A person "Tống Văn Dũng" or a unit "Cộng Hòa 1" is not a total.
_TOTAL_LABEL = re.compile(r"(?:tong cong|tong so|tong|cong)(?:\s*(?:[:=(\-–—].*|[\d\s.,/]*))?")
_TOTAL_WORDS = re.compile(r"(?:tổng cộng|tổng số)\s+\S")
# The signature block: compared with accents ("Trương Bản" is a name, "Trưởng ban" a signature); a cell
# typed without any accents is compared without them.
_SIGNATURE = re.compile(r"(?:người lập(?: biểu)?|xác nhận|ký tên|kt[.\s]|t/m\b|tm[.\s]|chủ tịch|trưởng ban|"
                        r"thủ trưởng|giám đốc|nơi nhận)")
_SIGNATURE_ASCII = re.compile(r"(?:nguoi lap|xac nhan|ky ten|kt[.\s]|t/m\b|tm[.\s]|chu tich|truong ban|thu truong|"
                              r"giam doc|noi nhan)")
_PLACE_DATE = re.compile(r"ngay\s*[.…\d\s]*thang\s*[.…\d\s]*nam")
# A place-and-date line and nothing else: "Bình An, ngày 10 tháng 4 năm 2026", "……, ngày … tháng … năm 20…".
_PLACE_DATE_LINE = re.compile(r"(?:[^;:()\[\]]{0,80},\s*)?ngay\s*[.…_\s\d]*thang\s*[.…_\s\d]*nam\s*[.…_\s\d]*")


def is_total_label(s: Any) -> bool:
    """Is ``s`` (a whole cell) the label of a total row? "Tổng cộng", "TỔNG SỐ:", "Cộng" — yes;
    "Tống Văn Dũng", "Cộng Hòa 1" — no."""
    if s is None or not isinstance(s, str):
        return False
    f = text.fold(s)
    if len(f) > 80:
        return False
    if _TOTAL_LABEL.fullmatch(f):
        return True
    # "Tổng cộng có 5 người", "Tổng số thành viên: 5": the two-word labels, spelt with their accents
    # (without accents "Tong Cong Minh" may be a name)
    return _TOTAL_WORDS.match(text.clean(s).lower()) is not None


def is_signature_label(s: Any) -> bool:
    """Does ``s`` start the signature block ("Người lập biểu", "TM. ỦY BAN NHÂN DÂN", "KT. CHỦ TỊCH", "Nơi nhận:")?"""
    if s is None or not isinstance(s, str):
        return False
    c = text.clean(s).lower()
    if c.isascii():
        return _SIGNATURE_ASCII.match(c + " ") is not None
    return _SIGNATURE.match(c + " ") is not None


def is_place_date_line(s: Any) -> bool:
    """Is the whole cell a place-and-date line ("…, ngày … tháng … năm …", blank or filled in)?"""
    if s is None or not isinstance(s, str):
        return False
    f = text.fold(s)
    return len(f) <= 120 and _PLACE_DATE_LINE.fullmatch(f) is not None


def _looks_like_data(t: Table, r: int, fields: dict[int, str], name_cols: list[int]) -> bool:
    """A row below the end of the table that still looks like a person's row (so skipping it is worth a word)."""
    row = t.cells[r] if r < len(t.cells) else []
    filled = [(c, v) for c, v in enumerate(row) if v not in (None, "") and not (isinstance(v, str) and not v.strip())]
    if not filled:
        return False
    first = _cell_text(t, r, filled[0][0]) if isinstance(filled[0][1], str) else ""
    if first and (is_signature_label(first) or _PLACE_DATE.search(text.fold(first)) or first.startswith("(")):
        return False
    if len(filled) >= 3:
        return True
    has_name = any(t.value(r, c) not in (None, "") for c in name_cols)
    numeric = any(fields.get(c) in ("stt", "birth", "birth_nam", "birth_nu", "phone", "cccd")
                  and (isinstance(v, (int, float, dt.date)) or re.fullmatch(r"\s*[\d .]{4,}\s*", str(v)))
                  for c, v in filled)
    return has_name and numeric


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
            RecursionError) as exc:  # a shape of file not foreseen: never a crash for the clerk
        raise ImportFailed(f"Không xử lý được nội dung tệp «{Path(path).name}» "
                           f"({type(exc).__name__}: {str(exc)[:100]}). Hãy lưu lại tệp bằng Excel rồi thử lại, "
                           "hoặc gửi tệp cho bộ phận hỗ trợ.") from exc


def _read_roster(reg, path, book: Book, options: ImportOptions, progress, cancelled) -> Preview:
    t, h = _pick_table(book, options.sheet)
    shape = shape_hash(h.texts)
    fields = dict(h.fields)
    source = "tự động"
    saved = saved_mappings(reg).get(shape)
    if saved:
        fields = {int(c): f for c, f in saved.get("columns", {}).items()}
        source = "đã lưu"
    bad = []
    for spec, fname in options.column_map.items():
        c = _col_index(spec, h.texts)
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
            c = _col_index(fname, h.texts)
            if c is None or c < 0:
                bad.append(FieldError("encoding", f"--encoding: không có cột hay trường «{fname}» (ghi chữ cái cột "
                                                  "như B, hoặc tên trường như full_name)."))
            else:
                enc_by_col[c] = enc
    if bad:
        raise ImportRejected(bad)
    fields = {c: f for c, f in fields.items() if f and f != "ignore"}

    # Data rows
    data_rows: list[int] = []
    name_cols = [c for c, f in fields.items() if f in ("full_name", "given_name")]
    group_village: dict[int, str] = {}
    current_group = ""
    stop: tuple[int, str] | None = None
    for r in range(h.data_start, len(t.cells)):
        row = t.cells[r]
        nonempty = [(c, v) for c, v in enumerate(row) if v not in (None, "") and not (isinstance(v, str) and not v.strip())]
        if not nonempty:
            continue
        has_name = any(t.value(r, c) not in (None, "") for c in name_cols)
        c0, v0 = nonempty[0]
        ftext = _cell_text(t, r, c0) if isinstance(v0, str) else ""
        if ftext and (is_total_label(ftext) or _PLACE_DATE.search(text.fold(ftext))
                      or (is_signature_label(ftext) and (not has_name or len(nonempty) <= 2))):
            stop = (r, ftext)  # the total row, the place-and-date line or the signature block
            break
        if len(nonempty) == 1 and not has_name or (len(nonempty) == 1 and isinstance(nonempty[0][1], str)
                                                     and fields.get(nonempty[0][0]) in ("stt", None)):
            c0, v0 = nonempty[0]
            if isinstance(v0, str) and not re.fullmatch(r"\s*\d+\s*", v0):
                current_group = _cell_text(t, r, c0)  # a group heading: "I. Thôn An Lợi"
            continue
        data_rows.append(r)
        if current_group:
            group_village[r] = current_group

    # Rows that look like people below where the table was taken to end: never dropped silently.
    skipped_note = ""
    if stop is not None:
        below = [r + 1 for r in range(stop[0] + 1, len(t.cells)) if _looks_like_data(t, r, fields, name_cols)]
        if below:
            label = stop[1] if len(stop[1]) <= 40 else stop[1][:39] + "…"
            skipped_note = (f"{len(below)} dòng có dữ liệu nằm dưới dòng «{label}» (dòng {stop[0] + 1}) nên KHÔNG được "
                            f"nhập: dòng {_rows_text(below)}. Chương trình coi dòng {stop[0] + 1} là dòng tổng/chữ ký "
                            "cuối bảng; nếu các dòng dưới là thành viên, hãy chuyển dòng đó xuống cuối danh sách "
                            "trong tệp rồi đọc lại.")

    # Encodings per text column
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
                vals = [t.value(r, c) for r in data_rows]
                fonts = [t.font(r, c) for r in data_rows] if t.fonts else None
                pairs = [(v, fo) for v, fo in zip(vals, fonts or [None] * len(vals)) if isinstance(v, str)]
                det = lt.detect([v for v, _ in pairs], fonts=[fo for _, fo in pairs] if t.fonts else None)
                if not det.sure:
                    candidates, sample_row = _candidate_readings(t, c, data_rows, det)
            col_enc[c] = det
        columns.append(ColumnInfo(c, _col_letter(c), h.texts.get(c, ""), f,
                                  det.encoding if det else lt.UNICODE, det.sure if det else True,
                                  det.source if det else "", candidates, sample_row))

    warnings = [skipped_note] if skipped_note else []
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

    records: list[_Record] = []
    for r in data_rows:
        vals: dict[str, Any] = {}
        for c, f in fields.items():
            v = t.value(r, c)
            if isinstance(v, str):
                enc, caps = lt.encoding_from_font(t.font(r, c))
                if enc is None:
                    det = col_enc.get(c)
                    enc = det.encoding if det else lt.UNICODE
                v = lt.decode(v, enc, capitals=caps,
                              capitalize_initials=f in ("full_name", "family_name", "given_name", "village"))
                if f in _DATE_FIELDS and _TEXT_SERIAL.fullmatch(v):
                    v = int(float(v.strip().replace(",", ".")))  # a date serial saved as text (CSV): like the number
            if v is not None:
                vals[f] = v
        if "village" not in vals and r in group_village:
            vals["village"] = group_village[r]
        records.append(_Record(r + 1, vals))

    pv = Preview(str(path), book.kind, t.name, [x.name for x in book.tables], h.row + 1, h.rows, columns, [], {}, {},
                 warnings, shape, source, book.encoding, book.delimiter, options, records)
    with reg.read():
        _plan(reg, pv, progress=progress, cancelled=cancelled)
    return pv


# ---------------------------------------------------------------------------
# Planning (shared by the preview and the import)
# ---------------------------------------------------------------------------
_ROLE_WORDS = {"to truong": "to_truong", "truong": "to_truong", "tt": "to_truong", "to pho": "to_pho",
               "pho": "to_pho", "tp": "to_pho", "thanh vien": "thanh_vien", "tv": "thanh_vien", "": "thanh_vien",
               "leader": "to_truong", "deputy": "to_pho", "member": "thanh_vien", "to truong to cnscd": "to_truong",
               "to pho to cnscd": "to_pho", "thanh vien to cnscd": "thanh_vien"}

_CATEGORY_HINTS = [  # (folded keyword, category code), first match wins
    ("can bo xa", "CB_XA"), ("cong chuc", "CB_XA"), ("dung diem", "CB_XA"), ("cb xa", "CB_XA"),
    ("bi thu chi bo", "BI_THU"), ("bi thu", "BI_THU"),
    ("truong thon", "TRUONG_THON"), ("to truong to dan pho", "TRUONG_THON"), ("truong khu", "TRUONG_THON"),
    ("truong ban", "TRUONG_THON"), ("to truong tdp", "TRUONG_THON"), ("truong ap", "TRUONG_THON"),
    ("mat tran", "MTTQ"), ("mttq", "MTTQ"),
    ("doan thanh nien", "DOAN_TN"), ("chi doan", "DOAN_TN"), ("doan tn", "DOAN_TN"), ("doan vien", "DOAN_TN"),
    ("phu nu", "PHU_NU"), ("nong dan", "NONG_DAN"), ("cuu chien binh", "CCB"), ("ccb", "CCB"),
    ("cong an", "CONG_AN"), ("giao vien", "GIAO_VIEN"), ("hieu truong", "GIAO_VIEN"),
    ("tinh nguyen", "TNV"), ("tnv", "TNV"), ("khac", "KHAC"),
]


class _Index:
    """The registry in memory for matching: people, villages, teams, categories."""

    def __init__(self, commune_name: str = ""):
        from models.schema import Category, Membership, Person, Team, Unit

        self.units = {u.id: u for u in Unit.select()}
        communes = [u for u in self.units.values() if u.level == "xa"]
        self.commune = None
        self.commune_problem = ""
        self.commune_new = ""
        if commune_name:
            want = text.fold(commune_name)
            hits = [u for u in communes if text.fold(u.name) == want or text.fold(f"{u.kind} {u.name}") == want]
            self.commune_new = ""
            if not hits:
                self.commune_new = text.clean(commune_name)  # created on import (aggregating registries)
            else:
                self.commune = hits[0]
        elif len(communes) == 1:
            self.commune = communes[0]
        elif communes:
            self.commune_problem = ("Sổ có nhiều xã/phường; hãy chọn xã/phường của danh sách này (--commune).")
        else:
            self.commune_problem = "Sổ chưa có xã/phường nào; hãy chọn xã/phường của danh sách này (--commune)."
        self.villages: dict[str, list[int]] = {}
        for u in self.units.values():
            if u.level == "thon" and u.active and (self.commune is None or u.parent_id == self.commune.id):
                for k in _village_keys(u.kind, u.name):
                    self.villages.setdefault(k, [])
                    if u.id not in self.villages[k]:
                        self.villages[k].append(u.id)
        self.cats = {c.code: c for c in Category.select()}
        self.cat_code = {c.id: c.code for c in self.cats.values()}
        self.cat_by_name = {text.fold(c.name): c.code for c in self.cats.values()}
        for c in self.cats.values():
            for part in re.split(r"[/,]", c.name):
                self.cat_by_name.setdefault(text.fold(part), c.code)
            self.cat_by_name.setdefault(text.fold(c.code), c.code)
        self.teams: dict[int, Any] = {}
        for tm in Team.select().where(Team.active == True):  # noqa: E712
            self.teams.setdefault(tm.unit_id, tm)
        self.people = {p.id: p for p in Person.select()}
        self.by_cccd = {p.cccd: p.id for p in self.people.values() if p.cccd}
        self.by_key: dict[tuple[str, int | None, int | None], list[int]] = {}
        self.by_name_village: dict[tuple[str, int | None], list[int]] = {}
        for p in self.people.values():
            y = p.birth_date.year if p.birth_date else p.birth_year
            self.by_key.setdefault((p.search_key, y, p.village_id), []).append(p.id)
            self.by_name_village.setdefault((p.search_key, p.village_id), []).append(p.id)
        self.active: dict[tuple[int, int], Any] = {}  # (person, team) → membership
        self.leaders: dict[int, set[int]] = {}
        for m in Membership.select().where(Membership.end_date.is_null()):
            self.active[(m.person_id, m.team_id)] = m
            if m.role == "to_truong":
                self.leaders.setdefault(m.team_id, set()).add(m.person_id)


def _village_keys(kind: str, name: str) -> set[str]:
    from models.services import _strip_kind

    keys = {text.fold(name), text.fold(f"{kind} {name}"), text.fold(_strip_kind(name))}
    if kind == "tổ dân phố":
        keys |= {text.fold(f"tdp {name}"), text.fold(f"to {name}")}
    if kind == "khu dân cư":
        keys.add(text.fold(f"khu {name}"))
    return {k for k in keys if k}


def _norm_village(s: str) -> str:
    f = text.fold(s)
    f = re.sub(r"^(?:[ivxlc]+|\d+)\s*[.)\-/]\s*", "", f)  # "I. Thôn An Lợi", "1) …"
    f = re.sub(r"[/,;]+", " ", f)
    f = re.sub(r"\s+", " ", f).strip()
    f = re.sub(r"^tdp\.?\s*", "tdp ", f)
    return f


def _resolve_village(idx: _Index, raw: str, options: ImportOptions, problems: list[str]) -> tuple[int | None, str]:
    """(village id, '') or (None, why). CREATE-mapped names give (-1, name)."""
    name = text.clean(raw)
    if idx.commune_new:
        return (-1, name) if options.create_villages else (None, "unknown")
    target = None
    for k, v in options.village_map.items():
        if text.fold(k) == text.fold(name):
            target = v
            break
    if target is not None:
        if text.clean(target) == CREATE:
            return -1, name
        name = target
    key = _norm_village(name)
    hits = idx.villages.get(key) or idx.villages.get(text.fold(name)) or []
    if not hits:
        from models.services import _strip_kind

        hits = idx.villages.get(text.fold(_strip_kind(name)), [])
    if len(hits) == 1:
        return hits[0], ""
    if len(hits) > 1:
        return None, f"«{name}» khớp nhiều thôn/tổ dân phố; hãy ghi rõ hơn (--village-map)."
    if target is None and options.create_villages:
        return -1, text.clean(raw)
    return None, "unknown"


def _category_code(idx: _Index, raw: str, options: ImportOptions) -> str | None:
    s = text.clean(raw)
    for k, v in options.category_map.items():
        if text.fold(k) == text.fold(s):
            code = v.strip().upper()
            if code in idx.cats:
                return code
            return idx.cat_by_name.get(text.fold(v))
    f = text.fold(s)
    if not f:
        return "KHAC"
    if f in idx.cat_by_name:
        return idx.cat_by_name[f]
    if s.upper() in idx.cats:
        return s.upper()
    for kw, code in _CATEGORY_HINTS:
        if kw in f and code in idx.cats:
            return code
    return None


def _text_value(v: Any) -> str:
    if v is None:
        return ""
    if isinstance(v, float) and v == int(v):
        return str(int(v))
    if isinstance(v, (dt.datetime, dt.date)):
        return text.format_date(v)
    return text.clean(str(v))


def _validate_record(rec: "_Record"):
    """Checks that depend only on the row (cached: the import re-plans under the write lock)."""
    from models.services import PersonInput, check_person

    if rec.cache is not None:
        return rec.cache
    v = rec.values
    errs: list[RowMessage] = []
    warns: list[RowMessage] = []

    def err(fieldname: str, msg: str) -> None:
        errs.append(RowMessage(rec.row, fieldname, msg))

    def warn(fieldname: str, msg: str) -> None:
        warns.append(RowMessage(rec.row, fieldname, msg))

    for f, val in v.items():
        if isinstance(val, str) and len(val) > MAX_CELL:
            err(f, f"{FIELDS.get(f, f)}: ô quá dài ({text.format_int(len(val))} ký tự).")
    full = _text_value(v.get("full_name"))
    family, given = _text_value(v.get("family_name")), _text_value(v.get("given_name"))
    if not full and (family or given):
        full = text.clean(f"{family} {given}")
    if full and not re.search(r"[^\W\d_]", full):
        err("full_name", f"Họ và tên «{full[:40]}» không có chữ cái nào.")
    # Birth and gender, possibly from the Nam/Nữ columns.
    birth = v.get("birth")
    gender_raw = _text_value(v.get("gender"))
    if v.get("birth_nam") not in (None, "") and v.get("birth_nu") not in (None, ""):
        err("birth", "Năm sinh ghi ở cả cột Nam và cột Nữ — chỉ ghi vào một cột.")
    elif v.get("birth_nam") not in (None, ""):
        birth, gender_raw = v["birth_nam"], gender_raw or "nam"
    elif v.get("birth_nu") not in (None, ""):
        birth, gender_raw = v["birth_nu"], gender_raw or "nu"
    cccd_raw = v.get("cccd")
    if not gender_raw and cccd_raw not in (None, ""):
        chk = validate.check_cccd(cccd_raw)
        info = validate.cccd_birth_info(chk.value) if chk.ok and chk.value else None
        if info:
            gender_raw = info[1]
    pin = PersonInput(full_name=full, gender=gender_raw, birth=birth if birth is not None else "",
                      phone=v.get("phone") if v.get("phone") is not None else "",
                      cccd=cccd_raw if cccd_raw is not None else "", notes=_text_value(v.get("notes")))
    checked = None
    if len(full) <= MAX_CELL:
        try:
            checked = check_person(pin)
            for w in checked.warnings:
                warn("", w)
        except InputError as e:
            for fe in e.errors:
                err(fe.field, fe.message)
    rec.cache = (full, checked, tuple(errs), tuple(warns))
    return rec.cache


def _plan(reg, pv: Preview, *, progress=None, cancelled=None, idx: _Index | None = None) -> list[dict]:
    """Validate every record against the registry. Fills ``pv.rows`` and the unknown lists; returns the actions."""

    options = pv.options
    idx = idx or _Index(options.commune)
    pv.rows = []
    pv.unknown_villages = {}
    pv.unknown_categories = {}
    if idx.commune is None and idx.commune_problem and idx.commune_problem not in pv.warnings:
        pv.warnings.append(idx.commune_problem)
    if idx.commune_new:
        msg = f"Sổ chưa có xã/phường «{idx.commune_new}»: sẽ tạo mới khi nhập."
        if msg not in pv.warnings:
            pv.warnings.append(msg)
    actions: list[dict] = []
    seen_cccd: dict[str, int] = {}
    seen_key: dict[tuple, int] = {}
    final_leaders: dict[Any, set] = {}
    seen_people: dict[int, int] = {}
    total = len(pv._records)

    for i, rec in enumerate(pv._records):
        if cancelled is not None and i % 50 == 0 and cancelled():
            raise ImportCancelled()
        if progress is not None and i % 200 == 0:
            progress(i, total)
        v = rec.values
        errs: list[RowMessage] = []
        warns: list[RowMessage] = []

        def err(fieldname: str, msg: str) -> None:
            errs.append(RowMessage(rec.row, fieldname, msg))

        def warn(fieldname: str, msg: str) -> None:
            warns.append(RowMessage(rec.row, fieldname, msg))

        full, checked, e0, w0 = _validate_record(rec)
        errs.extend(e0)
        warns.extend(w0)
        # Village
        village_raw = _text_value(v.get("village"))
        village_id = None
        village_label = village_raw
        if village_raw:
            vid, why = _resolve_village(idx, village_raw, options, pv.warnings)
            if vid is None and why == "unknown":
                pv.unknown_villages.setdefault(village_raw, []).append(rec.row)
                err("village", f"Thôn/TDP «{village_raw}» chưa có trong sổ — hãy chọn thôn tương ứng "
                               f"(--village-map \"{village_raw}=Tên thôn\") hoặc tạo mới (--create-villages).")
            elif vid is None:
                err("village", why)
            elif vid == -1:
                if idx.commune is None and not idx.commune_new:
                    err("village", idx.commune_problem)
                village_id = ("new", text.fold(why or village_raw))
                village_label = why or village_raw
                warn("village", f"Sẽ tạo thôn/tổ dân phố mới «{village_label}».")
            else:
                village_id = vid
                u = idx.units[vid]
                village_label = f"{u.kind} {u.name}"
        elif idx.commune is None and not idx.commune_new:
            err("village", "Dòng không ghi thôn/tổ dân phố và sổ có nhiều xã/phường — hãy chọn xã/phường (--commune).")
        # Role, category, other positions
        role_raw = _text_value(v.get("role"))
        other = _text_value(v.get("other_positions"))
        role = _ROLE_WORDS.get(header_key(role_raw))
        if role is None:
            role = "thanh_vien"
            if role_raw:
                other = f"{role_raw}; {other}" if other and text.fold(role_raw) not in text.fold(other) else (other or role_raw)
                warn("role", f"Vai trò «{role_raw}» không phải Tổ trưởng/Tổ phó/Thành viên: ghi là Thành viên, "
                             "«" + role_raw + "» đưa vào chức vụ khác.")
        cat_raw = _text_value(v.get("category"))
        cat = _category_code(idx, cat_raw, options)
        if cat is None:
            pv.unknown_categories.setdefault(cat_raw, []).append(rec.row)
            cat = "KHAC"
            warn("category", f"Thành phần «{cat_raw}» không có trong danh mục: tạm ghi «Chức danh khác» "
                             f"(chọn thành phần tương ứng bằng --category-map \"{cat_raw}=MÃ\").")
        # Matching
        person_id = None
        year = None
        if checked is not None:
            year = checked.birth_year or (checked.birth_date.year if checked.birth_date else None)
            key = text.search_key(checked.family_name, checked.given_name)
            if checked.cccd and checked.cccd in idx.by_cccd:
                person_id = idx.by_cccd[checked.cccd]
            else:
                vid_int = village_id if isinstance(village_id, int) else None
                cands = idx.by_key.get((key, year, vid_int), []) if year is not None else []
                if not cands:
                    cands = [pid for pid in idx.by_name_village.get((key, vid_int), [])
                             if year is None or _pyear(idx.people[pid]) in (None, year)]
                cands = [pid for pid in cands if not (checked.cccd and idx.people[pid].cccd
                                                       and idx.people[pid].cccd != checked.cccd)]
                if len(cands) == 1:
                    person_id = cands[0]
                elif len(cands) > 1:
                    err("full_name", f"{full} ({year or 'không rõ năm sinh'}) khớp {len(cands)} người trong sổ — "
                                     "hãy thêm số CCCD hoặc năm sinh để phân biệt.")
            # Duplicates inside the file
            if checked.cccd:
                if checked.cccd in seen_cccd:
                    err("cccd", f"Số CCCD {checked.cccd} đã có ở dòng {seen_cccd[checked.cccd]} của tệp.")
                else:
                    seen_cccd[checked.cccd] = rec.row
            dkey = (key, year, str(village_id))
            if not checked.cccd and dkey in seen_key:
                err("full_name", f"{full} trùng với dòng {seen_key[dkey]} của tệp (cùng tên, năm sinh, thôn).")
            seen_key.setdefault(dkey, rec.row)
            if person_id is not None and person_id in seen_people:
                err("full_name", f"{full} đã có ở dòng {seen_people[person_id]} của tệp (cùng người trong sổ).")
            elif person_id is not None:
                seen_people[person_id] = rec.row
        # Team
        if isinstance(village_id, int):
            team = idx.teams.get(village_id)
            team_key = team.id if team else ("new", village_id)
        elif village_id is not None:
            team, team_key = None, ("new", village_id)
        else:
            team = idx.teams.get(idx.commune.id) if idx.commune is not None else None
            team_key = team.id if team else ("new", "xa")
        # Changes against the registry
        changes: list[str] = []
        status = "new"
        person_changes: dict[str, Any] = {}
        membership_changes: dict[str, Any] = {}
        if checked is not None and person_id is not None:
            p = idx.people[person_id]
            person_changes = _person_changes(p, checked, village_id if isinstance(village_id, int) else None)
            for k in person_changes:
                changes.append(_CHANGE_LABELS.get(k, k))
            m = idx.active.get((person_id, team.id)) if team is not None else None
            if m is not None:
                want = {"role": role, "category": cat, "other_positions": other}
                have = {"role": m.role, "category": idx.cat_code.get(m.category_id, ""),
                        "other_positions": m.other_positions}
                for k in want:
                    if k == "other_positions" and not want[k]:
                        continue
                    if text.clean(want[k]) != text.clean(have[k]):
                        membership_changes[k] = want[k]
                        changes.append(_CHANGE_LABELS[k])
            else:
                changes.append("vào tổ")
            status = "update" if changes else "unchanged"
        # Leaders after the import
        if role == "to_truong":
            final_leaders.setdefault(team_key, set()).add((person_id, rec.row))
        if errs:
            status = "error"
        pv.rows.append(PreviewRow(rec.row, status, full, village_label, changes, errs, warns, person_id))
        actions.append(dict(row=rec.row, status=status, checked=checked, person_id=person_id, village_id=village_id,
                            village_label=village_label, team=team, team_key=team_key, role=role, category=cat,
                            other=other, person_changes=person_changes, membership_changes=membership_changes))
    # One leader per team: the file's leaders plus the registry's leaders the file does not touch.
    touched = {(a["person_id"], a["team_key"]) for a in actions if a["person_id"] is not None}
    for tk, file_leaders in final_leaders.items():
        kept = set()
        if isinstance(tk, int):
            for pid in idx.leaders.get(tk, set()):
                if (pid, tk) not in touched:
                    kept.add(pid)
        if len(file_leaders) + len(kept) > 1:
            rows = sorted(r for _, r in file_leaders)
            names = [f"dòng {r}" for r in rows]
            if kept:
                names += [f"{_full(idx.people[pid])} (đang là Tổ trưởng trong sổ)" for pid in kept]
            for pr in pv.rows:
                if pr.row in rows:
                    pr.errors.append(RowMessage(pr.row, "role", "Một tổ chỉ có một Tổ trưởng: " + ", ".join(names) + "."))
                    pr.status = "error"
            for a in actions:
                if a["row"] in rows:
                    a["status"] = "error"
    if progress is not None:
        progress(total, total)
    return actions


def _pyear(p) -> int | None:
    return p.birth_date.year if p.birth_date else p.birth_year


def _full(p) -> str:
    return text.clean(f"{p.family_name} {p.given_name}")


_CHANGE_LABELS = {"family_name": "họ tên", "given_name": "họ tên", "gender": "giới tính", "birth_date": "ngày sinh",
                  "birth_year": "năm sinh", "phone": "số điện thoại", "cccd": "số CCCD", "village": "thôn/TDP",
                  "notes": "ghi chú", "role": "vai trò", "category": "thành phần", "other_positions": "chức vụ khác"}


def _person_changes(p, c, village_id: int | None) -> dict[str, Any]:
    """Fields the file changes. An empty cell never erases what the registry has."""
    out: dict[str, Any] = {}
    if (c.family_name, c.given_name) != (p.family_name, p.given_name):
        out["family_name"] = c.family_name
        out["given_name"] = c.given_name
    if c.gender and c.gender != p.gender:
        out["gender"] = c.gender
    if c.birth_date and c.birth_date != p.birth_date:
        out["birth_date"] = c.birth_date
        if p.birth_year is not None:
            out["birth_year"] = None
    elif c.birth_year and not c.birth_date:
        have = _pyear(p)
        if have != c.birth_year:
            out["birth_year"] = c.birth_year
            if p.birth_date is not None:
                out["birth_date"] = None
    if c.phone and c.phone != p.phone:
        out["phone"] = c.phone
    if c.cccd and c.cccd != p.cccd:
        out["cccd"] = c.cccd
        out["cccd_legacy"] = c.cccd_legacy
    if village_id is not None and village_id != p.village_id:
        out["village"] = village_id
    if c.notes and c.notes != p.notes:
        out["notes"] = c.notes
    return out


# ---------------------------------------------------------------------------
# Apply
# ---------------------------------------------------------------------------
def apply_roster(reg, preview: Preview, *, progress: Callable[[int, int], None] | None = None,
                 cancelled: Callable[[], bool] | None = None) -> ImportResult:
    """Import the previewed rows in one transaction (re-checked against the registry first).

    Any error row, or a cancellation, raises and writes nothing.
    """
    import peewee as pw

    from models import services
    from models.schema import AuditLog, Membership, Person, Setting, Team, Unit

    options = preview.options
    if preview.blocking:
        raise ImportRejected(preview.blocking[0])
    with reg.write():
        idx = _Index(options.commune)
        actions = _plan(reg, preview, progress=None, cancelled=cancelled, idx=idx)
        errors = preview.errors
        if errors:
            n = len({e.row for e in errors})
            raise ImportRejected([FieldError(e.field, f"Dòng {e.row}: {e.message}") for e in errors[:50]]
                                 + ([FieldError("", f"… và các lỗi khác; tổng cộng {n} dòng có lỗi.")]
                                    if len(errors) > 50 else [])
                                 + [FieldError("", "Chưa nhập gì vào sổ; hãy sửa tệp rồi nhập lại.")])
        now = dt.datetime.now().replace(microsecond=0)
        today = dt.date.today()
        start = options.start_date or today
        if idx.commune_new:
            idx.commune = _create_commune(reg, idx.commune_new)
        # Villages to create
        villages_created: list[str] = []
        new_village_ids: dict[Any, int] = {}
        for a in actions:
            vid = a["village_id"]
            if isinstance(vid, tuple) and vid not in new_village_ids:
                name = a["village_label"]
                kind = "thôn"
                f = text.fold(name)
                for k in vocab.UNIT_KINDS["thon"]:
                    if f.startswith(text.fold(k) + " "):
                        kind = k
                        break
                if f.startswith("tdp "):
                    kind, name = "tổ dân phố", name[4:]
                info = services.add_village(reg, name=name, kind=kind, commune_id=idx.commune.id)
                new_village_ids[vid] = info.id
                villages_created.append(info.full_name)
        # Teams to create
        teams_created: list[str] = []
        team_ids: dict[Any, int] = {}

        def team_for(a) -> int:
            if a["team"] is not None:
                return a["team"].id
            tk = a["team_key"]
            if tk in team_ids:
                return team_ids[tk]
            if tk == ("new", "xa"):
                unit = idx.commune
                level = "xa"
            else:
                vid = tk[1]
                unit = Unit.get_by_id(new_village_ids[vid] if isinstance(vid, tuple) else vid)
                level = "thon"
            name = f"Tổ CNSCĐ {unit.kind} {unit.name}"
            tm = Team.create(unit=unit, level=level, name=name, founded_on=None,
                             note="Lập khi nhập danh sách; chưa có quyết định thành lập.")
            services._log(reg, "them", "team", tm.id, f"Lập {name} khi nhập danh sách (chưa có quyết định)")
            team_ids[tk] = tm.id
            teams_created.append(name)
            return tm.id

        created = updated = unchanged = 0
        new_people: list[dict] = []
        new_members: list[dict] = []
        total = len(actions)
        cats = idx.cats
        for i, a in enumerate(actions):
            if cancelled is not None and i % 50 == 0 and cancelled():
                raise ImportCancelled()
            if progress is not None and i % 200 == 0:
                progress(i, total)
            c = a["checked"]
            vid = a["village_id"]
            village = new_village_ids.get(vid) if isinstance(vid, tuple) else vid
            tid = team_for(a)
            member = dict(team=tid, role=a["role"], category=cats[a["category"]].id, other_positions=a["other"], end_date=None, leave_reason="",
                          start_date=start, decision=None)
            if a["person_id"] is None:
                created += 1
                new_people.append(dict(family_name=c.family_name, given_name=c.given_name, gender=c.gender,
                                       birth_date=c.birth_date, birth_year=c.birth_year, phone=c.phone, cccd=c.cccd,
                                       cccd_legacy=c.cccd_legacy, village=village, notes=c.notes,
                                       search_key=text.search_key(c.family_name, c.given_name),
                                       sort_key=text.name_sort_key_str(c.family_name, c.given_name)))
                new_members.append(member)
                continue
            if a["status"] == "unchanged":
                unchanged += 1
                continue
            updated += 1
            p = Person.get_by_id(a["person_id"])
            pc = dict(a["person_changes"])
            if "village" in pc:
                pc["village"] = Unit.get_by_id(pc["village"])
            services._apply_changes(reg, p, "person", _full(p), pc)
            if pc:
                p.search_key = text.search_key(p.family_name, p.given_name)
                p.sort_key = text.name_sort_key_str(p.family_name, p.given_name)
                p.save()
            m = idx.active.get((p.id, tid))
            if m is None:
                member["person"] = p.id
                m2 = Membership.create(**member)
                services._log(reg, "them", "membership", m2.id, f"{_full(p)} vào tổ (nhập danh sách)")
            elif a["membership_changes"]:
                ch = dict(a["membership_changes"])
                if "category" in ch:
                    ch["category"] = cats[ch["category"]]
                services._apply_changes(reg, m, "membership", f"{_full(p)} (nhập danh sách)", ch)
        if new_people:
            first = (Person.select(pw.fn.MAX(Person.id)).scalar() or 0) + 1
            _bulk_insert(Person, new_people)
            ids = list(range(first, first + len(new_people)))
            for pid, m in zip(ids, new_members):
                m["person"] = pid
            _bulk_insert(Membership, new_members)
            logs = [dict(at=now, actor=reg.actor, action="them", entity="person", entity_id=pid,
                         summary=f"Thêm {text.clean(pp['family_name'] + ' ' + pp['given_name'])} (nhập danh sách)",
                         field="", old="", new="") for pid, pp in zip(ids, new_people)]
            _bulk_insert(AuditLog, logs)
        if options.remember_mapping:
            cols = {str(ci.index): ci.field for ci in preview.columns if ci.field}
            Setting.insert(key=f"import_mapping:{preview.shape}",
                           value=json.dumps({"columns": cols, "headers": {str(ci.index): ci.header
                                                                           for ci in preview.columns},
                                             "file": Path(preview.path).name, "saved": today.isoformat()},
                                            ensure_ascii=False)).on_conflict_replace().execute()
        summary = (f"Nhập danh sách từ «{Path(preview.path).name}» (trang «{preview.sheet}»): thêm {created}, "
                   f"cập nhật {updated}, không đổi {unchanged}"
                   + (f"; tạo thôn/TDP: {', '.join(villages_created)}" if villages_created else "")
                   + (f"; lập tổ: {', '.join(teams_created)}" if teams_created else ""))
        services.log_event(reg, "nhap", "registry", summary[:300])
        if progress is not None:
            progress(total, total)
    return ImportResult(created, updated, unchanged, villages_created, teams_created, summary)


def _bulk_insert(model, rows: list[dict]) -> None:
    """INSERT many rows through the open connection (inside the import's transaction).

    peewee's insert_many builds the SQL value by value, which took most of a
    7,446-row import; the values here are already clean, so they go as they are.
    """
    if not rows:
        return
    from models.schema import database

    names = list(rows[0])
    fields = [model._meta.fields[n] for n in names]
    cols = ", ".join(f'"{f.column_name}"' for f in fields)
    sql = f'INSERT INTO "{model._meta.table_name}" ({cols}) VALUES ({", ".join("?" for _ in names)})'

    def conv(v):
        if isinstance(v, (dt.date, dt.datetime)):
            return v.isoformat(sep=" ") if isinstance(v, dt.datetime) else v.isoformat()
        if isinstance(v, bool):
            return int(v)
        return v

    database.connection().executemany(sql, [tuple(conv(r[n]) for n in names) for r in rows])


def _create_commune(reg, name: str):
    from models import services
    from models.schema import Unit

    kind = "xã"
    for k in ("phường", "đặc khu", "thị trấn", "xã"):
        if text.fold(name).startswith(text.fold(k) + " "):
            kind = k
            break
    bare = services._strip_kind(name)
    parents = list(Unit.select().where(Unit.level == "huyen")) or list(Unit.select().where(Unit.level == "tinh"))
    parent = parents[0] if len(parents) == 1 else Unit.select().where(Unit.level == "tinh").first()
    order = (Unit.select(Unit.sort_order).where(Unit.parent == parent).order_by(Unit.sort_order.desc()).scalar() or 0) + 1
    u = Unit.create(level="xa", kind=kind, name=bare, parent=parent, sort_order=order)
    services._log(reg, "them", "unit", u.id, f"Thêm {kind} {bare} (nhập danh sách tổng hợp)")
    return u


def import_roster(reg, path, options: ImportOptions | None = None, **kw) -> ImportResult:
    """Preview and apply in one call (tests, scripts)."""
    return apply_roster(reg, read_roster(reg, path, options), **kw)


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
        out.append("Thành phần chưa có trong danh mục (tạm ghi «Chức danh khác»; chọn bằng --category-map \"Tên=MÃ\"):")
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
                   + (f", {r.village}" if r.village else ""))
        for e in r.errors:
            out.append(f"      Lỗi [{FIELDS.get(e.field, _CHANGE_LABELS.get(e.field, e.field)) or 'dòng'}]: {e.message}")
        for w in r.warnings:
            out.append(f"      Cảnh báo: {w.message}")
    c = pv.counts
    out.append(f"Tổng: {len(pv.rows)} dòng — thêm mới {c['new']}, cập nhật {c['update']}, không đổi {c['unchanged']}, "
               f"lỗi {c['error']}.")
    return "\n".join(out)


def _rows_text(rows: list[int]) -> str:
    s = ", ".join(str(r) for r in rows[:10])
    return s + ("…" if len(rows) > 10 else "")


# ---------------------------------------------------------------------------
# Aggregation: Phụ lục I tables from communes/districts
# ---------------------------------------------------------------------------
@dataclass(frozen=True)
class PhuLucRow:
    row: int
    stt: str
    unit: str
    teams: int | None
    villages: int | None
    members: int


@dataclass
class PhuLucTable:
    path: str
    sheet: str
    rows: list[PhuLucRow]
    stated_teams: int | None
    stated_villages: int | None
    stated_members: int | None
    errors: list[RowMessage]
    flags: list[str]  # stated totals that disagree with the rows

    @property
    def members(self) -> int:
        return sum(r.members for r in self.rows)

    @property
    def teams(self) -> int:
        return sum(r.teams or 0 for r in self.rows)

    @property
    def villages(self) -> int:
        return sum(r.villages or 0 for r in self.rows)


def _int_cell(v: Any) -> int | None:
    if v in (None, ""):
        return None
    r = validate.check_int(v, "Số")
    return r.value if r.ok else None


def read_phu_luc_1(path, *, password: str | None = None, progress: Callable[[int, int], None] | None = None,
                   cancelled: Callable[[], bool] | None = None) -> PhuLucTable:
    """A filled Phụ lục I (Stt | Đơn vị | Tổng số Tổ CNSCĐ/thôn "41/42" | Tổng số thành viên | total row).

    ``password``: for a password-protected file (decrypted in memory)."""
    book = read_table(path, password=password, progress=progress, cancelled=cancelled)
    for t in book.tables:
        found = None
        for r in range(min(len(t.cells), 40)):
            keys = {c: header_key(_cell_text(t, r, c)) for c in range(len(t.cells[r]))}
            unit_c = next((c for c, k in keys.items() if k.startswith(("don vi", "xa phuong", "thon", "huyen", "ten don vi"))
                           or k in ("xa", "phuong", "dia phuong")), None)
            team_c = next((c for c, k in keys.items() if "to cnscd" in k or k.startswith("so to") or "tong so to" in k), None)
            mem_c = next((c for c, k in keys.items() if "thanh vien" in k and c != team_c), None)
            if unit_c is not None and mem_c is not None:
                found = (r, unit_c, team_c, mem_c)
                break
        if found is None:
            continue
        r0, uc, tc, mc = found
        rows: list[PhuLucRow] = []
        errors: list[RowMessage] = []
        stated = (None, None, None)
        for r in range(r0 + 1, len(t.cells)):
            unit = _cell_text(t, r, uc)
            stt = _text_value(t.value(r, 0)) if uc != 0 else ""
            if not unit and t.value(r, mc) in (None, ""):
                continue
            if re.fullmatch(r"\(?\d+\)?", unit or "") and re.fullmatch(r"\(?\d+\)?", _text_value(t.value(r, mc)) or ""):
                continue  # column numbers
            teams = villages = None
            if tc is not None:
                tv = t.value(r, tc)
                m = re.fullmatch(r"\s*(\d+)\s*/\s*(\d+)\s*", str(tv)) if isinstance(tv, str) else None
                if m:
                    teams, villages = int(m.group(1)), int(m.group(2))
                else:
                    teams = _int_cell(tv)
            members = _int_cell(t.value(r, mc))
            if is_total_label(unit) or is_total_label(stt):
                stated = (teams, villages, members)
                break
            if is_signature_label(unit) or _PLACE_DATE.search(text.fold(unit or "")):
                break
            if members is None:
                errors.append(RowMessage(r + 1, "members", f"Dòng {r + 1} «{unit}»: số thành viên "
                                                           f"«{_text_value(t.value(r, mc))}» không phải số nguyên."))
                continue
            rows.append(PhuLucRow(r + 1, stt, unit, teams, villages, members))
        tab = PhuLucTable(str(path), t.name, rows, stated[0], stated[1], stated[2], errors, [])
        if tab.stated_members is not None and tab.stated_members != tab.members:
            tab.flags.append(f"Dòng tổng ghi {text.format_int(tab.stated_members)} thành viên nhưng cộng các dòng được "
                             f"{text.format_int(tab.members)} (chênh {text.format_int(tab.stated_members - tab.members)}).")
        if tab.stated_teams is not None and tc is not None and tab.stated_teams != tab.teams:
            tab.flags.append(f"Dòng tổng ghi {text.format_int(tab.stated_teams)} tổ nhưng cộng các dòng được "
                             f"{text.format_int(tab.teams)}.")
        if tab.stated_villages is not None and tab.stated_villages != tab.villages:
            tab.flags.append(f"Dòng tổng ghi {text.format_int(tab.stated_villages)} thôn/TDP nhưng cộng các dòng được "
                             f"{text.format_int(tab.villages)}.")
        return tab
    raise ImportRejected("Không tìm thấy bảng Phụ lục I (các cột «Đơn vị» và «Tổng số thành viên») trong tệp.", "header")


def import_phu_luc_1(reg, path, *, source: str = "", accept_flagged: bool = False,
                     password: str | None = None) -> PhuLucTable:
    """Store a commune's/district's Phụ lục I in the registry (Setting ``aggregate:phu_luc_1:<slug>``).

    A table whose stated total disagrees with its rows is refused unless
    ``accept_flagged`` (then the flag is kept with it and shown in reports).
    """
    from models import services
    from models.schema import Setting

    tab = read_phu_luc_1(path, password=password)
    if tab.errors:
        raise ImportRejected([FieldError(e.field, e.message) for e in tab.errors])
    if not tab.rows:
        raise ImportRejected("Bảng Phụ lục I không có dòng số liệu nào.")
    if tab.flags and not accept_flagged:
        raise ImportRejected([FieldError("total", f) for f in tab.flags]
                             + [FieldError("", "Bảng có số tổng không khớp các dòng nên chưa nhập. Hãy hỏi lại đơn vị gửi, "
                                               "hoặc nhập kèm cảnh báo (--accept-flagged): báo cáo dùng số cộng từ các dòng.")])
    name = text.clean(source) or Path(path).stem
    slug = text.ascii_slug(name)[:40] or "bang"
    payload = dict(source=name, file=Path(path).name, sheet=tab.sheet, imported=dt.date.today().isoformat(),
                   rows=[[r.stt, r.unit, r.teams, r.villages, r.members] for r in tab.rows],
                   stated=[tab.stated_teams, tab.stated_villages, tab.stated_members], flags=tab.flags)
    with reg.write():
        Setting.insert(key=f"aggregate:phu_luc_1:{slug}"[:64],
                       value=json.dumps(payload, ensure_ascii=False)).on_conflict_replace().execute()
        services.log_event(reg, "nhap", "registry",
                           f"Nhập Phụ lục I của {name}: {len(tab.rows)} đơn vị, {text.format_int(tab.members)} thành viên"
                           + (f" — CẢNH BÁO: {tab.flags[0]}" if tab.flags else ""))
    return tab


def imported_tables(reg) -> list[dict]:
    from models.schema import Setting

    with reg.read():
        return [json.loads(r.value) for r in
                Setting.select().where(Setting.key.startswith("aggregate:phu_luc_1:")).order_by(Setting.key)]


def aggregate_report(reg, *, day: dt.date | None = None):
    """Phụ lục I rolled up from the imported tables (one row per source unit row), totals from the rows."""
    from .report import Column, Report, letterhead, unit_name

    rows = []
    flags = []
    t_teams = t_vill = t_mem = 0
    for tab in imported_tables(reg):
        for stt, unit, teams, villages, members in tab["rows"]:
            rows.append([len(rows) + 1, f"{unit} ({tab['source']})" if len(imported_tables(reg)) > 1 else unit,
                         f"{teams or 0}/{villages or 0}" if villages is not None else (teams or ""), members])
            t_teams += teams or 0
            t_vill += villages or 0
            t_mem += members
        for f in tab.get("flags", []):
            flags.append(f"{tab['source']}: {f}")
    notes = ["Dòng tổng cộng tính từ các dòng trên."] + [f"Bảng nguồn có sai lệch — {f}" for f in flags]
    return Report(key="phu-luc-1", title="TỔNG HỢP SỐ LIỆU TỔ CÔNG NGHỆ SỐ CỘNG ĐỒNG",
                  subtitle=f"{unit_name(reg).upper()} (TỔNG HỢP TỪ BÁO CÁO CÁC ĐƠN VỊ)",
                  columns=[Column("Stt", "int", 6), Column("Đơn vị", "text", 34),
                           Column("Tổng số Tổ CNSCĐ/thôn", "text", 16), Column("Tổng số thành viên Tổ CNSCĐ", "int", 18)],
                  rows=rows, total=["", "Tổng", f"{t_teams}/{t_vill}", t_mem], notes=notes, sheet_name="Phụ lục I",
                  letterhead=letterhead(reg, day), meta={"teams": t_teams, "villages": t_vill, "members": t_mem,
                                                          "flags": flags})
