"""Scanning a stored item: the scanner's verdict and indicators saved on it, then triage."""

from __future__ import annotations

import importlib
from types import ModuleType
from typing import TYPE_CHECKING, Protocol

from sqlalchemy import Engine, delete
from sqlalchemy.orm import Session

from canhgiac.db.base import utcnow
from canhgiac.db.models import Item, ItemIndicator
from canhgiac.services import audit

if TYPE_CHECKING:
    from canhgiac.detect.verdict import Verdict

_KIND_MAX = 16
_VALUE_MAX = 2048


class TextScanner(Protocol):
    """What scanning needs from the scanner (the real one, or a stand-in in tests)."""

    def scan_one(self, text: str, *, sender: str | None = None) -> Verdict: ...


def scan_item(session: Session, item: Item, scanner: TextScanner) -> None:
    """Scan `item`, store its verdict and indicators (replacing earlier ones), then triage it."""
    verdict = scanner.scan_one(item.content, sender=item.sender)
    # Triage may open a case (audited too): every entry of the scan is appended at the end of the
    # block, so the audit chain's head stays locked only from there to the commit that follows.
    with audit.deferred(session):
        item.verdict_label = verdict.label
        item.verdict_score = float(verdict.score)
        item.verdict = verdict.to_dict()
        item.scanned_at = utcnow()
        item.scan_state = "done"
        session.execute(delete(ItemIndicator).where(ItemIndicator.item_id == item.id))
        seen: set[tuple[str, str]] = set()
        for indicator in verdict.indicators:
            key = (indicator.kind[:_KIND_MAX], indicator.value[:_VALUE_MAX])
            if key in seen:
                continue
            seen.add(key)
            session.add(ItemIndicator(item_id=item.id, kind=key[0], value=key[1]))
        session.flush()
        triage = _triage_module()
        if triage is not None:
            triage.triage_item(session, item)
        audit.record(
            session, "system", "item.scan", "item", item.id,
            {"label": verdict.label, "score": round(float(verdict.score), 4)},
        )  # fmt: skip


def _triage_module() -> ModuleType | None:
    # Triage is optional at this layer: scanning works (and is tested) before cases exist.
    name = "canhgiac.services.triage"
    try:
        return importlib.import_module(name)
    except ModuleNotFoundError as exc:
        if exc.name != name:
            raise
        return None


# The district's own block/allow-lists and known false claims change while workers run; a scanner
# built from them is reused for this long, then rebuilt from the database.
DISTRICT_SCANNER_TTL_S = 120.0
_district: dict[str, tuple[float, TextScanner]] = {}


def district_scanner(session: Session) -> TextScanner:
    """The shipped scanner plus this database's block/allow-lists and known false claims."""
    import time

    from canhgiac.detect.scanner import Scanner
    from canhgiac.services import claims_kb, indicators

    bind = session.get_bind()
    engine = bind if isinstance(bind, Engine) else bind.engine
    key = engine.url.render_as_string(hide_password=True)
    now = time.monotonic()
    cached = _district.get(key)
    if cached is not None and now - cached[0] < DISTRICT_SCANNER_TTL_S:
        return cached[1]
    scanner = Scanner(
        lists=indicators.build_lists(session), claim_matcher=claims_kb.matcher_for(session)
    )
    _district[key] = (now, scanner)
    return scanner
