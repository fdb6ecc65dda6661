"""Finding and mapping a roster's header rows; the labels that end a table.

Header cells are compared with :func:`models.text.fold` (no accents, no case,
punctuation as spaces): :func:`header_key`. :func:`field_for_header` names the
field a header cell means ("Số ĐT (Zalo)" → ``phone``). The header row is found
below the title rows (:func:`find_header`); a second header row under it is
understood ("Năm sinh" over "Nam" | "Nữ": the column holding the year gives the
gender), and a row of column numbers "(1) (2) (3)" under it is skipped.

A table ends at a whole-cell total label ("Tổng cộng", "Cộng" — not "Tống Văn
Dũng"), the place-and-date line or the signature block (:func:`is_total_label`,
:func:`is_place_date_line`, :func:`is_signature_label`).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import re
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from models import text

from . import legacy_text as lt
from .sheets import MAX_COLS, Book, ImportRejected, Table

__all__ = [
    "FIELDS", "TEXT_FIELDS", "header_key", "field_for_header", "parse_field", "shape_hash", "Header", "find_header",
    "pick_table", "cell_text", "text_value", "col_letter", "col_index", "is_total_label", "is_signature_label",
    "is_place_date_line", "PLACE_DATE",
]

# ---------------------------------------------------------------------------
# Fields and header names
# ---------------------------------------------------------------------------
FIELDS = {
    "stt": "Stt",
    "full_name": "Họ và tên",
    "family_name": "Họ và tên đệm",
    "given_name": "Tên",
    "birth": "Năm sinh",
    "birth_nam": "Năm sinh (Nam)",
    "birth_nu": "Năm sinh (Nữ)",
    "gender": "Giới tính",
    "phone": "Số điện thoại",
    "cccd": "Số CCCD",
    "role": "Vai trò trong Tổ",
    "category": "Thành phần",
    "position": "Chức vụ",
    "other_positions": "Chức vụ khác",
    "village": "Thôn/TDP",
    "notes": "Ghi chú",
    "ignore": "(bỏ qua)",
}
TEXT_FIELDS = ("full_name", "family_name", "given_name", "gender", "role", "category", "position", "other_positions",
               "village", "notes")


_EXACT = {
    "stt": ["stt", "tt", "so tt", "so thu tu", "s tt", "thu tu"],
    "full_name": ["ho va ten", "ho ten", "ho va ten thanh vien", "ten thanh vien", "ho va ten nguoi",
                  "thanh vien", "ho va ten cua thanh vien"],
    "family_name": ["ho", "ho dem", "ho va ten dem", "ho va dem", "ho va chu dem"],
    "given_name": ["ten"],
    "birth": ["nam sinh", "ngay sinh", "ngay thang nam sinh", "ngay thang nam", "sinh nam", "ns", "nam sinh ngay sinh"],
    "birth_nam": ["nam sinh nam", "nam"],
    "birth_nu": ["nam sinh nu", "nu"],
    "gender": ["gioi tinh", "gioi", "nam nu", "gt"],
    "phone": ["so dt", "dt", "sdt", "so dien thoai", "dien thoai", "dien thoai lien he", "so dien thoai lien he",
              "di dong", "so di dong", "dt lien he", "zalo", "so dt zalo", "dien thoai di dong"],
    "cccd": ["cccd", "so cccd", "cmnd", "so cmnd", "cccd cmnd", "so cccd cmnd", "cmnd cccd", "so dinh danh",
             "so dinh danh ca nhan", "can cuoc cong dan", "so can cuoc", "so can cuoc cong dan", "can cuoc"],
    "role": ["vai tro", "vai tro trong to", "chuc danh", "chuc danh trong to", "chuc vu trong to", "nhiem vu",
             "nhiem vu trong to", "vi tri", "vi tri trong to"],
    "category": ["thanh phan", "thanh phan tham gia", "thanh phan to", "doi tuong", "thuoc thanh phan"],
    # «Chức vụ»: the position held, from which the composition category is read when the file has no
    # «Thành phần» column (models.positions); «Chức vụ khác»: further positions, kept as they are
    "position": ["chuc vu", "chuc vu hien tai", "chuc vu dang dam nhiem", "chuc vu don vi cong tac",
                 "chuc vu tai dia phuong", "chuc vu doan the", "chuc vu chinh quyen doan the"],
    "other_positions": ["chuc vu khac", "don vi cong tac", "noi cong tac", "chuc danh khac", "cong viec hien nay",
                        "nghe nghiep"],
    "village": ["thon tdp", "thon", "tdp", "to dan pho", "thon to dan pho", "thon xom", "khu dan cu", "ban", "ap",
                "khom", "khu pho", "dia chi", "noi o", "cho o hien nay", "noi cu tru", "thon to", "thon ban",
                "don vi thon tdp", "thon khu pho"],
    "notes": ["ghi chu", "ghi chu khac"],
}
_EXACT_INDEX = {alias: f for f, aliases in _EXACT.items() for alias in aliases}
_KEYWORDS = [  # (substring, field), tried in order when no exact match
    ("ho va ten", "full_name"), ("ho ten", "full_name"), ("nam sinh", "birth"), ("ngay sinh", "birth"),
    ("gioi tinh", "gender"), ("dien thoai", "phone"), ("sdt", "phone"), ("so dt", "phone"), ("cccd", "cccd"),
    ("cmnd", "cccd"), ("can cuoc", "cccd"), ("dinh danh", "cccd"), ("vai tro", "role"), ("chuc vu khac", "other_positions"),
    ("chuc danh trong to", "role"), ("chuc vu trong to", "role"), ("thanh phan", "category"),
    ("chuc vu", "position"), ("chuc danh", "role"), ("thon", "village"), ("to dan pho", "village"),
    ("tdp", "village"), ("ghi chu", "notes"),
]


def header_key(s: Any) -> str:
    """"Thôn/TDP" → "thon tdp"; "Số ĐT (Zalo)" → "so dt zalo"."""
    if s is None:
        return ""
    f = text.fold(str(s))
    f = re.sub(r"[^0-9a-z]+", " ", f)
    return " ".join(f.split())


def field_for_header(s: Any) -> str | None:
    """The field a header cell names, or None."""
    k = header_key(s)
    if not k:
        return None
    if k in _EXACT_INDEX:
        return _EXACT_INDEX[k]
    if re.fullmatch(r"\d+|\(\d+\)", k):
        return None
    for sub, f in _KEYWORDS:
        if re.search(rf"(?:^| ){sub}(?: |$)", k):
            return f
    return None


def cell_text(t: Table, r: int, c: int, enc_hint: str | None = None, *, place: bool = False) -> str:
    """A header/label cell as Unicode text (legacy fonts and mojibake decoded). ``place``: the cell
    names a place (a village heading, a unit in Phụ lục I): its proper name gets its capitals back
    (:func:`legacy_text.decode_tcvn3`)."""
    v = t.value(r, c)
    if v is None:
        return ""
    if not isinstance(v, str):
        return str(v)
    enc, caps = lt.encoding_from_font(t.font(r, c))
    if enc:
        return text.clean(lt.decode(v, enc, capitals=caps, place=place))
    if enc_hint:
        return text.clean(lt.decode(v, enc_hint, place=place))
    if v.isascii():
        return text.clean(v)
    # No font: the reading that names a known field — the exact header name first, then the one
    # that reads as Vietnamese syllables ("Th«n/TDP" names "tdp" read as Unicode, but TCVN3 gives
    # "Thôn/TDP") — else the best-scoring one.
    best = None
    for i, e in enumerate(lt.ENCODINGS):
        d = text.clean(lt.decode(v, e))
        if field_for_header(d):
            key = (header_key(d) in _EXACT_INDEX, _reading_quality(d), -i)
            if best is None or key > best[0]:
                best = (key, d)
    if best is not None:
        return best[1]
    return text.clean(lt.decode(v, lt.detect([v]).encoding, place=place))


_WORD_SPLIT = re.compile(r"[\s,.;:()/\\\-–—+&]+")


def _reading_quality(s: str) -> int:
    """Valid Vietnamese syllables minus words with stray symbols (mojibake such as «, ¸, µ, ¬)."""
    good = bad = 0
    for w in _WORD_SPLIT.split(s):
        if not w:
            continue
        if not all(ch.isalnum() for ch in w):
            bad += 1
        elif w.isalpha() and lt.syllable_ok(w[:1] + w[1:].lower() if not w.isupper() else w):
            good += 1
    return good - 2 * bad


def _merged_value_grid(t: Table, rows: Iterable[int]) -> dict[tuple[int, int], str]:
    """Header texts with merged ranges filled into every cell they cover."""
    want = set(rows)
    out: dict[tuple[int, int], str] = {}
    for r in want:
        for c in range(len(t.cells[r]) if r < len(t.cells) else 0):
            s = cell_text(t, r, c)
            if s:
                out[(r, c)] = s
    for r1, c1, r2, c2 in t.merges:
        if not any(r1 <= r <= r2 for r in want):
            continue
        s = cell_text(t, r1, c1)
        if not s:
            continue
        for r in range(r1, r2 + 1):
            if r in want:
                for c in range(c1, min(c2, MAX_COLS) + 1):
                    out.setdefault((r, c), s)
    return out


@dataclass
class Header:
    row: int  # first header row (0-based)
    rows: int  # 1 or 2
    fields: dict[int, str]  # column → field
    texts: dict[int, str]  # column → header text shown to the clerk
    data_start: int  # first data row (0-based)


def find_header(t: Table) -> Header | None:
    """The header of a sheet: the row (in the first 40) naming a person's name and most other fields."""
    r = _header_row(t)
    if r is None:
        return None
    g1 = _merged_value_grid(t, [r])
    g2 = _merged_value_grid(t, [r + 1]) if r + 1 < len(t.cells) else {}
    two = _has_second_row(r, g1, g2)
    width = max([c for (_, c) in g1] + [c for (_, c) in g2] + [0]) + 1
    fields, texts = _header_fields(r, g1, g2 if two else {}, width)
    start = r + (2 if two else 1)
    # A row of column numbers "(1) (2) (3)" / "1 2 3" / "A B C" under the header.
    if start < len(t.cells):
        vals = [v for v in t.cells[start] if v not in (None, "")]
        if len(vals) >= 2 and all(_is_column_number(v) for v in vals):
            start += 1
    return Header(r, 2 if two else 1, fields, texts, start)


def _header_row(t: Table) -> int | None:
    """The row (0-based, first 40) with a name column and the most other known fields (at least two)."""
    best: tuple[int, int] | None = None
    for r in range(min(len(t.cells), 40)):
        fields = {field_for_header(cell_text(t, r, c)) for c in range(len(t.cells[r]))}
        fields -= {None, "stt", "ignore", "birth_nam", "birth_nu"}
        if not (fields & {"full_name", "given_name"}):
            continue
        n = len(fields)
        if n >= 2 and (best is None or n > best[1]):
            best = (r, n)
    return None if best is None else best[0]


def _has_second_row(r: int, g1: dict[tuple[int, int], str], g2: dict[tuple[int, int], str]) -> bool:
    """Is row ``r + 1`` a second header row: sub-titles under merged/empty cells, not data (no name under
    the name column)?"""
    if not g2:
        return False
    name_col = next((c for (_, c), s in g1.items() if field_for_header(s) in ("full_name", "given_name")), None)
    under_name = g2.get((r + 1, name_col), "") if name_col is not None else ""
    merged_name = under_name and under_name == g1.get((r, name_col))
    subs = [c for (_, c), s in g2.items()
            if field_for_header(s) in ("birth_nam", "birth_nu")
            or (field_for_header(s) and field_for_header(g1.get((r, c), "")) is None)]
    return bool((not under_name or merged_name) and subs)


def _header_fields(r: int, g1: dict[tuple[int, int], str], g2: dict[tuple[int, int], str],
                   width: int) -> tuple[dict[int, str], dict[int, str]]:
    """({column: field}, {column: header text shown to the clerk}) from one or two header rows."""
    fields: dict[int, str] = {}
    texts: dict[int, str] = {}
    for c in range(width):
        f, label = _column_field(g1.get((r, c), ""), g2.get((r + 1, c), ""), bool(g2))
        if label:
            texts[c] = label
        if f:
            if f in fields.values() and f not in ("ignore",):
                continue  # the first column of a field wins
            fields[c] = f
    return fields, texts


def _column_field(top: str, bottom: str, two: bool) -> tuple[str | None, str]:
    """(field, label) of one column from its top and (with two header rows) bottom header cell."""
    ftop = field_for_header(top)
    fbot = field_for_header(bottom) if bottom and bottom != top else None
    if two and fbot in ("birth_nam", "birth_nu") and ftop in ("birth", None):
        return fbot, (f"{top} – {bottom}" if top else bottom)
    if fbot and fbot not in ("birth_nam", "birth_nu"):
        return fbot, (f"{top} – {bottom}" if top and top != bottom else bottom)
    if ftop and ftop not in ("birth_nam", "birth_nu"):
        return ftop, top
    return None, (f"{top} – {bottom}" if top and bottom and top != bottom else top or bottom)


def _is_column_number(v: Any) -> bool:
    """"1", 2.0, "(3)", "A", "(4)=(2)+(3)": the numbering row under a header."""
    if isinstance(v, bool):
        return False
    if isinstance(v, (int, float)):
        return v == v and abs(v) < 100 and v == int(v)
    return re.fullmatch(r"\(?\s*(\d{1,2}|[A-Za-z])\s*\)?(\s*[=+*x-]\s*\(?\d+\)?)*", str(v).strip()) is not None


def col_letter(c: int) -> str:
    s = ""
    c += 1
    while c:
        c, rem = divmod(c - 1, 26)
        s = chr(65 + rem) + s
    return s


def col_index(spec: str, texts: dict[int, str]) -> int | None:
    s = spec.strip()
    if re.fullmatch(r"[A-Za-z]{1,3}", s):
        n = 0
        for ch in s.upper():
            n = n * 26 + ord(ch) - 64
        return n - 1
    if (s.isascii() and s.isdigit()):
        return int(s) - 1
    k = header_key(s)
    for c, h in texts.items():
        if header_key(h) == k:
            return c
    return None


def shape_hash(texts: dict[int, str]) -> str:
    key = "|".join(f"{c}:{header_key(h)}" for c, h in sorted(texts.items()))
    return hashlib.sha256(key.encode("utf-8")).hexdigest()[:16]


_FIELD_ALIASES = {header_key(v): k for k, v in FIELDS.items()} | {k: k for k in FIELDS}


def parse_field(name: str) -> str | None:
    """A field code from the clerk's spelling: "phone", "Số điện thoại", "so dien thoai", "SĐT"."""
    k = header_key(name)
    return _FIELD_ALIASES.get(k) or _FIELD_ALIASES.get(text.clean(name)) or field_for_header(name)


def pick_table(book: Book, sheet) -> tuple[Table, Header]:
    names = [t.name for t in book.tables]
    if sheet not in (None, ""):
        if isinstance(sheet, int) or (isinstance(sheet, str) and sheet.isdigit() and sheet not in names):
            i = int(sheet) - 1
            if not 0 <= i < len(book.tables):
                raise ImportRejected(f"Tệp không có trang số {sheet} (có {len(names)} trang: {', '.join(names)}).",
                                     "sheet")
            t = book.tables[i]
        else:
            hits = [t for t in book.tables if text.fold(t.name) == text.fold(str(sheet))]
            if not hits:
                raise ImportRejected(f"Tệp không có trang «{sheet}»; các trang: {', '.join(names)}.", "sheet")
            t = hits[0]
        h = find_header(t)
        if h is None:
            raise ImportRejected(f"Trang «{t.name}» không có dòng tiêu đề có cột «Họ và tên» — hãy kiểm tra lại tệp "
                                 "hoặc chỉ rõ cột bằng --map.", "header")
        return t, h
    found = []
    for t in book.tables:
        h = find_header(t)
        if h is not None:
            found.append((len(t.cells) - h.data_start, t, h))
    if not found:
        raise ImportRejected("Không tìm thấy dòng tiêu đề có cột «Họ và tên» trong trang nào của tệp "
                             f"({', '.join(names)}).", "header")
    found.sort(key=lambda x: -x[0])
    return found[0][1], found[0][2]


# A total row's label is the whole cell: "Tổng cộng", "Cộng", "Tổng số", "Tổng" — compared without accents —
# maybe with a colon, a note in brackets or a number after it ("Tổng cộng: 7.446", "Cộng (toàn xã)").
# A person "Tống Văn Dũng" or a unit "Cộng Hòa 1" is not a total.
_TOTAL_LABEL = re.compile(r"(?:tong cong|tong so|tong|cong)(?:\s*(?:[:=(\-–—].*|[\d\s.,/]*))?")
_TOTAL_WORDS = re.compile(r"(?:tổng cộng|tổng số)\s+\S")
# The signature block: compared with accents ("Trương Bản" is a name, "Trưởng ban" a signature); a cell
# typed without any accents is compared without them.
_SIGNATURE = re.compile(r"(?:người lập(?: biểu)?|xác nhận|ký tên|kt[.\s]|t/m\b|tm[.\s]|chủ tịch|trưởng ban|"
                        r"thủ trưởng|giám đốc|nơi nhận)")
_SIGNATURE_ASCII = re.compile(r"(?:nguoi lap|xac nhan|ky ten|kt[.\s]|t/m\b|tm[.\s]|chu tich|truong ban|thu truong|"
                              r"giam doc|noi nhan)")
PLACE_DATE = re.compile(r"ngay\s*[.…\d\s]*thang\s*[.…\d\s]*nam")
# A place-and-date line and nothing else: "Bình An, ngày 10 tháng 4 năm 2026", "……, ngày … tháng … năm 20…".
_PLACE_DATE_LINE = re.compile(r"(?:[^;:()\[\]]{0,80},\s*)?ngay\s*[.…_\s\d]*thang\s*[.…_\s\d]*nam\s*[.…_\s\d]*")


def is_total_label(s: Any) -> bool:
    """Is ``s`` (a whole cell) the label of a total row? "Tổng cộng", "TỔNG SỐ:", "Cộng" — yes;
    "Tống Văn Dũng", "Cộng Hòa 1" — no."""
    if s is None or not isinstance(s, str):
        return False
    f = text.fold(s)
    if len(f) > 80:
        return False
    if _TOTAL_LABEL.fullmatch(f):
        return True
    # "Tổng cộng có 5 người", "Tổng số thành viên: 5": the two-word labels, spelt with their accents
    # (without accents "Tong Cong Minh" may be a name)
    return _TOTAL_WORDS.match(text.clean(s).lower()) is not None


def is_signature_label(s: Any) -> bool:
    """Does ``s`` start the signature block ("Người lập biểu", "TM. ỦY BAN NHÂN DÂN", "KT. CHỦ TỊCH", "Nơi nhận:")?"""
    if s is None or not isinstance(s, str):
        return False
    c = text.clean(s).lower()
    if c.isascii():
        return _SIGNATURE_ASCII.match(c + " ") is not None
    return _SIGNATURE.match(c + " ") is not None


def is_place_date_line(s: Any) -> bool:
    """Is the whole cell a place-and-date line ("…, ngày … tháng … năm …", blank or filled in)?"""
    if s is None or not isinstance(s, str):
        return False
    f = text.fold(s)
    return len(f) <= 120 and _PLACE_DATE_LINE.fullmatch(f) is not None


def text_value(v: Any) -> str:
    if v is None:
        return ""
    if isinstance(v, float) and v == int(v):
        return str(int(v))
    if isinstance(v, (dt.datetime, dt.date)):
        return text.format_date(v)
    return text.clean(str(v))


