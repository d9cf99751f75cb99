"""Evidence: store a blob, describe it, and log its chain of custody in the audit log."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from canhgiac.db.base import utcnow
from canhgiac.db.models import Evidence, EvidenceBlob, User
from canhgiac.db.upsert import dialect_insert
from canhgiac.errors import NotFound
from canhgiac.i18n import N_
from canhgiac.ingest.evidence import EvidenceStore
from canhgiac.services import audit

MAX_NAME = 255


def _insert_blob(session: Session, sha256: str, size: int, media_type: str) -> None:
    """Describe the blob once; concurrent writers of the same bytes do not collide."""
    dialect = session.get_bind().dialect.name
    insert = dialect_insert(dialect)
    values: dict[str, Any] = {
        "sha256": sha256,
        "size": size,
        "media_type": media_type[:128],
        "created_at": utcnow(),
    }
    session.execute(insert(EvidenceBlob).values(**values).on_conflict_do_nothing())


def add_evidence(
    session: Session,
    store: EvidenceStore,
    data: bytes,
    *,
    media_type: str,
    name: str,
    kind: str,
    origin: str = "",
    item_id: int | None = None,
    case_id: int | None = None,
    report_id: int | None = None,
    actor: User | str | None = None,
    note: str = "",
    extracted_text: str | None = None,
) -> Evidence:
    """Keep `data` as evidence (blob on disk first, then its record) in the caller's transaction."""
    sha256 = store.put(data)
    _insert_blob(session, sha256, len(data), media_type or "application/octet-stream")
    evidence = Evidence(
        blob_sha256=sha256,
        item_id=item_id,
        case_id=case_id,
        report_id=report_id,
        kind=kind[:32],
        name=(name or sha256)[:MAX_NAME],
        origin=origin,
        extracted_text=extracted_text,
        captured_at=utcnow(),
        captured_by_id=actor.id if isinstance(actor, User) else None,
        note=note,
    )
    session.add(evidence)
    session.flush()
    detail = custody_detail({
        "blob_sha256": sha256, "size": len(data), "media_type": media_type, "name": evidence.name,
        "kind": kind, "origin": origin, "item_id": item_id, "case_id": case_id,
        "report_id": report_id,
    })  # fmt: skip
    audit.record(session, actor, "evidence.add", "evidence", evidence.id, detail)
    return evidence


def custody_detail(row: dict[str, Any]) -> dict[str, Any]:
    """The audit detail of adding evidence, from its record's values plus size and media type."""
    return {
        "sha256": row["blob_sha256"],
        "size": row["size"],
        "media_type": row["media_type"],
        "name": row["name"],
        "kind": row["kind"],
        "origin": row["origin"],
        "item_id": row["item_id"],
        "case_id": row["case_id"],
        "report_id": row["report_id"],
    }


def get_evidence(session: Session, evidence_id: int) -> Evidence:
    """One piece of evidence, or NotFound."""
    evidence = session.get(Evidence, evidence_id)
    if evidence is None:
        raise NotFound(f"Không tìm thấy chứng cứ #{evidence_id}.")
    return evidence


def evidence_for_item(session: Session, item_id: int) -> list[Evidence]:
    """The item's evidence, oldest first."""
    query = select(Evidence).where(Evidence.item_id == item_id).order_by(Evidence.id)
    return list(session.scalars(query))


def read_original(
    session: Session, store: EvidenceStore, evidence_id: int, actor: User | str | None
) -> tuple[Evidence, bytes]:
    """The evidence and its original bytes; the access is logged (chain of custody)."""
    evidence = get_evidence(session, evidence_id)
    data = store.open(evidence.blob_sha256)
    audit.record(
        session, actor, "evidence.download", "evidence", evidence.id,
        {"sha256": evidence.blob_sha256},
    )  # fmt: skip
    return evidence, data


def link_evidence(
    session: Session,
    sha256: str,
    *,
    name: str,
    kind: str,
    origin: str = "",
    item_id: int | None = None,
    case_id: int | None = None,
    report_id: int | None = None,
    actor: User | str | None = None,
) -> Evidence:
    """Another evidence record for a blob already stored (one imported file, many items)."""
    if session.get(EvidenceBlob, sha256) is None:
        raise NotFound(N_("Không tìm thấy tệp chứng cứ trong kho lưu trữ."))
    evidence = Evidence(
        blob_sha256=sha256, item_id=item_id, case_id=case_id, report_id=report_id,
        kind=kind[:32], name=name[:MAX_NAME], origin=origin, captured_at=utcnow(),
        captured_by_id=actor.id if isinstance(actor, User) else None,
    )  # fmt: skip
    session.add(evidence)
    session.flush()
    audit.record(
        session, actor, "evidence.link", "evidence", evidence.id,
        {"sha256": sha256, "name": evidence.name, "kind": kind, "origin": origin,
         "item_id": item_id, "case_id": case_id, "report_id": report_id},
    )  # fmt: skip
    return evidence
