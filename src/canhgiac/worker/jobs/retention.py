"""Retention: delete reporters' contact data once it is no longer needed."""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from canhgiac.services import personal_data
from canhgiac.settings import Settings, get_settings
from canhgiac.worker.registry import job, periodic

KIND = "retention.contacts"


@job(KIND, max_attempts=1)
@periodic(KIND, every_s=3600)
def purge_contacts_job(session: Session, payload: dict[str, Any]) -> None:
    """Delete expired reporter contacts (one batch per run)."""
    settings = session.info.get("settings")
    if not isinstance(settings, Settings):
        settings = get_settings()
    personal_data.purge_expired_contacts(session, retention_days=settings.contact_retention_days)
