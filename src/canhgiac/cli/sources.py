"""`canhgiac sources`: add, list and poll public feeds and web pages."""

from __future__ import annotations

from typing import Annotated

import typer

from canhgiac.cli.common import db_session, fail, handles_errors, print_records
from canhgiac.settings import get_settings

sources_app = typer.Typer(help="Nguồn tin công khai / Public sources.", no_args_is_help=True)

SOURCE_COLUMNS = ["id", "kind", "url", "unit", "every", "active", "next_run_at", "last_status"]


@sources_app.command("add")
@handles_errors
def sources_add(
    kind: Annotated[str, typer.Argument(help="rss | web")],
    url: Annotated[str, typer.Argument(help="Địa chỉ / URL")],
    unit: Annotated[str, typer.Option("--unit", help="Mã đơn vị phụ trách / owner unit code")],
    every: Annotated[str, typer.Option("--every", help="Chu kỳ / period: 30m, 2h, 1d")] = "30m",
) -> None:
    """Thêm nguồn tin / Add a source."""
    from canhgiac.services.sources import add_source, format_every, parse_every

    every_s = parse_every(every)
    with db_session() as session:
        source = add_source(session, "cli", kind=kind, url=url, unit_code=unit, every_s=every_s)
        typer.echo(f"source #{source.id} {source.kind} {source.url} every {format_every(every_s)}")


@sources_app.command("list")
@handles_errors
def sources_list(
    fmt: Annotated[str, typer.Option("--format", help="table|jsonl")] = "table",
) -> None:
    """Liệt kê nguồn tin / List sources."""
    from canhgiac.db.models import Unit
    from canhgiac.services.sources import format_every, list_sources

    if fmt not in ("table", "jsonl"):
        fail(f"unknown format {fmt!r} (use jsonl or table)")
    with db_session() as session:
        records = [
            {
                "id": s.id,
                "kind": s.kind,
                "url": s.url,
                "unit": getattr(session.get(Unit, s.unit_id), "code", ""),
                "every": format_every(s.every_s),
                "active": s.active,
                "etag": s.etag,
                "last_run_at": s.last_run_at,
                "next_run_at": s.next_run_at,
                "last_status": s.last_status,
            }
            for s in list_sources(session)
        ]
    print_records(records, fmt, SOURCE_COLUMNS)


@sources_app.command("run")
@handles_errors
def sources_run(
    source_id: Annotated[
        int | None, typer.Argument(help="Mã nguồn / source id (all if empty)")
    ] = None,
) -> None:
    """Tải ngay một hoặc mọi nguồn đang bật / Poll now (synchronously)."""
    from canhgiac.services.sources import PollResult, get_source, list_sources, poll_source

    settings = get_settings()
    with db_session() as session:
        if source_id is not None:
            ids = [get_source(session, source_id).id]
        else:
            ids = [s.id for s in list_sources(session) if s.active]
    total = PollResult()
    for sid in ids:
        # One transaction per source: a failure of one does not undo the others.
        with db_session() as session:
            outcome = poll_source(session, get_source(session, sid), settings=settings, actor="cli")
        total.add(outcome)
        typer.echo(f"#{sid}: {outcome.status}", err=True)
    typer.echo(f"fetched {total.fetched}, new {total.new}, errors {total.errors}")


def register(app: typer.Typer) -> None:
    """Add `sources` to the command line."""
    app.add_typer(sources_app, name="sources")
