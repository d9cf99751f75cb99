"""Export then import gives back the same (kind, value) set, format by format."""

from __future__ import annotations

import json
from collections.abc import Callable

import pytest

from canhgiac.exports.csv_export import to_csv
from canhgiac.exports.hosts import to_hosts
from canhgiac.exports.importers import read_indicators, values_of
from canhgiac.exports.indicator_record import ExportMeta, IndicatorRecord
from canhgiac.exports.misp import to_misp_event
from canhgiac.exports.phones import to_phones_csv
from canhgiac.exports.rpz import blocked_domains
from canhgiac.exports.stix import to_stix_bundle


def _not_false_positive(records: list[IndicatorRecord], meta: ExportMeta) -> set[tuple[str, str]]:
    return {r.key for r in records if r.status != "false_positive"}


def _blocked(records: list[IndicatorRecord], meta: ExportMeta) -> set[tuple[str, str]]:
    return {("domain", d) for d in blocked_domains(records, meta)}


def _phones(records: list[IndicatorRecord], meta: ExportMeta) -> set[tuple[str, str]]:
    return {r.key for r in records if r.kind == "phone" and r.status == "active"}


CASES: list[tuple[str, Callable[..., object], str, Callable[..., set[tuple[str, str]]]]] = [
    ("csv", to_csv, "csv", lambda recs, meta: {r.key for r in recs}),
    ("hosts", to_hosts, "txt", _blocked),
    ("phones", to_phones_csv, "csv", _phones),
    ("misp", lambda recs, meta: json.dumps(to_misp_event(recs, meta)), "misp", _not_false_positive),
    ("stix", to_stix_bundle, "stix", _not_false_positive),
]


@pytest.mark.parametrize(("name", "writer", "fmt", "expected"), CASES, ids=[c[0] for c in CASES])
def test_round_trip_keeps_kind_and_value(
    name: str,
    writer: Callable[..., object],
    fmt: str,
    expected: Callable[..., set[tuple[str, str]]],
    records: list[IndicatorRecord],
    meta: ExportMeta,
) -> None:
    exported = writer(records, meta)
    assert isinstance(exported, str)
    got, errors = read_indicators(exported.encode("utf-8"), fmt, source="partner")
    assert errors == []
    assert values_of(got) == expected(records, meta)
    assert len(values_of(got)) >= 2


def test_csv_round_trip_keeps_every_field(records: list[IndicatorRecord], meta: ExportMeta) -> None:
    got, errors = read_indicators(to_csv(records, meta), "csv", source="partner")
    assert errors == []
    by_key = {r.key: r for r in got}
    for r in records:
        back = by_key[r.key]
        assert (back.status, back.confidence, back.first_seen, back.last_seen, back.expires_at) == (
            r.status,
            r.confidence,
            r.first_seen,
            r.last_seen,
            r.expires_at,
        )
        assert (back.description, back.case_ref, back.category) == (
            r.description,
            r.case_ref,
            r.category,
        )


def test_stix_round_trip_keeps_confidence_and_expiry(
    records: list[IndicatorRecord], meta: ExportMeta
) -> None:
    got, _ = read_indicators(to_stix_bundle(records, meta), "stix", source="partner")
    by_key = {r.key: r for r in got}
    old = by_key[("domain", "old-scam.net")]
    assert old.expires_at is not None and old.expires_at.month == 6
    assert by_key[("domain", "vietcombank-xacthuc.com")].confidence == 0.95
    assert by_key[("domain", "retired.example.org")].status == "expired"
