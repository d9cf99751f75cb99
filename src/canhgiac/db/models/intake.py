"""What comes in: sources, items, citizens' reports, indicators seen, and evidence."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, BigInteger, Float, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from canhgiac.db.base import Base, utcnow

REPORT_CATEGORIES = (
    "scam",
    "phishing",
    "spam",
    "false_info",
    "hacked_account",
    "data_leak",
    "malware",
    "other",
)
ITEM_CHANNELS = ("tipline", "api", "agency", "sms_csv", "eml", "rss", "web")


class Source(Base):
    """A public source scanned on a schedule (RSS/Atom feed or web page)."""

    __tablename__ = "sources"

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(16))
    url: Mapped[str] = mapped_column(Text)
    unit_id: Mapped[int] = mapped_column(ForeignKey("units.id"), index=True)
    every_s: Mapped[int] = mapped_column(default=1800)
    active: Mapped[bool] = mapped_column(default=True)
    etag: Mapped[str | None] = mapped_column(String(255))
    last_modified: Mapped[str | None] = mapped_column(String(255))
    last_run_at: Mapped[datetime | None]
    next_run_at: Mapped[datetime | None]
    last_status: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class Item(Base):
    """One piece of content received (deduplicated): what the scanner scans."""

    __tablename__ = "items"
    __table_args__ = (Index("ix_items_cluster", "cluster_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    channel: Mapped[str] = mapped_column(String(16), index=True)
    source_id: Mapped[int | None] = mapped_column(ForeignKey("sources.id"))
    source_name: Mapped[str] = mapped_column(String(255), default="")
    external_id: Mapped[str | None] = mapped_column(String(255))
    content: Mapped[str] = mapped_column(Text)
    content_sha256: Mapped[str] = mapped_column(String(64), unique=True)
    # Fingerprint of the folded text with digits, links and punctuation collapsed (near-duplicates).
    near_sha256: Mapped[str | None] = mapped_column(String(64), index=True)
    cluster_id: Mapped[int | None] = mapped_column(ForeignKey("items.id"))
    sender: Mapped[str | None] = mapped_column(String(255))
    title: Mapped[str | None] = mapped_column(Text)
    url: Mapped[str | None] = mapped_column(Text)
    category: Mapped[str | None] = mapped_column(String(32))
    commune_unit_id: Mapped[int | None] = mapped_column(ForeignKey("units.id"))
    report_count: Mapped[int] = mapped_column(default=1)
    first_seen_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_seen_at: Mapped[datetime] = mapped_column(default=utcnow)
    scan_state: Mapped[str] = mapped_column(String(16), default="pending", index=True)
    verdict_label: Mapped[str | None] = mapped_column(String(16), index=True)
    verdict_score: Mapped[float | None] = mapped_column(Float)
    verdict: Mapped[dict[str, Any] | None]
    scanned_at: Mapped[datetime | None]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class Report(Base):
    """One citizen's or agency's report; many reports may point at one item."""

    __tablename__ = "reports"

    id: Mapped[int] = mapped_column(primary_key=True)
    tracking_code: Mapped[str] = mapped_column(String(24), unique=True)
    item_id: Mapped[int] = mapped_column(ForeignKey("items.id"), index=True)
    channel: Mapped[str] = mapped_column(String(16))
    category: Mapped[str] = mapped_column(String(32), index=True)
    content: Mapped[str] = mapped_column(Text)
    urls: Mapped[list[str]] = mapped_column(JSON, default=list)
    phones: Mapped[list[str]] = mapped_column(JSON, default=list)
    contact: Mapped[dict[str, Any] | None]
    contact_consent: Mapped[bool] = mapped_column(default=False)
    contact_expires_at: Mapped[datetime | None]
    commune_unit_id: Mapped[int | None] = mapped_column(ForeignKey("units.id"), index=True)
    reporter_user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    idempotency_key: Mapped[str | None] = mapped_column(String(128), unique=True)
    request_sha256: Mapped[str | None] = mapped_column(String(64))
    public_state: Mapped[str] = mapped_column(String(32), default="received")
    public_outcome: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    item: Mapped[Item] = relationship()


class ItemIndicator(Base):
    """An indicator (domain, URL, phone, account, e-mail) found in an item."""

    __tablename__ = "item_indicators"
    __table_args__ = (
        UniqueConstraint("item_id", "kind", "value"),
        Index("ix_item_indicators_kind_value", "kind", "value"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    item_id: Mapped[int] = mapped_column(ForeignKey("items.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(16))
    value: Mapped[str] = mapped_column(String(2048))


class EvidenceBlob(Base):
    """A stored file, addressed by its SHA-256."""

    __tablename__ = "evidence_blobs"

    sha256: Mapped[str] = mapped_column(String(64), primary_key=True)
    size: Mapped[int] = mapped_column(BigInteger)
    media_type: Mapped[str] = mapped_column(String(128))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class Evidence(Base):
    """A piece of evidence: a blob with its name, origin and who captured it (chain of custody)."""

    __tablename__ = "evidence"

    id: Mapped[int] = mapped_column(primary_key=True)
    blob_sha256: Mapped[str] = mapped_column(ForeignKey("evidence_blobs.sha256"), index=True)
    item_id: Mapped[int | None] = mapped_column(ForeignKey("items.id"), index=True)
    case_id: Mapped[int | None] = mapped_column(ForeignKey("cases.id"), index=True)
    report_id: Mapped[int | None] = mapped_column(ForeignKey("reports.id"))
    kind: Mapped[str] = mapped_column(String(32))
    name: Mapped[str] = mapped_column(String(255))
    origin: Mapped[str] = mapped_column(Text, default="")
    extracted_text: Mapped[str | None] = mapped_column(Text)
    captured_at: Mapped[datetime] = mapped_column(default=utcnow)
    captured_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    note: Mapped[str] = mapped_column(Text, default="")

    blob: Mapped[EvidenceBlob] = relationship(lazy="joined")
