"""Test data builders for the cases area: items with verdicts, indicators and reports."""

from __future__ import annotations

import hashlib
import itertools
from typing import Any

from sqlalchemy.orm import Session

from canhgiac.db.models import Item, ItemIndicator, Report
from canhgiac.services import units

_seq = itertools.count(1)


def make_item(
    db: Session,
    content: str,
    *,
    label: str | None = "scam",
    score: float = 0.9,
    categories: tuple[str, ...] = ("scam",),
    indicators: tuple[tuple[str, str], ...] = (),
    reports: tuple[str, ...] = (),
    commune: str | None = None,
    cluster_id: int | None = None,
    claims: tuple[str, ...] = (),
    contact: dict[str, Any] | None = None,
) -> Item:
    """An item as intake and the scanner leave it (verdict stored), with its reports."""
    n = next(_seq)
    commune_id = units.get_unit(db, commune).id if commune else None
    reasons = [
        {"kind": "claim", "code": c, "message": "", "weight": 1.0, "spans": []} for c in claims
    ]
    item = Item(
        channel="tipline",
        content=content,
        content_sha256=hashlib.sha256(f"{n}:{content}".encode()).hexdigest(),
        cluster_id=cluster_id,
        commune_unit_id=commune_id,
        report_count=max(1, len(reports)),
        scan_state="done" if label else "pending",
        verdict_label=label,
        verdict_score=score if label else None,
        verdict={"label": label, "score": score, "categories": list(categories), "reasons": reasons}
        if label
        else None,
    )
    db.add(item)
    db.flush()
    for kind, value in indicators:
        db.add(ItemIndicator(item_id=item.id, kind=kind, value=value))
    for i, category in enumerate(reports):
        db.add(
            Report(
                tracking_code=f"T{n:05d}{i:02d}",
                item_id=item.id,
                channel="tipline",
                category=category,
                content=content,
                commune_unit_id=commune_id,
                contact=contact,
                contact_consent=contact is not None,
            )
        )
    db.flush()
    return item
