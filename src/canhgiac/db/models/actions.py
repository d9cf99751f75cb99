"""What the district does: recipients, take-down requests, indicators, known claims, warnings."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Float, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from canhgiac.db.base import Base, utcnow

REQUEST_STATES = ("draft", "approved", "sent", "acknowledged", "done", "refused", "expired")
RECIPIENT_KINDS = ("telecom", "isp", "platform", "registry", "registrar", "bank")
FP_STATES = ("open", "accepted", "rejected")
WARNING_KINDS = ("warning", "fact_check")
WARNING_STATES = ("draft", "review", "published", "withdrawn")
REQUEST_ACTIONS = ("block_domain", "block_phone", "remove_content", "freeze_account")
INDICATOR_STATUSES = ("active", "expired", "false_positive")


class Recipient(Base):
    """A telecom operator, ISP, platform, registry, registrar or bank that receives requests."""

    __tablename__ = "recipients"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(32), unique=True)
    name: Mapped[str] = mapped_column(String(255))
    kind: Mapped[str] = mapped_column(String(32))
    channel: Mapped[str] = mapped_column(String(32), default="letter")
    contacts: Mapped[dict[str, Any]] = mapped_column(default=dict)
    address: Mapped[str] = mapped_column(Text, default="")
    response_days: Mapped[int] = mapped_column(default=5)
    active: Mapped[bool] = mapped_column(default=True)


class TakedownRequest(Base):
    """A blocking / take-down request sent to a recipient and tracked to an answer."""

    __tablename__ = "takedown_requests"
    # Letter numbers restart every year (Decree 30/2020): "12/VHTT-CV" exists once per year.
    __table_args__ = (UniqueConstraint("letter_year", "letter_seq"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    number: Mapped[str | None] = mapped_column(String(64), index=True)
    letter_year: Mapped[int | None]
    letter_seq: Mapped[int | None]
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"), index=True)
    recipient_id: Mapped[int] = mapped_column(ForeignKey("recipients.id"), index=True)
    action: Mapped[str] = mapped_column(String(32))
    state: Mapped[str] = mapped_column(String(32), default="draft", index=True)
    legal_basis: Mapped[str] = mapped_column(Text)
    indicators: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    evidence_hashes: Mapped[list[str]] = mapped_column(JSON, default=list)
    body: Mapped[str] = mapped_column(Text, default="")
    due_at: Mapped[datetime | None]
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    approved_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    approved_at: Mapped[datetime | None]
    sent_at: Mapped[datetime | None]
    acknowledged_at: Mapped[datetime | None]
    reminded_at: Mapped[datetime | None]
    answered_at: Mapped[datetime | None]
    answer: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)


class IndicatorEntry(Base):
    """A known indicator on the district's block-list or allow-list."""

    __tablename__ = "indicators"
    __table_args__ = (
        UniqueConstraint("list_name", "kind", "value"),
        Index("ix_indicators_status", "status"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    list_name: Mapped[str] = mapped_column(String(8), default="block")
    kind: Mapped[str] = mapped_column(String(16))
    value: Mapped[str] = mapped_column(String(2048))
    confidence: Mapped[float] = mapped_column(Float, default=0.5)
    source: Mapped[str] = mapped_column(String(255), default="")
    category: Mapped[str] = mapped_column(String(32), default="")
    description: Mapped[str] = mapped_column(Text, default="")
    status: Mapped[str] = mapped_column(String(16), default="active")
    case_id: Mapped[int | None] = mapped_column(ForeignKey("cases.id"))
    first_seen: Mapped[datetime] = mapped_column(default=utcnow)
    last_seen: Mapped[datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[datetime | None]
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)


class FalsePositiveReport(Base):
    """A site owner's or citizen's claim that an indicator is wrongly blocked."""

    __tablename__ = "false_positive_reports"

    id: Mapped[int] = mapped_column(primary_key=True)
    indicator_id: Mapped[int | None] = mapped_column(ForeignKey("indicators.id"))
    value: Mapped[str] = mapped_column(String(2048))
    reason: Mapped[str] = mapped_column(Text)
    contact: Mapped[dict[str, Any] | None]
    state: Mapped[str] = mapped_column(String(16), default="open", index=True)
    decision_note: Mapped[str] = mapped_column(Text, default="")
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    decided_at: Mapped[datetime | None]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class Claim(Base):
    """A verified false claim with its official correction (the fact-check knowledge base)."""

    __tablename__ = "claims"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(64), unique=True)
    text: Mapped[str] = mapped_column(Text)
    paraphrases: Mapped[list[str]] = mapped_column(JSON, default=list)
    rating: Mapped[str] = mapped_column(String(32), default="false")
    correction: Mapped[str] = mapped_column(Text, default="")
    source_ref: Mapped[str] = mapped_column(Text, default="")
    source_type: Mapped[str] = mapped_column(String(255), default="")
    topic: Mapped[str] = mapped_column(String(32), default="")
    active: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)


class Warning(Base):
    """A public warning or fact-check, published after review."""

    __tablename__ = "warnings"

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(160), unique=True)
    kind: Mapped[str] = mapped_column(String(16), default="warning")
    title: Mapped[str] = mapped_column(Text)
    summary: Mapped[str] = mapped_column(Text, default="")
    body: Mapped[str] = mapped_column(Text)
    claim_id: Mapped[int | None] = mapped_column(ForeignKey("claims.id"))
    case_id: Mapped[int | None] = mapped_column(ForeignKey("cases.id"))
    state: Mapped[str] = mapped_column(String(16), default="draft", index=True)
    author_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    reviewer_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    submitted_at: Mapped[datetime | None]
    published_at: Mapped[datetime | None] = mapped_column(index=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)
