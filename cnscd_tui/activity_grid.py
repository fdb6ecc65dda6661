"""The month grid of the «Hoạt động» tab: team × service, people and households, typed fast.

Each team takes two lines (people, households) and each service a column, so that every
cell of a team is in view at 80 columns. Like ``widgets.LazyTable`` it draws only the
lines on screen (the line API): a province's 1.240 teams are 2.480 lines of text, not
widgets. Keys: arrows, Tab/Shift+Tab and Enter move; digits typed replace the cell (more
digits append), Backspace takes one back, Delete empties the cell, Esc drops what is being
typed. The grid keeps the clerk's changes (``edits``) until they are saved or dropped;
nothing is written here — the pane saves them through ``activities.save_month_grid``.

Every state reads without colour too: the cell under the cursor starts with «▸», a changed
cell ends with «*», a cell with an error with «!».
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from rich.cells import cell_len, set_cell_size
from rich.segment import Segment
from textual import events
from textual.geometry import Size
from textual.message import Message
from textual.scroll_view import ScrollView
from textual.strip import Strip

from models import text

from .i18n import tr_pair
from .widgets import short_team

FIELDS = ("people", "households")
FIELD_LABELS = {"people": ("Người", "People"), "households": ("Hộ", "Househ.")}
MAX_DIGITS = 8  # activities.MAX_COUNT is 10.000.000

# column titles: (Vietnamese short, Vietnamese wide, English short, English wide)
SERVICE_TITLES = {
    "TK_DVC": ("TK DVC", "TK DVC", "PS acc", "PS acct"),
    "HO_SO": ("Hồ sơ", "Hồ sơ TT", "Dossier", "Dossier"),
    "VNEID": ("VNeID", "VNeID", "VNeID", "VNeID"),
    "KDTM": ("KDTM", "Không TM", "Cashls", "Cashless"),
    "CKS": ("CKS", "Chữ ký số", "Signat", "Signature"),
    "TMDT": ("TMĐT", "TMĐT", "E-com", "E-comm."),
    "APP_TINH": ("ƯD T.", "ƯD tỉnh", "App", "Prov. app"),
    "LUA_DAO": ("L.đảo", "Lừa đảo", "Fraud", "Fraud"),
}

Key = tuple[int, str, str]  # (team id, service, field)


def team_head(name: str) -> str:
    """«Tổ CNSCĐ tổ dân phố Bắc Lợi» → «TDP Bắc Lợi»; «Tổ CNSCĐ phường X» → «Phường X»."""
    short = short_team(name)
    return short[:1].upper() + short[1:]


def fit(s: str, width: int) -> str:
    """``s`` in exactly ``width`` cells, cut with «…» when longer."""
    if cell_len(s) > width:
        return set_cell_size(s, max(0, width - 1)) + "…"
    return set_cell_size(s, width)


def service_title(code: str, wide: bool) -> str:
    from .i18n import language

    t = SERVICE_TITLES.get(code)
    if t is None:
        return code
    return t[(2 if language() == "en" else 0) + (1 if wide else 0)]


class ActivityGrid(ScrollView, can_focus=True):
    DEFAULT_CSS = """
    ActivityGrid { height: 1fr; background: $surface; overflow-x: hidden; }
    ActivityGrid > .activity-grid--header { text-style: bold; background: $primary-muted; }
    ActivityGrid > .activity-grid--cursor { background: $accent; color: $text; text-style: bold; }
    ActivityGrid > .activity-grid--edited { color: $warning; text-style: bold; }
    ActivityGrid > .activity-grid--error { color: $error; text-style: bold reverse; }
    ActivityGrid > .activity-grid--dim { color: $text-muted; }
    ActivityGrid > .activity-grid--empty { color: $text-muted; text-style: italic; }
    """
    COMPONENT_CLASSES = {"activity-grid--header", "activity-grid--cursor", "activity-grid--edited",
                         "activity-grid--error", "activity-grid--dim", "activity-grid--empty"}

    class Moved(Message):
        """The cursor moved, or what the cell under it holds changed."""

        def __init__(self, grid: ActivityGrid) -> None:
            super().__init__()
            self.grid = grid

        @property
        def control(self) -> ActivityGrid:
            return self.grid

    class Refused(Message):
        """A key the grid does not take (a letter typed into a number cell)."""

        def __init__(self, grid: ActivityGrid, message: str) -> None:
            super().__init__()
            self.grid, self.message = grid, message

    def __init__(self, *, empty_text: str = "", id: str | None = None, classes: str | None = None) -> None:
        super().__init__(id=id, classes=classes)
        self.empty_text = empty_text
        self.services: list[tuple[str, str]] = []
        self.rows: list = []  # activities.GridRow
        self._by_team: dict[int, Any] = {}
        self.edits: dict[Key, int | None] = {}
        self.errors: dict[Key, str] = {}
        self.line = 0  # 2 × row + field
        self.col = 0
        self.typing: str | None = None  # digits being typed into the cursor cell

    # -- data ------------------------------------------------------------------------
    def set_grid(self, services: Sequence[tuple[str, str]], rows: Sequence, *, keep_edits: bool = True) -> None:
        """New rows (a month read); the clerk's changes stay where their team still is."""
        key = self.current_key if self.rows else None
        self.services, self.rows = list(services), list(rows)
        self._by_team = {r.team_id: r for r in self.rows}
        teams = self._by_team.keys()
        if keep_edits:
            self.edits = {k: v for k, v in self.edits.items() if k[0] in teams and self.original(k) != v}
        else:
            self.edits = {}
        self.errors = {k: v for k, v in self.errors.items() if keep_edits and k[0] in teams}
        self.typing = None
        if key is not None and key[0] in teams:
            self.move_to(*key)
        else:
            self.line = min(self.line, max(0, self.line_count - 1))
            self.col = min(self.col, max(0, len(self.services) - 1))
        self.virtual_size = Size(0, self.line_count + 1)
        self.refresh()

    def clear(self) -> None:
        """Nothing on screen (the registry is locked); the changes typed are kept."""
        self.rows, self._by_team = [], {}
        self.typing = None
        self.virtual_size = Size(0, 1)
        self.refresh()

    @property
    def line_count(self) -> int:
        return 2 * len(self.rows)

    @property
    def current_row(self):
        i = self.line // 2
        return self.rows[i] if 0 <= i < len(self.rows) else None

    @property
    def current_field(self) -> str:
        return FIELDS[self.line % 2]

    @property
    def current_service(self) -> str | None:
        return self.services[self.col][0] if 0 <= self.col < len(self.services) else None

    @property
    def current_key(self) -> Key | None:
        row, svc = self.current_row, self.current_service
        return None if row is None or svc is None else (row.team_id, svc, self.current_field)

    def original(self, key: Key, row=None) -> int:
        """What is saved in the cell (``row``: its team's row, when the caller has it)."""
        team_id, svc, field = key
        row = row if row is not None else self._by_team.get(team_id)
        c = row.cells.get(svc) if row is not None else None
        return int(getattr(c, field)) if c is not None else 0

    def value(self, key: Key, row=None) -> int:
        if key in self.edits:
            return self.edits[key] or 0
        return self.original(key, row)

    @property
    def changed(self) -> int:
        """Cells changed and not saved."""
        return len(self.edits) + (1 if self._typed_change() else 0)

    def _typed_change(self) -> bool:
        key = self.current_key
        if self.typing is None or key is None:
            return False
        return key not in self.edits and (int(self.typing) if self.typing else 0) != self.original(key)

    def changes(self) -> dict[tuple[int, str], dict[str, int]]:
        """(team id, service) → {"people": n, "households": n} for every cell pair with a change
        (what the cursor cell holds being typed counts too)."""
        self.commit()
        out: dict[tuple[int, str], dict[str, int]] = {}
        for team_id, svc, _field in self.edits:
            out[(team_id, svc)] = {f: self.value((team_id, svc, f)) for f in FIELDS}
        return out

    def drop_changes(self) -> None:
        self.edits.clear()
        self.errors.clear()
        self.typing = None
        self.refresh()
        self.post_message(self.Moved(self))

    def set_errors(self, errors: dict[Key, str]) -> None:
        self.errors = dict(errors)
        if errors:
            self.move_to(*next(iter(errors)))
        self.refresh()

    def move_to(self, team_id: int, service: str, field: str = "people") -> bool:
        for i, r in enumerate(self.rows):
            if r.team_id == team_id:
                cols = [s for s, _ in self.services]
                self._go(2 * i + FIELDS.index(field), cols.index(service) if service in cols else self.col)
                return True
        return False

    def move_to_unit(self, unit_id: int) -> bool:
        for i, r in enumerate(self.rows):
            if r.unit_id == unit_id:
                self._go(2 * i, self.col)
                return True
        return False

    # -- typing ------------------------------------------------------------------------
    def commit(self) -> None:
        """What is being typed becomes the cell's value."""
        if self.typing is None:
            return
        key = self.current_key
        value = int(self.typing) if self.typing else None
        self.typing = None
        if key is None:
            return
        if (value or 0) == self.original(key):
            self.edits.pop(key, None)
        else:
            self.edits[key] = value
        self.errors.pop(key, None)

    def _type_digit(self, digit: str) -> None:
        if self.current_key is None:
            return
        buf = (self.typing or "") + digit
        if self.typing is None or self.typing == "0":
            buf = digit
        if len(buf) > MAX_DIGITS:
            self.post_message(self.Refused(self, tr_pair("Số quá lớn (tối đa 8 chữ số).", "Number too large.")))
            return
        self.typing = buf
        self._changed()

    def _backspace(self) -> None:
        key = self.current_key
        if key is None:
            return
        if self.typing is None:
            self.typing = str(self.value(key)) if self.value(key) else ""
        self.typing = self.typing[:-1]
        self._changed()

    def _empty(self) -> None:
        key = self.current_key
        if key is None:
            return
        self.typing = None
        if self.original(key):
            self.edits[key] = None
        else:
            self.edits.pop(key, None)
        self.errors.pop(key, None)
        self._changed()

    def _changed(self) -> None:
        self.refresh()
        self.post_message(self.Moved(self))

    # -- moving ------------------------------------------------------------------------
    def _go(self, line: int, col: int) -> None:
        self.commit()
        if not self.rows:
            return
        self.line = max(0, min(self.line_count - 1, line))
        self.col = max(0, min(len(self.services) - 1, col))
        visible = max(1, self.size.height - 1)
        top = self.scroll_offset.y
        if self.line < top:
            self.scroll_to(y=self.line, animate=False)
        elif self.line >= top + visible:
            self.scroll_to(y=self.line - visible + 1, animate=False)
        self._changed()

    def _step(self, forward: bool) -> None:
        """Tab: the next cell, on to the next line at the end of one."""
        n = len(self.services)
        pos = self.line * n + self.col + (1 if forward else -1)
        if 0 <= pos < self.line_count * n:
            self._go(pos // n, pos % n)

    _MOVES = {
        "up": lambda g: g._go(g.line - 1, g.col),
        "down": lambda g: g._go(g.line + 1, g.col),
        "enter": lambda g: g._go(g.line + 1, g.col),
        "left": lambda g: g._go(g.line, g.col - 1),
        "right": lambda g: g._go(g.line, g.col + 1),
        "tab": lambda g: g._step(True),
        "shift+tab": lambda g: g._step(False),
        "home": lambda g: g._go(g.line, 0),
        "end": lambda g: g._go(g.line, len(g.services) - 1),
        "ctrl+home": lambda g: g._go(0, 0),
        "ctrl+end": lambda g: g._go(g.line_count - 1, len(g.services) - 1),
        "pageup": lambda g: g._go(g.line - max(2, g.size.height - 2), g.col),
        "pagedown": lambda g: g._go(g.line + max(2, g.size.height - 2), g.col),
        "backspace": lambda g: g._backspace(),
        "delete": lambda g: g._empty(),
    }

    async def _on_key(self, event: events.Key) -> None:
        move = self._MOVES.get(event.key)
        if move is not None:
            event.stop()
            event.prevent_default()
            move(self)
            return
        if event.key == "escape" and self.typing is not None:
            event.stop()
            event.prevent_default()
            self.typing = None
            self._changed()
            return
        ch = event.character
        if ch and ch.isdigit() and ch.isascii():
            event.stop()
            event.prevent_default()
            self._type_digit(ch)
        elif ch and ch in "-.,+" and event.is_printable:
            event.stop()
            event.prevent_default()
            self.post_message(self.Refused(self, tr_pair(
                "Ô này chỉ nhận số nguyên không âm: gõ chữ số 0–9.",
                "A cell takes a whole number: type the digits 0–9.")))

    def on_click(self, event: events.Click) -> None:
        if event.y <= 0 or not self.rows:
            return
        line = self.scroll_offset.y + event.y - 1
        x, widths = event.x, self._widths(self.scrollable_content_region.width)
        col, edge = self.col, widths[0] + widths[1] + 2
        for i in range(len(self.services)):
            if edge <= x < edge + widths[2 + i] + 1:
                col = i
            edge += widths[2 + i] + 1
        if line < self.line_count:
            self._go(line, col)

    # -- drawing -----------------------------------------------------------------------
    def _widths(self, total: int) -> list[int]:
        n = len(self.services)
        cell = 9 if total >= 30 + 10 * n else (7 if total >= 24 + 8 * n else 6)
        kind = 7 if cell >= 9 else 5
        team = max(8, total - kind - 2 - n * (cell + 1))
        return [team, kind] + [cell] * n

    def _cell(self, key: Key, width: int, at_cursor: bool, row) -> tuple[str, str]:
        """A cell's text and the style it takes (component class name or "")."""
        if at_cursor and self.typing is not None:
            shown, flag = (self.typing or "") + "_", "*"
        else:
            v = self.value(key, row)
            shown = text.format_int(v) if v else "·"
            flag = "!" if key in self.errors else ("*" if key in self.edits else " ")
        body = width - 2
        if cell_len(shown) > body:
            shown = shown.replace(".", "")
        shown = shown.rjust(body) if cell_len(shown) <= body else shown[-body:]
        style = ("activity-grid--cursor" if at_cursor else
                 "activity-grid--error" if key in self.errors else
                 "activity-grid--edited" if key in self.edits else "")
        return ("▸" if at_cursor else " ") + shown + flag, style

    def _header(self, widths: list[int]) -> str:
        wide = widths[2] >= 9 if len(widths) > 2 else False
        parts = [set_cell_size(tr_pair("Tổ", "Team"), widths[0]), set_cell_size("", widths[1])]
        for (code, _label), w in zip(self.services, widths[2:], strict=False):
            title = service_title(code, wide)
            parts.append(title.rjust(w) if cell_len(title) <= w else set_cell_size(title, w))
        return " ".join(parts)

    def render_line(self, y: int) -> Strip:
        width = self.scrollable_content_region.width
        base = self.rich_style
        widths = self._widths(width)
        if y == 0:
            style = base + self.get_component_rich_style("activity-grid--header")
            return Strip([Segment(set_cell_size(self._header(widths), width), style)])
        line = self.scroll_offset.y + y - 1
        if not self.rows:
            if y == 1:
                style = base + self.get_component_rich_style("activity-grid--empty")
                return Strip([Segment(set_cell_size(" " + self.empty_text, width), style)])
            return Strip.blank(width, base)
        if line >= self.line_count:
            return Strip.blank(width, base)
        row, field = self.rows[line // 2], FIELDS[line % 2]
        dim = base + self.get_component_rich_style("activity-grid--dim")
        if field == "people":
            head = team_head(row.team_name)
        elif row.households_cap is not None:
            head = "  ≤ " + text.format_int(row.households_cap) + " " + tr_pair("hộ", "hh")
        else:
            head = "  " + tr_pair("chưa có số hộ", "no household count") if row.level == "thon" else ""
        segments = [Segment(fit(head, widths[0]) + " ", base if field == "people" else dim),
                    Segment(set_cell_size(tr_pair(*FIELD_LABELS[field]), widths[1]) + " ", dim)]
        for i, ((code, _label), w) in enumerate(zip(self.services, widths[2:], strict=False)):
            at_cursor = line == self.line and i == self.col
            shown, cls = self._cell((row.team_id, code, field), w, at_cursor, row)
            style = base + self.get_component_rich_style(cls) if cls else base
            segments.append(Segment(shown, style))
            segments.append(Segment(" ", base))
        strip = Strip(segments)
        return strip.crop_extend(0, width, base)

    def on_resize(self, event: events.Resize) -> None:
        self.virtual_size = Size(0, self.line_count + 1)

    def cell_label(self, key: Key | None = None) -> str:
        """«TDP Bắc Lợi — Cài đặt, kích hoạt VNeID mức độ 2 — số hộ» (the cell, for messages)."""
        key = key or self.current_key
        if key is None:
            return ""
        team_id, svc, field = key
        row = self._by_team.get(team_id)
        label = dict(self.services).get(svc, svc)
        from .i18n import language

        if language() == "en":
            from models.activities import SERVICES

            label = SERVICES[svc][1] if svc in SERVICES else svc
        what = tr_pair("số người", "people") if field == "people" else tr_pair("số hộ", "households")
        return f"{row.team_name if row else team_id} — {label} — {what}"

    def info(self) -> dict[str, Any]:
        """What the status line says about the cursor cell."""
        key = self.current_key
        return {"key": key, "label": self.cell_label(key) if key else "", "row": self.current_row,
                "original": self.original(key) if key else 0, "error": self.errors.get(key, "") if key else ""}
