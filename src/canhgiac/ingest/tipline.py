"""The public tipline's vocabulary: categories, tracking codes, and the shape of what citizens send."""

from __future__ import annotations

import re
import secrets

from canhgiac.db.models.intake import REPORT_CATEGORIES
from canhgiac.i18n import N_

CATEGORY_LABELS: dict[str, str] = {
    "scam": N_("Lừa đảo"),
    "phishing": N_("Trang/đường link giả mạo"),
    "spam": N_("Tin nhắn/cuộc gọi rác"),
    "false_info": N_("Tin sai sự thật"),
    "hacked_account": N_("Tài khoản bị chiếm đoạt"),
    "data_leak": N_("Lộ lọt dữ liệu"),
    "malware": N_("Mã độc"),
    "other": N_("Khác"),
}
assert tuple(CATEGORY_LABELS) == REPORT_CATEGORIES

PUBLIC_STATE_LABELS: dict[str, str] = {
    "received": N_("Đã tiếp nhận"),
    "processing": N_("Đang xử lý"),
    "resolved": N_("Đã xử lý xong"),
    "rejected": N_("Không xử lý"),
}

MAX_CONTENT_CHARS = 10_000
MAX_URLS = 20
MAX_PHONES = 20
MAX_URL_CHARS = 2048
MAX_PHONE_CHARS = 32
MAX_SCREENSHOTS = 5
CONTACT_FIELDS = ("name", "phone", "email")
MAX_CONTACT_CHARS = 200

# Crockford base32 without I, L, O, U: nothing to misread when a code is read aloud or copied.
_ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
_CODE_RE = re.compile(r"^CG-[0-9A-HJKMNP-TV-Z]{4}-[0-9A-HJKMNP-TV-Z]{4}$")
_MISREAD = str.maketrans({"O": "0", "I": "1", "L": "1", "U": "V"})


def new_tracking_code() -> str:
    """A fresh code like CG-7K2Q-9XMB (40 random bits from `secrets`)."""
    chars = "".join(secrets.choice(_ALPHABET) for _ in range(8))
    return f"CG-{chars[:4]}-{chars[4:]}"


def canonical_tracking_code(raw: str) -> str | None:
    """The code as stored, from what a person typed ('cg 7k2q 9xmb', 'CG-7K2Q-9XMB'); None if not one."""
    compact = re.sub(r"[\s\-_.]", "", raw or "").upper()
    compact = compact.removeprefix("CG").translate(_MISREAD)
    if len(compact) != 8:
        return None
    code = f"CG-{compact[:4]}-{compact[4:]}"
    return code if _CODE_RE.fullmatch(code) else None


def split_lines(text: str) -> list[str]:
    """One value per line or separated by commas/semicolons; blanks dropped, order kept, no repeats."""
    seen: dict[str, None] = {}
    for part in re.split(r"[\r\n,;]+", text or ""):
        value = part.strip()
        if value:
            seen.setdefault(value, None)
    return list(seen)
