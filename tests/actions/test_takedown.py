"""Requests from a case: workflow, permissions, numbering, letters, expiry (SQLite and PostgreSQL)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from canhgiac.db.models import AuditEntry, Case, CaseEvent, Recipient, TakedownRequest
from canhgiac.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from canhgiac.services import recipients, takedown
from canhgiac.settings import Settings
from tests.actions.action_helpers import PHISHING_DOMAIN, evidence_hashes
from tests.documents.doc_helpers import docx_text, pdf_text

INDICATORS = [
    {"kind": "domain", "value": PHISHING_DOMAIN, "note": "Giả mạo agribank.com.vn"},
    {"kind": "url", "value": f"https://{PHISHING_DOMAIN}/dang-nhap", "note": "Trang đăng nhập giả"},
]


def _draft(db: Session, user, case: Case, recipient: str = "VIETTEL") -> TakedownRequest:  # type: ignore[no-untyped-def]
    return takedown.create_request(
        db, user, case=case, recipient=recipient, action="block_domain", indicators=INDICATORS,
        facts="Trang web giả mạo Agribank yêu cầu nhập mã OTP.",
    )  # fmt: skip


def test_seed_recipients_is_idempotent_and_has_no_invented_contacts(actions_db: Session) -> None:
    assert recipients.seed_recipients(actions_db) == 0
    rows = recipients.list_recipients(actions_db)
    kinds = {r.kind for r in rows}
    assert {"telecom", "isp", "platform", "registry", "registrar", "bank"} <= kinds
    assert {"VIETTEL", "VINAPHONE", "MOBIFONE", "ISP-FPT", "VNNIC", "ZALO"} <= {
        r.code for r in rows
    }
    assert all(r.contacts == {} and r.address == "" for r in rows)


def test_coordinator_turns_case_into_approved_requests_to_telecom_and_isp(
    actions_db: Session, make_user, phishing_case: Case, settings: Settings, tmp_path: Path
) -> None:  # type: ignore[no-untyped-def]
    investigator = make_user("investigator", "VHTT")
    coordinator = make_user("coordinator", "VHTT")
    drafts = takedown.create_requests(
        actions_db, investigator, case=phishing_case, recipients=["VIETTEL", "ISP-FPT"],
        action="block_domain", indicators=INDICATORS, facts="Trang giả mạo Agribank.",
    )  # fmt: skip
    assert [d.state for d in drafts] == ["draft", "draft"]
    assert drafts[0].evidence_hashes == evidence_hashes()
    now = datetime(2026, 11, 27, 3, 0, tzinfo=UTC)
    for draft in drafts:
        takedown.approve(actions_db, coordinator, draft, settings=settings, now=now)
        takedown.send(actions_db, coordinator, draft, now=now)
    actions_db.commit()
    assert [d.number for d in drafts] == ["1/VHTT-CV", "2/VHTT-CV"]
    viettel, fpt = drafts
    assert viettel.due_at == now + timedelta(days=3) and fpt.due_at == now + timedelta(days=2)

    docx, media, name = takedown.letter_bytes(actions_db, viettel, settings, "docx")
    assert media.endswith("document") and name == "cong-van-1-VHTT-CV.docx"
    text = docx_text(docx)
    assert "agribank-xacthuc[.]com" in text and "agribank-xacthuc.com" not in text
    assert all(h in text for h in evidence_hashes())
    assert "Số: 1/VHTT-CV" in text and "VV-2026-0042" in text
    assert "Luật An ninh mạng" in text and "Viettel" in text
    pdf, media, _ = takedown.letter_bytes(actions_db, viettel, settings, "pdf")
    assert pdf.startswith(b"%PDF") and media == "application/pdf"
    pdf_plain = pdf_text(pdf, tmp_path).replace(" ", "")  # table cells wrap long values
    assert "agribank-xacthuc[.]com" in pdf_plain and evidence_hashes()[0] in pdf_plain
    # Deterministic: the same request gives the same bytes.
    assert takedown.letter_bytes(actions_db, viettel, settings, "docx")[0] == docx

    takedown.acknowledge(actions_db, investigator, viettel, note="Đã nhận công văn.")
    takedown.record_answer(
        actions_db, investigator, viettel, outcome="done", answer="Đã chặn tên miền."
    )
    actions_db.commit()
    assert viettel.state == "done" and "Đã chặn tên miền." in (viettel.answer or "")
    events = actions_db.scalars(
        select(CaseEvent).where(CaseEvent.case_id == phishing_case.id, CaseEvent.kind == "request")
    ).all()
    assert len(events) == 2 * 3 + 2  # create, approve, send each; then acknowledge and done
    actions = set(actions_db.scalars(select(AuditEntry.action)))
    assert {"request.create", "request.approve", "request.send", "request.done"} <= actions


@pytest.mark.parametrize(
    ("role", "allowed"),
    [("coordinator", True), ("administrator", True), ("investigator", False), ("viewer", False)],
)
def test_only_coordinators_approve(
    actions_db: Session, make_user, phishing_case: Case, role: str, allowed: bool
) -> None:  # type: ignore[no-untyped-def]
    draft = _draft(actions_db, make_user("investigator", "VHTT"), phishing_case)
    actor = make_user(role, "VHTT")
    if allowed:
        takedown.approve(actions_db, actor, draft)
        assert draft.state == "approved"
    else:
        with pytest.raises(PermissionDenied):
            takedown.approve(actions_db, actor, draft)
        assert draft.state == "draft" and draft.number is None


def test_viewer_cannot_draft_and_other_units_cannot_touch_the_case(
    actions_db: Session, make_user, phishing_case: Case
) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(PermissionDenied):
        _draft(actions_db, make_user("viewer", "VHTT"), phishing_case)
    with pytest.raises(PermissionDenied):
        _draft(actions_db, make_user("investigator", "CA"), phishing_case)
    assert actions_db.scalar(select(func.count()).select_from(TakedownRequest)) == 0


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"legal_basis": "  "}, "legal_basis"),
        ({"indicators": []}, "indicators"),
        ({"indicators": [{"kind": "phone", "value": "0912345678"}]}, "indicators"),
        ({"indicators": [{"kind": "domain", "value": "not a domain"}]}, "indicators"),
        ({"action": "nuke"}, "action"),
        ({"evidence_ids": [999_999]}, "evidence_ids"),
    ],
)
def test_bad_input_is_refused_and_nothing_stored(
    actions_db: Session, make_user, phishing_case: Case, changes: dict, field: str
) -> None:  # type: ignore[no-untyped-def]
    fields = {"action": "block_domain", "indicators": INDICATORS, **changes}
    with pytest.raises(ValidationFailed) as err:
        takedown.create_request(
            actions_db, make_user("investigator", "VHTT"), case=phishing_case,
            recipient="VIETTEL", **fields,
        )  # fmt: skip
    assert err.value.field == field
    assert actions_db.scalar(select(func.count()).select_from(TakedownRequest)) == 0


def test_unknown_recipient_is_not_found(
    actions_db: Session, make_user, phishing_case: Case
) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(NotFound):
        _draft(actions_db, make_user("investigator", "VHTT"), phishing_case, recipient="NOPE")


def test_case_legal_basis_is_the_default_and_phone_request(
    actions_db: Session, make_user, phishing_case: Case
) -> None:  # type: ignore[no-untyped-def]
    request = takedown.create_request(
        actions_db, make_user("investigator", "VHTT"), case=phishing_case, recipient="MOBIFONE",
        action="block_phone", indicators=[("phone", "0912 345 678")],
    )  # fmt: skip
    assert request.indicators == [{"kind": "phone", "value": "+84912345678", "note": ""}]
    assert "Luật An ninh mạng" in request.legal_basis


def test_numbers_restart_each_year_and_states_are_enforced(
    actions_db: Session, make_user, phishing_case: Case
) -> None:  # type: ignore[no-untyped-def]
    coordinator = make_user("coordinator", "VHTT")
    a, b, c = (_draft(actions_db, coordinator, phishing_case) for _ in range(3))
    takedown.approve(actions_db, coordinator, a, now=datetime(2026, 12, 31, 10, tzinfo=UTC))
    # 31/12 18:00 UTC is already 1 January in Asia/Ho_Chi_Minh: a new year, number 1 again.
    takedown.approve(actions_db, coordinator, b, now=datetime(2026, 12, 31, 18, tzinfo=UTC))
    takedown.approve(actions_db, coordinator, c, now=datetime(2027, 1, 2, tzinfo=UTC))
    actions_db.commit()
    assert [(r.letter_year, r.number) for r in (a, b, c)] == [
        (2026, "1/VHTT-CV"), (2027, "1/VHTT-CV"), (2027, "2/VHTT-CV"),
    ]  # fmt: skip
    with pytest.raises(Conflict):
        takedown.approve(actions_db, coordinator, a)
    with pytest.raises(Conflict):
        takedown.record_answer(actions_db, coordinator, a, outcome="done")
    takedown.send(actions_db, coordinator, a)
    with pytest.raises(ValidationFailed):
        takedown.record_answer(actions_db, coordinator, a, outcome="refused", answer=" ")


def test_overdue_requests_expire_and_a_late_answer_is_still_recorded(
    actions_db: Session, make_user, phishing_case: Case
) -> None:  # type: ignore[no-untyped-def]
    coordinator = make_user("coordinator", "VHTT")
    request = _draft(actions_db, coordinator, phishing_case)
    sent_at = datetime(2026, 11, 1, tzinfo=UTC)
    takedown.approve(actions_db, coordinator, request, now=sent_at)
    takedown.send(actions_db, coordinator, request, now=sent_at)
    assert takedown.expire_overdue(actions_db, now=sent_at + timedelta(days=2)) == []
    assert takedown.expire_overdue(actions_db, now=sent_at + timedelta(days=4)) == [request]
    assert takedown.expire_overdue(actions_db, now=sent_at + timedelta(days=5)) == []
    assert request.state == "expired"
    takedown.record_answer(
        actions_db, coordinator, request, outcome="refused", answer="Không đủ căn cứ."
    )
    actions_db.commit()
    assert request.state == "refused"


def test_recipient_edit_is_validated(actions_db: Session, make_user) -> None:  # type: ignore[no-untyped-def]
    coordinator = make_user("coordinator", "VHTT")
    row = recipients.get_recipient(actions_db, "VIETTEL")
    recipients.update_recipient(
        actions_db, coordinator, row, contacts={"email": "x@viettel.example", "bogus": "y"},
        response_days=4,
    )  # fmt: skip
    assert row.contacts == {"email": "x@viettel.example"} and row.response_days == 4
    with pytest.raises(ValidationFailed):
        recipients.update_recipient(actions_db, coordinator, row, response_days=0)
    with pytest.raises(PermissionDenied):
        recipients.update_recipient(actions_db, make_user("investigator", "VHTT"), row, name="X")
    assert isinstance(row, Recipient)
