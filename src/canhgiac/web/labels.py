"""Screen names of stored codes (states, categories, roles, kinds), for the `label` Jinja filter.

Names follow GLOSSARY.md and are Vietnamese source messages; the filter translates them into the
page's language. A code no group knows is shown as it is.
"""

from __future__ import annotations

from typing import Any

from jinja2 import pass_context
from jinja2.runtime import Context

from canhgiac.i18n import N_

__all__ = ["LABELS", "label", "name_of"]

LABELS: dict[str, dict[str, str]] = {
    "case_state": {
        "new": N_("Mới"),
        "triaged": N_("Đã phân loại"),
        "verifying": N_("Đang xác minh"),
        "acting": N_("Đang xử lý"),
        "awaiting_response": N_("Chờ phản hồi"),
        "resolved": N_("Đã xử lý xong"),
        "rejected": N_("Không xử lý"),
        "archived": N_("Lưu trữ"),
    },
    "category": {
        "scam": N_("Lừa đảo"),
        "phishing": N_("Trang/đường link giả mạo"),
        "spam": N_("Tin nhắn/cuộc gọi rác"),
        "false_info": N_("Tin sai sự thật"),
        "hacked_account": N_("Tài khoản bị chiếm đoạt"),
        "data_leak": N_("Lộ lọt dữ liệu"),
        "malware": N_("Mã độc"),
        "other": N_("Khác"),
    },
    "role": {
        "administrator": N_("Quản trị hệ thống"),
        "coordinator": N_("Đầu mối điều phối"),
        "investigator": N_("Điều tra viên"),
        "unit_officer": N_("Cán bộ đơn vị"),
        "viewer": N_("Người xem"),
    },
    "unit_kind": {
        "office": N_("Phòng chuyên môn"),
        "police": N_("Công an"),
        "agency": N_("Cơ quan, ban, ngành, đoàn thể"),
        "commune": N_("Xã, thị trấn"),
        "external": N_("Đơn vị bên ngoài"),
    },
    # Report.public_state, what a citizen sees on the tracking page (services/cases.py writes
    # in_review and closed; ingest/tipline.py names processing and rejected).
    "report_state": {
        "received": N_("Đã tiếp nhận"),
        "in_review": N_("Đang xem xét, xử lý"),
        "processing": N_("Đang xem xét, xử lý"),
        "resolved": N_("Đã xử lý xong"),
        "closed": N_("Đã đóng"),
        "rejected": N_("Không xử lý"),
    },
    "severity": {
        "low": N_("Thấp"),
        "medium": N_("Trung bình"),
        "high": N_("Cao"),
        "critical": N_("Nghiêm trọng"),
    },
    "verdict": {
        "scam": N_("Lừa đảo"),
        "spam": N_("Rác"),
        "ok": N_("Bình thường"),
        "pending": N_("Chưa rà quét"),
    },
    "scan_state": {
        "pending": N_("Chờ rà quét"),
        "done": N_("Đã rà quét"),
        "failed": N_("Rà quét lỗi"),
    },
    "channel": {
        "tipline": N_("Đường dây nóng"),
        "api": N_("API"),
        "agency": N_("Cơ quan, đơn vị"),
        "sms_csv": N_("Tin nhắn (nhà mạng)"),
        "eml": N_("E-mail"),
        "rss": N_("RSS"),
        "web": N_("Trang web"),
    },
    "indicator_kind": {
        "url": N_("Đường link"),
        "domain": N_("Tên miền"),
        "phone": N_("Số điện thoại"),
        "shortcode": N_("Đầu số ngắn"),
        "bank_account": N_("Số tài khoản"),
        "email": N_("Thư điện tử"),
        "ip": N_("Địa chỉ IP"),
    },
    "evidence_kind": {
        "raw_report": N_("Phản ánh gốc"),
        "screenshot": N_("Ảnh chụp màn hình"),
        "import_file": N_("Tệp nhập"),
        "import_row": N_("Dòng trong tệp nhập"),
        "email": N_("Thư điện tử"),
        "attachment": N_("Tệp đính kèm"),
        "page": N_("Trang web đã lưu"),
        "warc": N_("Bản lưu trang web (WARC)"),
        "file": N_("Tệp chứng cứ"),
    },
    "request_state": {
        "draft": N_("Dự thảo"),
        "approved": N_("Đã phê duyệt"),
        "sent": N_("Đã gửi"),
        "acknowledged": N_("Đã tiếp nhận"),
        "done": N_("Đã xử lý"),
        "refused": N_("Từ chối"),
        "expired": N_("Quá hạn, chưa phản hồi"),
    },
    "recipient_channel": {
        "letter": N_("Công văn giấy"),
        "email": N_("Thư điện tử"),
        "web_form": N_("Biểu mẫu trên trang web"),
    },
    "warning_state": {
        "draft": N_("Dự thảo"),
        "review": N_("Chờ duyệt"),
        "published": N_("Đã đăng"),
        "withdrawn": N_("Đã gỡ"),
    },
    "warning_kind": {
        "warning": N_("Cảnh báo"),
        "fact_check": N_("Đính chính"),
    },
    "task_state": {
        "open": N_("Chưa thực hiện"),
        "in_progress": N_("Đang thực hiện"),
        "done": N_("Đã hoàn thành"),
        "overdue": N_("Quá hạn"),
        "cancelled": N_("Hủy bỏ"),
    },
}

# The bare filter (`x|label`) looks in these groups in order; codes shared by two groups with
# different names (draft, done, spam, agency, email) need the group named: `x|label("request_state")`.
_DEFAULT_ORDER = ("case_state", "category", "role", "unit_kind", "severity", "channel")


def name_of(code: str | None, kind: str | None = None) -> str | None:
    """The Vietnamese source name of `code` (in group `kind`, or the default groups), if known."""
    if not code:
        return None
    groups = (kind,) if kind else _DEFAULT_ORDER
    for group in groups:
        name = LABELS[group].get(code)
        if name is not None:
            return name
    return None


@pass_context
def label(context: Context, code: str | None, kind: str | None = None) -> Any:
    """Jinja filter: the code's name in the page's language, or the code itself when unknown."""
    name = name_of(code, kind)
    if name is None:
        return code or ""
    return context.call(context.resolve("_"), name)
