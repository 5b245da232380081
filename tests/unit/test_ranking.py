from __future__ import annotations

from datetime import UTC, datetime, timedelta

from supportdesk.core.ranking import NO_DEADLINE, rank_columns, rank_key

T0 = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)


def key(number: int, **kwargs: object) -> tuple:
    fields: dict[str, object] = {
        "priority": "normal",
        "status": "open",
        "paused": False,
        "due_at": T0 + timedelta(hours=1),
        "category": "question",
    }
    created = kwargs.pop("created", T0)
    fields.update(kwargs)
    return rank_key(rank_columns(**fields), created, number)  # type: ignore[arg-type]


def test_the_documented_order() -> None:
    tickets = {
        "urgent": key(1, priority="urgent"),
        "most_overdue": key(2, due_at=T0 - timedelta(hours=2)),
        "overdue": key(3, due_at=T0 - timedelta(minutes=5)),
        "soon_blocking": key(4, due_at=T0 + timedelta(hours=2), category="blocking"),
        "soon_question": key(5, due_at=T0 + timedelta(hours=2)),
        "soon_question_later_arrival": key(
            6, due_at=T0 + timedelta(hours=2), created=T0 + timedelta(minutes=1)
        ),
        "no_deadline": key(7, due_at=None),
        "urgent_paused": key(8, priority="urgent", paused=True, status="pending"),
        "paused_blocking": key(9, paused=True, status="pending", category="blocking", due_at=None),
        "paused": key(10, paused=True, status="on_hold", due_at=None),
        "solved": key(11, status="solved", due_at=None),
    }
    assert sorted(tickets, key=tickets.__getitem__) == list(tickets)


def test_paused_tickets_ignore_their_stale_deadline() -> None:
    columns = rank_columns(
        priority="normal", status="pending", paused=True, due_at=T0, category="question"
    )
    assert columns.rank_due == NO_DEADLINE and columns.rank_group == 3
