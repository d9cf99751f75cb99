"""Public JSON API of the tipline: file a report, follow it by its tracking code."""

from __future__ import annotations

import asyncio
import errno
from typing import Annotated, Any, Literal, get_args

from fastapi import APIRouter, Depends, Header, Request
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from canhgiac.db.models.intake import REPORT_CATEGORIES
from canhgiac.errors import CanhGiacError, ValidationFailed
from canhgiac.i18n import N_
from canhgiac.ingest import tipline
from canhgiac.services import filing, intake
from canhgiac.web.deps import AppSettings, DbSession
from canhgiac.web.report_writer import ReportWriter
from canhgiac.web.security import RateLimiter, client_ip

router = APIRouter(tags=["reports"])

MAX_BODY_BYTES = 256 * 1024  # the largest valid report is ~10k chars + 40 short lines
# One person files a handful of reports. The global bucket (per web process) only stops a flood
# that would starve the database: a province must take 300 reports/s over all its processes
# (bench/load.py), so it sits well above that; 50/s was below the province target.
per_ip_limiter = RateLimiter(rate_per_s=20 / 600, burst=20)
global_limiter = RateLimiter(rate_per_s=1000, burst=2000)

Url = Annotated[str, StringConstraints(max_length=tipline.MAX_URL_CHARS)]
Phone = Annotated[str, StringConstraints(max_length=tipline.MAX_PHONE_CHARS)]
ContactValue = Annotated[str, StringConstraints(max_length=tipline.MAX_CONTACT_CHARS)]
Category = Literal[
    "scam", "phishing", "spam", "false_info", "hacked_account", "data_leak", "malware", "other"
]
assert set(get_args(Category)) == set(REPORT_CATEGORIES)


class ContactIn(BaseModel):
    """Optional contact details; given only with the reporter's consent."""

    model_config = ConfigDict(extra="forbid")

    name: ContactValue | None = None
    phone: ContactValue | None = None
    email: ContactValue | None = None


class ReportIn(BaseModel):
    """A report as a client application sends it."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    category: Category
    content: str = Field("", max_length=tipline.MAX_CONTENT_CHARS)
    urls: list[Url] = Field(default_factory=list, max_length=tipline.MAX_URLS)
    phones: list[Phone] = Field(default_factory=list, max_length=tipline.MAX_PHONES)
    contact: ContactIn | None = None
    commune: str | None = Field(None, max_length=32, description="Mã xã/thị trấn, vd. X-COBA")
    consent: bool | None = Field(
        None, description="Đồng ý cho dùng thông tin liên hệ (mặc định: có, khi gửi liên hệ)"
    )
    website: str | None = Field(None, max_length=512, description="Để trống (chống bot)")


class ReportCreated(BaseModel):
    tracking_code: str
    status_url: str


class PublicStatus(BaseModel):
    tracking_code: str
    state: str
    updated_at: str
    received_at: str
    category: str
    outcome: str | None


def check_rate(request: Request) -> None:
    """Per-address and district-wide limits (429 with Retry-After)."""
    per_ip_limiter.hit(client_ip(request))
    global_limiter.hit("all")


async def rate_limited(request: Request) -> None:
    """`check_rate` as a dependency (async: it never blocks, so no thread-pool hop)."""
    check_rate(request)


async def check_body_size(request: Request) -> None:
    """Refuse oversized bodies before parsing them (413)."""
    length = request.headers.get("content-length")
    if length is not None and length.isdigit() and int(length) > MAX_BODY_BYTES:
        raise _TooLarge(N_("Phản ánh quá lớn (tối đa 256 KB)."))


class _TooLarge(ValidationFailed):
    status = 413
    code = "payload_too_large"


class StorageFull(CanhGiacError):
    """The evidence store's disk is full: nothing was kept, the client may retry later."""

    status = 507
    code = "insufficient_storage"


def _status_url(settings: Any, code: str) -> str:
    return f"{settings.base_url.rstrip('/')}/bao-cao/{code}"


@router.post(
    "/api/v1/reports",
    status_code=201,
    response_model=ReportCreated,
    responses={200: {"model": ReportCreated}, 409: {}, 413: {}, 422: {}, 429: {}, 507: {}},
    dependencies=[Depends(check_body_size), Depends(rate_limited)],
)
async def create_report(
    payload: ReportIn,
    request: Request,
    settings: AppSettings,
    idempotency_key: Annotated[str | None, Header(max_length=128)] = None,
) -> JSONResponse:
    """Gửi phản ánh / File a report. Acknowledged (201) only after it is committed."""
    if payload.website:  # honeypot filled: a bot; pretend success and keep nothing
        code = tipline.new_tracking_code()
        body = ReportCreated(tracking_code=code, status_url=_status_url(settings, code))
        return JSONResponse(body.model_dump(), status_code=201)
    contact = payload.contact.model_dump(exclude_none=True) if payload.contact else None
    consent = payload.consent if payload.consent is not None else bool(contact)
    fields = payload.model_dump(exclude={"website"}, exclude_none=True)
    # No attachments: preparing is a little CPU work, done here on the event loop; the database
    # work is the report writer's (one transaction for every report waiting; web/report_writer).
    prepared = filing.prepare_report(
        category=payload.category,
        content=payload.content,
        urls=payload.urls,
        phones=payload.phones,
        contact=contact,
        commune=payload.commune,
        channel="api",
        idempotency_key=idempotency_key,
        request_sha256=filing.request_fingerprint(fields),
        consent=consent,
        actor="api",
    )
    filed = await file_report(request, prepared)
    body = ReportCreated(
        tracking_code=filed.tracking_code,
        status_url=_status_url(settings, filed.tracking_code),
    )
    if filed.repeated:
        return JSONResponse(body.model_dump(), status_code=200)
    return JSONResponse(body.model_dump(), status_code=201,
                        headers={"Location": f"/api/v1/public/reports/{body.tracking_code}"})  # fmt: skip


async def file_report(request: Request, prepared: filing.PreparedReport) -> filing.Filed:
    """Hand a prepared report to the app's report writer and wait until it is committed."""
    writer: ReportWriter = request.app.state.report_writer
    try:
        return await asyncio.wrap_future(writer.file(prepared))
    except OSError as exc:
        # The blobs are written before any row (filing.file_reports), so nothing partial is left.
        if exc.errno in (errno.ENOSPC, errno.EDQUOT):
            raise StorageFull(
                N_("Hệ thống tạm thời không lưu được phản ánh (kho lưu trữ đầy). Hãy thử lại sau.")
            ) from exc
        raise


@router.get("/api/v1/public/reports/{tracking_code}", response_model=PublicStatus)
def report_status(tracking_code: str, db: DbSession) -> PublicStatus:
    """Trạng thái phản ánh / A report's public state (never internal notes)."""
    return PublicStatus(**intake.public_status(db, tracking_code))
