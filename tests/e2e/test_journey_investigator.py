"""Journey 3: a Police investigator works the queue: evidence, legal basis, a take-down request,
resolution."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect
from sqlalchemy import select

from canhgiac.db.models import Case, Evidence, TakedownRequest
from canhgiac.db.session import session_scope
from tests.e2e.harness import FIXTURES, LiveServer
from tests.e2e.journey import police_case, sign_in

pytestmark = pytest.mark.e2e

LEGAL_BASIS = "Điều 174 Bộ luật Hình sự; Nghị định 15/2020/NĐ-CP"
PUBLIC_OUTCOME = "Tên miền lừa đảo đã bị chặn theo đề nghị của Công an huyện."


def _move_case(page: Page, to_state: str, **fields: str) -> None:
    """Fill the state-change form of the case page and send it."""
    form = page.locator("form[action$='/trang-thai']")
    form.get_by_label("Sang").select_option(to_state)
    for label, value in fields.items():
        target = form.get_by_label(label)
        if target.evaluate("el => el.tagName") == "SELECT":
            target.select_option(value)
        else:
            target.fill(value)
    form.get_by_role("button", name="Chuyển").click()


def test_investigator_gathers_evidence_requests_takedown_and_resolves(
    live_server: LiveServer, page: Page
) -> None:
    ref = police_case(live_server, page)
    sign_in(page, live_server, "investigator", next_path="/vu-viec")

    # The Police queue lists the case; open it.
    page.get_by_role("link", name=ref).click()
    expect(page.get_by_role("heading", level=1)).to_contain_text(ref)
    expect(page.locator(".case-facts")).to_contain_text("Công an")

    # Evidence: the citizen's screenshot, with a note.
    page.get_by_label("Đính kèm tệp chứng cứ").set_input_files(FIXTURES / "sms_screenshot.png")
    page.get_by_label("Ghi chú", exact=True).fill("Ảnh chụp tin nhắn người dân cung cấp")
    page.get_by_role("button", name="Đính kèm", exact=True).click()
    expect(page.locator("li.event-evidence")).to_contain_text("sms_screenshot.png")

    # Legal basis, recorded on its own form.
    basis_form = page.locator("form[action$='/can-cu-phap-ly']")
    basis_form.get_by_label("Điều, khoản, văn bản").fill(LEGAL_BASIS)
    basis_form.get_by_role("button", name="Lưu").click()
    expect(page.locator(".case-facts")).to_contain_text(LEGAL_BASIS)

    _move_case(page, "verifying")
    expect(page.locator(".case-facts .state")).to_have_text("Đang xác minh")
    _move_case(page, "acting")
    expect(page.locator(".case-facts .state")).to_have_class(re.compile("state-acting"))

    # A take-down request to an ISP for the scam domain, drafted from the case.
    page.goto("/van-ban-de-nghi")
    page.get_by_label("Mã vụ việc").fill(ref)
    page.get_by_role("button", name="Tạo văn bản đề nghị").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text(ref)
    expect(page.get_by_label("Căn cứ pháp lý")).to_have_value(LEGAL_BASIS)
    page.get_by_label("Nội dung đề nghị").select_option("block_domain")
    page.get_by_label(re.compile("Viettel Telecom")).check()
    indicators = page.get_by_label("Dấu hiệu nhận biết")
    if "vcb-xacthuc.top" not in indicators.input_value():
        indicators.fill("domain vcb-xacthuc.top | tên miền giả mạo ngân hàng")
    page.get_by_role("button", name="Lưu dự thảo").click()
    expect(page).to_have_url(re.compile(r"/van-ban-de-nghi/\d+$"))
    expect(page.locator(".badge.state-draft")).to_be_visible()
    expect(page.locator("table")).to_contain_text("vcb-xacthuc")

    # Resolve the case with an outcome the citizen will read.
    page.goto(f"/vu-viec/{ref}")
    _move_case(page, "resolved", **{
        "Mã kết quả": "blocked",
        "Kết quả công bố cho người phản ánh": PUBLIC_OUTCOME,
        "Ghi chú nội bộ (không công bố)": "Đối tượng dùng sim rác",
    })  # fmt: skip
    expect(page.locator(".case-facts .state")).to_have_class(re.compile("state-resolved"))
    expect(page.locator(".case-facts")).to_contain_text(PUBLIC_OUTCOME)

    with session_scope(live_server.engine) as session:
        case = session.scalar(select(Case).where(Case.ref == ref))
        assert case is not None and case.state == "resolved" and case.legal_basis == LEGAL_BASIS
        assert session.scalars(select(Evidence).where(Evidence.case_id == case.id)).all()
        request = session.scalar(select(TakedownRequest).where(TakedownRequest.case_id == case.id))
        assert request is not None and request.state == "draft"
        assert request.evidence_hashes, "the request cites the case's evidence by hash"
