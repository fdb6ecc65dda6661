"""The commune's statistics sheet → denominators per village for a year (a preview, then apply).

    preview = read_statistics(reg, "so-lieu-thon-2026.xlsx", year=2026)
    apply_statistics(reg, preview)          # nothing written while any row has an error

The sheet (XLSX, XLS, ODS or CSV) has a header row with «Thôn/TDP» and any of «Số hộ», «Số dân»,
«Số người trong độ tuổi lao động», «Số hộ kinh doanh», «Số hồ sơ TTHC phát sinh» (the words
may vary: «Tổng số hộ», «Nhân khẩu», «Hộ kinh doanh, tiểu thương»…). Each village is matched
by name (with or without «Thôn»/«TDP»); a total row is skipped (the commune's totals are
computed, never typed); an empty cell leaves that figure as it is. Errors name the cell.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass, field
from pathlib import Path

from models import activities as act
from models import text
from models.errors import FieldError, InputError

from .headers import cell_text, col_letter, header_key, is_total_label
from .sheets import ImportRejected, Table, read_table

# (field, header phrases) — more specific phrases first («số hộ kinh doanh» before «số hộ»)
_HEADERS = [
    ("dossiers", ("ho so tthc", "ho so thu tuc", "ho so phat sinh", "so ho so")),
    ("businesses", ("ho kinh doanh", "tieu thuong", "co so kinh doanh")),
    ("working_age", ("do tuoi lao dong", "lao dong")),
    ("households", ("so ho", "tong so ho", "ho gia dinh", "ho dan")),
    ("residents", ("so dan", "dan so", "nhan khau", "so nguoi", "tong so dan")),
    ("village", ("thon", "to dan pho", "tdp", "khu dan cu", "ten don vi", "don vi", "ap", "ban", "khom")),
]


def _field(header: str) -> str | None:
    k = header_key(header)
    if not k or re.fullmatch(r"stt|tt|so tt|\d+", k):
        return None
    for name, phrases in _HEADERS:
        if any(re.search(rf"(?:^| ){p}(?: |$)", k) for p in phrases):
            return name
    return None


@dataclass(frozen=True)
class StatRow:
    line: int  # 1-based row in the sheet
    village_id: int | None
    village: str  # as the registry names it (or as written, when not found)
    values: dict[str, int | None]  # None: empty cell, left as it is
    old: dict[str, int | None]
    errors: list[str] = field(default_factory=list)

    @property
    def changed(self) -> list[str]:
        return [n for n, v in self.values.items() if v is not None and v != self.old.get(n)]


@dataclass(frozen=True)
class StatsPreview:
    path: str
    year: int
    columns: dict[str, str]  # field → the header as written
    rows: list[StatRow]
    errors: list[str]  # the whole file's, then every row's
    not_in_sheet: list[str]  # active villages the sheet does not mention

    @property
    def ok(self) -> bool:
        return not self.errors and any(r.changed for r in self.rows)

    @property
    def changes(self) -> int:
        return sum(len(r.changed) for r in self.rows)


def _find_header(t: Table) -> tuple[int, dict[str, int], dict[str, str]] | None:
    for r in range(min(len(t.cells), 30)):
        cols: dict[str, int] = {}
        shown: dict[str, str] = {}
        for c in range(t.width):
            h = cell_text(t, r, c)
            f = _field(h)
            if f and f not in cols:
                cols[f] = c
                shown[f] = h
        if "village" in cols and len(cols) >= 2:
            return r, cols, shown
    return None


def _villages(reg) -> dict[str, list[tuple[int, str]]]:
    """folded name → [(village id, «Thôn X»)], by bare name and by name with its kind."""
    table = act.list_denominators(reg, 2000, carry=False)  # names only; the year does not matter here
    out: dict[str, list[tuple[int, str]]] = {}
    for d in table.villages:
        bare = text.fold(text.strip_unit_kind(d.unit_name.split(",")[0]))
        for key in {bare, text.fold(d.unit_name)}:
            out.setdefault(key, []).append((d.unit_id, d.unit_name))
    return out


def _row(t: Table, r: int, cols: dict[str, int], villages, old_by_id, year: int) -> StatRow | None:
    name = cell_text(t, r, cols["village"])
    if not name or is_total_label(name):
        return None
    values = {f: t.value(r, c) for f, c in cols.items() if f != "village"}
    if all(v in (None, "") for v in values.values()):
        return None
    hits = villages.get(text.fold(name)) or villages.get(text.fold(text.strip_unit_kind(name))) or []
    hits = list(dict.fromkeys(hits))
    line = r + 1
    if len(hits) != 1:
        why = "không có trong sổ" if not hits else "trùng tên nhiều thôn trong sổ; hãy ghi rõ loại (thôn/TDP)"
        return StatRow(line, None, name, {}, {}, [f"Dòng {line}: «{name}» {why}."])
    vid, vname = hits[0]
    inp = act.DenominatorInput(vid, year, keep_blank=True, **values)
    checked, errs = act.check_denominators(inp)
    errors = [f"Ô {col_letter(cols[e.field])}{line}: {e.message}" if e.field in cols else f"Dòng {line}: {e.message}"
              for e in errs]
    old = old_by_id.get(vid)
    old_vals = {n: (old.get(n) if old else None) for n in act.DENOMINATORS}
    return StatRow(line, vid, vname, checked, old_vals, errors)


def read_statistics(reg, path: str | os.PathLike, *, year: int) -> StatsPreview:
    """The preview of a statistics sheet for ``year`` (nothing written). An unreadable file is
    :class:`~exports.sheets.ImportFailed`."""
    if not isinstance(year, int) or not 2000 <= year <= 2100:
        raise InputError(f"Năm «{year}» không hợp lệ (từ 2000 đến 2100).", "year")
    book = read_table(path)
    found = None
    for t in book.tables:
        found = _find_header(t)
        if found:
            break
    if found is None:
        raise ImportRejected(f"Tệp «{Path(path).name}»: không thấy dòng tiêu đề có cột «Thôn/TDP» và một trong các "
                             "cột «Số hộ», «Số dân», «Số người trong độ tuổi lao động», «Số hộ kinh doanh».", "header")
    r0, cols, shown = found
    villages = _villages(reg)
    current = act.list_denominators(reg, year, carry=False)
    old_by_id = {d.unit_id: d for d in current.villages}
    rows, seen, errors = [], {}, []
    for r in range(r0 + 1, len(t.cells)):
        row = _row(t, r, cols, villages, old_by_id, year)
        if row is None:
            continue
        if row.village_id is not None and row.village_id in seen:
            row = StatRow(row.line, row.village_id, row.village, row.values, row.old,
                          row.errors + [f"Dòng {row.line}: {row.village} đã có ở dòng {seen[row.village_id]}."])
        elif row.village_id is not None:
            seen[row.village_id] = row.line
        rows.append(row)
        errors += row.errors
    if not rows:
        errors.append(f"Tệp «{Path(path).name}»: không có dòng số liệu nào dưới dòng tiêu đề.")
    missing = [d.unit_name for d in current.villages if d.unit_id not in seen]
    return StatsPreview(str(path), year, {f: shown[f] for f in cols}, rows, errors, missing)


def apply_statistics(reg, preview: StatsPreview) -> int:
    """Write the previewed figures (all or nothing); returns the villages changed."""
    if preview.errors:
        raise ImportRejected("Chưa nhập số liệu vì có lỗi:\n" + "\n".join(preview.errors))
    todo = [r for r in preview.rows if r.changed]
    if not todo:
        return 0
    inputs = [act.DenominatorInput(r.village_id, preview.year, keep_blank=True,
                                   **{n: v for n, v in r.values.items() if v is not None}) for r in todo]
    try:
        return act.set_denominators_many(reg, inputs)
    except InputError as e:  # changed since the preview
        raise ImportRejected([FieldError(x.field, x.message) for x in e.errors]) from e
