"""Fixtures for network tests: settings that allow 127.0.0.1, a fast fetch policy."""

from __future__ import annotations

from pathlib import Path

import pytest

from canhgiac.ingest.fetcher import FetchPolicy, HostThrottle
from canhgiac.settings import Settings


@pytest.fixture
def net_settings(tmp_path: Path) -> Settings:
    return Settings(
        env="test",
        data_dir=tmp_path / "data",
        secret_key="test-secret-key-not-for-production",
        fetch_allow=["127.0.0.1/32"],
        fetch_timeout_s=5.0,
        fetch_max_bytes=200_000,
        in_process_worker=False,
    )


@pytest.fixture
def policy() -> FetchPolicy:
    """No waiting between requests (the throttle has its own test), a fresh robots cache."""
    return FetchPolicy(throttle=HostThrottle(0.0))
