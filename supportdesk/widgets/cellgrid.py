"""A table of fixed-width cells painted as one piece of text, with a cell cursor.

The dashboard's tables are small (tens of rows) and their columns have fixed widths. Textual's
DataTable renders, caches and styles every cell on its own and resolves a dozen component
styles per table; on the dashboard's first paint that was most of the work. Here a row is one
line of text, the cursor one styled span, and a new set of rows one repaint.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import ClassVar

from rich.console import Group
from rich.style import Style
from rich.text import Text
from textual import events
from textual.binding import Binding, BindingType
from textual.coordinate import Coordinate
from textual.geometry import Region, Size
from textual.message import Message
from textual.widget import Widget


@dataclass(frozen=True)
class GridColumn:
    key: str
    title: str
    width: int


class CellGrid(Widget, can_focus=True):
    """Rows of cells under a header; arrows move the cursor, enter (or a click) selects.
    A caption above and a footnote below (wrapped to the width) save a widget each."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("up", "cursor_up", "Up", show=False),
        Binding("down", "cursor_down", "Down", show=False),
        Binding("left", "cursor_left", "Left", show=False),
        Binding("right", "cursor_right", "Right", show=False),
        Binding("home", "cursor_home", "First", show=False),
        Binding("end", "cursor_end", "Last", show=False),
        Binding("enter", "select", "Select", show=False),
    ]
    COMPONENT_CLASSES: ClassVar[set[str]] = {
        "cellgrid--header",
        "cellgrid--even-row",
        "cellgrid--cursor",
    }
    DEFAULT_CSS = """
    CellGrid {
        background: $surface;
        color: $foreground;
        height: auto;
        &:focus {
            background-tint: $foreground 5%;
            & > .cellgrid--cursor {
                background: $block-cursor-background;
                color: $block-cursor-foreground;
                text-style: $block-cursor-text-style;
            }
        }
        &:dark > .cellgrid--even-row {
            background: $surface-darken-1 40%;
        }
        & > .cellgrid--header {
            text-style: bold;
            background: $panel;
            color: $foreground;
        }
        & > .cellgrid--even-row {
            background: $surface-lighten-1 50%;
        }
        & > .cellgrid--cursor {
            background: $block-cursor-blurred-background;
            color: $block-cursor-blurred-foreground;
            text-style: $block-cursor-blurred-text-style;
        }
    }
    """

    class CellSelected(Message):
        """A cell was chosen (enter or a click): the tickets behind it are wanted."""

        def __init__(self, grid: CellGrid, row_key: str, column_key: str) -> None:
            super().__init__()
            self.grid = grid
            self.row_key = row_key
            self.column_key = column_key

        @property
        def control(self) -> CellGrid:
            return self.grid

    def __init__(
        self, *, padding: int = 1, zebra: bool = True, id: str | None = None, classes: str = ""
    ) -> None:
        super().__init__(id=id, classes=classes)
        self.padding = padding
        self.zebra = zebra
        self.columns: list[GridColumn] = []
        self._rows: list[tuple[str, tuple[Text, ...]]] = []
        self._row_index: dict[str, int] = {}
        self._cursor = Coordinate(0, 0)
        self.caption = Text()
        self.footnote = Text()

    # -- content ----------------------------------------------------------------------------

    def set_columns(self, columns: Sequence[GridColumn]) -> None:
        self.columns = list(columns)
        self._rows = []
        self._row_index = {}
        self._cursor = Coordinate(0, 0)
        self.refresh(layout=True)

    def set_rows(self, rows: Sequence[tuple[str, Sequence[Text]]]) -> None:
        """All rows at once (key, cells); the cursor stays where it was, within the rows."""
        new = [(key, tuple(cells)) for key, cells in rows]
        if new == self._rows:
            return
        height_changed = len(new) != len(self._rows)
        self._rows = new
        self._row_index = {key: index for index, (key, _cells) in enumerate(new)}
        self._cursor = self._clamp(self._cursor)
        self.refresh(layout=height_changed)

    def set_caption(self, caption: Text | None = None, footnote: Text | None = None) -> None:
        """The lines above the header and below the rows (None: as they are)."""
        changed = False
        if caption is not None and caption != self.caption:
            self.caption, changed = caption, True
        if footnote is not None and footnote != self.footnote:
            self.footnote, changed = footnote, True
        if changed:
            self.refresh(layout=True)

    def _wrapped_height(self, text: Text, width: int) -> int:
        if not text:
            return 0
        return len(text.wrap(self.app.console, max(1, width)))

    @property
    def row_count(self) -> int:
        return len(self._rows)

    @property
    def row_keys(self) -> list[str]:
        return [key for key, _cells in self._rows]

    def get_row_index(self, row_key: str) -> int:
        return self._row_index[row_key]

    def get_column_index(self, column_key: str) -> int:
        return next(i for i, column in enumerate(self.columns) if column.key == column_key)

    def get_cell(self, row_key: str, column_key: str) -> Text:
        return self._rows[self.get_row_index(row_key)][1][self.get_column_index(column_key)]

    # -- the cursor -------------------------------------------------------------------------

    @property
    def cursor_coordinate(self) -> Coordinate:
        return self._cursor

    @cursor_coordinate.setter
    def cursor_coordinate(self, coordinate: Coordinate) -> None:
        clamped = self._clamp(coordinate)
        if clamped != self._cursor:
            self._cursor = clamped
            self.refresh()
        self._scroll_to_cursor()

    def cursor_keys(self) -> tuple[str, str] | None:
        """(row key, column key) under the cursor; None while there are no rows."""
        if not self._rows or not self.columns:
            return None
        row, column = self._cursor
        return self._rows[row][0], self.columns[column].key

    def _clamp(self, coordinate: Coordinate) -> Coordinate:
        return Coordinate(
            max(0, min(coordinate.row, len(self._rows) - 1)),
            max(0, min(coordinate.column, len(self.columns) - 1)),
        )

    def _move(self, rows: int = 0, columns: int = 0) -> None:
        row, column = self._cursor
        self.cursor_coordinate = Coordinate(row + rows, column + columns)

    def action_cursor_up(self) -> None:
        self._move(rows=-1)

    def action_cursor_down(self) -> None:
        self._move(rows=1)

    def action_cursor_left(self) -> None:
        self._move(columns=-1)

    def action_cursor_right(self) -> None:
        self._move(columns=1)

    def action_cursor_home(self) -> None:
        self.cursor_coordinate = Coordinate(0, self._cursor.column)

    def action_cursor_end(self) -> None:
        self.cursor_coordinate = Coordinate(len(self._rows) - 1, self._cursor.column)

    def action_select(self) -> None:
        if (keys := self.cursor_keys()) is not None:
            self.post_message(self.CellSelected(self, *keys))

    def _scroll_to_cursor(self) -> None:
        """Keep the cursor's line in view in whatever scrolls this grid (the grid itself
        never scrolls: it is as tall as its rows)."""
        scroller = next(
            (
                a
                for a in self.ancestors
                if isinstance(a, Widget) and a.styles.overflow_y in ("auto", "scroll")
            ),
            None,
        )
        if scroller is None or not self.region:
            return
        above = self._wrapped_height(self.caption, self.content_region.width)
        top = self.content_region.y + above + 1 + self._cursor.row  # one line of header
        line = Region(0, top - scroller.content_region.y + round(scroller.scroll_y), 1, 1)
        scroller.scroll_to_region(line, animate=False, immediate=True, spacing=None)

    def on_click(self, event: events.Click) -> None:
        offset = event.get_content_offset(self)
        if offset is None:
            return
        row = offset.y - self._wrapped_height(self.caption, self.content_region.width) - 1
        if not 0 <= row < len(self._rows):
            return
        x = offset.x
        for index, column in enumerate(self.columns):
            x -= column.width + 2 * self.padding
            if x < 0:
                # A click on the cell already under the cursor (or a double click) opens it.
                again = self.has_focus and self._cursor == Coordinate(row, index)
                self.focus()
                self.cursor_coordinate = Coordinate(row, index)
                if again or event.chain >= 2:
                    self.action_select()
                return

    def on_focus(self) -> None:
        self.refresh()

    def on_blur(self) -> None:
        self.refresh()

    # -- painting ---------------------------------------------------------------------------

    def _line_width(self) -> int:
        return sum(column.width + 2 * self.padding for column in self.columns)

    def get_content_width(self, container: Size, viewport: Size) -> int:
        return self._line_width()

    def get_content_height(self, container: Size, viewport: Size, width: int) -> int:
        return (
            self._wrapped_height(self.caption, width)
            + 1
            + len(self._rows)
            + self._wrapped_height(self.footnote, width)
        )

    def render(self) -> Group:
        return Group(
            *((self.caption,) if self.caption else ()),
            self._table(),
            *((self.footnote,) if self.footnote else ()),
        )

    def _table(self) -> Text:
        pad = " " * self.padding
        header_style = self.get_component_rich_style("cellgrid--header")
        even_style = self.get_component_rich_style("cellgrid--even-row") if self.zebra else None
        cursor_style = self.get_component_rich_style("cellgrid--cursor")
        header = Text(style=header_style, no_wrap=True, overflow="crop")
        for column in self.columns:
            header.append(pad + column.title[: column.width].ljust(column.width) + pad)
        lines = [header]
        for index, (_key, cells) in enumerate(self._rows):
            line = Text(
                style=even_style if even_style is not None and index % 2 == 0 else Style(),
                no_wrap=True,
                overflow="crop",
            )
            for column_index, (column, cell) in enumerate(zip(self.columns, cells, strict=False)):
                start = len(line)
                shown = cell.copy()
                shown.truncate(column.width, overflow="ellipsis", pad=True)
                line.append(pad)
                line.append_text(shown)
                line.append(pad)
                if (index, column_index) == self._cursor:
                    line.stylize(cursor_style, start, len(line))
            lines.append(line)
        return Text("\n", no_wrap=True, overflow="crop").join(lines)
