"""Journey 2: a commune officer imports an operator's SMS CSV, reviews what the scanner flagged and
opens a case from the review queue; the sign-in is done with the keyboard only."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect
from sqlalchemy import func, select

from canhgiac.db.models import Case, Item
from canhgiac.db.session import session_scope
from tests.e2e.harness import FIXTURES, PASSWORD, LiveServer
from tests.e2e.journey import focus_is_visible, run_worker

pytestmark = pytest.mark.e2e

MAX_TABS = 25


def _tab_to(page: Page, element_id: str) -> None:
    """Press Tab until the element has focus; each stop must show a visible focus indicator."""
    for _ in range(MAX_TABS):
        page.keyboard.press("Tab")
        assert focus_is_visible(page), (
            "focused element has no visible focus indicator: "
            + page.evaluate("document.activeElement.outerHTML.slice(0, 120)")
        )
        if page.evaluate("document.activeElement.id") == element_id:
            return
    pytest.fail(f"#{element_id} not reachable with Tab")


def _sign_in_with_keyboard(page: Page, server: LiveServer) -> None:
    page.goto("/noi-dung")  # a protected page sends the officer to the login form
    expect(page).to_have_url(re.compile(r"/dang-nhap\?next=/noi-dung"))
    _tab_to(page, "email")
    page.keyboard.type(server.email("officer"))
    _tab_to(page, "password")
    page.keyboard.type(PASSWORD)
    page.keyboard.press("Enter")
    expect(page).to_have_url(re.compile(r"/noi-dung$"))
    expect(page.get_by_role("button", name="Đăng xuất")).to_be_visible()


def test_commune_officer_imports_csv_reviews_flagged_items_and_opens_case(
    live_server: LiveServer, page: Page
) -> None:
    _sign_in_with_keyboard(page, live_server)

    page.get_by_role("link", name="Nhập tệp CSV tin nhắn của nhà mạng").click()
    page.get_by_label("Tệp CSV").set_input_files(FIXTURES / "viettel_complaints.csv")
    page.get_by_label("Nguồn (tên nhà mạng").fill("Viettel Cao Bằng")
    page.get_by_role("button", name="Nhập", exact=True).click()
    expect(page.get_by_role("status")).to_contain_text("Đã nhập")
    with session_scope(live_server.engine) as session:
        imported = session.scalar(select(func.count()).select_from(Item)) or 0
    assert imported >= 3

    run_worker(live_server)

    # The items list shows the scanner's verdicts; filter to the scams.
    page.goto("/noi-dung")
    page.get_by_label("Kết quả rà quét").select_option("scam")
    page.get_by_role("button", name="Lọc").click()
    expect(page).to_have_url(re.compile(r"verdict=scam"))
    flagged = page.locator("table.items-table tbody tr")
    expect(flagged.first).to_be_visible()
    expect(page.locator("tbody .badge.scam").first).to_have_text("Lừa đảo")

    # Open one item the scanner flagged and read why.
    flagged.first.get_by_role("link").first.click()
    expect(page).to_have_url(re.compile(r"/noi-dung/\d+$"))

    with session_scope(live_server.engine) as session:
        cases_before = session.scalar(select(func.count()).select_from(Case)) or 0

    # The review queue holds flagged items no case took yet; the officer opens a case for one.
    page.goto("/hang-cho-xem-xet")
    queued = page.locator("article.item")
    expect(queued.first).to_be_visible()
    queued_before = queued.count()
    queued.first.get_by_role("button", name="Mở vụ việc").click()
    expect(page.get_by_role("status")).to_contain_text(re.compile(r"Đã mở vụ việc \S+"))
    ref = re.search(r"Đã mở vụ việc (\S+?)\.", page.get_by_role("status").inner_text())
    assert ref, "no case reference in the confirmation"
    expect(page.locator("article.item")).to_have_count(queued_before - 1)

    with session_scope(live_server.engine) as session:
        assert (session.scalar(select(func.count()).select_from(Case)) or 0) == cases_before + 1
        case = session.scalar(select(Case).where(Case.ref == ref.group(1)))
        assert case is not None and case.state in ("new", "triaged")
        # Routed by the plan's matrix to the unit that acts on it, with a deadline.
        assert case.owner_unit.code and case.deadline_at is not None
