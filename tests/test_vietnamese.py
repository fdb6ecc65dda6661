"""Vietnamese text keys and validators: real names by hand, properties by hypothesis."""

from __future__ import annotations

import datetime as dt
import unicodedata

from hypothesis import given, settings, strategies as st

from models import text, validate

VN_LETTERS = "aàảãáạăằẳẵắặâầẩẫấậbcdđeèẻẽéẹêềểễếệghiìỉĩíịklmnoòỏõóọôồổỗốộơờởỡớợpqrstuùủũúụưừửữứựvxyỳỷỹýỵ"
vn_word = st.text(alphabet=VN_LETTERS + VN_LETTERS.upper(), min_size=1, max_size=8)
vn_name = st.lists(vn_word, min_size=1, max_size=4).map(" ".join)


# -- sorting -----------------------------------------------------------------
def test_alphabet_order_of_letters():
    letters = ["a", "ă", "â", "b", "c", "d", "đ", "e", "ê", "g", "h", "i", "k", "l", "m", "n", "o", "ô", "ơ",
               "p", "q", "r", "s", "t", "u", "ư", "v", "x", "y"]
    shuffled = sorted(letters, key=lambda c: hash(c))
    assert sorted(shuffled, key=text.vn_key) == letters
    # Python's own order gets it wrong: đ after z, ư after y
    assert sorted(["đ", "z"]) == ["z", "đ"] and sorted(["đ", "z"], key=text.vn_key) == ["đ", "z"]


def test_real_names_in_vietnamese_order():
    names = ["Nguyễn Văn Út", "Trần Thị Ưng", "Lê Văn Đạt", "Phạm Thị Dung", "Nguyễn Thị Ánh", "Bùi Thị Ơn",
             "Hoàng Văn Ô", "Đặng Thị Oanh", "Võ Văn Ấn", "Đỗ Văn Ăn", "Lý Thị Hà", "Mai Thị Hạ", "Lê Thị Hà",
             "Ngô Văn Hai", "Trịnh Thị Hà"]
    ordered = sorted(names, key=lambda n: text.name_sort_key(*text.split_full_name(n)))
    pos = {n: i for i, n in enumerate(ordered)}
    assert pos["Phạm Thị Dung"] < pos["Lê Văn Đạt"]
    assert pos["Nguyễn Văn Út"] < pos["Trần Thị Ưng"]
    assert pos["Hoàng Văn Ô"] < pos["Bùi Thị Ơn"]
    assert pos["Nguyễn Thị Ánh"] < pos["Đỗ Văn Ăn"] < pos["Võ Văn Ấn"]
    assert pos["Lê Thị Hà"] < pos["Lý Thị Hà"] < pos["Trịnh Thị Hà"]
    assert pos["Trịnh Thị Hà"] < pos["Ngô Văn Hai"]
    assert pos["Đặng Thị Oanh"] < pos["Bùi Thị Ơn"]


def test_tones_only_break_ties():
    words = ["hạ", "há", "hà", "ha", "hả", "hã"]
    assert sorted(words, key=text.vn_key) == ["ha", "hà", "hả", "hã", "há", "hạ"]
    assert text.vn_key("hạ")[0] < text.vn_key("hai")[0]
    assert sorted(["Hai", "hà"], key=text.vn_key) == ["hà", "Hai"]


@given(st.lists(st.tuples(vn_name, vn_word), min_size=2, max_size=20))
def test_string_sort_key_orders_like_the_tuple_key(names):
    by_tuple = sorted(names, key=lambda n: text.name_sort_key(*n))
    by_str = sorted(names, key=lambda n: text.name_sort_key_str(*n))
    assert [text.name_sort_key(*n) for n in by_tuple] == [text.name_sort_key(*n) for n in by_str]


@given(vn_name, vn_name)
def test_sort_key_is_consistent_with_equality(a, b):
    # a total order: two names compare equal only when they are the same text
    assert (text.vn_key(a) == text.vn_key(b)) == (text.clean(a) == text.clean(b))
    # same letters (ă â ê ô ơ ư đ count as letters) → same accent-free search form
    if text.vn_key(a)[0] == text.vn_key(b)[0]:
        assert text.fold(a) == text.fold(b)


# -- search ------------------------------------------------------------------
def test_accent_insensitive_search():
    key = text.search_key("Nguyễn Thị", "Hà")
    assert key == "nguyen thi ha"
    for q in ["nguyen thi h", "NGUYỄN", "ha", "Hà nguyen", "thi ha", ""]:
        assert text.matches(q, key), q
    assert not text.matches("hoa", key)
    assert text.matches("dang", text.search_key("Đặng Văn", "Đức"))
    assert text.matches("duc", text.search_key("Đặng Văn", "Đức"))


@given(vn_name)
def test_fold_is_ascii_and_idempotent(s):
    f = text.fold(s)
    assert f.isascii()
    assert text.fold(f) == f


@given(st.text(max_size=60))
def test_clean_is_nfc_and_idempotent(s):
    c = text.clean(s)
    assert unicodedata.is_normalized("NFC", c)
    assert text.clean(c) == c
    assert "  " not in c and c == c.strip()


def test_clean_composes_decomposed_input():
    decomposed = unicodedata.normalize("NFD", "Nguyễn  Thị\u00a0Hà ")
    assert text.clean(decomposed) == "Nguyễn Thị Hà"


# -- formatting --------------------------------------------------------------
def test_number_and_date_formats():
    assert text.format_int(7_440_000_000) == "7.440.000.000"
    assert text.format_int(-1500) == "-1.500"
    assert text.format_money(620_000_000) == "620.000.000 đ"
    assert text.format_decimal(12.5) == "12,50"
    assert text.format_date(dt.date(2025, 9, 5)) == "05/09/2025"
    assert text.place_date_line("Duy Tiên", dt.date(2026, 4, 10)) == "Duy Tiên, ngày 10 tháng 4 năm 2026"
    assert text.place_date_line("Duy Tiên", dt.date(2026, 2, 5)) == "Duy Tiên, ngày 05 tháng 02 năm 2026"
    assert text.ascii_slug("Phường Duy Tiên") == "PhuongDuyTien"


# -- phones --------------------------------------------------------------------
def test_phone_forms():
    assert validate.check_phone("+84 912 345 678").value == "0912345678"
    assert validate.check_phone("84912345678").value == "0912345678"
    r = validate.check_phone(912345678.0)
    assert r.value == "0912345678" and "số 0" in r.warnings[0]
    assert validate.check_phone("912345678.0").value == "0912345678"
    r = validate.check_phone("01688 123 456")
    assert r.value == "0388123456" and "đầu số mới" in r.warnings[0]
    r = validate.check_phone("0123 4567 89")
    assert r.ok and r.value == "0123456789" and "unknown_prefix" in r.flags and r.warnings
    assert validate.check_phone("02253 123 456").flags == frozenset({"landline"})
    r = validate.check_phone("12345")
    assert not r.ok and r.error.startswith("Số điện thoại «12345»")
    assert not validate.check_phone("0912abc678").ok
    assert validate.check_phone("").value == ""


@given(st.one_of(st.text(max_size=30), st.integers(), st.floats(allow_nan=True), st.none()))
def test_check_phone_never_raises_and_accepts_only_real_numbers(raw):
    r = validate.check_phone(raw)
    if r.ok and r.value:
        assert r.value.isdigit() and r.value.startswith("0") and len(r.value) in (10, 11)
    if not r.ok:
        assert r.error.startswith("Số điện thoại")


# -- CCCD ----------------------------------------------------------------------
def test_cccd_rules():
    v = validate.make_cccd("031", "nu", 1995, 1234)
    assert v == "031195001234"
    assert validate.check_cccd(v, birth_year=1995, gender="nu").ok
    r = validate.check_cccd(v, birth_year=1996)
    assert not r.ok and "năm sinh 1995" in r.error and "1996" in r.error
    r = validate.check_cccd(v, gender="nam")
    assert not r.ok and "giới tính nữ" in r.error
    r = validate.check_cccd("999195001234")
    assert not r.ok and "mã tỉnh" in r.error
    r = validate.check_cccd("123456789")
    assert r.ok and "legacy" in r.flags and r.warnings
    r = validate.check_cccd(31195001234.0)  # Excel dropped the leading zero
    assert r.value == "031195001234" and r.warnings
    assert validate.cccd_province(v) == "Hải Phòng"
    assert not validate.check_cccd("03119500123").ok or validate.check_cccd("03119500123").warnings


@given(st.sampled_from(sorted(validate.PROVINCE_CODES)), st.sampled_from(["nam", "nu"]),
       st.integers(1900, dt.date.today().year), st.integers(0, 999_999))
def test_generated_cccd_round_trips(code, gender, year, serial):
    v = validate.make_cccd(code, gender, year, serial)
    r = validate.check_cccd(v, birth_year=year, gender=gender)
    assert r.ok and r.value == v
    assert validate.cccd_birth_info(v) == (year, gender)


@given(st.one_of(st.text(max_size=30), st.integers(), st.floats(), st.none()))
def test_check_cccd_never_raises(raw):
    r = validate.check_cccd(raw)
    assert r.ok or r.error.startswith("Số CCCD")


# -- dates -----------------------------------------------------------------------
def test_dates_are_day_first():
    for s in ["05/09/2025", "5/9/2025", "05-09-2025", "05.09.2025", "2025-09-05"]:
        assert validate.parse_date(s).value == dt.date(2025, 9, 5), s
    assert validate.parse_date("13/02/2024").value == dt.date(2024, 2, 13)
    r = validate.parse_date("02/13/2024", field="Ngày quyết định")
    assert not r.ok and r.error.startswith("Ngày quyết định") and "tháng 13" in r.error
    r = validate.parse_date("31/02/2025")
    assert not r.ok and "không có ngày 31" in r.error
    assert "4 chữ số" in validate.parse_date("05/09/25").error
    assert validate.check_birth("1985").value == (None, 1985)
    assert validate.check_birth("05/09/1985").value == (dt.date(1985, 9, 5), 1985)
    assert not validate.check_birth("2999").ok


@settings(max_examples=300)
@given(st.dates(min_value=dt.date(1900, 1, 1), max_value=dt.date(2100, 12, 31)))
def test_date_round_trip(d):
    assert validate.parse_date(text.format_date(d)).value == d


@given(st.text(max_size=20))
def test_parse_date_never_raises(s):
    r = validate.parse_date(s, field="Ngày sinh")
    assert r.ok or r.error.startswith("Ngày sinh")


def test_money_and_int():
    assert validate.check_money("7.440.000.000").value == 7_440_000_000
    assert validate.check_money("12 500 000 đồng").value == 12_500_000
    assert not validate.check_money("12,5").ok
    assert validate.check_int("3", "Số lượng", min=0).value == 3
    assert "không được nhỏ hơn 0" in validate.check_int("-1", "Số lượng", min=0).error
