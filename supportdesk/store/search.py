"""Full-text search in SQL: SQLite FTS5 and PostgreSQL tsvector/GIN.

The indexes are made by migration 0003 and kept by the database (triggers on SQLite, generated
columns on PostgreSQL). What a query means is decided in `core/textsearch.py`; here it becomes
the engine's MATCH / @@ expression. Queries carry only folded words, never user syntax.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import text
from sqlalchemy.orm import Session

from supportdesk.core.textsearch import Query

# Objects of the search indexes that the models do not describe (Alembic must leave them be).
SEARCH_TABLES = ("kb_search", "message_search")
SEARCH_INDEXES = ("ix_kb_article_search", "ix_message_search")


def include_in_autogenerate(
    obj: Any, name: str | None, type_: str, reflected: bool, compare_to: Any
) -> bool:
    if (
        type_ == "table"
        and name
        and any(name == t or name.startswith(t + "_") for t in SEARCH_TABLES)
    ):
        return False
    if type_ == "column" and name == "search":
        return getattr(getattr(obj, "table", None), "name", None) not in ("kb_article", "message")
    return not (type_ == "index" and name in SEARCH_INDEXES)


def _prefer_gin(session: Session) -> None:
    """PostgreSQL estimates a prefix match on a third of the rows as cheaper by a sequential
    scan, which then detoasts and tests every row's tsvector: two to three times slower than
    the GIN index here. For this transaction only, the index is used whenever it can be."""
    session.execute(text("SET LOCAL enable_seqscan = off"))


@dataclass(frozen=True)
class Ranked:
    id: int
    score: float


@dataclass(frozen=True)
class MessageHit:
    message_id: int
    ticket_id: int
    score: float


def search_kb(
    session: Session,
    query: Query,
    *,
    language: str | None = None,
    include_internal: bool = True,
    limit: int = 20,
) -> list[Ranked]:
    """Articles matching `query`, best first (title counts most, then tags, then the body)."""
    query = query.selective()
    if query.empty:
        return []
    params: dict[str, Any] = {"limit": limit}
    filters = ""
    if language:
        filters += " AND a.language = :language"
        params["language"] = language
    if not include_internal:
        filters += " AND NOT a.internal"
    if session.get_bind().dialect.name == "sqlite":
        params["q"] = query.fts5()
        sql = (
            "SELECT a.id, -bm25(kb_search, 8.0, 1.0, 4.0) AS score FROM kb_search "
            "JOIN kb_article a ON a.id = kb_search.rowid "
            f"WHERE kb_search MATCH :q{filters} ORDER BY score DESC, a.id LIMIT :limit"
        )
    else:
        _prefer_gin(session)
        params["q"] = query.tsquery()
        sql = (
            "SELECT a.id, ts_rank(a.search, q, 1) AS score "
            "FROM kb_article a, to_tsquery('simple', :q) q "
            f"WHERE a.search @@ q{filters} ORDER BY score DESC, a.id LIMIT :limit"
        )
    return [Ranked(int(r[0]), float(r[1])) for r in session.execute(text(sql), params)]


def search_messages(
    session: Session,
    query: Query,
    *,
    statuses: Sequence[str] = (),
    exclude_ticket_id: int | None = None,
    limit: int = 200,
) -> list[MessageHit]:
    """Messages matching `query` (of tickets in `statuses`, if given), best first."""
    query = query.selective()
    if query.empty:
        return []
    params: dict[str, Any] = {"limit": limit}
    filters = ""
    if statuses:
        names = []
        for index, status in enumerate(statuses):
            params[f"s{index}"] = status
            names.append(f":s{index}")
        filters += f" AND t.status IN ({', '.join(names)})"
    if exclude_ticket_id is not None:
        filters += " AND t.id <> :exclude"
        params["exclude"] = exclude_ticket_id
    if session.get_bind().dialect.name == "sqlite":
        params["q"] = query.fts5()
        sql = (
            "SELECT m.id, m.ticket_id, -bm25(message_search) AS score FROM message_search "
            "JOIN message m ON m.id = message_search.rowid JOIN ticket t ON t.id = m.ticket_id "
            f"WHERE message_search MATCH :q{filters} ORDER BY score DESC, m.id LIMIT :limit"
        )
    else:
        _prefer_gin(session)
        params["q"] = query.tsquery()
        sql = (
            "SELECT m.id, m.ticket_id, ts_rank(m.search, q, 1) AS score "
            "FROM message m JOIN ticket t ON t.id = m.ticket_id, to_tsquery('simple', :q) q "
            f"WHERE m.search @@ q{filters} ORDER BY score DESC, m.id LIMIT :limit"
        )
    return [
        MessageHit(int(r[0]), int(r[1]), float(r[2])) for r in session.execute(text(sql), params)
    ]


@contextlib.contextmanager
def bulk_message_indexing(session: Session) -> Iterator[None]:
    """SQLite: while very many messages are written in one transaction (the demo), index them
    with one statement at the end instead of a trigger call per row — about three times
    faster. The trigger is dropped and put back inside the same transaction, so a failure
    rolls both back. (PostgreSQL computes its generated column either way.)"""
    if session.get_bind().dialect.name != "sqlite":
        yield
        return
    trigger = session.execute(
        text("SELECT sql FROM sqlite_master WHERE type = 'trigger' AND name = :name"),
        {"name": "message_search_insert"},
    ).scalar_one()
    last = session.execute(text("SELECT coalesce(max(id), 0) FROM message")).scalar_one()
    session.execute(text("DROP TRIGGER message_search_insert"))
    yield
    session.execute(
        text(
            "INSERT INTO message_search(rowid, body) "
            "SELECT id, sd_search_text(subject, text) FROM message WHERE id > :last"
        ),
        {"last": last},
    )
    session.execute(text(trigger))
