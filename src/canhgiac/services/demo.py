"""Demo data for a first look: people of each role, citizens' reports scanned into cases,
trainings and budget lines. Loaded once by `canhgiac init --demo` (what `make run` does)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session

from canhgiac.db.models import User
from canhgiac.services import accounts, activities, budget, filing, scanning
from canhgiac.services.plan import active_plan

DEMO_MARKER_EMAIL = "dieuphoi@baolac.demo"


@dataclass(frozen=True)
class DemoAccount:
    email: str
    name: str
    unit: str
    role: str


DEMO_ACCOUNTS = (
    DemoAccount(DEMO_MARKER_EMAIL, "Nguyễn Thị Điều Phối", "VHTT", "coordinator"),
    DemoAccount("dieutra@baolac.demo", "Hoàng Văn Điều Tra", "CA", "investigator"),
    DemoAccount("xacoba@baolac.demo", "Nông Văn Cán Bộ", "X-COBA", "unit_officer"),
    DemoAccount("xem@baolac.demo", "Lý Thị Theo Dõi", "TCKH", "viewer"),
)

# Messages of the kinds the district receives (written for the demo, not real people's data).
DEMO_REPORTS: tuple[tuple[str, str, str, list[str]], ...] = (
    ("scam", "X-COBA", "[CONG AN] Ong/ba lien quan duong day rua tien, yeu cau len lam viec. "
     "Lien he can bo Tuan 0987.654.321 va chuyen tien vao tk 1903 6655 8888 Techcombank de xac minh.", []),
    ("phishing", "TT-BAOLAC", "Vietcombank: Tai khoan cua quy khach bi tam khoa do chua cap nhat CCCD. "
     "Xac thuc ngay tai vietcombank-xacthuc[.]com de tranh gian doan.", ["vietcombank-xacthuc.com"]),
    ("scam", "X-HUNGDAO", "Chúc mừng quý khách trúng thưởng xe SH 150i trong chương trình tri ân. "
     "Nộp phí nhận thưởng 2.500.000đ qua số 0912 345 678.", []),
    ("spam", "X-COBA", "Khoan cat be tong, hut be phot gia re 24/24. Goi 0966.888.999", []),
    ("scam", "X-KHANHXUAN", "Tuyển CTV việc nhẹ lương cao, làm nhiệm vụ like đơn hàng Shopee "
     "hoa hồng 30%/ngày, nhắn Zalo 0379 111 222.", []),
    ("phishing", "TT-BAOLAC", "EVN thong bao: quy khach no tien dien, se cat dien trong 2 gio. "
     "Thanh toan tai hxxp://evn-thanhtoan[.]top/pay", ["hxxp://evn-thanhtoan[.]top/pay"]),
    ("false_info", "X-THUONGHA", "Nóng: từ tháng sau ai chưa đổi sang CCCD gắn chip sẽ bị phạt "
     "10 triệu và khóa tài khoản ngân hàng, chia sẻ gấp cho mọi người.", []),
    ("malware", "X-SONLO", "Cuc thue thong bao hoan thue TNCN, tai ung dung eTax moi tai "
     "etax-hoanthue.xyz/etax.apk de nhan tien.", ["etax-hoanthue.xyz"]),
    ("scam", "X-COBA", "[CONG AN] Ong/ba lien quan duong day rua tien, yeu cau len lam viec. "
     "Lien he can bo Tuan 0987.654.321 va chuyen tien vao tk 1903 6655 8888 Techcombank de xac minh.", []),
    ("other", "X-DINHPHUNG", "Ma OTP cua ban la 482913. Khong chia se ma nay cho bat ky ai.", []),
)  # fmt: skip


def load_demo(session: Session) -> list[tuple[DemoAccount, str]]:
    """Load the demo once; return the demo accounts with their passwords (empty if loaded before)."""
    if session.scalar(select(User.id).where(User.email == DEMO_MARKER_EMAIL)) is not None:
        return []
    created = []
    for account in DEMO_ACCOUNTS:
        password = accounts.generate_password()
        accounts.create_user(
            session, "demo", email=account.email, name=account.name, unit_code=account.unit,
            role=account.role, password=password,
        )  # fmt: skip
        created.append((account, password))
    _load_reports(session)
    _load_plan_activity(session)
    return created


def _load_reports(session: Session) -> None:
    from canhgiac.detect import default_scanner

    scanner = default_scanner()
    for category, commune, content, urls in DEMO_REPORTS:
        report = filing.submit_report(
            session, category=category, content=content, urls=list(urls), phones=[],
            contact=None, commune=commune, channel="tipline", actor="demo",
        )  # fmt: skip
        session.flush()
        scanning.scan_item(session, report.item, scanner)


def _load_plan_activity(session: Session) -> None:
    plan = active_plan(session)
    year = plan.year if plan is not None else date.today().year  # noqa: DTZ011 (a calendar year)
    activities.record_activity(
        session, "demo", kind="training", title="Tập huấn nhận diện lừa đảo trực tuyến cho cán bộ xã",
        held_on=date(year, 4, 12), organiser_code="VHTT", commune_code="X-COBA",
        place="Hội trường UBND xã Cô Ba", audience="officials", attendance=45,
        channels=["meetings"], plan=plan,
    )  # fmt: skip
    activities.record_activity(
        session, "demo", kind="campaign", title="Phát thanh cảnh báo thủ đoạn giả danh công an",
        held_on=date(year, 5, 3), organiser_code="TT-BAOLAC", commune_code="TT-BAOLAC",
        place="Hệ thống loa truyền thanh thị trấn", audience="residents", attendance=1200,
        channels=["loudspeaker", "zalo"], plan=plan,
    )  # fmt: skip
    if plan is not None:
        budget.set_budget_line(
            session, "demo", plan=plan, unit_code="VHTT",
            title="In tờ rơi, áp phích cảnh báo lừa đảo", planned=15_000_000, committed=9_000_000,
            spent=6_500_000,
        )  # fmt: skip
        budget.set_budget_line(
            session, "demo", plan=plan, unit_code="CA",
            title="Thiết bị sao lưu chứng cứ điện tử", planned=40_000_000, committed=0, spent=0,
        )  # fmt: skip
