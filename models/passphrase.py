"""Is a new passphrase good enough? The checks every place that sets one uses (``cnscd init``,
``passwd``, ``recover``, a demo with a chosen passphrase, the TUI's first-run wizard and
Settings), with the reasons in Vietnamese.

    problems = check_new_passphrase(p, names=unit_names(reg))   # [] when it is good enough

Refused: shorter than :data:`MIN_LENGTH` characters (counted after NFC normalisation, as the
file stores it); only spaces; one character repeated; only digits and short (a birthday, a
phone number); a run on the keyboard or the alphabet, forwards or backwards (``12345678``,
``87654321``, ``qwertyui``, ``abcdefgh``); a very common password, also with digits or
punctuation added (``password``, ``matkhau2026``, ``Admin@123``); the registry's own unit
name (``tranhungdao``, ``Phường Trần Hưng Đạo 2026``). Nothing here reads or writes a file.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable

from . import text

MIN_LENGTH = 8
MIN_DIGITS_ONLY = 12  # a passphrase of digits only must be at least this long (dates, phones are 8–11)

# Rows of the keyboard and runs of characters: a passphrase inside one of them (or its reverse) is a sequence.
_RUNS = ("1234567890" * 3, "qwertyuiop", "asdfghjkl", "zxcvbnm", "abcdefghijklmnopqrstuvwxyz",
         "qazwsxedcrfvtgbyhnujmikolp", "1qaz2wsx3edc4rfv5tgb6yhn7ujm8ik9ol0p", "1q2w3e4r5t6y7u8i9o0p")

# Very common passwords (folded, letters and digits only); also refused with digits or
# punctuation after them ("matkhau2026", "admin@123").
COMMON = frozenset("""
password passw0rd pssw0rd pssword p4ssw0rd matkhau matkhaucuatoi mk123456 aa123456 a1234567 a12345678
zaq12wsx iloveyou iloveu admin administrator
quantri quantrivien root user guest test testing demo default changeme letmein welcome welcomeback
qwerty qwertyuiop asdfgh abc abcabc abcd abcde abcdef abc123 aaa111 monkey dragon football baseball
sunshine princess superman batman master shadow michael trustno1 starwars whatever freedom
anhyeuem emyeuanh yeuem yeuanh anhyeuemnhieu emyeuanhnhieu tinhyeu vietnam vietnamvodich hanoi saigon
hochiminh danang haiphong nguyen tran conmeo concho khongbiet xinchao chaoban 123456789a
ubnd ubndxa ubndphuong congan doanthanhnien cnscd tocnscd congnghesocongdong sotocnscd
""".split())


def _nfc(p: str) -> str:
    return unicodedata.normalize("NFC", p)


def _alnum(s: str) -> str:
    """Folded (no accents, lower case), letters and digits only: "Mật-khẩu 1" → "matkhau1"."""
    return re.sub(r"[^0-9a-z]", "", text.fold(s))


def _is_run(s: str) -> bool:
    """``s`` (≥ 4 characters) lies along a keyboard row or the alphabet/digits, either way round."""
    if len(s) < 4:
        return False
    return any(s in run or s in run[::-1] for run in _RUNS)


def _base(s: str) -> str:
    """``s`` without the digits it ends with ("admin123" → "admin")."""
    return re.sub(r"\d+$", "", s)


def _names(names: str | Iterable[str]) -> list[str]:
    if isinstance(names, str):
        names = [names]
    out = []
    for n in names:
        for v in {text.fold(n), text.fold(text.strip_unit_kind(n))}:
            key = re.sub(r"[^0-9a-z]", "", v)
            if len(key) >= 3:
                out.append(key)
    return out


def check_new_passphrase(p: str, names: str | Iterable[str] = ()) -> list[str]:
    """Why ``p`` may not be a new passphrase (Vietnamese, one reason a line); ``[]`` when it may.

    ``names``: the registry's unit names (its commune, and province for a province registry),
    which a passphrase may not merely repeat."""
    p = _nfc(p or "")
    if not p.strip():
        return ["Mật khẩu không được để trống hoặc chỉ có dấu cách."]
    if len(p) < MIN_LENGTH:
        return [f"Mật khẩu phải có ít nhất {MIN_LENGTH} ký tự (đang có {len(p)})."]
    problems = []
    squeezed = re.sub(r"\s+", "", p)
    key = _alnum(p)
    if len(set(squeezed.lower())) == 1:
        problems.append("Mật khẩu không được chỉ lặp lại một ký tự.")
    elif key and _is_run(key):
        problems.append("Mật khẩu không được là một dãy phím liền nhau hay dãy số, chữ liên tiếp (như 12345678, "
                        "87654321, qwertyui).")
    elif squeezed.isdigit() and len(squeezed) < MIN_DIGITS_ONLY:
        problems.append(f"Mật khẩu chỉ có chữ số thì phải dài ít nhất {MIN_DIGITS_ONLY} chữ số (ngày sinh, số điện "
                        "thoại rất dễ bị đoán); nên dùng vài từ ghép lại.")
    elif key and (key in COMMON or _base(key) in COMMON or _is_run(_base(key))):
        problems.append("Mật khẩu này quá phổ biến (nằm trong danh sách mật khẩu hay bị đoán trước tiên).")
    own = [n for n in _names(names) if key == n or _base(key) == n]
    if own:
        problems.append("Mật khẩu không được là tên đơn vị của sổ (dễ bị đoán).")
    return problems


def unit_names(reg) -> list[str]:
    """The names a passphrase of ``reg`` may not merely repeat: its commune and province."""
    from .settings import get_settings

    s = get_settings(reg)
    return [n for n in (s.commune, f"{s.commune_kind} {s.commune}" if s.commune else "", s.province) if n]
