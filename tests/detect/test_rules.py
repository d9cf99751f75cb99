"""Every shipped rule fires on its positive examples and stays quiet on its negative ones."""

from __future__ import annotations

from pathlib import Path

import pytest

from canhgiac.detect.rules import REPORT_CATEGORIES, Rule, RuleError, RuleSet, load_rules
from canhgiac.text.indicators import extract_indicators
from canhgiac.text.normalize import normalize

RULESET = RuleSet.default()
RULES = RULESET.rules


def _fired(text: str) -> dict[str, tuple[tuple[int, int], ...]]:
    kinds = frozenset(i.kind for i in extract_indicators(text))
    return {h.rule.id: h.spans for h in RULESET.match(normalize(text).folded, kinds)}


def _cases(attr: str) -> list[tuple[str, str]]:
    return [(r.id, ex) for r in RULES for ex in getattr(r, attr)]


def test_at_least_forty_documented_rules() -> None:
    assert len(RULES) >= 40
    for rule in RULES:
        assert rule.category in REPORT_CATEGORIES
        assert rule.title_vi and rule.title_en and rule.description


@pytest.mark.parametrize(("rule_id", "text"), _cases("positive"))
def test_positive_example_fires(rule_id: str, text: str) -> None:
    assert rule_id in _fired(text)


@pytest.mark.parametrize(("rule_id", "text"), _cases("negative"))
def test_negative_example_is_quiet(rule_id: str, text: str) -> None:
    assert rule_id not in _fired(text)


@pytest.mark.parametrize(
    "text",
    [
        "Tài khoản của bạn bị khóa, xác thực ngay",
        "TAI KHOAN CUA BAN BI KHOA, XAC THUC NGAY",
        "tk cua ban bi khoa, xac thuc ngay",
        "t.a.i k.h.o.a.n cua ban bi k.h.o.a, xac thuc ngay",
        "tài\u200b khoản của bạn bị khóa, xác thực ngay",
    ],
)
def test_keywords_match_every_spelling(text: str) -> None:
    assert "bank_account_locked" in _fired(text)


def test_spans_point_into_the_folded_text() -> None:
    text = "Mã OTP vừa gửi, bạn đọc mã OTP giúp mình"
    norm = normalize(text)
    hit = next(h for h in RULESET.match(norm.folded) if h.rule.id == "otp_harvest")
    start, end = norm.to_original(*hit.spans[0])
    assert text[start:end].lower() in {"mã otp vừa gửi", "đọc mã otp"}


def test_keywords_respect_word_boundaries() -> None:
    # "sex" inside "sussex" must not fire the sex-services rule.
    assert "sex_services" not in _fired("We moved to Sussex last year")


def _write(tmp_path: Path, body: str) -> Path:
    path = tmp_path / "r.yaml"
    path.write_text(body, encoding="utf-8")
    return path


GOOD = """
rules:
  - id: demo
    category: scam
    label: scam
    weight: 0.5
    title_vi: Thử
    title_en: Demo
    description: demo
    any: [lừa đảo]
    examples: {positive: [lừa đảo], negative: [chào]}
"""


def test_load_a_rule_file(tmp_path: Path) -> None:
    rules = load_rules([_write(tmp_path, GOOD)])
    assert isinstance(rules[0], Rule)
    assert rules[0].any == ("lua dao",)


@pytest.mark.parametrize(
    ("old", "new"),
    [
        ("category: scam", "category: nonsense"),
        ("label: scam", "label: ok"),
        ("weight: 0.5", "weight: 1.5"),
        ("any: [lừa đảo]", "any: []"),
        ("negative: [chào]", "negative: []"),
        ("id: demo", "id: Demo-Rule"),
    ],
)
def test_malformed_rules_are_refused(tmp_path: Path, old: str, new: str) -> None:
    with pytest.raises(RuleError):
        load_rules([_write(tmp_path, GOOD.replace(old, new))])


def test_duplicate_ids_are_refused(tmp_path: Path) -> None:
    rules = load_rules([_write(tmp_path, GOOD)])
    with pytest.raises(RuleError):
        RuleSet(rules + rules)
