"""models.text: cleaning, accent-insensitive search, Vietnamese collation, formatting.

Sort expectations are written by hand from the rules (alphabet
a ă â b c d đ e ê g h i k l m n o ô ơ p q r s t u ư v x y; base letters first,
tones only break ties, in dictionary order không dấu < huyền < hỏi < ngã < sắc < nặng).
"""

from __future__ import annotations

import datetime as dt
import random
import unicodedata

import pytest
from hypothesis import given, strategies as st

from models import text

# Every Vietnamese letter, grouped by base letter; inside a group the tones in
# dictionary order (none, huyền, hỏi, ngã, sắc, nặng). Written out by hand so
# the reference order below does not reuse the code under test.
GROUPS = ["aàảãáạ", "ăằẳẵắặ", "âầẩẫấậ", "b", "c", "d", "đ", "eèẻẽéẹ", "êềểễếệ", "f", "g", "h", "iìỉĩíị", "j", "k",
          "l", "m", "n", "oòỏõóọ", "ôồổỗốộ", "ơờởỡớợ", "p", "q", "r", "s", "t", "uùủũúụ", "ưừửữứự", "v", "w", "x",
          "yỳỷỹýỵ", "z"]
REF = {ch: (g, t) for g, group in enumerate(GROUPS) for t, ch in enumerate(group)}
VN_LETTERS = "".join(GROUPS)

vn_word = st.text(alphabet=VN_LETTERS + VN_LETTERS.upper(), min_size=1, max_size=7)
vn_name = st.lists(vn_word, min_size=1, max_size=4).map(" ".join)
# Names as they arrive from forms and spreadsheets: odd spacing, decomposed accents.
messy_name = st.tuples(vn_name, st.sampled_from(["NFC", "NFD"]), st.sampled_from([" ", "  ", "\u00a0", "\t", "\n"])) \
    .map(lambda t: unicodedata.normalize(t[1], t[0]).replace(" ", t[2]))


def reference_key(s: str) -> tuple:
    """Independent model of the collation rules, for names made only of Vietnamese letters."""
    words = text.clean(s).split(" ")
    return (tuple(tuple(REF[c.lower()][0] for c in w) for w in words),
            tuple(tuple(REF[c.lower()][1] for c in w) for w in words),
            tuple(tuple(c != c.lower() for c in w) for w in words))


def by_name(names: list[str]) -> list[str]:
    return sorted(names, key=lambda n: text.name_sort_key(*text.split_full_name(n)))


# -- clean ---------------------------------------------------------------------------------------
@pytest.mark.parametrize("raw, expected", [
    (None, ""),
    ("", ""),
    (42, "42"),
    ("  Nguyễn \t Thị\u00a0\u00a0Hà \n", "Nguyễn Thị Hà"),
    (unicodedata.normalize("NFD", "Đặng Văn Đức"), "Đặng Văn Đức"),
    ("Trần\u200b Thị Ưng\ufeff", "Trần Thị Ưng"),          # zero-width space and BOM pasted from the web
    ("\u00d0ặng Văn \u00d0ức", "Đặng Văn Đức"),             # Icelandic Ð from old font converters
])
def test_clean(raw, expected):
    assert text.clean(raw) == expected


@given(st.text(max_size=60))
def test_clean_is_nfc_idempotent_and_single_spaced(s):
    c = text.clean(s)
    assert unicodedata.is_normalized("NFC", c)
    assert text.clean(c) == c
    assert c == c.strip() and "  " not in c
    assert not any(ch.isspace() and ch != " " for ch in c)


@given(messy_name)
def test_clean_undoes_messy_input(s):
    assert text.clean(s) == " ".join(unicodedata.normalize("NFC", s).split())


# -- fold / search -------------------------------------------------------------------------------
@pytest.mark.parametrize("raw, expected", [
    ("Đặng Thị Hà", "dang thi ha"),
    ("  NGUYỄN   Văn\tƯng ", "nguyen van ung"),
    ("Phạm Ngọc Ánh", "pham ngoc anh"),
    ("Bùi Thị Ơn", "bui thi on"),
    (unicodedata.normalize("NFD", "Lê Văn Út"), "le van ut"),
    (None, ""),
])
def test_fold(raw, expected):
    assert text.fold(raw) == expected


@given(messy_name)
def test_fold_is_ascii_idempotent_and_case_blind(s):
    f = text.fold(s)
    assert f.isascii()
    assert text.fold(f) == f
    assert text.fold(s.upper()) == f


def test_search_key():
    assert text.search_key("Nguyễn Thị", "Hà") == "nguyen thi ha"
    assert text.search_key(" Đặng  Văn ", "Đức ") == "dang van duc"
    assert text.search_key("", "Út") == "ut"


@pytest.mark.parametrize("query", ["", "  ", "nguyen thi h", "NGUYỄN", "Nguyễn Thị Hà", "ha", "Hà nguyen",
                                   "thi ha", "ng th h", "yen thi"])
def test_search_finds(query):
    assert text.matches(query, text.search_key("Nguyễn Thị", "Hà"))


@pytest.mark.parametrize("query", ["hoa", "nguyen van", "tran", "ha nguyen x", "thi  hai"])
def test_search_does_not_find(query):
    assert not text.matches(query, text.search_key("Nguyễn Thị", "Hà"))


def test_search_is_accent_insensitive_both_ways():
    key = text.search_key("Đặng Văn", "Đức")
    for q in ["dang", "Đặng", "duc dang", "ĐỨC", "dang van duc"]:
        assert text.matches(q, key), q
    # a key that was never folded still works
    assert text.matches("dang", "Đặng Văn Đức")


@given(vn_name, vn_name)
def test_every_part_of_a_name_finds_it(family, given_name):
    key = text.search_key(family, given_name)
    assert text.matches(given_name, key)
    assert text.matches(f"{given_name} {family}", key)
    assert text.matches(f"{family} {given_name}"[:-1], key)


# -- collation -----------------------------------------------------------------------------------
def test_letters_in_vietnamese_alphabet_order():
    letters = [g[0] for g in GROUPS]
    shuffled = random.Random(7).sample(letters, len(letters))
    assert sorted(shuffled, key=text.vn_key) == letters
    # what Python's own order gets wrong
    assert sorted(["đ", "z", "ư", "v"]) == ["v", "z", "đ", "ư"]
    assert sorted(["đ", "z", "ư", "v"], key=text.vn_key) == ["đ", "ư", "v", "z"]


def test_digits_before_letters_and_numbers_compare_as_numbers():
    units = ["Tổ dân phố Bắc", "Tổ dân phố 10", "Tổ dân phố 2", "Tổ dân phố 1", "Tổ dân phố Đông", "Thôn 3"]
    assert sorted(units, key=text.vn_key) == ["Thôn 3", "Tổ dân phố 1", "Tổ dân phố 2", "Tổ dân phố 10",
                                              "Tổ dân phố Bắc", "Tổ dân phố Đông"]
    assert sorted(["10", "02", "2", "1", "a"], key=text.vn_key) == ["1", "2", "02", "10", "a"]


def test_quality_marks_are_primary_tones_are_not():
    # ô and ơ are letters of their own; the huyền of "tò" only breaks the tie with "to"
    assert sorted(["tơ", "tô", "tò", "to"], key=text.vn_key) == ["to", "tò", "tô", "tơ"]
    assert sorted(["ư", "u", "ứ", "ụ"], key=text.vn_key) == ["u", "ụ", "ư", "ứ"]
    assert sorted(["ân", "ăn", "an", "án"], key=text.vn_key) == ["an", "án", "ăn", "ân"]


def test_tones_break_ties_in_dictionary_order():
    assert text.TONE_ORDER == ("không dấu", "huyền", "hỏi", "ngã", "sắc", "nặng")
    assert sorted(["hạ", "há", "hà", "ha", "hả", "hã"], key=text.vn_key) == ["ha", "hà", "hả", "hã", "há", "hạ"]
    # primary letters compare first: "Hạ" before "Hai" although ạ carries the last tone
    assert sorted(["Hai", "Hạ", "Hà"], key=text.vn_key) == ["Hà", "Hạ", "Hai"]
    # between words, the first word's tone decides
    assert sorted(["Hà Ba", "Ha Bà"], key=text.vn_key) == ["Ha Bà", "Hà Ba"]


def test_case_is_ignored_except_as_the_last_tie_break():
    assert sorted(["b", "A", "a", "B"], key=text.vn_key) == ["a", "A", "b", "B"]
    assert sorted(["Đào", "dung", "ĐÀO", "Dung"], key=text.vn_key) == ["dung", "Dung", "Đào", "ĐÀO"]


def test_member_roster_in_vietnamese_name_order():
    expected = [
        "Nguyễn Văn An",
        "Phạm Ngọc Ánh",    # "an" is a prefix of "anh"
        "Lý Văn Ăn",        # ă after a
        "Võ Thị Ân",        # â after ă
        "Trần Thị Bình",
        "Phạm Thị Dung",
        "Lê Văn Đạt",       # đ after d
        "Đặng Văn Đức",
        "Dương Thị Hà",     # same given name: family+middle decides, d before đ
        "Đào Thị Hà",
        "Lê Thị Hà",
        "Lê Thị Hạ",        # differs only by tone from the one above: huyền before nặng
        "Nguyễn Thị Hà",    # ...but the family name outranks the tone
        "Ngô Văn Hai",      # "ha" before "hai"
        "Đỗ Thị Oanh",
        "Hoàng Văn Ô",      # ô after o
        "Bùi Thị Ơn",       # ơ after ô
        "Lê Văn Út",
        "Trần Thị Ưng",     # ư after u
    ]
    for seed in range(3):
        shuffled = random.Random(seed).sample(expected, len(expected))
        assert by_name(shuffled) == expected
    # Python's plain order puts Đ after every other letter
    assert sorted(["Đặng Văn Đức", "Trần Thị Ưng"]) == ["Trần Thị Ưng", "Đặng Văn Đức"]


def test_name_key_is_given_name_first():
    assert text.name_sort_key("Trần Thị", "Bình") < text.name_sort_key("Nguyễn Văn", "Cường")
    assert text.name_sort_key("Nguyễn Văn", "Cường") < text.name_sort_key("Trần Thị", "Dung")
    assert text.name_sort_key("Lê Văn", "Đạt") > text.name_sort_key("Phạm Thị", "Dung")


@given(st.lists(vn_name, min_size=2, max_size=12))
def test_collation_matches_an_independent_model_of_the_rules(names):
    assert [reference_key(n) for n in sorted(names, key=text.vn_key)] == \
           sorted(reference_key(n) for n in names)


@given(vn_name, vn_name)
def test_levels_are_consistent_with_equality(a, b):
    ka, kb = text.vn_key(a), text.vn_key(b)

    def skeleton(s):  # lower case, tone marks dropped, ă â ê ô ơ ư đ kept
        decomposed = unicodedata.normalize("NFD", s.lower())
        return unicodedata.normalize("NFC", "".join(c for c in decomposed if c not in "\u0300\u0301\u0303\u0309\u0323"))

    assert (ka[0] == kb[0]) == (skeleton(a) == skeleton(b))
    assert (ka[:2] == kb[:2]) == (a.lower() == b.lower())
    assert (ka == kb) == (a == b)
    if text.fold(a) != text.fold(b):
        assert ka[0] != kb[0]


@given(st.lists(st.text(max_size=12), min_size=1, max_size=10))
def test_vn_key_is_a_total_order_on_any_text(items):
    keys = [text.vn_key(s) for s in items]
    # equal keys exactly for equal cleaned text, and sorting does not depend on the input order
    for s, k in zip(items, keys, strict=True):
        for t, j in zip(items, keys, strict=True):
            assert (k == j) == (text.clean(s) == text.clean(t))
    assert sorted(keys) == sorted(reversed(keys))


any_name_text = st.text(alphabet=st.characters(blacklist_categories=("Cs",)), max_size=10)


@given(st.lists(st.tuples(st.one_of(vn_name, any_name_text), st.one_of(vn_word, any_name_text)),
                min_size=2, max_size=10))
def test_stored_string_key_orders_like_the_tuple_key(names):
    # The database sorts by the string (SQLite binary order = code-point order).
    for n in names:
        text.name_sort_key_str(*n).encode("utf-8")  # storable: no lone surrogates
    by_tuple = sorted(names, key=lambda n: text.name_sort_key(*n))
    by_str = sorted(names, key=lambda n: text.name_sort_key_str(*n))
    assert [text.name_sort_key(*n) for n in by_str] == [text.name_sort_key(*n) for n in by_tuple]


def test_string_key_handles_characters_beyond_the_basic_plane():
    keys = [text.name_sort_key_str("Nguyễn", g) for g in ["Hà", "\U0001f600", "\ud7ff", "\uffff", "Z"]]
    for k in keys:
        k.encode("utf-8")
    assert sorted(keys) == [keys[0], keys[4], keys[2], keys[3], keys[1]]


# -- names ---------------------------------------------------------------------------------------
@pytest.mark.parametrize("full, expected", [
    ("Nguyễn Thị Thu Hà", ("Nguyễn Thị Thu", "Hà")),
    ("  Đặng   Văn\u00a0Đức ", ("Đặng Văn", "Đức")),
    ("Út", ("", "Út")),
    ("", ("", "")),
    (None, ("", "")),
])
def test_split_full_name(full, expected):
    assert text.split_full_name(full) == expected


@given(messy_name)
def test_split_full_name_round_trips(full):
    family, given_name = text.split_full_name(full)
    assert given_name and " " not in given_name
    assert text.clean(f"{family} {given_name}") == text.clean(full)


# -- formatting ----------------------------------------------------------------------------------
@pytest.mark.parametrize("n, expected", [
    (0, "0"), (7, "7"), (999, "999"), (1000, "1.000"), (620_000_000, "620.000.000"),
    (7_440_000_000, "7.440.000.000"), (-1500, "-1.500"), (2.5, "3"), (-2.5, "-3"), (1234.4, "1.234"),
    (None, ""), ("", ""),
])
def test_format_int(n, expected):
    assert text.format_int(n) == expected


@given(st.integers(-10**15, 10**15))
def test_format_int_groups_by_three(n):
    s = text.format_int(n)
    assert int(s.replace(".", "")) == n
    groups = s.lstrip("-").split(".")
    assert 1 <= len(groups[0]) <= 3 and all(len(g) == 3 for g in groups[1:])


def test_format_money():
    assert text.format_money(14_880_000_000) == "14.880.000.000 đ"
    assert text.format_money(500_000) == "500.000 đ"
    assert text.format_money(None) == ""


@pytest.mark.parametrize("x, places, expected", [
    (12.5, 2, "12,50"), (12.5, 1, "12,5"), (2.675, 2, "2,68"), (1234567.891, 1, "1.234.567,9"),
    (-3.25, 2, "-3,25"), (-0.001, 2, "0,00"), (20, 0, "20"), (None, 2, ""),
])
def test_format_decimal(x, places, expected):
    assert text.format_decimal(x, places) == expected


def test_format_hours():
    assert text.format_hours(4.0) == "4"
    assert text.format_hours(3.5) == "3,5"


@pytest.mark.parametrize("d, expected", [
    (dt.date(2025, 9, 5), "05/09/2025"),
    (dt.datetime(2026, 4, 10, 14, 30), "10/04/2026"),
    (dt.date(1900, 1, 1), "01/01/1900"),
    ("2025-09-05", "05/09/2025"),
    (None, ""),
])
def test_format_date(d, expected):
    assert text.format_date(d) == expected


def test_place_date_line_matches_the_seed_documents():
    # seed 004: "Duy Tiên, ngày 10 tháng 4 năm 2026"; seed 002: "Bắc Thanh Miện, ngày 02 tháng 4 năm 2026"
    assert text.place_date_line("Duy Tiên", dt.date(2026, 4, 10)) == "Duy Tiên, ngày 10 tháng 4 năm 2026"
    assert text.place_date_line("Bắc Thanh Miện", dt.date(2026, 4, 2)) == "Bắc Thanh Miện, ngày 02 tháng 4 năm 2026"
    # Nghị định 30/2020: months 1 and 2 take a leading zero, later months do not
    assert text.place_date_line("Duy Tiên", dt.date(2026, 2, 5)) == "Duy Tiên, ngày 05 tháng 02 năm 2026"
    assert text.place_date_line(" Hải  Phòng ", dt.date(2025, 12, 25)) == "Hải Phòng, ngày 25 tháng 12 năm 2025"
    assert text.place_date_line("", dt.date(2026, 4, 10)) == "Ngày 10 tháng 4 năm 2026"
    assert text.place_date_line("Duy Tiên").endswith(f"năm {dt.date.today().year}")


def test_ascii_slug():
    assert text.ascii_slug("Phường Duy Tiên") == "PhuongDuyTien"
    assert text.ascii_slug("Xã Bắc Thanh Miện (2026)") == "XaBacThanhMien2026"
