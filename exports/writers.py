"""Writers: a :class:`~exports.report.Report` (or several) as XLSX, ODS or CSV.

The layout follows Nghị định 30/2020/NĐ-CP as the documents the offices send use it, and is worked
out once per sheet from font metrics (:mod:`exports.sheet_plan`, :mod:`exports.print_layout`), then
drawn by :mod:`exports.xlsx_writer` and :mod:`exports.ods_writer` alike: issuing body top-left,
national header top-right (the motto underlined), a rule under the issuing body with «Số: …/BC-…»,
the place-and-date line in italics, the title, the bordered table (header rows repeated on every
printed page, every wrapped row as tall as its lines), notes, «Nơi nhận» and the signature block
(«TM. ỦY BAN NHÂN DÂN» / «KT. CHỦ TỊCH» / «PHÓ CHỦ TỊCH» …) kept on the page of the table's last
rows; Times New Roman throughout; A4, scaled to the page width, «Trang 3/390» in the footer.

Numbers are stored as numbers. Their format is ``[$-42A]#,##0``: the
thousands separator is the one of the format's language, Vietnamese (42A), so
LibreOffice shows 7.440.000.000 whatever the computer's settings, and Excel
shows it on the Vietnamese-locale office PCs it is used on (on a computer set to
English, Excel shows 7,440,000,000 — the value is the same, and sums still
work; Excel takes the separator from Windows or from File → Options → Advanced
→ "Use system separators", never from the format's locale tag).

There is no robust alternative. A format with literal dots between digit groups
(``#"."###"."##0``) prints the dots even where there are no digits: 5 shows
as "..5". Conditional sections could pick the right number of groups, but a
format holds at most two conditions plus one "else" section, while amounts
here need four ranges (< 1.000, < 1.000.000, < 1.000.000.000, above: the
14.880.000.000 đồng of Phụ lục III), and negative numbers would need their
own. So the locale-tagged format stays, and the README says what an
English-set Excel shows. Dates are real dates shown dd/mm/yyyy; phone and ID
numbers are text (format "@") so leading zeros survive.

CSV is UTF-8 with a byte-order mark (Excel then reads Vietnamese correctly),
one header row, plain numbers (no separators) and dates as dd/mm/yyyy. Two
dialects: ``delimiter=","`` (the default, for other programs: decimals with a
point, 83.9) and ``delimiter=";"`` (for Excel on a computer set to Vietnamese,
whose list separator is ";" and decimal separator ",": 83,9). A column of counts
such as «41/42» is written as two number columns («… (tử số)», «… (mẫu số)»),
so that Excel never turns «1/1» into a date. CSV is for exchanging data with
other programs: Excel, opening a CSV by double-click, turns "0912345678" into
the number 912345678 (the file itself keeps the zero); for Excel use xlsx,
where phones are text cells.

Registry text is always text, never a formula, and characters XML cannot hold
become U+FFFD (see :mod:`exports.cells`; CSV follows the OWASP prefix rule).

Nothing with personal data passes through a temporary folder: every format is
built in memory (XLSX sheets too, :func:`usb.workbook_bytes`), the zip written straight into
:func:`usb.atomic_write`'s file (hidden name in the destination, 0600, fsync, rename;
``SaveFailed``, exit 6, naming a folder that cannot be written).

openpyxl is imported only inside the functions that need it; ODS is written as XML text
(:mod:`exports.ods_writer`).
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import os
import re
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

from models import text
from models.errors import InputError

from . import usb
from .cells import csv_text, set_cell_value, sheet_title  # noqa: F401  (set_cell_value: public here too)
from .layout import Column, Pack, Report
from .ods_writer import ods_bytes, ods_to
from .usb import save_workbook, workbook_bytes  # noqa: F401  (public here too: any openpyxl workbook, in memory)
from .xlsx_writer import DATE_FORMAT, FONT, NUM_FORMAT, PCT1_FORMAT, as_reports, xlsx_book  # noqa: F401

FORMATS = ("xlsx", "ods", "csv")
DELIMITERS = (",", ";")
_xlsx_book = xlsx_book  # the former private name


def write_xlsx(obj: Report | Pack | Sequence[Report], path: str | os.PathLike) -> Path:
    return usb.save_workbook(xlsx_book(obj), path)


def _ods_bytes(obj: Report | Pack | Sequence[Report]) -> bytes:
    return ods_bytes(obj)


def write_ods(obj: Report | Pack | Sequence[Report], path: str | os.PathLike) -> Path:
    def save(p):
        with open(p, "wb") as f:
            ods_to(obj, f)

    return usb.atomic_write(path, save)


# ---------------------------------------------------------------------------
# CSV
# ---------------------------------------------------------------------------
_RATIO = re.compile(r"\s*(\d+)\s*/\s*(\d+)\s*")


def _csv_value(c: Column, v: Any, decimal: str = ".") -> Any:
    if v is None:
        return ""
    if isinstance(v, str):
        return csv_text(v)
    if isinstance(v, (dt.date, dt.datetime)):
        return text.format_date(v)
    if isinstance(v, float):
        shown = f"{v:g}"
        return shown.replace(".", decimal) if decimal != "." else shown
    return v


def _ratio_columns(report: Report) -> set[int]:
    """Text columns holding only counts like «41/42» (rows and total): written as two numbers."""
    lines = list(report.rows) + ([report.total] if report.total is not None else [])
    out = set()
    for j, c in enumerate(report.columns):
        if c.kind != "text":
            continue
        values = [r[j] for r in lines if j < len(r) and r[j] not in (None, "")]
        if values and all(isinstance(v, str) and _RATIO.fullmatch(v) for v in values):
            out.add(j)
    return out


def csv_rows(report: Report, *, decimal: str = ".") -> Iterable[list[Any]]:
    """The rows of ``report``'s CSV: its header, its rows, its total; text as :func:`csv_text`;
    decimals with ``decimal``; a column of counts «41/42» as two number columns."""
    ratios = _ratio_columns(report)
    head: list[Any] = []
    for j, h in enumerate(report.flat_header):
        head += [csv_text(f"{h} (tử số)"), csv_text(f"{h} (mẫu số)")] if j in ratios else [csv_text(h)]
    yield head
    lines = list(report.rows) + ([report.total] if report.total is not None else [])
    for row in lines:
        out: list[Any] = []
        for j, (c, v) in enumerate(zip(report.columns, row, strict=False)):
            if j in ratios:
                m = _RATIO.fullmatch(v) if isinstance(v, str) else None
                out += [int(m.group(1)), int(m.group(2))] if m else ["", ""]
            else:
                out.append(_csv_value(c, v, decimal))
        yield out


def _check_delimiter(delimiter: str) -> str:
    if delimiter not in DELIMITERS:
        raise InputError(f"Dấu phân cách CSV «{delimiter}» không hỗ trợ; chọn «,» hoặc «;».", "delimiter")
    return delimiter


def _csv_bytes(report: Report, delimiter: str = ",") -> bytes:
    buf = io.StringIO()
    decimal = "," if _check_delimiter(delimiter) == ";" else "."
    csv.writer(buf, delimiter=delimiter).writerows(csv_rows(report, decimal=decimal))
    return buf.getvalue().encode("utf-8-sig")


def render(obj: Report | Pack | Sequence[Report], stem: str, fmt: str, *,
           delimiter: str = ",") -> list[tuple[str, bytes]]:
    """The files of ``obj`` in ``fmt`` as (file name, bytes), built in memory.

    Used for hand-offs (USB, password protection): nothing with personal data is
    written to a temporary folder on the way. ``delimiter``: CSV only ("," or ";").
    """
    fmt = fmt.lower()
    if fmt not in FORMATS:
        raise InputError(f"Định dạng «{fmt}» không hỗ trợ; chọn xlsx, ods hoặc csv.", "format")
    if fmt == "xlsx":
        return [(f"{stem}.xlsx", workbook_bytes(xlsx_book(obj)))]
    if fmt == "ods":
        return [(f"{stem}.ods", _ods_bytes(obj))]
    reports = as_reports(obj)
    if len(reports) == 1:
        return [(f"{stem}.csv", _csv_bytes(reports[0], delimiter))]
    out, used = [], set()
    for r in reports:
        slug = text.ascii_slug(sheet_title(r.sheet_name or r.key, used)) or r.key
        out.append((f"{stem}_{slug}.csv", _csv_bytes(r, delimiter)))
    return out


def write_csv_one(report: Report, path: str | os.PathLike, *, delimiter: str = ",") -> Path:
    return usb.atomic_write_bytes(path, _csv_bytes(report, delimiter))


def write_csv(obj: Report | Pack | Sequence[Report], path: str | os.PathLike, *, delimiter: str = ",") -> list[Path]:
    """One report → one file; several → ``<stem>_<sheet>.csv`` each. ``delimiter``: "," or ";"."""
    reports = as_reports(obj)
    path = Path(path)
    _check_delimiter(delimiter)
    if len(reports) == 1:
        return [write_csv_one(reports[0], path, delimiter=delimiter)]
    out = []
    used: set[str] = set()
    for r in reports:
        slug = text.ascii_slug(sheet_title(r.sheet_name or r.key, used)) or r.key
        out.append(write_csv_one(r, path.with_name(f"{path.stem}_{slug}.csv"), delimiter=delimiter))
    return out


# ---------------------------------------------------------------------------
def write(obj: Report | Pack | Sequence[Report], path: str | os.PathLike, fmt: str | None = None, *,
          delimiter: str = ",") -> list[Path]:
    """Write in ``fmt`` (default: from the file's extension). Returns the files written.
    ``delimiter``: the CSV list separator ("," or ";", for Excel set to Vietnamese)."""
    path = Path(path)
    fmt = (fmt or path.suffix.lstrip(".") or "xlsx").lower()
    if fmt not in FORMATS:
        raise InputError(f"Định dạng «{fmt}» không hỗ trợ; chọn xlsx, ods hoặc csv.", "format")
    if path.suffix.lower() != f".{fmt}":
        path = path.with_name(path.name + f".{fmt}") if not path.suffix else path.with_suffix(f".{fmt}")
    if fmt == "xlsx":
        return [write_xlsx(obj, path)]
    if fmt == "ods":
        return [write_ods(obj, path)]
    return write_csv(obj, path, delimiter=delimiter)


def _atomic(path: str | os.PathLike, save) -> Path:
    """:func:`usb.atomic_write` (hidden name, 0600, fsync, rename; :class:`SaveFailed` naming
    the folder), for callers that pass a ``save(path)`` function. An openpyxl workbook's
    own ``save`` is replaced by :func:`workbook_bytes`: no sheet in the temporary folder."""
    owner = getattr(save, "__self__", None)
    if getattr(save, "__name__", "") == "save" and type(owner).__module__.startswith("openpyxl."):
        return usb.atomic_write_bytes(path, workbook_bytes(owner))
    return usb.atomic_write(path, save)
