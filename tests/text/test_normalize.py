"""Normalisation: every obfuscation folds away, and offsets lead back to the original."""

from __future__ import annotations

import unicodedata
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import given
from hypothesis import strategies as st

from canhgiac.text.normalize import canonical_tones, fold, normalize, strip_diacritics

TABLE: dict[str, list[dict[str, Any]]] = yaml.safe_load(
    (Path(__file__).parents[1] / "fixtures" / "text" / "normalize.yaml").read_text("utf-8")
)


@pytest.mark.parametrize("case", TABLE["fold"], ids=[c["name"] for c in TABLE["fold"]])
def test_fold_table(case: dict[str, str]) -> None:
    assert fold(case["input"]) == case["folded"]
    assert normalize(case["input"]).folded == case["folded"]


@pytest.mark.parametrize("case", TABLE["text"], ids=[c["input"] for c in TABLE["text"]])
def test_text_form(case: dict[str, str]) -> None:
    assert normalize(case["input"]).text == case["text"]


@pytest.mark.parametrize("case", TABLE["strip"], ids=[c["input"] for c in TABLE["strip"]])
def test_strip_diacritics(case: dict[str, str]) -> None:
    assert strip_diacritics(case["input"]) == case["plain"]


def test_all_spellings_of_lua_dao_fold_alike() -> None:
    spellings = ["lừa đảo", "lua dao", "LỪA ĐẢO", "l-u-a d.a.o", "1ừa đả0", "Lừa Đảo"]
    spellings.append(unicodedata.normalize("NFD", "lừa đảo"))
    assert {fold(s) for s in spellings} == {"lua dao"}


def test_canonical_tones_is_idempotent_and_nfc() -> None:
    once = canonical_tones(unicodedata.normalize("NFD", "hoà khoẻ thuỷ"))
    assert once == "hòa khỏe thủy"
    assert canonical_tones(once) == once
    assert unicodedata.is_normalized("NFC", once)


def test_original_is_kept_untouched() -> None:
    raw = "Vіеtсоmbаnk\u200b ko"
    assert normalize(raw).original == raw


@pytest.mark.parametrize(
    ("raw", "word", "expected"),
    [
        ("Bạn ko   nhận dc quà", "khong", "ko"),
        ("Bạn ko   nhận dc quà", "duoc", "dc"),
        ("Bạn ko   nhận dc quà", "nhan", "nhận"),
        ("Nhấn l.ừ.a đ.ả.o ngay", "lua", "l.ừ.a"),
        ("x lu\u0300a y", "lua", "lu\u0300a"),
        ("Vіеtс\u200bоmbаnk.com", "vietcombank", "Vіеtс\u200bоmbаnk"),
        ("Gửi tk   ngay", "tai khoan", "tk"),
    ],
)
def test_to_original_maps_folded_span_back(raw: str, word: str, expected: str) -> None:
    n = normalize(raw)
    start = n.folded.index(word)
    a, b = n.to_original(start, start + len(word))
    assert raw[a:b] == expected


def test_offsets_shape() -> None:
    n = normalize("  Hoà\u200b  bình ko ")
    assert len(n.offsets) == len(n.folded) + 1
    assert n.offsets[-1] == len(n.original)


@given(st.text(max_size=80))
def test_normalize_never_raises_and_offsets_are_sane(raw: str) -> None:
    n = normalize(raw)
    assert len(n.offsets) == len(n.folded) + 1
    assert n.offsets[-1] == len(raw)
    assert all(0 <= o <= len(raw) for o in n.offsets)
    assert list(n.offsets) == sorted(n.offsets)
    prev_start = prev_end = 0
    for i in range(len(n.folded) + 1):
        a, b = n.to_original(i, len(n.folded))
        assert 0 <= a <= b <= len(raw)
        assert a >= prev_start
        prev_start = a
        c, d = n.to_original(0, i)
        assert 0 <= c <= d <= len(raw)
        assert d >= prev_end
        prev_end = d


@given(st.text(alphabet="aăâeêioôơuưyđàáảãạằắẳẵặ .-_0123456789kKdcDC\u200b\u0300", max_size=60))
def test_fold_is_stable_on_vietnamese_alphabet(raw: str) -> None:
    folded = fold(raw)
    assert folded == folded.strip()
    assert "  " not in folded
    assert folded == folded.lower()


def test_text_fast_path_covers_every_changed_character() -> None:
    # normalize() skips the `text` translation when the hint finds nothing to change.
    from canhgiac.text import normalize as module

    missed = [
        hex(cp)
        for cp in range(0x10000)
        if not 0xD800 <= cp <= 0xDFFF
        and module._text_char(chr(cp)) != chr(cp)
        and not module._TEXT_HINT.search(chr(cp))
    ]
    assert missed == []
