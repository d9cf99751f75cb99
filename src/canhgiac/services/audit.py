"""The hash-chained audit log: append an entry for every change, verify the chain end to end."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from typing import Any, cast

from sqlalchemy import Table, bindparam, select, update
from sqlalchemy.orm import Session

from canhgiac.db import bulk
from canhgiac.db.base import utcnow
from canhgiac.db.models import AuditEntry, AuditHead, User

GENESIS_HASH = "0" * 64
_HEAD = cast(Table, AuditHead.__table__)
_ENTRIES = cast(Table, AuditEntry.__table__)
_DEFERRED = "canhgiac.audit.deferred"  # session.info key: entries waiting for the block's end
# The append's three statements, built once (every write of the platform runs them).
_TAKE_HEAD = (
    update(_HEAD)
    .where(_HEAD.c.id == 1)
    .values(seq=_HEAD.c.seq + bindparam("count"))
    .returning(_HEAD.c.seq, _HEAD.c.entry_hash)
)
_MOVE_HEAD = update(_HEAD).where(_HEAD.c.id == 1).values(entry_hash=bindparam("new_hash"))


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
) -> None:
    """Append one entry in the caller's transaction (it commits or rolls back with the change).

    Inside `deferred(session)` the entry is appended when the block ends (its `seq` and hashes
    are set then); otherwise now.
    """
    if isinstance(actor, User):
        actor_id, actor_label = actor.id, actor.email
    else:
        actor_id, actor_label = None, actor or "system"
    # A copy: the digest is taken now, the row may be written later (deferred).
    detail = _copy_json(detail) if detail else {}
    values: dict[str, Any] = {
        "at": utcnow().replace(microsecond=0),
        "actor_id": actor_id,
        "actor_label": actor_label,
        "action": action,
        "object_type": object_type,
        "object_id": str(object_id),
        "detail": detail,
        "digest": digest_of(detail),
    }
    pending = session.info.get(_DEFERRED)
    if pending is not None:
        pending.append(values)
    else:
        _append(session, [values])


def _copy_json(value: Any) -> Any:
    """A deep copy of JSON-like data (dicts, lists, scalars); other objects are shared."""
    if isinstance(value, dict):
        return {k: _copy_json(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_copy_json(v) for v in value]
    return value


@contextmanager
def deferred(session: Session) -> Iterator[None]:
    """Collect the block's entries and append them together when it ends, in the order recorded.

    The first append of a transaction locks the chain's head (SQLite: the write lock, taken at
    the first write anyway; PostgreSQL: the head row) until commit, so a hot path that makes
    several entries wraps its work in this: the head is then held for three statements and the
    commit, not for the whole transaction. Entries are not visible to queries inside the block.
    """
    if session.info.get(_DEFERRED) is not None:  # nested: the outer block appends
        yield
        return
    pending: list[dict[str, Any]] = []
    session.info[_DEFERRED] = pending
    try:
        yield
    finally:
        session.info.pop(_DEFERRED, None)
    _append(session, pending)  # not reached on error: the transaction is rolled back anyway


def _append(session: Session, entries: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Chain and insert `entries` after the current head: three statements for any number."""
    if not entries:
        return []
    # The UPDATE takes the write lock (SQLite) or the row lock (PostgreSQL) and returns the new
    # sequence number with the previous hash, so concurrent appenders get consecutive sequence
    # numbers and a linear chain. Core statements: no ORM unit-of-work work on this hot path.
    conn = session.connection()
    head = conn.execute(_TAKE_HEAD, {"count": len(entries)}).one()
    seq, prev_hash = int(head.seq) - len(entries), str(head.entry_hash)
    rows = []
    for values in entries:
        seq += 1
        entry_hash = _entry_hash(
            prev_hash, seq, values["at"], values["actor_label"], values["action"],
            values["object_type"], values["object_id"], values["digest"],
        )  # fmt: skip
        rows.append({**values, "seq": seq, "prev_hash": prev_hash, "entry_hash": entry_hash})
        prev_hash = entry_hash
    bulk.insert_rows(conn, _ENTRIES, rows)
    conn.execute(_MOVE_HEAD, {"new_hash": prev_hash})
    return rows


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
