"""`canhgiac plan …` (import, export, next-year, tasks) and `canhgiac report` (the district report)."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Annotated

import typer
from sqlalchemy import select

from canhgiac.cli.common import db_session, fail, handles_errors, print_records
from canhgiac.db.models import Unit
from canhgiac.services import district_report
from canhgiac.services import plan as plan_service
from canhgiac.services.units import get_unit

plan_app = typer.Typer(help="Kế hoạch: nạp, xuất, lập kế hoạch năm sau, danh sách nhiệm vụ.")

TASK_COLUMNS = ["id", "unit", "duty", "period", "due_on", "state", "title"]


@plan_app.command("import")
@handles_errors
def import_cmd(
    file: Annotated[Path, typer.Argument(help="Tệp YAML kế hoạch")],
) -> None:
    """Nạp một kế hoạch từ tệp YAML (kế hoạch của huyện khác cũng được)."""
    if not file.is_file():
        fail(f"không đọc được tệp {file}")
    with db_session() as session:
        plan = plan_service.import_plan(session, "cli", file)
        code, year = plan.code, plan.year
    typer.echo(f"Đã nạp kế hoạch {code} (năm {year}).")


@plan_app.command("export")
@handles_errors
def export_cmd(
    code: Annotated[str | None, typer.Option("--code", help="Mã kế hoạch")] = None,
    out: Annotated[Path | None, typer.Option("--out", help="Tệp ghi ra")] = None,
) -> None:
    """Xuất kế hoạch ra YAML (mặc định: kế hoạch đang áp dụng)."""
    with db_session() as session:
        text = plan_service.export_plan(session, code)
    if out is None:
        typer.echo(text, nl=False)
    else:
        out.write_text(text, encoding="utf-8")


@plan_app.command("next-year")
@handles_errors
def next_year_cmd(
    from_code: Annotated[str, typer.Option("--from", help="Mã kế hoạch gốc")],
    year: Annotated[int, typer.Option("--year", help="Năm của kế hoạch mới")],
) -> None:
    """Lập kế hoạch năm sau từ một kế hoạch có sẵn (cùng nhiệm vụ, ngày hạn mới)."""
    with db_session() as session:
        plan = plan_service.new_plan_for_next_year(session, "cli", from_code, year)
        code = plan.code
    typer.echo(f"Đã lập kế hoạch {code}.")


@plan_app.command("tasks")
@handles_errors
def tasks_cmd(
    unit: Annotated[str | None, typer.Option("--unit", help="Mã đơn vị")] = None,
    code: Annotated[str | None, typer.Option("--code", help="Mã kế hoạch")] = None,
    state: Annotated[str | None, typer.Option("--state", help="open, done, overdue…")] = None,
    fmt: Annotated[str, typer.Option("--format", help="jsonl hoặc table")] = "table",
) -> None:
    """Danh sách nhiệm vụ của kế hoạch, theo đơn vị."""
    if fmt not in ("jsonl", "table"):
        fail(f"unknown format {fmt!r} (use jsonl or table)")
    with db_session() as session:
        plan = plan_service.get_plan(session, code)
        owner = get_unit(session, unit) if unit else None
        tasks = plan_service.list_tasks(session, plan, unit=owner, state=state)
        codes = dict(session.execute(select(Unit.id, Unit.code)).tuples().all())
        records = [
            {
                "id": t.id,
                "unit": codes.get(t.unit_id, ""),
                "duty": t.duty_ref,
                "period": t.period_label,
                "due_on": t.due_on.isoformat() if t.due_on else "",
                "state": "overdue" if plan_service.task_is_overdue(t) else t.state,
                "title": t.title if fmt == "jsonl" else t.title[:60],
            }
            for t in tasks
        ]
    print_records(records, fmt, TASK_COLUMNS)


@handles_errors
def report_cmd(
    period: Annotated[str, typer.Option("--period", help="2023, 2023-Q2 hoặc 2023-06")],
    out: Annotated[Path, typer.Option("--out", help="Tệp ghi ra")],
    fmt: Annotated[str, typer.Option("--format", help="docx hoặc pdf")] = "pdf",
    number: Annotated[str, typer.Option("--number", help="Số văn bản")] = "",
    issued_on: Annotated[
        str | None, typer.Option("--date", help="Ngày ban hành YYYY-MM-DD (mặc định: hôm nay)")
    ] = None,
) -> None:
    """Báo cáo kết quả thực hiện kế hoạch của một kỳ (DOCX hoặc PDF)."""
    district_report.media_type(fmt)
    district_report.parse_period(period)
    day = None
    if issued_on:
        try:
            day = date.fromisoformat(issued_on)
        except ValueError:
            fail(f"ngày không hợp lệ: {issued_on!r} (dùng YYYY-MM-DD)")
    if not out.parent.is_dir():
        fail(f"không có thư mục {out.parent}")
    with db_session() as session:
        payload = district_report.generate(
            session, "cli", period, fmt, number=number, issued_on=day
        )
    out.write_bytes(payload)
    typer.echo(f"Đã ghi {out} ({len(payload)} byte).")


def register(app: typer.Typer) -> None:
    """Add `plan` and `report` to the command line."""
    app.add_typer(plan_app, name="plan")
    app.command("report")(report_cmd)
