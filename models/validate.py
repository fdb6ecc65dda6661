"""Validators with clear Vietnamese messages that name the field.

They never raise on bad input: each returns a :class:`Checked` with the
normalised value, or an error message, plus warnings for the clerk and
machine-readable flags ("landline", "converted", "unknown_prefix", "legacy").
Spreadsheet artefacts are repaired where the intent is certain (a number that
lost its leading 0, ``912345678.0``) and refused where digits were lost
(``1,08901E+11``).
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field as dc_field
from typing import Any

from .text import clean, fold, format_date, format_int

__all__ = [
    "Checked", "check_phone", "format_phone", "phone_carrier", "OLD_PREFIXES", "MOBILE_PREFIXES",
    "check_cccd", "cccd_birth_info", "cccd_province", "make_cccd", "PROVINCE_CODES",
    "parse_date", "check_date", "check_birth", "check_required", "check_int", "check_money",
]


@dataclass(frozen=True)
class Checked:
    """Result of a check: the normalised value, or an error; warnings and flags either way."""

    value: Any = None
    error: str | None = None
    warnings: tuple[str, ...] = ()
    flags: frozenset[str] = dc_field(default_factory=frozenset)

    @property
    def ok(self) -> bool:
        return self.error is None


def _fail(message: str) -> Checked:
    return Checked(None, message)


def _shown(raw: Any) -> str:
    """The input as the clerk typed it, shortened for a message."""
    s = clean(raw)
    return s if len(s) <= 40 else s[:37] + "…"


# What people write in a spreadsheet cell that has no value.
_BLANKS = {"-", "--", "---", "—", "–", ".", "x", "0", "khong", "khong co", "chua co", "k co", "kco", "n/a", "na",
           "none", "null"}


def _is_blank(raw: Any) -> bool:
    if raw is None or (isinstance(raw, (int, float)) and not isinstance(raw, bool) and raw == 0):
        return True
    f = fold(raw)
    return f == "" or f in _BLANKS


_SCI = re.compile(r"(\d)(?:[.,](\d*))?\s*[eE]\s*\+?\s*(\d{1,3})")


def _excel_digits(raw: Any) -> str | None:
    """Digits of a whole number that a spreadsheet stored as a number (912345678, 912345678.0, "…0.0").

    Scientific notation is read only when it still holds every digit
    ("9.12345678E+08"); see :func:`_lost_digits`.
    """
    if isinstance(raw, bool):
        return None
    if isinstance(raw, int):
        return str(raw) if raw >= 0 else None
    if isinstance(raw, float):
        if raw != raw or raw in (float("inf"), float("-inf")) or raw < 0 or raw > 1e15 or raw != int(raw):
            return None
        return str(int(raw))
    s = clean(raw)
    m = re.fullmatch(r"(\d+)[.,]0+", s)
    if m:
        return m.group(1)
    m = _SCI.fullmatch(s)
    if m and not _lost_digits(s):
        whole, frac, exp = m.group(1), m.group(2) or "", int(m.group(3))
        mantissa = whole + frac
        if len(mantissa) - 1 <= exp:
            return mantissa + "0" * (exp - (len(mantissa) - 1))
    return None


def _lost_digits(raw: Any) -> bool:
    """Is this Excel's scientific display of a long number ("1,08901E+11"), which drops digits?"""
    if not isinstance(raw, str):
        return False
    m = _SCI.fullmatch(clean(raw))
    if not m:
        return False
    mantissa = m.group(1) + (m.group(2) or "")
    return len(mantissa) < int(m.group(3)) + 1


def _sci_error(field: str, raw: Any) -> Checked:
    return _fail(f"{field} «{_shown(raw)}»: Excel đã đổi số này sang dạng rút gọn nên đã mất chữ số. "
                 "Hãy định dạng cột là Văn bản (Text) rồi nhập lại số đầy đủ.")


# ---------------------------------------------------------------------------
# Phone numbers
# ---------------------------------------------------------------------------
# 11-digit mobile prefixes renumbered to 10 digits in 2018.
OLD_PREFIXES = {
    "0162": "032", "0163": "033", "0164": "034", "0165": "035", "0166": "036", "0167": "037", "0168": "038",
    "0169": "039", "0120": "070", "0121": "079", "0122": "077", "0126": "076", "0128": "078", "0123": "083",
    "0124": "084", "0125": "085", "0127": "081", "0129": "082", "0186": "056", "0188": "058", "0199": "059",
}
MOBILE_PREFIXES = {
    **{p: "Viettel" for p in ["086", "096", "097", "098", "032", "033", "034", "035", "036", "037", "038", "039"]},
    **{p: "VinaPhone" for p in ["088", "091", "094", "081", "082", "083", "084", "085"]},
    **{p: "MobiFone" for p in ["089", "090", "093", "070", "076", "077", "078", "079"]},
    **{p: "Vietnamobile" for p in ["092", "056", "058", "052"]},
    **{p: "Gmobile" for p in ["099", "059"]},
    "087": "Itel", "055": "Reddi",
}
_PHONE_LABEL = re.compile(r"^(?:so\s*)?(?:sdt|dt|dd|tel|phone|mobile|zalo|di dong|dien thoai)\s*[:.]?\s*")
_PHONE_SPLIT = re.compile(r"\s*(?:[/;|&]|\bhoac\b|\bva\b|\s-\s|,\s)\s*")
_EXAMPLE = "ví dụ 0912 345 678"


def check_phone(raw: Any, field: str = "Số điện thoại") -> Checked:
    """A Vietnamese phone number → 10 digits (mobile) or 11 digits (landline, flag "landline").

    Empty is fine (value ""). Accepts spaces, dots, dashes, parentheses, a
    "+84"/"84"/"0084" prefix, a label ("ĐT: …"), spreadsheet numbers that lost
    their leading 0, and the pre-2018 11-digit mobile numbers (converted, with
    a warning and flag "converted"). A 10-digit number whose prefix belongs to
    no known network is accepted with a warning (flag "unknown_prefix").
    """
    if _is_blank(raw):
        return Checked("")
    if _lost_digits(raw):
        return _sci_error(field, raw)
    digits = _excel_digits(raw)
    warnings: list[str] = []
    if digits is None:
        s = _PHONE_LABEL.sub("", fold(raw))
        parts = [p for p in _PHONE_SPLIT.split(s) if p.strip()]
        if len(parts) > 1 and sum(len(re.sub(r"\D", "", p)) >= 9 for p in parts) > 1:
            first = check_phone(parts[0], field)
            if not first.ok:
                return _fail(f"{field} «{_shown(raw)}»: chỉ ghi một số điện thoại ({_EXAMPLE}).")
            return Checked(first.value, None,
                           first.warnings + (f"{field} «{_shown(raw)}» có nhiều số; chỉ lưu số đầu tiên "
                                             f"{format_phone(first.value)} — hãy ghi số còn lại vào phần ghi chú.",),
                           first.flags)
        if re.search(r"[^\d\s.\-()+,_]", s):
            return _fail(f"{field} «{_shown(raw)}»: chỉ được có chữ số ({_EXAMPLE}).")
        digits = re.sub(r"\D", "", s)
        if s.lstrip("( ").startswith("+"):
            if not digits.startswith("84"):
                return _fail(f"{field} «{_shown(raw)}»: chỉ nhận số điện thoại Việt Nam (+84).")
            digits = digits[2:] if digits[2:3] == "0" else "0" + digits[2:]
    if digits.startswith("0084"):
        digits = digits[4:] if digits[4:5] == "0" else "0" + digits[4:]
    elif digits.startswith("84") and len(digits) in (11, 12):
        digits = digits[2:] if digits[2:3] == "0" else "0" + digits[2:]
    if not digits.startswith("0") and (len(digits) == 9 or (len(digits) == 10 and digits[0] in "12")):
        digits = "0" + digits
        warnings.append(f"{field}: đã thêm số 0 ở đầu (Excel thường làm mất số 0) → {format_phone(digits)}.")

    if len(digits) == 11 and digits[:4] in OLD_PREFIXES:
        new = OLD_PREFIXES[digits[:4]] + digits[4:]
        warnings.append(f"{field}: số {format_phone(digits)} dùng đầu số cũ {digits[:4]}, đã đổi sang đầu số mới "
                        f"{new[:3]} → {format_phone(new)}.")
        return Checked(new, None, tuple(warnings), frozenset({"converted"}))
    if len(digits) == 11 and digits.startswith("02"):
        return Checked(digits, None, tuple(warnings), frozenset({"landline"}))
    if len(digits) == 10 and digits.startswith("0"):
        if digits[:3] in MOBILE_PREFIXES:
            return Checked(digits, None, tuple(warnings))
        if digits.startswith("02"):
            hint = "số cố định phải có 11 chữ số (mã vùng 02xx và số máy) — hãy kiểm tra lại."
        elif digits.startswith("01"):
            hint = (f"đầu số {digits[:3]} không còn dùng; số di động cũ 01xx có 11 chữ số, "
                    "có thể số này thiếu một chữ số — hãy kiểm tra lại.")
        else:
            hint = f"đầu số {digits[:3]} không thuộc nhà mạng nào đã biết — hãy kiểm tra lại."
        warnings.append(f"{field} {format_phone(digits)}: {hint}")
        return Checked(digits, None, tuple(warnings), frozenset({"unknown_prefix"}))
    if len(digits) == 11 and digits.startswith("01"):
        return _fail(f"{field} «{_shown(raw)}»: đầu số {digits[:4]} không phải đầu số cũ nào đã biết; "
                     f"số di động hiện nay có 10 chữ số ({_EXAMPLE}).")
    return _fail(f"{field} «{_shown(raw)}»: phải có 10 chữ số ({_EXAMPLE}), hiện có {len(digits)} chữ số.")


def format_phone(value: Any) -> str:
    """"0912345678" → "0912 345 678"; landlines "02253123456" → "0225 3123 456", "02438251234" → "024 3825 1234"."""
    v = clean(value)
    if not (v.isascii() and v.isdigit()):
        return v
    if len(v) == 10:
        return f"{v[:4]} {v[4:7]} {v[7:]}"
    if len(v) == 11 and v[:3] in ("024", "028"):
        return f"{v[:3]} {v[3:7]} {v[7:]}"
    if len(v) == 11:
        return f"{v[:4]} {v[4:8]} {v[8:]}"
    return v


def phone_carrier(value: Any) -> str:
    """Network of a normalised mobile number ("Viettel", …), or ""."""
    v = clean(value)
    return MOBILE_PREFIXES.get(v[:3], "") if len(v) == 10 else ""


# ---------------------------------------------------------------------------
# Citizen ID (CCCD, 12 digits; legacy CMND, 9 digits)
# ---------------------------------------------------------------------------
# Digits 1–3: the province of birth registration, by the 63 codes of Thông tư
# 07/2016/TT-BCA (kept after the 2025 province mergers: issued numbers don't change).
PROVINCE_CODES = {
    "001": "Hà Nội", "002": "Hà Giang", "004": "Cao Bằng", "006": "Bắc Kạn", "008": "Tuyên Quang",
    "010": "Lào Cai", "011": "Điện Biên", "012": "Lai Châu", "014": "Sơn La", "015": "Yên Bái",
    "017": "Hòa Bình", "019": "Thái Nguyên", "020": "Lạng Sơn", "022": "Quảng Ninh", "024": "Bắc Giang",
    "025": "Phú Thọ", "026": "Vĩnh Phúc", "027": "Bắc Ninh", "030": "Hải Dương", "031": "Hải Phòng",
    "033": "Hưng Yên", "034": "Thái Bình", "035": "Hà Nam", "036": "Nam Định", "037": "Ninh Bình",
    "038": "Thanh Hóa", "040": "Nghệ An", "042": "Hà Tĩnh", "044": "Quảng Bình", "045": "Quảng Trị",
    "046": "Thừa Thiên Huế", "048": "Đà Nẵng", "049": "Quảng Nam", "051": "Quảng Ngãi", "052": "Bình Định",
    "054": "Phú Yên", "056": "Khánh Hòa", "058": "Ninh Thuận", "060": "Bình Thuận", "062": "Kon Tum",
    "064": "Gia Lai", "066": "Đắk Lắk", "067": "Đắk Nông", "068": "Lâm Đồng", "070": "Bình Phước",
    "072": "Tây Ninh", "074": "Bình Dương", "075": "Đồng Nai", "077": "Bà Rịa - Vũng Tàu",
    "079": "Hồ Chí Minh", "080": "Long An", "082": "Tiền Giang", "083": "Bến Tre", "084": "Trà Vinh",
    "086": "Vĩnh Long", "087": "Đồng Tháp", "089": "An Giang", "091": "Kiên Giang", "092": "Cần Thơ",
    "093": "Hậu Giang", "094": "Sóc Trăng", "095": "Bạc Liêu", "096": "Cà Mau",
}
# Digit 4: (first year of the century, gender code).
_CENTURY = {"0": (1900, "nam"), "1": (1900, "nu"), "2": (2000, "nam"), "3": (2000, "nu"), "4": (2100, "nam"),
            "5": (2100, "nu"), "6": (2200, "nam"), "7": (2200, "nu"), "8": (1800, "nam"), "9": (1800, "nu")}
_CENTURY_DIGIT = {v: k for k, v in _CENTURY.items()}
_GENDER_WORD = {"nam": "nam", "nu": "nữ"}


def _gender(g: Any) -> str | None:
    f = fold(g)
    if f in ("nam", "male", "m"):
        return "nam"
    if f in ("nu", "female", "f"):
        return "nu"
    return None


def cccd_birth_info(value: Any) -> tuple[int, str] | None:
    """(birth year, gender "nam"/"nu") encoded in a 12-digit CCCD, or None if it isn't one."""
    v = clean(value)
    if len(v) != 12 or not (v.isascii() and v.isdigit()):
        return None
    century, gender = _CENTURY[v[3]]
    return century + int(v[4:6]), gender


def cccd_province(value: Any) -> str:
    """Province named by the first three digits of a CCCD ("031…" → "Hải Phòng"), or ""."""
    v = clean(value)
    return PROVINCE_CODES.get(v[:3], "") if len(v) == 12 and (v.isascii() and v.isdigit()) else ""


def make_cccd(province_code: str | int, gender: str, birth_year: int, serial: int) -> str:
    """A well-formed 12-digit CCCD (for demo data and tests): make_cccd("031", "nu", 1995, 1234) → "031195001234"."""
    code = f"{int(province_code):03d}"
    if code not in PROVINCE_CODES:
        raise ValueError(f"unknown province code {province_code!r}")
    g = _gender(gender)
    if g is None:
        raise ValueError(f"gender must be 'nam' or 'nu', not {gender!r}")
    if not 1800 <= birth_year <= 2299:
        raise ValueError(f"birth year {birth_year} out of range")
    digit = _CENTURY_DIGIT[((birth_year // 100) * 100, g)]
    return f"{code}{digit}{birth_year % 100:02d}{serial % 1_000_000:06d}"


def check_cccd(raw: Any, birth_year: int | None = None, gender: str | None = None,
               field: str = "Số CCCD") -> Checked:
    """A citizen ID → 12 digits, or a 9-digit CMND (flag "legacy", with a warning). Empty is fine ("").

    Checks the province code, and, when given, that the birth year and gender
    agree with digits 4–6.
    """
    if _is_blank(raw):
        return Checked("")
    if _lost_digits(raw):
        return _sci_error(field, raw)
    warnings: list[str] = []
    digits = _excel_digits(raw)
    if digits is None:
        s = clean(raw)
        if re.search(r"[^\d\s.\-]", s):
            return _fail(f"{field} «{_shown(raw)}»: chỉ được có chữ số (12 chữ số, ví dụ 001095012345).")
        digits = re.sub(r"\D", "", s)
    if len(digits) == 8 and not digits.startswith("0"):
        digits = "0" + digits
        warnings.append(f"{field}: đã thêm số 0 ở đầu (Excel thường làm mất số 0) → {digits}.")
    if len(digits) == 9:
        warnings.append(f"{field} {digits}: đây là số CMND 9 chữ số cũ; nên cập nhật sang số CCCD 12 chữ số.")
        return Checked(digits, None, tuple(warnings), frozenset({"legacy"}))
    # Only a number that lost its zeros (doesn't start with 0) and becomes a real one is padded.
    if len(digits) in (10, 11) and not digits.startswith("0") and digits.zfill(12)[:3] in PROVINCE_CODES:
        digits = digits.zfill(12)
        warnings.append(f"{field}: đã thêm số 0 ở đầu (Excel thường làm mất số 0) → {digits}.")
    if len(digits) != 12:
        return _fail(f"{field} «{_shown(raw)}»: phải có 12 chữ số (CMND cũ: 9 chữ số), "
                     f"hiện có {len(digits)} chữ số.")
    if digits[:3] not in PROVINCE_CODES:
        return _fail(f"{field} {digits}: 3 chữ số đầu «{digits[:3]}» không phải mã tỉnh nào "
                     "(ví dụ 001 là Hà Nội, 031 là Hải Phòng) — hãy kiểm tra lại.")
    year, g = cccd_birth_info(digits)
    this_year = dt.date.today().year
    if year > this_year:
        return _fail(f"{field} {digits}: chữ số thứ 4–6 «{digits[3:6]}» cho năm sinh {year}, "
                     "là năm ở tương lai — hãy kiểm tra lại.")
    if year < 1900:
        return _fail(f"{field} {digits}: chữ số thứ 4–6 «{digits[3:6]}» cho năm sinh {year}, "
                     "không hợp lý — hãy kiểm tra lại.")
    if birth_year not in (None, ""):
        try:
            entered = int(birth_year)
        except (TypeError, ValueError):
            entered = None
        if entered is not None and entered != year:
            return _fail(f"{field} {digits} cho năm sinh {year} nhưng năm sinh đã nhập là {entered}.")
    entered_gender = _gender(gender) if gender else None
    if entered_gender and entered_gender != g:
        return _fail(f"{field} {digits} là của người giới tính {_GENDER_WORD[g]} nhưng giới tính đã nhập "
                     f"là {_GENDER_WORD[entered_gender]}.")
    return Checked(digits, None, tuple(warnings))


# ---------------------------------------------------------------------------
# Dates (day first, always)
# ---------------------------------------------------------------------------
_DMY = re.compile(r"(\d{1,2})\s*[/.\-]\s*(\d{1,2})\s*[/.\-]\s*(\d+)")
_YMD = re.compile(r"(\d{4})\s*[/.\-]\s*(\d{1,2})\s*[/.\-]\s*(\d{1,2})")
_WORDS = re.compile(r"(?:ngay\s*)?(\d{1,2})\s*thang\s*(\d{1,2})\s*(?:nam|[/,.\-])?\s*(\d+)")
_TIME = re.compile(r"(.+?)(?:[ t]\d{1,2}:\d{2}(?::\d{2}(?:\.\d+)?)?)")
_EXCEL_EPOCH = dt.date(1899, 12, 30)
_DATE_EXAMPLE = "ví dụ 05/09/2025"


def parse_date(raw: Any, field: str = "Ngày") -> Checked:
    """A date → ``datetime.date``; empty → value None (ok).

    Accepts date/datetime objects, "dd/mm/yyyy", "d/m/yyyy", "dd-mm-yyyy",
    "dd.mm.yyyy", ISO "yyyy-mm-dd" (also "yyyy/mm/dd"), "ngày 5 tháng 9 năm
    2025", a trailing time of day, and spreadsheet date serial numbers (with a
    warning). Never month first: "02/13/2024" is an error about month 13.
    """
    if raw is None or (isinstance(raw, str) and clean(raw) == ""):
        return Checked(None)
    if isinstance(raw, dt.datetime):
        return Checked(raw.date())
    if isinstance(raw, dt.date):
        return Checked(raw)
    shown = _shown(raw)
    if isinstance(raw, (int, float)) and not isinstance(raw, bool):
        if raw == raw and 1800 <= raw <= 2200 and raw == int(raw):
            return _fail(f"{field} «{shown}»: mới có năm; hãy ghi đủ ngày/tháng/năm ({_DATE_EXAMPLE}).")
        if raw == raw and 3000 <= raw <= 110_000:  # a spreadsheet date serial (1908…2200)
            d = _EXCEL_EPOCH + dt.timedelta(days=int(raw))
            return Checked(d, None, (f"{field}: ô bảng tính chứa số {shown}, đã hiểu là ngày {format_date(d)} "
                                     "— hãy kiểm tra lại.",))
        return _fail(f"{field} «{shown}»: hãy ghi theo dạng ngày/tháng/năm ({_DATE_EXAMPLE}).")
    s = fold(raw)
    m = _TIME.fullmatch(s)
    if m:
        s = m.group(1).strip()
    if m := _YMD.fullmatch(s):
        y, mo, d = (int(x) for x in m.groups())
    elif m := (_DMY.fullmatch(s) or _WORDS.fullmatch(s)):
        d, mo = int(m.group(1)), int(m.group(2))
        if len(m.group(3)) != 4:
            return _fail(f"{field} «{shown}»: năm phải ghi đủ 4 chữ số ({_DATE_EXAMPLE}).")
        y = int(m.group(3))
    else:
        return _fail(f"{field} «{shown}»: hãy ghi theo dạng ngày/tháng/năm ({_DATE_EXAMPLE}).")
    if not 1 <= mo <= 12:
        return _fail(f"{field} «{shown}»: không có tháng {mo} — hãy ghi ngày trước, tháng sau (dd/mm/yyyy).")
    if not 1800 <= y <= 2200:
        return _fail(f"{field} «{shown}»: năm {y} không hợp lý.")
    try:
        return Checked(dt.date(y, mo, d))
    except ValueError:
        days = ((dt.date(y + (mo == 12), mo % 12 + 1, 1)) - dt.date(y, mo, 1)).days
        return _fail(f"{field} «{shown}»: tháng {mo}/{y} chỉ có {days} ngày, không có ngày {d}.")


def check_date(raw: Any, field: str = "Ngày", *, required: bool = False, min_date: dt.date | None = None,
               max_date: dt.date | None = None) -> Checked:
    """:func:`parse_date`, plus "required" and an allowed range (inclusive)."""
    r = parse_date(raw, field)
    if not r.ok:
        return r
    if r.value is None:
        return _fail(f"{field} không được để trống.") if required else r
    if min_date is not None and r.value < min_date:
        return _fail(f"{field} {format_date(r.value)}: không được trước ngày {format_date(min_date)}.")
    if max_date is not None and r.value > max_date:
        return _fail(f"{field} {format_date(r.value)}: không được sau ngày {format_date(max_date)}.")
    return r


def check_birth(raw: Any, field: str = "Ngày sinh") -> Checked:
    """A 4-digit birth year → (None, year), or a full date → (date, year); empty → (None, None).

    The year must be from 1900 to this year and a date not in the future; an
    age under 15 or over 90 gets a warning.
    """
    if raw is None or clean(raw) == "":
        return Checked((None, None))
    today = dt.date.today()
    year = None
    if not isinstance(raw, (dt.date, dt.datetime)):
        digits = _excel_digits(raw)
        if digits is None:
            s = fold(raw)
            s = re.sub(r"^nam\s*(?:sinh\s*)?", "", s)
            digits = s if (s.isascii() and s.isdigit()) else None
        if digits is not None and len(digits) <= 4:
            year = int(digits)
            if len(digits) != 4 or not 1900 <= year <= today.year:
                return _fail(f"{field} «{_shown(raw)}»: năm sinh phải có 4 chữ số, từ 1900 đến {today.year}.")
    if year is not None:
        value, warnings = (None, year), ()
    else:
        r = parse_date(raw, field)
        if not r.ok:
            return r
        d = r.value
        if d.year < 1900 or d > today:
            return _fail(f"{field} {format_date(d)}: ngày sinh phải từ năm 1900 đến hôm nay.")
        value, warnings = (d, d.year), r.warnings
    age = today.year - value[1]
    if age < 15 or age > 90:
        warnings += (f"{field} {_shown(raw) if value[0] is None else format_date(value[0])}: "
                     f"người này {age} tuổi — hãy kiểm tra lại.",)
    return Checked(value, None, warnings)


# ---------------------------------------------------------------------------
# Small helpers for forms
# ---------------------------------------------------------------------------
def check_required(raw: Any, field: str) -> Checked:
    """Non-empty text → the cleaned text."""
    s = clean(raw)
    return Checked(s) if s else _fail(f"{field} không được để trống.")


def _whole_number(s: str) -> int | None:
    """ "1.000", "1 000", "1000", "3,0", "−5" → int; None if not a whole number."""
    s = s.replace("\u2212", "-")
    m = re.fullmatch(r"(-?)(\d{1,3}(?:\.\d{3})+|\d{1,3}(?: \d{3})+|\d{1,3}(?:,\d{3}){2,}|\d+)(?:[.,]0+)?", s)
    if not m:
        return None
    return int(m.group(1) + re.sub(r"\D", "", m.group(2)))


def check_int(raw: Any, field: str = "Số lượng", min: int | None = None,  # noqa: A002
              max: int | None = None) -> Checked:  # noqa: A002
    """A whole number (quantities, counts); "1.000" and "1 000" are a thousand."""
    if isinstance(raw, bool):
        return _fail(f"{field}: phải là số nguyên.")
    if isinstance(raw, int):
        n = raw
    elif isinstance(raw, float):
        if raw != raw or raw in (float("inf"), float("-inf")) or raw != int(raw):
            return _fail(f"{field} «{_shown(raw)}»: phải là số nguyên.")
        n = int(raw)
    else:
        s = clean(raw)
        if not s:
            return _fail(f"{field} không được để trống.")
        n = _whole_number(s)
        if n is None:
            return _fail(f"{field} «{_shown(raw)}»: phải là số nguyên (ví dụ 12).")
    if min is not None and n < min:
        return _fail(f"{field} «{format_int(n)}»: không được nhỏ hơn {format_int(min)}.")
    if max is not None and n > max:
        return _fail(f"{field} «{format_int(n)}»: không được lớn hơn {format_int(max)}.")
    return Checked(n)


_MONEY_UNIT = re.compile(r"\s*(?:đồng|dong|đ|vnđ|vnd)\.?$")
_MONEY_WORDS = re.compile(r"(\d+(?:[.,]\d+)?)\s*(nghìn|nghin|ngàn|ngan|k|triệu|trieu|tr|tỷ|ty|tỉ|ti)"
                          r"(?:\s*(?:đồng|dong|đ))?")
_MULTIPLIER = {"nghìn": 10**3, "nghin": 10**3, "ngàn": 10**3, "ngan": 10**3, "k": 10**3, "triệu": 10**6,
               "trieu": 10**6, "tr": 10**6, "tỷ": 10**9, "ty": 10**9, "tỉ": 10**9, "ti": 10**9}


def check_money(raw: Any, field: str = "Số tiền") -> Checked:
    """An amount in đồng → int: "7.440.000.000", "7 440 000 000", "7440000000" (optionally "… đ"/"… đồng").

    Empty is 0. Amounts written in words ("1,5 triệu") are refused with the
    figure to type instead.
    """
    if raw is None or clean(raw) == "":
        return Checked(0)
    if isinstance(raw, bool):
        return _fail(f"{field}: ghi số đồng, ví dụ 12.500.000.")
    if isinstance(raw, (int, float)):
        if raw != raw or raw in (float("inf"), float("-inf")) or raw != int(raw):
            return _fail(f"{field} «{_shown(raw)}»: số đồng phải là số nguyên.")
        if raw < 0:
            return _fail(f"{field} «{_shown(raw)}»: không được là số âm.")
        return Checked(int(raw))
    s = clean(raw).lower()
    if _SCI.fullmatch(s):
        digits = _excel_digits(s)
        if digits is None:
            return _sci_error(field, raw)
        return Checked(int(digits))
    m = _MONEY_WORDS.fullmatch(s)
    if m:
        amount = float(m.group(1).replace(",", ".")) * _MULTIPLIER[m.group(2)]
        return _fail(f"{field} «{_shown(raw)}»: ghi đủ số đồng bằng chữ số, ví dụ {format_int(amount)}.")
    s = _MONEY_UNIT.sub("", s)
    n = _whole_number(s)
    if n is None:
        return _fail(f"{field} «{_shown(raw)}»: ghi số đồng bằng chữ số, ví dụ 12.500.000.")
    if n < 0:
        return _fail(f"{field} «{_shown(raw)}»: không được là số âm.")
    return Checked(n)
