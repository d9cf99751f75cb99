"""Reminders before tasks fall due and escalation of overdue progress reports, each sent once."""

from __future__ import annotations

from datetime import date

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from canhgiac.db.models import Notification, PlanTask
from canhgiac.services import plan as plan_service
from canhgiac.services import progress
from canhgiac.worker.registry import PERIODIC, load_job_modules


def test_jobs_are_registered() -> None:
    jobs = load_job_modules()
    assert {"plan.remind_tasks", "plan.escalate_progress"} <= set(jobs) & set(PERIODIC)


def test_task_reminders_go_once_to_the_unit(seeded: Session, make_user) -> None:  # type: ignore[no-untyped-def]
    plan_service.seed_default_plan(seeded)
    officer = make_user("unit_officer", "CA")
    make_user("unit_officer", "VHTT")
    reminded = plan_service.remind_due_tasks(seeded, today=date(2023, 6, 25))
    # Due 25/6–2/7: every quarterly and monthly task ending June; CA has one (CA-1, 2023-06).
    ca = [t for t in reminded if t.unit_id == officer.unit_id]
    assert [(t.duty_ref, t.period_label) for t in ca] == [("CA-1", "2023-06")]
    notes = seeded.scalars(select(Notification).where(Notification.user_id == officer.id)).all()
    assert len(notes) == 1 and "CA-1" in notes[0].message and "30/06/2023" in notes[0].message
    assert plan_service.remind_due_tasks(seeded, today=date(2023, 6, 26)) == []
    done = seeded.scalars(select(PlanTask).where(PlanTask.duty_ref == "CA-1")).all()
    assert sum(t.reminded_at is not None for t in done) == 1


def test_overdue_progress_reports_escalated_once(seeded: Session, make_user) -> None:  # type: ignore[no-untyped-def]
    plan = plan_service.seed_default_plan(seeded)
    assert plan is not None
    coordinator = make_user("coordinator", "VHTT")
    officer = make_user("unit_officer", "CA")
    report = progress.open_report(seeded, officer, plan, "CA", "2023-Q1")
    progress.submit_report(seeded, officer, report.id)
    overdue = progress.overdue_reports(seeded, plan, today=date(2023, 4, 6))
    assert len(overdue) == 34 and all(p == "2023-Q1" for _, p, _ in overdue)  # 35 units less CA
    assert progress.overdue_reports(seeded, plan, today=date(2023, 4, 5)) == []  # grace period
    assert progress.escalate_overdue(seeded, today=date(2023, 4, 6)) == 34
    assert progress.escalate_overdue(seeded, today=date(2023, 4, 7)) == 0
    to_coordinator = seeded.scalar(
        select(func.count()).where(Notification.user_id == coordinator.id,
                                   Notification.kind == "progress_overdue")
    )  # fmt: skip
    assert to_coordinator == 34
    assert seeded.scalar(select(func.count()).where(Notification.user_id == officer.id)) == 0
