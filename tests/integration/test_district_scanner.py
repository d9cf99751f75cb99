"""The scan job uses the district's own block/allow-lists and known false claims."""

from __future__ import annotations

from sqlalchemy.orm import Session

from canhgiac.services import claims_kb, filing, indicators, scanning
from canhgiac.worker.jobs.scan import scan_item_job


def _scan_new_report(db: Session, content: str) -> dict:  # type: ignore[type-arg]
    report = filing.submit_report(
        db, category="scam", content=content, urls=[], phones=[], contact=None, commune=None
    )
    db.flush()
    scan_item_job(db, {"item_id": report.item_id})
    db.commit()
    assert report.item.verdict is not None
    return report.item.verdict


def test_blocked_domain_and_known_claim_shape_the_verdict(seeded: Session) -> None:
    scanning._district.clear()
    indicators.add_indicator(
        seeded, "test", kind="domain", value="giaiphong-tienao.top", confidence=0.9, source="test"
    )
    claims_kb.seed_claims(seeded)
    seeded.commit()

    blocked = _scan_new_report(seeded, "Nhan lai tien bi lua tai giaiphong-tienao.top ngay hom nay")
    assert any(r["kind"] == "blocklist" for r in blocked["reasons"]), blocked["reasons"]

    claim = _scan_new_report(
        seeded, "Nóng: chỉ cần uống chanh nóng buổi sáng là chữa khỏi ung thư, không cần hóa trị."
    )
    assert any(r["kind"] == "claim" for r in claim["reasons"]), claim["reasons"]
    assert "false_info" in claim["categories"]
    scanning._district.clear()
