"""The public tipline: a plain form (no JavaScript needed) and the page that follows a report."""

from __future__ import annotations

import secrets
from datetime import datetime
from typing import Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import FormData, UploadFile

from canhgiac.errors import CanhGiacError, ValidationFailed
from canhgiac.i18n import N_
from canhgiac.ingest import images, tipline
from canhgiac.services import filing, intake, units
from canhgiac.web.api.reports import check_rate, file_report
from canhgiac.web.deps import AppSettings, DbSession, csrf_protect
from canhgiac.web.templating import render

router = APIRouter(include_in_schema=False)

TEXT_FIELDS = ("category", "content", "urls", "phones", "commune", "contact_name",
               "contact_phone", "contact_email")  # fmt: skip


def _context(db: Any, values: dict[str, str], error: str | None = None) -> dict[str, Any]:
    return {
        "categories": tipline.CATEGORY_LABELS,
        "communes": units.list_units(db, kind="commune"),
        "values": values,
        "error": error,
        "ocr_on": images.ocr_available(),
        "nonce": values.get("idempotency_key") or secrets.token_urlsafe(18),
        "max_screenshots": tipline.MAX_SCREENSHOTS,
    }


@router.get("/bao-cao", response_class=HTMLResponse)
def tipline_form(request: Request, db: DbSession, settings: AppSettings) -> HTMLResponse:
    ctx = _context(db, {})
    ctx["retention_days"] = settings.contact_retention_days
    return render(request, "tipline/form.html", ctx)


async def _screenshots(form: FormData) -> list[tuple[str, bytes]]:
    uploads = [f for f in form.getlist("screenshots") if isinstance(f, UploadFile)]
    uploads = [f for f in uploads if f.filename or (f.size or 0) > 0]
    if len(uploads) > tipline.MAX_SCREENSHOTS:
        raise ValidationFailed(N_("Tối đa 5 ảnh chụp màn hình."), field="screenshots")
    files: list[tuple[str, bytes]] = []
    for upload in uploads:
        data = await upload.read(images.MAX_IMAGE_BYTES + 1)
        if not data:
            continue
        if len(data) > images.MAX_IMAGE_BYTES:
            raise ValidationFailed(f"Ảnh '{upload.filename}' lớn hơn 5 MB.", field="screenshots")
        files.append(((upload.filename or "anh")[-120:], data))
    return files


def _prepare(
    values: dict[str, str], files: list[tuple[str, bytes]], consent: bool
) -> filing.PreparedReport:
    """Check the form and read its screenshots (blocking work: run off the event loop)."""
    key = values["idempotency_key"][:100] or None
    return filing.prepare_report(
        category=values["category"],
        content=values["content"],
        urls=tipline.split_lines(values["urls"]),
        phones=tipline.split_lines(values["phones"]),
        contact={
            "name": values["contact_name"],
            "phone": values["contact_phone"],
            "email": values["contact_email"],
        },
        commune=values["commune"] or None,
        channel="tipline",
        # The same form sent twice (a double tap) gives the first one's report.
        idempotency_key=f"form:{key}" if key else None,
        consent=consent,
        actor="tipline",
        attachments=files,
    )


@router.post("/bao-cao", dependencies=[Depends(csrf_protect)], response_model=None)
async def tipline_submit(request: Request, db: DbSession, settings: AppSettings) -> Response:
    form = await request.form()
    values = {k: str(form.get(k) or "") for k in (*TEXT_FIELDS, "idempotency_key")}
    if str(form.get("website") or "").strip():  # honeypot: a bot; pretend and keep nothing
        return render(request, "tipline/status.html", {
            "status": {"tracking_code": tipline.new_tracking_code(), "state": "received",
                       "outcome": None, "updated_at": None},
            "fresh": True, "states": tipline.PUBLIC_STATE_LABELS,
            "categories": tipline.CATEGORY_LABELS,
        })  # fmt: skip
    try:
        check_rate(request)
        files = await _screenshots(form)
        consent = form.get("consent") == "yes"
        prepared = await run_in_threadpool(_prepare, values, files, consent)
        filed = await file_report(request, prepared)
    except CanhGiacError as exc:
        if exc.status == 429:
            raise
        db.rollback()
        ctx = _context(db, values, exc.message)
        ctx["retention_days"] = settings.contact_retention_days
        return render(request, "tipline/form.html", ctx, status_code=exc.status)
    return RedirectResponse(f"/bao-cao/{filed.tracking_code}?moi=1", status_code=303)


@router.get("/bao-cao/tra-cuu", response_model=None)
def tipline_lookup(request: Request, ma: str = "") -> Response:
    code = tipline.canonical_tracking_code(ma)
    if code is None:
        return render(request, "tipline/lookup.html",
                      {"error": N_("Mã theo dõi không đúng dạng (ví dụ CG-7K2Q-9XMB)."),
                       "value": ma}, status_code=422 if ma else 200)  # fmt: skip
    return RedirectResponse(f"/bao-cao/{code}", status_code=303)


@router.get("/bao-cao/{tracking_code}", response_class=HTMLResponse)
def tipline_status(
    request: Request, tracking_code: str, db: DbSession, moi: int = 0
) -> HTMLResponse:
    status = intake.public_status(db, tracking_code)
    status["updated_dt"] = datetime.fromisoformat(status["updated_at"])
    return render(request, "tipline/status.html", {
        "status": status, "fresh": bool(moi), "states": tipline.PUBLIC_STATE_LABELS,
        "categories": tipline.CATEGORY_LABELS,
    })  # fmt: skip
