"""The content-addressed evidence store and add_evidence's chain-of-custody entries."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from canhgiac.db.models import AuditEntry, EvidenceBlob
from canhgiac.errors import NotFound
from canhgiac.ingest.evidence import EvidenceStore
from canhgiac.services.evidence import add_evidence, read_original


def test_put_is_content_addressed_and_idempotent(store: EvidenceStore) -> None:
    data = "Tin nhắn lừa đảo".encode()
    sha = store.put(data)
    assert sha == hashlib.sha256(data).hexdigest()
    assert store.path(sha) == store.root / sha[:2] / sha[2:4] / sha
    assert store.put(data) == sha and store.open(sha) == data
    leftovers = [p for p in store.root.rglob("*") if p.is_file() and p.name != sha]
    assert leftovers == []  # no temporary files left behind


@pytest.mark.parametrize(
    "bad", ["", "../../etc/passwd", "A" * 64, "0" * 63, "0" * 65, "../" + "0" * 61, "0" * 63 + "\n"]
)
def test_malformed_hashes_are_refused(store: EvidenceStore, bad: str) -> None:
    with pytest.raises(ValueError):
        store.open(bad)
    with pytest.raises(ValueError):
        store.path(bad)


def test_missing_blob_is_not_found(store: EvidenceStore) -> None:
    with pytest.raises(NotFound):
        store.open("0" * 64)


def test_empty_blob(store: EvidenceStore) -> None:
    sha = store.put(b"")
    assert store.open(sha) == b""


def test_add_evidence_records_custody(seeded: Session, store: EvidenceStore, make_user) -> None:  # type: ignore[no-untyped-def]
    officer = make_user("investigator", "CA")
    data = b"%PDF-1.4 fake"
    first = add_evidence(seeded, store, data, media_type="application/pdf", name="bien-ban.pdf",
                         kind="document", origin="upload", actor=officer, note="Biên bản")  # fmt: skip
    second = add_evidence(seeded, store, data, media_type="application/pdf", name="ban-sao.pdf",
                          kind="document", origin="e-mail")  # fmt: skip
    seeded.commit()
    assert first.blob_sha256 == second.blob_sha256 == hashlib.sha256(data).hexdigest()
    assert seeded.scalar(select(func.count()).select_from(EvidenceBlob)) == 1
    entry = seeded.scalar(select(AuditEntry).where(AuditEntry.action == "evidence.add",
                                                   AuditEntry.object_id == str(first.id)))  # fmt: skip
    assert entry is not None and entry.actor_label == officer.email
    assert entry.detail["sha256"] == first.blob_sha256 and entry.detail["origin"] == "upload"
    assert first.captured_by_id == officer.id
    evidence, original = read_original(seeded, store, first.id, officer)
    assert original == data and evidence.id == first.id
    assert seeded.scalar(select(AuditEntry).where(AuditEntry.action == "evidence.download"))


def test_store_root_is_created_on_demand(tmp_path: Path) -> None:
    store = EvidenceStore(tmp_path / "a" / "b")
    assert store.open(store.put(b"x")) == b"x"
