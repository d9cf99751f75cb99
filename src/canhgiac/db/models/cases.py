"""Cases and the work around them: items linked, events, routing and deadline rules, notifications."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Float, ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from canhgiac.db.base import Base, utcnow
from canhgiac.db.models.org import Unit, User

CASE_STATES = (
    "new",
    "triaged",
    "verifying",
    "acting",
    "awaiting_response",
    "resolved",
    "rejected",
    "archived",
)
SEVERITIES = ("low", "medium", "high", "critical")


class Case(Base):
    """A matter a unit works on until it is resolved or rejected."""

    __tablename__ = "cases"

    id: Mapped[int] = mapped_column(primary_key=True)
    ref: Mapped[str] = mapped_column(String(32), unique=True)
    title: Mapped[str] = mapped_column(Text)
    category: Mapped[str] = mapped_column(String(32), index=True)
    severity: Mapped[str] = mapped_column(String(16), default="medium")
    score: Mapped[float] = mapped_column(Float, default=0.0)
    state: Mapped[str] = mapped_column(String(32), default="new", index=True)
    owner_unit_id: Mapped[int] = mapped_column(ForeignKey("units.id"), index=True)
    assignee_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), index=True)
    commune_unit_id: Mapped[int | None] = mapped_column(ForeignKey("units.id"))
    deadline_at: Mapped[datetime | None] = mapped_column(index=True)
    reminded_at: Mapped[datetime | None]
    escalated_at: Mapped[datetime | None]
    legal_basis: Mapped[str | None] = mapped_column(Text)
    outcome_code: Mapped[str | None] = mapped_column(String(32))
    outcome_note: Mapped[str | None] = mapped_column(Text)
    public_outcome: Mapped[str | None] = mapped_column(Text)
    merged_into_id: Mapped[int | None] = mapped_column(ForeignKey("cases.id"))
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)
    triaged_at: Mapped[datetime | None]
    closed_at: Mapped[datetime | None]

    owner_unit: Mapped[Unit] = relationship(foreign_keys=[owner_unit_id], lazy="joined")
    assignee: Mapped[User | None] = relationship(foreign_keys=[assignee_id], lazy="joined")


class CaseItem(Base):
    """An item linked to a case."""

    __tablename__ = "case_items"
    __table_args__ = (UniqueConstraint("case_id", "item_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"), index=True)
    item_id: Mapped[int] = mapped_column(ForeignKey("items.id"), index=True)
    linked_at: Mapped[datetime] = mapped_column(default=utcnow)
    reason: Mapped[str] = mapped_column(String(255), default="")


class CaseEvent(Base):
    """One entry of a case's timeline (creation, transition, comment, assignment, evidence...)."""

    __tablename__ = "case_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"), index=True)
    at: Mapped[datetime] = mapped_column(default=utcnow)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    kind: Mapped[str] = mapped_column(String(32))
    from_state: Mapped[str | None] = mapped_column(String(32))
    to_state: Mapped[str | None] = mapped_column(String(32))
    body: Mapped[str] = mapped_column(Text, default="")
    data: Mapped[dict[str, Any]] = mapped_column(default=dict)


class RoutingRule(Base):
    """Category (and optionally commune) → the unit responsible, per the plan's division of duties."""

    __tablename__ = "routing_rules"
    __table_args__ = (UniqueConstraint("category", "commune_unit_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    category: Mapped[str] = mapped_column(String(32))
    commune_unit_id: Mapped[int | None] = mapped_column(ForeignKey("units.id"))
    unit_id: Mapped[int] = mapped_column(ForeignKey("units.id"))


class DeadlineRule(Base):
    """Hours allowed to resolve a case of a category and severity."""

    __tablename__ = "deadline_rules"
    __table_args__ = (UniqueConstraint("category", "severity"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    category: Mapped[str] = mapped_column(String(32))
    severity: Mapped[str] = mapped_column(String(16))
    hours: Mapped[int]


class Notification(Base):
    """An in-app notification for one user."""

    __tablename__ = "notifications"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    case_id: Mapped[int | None] = mapped_column(ForeignKey("cases.id"))
    kind: Mapped[str] = mapped_column(String(32))
    message: Mapped[str] = mapped_column(Text)
    link: Mapped[str] = mapped_column(String(255), default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    read_at: Mapped[datetime | None]


class Webhook(Base):
    """An outbound webhook, signed with HMAC-SHA256."""

    __tablename__ = "webhooks"

    id: Mapped[int] = mapped_column(primary_key=True)
    url: Mapped[str] = mapped_column(Text)
    secret: Mapped[str] = mapped_column(String(128))
    events: Mapped[str] = mapped_column(String(255), default="*")
    active: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class SavedView(Base):
    """A named set of case-queue filters saved by a user."""

    __tablename__ = "saved_views"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    name: Mapped[str] = mapped_column(String(120))
    filters: Mapped[dict[str, Any]] = mapped_column(default=dict)


class ReviewDecision(Base):
    """A person's decision on an item in the review queue (dismissed), so it leaves the queue."""

    __tablename__ = "review_decisions"

    id: Mapped[int] = mapped_column(primary_key=True)
    item_id: Mapped[int] = mapped_column(
        ForeignKey("items.id", ondelete="CASCADE"), unique=True, index=True
    )
    decision: Mapped[str] = mapped_column(String(16))
    reason: Mapped[str] = mapped_column(Text, default="")
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    decided_at: Mapped[datetime] = mapped_column(default=utcnow)
