"""CLI contract (export, import indicators, claims, recipients) and the actions jobs."""

from __future__ import annotations

import json
import subprocess
from datetime import timedelta
from pathlib import Path

import pytest
import stix2
from sqlalchemy import select
from sqlalchemy.orm import Session
from typer.testing import CliRunner

from canhgiac.cli import app
from canhgiac.db.base import utcnow
from canhgiac.db.models import Case, IndicatorEntry, Notification
from canhgiac.services import claims_kb, indicators, takedown
from canhgiac.settings import Settings
from canhgiac.worker.jobs import actions as jobs

runner = CliRunner()


@pytest.fixture
def cli_env(settings: Settings, monkeypatch: pytest.MonkeyPatch, actions_db: Session) -> Session:
    """The CLI pointed at the test database."""
    monkeypatch.setenv("CANHGIAC_DATABASE_URL", settings.database_url)
    monkeypatch.setenv("CANHGIAC_DATA_DIR", str(settings.data_dir))
    claims_kb.seed_claims(actions_db)
    actions_db.commit()
    return actions_db


def test_import_then_export_validates_with_real_tools(cli_env: Session, tmp_path: Path) -> None:
    source = tmp_path / "feed.txt"
    source.write_text("evil-bank.example\nhttps://phish.example.net/login\n0912345678\n???\n")
    result = runner.invoke(
        app, ["import", "indicators", str(source), "--format", "txt", "--source", "Đối tác"]
    )
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout) == {"imported": 3, "duplicates": 0, "errors": 1}
    zone = tmp_path / "block.rpz"
    assert runner.invoke(app, ["export", "rpz", "--out", str(zone)]).exit_code == 0
    checked = subprocess.run(
        ["named-checkzone", "rpz.canhgiac.local", str(zone)], capture_output=True, text=True
    )
    assert checked.returncode == 0 and "evil-bank.example CNAME ." in zone.read_text()
    bundle_path = tmp_path / "bundle.json"
    assert runner.invoke(app, ["export", "stix", "--out", str(bundle_path)]).exit_code == 0
    bundle = stix2.parse(bundle_path.read_text(), allow_custom=True)
    assert sum(o.type == "indicator" for o in bundle.objects) == 3
    phones = runner.invoke(app, ["export", "phones", "--out", "-", "--min-confidence", "0.4"])
    assert "912345678" in phones.stdout
    since = runner.invoke(app, ["export", "hosts", "--out", "-", "--since", "2999-01-01"])
    assert since.exit_code == 0 and "evil-bank" not in since.stdout


@pytest.mark.parametrize(
    "args",
    [
        ["export", "pdf", "--out", "x"],
        ["export", "rpz", "--out", "-", "--since", "hôm qua"],
        ["export", "rpz", "--out", "-", "--min-confidence", "3"],
        ["import", "indicators", "/nonexistent/file.txt", "--format", "txt", "--source", "x"],
        ["import", "indicators", "-", "--format", "misp", "--source", "x"],
        ["claims", "match", "/nonexistent/input.txt"],
    ],
)
def test_bad_input_exits_2_with_one_line(cli_env: Session, args: list[str]) -> None:
    result = runner.invoke(app, args, input="{not json")
    assert result.exit_code == 2, result.output
    assert cli_env.scalar(select(IndicatorEntry.id)) is None


def test_claims_match_prints_one_record_per_line(cli_env: Session, tmp_path: Path) -> None:
    claim = claims_kb.list_claims(cli_env)[0]
    lines = [claim.paraphrases[-1], "Chiều nay họp tổ dân phố", ""]
    path = tmp_path / "in.txt"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    result = runner.invoke(app, ["claims", "match", str(path)])
    assert result.exit_code == 0, result.output
    rows = [json.loads(line) for line in result.stdout.splitlines()]
    assert [r["index"] for r in rows] == [0, 1, 2]
    assert rows[0]["claim_id"] == claim.code and rows[0]["similarity"] >= 0.5
    assert rows[1] == {"index": 1, "claim_id": None, "similarity": None}
    piped = runner.invoke(app, ["claims", "match", "-"], input=claim.text + "\n")
    assert json.loads(piped.stdout)["claim_id"] == claim.code


def test_list_commands(cli_env: Session) -> None:
    recipients = runner.invoke(app, ["recipients", "list", "--format", "jsonl"])
    codes = {json.loads(line)["code"] for line in recipients.stdout.splitlines()}
    assert {"VIETTEL", "ISP-FPT", "VNNIC", "META"} <= codes
    claims = runner.invoke(app, ["claims", "list", "--format", "jsonl"])
    assert any(
        json.loads(line)["code"] == "health-lemon-cancer" for line in claims.stdout.splitlines()
    )


def test_jobs_remind_then_expire_requests_and_expire_indicators(
    actions_db: Session, make_user, phishing_case: Case
) -> None:  # type: ignore[no-untyped-def]
    coordinator = make_user("coordinator", "VHTT")
    request = takedown.create_request(
        actions_db, coordinator, case=phishing_case, recipient="ISP-FPT",
        action="block_domain", indicators=[("domain", "nearly-due.example")],
    )  # fmt: skip
    takedown.approve(actions_db, coordinator, request)
    # Sent two days minus an hour ago to an ISP answering in two days: due within the hour.
    takedown.send(actions_db, coordinator, request, now=utcnow() - timedelta(days=2, hours=-1))
    indicators.add_indicator(
        actions_db, None, kind="domain", value="short-lived.example",
        expires_at=utcnow() - timedelta(minutes=1),
    )  # fmt: skip
    actions_db.commit()
    jobs.requests_tick(actions_db, {})
    jobs.requests_tick(actions_db, {})  # idempotent: one reminder only
    assert request.state == "sent" and request.reminded_at is not None
    notes = actions_db.scalars(select(Notification).where(Notification.kind == "request_due")).all()
    assert len(notes) == 1 and notes[0].user_id == coordinator.id
    assert takedown.expire_overdue(actions_db, now=utcnow() + timedelta(hours=2)) == [request]
    jobs.indicators_expire(actions_db, {})
    entry = actions_db.scalar(
        select(IndicatorEntry).where(IndicatorEntry.value == "short-lived.example")
    )
    assert entry is not None and entry.status == "expired"


def test_sweep_links_newly_scanned_items_once(actions_db: Session, make_user) -> None:  # type: ignore[no-untyped-def]
    from canhgiac.db.models import AuditEntry, Item
    from canhgiac.services import warnings

    claims_kb.seed_claims(actions_db)
    claim = claims_kb.get_claim(actions_db, "health-lemon-cancer")
    coordinator = make_user("coordinator", "VHTT")
    warning = warnings.create_warning(
        actions_db, coordinator, kind="fact_check", claim=claim, title="Đính chính chanh nóng",
        body="Không có bằng chứng khoa học.",
    )  # fmt: skip
    warnings.submit_for_review(actions_db, coordinator, warning)
    warnings.publish(actions_db, coordinator, warning)
    text = "Nóng: chanh nóng mỗi sáng tiêu diệt tế bào ung thư gấp 10.000 lần hóa trị, chia sẻ ngay"
    item = Item(
        channel="tipline", content=text, content_sha256="a" * 64, scan_state="done",
        scanned_at=utcnow(), verdict={"label": "ok", "reasons": []},
    )  # fmt: skip
    actions_db.add(item)
    actions_db.commit()
    jobs.match_recent_items(actions_db, {})
    jobs.match_recent_items(actions_db, {})
    actions_db.commit()
    assert item.verdict is not None
    assert item.verdict["claim_match"]["warning"] == warning.slug
    assert item.verdict["claim_match"]["label"] == "đã có cảnh báo"
    matches = actions_db.scalars(select(AuditEntry).where(AuditEntry.action == "claim.match"))
    assert len(matches.all()) == 1
