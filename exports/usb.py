"""USB hand-off: find removable drives and copy a report onto one safely.

:func:`safe_copy` writes under a temporary name (``.ten-tep.xlsx.dang-ghi``),
flushes and ``fsync``s, drops the file's pages from the page cache
(``posix_fadvise(DONTNEED)`` where there is one, so the check reads the stick),
reads the copy back and compares its SHA-256 with the source, and only then
renames it to its real name. If the stick is pulled or
full, the temporary file is removed (when the stick is still there) and
:class:`UsbError` says what happened in Vietnamese; a file with the final name
is therefore always complete.

Drives: Linux — mounted block devices whose ``/sys/block/*/removable`` is 1,
and anything mounted under /media or /run/media; Windows — drives of type
"removable"; macOS — /Volumes (without the system volume). ``CNSCD_USB_ROOTS``
(paths separated by ``os.pathsep``) adds folders that count as drives (tests,
network shares). The clerk can always give any folder instead.
"""

from __future__ import annotations

import errno
import hashlib
import os
import shutil
import sys
from dataclasses import dataclass
from pathlib import Path

from models.store import SaveFailed

CHUNK = 1 << 20


class UsbError(SaveFailed):
    """The copy failed; nothing with the final name was left behind. Exit code 6."""



@dataclass(frozen=True)
class Drive:
    path: Path
    label: str
    free: int
    total: int

    def describe(self) -> str:
        from models.text import format_decimal

        return (f"{self.path}  {self.label}  (còn trống {format_decimal(self.free / 1e9, 1)} GB / "
                f"{format_decimal(self.total / 1e9, 1)} GB)")


@dataclass(frozen=True)
class Receipt:
    path: Path
    size: int
    sha256: str

    def summary(self) -> str:
        return f"{self.path} ({self.size} byte, SHA-256 {self.sha256})"


def _usage(path: Path) -> tuple[int, int]:
    try:
        u = shutil.disk_usage(path)
        return u.free, u.total
    except OSError:
        return 0, 0


def _unescape_mount(s: str) -> str:
    return s.replace("\\040", " ").replace("\\011", "\t").replace("\\012", "\n").replace("\\134", "\\")


def _linux_drives() -> list[tuple[Path, str]]:
    out = []
    try:
        lines = Path("/proc/mounts").read_text(encoding="utf-8", errors="replace").splitlines()
    except OSError:
        return out
    for line in lines:
        parts = line.split()
        if len(parts) < 3:
            continue
        dev, mnt = _unescape_mount(parts[0]), _unescape_mount(parts[1])
        removable = False
        if dev.startswith("/dev/"):
            name = os.path.basename(os.path.realpath(dev))
            base = name
            # partition → its disk: sdb1 → sdb, mmcblk0p1 → mmcblk0, nvme0n1p2 → nvme0n1
            for candidate in (name, name.rstrip("0123456789"), name.rsplit("p", 1)[0]):
                if Path(f"/sys/block/{candidate}/removable").exists():
                    base = candidate
                    break
            try:
                removable = Path(f"/sys/block/{base}/removable").read_text().strip() == "1"
            except OSError:
                removable = False
        if removable or mnt.startswith(("/media/", "/run/media/")):
            out.append((Path(mnt), os.path.basename(mnt) or mnt))
    return out


def _windows_drives() -> list[tuple[Path, str]]:  # pragma: no cover - Windows only
    import ctypes
    import string

    out = []
    k32 = ctypes.windll.kernel32
    mask = k32.GetLogicalDrives()
    for i, letter in enumerate(string.ascii_uppercase):
        if not mask & (1 << i):
            continue
        root = f"{letter}:\\"
        if k32.GetDriveTypeW(ctypes.c_wchar_p(root)) != 2:  # DRIVE_REMOVABLE
            continue
        buf = ctypes.create_unicode_buffer(261)
        k32.GetVolumeInformationW(ctypes.c_wchar_p(root), buf, 261, None, None, None, None, 0)
        out.append((Path(root), buf.value or "USB"))
    return out


def _mac_drives() -> list[tuple[Path, str]]:  # pragma: no cover - macOS only
    out = []
    vols = Path("/Volumes")
    if vols.is_dir():
        for p in sorted(vols.iterdir()):
            if p.is_symlink() or not p.is_dir():  # the system volume is a symlink to /
                continue
            out.append((p, p.name))
    return out


def list_drives() -> list[Drive]:
    """Removable drives (and the folders in ``CNSCD_USB_ROOTS``), each once."""
    found: list[tuple[Path, str]] = []
    for extra in filter(None, os.environ.get("CNSCD_USB_ROOTS", "").split(os.pathsep)):
        p = Path(extra)
        if p.is_dir():
            found.append((p, p.name or str(p)))
    if sys.platform.startswith("win"):
        found += _windows_drives()
    elif sys.platform == "darwin":
        found += _mac_drives()
    else:
        found += _linux_drives()
    seen, out = set(), []
    for path, label in found:
        key = str(path)
        if key in seen:
            continue
        seen.add(key)
        free, total = _usage(path)
        out.append(Drive(path, label, free, total))
    return out


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
    h = hashlib.sha256()
    try:
        with open(tmp, "wb") as fout:
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
    (ECMA-376 agile encryption, AES-256, via msoffcrypto-tool)."""
    import io

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
    Path(dest).write_bytes(data)
    return Path(dest)
