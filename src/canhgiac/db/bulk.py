"""Many rows in one INSERT, for the hot paths that write a batch (the report writer).

PostgreSQL gets the rows as one JSON document, turned back into rows by `json_to_recordset`: the
statement's text is the same for any number of rows, so it is parsed and planned once per
connection, and the rows cost one `json.dumps` (in C) to send. (A multi-row VALUES list is a new,
long statement for each batch size whose placeholders the driver parses in Python; one array per
column is dumped element by element in Python.) SQLite gets SQLAlchemy's `executemany` (its
"insertmanyvalues" when there is RETURNING). Both give the same rows; tests run both.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from datetime import date, datetime
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
    sql = _pg_insert_sql(
        table, columns, tuple(do_nothing_on), tuple(returning),
        tuple(sorted((pg_computed or {}).items())),
    )  # fmt: skip
    result = conn.exec_driver_sql(sql, {"rows": _json_rows(conn, table, columns, rows)})
    return list(result) if returning else []


def _json_rows(
    conn: Connection, table: Table, columns: tuple[str, ...], rows: Sequence[Mapping[str, Any]]
) -> str:
    """The rows as a JSON array, each value as the column's type would bind it (times in ISO 8601
    with their offset; a JSON column's value as its JSON text)."""
    converters: dict[str, Any] = {}
    for name in columns:
        column_type = table.c[name].type
        if isinstance(column_type, JSON):
            # Its JSON text, as SQLAlchemy sends it (None is JSON null, not SQL NULL).
            converters[name] = json.dumps
            continue
        process = column_type.bind_processor(conn.dialect)
        if process is not None:
            converters[name] = process
    if not converters:
        return json.dumps(rows if isinstance(rows, list) else list(rows), default=_iso)
    out = []
    for row in rows:
        values = dict(row)
        for name, process in converters.items():
            values[name] = process(values[name])
        out.append(values)
    return json.dumps(out, default=_iso)


def _iso(value: Any) -> str:
    if isinstance(value, datetime | date):
        return value.isoformat()
    raise TypeError(f"{type(value).__name__} cannot go into a bulk insert")


@lru_cache(maxsize=64)
def _pg_insert_sql(
    table: Table,
    columns: tuple[str, ...],
    do_nothing_on: tuple[str, ...],
    returning: tuple[str, ...],
    computed: tuple[tuple[str, str], ...],
) -> str:
    from sqlalchemy.dialects import postgresql

    dialect = postgresql.dialect()
    # Every name comes from the table's metadata (never from a request), quoted as the dialect does.
    quote = dialect.identifier_preparer.quote
    names = ", ".join(quote(name) for name in (*columns, *(name for name, _ in computed)))

    def field(name: str) -> str:
        column_type = table.c[name].type
        sql_type = "text" if isinstance(column_type, JSON) else column_type.compile(dialect=dialect)
        return f"{quote(name)} {sql_type}"

    def value(name: str) -> str:
        return (
            f"u.{quote(name)}::json" if isinstance(table.c[name].type, JSON) else f"u.{quote(name)}"
        )

    record = ", ".join(field(name) for name in columns)
    selected = ", ".join([*(value(name) for name in columns), *(e for _, e in computed)])
    sql = (
        f"INSERT INTO {quote(table.name)} ({names}) "  # noqa: S608 (names from the metadata)
        f"SELECT {selected} FROM json_to_recordset(%(rows)s::json) AS u({record})"
    )
    if do_nothing_on:
        sql += f" ON CONFLICT ({', '.join(quote(name) for name in do_nothing_on)}) DO NOTHING"
    if returning:
        sql += f" RETURNING {', '.join(quote(name) for name in returning)}"
    return sql
