"""Multi-row INSERT statements that SQLAlchemy compiles once.

`insert(table).values([...])` with several rows has no cache key, so SQLAlchemy compiles it
again on every execution (a millisecond or more of an agent's action on the hot write path).
The same statement as text with typed parameters is cached like any other; there is one per
number of rows, and only small row counts take this way.
"""

from __future__ import annotations

import functools
from collections.abc import Mapping, Sequence
from typing import Any

from sqlalchemy import Table, bindparam
from sqlalchemy.sql.elements import BindParameter


@functools.cache
def values_insert(
    table: Table, columns: tuple[str, ...], rows: int, prefix: str = ""
) -> tuple[str, tuple[Any, ...]]:
    """`INSERT INTO table (columns) VALUES (...), (...)` for `rows` rows, and its parameters
    typed as the columns are (JSON, aware timestamps): (SQL text, bind parameters). `prefix`
    keeps the parameter names apart when two such inserts share one statement."""
    names = ", ".join(columns)
    groups = ", ".join(
        "(" + ", ".join(f":{prefix}{column}_{row}" for column in columns) + ")"
        for row in range(rows)
    )
    binds: tuple[BindParameter[Any], ...] = tuple(
        bindparam(f"{prefix}{column}_{row}", type_=table.c[column].type)
        for row in range(rows)
        for column in columns
    )
    return f"INSERT INTO {table.name} ({names}) VALUES {groups}", binds


def values_parameters(
    columns: Sequence[str], rows: Sequence[Mapping[str, Any]], prefix: str = ""
) -> dict[str, Any]:
    """The parameters of `values_insert(table, columns, len(rows), prefix)` for these rows."""
    return {
        f"{prefix}{column}_{number}": row[column]
        for number, row in enumerate(rows)
        for column in columns
    }
