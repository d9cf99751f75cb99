"""Known claims, fact-checks and public warnings: workflow, permissions, matching, outputs."""

from __future__ import annotations

import hashlib
import json
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from canhgiac.db.models import AuditEntry, Claim, Item, Warning
from canhgiac.errors import Conflict, PermissionDenied, ValidationFailed
from canhgiac.services import claims_kb, warnings
from canhgiac.settings import Settings
from tests.actions.action_helpers import pdf_pages

# A new report wording the seeded "lemon cures cancer" claim differently.
PARAPHRASED_REPORT = (
    "Chia sẻ gấp!!! Chanh nóng mỗi sáng tiêu diệt tế bào ung thư gấp 10.000 lần hóa trị,"
    " ai có người thân bị bệnh thì làm ngay"
)


@pytest.fixture
def claims_db(actions_db: Session) -> Session:
    claims_kb.seed_claims(actions_db)
    actions_db.commit()
    return actions_db


def _published_fact_check(db: Session, make_user, now: datetime | None = None) -> Warning:  # type: ignore[no-untyped-def]
    investigator = make_user("investigator", "VHTT")
    coordinator = make_user("coordinator", "VHTT")
    claim = claims_kb.get_claim(db, "health-lemon-cancer")
    warning = warnings.create_warning(
        db, investigator, kind="fact_check", claim=claim,
        title="Đính chính: nước chanh nóng không chữa được ung thư",
        summary="Tin đồn chanh nóng diệt tế bào ung thư là sai sự thật.",
        body="Người bệnh cần điều trị theo chỉ định của cơ sở y tế.",
    )  # fmt: skip
    warnings.submit_for_review(db, investigator, warning)
    warnings.publish(db, coordinator, warning, now=now)
    db.commit()
    return warning


def _item(db: Session, text: str) -> Item:
    item = Item(
        channel="tipline", content=text, content_sha256=hashlib.sha256(text.encode()).hexdigest(),
        verdict={"label": "ok", "reasons": [{"kind": "rule", "code": "x", "message": "m"}]},
    )  # fmt: skip
    db.add(item)
    db.flush()
    return item


def test_seed_is_idempotent(claims_db: Session) -> None:
    assert claims_kb.seed_claims(claims_db) == 0
    claims = claims_kb.list_claims(claims_db)
    assert len(claims) >= 10 and all(c.correction and c.rating for c in claims)


def test_published_fact_check_is_matched_to_a_paraphrased_report(
    claims_db: Session, make_user
) -> None:  # type: ignore[no-untyped-def]
    item = _item(claims_db, PARAPHRASED_REPORT)
    before = claims_kb.match_item(claims_db, item)
    assert before is not None and before["warning"] is None  # known claim, no fact-check yet
    warning = _published_fact_check(claims_db, make_user)
    link = claims_kb.match_item(claims_db, item)
    claims_db.commit()
    assert link is not None
    assert link["claim"] == "health-lemon-cancer" and link["warning"] == warning.slug
    assert link["label"] == "đã có cảnh báo" and link["similarity"] >= claims_kb.MATCH_THRESHOLD
    claims_db.refresh(item)
    assert item.verdict is not None and item.verdict["claim_match"]["warning"] == warning.slug
    kinds = [r["kind"] for r in item.verdict["reasons"]]
    assert kinds.count("claim") == 1 and "rule" in kinds  # re-matching replaces, never piles up
    unrelated = _item(claims_db, "Mời bà con đi họp tổ dân phố tối thứ bảy")
    assert claims_kb.match_item(claims_db, unrelated) is None


def test_matcher_is_rebuilt_when_claims_change(claims_db: Session, make_user) -> None:  # type: ignore[no-untyped-def]
    text = "Uống nước lá ổi luộc mỗi ngày sẽ khỏi hẳn bệnh gan nhiễm mỡ chỉ sau ba ngày"
    assert claims_kb.match_text(claims_db, text) == []
    claim = claims_kb.create_claim(
        claims_db, make_user("coordinator", "VHTT"),
        text="Uống nước lá ổi luộc mỗi ngày khỏi hẳn bệnh gan nhiễm mỡ sau ba ngày",
        correction="Không có bằng chứng; hãy khám tại cơ sở y tế.", topic="health",
    )  # fmt: skip
    claims_db.commit()
    assert [m.claim_id for m in claims_kb.match_text(claims_db, text)] == [claim.code]
    claims_kb.update_claim(claims_db, None, claim, active=False)
    claims_db.commit()
    assert claims_kb.match_text(claims_db, text) == []


@pytest.mark.parametrize(
    ("fields", "error"),
    [
        ({"text": " ", "correction": "x"}, ValidationFailed),
        ({"text": "Tin sai", "correction": ""}, ValidationFailed),
        ({"text": "Tin sai", "correction": "x", "rating": "maybe"}, ValidationFailed),
        ({"text": "Tin sai", "correction": "x", "code": "health-lemon-cancer"}, Conflict),
    ],
)
def test_bad_claims_are_refused(
    claims_db: Session, make_user, fields: dict, error: type[Exception]
) -> None:  # type: ignore[no-untyped-def]
    before = claims_db.scalar(select(func.count()).select_from(Claim))
    with pytest.raises(error):
        claims_kb.create_claim(claims_db, make_user("coordinator", "VHTT"), **fields)
    claims_db.rollback()
    assert claims_db.scalar(select(func.count()).select_from(Claim)) == before
    with pytest.raises(PermissionDenied):
        claims_kb.create_claim(claims_db, make_user("investigator"), text="a", correction="b")


def test_warning_workflow_and_permissions(claims_db: Session, make_user) -> None:  # type: ignore[no-untyped-def]
    investigator = make_user("investigator", "CA")
    coordinator = make_user("coordinator", "VHTT")
    with pytest.raises(PermissionDenied):
        warnings.create_warning(claims_db, make_user("viewer"), title="T", body="B")
    warning = warnings.create_warning(
        claims_db, investigator, title="Cảnh báo: giả danh nhân viên điện lực đòi tiền",
        body="Không chuyển tiền theo tin nhắn.",
    )  # fmt: skip
    assert warning.slug == "canh-bao-gia-danh-nhan-vien-dien-luc-doi-tien"
    with pytest.raises(Conflict):
        warnings.publish(claims_db, coordinator, warning)  # a draft must be reviewed first
    warnings.submit_for_review(claims_db, investigator, warning)
    with pytest.raises(PermissionDenied):
        warnings.publish(claims_db, investigator, warning)
    warnings.return_to_draft(claims_db, coordinator, warning, note="Thêm số điện thoại")
    warnings.update_warning(claims_db, investigator, warning, body="Gọi 113 khi nghi ngờ.")
    warnings.submit_for_review(claims_db, investigator, warning)
    warnings.publish(claims_db, coordinator, warning)
    with pytest.raises(Conflict):
        warnings.update_warning(claims_db, investigator, warning, title="Khác")
    claims_db.commit()
    assert warnings.get_published(claims_db, warning.slug).id == warning.id
    twin = warnings.create_warning(claims_db, investigator, title=warning.title, body="x")
    assert twin.slug == warning.slug + "-2"
    with pytest.raises(ValidationFailed):
        warnings.create_warning(claims_db, investigator, kind="fact_check", title="T", body="B")
    actions = set(claims_db.scalars(select(AuditEntry.action)))
    assert {"warning.create", "warning.submit", "warning.publish", "warning.return"} <= actions


def test_search_without_diacritics_and_outputs(
    claims_db: Session, make_user, settings: Settings, tmp_path: Path
) -> None:  # type: ignore[no-untyped-def]
    warning = _published_fact_check(claims_db, make_user, datetime(2026, 11, 20, tzinfo=UTC))
    assert [w.id for w in warnings.list_published(claims_db, q="nuoc chanh ung thu")] == [
        warning.id
    ]
    assert warnings.list_published(claims_db, q="dien luc") == []
    review = warnings.claim_review(claims_db, warning, settings)
    assert review is not None and review["@type"] == "ClaimReview"
    assert review["reviewRating"]["alternateName"] == "Sai sự thật"
    assert review["url"].endswith(f"/canh-bao/{warning.slug}")
    speech = warnings.loudspeaker_text(claims_db, warning, settings)
    assert "Sự thật:" in speech and "http" not in speech
    zalo = warnings.zalo_text(claims_db, warning, settings)
    assert len(zalo) <= 2000 and f"/canh-bao/{warning.slug}" in zalo
    pdf = warnings.poster_pdf(claims_db, warning, settings)
    assert pdf.startswith(b"%PDF") and pdf_pages(pdf, tmp_path) == 1


def test_jsonld_cannot_break_out_of_the_script_element() -> None:
    body = warnings.jsonld_script_body({"claimReviewed": "</script><script>alert(1)</script> & co"})
    assert "</" not in body and "<script" not in body
    assert json.loads(body)["claimReviewed"].startswith("</script>")
