"""Every main page stays under 200 KB on first load (HTML, CSS, JS, images) and asks no other host."""

from __future__ import annotations

import contextlib
from dataclasses import dataclass, field

import pytest
from playwright.sync_api import Browser, Request, Route
from playwright.sync_api import Error as PlaywrightError

from tests.e2e.harness import DESKTOP, ContextFactory, LiveServer
from tests.e2e.journey import main_pages, populate, sign_in

pytestmark = pytest.mark.e2e

BUDGET_BYTES = 200 * 1024
LOCAL_SCHEMES = ("data:", "blob:", "about:")


@dataclass
class Load:
    """What one first load of a page cost."""

    transferred: int = 0
    settled: int = 0  # requests finished or failed
    requests: list[str] = field(default_factory=list)
    foreign: list[str] = field(default_factory=list)


class Meter:
    """One browser page with its cache off, so every navigation is a first load; counts bytes."""

    def __init__(self, browser: Browser, server: LiveServer, storage_state: object = None) -> None:
        self.server = server
        self.context = browser.new_context(
            base_url=server.url,
            viewport=DESKTOP,
            storage_state=storage_state,  # type: ignore[arg-type]
        )
        # Routing every request turns Playwright's HTTP cache off: each navigation is a first load.
        # Requests to any other host are recorded and refused (the tests never leave the box).
        self.context.route("**/*", self._route)
        self.page = self.context.new_page()
        self.load = Load()
        self.page.on("request", self._seen)
        self.page.on("requestfinished", self._finished)
        self.page.on("requestfailed", self._failed)

    def _is_local(self, url: str) -> bool:
        return url.startswith((self.server.url + "/", *LOCAL_SCHEMES))

    def _route(self, route: Route) -> None:
        if self._is_local(route.request.url):
            route.continue_()
        else:
            route.abort()

    def _seen(self, request: Request) -> None:
        self.load.requests.append(request.url)
        if not self._is_local(request.url):
            self.load.foreign.append(request.url)

    def _finished(self, request: Request) -> None:
        sizes = request.sizes()
        self.load.transferred += sizes["responseBodySize"] + sizes["responseHeadersSize"]
        self.load.settled += 1

    def _failed(self, request: Request) -> None:
        self.load.settled += 1

    def first_load(self, path: str) -> Load:
        """Load `path` and return what it cost (the page, its CSS, JS and images)."""
        self.load = Load()
        response = self.page.goto(path, wait_until="load")
        assert response is not None and response.status < 400, f"{path} answered {response}"
        # The finished-request events can trail the load event: wait until each one is in.
        for _ in range(100):
            if self.load.settled >= len(self.load.requests):
                break
            self.page.wait_for_timeout(20)
        return self.load

    def close(self) -> None:
        self.context.close()


def test_every_main_page_is_light_and_local(
    live_server: LiveServer, browser: Browser, new_context: ContextFactory
) -> None:
    page = new_context().new_page()
    sample = populate(live_server, page)
    public, staff = main_pages(sample)
    sign_in(page, live_server, "admin")
    signed_in = page.context.storage_state()

    anonymous, staff_meter = Meter(browser, live_server), Meter(browser, live_server, signed_in)
    try:
        loads = {path: anonymous.first_load(path) for path in public}
        loads |= {path: staff_meter.first_load(path) for path in staff}
        # The watch itself works: a request to another host is seen (and refused).
        probe = staff_meter.first_load("/")
        # (The pages' CSP already stops scripts and images from other hosts; a navigation is not.)
        with contextlib.suppress(PlaywrightError):
            staff_meter.page.goto("http://192.0.2.1/probe")
        assert probe.foreign == ["http://192.0.2.1/probe"]
    finally:
        anonymous.close()
        staff_meter.close()

    heavy = {p: load.transferred for p, load in loads.items() if load.transferred > BUDGET_BYTES}
    assert not heavy, f"pages over {BUDGET_BYTES} bytes on first load: {heavy}"
    foreign = {p: load.foreign for p, load in loads.items() if load.foreign}
    assert not foreign, f"requests to other hosts: {foreign}"
    # The measure is real: each page fetched its stylesheet and counted its bytes.
    for path, load in loads.items():
        assert any(url.endswith("/static/css/app.css") for url in load.requests), path
        assert load.transferred > 3_000, (path, load.transferred)
    print("first-load bytes:", {p: load.transferred for p, load in loads.items()})
