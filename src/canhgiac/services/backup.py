"""Backups: the database (consistent online copy), the evidence store and a manifest of hashes.

One tar.gz holds `manifest.json` (format, time, database kind, schema revision, SHA-256 and size
of every other file), `db/canhgiac.sqlite3` (SQLite online backup API) or `db/canhgiac.pgdump`
(pg_dump custom format), `evidence/...` (the content-addressed blobs) and `secret_key` when the
data directory holds one. The database is copied first: blobs are written before the transaction
that refers to them commits and never change, so every blob the copy refers to is in the store.
Restore checks every hash before it touches anything and refuses a non-empty data directory
unless forced.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import sqlite3
import subprocess
import tarfile
import tempfile
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import Any

from sqlalchemy import inspect, text
from sqlalchemy.engine import make_url

from canhgiac import __version__
from canhgiac.db.base import utcnow
from canhgiac.db.session import engine_for, make_engine
from canhgiac.errors import Conflict, ValidationFailed
from canhgiac.i18n import N_
from canhgiac.settings import Settings

FORMAT = 1
MANIFEST = "manifest.json"
SQLITE_NAME = "db/canhgiac.sqlite3"
PGDUMP_NAME = "db/canhgiac.pgdump"
CHUNK = 1 << 20


@dataclass
class Manifest:
    """What a backup holds: every file with its SHA-256 and size."""

    database: str  # "sqlite" | "postgresql"
    revision: str | None
    created_at: str
    version: str = __version__
    format: int = FORMAT
    files: dict[str, dict[str, Any]] = field(default_factory=dict)

    def to_json(self) -> bytes:
        return json.dumps(self.__dict__, ensure_ascii=False, sort_keys=True, indent=1).encode()

    @classmethod
    def from_json(cls, data: bytes) -> Manifest:
        raw = json.loads(data)
        if not isinstance(raw, dict) or raw.get("format") != FORMAT:
            raise ValidationFailed(N_("Tệp sao lưu không đúng định dạng (manifest)."))
        return cls(**{k: raw[k] for k in
                      ("database", "revision", "created_at", "version", "format", "files")})  # fmt: skip

    @property
    def evidence_count(self) -> int:
        return sum(name.startswith("evidence/") for name in self.files)


def file_sha256(path: Path) -> str:
    """SHA-256 of a file, read in chunks."""
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        while chunk := fh.read(CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


def _is_postgres(url: str) -> bool:
    return url.startswith("postgresql")


def _libpq(url: str) -> tuple[str, dict[str, str]]:
    """A URL pg_dump/pg_restore understand, and their environment: the password goes in
    PGPASSWORD, not on the command line where any local user could read it."""
    parsed = make_url(url)
    env = dict(os.environ)
    if parsed.password:
        env["PGPASSWORD"] = str(parsed.password)
    plain = parsed.set(drivername="postgresql", password=None)
    return plain.render_as_string(hide_password=False), env


def _revision(url: str) -> str | None:
    engine = make_engine(url)
    try:
        with engine.connect() as conn:
            if not inspect(conn).has_table("alembic_version"):
                return None
            return conn.execute(text("SELECT version_num FROM alembic_version")).scalar()
    finally:
        engine.dispose()


def _dump_database(settings: Settings, staging: Path) -> tuple[str, str]:
    """Copy the database into staging; (kind, archive name)."""
    url = settings.resolved_database_url
    (staging / "db").mkdir()
    if _is_postgres(url):
        target = staging / PGDUMP_NAME
        dbname, env = _libpq(url)
        # A fixed argument list, no shell; pg_dump comes from PATH like psql does for operators.
        done = subprocess.run(  # noqa: S603
            ["pg_dump", "--format=custom", "--no-owner", "--no-privileges",  # noqa: S607
             "--file", str(target), "--dbname", dbname],
            capture_output=True, text=True, timeout=3600, check=False, env=env,
        )  # fmt: skip
        if done.returncode != 0:
            raise ValidationFailed(f"pg_dump thất bại: {done.stderr.strip()[-500:]}")
        return "postgresql", PGDUMP_NAME
    source_path = make_url(url).database
    if not source_path or not Path(source_path).exists():
        raise ValidationFailed(f"Không tìm thấy CSDL SQLite: {source_path}")
    # The online backup API copies a consistent snapshot while writers keep working (WAL).
    source = sqlite3.connect(source_path, timeout=30)
    target_db = sqlite3.connect(staging / SQLITE_NAME)
    try:
        with target_db:
            source.backup(target_db)
    finally:
        target_db.close()
        source.close()
    return "sqlite", SQLITE_NAME


def create_backup(settings: Settings, out: Path) -> Manifest:
    """Write a backup of the database, the evidence store and the secret key to `out` (tar.gz)."""
    out = Path(out)
    url = settings.resolved_database_url
    with tempfile.TemporaryDirectory(prefix="canhgiac-backup-") as tmp:
        staging = Path(tmp)
        kind, db_name = _dump_database(settings, staging)
        manifest = Manifest(database=kind, revision=_revision(url),
                            created_at=utcnow().isoformat())  # fmt: skip
        db_path = staging / db_name
        manifest.files[db_name] = {"sha256": file_sha256(db_path), "size": db_path.stat().st_size}
        members: list[tuple[Path, str]] = [(db_path, db_name)]
        evidence_root = settings.evidence_dir
        if evidence_root.is_dir():
            for path in sorted(evidence_root.rglob("*")):
                if not path.is_file() or path.name.startswith(".tmp-"):
                    continue  # a blob being written now: not yet referred to by the copy
                name = "evidence/" + path.relative_to(evidence_root).as_posix()
                manifest.files[name] = {"sha256": file_sha256(path), "size": path.stat().st_size}
                members.append((path, name))
        secret = settings.data_dir / "secret_key"
        if secret.is_file():
            manifest.files["secret_key"] = {"sha256": file_sha256(secret),
                                             "size": secret.stat().st_size}  # fmt: skip
            members.append((secret, "secret_key"))
        out.parent.mkdir(parents=True, exist_ok=True)
        partial = out.with_name(out.name + ".partial")
        with tarfile.open(partial, "w:gz") as tar:
            data = manifest.to_json()
            info = tarfile.TarInfo(MANIFEST)
            info.size, info.mode, info.mtime = len(data), 0o600, int(utcnow().timestamp())
            tar.addfile(info, _BytesReader(data))
            for path, name in members:
                tar.add(path, arcname=name, recursive=False)
        os.chmod(partial, 0o600)  # it holds personal data and the secret key
        os.replace(partial, out)
    return manifest


class _BytesReader:
    """A minimal file object over bytes for tarfile.addfile."""

    def __init__(self, data: bytes) -> None:
        self.data, self.pos = data, 0

    def read(self, size: int = -1) -> bytes:
        end = len(self.data) if size < 0 else self.pos + size
        chunk, self.pos = self.data[self.pos : end], min(end, len(self.data))
        return chunk


def _safe_name(name: str) -> bool:
    path = PurePosixPath(name)
    return not path.is_absolute() and ".." not in path.parts and name == path.as_posix()


def verify_archive(archive: Path, staging: Path) -> Manifest:
    """Extract into `staging`, checking every member against the manifest; ValidationFailed if not."""
    try:
        # Opened apart from the `with` so that "cannot open" and "corrupt" read differently.
        tar = tarfile.open(archive, "r:gz")  # noqa: SIM115
    except (tarfile.TarError, OSError, EOFError) as exc:
        raise ValidationFailed(f"Không đọc được tệp sao lưu: {exc}") from None
    with tar:
        try:
            members = tar.getmembers()
        except (tarfile.TarError, EOFError, OSError) as exc:
            raise ValidationFailed(f"Tệp sao lưu bị hỏng: {exc}") from None
        by_name = {m.name: m for m in members}
        if MANIFEST not in by_name or len(by_name) != len(members):
            raise ValidationFailed(N_("Tệp sao lưu thiếu manifest hoặc có tệp trùng tên."))
        manifest_file = tar.extractfile(by_name[MANIFEST])
        assert manifest_file is not None
        try:
            manifest = Manifest.from_json(manifest_file.read())
        except (ValueError, KeyError, TypeError):
            raise ValidationFailed(N_("Tệp sao lưu không đúng định dạng (manifest).")) from None
        listed = set(manifest.files)
        present = set(by_name) - {MANIFEST}
        if listed != present:
            raise ValidationFailed(
                f"Tệp sao lưu không khớp manifest: thiếu {len(listed - present)}, "
                f"thừa {len(present - listed)} tệp."
            )
        for name in sorted(listed):
            member = by_name[name]
            if not member.isfile() or not _safe_name(name):
                raise ValidationFailed(f"Tệp sao lưu chứa mục không hợp lệ: {name!r}.")
            target = staging / name
            target.parent.mkdir(parents=True, exist_ok=True)
            source = tar.extractfile(member)
            assert source is not None
            digest = hashlib.sha256()
            with target.open("wb") as fh:
                while chunk := source.read(CHUNK):
                    digest.update(chunk)
                    fh.write(chunk)
            expected = manifest.files[name]
            if digest.hexdigest() != expected.get(
                "sha256"
            ) or target.stat().st_size != expected.get("size"):
                raise ValidationFailed(f"Mã băm SHA-256 không khớp: {name} (tệp sao lưu bị sửa?).")
    if manifest.database not in ("sqlite", "postgresql"):
        raise ValidationFailed(N_("Tệp sao lưu không đúng định dạng (manifest)."))
    return manifest


def _data_dir_in_use(settings: Settings) -> bool:
    root = settings.data_dir
    if root.is_dir() and any(p.is_file() for p in root.rglob("*")):
        return True
    url = settings.resolved_database_url
    if _is_postgres(url):
        engine = make_engine(url)
        try:
            with engine.connect() as conn:
                return bool(inspect(conn).get_table_names())
        finally:
            engine.dispose()
    return False


def restore_backup(settings: Settings, archive: Path, *, force: bool = False) -> Manifest:
    """Check every hash, then restore database, evidence and secret key; refuses a used data dir."""
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix=".restore-", dir=settings.data_dir.parent) as tmp:
        staging = Path(tmp)
        manifest = verify_archive(Path(archive), staging)
        url = settings.resolved_database_url
        if (manifest.database == "postgresql") != _is_postgres(url):
            raise ValidationFailed(
                f"Bản sao lưu là CSDL {manifest.database}, cấu hình hiện tại là "
                f"{'postgresql' if _is_postgres(url) else 'sqlite'}."
            )
        if not force and _data_dir_in_use(settings):
            raise Conflict(
                f"Thư mục dữ liệu {settings.data_dir} (hoặc CSDL) đã có dữ liệu; "
                "dùng --force để ghi đè."
            )
        if manifest.database == "postgresql":
            _pg_restore(url, staging / PGDUMP_NAME)
        else:
            target = Path(make_url(url).database or "")
            engine_for(url).dispose()  # this process's pooled connections are to the old file
            for suffix in ("-wal", "-shm"):
                Path(str(target) + suffix).unlink(missing_ok=True)
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(staging / SQLITE_NAME, target)
        evidence_src = staging / "evidence"
        if settings.evidence_dir.exists():
            shutil.rmtree(settings.evidence_dir)
        if evidence_src.is_dir():
            shutil.copytree(evidence_src, settings.evidence_dir)
        else:
            settings.evidence_dir.mkdir(parents=True)
        if (staging / "secret_key").is_file():
            shutil.copyfile(staging / "secret_key", settings.data_dir / "secret_key")
            (settings.data_dir / "secret_key").chmod(0o600)
    return manifest


def _pg_restore(url: str, dump: Path) -> None:
    dbname, env = _libpq(url)
    done = subprocess.run(  # noqa: S603 - fixed argument list, no shell
        ["pg_restore", "--clean", "--if-exists", "--no-owner", "--no-privileges",  # noqa: S607
         "--single-transaction", "--exit-on-error", "--dbname", dbname, str(dump)],
        capture_output=True, text=True, timeout=3600, check=False, env=env,
    )  # fmt: skip
    if done.returncode != 0:
        raise ValidationFailed(f"pg_restore thất bại: {done.stderr.strip()[-500:]}")
