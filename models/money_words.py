"""An amount in words, in Vietnamese, as payment documents write it under the figures:
1.857.000.000 → «Một tỷ tám trăm năm mươi bảy triệu đồng».

The reading accountants use: groups of three digits (trăm, mươi, đơn vị) named nghìn, triệu, tỷ
(above a thousand billion the part before «tỷ» is read the same way: «một nghìn tỷ»); a group of
zeros is left out; inside a number, a group below one hundred is read with «không trăm», and a
missing tens digit before a unit with «linh» («một nghìn không trăm linh năm»); 1 after the tens
is «mốt» (hai mươi mốt) except after «mười» (mười một), 5 after a tens digit is «lăm» (mười lăm,
hai mươi lăm), 4 stays «bốn» (hai mươi bốn), 10 is «mười».
"""

from __future__ import annotations

DIGITS = ("không", "một", "hai", "ba", "bốn", "năm", "sáu", "bảy", "tám", "chín")
_GROUPS = ("", "nghìn", "triệu")


def _three(n: int, full: bool) -> list[str]:
    """The words of 0 < ``n`` < 1000; ``full``: not the number's first group (read «không trăm», «linh»)."""
    h, t, u = n // 100, n // 10 % 10, n % 10
    out: list[str] = []
    if h or full:
        out += [DIGITS[h], "trăm"]
    if t == 0:
        if u and out:
            out.append("linh")
    elif t == 1:
        out.append("mười")
    else:
        out += [DIGITS[t], "mươi"]
    if u:
        if u == 1 and t >= 2:
            out.append("mốt")
        elif u == 5 and t >= 1:
            out.append("lăm")
        else:
            out.append(DIGITS[u])
    return out


def _below_billion(n: int, full: bool) -> list[str]:
    """The words of 0 < ``n`` < 10⁹."""
    groups = []
    while n:
        groups.append(n % 1000)
        n //= 1000
    out: list[str] = []
    for i in range(len(groups) - 1, -1, -1):
        g = groups[i]
        if not g:
            continue
        out += _three(g, full or bool(out))
        if _GROUPS[i]:
            out.append(_GROUPS[i])
    return out


def number_words(n: int, *, full: bool = False) -> list[str]:
    """The words of ``n`` ≥ 0, lower case (``full``: read as the tail of a larger number)."""
    if n < 0:
        raise ValueError("a negative amount has no reading here")
    if n == 0:
        return [DIGITS[0]]
    billions, rest = divmod(n, 1_000_000_000)
    out: list[str] = []
    if billions:
        out += number_words(billions, full=full) + ["tỷ"]
    if rest:
        out += _below_billion(rest, full or bool(billions))
    return out


def in_words(n: int) -> str:
    """«Một tỷ tám trăm năm mươi bảy triệu» for 1.857.000.000 (first letter upper case)."""
    s = " ".join(number_words(int(n)))
    return s[:1].upper() + s[1:]


def amount_in_words(amount: int) -> str:
    """«Một tỷ tám trăm năm mươi bảy triệu đồng»; a negative amount is read as «Âm …»."""
    amount = int(amount)
    if amount < 0:
        return "Âm " + " ".join(number_words(-amount)) + " đồng"
    return f"{in_words(amount)} đồng"
