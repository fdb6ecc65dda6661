"""Small helpers every service module shares: the clock, looking a row up by id, a person's name."""

from __future__ import annotations

import datetime as dt

from . import text
from .errors import NotFoundError


def today() -> dt.date:
    return dt.date.today()


def now() -> dt.datetime:
    return dt.datetime.now().replace(microsecond=0)


def get_row(model, id_: int, what: str):
    """The row of ``model`` with this id, or NotFoundError naming ``what`` («tổ», «người»…)."""
    row = model.get_or_none(model.id == id_)
    if row is None:
        raise NotFoundError(f"Không tìm thấy {what} (mã {id_}).")
    return row


def full_name(p) -> str:
    """«Họ đệm Tên» of a person row (or anything with family_name and given_name)."""
    return text.clean(f"{p.family_name} {p.given_name}")


def birth_year(p) -> int | None:
    return p.birth_date.year if p.birth_date else p.birth_year
