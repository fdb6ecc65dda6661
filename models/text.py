"""Vietnamese text: normalisation, accent-insensitive keys, collation, formatting.

Collation follows the Vietnamese alphabet
``a ă â b c d đ e ê g h i k l m n o ô ơ p q r s t u ư v x y`` (with f j w z at
their Latin places), comparing base letters word by word; tones only break
ties, in dictionary order (ngang, huyền, hỏi, ngã, sắc, nặng); case last.
Python's code-point order puts "Đ" after "Z", and pyuca treats "ư" as "u" with
an accent — both wrong for a Vietnamese list.
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata

_WS = re.compile(r"\s+")

# Combining marks.
_TONES = {"\u0300": 1, "\u0309": 2, "\u0303": 3, "\u0301": 4, "\u0323": 5}  # huyền hỏi ngã sắc nặng
_BREVE, _CIRC, _HORN = "\u0306", "\u0302", "\u031b"

ALPHABET = ["a", "ă", "â", "b", "c", "d", "đ", "e", "ê", "f", "g", "h", "i", "j", "k", "l", "m", "n", "o", "ô",
            "ơ", "p", "q", "r", "s", "t", "u", "ư", "v", "w", "x", "y", "z"]
_LETTER_INDEX = {ch: i + 10 for i, ch in enumerate(ALPHABET)}  # digits take 0–9


def clean(s) -> str:
    """NFC, every run of whitespace (incl. NBSP, tabs, newlines) → one space, stripped. None → ""."""
    if s is None:
        return ""
    s = unicodedata.normalize("NFC", str(s))
    return _WS.sub(" ", s).strip()


def fold(s) -> str:
    """Accent- and case-insensitive key: "Đặng Thị Hà" → "dang thi ha"."""
    s = clean(s).lower().replace("đ", "d")
    s = unicodedata.normalize("NFD", s)
    s = "".join(ch for ch in s if not unicodedata.combining(ch))
    return unicodedata.normalize("NFC", s)


def search_key(family_middle: str, given: str) -> str:
    return fold(f"{family_middle} {given}")


def matches(query: str, key: str) -> bool:
    """Does a (folded or not) query match a stored search key?

    The folded query is a substring of the key, or every query word is the
    beginning of some word of the key, in any order ("ha nguyen").
    """
    q = fold(query)
    if not q:
        return True
    if q in key:
        return True
    words = key.split()
    return all(any(w.startswith(t) for w in words) for t in q.split())


def _letters(word: str) -> tuple[tuple[int, ...], tuple[int, ...], tuple[int, ...]]:
    """(primary letter indices, tones, case) of one word."""
    primary: list[int] = []
    tones: list[int] = []
    cases: list[int] = []
    for ch in word:
        decomposed = unicodedata.normalize("NFD", ch)
        base, marks = decomposed[0], decomposed[1:]
        lower = base.lower()
        cases.append(0 if base == lower else 1)
        tone = 0
        quality = ""
        for m in marks:
            if m in _TONES:
                tone = _TONES[m]
            elif m in (_BREVE, _CIRC, _HORN):
                quality = m
        letter = unicodedata.normalize("NFC", lower + quality) if quality else lower
        if letter in _LETTER_INDEX:
            primary.append(_LETTER_INDEX[letter])
        elif lower.isdigit() and lower.isascii():
            primary.append(int(lower))
        else:
            primary.append(100 + ord(lower))
        tones.append(tone)
    return tuple(primary), tuple(tones), tuple(cases)


def vn_key(s) -> tuple:
    """Sort key for any text, the Vietnamese way."""
    words = [_letters(w) for w in clean(s).split()]
    return (tuple(w[0] for w in words), tuple(w[1] for w in words), tuple(w[2] for w in words))


def name_sort_key(family_middle: str, given: str) -> tuple:
    """Vietnamese name order: given name first, then family+middle; tones, then case, break ties."""
    g, f = vn_key(given), vn_key(family_middle)
    return (g[0], f[0], g[1], f[1], g[2], f[2])


def _enc_words(words: tuple[tuple[int, ...], ...], offset: int = 0x30) -> str:
    return " ".join("".join(chr(offset + i) for i in w) for w in words)


def name_sort_key_str(family_middle: str, given: str) -> str:
    """:func:`name_sort_key` as a string whose plain ordering is the same (for SQL ORDER BY)."""
    g, f = vn_key(given), vn_key(family_middle)
    return "\x01".join([_enc_words(g[0]), _enc_words(f[0]), _enc_words(g[1]), _enc_words(f[1]),
                        _enc_words(g[2]), _enc_words(f[2])])


def split_full_name(full: str) -> tuple[str, str]:
    """"Nguyễn Thị Thu Hà" → ("Nguyễn Thị Thu", "Hà")."""
    parts = clean(full).split(" ")
    if not parts or parts == [""]:
        return "", ""
    if len(parts) == 1:
        return "", parts[0]
    return " ".join(parts[:-1]), parts[-1]


# ---------------------------------------------------------------------------
# Formatting (Vietnamese conventions)
# ---------------------------------------------------------------------------
def format_int(n) -> str:
    """7440000000 → "7.440.000.000"."""
    if n is None or n == "":
        return ""
    n = int(round(n))
    s = f"{abs(n):,}".replace(",", ".")
    return f"-{s}" if n < 0 else s


def format_money(n) -> str:
    return f"{format_int(n)} đ" if n not in (None, "") else ""


def format_decimal(x, places: int = 2) -> str:
    """12.5 → "12,50" (comma decimal, dot thousands)."""
    if x is None or x == "":
        return ""
    s = f"{abs(float(x)):,.{places}f}"
    whole, _, frac = s.partition(".")
    out = whole.replace(",", ".") + ("," + frac if frac else "")
    return f"-{out}" if float(x) < 0 else out


def format_hours(x) -> str:
    """4.0 → "4"; 3.5 → "3,5"."""
    if x is None or x == "":
        return ""
    x = float(x)
    return str(int(x)) if x == int(x) else format_decimal(x, 1)


def format_date(d) -> str:
    if d in (None, ""):
        return ""
    if isinstance(d, str):
        d = dt.date.fromisoformat(d[:10])
    return f"{d.day:02d}/{d.month:02d}/{d.year:04d}"


def place_date_line(place: str, d: dt.date | None = None) -> str:
    """"Duy Tiên, ngày 10 tháng 4 năm 2026".

    Per Nghị định 30/2020/NĐ-CP: days below 10 and months below 3 take a
    leading zero ("ngày 05 tháng 02 năm 2026").
    """
    d = d or dt.date.today()
    day = f"{d.day:02d}"
    month = f"{d.month:02d}" if d.month < 3 else str(d.month)
    line = f"ngày {day} tháng {month} năm {d.year}"
    place = clean(place)
    return f"{place}, {line}" if place else line[:1].upper() + line[1:]


def ascii_slug(s: str) -> str:
    """"Phường Duy Tiên" → "PhuongDuyTien" (for file names)."""
    words = re.split(r"[^0-9A-Za-z]+", fold(s))
    return "".join(w[:1].upper() + w[1:] for w in words if w)
