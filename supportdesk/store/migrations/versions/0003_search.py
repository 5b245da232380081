"""Search: full-text indexes for the knowledge base and messages; template usage counts

SQLite: contentless FTS5 tables `kb_search` and `message_search`, kept by triggers that fold the
text with `sd_search_text()` (a function every supportdesk connection registers; see
core/textsearch.py). PostgreSQL: the same folding as an SQL function, generated tsvector columns
`search` with GIN indexes. Both engines index the same folded words, so they match alike.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-23 13:40:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

import supportdesk.store.types

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# Frozen copies of core.textsearch.ACCENT_FROM / ACCENT_TO / PUNCTUATION / INDEX_LIMIT as of this
# migration (a test checks they still agree; a change to the folding needs a migration that
# rebuilds the indexes).
ACCENT_FROM = "ąćęłńóśźżёșțàáâãäåçèéêëìíîïðñòôõöøùúûüýÿāăĉċčďđēĕėěĝğġģĥħĩīĭįıĵķĺļľŀņňōŏőŕŗřŝşšţťŧũūŭůűųŵŷžѐѓїќў"  # noqa: E501
ACCENT_TO = "acelnoszzеstaaaaaaceeeeiiiidnooooouuuuyyaacccddeeeegggghhiiiiijkllllnnooorrrssstttuuuuuuwyzегіку"  # noqa: E501
PUNCTUATION = "!\"#$%&'()*+,-./:;<=>?@[\\]^_`{|}~«»„“”‘’‚‹›–—…·•§¶°№"
INDEX_LIMIT = 100_000


def _quoted(value: str) -> str:
    return "'" + value.replace("'", "''") + "'"


SQLITE_UP = [
    "CREATE VIRTUAL TABLE kb_search USING fts5("
    "title, body, tags, content='', tokenize='unicode61', prefix='2 3')",
    "CREATE VIRTUAL TABLE message_search USING fts5("
    "body, content='', tokenize='unicode61', prefix='2 3')",
    """CREATE TRIGGER kb_search_insert AFTER INSERT ON kb_article BEGIN
        INSERT INTO kb_search(rowid, title, body, tags) VALUES (new.id,
            sd_search_text(new.title), sd_search_text(new.body), sd_search_text(new.tags));
    END""",
    """CREATE TRIGGER kb_search_delete AFTER DELETE ON kb_article BEGIN
        INSERT INTO kb_search(kb_search, rowid, title, body, tags) VALUES ('delete', old.id,
            sd_search_text(old.title), sd_search_text(old.body), sd_search_text(old.tags));
    END""",
    """CREATE TRIGGER kb_search_update AFTER UPDATE OF title, body, tags ON kb_article BEGIN
        INSERT INTO kb_search(kb_search, rowid, title, body, tags) VALUES ('delete', old.id,
            sd_search_text(old.title), sd_search_text(old.body), sd_search_text(old.tags));
        INSERT INTO kb_search(rowid, title, body, tags) VALUES (new.id,
            sd_search_text(new.title), sd_search_text(new.body), sd_search_text(new.tags));
    END""",
    """CREATE TRIGGER message_search_insert AFTER INSERT ON message BEGIN
        INSERT INTO message_search(rowid, body)
            VALUES (new.id, sd_search_text(new.subject, new.text));
    END""",
    """CREATE TRIGGER message_search_delete AFTER DELETE ON message BEGIN
        INSERT INTO message_search(message_search, rowid, body)
            VALUES ('delete', old.id, sd_search_text(old.subject, old.text));
    END""",
    """CREATE TRIGGER message_search_update AFTER UPDATE OF subject, text ON message BEGIN
        INSERT INTO message_search(message_search, rowid, body)
            VALUES ('delete', old.id, sd_search_text(old.subject, old.text));
        INSERT INTO message_search(rowid, body)
            VALUES (new.id, sd_search_text(new.subject, new.text));
    END""",
    """INSERT INTO kb_search(rowid, title, body, tags)
        SELECT id, sd_search_text(title), sd_search_text(body), sd_search_text(tags)
        FROM kb_article""",
    """INSERT INTO message_search(rowid, body)
        SELECT id, sd_search_text(subject, text) FROM message""",
]
SQLITE_DOWN = [
    "DROP TRIGGER IF EXISTS kb_search_insert",
    "DROP TRIGGER IF EXISTS kb_search_delete",
    "DROP TRIGGER IF EXISTS kb_search_update",
    "DROP TRIGGER IF EXISTS message_search_insert",
    "DROP TRIGGER IF EXISTS message_search_delete",
    "DROP TRIGGER IF EXISTS message_search_update",
    "DROP TABLE IF EXISTS kb_search",
    "DROP TABLE IF EXISTS message_search",
]


def _punctuation_class() -> str:
    return "[" + "".join("\\" + c if c in "\\[]^-" else c for c in PUNCTUATION) + "]"


POSTGRES_UP = [
    # Folding as in core/textsearch.py: lower(), punctuation to spaces, then accents off with
    # translate() — only for text that has an accented letter (translate() is slow).
    "CREATE FUNCTION sd_search_text(value text) RETURNS text LANGUAGE sql IMMUTABLE "
    "PARALLEL SAFE AS $fold$ SELECT CASE WHEN t ~ "
    f"{_quoted('[' + ACCENT_FROM + ']')} THEN translate(t, {_quoted(ACCENT_FROM)}, "
    f"{_quoted(ACCENT_TO)}) ELSE t END FROM (SELECT regexp_replace(lower(left(coalesce(value, "
    f"''), {INDEX_LIMIT})), {_quoted(_punctuation_class())}, ' ', 'g') AS t) AS folded $fold$",
    """ALTER TABLE kb_article ADD COLUMN search tsvector GENERATED ALWAYS AS (
        setweight(to_tsvector('simple', sd_search_text(title)), 'A')
        || setweight(to_tsvector('simple', sd_search_text(tags::text)), 'B')
        || setweight(to_tsvector('simple', sd_search_text(body)), 'D')) STORED""",
    "CREATE INDEX ix_kb_article_search ON kb_article USING gin (search)",
    """ALTER TABLE message ADD COLUMN search tsvector GENERATED ALWAYS AS (
        to_tsvector('simple', sd_search_text(coalesce(subject, '') || ' ' || text))) STORED""",
    "CREATE INDEX ix_message_search ON message USING gin (search)",
]
POSTGRES_DOWN = [
    "DROP INDEX IF EXISTS ix_message_search",
    "ALTER TABLE message DROP COLUMN IF EXISTS search",
    "DROP INDEX IF EXISTS ix_kb_article_search",
    "ALTER TABLE kb_article DROP COLUMN IF EXISTS search",
    "DROP FUNCTION IF EXISTS sd_search_text(text)",
]


def upgrade() -> None:
    op.create_table(
        "template_usage",
        sa.Column("agent_id", sa.Integer(), nullable=False),
        sa.Column("template_key", sqlmodel.sql.sqltypes.AutoString(length=300), nullable=False),
        sa.Column("uses", sa.Integer(), nullable=False),
        sa.Column(
            "last_used_at", supportdesk.store.types.UtcDateTime(timezone=True), nullable=False
        ),
        sa.ForeignKeyConstraint(
            ["agent_id"], ["agent.id"], name=op.f("fk_template_usage_agent_id_agent")
        ),
        sa.PrimaryKeyConstraint("agent_id", "template_key", name=op.f("pk_template_usage")),
    )
    dialect = op.get_bind().dialect.name
    for statement in SQLITE_UP if dialect == "sqlite" else POSTGRES_UP:
        op.execute(statement)


def downgrade() -> None:
    dialect = op.get_bind().dialect.name
    for statement in SQLITE_DOWN if dialect == "sqlite" else POSTGRES_DOWN:
        op.execute(statement)
    op.drop_table("template_usage")
