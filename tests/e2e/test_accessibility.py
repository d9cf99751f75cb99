"""axe-core in Chromium on every main page: no serious or critical WCAG 2.2 AA violation."""

from __future__ import annotations

from typing import Any

import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import Page

from tests.e2e.harness import PHONE, ContextFactory, LiveServer
from tests.e2e.journey import main_pages, populate, sign_in

pytestmark = pytest.mark.e2e

BLOCKING = ("serious", "critical")
AXE_OPTIONS = {
    "runOnly": {
        "type": "tag",
        "values": ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa", "best-practice"],
    },
    "resultTypes": ["violations"],
}


def _blocking_violations(axe: Axe, page: Page, path: str) -> list[str]:
    response = page.goto(path)
    assert response is not None and response.status < 400, f"{path} answered {response}"
    found: list[dict[str, Any]] = axe.run(page, options=AXE_OPTIONS).response["violations"]
    return [
        f"{v['id']} ({v['impact']}): {v['help']} — "
        + "; ".join(str(node["target"]) for node in v["nodes"][:3])
        for v in found
        if v["impact"] in BLOCKING
    ]


def test_main_pages_have_no_serious_accessibility_violations(
    live_server: LiveServer, new_context: ContextFactory
) -> None:
    axe = Axe()
    anonymous = new_context().new_page()
    sample = populate(live_server, anonymous)
    public, staff = main_pages(sample)
    problems: dict[str, list[str]] = {}
    for path in public:
        problems[path] = _blocking_violations(axe, anonymous, path)
    phone = new_context(viewport=PHONE, is_mobile=True).new_page()
    for path in ("/bao-cao", f"/bao-cao/{sample.tracking_code}", "/canh-bao"):
        problems[f"{path} (phone)"] = _blocking_violations(axe, phone, path)
    staff_page = new_context().new_page()
    sign_in(staff_page, live_server, "admin")
    for path in staff:
        problems[path] = _blocking_violations(axe, staff_page, path)
    failing = {path: found for path, found in problems.items() if found}
    assert not failing, "axe-core found serious/critical violations:\n" + "\n".join(
        f"{path}:\n  " + "\n  ".join(found) for path, found in failing.items()
    )


def test_axe_catches_a_missing_label(live_server: LiveServer, page: Page) -> None:
    """The check itself works: an unlabeled field on the served page is reported."""
    page.goto("/bao-cao")
    page.evaluate("document.querySelector('label[for=content]').remove()")
    found = Axe().run(page, options=AXE_OPTIONS).response["violations"]
    assert "label" in {v["id"] for v in found if v["impact"] in BLOCKING}
