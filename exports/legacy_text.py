"""Vietnamese text typed in the pre-Unicode fonts: TCVN3 (ABC) and VNI → Unicode NFC.

Old office spreadsheets still carry text in two 8-bit encodings that only look
right in their own fonts. Read as Unicode they are mojibake ("NguyÔn V¨n A",
"Nguyeãn Vaên A"):

- **TCVN3 / ABC** (fonts ``.VnTime``, ``.VnArial`` …): one byte per letter;
  lower-case toned letters and the 14 letters ă â ê ô ơ ư đ / Ă Â Ê Ô Ơ Ư Đ
  have their own code points (TCVN 5712:1993, the "ABC" table). Capital toned
  letters do not exist: the capital fonts whose names end in ``H``
  (``.VnTimeH``, ``.VnArialH``) draw every letter as a capital, so text in
  them is decoded and then upper-cased.
- **VNI Windows** (fonts ``VNI-Times``, ``VNI-Helve`` …): a base letter
  followed by a mark byte ("a" + "ù" = "á", "a" + "â" = "â", "a" + "á" = "ấ",
  "a" + "ê" = "ă"); ơ, ư, đ and the toned i's and ỵ are single bytes.

A spreadsheet stores such text as the Windows-1252 characters of those bytes;
both tables below are written in those characters.

Detection: by the cell's font name where the file records one
(:func:`encoding_from_font`), otherwise by scoring which reading gives valid
Vietnamese syllables (:func:`detect`). A close call is reported as *unsure* and
the caller asks the clerk.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

from models import text

__all__ = [
    "UNICODE", "TCVN3", "VNI", "ENCODINGS", "ENCODING_LABELS", "decode", "decode_tcvn3", "decode_vni",
    "encode_tcvn3", "encode_vni", "encoding_from_font", "syllable_ok", "score", "detect", "Detection",
]

UNICODE, TCVN3, VNI = "unicode", "tcvn3", "vni"
ENCODINGS = (UNICODE, TCVN3, VNI)
ENCODING_LABELS = {UNICODE: "Unicode", TCVN3: "TCVN3 (ABC, phông .VnTime)", VNI: "VNI (phông VNI-Times)"}

# ---------------------------------------------------------------------------
# TCVN3 (ABC): byte → letter. Lower-case toned letters, in the order
# (huyền, hỏi, ngã, sắc, nặng) per vowel.
# ---------------------------------------------------------------------------
_TCVN3_ROWS = [
    ("a", "àảãáạ", [0xB5, 0xB6, 0xB7, 0xB8, 0xB9]),
    ("ă", "ằẳẵắặ", [0xBB, 0xBC, 0xBD, 0xBE, 0xC6]),
    ("â", "ầẩẫấậ", [0xC7, 0xC8, 0xC9, 0xCA, 0xCB]),
    ("e", "èẻẽéẹ", [0xCC, 0xCE, 0xCF, 0xD0, 0xD1]),
    ("ê", "ềểễếệ", [0xD2, 0xD3, 0xD4, 0xD5, 0xD6]),
    ("i", "ìỉĩíị", [0xD7, 0xD8, 0xDC, 0xDD, 0xDE]),
    ("o", "òỏõóọ", [0xDF, 0xE1, 0xE2, 0xE3, 0xE4]),
    ("ô", "ồổỗốộ", [0xE5, 0xE6, 0xE7, 0xE8, 0xE9]),
    ("ơ", "ờởỡớợ", [0xEA, 0xEB, 0xEC, 0xED, 0xEE]),
    ("u", "ùủũúụ", [0xEF, 0xF1, 0xF2, 0xF3, 0xF4]),
    ("ư", "ừửữứự", [0xF5, 0xF6, 0xF7, 0xF8, 0xF9]),
    ("y", "ỳỷỹýỵ", [0xFA, 0xFB, 0xFC, 0xFD, 0xFE]),
]
_TCVN3_PLAIN = {0xA8: "ă", 0xA9: "â", 0xAA: "ê", 0xAB: "ô", 0xAC: "ơ", 0xAD: "ư", 0xAE: "đ",
                0xA1: "Ă", 0xA2: "Â", 0xA3: "Ê", 0xA4: "Ô", 0xA5: "Ơ", 0xA6: "Ư", 0xA7: "Đ"}
TCVN3_TO_UNICODE: dict[int, str] = dict(_TCVN3_PLAIN)
for _base, _toned, _codes in _TCVN3_ROWS:
    for _ch, _code in zip(_toned, _codes, strict=True):
        TCVN3_TO_UNICODE[_code] = _ch
# Characters as a spreadsheet shows them (cp1252 = latin-1 in 0xA0–0xFF).
_TCVN3_TABLE = {code: ch for code, ch in TCVN3_TO_UNICODE.items()}
_UNICODE_TO_TCVN3 = {ch: chr(code) for code, ch in TCVN3_TO_UNICODE.items()}

# ---------------------------------------------------------------------------
# VNI Windows: mark characters that follow a base letter.
# ---------------------------------------------------------------------------
_TONES = "\u0301\u0300\u0309\u0303\u0323"  # sắc, huyền, hỏi, ngã, nặng
# plain vowels (a e o u y) and ơ ư: sắc ù, huyền ø, hỏi û, ngã õ, nặng ï
_VNI_TONE = {"ù": 0, "ø": 1, "û": 2, "õ": 3, "ï": 4}
# a/e/o + circumflex: â (none), á, à, å, ã, ä
_VNI_CIRC = {"â": None, "á": 0, "à": 1, "å": 2, "ã": 3, "ä": 4}
# a + breve: ê (none), é, è, ú, ü, ë
_VNI_BREVE = {"ê": None, "é": 0, "è": 1, "ú": 2, "ü": 3, "ë": 4}
# single characters
_VNI_SINGLE = {"ô": "ơ", "ö": "ư", "ñ": "đ", "í": "í", "ì": "ì", "æ": "ỉ", "ó": "ĩ", "ò": "ị", "î": "ỵ"}


def _with_tone(base: str, tone: int | None) -> str:
    if tone is None:
        return base
    return unicodedata.normalize("NFC", base + _TONES[tone])


def _lower_map(d: dict) -> dict:
    out = {}
    for k, v in d.items():
        out[k] = v
        out[k.upper()] = v
    return out


_VNI_TONE_ANY = _lower_map(_VNI_TONE)
_VNI_CIRC_ANY = _lower_map(_VNI_CIRC)
_VNI_BREVE_ANY = _lower_map(_VNI_BREVE)


def decode_vni(s: str) -> str:
    """VNI Windows text (as Windows-1252 characters) → Unicode NFC."""
    out: list[str] = []
    i, n = 0, len(s)
    while i < n:
        ch = s[i]
        nxt = s[i + 1] if i + 1 < n else ""
        low = ch.lower()
        upper = ch != low
        if low in "aeo" and nxt and nxt in _VNI_CIRC_ANY:
            out.append(_case(_with_tone({"a": "â", "e": "ê", "o": "ô"}[low], _VNI_CIRC_ANY[nxt]), upper))
            i += 2
            continue
        if low == "a" and nxt and nxt in _VNI_BREVE_ANY:
            out.append(_case(_with_tone("ă", _VNI_BREVE_ANY[nxt]), upper))
            i += 2
            continue
        if low in "aeouy" and nxt and nxt in _VNI_TONE_ANY:
            out.append(_case(_with_tone(low, _VNI_TONE_ANY[nxt]), upper))
            i += 2
            continue
        if low in ("ô", "ö"):  # ơ / ư, maybe with a tone mark after
            base = "ơ" if low == "ô" else "ư"
            if nxt and nxt in _VNI_TONE_ANY:
                out.append(_case(_with_tone(base, _VNI_TONE_ANY[nxt]), upper))
                i += 2
                continue
            out.append(_case(base, upper))
            i += 1
            continue
        if low in _VNI_SINGLE:
            out.append(_case(_VNI_SINGLE[low], upper))
            i += 1
            continue
        out.append(ch)
        i += 1
    return unicodedata.normalize("NFC", "".join(out))


def _case(s: str, upper: bool) -> str:
    return s.upper() if upper else s


_WORD = re.compile(r"\S+")


# Words that name a kind of place before its proper name («Tổ dân phố á Lữ», «Thôn Ông Tú», «Xã
# Ea Súp»): written in lower case by custom, so they say nothing about how the typist writes capitals.
_PLACE_KINDS = tuple(sorted({*(text.fold(k) for k in text.UNIT_KIND_PREFIXES), "to", "khu", "khoi", "doi", "cum",
                             "buon", "plei", "soc"},
                            key=lambda k: -len(k.split())))
_ENUMERATOR = re.compile(r"(?:[IVXLC]+|\d+|[a-zA-Z])[.)]$")


def _place_kind_words(words: list[tuple[int, int, str, str]]) -> int:
    """How many leading words of a place name are an enumerator («I.») and its kind («Tổ dân phố»)."""
    n = 1 if words and _ENUMERATOR.match(words[0][3]) else 0
    decoded = [text.fold(w[3]) for w in words[n:]]
    for kind in _PLACE_KINDS:
        k = kind.split()
        if decoded[:len(k)] == k and len(decoded) > len(k):
            return n + len(k)
    return n


def _capitalize_initials(words: list[tuple[int, int, str, str]], place: bool) -> list[tuple[int, int, str, str]]:
    """A word starting with a toned vowel (which .VnTime cannot write as a capital) gets a capital when
    the other words of the name start with one; in a place name the kind words before the proper name
    («Tổ dân phố», «thôn») do not count, and the kind's first word gets its capital with the name's."""
    skip = _place_kind_words(words) if place else 0
    name = words[skip:]
    others = [w for w in name if w[2][:1].isascii() and w[2][:1].isalpha()]
    if not name or not others or not all(w[2][:1].isupper() for w in others):
        return words

    def cap(w):
        a, b, raw, dec = w
        return (a, b, raw, dec[:1].upper() + dec[1:] if ord(raw[0]) in _TCVN3_TABLE else dec)

    head = words[:skip]
    if place and head and not _ENUMERATOR.match(head[0][3]):
        head = [cap(head[0])] + head[1:]
    return head + [cap(w) for w in name]


def decode_tcvn3(s: str, *, capitals: bool = False, capitalize_initials: bool = False, place: bool = False) -> str:
    """TCVN3 (ABC) text → Unicode NFC.

    ``capitals``: the text was in a capital font (.VnTimeH …): the result is
    upper-cased. Without font information, a word whose Latin letters are all
    capitals is upper-cased too ("NGUYÔN" → "NGUYỄN").
    ``capitalize_initials``: for names — a word that starts with a toned vowel
    (which .VnTime cannot write as a capital) gets a capital when the other
    words of the text start with one ("Tr­¬ng ThÞ Ngäc ¸nh" → "… Ánh").
    ``place``: the same for a place name, whose kind words are lower case by custom
    ("Tæ d©n phè ¸ L÷" → "Tổ dân phố Á Lữ", "£p Ông Tú"→ "Ấp Ông Tú").
    """
    if capitals:
        return unicodedata.normalize("NFC", "".join(_TCVN3_TABLE.get(ord(c), c) for c in s)).upper()
    words = []
    for m in _WORD.finditer(s):
        raw = m.group(0)
        dec = "".join(_TCVN3_TABLE.get(ord(c), c) for c in raw)
        latin = [c for c in raw if c.isascii() and c.isalpha()]
        if len(latin) >= 2 and all(c.isupper() for c in latin) and dec != raw:
            dec = dec.upper()
        words.append((m.start(), m.end(), raw, dec))
    if (capitalize_initials or place) and words:
        words = _capitalize_initials(words, place)
    out, pos = [], 0
    for a, b, _raw, dec in words:
        out.append(s[pos:a])
        out.append(dec)
        pos = b
    out.append(s[pos:])
    return unicodedata.normalize("NFC", "".join(out))


def decode(s: str, encoding: str, *, capitals: bool = False, capitalize_initials: bool = False,
           place: bool = False) -> str:
    """``s`` read in ``encoding`` ("unicode", "tcvn3", "vni") → Unicode NFC. ``capitalize_initials``
    (person names) and ``place`` (villages, communes): see :func:`decode_tcvn3`."""
    if not isinstance(s, str):
        return s
    if encoding == TCVN3:
        return decode_tcvn3(s, capitals=capitals, capitalize_initials=capitalize_initials, place=place)
    if encoding == VNI:
        return decode_vni(s)
    return unicodedata.normalize("NFC", s)


# ---------------------------------------------------------------------------
# Encoders (tests, and for showing the clerk what a reading means)
# ---------------------------------------------------------------------------
def encode_tcvn3(s: str) -> str:
    """Unicode → TCVN3 (as Windows-1252 characters). Capital toned letters have no
    code point: they become the lower-case ones (as a .VnTime typist gets them)."""
    out = []
    for ch in unicodedata.normalize("NFC", s):
        if ch in _UNICODE_TO_TCVN3:
            out.append(_UNICODE_TO_TCVN3[ch])
        elif ch.lower() in _UNICODE_TO_TCVN3 and ch.lower() != ch:
            out.append(_UNICODE_TO_TCVN3[ch.lower()])
        else:
            out.append(ch)
    return "".join(out)


_VNI_TONE_CHAR = {v: k for k, v in _VNI_TONE.items()}
_VNI_CIRC_CHAR = {v: k for k, v in _VNI_CIRC.items()}
_VNI_BREVE_CHAR = {v: k for k, v in _VNI_BREVE.items()}
_VNI_SINGLE_REV = {"ơ": "ô", "ư": "ö", "đ": "ñ", "ỉ": "æ", "ĩ": "ó", "ị": "ò", "ỵ": "î"}


def encode_vni(s: str) -> str:
    """Unicode → VNI Windows (as Windows-1252 characters)."""
    out = []
    for ch in unicodedata.normalize("NFC", s):
        upper = ch != ch.lower()
        low = ch.lower()
        if low in _VNI_SINGLE_REV:
            out.append(_case(_VNI_SINGLE_REV[low], upper))
            continue
        if low in "íì":
            out.append(ch)
            continue
        d = unicodedata.normalize("NFD", low)
        base, marks = d[0], d[1:]
        tone = next((_TONES.index(m) for m in marks if m in _TONES), None)
        quality = next((m for m in marks if m in "\u0302\u0306\u031b"), None)
        if base not in "aeiouy" or (not marks):
            out.append(ch)
            continue
        if quality == "\u0302":
            out.append(_case(base + _VNI_CIRC_CHAR[tone], upper))
        elif quality == "\u0306":
            out.append(_case(base + _VNI_BREVE_CHAR[tone], upper))
        elif quality == "\u031b":
            b = "ô" if base == "o" else "ö"
            out.append(_case(b + (_VNI_TONE_CHAR[tone] if tone is not None else ""), upper))
        elif tone is not None and base != "i":
            out.append(_case(base + _VNI_TONE_CHAR[tone], upper))
        else:
            out.append(ch)
    return "".join(out)


# ---------------------------------------------------------------------------
# Fonts
# ---------------------------------------------------------------------------
def encoding_from_font(font_name: str | None) -> tuple[str | None, bool]:
    """(encoding, capital font) from a cell's font name; (None, False) when it says nothing.

    ".VnTime", ".VnArial", ".VnTimeH", "VnTimes" … → TCVN3 (H at the end: capitals);
    "VNI-Times", "VNI-Helve" … → VNI; any other font → (None, False).
    """
    if not font_name:
        return None, False
    f = str(font_name).strip()
    low = f.lower()
    if low.startswith("vni") or low.startswith("vni-"):
        return VNI, False
    if low.startswith(".vn") or (low.startswith("vn") and not low.startswith("vni")):
        return TCVN3, f.endswith("H")
    return None, False


# ---------------------------------------------------------------------------
# Scoring
# ---------------------------------------------------------------------------
_INITIAL = r"(?:ngh|ng|nh|ch|gh|gi|kh|ph|qu|th|tr|b|c|d|đ|g|h|k|l|m|n|p|r|s|t|v|x)?"
_NUCLEI = sorted({
    "a", "ă", "â", "e", "ê", "i", "o", "ô", "ơ", "u", "ư", "y",
    "ai", "ao", "au", "ay", "âu", "ây", "eo", "êu", "ia", "iê", "iu", "oa", "oă", "oe", "oi", "ôi", "ơi", "oo",
    "ua", "uâ", "uê", "ui", "uô", "uơ", "uy", "ưa", "ưi", "ưu", "ươ", "yê", "iêu", "yêu", "oai", "oay", "oao",
    "oeo", "uây", "uôi", "ươi", "ươu", "uya", "uyê", "uyu", "uêu",
}, key=len, reverse=True)
_FINAL = r"(?:ch|ng|nh|c|m|n|p|t)?"
_SYLLABLE = re.compile(rf"{_INITIAL}(?:{'|'.join(_NUCLEI)}){_FINAL}")
_TONE_MARKS = set(_TONES)


def syllable_ok(word: str) -> bool:
    """Is ``word`` (letters only) a possible Vietnamese syllable, at most one tone, no case mixing inside?"""
    if not word:
        return False
    if any(c.isupper() for c in word[1:]) and not word.isupper():
        return False
    d = unicodedata.normalize("NFD", word.lower())
    tones = sum(1 for c in d if c in _TONE_MARKS)
    if tones > 1:
        return False
    base = "".join(c for c in d if c not in _TONE_MARKS)
    base = unicodedata.normalize("NFC", base)
    return _SYLLABLE.fullmatch(base) is not None


_TOKEN = re.compile(r"[^\s,.;:()/\-–0-9\"'«»]+")


def score(texts, encoding: str) -> float:
    """Share of the words of ``texts`` that are valid syllables when read in ``encoding`` (1.0 = all).

    Only words that read differently in some encoding count (plain ASCII words,
    and words of letters beyond Latin-1, say nothing about the encoding).
    """
    return _scores(texts).get(encoding, 1.0)


def _scores(texts) -> dict:
    good = dict.fromkeys(ENCODINGS, 0)
    total = 0
    for t in texts:
        if not isinstance(t, str):
            continue
        for w in _TOKEN.findall(t):
            if w.isascii():
                continue
            readings = {enc: decode(w, enc) for enc in ENCODINGS}
            if len(set(readings.values())) == 1:
                continue
            total += 1
            for enc, r in readings.items():
                good[enc] += syllable_ok(r)
    if not total:
        return {}
    return {enc: good[enc] / total for enc in ENCODINGS}


@dataclass(frozen=True)
class Detection:
    encoding: str  # unicode | tcvn3 | vni
    sure: bool
    source: str  # "font" | "score" | "ascii"
    scores: dict

    @property
    def label(self) -> str:
        return ENCODING_LABELS[self.encoding]


def detect(texts, *, fonts=None) -> Detection:
    """The encoding of a column of texts.

    ``fonts``: the cells' font names where the file has them. A legacy font on
    most of the non-ASCII cells decides; otherwise the reading with the most
    valid syllables wins, Unicode on ties. Unsure when the best two readings are
    within 10 points, or the best reads fewer than 60 % of the words.
    """
    texts = list(texts)
    keep = [i for i, t in enumerate(texts) if isinstance(t, str) and t.strip()]
    if fonts:  # each text keeps its own cell's font when empty cells are left out
        fonts = list(fonts)
        fonts = [fonts[i] if i < len(fonts) else None for i in keep]
    texts = [texts[i] for i in keep]
    if fonts:
        votes: dict[str, int] = {}
        for t, f in zip(texts, fonts, strict=True):
            enc, _ = encoding_from_font(f)
            if enc and not t.isascii():
                votes[enc] = votes.get(enc, 0) + 1
        non_ascii = sum(1 for t in texts if not t.isascii())
        if votes:
            enc, n = max(votes.items(), key=lambda kv: kv[1])
            if n * 2 > non_ascii:
                return Detection(enc, True, "font", {})
    sample = [t for t in texts if not t.isascii()][:400]
    if not sample:
        return Detection(UNICODE, True, "ascii", {})
    scores = _scores(sample)
    if not scores:  # no word reads differently: nothing to convert
        return Detection(UNICODE, True, "score", {})
    # Legacy text lives in the 8-bit range; letters such as ễ, ư, đ mean Unicode.
    wide = sum(1 for t in sample if any(0x100 <= ord(c) <= 0x1EFF for c in t))
    if scores[UNICODE] >= 0.9 or wide * 2 > len(sample):
        return Detection(UNICODE, True, "score", scores)
    ranked = sorted(ENCODINGS, key=lambda e: (-scores[e], ENCODINGS.index(e)))
    best, second = ranked[0], ranked[1]
    sure = scores[best] >= 0.6 and scores[best] - scores[second] >= 0.1
    return Detection(best, sure, "score", scores)
