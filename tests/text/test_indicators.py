"""Indicator extraction table, defang/refang, phone normalisation and public suffixes."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import given
from hypothesis import strategies as st

from canhgiac.text.indicators import (
    Indicator,
    defang,
    extract_indicators,
    host_of,
    is_shortener,
    normalize_phone,
    normalize_url,
    refang,
    registered_domain,
)
from canhgiac.text.normalize import normalize

ROWS: list[dict[str, Any]] = yaml.safe_load(
    (Path(__file__).parents[1] / "fixtures" / "text" / "indicators.yaml").read_text("utf-8")
)


def test_table_is_large_enough() -> None:
    assert len(ROWS) >= 40


@pytest.mark.parametrize("row", ROWS, ids=[r["name"] for r in ROWS])
def test_indicator_table(row: dict[str, Any]) -> None:
    found = extract_indicators(row["text"])
    assert [(i.kind, i.value, i.raw) for i in found] == [tuple(e[:3]) for e in row["expect"]]
    for ind, expected in zip(found, row["expect"], strict=True):
        assert row["text"][ind.start : ind.end] == ind.raw
        extra = expected[3] if len(expected) > 3 else {}
        for field, value in extra.items():
            assert getattr(ind, field) == value, field


def test_sorted_by_start_and_reusing_normalized() -> None:
    text = "gọi 0912345678, stk 0071000912345 Vietcombank, xem evil.top/x"
    found = extract_indicators(text, normalize(text))
    assert [i.start for i in found] == sorted(i.start for i in found)
    assert found == extract_indicators(text)


def test_to_dict_is_plain() -> None:
    (ind,) = extract_indicators("bit.ly/abc")
    d = ind.to_dict()
    assert d["kind"] == "url" and d["shortener"] is True and d["value"] == "http://bit.ly/abc"
    assert isinstance(ind, Indicator)


@pytest.mark.parametrize(
    ("defanged", "plain"),
    [
        ("hxxp://evil[.]com", "http://evil.com"),
        ("hxxps[:]//evil(.)com/a", "https://evil.com/a"),
        ("evil(dot)com", "evil.com"),
        ("evil[dot]com", "evil.com"),
        ("evil{.}com", "evil.com"),
        ("a[at]b[.]com", "a@b.com"),
        ("a(at)b(.)com", "a@b.com"),
        ("evil [.] com", "evil.com"),
        ("plain text (no change)", "plain text (no change)"),
    ],
)
def test_refang(defanged: str, plain: str) -> None:
    assert refang(defanged) == plain


@pytest.mark.parametrize(
    ("plain", "defanged"),
    [
        ("http://evil.com/a.php", "hxxp://evil[.]com/a.php"),
        ("https://a.b.evil.com", "hxxps://a[.]b[.]evil[.]com"),
        ("evil.com", "evil[.]com"),
        ("a@b.com", "a[@]b[.]com"),
    ],
)
def test_defang(plain: str, defanged: str) -> None:
    assert defang(plain) == defanged
    assert refang(defang(plain)) == plain


_LABEL = st.from_regex(r"[a-z0-9]([a-z0-9\-]{0,8}[a-z0-9])?", fullmatch=True)


@given(
    st.sampled_from(["http://", "https://", ""]),
    st.lists(_LABEL, min_size=1, max_size=3),
    st.sampled_from(["com", "vn", "com.vn", "top"]),
    st.from_regex(r"(/[A-Za-z0-9_.\-]{0,10}){0,3}", fullmatch=True),
)
def test_defang_refang_round_trip(scheme: str, labels: list[str], tld: str, path: str) -> None:
    url = scheme + ".".join([*labels, tld]) + path
    assert refang(defang(url)) == url
    assert "." not in defang(url).split("/")[2 if scheme else 0].replace("[.]", "")


@pytest.mark.parametrize(
    ("raw", "e164"),
    [
        ("0912345678", "+84912345678"),
        ("0912 345 678", "+84912345678"),
        ("0912.345.678", "+84912345678"),
        ("091-234-5678", "+84912345678"),
        ("+84 912 345 678", "+84912345678"),
        ("84912345678", "+84912345678"),
        ("(+84)912345678", "+84912345678"),
        ("024 3826 1234", "+842438261234"),
        ("0012345678", None),
        ("12345", None),
        ("+1 650 253 0000", None),
    ],
)
def test_normalize_phone(raw: str, e164: str | None) -> None:
    assert normalize_phone(raw) == e164


@pytest.mark.parametrize(
    ("host", "expected"),
    [
        ("x.vietcombank.com.vn", "vietcombank.com.vn"),
        ("vietcombank.com.vn", "vietcombank.com.vn"),
        ("a.b.evil.top", "evil.top"),
        ("WWW.Example.COM.", "example.com"),
        ("https://user@sub.evil.com:8080/x", "evil.com"),
        ("evil.github.io", "evil.github.io"),
        ("com.vn", None),
        ("localhost", None),
        ("file.txt", None),
    ],
)
def test_registered_domain(host: str, expected: str | None) -> None:
    assert registered_domain(host) == expected


def test_url_helpers() -> None:
    assert normalize_url("HXXPS://Evil[.]COM/Path") == "https://evil.com/Path"
    assert normalize_url("evil.com") == "http://evil.com/"
    assert host_of("https://a.Evil.com:443/x") == "a.evil.com"
    assert is_shortener("bit.ly") and is_shortener("www.bit.ly") and not is_shortener("bitly.vn")


@given(st.text(max_size=120))
def test_extract_never_raises_and_spans_are_exact(text: str) -> None:
    for ind in extract_indicators(text):
        assert 0 <= ind.start < ind.end <= len(text)
        assert text[ind.start : ind.end] == ind.raw
