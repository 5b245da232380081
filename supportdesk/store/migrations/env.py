"""Alembic environment: migrations run on a connection handed in by `store.db.upgrade()`."""

from __future__ import annotations

from alembic import context
from sqlmodel import SQLModel

import supportdesk.store.models  # noqa: F401  (registers the tables on SQLModel.metadata)
from supportdesk.store.search import include_in_autogenerate

target_metadata = SQLModel.metadata


def run_migrations() -> None:
    connection = context.config.attributes.get("connection")
    if connection is None:
        raise RuntimeError("supportdesk migrations run through `supportdesk db upgrade`")
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        # SQLite cannot ALTER most things; batch mode copies the table instead.
        render_as_batch=connection.dialect.name == "sqlite",
        compare_type=True,
        include_object=include_in_autogenerate,
    )
    with context.begin_transaction():
        context.run_migrations()


run_migrations()
