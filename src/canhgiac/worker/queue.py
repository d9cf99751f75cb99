"""The job queue on the `jobs` table: enqueue in the caller's transaction, claim, finish, retry.

Works on SQLite (one writer at a time; claims are a conditional UPDATE) and on PostgreSQL
(`FOR UPDATE SKIP LOCKED`, so any number of workers on any number of machines share the work).
"""

from __future__ import annotations

from datetime import datetime, timedelta
from functools import lru_cache
from typing import Any, cast

from sqlalchemy import Table, select, update
from sqlalchemy.orm import Session

from canhgiac.db import bulk
from canhgiac.db.base import utcnow
from canhgiac.db.models import Job, User
from canhgiac.db.upsert import dialect_insert
from canhgiac.errors import Conflict, NotFound
from canhgiac.services import audit

BACKOFF_BASE_S = 5
BACKOFF_MAX_S = 3600
STALE_LOCK = timedelta(minutes=15)


def enqueue(
    session: Session,
    kind: str,
    payload: dict[str, Any] | None = None,
    *,
    dedup_key: str | None = None,
    run_after: datetime | None = None,
    max_attempts: int = 5,
) -> Job | None:
    """Add a job in the caller's transaction; with `dedup_key`, an existing job of that key wins."""
    values: dict[str, Any] = {
        "kind": kind,
        "payload": payload or {},
        "dedup_key": dedup_key,
        "run_after": run_after or utcnow(),
        "max_attempts": max_attempts,
    }
    if dedup_key is None:
        job = Job(**values)
        session.add(job)
        session.flush()
        return job
    # One statement whether or not the key is taken (no look-up first, no savepoint): the
    # unique index on dedup_key decides, also between concurrent transactions.
    stmt = _dedup_insert(session.get_bind().dialect.name)
    params = {**values, "state": "queued", "attempts": 0, "created_at": utcnow()}
    found = session.scalars(stmt, params, execution_options={"populate_existing": True})
    added = found.first()
    if added is not None:
        return added
    return session.scalar(select(Job).where(Job.dedup_key == dedup_key))


_JOBS = cast(Table, Job.__table__)


def enqueue_many(session: Session, kind: str, jobs: list[tuple[dict[str, Any], str]]) -> None:
    """Add jobs of one kind, each `(payload, dedup_key)`, in one statement; taken keys are kept."""
    now = utcnow()
    rows = [
        {"kind": kind, "payload": payload, "dedup_key": key, "run_after": now,
         "max_attempts": 5, "state": "queued", "attempts": 0, "created_at": now}
        for payload, key in jobs
    ]  # fmt: skip
    bulk.insert_rows(session.connection(), _JOBS, rows, do_nothing_on=["dedup_key"])


@lru_cache(maxsize=4)
def _dedup_insert(dialect: str) -> Any:
    """INSERT … ON CONFLICT (dedup_key) DO NOTHING RETURNING the job, for `dialect`; built once."""
    stmt = dialect_insert(dialect)(_JOBS).on_conflict_do_nothing(index_elements=["dedup_key"])
    return select(Job).from_statement(stmt.returning(*_JOBS.c))


def claim(
    session: Session,
    worker_id: str,
    *,
    kinds: list[str] | None = None,
    stale_after: timedelta = STALE_LOCK,
) -> Job | None:
    """Take the next due job (or one whose worker died) and mark it running; commits."""
    now = utcnow()
    due = (Job.state == "queued") & (Job.run_after <= now)
    stale = (Job.state == "running") & (Job.locked_at < now - stale_after)
    query = select(Job.id).where(due | stale).order_by(Job.run_after, Job.id).limit(1)
    if kinds:
        query = query.where(Job.kind.in_(kinds))
    if session.get_bind().dialect.name == "postgresql":
        query = query.with_for_update(skip_locked=True)
    job_id = session.scalar(query)
    if job_id is None:
        session.rollback()
        return None
    claimed = session.execute(
        update(Job)
        .where(Job.id == job_id, due | stale)
        .values(state="running", locked_by=worker_id, locked_at=now, attempts=Job.attempts + 1)
    ).rowcount  # type: ignore[attr-defined]
    session.commit()
    if claimed != 1:
        return None
    return session.get(Job, job_id, populate_existing=True)


def complete(session: Session, job_id: int, *, worker_id: str | None = None) -> bool:
    """Mark a job done (in the same transaction as its effects when possible).

    With `worker_id`, only while that worker still holds the lock: False means another worker
    reclaimed the job as stale, and the caller must roll its effects back.
    """
    query = update(Job).where(Job.id == job_id)
    if worker_id is not None:
        query = query.where(Job.state == "running", Job.locked_by == worker_id)
    done = session.execute(
        query.values(state="done", finished_at=utcnow(), last_error=None)
    ).rowcount  # type: ignore[attr-defined]
    return bool(done)


def fail(session: Session, job_id: int, error: str, *, worker_id: str | None = None) -> str:
    """Record a failure: retry later with exponential back-off, or mark failed; commits.

    With `worker_id`, a job that another worker has since reclaimed is left alone.
    """
    job = session.get(Job, job_id, populate_existing=True)
    if job is None:
        return "missing"
    if worker_id is not None and (job.state != "running" or job.locked_by != worker_id):
        session.rollback()
        return "lost"
    job.last_error = error[:4000]
    job.locked_by = None
    job.locked_at = None
    if job.attempts >= job.max_attempts:
        job.state = "failed"
        job.finished_at = utcnow()
    else:
        delay = min(BACKOFF_MAX_S, BACKOFF_BASE_S * 2 ** max(0, job.attempts - 1))
        job.state = "queued"
        job.run_after = utcnow() + timedelta(seconds=delay)
    session.commit()
    return job.state


def retry(session: Session, job_id: int, *, actor: User | str | None = None) -> Job:
    """Put a failed (or waiting) job back in the queue now (from the UI or CLI); audited."""
    job = session.get(Job, job_id)
    if job is None:
        raise NotFound(f"Không tìm thấy công việc #{job_id}.")
    if job.state not in ("failed", "queued"):
        raise Conflict(f"Công việc #{job_id} đang chạy hoặc đã xong, không thể chạy lại.")
    job.state = "queued"
    job.attempts = 0
    job.run_after = utcnow()
    job.finished_at = None
    job.locked_by = None
    job.locked_at = None
    audit.record(session, actor, "job.retry", "job", job.id, {"kind": job.kind})
    return job
