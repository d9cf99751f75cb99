"""`source.poll` (fetch one source now) and the periodic `sources.due` that queues due polls."""

from __future__ import annotations

import logging
from typing import Any

from sqlalchemy.orm import Session

from canhgiac.db.models import Source
from canhgiac.ingest.evidence import EvidenceStore
from canhgiac.services.sources import due_sources, enqueue_poll, fetch_source, record_poll
from canhgiac.worker.registry import job, periodic
from canhgiac.worker.runner import settings_of

logger = logging.getLogger(__name__)


@job("source.poll", max_attempts=3, timeout_s=180)
def poll_source_job(session: Session, payload: dict[str, Any]) -> None:
    """Fetch the source `payload["source_id"]` and store what is new; paused sources are skipped."""
    source_id = int(payload["source_id"])
    source = session.get(Source, source_id)
    if source is None or not source.active:
        logger.info("source %s is gone or paused; not polled", source_id)
        return
    url, etag, last_modified = source.url, source.etag, source.last_modified
    # Nothing is written yet; ending the read snapshot before the slow fetch lets SQLite take the
    # write lock afterwards even if other writers committed meanwhile.
    session.commit()
    settings = settings_of(session)
    fetched = fetch_source(settings, url=url, etag=etag, last_modified=last_modified)
    source = session.get(Source, source_id, populate_existing=True)
    if source is None:
        return
    record_poll(session, source, fetched, store=EvidenceStore(settings.evidence_dir))


@job("sources.due", max_attempts=1, timeout_s=50)
@periodic("sources.due", every_s=60)
def queue_due_sources(session: Session, payload: dict[str, Any]) -> None:
    """Queue a poll for every active source whose time has come."""
    for source in due_sources(session):
        enqueue_poll(session, source)
