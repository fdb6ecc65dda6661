"""Single-writer lock: a separate ``<db>.lock`` file held for the whole session.

The OS lock (``fcntl.flock`` on POSIX, ``msvcrt.locking`` on Windows) is what
excludes a second instance; the file's JSON content (host, pid, user, since) is
only there to tell the clerk who has the registry open. A crashed process
releases its OS lock, so a lock file it leaves behind does not block.
"""

from __future__ import annotations

import atexit
import datetime as dt
import getpass
import json
import os
import socket
from pathlib import Path

from .errors import AlreadyOpen, SaveFailed

_LOCK_OFFSET = 1 << 20  # Windows: lock a byte far past the content so the content stays readable


class RegistryLock:
    def __init__(self, db_path: str | os.PathLike):
        self.path = Path(str(db_path) + ".lock")
        self._fd: int | None = None

    def acquire(self) -> None:
        try:
            fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o600)
        except OSError as exc:
            raise SaveFailed(f"Không tạo được tệp khóa {self.path} ({exc.strerror}).") from exc
        try:
            _os_lock(fd)
        except OSError:
            info = _read_info(fd)
            os.close(fd)
            raise AlreadyOpen(host=info.get("host", "?"), pid=info.get("pid", "?"), since=info.get("since", ""),
                              user=info.get("user", ""))
        info = {
            "host": socket.gethostname(),
            "pid": os.getpid(),
            "user": _user(),
            "since": dt.datetime.now().replace(microsecond=0).isoformat(),
        }
        data = json.dumps(info, ensure_ascii=False).encode("utf-8")
        os.lseek(fd, 0, os.SEEK_SET)
        os.ftruncate(fd, 0)
        os.write(fd, data)
        self._fd = fd
        atexit.register(self.release)

    def release(self) -> None:
        fd, self._fd = self._fd, None
        if fd is None:
            return
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
        return json.loads(raw.decode("utf-8")) if raw else {}
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

    def _os_lock(fd: int) -> None:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)

    def _os_unlock(fd: int) -> None:
        fcntl.flock(fd, fcntl.LOCK_UN)
