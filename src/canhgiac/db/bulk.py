"""Many rows in one INSERT, for the hot paths that write a batch (the report writer).

PostgreSQL gets one array per column and `unnest`s them: the statement's text is the same for any
number of rows, so it is parsed and planned once per connection (a multi-row VALUES list is a new,
long statement for each batch size, and the driver parses its placeholders in Python). SQLite,
which has no arrays, gets SQLAlchemy's `executemany` (its "insertmanyvalues" when there is
RETURNING). Both give the same rows; tests run both.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from functools import lru_cache
from typing import Any

from sqlalchemy import Connection, Row, Table
from sqlalchemy.types import JSON

from canhgiac.db.upsert import dialect_insert


def insert_rows(
    conn: Connection,
    table: Table,
    rows: Sequence[Mapping[str, Any]],
    *,
    do_nothing_on: Sequence[str] = (),
    returning: Sequence[str] = (),
    pg_computed: Mapping[str, str] | None = None,
) -> list[Row[Any]]:
    """Insert `rows` (all with the same keys) in one statement; the RETURNING rows, if asked.

    `do_nothing_on`: the unique columns whose conflict skips a row (ON CONFLICT … DO NOTHING).
    `pg_computed`: on PostgreSQL, columns computed in SQL from the row's other values (`u.name`);
    callers give SQLite the same through their own statement.
    """
    if not rows:
        return []
    columns = tuple(rows[0])
    if conn.dialect.name != "postgresql":
        stmt = dialect_insert(conn.dialect.name)(table)
        if do_nothing_on:
            stmt = stmt.on_conflict_do_nothing(index_elements=list(do_nothing_on))
        if returning:
            stmt = stmt.returning(*(table.c[name] for name in returning))
            return list(conn.execute(stmt, list(rows)))
        conn.execute(stmt, list(rows))
        return []
    sql = _pg_unnest_insert(
        table, columns, tuple(do_nothing_on), tuple(returning),
        tuple(sorted((pg_computed or {}).items())),
    )  # fmt: skip
    params = {f"c{i}": _column_values(conn, table, name, rows) for i, name in enumerate(columns)}
    result = conn.exec_driver_sql(sql, params)
    return list(result) if returning else []


def _column_values(
    conn: Connection, table: Table, name: str, rows: Sequence[Mapping[str, Any]]
) -> list[Any]:
    column = table.c[name]
    values = [row[name] for row in rows]
    if isinstance(column.type, JSON):  # sent as text, cast to json: what SQLAlchemy would send
        return [None if v is None else json.dumps(v) for v in values]
    process = column.type.bind_processor(conn.dialect)
    return [process(v) for v in values] if process else values


@lru_cache(maxsize=64)
def _pg_unnest_insert(
    table: Table,
    columns: tuple[str, ...],
    do_nothing_on: tuple[str, ...],
    returning: tuple[str, ...],
    computed: tuple[tuple[str, str], ...],
) -> str:
    from sqlalchemy.dialects import postgresql

    dialect = postgresql.dialect()
    arrays = []
    for i, name in enumerate(columns):
        column = table.c[name]
        # %b: the arrays travel in binary (the text format escapes every element with a regex).
        if isinstance(column.type, JSON):
            arrays.append(f"%(c{i})b::text[]::json[]")
        else:
            arrays.append(f"%(c{i})b::{column.type.compile(dialect=dialect)}[]")
    # Every name comes from the table's metadata (never from a request), quoted as the dialect does.
    quote = dialect.identifier_preparer.quote
    names = ", ".join(quote(name) for name in (*columns, *(name for name, _ in computed)))
    aliases = ", ".join(quote(name) for name in columns)
    selected = ", ".join([*(f"u.{quote(name)}" for name in columns), *(e for _, e in computed)])
    sql = (
        f"INSERT INTO {quote(table.name)} ({names}) "  # noqa: S608 (names from the metadata)
        f"SELECT {selected} FROM unnest({', '.join(arrays)}) AS u({aliases})"
    )
    if do_nothing_on:
        sql += f" ON CONFLICT ({', '.join(quote(name) for name in do_nothing_on)}) DO NOTHING"
    if returning:
        sql += f" RETURNING {', '.join(quote(name) for name in returning)}"
    return sql
