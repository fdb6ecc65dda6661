"""Command palette: the current screen's commands, matched without accents."""

from __future__ import annotations

from textual.command import DiscoveryHit, Hit, Hits, Provider


class CnscdCommands(Provider):
    """The command palette: the commands of the current screen, matched without accents
    ("them nguoi" finds "Thêm người mới")."""

    def _commands(self):
        return list(self.app.get_system_commands(self.screen))

    async def discover(self) -> Hits:
        for cmd in self._commands():
            yield DiscoveryHit(cmd.title, cmd.callback, help=cmd.help)

    async def search(self, query: str) -> Hits:
        from models.text import fold

        words = fold(query).split()
        matcher = self.matcher(query)
        for cmd in self._commands():
            title = fold(cmd.title)
            hay = f"{title} {fold(cmd.help)}"
            if words and all(w in hay for w in words):
                score = sum(2 if w in title else 1 for w in words) / (len(words) * 2)
                if title.startswith(words[0]):
                    score += 0.5
                yield Hit(score, matcher.highlight(cmd.title), cmd.callback, text=cmd.title, help=cmd.help)


def palette_class():
    """The command palette screen, saying «no command found» in the UI's language (Textual's own
    says "No matches found"). Built on first use: the palette's module loads only then."""
    from rich.align import Align
    from rich.text import Text
    from textual.command import CommandList, CommandPalette
    from textual.widgets.option_list import Option

    from .i18n import tr

    class CnscdPalette(CommandPalette):
        def _start_no_matches_countdown(self, search_value: str) -> None:
            # Textual's own, with the message translated (the list of commands, when the typed
            # text matches nothing after a short pause)
            self._stop_no_matches_countdown()

            def show_no_matches() -> None:
                if search_value:
                    self.query_one(CommandList).add_option(
                        Option(Align.center(Text(tr("Không tìm thấy lệnh nào"), style="not bold")),
                               disabled=True, id=self._NO_MATCHES))
                    self._list_visible = True
                else:
                    self._list_visible = False

            self._no_matches_timer = self.set_timer(self._NO_MATCHES_COUNTDOWN, show_no_matches)

    CnscdPalette.__name__ = CnscdPalette.__qualname__ = "CommandPalette"  # it is Textual's palette
    return CnscdPalette
