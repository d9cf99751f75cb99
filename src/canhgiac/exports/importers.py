"""Read block-lists from partners (CSV, plain text/hosts, MISP, STIX 2.1) into indicator records.

Bad rows become ``ImportError_`` entries with their line number (for MISP and STIX: the 1-based
position of the attribute or object); only a file that cannot be read at all raises ``ValueError``.
Values are refanged and normalised the same way as indicators found in messages.
"""

from __future__ import annotations

import csv
import io
import ipaddress
import json
import re
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import phonenumbers

from canhgiac.exports.indicator_record import KINDS, STATUSES, IndicatorRecord
from canhgiac.text.indicators import normalize_phone, normalize_url, refang, to_idna

__all__ = [
    "FORMATS",
    "ImportError_",
    "guess_kind",
    "normalise_value",
    "read_indicators",
]

FORMATS = ("csv", "txt", "misp", "stix")
MAX_BYTES = 64 * 1024 * 1024

_LABEL = r"(?:[a-z0-9_](?:[a-z0-9_-]{0,61}[a-z0-9])?)"
_DOMAIN_RE = re.compile(rf"^(?:{_LABEL}\.)+(?:[a-z]{{2,63}}|xn--[a-z0-9-]{{1,59}})$")
_EMAIL_RE = re.compile(r"^[^@\s]{1,64}@[^@\s]+$")
_PHONEISH_RE = re.compile(r"^\(?\+?[\d\s.\-()]{6,24}$")
_HOSTS_SINKS = {
    "0.0.0.0",  # noqa: S104 - hosts-file sink addresses, nothing binds
    "127.0.0.1",
    "::",
    "::1",
    "0:0:0:0:0:0:0:0",
}
_LOCAL_NAMES = {
    "localhost",
    "localhost.localdomain",
    "local",
    "broadcasthost",
    "ip6-localhost",
    "ip6-loopback",
    "0.0.0.0",  # noqa: S104 - a name position, not a bind address
}
_NEUTRALISED = re.compile(r"^'(?=[=+\-@\t\r])")


@dataclass(frozen=True, slots=True)
class ImportError_:  # trailing underscore: the builtin ImportError keeps its meaning
    """One row that could not be imported, and why (Vietnamese, shown to the officer)."""

    line: int
    message: str
    raw: str = ""


# --- values -------------------------------------------------------------------------------------


def _domain(raw: str) -> str | None:
    host = to_idna(refang(raw).strip().removeprefix("*.").strip("."))
    return host if host and _DOMAIN_RE.match(host) else None


def _url(raw: str) -> str | None:
    url = normalize_url(refang(raw))
    if url is None or "://" not in url:
        return None
    host = url.split("://", 1)[1].split("/", 1)[0].rsplit("@", 1)[-1].split(":", 1)[0]
    return url if _domain(host) or _ip(host.strip("[]")) else None


def _phone(raw: str) -> str | None:
    e164 = normalize_phone(raw)
    if e164 is None and raw.strip().startswith("+"):
        try:  # foreign numbers: only with an explicit country code
            number = phonenumbers.parse(raw.strip(), None)
        except phonenumbers.NumberParseException:
            return None
        if phonenumbers.is_valid_number(number):
            e164 = phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)
    return e164


def _email(raw: str) -> str | None:
    value = refang(raw).strip().lower().removeprefix("mailto:")
    if not _EMAIL_RE.match(value):
        return None
    local, _, host = value.rpartition("@")
    domain = _domain(host)
    return f"{local}@{domain}" if domain else None


def _ip(raw: str) -> str | None:
    try:
        return str(ipaddress.ip_address(refang(raw).strip()))
    except ValueError:
        return None


def _bank_account(raw: str) -> str | None:
    digits = re.sub(r"[\s.\-]", "", raw)
    return digits if digits.isdigit() and 6 <= len(digits) <= 19 else None


_NORMALISERS: dict[str, Callable[[str], str | None]] = {
    "domain": _domain,
    "url": _url,
    "phone": _phone,
    "email": _email,
    "ip": _ip,
    "bank_account": _bank_account,
}


def normalise_value(kind: str, raw: str) -> str | None:
    """The normalised value of ``raw`` as an indicator of ``kind``, or None when it is not one."""
    normaliser = _NORMALISERS.get(kind)
    return normaliser(raw) if normaliser and raw.strip() else None


def guess_kind(raw: str) -> str | None:
    """Which kind of indicator ``raw`` is, or None; a valid VN phone number wins over an account."""
    value = refang(raw.strip())
    if not value:
        return None
    if "://" in value or (value.lower().startswith("www.") and "/" in value):
        return "url" if _url(value) else None
    if "@" in value:
        return "email" if _email(value) else None
    if _ip(value):
        return "ip"
    if _PHONEISH_RE.match(value):
        if _phone(value):
            return "phone"
        # Short digit runs are hotlines and short codes far more often than bank accounts.
        account = _bank_account(value)
        return "bank_account" if account and len(account) >= 9 else None
    if _domain(value):
        return "domain"
    if "/" in value and _url(value):
        return "url"
    return None


# --- shared row handling ------------------------------------------------------------------------


def _parse_time(raw: object, fallback: datetime) -> datetime:
    if raw is None or raw == "":
        return fallback
    if isinstance(raw, int | float) or (isinstance(raw, str) and raw.isdigit()):
        return datetime.fromtimestamp(int(raw), UTC)
    value = datetime.fromisoformat(str(raw).strip())
    return value.replace(tzinfo=UTC) if value.utcoffset() is None else value.astimezone(UTC)


def _confidence(raw: object, default: float) -> float:
    if raw is None or raw == "":
        return default
    value = float(str(raw).strip())
    if 1.0 < value <= 100.0 and value.is_integer():  # percentages, as STIX and many feeds write
        value /= 100.0
    if not 0.0 <= value <= 1.0:
        raise ValueError("độ tin cậy phải trong khoảng 0..1")
    return value


class _Collector:
    """Builds records row by row, turning every failure into an error with its line number."""

    def __init__(self, source: str, now: datetime, default_confidence: float) -> None:
        self.source = source
        self.now = now
        self.default_confidence = default_confidence
        self.records: dict[tuple[str, str], IndicatorRecord] = {}
        self.errors: list[ImportError_] = []

    def error(self, line: int, message: str, raw: object = "") -> None:
        self.errors.append(ImportError_(line, message, str(raw)[:200]))

    def add(self, line: int, raw_value: str, kind: str | None = None, **fields: Any) -> None:
        raw_value = _NEUTRALISED.sub("", raw_value.strip())
        if kind is None:
            kind = guess_kind(raw_value)
            if kind is None:
                self.error(
                    line, "không nhận ra loại dấu hiệu (tên miền, link, số điện thoại…)", raw_value
                )
                return
        elif kind not in KINDS:
            self.error(line, f"loại dấu hiệu không hợp lệ: {kind}", raw_value)
            return
        value = normalise_value(kind, raw_value)
        if value is None:
            self.error(line, f"giá trị không hợp lệ cho loại {kind}", raw_value)
            return
        try:
            first = _parse_time(fields.pop("first_seen", None), self.now)
            last = max(_parse_time(fields.pop("last_seen", None), first), first)
            expires = fields.pop("expires_at", None)
            record = IndicatorRecord(
                kind=kind,
                value=value,
                confidence=_confidence(fields.pop("confidence", None), self.default_confidence),
                source=self.source,
                first_seen=first,
                last_seen=last,
                expires_at=_parse_time(expires, first) if expires else None,
                status=fields.pop("status", None) or "active",
                description=_NEUTRALISED.sub("", str(fields.pop("description", None) or "")),
                case_ref=_NEUTRALISED.sub("", str(fields.pop("case_ref", None) or "")) or None,
                category=str(fields.pop("category", None) or ""),
            )
        except (ValueError, TypeError, OverflowError) as exc:
            self.error(line, f"dòng không hợp lệ: {exc}", raw_value)
            return
        self.records.setdefault(record.key, record)  # first occurrence wins


# --- formats ------------------------------------------------------------------------------------


def _read_txt(text: str, out: _Collector) -> None:
    for number, line in enumerate(text.splitlines(), start=1):
        body = line.split(" #", 1)[0].split("\t#", 1)[0].strip()
        if not body or body.startswith(("#", "!", ";")):
            continue
        tokens = body.split()
        if len(tokens) > 1 and tokens[0] in _HOSTS_SINKS:
            for token in tokens[1:]:
                if token.lower() not in _LOCAL_NAMES:
                    out.add(number, token)
        else:  # one indicator per line; spaces allowed inside ("0912 345 678")
            out.add(number, body)


def _read_csv(text: str, out: _Collector) -> None:
    reader = csv.DictReader(io.StringIO(text))
    header = [h.strip().lower() for h in reader.fieldnames or ()]
    value_col = "value" if "value" in header else "e164" if "e164" in header else None
    if value_col is None:
        raise ValueError("tệp CSV thiếu cột 'value' (hoặc 'e164'); dòng đầu phải là tên cột")
    reader.fieldnames = header
    for row in reader:
        line = reader.line_num
        if None in row:
            out.error(line, "dòng có nhiều cột hơn tiêu đề", ",".join(row[None]))
            continue
        cells = {k: (v or "").strip() for k, v in row.items()}
        raw = cells.get(value_col, "")
        if not raw:
            if any(cells.values()):
                out.error(line, "thiếu giá trị dấu hiệu", ",".join(cells.values()))
            continue
        kind = "phone" if value_col == "e164" else (cells.get("kind") or None)
        status = cells.get("status") or None
        if status is not None and status not in STATUSES:
            out.error(line, f"trạng thái không hợp lệ: {status}", raw)
            continue
        description = cells.get("description") or cells.get("reason")
        fields = {k: cells.get(k) for k in ("confidence", "first_seen", "last_seen", "expires_at")}
        out.add(
            line,
            raw,
            kind,
            status=status,
            description=description,
            case_ref=cells.get("case_ref"),
            category=cells.get("category"),
            **fields,
        )


# Composite MISP types: which parts of "a|b" we keep, as plain MISP types (ports are dropped).
_MISP_COMPOSITE = {
    "domain|ip": ("domain", "ip-dst"),
    "hostname|ip": ("hostname", "ip-dst"),
    "ip-dst|port": ("ip-dst",),
    "ip-src|port": ("ip-src",),
    "hostname|port": ("hostname",),
}
_MISP_KINDS = {
    "domain": "domain",
    "hostname": "domain",
    "url": "url",
    "uri": "url",
    "link": "url",
    "ip-dst": "ip",
    "ip-src": "ip",
    "email": "email",
    "email-src": "email",
    "email-dst": "email",
    "email-reply-to": "email",
    "phone-number": "phone",
    "whois-registrant-phone": "phone",
    "bank-account-nr": "bank_account",
}


def _misp_events(doc: Any) -> list[dict[str, Any]]:
    if isinstance(doc, dict) and isinstance(doc.get("response"), list):
        doc = doc["response"]
    items = doc if isinstance(doc, list) else [doc]
    events = []
    for item in items:
        event = item.get("Event", item) if isinstance(item, dict) else None
        if isinstance(event, dict) and ("Attribute" in event or "Object" in event):
            events.append(event)
    if not events:
        raise ValueError("không phải sự kiện MISP: không tìm thấy 'Event' có 'Attribute'")
    return events


def _misp_attributes(event: dict[str, Any]) -> Iterator[Any]:
    yield from event.get("Attribute") or ()
    for obj in event.get("Object") or ():
        if isinstance(obj, dict):
            yield from obj.get("Attribute") or ()


def _read_misp(doc: Any, out: _Collector) -> None:
    position = 0
    for event in _misp_events(doc):
        default_time = event.get("date") or None
        for attr in _misp_attributes(event):
            position += 1
            if not isinstance(attr, dict) or not isinstance(attr.get("value"), str):
                out.error(position, "thuộc tính MISP không hợp lệ", attr)
                continue
            misp_type = str(attr.get("type", ""))
            sub_types = _MISP_COMPOSITE.get(misp_type, (misp_type,))
            pairs = list(zip(sub_types, attr["value"].split("|"), strict=False))
            if not pairs or any(t not in _MISP_KINDS for t, _ in pairs):
                out.error(
                    position, f"loại thuộc tính MISP không hỗ trợ: {misp_type}", attr["value"]
                )
                continue
            for sub_type, value in pairs:
                out.add(
                    position,
                    value,
                    _MISP_KINDS[sub_type],
                    first_seen=attr.get("first_seen") or default_time,
                    last_seen=attr.get("last_seen") or attr.get("timestamp"),
                    status="active" if attr.get("to_ids", True) else "expired",
                    description=attr.get("comment") or "",
                )


_STIX_KINDS = {
    "domain-name": "domain",
    "url": "url",
    "email-addr": "email",
    "ipv4-addr": "ip",
    "ipv6-addr": "ip",
    "x-canhgiac-phone": "phone",
    "x-canhgiac-bank-account": "bank_account",
}
_STIX_COMPARISON = re.compile(r"([a-z0-9][a-z0-9-]*):value\s*=\s*'((?:[^'\\]|\\.)*)'")


def _stix_objects(doc: Any) -> list[Any]:
    if isinstance(doc, dict) and doc.get("type") == "bundle":
        objects = doc.get("objects") or []
    elif isinstance(doc, dict) and "type" in doc:
        objects = [doc]
    elif isinstance(doc, list):
        objects = doc
    else:
        raise ValueError("không phải gói STIX 2.1: thiếu 'type': 'bundle'")
    if not isinstance(objects, list):
        raise ValueError("gói STIX không hợp lệ: 'objects' phải là danh sách")
    return objects


def _read_stix(doc: Any, out: _Collector) -> None:
    for position, obj in enumerate(_stix_objects(doc), start=1):
        if not isinstance(obj, dict) or obj.get("type") != "indicator":
            continue
        pattern = obj.get("pattern")
        if obj.get("pattern_type", "stix") != "stix" or not isinstance(pattern, str):
            out.error(position, "chỉ đọc được mẫu (pattern) kiểu STIX", pattern)
            continue
        found = _STIX_COMPARISON.findall(pattern)
        if not found or any(t not in _STIX_KINDS for t, _ in found):
            out.error(position, "mẫu STIX không hỗ trợ", pattern)
            continue
        for object_type, escaped in found:
            out.add(
                position,
                re.sub(r"\\(.)", r"\1", escaped),
                _STIX_KINDS[object_type],
                confidence=obj.get("confidence"),
                first_seen=obj.get("valid_from") or obj.get("created"),
                last_seen=obj.get("modified"),
                expires_at=obj.get("valid_until"),
                status="expired" if obj.get("revoked") else "active",
                description=obj.get("description") or "",
                case_ref=obj.get("x_canhgiac_case_ref"),
                category=obj.get("x_canhgiac_category"),
            )


def _decode(data: bytes | str) -> str:
    if isinstance(data, str):
        text = data
    else:
        if len(data) > MAX_BYTES:
            raise ValueError(f"tệp quá lớn (tối đa {MAX_BYTES // (1024 * 1024)} MB)")
        try:
            text = data.decode("utf-8")
        except UnicodeDecodeError as exc:
            raise ValueError("tệp không phải văn bản UTF-8") from exc
    if "\x00" in text:
        raise ValueError("tệp nhị phân, không phải văn bản")
    return text.removeprefix("\ufeff")


def _json(text: str, what: str) -> Any:
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        raise ValueError(
            f"tệp {what} không phải JSON hợp lệ: {exc.msg} (dòng {exc.lineno})"
        ) from exc


def read_indicators(
    data: bytes | str,
    fmt: str,
    source: str,
    *,
    now: datetime | None = None,
    default_confidence: float = 0.5,
) -> tuple[list[IndicatorRecord], list[ImportError_]]:
    """Records (one per kind and value, first wins) and row errors; ValueError if unreadable."""
    if fmt not in FORMATS:
        raise ValueError(f"định dạng không hỗ trợ: {fmt!r} (chọn một trong {', '.join(FORMATS)})")
    text = _decode(data)
    out = _Collector(source, now or datetime.now(UTC).replace(microsecond=0), default_confidence)
    if fmt == "txt":
        _read_txt(text, out)
    elif fmt == "csv":
        try:
            _read_csv(text, out)
        except csv.Error as exc:  # e.g. a bare carriage return inside an unquoted field
            raise ValueError(f"tệp CSV hỏng: {exc}") from exc
    elif fmt == "misp":
        _read_misp(_json(text, "MISP"), out)
    else:
        _read_stix(_json(text, "STIX"), out)
    return list(out.records.values()), out.errors


def values_of(records: Iterable[IndicatorRecord]) -> set[tuple[str, str]]:
    """The (kind, value) set of some records: what a round trip must preserve."""
    return {r.key for r in records}
