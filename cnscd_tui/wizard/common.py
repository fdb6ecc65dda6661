"""What the import wizard's steps and its screen share: the steps of each kind of import,
the messages the workers answer with, and how one row of a preview is described."""

from __future__ import annotations

from textual.message import Message

from ..i18n import tr

ROSTER_STEPS = [("file", "Chọn tệp"), ("sheet", "Trang tính"), ("map", "Ghép cột"), ("preview", "Xem trước"),
                ("done", "Kết quả")]
TABLE_STEPS = [("file", "Chọn tệp"), ("preview", "Xem trước"), ("done", "Kết quả")]


# -- messages from the workers ---------------------------------------------------------
class ImportProgress(Message):
    def __init__(self, what: str, done: int, total: int) -> None:
        super().__init__()
        self.what, self.done, self.total = what, done, total


class PreviewReady(Message):
    def __init__(self, preview=None, table=None, error: str = "", password_needed: bool = False) -> None:
        super().__init__()
        self.preview, self.table, self.error, self.password_needed = preview, table, error, password_needed


class ImportDone(Message):
    def __init__(self, result=None, table=None, error: str = "", cancelled: bool = False) -> None:
        super().__init__()
        self.result, self.table, self.error, self.cancelled = result, table, error, cancelled


class ReportWritten(Message):
    def __init__(self, text_: str, error: bool = False) -> None:
        super().__init__()
        self.text, self.error = text_, error


def row_detail(r) -> str:
    """A preview row's errors, or its changes and warnings, on one line."""
    if r.errors:
        return "; ".join(e.message for e in r.errors)
    bits = []
    if r.status == "update" and r.changes:
        bits.append(tr("đổi: ") + ", ".join(dict.fromkeys(r.changes)))
    bits += [w.message for w in r.warnings]
    return "; ".join(bits)
