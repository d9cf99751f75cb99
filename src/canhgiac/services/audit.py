"""The hash-chained audit log: append an entry for every change, verify the chain end to end."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from canhgiac.db.base import utcnow
from canhgiac.db.models import AuditEntry, AuditHead, User

GENESIS_HASH = "0" * 64


def _canonical(data: Any) -> bytes:
    return json.dumps(
        data, sort_keys=True, ensure_ascii=False, separators=(",", ":"), default=str
    ).encode()


def digest_of(detail: dict[str, Any]) -> str:
    """SHA-256 of the change's canonical JSON."""
    return hashlib.sha256(_canonical(detail)).hexdigest()


def _entry_hash(
    prev_hash: str,
    seq: int,
    at: datetime,
    actor_label: str,
    action: str,
    object_type: str,
    object_id: str,
    digest: str,
) -> str:
    fields = [seq, at.isoformat(), actor_label, action, object_type, object_id, digest]
    return hashlib.sha256(prev_hash.encode() + _canonical(fields)).hexdigest()


def record(
    session: Session,
    actor: User | str | None,
    action: str,
    object_type: str,
    object_id: object,
    detail: dict[str, Any] | None = None,
) -> AuditEntry:
    """Append one entry in the caller's transaction (it commits or rolls back with the change)."""
    # The UPDATE takes the write lock (SQLite) or the row lock (PostgreSQL) before we read the head,
    # so concurrent appenders get consecutive sequence numbers and a linear chain.
    session.execute(update(AuditHead).where(AuditHead.id == 1).values(seq=AuditHead.seq + 1))
    head = session.execute(
        select(AuditHead.seq, AuditHead.entry_hash).where(AuditHead.id == 1)
    ).one()
    seq, prev_hash = int(head.seq), str(head.entry_hash)
    if isinstance(actor, User):
        actor_id, actor_label = actor.id, actor.email
    else:
        actor_id, actor_label = None, actor or "system"
    detail = detail or {}
    at = utcnow().replace(microsecond=0)
    digest = digest_of(detail)
    entry_hash = _entry_hash(
        prev_hash, seq, at, actor_label, action, object_type, str(object_id), digest
    )
    entry = AuditEntry(
        seq=seq,
        at=at,
        actor_id=actor_id,
        actor_label=actor_label,
        action=action,
        object_type=object_type,
        object_id=str(object_id),
        detail=detail,
        digest=digest,
        prev_hash=prev_hash,
        entry_hash=entry_hash,
    )
    session.add(entry)
    session.execute(update(AuditHead).where(AuditHead.id == 1).values(entry_hash=entry_hash))
    return entry


@dataclass(frozen=True)
class ChainProblem:
    """The first entry where the chain does not hold, and why."""

    seq: int
    entry_id: int | None
    reason: str


def verify(session: Session, batch: int = 5000) -> tuple[int, ChainProblem | None]:
    """Walk the chain in order; return (entries checked, first problem or None)."""
    prev_hash = GENESIS_HASH
    expected_seq = 1
    checked = 0
    last_seq = 0
    while True:
        rows = session.scalars(
            select(AuditEntry)
            .where(AuditEntry.seq > last_seq)
            .order_by(AuditEntry.seq)
            .limit(batch)
        ).all()
        if not rows:
            break
        for entry in rows:
            problem = _check_entry(entry, expected_seq, prev_hash)
            if problem:
                return checked, problem
            prev_hash = entry.entry_hash
            expected_seq += 1
            last_seq = entry.seq
            checked += 1
        session.expunge_all()
    head = session.get(AuditHead, 1)
    if head is not None and (head.seq != checked or head.entry_hash != prev_hash):
        return checked, ChainProblem(checked + 1, None, "entries missing at the end of the chain")
    return checked, None


def _check_entry(entry: AuditEntry, expected_seq: int, prev_hash: str) -> ChainProblem | None:
    if entry.seq != expected_seq:
        return ChainProblem(expected_seq, entry.id, f"entry {expected_seq} is missing")
    if entry.prev_hash != prev_hash:
        return ChainProblem(entry.seq, entry.id, "does not follow the previous entry")
    if digest_of(entry.detail) != entry.digest:
        return ChainProblem(entry.seq, entry.id, "its content was altered")
    recomputed = _entry_hash(
        entry.prev_hash,
        entry.seq,
        entry.at,
        entry.actor_label,
        entry.action,
        entry.object_type,
        entry.object_id,
        entry.digest,
    )
    if recomputed != entry.entry_hash:
        return ChainProblem(entry.seq, entry.id, "its fields were altered")
    return None
