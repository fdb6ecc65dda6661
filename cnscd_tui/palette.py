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
