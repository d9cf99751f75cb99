"""The audit chain: appended by services, verified end to end, tampering detected."""

from __future__ import annotations

import pytest
from sqlalchemy import select, update
from sqlalchemy.orm import Session

from canhgiac.db.models import AuditEntry
from canhgiac.services import audit


def _append(db: Session, n: int) -> None:
    for i in range(n):
        audit.record(db, None, "test.event", "thing", i, {"i": i, "text": "lừa đảo"})
    db.commit()


def test_intact_chain_verifies(db: Session) -> None:
    _append(db, 5)
    checked, problem = audit.verify(db)
    assert (checked, problem) == (5, None)


def test_altered_entry_is_named(db: Session) -> None:
    _append(db, 5)
    db.execute(update(AuditEntry).where(AuditEntry.seq == 3).values(detail={"i": 99}))
    db.commit()
    _, problem = audit.verify(db)
    assert problem is not None and problem.seq == 3


def test_altered_actor_is_named(db: Session) -> None:
    _append(db, 4)
    db.execute(update(AuditEntry).where(AuditEntry.seq == 2).values(actor_label="someone-else"))
    db.commit()
    _, problem = audit.verify(db)
    assert problem is not None and problem.seq == 2


@pytest.mark.parametrize("victim", [1, 3, 5])
def test_deleted_entry_is_detected(db: Session, victim: int) -> None:
    _append(db, 5)
    db.delete(db.scalar(select(AuditEntry).where(AuditEntry.seq == victim)))
    db.commit()
    _, problem = audit.verify(db)
    assert problem is not None and problem.seq == victim


def test_reordered_entries_are_detected(db: Session) -> None:
    _append(db, 5)
    db.execute(update(AuditEntry).where(AuditEntry.seq == 2).values(seq=-2))
    db.execute(update(AuditEntry).where(AuditEntry.seq == 4).values(seq=2))
    db.execute(update(AuditEntry).where(AuditEntry.seq == -2).values(seq=4))
    db.commit()
    _, problem = audit.verify(db)
    assert problem is not None and problem.seq == 2


def test_rolled_back_change_leaves_no_entry(db: Session) -> None:
    _append(db, 2)
    audit.record(db, None, "test.event", "thing", 9, {})
    db.rollback()
    assert audit.verify(db) == (2, None)
