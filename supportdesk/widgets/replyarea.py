"""The reply editor: a TextArea that shows unfilled template placeholders ({{ … }}) in a
colour no one can overlook, and can jump from one to the next."""

from __future__ import annotations

from rich.style import Style
from textual.widgets import TextArea

from supportdesk.core.templates import PLACEHOLDER

PLACEHOLDER_HIGHLIGHT = "supportdesk.placeholder"
PLACEHOLDER_STYLE = Style(color="black", bgcolor="yellow", bold=True)


class ReplyArea(TextArea):
    """Textual's TextArea paints highlights from `_highlights` (per line: UTF-8 byte ranges
    and a name looked up in the theme). Without a language there are none; we add ours.
    (Textual is pinned exactly: these two private hooks are checked by the compose tests.)"""

    def _build_highlight_map(self) -> None:
        super()._build_highlight_map()
        for row in range(self.document.line_count):
            line = self.document.get_line(row)
            if "{" not in line:
                continue
            for match in PLACEHOLDER.finditer(line):
                start = len(line[: match.start()].encode("utf-8"))
                end = len(line[: match.end()].encode("utf-8"))
                self._highlights[row].append((start, end, PLACEHOLDER_HIGHLIGHT))

    def _set_theme(self, theme: str) -> None:
        super()._set_theme(theme)
        styles = dict(self._theme.syntax_styles)
        styles[PLACEHOLDER_HIGHLIGHT] = PLACEHOLDER_STYLE
        self._theme.syntax_styles = styles

    def placeholder_locations(self) -> list[tuple[tuple[int, int], tuple[int, int]]]:
        """(start, end) locations of every placeholder, in reading order."""
        out = []
        for row in range(self.document.line_count):
            line = self.document.get_line(row)
            for match in PLACEHOLDER.finditer(line):
                out.append(((row, match.start()), (row, match.end())))
        return out

    def select_next_placeholder(self) -> bool:
        """Select the next placeholder after the cursor (wrapping); False if there is none."""
        spots = self.placeholder_locations()
        if not spots:
            return False
        here = self.selection.end
        after = [s for s in spots if s[0] >= here and s[0] != self.selection.start] or spots
        start, end = after[0]
        self.select_range = None  # type: ignore[attr-defined]
        from textual.widgets.text_area import Selection

        self.selection = Selection(start, end)
        self.scroll_cursor_visible()
        return True
