"""Public pages: warnings and fact-checks (list, search, page, Atom feed, poster), false-positive form."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Form, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from markupsafe import Markup

from canhgiac.db.models import Claim
from canhgiac.errors import CanhGiacError
from canhgiac.i18n import N_
from canhgiac.services import indicators, warnings
from canhgiac.web.deps import AppSettings, DbSession, csrf_protect
from canhgiac.web.security import RateLimiter, client_ip
from canhgiac.web.templating import render

router = APIRouter(include_in_schema=False)

PAGE_SIZE = 20
# A handful of reports per minute per address is plenty for a person; scripts are slowed down.
fp_limiter = RateLimiter(rate_per_s=5 / 60, burst=5)


@router.get("/canh-bao", response_class=HTMLResponse)
def warning_list(
    request: Request,
    db: DbSession,
    q: Annotated[str, Query(max_length=200)] = "",
    page: Annotated[int, Query(ge=1, le=1000)] = 1,
) -> HTMLResponse:
    rows = warnings.list_published(db, q=q, limit=PAGE_SIZE + 1, offset=(page - 1) * PAGE_SIZE)
    return render(request, "public/warnings_list.html", {
        "warnings": rows[:PAGE_SIZE], "q": q, "page": page, "more": len(rows) > PAGE_SIZE,
        "KIND_LABELS": warnings.KIND_LABELS,
    })  # fmt: skip


@router.get("/canh-bao/feed.xml")
def warning_feed(db: DbSession, settings: AppSettings) -> Response:
    return Response(warnings.atom(db, settings), media_type="application/atom+xml; charset=utf-8")


@router.get("/canh-bao/{slug}", response_class=HTMLResponse)
def warning_page(request: Request, db: DbSession, settings: AppSettings, slug: str) -> HTMLResponse:
    warning = warnings.get_published(db, slug)
    claim = db.get(Claim, warning.claim_id) if warning.claim_id else None
    review = warnings.claim_review(db, warning, settings)
    return render(request, "public/warning.html", {
        "warning": warning, "claim": claim, "KIND_LABELS": warnings.KIND_LABELS,
        # Markup: the JSON has "<", ">" and "&" escaped as \u003c… so it cannot end the script
        # element, and HTML-escaping it would corrupt the JSON (script content is raw text).
        "jsonld": Markup(warnings.jsonld_script_body(review)) if review else None,  # noqa: S704
    })  # fmt: skip


@router.get("/canh-bao/{slug}/ap-phich.pdf")
def warning_poster(db: DbSession, settings: AppSettings, slug: str) -> Response:
    warning = warnings.get_published(db, slug)
    return Response(
        warnings.poster_pdf(db, warning, settings),
        media_type="application/pdf",
        headers={"Content-Disposition": f'inline; filename="ap-phich-{warning.slug}.pdf"'},
    )


@router.get("/go-chan", response_class=HTMLResponse)
def false_positive_form(request: Request) -> HTMLResponse:
    return render(request, "public/false_positive.html", {"values": {}})


@router.post("/go-chan", dependencies=[Depends(csrf_protect)], response_model=None)
def false_positive_submit(
    request: Request,
    db: DbSession,
    value: Annotated[str, Form(max_length=2048)],
    reason: Annotated[str, Form(max_length=4000)],
    contact_name: Annotated[str, Form(max_length=255)] = "",
    contact_email: Annotated[str, Form(max_length=255)] = "",
    contact_phone: Annotated[str, Form(max_length=64)] = "",
) -> Response:
    values = {"value": value, "reason": reason, "contact_name": contact_name,
              "contact_email": contact_email, "contact_phone": contact_phone}  # fmt: skip
    try:
        fp_limiter.hit(client_ip(request))
        report = indicators.submit_false_positive(
            db, value=value, reason=reason,
            contact={"name": contact_name, "email": contact_email, "phone": contact_phone},
        )  # fmt: skip
    except CanhGiacError as exc:
        db.rollback()
        return render(request, "public/false_positive.html",
                      {"values": values, "error": exc.message}, status_code=exc.status)  # fmt: skip
    db.commit()
    request.session["flash"] = N_("Đã nhận đề nghị gỡ chặn. Cán bộ sẽ xem xét và phản hồi.")
    return RedirectResponse(f"/go-chan/da-nhan?so={report.id}", status_code=303)


@router.get("/go-chan/da-nhan", response_class=HTMLResponse)
def false_positive_thanks(request: Request, so: Annotated[int, Query(ge=1)] = 1) -> HTMLResponse:
    return render(request, "public/false_positive_done.html", {"number": so})
