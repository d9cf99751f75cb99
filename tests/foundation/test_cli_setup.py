"""The set-up command line contract: init, units list, user/token creation, db check, audit verify."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import pytest
from typer.testing import CliRunner

from canhgiac.cli import app

runner = CliRunner()


@pytest.fixture
def data_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("CANHGIAC_DATA_DIR", str(tmp_path / "var"))
    monkeypatch.delenv("CANHGIAC_DATABASE_URL", raising=False)
    return tmp_path / "var"


def test_init_is_idempotent_and_prints_admin_once(data_dir: Path) -> None:
    first = runner.invoke(app, ["init"])
    assert first.exit_code == 0, first.output
    assert "admin@canhgiac.local" in first.output and "mật khẩu" in first.output
    second = runner.invoke(app, ["init"])
    assert second.exit_code == 0 and "mật khẩu" not in second.output
    assert (data_dir / "canhgiac.sqlite3").exists() and (data_dir / "secret_key").exists()
    assert runner.invoke(app, ["db", "check"]).exit_code == 0
    assert runner.invoke(app, ["audit", "verify"]).exit_code == 0


def test_units_list_jsonl(data_dir: Path) -> None:
    runner.invoke(app, ["init"])
    result = runner.invoke(app, ["units", "list", "--format", "jsonl"])
    rows = [json.loads(line) for line in result.stdout.splitlines()]
    assert {"code": "CA", "name": "Công an huyện", "kind": "police"} in rows
    assert {"code": "VHTT", "name": "Phòng Văn hóa và Thông tin", "kind": "office"} in rows
    assert sum(r["kind"] == "commune" for r in rows) >= 10
    assert set(rows[0]) == {"code", "name", "kind"}


def test_user_and_token_creation(data_dir: Path) -> None:
    runner.invoke(app, ["init"])
    made = runner.invoke(
        app,
        ["user", "create", "--email", "dtv@ca.vn", "--name", "Điều tra viên", "--unit", "CA",
         "--role", "investigator", "--password-stdin"],
        input="mot-mat-khau-du-dai\n",
    )  # fmt: skip
    assert made.exit_code == 0, made.output
    token = runner.invoke(app, ["token", "create", "--user", "dtv@ca.vn", "--expires-days", "7"])
    assert token.exit_code == 0 and token.stdout.strip().startswith("cg_")


@pytest.mark.parametrize(
    "args",
    [
        [
            "user",
            "create",
            "--email",
            "x@y.vn",
            "--name",
            "X",
            "--unit",
            "NOPE",
            "--role",
            "viewer",
            "--password-stdin",
        ],
        [
            "user",
            "create",
            "--email",
            "bad",
            "--name",
            "X",
            "--unit",
            "CA",
            "--role",
            "viewer",
            "--password-stdin",
        ],
        [
            "user",
            "create",
            "--email",
            "x@y.vn",
            "--name",
            "X",
            "--unit",
            "CA",
            "--role",
            "god",
            "--password-stdin",
        ],
        ["token", "create", "--user", "nobody@y.vn"],
        ["units", "list", "--format", "xml"],
    ],
)
def test_bad_input_is_one_line_and_exit_2(data_dir: Path, args: list[str]) -> None:
    runner.invoke(app, ["init"])
    before = _audit_count(data_dir)
    result = runner.invoke(app, args, input="mot-mat-khau-du-dai\n")
    assert result.exit_code == 2
    assert len(result.stderr.strip().splitlines()) == 1 and result.stderr.startswith("canhgiac: ")
    assert _audit_count(data_dir) == before


def test_audit_verify_names_tampered_entry(data_dir: Path) -> None:
    runner.invoke(app, ["init"])
    with sqlite3.connect(data_dir / "canhgiac.sqlite3") as conn:
        conn.execute("UPDATE audit_entries SET object_id = 'x' WHERE seq = 3")
    result = runner.invoke(app, ["audit", "verify"])
    assert result.exit_code == 1 and "seq=3" in result.stderr


def _audit_count(data_dir: Path) -> int:
    with sqlite3.connect(data_dir / "canhgiac.sqlite3") as conn:
        return int(conn.execute("SELECT count(*) FROM audit_entries").fetchone()[0])
