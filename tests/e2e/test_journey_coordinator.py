"""Journey 4: the district coordinator: dashboard, an overdue escalation, approving a take-down
request, publishing a warning and downloading the quarterly plan report."""

from __future__ import annotations

import io
import re
import zipfile
from datetime import timedelta

import pytest
from playwright.sync_api import Page, expect
from sqlalchemy import select

from canhgiac.db.base import utcnow
from canhgiac.db.models import Case, TakedownRequest
from canhgiac.db.session import session_scope
from canhgiac.services import accounts, cases, takedown
from canhgiac.worker.jobs.cases import check_deadlines
from tests.e2e.harness import LiveServer
from tests.e2e.journey import police_case, sign_in

pytestmark = pytest.mark.e2e

WARNING_TITLE = "Cảnh giác tin nhắn giả mạo ngân hàng Vietcombank"
WARNING_BODY = (
    "Người dân nhận được tin nhắn báo tài khoản bị khóa và yêu cầu truy cập đường link lạ để "
    "xác thực. Ngân hàng không bao giờ gửi đường link qua tin nhắn. Không bấm vào link, không "
    "cung cấp mã OTP; báo ngay cho Công an xã hoặc gửi phản ánh tại trang Cảnh Giác."
)


def _overdue_case_with_draft_request(server: LiveServer, page: Page) -> tuple[str, int]:
    """A Police case past its deadline, with a draft take-down request its investigator wrote."""
    ref = police_case(server, page)
    with session_scope(server.engine) as session:
        case = session.scalar(select(Case).where(Case.ref == ref))
        assert case is not None and case.deadline_at is not None
        investigator = accounts.get_user(session, server.email("investigator"))
        cases.record_legal_basis(session, investigator, case, "Điều 174 Bộ luật Hình sự")
        request = takedown.create_request(
            session, investigator, case=case, recipient="ISP-VIETTEL", action="block_domain",
            indicators=[{"kind": "domain", "value": "vcb-xacthuc.top"}],
            facts="Tên miền giả mạo Vietcombank",
        )  # fmt: skip
        # Time passes: the deadline was two hours ago.
        case.deadline_at = utcnow() - timedelta(hours=2)
        request_id = request.id
    with session_scope(server.engine) as session:
        run = check_deadlines(session)
        assert run.escalated == [ref]
    return ref, request_id


def _download(page: Page, button: str) -> tuple[str, bytes]:
    with page.expect_download() as info:
        page.get_by_role("button", name=button).click()
    download = info.value
    path = download.path()
    assert path is not None
    return download.suggested_filename, path.read_bytes()


def test_coordinator_escalation_approval_warning_and_quarterly_report(
    live_server: LiveServer, page: Page
) -> None:
    ref, request_id = _overdue_case_with_draft_request(live_server, page)
    sign_in(page, live_server, "coordinator")

    # Dashboard: the overdue case stands out.
    expect(page.get_by_role("heading", level=1)).to_have_text("Tổng quan")
    overdue = page.locator(".figures li.alert")
    expect(overdue).to_contain_text("Vụ việc quá hạn")
    expect(overdue.locator(".value")).to_have_text("1")

    # The escalation reached the coordinator; the overdue filter shows the case.
    page.goto("/thong-bao")
    expect(page.locator("main")).to_contain_text(ref)
    page.goto("/vu-viec?overdue=1")
    row = page.locator("#case-rows tr").filter(has_text=ref)
    expect(row.locator(".overdue-label")).to_have_text("Quá hạn")
    row.get_by_role("link", name=ref).click()
    expect(page.locator(".case-facts")).to_contain_text("Đã báo cáo đầu mối")

    # Approve the Police's draft request: it gets a number; the letter downloads.
    page.goto("/van-ban-de-nghi")
    page.locator(f"a[href='/van-ban-de-nghi/{request_id}']").first.click()
    expect(page.locator(".badge.state-draft")).to_be_visible()
    page.get_by_role("button", name="Phê duyệt và cấp số").click()
    expect(page.locator(".badge.state-approved")).to_be_visible()
    with session_scope(live_server.engine) as session:
        approved = session.get(TakedownRequest, request_id)
        assert approved is not None and approved.state == "approved" and approved.number
        number = approved.number
    expect(page.get_by_role("heading", level=1)).to_contain_text(number)
    with page.expect_download() as letter:
        page.get_by_role("link", name="Tải công văn (DOCX)").click()
    letter_path = letter.value.path()
    assert letter_path is not None and zipfile.is_zipfile(letter_path)

    # Write, submit and publish a warning; the public page shows it without signing in.
    page.goto("/quan-ly/canh-bao")
    page.get_by_label("Loại bài").select_option("warning")
    page.get_by_label("Tiêu đề").fill(WARNING_TITLE)
    page.get_by_label("Tóm tắt").fill("Không bấm link lạ trong tin nhắn báo khóa tài khoản.")
    page.get_by_label("Nội dung").fill(WARNING_BODY)
    page.get_by_role("button", name="Lưu dự thảo").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(WARNING_TITLE)
    page.get_by_role("button", name="Gửi duyệt").click()
    page.get_by_role("button", name="Duyệt và đăng").click()
    expect(page.locator(".badge.state-published")).to_be_visible()
    public_link = page.get_by_role("link", name="Xem trang công khai").first
    slug_path = public_link.get_attribute("href")
    assert slug_path and slug_path.startswith("/canh-bao/")
    citizen = page.context.browser.new_context(base_url=live_server.url)  # type: ignore[union-attr]
    try:
        public = citizen.new_page()
        public.goto("/canh-bao")
        public.get_by_role("link", name=WARNING_TITLE).click()
        expect(public).to_have_url(re.compile(re.escape(slug_path) + "$"))
        expect(public.locator("main")).to_contain_text("Ngân hàng không bao giờ gửi đường link")
    finally:
        citizen.close()

    # The quarterly report of the plan, as DOCX: a real Word file naming the period.
    page.goto("/ke-hoach/bao-cao")
    quarter = f"{utcnow().year}-Q{(utcnow().month - 1) // 3 + 1}"
    period = page.get_by_label("Kỳ báo cáo")
    if quarter not in period.locator("option").all_inner_texts():
        quarter = period.locator("option").nth(1).inner_text()
    period.select_option(quarter)
    page.get_by_label("DOCX").check()
    name, data = _download(page, "Tải báo cáo")
    assert name == f"bao-cao-ket-qua-{quarter}.docx"
    with zipfile.ZipFile(io.BytesIO(data)) as docx:
        document = docx.read("word/document.xml").decode("utf-8")
    assert "BÁO CÁO" in document.upper()
