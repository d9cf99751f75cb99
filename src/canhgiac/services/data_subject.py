"""A reporter's rights over their personal data (Decree 13/2023): export it, delete it.

A reporter is known only by the contact they chose to give (e-mail or phone number). Export
returns every report filed with that contact; deletion removes the contact from those reports
(the report's content stays: it is the record of a reported offence, kept under the law on
denunciations, and it is not the reporter's identity). Both are audited without the contact
itself, so the audit log does not keep what was deleted.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from sqlalchemy import String, cast, null, select, update
from sqlalchemy.orm import Session

from canhgiac.db.base import utcnow
from canhgiac.db.models import Report, User
from canhgiac.errors import ValidationFailed
from canhgiac.i18n import N_
from canhgiac.services import audit
from canhgiac.services.accounts import normalise_email
from canhgiac.text.indicators import normalize_phone

BATCH = 1000


def contact_key(raw: str) -> tuple[str, str]:
    """('email', address) or ('phone', E.164) for what a person typed; ValidationFailed if neither."""
    value = (raw or "").strip()
    if "@" in value:
        return "email", normalise_email(value)
    phone = normalize_phone(value)
    if phone is None:
        raise ValidationFailed(
            N_("Hãy nhập e-mail hoặc số điện thoại Việt Nam của người phản ánh."), field="contact"
        )
    return "phone", phone


def _matches(contact: dict[str, Any] | None, kind: str, value: str) -> bool:
    if not isinstance(contact, dict):
        return False
    given = contact.get(kind)
    if not isinstance(given, str) or not given.strip():
        return False
    if kind == "email":
        return given.strip().lower() == value
    return normalize_phone(given) == value


def _reports_with_contact(session: Session) -> Iterator[Report]:
    # Contacts are JSON (a phone may be typed in any form), so they are compared here, in batches.
    last_id = 0
    while True:
        rows = list(session.scalars(
            select(Report)
            .where(Report.id > last_id, Report.contact.is_not(None),
                   cast(Report.contact, String) != "null")
            .order_by(Report.id)
            .limit(BATCH)
        ))  # fmt: skip
        if not rows:
            return
        yield from rows
        last_id = rows[-1].id


def find_reports(session: Session, contact: str) -> list[Report]:
    """Reports whose contact has this e-mail or phone number."""
    kind, value = contact_key(contact)
    return [r for r in _reports_with_contact(session) if _matches(r.contact, kind, value)]


def export_reporter_data(
    session: Session, actor: User | str | None, contact: str
) -> dict[str, Any]:
    """Everything held about the reporter with this contact, JSON-ready; the export is audited."""
    kind, _ = contact_key(contact)
    reports = find_reports(session, contact)
    records = [
        {
            "tracking_code": r.tracking_code,
            "received_at": r.created_at.isoformat(),
            "channel": r.channel,
            "category": r.category,
            "content": r.content,
            "urls": list(r.urls or []),
            "phones": list(r.phones or []),
            "contact": dict(r.contact or {}),
            "contact_consent": r.contact_consent,
            "contact_expires_at": r.contact_expires_at.isoformat()
            if r.contact_expires_at
            else None,
            "public_state": r.public_state,
            "public_outcome": r.public_outcome,
        }
        for r in reports
    ]
    audit.record(session, actor, "data_subject.export", "report", "*",
                 {"by": kind, "report_ids": [r.id for r in reports]})  # fmt: skip
    return {
        "exported_at": utcnow().isoformat(),
        "legal_basis": "Nghị định 13/2023/NĐ-CP, Điều 9 và 14 (quyền được biết, yêu cầu cung cấp)",
        "reports": records,
    }


def delete_reporter_data(session: Session, actor: User | str | None, contact: str) -> list[str]:
    """Remove this contact from every report that holds it; the tracking codes touched."""
    kind, _ = contact_key(contact)
    reports = find_reports(session, contact)
    ids = [r.id for r in reports]
    if ids:
        session.execute(
            update(Report)
            .where(Report.id.in_(ids))
            .values(contact=null(), contact_consent=False, contact_expires_at=None)
            .execution_options(synchronize_session="fetch")
        )
    audit.record(session, actor, "data_subject.delete", "report", "*",
                 {"by": kind, "report_ids": ids})  # fmt: skip
    return [r.tracking_code for r in reports]
