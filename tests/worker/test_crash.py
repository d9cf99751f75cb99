"""Crash safety: a worker SIGKILLed mid-run and restarted finishes every scan job exactly once."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import Engine, func, select, update
from sqlalchemy.orm import Session

from canhgiac.db.base import utcnow
from canhgiac.db.models import AuditEntry, Item, Job
from canhgiac.services.intake import ingest_item
from canhgiac.settings import Settings

JOBS = 300
CLI = str(Path(sys.executable).parent / "canhgiac")


def _count(db: Session, *where: object) -> int:
    db.expire_all()
    return int(
        db.scalar(select(func.count()).select_from(Job).where(Job.kind == "item.scan", *where)) or 0
    )


def _worker(settings: Settings, *args: str) -> subprocess.Popen[bytes]:
    env = {
        **os.environ,
        "CANHGIAC_DATABASE_URL": settings.database_url,
        "CANHGIAC_DATA_DIR": str(settings.data_dir),
        "CANHGIAC_ENV": "test",
        "CANHGIAC_SECRET_KEY": "test-secret-key-not-for-production",
    }
    return subprocess.Popen(
        [CLI, "worker", "--kinds", "item.scan", "--poll", "0.1", *args],
        env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
    )  # fmt: skip


@pytest.mark.slow
def test_sigkill_mid_run_then_restart_does_every_job_exactly_once(
    engine: Engine, seeded: Session, settings: Settings
) -> None:
    db = seeded
    for n in range(JOBS):
        text = (
            f"[{n}] Chúc mừng quý khách trúng thưởng, nhận quà tại http://qua-tang-{n}.xyz/nhan"
            if n % 3 == 0
            else f"[{n}] Thông báo lịch họp tổ dân phố số {n} vào tối thứ bảy."
        )
        ingest_item(db, channel="api", content=text, source_name="crash-test")
    db.commit()
    assert _count(db) == JOBS

    first = _worker(settings)
    deadline = time.monotonic() + 120
    while _count(db, Job.state == "done") < JOBS // 4:
        assert first.poll() is None, first.stdout.read() if first.stdout else ""
        assert time.monotonic() < deadline, "worker made no progress"
        time.sleep(0.05)
    first.send_signal(signal.SIGKILL)
    first.wait(10)
    done_at_kill = _count(db, Job.state == "done")
    assert done_at_kill < JOBS, "the worker finished before it could be killed"

    # Whatever the kill interrupted, make sure a stale 'running' lock exists to be reclaimed.
    victim = db.scalar(select(Job.id).where(Job.kind == "item.scan", Job.state != "done").limit(1))
    db.execute(
        update(Job).where(Job.id == victim).values(
            state="running", locked_by="dead-host:1:dead", locked_at=utcnow() - timedelta(seconds=5),
            attempts=Job.attempts + 1,
        )
    )  # fmt: skip
    db.commit()
    time.sleep(1.1)  # let the killed worker's own lock go stale too

    second = _worker(settings, "--until-idle", "--stale-after", "1")
    output, _ = second.communicate(timeout=300)
    assert second.returncode == 0, output.decode(errors="replace")

    assert _count(db, Job.state != "done") == 0
    db.expire_all()
    items = db.scalars(select(Item)).all()
    assert len(items) == JOBS
    assert all(i.scan_state == "done" and i.verdict and i.verdict_label for i in items)
    scans = db.scalar(select(func.count()).where(AuditEntry.action == "item.scan"))
    assert scans == JOBS  # each job's effects committed exactly once
    reclaimed = db.get(Job, victim)
    assert reclaimed is not None and reclaimed.state == "done" and reclaimed.attempts >= 2


def test_sigterm_finishes_the_current_job_and_exits_cleanly(
    engine: Engine, seeded: Session, settings: Settings
) -> None:
    for n in range(80):
        ingest_item(seeded, channel="api", content=f"[{n}] Thông báo họp tổ dân phố số {n}.")
    seeded.commit()
    worker = _worker(settings)
    deadline = time.monotonic() + 120
    while _count(seeded, Job.state == "done") < 5:
        assert worker.poll() is None and time.monotonic() < deadline
        time.sleep(0.05)
    worker.send_signal(signal.SIGTERM)
    output, _ = worker.communicate(timeout=60)
    assert worker.returncode == 0, output.decode(errors="replace")
    done = _count(seeded, Job.state == "done")
    assert f"done {done}, retried 0, failed 0" in output.decode()
    assert _count(seeded, Job.state == "running") == 0
