"""What the reply checker compares a reply against, gathered from the database.

The rules themselves are pure (`core/checks.py`); this module reads, inside the caller's
transaction, this customer's earlier replies, the internal knowledge-base articles and the
agent's own contacts, and turns findings into `dto` dataclasses.
"""

from __future__ import annotations

import functools
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Select, bindparam, func, select
from sqlalchemy.orm import Session

from supportdesk.core.checks import (
    LANGUAGES,
    CheckPolicy,
    Finding,
    InternalArticle,
    check_reply,
    guess_language,
    line_column,
)
from supportdesk.core.enums import DeliveryState, Direction
from supportdesk.core.plaintext import one_line
from supportdesk.store import dto
from supportdesk.store.models import Agent, Customer, KbArticle, Message, Ticket

# Enough history to catch a canned answer sent again, without reading a customer's decade.
PREVIOUS_REPLIES = 50


class _Unread:
    """Not read by the caller: read it here."""


UNREAD = _Unread()


def reply_language(session: Session, ticket: Ticket, body: str) -> str:
    """The customer's language when it is one the checker knows, else guessed from the text."""
    language = session.scalar(select(Customer.language).where(Customer.id == ticket.customer_id))
    return language_for(language, body)


def language_for(language: str | None, body: str) -> str:
    if language:
        short = language.split("-")[0].lower()
        if short in LANGUAGES:
            return short
    return guess_language(body)


def previous_replies(session: Session, customer_id: int) -> list[str]:
    """The latest replies this customer got, on any of their tickets (also those of a
    customer record merged into this one)."""
    return list(
        session.connection().execute(previous_replies_query(), {"customer": customer_id}).scalars()
    )


@functools.cache
def previous_replies_query() -> Select[Any]:
    """The texts of the latest replies customer `customer` got, newest first. Built once (a
    reply checks this every time): its compiled form is then reused."""
    customer = bindparam("customer")
    customers = select(Customer.id).where(
        (Customer.id == customer) | (Customer.merged_into_id == customer)
    )
    return (
        select(Message.text)
        .join(Ticket, Ticket.id == Message.ticket_id)  # type: ignore[arg-type]
        .where(
            Ticket.customer_id.in_(customers),  # type: ignore[attr-defined]
            Message.direction == Direction.OUTBOUND,
            Message.delivery_state != DeliveryState.DISCARDED,
        )
        .order_by(Message.created_at.desc())  # type: ignore[attr-defined]
        .limit(PREVIOUS_REPLIES)
    )


def internal_articles(session: Session) -> list[InternalArticle]:
    rows = session.execute(
        select(KbArticle.title, KbArticle.body).where(KbArticle.internal.is_(True))  # type: ignore[attr-defined]
    ).all()
    return [InternalArticle(title, body) for title, body in rows]


def agent_contacts(agent: Agent | None) -> list[str]:
    return [agent.email] if agent is not None and agent.email else []


def articles_stamp() -> Select[Any]:
    """What changes whenever an internal article is added, edited, removed or made public:
    to know, inside a query the caller makes anyway, whether cached articles still hold."""
    return select(
        func.count().label("articles"),
        func.max(KbArticle.updated_at).label("articles_updated"),
        func.coalesce(func.sum(KbArticle.id), 0).label("articles_ids"),
    ).where(KbArticle.internal.is_(True))  # type: ignore[attr-defined]


@dataclass
class ArticleCache:
    """The internal articles, kept between replies while their stamp stays the same."""

    stamp: tuple[Any, ...] | None = None
    articles: list[InternalArticle] = field(default_factory=list)

    def get(self, session: Session, stamp: tuple[Any, ...]) -> list[InternalArticle]:
        if stamp != self.stamp:
            self.articles, self.stamp = internal_articles(session), stamp
        return self.articles


def run(
    session: Session,
    ticket: Ticket,
    agent: Agent | None,
    body: str,
    policy: CheckPolicy,
    attachments: Sequence[str] = (),
    *,
    customer_language: str | _Unread | None = UNREAD,
    articles: list[InternalArticle] | None = None,
    previous: list[str] | None = None,
) -> dto.ReplyCheck:
    """`customer_language`, `articles` and `previous` (the customer's latest replies, as
    `previous_replies` reads them), when the caller has read them already."""
    if isinstance(customer_language, _Unread):
        language = reply_language(session, ticket, body)
    else:
        language = language_for(customer_language, body)
    findings = check_reply(
        body,
        language,
        policy,
        attachments=attachments,
        previous_replies=(
            previous_replies(session, ticket.customer_id) if previous is None else previous
        ),
        internal_articles=internal_articles(session) if articles is None else articles,
        agent_contacts=agent_contacts(agent),
    )
    return to_dto(body, language, findings)


def to_dto(body: str, language: str, findings: Sequence[Finding]) -> dto.ReplyCheck:
    return dto.ReplyCheck(language, tuple(finding_info(body, f) for f in findings))


def finding_info(body: str, finding: Finding) -> dto.CheckFinding:
    first = finding.spans[0]
    line, column = line_column(body, first.start)
    return dto.CheckFinding(
        rule=finding.rule,
        severity=finding.severity,
        message=finding.message,
        spans=tuple((s.start, s.end) for s in finding.spans),
        line=line,
        column=column,
        excerpt=one_line(body[first.start : first.end], 80),
    )


def refusal_text(number: int, check: dto.ReplyCheck, *, trainee: bool) -> str:
    lines = [
        f"#{number}: the reply checker found {len(check.errors)} error(s); nothing was sent."
        + (
            " A trainee cannot send past an error: fix the reply."
            if trainee
            else " Fix the reply, or send it anyway (override the checks)."
        )
    ]
    lines.extend(f"  {f.line}:{f.column} {f.rule} «{f.excerpt}»: {f.message}" for f in check.errors)
    return "\n".join(lines)
