"""Case pages: queues with filters and bulk actions, the case page, routing matrix, review queue,
notifications. Every form works without JavaScript; HTMX only refreshes fragments."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import APIRouter, Depends, File, Form, Request, UploadFile
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy.orm import Session

from canhgiac.db.base import utcnow
from canhgiac.db.models import Case, User
from canhgiac.db.models.cases import SEVERITIES
from canhgiac.db.models.intake import REPORT_CATEGORIES
from canhgiac.errors import CanhGiacError, ValidationFailed
from canhgiac.i18n import N_
from canhgiac.ingest.evidence import EvidenceStore
from canhgiac.services import (
    case_search,
    cases,
    notifications,
    permissions,
    personal_data,
    routing,
    triage,
    units,
)
from canhgiac.web.deps import AppSettings, CurrentUser, DbSession, allowed, csrf_protect
from canhgiac.web.labels import LABELS
from canhgiac.web.templating import render

router = APIRouter(include_in_schema=False)
_csrf = [Depends(csrf_protect)]
CaseViewer = Annotated[User, Depends(allowed("case.view"))]
RoutingEditor = Annotated[User, Depends(allowed("routing.edit"))]
ItemViewer = Annotated[User, Depends(allowed("item.view"))]
MAX_UPLOAD = 20 * 1024 * 1024
PAGE = 50

# The shared labels (web/labels.py, also the templates' `label` filter): one wording per code.
STATE_LABELS = LABELS["case_state"]
CATEGORY_LABELS = LABELS["category"]
SEVERITY_LABELS = LABELS["severity"]
OUTCOME_LABELS = {
    "blocked": N_("Đã chặn"),
    "removed": N_("Đã gỡ bỏ"),
    "warned": N_("Đã cảnh báo"),
    "referred": N_("Đã chuyển cơ quan có thẩm quyền"),
    "no_violation": N_("Không vi phạm"),
    "duplicate": N_("Trùng lặp"),
}
EVENT_LABELS = {
    "created": N_("Mở vụ việc"),
    "transition": N_("Chuyển trạng thái"),
    "item_linked": N_("Gắn nội dung"),
    "assigned": N_("Giao cán bộ"),
    "reassigned": N_("Chuyển đơn vị"),
    "comment": N_("Trao đổi"),
    "legal_basis": N_("Ghi căn cứ pháp lý"),
    "evidence": N_("Đính kèm chứng cứ"),
    "merged": N_("Gộp vào vụ việc khác"),
    "merged_in": N_("Nhận vụ việc gộp"),
    "split": N_("Tách vụ việc"),
    "deadline": N_("Đổi thời hạn"),
    "reminder": N_("Nhắc hạn"),
    "escalated": N_("Báo cáo đầu mối do quá hạn"),
}


def _labels() -> dict[str, Any]:
    return {
        "STATE_LABELS": STATE_LABELS,
        "CATEGORY_LABELS": CATEGORY_LABELS,
        "SEVERITY_LABELS": SEVERITY_LABELS,
        "OUTCOME_LABELS": OUTCOME_LABELS,
        "EVENT_LABELS": EVENT_LABELS,
    }


def _render(
    request: Request,
    db: Session,
    user: User,
    template: str,
    context: dict[str, Any],
    status_code: int = 200,
) -> HTMLResponse:
    ctx = {**_labels(), "unread": notifications.unread_count(db, user), **context}
    return render(request, template, ctx, status_code=status_code)


def _back(request: Request, url: str, message: str) -> RedirectResponse:
    request.session["flash"] = message
    return RedirectResponse(url, status_code=303)


def _params(request: Request) -> dict[str, Any]:
    params: dict[str, Any] = {k: v for k, v in request.query_params.items() if k != "state"}
    params["state"] = request.query_params.getlist("state")
    return params


# --- queues -------------------------------------------------------------------------------------


@router.get("/vu-viec", response_class=HTMLResponse)
def queue(request: Request, db: DbSession, user: CaseViewer) -> HTMLResponse:
    """The case queue: filters, saved views, bulk actions, CSV export."""
    view_id = request.query_params.get("view")
    if view_id and view_id.isdigit():
        filters = case_search.CaseFilters.from_params(
            case_search.get_view(db, user, int(view_id)).filters
        )
    else:
        params = _params(request)
        if not any(v for k, v in params.items() if k not in ("offset",)):
            params["open_only"] = "1"
        filters = case_search.CaseFilters.from_params(params)
    raw_offset = request.query_params.get("offset", "0")
    offset = int(raw_offset) if raw_offset.isdigit() else 0
    now = utcnow()
    page, total = case_search.search_cases(db, user, filters, limit=PAGE, offset=offset, now=now)
    db.commit()
    query = urlencode(filters.to_params(), doseq=True)
    context = {
        "cases": page,
        "total": total,
        "offset": offset,
        "page_size": PAGE,
        "filters": filters,
        "query": query,
        "now": now,
        "views": case_search.list_views(db, user),
        "unit_list": units.list_units(db),
        "communes": units.list_units(db, kind="commune"),
        "states": list(STATE_LABELS),
        "categories": REPORT_CATEGORIES,
        "severities": SEVERITIES,
        "is_overdue": cases.is_overdue,
        "can_merge": permissions.can(user, "case.merge"),
        "can_assign": permissions.can(user, "case.assign"),
        "can_transition": permissions.can(user, "case.transition"),
        "can_create": permissions.can(user, "case.create"),
    }
    template = "cases/_rows.html" if request.headers.get("hx-request") else "cases/list.html"
    return _render(request, db, user, template, context)


@router.get("/vu-viec/xuat.csv")
def export_csv(request: Request, db: DbSession, user: CaseViewer) -> Response:
    """The filtered queue as CSV (formula injection neutralised)."""
    filters = case_search.CaseFilters.from_params(_params(request))
    body = case_search.export_csv(db, user, filters)
    db.commit()
    stamp = utcnow().strftime("%Y%m%d-%H%M")
    return Response(
        body.encode("utf-8"),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="vu-viec-{stamp}.csv"'},
    )


@router.post("/vu-viec/bo-loc", dependencies=_csrf)
async def save_view(request: Request, db: DbSession, user: CaseViewer) -> Response:
    """Save the current filters under a name."""
    form = await request.form()
    params: dict[str, Any] = {
        k: str(v) for k, v in form.items() if k not in ("csrf_token", "state", "name")
    }
    params["state"] = [str(s) for s in form.getlist("state")]
    try:
        view = case_search.save_view(
            db, user, str(form.get("name", "")), case_search.CaseFilters.from_params(params)
        )
    except CanhGiacError as exc:
        db.rollback()
        return _back(request, "/vu-viec", exc.message)
    db.commit()
    return _back(request, f"/vu-viec?view={view.id}", N_("Đã lưu bộ lọc."))


@router.post("/vu-viec/bo-loc/{view_id}/xoa", dependencies=_csrf)
def delete_view(request: Request, view_id: int, db: DbSession, user: CaseViewer) -> Response:
    case_search.delete_view(db, user, view_id)
    db.commit()
    return _back(request, "/vu-viec", N_("Đã xoá bộ lọc."))


@router.post("/vu-viec/hang-loat", dependencies=_csrf)
async def bulk(request: Request, db: DbSession, user: CaseViewer) -> Response:
    """Bulk actions on selected cases: assign, merge as duplicate into one, close."""
    form = await request.form()
    refs = [str(r) for r in form.getlist("refs")]
    action = str(form.get("action", ""))
    reason = str(form.get("reason", "")).strip()
    if not refs:
        return _back(request, "/vu-viec", N_("Chưa chọn vụ việc nào."))
    done, failed = 0, []
    for ref in refs:
        try:
            with db.begin_nested():
                case = cases.get_case(db, user, ref)
                if action == "assign":
                    cases.assign(db, user, case, unit_code=str(form.get("unit", "")) or None,
                                 assignee_email=str(form.get("assignee", "")) or None, reason=reason)  # fmt: skip
                elif action == "merge":
                    target = cases.get_case(db, user, str(form.get("target", "")))
                    if target.id == case.id:
                        continue
                    cases.merge(db, user, case, target, reason=reason)
                elif action == "close":
                    cases.transition(db, user, case, "rejected", reason=reason,
                                     outcome_code=str(form.get("outcome_code", "")) or "no_violation")  # fmt: skip
                else:
                    raise ValidationFailed(N_("Thao tác không hợp lệ."), field="action")
            done += 1
        except CanhGiacError as exc:
            failed.append(f"{ref}: {exc.message}")
    db.commit()
    message = f"Đã thực hiện cho {done} vụ việc." + (
        " Không thực hiện được: " + "; ".join(failed) if failed else ""
    )
    return _back(request, "/vu-viec", message)


@router.get("/vu-viec/moi", response_class=HTMLResponse)
def new_case_form(
    request: Request, db: DbSession, user: Annotated[User, Depends(allowed("case.create"))]
) -> HTMLResponse:
    return _render(request, db, user, "cases/new.html", {
        "categories": REPORT_CATEGORIES, "severities": SEVERITIES,
        "communes": units.list_units(db, kind="commune"), "unit_list": units.list_units(db),
    })  # fmt: skip


@router.post("/vu-viec/moi", dependencies=_csrf)
def create_case(
    request: Request,
    db: DbSession,
    user: Annotated[User, Depends(allowed("case.create"))],
    title: Annotated[str, Form(max_length=300)],
    category: Annotated[str, Form(max_length=32)],
    severity: Annotated[str, Form(max_length=16)] = "medium",
    commune: Annotated[str, Form(max_length=32)] = "",
    owner_unit: Annotated[str, Form(max_length=32)] = "",
) -> Response:
    try:
        case = cases.create_case(db, user, title=title, category=category, severity=severity,
                                 commune_code=commune or None, owner_unit_code=owner_unit or None)  # fmt: skip
    except CanhGiacError as exc:
        db.rollback()
        return _back(request, "/vu-viec/moi", exc.message)
    db.commit()
    return _back(request, f"/vu-viec/{case.ref}", N_("Đã mở vụ việc."))


# --- one case -----------------------------------------------------------------------------------


def _case_context(db: Session, user: User, case: Case) -> dict[str, Any]:
    events = cases.timeline(db, case)
    reports = cases.case_reports(db, case)
    return {
        "case": case,
        "events": events,
        "actors": cases.users_by_id(db, {e.actor_id for e in events if e.actor_id}),
        "items": cases.case_items(db, case),
        "reports": reports,
        "indicators": cases.case_indicators(db, case),
        "evidence": cases.case_evidence(db, case),
        "related": cases.related_cases(db, user, case),
        "can_request": permissions.can(user, "request.create", case),
        "unit_map": cases.units_by_id(db),
        "transitions": cases.allowed_transitions(case),
        "outcomes": cases.OUTCOME_CODES,
        "unit_list": units.list_units(db),
        "colleagues": notifications.unit_users(db, case.owner_unit_id),
        "overdue": cases.is_overdue(case),
        "contact_allowed": {r.id: personal_data.can_view_contact(db, user, r) for r in reports},
        "can": {
            a: permissions.can(user, a, case)
            for a in (
                "case.transition",
                "case.assign",
                "case.comment",
                "case.edit",
                "evidence.add",
                "case.merge",
            )
        },
        "shown_contact": None,
    }


@router.get("/vu-viec/{ref}", response_class=HTMLResponse)
def case_page(request: Request, ref: str, db: DbSession, user: CaseViewer) -> HTMLResponse:
    """Timeline, linked items, reports, indicators, evidence, related cases and the forms."""
    case = cases.get_case(db, user, ref)
    return _render(request, db, user, "cases/detail.html", _case_context(db, user, case))


def _case_action(request: Request, db: Session, ref: str, message: str, func: Any) -> Response:
    try:
        func()
    except CanhGiacError as exc:
        db.rollback()
        return _back(request, f"/vu-viec/{ref}", exc.message)
    db.commit()
    return _back(request, f"/vu-viec/{ref}", message)


@router.post("/vu-viec/{ref}/trang-thai", dependencies=_csrf)
def transition(
    request: Request,
    ref: str,
    db: DbSession,
    user: CaseViewer,
    to_state: Annotated[str, Form(max_length=32)],
    reason: Annotated[str, Form(max_length=10_000)] = "",
    legal_basis: Annotated[str, Form(max_length=10_000)] = "",
    outcome_code: Annotated[str, Form(max_length=32)] = "",
    outcome_note: Annotated[str, Form(max_length=10_000)] = "",
    public_outcome: Annotated[str, Form(max_length=10_000)] = "",
) -> Response:
    case = cases.get_case(db, user, ref)
    return _case_action(request, db, case.ref, N_("Đã chuyển trạng thái."), lambda: cases.transition(
        db, user, case, to_state, reason=reason, legal_basis=legal_basis, outcome_code=outcome_code,
        outcome_note=outcome_note, public_outcome=public_outcome))  # fmt: skip


@router.post("/vu-viec/{ref}/phan-cong", dependencies=_csrf)
def assign(
    request: Request,
    ref: str,
    db: DbSession,
    user: CaseViewer,
    unit: Annotated[str, Form(max_length=32)] = "",
    assignee: Annotated[str, Form(max_length=255)] = "",
    reason: Annotated[str, Form(max_length=10_000)] = "",
) -> Response:
    case = cases.get_case(db, user, ref)
    return _case_action(request, db, case.ref, N_("Đã phân công."), lambda: cases.assign(
        db, user, case, unit_code=unit or None, assignee_email=assignee or None, reason=reason))  # fmt: skip


@router.post("/vu-viec/{ref}/trao-doi", dependencies=_csrf)
def comment(
    request: Request,
    ref: str,
    db: DbSession,
    user: CaseViewer,
    body: Annotated[str, Form(max_length=10_000)],
) -> Response:
    case = cases.get_case(db, user, ref)
    if request.headers.get("hx-request"):
        try:
            cases.comment(db, user, case, body)
        except CanhGiacError as exc:
            db.rollback()
            return HTMLResponse(
                f'<p class="error" role="alert">{_escape(exc.message)}</p>', status_code=422
            )
        db.commit()
        context = _case_context(db, user, case)
        return _render(request, db, user, "cases/_timeline.html", context)
    return _case_action(
        request, db, case.ref, N_("Đã gửi trao đổi."), lambda: cases.comment(db, user, case, body)
    )


def _escape(text: str) -> str:
    from markupsafe import escape

    return str(escape(text))


@router.post("/vu-viec/{ref}/can-cu-phap-ly", dependencies=_csrf)
def legal_basis(
    request: Request,
    ref: str,
    db: DbSession,
    user: CaseViewer,
    legal_basis: Annotated[str, Form(max_length=10_000)],
) -> Response:
    case = cases.get_case(db, user, ref)
    return _case_action(request, db, case.ref, N_("Đã ghi căn cứ pháp lý."),
                        lambda: cases.record_legal_basis(db, user, case, legal_basis))  # fmt: skip


@router.post("/vu-viec/{ref}/thoi-han", dependencies=_csrf)
def deadline(
    request: Request,
    ref: str,
    db: DbSession,
    user: CaseViewer,
    deadline_at: Annotated[str, Form(max_length=32)],
    reason: Annotated[str, Form(max_length=10_000)] = "",
) -> Response:
    from canhgiac.i18n import LOCAL_TZ

    case = cases.get_case(db, user, ref)

    def change() -> None:
        try:
            when = datetime.fromisoformat(deadline_at).replace(tzinfo=LOCAL_TZ)
        except ValueError:
            raise ValidationFailed(N_("Thời hạn không hợp lệ."), field="deadline_at") from None
        cases.set_deadline(db, user, case, when, reason=reason)

    return _case_action(request, db, case.ref, N_("Đã đổi thời hạn."), change)


@router.post("/vu-viec/{ref}/chung-cu", dependencies=_csrf)
async def evidence(
    request: Request,
    ref: str,
    db: DbSession,
    user: CaseViewer,
    settings: AppSettings,
    file: Annotated[UploadFile, File()],
    note: Annotated[str, Form(max_length=2000)] = "",
) -> Response:
    """Attach a file as evidence (size-capped)."""
    case = cases.get_case(db, user, ref)
    data = await file.read(MAX_UPLOAD + 1)
    if len(data) > MAX_UPLOAD:
        return _back(request, f"/vu-viec/{case.ref}", N_("Tệp quá lớn (tối đa 20 MB)."))
    store = EvidenceStore(settings.evidence_dir)
    return _case_action(request, db, case.ref, N_("Đã đính kèm chứng cứ."), lambda: cases.attach_evidence(
        db, store, user, case, data, name=file.filename or "tep", note=note,
        media_type=file.content_type or "application/octet-stream"))  # fmt: skip


@router.post("/vu-viec/{ref}/lien-he/{report_id}", response_class=HTMLResponse, dependencies=_csrf)
def show_contact(
    request: Request, ref: str, report_id: int, db: DbSession, user: CaseViewer
) -> Response:
    """Show one reporter's contact on the case page (deliberate POST; each view is audited)."""
    case = cases.get_case(db, user, ref)
    if report_id not in {r.id for r in cases.case_reports(db, case)}:
        return _back(request, f"/vu-viec/{case.ref}", N_("Phản ánh không thuộc vụ việc này."))
    try:
        contact = personal_data.view_contact(db, user, report_id, purpose=f"case {case.ref}")
    except CanhGiacError as exc:
        db.commit()  # the refused attempt stays in the audit log
        return _back(request, f"/vu-viec/{case.ref}", exc.message)
    db.commit()
    context = _case_context(db, user, case)
    context["shown_contact"] = (report_id, contact)
    return _render(request, db, user, "cases/detail.html", context)


# --- routing matrix -----------------------------------------------------------------------------


@router.get("/quan-tri/phan-cong", response_class=HTMLResponse)
def routing_page(request: Request, db: DbSession, user: RoutingEditor) -> HTMLResponse:
    """The routing matrix and the deadline table, editable by the coordinator."""
    return _render(request, db, user, "cases/routing.html", {
        "rows": routing.matrix(db), "deadlines": routing.deadline_table(db),
        "categories": REPORT_CATEGORIES, "severities": SEVERITIES,
        "unit_list": units.list_units(db), "communes": units.list_units(db, kind="commune"),
    })  # fmt: skip


@router.post("/quan-tri/phan-cong", dependencies=_csrf)
def set_route(
    request: Request,
    db: DbSession,
    user: RoutingEditor,
    category: Annotated[str, Form(max_length=32)],
    unit: Annotated[str, Form(max_length=32)],
    commune: Annotated[str, Form(max_length=32)] = "",
) -> Response:
    try:
        routing.set_route(db, user, category=category, unit_code=unit, commune_code=commune or None)
    except CanhGiacError as exc:
        db.rollback()
        return _back(request, "/quan-tri/phan-cong", exc.message)
    db.commit()
    return _back(request, "/quan-tri/phan-cong", N_("Đã lưu."))


@router.post("/quan-tri/phan-cong/{rule_id}/xoa", dependencies=_csrf)
def delete_route(request: Request, rule_id: int, db: DbSession, user: RoutingEditor) -> Response:
    try:
        routing.delete_override(db, user, rule_id)
    except CanhGiacError as exc:
        db.rollback()
        return _back(request, "/quan-tri/phan-cong", exc.message)
    db.commit()
    return _back(request, "/quan-tri/phan-cong", N_("Đã xoá."))


@router.post("/quan-tri/phan-cong/thoi-han", dependencies=_csrf)
def set_deadline_hours(
    request: Request,
    db: DbSession,
    user: RoutingEditor,
    category: Annotated[str, Form(max_length=32)],
    severity: Annotated[str, Form(max_length=16)],
    hours: Annotated[int, Form()],
) -> Response:
    try:
        routing.set_deadline_hours(db, user, category=category, severity=severity, hours=hours)
    except CanhGiacError as exc:
        db.rollback()
        return _back(request, "/quan-tri/phan-cong", exc.message)
    db.commit()
    return _back(request, "/quan-tri/phan-cong", N_("Đã lưu."))


# --- review queue -------------------------------------------------------------------------------


@router.get("/hang-cho-xem-xet", response_class=HTMLResponse)
def review_page(request: Request, db: DbSession, user: ItemViewer) -> HTMLResponse:
    """Items below the threshold waiting for a person: open a case, dismiss, or merge."""
    items, total = triage.review_queue(db, user)
    return _render(request, db, user, "cases/review.html", {
        "items": items, "total": total, "categories": REPORT_CATEGORIES,
        "can_decide": permissions.can(user, "case.create"),
    })  # fmt: skip


@router.post("/hang-cho-xem-xet/{item_id}", dependencies=_csrf)
def review_decide(
    request: Request,
    item_id: int,
    db: DbSession,
    user: ItemViewer,
    action: Annotated[str, Form(max_length=16)],
    category: Annotated[str, Form(max_length=32)] = "",
    case_ref: Annotated[str, Form(max_length=32)] = "",
    reason: Annotated[str, Form(max_length=2000)] = "",
) -> Response:
    try:
        if action == "open":
            case = triage.open_case_from_review(db, user, item_id, category=category or None)
            message = f"Đã mở vụ việc {case.ref}."
        elif action == "dismiss":
            triage.dismiss(db, user, item_id, reason=reason)
            message = N_("Đã bỏ qua nội dung.")
        elif action == "merge":
            case = triage.merge_into_case(db, user, item_id, case_ref)
            message = f"Đã gộp vào vụ việc {case.ref}."
        else:
            raise ValidationFailed(N_("Thao tác không hợp lệ."), field="action")
    except CanhGiacError as exc:
        db.rollback()
        return _back(request, "/hang-cho-xem-xet", exc.message)
    db.commit()
    return _back(request, "/hang-cho-xem-xet", message)


# --- notifications ------------------------------------------------------------------------------


@router.get("/thong-bao", response_class=HTMLResponse)
def notifications_page(request: Request, db: DbSession, user: CurrentUser) -> HTMLResponse:
    return _render(
        request, db, user, "cases/notifications.html", {"notes": notifications.list_for(db, user)}
    )


@router.get("/thong-bao/dem", response_class=HTMLResponse)
def notifications_counter(request: Request, db: DbSession, user: CurrentUser) -> HTMLResponse:
    """The unread counter fragment (polled by HTMX)."""
    return render(request, "cases/_counter.html", {"unread": notifications.unread_count(db, user)})


@router.post("/thong-bao/da-doc", dependencies=_csrf)
def mark_read(
    request: Request,
    db: DbSession,
    user: CurrentUser,
    notification_id: Annotated[int | None, Form()] = None,
) -> Response:
    notifications.mark_read(db, user, notification_id)
    db.commit()
    return RedirectResponse("/thong-bao", status_code=303)
