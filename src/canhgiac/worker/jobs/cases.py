"""Deadline watch: remind before a case falls due, escalate to the coordinator once it is overdue.

Idempotent: a case is reminded once (`Case.reminded_at`) and escalated once (`Case.escalated_at`)
per deadline; moving the deadline clears both.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from canhgiac.db.base import utcnow
from canhgiac.db.models import Case
from canhgiac.services import cases, notifications
from canhgiac.worker.registry import job, periodic

KIND = "cases.check_deadlines"
REMIND_BEFORE = timedelta(hours=24)
BATCH = 500


@dataclass
class DeadlineRun:
    """What one check did."""

    reminded: list[str] = field(default_factory=list)
    escalated: list[str] = field(default_factory=list)


def reminder_due_at(case: Case) -> datetime | None:
    """When to remind: a day before the deadline, or half-way for deadlines shorter than two days."""
    if case.deadline_at is None:
        return None
    span = case.deadline_at - case.created_at
    return case.deadline_at - min(REMIND_BEFORE, max(span / 2, timedelta(0)))


def _unit_people(session: Session, case: Case) -> list[Any]:
    if case.assignee is not None:
        return [case.assignee]
    return notifications.unit_users(
        session, case.owner_unit_id, roles=("coordinator", "investigator", "unit_officer")
    )


def _remind(session: Session, case: Case, now: datetime) -> None:
    assert case.deadline_at is not None
    case.reminded_at = now
    message = f"Vụ việc {case.ref} sắp đến hạn xử lý."
    cases.record_system_event(
        session, case, "reminder", message, {"deadline_at": case.deadline_at.isoformat()}
    )
    notifications.notify_users(
        session, _unit_people(session, case), "case.reminder", message, case=case
    )


def _escalate(session: Session, case: Case, now: datetime) -> None:
    assert case.deadline_at is not None
    case.escalated_at = now
    case.reminded_at = case.reminded_at or now
    late = now - case.deadline_at
    message = (
        f"Vụ việc {case.ref} ({case.owner_unit.name}) đã quá hạn "
        f"{int(late.total_seconds() // 3600)} giờ: {case.title}"
    )
    cases.record_system_event(
        session, case, "escalated", message, {"deadline_at": case.deadline_at.isoformat()}
    )
    people = notifications.coordinators(session) + _unit_people(session, case)
    notifications.notify_users(session, people, "case.escalated", message, case=case)
    notifications.emit(session, "case.overdue", cases.case_payload(case))


def check_deadlines(session: Session, *, now: datetime | None = None) -> DeadlineRun:
    """Remind and escalate the open cases that need it; safe to run any number of times."""
    now = now or utcnow()
    run = DeadlineRun()
    open_with_deadline = select(Case).where(
        Case.state.in_(cases.OPEN_STATES), Case.deadline_at.is_not(None)
    )
    overdue = session.scalars(
        open_with_deadline.where(Case.escalated_at.is_(None), Case.deadline_at < now)
        .order_by(Case.deadline_at)
        .limit(BATCH)
    )
    for case in overdue:
        _escalate(session, case, now)
        run.escalated.append(case.ref)
    soon = session.scalars(
        open_with_deadline.where(
            Case.reminded_at.is_(None), Case.deadline_at <= now + REMIND_BEFORE
        )
        .order_by(Case.deadline_at)
        .limit(BATCH)
    )
    for case in soon:
        due = reminder_due_at(case)
        if due is not None and due <= now:
            _remind(session, case, now)
            run.reminded.append(case.ref)
    return run


@job(KIND, max_attempts=1)
@periodic(KIND, every_s=900)
def check_deadlines_job(session: Session, payload: dict[str, Any]) -> None:
    """The periodic deadline check."""
    check_deadlines(session)
