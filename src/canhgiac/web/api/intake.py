"""Authenticated bulk intake: operators' SMS CSV exports and forwarded e-mails (permission item.import)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, File, Form, Request, UploadFile
from fastapi.responses import JSONResponse
from starlette.concurrency import run_in_threadpool

from canhgiac.db.models import User
from canhgiac.errors import ValidationFailed
from canhgiac.i18n import N_
from canhgiac.ingest import email as email_ingest
from canhgiac.ingest import sms_csv
from canhgiac.ingest.evidence import EvidenceStore
from canhgiac.services import intake, permissions
from canhgiac.web.deps import AppSettings, CurrentUser, DbSession, csrf_protect

router = APIRouter(tags=["intake"])


async def importer(request: Request, user: CurrentUser) -> User:
    """The caller, allowed item.import; cookie sessions must also send the CSRF token."""
    permissions.require(user, "item.import")
    await csrf_protect(request)
    return user


Importer = Annotated[User, Depends(importer)]


async def read_upload(upload: UploadFile, limit: int) -> bytes:
    """The uploaded bytes, refused (413) beyond `limit`."""
    data = await upload.read(limit + 1)
    if len(data) > limit:
        raise _TooLarge(f"Tệp lớn hơn {limit // (1024 * 1024)} MB.", field="file")
    if not data:
        raise ValidationFailed(N_("Tệp trống."), field="file")
    return data


class _TooLarge(ValidationFailed):
    status = 413
    code = "payload_too_large"


@router.post("/api/v1/intake/sms")
async def import_sms(
    db: DbSession,
    settings: AppSettings,
    user: Importer,
    file: Annotated[UploadFile, File(description="Tệp CSV của nhà mạng")],
    source: Annotated[str, Form(max_length=255, description="Tên nguồn, vd. Viettel")],
    column: Annotated[str | None, Form(max_length=100)] = None,
    sender_column: Annotated[str | None, Form(max_length=100)] = None,
    time_column: Annotated[str | None, Form(max_length=100)] = None,
) -> JSONResponse:
    """Nhập tệp CSV tin nhắn / Import an SMS complaint CSV; rejected rows are returned with reasons."""
    data = await read_upload(file, sms_csv.MAX_FILE_BYTES)
    result = await run_in_threadpool(
        intake.import_sms_csv,
        db, EvidenceStore(settings.evidence_dir), data, filename=file.filename or "sms.csv",
        source_name=source, column=column or None, sender_column=sender_column or None,
        time_column=time_column or None, actor=user,
    )  # fmt: skip
    await run_in_threadpool(db.commit)
    return JSONResponse(_body(result), status_code=201)


@router.post("/api/v1/intake/eml")
async def import_eml(
    db: DbSession,
    settings: AppSettings,
    user: Importer,
    files: Annotated[list[UploadFile], File(description="Một hoặc nhiều tệp .eml")],
) -> JSONResponse:
    """Nhập e-mail chuyển tiếp / Import forwarded e-mails; each broken one is rejected alone."""
    if len(files) > 200:
        raise ValidationFailed(N_("Tối đa 200 tệp mỗi lần."), field="files")
    payload = [
        (f.filename or f"thu-{i}.eml", await read_upload(f, email_ingest.MAX_EML_BYTES))
        for i, f in enumerate(files, start=1)
    ]
    store = EvidenceStore(settings.evidence_dir)
    result = await run_in_threadpool(intake.import_eml_files, db, store, payload, actor=user)
    await run_in_threadpool(db.commit)
    return JSONResponse(_body(result), status_code=201 if result.imported else 200)


def _body(result: intake.ImportResult) -> dict[str, Any]:
    return {"summary": result.summary(), **result.to_dict()}
