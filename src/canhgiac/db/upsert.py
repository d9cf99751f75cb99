"""INSERT … ON CONFLICT for whichever database is in use (PostgreSQL or SQLite)."""

from __future__ import annotations

from typing import Any

from sqlalchemy.dialects import postgresql, sqlite


def dialect_insert(dialect: str) -> Any:
    """The `insert()` of `dialect` that has `on_conflict_do_nothing` / `on_conflict_do_update`."""
    return postgresql.insert if dialect == "postgresql" else sqlite.insert
