"""Jobs of the actions area: request reminders and expiry, indicator expiry, claim matching."""

from __future__ import annotations

import logging
from datetime import timedelta
from typing import Any

from sqlalchemy.orm import Session

from canhgiac.db.base import utcnow
from canhgiac.db.models import Item
from canhgiac.services import claims_kb, indicators, takedown
from canhgiac.worker.registry import job, periodic

logger = logging.getLogger(__name__)


@periodic("actions.requests_tick", every_s=3600)
def requests_tick(session: Session, payload: dict[str, Any]) -> None:
    """Remind before requests fall due, then expire those past due with no answer."""
    reminded = takedown.remind_due(session)
    expired = takedown.expire_overdue(session)
    if reminded or expired:
        logger.info("requests: %d reminded, %d expired", len(reminded), len(expired))


@periodic("actions.indicators_expire", every_s=3600)
def indicators_expire(session: Session, payload: dict[str, Any]) -> None:
    """Block-list entries past their expiry stop being blocked."""
    count = indicators.expire_indicators(session)
    if count:
        logger.info("indicators: %d expired", count)


MATCH_EVERY_S = 120


@periodic("actions.match_recent_items", every_s=MATCH_EVERY_S)
def match_recent_items(session: Session, payload: dict[str, Any]) -> None:
    """Link newly scanned items to known false claims (a rescan drops the link; this restores it)."""
    since = utcnow() - timedelta(seconds=MATCH_EVERY_S * 5)
    linked = claims_kb.match_recent(session, since=since)
    if linked:
        logger.info("claims: %d items linked to known false claims", linked)


@job("actions.match_claims", max_attempts=3, timeout_s=60)
def match_claims(session: Session, payload: dict[str, Any]) -> None:
    """Link the item `payload["item_id"]` to a known false claim and its fact-check, if any."""
    item = session.get(Item, int(payload["item_id"]))
    if item is None:
        logger.info("item %s no longer exists; nothing to match", payload["item_id"])
        return
    claims_kb.match_item(session, item)
