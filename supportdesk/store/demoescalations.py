"""The demo's second line: a `second-line` group (Pavel and Olena) and a few escalations —
one waiting for anyone of the group, one sent to Pavel, one returned as incomplete to Ann with
a comment, one of the trainee's handed back — written as the Desk would have written them."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from supportdesk.core.enums import Status
from supportdesk.store.models import Agent, AgentGroupMember, Escalation, Event, Ticket

GROUP = "second-line"
MEMBERS = ("pavel", "olena")

FIELDS = {
    "thorough": (
        "The customer's settings, our logs for their account, and the same steps on my test "
        "account with the same plan: it fails there too, so it is not their set-up.",
        "Do what the customer describes in the first message, on a test account with the "
        "same plan; it fails at the same step every time (tried three times).",
        "The customer cannot use this at all and wrote twice already; it blocks their team.",
    ),
    "careful": (
        "Their account settings, the integration's log and the last week of events: the "
        "failures start on Saturday, after nothing changed on their side.",
        "Repeat the customer's action from their first message; the log shows the error "
        "with a time and an ID for each try.",
        "Part of their daily work goes wrong; they found a workaround for now.",
    ),
    "vague": (
        "Looked at the settings.",
        "Does not work for them.",
        "The customer is unhappy.",
    ),
}
NAMES = ("What was checked", "Steps to reproduce", "Customer impact")


def add_demo_escalations(session: Session, now: datetime) -> int:
    """Write the group and the escalations; how many escalations were made."""
    agents = {a.name: a for a in session.scalars(select(Agent))}
    for name in MEMBERS:
        session.add(AgentGroupMember(group_name=GROUP, agent_id=agents[name].id, added_at=now))  # type: ignore[arg-type]
    candidates = session.scalars(
        select(Ticket)
        .where(
            Ticket.status.in_([Status.OPEN, Status.PENDING]),  # type: ignore[attr-defined]
            Ticket.created_at < now - timedelta(hours=4),  # type: ignore[operator]
            Ticket.assignee_id.in_(  # type: ignore[union-attr]
                [agents[n].id for n in ("ann", "tomasz", "kasia")]
            ),
        )
        .order_by(Ticket.number)
    ).all()
    by_owner: dict[int, list[Ticket]] = {}
    for ticket in candidates:
        by_owner.setdefault(ticket.assignee_id, []).append(ticket)  # type: ignore[arg-type]

    def pick(owner: str) -> Ticket | None:
        tickets = by_owner.get(agents[owner].id) or []  # type: ignore[arg-type]
        return tickets.pop(0) if tickets else None

    made = 0

    def escalate(
        ticket: Ticket | None,
        owner: str,
        fields: str,
        *,
        hours_ago: float,
        target: str | None = None,
        closed: tuple[str, str, str, float] | None = None,
    ) -> None:
        nonlocal made
        if ticket is None:
            return
        at = max(now - timedelta(hours=hours_ago), ticket.updated_at + timedelta(minutes=3))
        at = min(at, now - timedelta(minutes=10))
        by = agents[owner]
        row = Escalation(
            ticket_id=ticket.id,  # type: ignore[arg-type]
            round=1,
            group_name=GROUP,
            escalated_by_id=by.id,  # type: ignore[arg-type]
            target_agent_id=agents[target].id if target else None,
            fields=[{"name": n, "value": v} for n, v in zip(NAMES, FIELDS[fields], strict=True)],
            state="open",
            created_at=at,
        )
        events: list[dict[str, Any]] = []
        ticket.version += 1
        events.append(
            _event(at, by, ticket, "escalated", round=1, group=GROUP, to=target, mentor=None)
        )
        ticket.assignee_id = agents[target].id if target else None
        if by.role == "trainee":
            events[-1]["data"]["mentor"] = "marta"
        if closed is not None:
            state, closer, comment, minutes_later = closed
            when = min(at + timedelta(minutes=minutes_later), now - timedelta(minutes=2))
            row.state, row.closed_at, row.comment = state, when, comment
            row.closed_by_id = agents[closer].id
            ticket.version += 1
            kind = "escalation_returned" if state == "returned" else "escalation_handed_back"
            events.append(_event(when, agents[closer], ticket, kind, round=1, to=owner))
            ticket.assignee_id = by.id
        ticket.claimed_by_id = None
        ticket.claim_expires_at = None
        session.add(row)
        for event in events:
            session.add(Event(**event))
        made += 1

    escalate(pick("ann"), "ann", "thorough", hours_ago=1.5)
    escalate(pick("tomasz"), "tomasz", "careful", hours_ago=3, target="pavel")
    escalate(
        pick("ann"),
        "ann",
        "vague",
        hours_ago=5,
        closed=(
            "returned",
            "olena",
            "Too little to start from: which steps exactly, on which account, with what "
            "result? Send the time and the ID of one failed try (see the account's log), "
            "then escalate again.",
            40,
        ),
    )
    escalate(
        pick("kasia") or pick("ann"),
        "kasia",
        "thorough",
        hours_ago=26,
        closed=(
            "handed_back",
            "pavel",
            "Found it: a setting on the customer's side blocked it. Explained to them, and "
            "they changed it; please confirm with the customer that it works now.",
            90,
        ),
    )
    session.flush()
    return made


def _event(at: datetime, agent: Agent, ticket: Ticket, kind: str, **data: Any) -> dict[str, Any]:
    return {
        "at": at,
        "agent_id": agent.id,
        "ticket_id": ticket.id,
        "kind": kind,
        "data": {**data, "version": ticket.version},
    }
