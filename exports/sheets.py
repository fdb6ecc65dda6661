"""Reading spreadsheet files into tables: XLSX (openpyxl), XLS (xlrd), ODS (odfpy), CSV.

    book = read_table("danh-sach.xlsx")          # every sheet: cell values, font names, merged ranges

The format comes from the file's first bytes, not its name. CSV is read as
UTF-8, UTF-8 with BOM, UTF-16, Windows-1258 (its combining tone marks become
NFC) or 8-bit TCVN3/VNI text; separators ``,`` ``;`` tab and ``|`` are detected.
A password-protected Office file (this program's protected hand-offs, Excel's
"Encrypt with password") is recognised and, given its password, decrypted in
memory (msoffcrypto-tool) — never into a plaintext temporary file.

The import errors live here too (they carry the import's exit codes).
openpyxl, xlrd and odfpy are imported inside the functions that need them.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import os
import re
import zipfile
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from models import text
from models.errors import InputError

from . import legacy_text as lt

__all__ = [
    "MAX_ROWS", "MAX_COLS", "MAX_CELL", "MAX_BYTES", "ImportFailed", "ImportRejected", "FilePasswordRequired",
    "FilePasswordWrong", "ImportCancelled", "Table", "Book", "read_table", "check_file_password",
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


def _read_xlsx(data: bytes, watch: _Watch | None = None) -> list[Table]:
    import warnings

    from openpyxl import load_workbook

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        wb = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    tables = []
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as z:
            for ws in wb.worksheets:
                if not hasattr(ws, "iter_rows"):  # a chart sheet
                    continue
                cells, fonts = _grid(_xlsx_cells(ws, watch))
                tables.append(Table(ws.title, cells, fonts, _xlsx_merges(z, ws)))
    finally:
        wb.close()
    return tables


def _xlsx_cells(ws, watch: _Watch | None) -> dict[int, dict[int, tuple[Any, str | None]]]:
    """A read-only sheet's non-empty cells: {row: {column: (value, font name of a text cell)}} (1-based)."""
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
    return by_row


def _xlsx_merges(z: zipfile.ZipFile, ws) -> list[tuple[int, int, int, int]]:
    """Merged ranges from the sheet's XML (the read-only reader does not give them)."""
    from openpyxl.utils.cell import range_boundaries

    try:
        xml = z.read(ws._worksheet_path).decode("utf-8", errors="replace")
    except (KeyError, AttributeError):
        xml = ""
    merges = []
    for ref in re.findall(r"<(?:\w+:)?mergeCell\s+ref=\"([A-Z]+\d+:[A-Z]+\d+)\"", xml):
        c1, r1, c2, r2 = range_boundaries(ref)
        if r1 <= MAX_ROWS and c1 <= MAX_COLS:
            merges.append((r1 - 1, c1 - 1, r2 - 1, c2 - 1))
    return merges


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


def _read_xls(data: bytes, watch: _Watch | None = None) -> list[Table]:
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


def _read_ods(data: bytes, watch: _Watch | None = None) -> list[Table]:
    from odf.namespaces import TABLENS
    from odf.opendocument import load
    from odf.table import Table as OTable, TableRow

    doc = load(io.BytesIO(data))
    tables = []
    for t in doc.spreadsheet.getElementsByType(OTable):
        name = t.getAttrNS(TABLENS, "name") or "Sheet"
        cells: list[list[Any]] = []
        merges: list[tuple[int, int, int, int]] = []
        r = 0
        for row in t.getElementsByType(TableRow):
            if watch is not None:
                watch.row()
            rrep = int(row.getAttrNS(TABLENS, "number-rows-repeated") or 1)
            vals = _ods_row(row, r, merges)
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


def _ods_row(row, r: int, merges: list[tuple[int, int, int, int]]) -> list[Any]:
    """One ODS table row's values (repeated cells written out); its spans go into ``merges``."""
    from odf.namespaces import TABLENS

    vals: list[Any] = []
    c = 0
    for cell in row.childNodes:
        if cell.qname[1] not in ("table-cell", "covered-table-cell"):
            continue
        crep = int(cell.getAttrNS(TABLENS, "number-columns-repeated") or 1)
        vtype, v = _ods_value(cell)
        if v is None:
            c += crep
            continue
        spanned = vtype is not None or v
        span_c = int(cell.getAttrNS(TABLENS, "number-columns-spanned") or 1) if spanned else 1
        span_r = int(cell.getAttrNS(TABLENS, "number-rows-spanned") or 1) if spanned else 1
        for _ in range(min(crep, MAX_COLS)):
            if c >= MAX_COLS:
                break
            while len(vals) < c:
                vals.append(None)
            vals.append(_clip(v))
            if span_c > 1 or span_r > 1:
                merges.append((r, c, r + span_r - 1, c + span_c - 1))
            c += 1
    return vals


def _ods_value(cell) -> tuple[str | None, Any]:
    """(value type, value) of an ODS cell: numbers, dates and booleans typed, text as its paragraphs."""
    from odf import teletype
    from odf.namespaces import OFFICENS
    from odf.text import P

    vtype = cell.getAttrNS(OFFICENS, "value-type") if cell.qname[1] == "table-cell" else None
    if vtype in ("float", "percentage", "currency"):
        raw = cell.getAttrNS(OFFICENS, "value")
        try:
            return vtype, float(raw)
        except (TypeError, ValueError):
            return vtype, raw
    if vtype == "date":
        raw = cell.getAttrNS(OFFICENS, "date-value") or ""
        try:
            return vtype, dt.datetime.fromisoformat(raw)
        except ValueError:
            return vtype, raw
    if vtype == "boolean":
        return vtype, (cell.getAttrNS(OFFICENS, "boolean-value") or "") == "true"
    s = "\n".join(teletype.extractText(p) for p in cell.getElementsByType(P))
    return vtype, (s if s.strip() else None)


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


def _read_csv(data: bytes, name: str, watch: _Watch | None = None) -> tuple[list[Table], str, str]:
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

