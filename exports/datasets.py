"""Any report as a :class:`tablib.Dataset`, and its machine-readable files: CSV, TSV and JSON.

    files = render(report_or_pack, "DanhSach_PhuongTranHungDao", "json")   # [(name, bytes)], in memory

tablib (the project's dataset library) holds the table and writes the formats:

- **CSV** — byte for byte what :mod:`exports.writers` has always written: UTF-8 with a BOM
  (Excel reads the accents), ``\\r\\n`` line ends, the header flattened ("Năm sinh – Nam"),
  dates dd/mm/yyyy, phone and CCCD numbers as text, and every text cell that a spreadsheet
  would run as a formula prefixed with ``'`` (the OWASP rule, :func:`exports.cells.csv_text`).
  Several sheets (a period pack): one file per sheet, ``<stem>_<sheet>.csv``.
- **TSV** — the same cells separated by tabs (the same BOM and OWASP rules: Excel opens it too).
- **JSON** — for programs, not spreadsheets: numbers stay numbers, dates are ISO
  (``"2026-04-10"``), text is as the clerk typed it (no ``'`` prefix; only characters no file
  should hold, control characters and lone surrogates, become «�»), empty cells are ``null``.
  One sheet: a list of rows, each an object keyed by the column titles; several sheets: one
  file holding a list of ``{"title": sheet name, "data": [rows]}``. The total row, when the
  report has one, is the last row (as in CSV). A title that appears twice in a sheet gets
  " (2)" so that no cell is lost.

What tablib cannot hold — the letterhead, merged group headers, column widths, notes and
signatures — belongs to the official layout: use xlsx or ods for that.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from .cells import cell_value, xml_text
from .layout import Pack, Report

FORMATS = ("csv", "tsv", "json")
BOM = "\ufeff"


def _reports(obj: Report | Pack | Sequence[Report]) -> list[Report]:
    if isinstance(obj, Report):
        return [obj]
    if isinstance(obj, Pack):
        return list(obj.reports)
    return list(obj)


def _fit(row: list[Any], width: int, fill: Any) -> list[Any]:
    row = list(row[:width])
    return row + [fill] * (width - len(row))


def _unique(titles: list[str]) -> list[str]:
    seen: dict[str, int] = {}
    out = []
    for t in titles:
        n = seen.get(t, 0) + 1
        seen[t] = n
        out.append(t if n == 1 else f"{t} ({n})")
    return out


def _sheet_title(report: Report) -> str:
    return report.sheet_name or report.key


def text_dataset(report: Report):
    """The report as a Dataset of the cells CSV and TSV write (text rules of :mod:`exports.cells`)."""
    import tablib

    from .writers import csv_rows

    rows = list(csv_rows(report))
    header, width = rows[0], len(rows[0])
    ds = tablib.Dataset(headers=header, title=_sheet_title(report))
    for row in rows[1:]:
        ds.append(_fit(row, width, ""))
    return ds


def _json_value(col, v: Any) -> Any:
    v = cell_value(col, v)
    return xml_text(v) if isinstance(v, str) else v  # a lone surrogate could not be written as UTF-8


def dataset(report: Report):
    """The report as a Dataset of values (numbers as numbers, dates as dates) for JSON."""
    import tablib

    header = _unique(report.flat_header)
    width = len(header)
    ds = tablib.Dataset(headers=header, title=_sheet_title(report))
    lines = list(report.rows) + ([report.total] if report.total is not None else [])
    for row in lines:
        ds.append(_fit([_json_value(c, v) for c, v in zip(report.columns, row, strict=False)], width, None))
    return ds


def databook(obj: Report | Pack | Sequence[Report]):
    """Every sheet of ``obj`` (values, as :func:`dataset`) in one :class:`tablib.Databook`."""
    import tablib

    from .cells import sheet_title

    used: set[str] = set()
    sheets = []
    for r in _reports(obj):
        ds = dataset(r)
        ds.title = sheet_title(_sheet_title(r), used)
        sheets.append(ds)
    return tablib.Databook(sheets)


def _separated(report: Report, fmt: str) -> bytes:
    return (BOM + text_dataset(report).export(fmt)).encode("utf-8")


def render(obj: Report | Pack | Sequence[Report], stem: str, fmt: str) -> list[tuple[str, bytes]]:
    """The files of ``obj`` in ``fmt`` (csv, tsv or json) as (file name, bytes), built in memory."""
    from models import text
    from models.errors import InputError

    from .cells import sheet_title

    fmt = fmt.lower()
    if fmt not in FORMATS:
        raise InputError(f"Định dạng «{fmt}» không hỗ trợ ở đây; chọn csv, tsv hoặc json.", "format")
    reports = _reports(obj)
    if fmt == "json":
        data = dataset(reports[0]).export("json") if len(reports) == 1 else databook(reports).export("json")
        return [(f"{stem}.json", data.encode("utf-8"))]
    if len(reports) == 1:
        return [(f"{stem}.{fmt}", _separated(reports[0], fmt))]
    out, used = [], set()
    for r in reports:
        slug = text.ascii_slug(sheet_title(r.sheet_name or r.key, used)) or r.key
        out.append((f"{stem}_{slug}.{fmt}", _separated(r, fmt)))
    return out
