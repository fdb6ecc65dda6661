"""Hand-off: build a report's files in memory, optionally password-protect them,
write them to a folder or USB stick the careful way, and keep a receipt in the
registry's audit log (absolute path, size in bytes, SHA-256).

Nothing with personal data passes through a temporary folder: the files are
built in memory (XLSX sheets included, see :func:`usb.workbook_bytes`), and the
bytes go from memory to a hidden temporary name on the destination, created
0600, are read back and compared (SHA-256), then renamed. A destination that
cannot be written is :class:`~models.errors.SaveFailed` (exit 6).
"""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from models.errors import InputError


@dataclass(frozen=True)
class HandOff:
    files: list  # usb.Receipt
    personal_data: bool
    protected: bool


def receipt_summary(label: str, fmt: str, path: Path, size: int, *, personal: bool = False,
                    protected: bool = False) -> str:
    """The audit-log line of an export: what, where (absolute path), how big.

    The size and the flags come before the path so that a long path cut at the log's
    300 characters loses nothing else."""
    from models import text

    flags = (" — có dữ liệu cá nhân" if personal else "") + (" — có mật khẩu" if protected else "")
    return f"Xuất {label} ({fmt.upper()}, {text.format_int(size)} byte){flags} ra {path}"


def hand_off(reg, obj, *, label: str, dest_dir: str | os.PathLike, stem: str, fmt: str,
             password: str | None = None, progress: Callable[[str], None] | None = None) -> HandOff:
    from models import services

    from . import usb, writers

    say = progress or (lambda _msg: None)
    reports = writers.as_reports(obj)
    personal = any(r.personal_data for r in reports)
    if password and fmt != "xlsx":
        raise InputError("Chỉ đặt được mật khẩu cho tệp Excel (.xlsx). Hãy chọn định dạng xlsx.", "format")
    dest_dir = Path(dest_dir).expanduser().resolve()
    say("Đang dựng tệp…")
    files = writers.render(obj, stem, fmt)
    receipts = []
    for name, data in files:
        if password:
            say(f"Đang đặt mật khẩu cho {name}…")
            data = usb.protect_bytes(data, password)
        say(f"Đang ghi {name}…")
        receipt = usb.safe_write(data, dest_dir, name)
        receipts.append(receipt)
        services.log_event(
            reg, "xuat", "registry",
            receipt_summary(label, fmt, receipt.path, receipt.size, personal=personal, protected=bool(password)),
            new=f"sha256:{receipt.sha256}")
    return HandOff(receipts, personal, bool(password))
