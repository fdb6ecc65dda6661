"""Widgets of our own: a lazily drawn table for long lists and a text bar chart.

``LazyTable`` draws only the lines on screen (the line API), so a list of
7,446 people costs one list of tuples, not 7,446 widgets or table rows; a new
search result replaces the list in O(1). ``SearchInput`` and ``QuickFooter``
are Textual's input and footer without their per-keystroke and per-focus layout
passes of the whole screen.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from rich.cells import cell_len, set_cell_size
from rich.segment import Segment
from rich.style import Style
from textual import events, on
from textual.binding import Binding
from textual.geometry import Size
from textual.message import Message
from textual.reactive import reactive
from textual.scroll_view import ScrollView
from textual.strip import Strip
from textual.widget import Widget
from textual.widgets import Checkbox, Footer, Input, OptionList

from .picked import Picked

try:
    from textual.widgets._footer import FooterKey
except ImportError:  # Textual moved it: QuickFooter then only skips the repeated rebuilds
    FooterKey = None


@dataclass(frozen=True)
class Column:
    title: str
    width: int = 0  # 0 = share what is left
    align: str = "left"  # left | right
    grow: int = 0  # a fixed column may widen up to this on a wide screen (names of villages, teams)


FLEX_TARGET = 32  # a shared column gets this much before fixed columns grow


def short_team(names: str) -> str:
    """Team names for a narrow «Tổ» column: every team is «Tổ CNSCĐ <unit>», so the column
    shows the unit, with «tổ dân phố» shortened («Tổ CNSCĐ tổ dân phố Hưng Yên» → «TDP Hưng Yên»)."""
    out = []
    for name in str(names or "").split(", "):
        if name[:9].casefold() == "tổ cnscđ ":
            name = name[9:]
        if name[:11].casefold() == "tổ dân phố ":
            name = "TDP " + name[11:]
        out.append(name)
    return ", ".join(out)


class LazyTable(ScrollView, can_focus=True):
    """A read-only table that renders only visible lines. Optional check marks."""

    DEFAULT_CSS = """
    LazyTable { height: 1fr; background: $surface; overflow-x: hidden; }
    LazyTable > .lazy-table--header { text-style: bold; background: $primary-muted; }
    LazyTable > .lazy-table--cursor { background: $accent; color: $text; }
    LazyTable:nocolor > .lazy-table--cursor { text-style: reverse bold; }
    LazyTable > .lazy-table--dim { color: $text-muted; }
    LazyTable > .lazy-table--empty { color: $text-muted; text-style: italic; }
    """
    COMPONENT_CLASSES = {"lazy-table--header", "lazy-table--cursor", "lazy-table--dim", "lazy-table--empty"}

    BINDINGS = [
        Binding("up", "cursor(-1)", "Lên", show=False, id="table.up", tooltip="Dòng trên"),
        Binding("down", "cursor(1)", "Xuống", show=False, id="table.down", tooltip="Dòng dưới"),
        Binding("pageup", "page(-1)", "Trang trước", show=False, id="table.pageup", tooltip="Trang trước"),
        Binding("pagedown", "page(1)", "Trang sau", show=False, id="table.pagedown", tooltip="Trang sau"),
        Binding("home", "jump(0)", "Đầu", show=False, id="table.home", tooltip="Dòng đầu"),
        Binding("end", "jump(-1)", "Cuối", show=False, id="table.end", tooltip="Dòng cuối"),
        # Enter acts at once (priority): the keys typed right after it wait for what it opens
        Binding("enter", "select", "Mở", show=False, id="table.select", tooltip="Mở dòng đang chọn", priority=True),
        Binding("space", "toggle", "Đánh dấu", show=False, id="table.toggle", tooltip="Đánh dấu / bỏ đánh dấu"),
    ]

    cursor = reactive(0, always_update=True)

    class Highlighted(Message):
        def __init__(self, table: LazyTable, index: int, key) -> None:
            super().__init__()
            self.table, self.index, self.key = table, index, key

        @property
        def control(self):
            return self.table

    class Selected(Highlighted):
        pass

    class Opened(Message):
        """Posted after ``Selected``: it reaches the screen once everything between has handled
        ``Selected`` (a form is open by then), and the screen hands on the keys it kept meanwhile."""

        def __init__(self, table: LazyTable) -> None:
            super().__init__()
            self.table = table

    class Toggled(Message):
        def __init__(self, table: LazyTable, key, checked: bool) -> None:
            super().__init__()
            self.table, self.key, self.checked = table, key, checked

        @property
        def control(self):
            return self.table

    def __init__(self, columns: Sequence[Column], *, checkable: bool = False, empty_text: str = "(trống)",
                 enter_label: str = "", space_label: str = "", id: str | None = None,
                 classes: str | None = None) -> None:
        super().__init__(id=id, classes=classes)
        if not checkable:
            self._bindings.key_to_bindings.pop("space", None)
        elif space_label:  # say in the footer what Space does here (it marks and moves down)
            self._bindings.key_to_bindings["space"] = [
                Binding("space", "toggle", space_label, id="table.toggle", key_display="Space",
                        tooltip="Đánh dấu (hoặc bỏ dấu) dòng đang chọn rồi xuống dòng dưới")]
        if enter_label:  # show what Enter does here in the footer
            self._bindings.key_to_bindings["enter"] = [
                Binding("enter", "select", enter_label, id="table.select", tooltip=enter_label, priority=True)]
        self.columns = list(columns)
        self.checkable = checkable
        self.empty_text = empty_text
        self.rows: Sequence[tuple] = []
        self.keys: Sequence = []
        self.dim: set = set()  # keys drawn dimmed (e.g. people who left)
        self.checked: set = set()

    # -- data ------------------------------------------------------------------
    def set_rows(self, rows: Sequence[tuple], keys: Sequence | None = None, *, keep_cursor: bool = False,
                 order: Sequence[int] | None = None) -> None:
        """The lines to show (copied), with their keys. ``order``: show only ``rows[i]`` (and
        ``keys[i]``) for ``i`` in ``order`` (ascending positions: a search's answer), in place
        — nothing is copied, so a long list filtered on every keystroke costs nothing per row;
        the caller must not change ``rows`` or ``keys`` while they are shown."""
        old_key = self.current_key if keep_cursor else None
        if order is not None:
            self.rows = Picked(rows, order)
            self.keys = Picked(keys if keys is not None else range(len(rows)), order)
        else:
            self.rows = list(rows)
            self.keys = list(keys) if keys is not None else list(range(len(self.rows)))
        self._set_height(len(self.rows) + 1)
        new = 0
        if old_key is not None:
            try:
                new = self.keys.index(old_key)
            except ValueError:
                new = 0
        self.cursor = min(new, max(0, len(self.rows) - 1))
        if not keep_cursor and self.scroll_offset.y:
            self.scroll_to(y=0, animate=False)
        self.refresh()

    def _set_height(self, height: int) -> None:
        """Set the number of lines (the virtual height).

        The table's own size never depends on its rows, so a new row count needs no
        layout pass of the whole screen (≈ 15 ms per keystroke at province scale), only
        the scrollbar's update — done here, so that it lands in the same frame as the
        rows. Showing or hiding the scrollbar still asks for a layout (Textual does)."""
        size = Size(0, height)
        if self.virtual_size == size:
            return
        scroll_update = getattr(self, "_scroll_update", None)  # Textual internals; fall back if gone
        if scroll_update is not None and self.is_mounted and self.display and self.container_size.height:
            self.set_reactive(LazyTable.virtual_size, size)
            scroll_update(size)
            self.refresh()
        else:
            self.virtual_size = size

    @property
    def row_count(self) -> int:
        return len(self.rows)

    @property
    def current_key(self):
        if 0 <= self.cursor < len(self.keys):
            return self.keys[self.cursor]
        return None

    def row_text(self, index: int) -> str:
        return " | ".join(str(c) for c in self.rows[index])

    # -- drawing -----------------------------------------------------------------
    def _widths(self, total: int) -> list[int]:
        fixed = sum(c.width for c in self.columns) + len(self.columns) - 1 + (4 if self.checkable else 0)
        flex = [c for c in self.columns if not c.width]
        spare = max(0, total - fixed)
        out = [c.width for c in self.columns]
        # on a wide screen, once the shared columns have FLEX_TARGET each, the growing columns
        # (names of villages, teams) widen, each in proportion to what it may still take
        room = spare - FLEX_TARGET * len(flex) if flex else spare
        wants = {i: c.grow - c.width for i, c in enumerate(self.columns) if c.width and c.grow > c.width}
        if room > 0 and wants:
            total_want = sum(wants.values())
            for i, want in wants.items():
                add = min(want, room * want // total_want)
                out[i] += add
                spare -= add
        for i, c in enumerate(self.columns):
            if not c.width:
                out[i] = max(6, spare // max(1, len(flex)))
        return out

    def _line(self, cells: Sequence, widths: list[int], prefix: str = "") -> str:
        parts = []
        for col, w, value in zip(self.columns, widths, cells, strict=False):
            s = "" if value is None else str(value)
            if cell_len(s) > w:
                s = set_cell_size(s, max(0, w - 1)) + "…"
            s = s.rjust(w) if col.align == "right" else set_cell_size(s, w)
            parts.append(s)
        return prefix + " ".join(parts)

    def _cached_line(self, row: tuple, widths: list[int]) -> str:
        """A row's text at these widths, remembered: typing in a search redraws the same rows."""
        cache = self.__dict__.get("_lines")
        if cache is None or self._lines_widths != widths or len(cache) > 4096:
            cache = self._lines = {}
            self._lines_widths = widths
        try:
            line = cache.get(row)
        except TypeError:  # a value that cannot be a dict key
            return self._line(row, widths)
        if line is None:
            line = cache[row] = self._line(row, widths)
        return line

    def render_line(self, y: int) -> Strip:
        width = self.scrollable_content_region.width
        # without colour (NO_COLOR) a gutter column marks the cursor row with «▸» (and it is reversed)
        gutter = 1 if self.app.no_color else 0
        widths = self._widths(width - gutter)
        base = self.rich_style
        if y == 0:
            from .i18n import tr

            prefix = " " * gutter + ("    " if self.checkable else "")
            line = self._line([tr(c.title) for c in self.columns], widths, prefix)
            style = base + self.get_component_rich_style("lazy-table--header")
            return Strip([Segment(set_cell_size(line, width), style)])
        index = self.scroll_offset.y + y - 1
        if not self.rows:
            if y == 1:
                from .i18n import tr

                style = base + self.get_component_rich_style("lazy-table--empty")
                return Strip([Segment(set_cell_size(" " + tr(self.empty_text), width), style)])
            return Strip.blank(width, base)
        if index >= len(self.rows):
            return Strip.blank(width, base)
        key = self.keys[index]
        prefix = ("[x] " if key in self.checked else "[ ] ") if self.checkable else ""
        if gutter:
            prefix = ("▸" if index == self.cursor else " ") + prefix
        line = prefix + self._cached_line(self.rows[index], widths)
        style = base
        if key in self.dim:
            style = style + self.get_component_rich_style("lazy-table--dim")
        if index == self.cursor:
            style = style + self.get_component_rich_style("lazy-table--cursor")
        return Strip([Segment(set_cell_size(line, width), style)])

    def on_resize(self, event: events.Resize) -> None:
        self.virtual_size = Size(0, len(self.rows) + 1)

    # -- cursor --------------------------------------------------------------------
    def watch_cursor(self, old: int, new: int) -> None:
        if not self.rows:
            return
        visible = max(1, self.size.height - 1)
        top = self.scroll_offset.y
        if new < top:
            self.scroll_to(y=new, animate=False)
        elif new >= top + visible:
            self.scroll_to(y=new - visible + 1, animate=False)
        self.refresh()
        self.post_message(self.Highlighted(self, new, self.current_key))

    def action_cursor(self, delta: int) -> None:
        if self.rows:
            self.cursor = max(0, min(len(self.rows) - 1, self.cursor + delta))

    def action_page(self, direction: int) -> None:
        self.action_cursor(direction * max(1, self.size.height - 2))

    def action_jump(self, where: int) -> None:
        if self.rows:
            self.cursor = 0 if where == 0 else len(self.rows) - 1

    def action_select(self) -> None:
        if self.rows:
            # the keys typed after Enter wait in the screen until what the row opens is open
            # (they would reach this list, or a page key, before the form) — see forms.KeysWaitForFocus
            hold = getattr(self.screen, "hold_keys", None)
            self.post_message(self.Selected(self, self.cursor, self.current_key))
            if hold is not None:
                hold()
                self.post_message(self.Opened(self))

    def action_toggle(self) -> None:
        if not (self.checkable and self.rows):
            return
        key = self.current_key
        if key in self.checked:
            self.checked.discard(key)
        else:
            self.checked.add(key)
        self.refresh()
        self.post_message(self.Toggled(self, key, key in self.checked))
        self.action_cursor(1)

    def set_checked(self, keys, checked: bool = True) -> None:
        if checked:
            self.checked |= set(keys)
        else:
            self.checked -= set(keys)
        self.refresh()

    def on_click(self, event: events.Click) -> None:
        y = event.y
        if y <= 0:
            return
        index = self.scroll_offset.y + y - 1
        if 0 <= index < len(self.rows):
            if self.cursor == index and event.chain >= 2:
                self.action_select()
            else:
                self.cursor = index
            if self.checkable and event.x < 4 + (1 if self.app.no_color else 0):
                self.action_toggle()


class SearchInput(Input):
    """An ``Input`` whose typing repaints only itself.

    ``Input`` asks for a layout pass of the whole screen on every change of its text
    (its scrollable width changes); a box whose size never depends on its text needs
    none, and at province scale that pass costs as much as the search itself."""

    _typing = False

    def __init__(self, *args, on_typed: Callable[[str], None] | None = None, not_typed: str = "",
                 **kwargs) -> None:
        """``on_typed(value)`` runs as the text changes, before this box repaints, so that
        what it updates (a filtered list) is drawn in the same frame as the typed key
        (``Input.Changed`` arrives a frame later); ``Changed`` is still posted.
        ``not_typed``: characters that are keys of the page, not text (the «/» that means
        «go to the search box» when the box already has the cursor)."""
        super().__init__(*args, **kwargs)
        self.on_typed = on_typed
        self.not_typed = not_typed

    async def _on_key(self, event: events.Key) -> None:
        if event.character and event.character in self.not_typed:
            event.stop()
            event.prevent_default()
            return
        await super()._on_key(event)

    def _watch_value(self, value: str) -> None:
        watch = getattr(super(), "_watch_value", None)
        if watch is not None:
            self._typing = True
            try:
                watch(value)
            finally:
                self._typing = False
        if self.on_typed is not None and self.is_mounted:
            self.on_typed(value)

    def refresh(self, *regions, repaint: bool = True, layout: bool = False, recompose: bool = False):
        if layout and self._typing and not self.styles.auto_dimensions:
            layout = False
        return super().refresh(*regions, repaint=repaint, layout=layout, recompose=recompose)


class QuickFooter(Footer):
    """Textual's footer, rebuilt only when what it shows changes.

    ``Footer`` rebuilds its keys (a dozen widgets) after every change of focus or
    bindings; opening a tab announces several in a row, so it was rebuilt three or four
    times, each with a layout pass of the whole screen (≈ 100 ms per tab)."""

    _queued = False
    _shown: tuple | None = None

    def bindings_changed(self, screen) -> None:
        self._bindings_ready = True
        if not screen.app.app_focus:
            return
        if self.is_attached and screen is self.screen and not self._queued:
            self._queued = True
            self.call_later(self._rebuild)

    async def _rebuild(self) -> None:
        self._queued = False
        if not self.is_attached:
            return
        shown = self._what_is_shown()
        if shown != self._shown:
            self._shown = shown
            await self.recompose()

    # left out, in this order, when the footer is too narrow for every key (F1 help lists them):
    # "F2–F9 Trang", then the palette's "^p Lệnh" on the right
    SPARE_ACTIONS = ("show_tab('tong-quan')", "-command-palette")

    def compose(self):
        from .i18n import tr

        # a FooterKey starts compact and is then bound to the footer's setting (not compact):
        # two restylings of each key on every rebuild; start it as it will end. (The command
        # palette's key is not bound and stays compact.)
        widgets = list(super().compose())
        for widget in widgets:
            if FooterKey is not None and isinstance(widget, FooterKey):
                # labels are written in Vietnamese and translated here, when shown, so a change
                # of language shows at once (they used to be translated once, at start-up)
                widget.description = tr(widget.description)
                if not widget.has_class("-command-palette"):
                    widget.set_reactive(FooterKey.compact, self.compact)
        yield from self._fit(widgets)

    def _fit(self, widgets: list) -> list:
        """Leave out the spare keys when all of them do not fit on one line."""
        if FooterKey is None:
            return widgets
        width = self.size.width or self.app.size.width

        def cells(w) -> int:
            if not isinstance(w, FooterKey):
                return cell_len(str(getattr(w, "renderable", ""))) + 1
            return cell_len(w.key_display) + (cell_len(w.description) + 3 if w.description else 2) \
                + (1 if w.has_class("-command-palette") else 0)

        def spare(w) -> str:
            if not isinstance(w, FooterKey):
                return ""
            return "-command-palette" if w.has_class("-command-palette") else w.action

        total = sum(cells(w) for w in widgets)
        for action in self.SPARE_ACTIONS:
            if total <= width:
                break
            for w in [w for w in widgets if spare(w) == action]:
                widgets.remove(w)
                total -= cells(w)
        return widgets

    def on_resize(self, event: events.Resize) -> None:
        if self._shown is not None:
            self.bindings_changed(self.screen)

    def _what_is_shown(self) -> tuple:
        from .i18n import language

        active = self.screen.active_bindings
        keys = tuple((b.key, b.action, b.description, b.key_display, b.group, b.tooltip, enabled, tooltip)
                     for _, b, enabled, tooltip in active.values() if b.show)
        palette = active.get(self.app.COMMAND_PALETTE_BINDING)
        if palette is not None:
            _, b, enabled, tooltip = palette
            palette = (b.key, b.action, b.description, b.key_display, b.tooltip, enabled, tooltip)
        return keys, palette, self.show_command_palette, self.compact, language(), self.size.width


class Line(Widget):
    """One line of text that repaints without a layout pass (counters that change per keystroke)."""

    DEFAULT_CSS = "Line { height: 1; width: 1fr; color: $text-muted; }"
    text = reactive("", layout=False)

    def render(self) -> str:
        return self.text


def bar_chart(items: Sequence[tuple[str, int]], width: int = 30, label_width: int = 30) -> str:
    """Horizontal bars as plain text (one line per item)."""
    top = max((n for _, n in items), default=0) or 1
    total = sum(n for _, n in items) or 1
    lines = []
    for label, n in items:
        bar = "█" * max(1 if n else 0, round(n / top * width))
        lab = label if cell_len(label) <= label_width else set_cell_size(label, label_width - 1) + "…"
        lines.append(f"{set_cell_size(lab, label_width)} {bar} {n} ({n * 100 / total:.0f}%)")
    return "\n".join(lines)


def style_of(color: str) -> Style:
    return Style.parse(color)


# -- type-to-select ------------------------------------------------------------------------
def pick_matches(folded: Sequence[str], query: str) -> list[int]:
    """The options (by index) that a typed text picks, best first, accent- and case-insensitive:
    a label that begins with the text, then labels with every typed word at the start of one of
    their words («cong an» → «Công an viên/Công an»), then initials («tt» → «Tổ trưởng»), then
    the text anywhere in the label."""
    from models.text import fold

    q = fold(query)
    if not q:
        return list(range(len(folded)))
    words = q.split()
    squeezed = q.replace(" ", "")
    scored = []
    for i, label in enumerate(folded):
        label_words = [w for w in _WORDS.split(label) if w]
        if label.startswith(q):
            score = 0
        elif all(any(lw.startswith(w) for lw in label_words) for w in words):
            score = 1
        elif len(squeezed) > 1 and "".join(w[0] for w in label_words).startswith(squeezed):
            score = 2
        elif q in label:
            score = 3
        else:
            continue
        scored.append((score, i))
    return [i for _, i in sorted(scored)]


_WORDS = re.compile(r"[^0-9a-z]+")


class PickList(OptionList):
    """The list under a :class:`Pick` while the clerk types (the keys stay in the box)."""

    can_focus = False


class PickInput(Input):
    """The text box of a :class:`Pick`."""

    BINDINGS = [
        Binding("down", "move(1)", "Xuống", show=False, id="pick.down", tooltip="Lựa chọn dưới"),
        Binding("up", "move(-1)", "Lên", show=False, id="pick.up", tooltip="Lựa chọn trên"),
        Binding("escape", "close", "Đóng danh sách", show=False, id="pick.close", tooltip="Đóng danh sách"),
    ]

    @property
    def pick(self) -> Pick:
        return self.parent  # type: ignore[return-value]

    def action_move(self, delta: int) -> None:
        self.pick.move(delta)

    def action_close(self) -> None:
        from textual.actions import SkipAction

        if not self.pick.expanded:
            raise SkipAction()  # the screen's Esc (close the form, go back)
        self.pick.close(revert=True)

    def _on_blur(self, event: events.Blur) -> None:
        pick = self.parent
        if isinstance(pick, Pick) and pick.is_attached:  # (not while its window closes)
            pick.commit()

    def _on_focus(self, event: events.Focus) -> None:
        # (Input's own handler runs after this one and selects the text, the cursor at its end)
        if self.select_on_focus and not event.from_app_focus:
            self.call_later(self._select_from_start)

    def _select_from_start(self) -> None:
        """All selected (typing replaces the choice), the cursor at the start: a long label is read
        from its beginning."""
        from textual.widgets.input import Selection

        if self.value and self.has_focus and self.selection == Selection(0, len(self.value)):
            self.selection = Selection(len(self.value), 0)


class Pick(Widget):
    """A choice from a list, typed: the clerk types a few letters (no accents needed), the list
    under the box shows what matches, ↑↓ move in it, Enter (or leaving the box) takes the
    highlighted one. ``value`` is the chosen option's value (None when nothing is chosen).
    ``resolver(text)`` may name a value for a text no label matches (a position title →
    its category)."""

    DEFAULT_CSS = """
    Pick { height: auto; width: 1fr; }
    Pick > PickList {
        display: none; width: auto; min-width: 24; max-width: 90; height: auto; max-height: 8;
        overlay: screen; constrain: none inside;
        border: tall $accent; background: $surface;
    }
    Pick.-expanded > PickList { display: block; }
    Pick.-invalid > PickInput { border: tall $error; }
    """

    class Changed(Message):
        def __init__(self, pick: Pick, value) -> None:
            super().__init__()
            self.pick, self.value = pick, value

        @property
        def control(self):
            return self.pick

    def __init__(self, options: Sequence[tuple[str, object]], value=None, *, placeholder: str = "",
                 resolver: Callable[[str], object] | None = None, allow_blank: bool = True, compact: bool = False,
                 id: str | None = None, classes: str | None = None) -> None:
        super().__init__(id=id, classes=classes)
        self._placeholder, self._compact = placeholder, compact
        self.resolver, self.allow_blank = resolver, allow_blank
        self.set_options(options, value)
        self._shown: list[int] = []
        self._shown_for = ""
        self.expanded = False
        self.invalid = ""  # a typed text that picks nothing

    def set_options(self, options: Sequence[tuple[str, object]], value=None) -> None:
        from models.text import fold

        self.options = [(str(label), v) for label, v in options]
        self._folded = [fold(label) for label, _ in self.options]
        self.value = value if any(v == value for _, v in self.options) else None
        if self.is_mounted:
            self._show_value()

    def compose(self):
        yield PickInput(self.label_of(self.value), placeholder=self._placeholder, compact=self._compact)
        yield PickList()

    @property
    def input(self) -> PickInput:
        return self.query_one(PickInput)

    def focus(self, scroll_visible: bool = True):
        self.input.focus(scroll_visible)
        return self

    def label_of(self, value) -> str:
        return next((label for label, v in self.options if v == value), "") if value is not None else ""

    def _show_value(self) -> None:
        box = self.input
        with box.prevent(Input.Changed):
            box.value = self.label_of(self.value)
        if box.has_focus:  # all selected, the cursor at the start: typing replaces the choice
            from textual.widgets.input import Selection

            box.selection = Selection(len(box.value), 0)
        else:
            box.cursor_position = 0  # a long label is read from its beginning
        self.invalid = ""
        self.set_class(False, "-invalid")

    # -- typing --------------------------------------------------------------------------
    @on(Input.Changed)
    def _typed(self, event: Input.Changed) -> None:
        event.stop()
        if not self.input.has_focus:
            return  # a change that arrives after the box was left (and its choice taken)
        typed = self.input.value
        if typed == self.label_of(self.value) and not self.expanded:
            return
        self._open(self._matches(typed) if typed.strip() else [], shown_for=typed)

    def _matches(self, typed: str) -> list[int]:
        shown = pick_matches(self._folded, typed)
        if not shown and typed.strip() and self.resolver is not None:
            guess = self.resolver(typed)
            shown = [i for i, (_, v) in enumerate(self.options) if v == guess and v is not None]
        return shown

    @on(Input.Submitted)
    def _submitted(self, event: Input.Submitted) -> None:
        event.stop()
        self.commit()

    def _open(self, shown: list[int], highlight: int = 0, shown_for: str | None = None) -> None:
        self._shown = shown
        self._shown_for = self.input.value if shown_for is None else shown_for
        lst = self.query_one(PickList)
        lst.clear_options()
        lst.add_options([self.options[i][0] for i in shown])
        self.expanded = bool(shown)
        self.set_class(self.expanded, "-expanded")
        if shown:
            lst.highlighted = max(0, min(highlight, len(shown) - 1))

    def move(self, delta: int) -> None:
        lst = self.query_one(PickList)
        if not self.expanded:  # ↓ on a closed box: the whole list, at the current choice
            everything = list(range(len(self.options)))
            at = next((i for i, (_, v) in enumerate(self.options) if v == self.value), -1)
            self._open(everything, max(0, at + delta) if at >= 0 else 0)
            return
        lst.highlighted = max(0, min(len(self._shown) - 1, (lst.highlighted or 0) + delta))

    def close(self, revert: bool = False) -> None:
        self.expanded = False
        self.set_class(False, "-expanded")
        if revert:
            self._show_value()

    @on(OptionList.OptionSelected)
    def _clicked(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        self.query_one(PickList).highlighted = event.option_index
        self.commit()

    def commit(self) -> None:
        """Take the highlighted option (or the one the text names); an empty box is no choice."""
        if not self.is_attached or not self.children:
            return
        typed = self.input.value
        chosen = None
        if self.expanded and self._shown and self._shown_for == typed:  # the list on screen, as typed
            chosen = self._shown[self.query_one(PickList).highlighted or 0]
        elif typed.strip():  # typed faster than the list followed: what the text picks
            exact = [i for i, f in enumerate(self._folded) if f == _fold(typed)]
            hits = exact or self._matches(typed)
            chosen = hits[0] if hits else None
        self.close()
        if chosen is not None:
            self._choose(self.options[chosen][1])
        elif not typed.strip():
            self._choose(None if self.allow_blank else self.value)
        else:  # nothing matches: the text stays, the form says so
            old, self.value = self.value, None
            self.invalid = typed
            self.set_class(True, "-invalid")
            if old is not None:
                self.post_message(self.Changed(self, None))

    def _choose(self, value) -> None:
        changed = value != self.value or self.invalid
        self.value = value
        self._show_value()
        if changed:
            self.post_message(self.Changed(self, value))

    def pick(self, value) -> None:
        """Choose ``value`` from code (tests, a form that follows another field)."""
        self.close()
        self._choose(value if any(v == value for _, v in self.options) else None)


def _fold(s: str) -> str:
    from models.text import fold

    return fold(s)


class TickBox(Checkbox):
    """A checkbox whose state reads without colour: «[x]» ticked, «[ ]» not."""

    @property
    def _button(self):
        from textual.content import Content

        return Content.assemble(("[x]" if self.value else "[ ]", self.get_visual_style("toggle--button")))


def middle_ellipsis(s: str, width: int) -> str:
    """``s`` in at most ``width`` cells, shortened in the middle («/media/usb/…/BaoCao»)."""
    if cell_len(s) <= width:
        return s
    if width <= 1:
        return "…"[:width]
    head = (width - 1) // 2
    tail = width - 1 - head
    left = set_cell_size(s, head)
    right = s[::-1]
    right = set_cell_size(right, tail)[::-1]
    return left + "…" + right


def short_path(path: str, width: int) -> str:
    """A path in at most ``width`` cells: its beginning, «…», and its last folder or file whole
    (the name of the USB stick, the report's folder) when that fits; else cut in the middle."""
    if cell_len(path) <= width:
        return path
    cut = max(path.rfind("/"), path.rfind("\\"))
    tail = path[cut:] if cut > 0 else ""
    if tail and cell_len(tail) + 4 <= width:
        return set_cell_size(path, width - cell_len(tail) - 1) + "…" + tail
    return middle_ellipsis(path, width)
