"""Take-down / blocking requests from a case, tracked from draft to the recipient's answer.

States: ``draft → approved (coordinator) → sent → acknowledged → done | refused | expired``.
A letter number ("12/VHTT-CV") is allocated on approval, restarting each year; the due date is
the sending date plus the recipient's response days. Every change appends an audit entry and a
``request`` event to the case's timeline.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from canhgiac.db.base import utcnow
from canhgiac.db.models import Case, CaseEvent, Evidence, Recipient, TakedownRequest, Unit, User
from canhgiac.db.models.actions import REQUEST_ACTIONS, REQUEST_STATES
from canhgiac.errors import Conflict, NotFound, ValidationFailed
from canhgiac.exports.documents import (
    IssuerDefaults,
    LetterEvidence,
    LetterIndicator,
    RequestLetter,
    render_letter_docx,
    render_letter_pdf,
)
from canhgiac.exports.importers import normalise_value
from canhgiac.i18n import LOCAL_TZ, N_
from canhgiac.services import audit, indicators
from canhgiac.services.permissions import require
from canhgiac.services.recipients import get_recipient
from canhgiac.settings import Settings

__all__ = [
    "ACTION_INDICATOR_KINDS",
    "OPEN_STATES",
    "IndicatorInput",
    "acknowledge",
    "approve",
    "create_request",
    "create_requests",
    "expire_overdue",
    "get_request",
    "letter_bytes",
    "letter_for",
    "list_requests",
    "record_answer",
    "request_payload",
    "send",
]

# Indicator kinds each action may name (a phone cannot be "blocked at the resolver").
ACTION_INDICATOR_KINDS: dict[str, tuple[str, ...]] = {
    "block_domain": ("domain", "url"),
    "block_phone": ("phone",),
    "remove_content": ("url", "domain", "email"),
    "freeze_account": ("bank_account",),
}
ACTION_LABELS = {
    "block_domain": N_("Chặn tên miền, đường link"),
    "block_phone": N_("Chặn, tạm dừng số điện thoại"),
    "remove_content": N_("Gỡ bỏ nội dung"),
    "freeze_account": N_("Tạm dừng giao dịch tài khoản"),
}
STATE_LABELS = {
    "draft": N_("Dự thảo"),
    "approved": N_("Đã phê duyệt"),
    "sent": N_("Đã gửi"),
    "acknowledged": N_("Đã tiếp nhận"),
    "done": N_("Đã xử lý"),
    "refused": N_("Từ chối"),
    "expired": N_("Quá hạn, chưa phản hồi"),
}
OPEN_STATES = ("draft", "approved", "sent", "acknowledged")
ANSWER_OUTCOMES = ("acknowledged", "done", "refused")
MAX_INDICATORS = 500
MAX_TEXT = 20_000
LETTER_SUFFIX = "CV"  # Công văn


@dataclass(frozen=True)
class IndicatorInput:
    """One indicator a request names, as typed by the officer."""

    kind: str
    value: str
    note: str = ""


def _as_inputs(items: Any) -> list[IndicatorInput]:
    out: list[IndicatorInput] = []
    for item in items or ():
        if isinstance(item, IndicatorInput):
            out.append(item)
        elif isinstance(item, dict):
            out.append(
                IndicatorInput(
                    str(item.get("kind", "")), str(item.get("value", "")), str(item.get("note", ""))
                )
            )
        elif isinstance(item, tuple | list) and len(item) in (2, 3):
            out.append(IndicatorInput(*(str(x) for x in item)))
        else:
            raise ValidationFailed(N_("Dấu hiệu nhận biết không hợp lệ."), field="indicators")
    return out


def _clean_indicators(action: str, items: Any) -> list[dict[str, str]]:
    allowed = ACTION_INDICATOR_KINDS[action]
    cleaned: list[dict[str, str]] = []
    seen: set[tuple[str, str]] = set()
    for i, item in enumerate(_as_inputs(items)):
        if item.kind not in allowed:
            raise ValidationFailed(
                f"Dấu hiệu thứ {i + 1}: loại '{item.kind}' không phù hợp với đề nghị này"
                f" (chỉ nhận {', '.join(allowed)}).",
                field="indicators",
            )
        value = normalise_value(item.kind, item.value.strip())
        if value is None:
            raise ValidationFailed(
                f"Dấu hiệu thứ {i + 1} không hợp lệ: '{item.value[:80]}'.", field="indicators"
            )
        if (item.kind, value) not in seen:
            seen.add((item.kind, value))
            cleaned.append({"kind": item.kind, "value": value, "note": item.note.strip()[:300]})
    if not cleaned:
        raise ValidationFailed(
            N_("Đề nghị phải nêu ít nhất một dấu hiệu nhận biết."), field="indicators"
        )
    if len(cleaned) > MAX_INDICATORS:
        raise ValidationFailed(
            f"Một đề nghị nêu tối đa {MAX_INDICATORS} dấu hiệu.", field="indicators"
        )
    return cleaned


def _legal_basis_lines(text: str) -> list[str]:
    return [line.strip(" -;\t") for line in text.splitlines() if line.strip(" -;\t")]


def _evidence_hashes(session: Session, case: Case, evidence_ids: list[int] | None) -> list[str]:
    query = select(Evidence).where(Evidence.case_id == case.id)
    if evidence_ids is not None:
        if not evidence_ids:
            return []
        query = query.where(Evidence.id.in_(evidence_ids))
    rows = list(session.scalars(query.order_by(Evidence.captured_at, Evidence.id)))
    if evidence_ids is not None and len({r.id for r in rows}) != len(set(evidence_ids)):
        raise ValidationFailed(
            N_("Chứng cứ được chọn không thuộc vụ việc này."), field="evidence_ids"
        )
    hashes: list[str] = []
    for row in rows:
        if row.blob_sha256 not in hashes:
            hashes.append(row.blob_sha256)
    return hashes


def _case_event(
    session: Session,
    actor: User | str | None,
    request: TakedownRequest,
    body: str,
    data: dict[str, Any] | None = None,
) -> None:
    session.add(
        CaseEvent(
            case_id=request.case_id,
            actor_id=actor.id if isinstance(actor, User) else None,
            kind="request",
            body=body,
            data={"request_id": request.id, "state": request.state, **(data or {})},
        )
    )


def get_request(session: Session, request_id: int) -> TakedownRequest:
    """The request with this id, or NotFound."""
    row = session.get(TakedownRequest, request_id)
    if row is None:
        raise NotFound(f"Không tìm thấy văn bản đề nghị #{request_id}.")
    return row


def _case_of(session: Session, request: TakedownRequest) -> Case:
    case = session.get(Case, request.case_id)
    assert case is not None  # the foreign key guarantees it
    return case


def create_request(
    session: Session,
    actor: User | None,
    *,
    case: Case,
    recipient: Recipient | str,
    action: str,
    indicators: Any,
    legal_basis: str | None = None,
    facts: str = "",
    evidence_ids: list[int] | None = None,
) -> TakedownRequest:
    """A draft request from a case; legal basis defaults to the case's, and is required."""
    if actor is not None:
        require(actor, "request.create", case)
    if action not in REQUEST_ACTIONS:
        raise ValidationFailed(f"Loại đề nghị không hợp lệ: {action}.", field="action")
    target = recipient if isinstance(recipient, Recipient) else get_recipient(session, recipient)
    if not target.active:
        raise ValidationFailed(N_("Nơi nhận đã ngừng sử dụng."), field="recipient")
    basis = (legal_basis if legal_basis is not None else case.legal_basis or "").strip()
    if not _legal_basis_lines(basis):
        raise ValidationFailed(
            N_("Cần nêu căn cứ pháp lý của văn bản đề nghị."), field="legal_basis"
        )
    if len(basis) > MAX_TEXT or len(facts) > MAX_TEXT:
        raise ValidationFailed(N_("Nội dung quá dài."), field="facts")
    cleaned = _clean_indicators(action, indicators)
    request = TakedownRequest(
        case_id=case.id,
        recipient_id=target.id,
        action=action,
        state="draft",
        legal_basis=basis,
        indicators=cleaned,
        evidence_hashes=_evidence_hashes(session, case, evidence_ids),
        body=facts.strip(),
        created_by_id=actor.id if actor else None,
    )
    session.add(request)
    session.flush()
    audit.record(
        session, actor, "request.create", "takedown_request", request.id,
        {"case": case.ref, "recipient": target.code, "action": action,
         "indicators": len(cleaned), "evidence": len(request.evidence_hashes)},
    )  # fmt: skip
    _case_event(
        session, actor, request,
        f"Dự thảo văn bản đề nghị gửi {target.name} ({len(cleaned)} dấu hiệu).",
        {"recipient": target.code, "action": action},
    )  # fmt: skip
    return request


def create_requests(
    session: Session,
    actor: User | None,
    *,
    case: Case,
    recipients: list[Recipient | str],
    **fields: Any,
) -> list[TakedownRequest]:
    """One draft request per recipient, same content (e.g. every telecom operator and ISP)."""
    if not recipients:
        raise ValidationFailed(N_("Chọn ít nhất một nơi nhận."), field="recipient")
    return [create_request(session, actor, case=case, recipient=r, **fields) for r in recipients]


def _require_state(request: TakedownRequest, *states: str) -> None:
    if request.state not in states:
        raise Conflict(
            f"Văn bản đề nghị đang ở trạng thái '{request.state}', không thực hiện được thao tác"
            " này."
        )


def _allocate_number(session: Session, request: TakedownRequest, symbol: str, year: int) -> None:
    """Next number of the year; the unique (year, seq) constraint settles concurrent approvals."""
    for _attempt in range(5):
        last = session.scalar(
            select(func.max(TakedownRequest.letter_seq)).where(TakedownRequest.letter_year == year)
        )
        seq = int(last or 0) + 1
        try:
            with session.begin_nested():
                request.letter_year = year
                request.letter_seq = seq
                request.number = f"{seq}/{symbol}-{LETTER_SUFFIX}"
                session.flush()
            return
        except IntegrityError:
            request.letter_year = request.letter_seq = request.number = None
    raise Conflict(N_("Không cấp được số văn bản, vui lòng thử lại."))


def approve(
    session: Session,
    actor: User,
    request: TakedownRequest,
    *,
    settings: Settings | None = None,
    now: datetime | None = None,
) -> TakedownRequest:
    """Coordinator approval: allocates the letter number of the year."""
    case = _case_of(session, request)
    require(actor, "request.approve", case)
    _require_state(request, "draft")
    now = now or utcnow()
    symbol = (settings.issuer_symbol if settings else "") or "VHTT"
    _allocate_number(session, request, symbol, now.astimezone(LOCAL_TZ).year)
    request.state = "approved"
    request.approved_by_id = actor.id
    request.approved_at = now
    audit.record(
        session, actor, "request.approve", "takedown_request", request.id,
        {"number": request.number},
    )  # fmt: skip
    _case_event(session, actor, request, f"Phê duyệt văn bản đề nghị số {request.number}.")
    _add_to_block_list(session, actor, request, case, now)
    return request


def _add_to_block_list(
    session: Session, actor: User, request: TakedownRequest, case: Case, now: datetime
) -> None:
    """An approved request's indicators join the district's block-list (the allow-list wins)."""
    if request.action == "remove_content":
        return  # content to remove is not a reason to block a whole domain at the resolver
    for item in request.indicators:
        try:
            indicators.add_indicator(
                session, actor, kind=item["kind"], value=item["value"], confidence=0.9,
                source=f"Vụ việc {case.ref}", category=case.category,
                description=item.get("note", ""), case=case, seen_at=now,
            )  # fmt: skip
        except Conflict:
            continue  # allow-listed: never blocked


def send(
    session: Session, actor: User | None, request: TakedownRequest, *, now: datetime | None = None
) -> TakedownRequest:
    """Mark an approved request sent; the answer is due after the recipient's response days."""
    case = _case_of(session, request)
    if actor is not None:
        require(actor, "request.create", case)
    _require_state(request, "approved")
    now = now or utcnow()
    recipient = session.get(Recipient, request.recipient_id)
    days = recipient.response_days if recipient else 5
    request.state = "sent"
    request.sent_at = now
    request.due_at = now + timedelta(days=days)
    audit.record(
        session, actor, "request.send", "takedown_request", request.id,
        {"due_at": request.due_at.isoformat()},
    )  # fmt: skip
    _case_event(session, actor, request, f"Đã gửi văn bản đề nghị số {request.number}.")
    return request


def acknowledge(
    session: Session,
    actor: User | None,
    request: TakedownRequest,
    *,
    note: str = "",
    now: datetime | None = None,
) -> TakedownRequest:
    """The recipient confirmed receipt; still waiting for the result."""
    return record_answer(session, actor, request, outcome="acknowledged", answer=note, now=now)


def record_answer(
    session: Session,
    actor: User | None,
    request: TakedownRequest,
    *,
    outcome: str,
    answer: str = "",
    now: datetime | None = None,
) -> TakedownRequest:
    """Record the recipient's answer: acknowledged, done or refused (late answers count too)."""
    case = _case_of(session, request)
    if actor is not None:
        require(actor, "request.record_answer", case)
    if outcome not in ANSWER_OUTCOMES:
        raise ValidationFailed(f"Kết quả không hợp lệ: {outcome}.", field="outcome")
    if outcome == "acknowledged":
        _require_state(request, "sent")
    else:
        _require_state(request, "sent", "acknowledged", "expired")
    if outcome == "refused" and not answer.strip():
        raise ValidationFailed(N_("Cần ghi lý do từ chối của nơi nhận."), field="answer")
    if len(answer) > MAX_TEXT:
        raise ValidationFailed(N_("Nội dung quá dài."), field="answer")
    now = now or utcnow()
    previous = request.state
    request.state = outcome
    if outcome == "acknowledged":
        request.acknowledged_at = now
    else:
        request.answered_at = now
    if answer.strip():
        stamp = now.astimezone(LOCAL_TZ).strftime("%d/%m/%Y %H:%M")
        entry = f"[{stamp}] {answer.strip()}"
        request.answer = f"{request.answer}\n{entry}" if request.answer else entry
    audit.record(
        session, actor, f"request.{outcome}", "takedown_request", request.id,
        {"from": previous, "answer": answer.strip()[:2000]},
    )  # fmt: skip
    _case_event(
        session, actor, request,
        f"Văn bản số {request.number}: {STATE_LABELS[outcome].lower()}."
        + (f" {answer.strip()[:500]}" if answer.strip() else ""),
    )  # fmt: skip
    return request


def expire_overdue(session: Session, *, now: datetime | None = None) -> list[TakedownRequest]:
    """Requests past their due date with no result become expired (idempotent)."""
    now = now or utcnow()
    rows = list(
        session.scalars(
            select(TakedownRequest).where(
                TakedownRequest.state.in_(("sent", "acknowledged")),
                TakedownRequest.due_at.is_not(None),
                TakedownRequest.due_at < now,
            )
        )
    )
    for request in rows:
        previous = request.state
        request.state = "expired"
        audit.record(
            session, "system", "request.expire", "takedown_request", request.id,
            {"from": previous, "due_at": request.due_at.isoformat() if request.due_at else None},
        )  # fmt: skip
        _case_event(
            session, "system", request,
            f"Văn bản số {request.number} quá hạn nhưng chưa nhận được phản hồi.",
        )  # fmt: skip
    return rows


def list_requests(
    session: Session,
    user: User | None = None,
    *,
    state: str | None = None,
    case_id: int | None = None,
    limit: int = 200,
) -> list[TakedownRequest]:
    """Requests, newest first; users outside the coordinator see their unit's cases only."""
    query = select(TakedownRequest).join(Case, Case.id == TakedownRequest.case_id)
    if state:
        if state not in REQUEST_STATES:
            raise ValidationFailed(f"Trạng thái không hợp lệ: {state}.", field="state")
        query = query.where(TakedownRequest.state == state)
    if case_id is not None:
        query = query.where(TakedownRequest.case_id == case_id)
    if user is not None and user.role not in ("administrator", "coordinator"):
        query = query.where(Case.owner_unit_id == user.unit_id)
    query = query.order_by(TakedownRequest.created_at.desc(), TakedownRequest.id.desc())
    return list(session.scalars(query.limit(limit)))


def request_payload(session: Session, request: TakedownRequest) -> dict[str, Any]:
    """JSON-ready view of a request (API, CLI)."""
    recipient = session.get(Recipient, request.recipient_id)
    case = _case_of(session, request)
    return {
        "id": request.id,
        "number": request.number,
        "case": case.ref,
        "recipient": recipient.code if recipient else None,
        "recipient_name": recipient.name if recipient else None,
        "action": request.action,
        "state": request.state,
        "legal_basis": _legal_basis_lines(request.legal_basis),
        "indicators": request.indicators,
        "evidence_hashes": request.evidence_hashes,
        "facts": request.body,
        "due_at": request.due_at.isoformat() if request.due_at else None,
        "approved_at": request.approved_at.isoformat() if request.approved_at else None,
        "sent_at": request.sent_at.isoformat() if request.sent_at else None,
        "answered_at": request.answered_at.isoformat() if request.answered_at else None,
        "answer": request.answer,
        "created_at": request.created_at.isoformat(),
    }


def _local_date(moment: datetime) -> date:
    return moment.astimezone(LOCAL_TZ).date()


def _issuer_name(session: Session, configured: str) -> str:
    """The issuing body in running text: the coordinator unit's name when it is the same body.

    Settings hold the heading form in capitals ("PHÒNG VĂN HÓA VÀ THÔNG TIN"); the body of the
    letter needs the written form ("Phòng Văn hóa và Thông tin"), which the unit list has.
    """
    unit = session.scalar(select(Unit).where(Unit.is_coordinator.is_(True)).limit(1))
    if unit is not None and (not configured or unit.name.upper() == configured.upper()):
        return unit.name
    return configured


def letter_for(session: Session, request: TakedownRequest, settings: Settings) -> RequestLetter:
    """The Công văn for a request (a draft has a blank number for the clerk to fill)."""
    case = _case_of(session, request)
    recipient = session.get(Recipient, request.recipient_id)
    assert recipient is not None
    defaults = IssuerDefaults.from_settings(settings)
    issued = request.approved_at or request.created_at
    issued_on = _local_date(issued)
    due = request.due_at or (issued + timedelta(days=recipient.response_days))
    evidence: list[LetterEvidence] = []
    for sha in request.evidence_hashes:
        row = session.scalar(
            select(Evidence)
            .where(Evidence.blob_sha256 == sha, Evidence.case_id == case.id)
            .order_by(Evidence.id)
            .limit(1)
        ) or session.scalar(select(Evidence).where(Evidence.blob_sha256 == sha).limit(1))
        if row is not None:
            evidence.append(LetterEvidence(row.name, sha, row.captured_at, row.note[:200]))
    creator = session.get(User, request.created_by_id) if request.created_by_id else None
    contact = defaults.issuer or settings.issuer_name
    if creator is not None:
        contact = f"{creator.name}, {creator.unit.name}" + (
            f", thư điện tử {creator.unit.email}" if creator.unit.email else ""
        )
    summary = {
        "block_domain": "V/v đề nghị ngăn chặn tên miền, đường link lừa đảo",
        "block_phone": "V/v đề nghị xử lý số điện thoại có dấu hiệu lừa đảo",
        "remove_content": "V/v đề nghị gỡ bỏ nội dung vi phạm",
        "freeze_account": "V/v đề nghị tạm dừng giao dịch tài khoản nghi nhận tiền lừa đảo",
    }[request.action]
    return RequestLetter(
        issuer_superior=defaults.superior,
        issuer=_issuer_name(session, defaults.issuer or settings.issuer_name),
        number=str(request.letter_seq) if request.letter_seq else "",
        symbol=f"{settings.issuer_symbol or 'VHTT'}-{LETTER_SUFFIX}",
        place=defaults.place or settings.district_place,
        issued_on=issued_on,
        summary=summary,
        recipients=[recipient.name],
        action=request.action,
        legal_basis=_legal_basis_lines(request.legal_basis),
        case_ref=case.ref,
        facts=request.body or case.title,
        indicators=[
            LetterIndicator(i["kind"], i["value"], i.get("note", "")) for i in request.indicators
        ],
        evidence=evidence,
        response_due=max(_local_date(due), issued_on),
        contact=contact,
        signer_authority=defaults.signer_authority or settings.signer_authority,
        signer_title=defaults.signer_title or settings.signer_title,
        signer_name=defaults.signer_name or settings.signer_name,
        cc=["Như trên", "Lưu hồ sơ vụ việc " + case.ref],
    )


def letter_bytes(
    session: Session, request: TakedownRequest, settings: Settings, fmt: str
) -> tuple[bytes, str, str]:
    """(content, media type, file name) of the letter as "docx" or "pdf"."""
    letter = letter_for(session, request, settings)
    name = f"cong-van-{request.number or f'du-thao-{request.id}'}".replace("/", "-")
    if fmt == "docx":
        media = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
        return render_letter_docx(letter), media, f"{name}.docx"
    if fmt == "pdf":
        return render_letter_pdf(letter), "application/pdf", f"{name}.pdf"
    raise ValidationFailed(f"Định dạng không hỗ trợ: {fmt}.", field="format")


REMIND_BEFORE = timedelta(days=1)


def remind_due(
    session: Session, *, now: datetime | None = None, before: timedelta = REMIND_BEFORE
) -> list[TakedownRequest]:
    """Notify the drafter and the coordinators once when a sent request nears its due date."""
    from canhgiac.services import notifications

    now = now or utcnow()
    rows = list(
        session.scalars(
            select(TakedownRequest).where(
                TakedownRequest.state.in_(("sent", "acknowledged")),
                TakedownRequest.reminded_at.is_(None),
                TakedownRequest.due_at.is_not(None),
                TakedownRequest.due_at <= now + before,
                TakedownRequest.due_at > now,
            )
        )
    )
    for request in rows:
        case = _case_of(session, request)
        recipient = session.get(Recipient, request.recipient_id)
        people = notifications.coordinators(session)
        if request.created_by_id:
            creator = session.get(User, request.created_by_id)
            if creator is not None:
                people.append(creator)
        message = (
            f"Văn bản đề nghị số {request.number} gửi {recipient.name if recipient else ''}"
            " sắp đến hạn phản hồi; đề nghị đôn đốc nơi nhận."
        )
        notifications.notify_users(
            session, people, "request_due", message, case=case,
            link=f"/van-ban-de-nghi/{request.id}",
        )  # fmt: skip
        request.reminded_at = now
        audit.record(
            session, "system", "request.remind", "takedown_request", request.id,
            {"due_at": request.due_at.isoformat() if request.due_at else None},
        )  # fmt: skip
    return rows
