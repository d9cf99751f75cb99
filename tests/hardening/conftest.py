"""Fixtures of the hardening tests: every test starts with fresh in-process rate limits."""

from __future__ import annotations

from collections.abc import Iterator

import pytest


@pytest.fixture(autouse=True)
def _fresh_limits() -> Iterator[None]:
    # The limiters are per process; tests share one process and one client address.
    from canhgiac.web.api import reports
    from canhgiac.web.ui import auth

    reports.per_ip_limiter.reset()
    reports.global_limiter.reset()
    auth.login_limiter.reset()
    yield
