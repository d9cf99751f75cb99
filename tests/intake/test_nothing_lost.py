"""A real server is SIGKILLed while citizens file reports: every acknowledged report is there once."""

from __future__ import annotations

import pytest
from bench.bench_intake import run


@pytest.mark.slow
def test_every_acknowledged_report_survives_a_kill() -> None:
    figures = run(reports=200, concurrency=16, kill_at=0.4, quiet=True)
    assert figures["acknowledged"] == 200
    assert figures["killed_after_acks"] >= 80  # the kill did happen, midway
    assert figures["missing"] == 0 and figures["duplicated"] == 0 and figures["phantom"] == 0
    assert figures["wrong_code"] == 0 and figures["wrong_body"] == 0
    assert figures["stored_reports"] == 200 and figures["sum_report_count"] == 200
    if figures["unscanned_items"] is not None:  # the worker exists: everything got a verdict
        assert figures["unscanned_items"] == 0
    assert figures["ok"]
