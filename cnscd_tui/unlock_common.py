"""What the opening screens share (:mod:`cnscd_tui.unlock` and :mod:`cnscd_tui.unlock_more`): the
messages a worker answers with, how an open's errors are told, the checks of a new passphrase."""

from __future__ import annotations

from textual.message import Message


def _footer():
    """The key line of the other screens (not the unlock screen's: its widgets load after it)."""
    from .widgets import QuickFooter

    return QuickFooter()


class Opened(Message):
    def __init__(self, reg, settings, recovery_key: str = "") -> None:
        super().__init__()
        self.reg, self.settings, self.recovery_key = reg, settings, recovery_key


class OpenFailed(Message):
    def __init__(self, kind: str, message: str, backup=None) -> None:
        super().__init__()
        self.kind, self.message, self.backup = kind, message, backup


BACKUP_SECRET = ("Một bản sao lưu mở bằng mật khẩu của sổ LÚC TẠO bản sao đó: nếu đã đổi mật khẩu sau đó, "
                 "hãy nhập mật khẩu cũ.")


def passphrase_problems(p: str, names=()) -> list[str]:
    """What is wrong with a new passphrase (empty when it will do); ``names``: the registry's
    commune and province, which a passphrase may not merely repeat."""
    from models.passphrase import check_new_passphrase

    return list(check_new_passphrase(p, names))


def _open_errors(exc) -> OpenFailed:
    from models.errors import AlreadyOpen, DamagedFile, NotFound, WrongSecret

    if isinstance(exc, WrongSecret):
        return OpenFailed("wrong", exc.message)
    if isinstance(exc, AlreadyOpen):
        return OpenFailed("busy", exc.message)
    if isinstance(exc, DamagedFile):
        backup = exc.good_backups[0] if exc.good_backups else None
        return OpenFailed("damaged", exc.message, backup)
    if isinstance(exc, NotFound):
        return OpenFailed("missing", exc.message)
    return OpenFailed("error", getattr(exc, "message", str(exc)))
