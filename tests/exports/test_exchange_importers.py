"""Importers: partner files become records; bad rows become errors with line numbers."""

from __future__ import annotations

import contextlib
import random
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
import yaml

from canhgiac.exports.importers import guess_kind, read_indicators, values_of

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "exports"
EXPECTED: dict[str, Any] = yaml.safe_load(
    (FIXTURES / "imports_expected.yaml").read_text(encoding="utf-8")
)
NOW = datetime(2026, 11, 27, 12, tzinfo=UTC)


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_fixture_file_imports_values_and_reports_bad_rows(name: str) -> None:
    case = EXPECTED[name]
    data = (FIXTURES / name).read_bytes()
    records, errors = read_indicators(data, case["fmt"], source="partner", now=NOW)
    assert values_of(records) == {tuple(v) for v in case["values"]}
    assert len(records) == len(case["values"])
    assert sorted({e.line for e in errors}) == case["error_lines"], errors
    assert all(e.message for e in errors)
    for r in records:
        assert r.source == "partner"
        assert r.first_seen.utcoffset() is not None and r.last_seen >= r.first_seen


def test_csv_fields_are_read() -> None:
    records, _ = read_indicators((FIXTURES / "partner.csv").read_bytes(), "csv", "p", now=NOW)
    by_key = {r.key: r for r in records}
    bank = by_key[("domain", "fake-bank.vn")]
    assert (bank.confidence, bank.case_ref, bank.category) == (0.9, "VV-1", "phishing")
    assert bank.first_seen == datetime(2026, 11, 1, tzinfo=UTC)
    url = by_key[("url", "http://fake-bank.vn/login")]
    assert url.confidence == 0.85  # "85" read as a percentage
    assert url.first_seen == datetime(2026, 10, 31, 17, tzinfo=UTC)  # +07:00 converted to UTC
    assert by_key[("phone", "+84912345678")].first_seen == NOW  # missing time: import time
    assert by_key[("ip", "203.0.113.9")].status == "expired"


def test_misp_and_stix_details() -> None:
    misp, _ = read_indicators((FIXTURES / "misp_event.json").read_bytes(), "misp", "p", now=NOW)
    by_key = {r.key: r for r in misp}
    assert by_key[("email", "scam@partner-phish.com")].status == "expired"  # to_ids false
    assert by_key[("url", "https://partner-phish.com/otp")].description == "OTP harvesting"
    assert by_key[("domain", "partner-phish.com")].last_seen == datetime(2026, 11, 21, tzinfo=UTC)
    stix, _ = read_indicators((FIXTURES / "stix_bundle.json").read_bytes(), "stix", "p", now=NOW)
    by_key = {r.key: r for r in stix}
    assert by_key[("domain", "stix-phish.com")].confidence == 0.75
    email = by_key[("email", "o'brien@stix-phish.com")]
    assert email.status == "expired" and email.expires_at == datetime(2027, 1, 1, tzinfo=UTC)


@pytest.mark.parametrize(
    ("data", "fmt", "message"),
    [
        (b"\xff\xfe\x00garbage", "txt", "UTF-8"),
        ("a\x00b", "txt", "nhị phân"),
        ("{not json", "misp", "JSON"),
        ('{"hello": 1}', "misp", "MISP"),
        ("[1, 2]", "misp", "MISP"),
        ("{not json", "stix", "JSON"),
        ('"just a string"', "stix", "STIX"),
        ('{"type": "bundle", "objects": 5}', "stix", "objects"),
        ("domain,confidence\nevil.com,1\n", "csv", "value"),
        ("", "csv", "value"),
        ("evil.com", "xlsx", "định dạng"),
    ],
)
def test_unusable_file_raises_clear_value_error(data: bytes | str, fmt: str, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        read_indicators(data, fmt, source="p")


@pytest.mark.parametrize(
    ("raw", "kind"),
    [
        ("evil.com", "domain"),
        ("EVIL[.]com", "domain"),
        ("sub.evil.com.vn", "domain"),
        ("hxxp://evil[.]com/x", "url"),
        ("https://1.2.3.4/login", "url"),
        ("www.evil.com/path", "url"),
        ("a@b.vn", "email"),
        ("a[at]b[.]vn", "email"),
        ("1.2.3.4", "ip"),
        ("2001:db8::1", "ip"),
        ("0912345678", "phone"),
        ("+84 912 345 678", "phone"),
        ("+1 202 555 0143", "phone"),
        ("19036868", None),  # hotline-like: neither a mobile nor a plausible account
        ("123456789012", "bank_account"),
        ("hello world", None),
        ("", None),
        ("evil", None),
    ],
)
def test_guess_kind(raw: str, kind: str | None) -> None:
    assert guess_kind(raw) == kind


def test_random_bytes_never_raise_anything_but_value_error() -> None:
    rng = random.Random(11)
    for fmt in ("csv", "txt", "misp", "stix"):
        for _ in range(50):
            blob = bytes(rng.randrange(256) for _ in range(rng.randrange(1, 200)))
            with contextlib.suppress(ValueError):
                read_indicators(blob, fmt, source="fuzz")
