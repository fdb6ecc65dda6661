"""Vietnamese text: normalisation, accent-insensitive keys, collation, formatting.

Collation follows the Vietnamese alphabet
``a ă â b c d đ e ê g h i k l m n o ô ơ p q r s t u ư v x y`` (with f j w z at
their Latin places), comparing base letters word by word; the vowel quality
(ă â ê ô ơ ư) and đ are primary differences. Tones only break ties, in the
order of Vietnamese dictionaries and of the Unicode CLDR ``vi`` collation:
không dấu, huyền, hỏi, ngã, sắc, nặng (see ``TONE_ORDER``). Case breaks the
remaining ties (lower case first). Runs of digits compare as numbers, and
digits sort before letters ("Tổ dân phố 2" < "Tổ dân phố 10" < "Tổ dân phố A").
Everything else (punctuation, other scripts) sorts after the letters.

Python's code-point order puts "Đ" after "Z", and pyuca treats "ư" as "u" with
an accent — both wrong for a Vietnamese list.
"""

from __future__ import annotations

import datetime as dt
import functools
import re
import unicodedata
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

__all__ = [
    "ALPHABET", "TONE_ORDER", "clean", "fold", "search_key", "matches", "vn_key", "name_sort_key",
    "name_sort_key_str", "split_full_name", "format_int", "format_money", "format_decimal", "format_hours",
    "format_date", "place_date_line", "ascii_slug",
]

_WS = re.compile(r"\s+")
# Invisible characters pasted from Word, web pages and chat apps (zero-width
# space, word joiner, BOM, soft hyphen). Removed before normalising.
_INVISIBLE = dict.fromkeys(map(ord, "\u200b\u2060\ufeff\u00ad"), None)
# Icelandic eth (Ð U+00D0 / ð U+00F0) looks exactly like Đ and turns up in data
# converted from the old TCVN3/VNI fonts; in a Vietnamese registry it is always Đ.
_LOOKALIKES = {0x00D0: "\u0110", 0x00F0: "\u0111"}

ALPHABET = ["a", "ă", "â", "b", "c", "d", "đ", "e", "ê", "f", "g", "h", "i", "j", "k", "l", "m", "n", "o", "ô",
            "ơ", "p", "q", "r", "s", "t", "u", "ư", "v", "w", "x", "y", "z"]

# Tone marks (combining characters after NFD) and their tie-break rank.
TONE_ORDER = ("không dấu", "huyền", "hỏi", "ngã", "sắc", "nặng")
_TONES = {"\u0300": 1, "\u0309": 2, "\u0303": 3, "\u0301": 4, "\u0323": 5}
# Vowel quality marks: base letter + mark → Vietnamese letter.
_QUALITY = {("a", "\u0306"): "ă", ("a", "\u0302"): "â", ("e", "\u0302"): "ê", ("o", "\u0302"): "ô",
            ("o", "\u031b"): "ơ", ("u", "\u031b"): "ư"}

# Primary weights. Letters keep 10..42; a run of digits is a length marker
# (-15 + number of significant digits, so shorter numbers come first) followed
# by its significant digits (0..9) and its count of leading zeros; everything
# else is 100 + code point. Every weight is > -16, so its encoding in
# name_sort_key_str stays above the separators " " and "\x01".
_LETTER_INDEX = {ch: i + 10 for i, ch in enumerate(ALPHABET)}
_RUN_MARKER = -15
_RUN_MAX = 14
_OTHER = 100


def clean(s) -> str:
    """NFC, every run of whitespace (incl. NBSP, tabs, newlines) → one space, stripped. None → ""."""
    if s is None:
        return ""
    s = str(s).translate(_INVISIBLE).translate(_LOOKALIKES)
    s = unicodedata.normalize("NFC", s)
    return _WS.sub(" ", s).strip()


def fold(s) -> str:
    """Accent- and case-insensitive key: "Đặng Thị Hà" → "dang thi ha"."""
    s = clean(s).lower().replace("đ", "d")
    s = unicodedata.normalize("NFD", s)
    s = "".join(ch for ch in s if not unicodedata.combining(ch))
    return _WS.sub(" ", unicodedata.normalize("NFC", s)).strip()


def search_key(family_middle: str, given: str) -> str:
    """The stored search key of a person: fold of "family_middle given"."""
    return fold(f"{clean(family_middle)} {clean(given)}")


def matches(query: str, key: str) -> bool:
    """Does a (folded or not) query match a stored search key?

    True when the folded query is a substring of the key ("nguyen thi h"), or
    every query word is the beginning of some word of the key, in any order
    ("ha nguyen"). An empty query matches everything.
    """
    q = fold(query)
    if not q:
        return True
    if not (key.isascii() and key == key.lower()):
        key = fold(key)
    return matches_folded(q, q.split(), key)


def matches_folded(q: str, q_words: list[str], key: str) -> bool:
    """:func:`matches` for an already folded query and key (the per-keystroke loop)."""
    if q in key:
        return True
    words = key.split()
    return all(any(w.startswith(t) for w in words) for t in q_words)


# ---------------------------------------------------------------------------
# Collation
# ---------------------------------------------------------------------------
@functools.lru_cache(maxsize=16384)  # names repeat their words (Nguyễn, Văn, Thị…): a roster's keys at once
def _word_weights(word: str) -> tuple[tuple[int, ...], tuple[int, ...], tuple[int, ...]]:
    """(primary weights, tones, cases) of one word (no spaces)."""
    # One [base, letter weight, tone, case, has quality] entry per base character.
    chars: list[list] = []
    for ch in unicodedata.normalize("NFD", word):
        if unicodedata.combining(ch) and chars:
            cur = chars[-1]
            if ch in _TONES and cur[2] == 0:
                cur[2] = _TONES[ch]
            elif not cur[4] and (cur[0], ch) in _QUALITY:
                cur[1] = _LETTER_INDEX[_QUALITY[(cur[0], ch)]]
                cur[4] = True
            # any other mark (ä, ç …) is ignored at the primary level, like fold()
            continue
        lower = ch.lower()
        if len(lower) != 1:
            lower = ch
        weight = _LETTER_INDEX.get(lower, _OTHER + ord(lower))
        chars.append([lower, weight, 0, 0 if ch == lower else 1, False])

    primary: list[int] = []
    tones: list[int] = []
    cases: list[int] = []
    i = 0
    while i < len(chars):
        base = chars[i][0]
        if "0" <= base <= "9":  # a run of ASCII digits compares as a number
            j = i
            while j < len(chars) and "0" <= chars[j][0] <= "9":
                j += 1
            run = "".join(c[0] for c in chars[i:j])
            significant = run.lstrip("0")
            primary.append(_RUN_MARKER + min(len(significant), _RUN_MAX))
            primary.extend(int(d) for d in significant)
            primary.append(len(run) - len(significant))
            for c in chars[i:j]:
                tones.append(c[2])
                cases.append(c[3])
            i = j
            continue
        primary.append(chars[i][1])
        tones.append(chars[i][2])
        cases.append(chars[i][3])
        i += 1
    return tuple(primary), tuple(tones), tuple(cases)


def _levels(s) -> tuple[tuple, tuple, tuple, str]:
    c = clean(s)
    words = [_word_weights(w) for w in c.split(" ") if w]
    return (tuple(w[0] for w in words), tuple(w[1] for w in words), tuple(w[2] for w in words), c)


def vn_key(s) -> tuple:
    """Sort key for any text, the Vietnamese way.

    ``(primary, tones, case, cleaned text)``: letters by the Vietnamese
    alphabet word by word, then tones, then case, then the text itself, so two
    keys are equal only for the same (cleaned) text.
    """
    return _levels(s)


def name_sort_key(family_middle: str, given: str) -> tuple:
    """Vietnamese name order: given name first, then family+middle; tones, then case, break ties."""
    g, f = _levels(given), _levels(family_middle)
    return (g[0], f[0], g[1], f[1], g[2], f[2], g[3], f[3])


def _enc(w: int) -> str:
    """One weight as text whose code-point order is the numeric order (prefix-free, no surrogates)."""
    w += 0x30
    if w < 0xD800:
        return chr(w)
    return chr(0xE000 + (w >> 11)) + chr(0xE000 + (w & 0x7FF))


def _enc_words(words: tuple[tuple[int, ...], ...]) -> str:
    return " ".join("".join(_enc(i) for i in w) for w in words)


def _enc_text(s: str) -> str:
    return "".join(_enc(ord(ch)) for ch in s)


def name_sort_key_str(family_middle: str, given: str) -> str:
    """:func:`name_sort_key` as a string whose plain (binary) ordering is the same — for SQL ORDER BY."""
    g, f = _levels(given), _levels(family_middle)
    return "\x01".join([_enc_words(g[0]), _enc_words(f[0]), _enc_words(g[1]), _enc_words(f[1]),
                        _enc_words(g[2]), _enc_words(f[2]), _enc_text(g[3]), _enc_text(f[3])])


def split_full_name(full: str) -> tuple[str, str]:
    """"Nguyễn Thị Thu Hà" → ("Nguyễn Thị Thu", "Hà"); "Hà" → ("", "Hà")."""
    parts = clean(full).split(" ")
    if parts == [""]:
        return "", ""
    return " ".join(parts[:-1]), parts[-1]


# ---------------------------------------------------------------------------
# Formatting (Vietnamese conventions)
# ---------------------------------------------------------------------------
def _decimal(x) -> Decimal:
    if isinstance(x, Decimal):
        return x
    if isinstance(x, float):
        return Decimal(repr(x))  # shortest repr: 2.675 stays 2.675, not 2.67499…
    if isinstance(x, str):
        return Decimal(clean(x))
    return Decimal(int(x))


def _group(digits: str) -> str:
    """"7440000000" → "7.440.000.000"."""
    head = len(digits) % 3 or 3
    return ".".join([digits[:head]] + [digits[i:i + 3] for i in range(head, len(digits), 3)])


def format_int(n) -> str:
    """7440000000 → "7.440.000.000"; -1500 → "-1.500"; halves round away from zero; None → ""."""
    if n is None or n == "":
        return ""
    try:
        v = _decimal(n).quantize(Decimal(1), rounding=ROUND_HALF_UP)
    except (InvalidOperation, ValueError):
        return clean(n)
    s = _group(str(abs(int(v))))
    return f"-{s}" if v < 0 else s


def format_money(n) -> str:
    """7440000000 → "7.440.000.000 đ"."""
    s = format_int(n)
    return f"{s} đ" if s else ""


def format_decimal(x, places: int = 2) -> str:
    """12.5 → "12,50"; 1234.5 → "1.234,50" (comma decimal, dot thousands)."""
    if x is None or x == "":
        return ""
    try:
        v = _decimal(x).quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP)
    except (InvalidOperation, ValueError):
        return clean(x)
    whole, _, frac = f"{abs(v):f}".partition(".")
    out = _group(whole) + ("," + frac if frac else "")
    return f"-{out}" if v < 0 else out


def format_hours(x) -> str:
    """4.0 → "4"; 3.5 → "3,5"."""
    if x is None or x == "":
        return ""
    x = float(x)
    return format_int(x) if x == int(x) else format_decimal(x, 1)


def format_date(d) -> str:
    """date/datetime → "dd/mm/yyyy"; None → ""; an ISO string is accepted too."""
    if d is None or d == "":
        return ""
    if isinstance(d, str):
        try:
            d = dt.date.fromisoformat(clean(d)[:10])
        except ValueError:
            return clean(d)
    return f"{d.day:02d}/{d.month:02d}/{d.year:04d}"


def place_date_line(place: str, d: dt.date | None = None) -> str:
    """"Duy Tiên, ngày 10 tháng 4 năm 2026".

    As in the source documents ("ngày 02 tháng 4 năm 2026", "ngày 08 tháng 4 năm
    2026") and Nghị định 30/2020/NĐ-CP: days below 10 and the months 1 and 2
    take a leading zero ("ngày 05 tháng 02 năm 2026"); other months do not.
    Without a place the line starts "Ngày …".
    """
    d = d or dt.date.today()
    month = f"{d.month:02d}" if d.month < 3 else str(d.month)
    line = f"ngày {d.day:02d} tháng {month} năm {d.year}"
    place = clean(place)
    return f"{place}, {line}" if place else line[:1].upper() + line[1:]


def ascii_slug(s: str) -> str:
    """"Phường Duy Tiên" → "PhuongDuyTien" (for file names)."""
    words = re.split(r"[^0-9A-Za-z]+", fold(s))
    return "".join(w[:1].upper() + w[1:] for w in words if w)


# ---------------------------------------------------------------------------
# Place names: "Phường Trần Hưng Đạo" → kind «phường», name «Trần Hưng Đạo»
# ---------------------------------------------------------------------------
UNIT_KIND_PREFIXES = ("thành phố", "tỉnh", "huyện", "thị xã", "thị trấn", "xã", "phường", "đặc khu",
                      "tổ dân phố", "thôn", "bản", "ấp", "khóm", "khu dân cư", "khu phố", "làng", "xóm", "tdp")
_UNIT_KIND_FOLDED = tuple((fold(p) + " ", p) for p in UNIT_KIND_PREFIXES)


def split_unit_kind(name: str) -> tuple[str, str]:
    """``"Tổ dân phố Cẩm Lệ"`` → ``("tổ dân phố", "Cẩm Lệ")``; no known kind → ``("", name)``.
    «TDP» counts as «tổ dân phố»."""
    name = clean(name)
    folded = fold(name)
    for fp, prefix in _UNIT_KIND_FOLDED:
        if folded.startswith(fp) and len(name) > len(fp):
            return ("tổ dân phố" if prefix == "tdp" else prefix), name[len(fp):].strip()
    return "", name


def strip_unit_kind(name: str) -> str:
    """``"Phường Trần Hưng Đạo"`` → ``"Trần Hưng Đạo"`` (the kind is stored apart)."""
    return split_unit_kind(name)[1]
