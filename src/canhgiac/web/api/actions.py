"""JSON API of the actions area: requests, indicators, block-list feeds, claim matching."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import JSONResponse, Response
from pydantic import BaseModel, Field
from sqlalchemy import select

from canhgiac.db.models import Case, User
from canhgiac.errors import AuthenticationFailed, NotFound, ValidationFailed
from canhgiac.i18n import N_
from canhgiac.services import claims_kb, indicators, recipients, takedown
from canhgiac.services.permissions import require
from canhgiac.web.deps import AppSettings, CurrentUser, DbSession, allowed, csrf_protect

# CSRF applies to cookie sessions on state-changing calls; bearer-token callers are exempt.
router = APIRouter(prefix="/api/v1", tags=["actions"], dependencies=[Depends(csrf_protect)])
Requester = Annotated[User, Depends(allowed("request.create"))]
IndicatorManager = Annotated[User, Depends(allowed("indicator.manage"))]
MAX_MATCH_TEXTS = 1000


class IndicatorIn(BaseModel):
    kind: str = Field(max_length=16)
    value: str = Field(max_length=2048)
    note: str = Field(default="", max_length=300)


class RequestIn(BaseModel):
    case: str = Field(max_length=32, description="Mã vụ việc, ví dụ VV-2026-0042")
    recipients: list[str] = Field(min_length=1, max_length=20)
    action: str = Field(max_length=32)
    indicators: list[IndicatorIn] = Field(min_length=1, max_length=500)
    legal_basis: str | None = Field(default=None, max_length=20_000)
    facts: str = Field(default="", max_length=20_000)
    evidence_ids: list[int] | None = None


class AnswerIn(BaseModel):
    outcome: str = Field(description="acknowledged | done | refused")
    answer: str = Field(default="", max_length=20_000)


class IndicatorEntryIn(BaseModel):
    kind: str = Field(max_length=16)
    value: str = Field(max_length=2048)
    list_name: str = Field(default="block", max_length=8)
    confidence: float = Field(default=0.5, ge=0.0, le=1.0)
    source: str = Field(default="", max_length=255)
    category: str = Field(default="", max_length=32)
    description: str = Field(default="", max_length=2000)
    expires_at: datetime | None = None


class ImportIn(BaseModel):
    format: str = Field(max_length=8)
    source: str = Field(max_length=255)
    data: str = Field(max_length=64 * 1024 * 1024)
    confidence: float = Field(default=0.5, ge=0.0, le=1.0)


class MatchIn(BaseModel):
    text: str | None = Field(default=None, max_length=10_000)
    texts: list[str] | None = Field(default=None, max_length=MAX_MATCH_TEXTS)


def _case(db: DbSession, ref: str) -> Case:
    case = db.scalar(select(Case).where(Case.ref == ref))
    if case is None:
        raise NotFound(f"Không tìm thấy vụ việc '{ref}'.", field="case")
    return case


def _visible_request(db: DbSession, user: User, request_id: int) -> Any:
    request = takedown.get_request(db, request_id)
    case = db.get(Case, request.case_id)
    require(user, "request.create", case)
    return request


@router.get("/requests")
def list_requests(
    db: DbSession,
    user: Requester,
    state: Annotated[str | None, Query(max_length=16)] = None,
    case: Annotated[str | None, Query(max_length=32)] = None,
) -> list[dict[str, Any]]:
    """Take-down / blocking requests visible to the caller, newest first."""
    case_id = _case(db, case).id if case else None
    rows = takedown.list_requests(db, user, state=state, case_id=case_id)
    return [takedown.request_payload(db, r) for r in rows]


@router.get("/requests/{request_id}")
def get_request(db: DbSession, user: Requester, request_id: int) -> dict[str, Any]:
    """One request."""
    return takedown.request_payload(db, _visible_request(db, user, request_id))


@router.post("/requests", status_code=201)
def create_requests(db: DbSession, user: Requester, body: RequestIn) -> list[dict[str, Any]]:
    """Draft one request per recipient from a case."""
    rows = takedown.create_requests(
        db, user, case=_case(db, body.case), recipients=list(body.recipients),
        action=body.action, indicators=[i.model_dump() for i in body.indicators],
        legal_basis=body.legal_basis, facts=body.facts, evidence_ids=body.evidence_ids,
    )  # fmt: skip
    db.commit()
    return [takedown.request_payload(db, r) for r in rows]


@router.post("/requests/{request_id}/approve")
def approve_request(
    db: DbSession, user: Requester, settings: AppSettings, request_id: int
) -> dict[str, Any]:
    """Coordinator approval; allocates the letter number."""
    request = _visible_request(db, user, request_id)
    takedown.approve(db, user, request, settings=settings)
    db.commit()
    return takedown.request_payload(db, request)


@router.post("/requests/{request_id}/send")
def send_request(db: DbSession, user: Requester, request_id: int) -> dict[str, Any]:
    """Mark an approved request sent; the due date starts."""
    request = _visible_request(db, user, request_id)
    takedown.send(db, user, request)
    db.commit()
    return takedown.request_payload(db, request)


@router.post("/requests/{request_id}/answer")
def answer_request(
    db: DbSession, user: Requester, request_id: int, body: AnswerIn
) -> dict[str, Any]:
    """Record the recipient's answer."""
    request = _visible_request(db, user, request_id)
    takedown.record_answer(db, user, request, outcome=body.outcome, answer=body.answer)
    db.commit()
    return takedown.request_payload(db, request)


@router.get("/requests/{request_id}/letter.{fmt}")
def request_letter(
    db: DbSession, user: Requester, settings: AppSettings, request_id: int, fmt: str
) -> Response:
    """The letter as DOCX or PDF."""
    request = _visible_request(db, user, request_id)
    content, media, name = takedown.letter_bytes(db, request, settings, fmt)
    return Response(
        content, media_type=media, headers={"Content-Disposition": f'attachment; filename="{name}"'}
    )


def _entry(e: Any) -> dict[str, Any]:
    return {
        "id": e.id, "list": e.list_name, "kind": e.kind, "value": e.value,
        "confidence": e.confidence, "source": e.source, "category": e.category,
        "status": e.status, "first_seen": e.first_seen.isoformat(),
        "last_seen": e.last_seen.isoformat(),
        "expires_at": e.expires_at.isoformat() if e.expires_at else None,
    }  # fmt: skip


@router.get("/indicators")
def list_indicators(
    db: DbSession,
    user: IndicatorManager,
    list_name: Annotated[str, Query(alias="list", max_length=8)] = "block",
    kind: Annotated[str | None, Query(max_length=16)] = None,
    status: Annotated[str | None, Query(max_length=16)] = None,
    q: Annotated[str, Query(max_length=200)] = "",
    limit: Annotated[int, Query(ge=1, le=5000)] = 200,
    offset: Annotated[int, Query(ge=0)] = 0,
) -> JSONResponse:
    """Block-list or allow-list entries; the total is in the X-Total-Count header."""
    rows, total = indicators.list_indicators(
        db, list_name=list_name, kind=kind, status=status, q=q, limit=limit, offset=offset
    )
    return JSONResponse([_entry(e) for e in rows], headers={"X-Total-Count": str(total)})


@router.post("/indicators", status_code=201)
def add_indicator(db: DbSession, user: IndicatorManager, body: IndicatorEntryIn) -> dict[str, Any]:
    """Add (or refresh) an entry of the block-list or allow-list."""
    entry, created = indicators.add_indicator(db, user, **body.model_dump())
    db.commit()
    return {**_entry(entry), "created": created}


@router.post("/indicators/import")
def import_indicators(db: DbSession, user: IndicatorManager, body: ImportIn) -> dict[str, Any]:
    """Import a partner's list (csv, txt, misp, stix); allow-listed values are refused."""
    result = indicators.import_indicators(
        db, user, body.data, body.format, body.source, default_confidence=body.confidence
    )
    db.commit()
    return {
        "imported": result.imported,
        "duplicates": result.duplicates,
        "errors": [{"line": e.line, "message": e.message, "raw": e.raw} for e in result.errors],
    }


@router.get("/feeds/{fmt}")
def feed(
    request: Request,
    db: DbSession,
    user: CurrentUser,
    settings: AppSettings,
    fmt: str,
    since: datetime | None = None,
    min_confidence: Annotated[float, Query(ge=0.0, le=1.0)] = 0.0,
) -> Response:
    """The district's block-list for ISPs and partners to pull (Authorization: Bearer only)."""
    if getattr(request.state, "auth", None) != "token":
        raise AuthenticationFailed(
            N_("Nguồn dữ liệu này cần mã truy cập API (Authorization: Bearer).")
        )
    if fmt not in indicators.EXPORT_FORMATS:
        raise NotFound(f"Không có nguồn dữ liệu định dạng '{fmt}'.")
    if since is not None and since.tzinfo is None:
        raise ValidationFailed(N_("Mốc thời gian phải có múi giờ (ISO 8601)."), field="since")
    text = indicators.export(db, fmt, settings=settings, since=since, min_confidence=min_confidence)
    media, name = indicators.EXPORT_MEDIA[fmt]
    return Response(
        text, media_type=media, headers={"Content-Disposition": f'inline; filename="{name}"'}
    )


@router.post("/claims/match")
def match_claims(db: DbSession, user: CurrentUser, body: MatchIn) -> list[dict[str, Any]]:
    """Known false claims each text repeats: {"index", "claim_id", "similarity"} per text."""
    texts = (
        body.texts if body.texts is not None else ([body.text] if body.text is not None else None)
    )
    if texts is None:
        raise ValidationFailed(N_("Cần gửi 'text' hoặc 'texts'."), field="text")
    matcher = claims_kb.matcher_for(db)
    out = []
    for index, text in enumerate(texts):
        best = matcher.match(text[:10_000], limit=1) if text.strip() else []
        out.append({
            "index": index,
            "claim_id": best[0].claim_id if best else None,
            "similarity": round(best[0].similarity, 4) if best else None,
        })  # fmt: skip
    return out


@router.get("/claims")
def list_claims(db: DbSession, user: CurrentUser) -> list[dict[str, Any]]:
    """Verified false claims with their official corrections."""
    return [
        {"code": c.code, "text": c.text, "rating": c.rating, "correction": c.correction,
         "topic": c.topic, "paraphrases": c.paraphrases}
        for c in claims_kb.list_claims(db)
    ]  # fmt: skip


@router.get("/recipients")
def list_recipients(db: DbSession, user: Requester) -> list[dict[str, Any]]:
    """Organisations requests are sent to."""
    return [
        {"code": r.code, "name": r.name, "kind": r.kind, "channel": r.channel,
         "response_days": r.response_days, "contacts": r.contacts, "address": r.address}
        for r in recipients.list_recipients(db)
    ]  # fmt: skip
