"""The shared record type of every block-list exchange format, and the metadata of one export."""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime

__all__ = [
    "CANHGIAC_NAMESPACE",
    "KINDS",
    "STATUSES",
    "ExportMeta",
    "IndicatorRecord",
    "active_records",
    "stable_uuid",
    "utc_iso",
]

KINDS = ("domain", "url", "phone", "bank_account", "email", "ip")
STATUSES = ("active", "expired", "false_positive")

# Fixed namespace so the same indicator gets the same MISP/STIX id in every export, everywhere.
CANHGIAC_NAMESPACE = uuid.UUID("5b1f6c1e-3d0a-5c7e-9a43-63616e686769")


@dataclass(frozen=True, slots=True)
class IndicatorRecord:
    """One indicator (tên miền, đường link, số điện thoại, số tài khoản…) as exchanged with others."""

    kind: str  # "domain" | "url" | "phone" | "bank_account" | "email" | "ip"
    value: str  # normalised (lower-case domain; E.164 phone)
    confidence: float  # 0..1
    source: str
    first_seen: datetime  # tz-aware UTC
    last_seen: datetime
    expires_at: datetime | None = None
    status: str = "active"  # "active" | "expired" | "false_positive"
    description: str = ""  # e.g. "Lừa đảo giả mạo Vietcombank"
    case_ref: str | None = None
    category: str = ""  # report category (scam, phishing, ...)

    def __post_init__(self) -> None:
        if self.kind not in KINDS:
            raise ValueError(f"unknown indicator kind {self.kind!r}")
        if self.status not in STATUSES:
            raise ValueError(f"unknown indicator status {self.status!r}")
        if not 0.0 <= self.confidence <= 1.0:
            raise ValueError("confidence must be within 0..1")
        for name in ("first_seen", "last_seen", "expires_at"):
            value = getattr(self, name)
            if value is not None and value.utcoffset() is None:
                raise ValueError(f"{name} must be timezone-aware")

    @property
    def key(self) -> tuple[str, str]:
        """(kind, value): what identifies the indicator across formats."""
        return (self.kind, self.value)


def _now() -> datetime:
    return datetime.now(UTC).replace(microsecond=0)


@dataclass(frozen=True, slots=True)
class ExportMeta:
    """Who produced an export and when; every timestamp in the output comes from here."""

    producer: str = "UBND huyện Bảo Lạc"
    origin: str = "rpz.canhgiac.local"  # RPZ zone name
    generated_at: datetime = field(default_factory=_now)
    contact_email: str = ""  # SOA RNAME and MISP/STIX contact; hostmaster@origin when empty
    ttl: int = 300  # seconds; RPZ answers are cached this long by resolvers

    def __post_init__(self) -> None:
        if self.generated_at.utcoffset() is None:
            raise ValueError("generated_at must be timezone-aware")


def active_records(records: Iterable[IndicatorRecord], at: datetime) -> list[IndicatorRecord]:
    """Records that should still be blocked at ``at``: status active and not past expiry."""
    return [
        r for r in records if r.status == "active" and (r.expires_at is None or r.expires_at > at)
    ]


def stable_uuid(*parts: str) -> uuid.UUID:
    """UUIDv5 of the joined parts in the Cảnh Giác namespace (deterministic ids)."""
    return uuid.uuid5(CANHGIAC_NAMESPACE, "\x1f".join(parts))


def utc_iso(moment: datetime) -> str:
    """ISO 8601 in UTC with a trailing Z, seconds precision."""
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
