"""Journey 1: a citizen on a cheap phone reports a scam SMS and later reads the public outcome."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from canhgiac.db.models import Case, CaseItem, Report
from canhgiac.db.session import session_scope
from canhgiac.services import accounts, cases
from tests.e2e.harness import FIXTURES, PHONE, ContextFactory, LiveServer
from tests.e2e.journey import run_worker

pytestmark = pytest.mark.e2e

SMS = (
    "[VCB] Tai khoan cua quy khach bi tam khoa. Vui long xac thuc tai http://vcb-xacthuc.top "
    "de tranh bi khoa vinh vien"
)
OUTCOME = "Đường link lừa đảo đã bị chặn. Cảm ơn bạn đã phản ánh."
CODE_RE = re.compile(r"CG-[0-9A-Z]{4}-[0-9A-Z]{4}")


def _resolve_as_police(server: LiveServer, tracking_code: str) -> str:
    """The Police officer's part, through the services: verify, act on a legal basis, resolve."""
    with session_scope(server.engine) as session:
        report = session.scalar(select(Report).where(Report.tracking_code == tracking_code))
        assert report is not None
        case = session.scalar(
            select(Case).join(CaseItem, CaseItem.case_id == Case.id)
            .where(CaseItem.item_id == report.item_id)
        )  # fmt: skip
        assert case is not None, "the worker opened no case for the report"
        assert case.owner_unit.code == "CA"
        officer = accounts.get_user(session, server.email("investigator"))
        cases.transition(session, officer, case, "verifying")
        cases.transition(session, officer, case, "acting", legal_basis="Điều 174 Bộ luật Hình sự")
        cases.transition(
            session, officer, case, "resolved", outcome_code="blocked",
            outcome_note="Nghi phạm: 0912xxxxxx (nội bộ)", public_outcome=OUTCOME,
        )  # fmt: skip
        return case.ref


def test_citizen_reports_scam_sms_without_javascript_and_sees_outcome(
    live_server: LiveServer, new_context: ContextFactory
) -> None:
    phone = new_context(viewport=PHONE, javascript=False, is_mobile=True, has_touch=True)
    page = phone.new_page()

    page.goto("/bao-cao")
    expect(page.get_by_role("heading", level=1)).to_contain_text("Gửi phản ánh")
    # Nothing overflows sideways on a 360 px screen.
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    page.get_by_label("Loại phản ánh").select_option("scam")
    page.get_by_label("Nội dung").fill(SMS)
    page.get_by_label("Đường link nghi vấn").fill("http://vcb-xacthuc.top")
    page.get_by_label("Xã, thị trấn nơi bạn ở").select_option("X-COBA")
    page.get_by_label("Ảnh chụp màn hình").set_input_files(FIXTURES / "sms_screenshot.png")
    page.get_by_role("button", name="Gửi phản ánh").click()

    expect(page.get_by_role("status")).to_contain_text("Phản ánh đã được tiếp nhận")
    code_match = CODE_RE.search(page.get_by_role("heading", level=1).inner_text())
    assert code_match, "no tracking code on the confirmation page"
    code = code_match.group(0)
    expect(page.locator("dd.state")).to_have_text("Đã tiếp nhận")

    run_worker(live_server)
    _resolve_as_police(live_server, code)

    # Later, on the same phone, the citizen opens the link they kept.
    page.goto(f"/bao-cao/{code}")
    expect(page.locator("dd.state")).to_have_text("Đã xử lý xong")
    expect(page.locator("dd.outcome")).to_have_text(OUTCOME)
    body = page.locator("body").inner_text()
    assert "nội bộ" not in body and "0912" not in body, "internal notes leaked to the public page"

    # The tracking-code lookup finds it too, typed in lower case with spaces.
    page.goto("/bao-cao/tra-cuu")
    page.get_by_role("textbox").first.fill(code.lower().replace("-", " "))
    page.keyboard.press("Enter")
    expect(page).to_have_url(re.compile(f"/bao-cao/{code}$"))


def test_tipline_screenshot_is_kept_as_evidence_with_javascript(
    live_server: LiveServer, new_context: ContextFactory
) -> None:
    page = new_context(viewport=PHONE, is_mobile=True, has_touch=True).new_page()
    page.goto("/bao-cao")
    page.get_by_label("Loại phản ánh").select_option("phishing")
    page.get_by_label("Ảnh chụp màn hình").set_input_files(FIXTURES / "zalo_screenshot.jpg")
    page.get_by_role("button", name="Gửi phản ánh").click()
    expect(page.get_by_role("status")).to_contain_text("Phản ánh đã được tiếp nhận")
    code = CODE_RE.search(page.get_by_role("heading", level=1).inner_text())
    assert code
    with session_scope(live_server.engine) as session:
        report = session.scalar(select(Report).where(Report.tracking_code == code.group(0)))
        assert report is not None and report.category == "phishing"
        assert report.item is not None
