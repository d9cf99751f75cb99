"""Fixtures of the intake tests: a fresh rate limit per test, the evidence store, the fixtures folder."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from canhgiac.ingest.evidence import EvidenceStore
from canhgiac.settings import Settings

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "intake"


@pytest.fixture(autouse=True)
def _fresh_limits() -> Iterator[None]:
    from canhgiac.web.api import reports

    reports.per_ip_limiter.reset()
    reports.global_limiter.reset()
    yield


@pytest.fixture
def store(tmp_path: Path) -> EvidenceStore:
    return EvidenceStore(tmp_path / "evidence")


@pytest.fixture
def app_store(settings: Settings) -> EvidenceStore:
    """The evidence store the web app writes to."""
    return EvidenceStore(settings.evidence_dir)


@pytest.fixture
def fixtures() -> Path:
    return FIXTURES
