"""Fixtures of the actions tests: recipients seeded, a phishing case with two evidence files."""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime

import pytest
from sqlalchemy.orm import Session

from canhgiac.db.models import Case, Evidence, EvidenceBlob
from canhgiac.services import claims_kb, recipients, units
from tests.actions.action_helpers import EVIDENCE_FILES


@pytest.fixture(autouse=True)
def _fresh_claim_matcher() -> None:
    """Each test starts without a cached matcher (PostgreSQL tests share one database URL)."""
    claims_kb.invalidate_matcher()


@pytest.fixture
def actions_db(seeded: Session) -> Session:
    """Units and recipients seeded."""
    recipients.seed_recipients(seeded)
    seeded.commit()
    return seeded


@pytest.fixture
def phishing_case(actions_db: Session) -> Case:
    """A phishing case owned by the coordinator office, with two evidence files."""
    unit = units.get_unit(actions_db, "VHTT")
    case = Case(
        ref="VV-2026-0042",
        title="Trang giả mạo Agribank chiếm đoạt OTP",
        category="phishing",
        severity="high",
        state="acting",
        owner_unit_id=unit.id,
        legal_basis="Luật An ninh mạng năm 2018\nNghị định số 147/2024/NĐ-CP của Chính phủ",
    )
    actions_db.add(case)
    actions_db.flush()
    for name, data in EVIDENCE_FILES.items():
        sha = hashlib.sha256(data).hexdigest()
        actions_db.add(
            EvidenceBlob(sha256=sha, size=len(data), media_type="application/octet-stream")
        )
        actions_db.flush()
        actions_db.add(
            Evidence(
                blob_sha256=sha, case_id=case.id, kind="file", name=name,
                captured_at=datetime(2026, 11, 20, 7, 5, tzinfo=UTC),
            )
        )  # fmt: skip
    actions_db.commit()
    return case
