"""Notifications: in-app counter, e-mail to a local SMTP server, signed webhooks retried by jobs."""

from __future__ import annotations

import json
import socket
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, HTTPServer
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from sqlalchemy import Engine, select, update
from sqlalchemy.orm import Session

from canhgiac.db.base import utcnow
from canhgiac.db.models import Job, Webhook
from canhgiac.errors import PermissionDenied, ValidationFailed
from canhgiac.services import cases, notifications, routing
from canhgiac.settings import Settings
from canhgiac.worker.registry import load_job_modules
from canhgiac.worker.runner import run_workers


class _Inbox:
    def __init__(self) -> None:
        self.messages: list[Any] = []

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        self.messages.append(envelope)
        return "250 OK"


@pytest.fixture
def smtp() -> Iterator[tuple[Controller, _Inbox]]:
    inbox = _Inbox()
    with socket.socket() as probe:  # a free port (the controller cannot start on port 0)
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    yield controller, inbox
    controller.stop()


def test_email_reaches_a_local_smtp_server(smtp: tuple[Controller, _Inbox], tmp_path) -> None:  # type: ignore[no-untyped-def]
    controller, inbox = smtp
    port = controller.port
    settings = Settings(env="test", data_dir=tmp_path, smtp_host="127.0.0.1", smtp_port=port,
                        smtp_from="canhgiac@baolac.vn")  # fmt: skip
    assert notifications.send_email(
        settings, "ca@baolac.vn", "Vụ việc quá hạn", "Vụ việc VV-2026-000001 quá hạn."
    )
    assert len(inbox.messages) == 1
    message = inbox.messages[0]
    assert message.rcpt_tos == ["ca@baolac.vn"] and message.mail_from == "canhgiac@baolac.vn"
    assert (
        "VV-2026-000001" in message.content.decode("utf-8", "replace")
        or b"VV-2026" in message.original_content
    )
    assert not notifications.send_email(Settings(env="test", data_dir=tmp_path), "x@y.vn", "s", "b")
    closed = Settings(env="test", data_dir=tmp_path, smtp_host="127.0.0.1", smtp_port=1)
    with pytest.raises(notifications.DeliveryFailed):
        notifications.send_email(closed, "x@y.vn", "s", "b")


def test_in_app_notifications_and_counter(seeded: Session, make_user) -> None:  # type: ignore[no-untyped-def]
    routing.seed_defaults(seeded)
    investigator = make_user("investigator", "CA")
    other = make_user("investigator", "CA")
    case = cases.create_case(seeded, other, title="Số điện thoại giả danh công an", category="scam")
    assert notifications.unread_count(seeded, investigator) == 1
    note = notifications.list_for(seeded, investigator)[0]
    assert note.link == f"/vu-viec/{case.ref}" and note.kind == "case.new"
    assert notifications.mark_read(seeded, investigator) == 1
    assert notifications.unread_count(seeded, investigator) == 0


class _Receiver(BaseHTTPRequestHandler):
    failures_left = 1
    received: list[tuple[bytes, dict[str, str]]] = []  # noqa: RUF012

    def do_POST(self) -> None:
        body = self.rfile.read(int(self.headers["Content-Length"]))
        if type(self).failures_left > 0:
            type(self).failures_left -= 1
            self.send_response(503)
        else:
            type(self).received.append((body, dict(self.headers)))
            self.send_response(204)
        self.end_headers()

    def log_message(self, format: str, *args: Any) -> None:
        pass


@pytest.fixture
def receiver() -> Iterator[str]:
    _Receiver.failures_left = 1
    _Receiver.received = []
    server = HTTPServer(("127.0.0.1", 0), _Receiver)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}/hook"
    server.shutdown()
    server.server_close()


def test_signed_webhook_is_retried_by_the_queue(
    engine: Engine, seeded: Session, make_user, receiver: str, settings: Settings
) -> None:  # type: ignore[no-untyped-def]
    load_job_modules()
    routing.seed_defaults(seeded)
    admin = make_user("administrator", "VHTT")
    investigator = make_user("investigator", "CA")
    with pytest.raises(PermissionDenied):
        notifications.create_webhook(seeded, investigator, url=receiver, secret="s" * 32)
    with pytest.raises(ValidationFailed):
        notifications.create_webhook(seeded, admin, url="ftp://x", secret="s" * 32)
    hook = notifications.create_webhook(
        seeded, admin, url=receiver, secret="bi-mat-webhook-0123456789", events="case.*"
    )
    case = cases.create_case(
        seeded, investigator, title="Trang giả mạo ngân hàng", category="phishing"
    )
    seeded.commit()
    kinds = ["notify.webhook"]
    run_workers(engine, until_idle=True, kinds=kinds, settings=settings)
    seeded.expire_all()
    job = seeded.scalar(select(Job).where(Job.kind == "notify.webhook"))
    assert (
        job is not None
        and job.state == "queued"
        and job.attempts == 1
        and "503" in (job.last_error or "")
    )
    seeded.execute(update(Job).where(Job.id == job.id).values(run_after=utcnow()))
    seeded.commit()
    run_workers(engine, until_idle=True, kinds=kinds, settings=settings)
    seeded.expire_all()
    assert seeded.get(Job, job.id).state == "done"  # type: ignore[union-attr]
    [(body, headers)] = _Receiver.received
    signature = headers.get("X-CanhGiac-Signature") or headers.get("x-canhgiac-signature")
    assert signature is not None and notifications.verify_signature(hook.secret, body, signature)
    assert not notifications.verify_signature("another-secret-value", body, signature)
    payload = json.loads(body)
    assert payload["event"] == "case.created" and payload["data"]["ref"] == case.ref
    assert "contact" not in body.decode()
    seeded.execute(update(Webhook).values(active=False))
    assert notifications.emit(seeded, "case.created", {}) == 0
