"""Golden outputs of extract_indicators(), captured before the speed work on the same inputs as
the normalisation golden file: the fast paths and pre-checks change nothing."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from canhgiac.text.indicators import extract_indicators
from canhgiac.text.normalize import normalize

GOLDEN = Path(__file__).parents[1] / "fixtures" / "text" / "indicators_golden.jsonl"
ROWS: list[dict[str, Any]] = [
    json.loads(line) for line in GOLDEN.read_text("utf-8").splitlines() if line
]


def test_golden_set_has_every_kind() -> None:
    kinds = {i["kind"] for row in ROWS for i in row["indicators"]}
    assert kinds == {"url", "domain", "phone", "shortcode", "bank_account", "email"}


@pytest.mark.parametrize("row", ROWS, ids=range(len(ROWS)))
def test_indicators_match_golden(row: dict[str, Any]) -> None:
    text = row["input"]
    assert [i.to_dict() for i in extract_indicators(text)] == row["indicators"]
    assert [i.to_dict() for i in extract_indicators(text, normalize(text))] == row["indicators"]
