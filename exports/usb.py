"""Careful output: find removable drives, copy or write a report onto one (or any
folder) safely, password-protect an XLSX, and build XLSX files in memory.

:func:`safe_copy` writes under a temporary name (``.ten-tep.xlsx.dang-ghi``),
flushes and ``fsync``s, drops the file's pages from the page cache
(``posix_fadvise(DONTNEED)`` where there is one, so the check reads the stick),
reads the copy back and compares its SHA-256 with the source, and only then
renames it to its real name. If the stick is pulled or
full, the temporary file is removed (when the stick is still there) and
:class:`UsbError` says what happened in Vietnamese; a file with the final name
is therefore always complete. :func:`atomic_write` does the same for a file
written to any folder (``cnscd export --out``): hidden name, fsync, rename, and
:class:`~models.errors.SaveFailed` naming the folder when it cannot be written.

Every file these functions create is 0600 (owner only: a roster holds names,
phones and ID numbers) where the file system keeps permissions; FAT/exFAT sticks
keep none, and nothing fails there. :func:`workbook_bytes` saves an openpyxl
workbook without openpyxl's plain-text sheet files in the temporary folder.

Which drives are USB sticks is decided in :mod:`exports.drives`
(:func:`list_drives` and :class:`Drive` are re-exported here).
"""

from __future__ import annotations

import contextlib
import datetime as dt
import errno
import functools
import hashlib
import io
import os
import tempfile
import zlib
from dataclasses import dataclass
from pathlib import Path

from exports.drives import Drive as Drive  # re-exported: callers import it from here
from exports.drives import disk_usage as _usage
from exports.drives import list_drives as list_drives
from models.errors import SaveFailed

CHUNK = 1 << 20
PRIVATE = 0o600  # the mode of every file an export creates
_O_BINARY = getattr(os, "O_BINARY", 0)  # Windows: no newline translation


class UsbError(SaveFailed):
    """The copy failed; nothing with the final name was left behind. Exit code 6."""



@dataclass(frozen=True)
class Receipt:
    path: Path
    size: int
    sha256: str

    def summary(self) -> str:
        return f"{self.path} ({self.size} byte, SHA-256 {self.sha256})"


def sha256_file(path: str | os.PathLike) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(CHUNK), b""):
            h.update(chunk)
    return h.hexdigest()


def _free_name(folder: Path, name: str) -> Path:
    """"BaoCao.xlsx", then "BaoCao (2).xlsx", … — an existing file is never overwritten."""
    target = folder / name
    stem, suffix = Path(name).stem, Path(name).suffix
    i = 2
    while target.exists():
        target = folder / f"{stem} ({i}){suffix}"
        i += 1
    return target


def open_private(path: str | os.PathLike, *, exclusive: bool = True):
    """Open ``path`` for writing bytes, created 0600. ``exclusive``: fail if it exists
    (temporary names); otherwise truncate it, and make an existing file 0600 too."""
    flags = os.O_WRONLY | os.O_CREAT | _O_BINARY | (os.O_EXCL if exclusive else os.O_TRUNC)
    fd = os.open(path, flags, PRIVATE)
    if not exclusive:
        _make_private(fd)
    return os.fdopen(fd, "wb")


def _make_private(fd: int) -> None:
    """0600 for an open file; FAT/exFAT keep no mode bits (chmod fails or does nothing),
    Windows has no fchmod: tolerated, the file is written anyway."""
    try:
        os.fchmod(fd, PRIVATE)
    except (OSError, AttributeError):
        pass


def _write_chunk(f, data: bytes) -> None:
    """One write to the stick (a seam for tests that pull the stick out)."""
    f.write(data)


def _fsync_dir(folder: Path) -> None:
    if os.name != "posix":
        return
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


def _drop_cache(fd: int) -> None:
    """After fsync, ask the kernel to forget its cached pages of the file, so that the
    read-back comes from the stick rather than from memory (Linux; elsewhere a no-op).
    Advice only: a kernel that keeps the pages anyway makes the check weaker, not wrong."""
    if hasattr(os, "posix_fadvise") and hasattr(os, "POSIX_FADV_DONTNEED"):
        try:
            os.posix_fadvise(fd, 0, 0, os.POSIX_FADV_DONTNEED)
        except OSError:
            pass


def _explain(exc: OSError, where: Path) -> str:
    if exc.errno in (errno.ENOSPC, getattr(errno, "EDQUOT", -1)):
        return f"USB/thư mục {where} đã đầy, không ghi hết được tệp. Hãy xóa bớt tệp trên USB hoặc dùng USB khác."
    if exc.errno in (errno.ENOENT, errno.ENODEV, errno.EIO, errno.ENXIO, getattr(errno, "ESHUTDOWN", -1)):
        return f"Không ghi được vào {where}: USB có thể đã bị rút ra hoặc bị lỗi. Hãy cắm lại và thử lại."
    if exc.errno in (errno.EACCES, errno.EPERM, errno.EROFS):
        return f"Không có quyền ghi vào {where} (USB bị khóa ghi hoặc chỉ đọc)."
    return f"Không ghi được vào {where}: {exc.strerror or exc}."


def safe_copy(src: str | os.PathLike, dest_dir: str | os.PathLike, *, name: str | None = None) -> Receipt:
    """Copy ``src`` into ``dest_dir``: temporary name, fsync, read back and compare SHA-256, rename."""
    src = Path(src)

    def chunks():
        with open(src, "rb") as fin:
            yield from iter(lambda: fin.read(CHUNK), b"")

    return _safe_write(chunks(), src.stat().st_size, dest_dir, name or src.name)


def safe_write(data: bytes, dest_dir: str | os.PathLike, name: str) -> Receipt:
    """Write ``data`` (built in memory) into ``dest_dir`` the same careful way as :func:`safe_copy`."""
    view = memoryview(data)
    return _safe_write((view[i:i + CHUNK] for i in range(0, len(view), CHUNK)), len(data), dest_dir, name)


def _safe_write(chunks, size: int, dest_dir, name: str) -> Receipt:
    dest_dir = Path(dest_dir)
    if not dest_dir.is_dir():
        raise UsbError(f"Không tìm thấy ổ/thư mục {dest_dir}. USB đã cắm và được mở chưa?")
    free, _ = _usage(dest_dir)
    if free and free < size:
        raise UsbError(f"USB/thư mục {dest_dir} chỉ còn {free} byte trống, tệp cần {size} byte.")
    target = _free_name(dest_dir, name)
    tmp = dest_dir / f".{target.name}.dang-ghi"
    _remove_quietly(tmp)  # left by an earlier pulled stick, perhaps readable by all: never reused
    h = hashlib.sha256()
    try:
        with open_private(tmp) as fout:
            for chunk in chunks:
                h.update(chunk)
                _write_chunk(fout, bytes(chunk))
            fout.flush()
            os.fsync(fout.fileno())
            _drop_cache(fout.fileno())
        expected = h.hexdigest()
        got = sha256_file(tmp)
        if got != expected:
            raise UsbError(f"Bản ghi trên {dest_dir} khác bản gốc (kiểm tra SHA-256 không khớp): USB có thể bị lỗi.")
        os.replace(tmp, target)
        _fsync_dir(dest_dir)
    except UsbError:
        _remove_quietly(tmp)
        raise
    except OSError as exc:
        _remove_quietly(tmp)
        raise UsbError(_explain(exc, dest_dir)) from exc
    return Receipt(target, size, expected)


def _remove_quietly(p: Path) -> None:
    try:
        p.unlink()
    except OSError:
        pass


def protect_available() -> bool:
    """Is msoffcrypto-tool installed (password-protected XLSX that Excel and LibreOffice open)?"""
    try:
        import msoffcrypto  # noqa: F401
    except ImportError:
        return False
    return True


def protect_bytes(data: bytes, password: str) -> bytes:
    """Encrypt an XLSX held in memory with a password that Excel and LibreOffice ask for
    (ECMA-376 agile encryption, AES-256, via msoffcrypto-tool; in memory, no temporary file)."""
    if not password:
        raise UsbError("Mật khẩu cho tệp không được để trống.")
    if not protect_available():
        raise UsbError("Chưa cài thư viện msoffcrypto-tool nên chưa đặt được mật khẩu cho tệp Excel.")
    from msoffcrypto.format.ooxml import OOXMLFile

    out = io.BytesIO()
    OOXMLFile(io.BytesIO(data)).encrypt(password, out)
    return out.getvalue()


def protect_xlsx(src: str | os.PathLike, dest: str | os.PathLike, password: str) -> Path:
    """Encrypt an XLSX file with a password (see :func:`protect_bytes`)."""
    data = protect_bytes(Path(src).read_bytes(), password)
    with open_private(dest, exclusive=False) as f:
        f.write(data)
    return Path(dest)


# ---------------------------------------------------------------------------
# Any folder (``cnscd export --out``)
# ---------------------------------------------------------------------------
def folder_error(exc: OSError, folder: str | os.PathLike) -> SaveFailed:
    """What to tell the clerk when ``folder`` cannot be written (exit 6)."""
    e = exc.errno
    if isinstance(exc, (FileExistsError, NotADirectoryError)) or e == errno.ENOTDIR:
        return SaveFailed(f"Không ghi được vào {folder}: đường dẫn này không phải là thư mục (có một tệp trùng tên). "
                          "Hãy chọn thư mục khác.")
    if e in (errno.ENOSPC, getattr(errno, "EDQUOT", errno.ENOSPC)):
        return SaveFailed(f"Không ghi được vào thư mục {folder}: ổ đĩa đã đầy. Hãy xóa bớt tệp trên ổ đó "
                          "hoặc chọn thư mục khác.")
    if e == errno.EROFS:
        return SaveFailed(f"Không ghi được vào thư mục {folder}: ổ đĩa chỉ đọc (USB/thẻ nhớ bị khóa ghi?). "
                          "Hãy gạt khóa ghi hoặc chọn thư mục khác.")
    if e in (errno.EACCES, errno.EPERM) or isinstance(exc, PermissionError):
        return SaveFailed(f"Không ghi được vào thư mục {folder}: không có quyền ghi vào thư mục này. "
                          "Hãy chọn thư mục khác, ví dụ thư mục Tài liệu của bạn.")
    if isinstance(exc, FileNotFoundError):
        return SaveFailed(f"Không ghi được vào thư mục {folder}: không tìm thấy thư mục (ổ đã bị rút ra?). "
                          "Hãy kiểm tra lại đường dẫn.")
    return SaveFailed(f"Không ghi được vào thư mục {folder}: {exc.strerror or exc}. Hãy kiểm tra ổ đĩa "
                      "hoặc chọn thư mục khác.")


def atomic_write(path: str | os.PathLike, save) -> Path:
    """Write ``path`` through ``save(temporary path)``: a hidden name in the same folder,
    created 0600 (``mkstemp``), then fsync, rename and fsync the folder — never a
    half-written file under the real name. An ``OSError`` on the way removes the
    temporary file and becomes :class:`SaveFailed` naming the folder."""
    path = Path(path)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=f".{path.stem}.", suffix=f".tmp{path.suffix}", dir=path.parent)
    except OSError as exc:
        raise folder_error(exc, path.parent) from None
    os.close(fd)
    try:
        save(tmp)
        with open(tmp, "rb+") as f:
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException as exc:
        _remove_quietly(Path(tmp))
        if isinstance(exc, OSError):
            raise folder_error(exc, path.parent) from None
        raise
    _fsync_dir(path.parent)
    return path


def atomic_write_bytes(path: str | os.PathLike, data: bytes) -> Path:
    """:func:`atomic_write` of bytes built in memory."""
    def save(p):
        with open(p, "wb") as f:
            f.write(data)

    return atomic_write(path, save)


# ---------------------------------------------------------------------------
# XLSX built in memory (openpyxl would stream each sheet to $TMPDIR/openpyxl.*)
# ---------------------------------------------------------------------------
TESTED_OPENPYXL = "3.1."  # the seam below is read from, and tested with, this series


class _WriteBuffer(io.BytesIO):
    """A BytesIO the XML writer sees as write-only (a TextIOWrapper over a readable buffer
    resets a decoder on every write, about 2 million times for a province's roster), holding
    the sheet's XML deflated as it comes: a 16-province roster's 100 MB of XML takes a few MB
    until the workbook is saved. Level 3, not 1: at 16× the province the period pack's sheets
    held 14 MB at level 1, and level 3 lowered the export's peak by 4 MB in no more time
    (openpyxl's cells are most of it). ``getvalue()`` is that raw deflate stream; :meth:`chunks`
    gives the XML back, a piece at a time."""

    _PENDING = 1 << 16

    def __init__(self):
        super().__init__()
        self._z = zlib.compressobj(3, zlib.DEFLATED, -15)
        self._pending: list[bytes] = []
        self._n = 0
        self.size = 0  # bytes of XML written

    def readable(self) -> bool:
        return False

    def write(self, b) -> int:
        n = len(b)
        self._pending.append(bytes(b))
        self._n += n
        if self._n >= self._PENDING:
            self._squeeze()
        return n

    def _squeeze(self) -> None:
        if self._pending:
            super().write(self._z.compress(b"".join(self._pending)))
            self.size += self._n
            self._pending, self._n = [], 0

    def getvalue(self) -> bytes:
        if self._z is not None:
            self._squeeze()
            super().write(self._z.flush())
            self._z = None
        return super().getvalue()

    @staticmethod
    def chunks(deflated: bytes, step: int = 1 << 20):
        """The XML of ``getvalue()``'s bytes, at most ``step`` bytes of it at a time."""
        d = zlib.decompressobj(-15)
        for i in range(0, len(deflated), step // 8):
            data = deflated[i:i + step // 8]
            while data:
                out = d.decompress(data, step)
                if out:
                    yield out
                data = d.unconsumed_tail
        tail = d.flush()
        if tail:
            yield tail


@functools.cache
def _memory_seam():
    """openpyxl's sheet writer and package writer, kept in memory.

    openpyxl (3.1) streams every worksheet's XML — names, phones, ID numbers in
    plain text — to a named temporary file in the temporary folder, unless its
    ``WorksheetWriter`` is given an ``out`` buffer (which its ``read()`` accepts);
    ``ExcelWriter.write_worksheet`` then copies that file into the zip by name and
    deletes it (a killed process leaves it behind). Here every sheet gets a
    ``BytesIO``: a write-only sheet through its lazily made ``_writer``
    (``WriteOnlyWorksheet._get_writer``), a normal one in ``write_worksheet``, which
    copies the buffer with ``writestr``. The seam is checked here and by
    tests/test_export_trust.py (which also pins :data:`TESTED_OPENPYXL`); an openpyxl
    without it stops the export with a message rather than use the temporary folder.
    Returns ``(keep_in_memory(ws), ExcelWriter subclass)``."""
    import inspect

    import openpyxl
    from openpyxl.drawing.spreadsheet_drawing import SpreadsheetDrawing
    from openpyxl.worksheet._write_only import WriteOnlyWorksheet
    from openpyxl.worksheet._writer import WorksheetWriter
    from openpyxl.writer.excel import ExcelWriter

    if not ("out" in inspect.signature(WorksheetWriter.__init__).parameters
            and all(hasattr(WorksheetWriter, a) for a in ("read", "write", "write_top", "cleanup"))
            and all(hasattr(WriteOnlyWorksheet, a) for a in ("_get_writer", "_values_to_row"))
            and hasattr(ExcelWriter, "write_worksheet")):
        raise SaveFailed(f"Thư viện openpyxl {openpyxl.__version__} khác bản đã kiểm tra ({TESTED_OPENPYXL}x) nên "
                         "chưa xuất được tệp Excel mà không ghi dữ liệu cá nhân ra thư mục tạm. Hãy cài lại openpyxl "
                         f"{TESTED_OPENPYXL}x, hoặc xuất ODS/CSV.")

    class MemorySheetWriter(WorksheetWriter):
        def __init__(self, ws):
            super().__init__(ws, out=_WriteBuffer())

        def cleanup(self):  # nothing on disk to remove
            self.out = io.BytesIO()

    def keep_in_memory(ws) -> None:
        """Make write-only sheet ``ws`` stream into memory (call before its first row)."""
        def get_writer():
            if ws._writer is None:
                ws._writer = MemorySheetWriter(ws)
                ws._writer.write_top()

        ws._get_writer = get_writer

    class MemoryExcelWriter(ExcelWriter):
        def write_worksheet(self, ws):
            # ExcelWriter.write_worksheet of openpyxl 3.1, with the sheet's XML in memory
            if self.workbook.write_only and (ws.closed or ws._writer is not None) \
                    and not isinstance(ws._writer, MemorySheetWriter):
                return super().write_worksheet(ws)  # a sheet made elsewhere: openpyxl's own way
            ws._drawing = SpreadsheetDrawing()
            ws._drawing.charts = ws._charts
            ws._drawing.images = ws._images
            if self.workbook.write_only:
                if not ws.closed:
                    keep_in_memory(ws)
                    ws.close()
                writer = ws._writer
            else:
                writer = MemorySheetWriter(ws)
                writer.write()
            ws._rels = writer._rels
            deflated = writer.read()  # the sheet's XML, deflated in memory as it was written
            with self._archive.open(ws.path[1:], "w", force_zip64=writer.out.size > 1 << 30) as dst:
                for part in _WriteBuffer.chunks(deflated):
                    dst.write(part)
            del deflated
            self.manifest.append(ws)
            writer.cleanup()

    return keep_in_memory, MemoryExcelWriter


def workbook_bytes(wb) -> bytes:
    """An openpyxl workbook (write-only or not) as the bytes of an .xlsx file, built in
    memory: unlike ``wb.save``, nothing is written to the temporary folder. A write-only
    workbook can be saved once, as with ``wb.save``."""
    buf = io.BytesIO()
    workbook_to(wb, buf)
    return buf.getvalue()


def workbook_to(wb, out) -> None:
    """:func:`workbook_bytes`, the zip written to ``out`` (a binary file open for writing, seekable):
    :func:`save_workbook` gives it the hidden file in the destination, so the finished file is
    not also held in memory (at 16× the province a period pack is 10 MB)."""
    import zipfile

    _keep, writer_class = _memory_seam()
    if wb.read_only:
        raise TypeError("Workbook is read-only")
    if wb.write_only and not wb.worksheets:
        wb.create_sheet()
    archive = zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED, allowZip64=True)
    wb.properties.modified = dt.datetime.now(tz=dt.UTC).replace(tzinfo=None)
    writer_class(wb, archive).save()


def save_workbook(wb, path: str | os.PathLike) -> Path:
    """Save an openpyxl workbook to ``path`` the careful way (sheets in memory, nothing in the temporary
    folder; the zip written straight into :func:`atomic_write`'s hidden file in the folder, 0600, fsync,
    rename; :class:`SaveFailed` naming the folder if it cannot be written)."""
    def save(p):
        with open(p, "wb") as f:
            workbook_to(wb, f)

    try:
        return atomic_write(path, save)
    except BaseException:
        # a folder that cannot be written stops before the save: the write-only sheets still open are
        # closed here, into their buffers, not left to write their last tags when collected
        for ws in wb.worksheets if wb.write_only else ():
            if not ws.closed and ws._writer is not None:
                with contextlib.suppress(Exception):
                    ws.close()
        raise


def keep_sheet_in_memory(ws) -> None:
    """Make openpyxl write-only sheet ``ws`` stream its XML into memory, not into the
    temporary folder (call before its first row; :func:`workbook_bytes` then saves it)."""
    _memory_seam()[0](ws)
