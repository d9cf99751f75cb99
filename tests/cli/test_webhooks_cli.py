"""`canhgiac webhook add|list|remove`: validated, audited, disabled rather than deleted."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session
from typer.testing import CliRunner

from canhgiac.cli import app
from canhgiac.db.models import AuditEntry, User, Webhook
from canhgiac.errors import PermissionDenied, ValidationFailed
from canhgiac.services import audit, notifications
from canhgiac.settings import Settings

runner = CliRunner()
SECRET = "bi-mat-webhook-0123456789"


@pytest.fixture
def cli_db(settings: Settings, monkeypatch: pytest.MonkeyPatch, seeded: Session) -> Session:
    """The CLI pointed at the test database."""
    monkeypatch.setenv("CANHGIAC_DATABASE_URL", settings.database_url)
    monkeypatch.setenv("CANHGIAC_DATA_DIR", str(settings.data_dir))
    return seeded


def _listed(*args: str) -> list[dict[str, object]]:
    result = runner.invoke(app, ["webhook", "list", "--format", "jsonl", *args])
    assert result.exit_code == 0, result.output
    return [json.loads(line) for line in result.stdout.splitlines()]


def _audit(db: Session) -> list[tuple[str, str, str]]:
    db.expire_all()
    rows = db.execute(
        select(AuditEntry.action, AuditEntry.actor_label, AuditEntry.object_id)
        .where(AuditEntry.object_type == "webhook")
        .order_by(AuditEntry.seq)
    )
    return [tuple(row) for row in rows]


def test_add_list_remove(cli_db: Session) -> None:
    added = runner.invoke(
        app,
        ["webhook", "add", "--url", " https://soc.example.vn/hook ", "--events",
         "case.created, case.overdue,case.created", "--secret-stdin"],
        input=SECRET + "\n",
    )  # fmt: skip
    assert added.exit_code == 0, added.output
    assert (
        added.stdout
        == "added webhook #1 https://soc.example.vn/hook events case.created,case.overdue\n"
    )
    generated = runner.invoke(
        app, ["webhook", "add", "--url", "http://127.0.0.1:8080/x", "--events", "*"]
    )
    assert generated.exit_code == 0, generated.output
    printed = generated.stdout.splitlines()[-1].rpartition(": ")[2]
    assert len(printed) >= 32 and cli_db.get(Webhook, 2).secret == printed  # type: ignore[union-attr]

    listed = _listed()
    assert [(h["id"], h["url"], h["events"], h["active"]) for h in listed] == [
        (1, "https://soc.example.vn/hook", "case.created,case.overdue", True),
        (2, "http://127.0.0.1:8080/x", "*", True),
    ]
    table = runner.invoke(app, ["webhook", "list"])
    assert table.exit_code == 0 and "url" in table.stdout and "events" in table.stdout
    assert SECRET not in table.stdout + json.dumps(listed) and printed not in table.stdout
    # The subscription filters what is queued.
    assert notifications.emit(cli_db, "case.overdue", {"ref": "VV-1"}) == 2
    assert notifications.emit(cli_db, "case.resolved", {"ref": "VV-1"}) == 1
    cli_db.rollback()

    removed = runner.invoke(app, ["webhook", "remove", "1"])
    assert removed.exit_code == 0 and removed.stdout == "disabled webhook #1\n"
    again = runner.invoke(app, ["webhook", "remove", "1"])
    assert again.exit_code == 0 and "already disabled" in again.stdout
    assert [h["active"] for h in _listed()] == [False, True]  # kept, with its history
    assert [h["id"] for h in _listed("--active")] == [2]
    cli_db.expire_all()
    assert notifications.emit(cli_db, "case.overdue", {"ref": "VV-1"}) == 1
    cli_db.rollback()

    assert _audit(cli_db) == [
        ("webhook.create", "cli", "1"),
        ("webhook.create", "cli", "2"),
        ("webhook.disable", "cli", "1"),
    ]
    assert audit.verify(cli_db)[1] is None


@pytest.mark.parametrize(
    ("args", "stdin"),
    [
        (["add", "--url", "ftp://soc.example.vn/hook", "--events", "*"], None),
        (["add", "--url", "javascript:alert(1)", "--events", "*"], None),
        (["add", "--url", "https://", "--events", "*"], None),
        (["add", "--url", "https://soc.example.vn/a b", "--events", "*"], None),
        (["add", "--url", "soc.example.vn/hook", "--events", "*"], None),
        (["add", "--url", "https://soc.example.vn/", "--events", "case.deleted"], None),
        (["add", "--url", "https://soc.example.vn/", "--events", "case.created,"], None),
        (["add", "--url", "https://soc.example.vn/", "--events", "*", "--secret-stdin"], "short\n"),
        (["add", "--url", "https://soc.example.vn/", "--events", "*", "--secret-stdin"], ""),
        (["remove", "99"], None),
        (["list", "--format", "xml"], None),
    ],
)
def test_bad_input_exits_2_with_one_line(
    cli_db: Session, args: list[str], stdin: str | None
) -> None:
    result = runner.invoke(app, ["webhook", *args], input=stdin)
    assert result.exit_code == 2, result.output
    assert result.stdout == ""
    lines = result.stderr.splitlines()
    assert len(lines) == 1 and lines[0].startswith("canhgiac: "), result.stderr
    cli_db.expire_all()
    assert cli_db.scalar(select(Webhook.id)) is None
    assert _audit(cli_db) == []


def test_service_checks_permission_url_and_events(seeded: Session, make_user) -> None:  # type: ignore[no-untyped-def]
    admin: User = make_user("administrator", "VHTT")
    investigator: User = make_user("investigator", "CA")
    with pytest.raises(PermissionDenied):
        notifications.list_webhooks(seeded, investigator)
    hook = notifications.create_webhook(
        seeded, admin, url="https://soc.example.vn/hook", secret=SECRET, events="case.*,*"
    )
    assert hook.events == "case.*,*"
    with pytest.raises(PermissionDenied):
        notifications.disable_webhook(seeded, investigator, hook.id)
    with pytest.raises(PermissionDenied):
        notifications.disable_webhook(seeded, None, hook.id)  # type: ignore[arg-type]
    with pytest.raises(ValidationFailed):
        notifications.create_webhook(
            seeded, admin, url="https://x.vn/" + "a" * 2000, secret=SECRET, events="*"
        )
    assert notifications.disable_webhook(seeded, admin, hook.id) == (hook, True)
    assert [h.active for h in notifications.list_webhooks(seeded, admin)] == [False]
    assert notifications.list_webhooks(seeded, admin, include_inactive=False) == []
    assert set(notifications.WEBHOOK_EVENTS) >= {"case.created", "case.resolved", "case.overdue"}
