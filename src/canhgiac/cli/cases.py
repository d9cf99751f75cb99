"""`canhgiac cases`: list cases with filters, run the deadline check now."""

from __future__ import annotations

from typing import Annotated

import typer

from canhgiac.cli.common import db_session, fail, handles_errors, print_records
from canhgiac.services import case_search

cases_app = typer.Typer(help="Vụ việc / Cases.", no_args_is_help=True)
COLUMNS = ["ref", "state", "category", "severity", "owner_unit", "deadline_at", "overdue", "title"]


@cases_app.command("list")
@handles_errors
def list_cmd(
    state: Annotated[
        list[str] | None, typer.Option("--state", help="Trạng thái (lặp lại được)")
    ] = None,
    unit: Annotated[str, typer.Option("--unit", help="Mã đơn vị phụ trách, vd. CA")] = "",
    overdue: Annotated[bool, typer.Option("--overdue", help="Chỉ vụ việc quá hạn")] = False,
    query: Annotated[str, typer.Option("--q", help="Tìm không dấu, vd. 'lua dao'")] = "",
    limit: Annotated[int, typer.Option("--limit", min=1, max=100_000)] = 1000,
    fmt: Annotated[str, typer.Option("--format", help="jsonl|table")] = "table",
) -> None:
    """Liệt kê vụ việc (toàn huyện) / List cases district-wide."""
    if fmt not in ("jsonl", "table"):
        fail(f"unknown format {fmt!r} (use jsonl or table)")
    filters = case_search.CaseFilters.from_params(
        {"state": state or [], "unit": unit, "overdue": "1" if overdue else "", "q": query}
    )
    with db_session() as session:
        # The operator at the console acts for the district: no unit scoping.
        stmt = case_search.filtered_query(session, None, filters).limit(limit)
        found = list(session.scalars(stmt))
        print_records(case_search.case_rows(session, found), fmt, COLUMNS)


@cases_app.command("check-deadlines")
@handles_errors
def check_deadlines_cmd() -> None:
    """Nhắc hạn và báo cáo vụ việc quá hạn ngay / Run the deadline check now."""
    from canhgiac.worker.jobs.cases import check_deadlines

    with db_session() as session:
        run = check_deadlines(session)
    typer.echo(f"reminded {len(run.reminded)}, escalated {len(run.escalated)}")
    for ref in run.escalated:
        typer.echo(f"  escalated {ref}")


def register(app: typer.Typer) -> None:
    """Add `canhgiac cases ...`."""
    app.add_typer(cases_app, name="cases")
