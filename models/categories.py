"""Composition categories (thành phần): the list the clerk can edit."""

from __future__ import annotations

from dataclasses import dataclass

import peewee as pw

from . import text
from .audit import apply_changes, log
from .errors import FieldError, InputError
from .schema import Category


@dataclass(frozen=True)
class CategoryInfo:
    id: int
    code: str
    name: str
    name_en: str
    sort_order: int
    active: bool


def list_categories(reg, include_inactive: bool = False) -> list[CategoryInfo]:
    with reg.read():
        q = Category.select().order_by(Category.sort_order, Category.id)
        if not include_inactive:
            q = q.where(Category.active == True)  # noqa: E712
        return [CategoryInfo(c.id, c.code, c.name, c.name_en, c.sort_order, c.active) for c in q]


def save_category(reg, *, code: str, name: str, name_en: str = "", active: bool = True,
                  sort_order: int | None = None) -> CategoryInfo:
    code = text.clean(code).upper().replace(" ", "_")
    name = text.clean(name)
    errs = []
    if not code or not code.replace("_", "").isalnum() or not code.isascii():
        errs.append(FieldError("code", "Mã thành phần chỉ gồm chữ cái không dấu, chữ số và dấu gạch dưới."))
    if not name:
        errs.append(FieldError("name", "Tên thành phần không được để trống."))
    if errs:
        raise InputError(errs)
    with reg.write():
        c = Category.get_or_none(Category.code == code)
        if c is None:
            order = sort_order if sort_order is not None else (Category.select(pw.fn.MAX(Category.sort_order)).scalar() or 0) + 1
            c = Category.create(code=code, name=name, name_en=name_en, active=active, sort_order=order)
            log(reg, "them", "category", c.id, f"Thêm thành phần {code} – {name}")
        else:
            ch = {"name": name, "name_en": name_en, "active": active}
            if sort_order is not None:
                ch["sort_order"] = sort_order
            apply_changes(reg, c, "category", f"Thành phần {code}", ch)
    return next(x for x in list_categories(reg, True) if x.code == code)


def category_by_code(code: str) -> Category:
    c = Category.get_or_none(Category.code == code)
    if c is None:
        raise InputError(f"Thành phần «{code}» không có trong danh mục.", "category")
    return c
