"""Bulk intake end to end: the import services, `canhgiac ingest sms|eml`, and the authenticated API."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session
from typer.testing import CliRunner

from canhgiac.cli import app as cli_app
from canhgiac.db.models import Evidence, Item
from canhgiac.errors import Conflict, ValidationFailed
from canhgiac.ingest.evidence import EvidenceStore
from canhgiac.services import accounts, intake

runner = CliRunner()


def _items(db: Session) -> int:
    db.expire_all()
    return int(db.scalar(select(func.count()).select_from(Item)) or 0)


def test_sms_import_counts_and_evidence(
    seeded: Session, store: EvidenceStore, fixtures: Path
) -> None:
    data = (fixtures / "viettel_complaints.csv").read_bytes()
    result = intake.import_sms_csv(
        seeded, store, data, filename="viettel.csv", source_name="Viettel"
    )
    seeded.commit()
    assert (result.imported, result.duplicates, result.errors) == (4, 1, 3)
    assert result.summary() == "imported 4, duplicates 1, errors 3"
    assert _items(seeded) == 4
    repeated = seeded.scalar(select(Item).where(Item.report_count == 2))
    assert (
        repeated is not None and repeated.sender == "0912345678" and repeated.channel == "sms_csv"
    )
    rows = seeded.scalars(select(Evidence).where(Evidence.kind == "import_row")).all()
    assert len(rows) == 4 and {r.blob_sha256 for r in rows} == {store.put(data)}
    with pytest.raises(Conflict):  # the same file twice would count every message twice
        intake.import_sms_csv(seeded, store, data, filename="lai.csv", source_name="Viettel")


def test_sms_import_of_a_broken_file_stores_nothing(
    seeded: Session, store: EvidenceStore, fixtures: Path
) -> None:
    with pytest.raises(ValidationFailed):
        intake.import_sms_csv(seeded, store, (fixtures / "binary.csv").read_bytes(),
                              filename="x.csv", source_name="Viettel")  # fmt: skip
    seeded.rollback()
    assert _items(seeded) == 0
    assert seeded.scalar(select(func.count()).select_from(Evidence)) == 0


def test_eml_import(seeded: Session, store: EvidenceStore, fixtures: Path) -> None:
    files = [(p.name, p.read_bytes()) for p in sorted((fixtures / "eml").glob("*.eml"))]
    result = intake.import_eml_files(seeded, store, files, actor="cli")
    seeded.commit()
    assert (result.imported, result.duplicates, result.errors) == (2, 0, 3)
    assert sorted(r.raw for r in result.rejected) == [
        "broken_mime.eml",
        "empty_body.eml",
        "not_an_email.eml",
    ]
    item = seeded.scalar(select(Item).where(Item.title == "Fwd: Thông báo khóa tài khoản"))
    assert item is not None and item.channel == "eml"
    assert "Forwarded message" in item.content and "vcb-secure-login.top" in item.content
    kinds = sorted(
        e.kind for e in seeded.scalars(select(Evidence).where(Evidence.item_id == item.id))
    )
    assert kinds == ["attachment", "attachment", "email"]
    picture = seeded.scalar(select(Evidence).where(Evidence.name == "anh-chup.png"))
    assert picture is not None and picture.blob.media_type == "image/png"


@pytest.fixture
def cli_env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    data = tmp_path / "var"
    monkeypatch.setenv("CANHGIAC_DATA_DIR", str(data))
    monkeypatch.delenv("CANHGIAC_DATABASE_URL", raising=False)
    assert runner.invoke(cli_app, ["init"]).exit_code == 0
    return tmp_path


def test_cli_sms(cli_env: Path, fixtures: Path) -> None:
    target = cli_env / "viettel.csv"
    shutil.copy(fixtures / "viettel_complaints.csv", target)
    result = runner.invoke(cli_app, ["ingest", "sms", str(target), "--source", "Viettel"])
    assert result.exit_code == 0, result.output
    assert "imported 4, duplicates 1, errors 3" in result.stdout
    rejected = cli_env / "viettel.csv.rejected.csv"
    assert str(rejected) in result.stdout
    lines = rejected.read_text(encoding="utf-8").splitlines()
    assert lines[0] == "dong,ly_do,du_lieu_goc" and len(lines) == 4
    again = runner.invoke(cli_app, ["ingest", "sms", str(target), "--source", "Viettel"])
    assert again.exit_code == 2 and "đã được nhập" in again.stderr


@pytest.mark.parametrize(
    "args",
    [
        ["ingest", "sms", "/nonexistent.csv", "--source", "X"],
        ["ingest", "sms", "{binary}", "--source", "X"],
        ["ingest", "sms", "{good}", "--source", "X", "--column", "khong_co"],
        ["ingest", "eml", "/nonexistent"],
        ["ingest", "eml", "{broken_eml}"],
    ],
)
def test_cli_bad_input_is_one_line_and_exit_2(
    cli_env: Path, fixtures: Path, args: list[str]
) -> None:
    paths = {"binary": fixtures / "binary.csv", "good": fixtures / "viettel_complaints.csv",
             "broken_eml": cli_env / "broken.eml"}  # fmt: skip
    shutil.copy(fixtures / "eml" / "broken_mime.eml", cli_env / "broken.eml")
    args = [a.format(**paths) for a in args]
    result = runner.invoke(cli_app, args)
    if args[1] == "eml" and "broken" in args[2]:
        # One file that is refused: counted as an error and written to the rejected file.
        assert result.exit_code == 0 and "imported 0, duplicates 0, errors 1" in result.stdout
        assert (cli_env / "broken.eml.rejected.csv").exists()
        return
    assert result.exit_code == 2
    assert len(result.stderr.strip().splitlines()) == 1


def test_cli_eml_folder(cli_env: Path, fixtures: Path) -> None:
    folder = cli_env / "thu"
    shutil.copytree(fixtures / "eml", folder)
    result = runner.invoke(cli_app, ["ingest", "eml", str(folder)])
    assert result.exit_code == 0, result.output
    assert "imported 2, duplicates 0, errors 3" in result.stdout
    assert (cli_env / "thu.rejected.csv").exists()


def test_api_sms_and_eml(client: TestClient, make_user, seeded: Session, fixtures: Path) -> None:  # type: ignore[no-untyped-def]
    officer = make_user("unit_officer", "X-COBA")
    viewer = make_user("viewer")
    secret, _ = accounts.create_token(seeded, None, officer)
    weak, _ = accounts.create_token(seeded, None, viewer)
    seeded.commit()
    csv_file = ("viettel.csv", (fixtures / "viettel_complaints.csv").read_bytes(), "text/csv")
    refused = client.post("/api/v1/intake/sms", files={"file": csv_file},
                          data={"source": "Viettel"}, headers={"Authorization": f"Bearer {weak}"})  # fmt: skip
    assert refused.status_code == 403
    assert client.post("/api/v1/intake/sms", files={"file": csv_file},
                       data={"source": "Viettel"}).status_code == 401  # fmt: skip
    auth = {"Authorization": f"Bearer {secret}"}
    response = client.post("/api/v1/intake/sms", files={"file": csv_file},
                           data={"source": "Viettel"}, headers=auth)  # fmt: skip
    assert response.status_code == 201, response.text
    body = response.json()
    assert body["summary"] == "imported 4, duplicates 1, errors 3"
    assert [r["line"] for r in body["rejected"]] == [6, 7, 8]
    broken = client.post("/api/v1/intake/sms", headers=auth, data={"source": "X"},
                         files={"file": ("a.csv", (fixtures / "binary.csv").read_bytes(), "text/csv")})  # fmt: skip
    assert broken.status_code == 422
    assert broken.headers["content-type"].startswith("application/problem+json")
    emails = [("files", (p.name, p.read_bytes(), "message/rfc822"))
              for p in sorted((fixtures / "eml").glob("*.eml"))]  # fmt: skip
    response = client.post("/api/v1/intake/eml", files=emails, headers=auth)
    assert response.status_code == 201 and response.json()["imported"] == 2
    assert response.json()["errors"] == 3
    assert _items(seeded) == 6
