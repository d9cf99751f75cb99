"""Deferred audit appends (the intake hot path): same chain, same order, nothing on error."""

from __future__ import annotations

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from canhgiac.db.models import AuditEntry
from canhgiac.services import audit


def _actions(db: Session) -> list[str]:
    return list(db.scalars(select(AuditEntry.action).order_by(AuditEntry.seq)))


def test_deferred_entries_are_appended_in_order_at_the_end_of_the_block(db: Session) -> None:
    audit.record(db, None, "before", "thing", 0)
    detail = {"n": 1}
    with audit.deferred(db):
        audit.record(db, None, "first", "thing", 1, detail)
        detail["n"] = 99  # the caller changes its dict afterwards: the entry keeps what it was
        with audit.deferred(db):  # nested: the outer block appends
            audit.record(db, "tipline", "second", "thing", 2)
        assert _actions(db) == ["before"]  # not written yet
        audit.record(db, None, "third", "thing", 3)
    audit.record(db, None, "after", "thing", 4)
    db.commit()
    assert _actions(db) == ["before", "first", "second", "third", "after"]
    assert audit.verify(db) == (5, None)
    first = db.scalar(select(AuditEntry).where(AuditEntry.action == "first"))
    assert first is not None and first.detail == {"n": 1}


def test_an_error_in_the_block_appends_nothing(db: Session) -> None:
    audit.record(db, None, "kept", "thing", 0)
    db.commit()
    with pytest.raises(RuntimeError), audit.deferred(db):
        audit.record(db, None, "lost", "thing", 1)
        raise RuntimeError("boom")
    db.rollback()
    assert _actions(db) == ["kept"]
    assert audit.verify(db) == (1, None)
