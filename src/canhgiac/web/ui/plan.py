"""Plan pages: tasks per unit, trainings, budget, progress reports, district report, figures.

The public transparency page (/minh-bach) lives here too: it needs no account.
"""

from __future__ import annotations

from collections import Counter
from datetime import date
from typing import Annotated, Any
from urllib.parse import quote

from fastapi import APIRouter, Depends, Form, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy import select

from canhgiac.db.models import Plan, PlanTask, ProgressReport, Unit, User
from canhgiac.db.models.cases import CASE_STATES
from canhgiac.db.models.intake import REPORT_CATEGORIES
from canhgiac.errors import NotFound, ValidationFailed
from canhgiac.exports.documents.district_report import (
    CATEGORY_LABELS,
    STATE_LABELS,
    ReportNarrative,
)
from canhgiac.i18n import N_
from canhgiac.services import activities, budget, district_report, plan_figures, progress
from canhgiac.services import plan as plan_service
from canhgiac.services.permissions import DISTRICT_WIDE_ROLES, can
from canhgiac.services.units import get_unit, list_units
from canhgiac.web.deps import DbSession, OptionalUser, allowed, csrf_protect
from canhgiac.web.templating import render

router = APIRouter(include_in_schema=False)
Viewer = Annotated[User, Depends(allowed("plan.view"))]
Csrf = [Depends(csrf_protect)]

TASK_STATE_LABELS = {
    "open": N_("Chưa thực hiện"),
    "in_progress": N_("Đang thực hiện"),
    "done": N_("Đã hoàn thành"),
    "overdue": N_("Quá hạn"),
    "cancelled": N_("Hủy bỏ"),
}
PERIOD_LABELS = {
    "yearly": N_("Hằng năm"),
    "quarterly": N_("Hằng quý"),
    "monthly": N_("Hằng tháng"),
    "one_off": N_("Một lần"),
}
PROGRESS_STATE_LABELS = {
    "draft": N_("Đang soạn"),
    "submitted": N_("Đã gửi"),
    "approved": N_("Đã duyệt"),
    "returned": N_("Bị trả lại"),
}
EVIDENCE_LABELS = {
    "case": N_("Vụ việc"),
    "activity": N_("Lớp tập huấn, đợt tuyên truyền"),
    "request": N_("Văn bản đề nghị"),
    "file": N_("Tệp chứng cứ"),
    "link": N_("Đường link"),
    "note": N_("Ghi chú"),
}


def _redirect(request: Request, path: str, flash: str = N_("Đã lưu.")) -> Response:
    request.session["flash"] = flash
    return RedirectResponse(path, status_code=303)


def _state_of(task: PlanTask) -> str:
    return "overdue" if plan_service.task_is_overdue(task) else task.state


def _period_or_default(text: str | None, plan: Plan) -> Any:
    return district_report.parse_period(text or str(plan.year))


def _unit_rows(db: DbSession, plan: Plan) -> list[dict[str, Any]]:
    """Every unit with tasks: totals, done, overdue (the plan overview)."""
    counts: dict[int, Counter[str]] = {}
    for task in db.scalars(select(PlanTask).where(PlanTask.plan_id == plan.id)):
        counts.setdefault(task.unit_id, Counter())[_state_of(task)] += 1
    rows = []
    for unit in list_units(db):
        c = counts.get(unit.id)
        if c:
            rows.append(
                {"unit": unit, "total": sum(c.values()), "done": c["done"], "overdue": c["overdue"]}
            )
    return rows


@router.get("/ke-hoach", response_class=HTMLResponse)
def plan_home(
    request: Request,
    db: DbSession,
    user: Viewer,
    unit: str | None = None,
    state: str | None = None,
    plan_code: Annotated[str | None, Query(alias="plan")] = None,
) -> HTMLResponse:
    plan = plan_service.get_plan(db, plan_code)
    template = plan_service.template_of(plan)
    selected = get_unit(db, unit) if unit else user.unit
    state_filter = state if state in TASK_STATE_LABELS else None
    tasks = plan_service.list_tasks(db, plan, unit=selected, state=state_filter)
    duties = [
        duty
        for section in template.units
        if section.code == selected.code or (section.group and section.kind == selected.kind)
        for duty in section.duties
    ]
    return render(
        request,
        "plan/index.html",
        {
            "plan": plan,
            "template": template,
            "plans": plan_service.list_plans(db),
            "rows": _unit_rows(db, plan),
            "selected": selected,
            "duties": duties,
            "tasks": [(t, _state_of(t)) for t in tasks],
            "state": state_filter,
            "state_labels": TASK_STATE_LABELS,
            "period_labels": PERIOD_LABELS,
        },
    )


@router.get("/ke-hoach/nhiem-vu/{task_id}", response_class=HTMLResponse)
def task_page(
    request: Request, db: DbSession, user: Viewer, task_id: int, error: str | None = None
) -> HTMLResponse:
    task = plan_service.get_task(db, task_id)
    unit = db.get(Unit, task.unit_id)
    return render(
        request,
        "plan/task.html",
        {
            "task": task,
            "unit": unit,
            "state": _state_of(task),
            "evidence": (task.completion_evidence or {}).get("items", []),
            "can_update": can(user, "task.update", task),
            "state_labels": TASK_STATE_LABELS,
            "period_labels": PERIOD_LABELS,
            "evidence_labels": EVIDENCE_LABELS,
            "evidence_kinds": plan_service.EVIDENCE_KINDS,
            "error": error,
        },
        status_code=422 if error else 200,
    )


@router.post("/ke-hoach/nhiem-vu/{task_id}/trang-thai", dependencies=Csrf)
def task_state(
    request: Request,
    db: DbSession,
    user: Viewer,
    task_id: int,
    state: Annotated[str, Form(max_length=16)],
    note: Annotated[str, Form(max_length=2000)] = "",
) -> Response:
    try:
        plan_service.set_task_state(db, user, task_id, state, note)
    except ValidationFailed as exc:
        db.rollback()
        return task_page(request, db, user, task_id, error=exc.message)
    db.commit()
    return _redirect(request, f"/ke-hoach/nhiem-vu/{task_id}")


@router.post("/ke-hoach/nhiem-vu/{task_id}/minh-chung", dependencies=Csrf)
def task_evidence(
    request: Request,
    db: DbSession,
    user: Viewer,
    task_id: int,
    kind: Annotated[str, Form(max_length=16)],
    ref: Annotated[str, Form(max_length=2000)],
    note: Annotated[str, Form(max_length=2000)] = "",
) -> Response:
    try:
        plan_service.add_task_evidence(db, user, task_id, kind=kind, ref=ref, note=note)
    except ValidationFailed as exc:
        db.rollback()
        return task_page(request, db, user, task_id, error=exc.message)
    db.commit()
    return _redirect(request, f"/ke-hoach/nhiem-vu/{task_id}")


def _activities_page(
    request: Request, db: DbSession, user: User, *, error: str | None = None, commune: str = ""
) -> HTMLResponse:
    commune_unit = get_unit(db, commune) if commune else None
    rows = activities.list_activities(db, commune=commune_unit)
    names = {u.id: u.name for u in list_units(db)}
    return render(
        request,
        "plan/activities.html",
        {
            "rows": rows,
            "names": names,
            "communes": list_units(db, kind="commune"),
            "units": [u for u in list_units(db) if u.kind != "external"],
            "commune": commune_unit,
            "kinds": activities.ACTIVITY_KINDS,
            "audiences": activities.AUDIENCES,
            "channels": activities.CHANNELS,
            "can_record": can(user, "activity.record"),
            "error": error,
            "today": plan_service.local_today().isoformat(),
        },
        status_code=422 if error else 200,
    )


@router.get("/ke-hoach/tap-huan", response_class=HTMLResponse)
def activities_page(
    request: Request, db: DbSession, user: Viewer, commune: str = ""
) -> HTMLResponse:
    return _activities_page(request, db, user, commune=commune)


@router.post("/ke-hoach/tap-huan", dependencies=Csrf)
def record_activity(
    request: Request,
    db: DbSession,
    user: Viewer,
    kind: Annotated[str, Form(max_length=16)],
    title: Annotated[str, Form(max_length=500)],
    held_on: Annotated[str, Form(max_length=10)],
    organiser: Annotated[str, Form(max_length=32)],
    commune: Annotated[str, Form(max_length=32)] = "",
    place: Annotated[str, Form(max_length=500)] = "",
    audience: Annotated[str, Form(max_length=32)] = "residents",
    attendance: Annotated[str, Form(max_length=12)] = "0",
    channels: Annotated[list[str] | None, Form()] = None,
    materials: Annotated[str, Form(max_length=4000)] = "",
) -> Response:
    try:
        try:
            day = date.fromisoformat(held_on)
        except ValueError as exc:
            raise ValidationFailed(N_("Ngày tổ chức không hợp lệ."), field="held_on") from exc
        if not attendance.strip().isdigit():
            raise ValidationFailed(N_("Số người tham dự phải là số nguyên."), field="attendance")
        activities.record_activity(
            db,
            user,
            kind=kind,
            title=title,
            held_on=day,
            organiser_code=organiser,
            commune_code=commune or None,
            place=place,
            audience=audience,
            attendance=int(attendance.strip()),
            channels=channels or [],
            materials=materials,
            plan=_active_or_none(db),
        )
    except (ValidationFailed, NotFound) as exc:
        db.rollback()
        return _activities_page(request, db, user, error=exc.message)
    db.commit()
    return _redirect(request, "/ke-hoach/tap-huan")


def _active_or_none(db: DbSession) -> Plan | None:
    try:
        return plan_service.active_plan(db)
    except NotFound:
        return None


def _budget_page(
    request: Request, db: DbSession, user: User, error: str | None = None
) -> HTMLResponse:
    plan = plan_service.active_plan(db)
    lines = budget.list_budget(db, plan)
    names = {u.id: u.name for u in list_units(db)}
    return render(
        request,
        "plan/budget.html",
        {
            "plan": plan,
            "budget_rule": plan_service.template_of(plan).budget_rule,
            "lines": lines,
            "names": names,
            "totals": budget.totals(lines),
            "units": [u for u in list_units(db) if u.kind != "external"],
            "can_edit": can(user, "budget.edit"),
            "error": error,
        },
        status_code=422 if error else 200,
    )


@router.get("/ke-hoach/kinh-phi", response_class=HTMLResponse)
def budget_page(request: Request, db: DbSession, user: Viewer) -> HTMLResponse:
    return _budget_page(request, db, user)


@router.post("/ke-hoach/kinh-phi", dependencies=Csrf)
def save_budget_line(
    request: Request,
    db: DbSession,
    user: Annotated[User, Depends(allowed("budget.edit"))],
    unit: Annotated[str, Form(max_length=32)],
    title: Annotated[str, Form(max_length=500)],
    planned: Annotated[str, Form(max_length=32)],
    committed: Annotated[str, Form(max_length=32)] = "0",
    spent: Annotated[str, Form(max_length=32)] = "0",
    line_id: Annotated[str, Form(max_length=12)] = "",
) -> Response:
    try:
        budget.set_budget_line(
            db,
            user,
            plan=plan_service.active_plan(db),
            unit_code=unit,
            title=title,
            planned=planned,
            committed=committed,
            spent=spent,
            line_id=int(line_id) if line_id.isdigit() else None,
        )
    except (ValidationFailed, NotFound) as exc:
        db.rollback()
        return _budget_page(request, db, user, error=exc.message)
    db.commit()
    return _redirect(request, "/ke-hoach/kinh-phi")


def _own_units(db: DbSession, user: User) -> list[Unit]:
    if user.role in DISTRICT_WIDE_ROLES:
        return [u for u in list_units(db) if u.kind != "external"]
    return [user.unit]


@router.get("/ke-hoach/bao-cao-tien-do", response_class=HTMLResponse)
def progress_list(
    request: Request, db: DbSession, user: Viewer, error: str | None = None
) -> HTMLResponse:
    plan = plan_service.active_plan(db)
    unit = None if user.role in DISTRICT_WIDE_ROLES else user.unit
    reports = progress.list_reports(db, plan, unit=unit)
    names = {u.id: u.name for u in list_units(db)}
    today = plan_service.local_today()
    quarter = (today.month - 1) // 3 + 1 if today.year == plan.year else 4
    return render(
        request,
        "plan/progress_list.html",
        {
            "plan": plan,
            "reports": reports,
            "names": names,
            "units": _own_units(db, user),
            "periods": [f"{plan.year}-Q{q}" for q in range(1, 5)],
            "default_period": f"{plan.year}-Q{quarter}",
            "can_submit": can(user, "progress.submit"),
            "overdue": progress.overdue_reports(db, plan)
            if user.role in DISTRICT_WIDE_ROLES
            else [],
            "state_labels": PROGRESS_STATE_LABELS,
            "error": error,
        },
        status_code=422 if error else 200,
    )


@router.post("/ke-hoach/bao-cao-tien-do", dependencies=Csrf)
def progress_open(
    request: Request,
    db: DbSession,
    user: Viewer,
    unit: Annotated[str, Form(max_length=32)],
    period: Annotated[str, Form(max_length=16)],
) -> Response:
    try:
        report = progress.open_report(db, user, plan_service.active_plan(db), unit, period)
    except (ValidationFailed, NotFound) as exc:
        db.rollback()
        return progress_list(request, db, user, error=exc.message)
    db.commit()
    return RedirectResponse(f"/ke-hoach/bao-cao-tien-do/{report.id}", status_code=303)


def _check_visible(user: User, report: ProgressReport) -> None:
    if not can(user, "plan.view", report):
        raise NotFound(f"Không tìm thấy báo cáo tiến độ #{report.id}.")


@router.get("/ke-hoach/bao-cao-tien-do/{report_id}", response_class=HTMLResponse)
def progress_page(
    request: Request, db: DbSession, user: Viewer, report_id: int, error: str | None = None
) -> HTMLResponse:
    report = progress.get_report(db, report_id)
    _check_visible(user, report)
    editable = report.state in ("draft", "returned") and can(user, "progress.submit", report)
    return render(
        request,
        "plan/progress.html",
        {
            "report": report,
            "unit": db.get(Unit, report.unit_id),
            "fields": progress.FIGURE_FIELDS,
            "editable": editable,
            "can_approve": report.state == "submitted" and can(user, "progress.approve", report),
            "state_labels": PROGRESS_STATE_LABELS,
            "error": error,
        },
        status_code=422 if error else 200,
    )


@router.post("/ke-hoach/bao-cao-tien-do/{report_id}/luu", dependencies=Csrf)
async def progress_save(request: Request, db: DbSession, user: Viewer, report_id: int) -> Response:
    form = await request.form()
    figures = {k: str(form.get(k, "")) for k in progress.FIGURE_FIELDS if k in form}
    narrative = str(form.get("narrative", ""))
    try:
        progress.save_report(db, user, report_id, figures=figures, narrative=narrative)
        if form.get("action") == "submit":
            progress.submit_report(db, user, report_id)
    except ValidationFailed as exc:
        db.rollback()
        return progress_page(request, db, user, report_id, error=exc.message)
    db.commit()
    done = N_("Đã gửi báo cáo.") if form.get("action") == "submit" else N_("Đã lưu.")
    return _redirect(request, f"/ke-hoach/bao-cao-tien-do/{report_id}", done)


@router.post("/ke-hoach/bao-cao-tien-do/{report_id}/duyet", dependencies=Csrf)
def progress_approve(request: Request, db: DbSession, user: Viewer, report_id: int) -> Response:
    progress.approve_report(db, user, report_id)
    db.commit()
    return _redirect(request, f"/ke-hoach/bao-cao-tien-do/{report_id}", N_("Đã duyệt báo cáo."))


@router.post("/ke-hoach/bao-cao-tien-do/{report_id}/tra-lai", dependencies=Csrf)
def progress_return(
    request: Request,
    db: DbSession,
    user: Viewer,
    report_id: int,
    reason: Annotated[str, Form(max_length=2000)] = "",
) -> Response:
    try:
        progress.return_report(db, user, report_id, reason)
    except ValidationFailed as exc:
        db.rollback()
        return progress_page(request, db, user, report_id, error=exc.message)
    db.commit()
    return _redirect(request, f"/ke-hoach/bao-cao-tien-do/{report_id}", N_("Đã trả lại báo cáo."))


@router.get("/ke-hoach/bao-cao", response_class=HTMLResponse)
def report_page(
    request: Request,
    db: DbSession,
    user: Annotated[User, Depends(allowed("report.generate"))],
    error: str | None = None,
) -> HTMLResponse:
    plan = plan_service.active_plan(db)
    periods = [str(plan.year), *(f"{plan.year}-Q{q}" for q in range(1, 5))]
    periods += [f"{plan.year}-{m:02d}" for m in range(1, 13)]
    return render(
        request,
        "plan/report.html",
        {
            "plan": plan,
            "periods": periods,
            "narrative_fields": district_report.NARRATIVE_FIELDS,
            "error": error,
        },
        status_code=422 if error else 200,
    )


@router.post("/ke-hoach/bao-cao", dependencies=Csrf)
async def report_download(
    request: Request,
    db: DbSession,
    user: Annotated[User, Depends(allowed("report.generate"))],
) -> Response:
    form = await request.form()
    period = str(form.get("period", ""))[:16]
    fmt = str(form.get("format", "pdf"))[:8]
    number = str(form.get("number", ""))[:32]
    texts = {k: str(form.get(k, ""))[:20000] for k in district_report.NARRATIVE_FIELDS}
    try:
        payload = district_report.generate(
            db, user, period, fmt, number=number, narrative=ReportNarrative(**texts)
        )
    except ValidationFailed as exc:
        db.rollback()
        return report_page(request, db, user, error=exc.message)
    db.commit()
    name = f"bao-cao-ket-qua-{period}.{fmt}"
    return Response(
        payload,
        media_type=district_report.media_type(fmt),
        headers={"Content-Disposition": f"attachment; filename*=UTF-8''{quote(name)}"},
    )


def _bars(rows: list[tuple[str, int, str]]) -> dict[str, Any]:
    """Rows (label, value, drill-down link) with the largest value, for the SVG bar macro."""
    return {"rows": rows, "max": max((v for _, v, _ in rows), default=0) or 1}


@router.get("/ke-hoach/so-lieu", response_class=HTMLResponse)
def figures_page(
    request: Request, db: DbSession, user: Viewer, period: str | None = None
) -> HTMLResponse:
    plan = plan_service.active_plan(db)
    p = _period_or_default(period, plan)
    f = plan_figures.compute(db, p, plan=plan)
    names = f.unit_names
    base = f"/ke-hoach/so-lieu/chi-tiet?period={p.code}"
    trend = plan_figures.monthly_trend(db, p.start.year)
    commune_rows = [
        (names.get(code, N_("Không rõ xã")), n, f"{base}&metric=reports&commune={code or '-'}")
        for code, n in sorted(f.reports_by_commune.items(), key=lambda kv: -kv[1])
    ]
    return render(
        request,
        "plan/figures.html",
        {
            "plan": plan,
            "period": p,
            "f": f,
            "base": base,
            "periods": [str(plan.year), *(f"{plan.year}-Q{q}" for q in range(1, 5))],
            "trend_reports": _bars(
                [
                    (
                        f"{r['month']:02d}",
                        r["reports"],
                        f"/ke-hoach/so-lieu/chi-tiet?period={r['code']}&metric=reports",
                    )
                    for r in trend
                ]
            ),
            "trend_cases": _bars(
                [
                    (
                        f"{r['month']:02d}",
                        r["cases"],
                        f"/ke-hoach/so-lieu/chi-tiet?period={r['code']}&metric=cases",
                    )
                    for r in trend
                ]
            ),
            "by_category": _bars(
                [
                    (CATEGORY_LABELS.get(c, c), n, f"{base}&metric=reports&category={c}")
                    for c, n in f.reports_by_category.items()
                ]
            ),
            "by_commune": _bars(commune_rows),
            "by_unit": _bars(
                [
                    (names.get(c, c), n, f"{base}&metric=cases&unit={c}")
                    for c, n in f.cases_by_unit.items()
                ]
            ),
            "by_state": _bars(
                [
                    (STATE_LABELS.get(s, s), n, f"{base}&metric=cases&state={s}")
                    for s, n in f.cases_by_state.items()
                ]
            ),
            "overdue_tasks": _bars(
                [
                    (t.unit, t.overdue, f"/ke-hoach?unit={t.unit_code}&state=overdue")
                    for t in f.tasks
                    if t.overdue
                ]
            ),
            "trainings": _bars(
                [
                    (t.commune, t.people, f"/ke-hoach/tap-huan?commune={t.commune_code}")
                    for t in f.trainings
                ]
            ),
            "categories": REPORT_CATEGORIES,
        },
    )


@router.get("/ke-hoach/so-lieu/chi-tiet", response_class=HTMLResponse)
def figures_drill(
    request: Request,
    db: DbSession,
    user: Viewer,
    period: str,
    metric: str,
    state: str | None = None,
    unit: str | None = None,
    category: str | None = None,
    commune: str | None = None,
    overdue: bool = False,
    recipient: str | None = None,
) -> HTMLResponse:
    p = district_report.parse_period(period)
    names = {u.id: u.name for u in list_units(db)}
    context: dict[str, Any] = {"period": p, "metric": metric, "names": names}
    if metric == "cases":
        if state and state not in CASE_STATES:
            raise ValidationFailed(N_("Trạng thái không hợp lệ."), field="state")
        scope = None
        if not can(user, "case.view_all"):
            scope = {user.unit_id}
        context["cases"] = plan_figures.cases_behind(
            db, p, state=state, unit_code=unit, overdue=overdue, unit_ids=scope
        )
        context["state_labels"] = STATE_LABELS
    elif metric == "reports":
        if not can(user, "item.view"):
            raise NotFound(N_("Không tìm thấy trang."))
        context["reports"] = plan_figures.reports_behind(
            db, p, category=category, commune_code="" if commune == "-" else commune
        )
        context["category_labels"] = CATEGORY_LABELS
    elif metric == "requests":
        context["requests"] = plan_figures.requests_behind(db, p, recipient_code=recipient)
    else:
        raise NotFound(N_("Không tìm thấy trang."))
    return render(request, "plan/drill.html", context)


@router.get("/minh-bach", response_class=HTMLResponse)
def transparency_page(
    request: Request, db: DbSession, user: OptionalUser, year: int | None = None
) -> HTMLResponse:
    if year is not None and not 2000 <= year <= 2100:
        raise ValidationFailed(N_("Năm không hợp lệ."), field="year")
    figures = plan_figures.transparency(db, year)
    return render(request, "plan/transparency.html", {"t": figures, "year": year})
