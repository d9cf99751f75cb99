"""Routing matrix seeded from the plan, triage into cases, joining open cases, the review queue."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from canhgiac.db.models import Case, CaseItem, DeadlineRule, Report, RoutingRule
from canhgiac.errors import PermissionDenied, ValidationFailed
from canhgiac.services import routing, triage, units
from tests.cases.factories import make_item

NOW = datetime(2026, 3, 2, 8, 0, tzinfo=UTC)


@pytest.fixture
def routed(seeded: Session) -> Session:
    routing.seed_defaults(seeded)
    seeded.commit()
    return seeded


@pytest.mark.parametrize(
    ("category", "unit"),
    [
        ("scam", "CA"),
        ("phishing", "CA"),
        ("hacked_account", "CA"),
        ("malware", "CA"),
        ("data_leak", "CA"),
        ("spam", "VHTT"),
        ("false_info", "VHTT"),
        ("other", "VHTT"),
    ],
)
def test_seeded_matrix_follows_the_plan(routed: Session, category: str, unit: str) -> None:
    assert routing.route(routed, category).code == unit


def test_seeding_is_idempotent(routed: Session) -> None:
    rules = routed.scalar(select(func.count(RoutingRule.id)))
    deadlines = routed.scalar(select(func.count(DeadlineRule.id)))
    assert routing.seed_defaults(routed) == 0
    assert routed.scalar(select(func.count(RoutingRule.id))) == rules
    assert routed.scalar(select(func.count(DeadlineRule.id))) == deadlines == 8 * 4


def test_commune_override_and_coordinator_only_edits(routed: Session, make_user) -> None:  # type: ignore[no-untyped-def]
    coordinator = make_user("coordinator", "VHTT")
    investigator = make_user("investigator", "CA")
    commune = units.get_unit(routed, "X-COBA")
    routing.set_route(
        routed, coordinator, category="false_info", unit_code="X-COBA", commune_code="X-COBA"
    )
    assert routing.route(routed, "false_info", commune.id).code == "X-COBA"
    assert routing.route(routed, "false_info", None).code == "VHTT"
    routing.set_route(routed, coordinator, category="false_info", unit_code="YT")
    assert routing.route(routed, "false_info").code == "YT"
    with pytest.raises(PermissionDenied):
        routing.set_route(routed, investigator, category="spam", unit_code="CA")
    with pytest.raises(ValidationFailed):
        routing.set_route(routed, coordinator, category="bogus", unit_code="CA")
    with pytest.raises(ValidationFailed):
        routing.set_route(routed, coordinator, category="spam", unit_code="CA", commune_code="CA")
    with pytest.raises(ValidationFailed):
        routing.set_deadline_hours(routed, coordinator, category="scam", severity="high", hours=0)
    routing.set_deadline_hours(routed, coordinator, category="scam", severity="high", hours=12)
    assert routing.deadline_hours(routed, "scam", "high") == 12


def test_scam_above_threshold_opens_a_police_case_with_a_deadline(routed: Session) -> None:
    item = make_item(routed, "Tài khoản của bạn bị khoá, đăng nhập vcb-secure.top", score=0.95,
                     indicators=(("domain", "vcb-secure.top"),), reports=("scam",))  # fmt: skip
    case = triage.triage_item(routed, item, now=NOW)
    assert case is not None
    assert case.owner_unit.code == "CA"
    assert case.ref == "VV-2026-000001"
    assert case.category == "scam" and case.severity == "high"
    assert case.deadline_at == NOW + timedelta(hours=48)
    report = routed.scalar(select(Report).where(Report.item_id == item.id))
    assert report is not None and report.public_state == "in_review"
    # Triage is idempotent: the same item again is the same case.
    assert triage.triage_item(routed, item, now=NOW) is case


@pytest.mark.parametrize(
    ("label", "score", "opens"),
    [
        ("scam", 0.59, False),
        ("scam", 0.6, True),
        ("spam", 0.69, False),
        ("spam", 0.7, True),
        ("ok", 0.99, False),
    ],
)
def test_thresholds(routed: Session, label: str, score: float, opens: bool) -> None:
    item = make_item(
        routed, f"tin nhắn {label} {score}", label=label, score=score, categories=(label,)
    )
    assert (triage.triage_item(routed, item) is not None) is opens


def test_configurable_thresholds(routed: Session) -> None:
    item = make_item(routed, "mời vay tiền lãi suất thấp", score=0.5)
    assert triage.triage_item(routed, item, thresholds=triage.Thresholds(scam=0.4)) is not None


@pytest.mark.parametrize("link", ["indicator", "cluster", "claim"])
def test_items_join_an_open_case(routed: Session, link: str) -> None:
    kwargs: dict = {}
    first = make_item(routed, "Tin thứ nhất", indicators=(("phone", "+84912345678"),),
                      claims=("claim-1",), categories=("false_info",) if link == "claim" else ("scam",))  # fmt: skip
    if link == "indicator":
        kwargs = {"indicators": (("phone", "+84912345678"),)}
    elif link == "cluster":
        kwargs = {"cluster_id": first.id}
    else:
        kwargs = {"claims": ("claim-1",), "categories": ("false_info",)}
    case = triage.triage_item(routed, first)
    second = make_item(routed, "Tin thứ hai khác hẳn", **kwargs)
    assert triage.triage_item(routed, second) is case
    assert routed.scalar(select(func.count(CaseItem.id)).where(CaseItem.case_id == case.id)) == 2
    assert routed.scalar(select(func.count(Case.id))) == 1


def test_unrelated_items_open_separate_cases_and_closed_cases_are_not_joined(
    routed: Session, make_user
) -> None:  # type: ignore[no-untyped-def]
    a = triage.triage_item(routed, make_item(routed, "A", indicators=(("domain", "a.top"),)))
    b = triage.triage_item(routed, make_item(routed, "B", indicators=(("domain", "b.top"),)))
    assert a is not None and b is not None and a.id != b.id
    b.state = "resolved"
    c = triage.triage_item(routed, make_item(routed, "C", indicators=(("domain", "b.top"),)))
    assert c is not None and c.id not in (a.id, b.id)


def test_category_from_reports_then_verdict(routed: Session) -> None:
    reported = make_item(
        routed, "Trang web giả ngân hàng", reports=("phishing", "phishing", "scam")
    )
    case = triage.triage_item(routed, reported)
    assert case is not None and case.category == "phishing" and case.severity == "critical"
    by_verdict = make_item(routed, "Mã độc APK", categories=("malware",))
    case2 = triage.triage_item(routed, by_verdict)
    assert case2 is not None and case2.category == "malware"


@pytest.mark.parametrize(
    ("score", "category", "reports", "expected"),
    [
        (0.65, "spam", 1, "low"),
        (0.65, "scam", 1, "medium"),
        (0.8, "spam", 1, "medium"),
        (0.95, "scam", 1, "high"),
        (0.95, "scam", 3, "critical"),
        (0.65, "spam", 10, "high"),
    ],
)
def test_severity(score: float, category: str, reports: int, expected: str) -> None:
    assert triage.severity_for(score, category, reports) == expected


def test_commune_routing_override_applies_in_triage(routed: Session, make_user) -> None:  # type: ignore[no-untyped-def]
    coordinator = make_user("coordinator", "VHTT")
    routing.set_route(
        routed, coordinator, category="spam", unit_code="X-COBA", commune_code="X-COBA"
    )
    item = make_item(
        routed, "Quảng cáo rác", label="spam", score=0.8, categories=("spam",), commune="X-COBA"
    )
    case = triage.triage_item(routed, item)
    assert case is not None and case.owner_unit.code == "X-COBA"


def test_review_queue_open_dismiss_merge(routed: Session, make_user) -> None:  # type: ignore[no-untyped-def]
    officer = make_user("investigator", "CA")
    viewer = make_user("viewer", "CA")
    low = [make_item(routed, f"nghi ngờ {i}", score=0.4) for i in range(3)]
    clean = make_item(routed, "chào bạn", label="ok", score=0.1)
    for item in [*low, clean]:
        assert triage.triage_item(routed, item) is None
    queue, total = triage.review_queue(routed, officer)
    assert total == 3 and {i.id for i in queue} == {i.id for i in low}
    case = triage.open_case_from_review(routed, officer, low[0].id, category="scam")
    triage.dismiss(routed, officer, low[1].id, reason="quảng cáo hợp pháp")
    triage.merge_into_case(routed, officer, low[2].id, case.ref)
    assert triage.review_queue(routed, officer)[1] == 0
    with pytest.raises(PermissionDenied):
        triage.review_queue(routed, viewer)
    # A dismissed item is not opened again by a later scan.
    assert triage.triage_item(routed, low[1]) is None
