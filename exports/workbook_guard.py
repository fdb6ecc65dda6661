"""Workbooks handed whole to openpyxl (a district's template, a team's tally sheet): checked first.

    check_workbook(data)        # raises ZipRefused, XmlRefused or SheetRefused; else openpyxl may load it

openpyxl (not read-only) makes an object for every cell it reads and for every cell of a merged
range, and the template filler walks every row and column up to the last one used; its XML
parser is defusedxml's when that is installed, but a DTD refused by it ends in English. So,
before openpyxl sees the file: the zip's sizes (:mod:`exports.safe_zip`, nothing decompressed;
at most :data:`MAX_TOTAL` bytes in all), then every XML part streamed by
:mod:`exports.xml_guard` (no document type declaration — no entity can be expanded —, bounded
nesting, at most :data:`MAX_ELEMENTS` elements in all), and each worksheet's extent — its
farthest cell or merged range, whatever its ``<dimension>`` declares — at most :data:`MAX_AREA`
cells. A file that passes is small enough for openpyxl to load in a few seconds.
"""

from __future__ import annotations

import re

from models import text

from .safe_zip import SafeZip
from .sheet_limits import SheetRefused, col_letter
from .xml_guard import Work, XmlEvents, XmlRefused

__all__ = ["MAX_TOTAL", "MAX_AREA", "MAX_ELEMENTS", "MAX_UNITS", "check_workbook"]

MAX_TOTAL = 30 * 1024 * 1024  # bytes, the package decompressed (a template is well under 1 MB)
MAX_AREA = 400_000  # cells from A1 to a sheet's farthest cell or merged range (2,000 rows × 200 columns)
MAX_ELEMENTS = 300_000  # XML elements in all parts together (a district template: well under 100,000)
MAX_UNITS = 100_000  # rows, merged ranges, strings, styles… in all parts together
_NS = ("http://schemas.openxmlformats.org/spreadsheetml/2006/main", "http://purl.oclc.org/ooxml/spreadsheetml/main")
_ROW, _C, _MERGE = (frozenset(f"{{{ns}}}{n}" for ns in _NS) for n in ("row", "c", "mergeCell"))
# elements handled one by one (the rest of a part goes by in between, within xml_guard's gap limits)
_UNITS = _ROW | _MERGE | frozenset(f"{{{ns}}}{n}" for ns in _NS for n in (
    "si", "xf", "font", "fill", "border", "dxf", "numFmt", "cellStyle", "definedName", "col", "hyperlink",
    "dataValidation", "conditionalFormatting", "sheet", "comment"))
_REF = re.compile(r"\$?([A-Za-z]{1,3})\$?(\d{1,15})$")
_XML_START = (b"<", "<".encode("utf-16-le"), "<".encode("utf-16-be"))
_SAVE_AS_XLSX = "Hãy mở tệp bằng Excel hoặc LibreOffice, «Lưu thành» dạng Excel .xlsx rồi chọn lại tệp."


def check_workbook(data: bytes, *, max_total: int = MAX_TOTAL) -> None:
    """Refuse a package openpyxl must not be given (the reason: :class:`ZipRefused`, :class:`XmlRefused`,
    :class:`SheetRefused`)."""
    z = SafeZip(data, max_total=max_total)
    try:
        if "mimetype" in z and b"opendocument" in z.read("mimetype", 200):
            raise SheetRefused(f"tệp là bảng tính LibreOffice (.ods), không phải Excel (.xlsx). {_SAVE_AS_XLSX}")
        if "[Content_Types].xml" not in z:
            raise SheetRefused(f"tệp nén không phải tệp Excel (.xlsx). {_SAVE_AS_XLSX}")
        work = Work(max_elements=MAX_ELEMENTS, max_units=MAX_UNITS)
        for name in z.names():
            if _is_xml(z, name):
                _scan(z, name, work)
    except XmlRefused as exc:
        if exc.kind == "work":
            raise SheetRefused(f"bên trong tệp có quá nhiều phần tử (hơn {text.format_int(MAX_ELEMENTS)} phần tử, "
                               f"hoặc hơn {text.format_int(MAX_UNITS)} dòng, chuỗi chữ, định dạng…), không phải một "
                               f"mẫu biểu hay phiếu thông thường; tệp chưa được mở. {_SAVE_AS_XLSX}"
                               ) from exc
        raise
    finally:
        z.close()


def _is_xml(z: SafeZip, name: str) -> bool:
    """Does the part hold XML (whatever its name: a relationship may point anywhere)? Images do not."""
    if name.endswith("/") or z.size(name) == 0:
        return False
    head = z.read(name, 64).lstrip(b"\xef\xbb\xbf\xff\xfe \t\r\n\x00")
    return head.startswith(_XML_START) or head[:1] == b"<"


def _scan(z: SafeZip, part: str, work: Work) -> None:
    """Stream one part; for a worksheet, the farthest cell or merged range."""
    extent = _Extent(part)
    with z.open(part) as f:
        events = XmlEvents(f, shallow=2, end_tags=_UNITS, work=work)
        for ev, el in events:
            if ev != "end":
                continue
            if el.tag in _ROW:
                extent.row(el)
            elif el.tag in _MERGE:
                extent.merge(el.get("ref") or "")
            events.done(el)


class _Extent:
    """How far a sheet reaches: rows and columns as openpyxl will number them."""

    def __init__(self, part: str):
        self.part = part
        self.max_row = self.max_col = 0
        self._row = 0

    def row(self, el) -> None:
        r = _int(el.get("r"))
        self._row = r if r is not None else self._row + 1
        col = 0
        for c in el:
            if c.tag not in _C:
                continue
            ref = _REF.match(c.get("r") or "")
            if ref:
                col, self._row = _col(ref.group(1)), int(ref.group(2))
            else:
                col += 1
            self._reach(self._row, col)

    def merge(self, ref: str) -> None:
        for corner in ref.split(":")[:2]:
            m = _REF.match(corner)
            if m:
                self._reach(int(m.group(2)), _col(m.group(1)))

    def _reach(self, r: int, c: int) -> None:
        self.max_row, self.max_col = max(self.max_row, r), max(self.max_col, c)
        if self.max_row * self.max_col > MAX_AREA:
            raise SheetRefused(
                f"một trang của tệp trải tới ô {col_letter(self.max_col - 1)}{self.max_row} "
                f"({text.format_int(self.max_row)} dòng × {text.format_int(self.max_col)} cột, kể cả ô trống có "
                f"định dạng hay ô gộp), quá lớn đối với một mẫu biểu hay phiếu (tối đa "
                f"{text.format_int(MAX_AREA)} ô); tệp chưa được mở. Hãy mở tệp bằng Excel hoặc LibreOffice, xóa "
                "các dòng, cột thừa ở cuối trang và bỏ gộp ô thừa, lưu lại dạng .xlsx rồi chọn lại tệp.")


def _int(v: str | None) -> int | None:
    try:
        return int(v) if v is not None else None
    except ValueError:
        return None


def _col(letters: str) -> int:
    n = 0
    for ch in letters.upper():
        n = n * 26 + ord(ch) - 64
    return n
