"""Shared fixtures: every database test runs on SQLite and on PostgreSQL (a real server, never mocked)."""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, text
from sqlalchemy.orm import Session

from canhgiac.db import migrate
from canhgiac.db.base import Base
from canhgiac.db.session import make_engine, session_factory
from canhgiac.settings import Settings, get_settings
from tests.helpers import PASSWORD

PG_URL = os.environ.get("CANHGIAC_TEST_PG_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test")
IN_CI = os.environ.get("CI", "").lower() == "true"
BACKENDS = ("sqlite", "postgresql")


@pytest.fixture(autouse=True)
def _fresh_settings_cache() -> Iterator[None]:
    get_settings.cache_clear()
    yield
    get_settings.cache_clear()


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A migrated SQLite file copied for each test (migrating once is much faster)."""
    path = tmp_path_factory.mktemp("template") / "template.sqlite3"
    engine = make_engine(f"sqlite:///{path}")
    migrate.upgrade(engine)
    with engine.connect() as conn:
        conn.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
    engine.dispose()
    return path


@pytest.fixture(scope="session")
def pg_engine() -> Iterator[Engine]:
    """A PostgreSQL database of this test run's own (parallel runs do not collide), migrated once."""
    admin = make_engine(PG_URL)
    name = f"canhgiac_test_{os.getpid()}"
    try:
        with admin.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
            conn.execute(text(f'CREATE DATABASE "{name}"'))
    except Exception as exc:  # an unreachable server is a skip locally and a failure in CI
        admin.dispose()
        message = f"PostgreSQL not reachable at {PG_URL}: {exc}"
        if IN_CI:
            pytest.fail(message)
        pytest.skip(message)
    engine = make_engine(admin.url.set(database=name).render_as_string(hide_password=False))
    migrate.upgrade(engine)
    yield engine
    engine.dispose()
    with admin.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


def _truncate_all(engine: Engine) -> None:
    tables = ", ".join(f'"{t.name}"' for t in Base.metadata.sorted_tables)
    with engine.begin() as conn:
        conn.execute(text(f"TRUNCATE {tables} RESTART IDENTITY CASCADE"))
        # The full-text index is created by a hand-written migration and has no model.
        conn.execute(text("DELETE FROM search_index"))
        conn.execute(
            text("INSERT INTO audit_head (id, seq, entry_hash) VALUES (1, 0, :h)"), {"h": "0" * 64}
        )


@pytest.fixture(params=BACKENDS)
def engine(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Engine]:
    """An empty, migrated database of each backend."""
    if request.param == "sqlite":
        path = tmp_path / "test.sqlite3"
        shutil.copy(request.getfixturevalue("sqlite_template"), path)
        eng = make_engine(f"sqlite:///{path}")
        yield eng
        eng.dispose()
    else:
        eng = request.getfixturevalue("pg_engine")
        _truncate_all(eng)
        yield eng


@pytest.fixture
def db(engine: Engine) -> Iterator[Session]:
    session = session_factory(engine)()
    yield session
    session.rollback()
    session.close()


@pytest.fixture
def settings(tmp_path: Path, engine: Engine) -> Settings:
    return Settings(
        env="test",
        data_dir=tmp_path / "data",
        database_url=engine.url.render_as_string(hide_password=False),
        secret_key="test-secret-key-not-for-production",
        in_process_worker=False,
    )


@pytest.fixture
def seeded(db: Session) -> Session:
    """A database with the shipped units."""
    from canhgiac.services import units

    units.seed_units(db)
    db.commit()
    return db


@pytest.fixture
def make_user(seeded: Session):  # type: ignore[no-untyped-def]
    """Create a user of a role in a unit: make_user("investigator", "CA")."""
    from canhgiac.services import accounts

    counter = iter(range(1, 10_000))

    def factory(role: str, unit: str = "VHTT", email: str | None = None):  # type: ignore[no-untyped-def]
        address = email or f"{role}{next(counter)}@{unit.lower()}.baolac.vn"
        user = accounts.create_user(
            seeded, None, email=address, name=f"Cán bộ {role}", unit_code=unit, role=role,
            password=PASSWORD,
        )  # fmt: skip
        seeded.commit()
        return user

    return factory


@pytest.fixture
def app(settings: Settings, engine: Engine, seeded: Session):  # type: ignore[no-untyped-def]
    from canhgiac.web import security
    from canhgiac.web.app import create_app
    from canhgiac.web.ui import auth

    auth.login_limiter.reset()
    security_app = create_app(settings, engine)
    del security
    return security_app


@pytest.fixture
def client(app) -> Iterator[TestClient]:  # type: ignore[no-untyped-def]
    with TestClient(app) as test_client:
        yield test_client
