"""Steps every journey shares: sign in through the real form, run the worker, read the database."""

from __future__ import annotations

from dataclasses import dataclass

from playwright.sync_api import Page, expect
from sqlalchemy import select

from canhgiac.db.models import Case, CaseItem, PlanTask, Report
from canhgiac.db.session import session_scope
from canhgiac.ingest.evidence import EvidenceStore
from canhgiac.services import accounts, cases, intake, takedown, warnings
from canhgiac.worker.runner import RunStats, run_workers
from tests.e2e.harness import FIXTURES, PASSWORD, LiveServer


def sign_in(page: Page, server: LiveServer, role: str, next_path: str = "/") -> None:
    """Fill and send the login form as the account of `role`; land on `next_path`."""
    page.goto(f"/dang-nhap?next={next_path}")
    page.get_by_label("E-mail").fill(server.email(role))
    page.get_by_label("Mật khẩu").fill(PASSWORD)
    page.get_by_role("button", name="Đăng nhập").click()
    expect(page.get_by_role("button", name="Đăng xuất")).to_be_visible()


def run_worker(server: LiveServer) -> RunStats:
    """Process every queued job (scan, triage, cases) the way the worker process would."""
    stats = run_workers(server.engine, until_idle=True, settings=server.settings, poll_s=0.05)
    assert stats.failed == 0, f"worker jobs failed: {stats}"
    return stats


def focus_is_visible(page: Page) -> bool:
    """Whether the focused element draws an outline or box-shadow (a visible focus indicator)."""
    return bool(
        page.evaluate(
            """() => {
                const el = document.activeElement;
                if (!el || el === document.body) return false;
                const s = getComputedStyle(el);
                const outline = s.outlineStyle !== 'none' && parseFloat(s.outlineWidth) >= 2;
                return outline || (s.boxShadow && s.boxShadow !== 'none');
            }"""
        )
    )


SCAM_SMS = (
    "[VCB] Tai khoan cua quy khach bi tam khoa. Vui long xac thuc tai http://vcb-xacthuc.top "
    "de tranh bi khoa vinh vien"
)


def police_case(server: LiveServer, page: Page, content: str = SCAM_SMS) -> str:
    """A citizen's report through the public API, scanned and triaged: the Police case's ref."""
    filed = page.request.post(
        "/api/v1/reports",
        data={"category": "scam", "content": content, "commune": "X-COBA",
              "urls": ["http://vcb-xacthuc.top"]},
    )  # fmt: skip
    assert filed.status == 201, filed.text()
    code = filed.json()["tracking_code"]
    run_worker(server)
    with session_scope(server.engine) as session:
        ref = session.scalar(
            select(Case.ref)
            .join(CaseItem, CaseItem.case_id == Case.id)
            .join(Report, Report.item_id == CaseItem.item_id)
            .where(Report.tracking_code == code)
        )
        owner = session.scalar(select(Case).where(Case.ref == ref))
        assert ref is not None and owner is not None, "triage opened no case for the report"
        assert owner.owner_unit.code == "CA", "a bank-phishing SMS belongs in the Police queue"
    return ref


@dataclass(frozen=True)
class Sample:
    """What a populated database holds: one of each thing the main pages show."""

    tracking_code: str
    item_id: int
    case_ref: str
    request_id: int
    warning_id: int
    warning_slug: str
    task_id: int


def populate(server: LiveServer, page: Page) -> Sample:
    """Fill a fresh database the way a few days of work would: report, SMS import, case, request,
    warning."""
    ref = police_case(server, page)
    with session_scope(server.engine) as session:
        admin = accounts.get_user(session, server.email("admin"))
        store = EvidenceStore(server.settings.evidence_dir)
        data = (FIXTURES / "viettel_complaints.csv").read_bytes()
        intake.import_sms_csv(session, store, data, filename="viettel.csv", source_name="Viettel",
                              actor=admin)  # fmt: skip
    run_worker(server)
    with session_scope(server.engine) as session:
        admin = accounts.get_user(session, server.email("admin"))
        case = session.scalar(select(Case).where(Case.ref == ref))
        assert case is not None
        cases.record_legal_basis(session, admin, case, "Điều 174 Bộ luật Hình sự")
        request = takedown.create_request(
            session, admin, case=case, recipient="ISP-VIETTEL", action="block_domain",
            indicators=[{"kind": "domain", "value": "vcb-xacthuc.top"}], facts=case.title,
        )  # fmt: skip
        warning = warnings.create_warning(
            session, admin, title="Cảnh giác tin nhắn giả mạo ngân hàng",
            summary="Không bấm link lạ trong tin nhắn báo khóa tài khoản.",
            body="Ngân hàng không bao giờ gửi đường link qua tin nhắn. Không cung cấp mã OTP.",
        )  # fmt: skip
        warnings.submit_for_review(session, admin, warning)
        warnings.publish(session, admin, warning)
        report = session.scalars(select(Report).order_by(Report.id)).first()
        task = session.scalars(select(PlanTask).order_by(PlanTask.id)).first()
        assert report is not None and task is not None
        return Sample(
            tracking_code=report.tracking_code, item_id=report.item_id, case_ref=ref,
            request_id=request.id, warning_id=warning.id, warning_slug=warning.slug,
            task_id=task.id,
        )  # fmt: skip


def main_pages(sample: Sample) -> tuple[list[str], list[str]]:
    """The main screens: (public pages, signed-in pages) with the sample's ids filled in."""
    public = [
        "/bao-cao",
        f"/bao-cao/{sample.tracking_code}",
        "/bao-cao/tra-cuu",
        "/canh-bao",
        f"/canh-bao/{sample.warning_slug}",
        "/go-chan",
        "/minh-bach",
        "/dang-nhap",
    ]
    staff = [
        "/",
        "/noi-dung",
        f"/noi-dung/{sample.item_id}",
        "/noi-dung/nhap-csv",
        "/hang-cho-xem-xet",
        "/vu-viec",
        f"/vu-viec/{sample.case_ref}",
        "/vu-viec/moi",
        "/thong-bao",
        "/van-ban-de-nghi",
        f"/van-ban-de-nghi/moi?vu_viec={sample.case_ref}",
        f"/van-ban-de-nghi/{sample.request_id}",
        "/dau-hieu",
        "/quan-ly/canh-bao",
        f"/quan-ly/canh-bao/{sample.warning_id}",
        "/quan-ly/nhan-tin",
        "/ke-hoach",
        f"/ke-hoach/nhiem-vu/{sample.task_id}",
        "/ke-hoach/tap-huan",
        "/ke-hoach/kinh-phi",
        "/ke-hoach/bao-cao-tien-do",
        "/ke-hoach/bao-cao",
        "/ke-hoach/so-lieu",
        "/nguon",
        "/quan-tri",
        "/quan-tri/phan-cong",
        "/quan-tri/cong-viec",
        "/tai-khoan/mat-khau",
    ]
    return public, staff
