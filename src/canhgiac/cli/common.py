"""Helpers shared by command modules: error reporting, database access, output formats."""

from __future__ import annotations

import functools
import json
import sys
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from typing import Any, NoReturn, ParamSpec, TypeVar

import typer
from rich.console import Console
from rich.table import Table
from sqlalchemy import Engine
from sqlalchemy.orm import Session

from canhgiac.db.session import get_engine, session_scope
from canhgiac.errors import CanhGiacError

P = ParamSpec("P")
R = TypeVar("R")

err_console = Console(stderr=True)
out_console = Console()


def fail(message: str, code: int = 2) -> NoReturn:
    """Print one line on stderr and exit (2 = bad input)."""
    sys.stderr.write(f"canhgiac: {message}\n")
    raise typer.Exit(code)


def handles_errors(func: Callable[P, R]) -> Callable[P, R]:
    """Turn expected errors into one stderr line and exit code 2."""

    @functools.wraps(func)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
        try:
            return func(*args, **kwargs)
        except CanhGiacError as exc:
            fail(exc.message)
        except (OSError, UnicodeDecodeError) as exc:
            fail(str(exc))

    return wrapper


def engine() -> Engine:
    """The configured database engine, data directory created."""
    from canhgiac.settings import get_settings

    get_settings().ensure_data_dir()
    return get_engine()


@contextmanager
def db_session() -> Iterator[Session]:
    """A committed-on-success session on the configured database."""
    with session_scope(engine()) as session:
        yield session


def print_records(records: Iterable[dict[str, Any]], fmt: str, columns: list[str]) -> None:
    """Print records as JSON lines or a Rich table."""
    if fmt == "jsonl":
        for record in records:
            sys.stdout.write(json.dumps(record, ensure_ascii=False, default=str) + "\n")
        return
    if fmt != "table":
        fail(f"unknown format {fmt!r} (use jsonl or table)")
    table = Table(*columns)
    for record in records:
        table.add_row(*(str(record.get(c, "")) for c in columns))
    out_console.print(table)
