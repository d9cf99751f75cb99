"""Browser fixtures: a live server on a fresh database per journey, Debian's Chromium, role users."""

from __future__ import annotations

import re
import shutil
from collections.abc import Generator, Iterator
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import (
    Browser,
    BrowserContext,
    Page,
    Playwright,
    ViewportSize,
    expect,
    sync_playwright,
)

from canhgiac.db.session import make_engine
from tests.e2e.harness import (
    ARTIFACTS,
    CHROMIUM,
    CHROMIUM_ARGS,
    DESKTOP,
    ContextFactory,
    LiveServer,
    require_chromium,
    seed_database,
    serve,
)

# A shared 2-core CI box can be slow: give each assertion and action 10 s, not 5.
expect.set_options(timeout=10_000)


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "e2e: journeys in a real browser (Chromium, live server)")


@pytest.fixture(scope="session")
def seeded_template(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, str]]:
    """A freshly initialised database file, copied for each journey (seeding once is faster)."""
    path = tmp_path_factory.mktemp("e2e-template") / "canhgiac.sqlite3"
    engine = make_engine(f"sqlite:///{path}")
    users = seed_database(engine)
    with engine.connect() as conn:
        conn.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
    engine.dispose()
    return path, users


@pytest.fixture
def live_server(
    tmp_path: Path, seeded_template: tuple[Path, dict[str, str]]
) -> Iterator[LiveServer]:
    """The whole app served by uvicorn on 127.0.0.1 from a fresh SQLite database."""
    require_chromium()
    db_path = tmp_path / "canhgiac.sqlite3"
    shutil.copy(seeded_template[0], db_path)
    with serve(db_path, tmp_path / "data", dict(seeded_template[1])) as server:
        yield server


# Module scope, not session: Playwright's sync API keeps an event loop running in the main thread
# while it is open, which would break later tests (outside e2e) that call asyncio.run().
@pytest.fixture(scope="module")
def playwright_instance() -> Iterator[Playwright]:
    require_chromium()
    with sync_playwright() as pw:
        yield pw


@pytest.fixture(scope="module")
def browser(playwright_instance: Playwright) -> Iterator[Browser]:
    """Debian's Chromium, headless; never a downloaded browser."""
    chromium = playwright_instance.chromium.launch(
        executable_path=str(CHROMIUM), args=CHROMIUM_ARGS, headless=True
    )
    yield chromium
    chromium.close()


@pytest.hookimpl(wrapper=True, tryfirst=True)
def pytest_runtest_makereport(
    item: pytest.Item, call: pytest.CallInfo[None]
) -> Generator[None, pytest.TestReport, pytest.TestReport]:
    """Remember each phase's report on the test, so fixtures can tell a failure at teardown."""
    report = yield
    setattr(item, f"rep_{report.when}", report)
    return report


@pytest.fixture
def contexts(
    request: pytest.FixtureRequest, browser: Browser, live_server: LiveServer
) -> Iterator[list[BrowserContext]]:
    """Every context a journey opens; on failure each open page is saved to test-artifacts/."""
    opened: list[BrowserContext] = []
    yield opened
    failed = getattr(request.node, "rep_call", None)
    if failed is not None and failed.failed:
        ARTIFACTS.mkdir(exist_ok=True)
        stem = re.sub(r"[^\w.-]+", "_", request.node.nodeid)[-120:]
        for n, ctx in enumerate(opened):
            for m, page in enumerate(ctx.pages):
                try:
                    page.screenshot(path=ARTIFACTS / f"{stem}-{n}-{m}.png", full_page=True)
                except Exception as exc:  # a crashed page must not hide the real failure
                    print(f"no screenshot of page {n}-{m}: {exc}")
    for ctx in opened:
        ctx.close()


@pytest.fixture
def new_context(
    browser: Browser, live_server: LiveServer, contexts: list[BrowserContext]
) -> ContextFactory:
    """Open a browser context on the live server: new_context(viewport=PHONE, javascript=False)."""

    def factory(
        *, viewport: ViewportSize | None = None, javascript: bool = True, **kwargs: Any
    ) -> BrowserContext:
        ctx = browser.new_context(
            base_url=live_server.url,
            viewport=viewport or DESKTOP,
            java_script_enabled=javascript,
            locale="vi-VN",
            timezone_id="Asia/Ho_Chi_Minh",
            accept_downloads=True,
            **kwargs,
        )
        ctx.set_default_timeout(10_000)
        contexts.append(ctx)
        return ctx

    return factory


@pytest.fixture
def page(new_context: ContextFactory) -> Page:
    """A desktop page of a fresh context."""
    result: Page = new_context().new_page()
    return result
