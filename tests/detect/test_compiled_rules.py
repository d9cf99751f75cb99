"""The keyword pass of RuleSet.match in C (canhgiac.detect._fast.Matcher) gives the same hits.

RuleSet.match runs the C pass when the module is built and every keyword is ASCII; these tests
compare it, hit for hit (rule, spans, matched words and their order), with the Python pass over
pyahocorasick on real messages, rule examples and text made of overlapping keywords.
"""

from __future__ import annotations

import copy
import re
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from canhgiac.detect.rules import RuleSet, _required_prefix
from canhgiac.detect.training import load_fixtures
from canhgiac.text.normalize import fold

pytest.importorskip("canhgiac.detect._fast")

RULES = RuleSet.default()
KEYS = sorted(RULES._automaton.keys())
KINDS = [frozenset(), frozenset({"url"}), frozenset({"phone"}), frozenset({"domain", "phone"})]


def _plain(rules: RuleSet) -> RuleSet:
    """The same rules with the keyword pass in Python."""
    plain = copy.copy(rules)
    plain._matcher = None
    return plain


PLAIN = _plain(RULES)


def _same(rules: RuleSet, plain: RuleSet, folded: str) -> None:
    for kinds in KINDS:
        assert rules.match(folded, kinds) == plain.match(folded, kinds), (folded, kinds)


def test_the_default_rules_use_the_c_pass() -> None:
    assert RULES._matcher is not None


def test_real_messages_and_rule_examples() -> None:
    texts = [row.text for row in load_fixtures()]
    texts += [e for rule in RULES.rules for e in (*rule.positive, *rule.negative)]
    for text in texts:
        _same(RULES, PLAIN, fold(text))


# Keywords glued to each other, to letters, digits and non-ASCII letters, so that matches
# overlap, end at the same place, and sit inside words or at their edges.
pieces = st.sampled_from([*KEYS, " ", " ", "x", "a", "1", "-", ".", "é", "ð", "_", "k"])


@settings(max_examples=600)
@given(st.lists(pieces, max_size=14).map("".join))
def test_text_made_of_keywords(folded: str) -> None:
    _same(RULES, PLAIN, folded)


@settings(max_examples=200)
@given(st.text(alphabet="ab ctkhoanđ1.-", max_size=40))
def test_random_text(folded: str) -> None:
    _same(RULES, PLAIN, folded)


RULE_FILE = """
rules:
  - id: starred
    category: scam
    label: scam
    weight: 0.6
    title_vi: a
    title_en: a
    description: a
    any: ["*lua*", "dao*", "*tien", "chuyen khoan", "khoan"]
    all: [["tai khoan", "khoan", "tk"], ["ngay", "gap"]]
    unless: ["*huy*"]
    min_hits: 2
    examples: {positive: ["x"], negative: ["y"]}
  - id: regex_too
    category: spam
    label: spam
    weight: 0.4
    title_vi: b
    title_en: b
    description: b
    any: ["khoan", "ngay"]
    regex: ["\\\\d{3}"]
    min_hits: 3
    requires: [phone]
    examples: {positive: ["x"], negative: ["y"]}
"""


def test_stars_groups_vetoes_and_regexes(tmp_path: Path) -> None:
    path = tmp_path / "r.yaml"
    path.write_text(RULE_FILE, encoding="utf-8")
    rules = RuleSet.from_paths([path])
    assert rules._matcher is not None
    plain = _plain(rules)
    for text in [
        "lua dao chuyen tien tai khoan ngay",
        "xlua daox chuyentien so tai khoan gap 123",
        "tk gap dao tien khoan ngay 123 huy",
        "khoankhoan tai khoan khoan ngay gap lua",
        "chuyen khoan ngay 123 khoan",
    ]:
        _same(rules, plain, text)


def test_a_keyword_beyond_ascii_keeps_the_python_pass(tmp_path: Path) -> None:
    path = tmp_path / "r.yaml"
    path.write_text(RULE_FILE.replace('"*tien"', '"*tiền€"'), encoding="utf-8")
    rules = RuleSet.from_paths([path])
    assert rules._matcher is None
    assert [h.rule.id for h in rules.match("lua dao tai khoan ngay")] == ["starred"]


def test_required_prefixes() -> None:
    assert _required_prefix(re.compile(r"\.apk\b")) == ".apk"
    assert _required_prefix(re.compile(r"\bluong ?\d")) == "luong"
    assert _required_prefix(re.compile(r"(?:ab)c|d")) == ""
    assert _required_prefix(re.compile(r"(?i)abc")) == ""
    assert _required_prefix(re.compile(r"abc", re.IGNORECASE)) == ""
    assert _required_prefix(re.compile(r"ab\bc")) == "ab"
    assert _required_prefix(re.compile(r"a?b")) == ""


@settings(max_examples=300)
@given(st.text(alphabet="luong .apk0123456789/moingay%k", max_size=40))
def test_a_regex_never_matches_without_its_prefix(text: str) -> None:
    for rule in RULES.rules:
        for pattern in rule.regexes:
            if pattern.search(text):
                assert _required_prefix(pattern) in text
