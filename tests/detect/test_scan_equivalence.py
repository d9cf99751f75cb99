"""The batch path gives, message for message, exactly what scan_one gives.

scan_batch de-duplicates texts, runs the text model and the URL model once per batch and shares
caches; none of that may change a verdict. Checked on the real Vietnamese spam set (when the
shared data is present), the shipped fixtures and every rule example, with and without senders.
"""

from __future__ import annotations

import csv
import os
from pathlib import Path

import pytest

from canhgiac.detect import Scanner
from canhgiac.detect.rules import RuleSet
from canhgiac.detect.training import load_fixtures

DATA = Path(os.environ.get("CANHGIAC_TRAINING_DATA", Path(__file__).parents[3] / "shared" / "data"))
SPAM = DATA / "sms_vi_spam" / "spam_positives.csv"
SENDERS = [None, "SHOPEE", "0912345678", "Viettel", "9029"]


def _spam_set() -> list[str]:
    with SPAM.open(encoding="utf-8", newline="") as fh:
        return [row["text"] for row in csv.DictReader(fh)]


def _rule_examples() -> list[str]:
    return [e for rule in RuleSet.default().rules for e in (*rule.positive, *rule.negative)]


@pytest.fixture(scope="module")
def scanner() -> Scanner:
    return Scanner()


def _assert_batch_equals_one_by_one(scanner: Scanner, texts: list[str]) -> None:
    senders = [SENDERS[i % len(SENDERS)] for i in range(len(texts))]
    batch = scanner.scan_batch(texts, senders=senders)
    assert len(batch) == len(texts)
    for text, sender, verdict in zip(texts, senders, batch, strict=True):
        assert verdict.to_dict() == scanner.scan_one(text, sender=sender).to_dict(), text
    plain = scanner.scan_batch(texts)
    for text, verdict in zip(texts, plain, strict=True):
        assert verdict.to_dict() == scanner.scan_one(text).to_dict(), text


@pytest.mark.skipif(not SPAM.exists(), reason=f"spam set not at {SPAM}")
def test_real_spam_set(scanner: Scanner) -> None:
    texts = _spam_set()
    assert len(texts) >= 100
    _assert_batch_equals_one_by_one(scanner, texts)


def test_shipped_fixtures(scanner: Scanner) -> None:
    texts = [row.text for row in load_fixtures()]
    assert len(texts) >= 500
    _assert_batch_equals_one_by_one(scanner, texts)


def test_rule_examples(scanner: Scanner) -> None:
    texts = _rule_examples()
    assert len(texts) >= 2 * len(RuleSet.default())
    _assert_batch_equals_one_by_one(scanner, texts)


def test_repeated_texts_in_one_batch_get_equal_verdicts(scanner: Scanner) -> None:
    texts = [*_rule_examples()[:20]] * 3
    batch = [v.to_dict() for v in scanner.scan_batch(texts)]
    assert batch[:20] == batch[20:40] == batch[40:]
    assert batch[:20] == [scanner.scan_one(t).to_dict() for t in texts[:20]]
