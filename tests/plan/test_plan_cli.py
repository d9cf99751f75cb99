"""`canhgiac plan …` from a fresh install: the shipped plan is seeded, listed, exported, rolled over."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from canhgiac.cli import app

runner = CliRunner()


@pytest.fixture
def installed(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("CANHGIAC_DATA_DIR", str(tmp_path / "var"))
    monkeypatch.delenv("CANHGIAC_DATABASE_URL", raising=False)
    assert runner.invoke(app, ["init"]).exit_code == 0
    return tmp_path


def test_fresh_install_has_the_plan_and_tasks(installed: Path) -> None:
    listed = runner.invoke(app, ["plan", "tasks", "--unit", "CA", "--format", "jsonl"])
    assert listed.exit_code == 0, listed.output
    rows = [json.loads(line) for line in listed.stdout.splitlines()]
    assert len(rows) == 12 and {r["unit"] for r in rows} == {"CA"}
    assert rows[0]["period"] == "2023-01" and rows[0]["due_on"] == "2023-01-31"
    assert rows[0]["state"] == "overdue"  # 2023 is past and nothing was done
    assert "Công an" not in rows[0]["title"] and "thu thập, phát hiện" in rows[0]["title"]
    table = runner.invoke(app, ["plan", "tasks", "--unit", "VHTT"])
    assert table.exit_code == 0 and "VHTT-3" in table.stdout
    assert runner.invoke(app, ["init"]).exit_code == 0  # seeding again adds nothing
    again = runner.invoke(app, ["plan", "tasks", "--unit", "CA", "--format", "jsonl"])
    assert len(again.stdout.splitlines()) == 12


def test_export_next_year_import(installed: Path) -> None:
    out = installed / "kh.yaml"
    assert runner.invoke(app, ["plan", "export", "--out", str(out)]).exit_code == 0
    text = out.read_text(encoding="utf-8")
    assert "KH-BAOLAC-2023" in text and "Ủy ban nhân dân huyện Bảo Lạc" in text
    made = runner.invoke(app, ["plan", "next-year", "--from", "KH-BAOLAC-2023", "--year", "2024"])
    assert made.exit_code == 0 and "KH-BAOLAC-2024" in made.stdout
    rows = runner.invoke(app, ["plan", "tasks", "--code", "KH-BAOLAC-2024", "--unit", "TCKH",
                               "--format", "jsonl"]).stdout.splitlines()  # fmt: skip
    assert [json.loads(r)["due_on"] for r in rows] == ["2024-12-31"]
    other = installed / "khac.yaml"
    other.write_text(text.replace("KH-BAOLAC-2023", "KH-KHAC-2023"), encoding="utf-8")
    imported = runner.invoke(app, ["plan", "import", str(other)])
    assert imported.exit_code == 0 and "KH-KHAC-2023" in imported.stdout


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["plan", "import", "khong-co.yaml"], "không đọc được tệp"),
        (["plan", "import", "BAD"], "Tệp kế hoạch không hợp lệ"),
        (["plan", "import", "DUP"], "Đã có kế hoạch"),
        (["plan", "export", "--code", "KH-KHONG-CO"], "Không tìm thấy kế hoạch"),
        (["plan", "next-year", "--from", "KH-BAOLAC-2023", "--year", "1990"], "Năm không hợp lệ"),
        (["plan", "tasks", "--unit", "KHONGCO"], "Không tìm thấy đơn vị"),
        (["plan", "tasks", "--format", "xml"], "unknown format"),
    ],
)
def test_bad_input_one_line_exit_2(installed: Path, args: list[str], message: str) -> None:
    bad = installed / "bad.yaml"
    bad.write_text("code: [không đóng", encoding="utf-8")
    dup = installed / "dup.yaml"
    dup.write_text(runner.invoke(app, ["plan", "export"]).stdout, encoding="utf-8")
    args = [str(bad) if a == "BAD" else str(dup) if a == "DUP" else a for a in args]
    result = runner.invoke(app, args)
    assert result.exit_code == 2, result.output
    assert message in result.stderr and len(result.stderr.strip().splitlines()) == 1
