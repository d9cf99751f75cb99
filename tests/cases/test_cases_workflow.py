"""The workflow: transitions by role and unit, reasons, legal basis, outcomes, timeline and audit."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from canhgiac.db.models import AuditEntry, Case, CaseEvent, Notification, Report
from canhgiac.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from canhgiac.services import audit, case_search, cases, routing, triage
from tests.cases.factories import make_item


@pytest.fixture
def routed(seeded: Session) -> Session:
    routing.seed_defaults(seeded)
    seeded.commit()
    return seeded


@pytest.fixture
def police_case(routed: Session) -> Case:
    item = make_item(routed, "Bạn trúng thưởng, gửi OTP", reports=("scam",))
    case = triage.triage_item(routed, item)
    assert case is not None and case.owner_unit.code == "CA"
    return case


def test_full_path_to_resolved_updates_reports(
    routed: Session, police_case: Case, make_user
) -> None:  # type: ignore[no-untyped-def]
    investigator = make_user("investigator", "CA")
    c = police_case
    cases.transition(routed, investigator, c, "triaged")
    cases.transition(routed, investigator, c, "verifying")
    with pytest.raises(ValidationFailed) as missing:
        cases.transition(routed, investigator, c, "acting")
    assert missing.value.field == "legal_basis"
    cases.transition(routed, investigator, c, "acting", legal_basis="Điều 174 Bộ luật Hình sự")
    cases.transition(routed, investigator, c, "awaiting_response")
    with pytest.raises(ValidationFailed):
        cases.transition(routed, investigator, c, "resolved", outcome_code="bogus")
    cases.transition(routed, investigator, c, "resolved", outcome_code="blocked",
                     outcome_note="ghi chú nội bộ: số điện thoại của nghi phạm",
                     public_outcome="Số điện thoại lừa đảo đã bị chặn.")  # fmt: skip
    assert c.closed_at is not None and c.outcome_code == "blocked"
    report = routed.scalar(select(Report))
    assert report is not None
    assert report.public_state == "resolved"
    assert report.public_outcome == "Số điện thoại lừa đảo đã bị chặn."
    assert "nội bộ" not in (report.public_outcome or "")
    kinds = [e.to_state for e in cases.timeline(routed, c) if e.kind == "transition"]
    assert kinds == ["triaged", "verifying", "acting", "awaiting_response", "resolved"]
    assert (
        routed.scalar(
            select(func.count(AuditEntry.id)).where(AuditEntry.action == "case.transition")
        )
        == 5
    )
    assert audit.verify(routed)[1] is None


def test_rejected_default_outcome_and_reopen_needs_reason(
    routed: Session, police_case: Case, make_user
) -> None:  # type: ignore[no-untyped-def]
    investigator = make_user("investigator", "CA")
    with pytest.raises(ValidationFailed):
        cases.transition(routed, investigator, police_case, "rejected")
    cases.transition(
        routed, investigator, police_case, "rejected", reason="không có dấu hiệu vi phạm"
    )
    report = routed.scalar(select(Report))
    assert report is not None and report.public_state == "closed"
    assert report.public_outcome == cases.DEFAULT_PUBLIC_OUTCOMES["no_violation"]
    with pytest.raises(ValidationFailed):
        cases.transition(routed, investigator, police_case, "verifying")
    cases.transition(routed, investigator, police_case, "verifying", reason="có thêm phản ánh")
    assert police_case.closed_at is None and report.public_state == "in_review"


@pytest.mark.parametrize(
    ("start", "target"),
    [("new", "acting"), ("new", "resolved"), ("archived", "verifying"), ("verifying", "new")],
)
def test_illegal_transitions(
    routed: Session, police_case: Case, make_user, start: str, target: str
) -> None:  # type: ignore[no-untyped-def]
    investigator = make_user("investigator", "CA")
    police_case.state = start
    with pytest.raises(Conflict):
        cases.transition(
            routed,
            investigator,
            police_case,
            target,
            reason="x",
            legal_basis="x",
            outcome_code="blocked",
        )
    assert police_case.state == start


@pytest.mark.parametrize(
    ("role", "unit", "sees", "moves"),
    [
        ("viewer", "CA", True, False),
        ("unit_officer", "X-COBA", False, False),
        ("unit_officer", "CA", True, True),
        ("investigator", "CA", True, True),
        ("investigator", "YT", False, False),
        ("coordinator", "VHTT", True, True),
        ("administrator", "VHTT", True, True),
    ],
)
def test_permissions_by_role_and_unit(
    routed: Session, police_case: Case, make_user, role: str, unit: str, sees: bool, moves: bool
) -> None:  # type: ignore[no-untyped-def]
    user = make_user(role, unit)
    assert cases.can_view(user, police_case) is sees
    if sees:
        assert cases.get_case(routed, user, police_case.ref) is police_case
    else:
        with pytest.raises(NotFound):
            cases.get_case(routed, user, police_case.ref)
    listed, _ = case_search.search_cases(routed, user, case_search.CaseFilters())
    assert (police_case in listed) is sees
    if moves:
        cases.transition(routed, user, police_case, "triaged")
        assert police_case.state == "triaged"
    else:
        with pytest.raises(PermissionDenied):
            cases.transition(routed, user, police_case, "triaged")
        assert police_case.state == "new"


def test_assign_and_reassign(routed: Session, police_case: Case, make_user) -> None:  # type: ignore[no-untyped-def]
    chief = make_user("investigator", "CA")
    colleague = make_user("investigator", "CA")
    outsider = make_user("investigator", "YT")
    cases.assign(routed, chief, police_case, assignee_email=colleague.email)
    assert police_case.assignee_id == colleague.id
    assert routed.scalar(
        select(Notification).where(
            Notification.user_id == colleague.id, Notification.kind == "case.assigned"
        )
    )
    with pytest.raises(ValidationFailed):
        cases.assign(routed, chief, police_case, assignee_email=outsider.email)
    with pytest.raises(ValidationFailed):
        cases.assign(routed, chief, police_case, unit_code="YT")
    cases.assign(routed, chief, police_case, unit_code="YT", reason="nội dung về y tế")
    assert police_case.owner_unit.code == "YT" and police_case.assignee_id is None
    assert not cases.can_view(chief, police_case) and cases.can_view(outsider, police_case)
    with pytest.raises(PermissionDenied):
        cases.assign(routed, chief, police_case, unit_code="CA", reason="lấy lại")


def test_comment_mentions_notify_only_people_who_can_see(
    routed: Session, police_case: Case, make_user
) -> None:  # type: ignore[no-untyped-def]
    author = make_user("investigator", "CA", email="an.nguyen@ca.baolac.vn")
    peer = make_user("investigator", "CA", email="binh.tran@ca.baolac.vn")
    commune = make_user("unit_officer", "X-COBA", email="cuong@xa.baolac.vn")
    cases.comment(
        routed, author, police_case, "@binh.tran xem giúp, cc @cuong@xa.baolac.vn và @khongco"
    )
    notes = routed.scalars(select(Notification).where(Notification.kind == "case.mention")).all()
    assert [n.user_id for n in notes] == [peer.id]
    assert commune.id not in [n.user_id for n in notes]
    with pytest.raises(ValidationFailed):
        cases.comment(routed, author, police_case, "   ")
    viewer = make_user("viewer", "CA")
    with pytest.raises(PermissionDenied):
        cases.comment(routed, viewer, police_case, "xin chào")


def test_merge_as_duplicate_and_split(routed: Session, make_user) -> None:  # type: ignore[no-untyped-def]
    coordinator = make_user("coordinator", "VHTT")
    a = triage.triage_item(routed, make_item(routed, "A", indicators=(("domain", "a.top"),)))
    b = triage.triage_item(routed, make_item(routed, "B", indicators=(("domain", "b.top"),)))
    assert a is not None and b is not None
    cases.merge(routed, coordinator, b, a, reason="cùng một đối tượng")
    assert b.state == "rejected" and b.outcome_code == "duplicate" and b.merged_into_id == a.id
    assert len(cases.case_items(routed, a)) == 2
    with pytest.raises(ValidationFailed):
        cases.merge(routed, coordinator, a, a)
    items = cases.case_items(routed, a)
    new = cases.split(routed, coordinator, a, [items[1].id], title="Tách riêng")
    assert [i.id for i in cases.case_items(routed, new)] == [items[1].id]
    assert [i.id for i in cases.case_items(routed, a)] == [items[0].id]
    with pytest.raises(ValidationFailed):
        cases.split(routed, coordinator, a, [items[0].id], title="tất cả")
    investigator = make_user("investigator", "CA")
    with pytest.raises(PermissionDenied):
        cases.merge(routed, investigator, new, a)


def test_related_cases_share_an_indicator(routed: Session, make_user) -> None:  # type: ignore[no-untyped-def]
    coordinator = make_user("coordinator", "VHTT")
    a = triage.triage_item(routed, make_item(routed, "A", indicators=(("phone", "+84911111111"),)))
    assert a is not None
    cases.transition(routed, coordinator, a, "rejected", reason="đã xử lý")
    b = triage.triage_item(routed, make_item(routed, "B", indicators=(("phone", "+84911111111"),)))
    c = triage.triage_item(routed, make_item(routed, "C", indicators=(("phone", "+84922222222"),)))
    assert b is not None and c is not None
    assert cases.related_cases(routed, coordinator, b) == [a]
    assert cases.related_cases(routed, coordinator, c) == []


def test_bad_create_input_stores_nothing(routed: Session, make_user) -> None:  # type: ignore[no-untyped-def]
    coordinator = make_user("coordinator", "VHTT")
    for kwargs in (
        {"title": ""},
        {"category": "bogus"},
        {"severity": "extreme"},
        {"commune_code": "CA"},
    ):
        params = {"title": "Vụ việc", "category": "scam", **kwargs}
        with pytest.raises(ValidationFailed):
            cases.create_case(routed, coordinator, **params)  # type: ignore[arg-type]
    assert routed.scalar(select(func.count(Case.id))) == 0
    assert routed.scalar(select(func.count(CaseEvent.id))) == 0
