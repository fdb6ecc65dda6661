"""Every error the registry raises, in one place.

Each carries a Vietnamese ``message`` for the clerk and an ``exit_code`` for the
``cnscd`` command line (a contract: 2 bad input · 3 wrong passphrase or recovery
key · 4 damaged or unreadable file · 5 already open elsewhere · 6 could not
save). Nothing here imports anything else of the program, so every layer can
catch these without reaching up or sideways.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

EXIT_OK, EXIT_USAGE, EXIT_SECRET, EXIT_DAMAGED, EXIT_LOCKED, EXIT_SAVE = 0, 2, 3, 4, 5, 6


def local_time(t: dt.datetime) -> str:
    """``HH:MM dd/mm/yyyy`` in local time (as the clerk reads it)."""
    try:
        return t.astimezone().strftime("%H:%M %d/%m/%Y")
    except (ValueError, OSError):
        return str(t)


# ---------------------------------------------------------------------------
# Bad input (services, imports, exports, the command line)
# ---------------------------------------------------------------------------
@dataclass(frozen=True)
class FieldError:
    field: str
    message: str


class InputError(Exception):
    """Bad input: one or more fields with Vietnamese messages. Nothing was written."""

    exit_code = EXIT_USAGE

    def __init__(self, errors: list[FieldError] | str, field_name: str = ""):
        if isinstance(errors, str):
            errors = [FieldError(field_name, errors)]
        self.errors = list(errors)
        super().__init__(self.message)

    @property
    def message(self) -> str:
        return "\n".join(e.message for e in self.errors)


class NotFoundError(InputError):
    pass


class UsageError(Exception):
    """The command line was used wrongly (exit 2); ``message`` says how to use it."""

    exit_code = EXIT_USAGE

    @property
    def message(self) -> str:
        return str(self.args[0])


# ---------------------------------------------------------------------------
# The encrypted file
# ---------------------------------------------------------------------------
class StoreError(Exception):
    exit_code = EXIT_DAMAGED

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


class WrongSecret(StoreError):
    exit_code = EXIT_SECRET


class DamagedFile(StoreError):
    exit_code = EXIT_DAMAGED

    def __init__(self, message: str, good_backups: list[Any] | None = None):
        # good_backups: store.BackupInfo items, newest first
        self.good_backups = good_backups or []
        if self.good_backups:
            b = self.good_backups[0]
            message += (f"\nBản sao lưu tốt gần nhất: {b.path.name} (lần lưu {b.generation}, "
                        f"{local_time(b.saved_at)}). Dùng lệnh «cnscd restore» hoặc màn hình mở sổ để khôi phục.")
        super().__init__(message)


class UnsupportedVersion(DamagedFile):
    pass


class NotFound(StoreError):
    exit_code = EXIT_DAMAGED


class AlreadyOpen(StoreError):
    exit_code = EXIT_LOCKED

    def __init__(self, host="?", pid="?", since: str = "", user: str = ""):
        self.host, self.pid, self.since, self.user = host, pid, since, user
        when = ""
        try:
            t = dt.datetime.fromisoformat(since)
            when = f" từ {t:%H:%M} {t:%d/%m/%Y}"
        except (TypeError, ValueError):
            pass
        who = f" (người dùng {user})" if user else ""
        super().__init__(f"Sổ đang được mở ở máy {host} (tiến trình {pid}){who}{when}. "
                         "Hãy đóng chương trình ở đó trước. Nếu máy đó đã tắt đột ngột, thử mở lại sau ít giây.")


class SaveFailed(StoreError):
    exit_code = EXIT_SAVE


class SchemaTooNew(StoreError):
    exit_code = EXIT_DAMAGED

    def __init__(self, found: int, supported: int):
        super().__init__(
            f"Sổ dùng cấu trúc dữ liệu phiên bản {found}, mới hơn chương trình này "
            f"(phiên bản {supported}). Hãy cập nhật chương trình Sổ Tổ CNSCĐ."
        )
