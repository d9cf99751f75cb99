"""The cases API (`/api/v1/cases`): list with filters, read, open, move on, assign, comment."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Literal

from fastapi import APIRouter, Depends, Query
from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy.orm import Session

from canhgiac.db.base import utcnow
from canhgiac.db.models import Case, CaseEvent, User
from canhgiac.services import case_search, cases
from canhgiac.web.deps import CurrentUser, DbSession, csrf_protect

router = APIRouter(prefix="/api/v1/cases", tags=["cases"])
_csrf = [Depends(csrf_protect)]

CaseState = Literal[
    "new", "triaged", "verifying", "acting", "awaiting_response", "resolved", "rejected", "archived"
]
Category = Literal[
    "scam", "phishing", "spam", "false_info", "hacked_account", "data_leak", "malware", "other"
]
Severity = Literal["low", "medium", "high", "critical"]
OutcomeCode = Literal["blocked", "removed", "warned", "referred", "no_violation", "duplicate"]


class CaseOut(BaseModel):
    """A case as the API shows it (no reporter contact data)."""

    ref: str = Field(examples=["VV-2026-000123"])
    title: str
    category: str
    severity: str
    score: float
    state: str
    owner_unit: str
    commune: str | None
    assignee: str | None
    deadline_at: datetime | None
    overdue: bool
    reminded_at: datetime | None
    escalated_at: datetime | None
    legal_basis: str | None
    outcome_code: str | None
    public_outcome: str | None
    merged_into: str | None
    created_at: datetime
    updated_at: datetime
    closed_at: datetime | None


class CaseList(BaseModel):
    """One page of cases."""

    total: int
    limit: int
    offset: int
    items: list[CaseOut]


class EventOut(BaseModel):
    """One timeline entry."""

    id: int
    at: datetime
    actor: str | None
    kind: str
    from_state: str | None
    to_state: str | None
    body: str


class ItemOut(BaseModel):
    """An item linked to the case."""

    id: int
    channel: str
    content: str
    verdict_label: str | None
    verdict_score: float | None
    report_count: int


class IndicatorOut(BaseModel):
    kind: str
    value: str


class CaseDetail(CaseOut):
    """A case with its timeline, items, indicators and related cases."""

    allowed_transitions: list[str]
    events: list[EventOut]
    items: list[ItemOut]
    indicators: list[IndicatorOut]
    related: list[str]


class CaseCreate(BaseModel):
    """A case opened by hand."""

    title: str = Field(min_length=1, max_length=300)
    category: Category
    severity: Severity = "medium"
    commune: str | None = Field(default=None, description="Mã xã/thị trấn, vd. X-COBA")
    owner_unit: str | None = Field(default=None, description="Bỏ trống để phân công theo ma trận")
    item_ids: list[int] = Field(default_factory=list, max_length=100)


class TransitionIn(BaseModel):
    """Move a case on. `reason` for reject/reopen; `legal_basis` before `acting`."""

    to_state: CaseState
    reason: str = Field(default="", max_length=10_000)
    legal_basis: str = Field(default="", max_length=10_000)
    outcome_code: OutcomeCode | Literal[""] = ""
    outcome_note: str = Field(default="", max_length=10_000)
    public_outcome: str = Field(default="", max_length=10_000)


class AssignIn(BaseModel):
    """Hand the case to a unit (reason required) and/or a person of the owner unit."""

    unit: str | None = None
    assignee: str | None = Field(default=None, description="E-mail của cán bộ")
    reason: str = Field(default="", max_length=10_000)


class SplitIn(BaseModel):
    """Items (ids) to move into a new case, with its title."""

    model_config = ConfigDict(extra="forbid")

    items: list[int] = Field(min_length=1, max_length=500, description="Nội dung tách ra")
    title: str = Field(min_length=1, max_length=500)
    reason: str = Field(default="", max_length=2000)


class MergeIn(BaseModel):
    """The case this one duplicates."""

    model_config = ConfigDict(extra="forbid")

    into: str = Field(min_length=1, max_length=32, description="Mã vụ việc gộp vào")
    reason: str = Field(default="", max_length=2000)


class CommentIn(BaseModel):
    """A comment; @email or @tên mentions notify those people."""

    body: str = Field(min_length=1, max_length=10_000)


def case_out(session: Session, case: Case, now: datetime | None = None) -> CaseOut:
    """The API form of a case."""
    return CaseOut(**_case_fields(session, case, now))


def _case_fields(session: Session, case: Case, now: datetime | None = None) -> dict[str, object]:
    merged = session.get(Case, case.merged_into_id) if case.merged_into_id else None
    commune = cases.units_by_id(session).get(case.commune_unit_id or -1)
    return {
        "ref": case.ref,
        "title": case.title,
        "category": case.category,
        "severity": case.severity,
        "score": case.score,
        "state": case.state,
        "owner_unit": case.owner_unit.code,
        "commune": commune.code if commune else None,
        "assignee": case.assignee.email if case.assignee else None,
        "deadline_at": case.deadline_at,
        "overdue": cases.is_overdue(case, now or utcnow()),
        "reminded_at": case.reminded_at,
        "escalated_at": case.escalated_at,
        "legal_basis": case.legal_basis,
        "outcome_code": case.outcome_code,
        "public_outcome": case.public_outcome,
        "merged_into": merged.ref if merged else None,
        "created_at": case.created_at,
        "updated_at": case.updated_at,
        "closed_at": case.closed_at,
    }


def _event_out(event: CaseEvent, users: dict[int, User]) -> EventOut:
    actor = users.get(event.actor_id or -1)
    return EventOut(
        id=event.id,
        at=event.at,
        actor=actor.email if actor else None,
        kind=event.kind,
        from_state=event.from_state,
        to_state=event.to_state,
        body=event.body,
    )


def case_detail(session: Session, user: User, case: Case) -> CaseDetail:
    """The API form of a case with everything around it."""
    events = cases.timeline(session, case)
    users = cases.users_by_id(session, {e.actor_id for e in events if e.actor_id})
    return CaseDetail(
        **_case_fields(session, case),
        allowed_transitions=cases.allowed_transitions(case),
        events=[_event_out(e, users) for e in events],
        items=[
            ItemOut(
                id=i.id,
                channel=i.channel,
                content=i.content,
                verdict_label=i.verdict_label,
                verdict_score=i.verdict_score,
                report_count=i.report_count,
            )
            for i in cases.case_items(session, case)
        ],
        indicators=[IndicatorOut(kind=k, value=v) for k, v in cases.case_indicators(session, case)],
        related=[c.ref for c in cases.related_cases(session, user, case)],
    )


@router.get("", response_model=CaseList, summary="Danh sách vụ việc")
def list_cases(
    db: DbSession,
    user: CurrentUser,
    state: Annotated[list[CaseState] | None, Query()] = None,
    unit: str = "",
    category: str = "",
    commune: str = "",
    severity: str = "",
    assignee: Annotated[str, Query(description="E-mail, hoặc 'me'")] = "",
    date_from: date | None = None,
    date_to: date | None = None,
    overdue: bool = False,
    open_only: bool = False,
    q: Annotated[str, Query(max_length=200, description="Tìm không dấu: 'lua dao'")] = "",
    limit: Annotated[int, Query(ge=1, le=500)] = 50,
    offset: Annotated[int, Query(ge=0)] = 0,
) -> CaseList:
    """Cases the caller may see, newest first, filtered like the queues in the UI."""
    filters = case_search.CaseFilters(
        state=list(state or []),
        unit=unit.strip().upper(),
        category=category,
        commune=commune.strip().upper(),
        severity=severity,
        assignee=assignee,
        date_from=date_from,
        date_to=date_to,
        overdue=overdue,
        open_only=open_only,
        q=q,
    )
    now = utcnow()
    page, total = case_search.search_cases(db, user, filters, limit=limit, offset=offset, now=now)
    db.commit()  # lazily indexed documents are kept
    return CaseList(
        total=total, limit=limit, offset=offset, items=[case_out(db, c, now) for c in page]
    )


@router.get("/{ref}", response_model=CaseDetail, summary="Chi tiết vụ việc")
def get_case(ref: str, db: DbSession, user: CurrentUser) -> CaseDetail:
    """One case with its timeline, items, indicators and related cases."""
    return case_detail(db, user, cases.get_case(db, user, ref))


@router.post("", response_model=CaseOut, status_code=201, dependencies=_csrf, summary="Mở vụ việc")
def create_case(body: CaseCreate, db: DbSession, user: CurrentUser) -> CaseOut:
    """Open a case by hand; routed by the matrix unless `owner_unit` is given."""
    items = cases.items_by_ids(db, body.item_ids)
    case = cases.create_case(
        db,
        user,
        title=body.title,
        category=body.category,
        severity=body.severity,
        commune_code=body.commune,
        owner_unit_code=body.owner_unit,
        items=items,
    )
    db.commit()
    return case_out(db, case)


@router.post(
    "/{ref}/transition", response_model=CaseOut, dependencies=_csrf, summary="Chuyển trạng thái"
)
def transition(ref: str, body: TransitionIn, db: DbSession, user: CurrentUser) -> CaseOut:
    """Move the case on; 409 when the workflow does not allow it, 422 when a rule is not met."""
    case = cases.get_case(db, user, ref)
    cases.transition(
        db,
        user,
        case,
        body.to_state,
        reason=body.reason,
        legal_basis=body.legal_basis,
        outcome_code=body.outcome_code,
        outcome_note=body.outcome_note,
        public_outcome=body.public_outcome,
    )
    db.commit()
    return case_out(db, case)


@router.post("/{ref}/assign", response_model=CaseOut, dependencies=_csrf, summary="Phân công")
def assign(ref: str, body: AssignIn, db: DbSession, user: CurrentUser) -> CaseOut:
    """Hand the case to another unit and/or a person."""
    case = cases.get_case(db, user, ref)
    cases.assign(
        db, user, case, unit_code=body.unit, assignee_email=body.assignee, reason=body.reason
    )
    db.commit()
    return case_out(db, case)


@router.post(
    "/{ref}/comments",
    response_model=EventOut,
    status_code=201,
    dependencies=_csrf,
    summary="Trao đổi",
)
def comment(ref: str, body: CommentIn, db: DbSession, user: CurrentUser) -> EventOut:
    """Add a comment to the timeline."""
    case = cases.get_case(db, user, ref)
    event = cases.comment(db, user, case, body.body)
    db.commit()
    return _event_out(event, {user.id: user})


@router.post(
    "/{ref}/split",
    response_model=CaseOut,
    status_code=201,
    dependencies=_csrf,
    summary="Tách vụ việc",
)
def split(ref: str, body: SplitIn, db: DbSession, user: CurrentUser) -> CaseOut:
    """Move some of the case's items into a new case of the same category."""
    case = cases.get_case(db, user, ref)
    new = cases.split(db, user, case, body.items, title=body.title, reason=body.reason)
    db.commit()
    return case_out(db, new)


@router.post("/{ref}/merge", response_model=CaseOut, dependencies=_csrf, summary="Gộp vụ việc")
def merge(ref: str, body: MergeIn, db: DbSession, user: CurrentUser) -> CaseOut:
    """Merge this case, as a duplicate, into another one."""
    duplicate = cases.get_case(db, user, ref)
    target = cases.get_case(db, user, body.into)
    cases.merge(db, user, duplicate, target, reason=body.reason)
    db.commit()
    return case_out(db, target)
