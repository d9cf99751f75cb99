"""MISP event JSON carrying our indicators, for import into a MISP instance or feed."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from canhgiac.exports.indicator_record import (
    ExportMeta,
    IndicatorRecord,
    stable_uuid,
    utc_iso,
)

__all__ = ["MISP_TYPES", "to_misp_event"]

# kind -> (MISP attribute type, MISP category)
MISP_TYPES: dict[str, tuple[str, str]] = {
    "domain": ("domain", "Network activity"),
    "url": ("url", "Network activity"),
    "ip": ("ip-dst", "Network activity"),
    "email": ("email-src", "Payload delivery"),
    "phone": ("phone-number", "Financial fraud"),
    "bank_account": ("bank-account-nr", "Financial fraud"),
}


def _comment(record: IndicatorRecord) -> str:
    parts = [p for p in (record.case_ref, record.category, record.description) if p]
    return " | ".join(parts)


def _attribute(record: IndicatorRecord, meta: ExportMeta) -> dict[str, Any]:
    misp_type, category = MISP_TYPES[record.kind]
    blocking = record.status == "active" and (
        record.expires_at is None or record.expires_at > meta.generated_at
    )
    return {
        "uuid": str(stable_uuid("misp-attribute", meta.producer, record.kind, record.value)),
        "type": misp_type,
        "category": category,
        "value": record.value,
        "to_ids": blocking,
        "distribution": "5",  # inherit the event's distribution
        "comment": _comment(record),
        "timestamp": str(int(record.last_seen.timestamp())),
        "first_seen": utc_iso(record.first_seen),
        "last_seen": utc_iso(record.last_seen),
    }


def to_misp_event(
    records: Iterable[IndicatorRecord],
    meta: ExportMeta,
    *,
    info: str = "",
    threat_level_id: int = 2,
    analysis: int = 2,
    distribution: int = 1,
    tlp: str = "tlp:green",
) -> dict[str, Any]:
    """One MISP event (``{"Event": {...}}``); false positives are left out, expired ones kept
    with ``to_ids`` false so partners can retire them."""
    kept = [r for r in records if r.status != "false_positive"]
    attributes = sorted((_attribute(r, meta) for r in kept), key=lambda a: (a["type"], a["value"]))
    day = meta.generated_at.date().isoformat()
    event_uuid = stable_uuid("misp-event", meta.producer, utc_iso(meta.generated_at))
    return {
        "Event": {
            "uuid": str(event_uuid),
            "info": info or f"Cảnh Giác — dấu hiệu lừa đảo trực tuyến ({meta.producer}), {day}",
            "date": day,
            "threat_level_id": str(threat_level_id),
            "analysis": str(analysis),
            "distribution": str(distribution),
            "published": False,
            "timestamp": str(int(meta.generated_at.timestamp())),
            "Orgc": {"name": meta.producer, "uuid": str(stable_uuid("org", meta.producer))},
            "Tag": [{"name": tlp}] if tlp else [],
            "Attribute": attributes,
        }
    }
