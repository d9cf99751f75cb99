"""Telling people: in-app notifications, e-mail over SMTP, and signed webhooks (sent by jobs)."""

from __future__ import annotations

import hashlib
import hmac
import json
import smtplib
from collections.abc import Iterable
from email.message import EmailMessage
from typing import Any
from urllib.parse import urlsplit

import httpx
from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from canhgiac.db.base import utcnow
from canhgiac.db.models import Case, Notification, Unit, User, Webhook
from canhgiac.db.models.cases import CASE_STATES
from canhgiac.errors import NotFound, ValidationFailed
from canhgiac.i18n import N_
from canhgiac.services import audit, permissions
from canhgiac.settings import Settings, get_settings
from canhgiac.worker.queue import enqueue

SIGNATURE_HEADER = "X-CanhGiac-Signature"
EVENT_HEADER = "X-CanhGiac-Event"
WEBHOOK_TIMEOUT_S = 10.0
# Every event the platform emits (`emit` callers): a new case, each state a case moves to, and
# a case past its deadline. A webhook subscribes to some of them, to "case.*" or to "*".
WEBHOOK_EVENTS: tuple[str, ...] = (
    "case.created",
    *(f"case.{state}" for state in CASE_STATES if state != "new"),
    "case.overdue",
)
MAX_WEBHOOK_URL = 2000


class DeliveryFailed(Exception):
    """An e-mail or webhook could not be delivered; the job retries it."""


def notify(
    session: Session,
    user: User,
    kind: str,
    message: str,
    *,
    case: Case | None = None,
    link: str = "",
    email: bool = True,
) -> Notification:
    """Add an in-app notification (and queue an e-mail copy when SMTP is configured)."""
    note = Notification(
        user_id=user.id,
        case_id=case.id if case else None,
        kind=kind,
        message=message,
        link=link or (f"/vu-viec/{case.ref}" if case else ""),
    )
    session.add(note)
    session.flush()
    if email and _settings(session).smtp_host:
        enqueue(
            session,
            "notify.email",
            {"to": user.email, "subject": f"[Cảnh Giác] {message[:120]}", "body": message},
            dedup_key=f"email:notification:{note.id}",
        )
    return note


def _settings(session: Session) -> Settings:
    """The worker's settings when running in a job, else the process settings."""
    settings = session.info.get("settings")
    return settings if isinstance(settings, Settings) else get_settings()


def notify_users(
    session: Session,
    users: Iterable[User],
    kind: str,
    message: str,
    *,
    case: Case | None = None,
    link: str = "",
) -> list[Notification]:
    """Notify each active user once."""
    seen: set[int] = set()
    notes = []
    for user in users:
        if user.is_active and user.id not in seen:
            seen.add(user.id)
            notes.append(notify(session, user, kind, message, case=case, link=link))
    return notes


def unit_users(session: Session, unit_id: int, roles: Iterable[str] | None = None) -> list[User]:
    """Active users of a unit, optionally of some roles only."""
    query = select(User).where(User.unit_id == unit_id, User.is_active.is_(True))
    if roles is not None:
        query = query.where(User.role.in_(list(roles)))
    return list(session.scalars(query.order_by(User.id)))


def coordinators(session: Session) -> list[User]:
    """Coordinators of the coordinator unit (who receive escalations)."""
    query = (
        select(User)
        .join(Unit, Unit.id == User.unit_id)
        .where(Unit.is_coordinator.is_(True), User.is_active.is_(True))
        .where(User.role.in_(["coordinator", "administrator"]))
        .order_by(User.id)
    )
    return list(session.scalars(query))


def list_for(
    session: Session, user: User, *, unread_only: bool = False, limit: int = 100
) -> list[Notification]:
    """A user's notifications, newest first."""
    query = select(Notification).where(Notification.user_id == user.id)
    if unread_only:
        query = query.where(Notification.read_at.is_(None))
    return list(session.scalars(query.order_by(Notification.id.desc()).limit(limit)))


def unread_count(session: Session, user: User) -> int:
    """How many notifications the user has not read (the counter in the page header)."""
    return int(
        session.scalar(
            select(func.count(Notification.id)).where(
                Notification.user_id == user.id, Notification.read_at.is_(None)
            )
        )
        or 0
    )


def mark_read(session: Session, user: User, notification_id: int | None = None) -> int:
    """Mark one (or all) of the user's notifications read; return how many changed."""
    query = update(Notification).where(
        Notification.user_id == user.id, Notification.read_at.is_(None)
    )
    if notification_id is not None:
        query = query.where(Notification.id == notification_id)
    result = session.execute(query.values(read_at=utcnow()))
    return int(result.rowcount)  # type: ignore[attr-defined]


# --- e-mail -------------------------------------------------------------------------------------


def send_email(settings: Settings, to: str, subject: str, body: str) -> bool:
    """Send one plain-text e-mail; False when SMTP is not configured, DeliveryFailed on error."""
    if not settings.smtp_host:
        return False
    message = EmailMessage()
    message["From"] = settings.smtp_from
    message["To"] = to
    message["Subject"] = subject
    message.set_content(body)
    try:
        with smtplib.SMTP(settings.smtp_host, settings.smtp_port, timeout=15) as smtp:
            if settings.smtp_starttls:
                smtp.starttls()
            if settings.smtp_user:
                smtp.login(settings.smtp_user, settings.smtp_password)
            smtp.send_message(message)
    except (OSError, smtplib.SMTPException) as exc:
        raise DeliveryFailed(f"SMTP: {exc}") from exc
    return True


# --- webhooks -----------------------------------------------------------------------------------


def sign(secret: str, body: bytes) -> str:
    """The signature header value: sha256=<hex HMAC-SHA256 of the body>."""
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def verify_signature(secret: str, body: bytes, header: str) -> bool:
    """Whether a received signature header matches (for receivers and tests)."""
    return hmac.compare_digest(sign(secret, body), header)


def _require_manager(actor: User | str | None) -> None:
    """Administrators only; a string actor is the operator at the console ("cli")."""
    if not isinstance(actor, str):
        permissions.require(actor, "webhook.manage")


def check_webhook_url(url: str) -> str:
    """The URL stripped, or ValidationFailed: an absolute http(s) URL with a host, no spaces."""
    url = url.strip()
    try:
        parts = urlsplit(url)
        host = parts.hostname
    except ValueError:
        parts, host = None, None
    if (
        parts is None
        or parts.scheme not in ("http", "https")
        or not host
        or any(ch.isspace() or ord(ch) < 32 or ord(ch) == 127 for ch in url)
    ):
        raise ValidationFailed(
            N_("Địa chỉ webhook phải bắt đầu bằng http:// hoặc https://."), field="url"
        )
    if len(url) > MAX_WEBHOOK_URL:
        raise ValidationFailed(
            f"Địa chỉ webhook quá dài (tối đa {MAX_WEBHOOK_URL} ký tự).", field="url"
        )
    return url


def check_events(events: str) -> str:
    """The subscription normalised ("case.created,case.overdue"), or ValidationFailed.

    Each comma-separated item is "*", a group such as "case.*", or one of `WEBHOOK_EVENTS`;
    an empty subscription means every event ("*").
    """
    if not events.strip():
        return "*"
    groups = {f"{event.split('.')[0]}.*" for event in WEBHOOK_EVENTS}
    wanted: list[str] = []
    for item in (e.strip() for e in events.split(",")):
        if item not in ("*", *groups, *WEBHOOK_EVENTS):
            raise ValidationFailed(
                f"Sự kiện webhook không hợp lệ: {item!r} (chọn *, "
                f"{', '.join(sorted(groups))} hoặc {', '.join(WEBHOOK_EVENTS)}).",
                field="events",
            )
        if item not in wanted:
            wanted.append(item)
    return ",".join(wanted)


def create_webhook(
    session: Session, actor: User | str, *, url: str, secret: str, events: str = "*"
) -> Webhook:
    """Register an outbound webhook (administrators, or the console)."""
    _require_manager(actor)
    url = check_webhook_url(url)
    if len(secret) < 16:
        raise ValidationFailed(N_("Khoá bí mật webhook cần ít nhất 16 ký tự."), field="secret")
    if len(secret) > 128:
        raise ValidationFailed("Khoá bí mật webhook dài tối đa 128 ký tự.", field="secret")
    events = check_events(events)
    hook = Webhook(url=url, secret=secret, events=events)
    session.add(hook)
    session.flush()
    audit.record(
        session, actor, "webhook.create", "webhook", hook.id, {"url": url, "events": events}
    )
    return hook


def list_webhooks(
    session: Session, actor: User | str, *, include_inactive: bool = True
) -> list[Webhook]:
    """Webhooks by id (disabled ones too unless `include_inactive` is False)."""
    _require_manager(actor)
    query = select(Webhook).order_by(Webhook.id)
    if not include_inactive:
        query = query.where(Webhook.active.is_(True))
    return list(session.scalars(query))


def disable_webhook(session: Session, actor: User | str, webhook_id: int) -> tuple[Webhook, bool]:
    """Stop deliveries to a webhook, keeping its row; returns (webhook, whether it changed).

    Queued deliveries are dropped by `deliver_webhook`, which sends nothing to a disabled hook.
    """
    _require_manager(actor)
    hook = session.get(Webhook, webhook_id)
    if hook is None:
        raise NotFound(f"Không tìm thấy webhook #{webhook_id}.")
    if not hook.active:
        return hook, False
    hook.active = False
    session.flush()
    audit.record(session, actor, "webhook.disable", "webhook", hook.id, {"url": hook.url})
    return hook, True


def _wants(hook: Webhook, event: str) -> bool:
    wanted = {e.strip() for e in hook.events.split(",") if e.strip()}
    return "*" in wanted or event in wanted or f"{event.split('.')[0]}.*" in wanted


def emit(session: Session, event: str, data: dict[str, Any]) -> int:
    """Queue a delivery of `event` to every active webhook that wants it; return how many."""
    queued = 0
    hooks = session.scalars(select(Webhook).where(Webhook.active.is_(True)))
    for hook in hooks:
        if not _wants(hook, event):
            continue
        body = {"event": event, "at": utcnow().isoformat(), "data": data}
        enqueue(session, "notify.webhook", {"webhook_id": hook.id, "event": event, "body": body})
        queued += 1
    return queued


def webhook_body(body: dict[str, Any]) -> bytes:
    """The exact bytes sent (and signed)."""
    return json.dumps(body, ensure_ascii=False, sort_keys=True, separators=(",", ":")).encode()


def deliver_webhook(
    session: Session,
    webhook_id: int,
    event: str,
    body: dict[str, Any],
    *,
    client: httpx.Client | None = None,
) -> int:
    """POST a signed body; return the status, raise DeliveryFailed so the job retries."""
    hook = session.get(Webhook, webhook_id)
    if hook is None:
        raise NotFound(f"Không tìm thấy webhook #{webhook_id}.")
    if not hook.active:
        return 0
    raw = webhook_body(body)
    headers = {
        "Content-Type": "application/json",
        SIGNATURE_HEADER: sign(hook.secret, raw),
        EVENT_HEADER: event,
    }
    owned = client is None
    http = client or httpx.Client(timeout=WEBHOOK_TIMEOUT_S, follow_redirects=False)
    try:
        response = http.post(hook.url, content=raw, headers=headers)
    except httpx.HTTPError as exc:
        raise DeliveryFailed(f"webhook {hook.id}: {exc}") from exc
    finally:
        if owned:
            http.close()
    if response.status_code >= 300:
        raise DeliveryFailed(f"webhook {hook.id}: HTTP {response.status_code}")
    return response.status_code
