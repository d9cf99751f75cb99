"""Figures for the home dashboard, always counted from the data."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from canhgiac.db.base import utcnow
from canhgiac.db.models import Activity, Case, Item, Report, TakedownRequest, User, Warning
from canhgiac.services.permissions import DISTRICT_WIDE_ROLES

OPEN_CASE_STATES = ("new", "triaged", "verifying", "acting", "awaiting_response")


@dataclass(frozen=True)
class DashboardFigures:
    """The headline numbers shown to a signed-in user."""

    reports_total: int
    reports_7d: int
    items_flagged: int
    items_pending_scan: int
    cases_open: int
    cases_overdue: int
    requests_open: int
    warnings_published: int
    activities_held: int
    cases_by_state: dict[str, int]


def _count(session: Session, query: object) -> int:
    return int(session.scalar(query) or 0)  # type: ignore[call-overload]


def figures_for(session: Session, user: User) -> DashboardFigures:
    """Counts scoped to the user's unit unless their role sees the whole district."""
    now = utcnow()
    case_scope = select(Case.id)
    if user.role not in DISTRICT_WIDE_ROLES:
        case_scope = case_scope.where(Case.owner_unit_id == user.unit_id)
    scoped = case_scope.subquery()
    by_state = dict(
        session.execute(
            select(Case.state, func.count())
            .where(Case.id.in_(select(scoped.c.id)))
            .group_by(Case.state)
        ).all()
    )
    open_cases = (
        select(func.count())
        .select_from(Case)
        .where(Case.id.in_(select(scoped.c.id)), Case.state.in_(OPEN_CASE_STATES))
    )
    from datetime import timedelta

    return DashboardFigures(
        reports_total=_count(session, select(func.count()).select_from(Report)),
        reports_7d=_count(
            session,
            select(func.count())
            .select_from(Report)
            .where(Report.created_at >= now - timedelta(days=7)),
        ),
        items_flagged=_count(
            session,
            select(func.count()).select_from(Item).where(Item.verdict_label.in_(("scam", "spam"))),
        ),
        items_pending_scan=_count(
            session, select(func.count()).select_from(Item).where(Item.scan_state == "pending")
        ),
        cases_open=_count(session, open_cases),
        cases_overdue=_count(session, open_cases.where(Case.deadline_at < now)),
        requests_open=_count(
            session,
            select(func.count())
            .select_from(TakedownRequest)
            .where(TakedownRequest.state.in_(("draft", "approved", "sent", "acknowledged"))),
        ),
        warnings_published=_count(
            session, select(func.count()).select_from(Warning).where(Warning.state == "published")
        ),
        activities_held=_count(session, select(func.count()).select_from(Activity)),
        cases_by_state={str(k): int(v) for k, v in by_state.items()},
    )
