"""Backup → restore round trip (SQLite and PostgreSQL), then the audit chain and the schema hold."""

from __future__ import annotations

import io
import os
import shutil
import subprocess
import tarfile
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import func, select, text
from typer.testing import CliRunner

from canhgiac.cli import app
from canhgiac.db.models import Evidence, Report
from canhgiac.db.session import make_engine, session_factory
from canhgiac.ingest.evidence import EvidenceStore
from canhgiac.services import data_subject, filing
from canhgiac.settings import get_settings
from tests.conftest import IN_CI, PG_URL

runner = CliRunner()
PNG = (Path(__file__).parent / "data" / "tiny.png").read_bytes()


def _pg_tools_usable() -> str | None:
    """None when pg_dump matches the server's major version, else why not."""
    if shutil.which("pg_dump") is None or shutil.which("pg_restore") is None:
        return "pg_dump/pg_restore not installed"
    engine = make_engine(PG_URL)
    try:
        with engine.connect() as conn:
            server = int(conn.execute(text("SHOW server_version_num")).scalar() or 0) // 10000
    except Exception as exc:
        return f"PostgreSQL not reachable: {exc}"
    finally:
        engine.dispose()
    out = subprocess.run(["pg_dump", "--version"], capture_output=True, text=True, check=False)
    client = int(out.stdout.split()[-1].split(".")[0])
    return None if client >= server else f"pg_dump {client} is older than the server ({server})"


def _new_pg_database(name: str) -> str:
    admin = make_engine(PG_URL)
    with admin.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    admin.dispose()
    return admin.url.set(database=name).render_as_string(hide_password=False)


def _drop_pg_database(name: str) -> None:
    admin = make_engine(PG_URL)
    with admin.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


@pytest.fixture(params=["sqlite", "postgresql"])
def place(request: pytest.FixtureRequest, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[dict[str, str]]:  # fmt: skip
    """Two data places (source and restore target), each a data dir and a database URL."""
    names: list[str] = []
    if request.param == "postgresql":
        reason = _pg_tools_usable()
        if reason:
            # No usable pg_dump may skip (even in CI); an unreachable server fails in CI, as
            # for every other PostgreSQL test.
            if IN_CI and reason.startswith("PostgreSQL not reachable"):
                pytest.fail(reason)
            pytest.skip(reason)
        names = [f"canhgiac_bk_{os.getpid()}_a", f"canhgiac_bk_{os.getpid()}_b"]
        urls = [_new_pg_database(n) for n in names]
    else:
        urls = ["", ""]
    monkeypatch.setenv("CANHGIAC_SECRET_KEY", "")
    yield {"a_dir": str(tmp_path / "a"), "a_db": urls[0],
           "b_dir": str(tmp_path / "b"), "b_db": urls[1]}  # fmt: skip
    for name in names:
        _drop_pg_database(name)


def _use(monkeypatch: pytest.MonkeyPatch, data_dir: str, url: str) -> None:
    monkeypatch.setenv("CANHGIAC_DATA_DIR", data_dir)
    monkeypatch.setenv("CANHGIAC_DATABASE_URL", url)
    get_settings.cache_clear()


def _invoke(*args: str) -> str:
    result = runner.invoke(app, list(args))
    assert result.exit_code == 0, result.output
    return result.output


def _fill(with_contact: str) -> int:
    settings = get_settings()
    engine = make_engine(settings.resolved_database_url)
    with session_factory(engine)() as db:
        store = EvidenceStore(settings.evidence_dir)
        for i in range(3):
            filing.submit_report(
                db, category="scam", content=f"Chuyển khoản gấp {i} triệu vào STK 0123{i}",
                urls=[], phones=[], contact={"phone": with_contact} if i == 0 else None,
                commune=None, consent=True, actor="tipline", store=store,
                attachments=[("anh.png", PNG)] if i == 1 else [],
            )  # fmt: skip
        db.commit()
        count = int(db.scalar(select(func.count(Evidence.id))) or 0)
    engine.dispose()
    return count


def _counts() -> tuple[int, int]:
    engine = make_engine(get_settings().resolved_database_url)
    with session_factory(engine)() as db:
        reports = int(db.scalar(select(func.count(Report.id))) or 0)
        evidence = int(db.scalar(select(func.count(Evidence.id))) or 0)
    engine.dispose()
    return reports, evidence


def test_backup_restore_round_trip(place: dict[str, str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:  # fmt: skip
    _use(monkeypatch, place["a_dir"], place["a_db"])
    _invoke("init")
    evidence = _fill("0912 345 678")
    archive = tmp_path / "backup.tar.gz"
    assert "ok:" in _invoke("backup", "--out", str(archive))
    blobs = sorted(p.name for p in Path(place["a_dir"], "evidence").rglob("*") if p.is_file())

    _use(monkeypatch, place["b_dir"], place["b_db"])
    assert "ok: restored" in _invoke("restore", str(archive))
    assert _counts() == (3, evidence)
    restored = sorted(p.name for p in Path(place["b_dir"], "evidence").rglob("*") if p.is_file())
    assert restored == blobs and len(blobs) >= 2
    assert "chain intact" in _invoke("audit", "verify")
    _invoke("db", "check")
    # The restored platform keeps working: a new report goes on the same audit chain.
    _fill("0987 000 111")
    assert "chain intact" in _invoke("audit", "verify")

    # A second restore onto data in use is refused without --force, and allowed with it.
    again = runner.invoke(app, ["restore", str(archive)])
    assert again.exit_code == 2 and "--force" in again.output
    _invoke("restore", str(archive), "--force")
    assert _counts() == (3, evidence)


def _rewrite(archive: Path, target: Path, change: str) -> None:
    """Copy the archive with one member altered, added or removed."""
    with tarfile.open(archive, "r:gz") as src, tarfile.open(target, "w:gz") as dst:
        for member in src.getmembers():
            data = src.extractfile(member).read() if member.isfile() else b""  # type: ignore[union-attr]
            if member.name.startswith("evidence/") and change == "flip":
                data = bytes([data[0] ^ 1]) + data[1:]
                change = "done"
            elif member.name.startswith("evidence/") and change == "drop":
                change = "done"
                continue
            member.size = len(data)
            dst.addfile(member, io.BytesIO(data))
        if change == "extra":
            extra = tarfile.TarInfo("../../etc/evil")
            extra.size = 4
            dst.addfile(extra, io.BytesIO(b"evil"))


@pytest.mark.parametrize("change", ["flip", "drop", "extra", "truncate"])
def test_tampered_archive_is_refused_and_nothing_restored(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, change: str) -> None:  # fmt: skip
    _use(monkeypatch, str(tmp_path / "a"), "")
    _invoke("init")
    _fill("nguoi.bao@example.vn")
    archive = tmp_path / "backup.tar.gz"
    _invoke("backup", "--out", str(archive))
    bad = tmp_path / "bad.tar.gz"
    if change == "truncate":
        bad.write_bytes(archive.read_bytes()[: archive.stat().st_size // 2])
    else:
        _rewrite(archive, bad, change)
    _use(monkeypatch, str(tmp_path / "b"), "")
    result = runner.invoke(app, ["restore", str(bad)])
    assert result.exit_code == 2, result.output
    assert result.output.startswith("canhgiac: ")
    target = tmp_path / "b"
    assert not any(p.is_file() for p in target.rglob("*")), "a refused restore wrote files"
    assert not (tmp_path / "etc").exists()


def test_data_subject_export_delete_and_retention(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:  # fmt: skip
    _use(monkeypatch, str(tmp_path / "a"), "")
    _invoke("init")
    _fill("+84 912 345 678")
    out = tmp_path / "export.json"
    assert "ok: 1 reports" in _invoke(
        "data", "export", "--contact", "0912345678", "--out", str(out)
    )
    exported = __import__("json").loads(out.read_text(encoding="utf-8"))
    assert [r["contact"] for r in exported["reports"]] == [{"phone": "+84 912 345 678"}]
    assert "ok: contact removed from 1 reports" in _invoke(
        "data", "delete", "--contact", "0912.345.678"
    )
    engine = make_engine(get_settings().resolved_database_url)
    with session_factory(engine)() as db:
        assert data_subject.find_reports(db, "0912345678") == []
        assert db.scalar(select(func.count(Report.id))) == 3  # the reports themselves stay
        from canhgiac.db.models import AuditEntry

        entry = db.scalar(select(AuditEntry).where(AuditEntry.action == "data_subject.delete"))
        assert entry is not None and "912" not in str(entry.detail)  # the contact is not kept
    engine.dispose()
    assert "ok: 0 expired" in _invoke("data", "retention")
    bad = runner.invoke(app, ["data", "export", "--contact", "không phải", "--out", str(out)])
    assert bad.exit_code == 2 and bad.output.count("\n") == 1
    assert "chain intact" in _invoke("audit", "verify")
