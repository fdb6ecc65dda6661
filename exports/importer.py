"""Imports: rosters from the commune's own spreadsheets, and Phụ lục I tables from below.

    preview = read_roster(reg, "danh-sach.xlsx", options)   # reads, maps, validates; writes nothing
    result = apply_roster(reg, preview)                     # one transaction: all rows or none

This module is the importer's front door; the work is done in:

* :mod:`exports.sheets` — reading XLSX/XLS/ODS/CSV (password-protected files decrypted in memory)
  and the import errors;
* :mod:`exports.legacy_text` — TCVN3, VNI and Windows-1258 text;
* :mod:`exports.headers` — finding and mapping header rows; the labels that end a table;
* :mod:`exports.roster_read` — a roster file → a :class:`Preview` (columns, encodings, data rows);
* :mod:`exports.roster_plan` — what each row does to the registry (matching, checks);
* :mod:`exports.roster_apply` — the preview applied through :func:`models.bulk.import_people`;
* :mod:`exports.phu_luc_intake` — Phụ lục I tables from communes/districts, rolled up.

openpyxl, xlrd and odfpy are imported inside the functions that need them.
"""

from __future__ import annotations

from models.errors import FieldError, InputError

from .headers import (FIELDS, TEXT_FIELDS, field_for_header, header_key, is_place_date_line, is_signature_label,
                      is_total_label, parse_field, shape_hash)
from .phu_luc_intake import (PhuLucRow, PhuLucTable, aggregate_report, import_phu_luc_1, imported_tables,
                             read_phu_luc_1)
from .roster_apply import ImportResult, apply_roster, import_roster, skipped_rows_path, write_skipped_rows
from .roster_plan import CREATE, STATUS_LABELS, ColumnInfo, ImportOptions, Preview, PreviewRow, RowMessage
from .roster_read import format_preview, read_roster, saved_mappings
from .sheets import (MAX_BYTES, MAX_CELL, MAX_COLS, MAX_ROWS, Book, FilePasswordRequired, FilePasswordWrong,
                     ImportCancelled, ImportFailed, ImportRejected, Table, check_file_password, read_table)

__all__ = [
    "ImportFailed", "ImportRejected", "ImportCancelled", "FilePasswordRequired", "FilePasswordWrong", "FIELDS",
    "TEXT_FIELDS", "STATUS_LABELS", "CREATE", "MAX_ROWS", "MAX_COLS", "MAX_CELL", "MAX_BYTES", "Table", "Book",
    "read_table", "check_file_password", "header_key", "field_for_header", "parse_field", "shape_hash",
    "ImportOptions", "ColumnInfo", "RowMessage", "PreviewRow", "Preview", "ImportResult", "read_roster",
    "apply_roster", "import_roster", "format_preview", "saved_mappings", "PhuLucRow", "PhuLucTable",
    "read_phu_luc_1", "import_phu_luc_1", "imported_tables", "aggregate_report", "is_total_label",
    "is_signature_label", "is_place_date_line", "FieldError", "InputError", "write_skipped_rows",
    "skipped_rows_path",
]
