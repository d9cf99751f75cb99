"""The in-process worker follows the app's lifespan; `canhgiac worker` and `canhgiac jobs`."""

from __future__ import annotations

import time

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session
from typer.testing import CliRunner

from canhgiac.cli import app as cli_app
from canhgiac.db.models import Job
from canhgiac.settings import Settings
from canhgiac.web.app import create_app
from canhgiac.worker import queue, registry


def test_no_embedded_worker_when_disabled(app) -> None:  # type: ignore[no-untyped-def]
    assert getattr(app.state, "embedded_worker", None) is None


def test_embedded_worker_runs_jobs_while_the_app_lives(
    settings: Settings, engine: Engine, seeded: Session, monkeypatch: pytest.MonkeyPatch
) -> None:
    seen: list[int] = []
    monkeypatch.setitem(
        registry.JOBS,
        "test.note",
        registry.JobSpec("test.note", lambda s, p: seen.append(p["n"]), 1, 5),
    )
    app = create_app(settings.model_copy(update={"in_process_worker": True}), engine)
    worker = app.state.embedded_worker
    assert not worker.running
    with TestClient(app):
        assert worker.running
        queue.enqueue(seeded, "test.note", {"n": 7})
        seeded.commit()
        deadline = time.monotonic() + 10
        while not seen and time.monotonic() < deadline:
            time.sleep(0.05)
    assert seen == [7]
    assert not worker.running


@pytest.fixture
def cli_env(settings: Settings, monkeypatch: pytest.MonkeyPatch) -> CliRunner:
    monkeypatch.setenv("CANHGIAC_DATABASE_URL", settings.database_url)
    monkeypatch.setenv("CANHGIAC_DATA_DIR", str(settings.data_dir))
    return CliRunner()


def test_jobs_list_shows_failed_jobs_and_retry_requeues(
    cli_env: CliRunner, seeded: Session
) -> None:
    job = queue.enqueue(seeded, "item.scan", {"item_id": 12345}, max_attempts=1)
    other = queue.enqueue(seeded, "item.scan", {"item_id": 1})
    assert job is not None and other is not None
    job.state, job.last_error = "failed", "RuntimeError: hỏng"
    seeded.commit()
    listed = cli_env.invoke(cli_app, ["jobs", "list", "--state", "failed", "--format", "jsonl"])
    assert listed.exit_code == 0, listed.output
    lines = [line for line in listed.stdout.splitlines() if line]
    assert len(lines) == 1 and '"RuntimeError: hỏng"' in lines[0] and f'"id": {job.id}' in lines[0]
    retried = cli_env.invoke(cli_app, ["jobs", "retry", str(job.id)])
    assert retried.exit_code == 0 and f"job #{job.id}" in retried.stdout
    seeded.expire_all()
    assert seeded.get(Job, job.id).state == "queued"  # type: ignore[union-attr]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["jobs", "list", "--state", "broken"], "unknown state"),
        (["jobs", "retry", "987654"], "Không tìm thấy công việc"),
        (["worker", "--until-idle", "--kinds", "nope"], "unknown job kind"),
    ],
)
def test_cli_bad_input_is_one_line_and_exit_2(
    cli_env: CliRunner, seeded: Session, args: list[str], message: str
) -> None:
    result = cli_env.invoke(cli_app, args)
    assert result.exit_code == 2 and message in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1


def test_worker_until_idle_runs_due_jobs(
    cli_env: CliRunner, seeded: Session, monkeypatch: pytest.MonkeyPatch
) -> None:
    seen: list[int] = []
    monkeypatch.setitem(
        registry.JOBS,
        "test.note",
        registry.JobSpec("test.note", lambda s, p: seen.append(p["n"]), 1, 5),
    )
    for n in range(3):
        queue.enqueue(seeded, "test.note", {"n": n})
    seeded.commit()
    result = cli_env.invoke(cli_app, ["worker", "--until-idle", "--kinds", "test.note"])
    assert result.exit_code == 0, result.output
    assert sorted(seen) == [0, 1, 2] and "done 3, retried 0, failed 0" in result.stdout
    seeded.expire_all()
    assert set(seeded.scalars(select(Job.state).where(Job.kind == "test.note"))) == {"done"}
