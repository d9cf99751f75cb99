"""Outbound notifications: e-mail over SMTP and signed webhooks, retried by the queue on failure."""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from canhgiac.services import notifications
from canhgiac.settings import Settings, get_settings
from canhgiac.worker.registry import job


def _settings(session: Session) -> Settings:
    settings = session.info.get("settings")
    return settings if isinstance(settings, Settings) else get_settings()


@job("notify.email", max_attempts=6, timeout_s=60.0)
def send_email_job(session: Session, payload: dict[str, Any]) -> None:
    """Send one e-mail (a no-op when SMTP is not configured)."""
    notifications.send_email(
        _settings(session), str(payload["to"]), str(payload["subject"]), str(payload["body"])
    )


@job("notify.webhook", max_attempts=8, timeout_s=30.0)
def deliver_webhook_job(session: Session, payload: dict[str, Any]) -> None:
    """POST one signed webhook body; a failure raises so the queue retries with back-off."""
    notifications.deliver_webhook(
        session, int(payload["webhook_id"]), str(payload["event"]), dict(payload["body"])
    )
