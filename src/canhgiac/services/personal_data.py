"""Reporters' personal data: who may see a contact, an audit entry for every view, and deletion.

A contact is visible only to roles with `contact.view`, and only for reports about a case of the
user's own unit (coordinators and administrators: all). Contacts are deleted when their
`contact_expires_at` passes, or `contact_retention_days` after the report when intake set no date.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import String, and_, cast, null, or_, select, update
from sqlalchemy.orm import Session

from canhgiac.db.base import utcnow
from canhgiac.db.models import Case, CaseItem, Report, User
from canhgiac.errors import NotFound, PermissionDenied
from canhgiac.i18n import N_
from canhgiac.services import audit, permissions

PURGE_BATCH = 1000


def _cases_of_report(session: Session, report: Report) -> list[Case]:
    query = (
        select(Case)
        .join(CaseItem, CaseItem.case_id == Case.id)
        .where(CaseItem.item_id == report.item_id)
    )
    return list(session.scalars(query))


def can_view_contact(session: Session, user: User | None, report: Report) -> bool:
    """Whether the user may see this report's contact."""
    if user is None or not permissions.can(user, "contact.view"):
        return False
    if user.role in permissions.DISTRICT_WIDE_ROLES:
        return True
    return any(c.owner_unit_id == user.unit_id for c in _cases_of_report(session, report))


def view_contact(
    session: Session, user: User, report_id: int, *, purpose: str = ""
) -> dict[str, Any] | None:
    """The reporter's contact (None when deleted or never given); the view is audited."""
    report = session.get(Report, report_id)
    if report is None:
        raise NotFound(f"Không tìm thấy phản ánh #{report_id}.")
    if not can_view_contact(session, user, report):
        audit.record(session, user, "contact.view_denied", "report", report.id, {})
        raise PermissionDenied(N_("Bạn không có quyền xem thông tin liên hệ của người phản ánh."))
    audit.record(
        session, user, "contact.view", "report", report.id,
        {"tracking_code": report.tracking_code, "purpose": purpose[:500], "present": report.contact is not None},
    )  # fmt: skip
    return dict(report.contact) if report.contact else None


def purge_expired_contacts(
    session: Session,
    *,
    now: datetime | None = None,
    retention_days: int = 365,
    batch: int = PURGE_BATCH,
) -> int:
    """Delete contacts past their expiry (or past the retention period); return how many."""
    now = now or utcnow()
    cutoff = now - timedelta(days=retention_days)
    # JSON columns may hold SQL NULL or JSON null; both mean "no contact".
    query = (
        select(Report.id)
        .where(Report.contact.is_not(None), cast(Report.contact, String) != "null")
        .where(
            or_(
                Report.contact_expires_at <= now,
                and_(Report.contact_expires_at.is_(None), Report.created_at <= cutoff),
            )
        )
        .order_by(Report.id)
        .limit(batch)
    )
    purged = list(session.scalars(query))
    if purged:
        session.execute(
            update(Report)
            .where(Report.id.in_(purged))
            .values(contact=null(), contact_consent=False)
            .execution_options(synchronize_session="fetch")
        )
        audit.record(
            session, "system", "contact.purge", "report", "*",
            {"report_ids": purged, "at": now.isoformat()},
        )  # fmt: skip
    return len(purged)
