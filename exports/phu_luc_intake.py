"""Phụ lục I intake: the filled tables communes and districts send up, rolled up.

    tab = read_phu_luc_1("xa-binh-an.xlsx")                  # Stt | Đơn vị | Tổ CNSCĐ/thôn "41/42" | Thành viên
    import_phu_luc_1(reg, "xa-binh-an.xlsx", source="Xã Bình An")
    report = aggregate_report(reg)                            # one row per source unit row, totals from the rows

A table whose stated total disagrees with its rows is refused unless the clerk
accepts it flagged (the flag is kept with it and shown in reports). Imported
tables are kept in the registry (:func:`models.bulk.save_document`, key
``aggregate:phu_luc_1:<unit>:<period>``).

A table is keyed by **the unit it describes and the period**, never by its file name:
the unit from the file's own title block (the subtitle «XÃ BÌNH AN NĂM 2026», the
issuing body «UBND XÃ BÌNH AN», an official unit code «Mã đơn vị: 12345» where the
file has one), else the name the clerk gives (``source``); the period from the title,
else the one the clerk gives, else the year it is imported. A second table for the same
unit and period replaces the first only when the clerk confirms (``replace=True``);
without it, an :class:`InputError` (field ``replace``) says which table is there. The
roll-up shows which table each unit's row came from, so nothing is counted twice.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from models import bulk, text, validate
from models.errors import FieldError, InputError

from .headers import (PLACE_DATE, cell_text, header_key, is_place_date_line, is_signature_label, is_total_label,
                      text_value)
from .layout import Period, parse_period, period_in_text, unit_label
from .roster_plan import RowMessage
from .sheets import ImportRejected, Table, read_table

__all__ = ["PhuLucRow", "PhuLucTable", "read_phu_luc_1", "import_phu_luc_1", "imported_tables", "aggregate_report",
           "table_source", "unit_key"]

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
    unit: str = ""  # the unit the table describes, from its title block («Xã Bình An»); "" if it names none
    unit_code: str = ""  # the official unit code, where the file has one
    period: Period | None = None  # the period its title names

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
    """A filled Phụ lục I (Stt | Đơn vị | Tổng số Tổ CNSCĐ/thôn "41/42" — or its two numeric columns
    «Số tổ» | «Số thôn, TDP» — | Tổng số thành viên | total row), with the unit and period its title
    block names.

    ``password``: for a password-protected file (decrypted in memory)."""
    book = read_table(path, password=password, progress=progress, cancelled=cancelled)
    for t in book.tables:
        found = _find_columns(t)
        if found is not None:
            tab = _read_rows(str(path), t, *found)
            tab.unit, tab.unit_code, tab.period = _title_block(t, found[0])
            return tab
    raise ImportRejected("Không tìm thấy bảng Phụ lục I (các cột «Đơn vị» và «Tổng số thành viên») trong tệp.", "header")


def _find_columns(t: Table) -> tuple[int, int, int | None, int | None, int] | None:
    """(header row, unit column, teams (or "teams/villages") column or None, villages column or None,
    members column), all 0-based."""
    for r in range(min(len(t.cells), 40)):
        keys = {c: header_key(cell_text(t, r, c)) for c in range(len(t.cells[r]))}
        unit_c = next((c for c, k in keys.items() if k.startswith(("don vi", "xa phuong", "thon", "huyen", "ten don vi"))
                       or k in ("xa", "phuong", "dia phuong")), None)
        team_c = next((c for c, k in keys.items() if "to cnscd" in k or k.startswith("so to") or "tong so to" in k), None)
        mem_c = next((c for c, k in keys.items() if "thanh vien" in k and c != team_c), None)
        if unit_c is not None and mem_c is not None:
            return r, unit_c, team_c, _villages_column(t, r, team_c), mem_c
    return None


def _villages_column(t: Table, r: int, team_c: int | None) -> int | None:
    """The «Số thôn, TDP» column under a «Tổng số Tổ CNSCĐ/thôn» group (the two-column layout), or None."""
    if team_c is None or r + 1 >= len(t.cells):
        return None
    below = {c: header_key(cell_text(t, r + 1, c)) for c in range(len(t.cells[r + 1]))}
    if "thon" in below.get(team_c + 1, "") and "thon" not in below.get(team_c, "thon"):
        return team_c + 1
    return None


# «Mã đơn vị: 20314», «Mã ĐVHC 20314», «Mã xã: 20314»
_CODE = re.compile(r"\bma\s*(?:don vi(?: hanh chinh)?|dvhc|xa|phuong|huyen|tinh|so)?\s*[:.]?\s*(\d{2,8})\b")
_AUTHORITY = re.compile(r"^(?:ubnd|uy ban nhan dan|ub nhan dan)\s+")
_KINDS_FOLDED = tuple(text.fold(k) for k in text.UNIT_KIND_PREFIXES if k not in ("tdp",))


def _title_block(t: Table, header_row: int) -> tuple[str, str, Period | None]:
    """(unit, official code, period) named above the table: the subtitle «XÃ BÌNH AN QUÝ II NĂM 2026»,
    else the issuing body «UBND XÃ BÌNH AN»; the code from a «Mã đơn vị: …» line."""
    unit, code, period, authority = "", "", None, ""
    for r in range(min(header_row, len(t.cells))):
        for c in range(len(t.cells[r])):
            s = cell_text(t, r, c, place=True)
            if not s or is_place_date_line(s):
                continue
            f = text.fold(s)
            m = _CODE.search(f)
            if m and not code:
                code = m.group(1)
            found = period_in_text(s)
            if found is not None:
                period = found[0]
                named = _unit_name(s[:found[1][0]] if len(text.fold(s)) == len(s) else "")
                unit = named or unit
            elif _AUTHORITY.match(f):  # the issuing body is the last one named (its parent comes first)
                authority = _unit_name(s[_AUTHORITY.match(f).end():] if len(f) == len(s) else "") or authority
    return unit or authority, code, period


def _unit_name(s: str) -> str:
    """«PHƯỜNG TRẦN HƯNG ĐẠO» → «Phường Trần Hưng Đạo»; "" when it names no unit (a kind first)."""
    s = re.sub(r"\([^)]*\)", " ", s)
    s = text.clean(re.sub(r"[-–—:,]+\s*$", "", text.clean(s)))
    f = text.fold(s)
    if not any(f.startswith(k + " ") for k in _KINDS_FOLDED):
        return ""
    kind, name = text.split_unit_kind(s.lower())
    if not name:
        return ""
    name = " ".join(w[:1].upper() + w[1:] for w in name.split())
    return unit_label(kind, name)


def _teams_villages(v: Any) -> tuple[int | None, int | None]:
    """"41/42" → (41, 42); a single number → (n, None)."""
    m = re.fullmatch(r"\s*(\d+)\s*/\s*(\d+)\s*", str(v)) if isinstance(v, str) else None
    if m:
        return int(m.group(1)), int(m.group(2))
    return _int_cell(v), None


def _read_rows(path: str, t: Table, r0: int, uc: int, tc: int | None, vc: int | None, mc: int) -> PhuLucTable:
    rows: list[PhuLucRow] = []
    errors: list[RowMessage] = []
    stated: tuple[int | None, int | None, int | None] = (None, None, None)
    for r in range(r0 + 1, len(t.cells)):
        unit = cell_text(t, r, uc, place=True)
        stt = text_value(t.value(r, 0)) if uc != 0 else ""
        if not unit and t.value(r, mc) in (None, ""):
            continue
        if re.fullmatch(r"\(?\d+\)?", unit or "") and re.fullmatch(r"\(?\d+\)?", text_value(t.value(r, mc)) or ""):
            continue  # column numbers
        teams, villages = _teams_villages(t.value(r, tc)) if tc is not None else (None, None)
        if vc is not None:
            villages = _int_cell(t.value(r, vc))
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


# ---------------------------------------------------------------------------
# Keeping the tables: one per unit and period
# ---------------------------------------------------------------------------
_COPY = re.compile(r"(?:\s*\(\d+\)|\s*[-_ ]\s*(?:copy|bản sao|ban sao)(?:\s*\(\d+\))?)+$", re.IGNORECASE)


def _stem_unit(path) -> str:
    """The file's name as a last resort for the unit, without a copy's «(1)» / «- Copy»."""
    stem = Path(path).stem
    return text.clean(_COPY.sub("", stem)) or stem


def unit_key(name: str) -> str:
    """How two names of one unit compare: no accents, no case, no kind («Xã Bình An» = «Bình An»)."""
    return text.fold(text.strip_unit_kind(name)) or text.fold(name)


def _same_unit(doc: dict, key: str, code: str) -> bool:
    if code and doc.get("unit_code") and doc["unit_code"] != code:
        return False
    if code and doc.get("unit_code") == code:
        return True
    return doc.get("unit_key", unit_key(doc.get("unit") or doc.get("source", ""))) == key


def _doc_period(doc: dict) -> str:
    """A stored table's period code; a table kept before periods were recorded: the year it was imported."""
    return doc.get("period") or str(dt.date.fromisoformat(doc.get("imported", dt.date.today().isoformat())).year)


def import_phu_luc_1(reg, path, *, source: str = "", accept_flagged: bool = False, password: str | None = None,
                     period: Period | str | None = None, replace: bool = False,
                     day: dt.date | None = None) -> PhuLucTable:
    """Store a commune's/district's Phụ lục I in the registry, keyed by the unit it describes and the period.

    A table whose stated total disagrees with its rows is refused unless ``accept_flagged`` (then the
    flag is kept with it and shown in reports). ``period``: the period the clerk says the table is of
    (when its title names another, an :class:`InputError`); none named anywhere: the year of ``day``
    (today). A table already kept for the same unit and period is replaced only with ``replace``;
    otherwise an :class:`InputError` (field ``replace``) names it and says how to replace it.
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
    chosen = parse_period(period) if isinstance(period, str) else period
    if chosen is not None and tab.period is not None and chosen.code != tab.period.code:
        raise InputError(f"Tệp ghi kỳ «{tab.period.label}» nhưng đã chọn kỳ «{chosen.label}»; hãy kiểm tra lại tệp "
                         "hoặc kỳ đã chọn.", "period")
    p = tab.period or chosen or parse_period(str((day or dt.date.today()).year))
    period_from = "tệp" if tab.period else "đã chọn" if chosen else "năm nhập"
    sender = text.clean(source)
    unit = tab.unit or sender or _stem_unit(path)
    key_name = unit_key(unit)
    docs = bulk.documents(reg, _PREFIX)
    same = [(k, d) for k, d in docs.items() if _doc_period(d) == p.code and _same_unit(d, key_name, tab.unit_code)]
    if same and not replace:
        k, d = same[0]
        raise InputError(f"Sổ đã có bảng Phụ lục I của {d.get('unit') or d.get('source')} kỳ {p.label} (tệp «{d['file']}», "
                         f"nhập ngày {text.format_date(dt.date.fromisoformat(d['imported']))}, "
                         f"{text.format_int(sum(r[4] for r in d['rows']))} thành viên). Nhập tiếp sẽ cộng trùng nên "
                         "chưa nhập. Nếu bảng mới thay bảng cũ, hãy chọn «Thay bảng cũ» (--replace).", "replace")
    key = same[0][0] if same else _new_key(docs, unit, tab.unit_code, p)
    payload = dict(source=sender or unit, unit=unit, unit_key=key_name, unit_code=tab.unit_code, period=p.code,
                   period_label=p.label, period_from=period_from, file=Path(path).name, sheet=tab.sheet,
                   imported=(day or dt.date.today()).isoformat(),
                   rows=[[r.stt, r.unit, r.teams, r.villages, r.members] for r in tab.rows],
                   stated=[tab.stated_teams, tab.stated_villages, tab.stated_members], flags=tab.flags,
                   replaced=same[0][1]["file"] if same else "")
    what = "Thay" if same else "Nhập"
    bulk.save_document(reg, key, payload, action="nhap", entity="registry",
                       summary=f"{what} Phụ lục I của {unit} kỳ {p.label} (tệp {Path(path).name}): {len(tab.rows)} đơn vị, "
                               f"{text.format_int(tab.members)} thành viên"
                               + (f" — CẢNH BÁO: {tab.flags[0]}" if tab.flags else ""))
    tab.unit, tab.period = unit, p
    return tab


def _new_key(docs: dict, unit: str, code: str, p: Period) -> str:
    """A key for a new table: the unit's code or name and the period, unique among the kept ones."""
    slug = (f"ma{code}" if code else text.ascii_slug(unit)[:30]) or "bang"
    base = f"{_PREFIX}{slug}:{p.code}"[:64]
    key, i = base, 2
    while key in docs:
        key = f"{base[:60]}-{i}"
        i += 1
    return key


def imported_tables(reg, period: Period | str | None = None) -> list[dict]:
    """The Phụ lục I tables imported so far (in key order); of ``period`` only when given. Each has
    ``unit``, ``period`` (code), ``period_label``, ``file``, ``imported`` and its ``rows``."""
    code = period.code if isinstance(period, Period) else period
    out = []
    for d in bulk.documents(reg, _PREFIX).values():
        d.setdefault("unit", d.get("source", ""))
        d["period"] = _doc_period(d)
        d.setdefault("period_label", parse_period(d["period"]).label)
        if code is None or d["period"] == code:
            out.append(d)
    return out


def table_source(tab: dict) -> str:
    """Which table a row came from: «PhuLucI_XaA.xlsx, nhập 10/04/2026»."""
    return f"{tab['file']}, nhập {text.format_date(dt.date.fromisoformat(tab['imported']))}"


def aggregate_report(reg, *, day: dt.date | None = None, period: Period | None = None):
    """Phụ lục I rolled up from the imported tables of one period (one row per source unit row, and the
    table each came from), totals from the rows. ``period`` None: the tables' latest period."""
    from .layout import Column, Report, letterhead, period_title, stt_column, unit_name

    every = imported_tables(reg)
    if period is None and every:
        period = max((parse_period(d["period"]) for d in every), key=lambda p: (p.end, p.start))
    tables = [d for d in every if period is not None and d["period"] == period.code]
    rows = []
    flags = []
    t_teams = t_vill = t_mem = 0
    many = len(tables) > 1  # rows from several tables: each says which one it came from
    for tab in tables:
        for _stt, unit, teams, villages, members in tab["rows"]:
            rows.append([len(rows) + 1, f"{unit} ({tab['unit']})" if many else unit, teams or 0,
                         villages if villages is not None else None, members] + ([table_source(tab)] if many else []))
            t_teams += teams or 0
            t_vill += villages or 0
            t_mem += members
        for f in tab.get("flags", []):
            flags.append(f"{tab['unit']}: {f}")
    notes = ["Dòng tổng cộng tính từ các dòng trên. " + (
        "Cột «Nguồn số liệu»: bảng của đơn vị gửi lên mà dòng đó lấy số liệu (mỗi đơn vị, mỗi kỳ chỉ một bảng)."
        if many else "".join(f"Số liệu từ bảng của {t['unit']} ({table_source(t)})." for t in tables))]
    notes += [f"Bảng nguồn có sai lệch — {f}" for f in flags]
    left_out = [d for d in every if d not in tables]
    if left_out:
        notes.append("Không cộng các bảng khác kỳ: " + "; ".join(f"{d['unit']} ({d['period_label']})" for d in left_out)
                     + ".")
    head = f"{unit_name(reg).upper()} (TỔNG HỢP TỪ BÁO CÁO CÁC ĐƠN VỊ)"
    return Report(key="phu-luc-1", title="TỔNG HỢP SỐ LIỆU TỔ CÔNG NGHỆ SỐ CỘNG ĐỒNG",
                  subtitle=f"{head} {period_title(period)}" if period else head,
                  columns=[stt_column(), Column("Đơn vị", "text", 34),
                           Column("Số tổ", "int", 9, group="Tổng số Tổ CNSCĐ/thôn"),
                           Column("Số thôn, TDP", "int", 9, group="Tổng số Tổ CNSCĐ/thôn"),
                           Column("Tổng số thành viên Tổ CNSCĐ", "int", 16)]
                  + ([Column("Nguồn số liệu", "text", 26)] if many else []),
                  rows=rows, total=["", "Tổng", t_teams, t_vill, t_mem] + ([""] if many else []), notes=notes,
                  sheet_name="Phụ lục I",
                  letterhead=letterhead(reg, day), meta={"teams": t_teams, "villages": t_vill, "members": t_mem,
                                                          "flags": flags, "period": period.code if period else ""})
