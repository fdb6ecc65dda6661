"""What goes into a spreadsheet cell, for every writer (XLSX, ODS, CSV, filled templates).

Registry text is always written as text, never as a formula: XLSX cells get the
string type explicitly (a name such as ``=HYPERLINK(…)`` stays the characters the
clerk typed; openpyxl would make it a formula, and ``#N/A`` an error value), ODS
cells the string value type, and CSV cells that start with ``=``, ``+``, ``-``,
``@``, a tab or a carriage return (also after leading spaces) get a leading ``'``
(the OWASP rule against CSV injection). Characters XML 1.0 cannot hold (control
characters other than tab and line breaks, lone surrogates) are written as U+FFFD
«�»: one bad imported character never makes a report impossible. Cleaning text
on the way in is the importer's job; this is the last line.
"""

from __future__ import annotations

import re
from typing import Any

from models import text

# Characters an XML 1.0 document cannot hold: C0 controls other than tab, line feed and
# carriage return; lone surrogates; U+FFFE/U+FFFF. Each becomes U+FFFD when written.
_XML_BAD = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")
XLSX_MAX_TEXT = 32767  # characters in one Excel cell
_CSV_FORMULA = ("=", "+", "-", "@")
NUMERIC = {"int", "money", "year", "pct", "pct1"}


def xml_text(value: str) -> str:
    """``value`` with every character XML 1.0 cannot hold replaced by U+FFFD."""
    if _XML_BAD.search(value):
        return _XML_BAD.sub("\ufffd", value)
    return value


def csv_text(value: str) -> str:
    """A text cell for CSV: characters as in :func:`xml_text`, and a leading ``'`` before
    anything a spreadsheet would run as a formula (OWASP: ``=``, ``+``, ``-``, ``@``, tab,
    carriage return, also after leading spaces)."""
    value = xml_text(value)
    if value[:1] in ("\t", "\r") or value.lstrip()[:1] in _CSV_FORMULA:
        return "'" + value
    return value


def set_cell_value(cell, value) -> None:
    """Put ``value`` in openpyxl ``cell``; text is always a string cell, never a formula or
    an error code (``cell.value = "=…"`` would make a formula, ``"#N/A"`` an error), and
    characters XML cannot hold become U+FFFD (instead of ``IllegalCharacterError``).
    A formula the program means to write (a template's total) is set with ``cell.value``."""
    if isinstance(value, str):
        cell._value = xml_text(value[:XLSX_MAX_TEXT])
        cell.data_type = "s"
    else:
        cell.value = value


def sheet_title(name: str, used: set[str]) -> str:
    """A valid, unique sheet name (≤ 31 characters, none of []:*?/\\ or control characters)."""
    base = xml_text(re.sub(r"[\[\]:*?/\\\x00-\x1f]", "-", text.clean(name) or "Sheet"))[:31].strip("'") or "Sheet"
    title, i = base, 2
    while title.lower() in used:
        suffix = f" ({i})"
        title = base[: 31 - len(suffix)] + suffix
        i += 1
    used.add(title.lower())
    return title


def cell_value(col, v: Any) -> Any:
    """The value as stored for column ``col`` (a ``layout.Column``): numbers stay numbers,
    phone/ID numbers become text."""
    if v is None or v == "":
        return None
    if col.kind in ("phone", "id"):
        return str(v)
    if col.kind in NUMERIC and isinstance(v, str):
        return v  # a label in a numeric column (e.g. the total row's "Tổng")
    return v
