"""Validators with clear Vietnamese messages that name the field.

They never raise on bad input: each returns a :class:`Checked` with the
normalised value, or an error message, plus warnings for the clerk.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field as dc_field
from typing import Any

from .text import clean


@dataclass(frozen=True)
class Checked:
    value: Any = None
    error: str | None = None
    warnings: tuple[str, ...] = ()
    flags: frozenset[str] = dc_field(default_factory=frozenset)

    @property
    def ok(self) -> bool:
        return self.error is None


def _shown(raw: Any) -> str:
    s = clean(raw)
    return s if len(s) <= 40 else s[:37] + "…"


def _excel_digits(raw: Any) -> str | None:
    """Digits of a number Excel may have turned into a float (912345678.0, 1.089e9)."""
    if isinstance(raw, bool):
        return None
    if isinstance(raw, int):
        return str(raw) if raw >= 0 else None
    if isinstance(raw, float):
        if raw != raw or raw in (float("inf"), float("-inf")) or raw < 0 or raw != int(raw) or raw > 1e15:
            return None
        return str(int(raw))
    s = clean(raw)
    m = re.fullmatch(r"(\d+)\.0+", s)
    if m:
        return m.group(1)
    m = re.fullmatch(r"(\d)(?:[.,](\d+))?[eE]\+?(\d+)", s)
    if m:
        try:
            v = float(s.replace(",", "."))
            if v == int(v):
                return str(int(v))
        except (ValueError, OverflowError):
            return None
    return None


# ---------------------------------------------------------------------------
# Phone numbers
# ---------------------------------------------------------------------------
OLD_PREFIXES = {
    "0162": "032", "0163": "033", "0164": "034", "0165": "035", "0166": "036", "0167": "037", "0168": "038",
    "0169": "039", "0120": "070", "0121": "079", "0122": "077", "0126": "076", "0128": "078", "0123": "083",
    "0124": "084", "0125": "085", "0127": "081", "0129": "082", "0186": "056", "0188": "058", "0199": "059",
}
MOBILE_PREFIXES = {
    **{p: "Viettel" for p in ["086", "096", "097", "098", "032", "033", "034", "035", "036", "037", "038", "039"]},
    **{p: "VinaPhone" for p in ["088", "091", "094", "081", "082", "083", "084", "085"]},
    **{p: "MobiFone" for p in ["089", "090", "093", "070", "076", "077", "078", "079"]},
    **{p: "Vietnamobile" for p in ["092", "056", "058"]},
    **{p: "Gmobile" for p in ["099", "059"]},
    "087": "Itel", "055": "Reddi", "052": "Vietnamobile",
}


def check_phone(raw: Any, field: str = "Số điện thoại") -> Checked:
    if raw is None or clean(raw) == "":
        return Checked("")
    digits = _excel_digits(raw)
    if digits is None:
        s = clean(raw)
        if re.search(r"[^\d\s.\-()+/]", s):
            return Checked(None, f"{field} «{_shown(raw)}»: chỉ được có chữ số (ví dụ 0912 345 678).")
        digits = re.sub(r"\D", "", s)
        if s.startswith("+") and not digits.startswith("84"):
            return Checked(None, f"{field} «{_shown(raw)}»: chỉ nhận số Việt Nam (+84).")
    warnings: list[str] = []
    if digits.startswith("84") and len(digits) in (11, 12):
        digits = "0" + digits[2:]
    if not digits.startswith("0") and len(digits) in (9, 10):
        digits = "0" + digits
        warnings.append(f"{field}: đã thêm số 0 ở đầu (Excel thường làm mất) → {digits}.")
    if len(digits) == 11 and digits[:4] in OLD_PREFIXES:
        new = OLD_PREFIXES[digits[:4]] + digits[4:]
        warnings.append(f"{field}: đầu số cũ 11 số {digits[:4]} đã đổi sang đầu số mới {new[:3]} → {new}.")
        return Checked(new, None, tuple(warnings), frozenset({"converted"}))
    if len(digits) == 11 and digits.startswith("02"):
        return Checked(digits, None, tuple(warnings), frozenset({"landline"}))
    if len(digits) != 10 or not digits.startswith("0"):
        return Checked(None, f"{field} «{_shown(raw)}»: phải có 10 chữ số, bắt đầu bằng 0 (ví dụ 0912 345 678).")
    if digits[:3] not in MOBILE_PREFIXES:
        warnings.append(f"{field} {format_phone(digits)}: đầu số {digits[:3]} không thuộc nhà mạng nào đã biết — "
                        "hãy kiểm tra lại.")
        return Checked(digits, None, tuple(warnings), frozenset({"unknown_prefix"}))
    return Checked(digits, None, tuple(warnings))


def format_phone(value: str) -> str:
    """"0912345678" → "0912 345 678"; landlines "02253123456" → "0225 312 3456"."""
    if len(value) == 10:
        return f"{value[:4]} {value[4:7]} {value[7:]}"
    if len(value) == 11:
        return f"{value[:4]} {value[4:7]} {value[7:]}"
    return value


# ---------------------------------------------------------------------------
# Citizen ID (CCCD, 12 digits; legacy CMND, 9 digits)
# ---------------------------------------------------------------------------
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
# digit 4: (century start, gender)
_CENTURY = {"0": (1900, "nam"), "1": (1900, "nu"), "2": (2000, "nam"), "3": (2000, "nu"), "4": (2100, "nam"),
            "5": (2100, "nu"), "6": (2200, "nam"), "7": (2200, "nu"), "8": (1800, "nam"), "9": (1800, "nu")}
_GENDER_WORD = {"nam": "nam", "nu": "nữ"}


def cccd_birth_info(value: str) -> tuple[int, str]:
    """(birth year, gender code) encoded in a 12-digit CCCD."""
    century, gender = _CENTURY[value[3]]
    return century + int(value[4:6]), gender


def cccd_province(value: str) -> str:
    return PROVINCE_CODES.get(value[:3], "")


def make_cccd(province_code: str, gender: str, birth_year: int, serial: int) -> str:
    """A well-formed CCCD (for demo data and tests)."""
    century = (birth_year // 100) * 100
    digit = {v: k for k, v in _CENTURY.items()}[(century, "nu" if gender == "nu" else "nam")]
    return f"{province_code}{digit}{birth_year % 100:02d}{serial % 1_000_000:06d}"


def check_cccd(raw: Any, birth_year: int | None = None, gender: str | None = None,
               field: str = "Số CCCD") -> Checked:
    if raw is None or clean(raw) == "":
        return Checked("")
    warnings: list[str] = []
    digits = _excel_digits(raw)
    if digits is None:
        s = clean(raw)
        if re.search(r"[^\d\s.\-]", s):
            return Checked(None, f"{field} «{_shown(raw)}»: chỉ được có chữ số.")
        digits = re.sub(r"\D", "", s)
    if len(digits) == 9:
        return Checked(digits, None, (f"{field} {digits}: đây là số CMND 9 số cũ; nên cập nhật số CCCD 12 số.",),
                       frozenset({"legacy"}))
    if len(digits) in (10, 11):
        digits = digits.zfill(12)
        warnings.append(f"{field}: đã thêm số 0 ở đầu (Excel thường làm mất) → {digits}.")
    if len(digits) != 12:
        return Checked(None, f"{field} «{_shown(raw)}»: phải có 12 chữ số (hoặc 9 số với CMND cũ), "
                             f"hiện có {len(digits)}.")
    if digits[:3] not in PROVINCE_CODES:
        return Checked(None, f"{field} {digits}: mã tỉnh «{digits[:3]}» ở 3 chữ số đầu không đúng.")
    year, g = cccd_birth_info(digits)
    if birth_year is not None and int(birth_year) != year:
        return Checked(None, f"{field} {digits} cho năm sinh {year} nhưng năm sinh đã nhập là {birth_year}.")
    if gender in ("nam", "nu") and gender != g:
        return Checked(None, f"{field} {digits} là của người giới tính {_GENDER_WORD[g]} nhưng giới tính đã nhập "
                             f"là {_GENDER_WORD[gender]}.")
    if year > dt.date.today().year:
        return Checked(None, f"{field} {digits}: năm sinh {year} nằm ở tương lai.")
    return Checked(digits, None, tuple(warnings))


# ---------------------------------------------------------------------------
# Dates (day first, always)
# ---------------------------------------------------------------------------
_DATE_RE = re.compile(r"(\d{1,2})\s*[/.\-]\s*(\d{1,2})\s*[/.\-]\s*(\d{1,4})")
_ISO_RE = re.compile(r"(\d{4})-(\d{1,2})-(\d{1,2})")


def parse_date(raw: Any, field: str = "Ngày") -> Checked:
    """dd/mm/yyyy, d/m/yyyy, dd-mm-yyyy, dd.mm.yyyy or ISO yyyy-mm-dd; never month first."""
    if raw is None or (isinstance(raw, str) and clean(raw) == ""):
        return Checked(None)
    if isinstance(raw, dt.datetime):
        return Checked(raw.date())
    if isinstance(raw, dt.date):
        return Checked(raw)
    s = clean(raw)
    m = _ISO_RE.fullmatch(s)
    if m:
        y, mo, d = (int(x) for x in m.groups())
    else:
        m = _DATE_RE.fullmatch(s)
        if not m:
            return Checked(None, f"{field} «{_shown(raw)}»: hãy ghi theo dạng ngày/tháng/năm, ví dụ 05/09/2025.")
        d, mo, y = (int(x) for x in m.groups())
        if len(m.group(3)) != 4:
            return Checked(None, f"{field} «{_shown(raw)}»: năm phải đủ 4 chữ số (ví dụ 2025).")
    if not 1 <= mo <= 12:
        return Checked(None, f"{field} «{_shown(raw)}»: tháng {mo} không có (ghi ngày trước, tháng sau: dd/mm/yyyy).")
    if y < 1800 or y > 2200:
        return Checked(None, f"{field} «{_shown(raw)}»: năm {y} không hợp lý.")
    try:
        return Checked(dt.date(y, mo, d))
    except ValueError:
        return Checked(None, f"{field} «{_shown(raw)}»: tháng {mo}/{y} không có ngày {d}.")


check_date = parse_date


def check_birth(raw: Any, field: str = "Ngày sinh") -> Checked:
    """A 4-digit birth year or a full date → value (date or None, year)."""
    if raw is None or clean(raw) == "":
        return Checked((None, None))
    this_year = dt.date.today().year
    digits = None
    if not isinstance(raw, (dt.date, dt.datetime)):
        digits = _excel_digits(raw)
        if digits is None and clean(raw).isdigit():
            digits = clean(raw)
    if digits is not None and len(digits) == 4:
        year = int(digits)
        if year < 1900 or year > this_year:
            return Checked(None, f"{field} «{_shown(raw)}»: năm sinh phải từ 1900 đến {this_year}.")
        return Checked((None, year))
    r = parse_date(raw, field)
    if not r.ok:
        return r
    d = r.value
    if d.year < 1900 or d > dt.date.today():
        return Checked(None, f"{field} {d.day:02d}/{d.month:02d}/{d.year}: ngày sinh phải từ năm 1900 đến hôm nay.")
    return Checked((d, d.year))


# ---------------------------------------------------------------------------
# Small helpers for forms
# ---------------------------------------------------------------------------
def check_required(raw: Any, field: str) -> Checked:
    s = clean(raw)
    return Checked(s) if s else Checked(None, f"{field} không được để trống.")


def check_int(raw: Any, field: str, min: int | None = None, max: int | None = None) -> Checked:  # noqa: A002
    if isinstance(raw, bool):
        return Checked(None, f"{field}: phải là số nguyên.")
    if isinstance(raw, int):
        n = raw
    else:
        digits = _excel_digits(raw)
        s = clean(raw).replace(".", "").replace(" ", "")
        if digits is not None:
            n = int(digits)
        elif re.fullmatch(r"-?\d+", s):
            n = int(s)
        else:
            return Checked(None, f"{field} «{_shown(raw)}»: phải là số nguyên.")
    if min is not None and n < min:
        return Checked(None, f"{field} «{n}»: không được nhỏ hơn {min}.")
    if max is not None and n > max:
        return Checked(None, f"{field} «{n}»: không được lớn hơn {max}.")
    return Checked(n)


def check_money(raw: Any, field: str = "Số tiền") -> Checked:
    """Amounts in đồng: 7.440.000.000, 7 440 000 000, 7440000000 (optionally ending in đ/đồng)."""
    if raw is None or clean(raw) == "":
        return Checked(0)
    if isinstance(raw, (int, float)) and not isinstance(raw, bool):
        if raw < 0 or raw != int(raw):
            return Checked(None, f"{field} «{raw}»: phải là số đồng, không âm.")
        return Checked(int(raw))
    s = clean(raw).lower()
    s = re.sub(r"\s*(đồng|dong|đ|vnđ|vnd)$", "", s)
    if re.fullmatch(r"\d{1,3}([. ]\d{3})+|\d+", s):
        return Checked(int(re.sub(r"[. ]", "", s)))
    return Checked(None, f"{field} «{_shown(raw)}»: ghi số đồng, ví dụ 12.500.000.")
