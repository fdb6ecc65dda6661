"""Decree 30/2020/NĐ-CP elements of the printed documents: the amount in words, the signer's lines
(TM./KT./Q.), the document number, «Nơi nhận», and the layout from font metrics."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from models.money_words import amount_in_words, in_words

_D = "không một hai ba bốn năm sáu bảy tám chín".split()


def _reference(n: int) -> str:
    """An independent reading of 0 ≤ n ≤ 10¹² digit by digit, over the 13-digit string
    (positions: nghìn tỷ, tỷ, triệu, nghìn, đơn vị)."""
    if n == 0:
        return "không"
    s = f"{n:015d}"
    names = ["nghìn", "tỷ", "triệu", "nghìn", ""]
    words: list[str] = []
    for gi in range(5):
        h, t, u = (int(c) for c in s[3 * gi: 3 * gi + 3])
        if h == t == u == 0:
            if gi == 1 and words:  # «một nghìn tỷ»: the billions unit is said even when its group is zero
                words.append("tỷ")
            continue
        part: list[str] = []
        if words or h:
            part += [_D[h], "trăm"]
        if t == 0 and u and part:
            part.append("linh")
        elif t == 1:
            part.append("mười")
        elif t > 1:
            part += [_D[t], "mươi"]
        if u == 1 and t > 1:
            part.append("mốt")
        elif u == 5 and t > 0:
            part.append("lăm")
        elif u:
            part.append(_D[u])
        words += part + ([names[gi]] if names[gi] else [])
    return " ".join(words)


def test_amount_in_words_examples():
    cases = {
        0: "Không đồng",
        5: "Năm đồng",
        10: "Mười đồng",
        15: "Mười lăm đồng",
        21: "Hai mươi mốt đồng",
        24: "Hai mươi bốn đồng",
        105: "Một trăm linh năm đồng",
        110: "Một trăm mười đồng",
        1_005: "Một nghìn không trăm linh năm đồng",
        550_000: "Năm trăm năm mươi nghìn đồng",
        620_000_000: "Sáu trăm hai mươi triệu đồng",
        1_857_000_000: "Một tỷ tám trăm năm mươi bảy triệu đồng",
        7_440_000_000: "Bảy tỷ bốn trăm bốn mươi triệu đồng",
        14_880_000_000: "Mười bốn tỷ tám trăm tám mươi triệu đồng",
        1_000_000_001: "Một tỷ không trăm linh một đồng",
        10 ** 12: "Một nghìn tỷ đồng",
    }
    for n, words in cases.items():
        assert amount_in_words(n) == words, n


@settings(max_examples=3000, deadline=None)
@given(st.integers(min_value=0, max_value=10 ** 12))
def test_amount_in_words_matches_the_reference(n):
    words = in_words(n)
    assert words == _reference(n)[:1].upper() + _reference(n)[1:]
    assert "  " not in words and words == words.strip()


@settings(max_examples=500, deadline=None)
@given(st.sampled_from([10 ** k for k in range(13)]), st.integers(min_value=0, max_value=999))
def test_amount_in_words_round_numbers(scale, n):
    """Numbers with long runs of zeros (where readings go wrong most) read like the reference."""
    v = min(n * scale, 10 ** 12)
    assert in_words(v).lower() == _reference(v)
