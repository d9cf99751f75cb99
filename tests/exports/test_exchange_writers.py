"""Block-list writers: RPZ, hosts, CSV, phones, MISP, STIX — content, safety, determinism."""

from __future__ import annotations

import csv
import io
import json
import os
import random
import shutil
import subprocess
import uuid
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
import stix2

from canhgiac.exports.csv_export import CSV_COLUMNS, safe_cell, to_csv
from canhgiac.exports.hosts import to_hosts
from canhgiac.exports.indicator_record import ExportMeta, IndicatorRecord
from canhgiac.exports.misp import to_misp_event
from canhgiac.exports.phones import to_phones_csv
from canhgiac.exports.rpz import to_rpz
from canhgiac.exports.stix import to_stix_bundle
from tests.exports.conftest import GENERATED_AT

BLOCKED = [
    "injected.example",
    "nhan-qua-tet.top",
    "vietcombank-xacthuc.com",
    "xn--vitcombank-m7a.com",
]

WRITERS: dict[str, Callable[[list[IndicatorRecord], ExportMeta], object]] = {
    "rpz": to_rpz,
    "hosts": to_hosts,
    "csv": to_csv,
    "phones": to_phones_csv,
    "misp": to_misp_event,
    "stix": to_stix_bundle,
}


@pytest.mark.parametrize("name", sorted(WRITERS))
def test_output_is_deterministic_whatever_the_input_order(
    name: str, records: list[IndicatorRecord], meta: ExportMeta
) -> None:
    shuffled = records[:]
    random.Random(5).shuffle(shuffled)
    assert WRITERS[name](records, meta) == WRITERS[name](shuffled, meta)


# --- RPZ --------------------------------------------------------------------------------------


def _rpz_owners(zone: str) -> list[str]:
    return [line.split()[0] for line in zone.splitlines() if line.endswith(" CNAME .")]


def test_rpz_blocks_active_domains_and_url_hosts_with_wildcards(
    records: list[IndicatorRecord], meta: ExportMeta
) -> None:
    zone = to_rpz(records, meta)
    owners = _rpz_owners(zone)
    assert owners == [d for b in BLOCKED for d in (b, f"*.{b}")]
    # expired, false positive, past expiry, link shortener, bare IP and a public suffix stay out
    for absent in ("old-scam.net", "wrongly-listed.vn", "retired.example.org", "bit.ly", "com.vn"):
        assert absent not in owners and f"*.{absent}" not in owners
    assert "$ORIGIN rpz.canhgiac.local." in zone
    assert f" {int(meta.generated_at.timestamp())} " in zone  # SOA serial from generated_at


def test_rpz_description_cannot_inject_zone_lines(
    records: list[IndicatorRecord], meta: ExportMeta
) -> None:
    zone = to_rpz(records, meta)
    for line in zone.splitlines():
        assert not line.startswith(("evil-injected.com", "$INCLUDE"))
        assert "rpz-passthru" not in line or line.startswith(";")


def test_rpz_never_block_and_bad_origin(records: list[IndicatorRecord], meta: ExportMeta) -> None:
    zone = to_rpz(records, meta, never_block=["Nhan-Qua-Tet.top"])
    assert "nhan-qua-tet.top" not in _rpz_owners(zone)
    with pytest.raises(ValueError):
        to_rpz(records, ExportMeta(origin="bad origin", generated_at=meta.generated_at))


def assert_zone_valid(zone: str, tmp_path: Path) -> None:
    """`named-checkzone -k fail` accepts the zone (skipped only outside CI without the binary)."""
    binary = shutil.which("named-checkzone")
    if binary is None:
        if os.environ.get("CI") == "true":
            pytest.fail("named-checkzone is required in CI (apt-get install bind9-utils)")
        pytest.skip("named-checkzone not installed (apt-get install bind9-utils)")
    zone_file = tmp_path / "rpz.zone"
    zone_file.write_text(zone, encoding="utf-8")
    result = subprocess.run(
        [binary, "-k", "fail", "rpz.canhgiac.local", str(zone_file)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "OK" in result.stdout


def test_rpz_is_accepted_by_named_checkzone(
    records: list[IndicatorRecord], meta: ExportMeta, tmp_path: Path
) -> None:
    meta = ExportMeta(generated_at=meta.generated_at, contact_email="it.team@baolac.gov.vn")
    assert_zone_valid(to_rpz(records, meta), tmp_path)


def _domain_record(value: str, kind: str = "domain") -> IndicatorRecord:
    seen = GENERATED_AT - timedelta(days=1)
    return IndicatorRecord(kind=kind, value=value, confidence=0.9, source="t", first_seen=seen,
                           last_seen=seen)  # fmt: skip


def _passthru_owners(zone: str) -> list[str]:
    return [line.split()[0] for line in zone.splitlines() if line.endswith(" CNAME rpz-passthru.")]


ALLOW = [
    "gov.example.com",  # under a blocked domain: passthru
    "Portal.Example.com.",  # same, written loosely
    "a.portal.example.com",  # covered by portal's own "*." passthru: no extra rule
    "unrelated.org",  # nothing blocked above it: no rule (the zone stays small)
    "com",  # public suffixes never allow anything
    "com.vn",
]


def test_rpz_allowed_subdomain_of_blocked_domain_gets_passthru(
    meta: ExportMeta, tmp_path: Path
) -> None:
    records = [
        _domain_record("example.com"),
        _domain_record("https://login.example.com/otp", "url"),
        _domain_record("x.gov.example.com"),  # under an allowed name: never blocked
        _domain_record("lua-dao.com.vn"),
    ]
    zone = to_rpz(records, meta, never_block=ALLOW)
    assert _rpz_owners(zone) == [
        d for b in ("example.com", "login.example.com", "lua-dao.com.vn") for d in (b, f"*.{b}")
    ]
    assert _passthru_owners(zone) == [
        "gov.example.com", "*.gov.example.com", "portal.example.com", "*.portal.example.com",
    ]  # fmt: skip
    assert "; generated 2026-11-27T00:00:00Z; 3 domains, 2 allowed" in zone
    assert to_rpz(records, meta, never_block=ALLOW[::-1]) == zone  # order does not matter
    assert_zone_valid(zone, tmp_path)


def test_rpz_allowed_parent_spares_its_subdomains(meta: ExportMeta) -> None:
    records = [_domain_record("a.b.evil.com"), _domain_record("evil.com.evil.net")]
    zone = to_rpz(records, meta, never_block=["evil.com"])
    assert _rpz_owners(zone) == ["evil.com.evil.net", "*.evil.com.evil.net"]
    assert _passthru_owners(zone) == []  # nothing blocked above evil.com
    hosts = to_hosts(records, meta, never_block=["evil.com"])
    assert "a.b.evil.com" not in hosts and "0.0.0.0 evil.com.evil.net" in hosts


# --- hosts, CSV, phones ----------------------------------------------------------------------


def test_hosts_file_lists_each_blocked_domain(
    records: list[IndicatorRecord], meta: ExportMeta
) -> None:
    lines = [ln for ln in to_hosts(records, meta).splitlines() if not ln.startswith("#")]
    assert lines == [f"0.0.0.0 {d}" for d in BLOCKED]


@pytest.mark.parametrize(
    ("cell", "expected"),
    [
        ('=HYPERLINK("http://x")', '\'=HYPERLINK("http://x")'),
        ("+cmd|' /C calc'!A0", "'+cmd|' /C calc'!A0"),
        ("-2+3", "'-2+3"),
        ("@SUM(A1)", "'@SUM(A1)"),
        ("\t=1", "'\t=1"),
        ("\r=1", "'\r=1"),
        ("+84912345678", "+84912345678"),
        ("-0.5", "-0.5"),
        ("Lừa đảo", "Lừa đảo"),
        ("", ""),
    ],
)
def test_safe_cell_neutralises_formulas(cell: str, expected: str) -> None:
    assert safe_cell(cell) == expected


def _read_csv(text: str) -> list[dict[str, str]]:
    assert text.startswith("\ufeff")
    return list(csv.DictReader(io.StringIO(text.removeprefix("\ufeff"))))


def test_csv_has_all_fields_and_no_live_formula(
    records: list[IndicatorRecord], meta: ExportMeta
) -> None:
    rows = _read_csv(to_csv(records, meta))
    assert len(rows) == len(records)
    assert tuple(rows[0]) == CSV_COLUMNS
    injected = next(r for r in rows if r["value"] == "injected.example")
    assert injected["case_ref"].startswith("'=")
    vcb = next(r for r in rows if r["value"] == "vietcombank-xacthuc.com")
    assert vcb == vcb | {
        "confidence": "0.95",
        "first_seen": "2026-11-01T08:00:00Z",
        "expires_at": "",
        "case_ref": "VV-2026-014",
        "description": "Trang giả mạo Vietcombank",
    }
    for row in rows:
        for cell in row.values():
            assert not cell.startswith(("=", "@")), cell


def test_phones_csv_for_operators(records: list[IndicatorRecord], meta: ExportMeta) -> None:
    rows = _read_csv(to_phones_csv(records, meta))
    assert [(r["e164"], r["national"]) for r in rows] == [
        ("+842363822222", "0236 3822 222"),
        ("+84912345678", "0912 345 678"),
    ]
    assert rows[1]["reason"] == "Lừa đảo: Giả danh công an yêu cầu chuyển tiền"
    assert rows[1]["case_ref"] == "VV-2026-020"
    assert rows[1]["first_seen"] == "2026-11-07T00:00:00Z"
    assert rows[0]["reason"] == "Tin nhắn/cuộc gọi rác"


# --- MISP ------------------------------------------------------------------------------------


def test_misp_event_structure(records: list[IndicatorRecord], meta: ExportMeta) -> None:
    doc = to_misp_event(records, meta)
    json.dumps(doc)  # plain JSON types only
    event = doc["Event"]
    assert event["date"] == "2026-11-27"
    assert event["Orgc"]["name"] == "UBND huyện Bảo Lạc"
    assert {event[k] for k in ("threat_level_id", "analysis", "distribution")} <= {"1", "2"}
    attrs = {a["value"]: a for a in event["Attribute"]}
    assert "wrongly-listed.vn" not in attrs  # false positives are not shared
    expected = {
        "vietcombank-xacthuc.com": ("domain", "Network activity", True),
        "https://nhan-qua-tet.top/dang-nhap?id=1": ("url", "Network activity", True),
        "+84912345678": ("phone-number", "Financial fraud", True),
        "0123456789012": ("bank-account-nr", "Financial fraud", True),
        "hotro@vietcombank-xacthuc.com": ("email-src", "Payload delivery", True),
        "203.0.113.7": ("ip-dst", "Network activity", True),
        "old-scam.net": ("domain", "Network activity", False),  # past expires_at
        "+84987654321": ("phone-number", "Financial fraud", False),  # status expired
    }
    for value, (misp_type, category, to_ids) in expected.items():
        attr = attrs[value]
        assert (attr["type"], attr["category"], attr["to_ids"]) == (misp_type, category, to_ids)
        assert uuid.UUID(attr["uuid"]).version == 5
    assert (
        attrs["+84912345678"]["comment"]
        == "VV-2026-020 | scam | Giả danh công an yêu cầu chuyển tiền"
    )
    assert attrs["+84912345678"]["timestamp"] == "1794096000"


def test_misp_ids_are_stable_across_exports(
    records: list[IndicatorRecord], meta: ExportMeta
) -> None:
    later = ExportMeta(generated_at=meta.generated_at.replace(day=28))
    a = {x["value"]: x["uuid"] for x in to_misp_event(records, meta)["Event"]["Attribute"]}
    b = {x["value"]: x["uuid"] for x in to_misp_event(records, later)["Event"]["Attribute"]}
    assert a == b


# --- STIX ------------------------------------------------------------------------------------


def test_stix_bundle_parses_with_stix2(records: list[IndicatorRecord], meta: ExportMeta) -> None:
    text = to_stix_bundle(records, meta)
    bundle = stix2.parse(text, allow_custom=True)
    identities = [o for o in bundle.objects if o.type == "identity"]
    indicators = [o for o in bundle.objects if o.type == "indicator"]
    assert [i.name for i in identities] == ["UBND huyện Bảo Lạc"]
    assert len(indicators) == len([r for r in records if r.status != "false_positive"])
    patterns = {o.pattern for o in indicators}
    assert "[domain-name:value = 'vietcombank-xacthuc.com']" in patterns
    assert "[url:value = 'https://nhan-qua-tet.top/dang-nhap?id=1']" in patterns
    assert "[email-addr:value = 'hotro@vietcombank-xacthuc.com']" in patterns
    assert "[ipv6-addr:value = '2001:db8::1']" in patterns
    assert "[x-canhgiac-phone:value = '+84912345678']" in patterns
    for ind in indicators:
        assert ind.created_by_ref == identities[0].id
        assert uuid.UUID(ind.id.split("--")[1]).version == 5
    vcb = next(
        o for o in indicators if "vietcombank-xacthuc.com'" in o.pattern and "domain" in o.pattern
    )
    assert vcb.confidence == 95
    assert vcb["x_canhgiac_case_ref"] == "VV-2026-014"
    old = next(o for o in indicators if "old-scam.net" in o.pattern)
    assert old.valid_until.year == 2026 and old.valid_until.month == 6


def test_stix_escapes_quotes_in_patterns(meta: ExportMeta) -> None:
    rec = IndicatorRecord(
        kind="url",
        value="http://evil.example/it's\\here",
        confidence=0.5,
        source="t",
        first_seen=meta.generated_at,
        last_seen=meta.generated_at,
    )
    doc: Any = json.loads(to_stix_bundle([rec], meta))
    pattern = doc["objects"][1]["pattern"]
    assert pattern == "[url:value = 'http://evil.example/it\\'s\\\\here']"
    stix2.parse(json.dumps(doc), allow_custom=True)
