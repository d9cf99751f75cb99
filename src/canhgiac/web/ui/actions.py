"""Officer pages: requests and letters, indicators, warnings editor, recipients."""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated, Any

from fastapi import APIRouter, Depends, File, Form, Query, Request, UploadFile
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy import select
from sqlalchemy.orm import Session

from canhgiac.db.models import (
    Case,
    CaseItem,
    Claim,
    Evidence,
    ItemIndicator,
    Recipient,
    User,
    Warning,
)
from canhgiac.db.models.actions import INDICATOR_STATUSES, REQUEST_ACTIONS, REQUEST_STATES
from canhgiac.errors import CanhGiacError, NotFound, ValidationFailed
from canhgiac.exports.importers import FORMATS as IMPORT_FORMATS
from canhgiac.exports.importers import guess_kind
from canhgiac.exports.indicator_record import KINDS
from canhgiac.i18n import N_
from canhgiac.services import claims_kb, indicators, recipients, takedown, warnings
from canhgiac.services.permissions import can, require
from canhgiac.web.deps import AppSettings, DbSession, allowed, csrf_protect
from canhgiac.web.templating import render

router = APIRouter(include_in_schema=False)
Requester = Annotated[User, Depends(allowed("request.create"))]
IndicatorManager = Annotated[User, Depends(allowed("indicator.manage"))]
Editor = Annotated[User, Depends(allowed("warning.edit"))]
CSRF = [Depends(csrf_protect)]
MAX_UPLOAD = 64 * 1024 * 1024


def _done(request: Request, url: str, message: str = N_("Đã lưu.")) -> RedirectResponse:
    request.session["flash"] = message
    return RedirectResponse(url, status_code=303)


def _parse_indicator_lines(text: str) -> list[dict[str, str]]:
    """'kind value | note' or 'value | note' per line (the kind is guessed when omitted)."""
    out: list[dict[str, str]] = []
    for number, raw in enumerate(text.splitlines(), start=1):
        line, _, note = raw.partition("|")
        line = line.strip()
        if not line:
            continue
        first, _, rest = line.partition(" ")
        if first in KINDS and rest.strip():
            kind, value = first, rest.strip()
        else:
            kind, value = guess_kind(line) or "", line
        if not kind:
            raise ValidationFailed(
                f"Dòng {number}: không nhận ra loại dấu hiệu '{line[:80]}'.", field="indicators"
            )
        out.append({"kind": kind, "value": value, "note": note.strip()})
    return out


# --- requests ------------------------------------------------------------------------------------


@router.get("/van-ban-de-nghi", response_class=HTMLResponse)
def request_list(
    request: Request,
    db: DbSession,
    user: Requester,
    state: Annotated[str, Query(max_length=16)] = "",
) -> HTMLResponse:
    rows = takedown.list_requests(db, user, state=state or None)
    names = {r.id: r for r in db.scalars(select(Recipient))}
    cases = {
        c.id: c for c in db.scalars(select(Case).where(Case.id.in_({r.case_id for r in rows})))
    }
    return render(request, "actions/requests.html", {
        "rows": rows, "recipients": names, "cases": cases, "state": state,
        "states": REQUEST_STATES, "STATE_LABELS": takedown.STATE_LABELS,
        "ACTION_LABELS": takedown.ACTION_LABELS,
    })  # fmt: skip


def _case_by_ref(db: DbSession, ref: str) -> Case:
    case = db.scalar(select(Case).where(Case.ref == ref))
    if case is None:
        raise NotFound(f"Không tìm thấy vụ việc '{ref}'.")
    return case


def _case_indicator_lines(db: DbSession, case: Case) -> str:
    rows = db.execute(
        select(ItemIndicator.kind, ItemIndicator.value)
        .join(CaseItem, CaseItem.item_id == ItemIndicator.item_id)
        .where(CaseItem.case_id == case.id)
        .distinct()
    )
    return "\n".join(f"{k} {v}" for k, v in rows if k in KINDS)


def _new_form(
    request: Request, db: DbSession, case: Case, values: dict[str, Any], error: str | None = None
) -> HTMLResponse:
    evidence = db.scalars(select(Evidence).where(Evidence.case_id == case.id)).all()
    return render(request, "actions/request_new.html", {
        "case": case, "values": values, "error": error, "evidence": evidence,
        "recipient_list": recipients.list_recipients(db), "actions": REQUEST_ACTIONS,
        "ACTION_LABELS": takedown.ACTION_LABELS, "KIND_LABELS": recipients.KIND_LABELS,
    }, status_code=422 if error else 200)  # fmt: skip


@router.get("/van-ban-de-nghi/moi", response_class=HTMLResponse)
def request_new(
    request: Request,
    db: DbSession,
    user: Requester,
    vu_viec: Annotated[str, Query(max_length=32)],
) -> HTMLResponse:
    case = _case_by_ref(db, vu_viec)
    require(user, "request.create", case)
    values = {
        "legal_basis": case.legal_basis or "",
        "indicators": _case_indicator_lines(db, case),
        "facts": case.title,
        "action": "block_domain",
        "recipients": [],
    }
    return _new_form(request, db, case, values)


@router.post("/van-ban-de-nghi/moi", dependencies=CSRF, response_model=None)
async def request_create(request: Request, db: DbSession, user: Requester) -> Response:
    form = await request.form()
    ref = str(form.get("case", ""))[:32]
    case = _case_by_ref(db, ref)
    indicator_text = str(form.get("indicators", ""))[:200_000]
    values: dict[str, Any] = {
        "legal_basis": str(form.get("legal_basis", ""))[:20_000],
        "indicators": indicator_text,
        "facts": str(form.get("facts", ""))[:20_000],
        "action": str(form.get("action", ""))[:32],
        "recipients": [str(r)[:32] for r in form.getlist("recipients")][:20],
    }
    # No box ticked means every piece of the case's evidence (what the form says).
    evidence_ids = [int(str(e)) for e in form.getlist("evidence") if str(e).isdigit()] or None
    try:
        rows = takedown.create_requests(
            db, user, case=case, recipients=list(values["recipients"]), action=values["action"],
            indicators=_parse_indicator_lines(indicator_text),
            legal_basis=values["legal_basis"], facts=values["facts"], evidence_ids=evidence_ids,
        )  # fmt: skip
    except CanhGiacError as exc:
        db.rollback()
        return _new_form(request, db, case, values, exc.message)
    db.commit()
    return _done(request, f"/van-ban-de-nghi/{rows[0].id}", N_("Đã tạo dự thảo văn bản đề nghị."))


def _visible(db: DbSession, user: User, request_id: int) -> Any:
    row = takedown.get_request(db, request_id)
    require(user, "request.create", db.get(Case, row.case_id))
    return row


@router.get("/van-ban-de-nghi/{request_id}", response_class=HTMLResponse)
def request_detail(
    request: Request, db: DbSession, user: Requester, request_id: int
) -> HTMLResponse:
    row = _visible(db, user, request_id)
    case = db.get(Case, row.case_id)
    return render(request, "actions/request_detail.html", {
        "r": row, "case": case, "recipient": db.get(Recipient, row.recipient_id),
        "can_approve": can(user, "request.approve", case) and row.state == "draft",
        "can_answer": can(user, "request.record_answer", case)
        and row.state in ("sent", "acknowledged", "expired"),
        "STATE_LABELS": takedown.STATE_LABELS, "ACTION_LABELS": takedown.ACTION_LABELS,
        "KIND_LABELS": indicators.KIND_LABELS,
    })  # fmt: skip


@router.post("/van-ban-de-nghi/{request_id}/phe-duyet", dependencies=CSRF)
def request_approve(
    request: Request, db: DbSession, user: Requester, settings: AppSettings, request_id: int
) -> Response:
    row = _visible(db, user, request_id)
    takedown.approve(db, user, row, settings=settings)
    db.commit()
    return _done(request, f"/van-ban-de-nghi/{row.id}", N_("Đã phê duyệt và cấp số văn bản."))


@router.post("/van-ban-de-nghi/{request_id}/gui", dependencies=CSRF)
def request_send(request: Request, db: DbSession, user: Requester, request_id: int) -> Response:
    row = _visible(db, user, request_id)
    takedown.send(db, user, row)
    db.commit()
    return _done(request, f"/van-ban-de-nghi/{row.id}", N_("Đã ghi nhận gửi văn bản."))


@router.post("/van-ban-de-nghi/{request_id}/phan-hoi", dependencies=CSRF)
def request_answer(
    request: Request,
    db: DbSession,
    user: Requester,
    request_id: int,
    outcome: Annotated[str, Form(max_length=16)],
    answer: Annotated[str, Form(max_length=20_000)] = "",
) -> Response:
    row = _visible(db, user, request_id)
    takedown.record_answer(db, user, row, outcome=outcome, answer=answer)
    db.commit()
    return _done(request, f"/van-ban-de-nghi/{row.id}", N_("Đã ghi nhận phản hồi."))


@router.get("/van-ban-de-nghi/{request_id}/cong-van.{fmt}")
def request_letter(
    db: DbSession, user: Requester, settings: AppSettings, request_id: int, fmt: str
) -> Response:
    row = _visible(db, user, request_id)
    content, media, name = takedown.letter_bytes(db, row, settings, fmt)
    return Response(
        content, media_type=media, headers={"Content-Disposition": f'attachment; filename="{name}"'}
    )


# --- indicators ----------------------------------------------------------------------------------


def _indicator_page(
    request: Request, db: DbSession, filters: dict[str, Any], **extra: Any
) -> HTMLResponse:
    rows, total = indicators.list_indicators(
        db, list_name=filters["list"] or None, kind=filters["kind"] or None,
        status=filters["status"] or None, q=filters["q"], limit=200,
    )  # fmt: skip
    context = {
        "rows": rows, "total": total, "filters": filters, "kinds": KINDS,
        "statuses": INDICATOR_STATUSES, "formats": indicators.EXPORT_FORMATS,
        "import_formats": IMPORT_FORMATS, "fp_reports": indicators.list_false_positives(db),
        "fp_counts": indicators.false_positive_counts(db),
        "KIND_LABELS": indicators.KIND_LABELS, "STATUS_LABELS": indicators.STATUS_LABELS,
    }  # fmt: skip
    context.update(extra)
    status = 422 if extra.get("error") else 200
    return render(request, "actions/indicators.html", context, status_code=status)


@router.get("/dau-hieu", response_class=HTMLResponse)
def indicator_list(
    request: Request,
    db: DbSession,
    user: IndicatorManager,
    list_name: Annotated[str, Query(alias="list", max_length=8)] = "block",
    kind: Annotated[str, Query(max_length=16)] = "",
    status: Annotated[str, Query(max_length=16)] = "",
    q: Annotated[str, Query(max_length=200)] = "",
) -> HTMLResponse:
    filters = {"list": list_name, "kind": kind, "status": status, "q": q}
    return _indicator_page(request, db, filters)


_DEFAULT_FILTERS = {"list": "block", "kind": "", "status": "", "q": ""}


@router.post("/dau-hieu/them", dependencies=CSRF, response_model=None)
def indicator_add(
    request: Request,
    db: DbSession,
    user: IndicatorManager,
    kind: Annotated[str, Form(max_length=16)],
    value: Annotated[str, Form(max_length=2048)],
    list_name: Annotated[str, Form(max_length=8)] = "block",
    confidence: Annotated[float, Form(ge=0.0, le=1.0)] = 0.7,
    source: Annotated[str, Form(max_length=255)] = "",
    description: Annotated[str, Form(max_length=2000)] = "",
) -> Response:
    try:
        indicators.add_indicator(
            db, user, kind=kind, value=value, list_name=list_name, confidence=confidence,
            source=source or user.unit.name, description=description,
        )  # fmt: skip
    except CanhGiacError as exc:
        db.rollback()
        return _indicator_page(request, db, dict(_DEFAULT_FILTERS), error=exc.message)
    db.commit()
    return _done(request, f"/dau-hieu?list={list_name}")


@router.post("/dau-hieu/nhap", dependencies=CSRF, response_model=None)
async def indicator_import(
    request: Request,
    db: DbSession,
    user: IndicatorManager,
    file: Annotated[UploadFile, File()],
    fmt: Annotated[str, Form(alias="format", max_length=8)],
    source: Annotated[str, Form(max_length=255)],
) -> Response:
    data = await file.read(MAX_UPLOAD + 1)
    try:
        if len(data) > MAX_UPLOAD:
            raise ValidationFailed(N_("Tệp quá lớn (tối đa 64 MB)."), field="file")
        result = indicators.import_indicators(db, user, data, fmt, source)
    except CanhGiacError as exc:
        db.rollback()
        return _indicator_page(request, db, dict(_DEFAULT_FILTERS), error=exc.message)
    db.commit()
    return _indicator_page(request, db, dict(_DEFAULT_FILTERS), import_result=result)


@router.get("/dau-hieu/xuat/{fmt}")
def indicator_export(
    db: DbSession, user: IndicatorManager, settings: AppSettings, fmt: str
) -> Response:
    text = indicators.export(db, fmt, settings=settings)
    media, name = indicators.EXPORT_MEDIA[fmt]
    return Response(
        text, media_type=media, headers={"Content-Disposition": f'attachment; filename="{name}"'}
    )


@router.post("/dau-hieu/{entry_id}/trang-thai", dependencies=CSRF)
def indicator_status(
    request: Request,
    db: DbSession,
    user: IndicatorManager,
    entry_id: int,
    status: Annotated[str, Form(max_length=16)],
) -> Response:
    entry = indicators.get_indicator(db, entry_id)
    indicators.set_status(db, user, entry, status)
    db.commit()
    return _done(request, f"/dau-hieu?list={entry.list_name}")


@router.post("/dau-hieu/chan-nham/{report_id}", dependencies=CSRF)
def false_positive_decide(
    request: Request,
    db: DbSession,
    user: IndicatorManager,
    report_id: int,
    decision: Annotated[str, Form(max_length=8)],
    note: Annotated[str, Form(max_length=4000)] = "",
) -> Response:
    from canhgiac.db.models import FalsePositiveReport

    report = db.get(FalsePositiveReport, report_id)
    if report is None:
        raise NotFound(N_("Không tìm thấy đề nghị gỡ chặn."))
    indicators.decide_false_positive(db, user, report, accept=decision == "accept", note=note)
    db.commit()
    return _done(request, "/dau-hieu")


# --- warnings editor -----------------------------------------------------------------------------


def _warning_list_page(
    request: Request, db: DbSession, user: User, values: dict[str, Any], error: str | None = None
) -> HTMLResponse:
    return render(request, "actions/warnings.html", {
        "rows": warnings.list_warnings(db), "claims": claims_kb.list_claims(db),
        "values": values, "error": error, "STATE_LABELS": warnings.STATE_LABELS,
        "KIND_LABELS": warnings.KIND_LABELS,
    }, status_code=422 if error else 200)  # fmt: skip


@router.get("/quan-ly/canh-bao", response_class=HTMLResponse)
def warning_list(request: Request, db: DbSession, user: Editor) -> HTMLResponse:
    return _warning_list_page(request, db, user, {"kind": "warning"})


def _claim(db: DbSession, code: str) -> Claim | None:
    return claims_kb.get_claim(db, code) if code else None


@router.post("/quan-ly/canh-bao", dependencies=CSRF, response_model=None)
def warning_create(
    request: Request,
    db: DbSession,
    user: Editor,
    title: Annotated[str, Form(max_length=300)],
    body: Annotated[str, Form(max_length=50_000)],
    kind: Annotated[str, Form(max_length=16)] = "warning",
    summary: Annotated[str, Form(max_length=1000)] = "",
    claim: Annotated[str, Form(max_length=64)] = "",
) -> Response:
    values = {"title": title, "body": body, "kind": kind, "summary": summary, "claim": claim}
    try:
        row = warnings.create_warning(
            db, user, title=title, body=body, kind=kind, summary=summary, claim=_claim(db, claim)
        )
    except CanhGiacError as exc:
        db.rollback()
        return _warning_list_page(request, db, user, values, exc.message)
    db.commit()
    return _done(request, f"/quan-ly/canh-bao/{row.id}")


def _warning_page(
    request: Request,
    db: DbSession,
    user: User,
    settings: Any,
    row: Any,
    error: str | None = None,
) -> HTMLResponse:
    return render(request, "actions/warning_edit.html", {
        "w": row, "claims": claims_kb.list_claims(db), "error": error,
        "can_publish": can(user, "warning.publish"),
        "loudspeaker": warnings.loudspeaker_text(db, row, settings),
        "zalo": warnings.zalo_text(db, row, settings),
        "STATE_LABELS": warnings.STATE_LABELS, "KIND_LABELS": warnings.KIND_LABELS,
        "claim": db.get(Claim, row.claim_id) if row.claim_id else None,
    }, status_code=422 if error else 200)  # fmt: skip


@router.get("/quan-ly/canh-bao/{warning_id}", response_class=HTMLResponse)
def warning_edit(
    request: Request, db: DbSession, user: Editor, settings: AppSettings, warning_id: int
) -> HTMLResponse:
    return _warning_page(request, db, user, settings, warnings.get_warning(db, warning_id))


@router.post("/quan-ly/canh-bao/{warning_id}", dependencies=CSRF, response_model=None)
def warning_update(
    request: Request,
    db: DbSession,
    user: Editor,
    settings: AppSettings,
    warning_id: int,
    title: Annotated[str, Form(max_length=300)],
    body: Annotated[str, Form(max_length=50_000)],
    summary: Annotated[str, Form(max_length=1000)] = "",
    claim: Annotated[str, Form(max_length=64)] = "",
) -> Response:
    row = warnings.get_warning(db, warning_id)
    try:
        warnings.update_warning(
            db, user, row, title=title, body=body, summary=summary, claim=_claim(db, claim)
        )
    except CanhGiacError as exc:
        db.rollback()
        return _warning_page(request, db, user, settings, warnings.get_warning(db, warning_id),
                             exc.message)  # fmt: skip
    db.commit()
    return _done(request, f"/quan-ly/canh-bao/{row.id}")


_TRANSITIONS: dict[str, tuple[Callable[[Session, User, Warning], Warning], str]] = {
    "gui-duyet": (warnings.submit_for_review, N_("Đã gửi duyệt.")),
    "dang": (warnings.publish, N_("Đã đăng công khai.")),
    "tra-lai": (warnings.return_to_draft, N_("Đã trả lại để sửa.")),
    "go": (warnings.withdraw, N_("Đã gỡ bài.")),
}


@router.post("/quan-ly/canh-bao/{warning_id}/{step}", dependencies=CSRF)
def warning_transition(
    request: Request, db: DbSession, user: Editor, warning_id: int, step: str
) -> Response:
    if step not in _TRANSITIONS:
        raise NotFound(N_("Thao tác không tồn tại."))
    func, message = _TRANSITIONS[step]
    row = warnings.get_warning(db, warning_id)
    func(db, user, row)
    db.commit()
    return _done(request, f"/quan-ly/canh-bao/{row.id}", message)


@router.get("/quan-ly/canh-bao/{warning_id}/ap-phich.pdf")
def warning_poster_preview(
    db: DbSession, user: Editor, settings: AppSettings, warning_id: int
) -> Response:
    row = warnings.get_warning(db, warning_id)
    return Response(warnings.poster_pdf(db, row, settings), media_type="application/pdf")


# --- recipients ----------------------------------------------------------------------------------


@router.get("/quan-ly/nhan-tin", response_class=HTMLResponse)
def recipient_list(request: Request, db: DbSession, user: Requester) -> HTMLResponse:
    return render(request, "actions/recipients.html", {
        "rows": recipients.list_recipients(db, active_only=False),
        "can_edit": can(user, "recipient.manage"), "channels": recipients.CHANNELS,
        "KIND_LABELS": recipients.KIND_LABELS,
    })  # fmt: skip


@router.post("/quan-ly/nhan-tin/{code}", dependencies=CSRF)
def recipient_update(
    request: Request,
    db: DbSession,
    user: Requester,
    code: str,
    name: Annotated[str, Form(max_length=255)],
    channel: Annotated[str, Form(max_length=16)],
    response_days: Annotated[int, Form(ge=1, le=90)],
    email: Annotated[str, Form(max_length=255)] = "",
    phone: Annotated[str, Form(max_length=64)] = "",
    person: Annotated[str, Form(max_length=255)] = "",
    address: Annotated[str, Form(max_length=1000)] = "",
    active: Annotated[str, Form(max_length=4)] = "",
) -> Response:
    row = recipients.get_recipient(db, code)
    recipients.update_recipient(
        db, user, row, name=name, channel=channel, response_days=response_days,
        contacts={"email": email, "phone": phone, "person": person}, address=address,
        active=bool(active),
    )  # fmt: skip
    db.commit()
    return _done(request, "/quan-ly/nhan-tin")
