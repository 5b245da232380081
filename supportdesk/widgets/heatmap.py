"""Load by weekday and hour: a grid of shaded numbers, one row per weekday, one column per
hour of the team's time zone. Three views of the same cells: new tickets per hour, agents
answering, and tickets per answering agent (where staffing was thin)."""

from __future__ import annotations

from rich.text import Text

from supportdesk.core.metrics import HeatCell, Heatmap
from supportdesk.widgets.cellgrid import CellGrid, GridColumn

WEEKDAY_NAMES = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
VIEWS = ("tickets", "agents", "per_agent")
VIEW_TITLES = {
    "tickets": "new tickets per hour",
    "agents": "agents answering",
    "per_agent": "new tickets per answering agent",
}
# From nothing to the busiest cell of the grid.
SHADES = (
    "grey50",
    "black on #2e4a3a",
    "black on #4f7b4f",
    "black on #9fae4a",
    "black on #d9a441",
    "black on #e06c3c",
    "bold white on #c0392b",
)


def cell_value(cell: HeatCell, view: str) -> float | None:
    """The number a view shows for a cell; None where the period had no such hour."""
    if cell.hours == 0:
        return None
    if view == "agents":
        return cell.agents
    if view == "per_agent":
        if cell.tickets == 0:
            return 0.0
        # Tickets with nobody answering in that hour at all: as bad as it gets.
        return cell.per_agent if cell.per_agent is not None else float(cell.tickets)
    return cell.tickets_per_hour


def cell_text(value: float | None) -> str:
    """Two characters at most, so a column of three keeps a space: '·' for nothing, '.4'
    below one, then whole numbers up to 99."""
    if value is None:
        return ""
    if value == 0:
        return "·"
    if value < 0.95:
        return f"{value:.1f}".removeprefix("0")
    return f"{min(99, round(value))}"


def shade(value: float | None, top: float) -> str:
    if value is None:
        return ""
    if value <= 0 or top <= 0:
        return SHADES[0]
    step = min(len(SHADES) - 1, 1 + int((value / top) * (len(SHADES) - 1.0001)))
    return SHADES[step]


class HeatmapTable(CellGrid):
    """The grid itself; each cell can be selected to see the tickets behind it."""

    DEFAULT_CSS = """
    HeatmapTable {
        height: auto;
    }
    """

    def __init__(self, *, id: str | None = None, classes: str = "") -> None:
        super().__init__(id=id, classes=classes, padding=0, zebra=False)
        self.heat: Heatmap | None = None
        self.view = "tickets"
        self.set_columns(
            [GridColumn("day", "", 4)]
            + [GridColumn(f"h{hour}", f"{hour:>3}", 3) for hour in range(24)]
        )
        self._set_days([[Text("") for _hour in range(24)] for _day in WEEKDAY_NAMES])

    def _set_days(self, hours: list[list[Text]]) -> None:
        """One row per weekday: its name, then its 24 hours' cells."""
        self.set_rows(
            [
                (f"d{day}", [Text(WEEKDAY_NAMES[day], style="bold"), *cells])
                for day, cells in enumerate(hours)
            ]
        )

    def show(self, heat: Heatmap, view: str | None = None) -> None:
        self.heat = heat
        if view is not None:
            self.view = view
        values = [[cell_value(cell, self.view) for cell in row] for row in heat.cells]
        top = max((v for row in values for v in row if v is not None), default=0.0)
        self._set_days(
            [
                [Text(cell_text(value).rjust(3), style=shade(value, top)) for value in row]
                for row in values
            ]
        )

    def cell_at_cursor(self) -> tuple[int, int] | None:
        """(weekday, hour) under the cursor, or None on the weekday names."""
        row, column = self.cursor_coordinate
        if column == 0:
            return None
        return row, column - 1
