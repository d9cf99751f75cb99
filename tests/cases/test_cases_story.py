"""The "done means" story: tipline SMS → scanned → Police case with a deadline → overdue and
escalated to the coordinator → evidence, legal basis, resolved → citizen sees the outcome → audit ok."""

from __future__ import annotations

from datetime import timedelta

from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from canhgiac.db.base import utcnow
from canhgiac.db.models import Case, Notification, Report
from canhgiac.detect import Verdict
from canhgiac.services import accounts, audit, routing, scanning
from canhgiac.worker.jobs.cases import check_deadlines
from tests.helpers import csrf_from, login

SMS = (
    "[VCB] Tai khoan cua quy khach bi tam khoa. Vui long xac thuc tai http://vcb-xacthuc.top "
    "de tranh bi khoa vinh vien"
)


class RealScanner:
    """The shipped scanner behind the interface scanning expects."""

    def scan_one(self, text: str, *, sender: str | None = None) -> Verdict:
        from canhgiac.detect import scan_one

        return scan_one(text, sender=sender)


def test_scam_sms_becomes_police_case_escalates_and_resolves(
    client: TestClient, seeded: Session, make_user
) -> None:  # type: ignore[no-untyped-def]
    routing.seed_defaults(seeded)
    seeded.commit()
    coordinator = make_user("coordinator", "VHTT")
    investigator = make_user("investigator", "CA")

    # 1. A citizen files the SMS on the tipline.
    filed = client.post("/api/v1/reports", json={"category": "scam", "content": SMS,
                        "contact": {"phone": "0987654321"}, "commune": "X-COBA"})  # fmt: skip
    assert filed.status_code == 201, filed.text
    code = filed.json()["tracking_code"]
    report = seeded.scalar(select(Report).where(Report.tracking_code == code))
    assert report is not None

    # 2. The worker scans it; triage opens a case in the Police queue with a deadline.
    scanning.scan_item(seeded, report.item, RealScanner())
    seeded.commit()
    case = seeded.scalar(select(Case))
    assert case is not None and case.owner_unit.code == "CA" and case.deadline_at is not None
    login(client, investigator.email)
    assert case.ref in client.get("/vu-viec").text

    # 3. Time passes: reminded before the deadline, escalated to the coordinator once overdue.
    before = check_deadlines(seeded, now=case.deadline_at - timedelta(hours=1))
    assert before.reminded == [case.ref] and before.escalated == []
    # Shift the case into the past instead of waiting: its deadline was two hours ago.
    shift = case.deadline_at - utcnow() + timedelta(hours=2)
    case.created_at -= shift
    case.deadline_at -= shift
    after = check_deadlines(seeded)
    assert after.escalated == [case.ref]
    assert check_deadlines(seeded).escalated == []
    seeded.commit()
    escalations = seeded.scalars(
        select(Notification).where(Notification.kind == "case.escalated")
    ).all()
    assert coordinator.id in {n.user_id for n in escalations}
    token, _ = accounts.create_token(seeded, None, coordinator)
    seeded.commit()
    overdue = client.get(
        "/api/v1/cases", params={"overdue": "true"}, headers={"Authorization": f"Bearer {token}"}
    )
    assert [c["ref"] for c in overdue.json()["items"]] == [case.ref]
    assert overdue.json()["items"][0]["escalated_at"]

    # 4. The investigator attaches evidence, records the legal basis and resolves the case.
    page = client.get(f"/vu-viec/{case.ref}")
    csrf = csrf_from(page.text)
    client.post(f"/vu-viec/{case.ref}/chung-cu", data={"csrf_token": csrf},
                files={"file": ("tin-nhan.png", b"\x89PNG screenshot", "image/png")})  # fmt: skip
    for data in (
        {"to_state": "verifying"},
        {"to_state": "acting", "legal_basis": "Điều 174 Bộ luật Hình sự; Nghị định 15/2020/NĐ-CP"},
        {"to_state": "resolved", "outcome_code": "blocked", "outcome_note": "Nghi phạm: 0912xxxxxx (nội bộ)",
         "public_outcome": "Đường link lừa đảo đã bị chặn. Cảm ơn bạn đã phản ánh."},
    ):  # fmt: skip
        moved = client.post(
            f"/vu-viec/{case.ref}/trang-thai",
            data={**data, "csrf_token": csrf},
            follow_redirects=False,
        )
        assert moved.status_code == 303
    seeded.expire_all()
    resolved = seeded.get(Case, case.id)
    assert resolved is not None and resolved.state == "resolved" and resolved.legal_basis
    detail = client.get(
        f"/api/v1/cases/{case.ref}", headers={"Authorization": f"Bearer {token}"}
    ).json()
    assert "evidence" in [e["kind"] for e in detail["events"]]

    # 5. The citizen's tracking page shows the public outcome and nothing internal.
    status = client.get(f"/api/v1/public/reports/{code}").json()
    assert status["state"] == "resolved"
    assert status["outcome"] == "Đường link lừa đảo đã bị chặn. Cảm ơn bạn đã phản ánh."
    assert "nội bộ" not in str(status) and "0987654321" not in str(status)

    # 6. The audit chain holds.
    checked, problem = audit.verify(seeded)
    assert problem is None and checked > 10
