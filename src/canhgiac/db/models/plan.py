"""The yearly plan: tasks per unit, trainings and campaigns, budget lines, progress reports."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import BigInteger, Date, ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from canhgiac.db.base import Base, utcnow

TASK_STATES = ("open", "in_progress", "done", "overdue", "cancelled")
TASK_PERIODS = ("yearly", "quarterly", "monthly", "one_off")
PROGRESS_STATES = ("draft", "submitted", "approved", "returned")


class Plan(Base):
    """A district plan (kế hoạch) for one year, with its structured text."""

    __tablename__ = "plans"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(64), unique=True)
    title: Mapped[str] = mapped_column(Text)
    year: Mapped[int]
    document: Mapped[dict[str, Any]] = mapped_column(default=dict)
    active: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class PlanTask(Base):
    """One duty of one unit for one period (nhiệm vụ)."""

    __tablename__ = "plan_tasks"

    id: Mapped[int] = mapped_column(primary_key=True)
    plan_id: Mapped[int] = mapped_column(ForeignKey("plans.id", ondelete="CASCADE"), index=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("units.id"), index=True)
    duty_ref: Mapped[str] = mapped_column(String(64))
    title: Mapped[str] = mapped_column(Text)
    period: Mapped[str] = mapped_column(String(16))
    period_label: Mapped[str] = mapped_column(String(32), default="")
    due_on: Mapped[date | None] = mapped_column(Date)
    state: Mapped[str] = mapped_column(String(16), default="open")
    completion_evidence: Mapped[dict[str, Any]] = mapped_column(default=dict)
    completed_at: Mapped[datetime | None]
    reminded_at: Mapped[datetime | None]


class Activity(Base):
    """A training (lớp tập huấn) or awareness campaign (đợt tuyên truyền) held."""

    __tablename__ = "activities"

    id: Mapped[int] = mapped_column(primary_key=True)
    plan_id: Mapped[int | None] = mapped_column(ForeignKey("plans.id"))
    kind: Mapped[str] = mapped_column(String(16))
    title: Mapped[str] = mapped_column(Text)
    held_on: Mapped[date] = mapped_column(Date, index=True)
    place: Mapped[str] = mapped_column(Text, default="")
    commune_unit_id: Mapped[int | None] = mapped_column(ForeignKey("units.id"))
    organiser_unit_id: Mapped[int] = mapped_column(ForeignKey("units.id"))
    audience: Mapped[str] = mapped_column(String(32), default="residents")
    attendance: Mapped[int] = mapped_column(default=0)
    channels: Mapped[str] = mapped_column(String(255), default="")
    materials: Mapped[str] = mapped_column(Text, default="")
    notes: Mapped[str] = mapped_column(Text, default="")
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class BudgetLine(Base):
    """A budget line of one unit (VND): planned, committed and spent."""

    __tablename__ = "budget_lines"

    id: Mapped[int] = mapped_column(primary_key=True)
    plan_id: Mapped[int] = mapped_column(ForeignKey("plans.id", ondelete="CASCADE"), index=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("units.id"))
    title: Mapped[str] = mapped_column(Text)
    planned_vnd: Mapped[int] = mapped_column(BigInteger, default=0)
    committed_vnd: Mapped[int] = mapped_column(BigInteger, default=0)
    spent_vnd: Mapped[int] = mapped_column(BigInteger, default=0)


class ProgressReport(Base):
    """A unit's progress report for one period (báo cáo tiến độ)."""

    __tablename__ = "progress_reports"
    __table_args__ = (UniqueConstraint("plan_id", "unit_id", "period"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    plan_id: Mapped[int] = mapped_column(ForeignKey("plans.id", ondelete="CASCADE"))
    unit_id: Mapped[int] = mapped_column(ForeignKey("units.id"), index=True)
    period: Mapped[str] = mapped_column(String(16))
    due_on: Mapped[date | None] = mapped_column(Date)
    figures: Mapped[dict[str, Any]] = mapped_column(default=dict)
    narrative: Mapped[str] = mapped_column(Text, default="")
    state: Mapped[str] = mapped_column(String(16), default="draft")
    submitted_at: Mapped[datetime | None]
    submitted_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    approved_at: Mapped[datetime | None]
    approved_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
