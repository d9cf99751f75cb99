"""Enqueue: a dedup key names one job, whoever enqueues it and however often."""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from canhgiac.db.models import Job
from canhgiac.worker import queue


def test_a_dedup_key_names_one_job(db: Session) -> None:
    first = queue.enqueue(db, "test.kind", {"n": 1}, dedup_key="test.kind:1")
    again = queue.enqueue(db, "test.kind", {"n": 2}, dedup_key="test.kind:1")
    other = queue.enqueue(db, "test.kind", {"n": 3}, dedup_key="test.kind:2")
    plain = [queue.enqueue(db, "test.kind", {"n": 4}) for _ in range(2)]
    db.commit()
    assert first is not None and again is not None and other is not None
    assert again.id == first.id and again.payload == {"n": 1}  # the existing job wins
    assert other.id != first.id and first.state == "queued" and first.attempts == 0
    assert plain[0] is not None and plain[1] is not None and plain[0].id != plain[1].id
    count = db.scalar(select(func.count()).select_from(Job).where(Job.kind == "test.kind"))
    assert count == 4


def test_a_key_committed_by_another_transaction_wins(db: Session) -> None:
    make = sessionmaker(bind=db.get_bind())
    with make() as other:
        earlier = queue.enqueue(other, "test.kind", {"by": "other"}, dedup_key="test.kind:x")
        other.commit()
        assert earlier is not None
        earlier_id = earlier.id
    found = queue.enqueue(db, "test.kind", {"by": "me"}, dedup_key="test.kind:x")
    db.commit()
    assert found is not None and found.id == earlier_id and found.payload == {"by": "other"}
