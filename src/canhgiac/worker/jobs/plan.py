"""Jobs of the plan: reminders before tasks fall due, escalation of overdue progress reports."""

from __future__ import annotations

import logging
from typing import Any

from sqlalchemy.orm import Session

from canhgiac.services import plan as plan_service
from canhgiac.services import progress
from canhgiac.worker.registry import periodic

logger = logging.getLogger(__name__)


@periodic("plan.remind_tasks", every_s=6 * 3600)
def remind_tasks(session: Session, payload: dict[str, Any]) -> None:
    """Remind each unit, once, of its plan tasks due within a week."""
    reminded = plan_service.remind_due_tasks(session)
    if reminded:
        logger.info("plan: %d task reminders", len(reminded))


@periodic("plan.escalate_progress", every_s=6 * 3600)
def escalate_progress(session: Session, payload: dict[str, Any]) -> None:
    """Tell units and coordinators, once, about progress reports past due."""
    escalated = progress.escalate_overdue(session)
    if escalated:
        logger.info("plan: %d overdue progress reports escalated", escalated)
