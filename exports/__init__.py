"""Spreadsheet import/export, official layouts, templates and the USB hand-off.
Never imports Textual; heavy libraries (openpyxl, odfpy) are imported lazily."""
