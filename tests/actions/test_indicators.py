"""Block-list and allow-list: exports validated by real tools, allow wins, false positives, import."""

from __future__ import annotations

import json
import shutil
import subprocess
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import stix2
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from canhgiac.db.models import Case, FalsePositiveReport, IndicatorEntry
from canhgiac.errors import Conflict, PermissionDenied, ValidationFailed
from canhgiac.services import indicators, takedown
from canhgiac.settings import Settings
from canhgiac.text.indicators import extract_indicators
from tests.actions.action_helpers import PHISHING_DOMAIN

ALLOWED = "agribank.com.vn"


def _rpz_ok(text: str, tmp_path: Path) -> str:
    if shutil.which("named-checkzone") is None:
        pytest.skip("named-checkzone (bind9-utils) is not installed")
    zone = tmp_path / "zone.rpz"
    zone.write_text(text, encoding="utf-8")
    result = subprocess.run(
        ["named-checkzone", "rpz.canhgiac.local", str(zone)], capture_output=True, text=True
    )
    assert result.returncode == 0, result.stdout + result.stderr
    return result.stdout


def _approved_case_request(db: Session, make_user, case: Case) -> None:  # type: ignore[no-untyped-def]
    coordinator = make_user("coordinator", "VHTT")
    request = takedown.create_request(
        db, coordinator, case=case, recipient="ISP-VNPT", action="block_domain",
        indicators=[("domain", PHISHING_DOMAIN), ("url", f"https://{PHISHING_DOMAIN}/otp")],
    )  # fmt: skip
    takedown.approve(db, coordinator, request)
    db.commit()


def test_approved_request_domain_is_in_rpz_stix_and_misp_exports(
    actions_db: Session, make_user, phishing_case: Case, settings: Settings, tmp_path: Path
) -> None:  # type: ignore[no-untyped-def]
    _approved_case_request(actions_db, make_user, phishing_case)
    rpz = indicators.export(actions_db, "rpz", settings=settings)
    assert f"\n{PHISHING_DOMAIN} CNAME .\n" in rpz and "VV-2026-0042" in rpz
    _rpz_ok(rpz, tmp_path)

    bundle = stix2.parse(
        indicators.export(actions_db, "stix", settings=settings), allow_custom=True
    )
    patterns = [o.pattern for o in bundle.objects if o.type == "indicator"]
    assert f"[domain-name:value = '{PHISHING_DOMAIN}']" in patterns

    event = json.loads(indicators.export(actions_db, "misp", settings=settings))["Event"]
    assert {"uuid", "info", "date", "threat_level_id", "analysis", "Attribute"} <= set(event)
    values = {(a["type"], a["value"]) for a in event["Attribute"]}
    assert ("domain", PHISHING_DOMAIN) in values
    assert all(
        {"uuid", "type", "category", "value", "to_ids"} <= set(a) for a in event["Attribute"]
    )

    hosts = indicators.export(actions_db, "hosts", settings=settings)
    assert f"0.0.0.0 {PHISHING_DOMAIN}" in hosts
    csv_text = indicators.export(actions_db, "csv", settings=settings)
    assert PHISHING_DOMAIN in csv_text and "VV-2026-0042" in csv_text


def test_allow_list_always_wins(
    actions_db: Session, make_user, settings: Settings, tmp_path: Path
) -> None:  # type: ignore[no-untyped-def]
    # Entries that reached the block-list before the allow-list entry (e.g. from a partner).
    for value in (ALLOWED, f"ebanking.{ALLOWED}", f"https://{ALLOWED}/khuyen-mai"):
        kind = "url" if value.startswith("https") else "domain"
        indicators.add_indicator(actions_db, None, kind=kind, value=value, source="partner")
    indicators.add_indicator(actions_db, None, kind="domain", value="evil.example", source="p")
    indicators.add_indicator(
        actions_db, make_user("coordinator", "VHTT"), kind="domain", value=ALLOWED,
        list_name="allow", source="Ngân hàng",
    )  # fmt: skip
    actions_db.commit()
    for fmt in indicators.EXPORT_FORMATS:
        text = indicators.export(actions_db, fmt, settings=settings)
        assert ALLOWED not in text, fmt
    assert "evil.example" in indicators.export(actions_db, "rpz", settings=settings)
    _rpz_ok(indicators.export(actions_db, "rpz", settings=settings), tmp_path)
    with pytest.raises(Conflict):
        indicators.add_indicator(actions_db, None, kind="domain", value=f"x.{ALLOWED}")
    lists = indicators.build_lists(actions_db)
    (link,) = extract_indicators(f"vào https://ebanking.{ALLOWED}/a ngay")
    assert lists.check(link).list_name == "allow"  # type: ignore[union-attr]
    assert lists.block.lookup("domain", "evil.example") is not None
    result = indicators.import_indicators(
        actions_db, None, f"{ALLOWED}\nnew-evil.example\n", "txt", "feed"
    )
    assert result.imported == 1 and any(ALLOWED in e.raw for e in result.errors)


def test_false_positive_report_unblocks_and_is_counted(
    actions_db: Session, make_user, settings: Settings
) -> None:  # type: ignore[no-untyped-def]
    entry, _ = indicators.add_indicator(actions_db, None, kind="domain", value="cho-que.vn")
    actions_db.commit()
    report = indicators.submit_false_positive(
        actions_db, value="https://cho-que.vn/san-pham", reason="Đây là trang bán hàng của HTX.",
        contact={"email": "htx@example.vn"},
    )  # fmt: skip
    assert report.indicator_id == entry.id
    with pytest.raises(PermissionDenied):
        indicators.decide_false_positive(actions_db, make_user("viewer"), report, accept=True)
    indicators.decide_false_positive(
        actions_db, make_user("investigator", "CA"), report, accept=True, note="Đã xác minh."
    )
    actions_db.commit()
    assert entry.status == "false_positive"
    assert "cho-que.vn" not in indicators.export(actions_db, "rpz", settings=settings)
    assert indicators.build_lists(actions_db).block.lookup("domain", "cho-que.vn") is None
    counts = indicators.false_positive_counts(actions_db)
    assert counts == {"open": 0, "accepted": 1, "rejected": 0, "total": 1}
    with pytest.raises(Conflict):
        indicators.decide_false_positive(actions_db, make_user("coordinator"), report, accept=False)
    # Refreshing the entry later (a new report of it) does not silently re-block it.
    indicators.add_indicator(actions_db, None, kind="domain", value="cho-que.vn")
    assert entry.status == "false_positive"


@pytest.mark.parametrize(
    ("value", "reason"), [("", "lý do"), ("not a thing", "lý do"), ("evil.example", "  ")]
)
def test_bad_false_positive_reports_are_refused(
    actions_db: Session, value: str, reason: str
) -> None:
    with pytest.raises(ValidationFailed):
        indicators.submit_false_positive(actions_db, value=value, reason=reason)
    assert actions_db.scalar(select(func.count()).select_from(FalsePositiveReport)) == 0


def test_export_filters_and_expiry(actions_db: Session, settings: Settings) -> None:
    now = datetime.now(UTC).replace(microsecond=0)  # expiry is judged against the real clock
    indicators.add_indicator(
        actions_db, None, kind="domain", value="old.example", confidence=0.9,
        seen_at=now - timedelta(days=30),
    )  # fmt: skip
    indicators.add_indicator(
        actions_db, None, kind="domain", value="weak.example", confidence=0.2, seen_at=now
    )
    indicators.add_indicator(
        actions_db, None, kind="domain", value="temp.example", confidence=0.9, seen_at=now,
        expires_at=now + timedelta(days=1),
    )  # fmt: skip
    actions_db.commit()
    strong = indicators.export(actions_db, "hosts", settings=settings, min_confidence=0.5)
    assert "old.example" in strong and "weak.example" not in strong
    recent = indicators.export(
        actions_db, "hosts", settings=settings, since=now - timedelta(days=1)
    )
    assert "old.example" not in recent and "temp.example" in recent
    assert indicators.expire_indicators(actions_db, now=now + timedelta(days=2)) == 1
    assert indicators.expire_indicators(actions_db, now=now + timedelta(days=2)) == 0
    assert "temp.example" not in indicators.export(actions_db, "rpz", settings=settings)
    with pytest.raises(ValidationFailed):
        indicators.export(actions_db, "pdf", settings=settings)
    with pytest.raises(ValidationFailed):
        indicators.export(actions_db, "rpz", settings=settings, min_confidence=2)


def test_import_counts_duplicates_and_errors_and_refuses_unreadable(actions_db: Session) -> None:
    first = indicators.import_indicators(
        actions_db, None, "evil-a.example\n0912 345 678\nkhông phải\n", "txt", "Đối tác A"
    )
    assert (first.imported, first.duplicates, len(first.errors)) == (2, 0, 1)
    second = indicators.import_indicators(
        actions_db, None, "evil-a.example\nevil-b.example\n", "txt", "B"
    )
    assert (second.imported, second.duplicates) == (1, 1)
    actions_db.commit()
    with pytest.raises(ValidationFailed):
        indicators.import_indicators(actions_db, None, "{not json", "misp", "C")
    with pytest.raises(ValidationFailed):
        indicators.import_indicators(actions_db, None, "a.example", "txt", "  ")
    assert actions_db.scalar(select(func.count()).select_from(IndicatorEntry)) == 3
