"""The job loop: scan jobs done in one transaction, retries with back-off, time limits, periodic."""

from __future__ import annotations

import threading
import time
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import Engine, func, select, update
from sqlalchemy.orm import Session

from canhgiac.db.base import utcnow
from canhgiac.db.models import AuditEntry, Item, ItemIndicator, Job
from canhgiac.services import audit
from canhgiac.services.scanning import scan_item
from canhgiac.worker import queue, registry
from canhgiac.worker.jobs.scan import SCANNER_KEY
from canhgiac.worker.runner import JobTimeout, Runner, run_workers, time_limit
from tests.worker.conftest import add_item
from tests.worker.stub_scanner import StubScanner


def _runner(engine: Engine, scanner: StubScanner, **kwargs: Any) -> Runner:
    # Only the kinds under test: other areas' periodic jobs are not this file's business.
    kwargs.setdefault("kinds", ["item.scan"])
    return Runner(engine, context={SCANNER_KEY: scanner}, poll_s=0.05, **kwargs)


@pytest.fixture
def temp_kind(monkeypatch: pytest.MonkeyPatch):  # type: ignore[no-untyped-def]
    """Register a throw-away job kind for one test."""

    def register(kind: str, func: registry.JobFunc, **options: Any) -> None:
        monkeypatch.setitem(
            registry.JOBS,
            kind,
            registry.JobSpec(
                kind, func, options.get("max_attempts", 5), options.get("timeout_s", 60)
            ),
        )

    return register


def test_scan_jobs_store_verdicts_indicators_and_finish(
    engine: Engine, db: Session, make_items, stub_scanner: StubScanner
) -> None:  # type: ignore[no-untyped-def]
    items = make_items(6)
    stats = _runner(engine, stub_scanner).run(until_idle=True)
    assert stats.done == 6 and stats.failed == 0
    db.expire_all()
    for item in items:
        db.refresh(item)
        assert item.scan_state == "done" and item.scanned_at is not None
        assert item.verdict is not None and item.verdict["label"] == item.verdict_label
    scam = db.get(Item, items[0].id)
    assert scam is not None and scam.verdict_label == "scam" and scam.verdict_score == 0.9
    kinds = set(db.execute(select(ItemIndicator.kind, ItemIndicator.value).where(
        ItemIndicator.item_id == scam.id)).all())  # fmt: skip
    assert kinds == {("url", "http://qua-0.xyz/nhan"), ("phone", "+84912345000")}
    assert db.scalar(select(func.count()).select_from(Job).where(Job.state != "done")) == 0
    audited = db.scalar(select(func.count()).where(AuditEntry.action == "item.scan"))
    assert audited == 6


def test_scanning_twice_gives_the_same_rows(seeded: Session, stub_scanner: StubScanner) -> None:
    db = seeded
    item = add_item(db, "Bạn đã trúng thưởng http://a.xyz http://a.xyz 0912345678", sender="BANK")
    db.commit()
    rows = []
    for _ in range(2):
        scan_item(db, item, stub_scanner)
        db.commit()
        rows.append(
            sorted(
                db.execute(
                    select(ItemIndicator.kind, ItemIndicator.value).where(
                        ItemIndicator.item_id == item.id
                    )
                ).all()
            )
        )
    assert rows[0] == rows[1] == [("phone", "+84912345678"), ("url", "http://a.xyz")]
    assert item.verdict_label == "scam"


def test_a_failing_job_is_rolled_back_retried_with_backoff_then_failed(
    engine: Engine, db: Session, temp_kind, stub_scanner: StubScanner
) -> None:  # type: ignore[no-untyped-def]
    def boom(session: Session, payload: dict[str, Any]) -> None:
        add_item(session, f"nửa chừng {payload['n']}")  # must be rolled back
        raise RuntimeError("máy chủ ngoài không trả lời")

    temp_kind("test.boom", boom, max_attempts=3)
    job = queue.enqueue(db, "test.boom", {"n": 1}, max_attempts=3)
    assert job is not None
    db.commit()
    runner = _runner(engine, stub_scanner, kinds=["test.boom"])
    for attempt in range(1, 4):
        assert runner.run_one() == "done"
        db.expire_all()
        row = db.get(Job, job.id)
        assert row is not None and row.attempts == attempt
        assert "máy chủ ngoài không trả lời" in (row.last_error or "")
        if attempt < 3:
            assert row.state == "queued"
            wait = (row.run_after - utcnow()).total_seconds()
            assert queue.BACKOFF_BASE_S * 2 ** (attempt - 1) - 2 < wait <= 5 * 2 ** (attempt - 1)
            assert runner.run_one() == "idle"  # not due before the back-off
            db.execute(update(Job).where(Job.id == job.id).values(run_after=utcnow()))
            db.commit()
        else:
            assert row.state == "failed" and row.finished_at is not None
    assert db.scalar(select(func.count()).select_from(Item)) == 0
    assert runner.stats.retried == 2 and runner.stats.failed == 1

    queue.retry(db, job.id, actor="cli")
    db.commit()
    db.refresh(row)
    assert row.state == "queued" and row.attempts == 0
    assert db.scalar(select(func.count()).where(AuditEntry.action == "job.retry")) == 1


def test_retry_refuses_running_and_unknown_jobs(db: Session) -> None:
    from canhgiac.errors import Conflict, NotFound

    job = queue.enqueue(db, "item.scan", {"item_id": 1})
    assert job is not None
    job.state = "running"
    db.commit()
    with pytest.raises(Conflict):
        queue.retry(db, job.id)
    with pytest.raises(NotFound):
        queue.retry(db, 999_999)


def test_time_limit_fails_a_slow_job(
    engine: Engine, db: Session, temp_kind, stub_scanner: StubScanner
) -> None:  # type: ignore[no-untyped-def]
    temp_kind("test.slow", lambda s, p: time.sleep(5), timeout_s=0.3, max_attempts=1)
    job = queue.enqueue(db, "test.slow", {}, max_attempts=1)
    assert job is not None
    db.commit()
    started = time.monotonic()
    _runner(engine, stub_scanner, kinds=["test.slow"]).run(until_idle=True)
    assert time.monotonic() - started < 3
    db.refresh(job)
    assert job.state == "failed" and "JobTimeout" in (job.last_error or "")


def test_time_limit_in_a_thread_interrupts_python_code() -> None:
    outcome: list[str] = []

    def busy() -> None:
        try:
            with time_limit(0.2):
                deadline = time.monotonic() + 5
                while time.monotonic() < deadline:
                    time.sleep(0.01)
            outcome.append("finished")
        except JobTimeout:
            outcome.append("timeout")

    def quick() -> None:
        with time_limit(0.2):
            pass
        time.sleep(0.4)  # a withdrawn timer must not fire later
        outcome.append("quick")

    threads = [threading.Thread(target=busy), threading.Thread(target=quick)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(3)
    assert sorted(outcome) == ["quick", "timeout"]


def test_unknown_kind_fails_visibly(engine: Engine, db: Session, stub_scanner: StubScanner) -> None:
    job = queue.enqueue(db, "no.such.kind", {}, max_attempts=1)
    assert job is not None
    db.commit()
    _runner(engine, stub_scanner, kinds=["no.such.kind"]).run(until_idle=True)
    db.refresh(job)
    assert job.state == "failed" and "no.such.kind" in (job.last_error or "")


def test_stale_lock_is_reclaimed_and_the_dead_worker_cannot_complete(
    engine: Engine, db: Session, make_items, stub_scanner: StubScanner
) -> None:  # type: ignore[no-untyped-def]
    (item,) = make_items(1)
    dead = queue.claim(db, "dead-worker")
    assert dead is not None and dead.state == "running"
    runner = _runner(engine, stub_scanner, periodic=False, stale_after=timedelta(minutes=10))
    assert runner.run_one() == "idle"  # a fresh lock is respected
    db.execute(update(Job).values(locked_at=utcnow() - timedelta(minutes=11)))
    db.commit()
    assert runner.run_one() == "done"
    assert not queue.complete(db, dead.id, worker_id="dead-worker")
    db.rollback()
    db.expire_all()
    job = db.get(Job, dead.id)
    assert job is not None and job.state == "done" and job.attempts == 2
    assert db.get(Item, item.id).scan_state == "done"  # type: ignore[union-attr]


def test_periodic_kinds_are_enqueued_once_per_period(
    engine: Engine, db: Session, monkeypatch: pytest.MonkeyPatch, stub_scanner: StubScanner
) -> None:
    calls: list[int] = []
    monkeypatch.setitem(registry.PERIODIC, "test.tick", registry.PeriodicSpec("test.tick", 60))
    monkeypatch.setitem(
        registry.JOBS,
        "test.tick",
        registry.JobSpec("test.tick", lambda s, p: calls.append(p["period_start"]), 1, 10),
    )
    first = _runner(engine, stub_scanner, kinds=["test.tick"])
    second = _runner(engine, stub_scanner, kinds=["test.tick"])
    now = utcnow()
    assert first.schedule_periodic(now) == 1
    assert second.schedule_periodic(now) == 0  # same period: nobody doubles it
    assert second.schedule_periodic(now + timedelta(seconds=60)) == 1
    keys = db.scalars(select(Job.dedup_key).where(Job.kind == "test.tick")).all()
    assert len(keys) == 2 and all(k and k.startswith("test.tick:") for k in keys)
    # leave the second one for later: only the current period's job is due
    db.execute(
        update(Job).where(Job.dedup_key == keys[1]).values(run_after=now + timedelta(hours=1))
    )
    db.commit()
    first.run(until_idle=True)
    assert len(calls) == 1 and calls[0] % 60 == 0


def test_three_runners_in_parallel_do_each_job_once(
    engine: Engine, db: Session, temp_kind, stub_scanner: StubScanner
) -> None:  # type: ignore[no-untyped-def]
    # A neutral kind, so that the runner's own guarantee is what is measured here.
    def count(session: Session, payload: dict[str, Any]) -> None:
        audit.record(session, "system", "test.count", "job", payload["n"])
        time.sleep(0.005)

    temp_kind("test.count", count)
    for n in range(60):
        queue.enqueue(db, "test.count", {"n": n})
    db.commit()
    stats = run_workers(
        engine, concurrency=3, until_idle=True, kinds=["test.count"], poll_s=0.05,
        context={SCANNER_KEY: stub_scanner},
    )  # fmt: skip
    assert stats.done == 60 and stats.lost == 0 and stats.retried == 0
    ids = db.scalars(select(AuditEntry.object_id).where(AuditEntry.action == "test.count")).all()
    assert sorted(int(i) for i in ids) == list(range(60))
    assert db.scalar(select(func.count()).select_from(Job).where(Job.state != "done")) == 0


def test_stop_event_ends_a_running_loop(engine: Engine, stub_scanner: StubScanner) -> None:
    runner = _runner(engine, stub_scanner)
    thread = threading.Thread(target=runner.run)
    thread.start()
    time.sleep(0.2)
    runner.stop()
    thread.join(3)
    assert not thread.is_alive()


def test_an_unreachable_database_does_not_kill_the_loop(tmp_path) -> None:  # type: ignore[no-untyped-def]
    from canhgiac.db.session import make_engine

    broken = make_engine(f"sqlite:///{tmp_path / 'missing' / 'db.sqlite3'}")
    runner = Runner(broken, kinds=["item.scan"], poll_s=0.05)
    thread = threading.Thread(target=runner.run)
    thread.start()
    time.sleep(0.5)
    assert thread.is_alive()
    runner.stop()
    thread.join(5)
    assert not thread.is_alive() and runner.stats.done == 0
