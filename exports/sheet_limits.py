"""What the importer reads of a spreadsheet at most, and the grid a sheet's cells are gathered in.

    budget = Budget()                       # one per file: the cells read so far, in every sheet
    grid = Grid("Danh sách", budget)
    grid.put(0, 1, "Nguyễn Thị Hà", font="Times New Roman")   # 0-based row and column
    cells, fonts = grid.cells, grid.fonts

A sheet may declare any size it likes; only cells that hold something are stored, and a
cell beyond :data:`MAX_ROWS` rows or :data:`MAX_COLS` columns, or the :data:`MAX_CELLS`-th
cell of a file, stops the reading with a :class:`SheetRefused` that tells the clerk what
was not read and what to do — never a silent cut. The readers (:mod:`exports.xlsx_reader`,
:mod:`exports.ods_reader`, :mod:`exports.sheets`) raise it; :mod:`exports.sheets` turns it
into the import's error.
"""

from __future__ import annotations

from typing import Any

from models import text

from .xml_guard import Work

__all__ = ["MAX_ROWS", "MAX_COLS", "MAX_CELL", "MAX_CELLS", "MAX_TEXT", "CLIP", "SheetRefused", "Budget", "Grid", "clip",
           "col_letter", "SAVE_AGAIN"]

MAX_ROWS = 200_000
MAX_COLS = 200
MAX_CELL = 2_000  # characters kept per cell (a longer one is an error in a field)
MAX_CELLS = 2_000_000  # cells holding something, in a whole file
MAX_TEXT = 40_000_000  # characters of text kept, in a whole file (≈ 100 MB of memory at most)
CLIP = MAX_CELL * 50  # characters stored of one cell (the rest is never needed to report it too long)

SAVE_AGAIN = "Hãy mở tệp bằng Excel hoặc LibreOffice, lưu lại dưới dạng .xlsx rồi nhập lại."


class SheetRefused(Exception):
    """The file is not read. ``why``: the clerk's sentences (Vietnamese: what is wrong, what to do)."""

    def __init__(self, why: str):
        super().__init__(why)
        self.why = why


def _where(sheet: str | None) -> str:
    return f"trang «{sheet}»" if sheet is not None else "tệp"


def too_many_rows(sheet: str | None, row: int) -> SheetRefused:
    """``row``: 0-based index of the first row that is not read; ``sheet``: None for a CSV file."""
    return SheetRefused(
        f"{_where(sheet)} có dữ liệu ở dòng {text.format_int(row + 1)}, quá {text.format_int(MAX_ROWS)} dòng mà "
        "chương trình đọc được; tệp chưa được nhập. Hãy chia danh sách thành nhiều tệp (mỗi tệp tối đa "
        f"{text.format_int(MAX_ROWS)} dòng), hoặc xóa các dòng thừa ở cuối trang, rồi nhập lại.")


def too_many_cols(sheet: str | None, row: int, col: int) -> SheetRefused:
    return SheetRefused(
        f"{_where(sheet)} có dữ liệu ở cột {col_letter(col)} (cột thứ {text.format_int(col + 1)}) của dòng "
        f"{text.format_int(row + 1)}, quá {MAX_COLS} cột mà chương trình đọc được; tệp chưa được nhập. Hãy xóa "
        "các cột thừa (chỉ giữ các cột của danh sách) rồi nhập lại.")


def too_many_cells(sheet: str | None) -> SheetRefused:
    upto = f" (đến trang «{sheet}»)" if sheet is not None else ""
    return SheetRefused(
        f"tệp có hơn {text.format_int(MAX_CELLS)} ô có dữ liệu{upto}, quá sức đọc của chương "
        "trình; tệp chưa được nhập. Hãy chia thành nhiều tệp nhỏ hơn, hoặc xóa các trang, cột không cần nhập, "
        "rồi nhập lại.")


def too_much_text() -> SheetRefused:
    return SheetRefused(
        f"tệp có hơn {text.format_int(MAX_TEXT // 1_000_000)} triệu ký tự chữ, quá sức đọc của chương trình; tệp "
        "chưa được nhập. Hãy chia thành nhiều tệp nhỏ hơn, hoặc xóa các trang, cột không cần nhập, rồi nhập lại.")


def col_letter(c: int) -> str:
    """0-based column index → Excel letters (0 → A)."""
    s, c = "", c + 1
    while c:
        c, rem = divmod(c - 1, 26)
        s = chr(65 + rem) + s
    return s


def clip(v: Any) -> Any:
    if isinstance(v, str) and len(v) > CLIP:
        return v[:CLIP]
    return v


class Budget:
    """Cells and characters read so far in one file."""

    def __init__(self, max_cells: int = MAX_CELLS, max_text: int = MAX_TEXT):
        self.cells = self.chars = 0
        self.max_cells, self.max_text = max_cells, max_text
        self._seen: dict[str, str] = {}
        self.work = Work()  # the XML parts' elements (exports.xml_guard)
        self.escapes = False  # a text read may hold Excel's «_xHHHH_» escapes (exports.sheets turns them back)

    def share(self, v: str) -> str:
        """One object for each short text met again (villages, roles, years as text: a roster repeats them)."""
        if len(v) > 40:
            return v
        got = self._seen.get(v)
        if got is not None:
            return got
        if len(self._seen) < 50_000:
            self._seen[v] = v
        return v

    def text(self, n: int) -> None:
        """``n`` more characters of text kept."""
        self.chars += n
        if self.chars > self.max_text:
            raise too_much_text()

    def count(self, values: list[Any], sheet: str | None) -> None:
        """A row of values kept (``None`` for an empty cell)."""
        for v in values:
            if v is not None:
                self.cells += 1
                if isinstance(v, str):
                    self.chars += len(v)
        if self.cells > self.max_cells:
            raise too_many_cells(sheet)
        if self.chars > self.max_text:
            raise too_much_text()


class Grid:
    """One sheet's cells as they are read (rows in any order); the limits above enforced as they come."""

    def __init__(self, sheet: str, budget: Budget):
        self.sheet, self.budget = sheet, budget
        self.cells: list[list[Any]] = []
        self.fonts: list[list[str | None]] = []
        self.has_fonts = False

    def put(self, r: int, c: int, v: Any, font: str | None = None, counted: bool = False) -> None:
        """Cell (``r``, ``c``) (0-based) holds ``v`` (not empty); ``counted``: its text is already in the budget
        (a shared string, kept once however many cells show it)."""
        if r >= MAX_ROWS:
            raise too_many_rows(self.sheet, r)
        if c >= MAX_COLS:
            raise too_many_cols(self.sheet, r, c)
        budget = self.budget
        budget.cells += 1
        if budget.cells > budget.max_cells:
            raise too_many_cells(self.sheet)
        v = clip(v)
        if not counted and isinstance(v, str):
            budget.chars += len(v)
            if budget.chars > budget.max_text:
                raise too_much_text()
        cells = self.cells
        while len(cells) <= r:
            cells.append([])
        row = cells[r]
        if len(row) <= c:
            row.extend([None] * (c + 1 - len(row)))
        row[c] = v
        if font is not None:
            self._font(r, c, font)

    def put_cells(self, r: int, items: list[tuple[int, Any, str | None, bool]], width: int = 0) -> None:
        """Row ``r`` (0-based) holds these cells: (column, value, font, text already counted) — :meth:`put`
        for a whole row at once (the XLSX reader's hot path). ``width``: 1 + the largest column, if known."""
        if r >= MAX_ROWS:
            raise too_many_rows(self.sheet, r)
        budget = self.budget
        budget.cells += len(items)
        if budget.cells > budget.max_cells:
            raise too_many_cells(self.sheet)
        cells = self.cells
        while len(cells) <= r:
            cells.append([])
        row = cells[r]
        width = width or max(c for c, _, _, _ in items) + 1
        if width > MAX_COLS:
            raise too_many_cols(self.sheet, r, next(c for c, _, _, _ in items if c >= MAX_COLS))
        if len(row) < width:
            row.extend([None] * (width - len(row)))
        chars = 0
        frow = None
        for c, v, font, counted in items:
            if type(v) is str:
                if len(v) > CLIP:
                    v = v[:CLIP]
                if not counted:
                    chars += len(v)
            row[c] = v
            if font is not None:
                if frow is None:
                    self.has_fonts = True
                    fonts = self.fonts
                    while len(fonts) <= r:
                        fonts.append([])
                    frow = fonts[r]
                    if len(frow) < width:
                        frow.extend([None] * (width - len(frow)))
                frow[c] = font
        if chars:
            budget.text(chars)

    def _font(self, r: int, c: int, font: str) -> None:
        self.has_fonts = True
        fonts = self.fonts
        while len(fonts) <= r:
            fonts.append([])
        row = fonts[r]
        if len(row) <= c:
            row.extend([None] * (c + 1 - len(row)))
        row[c] = font

    def put_row(self, r: int, values: list[Any]) -> None:
        """Row ``r`` (0-based) is ``values`` (``None`` for an empty cell; at most :data:`MAX_COLS`)."""
        if r >= MAX_ROWS:
            raise too_many_rows(self.sheet, r)
        self.budget.count(values, self.sheet)
        cells = self.cells
        while len(cells) < r:
            cells.append([])
        if len(cells) == r:
            cells.append(values)
        else:
            cells[r] = values

    def merges_within(self, merges: list[tuple[int, int, int, int]]) -> list[tuple[int, int, int, int]]:
        """Merged ranges cut to the rows read and :data:`MAX_COLS` columns (a declared A1:XFD1048576 is A1:GR…)."""
        last = len(self.cells) - 1
        out = []
        for r1, c1, r2, c2 in merges:
            if 0 <= r1 <= last and 0 <= c1 < MAX_COLS and r2 >= r1 and c2 >= c1:
                out.append((r1, c1, min(r2, last), min(c2, MAX_COLS - 1)))
        return out
