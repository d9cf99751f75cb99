"""The plan API: read the plan, tasks, figures, activities, budget; record activities; submit reports."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query
from fastapi.responses import JSONResponse, PlainTextResponse
from pydantic import BaseModel, Field
from sqlalchemy import func, select

from canhgiac.db.models import Activity, PlanTask, ProgressReport, Unit, User
from canhgiac.services import activities, budget, district_report, plan_figures, progress
from canhgiac.services import plan as plan_service
from canhgiac.services.permissions import DISTRICT_WIDE_ROLES
from canhgiac.services.units import get_unit
from canhgiac.web.deps import DbSession, allowed, csrf_protect

router = APIRouter(prefix="/api/v1/plan", tags=["plan"])
Viewer = Annotated[User, Depends(allowed("plan.view"))]


class PlanOut(BaseModel):
    code: str
    title: str
    year: int
    active: bool
    tasks: int


class TaskOut(BaseModel):
    id: int
    unit: str
    duty: str
    title: str
    period: str
    period_label: str
    due_on: date | None
    state: str
    evidence: list[dict[str, Any]]


class ActivityIn(BaseModel):
    kind: str = Field(description="training | campaign")
    title: str = Field(max_length=500)
    held_on: date
    organiser: str = Field(max_length=32, description="Mã đơn vị tổ chức")
    commune: str | None = Field(default=None, max_length=32)
    place: str = Field(default="", max_length=500)
    audience: str = "residents"
    attendance: int = 0
    channels: list[str] = Field(default_factory=list)
    materials: str = Field(default="", max_length=4000)


class ActivityOut(BaseModel):
    id: int
    kind: str
    title: str
    held_on: date
    place: str
    commune: str | None
    organiser: str
    audience: str
    attendance: int
    channels: list[str]


class BudgetLineOut(BaseModel):
    id: int
    unit: str
    title: str
    planned_vnd: int
    committed_vnd: int
    spent_vnd: int


class ProgressIn(BaseModel):
    unit: str = Field(max_length=32)
    period: str = Field(max_length=16, description="2023-Q2, 2023, 2023-06")
    figures: dict[str, int] = Field(default_factory=dict)
    narrative: str | None = Field(default=None, max_length=20000)
    submit: bool = True


class ProgressOut(BaseModel):
    id: int
    unit: str
    period: str
    state: str
    due_on: date | None
    figures: dict[str, int]
    narrative: str


def _codes(db: DbSession) -> dict[int, str]:
    return dict(db.execute(select(Unit.id, Unit.code)).tuples().all())


def _task_out(task: PlanTask, codes: dict[int, str]) -> TaskOut:
    return TaskOut(
        id=task.id,
        unit=codes.get(task.unit_id, ""),
        duty=task.duty_ref,
        title=task.title,
        period=task.period,
        period_label=task.period_label,
        due_on=task.due_on,
        state="overdue" if plan_service.task_is_overdue(task) else task.state,
        evidence=list((task.completion_evidence or {}).get("items", [])),
    )


def _activity_out(a: Activity, codes: dict[int, str]) -> ActivityOut:
    return ActivityOut(
        id=a.id,
        kind=a.kind,
        title=a.title,
        held_on=a.held_on,
        place=a.place,
        commune=codes.get(a.commune_unit_id) if a.commune_unit_id else None,
        organiser=codes.get(a.organiser_unit_id, ""),
        audience=a.audience,
        attendance=a.attendance,
        channels=activities.activity_channels(a),
    )


def _progress_out(r: ProgressReport, codes: dict[int, str]) -> ProgressOut:
    return ProgressOut(
        id=r.id,
        unit=codes.get(r.unit_id, ""),
        period=r.period,
        state=r.state,
        due_on=r.due_on,
        figures=r.figures,
        narrative=r.narrative,
    )


@router.get("", response_model=list[PlanOut])
def plans(db: DbSession, user: Viewer) -> list[PlanOut]:
    """Every plan, newest year first."""
    out = []
    for plan in plan_service.list_plans(db):
        count = db.scalar(select(func.count(PlanTask.id)).where(PlanTask.plan_id == plan.id))
        out.append(PlanOut(code=plan.code, title=plan.title, year=plan.year,
                           active=plan.active, tasks=count or 0))  # fmt: skip
    return out


@router.get("/export", response_class=PlainTextResponse)
def export(db: DbSession, user: Viewer, code: str | None = None) -> PlainTextResponse:
    """The plan as YAML (the format `canhgiac plan import` reads)."""
    return PlainTextResponse(
        plan_service.export_plan(db, code), media_type="application/yaml; charset=utf-8"
    )


@router.get("/tasks", response_model=list[TaskOut])
def tasks(
    db: DbSession,
    user: Viewer,
    unit: str | None = None,
    state: str | None = None,
    period: Annotated[str | None, Query(description="2023-Q2, 2023-06 …")] = None,
    code: str | None = None,
) -> list[TaskOut]:
    """Tasks of the plan (active by default), by unit, state or period label."""
    plan = plan_service.get_plan(db, code)
    owner = get_unit(db, unit) if unit else None
    codes = _codes(db)
    return [
        _task_out(t, codes)
        for t in plan_service.list_tasks(db, plan, unit=owner, state=state, period_label=period)
    ]


@router.get("/tasks/{task_id}", response_model=TaskOut)
def task(db: DbSession, user: Viewer, task_id: int) -> TaskOut:
    """One task with its completion evidence."""
    return _task_out(plan_service.get_task(db, task_id), _codes(db))


@router.get("/figures")
def figures(db: DbSession, user: Viewer, period: str, unit: str | None = None) -> JSONResponse:
    """Every plan indicator for a period (district-wide, or one unit)."""
    p = district_report.parse_period(period)
    plan = district_report.plan_for_period(db, p)
    owner = get_unit(db, unit) if unit else None
    return JSONResponse(plan_figures.compute(db, p, plan=plan, unit=owner).as_dict())


@router.get("/activities", response_model=list[ActivityOut])
def list_activities(
    db: DbSession, user: Viewer, period: str | None = None, commune: str | None = None
) -> list[ActivityOut]:
    """Trainings and campaigns, newest first."""
    p = district_report.parse_period(period) if period else None
    codes = _codes(db)
    rows = activities.list_activities(
        db,
        start=p.start if p else None,
        end=p.end if p else None,
        commune=get_unit(db, commune) if commune else None,
    )
    return [_activity_out(a, codes) for a in rows]


@router.post(
    "/activities",
    response_model=ActivityOut,
    status_code=201,
    dependencies=[Depends(csrf_protect)],
)
def create_activity(
    body: ActivityIn, db: DbSession, user: Annotated[User, Depends(allowed("activity.record"))]
) -> ActivityOut:
    """Record a training or campaign held (unit officers: their own unit as organiser)."""
    activity = activities.record_activity(
        db,
        user,
        kind=body.kind,
        title=body.title,
        held_on=body.held_on,
        organiser_code=body.organiser,
        commune_code=body.commune,
        place=body.place,
        audience=body.audience,
        attendance=body.attendance,
        channels=body.channels,
        materials=body.materials,
        plan=plan_service.active_plan(db),
    )
    db.commit()
    return _activity_out(activity, _codes(db))


@router.get("/budget", response_model=list[BudgetLineOut])
def budget_lines(db: DbSession, user: Viewer, code: str | None = None) -> list[BudgetLineOut]:
    """The plan's budget lines in đồng."""
    codes = _codes(db)
    return [
        BudgetLineOut(
            id=b.id,
            unit=codes.get(b.unit_id, ""),
            title=b.title,
            planned_vnd=b.planned_vnd,
            committed_vnd=b.committed_vnd,
            spent_vnd=b.spent_vnd,
        )
        for b in budget.list_budget(db, plan_service.get_plan(db, code))
    ]


@router.get("/progress-reports", response_model=list[ProgressOut])
def progress_reports(db: DbSession, user: Viewer) -> list[ProgressOut]:
    """Progress reports of the active plan (a unit's own only, unless district-wide)."""
    plan = plan_service.active_plan(db)
    unit = None if user.role in DISTRICT_WIDE_ROLES else user.unit
    codes = _codes(db)
    return [_progress_out(r, codes) for r in progress.list_reports(db, plan, unit=unit)]


@router.post(
    "/progress-reports",
    response_model=ProgressOut,
    status_code=201,
    dependencies=[Depends(csrf_protect)],
)
def submit_progress(
    body: ProgressIn, db: DbSession, user: Annotated[User, Depends(allowed("progress.submit"))]
) -> ProgressOut:
    """Open (pre-filled), correct and by default submit a unit's report for a period."""
    plan = plan_service.active_plan(db)
    report = progress.open_report(db, user, plan, body.unit, body.period)
    progress.save_report(db, user, report.id, figures=body.figures, narrative=body.narrative)
    if body.submit:
        progress.submit_report(db, user, report.id)
    db.commit()
    return _progress_out(report, _codes(db))
