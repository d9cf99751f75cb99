"""The e2e harness's shared parts: where Chromium is, viewports, role accounts, the live server."""

from __future__ import annotations

import os
import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

import pytest
import uvicorn
from playwright.sync_api import BrowserContext, ViewportSize
from sqlalchemy import Engine

from canhgiac.db.session import make_engine, session_scope
from canhgiac.services import accounts, bootstrap
from canhgiac.settings import Settings

CHROMIUM = Path(os.environ.get("CANHGIAC_CHROMIUM", "/usr/bin/chromium"))
IN_CI = os.environ.get("CI", "").lower() == "true"
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"
FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "intake"
# The network is closed: without these flags Chromium keeps dialling Google services.
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
PHONE: ViewportSize = {"width": 360, "height": 740}
DESKTOP: ViewportSize = {"width": 1280, "height": 900}

PASSWORD = "mat-khau-dung-123"  # every e2e account's (the policy's minimum length and more)

# One account per role, in the unit where that role works.
ROLE_USERS = {
    "admin": ("administrator", "VHTT", "Quản trị hệ thống"),
    "coordinator": ("coordinator", "VHTT", "Nguyễn Thị Lan"),
    "investigator": ("investigator", "CA", "Trần Văn Hùng"),
    "officer": ("unit_officer", "X-COBA", "Hoàng Thị Mai"),
    "viewer": ("viewer", "VHTT", "Lê Văn Nam"),
}


@dataclass
class LiveServer:
    """A running app: its address, database engine and settings, and its role accounts."""

    url: str
    engine: Engine
    settings: Settings
    users: dict[str, str] = field(default_factory=dict)

    def email(self, role: str) -> str:
        return self.users[role]


def require_chromium() -> None:
    if CHROMIUM.exists():
        return
    message = f"Chromium not found at {CHROMIUM} (apt-get install chromium; see `make sysdeps`)"
    if IN_CI:
        pytest.fail(message)
    pytest.skip(message)


def reset_rate_limits() -> None:
    """Each journey starts with fresh in-memory limits (they are per process, not per app)."""
    from canhgiac.web.api import reports
    from canhgiac.web.public import warnings
    from canhgiac.web.ui import auth

    for limiter in (
        reports.per_ip_limiter,
        reports.global_limiter,
        auth.login_limiter,
        warnings.fp_limiter,
    ):
        limiter.reset()


def seed_database(engine: Engine) -> dict[str, str]:
    """Migrate and seed like `canhgiac init`, then add one account per role; return their e-mails."""
    bootstrap.initialise(engine, demo=False, admin_password=PASSWORD)
    emails: dict[str, str] = {}
    with session_scope(engine) as session:
        for key, (role, unit, name) in ROLE_USERS.items():
            if key == "admin":
                emails[key] = bootstrap.ADMIN_EMAIL
                continue
            email = f"{key}@{unit.lower()}.baolac.vn"
            accounts.create_user(
                session, None, email=email, name=name, unit_code=unit, role=role,
                password=PASSWORD,
            )  # fmt: skip
            emails[key] = email
    return emails


class _ThreadedServer(uvicorn.Server):
    def install_signal_handlers(self) -> None:  # the test process keeps its own handlers
        pass


class ThreadedServer(uvicorn.Server):
    """uvicorn in a background thread: the test process keeps its own signal handlers."""

    def install_signal_handlers(self) -> None:
        pass


class ContextFactory(Protocol):
    """The `new_context` fixture: a browser context on the live server."""

    def __call__(
        self, *, viewport: ViewportSize | None = None, javascript: bool = True, **kwargs: Any
    ) -> BrowserContext: ...


@contextmanager
def serve(db_path: Path, data_dir: Path, users: dict[str, str]) -> Iterator[LiveServer]:
    """Serve the app from the SQLite file at `db_path` on a free port of 127.0.0.1 until exit."""
    from canhgiac.web.app import create_app

    engine = make_engine(f"sqlite:///{db_path}")
    settings = Settings(
        env="test",
        data_dir=data_dir,
        database_url=f"sqlite:///{db_path}",
        secret_key="e2e-secret-key-not-for-production",
        in_process_worker=False,  # journeys run the worker themselves, so each step is exact
    )
    reset_rate_limits()
    app = create_app(settings, engine)
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.bind(("127.0.0.1", 0))
    settings.base_url = f"http://127.0.0.1:{sock.getsockname()[1]}"
    server = ThreadedServer(uvicorn.Config(app, log_level="warning", access_log=False))
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    try:
        deadline = time.monotonic() + 20
        while not server.started:
            if not thread.is_alive() or time.monotonic() > deadline:
                raise RuntimeError("the live server did not start")
            time.sleep(0.02)
        yield LiveServer(url=settings.base_url, engine=engine, settings=settings, users=users)
    finally:
        server.should_exit = True
        thread.join(10)
        sock.close()
        engine.dispose()
