"""Deadline reminders and escalation (idempotent), retention of reporter contacts, the CLI."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session
from typer.testing import CliRunner

from canhgiac.db.models import AuditEntry, Case, CaseEvent, Notification, Report
from canhgiac.services import cases, personal_data, routing
from canhgiac.settings import Settings
from canhgiac.worker.jobs.cases import check_deadlines, reminder_due_at
from tests.cases.factories import make_item

T0 = datetime(2026, 5, 1, 1, 0, tzinfo=UTC)


@pytest.fixture
def routed(seeded: Session) -> Session:
    routing.seed_defaults(seeded)
    seeded.commit()
    return seeded


def test_reminder_then_escalation_once_each(routed: Session, make_user) -> None:  # type: ignore[no-untyped-def]
    coordinator = make_user("coordinator", "VHTT")
    investigator = make_user("investigator", "CA")
    case = cases.create_case(routed, investigator, title="Lừa đảo đầu tư tiền ảo", category="scam",
                             severity="high", now=T0)  # fmt: skip
    assert case.deadline_at == T0 + timedelta(hours=48)
    assert reminder_due_at(case) == T0 + timedelta(hours=24)
    assert check_deadlines(routed, now=T0 + timedelta(hours=23)).reminded == []
    assert check_deadlines(routed, now=T0 + timedelta(hours=25)).reminded == [case.ref]
    assert check_deadlines(routed, now=T0 + timedelta(hours=26)).reminded == []
    run = check_deadlines(routed, now=T0 + timedelta(hours=49))
    assert run.escalated == [case.ref]
    assert check_deadlines(routed, now=T0 + timedelta(hours=50)).escalated == []
    kinds = [e.kind for e in cases.timeline(routed, case)]
    assert kinds.count("reminder") == 1 and kinds.count("escalated") == 1
    note = routed.scalar(select(Notification).where(Notification.user_id == coordinator.id,
                                                    Notification.kind == "case.escalated"))  # fmt: skip
    assert note is not None and case.ref in note.message
    # A new deadline starts the watch over; closed cases are left alone.
    cases.set_deadline(
        routed, investigator, case, T0 + timedelta(hours=100), reason="chờ ngân hàng trả lời"
    )
    assert check_deadlines(routed, now=T0 + timedelta(hours=101)).escalated == [case.ref]
    cases.transition(routed, investigator, case, "rejected", reason="ngoài thẩm quyền")
    case.escalated_at = None
    assert check_deadlines(routed, now=T0 + timedelta(hours=200)).escalated == []


def test_contacts_are_deleted_after_retention(routed: Session, make_user) -> None:  # type: ignore[no-untyped-def]
    expired = make_item(routed, "tin A", reports=("scam",), contact={"phone": "0911111111"})
    kept = make_item(routed, "tin B", reports=("scam",), contact={"phone": "0922222222"})
    old = make_item(routed, "tin C", reports=("scam",), contact={"phone": "0933333333"})
    reports = {r.item_id: r for r in routed.scalars(select(Report))}
    reports[expired.id].contact_expires_at = T0 - timedelta(days=1)
    reports[kept.id].contact_expires_at = T0 + timedelta(days=1)
    reports[old.id].created_at = T0 - timedelta(days=400)
    routed.flush()
    assert personal_data.purge_expired_contacts(routed, now=T0, retention_days=365) == 2
    routed.expire_all()
    contacts = {r.item_id: r.contact for r in routed.scalars(select(Report))}
    assert contacts == {expired.id: None, kept.id: {"phone": "0922222222"}, old.id: None}
    assert personal_data.purge_expired_contacts(routed, now=T0, retention_days=365) == 0
    entry = routed.scalar(select(AuditEntry).where(AuditEntry.action == "contact.purge"))
    assert entry is not None and "0911111111" not in json.dumps(entry.detail)


def test_retention_job_runs_from_the_queue(
    engine: Engine, routed: Session, settings: Settings
) -> None:
    from canhgiac.worker.registry import load_job_modules
    from canhgiac.worker.runner import run_workers

    load_job_modules()
    item = make_item(routed, "tin D", reports=("scam",), contact={"phone": "0944444444"})
    report = routed.scalar(select(Report).where(Report.item_id == item.id))
    assert report is not None
    report.contact_expires_at = datetime.now(UTC) - timedelta(minutes=1)
    from canhgiac.worker.queue import enqueue

    enqueue(routed, "retention.contacts", {})
    routed.commit()
    run_workers(engine, until_idle=True, kinds=["retention.contacts"], settings=settings)
    routed.expire_all()
    assert routed.get(Report, report.id).contact is None  # type: ignore[union-attr]


@pytest.mark.parametrize(("role", "unit", "allowed"), [
    ("investigator", "CA", True), ("investigator", "YT", False), ("unit_officer", "CA", False),
    ("viewer", "CA", False), ("coordinator", "VHTT", True),
])  # fmt: skip
def test_contact_visibility(
    routed: Session, make_user, role: str, unit: str, allowed: bool
) -> None:  # type: ignore[no-untyped-def]
    from canhgiac.errors import PermissionDenied
    from canhgiac.services import triage

    item = make_item(routed, "tin E", reports=("scam",), contact={"phone": "0955555555"})
    assert triage.triage_item(routed, item) is not None
    report = routed.scalar(select(Report).where(Report.item_id == item.id))
    assert report is not None
    user = make_user(role, unit)
    if allowed:
        assert personal_data.view_contact(routed, user, report.id) == {"phone": "0955555555"}
    else:
        with pytest.raises(PermissionDenied):
            personal_data.view_contact(routed, user, report.id)
    action = "contact.view" if allowed else "contact.view_denied"
    assert routed.scalar(select(func.count(AuditEntry.id)).where(AuditEntry.action == action)) == 1


def test_cli_lists_and_checks_deadlines(
    routed: Session, make_user, settings: Settings, monkeypatch
) -> None:  # type: ignore[no-untyped-def]
    from canhgiac.cli import app

    monkeypatch.setenv("CANHGIAC_DATA_DIR", str(settings.data_dir))
    monkeypatch.setenv("CANHGIAC_DATABASE_URL", settings.database_url)
    investigator = make_user("investigator", "CA")
    late = cases.create_case(
        routed, investigator, title="Lừa đảo qua Zalo", category="scam", now=T0
    )
    cases.create_case(routed, investigator, title="Tin rác", category="spam")
    routed.commit()
    runner = CliRunner()
    listed = runner.invoke(app, ["cases", "list", "--format", "jsonl", "--unit", "CA", "--overdue"])
    assert listed.exit_code == 0, listed.output
    rows = [json.loads(line) for line in listed.stdout.splitlines()]
    assert [r["ref"] for r in rows] == [late.ref] and rows[0]["overdue"] is True
    found = runner.invoke(app, ["cases", "list", "--format", "jsonl", "--q", "lua dao zalo"])
    assert [json.loads(x)["ref"] for x in found.stdout.splitlines()] == [late.ref]
    bad = runner.invoke(app, ["cases", "list", "--state", "flying"])
    assert bad.exit_code == 2 and "flying" in bad.stderr
    checked = runner.invoke(app, ["cases", "check-deadlines"])
    assert checked.exit_code == 0 and "escalated 1" in checked.stdout
    routed.expire_all()
    assert routed.scalar(select(Case.escalated_at).where(Case.id == late.id)) is not None
    assert routed.scalar(select(func.count(CaseEvent.id)).where(CaseEvent.kind == "escalated")) == 1
