"""Plan indicators counted from the data for a period (never typed twice), plus the rows behind them.

Periods are local calendar days (Asia/Ho_Chi_Minh); timestamps are compared in UTC. Durations are
hours; the median is the usual one, the 90th percentile uses the nearest-rank rule (the smallest
value with at least 90% of the values at or below it).
"""

from __future__ import annotations

import math
import statistics
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from canhgiac.db.base import utcnow
from canhgiac.db.models import (
    Activity,
    BudgetLine,
    Case,
    FalsePositiveReport,
    Plan,
    PlanTask,
    Recipient,
    Report,
    TakedownRequest,
    Unit,
    User,
    Warning,
)
from canhgiac.i18n import LOCAL_TZ, N_
from canhgiac.planning.period import Period

__all__ = [
    "ANSWERED_REQUEST_STATES",
    "OPEN_CASE_STATES",
    "BudgetFigure",
    "Duration",
    "PlanFigures",
    "RequestFigure",
    "TaskFigure",
    "TrainingFigure",
    "TransparencyFigures",
    "Window",
    "cases_behind",
    "compute",
    "duration_stat",
    "monthly_trend",
    "reports_behind",
    "requests_behind",
    "transparency",
    "window",
]

OPEN_CASE_STATES = ("new", "triaged", "verifying", "acting", "awaiting_response")
RESOLVED_CASE_STATES = ("resolved", "archived")
ANSWERED_REQUEST_STATES = ("acknowledged", "done", "refused")
NO_COMMUNE = ""  # key for reports and trainings not tied to a commune


@dataclass(frozen=True)
class Window:
    """A period as a half-open UTC range [start_utc, end_utc) plus its local dates."""

    period: Period
    start_utc: datetime
    end_utc: datetime


def window(period: Period) -> Window:
    """The UTC range covering the period's local days."""
    start = datetime.combine(period.start, time(0), LOCAL_TZ).astimezone(UTC)
    end = datetime.combine(period.end + timedelta(days=1), time(0), LOCAL_TZ).astimezone(UTC)
    return Window(period, start, end)


@dataclass(frozen=True)
class Duration:
    """Median and 90th percentile of durations, in hours (None when nothing was measured)."""

    median_hours: float | None
    p90_hours: float | None
    count: int


def duration_stat(hours: list[float]) -> Duration:
    """Median and nearest-rank 90th percentile of a list of hours."""
    if not hours:
        return Duration(None, None, 0)
    ordered = sorted(hours)
    rank = max(1, math.ceil(0.9 * len(ordered)))
    return Duration(round(statistics.median(ordered), 2), round(ordered[rank - 1], 2), len(ordered))


@dataclass(frozen=True)
class RequestFigure:
    """Requests sent to one recipient in the period and what came of them."""

    recipient_code: str
    recipient: str
    sent: int
    answered: int
    refused: int
    answer_time: Duration


@dataclass(frozen=True)
class TrainingFigure:
    """Trainings held in one commune ("" = district level) and the people reached."""

    commune_code: str
    commune: str
    sessions: int
    people: int


@dataclass(frozen=True)
class BudgetFigure:
    """One unit's budget lines summed, in đồng."""

    unit_code: str
    unit: str
    planned: int
    committed: int
    spent: int


@dataclass(frozen=True)
class TaskFigure:
    """Plan tasks of one unit due in the period: how many, done, overdue."""

    unit_code: str
    unit: str
    total: int
    done: int
    overdue: int


@dataclass(frozen=True)
class PlanFigures:
    """Every indicator of the plan for one period (optionally one unit)."""

    period: Period
    reports_by_category: dict[str, int]
    reports_by_commune: dict[str, int]
    cases_by_state: dict[str, int]
    cases_by_unit: dict[str, int]
    time_to_triage: Duration
    time_to_resolve: Duration
    overdue_cases: int
    requests: list[RequestFigure]
    warnings_published: int
    fact_checks_published: int
    trainings: list[TrainingFigure]
    campaigns: int
    campaign_people: int
    budget: list[BudgetFigure]
    tasks: list[TaskFigure]
    unit_names: dict[str, str] = field(default_factory=dict)

    @property
    def reports_total(self) -> int:
        return sum(self.reports_by_category.values())

    @property
    def cases_total(self) -> int:
        return sum(self.cases_by_state.values())

    @property
    def trainings_held(self) -> int:
        return sum(t.sessions for t in self.trainings)

    @property
    def people_reached(self) -> int:
        return sum(t.people for t in self.trainings)

    def as_dict(self) -> dict[str, Any]:
        """JSON-ready figures (for the API and progress-report pre-fill)."""
        from dataclasses import asdict

        data = asdict(self)
        data["period"] = {
            "code": self.period.code,
            "label": self.period.label,
            "start": self.period.start.isoformat(),
            "end": self.period.end.isoformat(),
        }
        return data


def _hours(later: datetime, earlier: datetime) -> float:
    return (later - earlier).total_seconds() / 3600


def _counts(session: Session, query: Any) -> dict[str, int]:
    return {str(key or NO_COMMUNE): int(n) for key, n in session.execute(query).all()}


def _unit_names(session: Session) -> dict[str, str]:
    return dict(session.execute(select(Unit.code, Unit.name)).tuples().all())


def _reports(session: Session, w: Window, unit: Unit | None) -> tuple[dict[str, int], ...]:
    scope = [Report.created_at >= w.start_utc, Report.created_at < w.end_utc]
    if unit is not None:
        scope.append(Report.commune_unit_id == unit.id)
    by_category = _counts(
        session, select(Report.category, func.count()).where(*scope).group_by(Report.category)
    )
    by_commune = _counts(
        session,
        select(Unit.code, func.count(Report.id))
        .select_from(Report)
        .outerjoin(Unit, Unit.id == Report.commune_unit_id)
        .where(*scope)
        .group_by(Unit.code),
    )
    return by_category, by_commune


def _case_scope(w: Window, unit: Unit | None) -> list[Any]:
    scope: list[Any] = [Case.created_at >= w.start_utc, Case.created_at < w.end_utc]
    if unit is not None:
        scope.append(Case.owner_unit_id == unit.id)
    return scope


def _cases(
    session: Session, w: Window, unit: Unit | None, now: datetime
) -> tuple[dict[str, int], dict[str, int], Duration, Duration, int]:
    scope = _case_scope(w, unit)
    by_state = _counts(session, select(Case.state, func.count()).where(*scope).group_by(Case.state))
    by_unit = _counts(
        session,
        select(Unit.code, func.count(Case.id))
        .select_from(Case)
        .join(Unit, Unit.id == Case.owner_unit_id)
        .where(*scope)
        .group_by(Unit.code),
    )
    triage = [
        _hours(t, c)
        for c, t in session.execute(
            select(Case.created_at, Case.triaged_at).where(*scope, Case.triaged_at.is_not(None))
        ).tuples()
        if t is not None
    ]
    resolved_scope: list[Any] = [
        Case.closed_at >= w.start_utc,
        Case.closed_at < w.end_utc,
        Case.state.in_(RESOLVED_CASE_STATES),
    ]
    if unit is not None:
        resolved_scope.append(Case.owner_unit_id == unit.id)
    resolve = [
        _hours(closed, created)
        for created, closed in session.execute(
            select(Case.created_at, Case.closed_at).where(*resolved_scope)
        ).tuples()
        if closed is not None
    ]
    return (
        by_state,
        by_unit,
        duration_stat(triage),
        duration_stat(resolve),
        session.scalar(select(func.count()).where(*_overdue_scope(w, unit, now))) or 0,
    )


def _overdue_scope(w: Window, unit: Unit | None, now: datetime) -> list[Any]:
    """Cases open and past their deadline at the end of the period (or now, if sooner)."""
    cutoff = min(now, w.end_utc)
    scope: list[Any] = [
        Case.created_at < cutoff,
        Case.deadline_at < cutoff,
        (
            (Case.closed_at.is_(None) & Case.state.in_(OPEN_CASE_STATES))
            | (Case.closed_at >= cutoff)
        ),
    ]
    if unit is not None:
        scope.append(Case.owner_unit_id == unit.id)
    return scope


def _requests(session: Session, w: Window, unit: Unit | None) -> list[RequestFigure]:
    query = (
        select(
            Recipient.code,
            Recipient.name,
            TakedownRequest.state,
            TakedownRequest.sent_at,
            TakedownRequest.acknowledged_at,
            TakedownRequest.answered_at,
        )
        .join(Recipient, Recipient.id == TakedownRequest.recipient_id)
        .where(TakedownRequest.sent_at >= w.start_utc, TakedownRequest.sent_at < w.end_utc)
    )
    if unit is not None:
        query = query.join(Case, Case.id == TakedownRequest.case_id).where(
            Case.owner_unit_id == unit.id
        )
    rows: dict[str, dict[str, Any]] = {}
    for code, name, state, sent_at, acked_at, answered_at in session.execute(query).tuples():
        row = rows.setdefault(code, {"name": name, "sent": 0, "answered": 0, "refused": 0, "h": []})
        row["sent"] += 1
        # The answer time is to the recipient's first reply: an acknowledgement or the outcome.
        first = min((t for t in (acked_at, answered_at) if t is not None), default=None)
        if state in ANSWERED_REQUEST_STATES or first is not None:
            row["answered"] += 1
        if state == "refused":
            row["refused"] += 1
        if first is not None and sent_at is not None:
            row["h"].append(_hours(first, sent_at))
    return [
        RequestFigure(
            code, r["name"], r["sent"], r["answered"], r["refused"], duration_stat(r["h"])
        )
        for code, r in sorted(rows.items(), key=lambda kv: (-kv[1]["sent"], kv[0]))
    ]


def _warnings(session: Session, w: Window, unit: Unit | None) -> dict[str, int]:
    query = select(Warning.kind, func.count(Warning.id)).where(
        Warning.published_at >= w.start_utc, Warning.published_at < w.end_utc
    )
    if unit is not None:
        query = query.join(User, User.id == Warning.author_id).where(User.unit_id == unit.id)
    return _counts(session, query.group_by(Warning.kind))


def _activities(
    session: Session, w: Window, unit: Unit | None, names: dict[str, str]
) -> tuple[list[TrainingFigure], int, int]:
    scope: list[Any] = [Activity.held_on >= w.period.start, Activity.held_on <= w.period.end]
    if unit is not None:
        scope.append(Activity.organiser_unit_id == unit.id)
    trainings: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    campaigns = campaign_people = 0
    query = (
        select(Activity.kind, Unit.code, Activity.attendance)
        .outerjoin(Unit, Unit.id == Activity.commune_unit_id)
        .where(*scope)
    )
    for kind, code, attendance in session.execute(query).tuples():
        if kind == "training":
            slot = trainings[code or NO_COMMUNE]
            slot[0] += 1
            slot[1] += attendance
        else:
            campaigns += 1
            campaign_people += attendance
    ordered = sorted(trainings.items(), key=lambda kv: (kv[0] == NO_COMMUNE, kv[0]))
    figures = [
        TrainingFigure(code, names.get(code, N_("Cấp huyện")), s, p) for code, (s, p) in ordered
    ]
    return figures, campaigns, campaign_people


def _budget(session: Session, plan: Plan | None, unit: Unit | None) -> list[BudgetFigure]:
    if plan is None:
        return []
    query = (
        select(
            Unit.code,
            Unit.name,
            func.sum(BudgetLine.planned_vnd),
            func.sum(BudgetLine.committed_vnd),
            func.sum(BudgetLine.spent_vnd),
        )
        .join(Unit, Unit.id == BudgetLine.unit_id)
        .where(BudgetLine.plan_id == plan.id)
        .group_by(Unit.code, Unit.name)
        .order_by(Unit.code)
    )
    if unit is not None:
        query = query.where(BudgetLine.unit_id == unit.id)
    return [
        BudgetFigure(code, name, int(p or 0), int(c or 0), int(s or 0))
        for code, name, p, c, s in session.execute(query).tuples()
    ]


def _tasks(
    session: Session, w: Window, plan: Plan | None, unit: Unit | None, today: date
) -> list[TaskFigure]:
    if plan is None:
        return []
    scope: list[Any] = [
        PlanTask.plan_id == plan.id,
        PlanTask.due_on >= w.period.start,
        PlanTask.due_on <= w.period.end,
    ]
    if unit is not None:
        scope.append(PlanTask.unit_id == unit.id)
    rows: dict[tuple[str, str], list[int]] = defaultdict(lambda: [0, 0, 0])
    query = (
        select(Unit.code, Unit.name, PlanTask.state, PlanTask.due_on)
        .join(Unit, Unit.id == PlanTask.unit_id)
        .where(*scope)
    )
    for code, name, state, due_on in session.execute(query).tuples():
        slot = rows[(code, name)]
        slot[0] += 1
        if state == "done":
            slot[1] += 1
        elif state != "cancelled" and due_on is not None and due_on < today:
            slot[2] += 1
    return [TaskFigure(code, name, t, d, o) for (code, name), (t, d, o) in sorted(rows.items())]


def compute(
    session: Session,
    period: Period,
    *,
    plan: Plan | None = None,
    unit: Unit | None = None,
    now: datetime | None = None,
) -> PlanFigures:
    """Every plan indicator for `period`, district-wide or for one unit."""
    now = now or utcnow()
    today = now.astimezone(LOCAL_TZ).date()
    w = window(period)
    names = _unit_names(session)
    by_category, by_commune = _reports(session, w, unit)
    by_state, by_unit, triage, resolve, overdue = _cases(session, w, unit, now)
    warnings = _warnings(session, w, unit)
    trainings, campaigns, campaign_people = _activities(session, w, unit, names)
    return PlanFigures(
        period=period,
        reports_by_category=by_category,
        reports_by_commune=by_commune,
        cases_by_state=by_state,
        cases_by_unit=by_unit,
        time_to_triage=triage,
        time_to_resolve=resolve,
        overdue_cases=int(overdue),
        requests=_requests(session, w, unit),
        warnings_published=sum(n for k, n in warnings.items() if k != "fact_check"),
        fact_checks_published=warnings.get("fact_check", 0),
        trainings=trainings,
        campaigns=campaigns,
        campaign_people=campaign_people,
        budget=_budget(session, plan, unit),
        tasks=_tasks(session, w, plan, unit, today),
        unit_names=names,
    )


def monthly_trend(session: Session, year: int) -> list[dict[str, Any]]:
    """Per month of `year`: reports received, cases opened, cases resolved, people trained."""
    from canhgiac.planning.period import period_from_string

    rows = []
    for month in range(1, 13):
        w = window(period_from_string(f"{year}-{month:02d}"))
        rows.append(
            {
                "month": month,
                "code": w.period.code,
                "reports": session.scalar(
                    select(func.count(Report.id)).where(
                        Report.created_at >= w.start_utc, Report.created_at < w.end_utc
                    )
                )
                or 0,
                "cases": session.scalar(
                    select(func.count(Case.id)).where(
                        Case.created_at >= w.start_utc, Case.created_at < w.end_utc
                    )
                )
                or 0,
                "resolved": session.scalar(
                    select(func.count(Case.id)).where(
                        Case.closed_at >= w.start_utc,
                        Case.closed_at < w.end_utc,
                        Case.state.in_(RESOLVED_CASE_STATES),
                    )
                )
                or 0,
                "people": session.scalar(
                    select(func.coalesce(func.sum(Activity.attendance), 0)).where(
                        Activity.held_on >= w.period.start, Activity.held_on <= w.period.end
                    )
                )
                or 0,
            }
        )
    return rows


def cases_behind(
    session: Session,
    period: Period,
    *,
    state: str | None = None,
    unit_code: str | None = None,
    overdue: bool = False,
    unit_ids: set[int] | None = None,
    limit: int = 500,
) -> list[Case]:
    """The cases behind a case figure (drill-down); `unit_ids` narrows to what a user may see."""
    w = window(period)
    unit = session.scalar(select(Unit).where(Unit.code == unit_code)) if unit_code else None
    scope = _overdue_scope(w, unit, utcnow()) if overdue else _case_scope(w, unit)
    query = select(Case).where(*scope)
    if state:
        query = query.where(Case.state == state)
    if unit_ids is not None:
        query = query.where(Case.owner_unit_id.in_(unit_ids))
    return list(session.scalars(query.order_by(Case.created_at.desc()).limit(limit)))


def reports_behind(
    session: Session,
    period: Period,
    *,
    category: str | None = None,
    commune_code: str | None = None,
    limit: int = 500,
) -> list[Report]:
    """The reports behind a report figure (drill-down)."""
    w = window(period)
    query = select(Report).where(Report.created_at >= w.start_utc, Report.created_at < w.end_utc)
    if category:
        query = query.where(Report.category == category)
    if commune_code == NO_COMMUNE and commune_code is not None:
        query = query.where(Report.commune_unit_id.is_(None))
    elif commune_code:
        query = query.join(Unit, Unit.id == Report.commune_unit_id).where(Unit.code == commune_code)
    return list(session.scalars(query.order_by(Report.created_at.desc()).limit(limit)))


def requests_behind(
    session: Session, period: Period, *, recipient_code: str | None = None, limit: int = 500
) -> list[TakedownRequest]:
    """The requests sent in the period, optionally to one recipient (drill-down)."""
    w = window(period)
    query = select(TakedownRequest).where(
        TakedownRequest.sent_at >= w.start_utc, TakedownRequest.sent_at < w.end_utc
    )
    if recipient_code:
        query = query.join(Recipient, Recipient.id == TakedownRequest.recipient_id).where(
            Recipient.code == recipient_code
        )
    return list(session.scalars(query.order_by(TakedownRequest.sent_at.desc()).limit(limit)))


@dataclass(frozen=True)
class TransparencyFigures:
    """Aggregate, public figures: no names, no content, no personal data."""

    requests_sent: int
    requests_by_outcome: dict[str, int]
    requests_by_recipient_kind: dict[str, int]
    false_positive_reports: int
    blocks_lifted: int
    warnings_published: int
    fact_checks_published: int


def transparency(session: Session, year: int | None = None) -> TransparencyFigures:
    """Public figures, for one year of sending/publishing or for all time."""
    sent_scope: list[Any] = [TakedownRequest.sent_at.is_not(None)]
    warn_scope: list[Any] = [Warning.published_at.is_not(None)]
    fp_scope: list[Any] = []
    # A block is lifted when an officer accepts a false-positive report about it.
    lifted_scope: list[Any] = [FalsePositiveReport.state == "accepted"]
    if year is not None:
        start = datetime.combine(date(year, 1, 1), time(0), LOCAL_TZ).astimezone(UTC)
        end = datetime.combine(date(year + 1, 1, 1), time(0), LOCAL_TZ).astimezone(UTC)
        sent_scope += [TakedownRequest.sent_at >= start, TakedownRequest.sent_at < end]
        warn_scope += [Warning.published_at >= start, Warning.published_at < end]
        fp_scope += [FalsePositiveReport.created_at >= start, FalsePositiveReport.created_at < end]
        lifted_scope += [
            FalsePositiveReport.decided_at >= start,
            FalsePositiveReport.decided_at < end,
        ]
    by_state = _counts(
        session,
        select(TakedownRequest.state, func.count())
        .where(*sent_scope)
        .group_by(TakedownRequest.state),
    )
    outcome = {
        "pending": by_state.get("sent", 0),
        "acknowledged": by_state.get("acknowledged", 0),
        "done": by_state.get("done", 0),
        "refused": by_state.get("refused", 0),
        "expired": by_state.get("expired", 0),
    }
    by_kind = _counts(
        session,
        select(Recipient.kind, func.count(TakedownRequest.id))
        .join(Recipient, Recipient.id == TakedownRequest.recipient_id)
        .where(*sent_scope)
        .group_by(Recipient.kind),
    )
    warnings = _counts(
        session, select(Warning.kind, func.count()).where(*warn_scope).group_by(Warning.kind)
    )
    return TransparencyFigures(
        requests_sent=sum(by_state.values()),
        requests_by_outcome=outcome,
        requests_by_recipient_kind=by_kind,
        false_positive_reports=session.scalar(
            select(func.count(FalsePositiveReport.id)).where(*fp_scope)
        )
        or 0,
        blocks_lifted=session.scalar(
            select(func.count(FalsePositiveReport.id)).where(*lifted_scope)
        )
        or 0,
        warnings_published=sum(n for k, n in warnings.items() if k != "fact_check"),
        fact_checks_published=warnings.get("fact_check", 0),
    )
