"""Single-writer lock: a separate ``<db>.lock`` file held for the whole session.

The OS lock (``fcntl.flock`` on POSIX, ``msvcrt.locking`` on Windows) is what
excludes a second instance; the file's JSON content (host, pid, user, since) is
only there to tell the clerk who has the registry open. A crashed process
releases its OS lock, so a lock file it leaves behind does not block.

The lock file is opened without following symbolic links, and must be a plain
file with one name: a link planted there cannot make the program write into
(and truncate) another file.
"""

from __future__ import annotations

import atexit
import datetime as dt
import errno
import getpass
import json
import os
import socket
import stat
from pathlib import Path

from .errors import AlreadyOpen, SaveFailed

_LOCK_OFFSET = 1 << 20  # Windows: lock a byte far past the content so the content stays readable
_NOFOLLOW = getattr(os, "O_NOFOLLOW", 0)
_CLOEXEC = getattr(os, "O_CLOEXEC", 0)


def describe_os_error(exc: OSError) -> str:
    """Why a file operation failed, in words for the clerk."""
    code = getattr(exc, "errno", None)
    if code in (errno.ENOSPC, getattr(errno, "EDQUOT", -1)):
        return "ổ đĩa đã đầy"
    if code in (errno.EACCES, errno.EPERM, errno.EROFS):
        return "không có quyền ghi hoặc ổ đĩa chỉ cho đọc"
    if code in (errno.EIO, getattr(errno, "ENODEV", -1), getattr(errno, "ENXIO", -1)):
        return "lỗi đọc/ghi thiết bị (ổ USB bị rút ra?)"
    if code == errno.EISDIR:
        return "ở đó là một thư mục, không phải tệp"
    if code == errno.ENOTDIR:
        return "ở đó là một tệp, không phải thư mục"
    if code == errno.ELOOP:
        return "ở đó là một liên kết tượng trưng (symlink)"
    return exc.strerror or str(exc)


def lock_path(db_path: str | os.PathLike) -> Path:
    return Path(str(db_path) + ".lock")


def _not_a_plain_file(path: Path) -> SaveFailed:
    return SaveFailed(f"Tệp khóa {path} không phải một tệp bình thường (là liên kết tới tệp khác hoặc "
                      "tệp đặc biệt); chương trình không dùng nó để khỏi ghi đè lên tệp khác. "
                      f"Hãy xóa «{path.name}» rồi mở lại sổ.")


class RegistryLock:
    def __init__(self, db_path: str | os.PathLike):
        self.path = lock_path(db_path)
        self._fd: int | None = None

    def acquire(self) -> None:
        if self.path.is_symlink():
            raise _not_a_plain_file(self.path)
        try:
            fd = os.open(self.path, os.O_RDWR | os.O_CREAT | _NOFOLLOW | _CLOEXEC, 0o600)
        except OSError as exc:
            if exc.errno == errno.ELOOP:
                raise _not_a_plain_file(self.path) from None
            raise SaveFailed(f"Không tạo được tệp khóa {self.path} (lý do: {describe_os_error(exc)}).") from exc
        try:
            self._take(fd)
        except BaseException:
            os.close(fd)  # closing also drops an OS lock taken on it
            raise
        self._fd = fd
        atexit.register(self.release)

    def _take(self, fd: int) -> None:
        st = os.fstat(fd)
        if not stat.S_ISREG(st.st_mode) or st.st_nlink > 1:
            raise _not_a_plain_file(self.path)
        try:
            _os_lock(fd)
        except OSError:
            info = _read_info(fd)
            raise AlreadyOpen(host=info.get("host", "?"), pid=info.get("pid", "?"), since=info.get("since", ""),
                              user=info.get("user", "")) from None
        info = {
            "host": socket.gethostname(),
            "pid": os.getpid(),
            "user": _user(),
            "since": dt.datetime.now().replace(microsecond=0).isoformat(),
        }
        data = json.dumps(info, ensure_ascii=False).encode("utf-8")
        try:
            if os.name == "posix" and stat.S_IMODE(st.st_mode) != 0o600:
                os.fchmod(fd, 0o600)
            os.lseek(fd, 0, os.SEEK_SET)
            os.ftruncate(fd, 0)
            view = memoryview(data)
            while view:
                view = view[os.write(fd, view):]
        except OSError as exc:
            try:
                _os_unlock(fd)
            except OSError:
                pass
            raise SaveFailed(f"Không ghi được tệp khóa {self.path} (lý do: {describe_os_error(exc)}). "
                             "Sổ chưa được mở; hãy giải phóng chỗ trống hoặc chọn ổ khác rồi mở lại.") from exc

    def release(self) -> None:
        fd, self._fd = self._fd, None
        if fd is None:
            return
        atexit.unregister(self.release)
        try:
            os.ftruncate(fd, 0)
        except OSError:
            pass
        # The (now empty) file stays: unlinking it would let a process that opened
        # the old inode hold a lock nobody else can see.
        try:
            _os_unlock(fd)
        finally:
            os.close(fd)

    @property
    def held(self) -> bool:
        return self._fd is not None


def _user() -> str:
    try:
        return getpass.getuser()
    except Exception:  # pragma: no cover
        return ""


def _read_info(fd: int) -> dict:
    try:
        os.lseek(fd, 0, os.SEEK_SET)
        raw = os.read(fd, 4096)
        info = json.loads(raw.decode("utf-8")) if raw else {}
        return info if isinstance(info, dict) else {}
    except (OSError, ValueError):
        return {}


if os.name == "nt":  # pragma: no cover - exercised on Windows
    import msvcrt

    def _os_lock(fd: int) -> None:
        os.lseek(fd, _LOCK_OFFSET, os.SEEK_SET)
        msvcrt.locking(fd, msvcrt.LK_NBLCK, 1)

    def _os_unlock(fd: int) -> None:
        os.lseek(fd, _LOCK_OFFSET, os.SEEK_SET)
        msvcrt.locking(fd, msvcrt.LK_UNLCK, 1)

else:
    import fcntl

    def _os_unlock(fd: int) -> None:
        fcntl.flock(fd, fcntl.LOCK_UN)

    def _os_lock(fd: int) -> None:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
