"""Officers' pages: received items with verdicts and counts, item detail, evidence, CSV import."""

from __future__ import annotations

import re
from typing import Annotated, Any
from urllib.parse import quote

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, Response
from sqlalchemy import select
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import UploadFile

from canhgiac.db.models import AuditEntry, ItemIndicator, User
from canhgiac.db.models.intake import ITEM_CHANNELS
from canhgiac.errors import CanhGiacError, ValidationFailed
from canhgiac.i18n import N_
from canhgiac.ingest import sms_csv, tipline
from canhgiac.ingest.evidence import EvidenceStore
from canhgiac.services import evidence as evidence_service
from canhgiac.services import intake
from canhgiac.services.permissions import can
from canhgiac.web.deps import AppSettings, DbSession, allowed, csrf_protect
from canhgiac.web.templating import render

router = APIRouter(include_in_schema=False)

Viewer = Annotated[User, Depends(allowed("item.view"))]
Importer = Annotated[User, Depends(allowed("item.import"))]
EvidenceViewer = Annotated[User, Depends(allowed("evidence.view"))]
ContactViewer = Annotated[User, Depends(allowed("contact.view"))]

CHANNEL_LABELS = {
    "tipline": N_("Đường dây nóng"),
    "api": N_("API"),
    "agency": N_("Cơ quan, đơn vị"),
    "sms_csv": N_("Tin nhắn (nhà mạng)"),
    "eml": N_("E-mail"),
    "rss": N_("RSS"),
    "web": N_("Trang web"),
}
VERDICT_LABELS = {
    "scam": N_("Lừa đảo"),
    "spam": N_("Rác"),
    "ok": N_("Bình thường"),
    "pending": N_("Chưa rà quét"),
}
PREVIEW_CHARS = 160


def _preview(text: str) -> str:
    flat = re.sub(r"\s+", " ", text).strip()
    return flat if len(flat) <= PREVIEW_CHARS else flat[: PREVIEW_CHARS - 1] + "…"


def _labels() -> dict[str, Any]:
    return {
        "channels": CHANNEL_LABELS,
        "verdicts": VERDICT_LABELS,
        "categories": tipline.CATEGORY_LABELS,
        "states": tipline.PUBLIC_STATE_LABELS,
    }


@router.get("/noi-dung", response_class=HTMLResponse)
def items_list(
    request: Request,
    db: DbSession,
    user: Viewer,
    verdict: str = "",
    channel: str = "",
    category: str = "",
    page: int = 1,
) -> HTMLResponse:
    page = max(1, min(page, 10_000))
    items, total = intake.list_items(
        db, verdict=verdict or None, channel=channel or None, category=category or None,
        page=page, user=user,
    )  # fmt: skip
    rows = [{"item": item, "preview": _preview(item.content)} for item in items]
    return render(request, "intake/items.html", {
        **_labels(), "rows": rows, "total": total, "page": page, "per_page": 50,
        "filters": {"verdict": verdict, "channel": channel, "category": category},
        "channel_codes": ITEM_CHANNELS, "can_import": can(user, "item.import"),
    })  # fmt: skip


@router.get("/noi-dung/nhap-csv", response_class=HTMLResponse)
def import_form(request: Request, user: Importer) -> HTMLResponse:
    return render(request, "intake/import.html", {"values": {}, "result": None})


@router.post("/noi-dung/nhap-csv", dependencies=[Depends(csrf_protect)], response_model=None)
async def import_submit(
    request: Request, db: DbSession, settings: AppSettings, user: Importer
) -> Response:
    form = await request.form()
    values = {k: str(form.get(k) or "").strip() for k in
              ("source", "column", "sender_column", "time_column")}  # fmt: skip
    upload = form.get("file")
    try:
        if not isinstance(upload, UploadFile) or not upload.filename:
            raise ValidationFailed(N_("Hãy chọn tệp CSV."), field="file")
        data = await upload.read(sms_csv.MAX_FILE_BYTES + 1)
        if len(data) > sms_csv.MAX_FILE_BYTES:
            raise ValidationFailed(N_("Tệp CSV lớn hơn 50 MB."), field="file")
        result = await run_in_threadpool(
            intake.import_sms_csv,
            db, EvidenceStore(settings.evidence_dir), data, filename=upload.filename,
            source_name=values["source"], column=values["column"] or None,
            sender_column=values["sender_column"] or None,
            time_column=values["time_column"] or None, actor=user,
        )  # fmt: skip
        await run_in_threadpool(db.commit)
    except CanhGiacError as exc:
        db.rollback()
        return render(request, "intake/import.html",
                      {"values": values, "result": None, "error": exc.message},
                      status_code=exc.status)  # fmt: skip
    return render(request, "intake/import.html", {"values": values, "result": result})


@router.get("/noi-dung/{item_id}", response_class=HTMLResponse)
def item_detail(request: Request, item_id: int, db: DbSession, user: Viewer) -> HTMLResponse:
    item = intake.get_item(db, item_id, user)
    verdict = item.verdict or {}
    stored = db.scalars(select(ItemIndicator).where(ItemIndicator.item_id == item.id).limit(200))
    indicators: list[dict[str, Any]] = [{"kind": i.kind, "value": i.value} for i in stored] or [
        {"kind": i.get("kind"), "value": i.get("value")} for i in verdict.get("indicators", [])
    ]
    return render(request, "intake/item.html", {
        **_labels(), "item": item, "verdict": verdict, "indicators": indicators,
        "reports": intake.reports_for_item(db, item.id),
        "evidence": evidence_service.evidence_for_item(db, item.id),
        "cluster": intake.cluster_of(db, item),
        "can_contact": can(user, "contact.view"), "can_evidence": can(user, "evidence.view"),
    })  # fmt: skip


@router.get("/noi-dung/{item_id}/lien-he", response_class=HTMLResponse)
def item_contacts(
    request: Request, item_id: int, db: DbSession, user: ContactViewer
) -> HTMLResponse:
    item = intake.get_item(db, item_id, user)
    reports = intake.reveal_contacts(db, user, item.id)
    db.commit()  # the audit entries of this view
    return render(request, "intake/contacts.html", {"item": item, "reports": reports})


@router.get("/chung-cu/{evidence_id}", response_class=HTMLResponse)
def evidence_page(
    request: Request, evidence_id: int, db: DbSession, user: EvidenceViewer
) -> HTMLResponse:
    evidence = evidence_service.get_evidence(db, evidence_id)
    custody = db.scalars(
        select(AuditEntry)
        .where(AuditEntry.object_type == "evidence", AuditEntry.object_id == str(evidence.id))
        .order_by(AuditEntry.seq)
    ).all()
    captured_by = db.get(User, evidence.captured_by_id) if evidence.captured_by_id else None
    return render(request, "intake/evidence.html", {
        "evidence": evidence, "custody": custody, "captured_by": captured_by,
    })  # fmt: skip


_SAFE_NAME = re.compile(r"[^A-Za-z0-9._-]+")


@router.get("/chung-cu/{evidence_id}/tai-ve")
def evidence_download(
    evidence_id: int, db: DbSession, settings: AppSettings, user: EvidenceViewer
) -> Response:
    evidence, data = evidence_service.read_original(
        db, EvidenceStore(settings.evidence_dir), evidence_id, user
    )
    db.commit()  # the download is part of the chain of custody
    ascii_name = _SAFE_NAME.sub("_", evidence.name).strip("._") or evidence.blob_sha256
    # Always an attachment of an opaque type: reported HTML or SVG must never render in our origin.
    return Response(
        content=data,
        media_type="application/octet-stream",
        headers={
            "Content-Disposition": (
                f"attachment; filename=\"{ascii_name}\"; filename*=UTF-8''{quote(evidence.name)}"
            ),
            "X-Content-Type-Options": "nosniff",
            "X-Evidence-SHA256": evidence.blob_sha256,
            "Cache-Control": "no-store",
            "Content-Security-Policy": "default-src 'none'; sandbox",
        },
    )
