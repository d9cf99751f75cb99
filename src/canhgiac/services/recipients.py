"""Recipients of requests: telecom operators, ISPs, platforms, the .vn registry, registrars, banks."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

import yaml
from sqlalchemy import select
from sqlalchemy.orm import Session

from canhgiac.db.models import Recipient, User
from canhgiac.db.models.actions import RECIPIENT_KINDS
from canhgiac.errors import Conflict, NotFound, ValidationFailed
from canhgiac.i18n import N_
from canhgiac.resources import resource
from canhgiac.services import audit
from canhgiac.services.permissions import require

__all__ = [
    "CHANNELS",
    "RecipientSpec",
    "create_recipient",
    "get_recipient",
    "list_recipients",
    "seed_recipients",
    "shipped_recipients",
    "update_recipient",
]

CHANNELS = ("letter", "email", "web_form")
KIND_LABELS = {
    "telecom": N_("Doanh nghiệp viễn thông di động"),
    "isp": N_("Doanh nghiệp cung cấp dịch vụ Internet"),
    "platform": N_("Nền tảng mạng xã hội"),
    "registry": N_("Cơ quan quản lý tên miền .vn"),
    "registrar": N_("Nhà đăng ký tên miền"),
    "bank": N_("Ngân hàng"),
}
CONTACT_FIELDS = ("email", "phone", "person", "web_form")
_CODE_RE = re.compile(r"^[A-Z0-9][A-Z0-9_-]{0,31}$")


@dataclass(frozen=True)
class RecipientSpec:
    """A recipient as written in resources/recipients.yaml."""

    code: str
    name: str
    kind: str
    channel: str = "letter"
    response_days: int = 5


def shipped_recipients() -> list[RecipientSpec]:
    """The starter list shipped with the platform."""
    data = yaml.safe_load(resource("recipients.yaml").read_text(encoding="utf-8"))
    return [RecipientSpec(**row) for row in data["recipients"]]


def seed_recipients(session: Session) -> int:
    """Insert shipped recipients that are missing (edited ones are left alone); return how many."""
    existing = set(session.scalars(select(Recipient.code)))
    added = 0
    for spec in shipped_recipients():
        if spec.code in existing:
            continue
        row = Recipient(
            code=spec.code,
            name=spec.name,
            kind=spec.kind,
            channel=spec.channel,
            response_days=spec.response_days,
            contacts={},
            address="",
        )
        session.add(row)
        session.flush()
        audit.record(session, None, "recipient.seed", "recipient", row.id, {"code": spec.code})
        added += 1
    return added


def list_recipients(
    session: Session, *, kind: str | None = None, active_only: bool = True
) -> list[Recipient]:
    """Recipients ordered by kind then name."""
    query = select(Recipient)
    if active_only:
        query = query.where(Recipient.active.is_(True))
    if kind:
        query = query.where(Recipient.kind == kind)
    order = {k: i for i, k in enumerate(RECIPIENT_KINDS)}
    return sorted(session.scalars(query), key=lambda r: (order.get(r.kind, 9), r.name))


def get_recipient(session: Session, code_or_id: str | int) -> Recipient:
    """The recipient with this code (or numeric id), or NotFound."""
    row: Recipient | None
    if isinstance(code_or_id, int) or str(code_or_id).isdigit():
        row = session.get(Recipient, int(code_or_id))
    else:
        row = session.scalar(select(Recipient).where(Recipient.code == str(code_or_id).upper()))
    if row is None:
        raise NotFound(f"Không tìm thấy nơi nhận '{code_or_id}'.", field="recipient")
    return row


def _clean(fields: dict[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    if "name" in fields:
        name = str(fields["name"] or "").strip()
        if not name:
            raise ValidationFailed(N_("Tên nơi nhận không được để trống."), field="name")
        out["name"] = name[:255]
    if "kind" in fields:
        if fields["kind"] not in RECIPIENT_KINDS:
            raise ValidationFailed(f"Loại nơi nhận không hợp lệ: {fields['kind']}.", field="kind")
        out["kind"] = fields["kind"]
    if "channel" in fields:
        if fields["channel"] not in CHANNELS:
            raise ValidationFailed(f"Kênh gửi không hợp lệ: {fields['channel']}.", field="channel")
        out["channel"] = fields["channel"]
    if "response_days" in fields:
        try:
            days = int(fields["response_days"])
        except (TypeError, ValueError):
            days = 0
        if not 1 <= days <= 90:
            raise ValidationFailed(
                N_("Thời hạn phản hồi phải từ 1 đến 90 ngày."), field="response_days"
            )
        out["response_days"] = days
    if "contacts" in fields:
        contacts = fields["contacts"] or {}
        if not isinstance(contacts, dict):
            raise ValidationFailed(N_("Thông tin liên hệ không hợp lệ."), field="contacts")
        out["contacts"] = {
            k: str(v).strip()[:255] for k, v in contacts.items() if k in CONTACT_FIELDS and v
        }
    if "address" in fields:
        out["address"] = str(fields["address"] or "").strip()[:1000]
    if "active" in fields:
        out["active"] = bool(fields["active"])
    return out


def create_recipient(
    session: Session,
    actor: User | None,
    *,
    code: str,
    name: str,
    kind: str,
    channel: str = "letter",
    response_days: int = 5,
    contacts: dict[str, str] | None = None,
    address: str = "",
) -> Recipient:
    """Add a recipient (coordinators; actor None for scripts)."""
    if actor is not None:
        require(actor, "recipient.manage")
    code = code.strip().upper()
    if not _CODE_RE.match(code):
        raise ValidationFailed(
            N_("Mã nơi nhận chỉ gồm chữ in hoa, số, '-' hoặc '_'."), field="code"
        )
    if session.scalar(select(Recipient.id).where(Recipient.code == code)) is not None:
        raise Conflict(f"Đã có nơi nhận mã '{code}'.", field="code")
    fields = _clean(
        {"name": name, "kind": kind, "channel": channel, "response_days": response_days,
         "contacts": contacts or {}, "address": address}
    )  # fmt: skip
    row = Recipient(code=code, **fields)
    session.add(row)
    session.flush()
    audit.record(session, actor, "recipient.create", "recipient", row.id, {"code": code, **fields})
    return row


def update_recipient(
    session: Session, actor: User | None, recipient: Recipient, **fields: Any
) -> Recipient:
    """Change a recipient's name, kind, channel, response days, contacts, address or activity."""
    if actor is not None:
        require(actor, "recipient.manage")
    changes = _clean(fields)
    for key, value in changes.items():
        setattr(recipient, key, value)
    audit.record(session, actor, "recipient.update", "recipient", recipient.id, changes)
    return recipient
