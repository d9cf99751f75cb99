"""ingest_item and submit_report: stored once, deduplicated, scan job queued, audited, bad input refused."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from canhgiac.db.models import AuditEntry, Evidence, Item, Job, Report
from canhgiac.errors import Conflict, NotFound, ValidationFailed
from canhgiac.ingest import tipline
from canhgiac.ingest.evidence import EvidenceStore
from canhgiac.services import filing, intake

SCAM = "Quý khách đã trúng thưởng 50.000.000đ, truy cập http://vcb-uudai.top/nhan để nhận. LH 0912345678"


def _count(db: Session, model: type) -> int:
    return int(db.scalar(select(func.count()).select_from(model)) or 0)


def test_new_item_is_stored_with_a_scan_job_and_an_audit_entry(seeded: Session) -> None:
    item, created = intake.ingest_item(seeded, channel="sms_csv", content=SCAM, sender="0912345678")
    seeded.commit()
    assert created and item.report_count == 1 and item.scan_state == "pending"
    job = seeded.scalar(select(Job).where(Job.kind == "item.scan"))
    assert job is not None and job.payload == {"item_id": item.id}
    assert job.dedup_key == f"item.scan:{item.id}"
    assert seeded.scalar(select(AuditEntry).where(AuditEntry.action == "item.ingest")) is not None


@pytest.mark.parametrize(
    "variant",
    [SCAM, "  " + SCAM.upper() + "\n", SCAM.replace(" ", "   ")],
    ids=["same", "case-and-spaces", "more-spaces"],
)
def test_exact_duplicates_bump_the_count(seeded: Session, variant: str) -> None:
    first, _ = intake.ingest_item(seeded, channel="tipline", content=SCAM)
    again, created = intake.ingest_item(seeded, channel="eml", content=variant)
    seeded.commit()
    assert not created and again.id == first.id and again.report_count == 2
    assert _count(seeded, Item) == 1 and _count(seeded, Job) == 1


def test_near_duplicates_join_the_first_items_cluster(seeded: Session) -> None:
    first, _ = intake.ingest_item(seeded, channel="tipline", content=SCAM)
    other = (
        "Quy khach da trung thuong 20.000.000d, truy cap hxxp://acb-qua[.]xyz/x de nhan!! "
        "LH 0987 654 321"
    )
    second, created = intake.ingest_item(seeded, channel="tipline", content=other)
    third, _ = intake.ingest_item(seeded, channel="tipline", content=other + " ngay")
    unrelated, _ = intake.ingest_item(
        seeded, channel="tipline", content="Lịch họp tổ dân phố 8h sáng"
    )
    assert created and second.id != first.id
    assert second.cluster_id == first.id and first.cluster_id is None
    assert third.cluster_id is None  # different words are not a near duplicate
    assert unrelated.cluster_id is None


def test_three_hundred_reports_of_one_message_are_one_item(seeded: Session) -> None:
    for _ in range(300):
        filing.submit_report(seeded, category="scam", content=SCAM, urls=[], phones=[],
                             contact=None, commune=None)  # fmt: skip
    seeded.commit()
    assert _count(seeded, Item) == 1 and _count(seeded, Report) == 300
    item = seeded.scalar(select(Item))
    assert (
        item is not None
        and item.report_count == 300
        and intake.count_reports(seeded, item.id) == 300
    )
    codes = set(seeded.scalars(select(Report.tracking_code)))
    assert len(codes) == 300


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"channel": "carrier-pigeon", "content": "x"}, "channel"),
        ({"channel": "tipline", "content": "   \x00 "}, "content"),
        ({"channel": "tipline", "content": "x" * 200_001}, "content"),
        (
            {"channel": "tipline", "content": "x", "received_at": datetime(2026, 1, 1)},
            "received_at",
        ),
    ],
)
def test_bad_items_are_refused(seeded: Session, kwargs: dict, field: str) -> None:
    with pytest.raises(ValidationFailed) as err:
        intake.ingest_item(seeded, **kwargs)
    assert err.value.field == field


def test_received_at_is_kept(seeded: Session) -> None:
    at = datetime(2026, 3, 1, 2, 3, tzinfo=UTC)
    item, _ = intake.ingest_item(seeded, channel="sms_csv", content=SCAM, received_at=at)
    seeded.commit()
    seeded.expire_all()
    assert seeded.get(Item, item.id).first_seen_at == at  # type: ignore[union-attr]


def test_report_with_everything(seeded: Session, store: EvidenceStore) -> None:
    report = filing.submit_report(
        seeded, category="phishing", content="Tin nhắn lạ", urls=["http://vcb-uudai.top/a"],
        phones=["0912 345 678"], contact={"name": "Nguyễn Văn A", "phone": "0987000111"},
        commune="X-COBA", consent=True, store=store,
    )  # fmt: skip
    seeded.commit()
    assert tipline.canonical_tracking_code(report.tracking_code) == report.tracking_code
    assert report.contact == {"name": "Nguyễn Văn A", "phone": "0987000111"}
    assert report.contact_expires_at is not None and report.commune_unit_id is not None
    item = report.item
    assert "http://vcb-uudai.top/a" in item.content and "0912 345 678" in item.content
    raw = seeded.scalar(select(Evidence).where(Evidence.report_id == report.id))
    assert raw is not None and raw.kind == "raw_report"
    assert b"Nguy" not in store.open(raw.blob_sha256)  # contact data expires; evidence does not
    audit = seeded.scalar(select(AuditEntry).where(AuditEntry.action == "report.submit"))
    assert audit is not None and audit.actor_label == "tipline"


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"category": "weather"}, "category"),
        ({"content": "x" * 10_001}, "content"),
        ({"urls": [f"http://a{i}.vn" for i in range(21)]}, "urls"),
        ({"phones": ["0912345678" * 4]}, "phones"),
        ({"contact": {"name": "A"}}, "consent"),
        ({"contact": {"address": "x"}, "consent": True}, "contact"),
        ({"commune": "CA"}, "commune"),
        ({"content": "", "urls": [], "phones": []}, "content"),
    ],
)
def test_bad_reports_store_nothing(seeded: Session, kwargs: dict, field: str) -> None:
    before = _count(seeded, AuditEntry)
    args = {"category": "scam", "content": "Tin lừa đảo", "urls": [], "phones": [],
            "contact": None, "commune": None} | kwargs  # fmt: skip
    with pytest.raises(ValidationFailed) as err:
        filing.submit_report(seeded, **args)
    assert err.value.field == field
    seeded.rollback()
    assert _count(seeded, Report) == 0 and _count(seeded, Item) == 0
    assert _count(seeded, AuditEntry) == before


def test_idempotency_key(seeded: Session) -> None:
    args = {"category": "spam", "content": "Mời vay tiền lãi 0%", "urls": [], "phones": [],
            "contact": None, "commune": None}  # fmt: skip
    first = filing.submit_report(seeded, idempotency_key="k-1", **args)
    seeded.commit()
    again = filing.submit_report(seeded, idempotency_key="k-1", **args)
    assert again.id == first.id
    with pytest.raises(Conflict):
        filing.submit_report(seeded, idempotency_key="k-1", **(args | {"content": "khác"}))
    assert _count(seeded, Report) == 1


def test_public_status_shows_no_internal_data(seeded: Session) -> None:
    report = filing.submit_report(seeded, category="scam", content=SCAM, urls=[], phones=[],
                                  contact={"email": "a@b.vn"}, commune=None, consent=True)  # fmt: skip
    report.public_state = "resolved"
    report.public_outcome = "Đã đề nghị nhà mạng chặn số."
    seeded.commit()
    loose = report.tracking_code.lower().replace("-", " ")
    status = intake.public_status(seeded, loose)
    assert status["tracking_code"] == report.tracking_code and status["state"] == "resolved"
    assert status["outcome"] == "Đã đề nghị nhà mạng chặn số."
    assert "a@b.vn" not in str(status) and SCAM not in str(status)
    for bad in ("CG-0000-0000", "nonsense", "../../etc"):
        with pytest.raises(NotFound):
            intake.public_status(seeded, bad)


@pytest.mark.parametrize(
    ("typed", "expected"),
    [
        ("CG-7K2Q-9XMB", "CG-7K2Q-9XMB"),
        ("cg7k2q9xmb", "CG-7K2Q-9XMB"),
        ("CG-7K2Q-9XMO", "CG-7K2Q-9XM0"),
        ("CG-7K2Q-9XM", None),
        ("XX-7K2Q-9XMB-1", None),
        ("", None),
    ],
)
def test_tracking_codes(typed: str, expected: str | None) -> None:
    assert tipline.canonical_tracking_code(typed) == expected


def test_new_tracking_codes_are_well_formed_and_distinct() -> None:
    codes = {tipline.new_tracking_code() for _ in range(2000)}
    assert len(codes) == 2000
    assert all(tipline.canonical_tracking_code(c) == c for c in codes)
