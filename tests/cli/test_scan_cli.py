"""`canhgiac scan`, `check-url` and `train` on real files, well-formed and broken."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from canhgiac.cli import app

SCAM = "Tai khoan cua ban bi tam khoa, xac thuc tai vcb-xacthuc.com de mo khoa"
OK = "Mẹ ơi chiều nay con về muộn nhé"
SPAM = "Nhan khoan cat be tong gia re, LH 0977888999"

runner = CliRunner()


def _run(*args: str, stdin: str | bytes | None = None) -> tuple[int, list[dict[str, object]], str]:
    result = runner.invoke(app, list(args), input=stdin)
    records = [json.loads(line) for line in result.stdout.splitlines() if line.startswith("{")]
    return result.exit_code, records, result.stderr


def test_scan_txt_one_record_per_line_in_order(tmp_path: Path) -> None:
    path = tmp_path / "in.txt"
    path.write_text(f"{SCAM}\n{OK}\n{SPAM}\n", encoding="utf-8")
    code, records, err = _run("scan", str(path))
    assert code == 0
    assert [r["index"] for r in records] == [0, 1, 2]
    assert [r["label"] for r in records] == ["scam", "ok", "spam"]
    assert set(records[0]) == {"index", "label", "score", "categories", "indicators", "reasons"}
    assert "3" in err and "scam 1" in err


def test_scan_csv_with_default_and_custom_column(tmp_path: Path) -> None:
    path = tmp_path / "in.csv"
    path.write_text(f'id,text\n1,"{SCAM}"\n2,"{OK}"\n', encoding="utf-8")
    code, records, _ = _run("scan", str(path))
    assert code == 0 and [r["label"] for r in records] == ["scam", "ok"]
    other = tmp_path / "other.csv"
    other.write_text(f'noi_dung\n"{SCAM}"\n', encoding="utf-8")
    code, records, _ = _run("scan", str(other), "--column", "noi_dung")
    assert code == 0 and records[0]["label"] == "scam"


def test_scan_csv_sender_column_applies_advertising_law(tmp_path: Path) -> None:
    ad = "[QC] Shopee sale giảm giá 50%, freeship, mua ngay! Từ chối QC soạn TC gửi 9241"
    path = tmp_path / "in.csv"
    path.write_text(f'sender,text\nSHOPEE,"{ad}"\n0912345678,"{ad}"\n', encoding="utf-8")
    code, records, _ = _run("scan", str(path), "--sender-column", "sender")
    assert code == 0 and [r["label"] for r in records] == ["ok", "spam"]


def test_scan_jsonl_with_broken_lines(tmp_path: Path) -> None:
    path = tmp_path / "in.jsonl"
    lines = [
        json.dumps({"text": SCAM}).encode(),
        b"{not json",
        json.dumps({"body": "no text field"}).encode(),
        b'{"text": "bad \xff\xfe bytes"}',
        json.dumps({"text": "x" * 10_001}).encode(),
        json.dumps({"text": OK}, ensure_ascii=False).encode(),
    ]
    path.write_bytes(b"\n".join(lines) + b"\n")
    code, records, err = _run("scan", str(path))
    assert code == 0
    assert [r["index"] for r in records] == [0, 1, 2, 3, 4, 5]
    assert records[0]["label"] == "scam" and records[5]["label"] == "ok"
    for broken in records[1:5]:
        assert set(broken) == {"index", "error"}
    assert "error 4" in err


def test_scan_txt_bad_encoding_line_does_not_stop_the_batch(tmp_path: Path) -> None:
    path = tmp_path / "in.txt"
    path.write_bytes(SCAM.encode() + b"\n\xc3\x28 broken\n" + OK.encode() + b"\n")
    code, records, _ = _run("scan", str(path))
    assert code == 0
    assert "error" in records[1] and records[2]["label"] == "ok"


def test_scan_csv_bad_encoding_and_short_row(tmp_path: Path) -> None:
    path = tmp_path / "in.csv"
    path.write_bytes(b"id,text\n1,\xff\xfe\n2\n3," + OK.encode() + b"\n")
    code, records, _ = _run("scan", str(path))
    assert code == 0
    assert "error" in records[0] and "error" in records[1] and records[2]["label"] == "ok"


def test_scan_stdin() -> None:
    code, records, _ = _run("scan", "-", stdin=f"{SCAM}\n{OK}\n")
    assert code == 0 and [r["label"] for r in records] == ["scam", "ok"]


@pytest.mark.parametrize("fmt", ["csv", "table"])
def test_scan_other_formats(tmp_path: Path, fmt: str) -> None:
    path = tmp_path / "in.txt"
    path.write_text(f"{SCAM}\n{OK}\n", encoding="utf-8")
    result = runner.invoke(app, ["scan", str(path), "--format", fmt])
    assert result.exit_code == 0
    assert "scam" in result.stdout and "ok" in result.stdout
    if fmt == "csv":
        assert result.stdout.splitlines()[0].startswith("index,label,score")
        assert len(result.stdout.splitlines()) == 3


def test_scan_missing_file_is_one_line_and_exit_2(tmp_path: Path) -> None:
    code, records, err = _run("scan", str(tmp_path / "nope.txt"))
    assert code == 2 and not records
    assert len(err.strip().splitlines()) == 1 and "nope.txt" in err


def test_scan_csv_without_the_column_is_exit_2(tmp_path: Path) -> None:
    path = tmp_path / "in.csv"
    path.write_text("a,b\n1,2\n", encoding="utf-8")
    code, _, err = _run("scan", str(path))
    assert code == 2 and "text" in err


def test_check_url_file_and_stdin(tmp_path: Path) -> None:
    path = tmp_path / "urls.txt"
    path.write_bytes(b"vietcombank-xacthuc.com\ngoogle.com\n\xff\xfe\n")
    code, records, _ = _run("check-url", str(path))
    assert code == 0
    assert records[0]["verdict"] in ("malicious", "suspicious")
    assert records[1]["verdict"] == "benign"
    assert set(records[1]) == {
        "input",
        "domain",
        "registered_domain",
        "verdict",
        "score",
        "reasons",
    }
    assert "error" in records[2]
    code, records, _ = _run("check-url", "-", stdin="hxxp://evil-login-verify[.]top\n")
    assert code == 0 and records[0]["domain"] == "evil-login-verify.top"


def test_check_url_table_and_missing_file(tmp_path: Path) -> None:
    result = runner.invoke(app, ["check-url", "-", "--format", "table"], input="google.com\n")
    assert result.exit_code == 0 and "google.com" in result.stdout
    code, _, err = _run("check-url", str(tmp_path / "missing.txt"))
    assert code == 2 and "missing.txt" in err


def test_scan_long_input_batches_and_summarises(tmp_path: Path) -> None:
    path = tmp_path / "many.txt"
    path.write_text("\n".join([SCAM, OK, SPAM] * 400) + "\n", encoding="utf-8")
    code, records, err = _run("scan", str(path))
    assert code == 0 and len(records) == 1200
    assert [r["index"] for r in records] == list(range(1200))
    assert "scam 400" in err and "ok 400" in err and "spam 400" in err
