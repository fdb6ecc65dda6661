"""The program's own log and crash reports, with no personal data in them.

Operations (open, save, backup, export, import, errors) are logged to the
platform's log folder (``platformdirs.user_log_dir``: ``~/.local/state/cnscd/log``
on Linux, ``%LOCALAPPDATA%\\cnscd\\Logs`` on Windows), rotated (5 files of 1 MB).
A log line says what happened with counts, codes and file names — never a
person's name, phone number or CCCD: callers log counts, and every message
passes through :func:`redact` on its way to the file, which blanks runs of
digits that could be a phone or CCCD number. Exception messages (which may
quote a cell or a name) never reach the log: only the exception's type does.

An unexpected error writes a crash report (the program's version, the
platform, the traceback's file/line/function frames and the exception's type;
not its message, not local values) that the clerk can hand to support.
``CNSCD_LOG_DIR`` moves the folder (tests, portable installs).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import logging
import logging.handlers
import os
import platform
import re
import traceback
from pathlib import Path

APP_NAME = "cnscd"
LOGGER = "cnscd"
MAX_BYTES = 1_000_000
BACKUPS = 5

# 6+ digits in a row (phones, CCCD, old CMND), also written with spaces or dots between groups
_DIGITS = re.compile(r"\d(?:[ .\-]?\d){5,}")
_configured: logging.Handler | None = None


def program_version() -> str:
    from importlib import metadata

    try:
        return metadata.version("so-to-cnscd")
    except metadata.PackageNotFoundError:  # a frozen build without metadata
        return "?"


def log_dir() -> Path:
    env = os.environ.get("CNSCD_LOG_DIR")
    if env:
        return Path(env).expanduser()
    from platformdirs import user_log_dir

    return Path(user_log_dir(APP_NAME, appauthor=False))


def redact(message: str) -> str:
    """Blank what could be a phone or CCCD number: «0912345678» → «[số]»."""
    return _DIGITS.sub("[số]", message)


class _RedactingFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        record = logging.makeLogRecord(record.__dict__)
        record.msg, record.args = redact(record.getMessage()), ()
        if record.exc_info:  # the type and the frames, never the message
            etype = record.exc_info[0]
            record.exc_text = _frames(record.exc_info[2]) + f"\n{etype.__module__}.{etype.__qualname__}"
            record.exc_info = None
        return super().format(record)


def get(name: str = "") -> logging.Logger:
    """The logger for a part of the program (``logs.get("store")`` → ``cnscd.store``)."""
    return logging.getLogger(f"{LOGGER}.{name}" if name else LOGGER)


def setup(debug: bool = False) -> Path | None:
    """Send the program's log to the rotated file (once per process); returns the file,
    or None when the folder cannot be written (the program runs on without a log)."""
    global _configured
    root = logging.getLogger(LOGGER)
    root.setLevel(logging.DEBUG if debug else logging.INFO)
    if _configured is not None:
        return Path(getattr(_configured, "baseFilename", ""))
    folder = log_dir()
    try:
        folder.mkdir(parents=True, exist_ok=True, mode=0o700)
        handler = logging.handlers.RotatingFileHandler(folder / "cnscd.log", maxBytes=MAX_BYTES,
                                                       backupCount=BACKUPS, encoding="utf-8")
        try:
            os.chmod(folder / "cnscd.log", 0o600)
        except OSError:
            pass
    except OSError:
        return None
    handler.setFormatter(_RedactingFormatter("%(asctime)s %(levelname)s %(name)s [%(process)d] %(message)s"))
    root.addHandler(handler)
    root.propagate = False
    _configured = handler
    return Path(handler.baseFilename)


def _frames(tb) -> str:
    lines = []
    for fs in traceback.extract_tb(tb):
        name = fs.filename
        for marker in ("cnscd_tui", "models", "exports", "site-packages"):
            i = name.replace("\\", "/").rfind(f"/{marker}/")
            if i >= 0:
                name = name[i + 1:]
                break
        lines.append(f'  File "{name}", line {fs.lineno}, in {fs.name}')
    return "Traceback (most recent call last):\n" + "\n".join(lines)


def crash_report(exc: BaseException, *, where: str = "") -> Path | None:
    """Write a crash report for an unexpected error; returns its path (None if it could not)."""
    version = program_version()
    etype = type(exc)
    fingerprint = hashlib.sha256(f"{etype.__qualname__}{_frames(exc.__traceback__)}".encode()).hexdigest()[:12]
    now = dt.datetime.now().astimezone()
    text = "\n".join([
        "Báo cáo lỗi — Sổ Tổ CNSCĐ (gửi tệp này cho người hỗ trợ; tệp không có dữ liệu cá nhân)",
        f"Thời điểm: {now:%d/%m/%Y %H:%M:%S %z}",
        f"Phiên bản: {version} · Python {platform.python_version()} · {platform.platform()}",
        f"Nơi xảy ra: {where or '-'}",
        f"Mã lỗi: {fingerprint}",
        "",
        _frames(exc.__traceback__),
        f"{etype.__module__}.{etype.__qualname__}",
        "",
    ])
    folder = log_dir()
    try:
        folder.mkdir(parents=True, exist_ok=True, mode=0o700)
        path = folder / f"bao-cao-loi-{now:%Y%m%d-%H%M%S}-{fingerprint}.txt"
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            f.write(text)
    except OSError:
        return None
    get().error("unexpected error %s.%s at %s, report %s", etype.__module__, etype.__qualname__,
                where or "-", path.name)
    return path


def excepthook_message(path: Path | None) -> str:
    """What the clerk reads after an unexpected error."""
    where = f"\nĐã ghi báo cáo lỗi (không có dữ liệu cá nhân): {path}" if path else ""
    return ("Chương trình gặp lỗi không lường trước. Dữ liệu đã lưu trước đó vẫn an toàn; "
            "những gì đang nhập dở có thể chưa được lưu." + where +
            "\nHãy gửi tệp báo cáo lỗi cho người hỗ trợ, rồi mở lại chương trình.")

