"""Reading ODS spreadsheets for the import: ``content.xml`` streamed, repeats and spans within limits.

    sheets = read_ods(SafeZip(data), budget, on_row)   # [(name, Grid, merges)]

The values are those the odfpy reader gave (numbers, percentages and currency as float, dates,
booleans, other cells as the text of their paragraphs with ``text:s``/``text:tab``/
``text:line-break`` written out), read without building the whole document in memory.
What a hostile file cannot do here:

* a row or cell repeated a billion times: empty ones only move the row/column counter (the
  trailing ``number-rows-repeated="1048000"`` LibreOffice writes costs nothing), repeated data
  is stored row by row until :data:`~exports.sheet_limits.MAX_ROWS` — and data beyond the
  limits, even after 250,000 empty rows, stops the import with a message saying where
  (never a silent cut);
* a negative, zero or non-numeric repeat or span: a damaged file, the row named;
* a span of a hundred billion rows: merged ranges are cut to the rows read;
* ``<text:s text:c="1000000000"/>``: a cell's text is cut at :data:`~exports.sheet_limits.CLIP`;
* comments (``office:annotation``) are not part of a cell's value.
"""

from __future__ import annotations

from collections.abc import Callable

from .ods_sheet import damaged, read_content
from .safe_zip import SafeZip
from .sheet_limits import Budget, Grid

__all__ = ["read_ods"]


def read_ods(z: SafeZip, budget: Budget, on_row: Callable[[int], None] | None = None
             ) -> list[tuple[str, Grid, list[tuple[int, int, int, int]]]]:
    """Every table of the spreadsheet: (name, its cells, merged ranges within them)."""
    if "content.xml" not in z:
        raise damaged("không có phần nội dung (content.xml)")
    return read_content(lambda: z.open("content.xml"), budget, on_row)
