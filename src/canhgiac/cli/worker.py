"""`canhgiac worker` and `canhgiac jobs`: run the job queue, list jobs, retry failed ones."""

from __future__ import annotations

import logging
from datetime import timedelta
from typing import Annotated

import typer
from sqlalchemy import select

from canhgiac.cli.common import db_session, engine, fail, handles_errors, print_records
from canhgiac.db.models import Job
from canhgiac.db.models.jobs import JOB_STATES
from canhgiac.settings import get_settings

jobs_app = typer.Typer(help="Công việc nền / Background jobs.", no_args_is_help=True)

JOB_COLUMNS = ["id", "kind", "state", "attempts", "max_attempts", "run_after", "last_error"]


def _split_kinds(kinds: list[str] | None) -> list[str] | None:
    names = [k.strip() for item in kinds or [] for k in item.split(",") if k.strip()]
    return names or None


@handles_errors
def worker_cmd(
    until_idle: Annotated[
        bool, typer.Option("--until-idle", help="Dừng khi hết việc / stop when no job is due")
    ] = False,
    concurrency: Annotated[
        int, typer.Option(min=1, max=64, help="Số luồng xử lý / worker threads")
    ] = 1,
    kinds: Annotated[
        list[str] | None,
        typer.Option("--kinds", help="Chỉ các loại này / only these kinds (comma-separated)"),
    ] = None,
    stale_after: Annotated[
        float,
        typer.Option(
            "--stale-after", min=0.1, help="Giây trước khi nhận lại việc treo / stale lock (s)"
        ),
    ] = 900.0,
    poll: Annotated[float, typer.Option(min=0.05, help="Chu kỳ hỏi hàng đợi (s) / poll")] = 1.0,
) -> None:
    """Chạy tiến trình xử lý công việc nền / Run a job worker."""
    import threading

    from canhgiac.worker.registry import JOBS, load_job_modules
    from canhgiac.worker.runner import install_signal_handlers, run_workers

    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(message)s")
    load_job_modules()
    wanted = _split_kinds(kinds)
    unknown = sorted(set(wanted or ()) - set(JOBS))
    if unknown:
        fail(f"unknown job kind(s): {', '.join(unknown)} (known: {', '.join(sorted(JOBS))})")
    stop = threading.Event()
    restore = install_signal_handlers(stop)
    try:
        stats = run_workers(
            engine(), concurrency=concurrency, until_idle=until_idle, kinds=wanted,
            settings=get_settings(), stale_after=timedelta(seconds=stale_after), poll_s=poll,
            stop_event=stop,
        )  # fmt: skip
    finally:
        restore()
    typer.echo(f"done {stats.done}, retried {stats.retried}, failed {stats.failed}")


@jobs_app.command("list")
@handles_errors
def jobs_list(
    state: Annotated[str | None, typer.Option(help="queued|running|done|failed")] = None,
    kind: Annotated[str | None, typer.Option(help="Loại công việc / job kind")] = None,
    limit: Annotated[int, typer.Option(min=1, help="Số dòng tối đa / max rows")] = 100,
    fmt: Annotated[str, typer.Option("--format", help="table|jsonl")] = "table",
) -> None:
    """Liệt kê công việc nền / List jobs (newest first)."""
    if state is not None and state not in JOB_STATES:
        fail(f"unknown state {state!r} (use {', '.join(JOB_STATES)})")
    query = select(Job).order_by(Job.id.desc()).limit(limit)
    if state:
        query = query.where(Job.state == state)
    if kind:
        query = query.where(Job.kind == kind)
    with db_session() as session:
        records = [
            {c: getattr(job, c) for c in [*JOB_COLUMNS, "payload"]}
            for job in session.scalars(query)
        ]
    print_records(records, fmt, JOB_COLUMNS)


@jobs_app.command("retry")
@handles_errors
def jobs_retry(job_id: Annotated[int, typer.Argument(help="Mã công việc / job id")]) -> None:
    """Đưa công việc lỗi vào hàng đợi lại / Queue a failed job again."""
    from canhgiac.worker.queue import retry

    with db_session() as session:
        job = retry(session, job_id, actor="cli")
        typer.echo(f"job #{job.id} ({job.kind}) queued again")


def register(app: typer.Typer) -> None:
    """Add `worker` and `jobs` to the command line."""
    app.command("worker")(worker_cmd)
    app.add_typer(jobs_app, name="jobs")
