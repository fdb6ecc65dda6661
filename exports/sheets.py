"""Reading spreadsheet files into tables: XLSX, XLS (xlrd), ODS, CSV — including files from strangers.

    book = read_table("danh-sach.xlsx")          # every sheet: cell values, font names, merged ranges

The format comes from the file's first bytes, not its name. CSV is read as
UTF-8, UTF-8 with BOM, UTF-16, Windows-1258 (its combining tone marks become
NFC) or 8-bit TCVN3/VNI text, line by line where UTF-8 and 8-bit lines are
mixed; separators ``,`` ``;`` tab and ``|`` are detected.
A password-protected Office file (this program's protected hand-offs, Excel's
"Encrypt with password") is recognised and, given its password, decrypted in
memory (msoffcrypto-tool) — never into a plaintext temporary file.

A hostile file is refused fast, in bounded memory, with a Vietnamese message that says
what to do: zip packages are checked before anything is decompressed
(:mod:`exports.safe_zip`), their XML is streamed without DTDs (:mod:`exports.xml_guard`),
XLSX and ODS are read by :mod:`exports.xlsx_reader` and :mod:`exports.ods_reader` (declared
dimensions ignored, repeats and spans capped), and the limits of
:mod:`exports.sheet_limits` stop the reading with a message naming what was not read.
Control characters (NUL, ESC, BEL…; tab and line breaks stay) are taken out of every cell —
in XLSX, where XML cannot hold them, Excel writes them ``_x0007_``: those are read back and
taken out too — and each row concerned is named in ``Book.notes`` (and listed in
``Book.cleaned``: the roster preview names them to the clerk). A library's own error text never
reaches the clerk (its type name may end the message, for support).

A workbook handed whole to openpyxl (a district's template, a team's tally sheet) is checked by
:func:`check_package` / :func:`package_refusal` first (:mod:`exports.workbook_guard`).

The import errors live here too (they carry the import's exit codes).
openpyxl and xlrd are imported inside the functions that need them.
"""

from __future__ import annotations

import contextlib
import csv
import errno
import gc
import io
import os
import re
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from models import text
from models.errors import InputError

from . import legacy_text as lt
from .safe_zip import MAX_RATIO, SafeZip, ZipRefused
from .sheet_limits import (MAX_CELL, MAX_CELLS, MAX_COLS, MAX_ROWS, MAX_TEXT, SAVE_AGAIN, Budget, Grid, SheetRefused,
                           clip, col_letter, too_many_cols, too_many_rows)
from .workbook_guard import MAX_TOTAL as WHOLE_TOTAL, check_workbook
from .xml_guard import GAP_BYTES, GAP_ELEMENTS, MAX_DEPTH, MAX_ELEMENTS, MAX_UNITS, XmlRefused

__all__ = [
    "MAX_ROWS", "MAX_COLS", "MAX_CELL", "MAX_CELLS", "MAX_TEXT", "MAX_BYTES", "MAX_TEXT_BYTES", "ImportFailed", "ImportRejected", "FilePasswordRequired",
    "FilePasswordWrong", "ImportCancelled", "Table", "Book", "read_table", "check_file_password", "check_package",
    "package_refusal", "read_error",
]

MAX_BYTES = 100 * 1024 * 1024  # a spreadsheet file (MAX_ROWS, MAX_COLS, MAX_CELL, MAX_CELLS: exports.sheet_limits)
MAX_TEXT_BYTES = 50 * 1024 * 1024  # a CSV file (it is decoded whole)


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
    notes: list[str] = field(default_factory=list)  # what was changed while reading (control characters taken out)
    cleaned: list[tuple[str, int, tuple[str, ...]]] = field(default_factory=list)  # (sheet, row 1-based, columns)


_KIND_LABEL = {"xlsx": "Excel (.xlsx)", "xls": "Excel 97-2003 (.xls)", "ods": "LibreOffice (.ods)", "csv": "CSV"}
_OPEN_WITH = {"xlsx": SAVE_AGAIN, "xls": SAVE_AGAIN, "csv": SAVE_AGAIN,
              "ods": "Hãy mở tệp bằng LibreOffice (hoặc Excel), lưu lại rồi nhập lại."}
_CHOOSE = "Hãy chọn đúng tệp danh sách (.xlsx, .xls, .ods hoặc .csv)."
_SAVE_AS_XLSX = "Hãy mở tệp bằng Excel hoặc LibreOffice, «Lưu thành» dạng Excel .xlsx rồi chọn lại tệp."
_MAGIC = ((b"%PDF", "tài liệu PDF"), (b"\x89PNG", "ảnh PNG"), (b"\xff\xd8\xff", "ảnh JPEG"), (b"GIF8", "ảnh GIF"),
          (b"\x1f\x8b", "tệp nén gzip"), (b"7z\xbc\xaf\x27\x1c", "tệp nén 7-Zip"), (b"Rar!\x1a\x07", "tệp nén RAR"),
          (b"{\\rtf", "văn bản RTF"), (b"\x7fELF", "chương trình máy tính"))


def _unreadable(path, why: str) -> ImportFailed:
    return ImportFailed(f"Không đọc được tệp «{Path(path).name}»: {why}")


def _sniff(data: bytes) -> tuple[str, SafeZip | None]:
    """(kind, the zip package if it is one): xlsx | xlsb | ods | zip | xls | html | xml | csv | a _MAGIC label."""
    if data[:4] in (b"PK\x03\x04", b"PK\x05\x06"):
        z = SafeZip(data)  # ZipRefused: damaged, or a bomb — before anything is decompressed
        names = z.names()
        if "mimetype" in z and b"opendocument.spreadsheet" in z.read("mimetype", 200):
            return "ods", z
        if "xl/workbook.bin" in z:
            return "xlsb", z
        if "xl/workbook.xml" in z or any(n.startswith("xl/") for n in names):
            return "xlsx", z
        if "content.xml" in z:
            return "ods", z
        return "zip", z
    if data[:8] == b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1":
        return "xls", None
    for magic, label in _MAGIC:
        if data.startswith(magic):
            return label, None
    head = data[:2048].lstrip(b"\xef\xbb\xbf \t\r\n").lower()
    if head.startswith((b"<html", b"<!doctype html", b"<table", b"<meta")):
        return "html", None
    if head.startswith(b"<?xml"):
        return "xml", None
    return "csv", None


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
                             "khẩu. Hãy nhờ người gửi gửi lại tệp không đặt mật khẩu, hoặc cài lại chương trình.") from None
    damaged = ("tệp có mật khẩu bị hỏng, không giải mã được. Hãy xin người gửi gửi lại tệp, hoặc mở tệp bằng Excel "
               "(nhập mật khẩu), lưu lại rồi nhập lại.")
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
        raise _unreadable(p, damaged) from None
    except Exception:
        raise _unreadable(p, damaged) from None
    plain = out.getvalue()
    if not plain:
        raise FilePasswordWrong(p)
    return plain


def _file_bytes(p: Path) -> bytes:
    try:
        size = p.stat().st_size
        if size > MAX_BYTES:
            raise _unreadable(p, f"tệp quá lớn ({text.format_int(size)} byte; tối đa "
                                 f"{text.format_int(MAX_BYTES // 1024 // 1024)} MB). Hãy chia danh sách thành "
                                 "nhiều tệp nhỏ hơn rồi nhập từng tệp.")
        return p.read_bytes()
    except ImportFailed:
        raise
    except FileNotFoundError:
        raise _unreadable(p, "không tìm thấy tệp. Hãy kiểm tra lại tên và thư mục của tệp.") from None
    except IsADirectoryError:
        raise _unreadable(p, "đây là một thư mục, không phải tệp. Hãy chọn một tệp bảng tính trong thư mục.") from None
    except MemoryError:
        raise _unreadable(p, _TOO_BIG_FOR_MEMORY) from None
    except OSError as exc:
        raise _unreadable(p, _os_error(exc)) from None


def _os_error(exc: OSError) -> str:
    if exc.errno in (errno.EACCES, errno.EPERM):
        return "máy không cho phép đọc tệp này (không có quyền). Hãy chép tệp vào thư mục của mình rồi nhập lại."
    if exc.errno == errno.EIO:
        return ("lỗi đọc đĩa (USB hoặc ổ đĩa có thể bị hỏng, hoặc vừa bị rút ra). Hãy cắm lại, chép tệp vào máy "
                "rồi nhập lại.")
    return (f"lỗi khi đọc tệp (mã lỗi {exc.errno or '?'}). Hãy chép tệp vào máy (ví dụ thư mục Tài liệu) rồi "
            "nhập lại.")


_TOO_BIG_FOR_MEMORY = ("tệp quá lớn để đọc với bộ nhớ còn trống của máy. Hãy đóng bớt chương trình khác, hoặc chia "
                       "danh sách thành nhiều tệp nhỏ hơn, rồi nhập lại.")


def check_file_password(path: str | os.PathLike, password: str) -> None:
    """Raise :class:`FilePasswordWrong` unless ``password`` opens the protected file (decrypted in memory)."""
    p = Path(path)
    data = _file_bytes(p)
    if data[:8] == b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" and _office_encrypted(data):
        _decrypt(p, data, password or "")


def check_package(path: str | os.PathLike, data: bytes, *, max_total: int = WHOLE_TOTAL) -> None:
    """Refuse, with the clerk's message (:class:`ImportFailed`), an XLSX package that must not be handed whole
    to openpyxl (a template, a tally sheet): damaged, a decompression bomb, larger than ``max_total`` bytes once
    decompressed, an XML entity bomb, a sheet reaching too far (cells or merged ranges, whatever its declared
    dimension says), an ODS (:mod:`exports.workbook_guard`). Streamed: nothing is kept."""
    why = package_refusal(data, max_total=max_total)
    if why:
        raise _unreadable(path, why)


def package_refusal(data: bytes, *, max_total: int = WHOLE_TOTAL) -> str | None:
    """Why :func:`check_package` refuses ``data`` (the clerk's sentences, in Vietnamese), or None."""
    if not data.startswith(b"PK"):
        return f"không phải tệp Excel (.xlsx). {_SAVE_AS_XLSX}"
    try:
        check_workbook(data, max_total=max_total)
    except (SheetRefused, ZipRefused, XmlRefused) as exc:
        return _refusal(exc, "xlsx")
    except MemoryError:
        return _TOO_BIG_FOR_MEMORY
    except RecursionError:
        return _refusal(XmlRefused("deep"), "xlsx")
    return None


def read_error(exc: OSError) -> str:
    """Why a file could not be read, in the clerk's words (never the system's English)."""
    if isinstance(exc, FileNotFoundError):
        return "không tìm thấy tệp. Hãy kiểm tra lại tên và thư mục của tệp."
    if isinstance(exc, IsADirectoryError):
        return "đây là một thư mục, không phải tệp. Hãy chọn một tệp trong thư mục."
    return _os_error(exc)


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
        raise _unreadable(p, f"tệp rỗng (không có gì bên trong). {_CHOOSE}")
    watch = _Watch(progress, cancelled)
    kind = "zip" if data[:2] == b"PK" else "csv"
    try:
        kind, z = _sniff(data)
        if kind == "xls" and _office_encrypted(data):
            if password is None:
                raise FilePasswordRequired(p)
            data = _decrypt(p, data, password)
            kind, z = _sniff(data)
        with _gc_paused():
            book = _read(p, data, kind, z, watch)
    except InputError:
        raise
    except (SheetRefused, ZipRefused, XmlRefused) as exc:
        raise _unreadable(p, _refusal(exc, kind)) from exc
    except MemoryError:
        raise _unreadable(p, _TOO_BIG_FOR_MEMORY) from None
    except RecursionError as exc:
        raise _unreadable(p, f"{_refusal(XmlRefused('deep'), kind)} ({type(exc).__name__})") from None
    except Exception as exc:  # any library error on a damaged file: never its English text
        raise _unreadable(p, f"tệp {_KIND_LABEL.get(kind, 'bảng tính')} bị hỏng, chương trình không đọc được. "
                             f"{_OPEN_WITH.get(kind, SAVE_AGAIN)} ({type(exc).__name__})") from exc
    if not book.tables or all(not any(any(v not in (None, "") for v in row) for row in t.cells) for t in book.tables):
        raise _unreadable(p, "bảng tính không có dữ liệu. Hãy kiểm tra đã chọn đúng tệp, và danh sách nằm ở "
                             "một trang của tệp.")
    watch.done()
    return book


@contextlib.contextmanager
def _gc_paused():
    """No cyclic garbage collection while a file is read: the parsers make millions of short-lived
    objects (and no cycles) next to the cells kept, and collecting over and over would double the time."""
    was = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was:
            gc.enable()


def _read(p: Path, data: bytes, kind: str, z: SafeZip | None, watch: _Watch) -> Book:
    budget = Budget()
    if kind in ("xlsx", "ods"):
        if kind == "xlsx":
            from .xlsx_reader import read_xlsx as reader
        else:
            from .ods_reader import read_ods as reader
        sheets = reader(z, budget, watch.row)
        tables = [Table(name, grid.cells, grid.fonts if grid.has_fonts else None, merges)
                  for name, grid, merges in sheets]
        book = Book(str(p), kind, tables)
        if kind == "xlsx" and budget.escapes and _excel_escapes(tables):  # XML holds none, but Excel writes BEL as «_x0007_»
            book.notes, book.cleaned = _clean_controls(tables)
        return book
    # control characters: only CSV and XLS can hold them as they are
    if kind == "xls":
        tables = _read_xls(data, budget, watch)
        notes, cleaned = _clean_controls(tables)
        return Book(str(p), "xls", tables, notes=notes, cleaned=cleaned)
    if kind == "csv":
        tables, enc, delim, dirty = _read_csv(data, p.stem, budget, watch)
        notes, cleaned = _clean_controls(tables) if dirty else ([], [])
        return Book(str(p), "csv", tables, enc, delim, notes, cleaned)
    raise SheetRefused(_WRONG_KIND.get(kind) or f"tệp là {kind}, không phải bảng tính. {_CHOOSE}")


_WRONG_KIND = {
    "html": "tệp thực chất là trang web (HTML) dù mang đuôi bảng tính. Hãy mở bằng Excel rồi «Lưu thành» dạng .xlsx "
            "và nhập lại.",
    "xml": "tệp là một tệp XML (ví dụ bảng tính «XML Spreadsheet 2003» hay LibreOffice dạng phẳng), chương trình chỉ "
           "đọc .xlsx, .xls, .ods và .csv. Hãy mở bằng Excel hoặc LibreOffice rồi «Lưu thành» dạng .xlsx và nhập lại.",
    "xlsb": "tệp là bảng tính Excel dạng nhị phân (.xlsb), chương trình chưa đọc được dạng này. Hãy mở bằng Excel rồi "
            "«Lưu thành» dạng .xlsx và nhập lại.",
    "zip": "tệp nén không phải bảng tính Excel (.xlsx) hay LibreOffice (.ods). Hãy giải nén tệp ra rồi chọn tệp bảng "
           "tính bên trong, hoặc chọn đúng tệp danh sách.",
}


def _refusal(exc: Exception, kind: str) -> str:
    """The clerk's sentences for a refusal from the readers' guards."""
    if isinstance(exc, SheetRefused):
        return exc.why
    suspicious = ("— tệp bất thường, có thể là tệp độc hại; tệp chưa được mở. Hãy mở tệp bằng Excel hoặc "
                  "LibreOffice, xóa các dòng, cột thừa, lưu lại rồi nhập lại; nếu không rõ tệp từ đâu đến thì đừng mở.")
    if isinstance(exc, ZipRefused):
        if exc.kind == "bomb":
            if exc.cause == "members":
                return f"tệp nén có {text.format_int(exc.size)} phần, quá nhiều đối với một bảng tính {suspicious}"
            if exc.cause == "ratio":
                return (f"phần «{exc.member}» của tệp nén phình ra hơn {MAX_RATIO} lần khi giải nén "
                        f"({text.format_int(exc.size // 1024 // 1024)} MB) {suspicious}")
            return (f"khi giải nén, tệp lớn hơn {text.format_int(exc.size // 1024 // 1024)} MB (phần «{exc.member}») "
                    f"{suspicious}")
        if exc.kind == "unsupported":
            return ("tệp nén dùng cách nén hoặc mật khẩu nén mà chương trình không đọc được. Hãy mở tệp bằng Excel "
                    "hoặc LibreOffice, lưu lại dưới dạng .xlsx (không đặt mật khẩu nén) rồi nhập lại.")
        return ("tệp nén bị hỏng (có thể tệp chép chưa hết, hoặc hỏng khi gửi qua mạng). Hãy mở tệp bằng Excel hoặc "
                "LibreOffice, lưu lại dưới dạng .xlsx rồi nhập lại, hoặc xin người gửi gửi lại tệp."
                + (f" ({exc.cause})" if exc.cause else ""))
    what = _KIND_LABEL.get(kind, "bảng tính")
    if exc.kind == "dtd":
        return ("bên trong tệp có khai báo kiểu tài liệu XML (DOCTYPE) mà Excel, LibreOffice không bao giờ tạo ra "
                f"{suspicious}")
    if exc.kind == "gap":
        return (f"bên trong tệp có một dòng hoặc một ô quá lớn (hơn {GAP_BYTES // 1024 // 1024} MB, hoặc hơn "
                f"{text.format_int(GAP_ELEMENTS)} phần tử liền nhau), Excel và LibreOffice không tạo ra như vậy "
                f"{suspicious}")
    if exc.kind == "deep":
        return f"bên trong tệp có cấu trúc lồng nhau quá sâu (hơn {MAX_DEPTH} tầng) {suspicious}"
    if exc.kind == "work":
        return ("bên trong tệp có quá nhiều phần tử (hơn "
                f"{text.format_int(MAX_ELEMENTS // 1_000_000)} triệu, hoặc hơn {text.format_int(MAX_UNITS)} dòng, "
                f"định dạng…; kể cả dòng trống) {suspicious}")
    return (f"tệp {what} bị hỏng: nội dung bên trong không đúng cấu trúc. {_OPEN_WITH.get(kind, SAVE_AGAIN)}"
            + (f" ({exc.cause})" if exc.cause else ""))


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


# ---------------------------------------------------------------------------
# Control characters
# ---------------------------------------------------------------------------
_CONTROL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ufffe\uffff\ud800-\udfff]")
MAX_NOTES = 100


_ESCAPED_CONTROL = re.compile("_x005[Ff]_|(?<!_)_x(00[01][0-9A-Fa-f]|007[Ff])_")  # «_x005F_»: an escaped «_»


def _excel_escapes(tables: list[Table]) -> bool:
    """Excel keeps a control character of a cell as ``_xHHHH_`` (XML cannot hold it): turned back into the
    character (to be taken out and named like any other). Whether any was found."""
    found = False
    for t in tables:
        for row in t.cells:
            for c, v in enumerate(row):
                if isinstance(v, str) and "_x" in v and _ESCAPED_CONTROL.search(v):
                    new = _ESCAPED_CONTROL.sub(_unescape, v)
                    if new != v:
                        row[c], found = new, True
    return found


def _unescape(m: re.Match) -> str:
    return m.group(0) if m.group(1) is None else chr(int(m.group(1), 16))


def _clean_controls(tables: list[Table]) -> tuple[list[str], list[tuple[str, int, tuple[str, ...]]]]:
    """Take control characters out of every text cell (tab and line breaks — LF, CR — stay: they are what
    every format and export can hold). (One note per row concerned — its row and columns —, at most
    :data:`MAX_NOTES` and a count of the rest; every row concerned: (sheet, row, columns))."""
    notes: list[str] = []
    cleaned: list[tuple[str, int, tuple[str, ...]]] = []
    more = 0
    for t in tables:
        where = f"Trang «{t.name}», dòng" if len(tables) > 1 else "Dòng"
        for r, row in enumerate(t.cells):
            cols = []
            for c, v in enumerate(row):
                if isinstance(v, str) and _CONTROL.search(v):
                    row[c] = _CONTROL.sub("", v)
                    cols.append(col_letter(c))
            if not cols:
                continue
            cleaned.append((t.name, r + 1, tuple(cols)))
            if len(notes) < MAX_NOTES:
                notes.append(f"{where} {text.format_int(r + 1)}: đã bỏ ký tự điều khiển (không in được) ở cột "
                             f"{', '.join(cols)}.")
            else:
                more += 1
    if more:
        notes.append(f"… và {text.format_int(more)} dòng khác cũng có ký tự điều khiển (đã bỏ).")
    return notes, cleaned


# ---------------------------------------------------------------------------
# XLS (xlrd)
# ---------------------------------------------------------------------------
_XLS_FILLED = re.compile(rb"[\x01-\x05]")  # xlrd cell types: text, number, date, boolean, error (not empty, blank)


def _read_xls(data: bytes, budget: Budget, watch: _Watch | None = None) -> list[Table]:
    import xlrd

    log = io.StringIO()  # xlrd's warnings: never on the clerk's screen
    try:
        book = xlrd.open_workbook(file_contents=data, formatting_info=True, on_demand=False, ragged_rows=True,
                                  logfile=log)
        with_fmt = True
    except (NotImplementedError, AssertionError, KeyError, IndexError):
        book = xlrd.open_workbook(file_contents=data, on_demand=False, ragged_rows=True, logfile=log)
        with_fmt = False
    tables = []
    for sh in book.sheets():
        grid = Grid(sh.name, budget)
        for r in range(sh.nrows):
            if watch is not None:
                watch.row(sh.nrows)
            types = bytes(sh.row_types(r))  # the cells that hold something, found at C speed (blanks are common)
            for m in _XLS_FILLED.finditer(types):
                c = m.start()
                v, f = _xls_cell(book, sh, r, c, with_fmt)
                if v is None or (isinstance(v, str) and not v.strip()):
                    continue
                grid.put(r, c, v, f)
        merges = [(r1, c1, r2 - 1, c2 - 1) for r1, r2, c1, c2 in getattr(sh, "merged_cells", [])]
        tables.append(Table(sh.name, grid.cells, grid.fonts if with_fmt else None, grid.merges_within(merges)))
    return tables


def _xls_cell(book, sh, r: int, c: int, with_fmt: bool) -> tuple[Any, str | None]:
    import xlrd

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
    return v, f


# ---------------------------------------------------------------------------
# CSV
# ---------------------------------------------------------------------------
def _eight_bit(data: bytes) -> tuple[str, str]:
    """8-bit text: Windows-1258 (Unicode letters + combining tones, made NFC) or legacy TCVN3/VNI bytes."""
    as1258 = data.decode("cp1258", errors="replace")
    as1252 = data.decode("latin-1")
    words = re.findall(r"\S+", as1252)[:3000]
    s_legacy = max(lt.score(words, lt.TCVN3), lt.score(words, lt.VNI))
    nfc = unicodedata.normalize("NFC", as1258)
    s_1258 = lt.score(re.findall(r"\S+", nfc)[:3000], lt.UNICODE)
    if s_legacy > s_1258 + 0.1:
        return as1252, "8-bit (TCVN3/VNI)"
    return nfc, "Windows-1258"


def _utf16_without_bom(data: bytes) -> str | None:
    """``utf-16-le``/``utf-16-be`` when every other byte of the start is NUL (Unicode text saved without a BOM)."""
    head = data[:4096]
    if len(head) < 8:
        return None
    even, odd = head[0::2], head[1::2]
    if odd.count(0) > 0.9 * len(odd) and even.count(0) < 0.1 * len(even):
        return "utf-16-le"
    if even.count(0) > 0.9 * len(even) and odd.count(0) < 0.1 * len(odd):
        return "utf-16-be"
    return None


def _decode_csv(data: bytes) -> tuple[str, str]:
    if data.startswith(b"\xef\xbb\xbf"):
        return data[3:].decode("utf-8", errors="replace"), "UTF-8 (BOM)"
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return data.decode("utf-16", errors="replace"), "UTF-16"
    u16 = _utf16_without_bom(data)
    if u16:
        return data.decode(u16, errors="replace"), "UTF-16"
    try:
        return data.decode("utf-8"), "UTF-8"
    except UnicodeDecodeError:
        pass
    lines = data.split(b"\n")
    bad = []
    utf8_lines = 0
    for i, ln in enumerate(lines):
        try:
            if ln.decode("utf-8") != ln.decode("latin-1"):
                utf8_lines += 1
        except UnicodeDecodeError:
            bad.append(i)
    if utf8_lines < len(bad):  # an 8-bit file (perhaps with a UTF-8 line or two by chance)
        return _eight_bit(data)
    # mostly UTF-8, some lines in an 8-bit encoding (a file put together from several): line by line
    decoded, enc = _eight_bit(b"\n".join(lines[i] for i in bad))
    for i, s in zip(bad, decoded.split("\n"), strict=False):
        lines[i] = s.encode("utf-8", errors="replace")
    return b"\n".join(lines).decode("utf-8", errors="replace"), f"UTF-8 (có dòng {enc})"


def _binary(textdata: str, strict: bool) -> bool:
    """Mostly control characters or undecodable bytes: not a text file at all."""
    sample = textdata[:200_000]
    if not sample:
        return False
    junk = len(_CONTROL.findall(sample)) + sample.count("\ufffd")
    return junk > (0.05 if strict else 0.2) * len(sample)


def _delimiter(textdata: str) -> str:
    lines = [ln for ln in textdata[:1_000_000].splitlines() if ln.strip()][:50]
    best, best_score = ",", -1.0
    for d in (",", ";", "\t", "|"):
        try:
            counts = [len(r) for r in csv.reader(lines, delimiter=d)]
        except csv.Error:  # a field longer than the limit: the reading below says where
            continue
        multi = [n for n in counts if n > 1]
        if not multi:
            continue
        common = max(set(multi), key=multi.count)
        sc = multi.count(common) + common / 100
        if sc > best_score:
            best, best_score = d, sc
    return best


_LINE = re.compile(r"[^\r\n]*(?:\r\n|\r|\n)|[^\r\n]+$")  # a line with its ending (a StringIO(newline="") line)


def _read_csv(data: bytes, name: str, budget: Budget, watch: _Watch | None = None
              ) -> tuple[list[Table], str, str, bool]:
    """(the table, its encoding, its separator, whether it holds control characters)."""
    if len(data) > MAX_TEXT_BYTES:
        raise SheetRefused(f"tệp CSV quá lớn ({text.format_int(len(data) // 1024 // 1024)} MB; tối đa "
                           f"{text.format_int(MAX_TEXT_BYTES // 1024 // 1024)} MB). Hãy chia danh sách thành nhiều "
                           "tệp nhỏ hơn rồi nhập từng tệp.")
    textdata, enc = _decode_csv(data)
    if _binary(textdata, strict=not enc.startswith(("UTF-8", "UTF-16"))):
        raise SheetRefused(f"tệp không phải bảng tính hay văn bản CSV (có vẻ là dữ liệu nhị phân). {_CHOOSE}")
    limit = max(MAX_CELL * 100, 131072)
    csv.field_size_limit(limit)
    best = _delimiter(textdata)
    rows = []
    hint = textdata.count("\n") + 1
    reader = csv.reader((m.group() for m in _LINE.finditer(textdata)), delimiter=best)
    share = budget.share
    i = 0
    while True:
        try:
            r = next(reader)
        except StopIteration:
            break
        except csv.Error:
            raise SheetRefused(
                f"dòng {text.format_int(reader.line_num)} có một ô dài hơn {text.format_int(limit)} ký tự (có thể "
                "thiếu dấu ngoặc kép đóng). Hãy mở tệp bằng Excel hoặc LibreOffice, kiểm tra dòng đó, lưu lại rồi "
                "nhập lại.") from None
        if watch is not None:
            watch.row(hint)
        if i >= MAX_ROWS:
            raise too_many_rows(None, i)
        if len(r) > MAX_COLS:
            extra = next((c for c in range(MAX_COLS, len(r)) if r[c].strip()), None)
            if extra is not None:
                raise too_many_cols(None, i, extra)
            r = r[:MAX_COLS]
        row = [share(clip(v)) if v.strip() else None for v in r]
        budget.count(row, None)
        rows.append(row)
        i += 1
    label = {",": "dấu phẩy", ";": "dấu chấm phẩy", "\t": "dấu tab", "|": "dấu |"}[best]
    return [Table(name, rows, None, [])], enc, label, _CONTROL.search(textdata) is not None
