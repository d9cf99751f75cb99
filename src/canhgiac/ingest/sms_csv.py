"""Telecom operators' complaint exports (CSV): encoding and delimiter detection, row checks.

Pure parsing: bytes in, accepted rows and rejected rows (with reasons) out. A row is either taken
whole or rejected whole; nothing is guessed into a half-filled item.
"""

from __future__ import annotations

import csv
import io
import re
import unicodedata
from dataclasses import dataclass, field
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from canhgiac.errors import ValidationFailed
from canhgiac.exports.csv_export import safe_cell
from canhgiac.text.normalize import fold

LOCAL_TZ = ZoneInfo("Asia/Ho_Chi_Minh")
MAX_FILE_BYTES = 50 * 1024 * 1024
MAX_TEXT_CHARS = 10_000
MAX_FIELD_CHARS = 1_000_000
ENCODINGS = ("utf-8-sig", "utf-8", "cp1258")

# Header names operators use, in folded form (no diacritics, lower case, "_" as space).
TEXT_NAMES = ("text", "noi dung tin nhan", "noi dung", "tin nhan", "message", "content", "sms",
              "body", "noidung")  # fmt: skip
SENDER_NAMES = ("sender", "so gui", "so thue bao gui", "so thue bao", "msisdn", "from",
                "phone", "so dien thoai", "thue bao")  # fmt: skip
TIME_NAMES = ("time", "thoi gian", "received", "received at", "ngay gio", "ngay", "date",
              "timestamp", "thoi diem")  # fmt: skip
ID_NAMES = ("id", "stt", "ma", "ma phan anh", "complaint id")
TIME_FORMATS = ("%Y-%m-%d %H:%M:%S", "%Y-%m-%d %H:%M", "%d/%m/%Y %H:%M:%S", "%d/%m/%Y %H:%M",
                "%d/%m/%Y", "%Y-%m-%d", "%d-%m-%Y %H:%M:%S", "%Y/%m/%d %H:%M:%S")  # fmt: skip


@dataclass(frozen=True)
class SmsRow:
    """One accepted row."""

    line: int
    text: str
    sender: str | None
    received_at: datetime | None
    external_id: str | None


@dataclass(frozen=True)
class RejectedRow:
    """One refused row and why."""

    line: int
    reason: str
    raw: str


@dataclass
class ParsedCsv:
    """What a file held."""

    encoding: str
    delimiter: str
    header: list[str]
    rows: list[SmsRow] = field(default_factory=list)
    rejected: list[RejectedRow] = field(default_factory=list)


def decode_text(data: bytes) -> tuple[str, str]:
    """The file's text and encoding (UTF-8 with or without BOM, else Windows-1258); NFC."""
    if len(data) > MAX_FILE_BYTES:
        raise ValidationFailed("Tệp CSV lớn hơn 50 MB.", field="file")
    head = data[:65536]
    if b"\x00" in head or sum(b < 9 or 13 < b < 32 for b in head) > len(head) // 100 + 2:
        raise ValidationFailed("Tệp không phải CSV dạng văn bản.", field="file")
    encodings = ENCODINGS if data.startswith(b"\xef\xbb\xbf") else ENCODINGS[1:]
    for encoding in encodings:
        try:
            text = data.decode(encoding)
        except UnicodeDecodeError:
            continue
        # Windows-1258 writes tone marks as combining characters; NFC puts them back together.
        return unicodedata.normalize("NFC", text), encoding
    raise ValidationFailed("Không nhận ra bảng mã của tệp CSV.", field="file")  # pragma: no cover


def _key(name: str) -> str:
    return re.sub(r"[\s_\-.]+", " ", fold(name.strip().lstrip("\ufeff"))).strip()


def _find(header: list[str], wanted: str | None, names: tuple[str, ...], what: str) -> int | None:
    keys = [_key(h) for h in header]
    if wanted:
        if wanted.isdigit() and int(wanted) < len(header):
            return int(wanted)
        key = _key(wanted)
        if key in keys:
            return keys.index(key)
        raise ValidationFailed(
            f"Không có cột '{wanted}' ({what}); các cột: {', '.join(header)}.", field="column"
        )
    for name in names:
        if name in keys:
            return keys.index(name)
    return None


def parse_time(value: str) -> datetime:
    """A timestamp as operators write it; without a zone it is Vietnam time. ValueError if not one."""
    value = value.strip()
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        for fmt in TIME_FORMATS:
            try:
                parsed = datetime.strptime(value, fmt)  # noqa: DTZ007 - zone added below
                break
            except ValueError:
                continue
        else:
            raise ValueError(value) from None
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=LOCAL_TZ)
    return parsed.astimezone(UTC)


def _sniff(sample: str) -> str:
    try:
        return csv.Sniffer().sniff(sample, delimiters=",;\t|").delimiter
    except csv.Error:
        return ","


def parse_sms_csv(
    data: bytes,
    *,
    column: str | None = None,
    sender_column: str | None = None,
    time_column: str | None = None,
) -> ParsedCsv:
    """Parse an export; ValidationFailed when the file as a whole is unusable."""
    text, encoding = decode_text(data)
    if not text.strip():
        raise ValidationFailed("Tệp CSV trống.", field="file")
    delimiter = _sniff(text[:8192])
    csv.field_size_limit(MAX_FIELD_CHARS)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, strict=True)
    try:
        header = next(reader)
    except csv.Error as exc:
        raise ValidationFailed(f"Dòng tiêu đề CSV hỏng: {exc}.", field="file") from None
    text_idx = _find(header, column, TEXT_NAMES, "nội dung")
    if text_idx is None:
        raise ValidationFailed(
            "Không tìm thấy cột nội dung tin nhắn; hãy chỉ rõ tên cột (--column). "
            f"Các cột: {', '.join(header)}.",
            field="column",
        )
    sender_idx = _find(header, sender_column, SENDER_NAMES, "số gửi")
    time_idx = _find(header, time_column, TIME_NAMES, "thời gian")
    id_idx = _find(header, None, ID_NAMES, "mã")
    parsed = ParsedCsv(encoding=encoding, delimiter=delimiter, header=header)
    line = 1
    while True:
        try:
            values = next(reader)
        except StopIteration:
            break
        except csv.Error as exc:
            line = reader.line_num
            parsed.rejected.append(RejectedRow(line, f"dòng CSV hỏng: {exc}", ""))
            continue
        line = reader.line_num
        if not any(v.strip() for v in values):
            continue
        raw = delimiter.join(values)
        row, reason = _row(values, len(header), text_idx, sender_idx, time_idx, id_idx, line)
        if row is None:
            parsed.rejected.append(RejectedRow(line, reason, raw))
        else:
            parsed.rows.append(row)
    return parsed


def _row(
    values: list[str],
    width: int,
    text_idx: int,
    sender_idx: int | None,
    time_idx: int | None,
    id_idx: int | None,
    line: int,
) -> tuple[SmsRow | None, str]:
    if len(values) != width:
        return None, f"số cột {len(values)} khác dòng tiêu đề ({width})"
    message = values[text_idx].replace("\x00", "").strip()
    if not message:
        return None, "nội dung tin nhắn trống"
    if len(message) > MAX_TEXT_CHARS:
        return None, f"nội dung dài quá {MAX_TEXT_CHARS} ký tự"
    received_at = None
    if time_idx is not None and values[time_idx].strip():
        try:
            received_at = parse_time(values[time_idx])
        except ValueError:
            return None, f"thời gian không hợp lệ: {values[time_idx][:40]!r}"
    sender = values[sender_idx].strip()[:64] or None if sender_idx is not None else None
    external_id = values[id_idx].strip()[:255] or None if id_idx is not None else None
    return SmsRow(line, message, sender, received_at, external_id), ""


def rejected_csv(rejected: list[RejectedRow]) -> str:
    """The rejected rows as CSV (line, reason, raw row) for the person who sent the file."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(["dong", "ly_do", "du_lieu_goc"])
    for row in rejected:
        # The raw row is hostile content: a scam SMS starting with "=" must not run as a formula.
        writer.writerow([row.line, safe_cell(row.reason), safe_cell(row.raw)])
    return buffer.getvalue()
