"""Look-alike detection against the shipped registry of protected official domains."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import given
from hypothesis import strategies as st

from canhgiac.detect.lookalike import LookalikeDetector, LookalikeHit, load_registry
from canhgiac.text.indicators import registered_domain

TABLE: dict[str, Any] = yaml.safe_load(
    (Path(__file__).parents[1] / "fixtures" / "text" / "lookalike.yaml").read_text("utf-8")
)
TECHNIQUES = {"typosquat", "homograph", "brand_in_subdomain", "brand_plus_word", "tld_swap"}


@pytest.fixture(scope="module")
def detector() -> LookalikeDetector:
    return LookalikeDetector.default()


@pytest.mark.parametrize("case", TABLE["positives"], ids=[c["host"] for c in TABLE["positives"]])
def test_positives(detector: LookalikeDetector, case: dict[str, str]) -> None:
    hit = detector.check(case["host"])
    assert hit is not None
    assert (hit.technique, hit.official) == (case["technique"], case["official"])
    assert 0.0 < hit.score <= 1.0
    assert hit.official in hit.explanation and "Tên miền" in hit.explanation


def test_every_technique_has_positives() -> None:
    assert {c["technique"] for c in TABLE["positives"]} == TECHNIQUES


@pytest.mark.parametrize("host", TABLE["negatives"])
def test_negatives(detector: LookalikeDetector, host: str) -> None:
    assert detector.check(host) is None


def test_at_least_twenty_negatives() -> None:
    assert len(TABLE["negatives"]) >= 20


def test_explanation_names_the_swap(detector: LookalikeDetector) -> None:
    hit = detector.check("vietc0mbank.com")
    assert hit == LookalikeHit(
        "vietc0mbank.com",
        "vietcombank.com.vn",
        "vietcombank",
        "typosquat",
        0.9,
        "Tên miền 'vietc0mbank.com' giả mạo 'vietcombank.com.vn' (thay chữ o bằng số 0)",
    )


def test_default_is_built_once() -> None:
    assert LookalikeDetector.default() is LookalikeDetector.default()


def test_every_official_domain_is_not_flagged(detector: LookalikeDetector) -> None:
    for entry in detector.entries:
        for domain in (entry.domain, *entry.also):
            assert detector.check(domain) is None, domain
            assert detector.check("www." + domain) is None, domain


def test_registry_is_well_formed() -> None:
    entries = load_registry()
    assert len(entries) >= 150
    domains = [e.domain for e in entries]
    assert len(domains) == len(set(domains))
    sectors = {"government", "bank", "e_wallet", "telecom", "utility", "delivery", "ecommerce"}
    assert sectors <= {e.sector for e in entries}
    for entry in entries:
        assert registered_domain(entry.domain) is not None, entry.domain
        assert entry.name.strip(), entry.domain
        assert all(b == b.lower() and b.isalnum() for b in entry.brands), entry.domain


def test_a_custom_registry_is_honoured() -> None:
    text = (
        "version: 1\ndomains:\n"
        "  - {domain: baolac.example.vn, name: Huyện Bảo Lạc, sector: government, brands: [baolac]}\n"
    )
    detector = LookalikeDetector(load_registry(text))
    hit = detector.check("baolac-hotro.com")
    assert hit is not None and hit.technique == "brand_plus_word"
    assert detector.check("www.example.vn") is None


@given(st.text(max_size=60))
def test_check_never_raises(text: str) -> None:
    hit = LookalikeDetector.default().check(text)
    assert hit is None or 0.0 < hit.score <= 1.0


@given(st.from_regex(r"[a-z0-9\-]{1,20}\.(com|vn|com\.vn|xyz|top|gov\.vn)", fullmatch=True))
def test_subdomains_of_official_domains_stay_clean(label: str) -> None:
    assert LookalikeDetector.default().check(f"{label}.vietcombank.com.vn") is None
