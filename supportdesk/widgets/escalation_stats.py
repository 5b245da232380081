"""The supervisor's escalation figures: per first-line agent, escalations made in the period
and how many the second line returned as incomplete (the return rate, seed 001's key metric)."""

from __future__ import annotations

from rich.table import Table
from rich.text import Text

from supportdesk.core.plaintext import one_line
from supportdesk.store.escalationdto import EscalationStats, EscalationStatsRow

# Above this share of returns, the rate is shown as a problem (Wrike went from 25% to 2-3%).
HIGH_RETURN_RATE = 0.25


def rate_cell(row: EscalationStatsRow) -> Text:
    if row.return_rate is None:
        return Text("—", style="dim")
    style = "bold red" if row.return_rate > HIGH_RETURN_RATE else "green"
    return Text(f"{row.return_rate:.0%}", style=style)


def escalation_table(stats: EscalationStats) -> Table | Text:
    if not stats.rows:
        return Text("No escalations in this period.", style="dim")
    table = Table(box=None, padding=(0, 2, 0, 0), header_style="bold")
    table.add_column("Agent")
    for title in ("made", "returned", "handed back", "open", "return rate"):
        table.add_column(title, justify="right")
    for row in (*stats.rows, stats.total):
        name = row.display_name if row.agent == "(team)" else f"{row.display_name} ({row.agent})"
        if row.role == "trainee":
            name += " · trainee"
        table.add_row(
            Text(one_line(name, 40), style="bold" if row.agent == "(team)" else ""),
            str(row.made),
            str(row.returned),
            str(row.handed_back),
            str(row.open),
            rate_cell(row),
        )
    return table
