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


ASKED = "(chưa rõ — cần chọn)"


def category_cell(r, long: bool = False) -> str:
    """A preview row's composition category: its name, or «(chưa rõ — cần chọn)»; ``long`` says
    where it came from («theo chức vụ «Bí thư Chi đoàn»»)."""
    from exports.roster_plan import CATEGORY_SOURCES

    name = r.category_label if not r.category_asked else ASKED
    if not long:
        return tr(name)
    if r.category_asked:
        name = tr(ASKED).strip("()")
    how = tr(CATEGORY_SOURCES.get(r.category_source, ""))
    if r.title and (r.category_source == "chuc_vu" or r.category_asked):
        how = (how + " " if how else "") + f"«{r.title}»"
    return f"{tr(name)} ({how})" if how else tr(name)


def row_error(r, e) -> str:
    """One error of a preview row, as the wizard says it (an asked category: choose it here)."""
    if e.field == "category" and r.category_asked:
        if r.title:
            return tr("Chức vụ «{title}» chưa rõ thuộc thành phần nào: Enter để chọn (áp dụng cho mọi dòng cùng "
                      "chức vụ).").format(title=r.title)
        return tr("Thành phần chưa rõ: Enter để chọn.")
    return e.message


def row_detail(r, screen: bool = False) -> str:
    """A preview row's errors, or its changes and warnings, on one line (``screen``: as the wizard
    says them, not as the written report of the import does)."""
    if r.errors:
        return "; ".join(row_error(r, e) if screen else e.message for e in r.errors)
    bits = []
    if r.status == "update" and r.changes:
        bits.append(tr("đổi: ") + ", ".join(dict.fromkeys(r.changes)))
    bits += [w.message for w in r.warnings]
    return "; ".join(bits)
