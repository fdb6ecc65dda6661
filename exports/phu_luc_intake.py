"""Phụ lục I intake: the filled tables communes and districts send up, rolled up.

    tab = read_phu_luc_1("xa-binh-an.xlsx")                  # Stt | Đơn vị | Tổ CNSCĐ/thôn "41/42" | Thành viên
    import_phu_luc_1(reg, "xa-binh-an.xlsx", source="Xã Bình An")
    report = aggregate_report(reg)                            # one row per source unit row, totals from the rows

A table whose stated total disagrees with its rows is refused unless the clerk
accepts it flagged (the flag is kept with it and shown in reports). Imported
tables are kept in the registry (:func:`models.bulk.save_document`, key
``aggregate:phu_luc_1:<slug>``).
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from models import bulk, text, validate
from models.errors import FieldError

from .headers import PLACE_DATE, cell_text, header_key, is_signature_label, is_total_label, text_value
from .roster_plan import RowMessage
from .sheets import ImportRejected, Table, read_table

__all__ = ["PhuLucRow", "PhuLucTable", "read_phu_luc_1", "import_phu_luc_1", "imported_tables", "aggregate_report"]

_PREFIX = "aggregate:phu_luc_1:"


@dataclass(frozen=True)
class PhuLucRow:
    row: int
    stt: str
    unit: str
    teams: int | None
    villages: int | None
    members: int


@dataclass
class PhuLucTable:
    path: str
    sheet: str
    rows: list[PhuLucRow]
    stated_teams: int | None
    stated_villages: int | None
    stated_members: int | None
    errors: list[RowMessage]
    flags: list[str]  # stated totals that disagree with the rows

    @property
    def members(self) -> int:
        return sum(r.members for r in self.rows)

    @property
    def teams(self) -> int:
        return sum(r.teams or 0 for r in self.rows)

    @property
    def villages(self) -> int:
        return sum(r.villages or 0 for r in self.rows)


def _int_cell(v: Any) -> int | None:
    if v in (None, ""):
        return None
    r = validate.check_int(v, "Số")
    return r.value if r.ok else None



def read_phu_luc_1(path, *, password: str | None = None, progress: Callable[[int, int], None] | None = None,
                   cancelled: Callable[[], bool] | None = None) -> PhuLucTable:
    """A filled Phụ lục I (Stt | Đơn vị | Tổng số Tổ CNSCĐ/thôn "41/42" | Tổng số thành viên | total row).

    ``password``: for a password-protected file (decrypted in memory)."""
    book = read_table(path, password=password, progress=progress, cancelled=cancelled)
    for t in book.tables:
        found = _find_columns(t)
        if found is not None:
            return _read_rows(str(path), t, *found)
    raise ImportRejected("Không tìm thấy bảng Phụ lục I (các cột «Đơn vị» và «Tổng số thành viên») trong tệp.", "header")


def _find_columns(t: Table) -> tuple[int, int, int | None, int] | None:
    """(header row, unit column, teams/villages column or None, members column), all 0-based."""
    for r in range(min(len(t.cells), 40)):
        keys = {c: header_key(cell_text(t, r, c)) for c in range(len(t.cells[r]))}
        unit_c = next((c for c, k in keys.items() if k.startswith(("don vi", "xa phuong", "thon", "huyen", "ten don vi"))
                       or k in ("xa", "phuong", "dia phuong")), None)
        team_c = next((c for c, k in keys.items() if "to cnscd" in k or k.startswith("so to") or "tong so to" in k), None)
        mem_c = next((c for c, k in keys.items() if "thanh vien" in k and c != team_c), None)
        if unit_c is not None and mem_c is not None:
            return r, unit_c, team_c, mem_c
    return None


def _teams_villages(v: Any) -> tuple[int | None, int | None]:
    """"41/42" → (41, 42); a single number → (n, None)."""
    m = re.fullmatch(r"\s*(\d+)\s*/\s*(\d+)\s*", str(v)) if isinstance(v, str) else None
    if m:
        return int(m.group(1)), int(m.group(2))
    return _int_cell(v), None


def _read_rows(path: str, t: Table, r0: int, uc: int, tc: int | None, mc: int) -> PhuLucTable:
    rows: list[PhuLucRow] = []
    errors: list[RowMessage] = []
    stated: tuple[int | None, int | None, int | None] = (None, None, None)
    for r in range(r0 + 1, len(t.cells)):
        unit = cell_text(t, r, uc)
        stt = text_value(t.value(r, 0)) if uc != 0 else ""
        if not unit and t.value(r, mc) in (None, ""):
            continue
        if re.fullmatch(r"\(?\d+\)?", unit or "") and re.fullmatch(r"\(?\d+\)?", text_value(t.value(r, mc)) or ""):
            continue  # column numbers
        teams, villages = _teams_villages(t.value(r, tc)) if tc is not None else (None, None)
        members = _int_cell(t.value(r, mc))
        if is_total_label(unit) or is_total_label(stt):
            stated = (teams, villages, members)
            break
        if is_signature_label(unit) or PLACE_DATE.search(text.fold(unit or "")):
            break
        if members is None:
            errors.append(RowMessage(r + 1, "members", f"Dòng {r + 1} «{unit}»: số thành viên "
                                                       f"«{text_value(t.value(r, mc))}» không phải số nguyên."))
            continue
        rows.append(PhuLucRow(r + 1, stt, unit, teams, villages, members))
    tab = PhuLucTable(path, t.name, rows, stated[0], stated[1], stated[2], errors, [])
    tab.flags.extend(_flags(tab, tc is not None))
    return tab


def _flags(tab: PhuLucTable, has_teams: bool) -> list[str]:
    """The stated totals that disagree with the rows."""
    out = []
    if tab.stated_members is not None and tab.stated_members != tab.members:
        out.append(f"Dòng tổng ghi {text.format_int(tab.stated_members)} thành viên nhưng cộng các dòng được "
                   f"{text.format_int(tab.members)} (chênh {text.format_int(tab.stated_members - tab.members)}).")
    if tab.stated_teams is not None and has_teams and tab.stated_teams != tab.teams:
        out.append(f"Dòng tổng ghi {text.format_int(tab.stated_teams)} tổ nhưng cộng các dòng được "
                   f"{text.format_int(tab.teams)}.")
    if tab.stated_villages is not None and tab.stated_villages != tab.villages:
        out.append(f"Dòng tổng ghi {text.format_int(tab.stated_villages)} thôn/TDP nhưng cộng các dòng được "
                   f"{text.format_int(tab.villages)}.")
    return out


def import_phu_luc_1(reg, path, *, source: str = "", accept_flagged: bool = False,
                     password: str | None = None) -> PhuLucTable:
    """Store a commune's/district's Phụ lục I in the registry (key ``aggregate:phu_luc_1:<slug>``).

    A table whose stated total disagrees with its rows is refused unless
    ``accept_flagged`` (then the flag is kept with it and shown in reports).
    """
    tab = read_phu_luc_1(path, password=password)
    if tab.errors:
        raise ImportRejected([FieldError(e.field, e.message) for e in tab.errors])
    if not tab.rows:
        raise ImportRejected("Bảng Phụ lục I không có dòng số liệu nào.")
    if tab.flags and not accept_flagged:
        raise ImportRejected([FieldError("total", f) for f in tab.flags]
                             + [FieldError("", "Bảng có số tổng không khớp các dòng nên chưa nhập. Hãy hỏi lại đơn vị gửi, "
                                               "hoặc nhập kèm cảnh báo (--accept-flagged): báo cáo dùng số cộng từ các dòng.")])
    name = text.clean(source) or Path(path).stem
    slug = text.ascii_slug(name)[:40] or "bang"
    payload = dict(source=name, file=Path(path).name, sheet=tab.sheet, imported=dt.date.today().isoformat(),
                   rows=[[r.stt, r.unit, r.teams, r.villages, r.members] for r in tab.rows],
                   stated=[tab.stated_teams, tab.stated_villages, tab.stated_members], flags=tab.flags)
    bulk.save_document(reg, f"{_PREFIX}{slug}"[:64], payload, action="nhap", entity="registry",
                       summary=f"Nhập Phụ lục I của {name}: {len(tab.rows)} đơn vị, {text.format_int(tab.members)} "
                               "thành viên" + (f" — CẢNH BÁO: {tab.flags[0]}" if tab.flags else ""))
    return tab


def imported_tables(reg) -> list[dict]:
    """The Phụ lục I tables imported so far (in key order)."""
    return list(bulk.documents(reg, _PREFIX).values())


def aggregate_report(reg, *, day: dt.date | None = None):
    """Phụ lục I rolled up from the imported tables (one row per source unit row), totals from the rows."""
    from .report import Column, Report, letterhead, unit_name

    rows = []
    flags = []
    t_teams = t_vill = t_mem = 0
    tables = imported_tables(reg)
    for tab in tables:
        for _stt, unit, teams, villages, members in tab["rows"]:
            rows.append([len(rows) + 1, f"{unit} ({tab['source']})" if len(tables) > 1 else unit,
                         f"{teams or 0}/{villages or 0}" if villages is not None else (teams or ""), members])
            t_teams += teams or 0
            t_vill += villages or 0
            t_mem += members
        for f in tab.get("flags", []):
            flags.append(f"{tab['source']}: {f}")
    notes = ["Dòng tổng cộng tính từ các dòng trên."] + [f"Bảng nguồn có sai lệch — {f}" for f in flags]
    return Report(key="phu-luc-1", title="TỔNG HỢP SỐ LIỆU TỔ CÔNG NGHỆ SỐ CỘNG ĐỒNG",
                  subtitle=f"{unit_name(reg).upper()} (TỔNG HỢP TỪ BÁO CÁO CÁC ĐƠN VỊ)",
                  columns=[Column("Stt", "int", 6), Column("Đơn vị", "text", 34),
                           Column("Tổng số Tổ CNSCĐ/thôn", "text", 16), Column("Tổng số thành viên Tổ CNSCĐ", "int", 18)],
                  rows=rows, total=["", "Tổng", f"{t_teams}/{t_vill}", t_mem], notes=notes, sheet_name="Phụ lục I",
                  letterhead=letterhead(reg, day), meta={"teams": t_teams, "villages": t_vill, "members": t_mem,
                                                          "flags": flags})
