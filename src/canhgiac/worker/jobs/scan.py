"""`item.scan`: run the scanner on a stored item."""

from __future__ import annotations

import logging
from typing import Any

from sqlalchemy.orm import Session

from canhgiac.db.models import Item
from canhgiac.services.scanning import TextScanner, district_scanner, scan_item
from canhgiac.worker.registry import job

logger = logging.getLogger(__name__)

SCANNER_KEY = "scanner"  # Session.info key: a scanner a caller provides (else the default one)


def _scanner(session: Session) -> TextScanner:
    provided = session.info.get(SCANNER_KEY)
    if provided is not None:
        scanner: TextScanner = provided
        return scanner
    return district_scanner(session)


# Not durable: a scan undone by a crash is scanned again (registry.JobSpec.durable).
@job("item.scan", max_attempts=5, timeout_s=60, durable=False)
def scan_item_job(session: Session, payload: dict[str, Any]) -> None:
    """Scan the item `payload["item_id"]`; an item deleted since is nothing to do."""
    item = session.get(Item, int(payload["item_id"]))
    if item is None:
        logger.info("item %s no longer exists; nothing to scan", payload["item_id"])
        return
    scan_item(session, item, _scanner(session))
