"""A team report as plain text (for people) and CSV (for spreadsheets); JSON is `to_json()`.

The same figures the supervisor screen shows, from the same `Desk.team_report`.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence
from zoneinfo import ZoneInfo

from supportdesk.core.metrics import NOBODY, Figures
from supportdesk.core.plaintext import one_line
from supportdesk.core.sla import format_duration
from supportdesk.store import dto

BY_TITLES = {"agent": "Agent", "channel": "Channel", "day": "Day", "hour": "Hour"}
CSV_COLUMNS = (
    "key",
    "display_name",
    "role",
    "new",
    "answered",
    "replies",
    "solved",
    "first_response_count",
    "first_response_median_seconds",
    "first_response_p90_seconds",
    "next_response_count",
    "next_response_median_seconds",
    "next_response_p90_seconds",
    "sla_met",
    "sla_missed",
    "sla_compliance",
    "csat_ratings",
    "csat_average",
    "csat_negative_share",
    "backlog",
    "claimed",
)


def duration(seconds: float | None) -> str:
    return "—" if seconds is None else format_duration(seconds)


def percent(share: float | None) -> str:
    return "—" if share is None else f"{share * 100:.0f}%"


def csat(row: Figures) -> str:
    return "—" if row.csat_average is None else f"{row.csat_average:.1f}"


def count(value: int | None) -> str:
    return "" if value is None else str(value)


def _table(header: Sequence[str], rows: Sequence[Sequence[str]]) -> list[str]:
    widths = [max(len(h), *(len(r[i]) for r in rows)) for i, h in enumerate(header)]
    lines = [
        "  ".join(
            h.ljust(w) if i == 0 else h.rjust(w)
            for i, (h, w) in enumerate(zip(header, widths, strict=True))
        )
    ]
    for row in rows:
        lines.append(
            "  ".join(
                cell.ljust(w) if i == 0 else cell.rjust(w)
                for i, (cell, w) in enumerate(zip(row, widths, strict=True))
            ).rstrip()
        )
    return lines


def _cells(row: Figures, label: str, *, by_agent: bool) -> list[str]:
    cells = [one_line(label, 28)]
    if not by_agent:
        cells.append(count(row.new))
    cells += [
        str(row.answered),
        str(row.solved),
        duration(row.first_median),
        duration(row.first_p90),
        duration(row.next_median),
        duration(row.next_p90),
        percent(row.sla_compliance),
        csat(row),
        percent(row.negative_share),
    ]
    if by_agent:
        cells += [count(row.backlog), count(row.claimed)]
    return cells


def _header(by: str) -> list[str]:
    by_agent = by == "agent"
    header = [BY_TITLES.get(by, by)]
    if not by_agent:
        header.append("new")
    header += [
        "answered",
        "solved",
        "1st med",
        "1st p90",
        "next med",
        "next p90",
        "SLA",
        "CSAT",
        "neg",
    ]
    if by_agent:
        header += ["backlog", "claimed"]
    return header


def format_health(health: dto.QueueHealth, zone: ZoneInfo) -> list[str]:
    total = health.total
    line = (
        f"Now: {total.open} open, {total.unassigned} unassigned, {total.pending} pending, "
        f"{total.at_risk} at risk, {total.breached} breached"
    )
    forecast = ", ".join(f"{f.tickets} in {f.minutes} min" for f in health.forecasts)
    lines = [line, f"Will breach (business time): {forecast}"]
    if total.oldest_waiting_since is not None:
        waited = format_duration((health.at - total.oldest_waiting_since).total_seconds())
        lines.append(
            f"Oldest waiting: #{total.oldest_waiting_ticket}, since "
            f"{total.oldest_waiting_since.astimezone(zone):%a %d %b %H:%M} ({waited})"
        )
    return lines


def format_report(
    report: dto.TeamReport, zone: ZoneInfo, health: dto.QueueHealth | None = None
) -> str:
    period = report.period
    lines = [
        f"supportdesk report · {period.title} ({period.start.astimezone(zone):%Y-%m-%d %H:%M}"
        f" – {period.end.astimezone(zone):%Y-%m-%d %H:%M}, {zone.key}) · by {report.by}",
        "",
    ]
    if health is not None:
        lines += [*format_health(health, zone), ""]
    by_agent = report.by == "agent"
    header = _header(report.by)
    if by_agent:
        team = [r for r in report.rows if _role(report, r.key) != "trainee"]
        learners = [r for r in report.rows if _role(report, r.key) == "trainee"]
        rows = [_cells(r, _label(report, r.key), by_agent=True) for r in team]
        rows.append(_cells(report.total, "Team", by_agent=True))
        lines += _table(header, rows)
        if learners:
            lines += ["", "Trainees (learning; not compared with the team):"]
            lines += _table(
                [*header, "review"],
                [
                    [
                        *_cells(r, _label(report, r.key), by_agent=True),
                        str(_awaiting(report, r.key)),
                    ]
                    for r in learners
                ],
            )
    else:
        rows = [_cells(r, r.key, by_agent=False) for r in report.rows]
        rows.append(_cells(report.total, "Total", by_agent=False))
        lines += _table(header, rows)
    total = report.total
    lines += [
        "",
        f"{total.new} new tickets, {total.replies} replies, SLA {total.sla_met} met / "
        f"{total.sla_missed} missed, {total.ratings} ratings "
        f"({percent(total.good_share)} good). Times are business time; see README "
        '"Supervisor" for the definitions.',
    ]
    return "\n".join(lines)


def _role(report: dto.TeamReport, key: str) -> str | None:
    brief = report.agent(key)
    return brief.role if brief else None


def _awaiting(report: dto.TeamReport, key: str) -> int:
    brief = report.agent(key)
    return brief.awaiting_review if brief else 0


def _label(report: dto.TeamReport, key: str) -> str:
    if key == NOBODY:
        return "(unassigned)"
    brief = report.agent(key)
    return f"{brief.display_name} ({key})" if brief else key


def _number(value: float | None, digits: int = 0) -> str:
    if value is None:
        return ""
    return str(round(value)) if digits == 0 else f"{value:.{digits}f}"


def format_csv(report: dto.TeamReport) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(CSV_COLUMNS)
    for row in [*report.rows, report.total]:
        brief = report.agent(row.key) if report.by == "agent" else None
        writer.writerow(
            [
                row.key,
                brief.display_name if brief else "",
                brief.role if brief else "",
                count(row.new),
                row.answered,
                row.replies,
                row.solved,
                row.first_count,
                _number(row.first_median),
                _number(row.first_p90),
                row.next_count,
                _number(row.next_median),
                _number(row.next_p90),
                row.sla_met,
                row.sla_missed,
                _number(row.sla_compliance, 4),
                row.ratings,
                _number(row.csat_average, 2),
                _number(row.negative_share, 4),
                count(row.backlog),
                count(row.claimed),
            ]
        )
    return out.getvalue()
