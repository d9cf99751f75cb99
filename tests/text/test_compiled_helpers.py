"""The optional C helpers (canhgiac.text._fast) answer exactly what their pure-Python twins do.

The package runs without the compiled module (no compiler at install); these tests compare each
helper with the regular expression it replaces, and whole normalisation and indicator extraction
with and without the module.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from unittest import mock

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import canhgiac.text.indicators as indicators
import canhgiac.text.normalize as normalize
from canhgiac.detect.rules import RuleSet
from canhgiac.detect.training import load_fixtures

fast = pytest.importorskip("canhgiac.text._fast")

# Letters, digits of other scripts ("٣" is a decimal digit, "²" and "Ⅷ" are not), "_", "$",
# separators, every kind of whitespace, and characters beyond Latin-1 and the BMP.
ALPHABET = "aAlLkKoO0123456789$ .-_,:/@\t\n\r\x0b\x0c\x1c\u00a0\u3000\u2028é²٣Ⅷđà🎉\u200b"
text_of = st.text(alphabet=ALPHABET, max_size=40)
ascii_text = st.text(alphabet="kojdcgthrsaqbxyz09_ /.-@:,\n", max_size=40)


@settings(max_examples=500)
@given(text_of, st.integers(min_value=-2, max_value=45))
def test_first_digit(s: str, pos: int) -> None:
    m = indicators._ANY_DIGIT.search(s, max(pos, 0))
    assert fast.first_digit(s, pos) == (m.start() if m else -1)
    assert fast.first_digit(s) == indicators._py_first_digit(s)


LEET_TEXT = st.text(alphabet="aAlLkKoOxé²٣Ⅷ0123456789$@ .-_,/\n", max_size=40)


@settings(max_examples=1500)
@given(LEET_TEXT)
def test_leet_pre_check_never_misses_a_change(s: str) -> None:
    if not fast.leet_may_change(s, normalize._LEET_CHARS_STR):
        saved = normalize._fast
        normalize._fast = None  # type: ignore[assignment]
        try:
            assert normalize._fold_leet_all(s) == s
        finally:
            normalize._fast = saved


@settings(max_examples=500)
@given(LEET_TEXT)
def test_leet_folding_with_and_without_the_pre_check(s: str) -> None:
    compiled = normalize._fold_leet_all(s)
    with _pure_python():
        assert normalize._fold_leet_all(s) == compiled


@settings(max_examples=800)
@given(st.text(alphabet="ab é٣²_ .-_x1", max_size=30))
def test_spaced_hint(s: str) -> None:
    assert fast.spaced_hint(s) == normalize._py_spaced_hint(s)


@settings(max_examples=500)
@given(text_of)
def test_needs_ws_fix(s: str) -> None:
    assert fast.needs_ws_fix(s) == normalize._py_needs_ws_fix(s)


@settings(max_examples=500)
@given(st.lists(st.sampled_from(["ko", "k", "kg", "dc", "tk", "a/c", "ab", "k0", " ", ".", "_"])))
def test_word_runs_of_teencode(parts: list[str]) -> None:
    s = "".join(parts)
    runs = set(re.findall(r"[A-Za-z0-9_]+", s))
    expected = not normalize._TEEN_RUNS_ASCII.isdisjoint(runs)
    args = (normalize._TEEN_RUNS_ASCII, normalize._TEEN_LONGEST, normalize._TEEN_BITMAP)
    assert fast.has_word_run(s, *args) == expected


@settings(max_examples=500)
@given(st.text(alphabet="kojdctgé٣_ /.-\u00a0🎉Ａ", max_size=30))
def test_word_runs_on_any_text(s: str) -> None:
    runs = set(re.findall(r"\w+", s))
    expected = not normalize._TEEN_RUNS_ASCII.isdisjoint(runs)
    args = (normalize._TEEN_RUNS_ASCII, normalize._TEEN_LONGEST, normalize._TEEN_BITMAP)
    assert fast.has_word_run(s, *args) == expected


@settings(max_examples=300)
@given(ascii_text)
def test_word_runs_on_any_ascii_text(s: str) -> None:
    words = s.encode("ascii").translate(normalize._ASCII_NON_WORD_BYTES).split()
    expected = not normalize._TEEN_RUNS_BYTES.isdisjoint(words)
    args = (normalize._TEEN_RUNS_ASCII, normalize._TEEN_LONGEST, normalize._TEEN_BITMAP)
    assert fast.has_word_run(s, *args) == expected


def test_every_invisible_character_is_beyond_ascii() -> None:
    # _without_invisible skips ASCII text on the strength of this.
    assert not any(ch.isascii() for ch in normalize.INVISIBLE)


@contextmanager
def _pure_python() -> Iterator[None]:
    """Normalisation and indicators as they run when the C module is not built."""
    fallbacks = (
        (normalize, "_fast", None),
        (normalize, "_TEEN_RUNS_C", False),
        (normalize, "_spaced_hint", normalize._py_spaced_hint),
        (normalize, "_needs_ws_fix", normalize._py_needs_ws_fix),
        (indicators, "_fast", None),
        (indicators, "_first_digit", indicators._py_first_digit),
        (indicators, "_digit_scan", indicators._py_digit_scan),
    )
    with ExitStack() as stack:
        for module, name, value in fallbacks:
            stack.enter_context(mock.patch.object(module, name, value))
        yield


def _messages() -> list[str]:
    texts = [row.text for row in load_fixtures()]
    texts += [e for rule in RuleSet.default().rules for e in (*rule.positive, *rule.negative)]
    texts += [t.upper() for t in texts[:200]] + [" ".join(t) for t in texts[:100]]
    return [*texts, "", " ", "l.ừ.a đ.ả.o", "n h ậ n  q u à", "Gọi 0912.345.678 ngay", "h3ll0 k0"]


def _outputs(texts: list[str]) -> list[object]:
    return [
        (normalize.normalize(t), normalize.fold(t), indicators.extract_indicators(t)) for t in texts
    ] + [normalize.normalize_many(texts)]


def test_normalisation_and_indicators_with_and_without_the_c_module() -> None:
    texts = _messages()
    compiled = _outputs(texts)
    with _pure_python():
        plain = _outputs(texts)
    assert compiled == plain


@settings(max_examples=300)
@given(st.lists(text_of, max_size=6))
def test_random_text_with_and_without_the_c_module(texts: list[str]) -> None:
    compiled = _outputs(texts)
    with _pure_python():
        plain = _outputs(texts)
    assert compiled == plain


# --- the non-ASCII text form: one C pass for the table, NFC and tone checks -----------------


def _old_text_hint() -> re.Pattern[str]:
    """The character class as it was built before the bitmap existed."""
    format_chars = [chr(c) for c in range(0x80, 0x10000) if unicodedata.category(chr(c)) == "Cf"]
    chars = "".join(sorted({*normalize.INVISIBLE, *normalize.CONFUSABLES, *format_chars}))
    return re.compile(
        "[" + re.escape(chars) + "\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\uff01-\uff5e\u2460-\u24ff]"
    )


def test_text_hint_bitmap_and_pattern_are_the_old_character_class() -> None:
    old = _old_text_hint()
    bits = normalize._TEXT_HINT_BITS
    for cp in range(0x10000):
        ch = chr(cp)
        in_old = old.match(ch) is not None
        assert (normalize._TEXT_HINT.match(ch) is not None) == in_old, hex(cp)
        assert bool(bits[cp >> 3] >> (cp & 7) & 1) == in_old, hex(cp)


def _composition_seconds() -> set[int]:
    """Every character that is the second of a canonical pair (a composition may start)."""
    seconds = set(range(0x1161, 0x1176)) | set(range(0x11A8, 0x11C3))  # Hangul V and T jamo
    for cp in range(0x110000):
        mapping = unicodedata.decomposition(chr(cp))
        if mapping and not mapping.startswith("<") and len(mapping.split()) == 2:
            seconds.add(int(mapping.split()[1], 16))
    return seconds


def _safe_chars() -> list[str]:
    bits = normalize._nfc_safe_bits()
    return [chr(cp) for cp in range(0x20000) if bits[cp >> 3] >> (cp & 7) & 1]


def test_nfc_safe_characters_never_start_a_composition_with_what_precedes() -> None:
    seconds = _composition_seconds()
    safe = _safe_chars()
    assert len(safe) > 5000
    assert "ệ" in safe and "ư" in safe and "đ" in safe and "😀" in safe
    assert "\u0301" not in safe and "\u2126" not in safe  # a combining mark, a singleton
    for ch in safe:
        assert ord(ch) not in seconds, hex(ord(ch))
        assert ord(unicodedata.normalize("NFD", ch)[0]) not in seconds, hex(ord(ch))


SAFE = _safe_chars()


@settings(max_examples=500)
@given(st.lists(st.sampled_from(SAFE), max_size=30).map("".join))
def test_text_of_nfc_safe_characters_is_in_nfc(s: str) -> None:
    assert unicodedata.is_normalized("NFC", s)


def test_astral_change_bitmap() -> None:
    bits = normalize._astral_change_bits()
    for cp in range(0x10000, 0x20000):
        changed = normalize._TEXT_TABLE[cp] != chr(cp)
        assert bool(bits[(cp - 0x10000) >> 3] >> (cp & 7) & 1) == changed, hex(cp)


TONE_TEXT = st.text(
    alphabet="oOuUqQaAeEyYòóỏõọàáảãạèéẻẽẹỳýỷỹỵ hoàkhỏe\u0301\u0300\u200b🎉𝐀\uff21\x07é1_"
    "\U000e0001\U0001bca0\U00020000",
    max_size=30,
)


@settings(max_examples=800)
@given(TONE_TEXT)
def test_text_flags(s: str) -> None:
    flags = fast.text_flags(
        s,
        normalize._TEXT_HINT_BITS,
        normalize._astral_change_bits(),
        normalize._nfc_safe_bits(),
        normalize._TONED_SECOND,
    )
    changes = bool(normalize._TEXT_HINT.search(s)) or any(
        normalize._TEXT_TABLE[ord(ch)] != ch for ch in s if 0xFFFF < ord(ch) <= 0x1FFFF
    )
    assert bool(flags & 1) == changes
    if flags & 1:
        return  # the scan stops there: the full path follows
    assert bool(flags & 2) == any(ord(ch) > 0x1FFFF for ch in s)
    assert bool(flags & 8) == bool(normalize._TONE_RE.search(s))
    if not flags & 4:
        assert unicodedata.is_normalized("NFC", s)


@settings(max_examples=800)
@given(TONE_TEXT)
def test_text_form_with_and_without_the_c_module(s: str) -> None:
    expected = normalize.canonical_tones(
        s.translate(normalize._TEXT_TABLE) if normalize._text_changes(s) else s
    )
    assert normalize._clean_text(s) == expected


def test_vietnamese_tones() -> None:
    for s in ["hoà", "Khoẻ", "thuỷ", "quý", "HOÀ", "ho\u0300a", "hoà\u200b", "hoà 🎉", "Ｈoà"]:
        expected = normalize.canonical_tones(
            s.translate(normalize._TEXT_TABLE) if normalize._text_changes(s) else s
        )
        assert normalize._clean_text(s) == expected, s


# --- where the digit patterns of the indicators may start ------------------------------------

DIGIT_TEXT = st.text(alphabet="0123456789٣² .,-_#+()ak\n", max_size=40)


def _starts(pattern: re.Pattern[str], s: str, pos: int = 0) -> list[tuple[int, int]]:
    return [m.span() for m in pattern.finditer(s, pos)]


@settings(max_examples=1500)
@given(DIGIT_TEXT)
def test_digit_scan(s: str) -> None:
    patterns = (indicators._DIGIT_RUN, indicators._SHORT_NUM, indicators._ACCOUNT_RE)
    for scan in (fast.digit_scan, indicators._py_digit_scan):
        for pattern, pos in zip(patterns, scan(s), strict=True):
            everything = _starts(pattern, s)
            if pos < 0:
                assert everything == []
            else:
                assert _starts(pattern, s, pos) == everything
    phone, short, _ = fast.digit_scan(s)
    # The first two are exact: where the first match starts.
    assert phone == (everything[0][0] if (everything := _starts(patterns[0], s)) else -1)
    assert short == (everything[0][0] if (everything := _starts(patterns[1], s)) else -1)


SHORT_TEXT = st.lists(
    st.sampled_from(
        ["goi", "sms", "gui", "x", "#", " ", ":", "\t", "1234", "56789", "12", ".", ","]
    ),
    max_size=14,
).map("".join)


@settings(max_examples=1500)
@given(SHORT_TEXT)
def test_digit_scan_with_short_code_words(s: str) -> None:
    ends = indicators._SHORTCODE_WORD_ENDS_STR
    for scan in (fast.digit_scan, indicators._py_digit_scan):
        short = scan(s, ends)[1]
        kept = [
            m.start()
            for m in indicators._SHORT_NUM.finditer(s)
            if indicators._may_follow_shortcode_word(s, m.start())
        ]
        if short < 0:
            assert kept == []
        else:
            assert all(start >= short for start in kept)
            assert _starts(indicators._SHORT_NUM, s, short) == [
                span for span in _starts(indicators._SHORT_NUM, s) if span[0] >= short
            ]
    # The C scan is exact: the first match that the word check lets through.
    assert fast.digit_scan(s, ends)[1] == (kept[0] if kept else -1)


@settings(max_examples=800)
@given(st.text(alphabet="kojdc5$0l.-_ é٣\u3000\tabn", max_size=30))
def test_word_steps_is_any_of_the_four_checks(s: str) -> None:
    n = normalize
    args = (n._TEEN_RUNS_ASCII, n._TEEN_LONGEST, n._TEEN_BITMAP)
    expected = (
        fast.leet_may_change(s, n._LEET_CHARS_STR)
        or fast.spaced_hint(s)
        or fast.has_word_run(s, *args)
        or fast.needs_ws_fix(s)
    )
    assert fast.word_steps(s, n._LEET_CHARS_STR, *args) == expected


@settings(max_examples=1500)
@given(st.text(alphabet="./[](){}dDoOtT 1a_é\u0130\u212a:", max_size=20))
def test_url_pre_check_never_misses_a_hint(s: str) -> None:
    if indicators._URL_HINT.search(s):
        assert fast.url_may_match(s)


@settings(max_examples=500)
@given(st.text(alphabet="ab é\u200b\u200c\u00ad\ufeff\u2060🎉\u3164", max_size=20))
def test_invisible_bitmap(s: str) -> None:
    found = fast.any_in_bitmap(s, indicators._INVISIBLE_BITS)
    assert found == bool(indicators._INVISIBLE_RE.search(s))
