"""Phone-number block-list for telecom operators: E.164 and national format, reason, case."""

from __future__ import annotations

from collections.abc import Iterable

import phonenumbers

from canhgiac.exports.csv_export import csv_text
from canhgiac.exports.indicator_record import ExportMeta, IndicatorRecord, active_records

__all__ = ["PHONE_COLUMNS", "national_format", "to_phones_csv"]

PHONE_COLUMNS = ("e164", "national", "reason", "case_ref", "first_seen", "last_seen", "confidence")

CATEGORY_REASONS = {
    "scam": "Lừa đảo",
    "phishing": "Giả mạo",
    "spam": "Tin nhắn/cuộc gọi rác",
    "false_info": "Tin sai sự thật",
    "hacked_account": "Tài khoản bị chiếm đoạt",
    "data_leak": "Lộ lọt dữ liệu",
    "malware": "Mã độc",
    "other": "Khác",
}


def national_format(e164: str) -> str:
    """ "+84912345678" -> "0912 345 678"; the input unchanged when it does not parse."""
    try:
        number = phonenumbers.parse(e164, "VN")
    except phonenumbers.NumberParseException:
        return e164
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.NATIONAL)


def _reason(record: IndicatorRecord) -> str:
    label = CATEGORY_REASONS.get(record.category, record.category)
    if label and record.description:
        return f"{label}: {record.description}"
    return record.description or label


def to_phones_csv(records: Iterable[IndicatorRecord], meta: ExportMeta, *, bom: bool = True) -> str:
    """Active phone records, one row per number (the latest record wins), sorted by number."""
    latest: dict[str, IndicatorRecord] = {}
    for r in active_records(records, meta.generated_at):
        if r.kind == "phone" and (r.value not in latest or r.last_seen > latest[r.value].last_seen):
            latest[r.value] = r
    rows = (
        (v, national_format(v), _reason(r), r.case_ref, r.first_seen, r.last_seen, r.confidence)
        for v, r in sorted(latest.items())
    )
    return csv_text(PHONE_COLUMNS, rows, bom=bom)
