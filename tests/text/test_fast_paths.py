"""The speed-ups in canhgiac.text answer exactly what the plain patterns they replace answer.

Each fast pattern below starts on a literal (or skips work with a pre-check) so that the regex
engine does not try every position; these properties compare it with the straightforward form.
"""

from __future__ import annotations

import re

from hypothesis import given, settings
from hypothesis import strategies as st

import canhgiac.text.indicators as indicators
import canhgiac.text.normalize as normalize

# The straightforward forms, as they were written before the speed work.
PLAIN_CAPS_L = re.compile(r"[A-Z]l|l[A-Z]")
PLAIN_LEET = re.compile(r"[a-z][0-9$]|[0-9$][a-z]")
PLAIN_SPACED = re.compile(r"(?<![^\W_])[^\W\d_]([ .\-_])[^\W\d_]\1[^\W\d_](?![^\W_])")
PLAIN_WS_HINT = re.compile(r"[^\S ]|  |^ | $")
PLAIN_WS = re.compile(r"\s+")
PLAIN_SHORT_NUM = re.compile(r"(?<![\d.,])\d{4,5}(?![\d]|[.,]\d|\w)")
PLAIN_ACCOUNT = re.compile(r"(?<![\d.,])(?:\d{6,19}|\d{3,4}(?:[ \-]\d{3,4}){1,4})(?![\d]|[.,]\d)")
PLAIN_URL_HINT = re.compile(indicators._DOT + r"[^\W\d_]|//|\d\.\d{1,3}[/:]", re.IGNORECASE)
PLAIN_DIGIT_RUN = re.compile(r"\d+(?:[ .\-,]\d+)*")

LETTERS = "aAlLkKoOjJdDcCgGtTrRhHxX"
text_of = st.text(alphabet=LETTERS + "0123456789$ .-_,/@(:[]{}\t\n\u3000đà", max_size=40)


def _spans(pattern: re.Pattern[str], s: str) -> list[tuple[int, int]]:
    return [m.span() for m in pattern.finditer(s)]


@settings(max_examples=400)
@given(text_of)
def test_hints_say_yes_exactly_when_the_plain_patterns_do(s: str) -> None:
    assert bool(normalize._CAPS_L_HINT.search(s)) == bool(PLAIN_CAPS_L.search(s))
    assert bool(normalize._LEET_HINT.search(s)) == bool(PLAIN_LEET.search(s))
    assert bool(normalize._SPACED_HINT.search(s)) == bool(PLAIN_SPACED.search(s))
    assert normalize._needs_ws_fix(s) == bool(PLAIN_WS_HINT.search(s))
    assert bool(indicators._URL_HINT.search(s)) == bool(PLAIN_URL_HINT.search(s))


@settings(max_examples=400)
@given(text_of)
def test_digit_first_patterns_find_the_same_spans(s: str) -> None:
    assert _spans(indicators._SHORT_NUM, s) == _spans(PLAIN_SHORT_NUM, s)
    assert _spans(indicators._ACCOUNT_RE, s) == _spans(PLAIN_ACCOUNT, s)
    long_runs = [(a, b) for a, b in _spans(PLAIN_DIGIT_RUN, s) if b - a >= 8]
    fast_runs = [(a, b) for a, b in _spans(indicators._DIGIT_RUN, s) if b - a >= 8]
    assert fast_runs == long_runs


@settings(max_examples=400)
@given(st.text(alphabet="kojdcgthrsa/(.-@: ,\n_1", max_size=30))
def test_teencode_matches_are_those_of_the_single_pattern(s: str) -> None:
    fast = [m.span(1) for m in normalize._teen_matches(s)]
    assert fast == [m.span(1) for m in normalize._TEEN_RE.finditer(s)]


def _collapse(pattern: re.Pattern[str], s: str) -> tuple[str, list[int] | None]:
    end = len(s)

    def ws(m: re.Match[str]) -> str:
        return "" if m.start() == 0 or m.end() == end else " "

    return normalize._sub(s, list(range(len(s))), pattern, ws)


@settings(max_examples=400)
@given(st.text(alphabet="ab \t\n\r\x0b\u3000\u2028", max_size=16))
def test_whitespace_runs_collapse_as_with_plain_whitespace(s: str) -> None:
    assert _collapse(normalize._WS_RE, s) == _collapse(PLAIN_WS, s)
    spaces_only = s.replace("\t", " ").replace("\n", " ").replace("\r", " ")
    spaces_only = re.sub(r"[^ab ]", "", spaces_only)
    assert _collapse(normalize._WS_RE_ASCII, spaces_only) == _collapse(PLAIN_WS, spaces_only)


@given(st.text(max_size=60))
def test_kept_indices_match_the_fold_table(s: str) -> None:
    table = normalize._FOLD_TABLE
    assert normalize._kept_indices(s) == [i for i, ch in enumerate(s) if table[ord(ch)]]


# Vietnamese letters, joiners, combining marks, a surrogate, emoji, look-alikes, controls.
WIDE = "aàảđĐƯướỹ lLqQ0 \t\u200b\u200d\u0301\u0323\ud800\U0001f389ｈⅫǅ\x07"


@settings(max_examples=200)
@given(st.lists(st.text(alphabet=WIDE, max_size=30), max_size=12))
def test_normalize_many_equals_normalize_one_by_one(texts: list[str]) -> None:
    # Enough non-ASCII texts to take the numpy path, which folds them all at once.
    batch = [*texts, "ạ", "ệ", "ở", "ừ"]
    assert normalize.normalize_many(batch) == [normalize.normalize(t) for t in batch]


@settings(max_examples=200)
@given(st.lists(st.text(alphabet=WIDE, min_size=1, max_size=30), max_size=8))
def test_numpy_fold_equals_the_translate_table(texts: list[str]) -> None:
    table = normalize._FOLD_TABLE
    expected = [
        (s.translate(table), None if all(table[ord(c)] for c in s) else normalize._kept_indices(s))
        for s in texts
    ]
    assert normalize._fold_codes_many(texts) == expected


@settings(max_examples=400)
@given(st.text(alphabet="kojdcgthrsaq/(.-@: ,\n_1é🎉", max_size=30))
def test_teencode_pre_check_never_misses_a_match(s: str) -> None:
    if not normalize._may_have_teencode(s):
        assert list(normalize._teen_matches(s)) == []


SHORTCODE_WORDS = ["gui", "den", "toi", "nhan", "tin", "dau so", "tong dai", "goi", "call", "sms"]
shortcode_text = st.lists(
    st.sampled_from(
        [*SHORTCODE_WORDS, "hotline", "lien he", " ", ":", "\t", "\u3000", "x", "#", "1"]
    ),
    max_size=12,
).map("".join)


@settings(max_examples=600)
@given(shortcode_text, st.integers(min_value=0, max_value=60))
def test_shortcode_word_pre_check_never_misses_a_match(s: str, start: int) -> None:
    start = min(start, len(s))
    if indicators._SHORTCODE_BEFORE.search(s, max(0, start - 20), start):
        assert indicators._may_follow_shortcode_word(s, start)


def test_shortcode_word_ends_are_those_of_the_pattern() -> None:
    words = ["gui", "gui den", "gui toi", "nhan den", "nhan toi", "nhan tin den", "dau so"]
    words += ["tong dai", "goi", "call", "sms", "hotline", "lien he"]
    for word in words:
        assert indicators._SHORTCODE_BEFORE.search(f"x {word} : ")
    # The words above are all the pattern's alternatives: a change to it must revisit the ends.
    assert indicators._SHORTCODE_BEFORE.pattern == (
        r"\b(?:gui(?: den| toi)?|nhan(?: tin)? (?:den|toi)|dau so|tong dai|goi|call|sms|hotline"
        r"|lien he)\s*:?\s*$"
    )
    assert {w[-1] for w in words} == set(indicators._SHORTCODE_WORD_ENDS)
