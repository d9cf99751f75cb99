"""Public sources scanned on a schedule: add, list, poll (feeds and pages become items + evidence)."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from urllib.parse import urlsplit

from sqlalchemy import select
from sqlalchemy.orm import Session

from canhgiac.db.base import utcnow
from canhgiac.db.models import Job, Source, User
from canhgiac.errors import CanhGiacError, Conflict, NotFound, ValidationFailed
from canhgiac.i18n import N_
from canhgiac.ingest.evidence import EvidenceStore
from canhgiac.ingest.feeds import FeedEntry, FeedUnreadable, parse_feed
from canhgiac.ingest.fetcher import FetchError, FetchResult, fetch
from canhgiac.ingest.warc import WARC_MEDIA_TYPE, warc_response
from canhgiac.ingest.web import extract_page
from canhgiac.services import audit, permissions
from canhgiac.services.units import get_unit
from canhgiac.settings import Settings
from canhgiac.worker.queue import enqueue

SOURCE_KINDS = ("rss", "web")
POLL_JOB = "source.poll"
MIN_EVERY_S = 60
MAX_EVERY_S = 30 * 86400
_UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400}
_DURATION = re.compile(r"(\d+)\s*([smhd])")

Fetch = Callable[..., FetchResult]


@dataclass
class PollResult:
    """What one poll did: documents fetched, new items, errors, and a one-line status."""

    fetched: int = 0
    new: int = 0
    errors: int = 0
    status: str = ""
    item_ids: list[int] = field(default_factory=list)

    def add(self, other: PollResult) -> None:
        self.fetched += other.fetched
        self.new += other.new
        self.errors += other.errors
        self.item_ids += other.item_ids


def parse_every(text: str) -> int:
    """'30m', '2h', '1d', '1h30m' -> seconds; ValidationFailed otherwise (1 minute to 30 days)."""
    cleaned = text.strip().lower()
    if not cleaned or _DURATION.sub("", cleaned).strip():
        raise ValidationFailed(f"Chu kỳ không hợp lệ: {text!r} (ví dụ 30m, 2h, 1d).", field="every")
    seconds = sum(int(n) * _UNITS[unit] for n, unit in _DURATION.findall(cleaned))
    if not MIN_EVERY_S <= seconds <= MAX_EVERY_S:
        raise ValidationFailed(
            f"Chu kỳ phải từ 1 phút đến 30 ngày, không phải {text!r}.", field="every"
        )
    return seconds


def format_every(seconds: int) -> str:
    """1800 -> '30m', 7200 -> '2h', 5400 -> '1h30m'."""
    parts = []
    for unit in ("d", "h", "m", "s"):
        n, seconds = divmod(seconds, _UNITS[unit])
        if n:
            parts.append(f"{n}{unit}")
    return "".join(parts) or "0s"


def _check_url(url: str) -> str:
    url = url.strip()
    try:
        parts = urlsplit(url)
    except ValueError:
        parts = None
    if parts is None or parts.scheme not in ("http", "https") or not parts.hostname:
        raise ValidationFailed(
            N_("Địa chỉ nguồn phải là đường dẫn http:// hoặc https:// đầy đủ."), field="url"
        )
    if len(url) > 2000:
        raise ValidationFailed(N_("Địa chỉ nguồn quá dài."), field="url")
    return url


def add_source(
    session: Session,
    actor: User | str | None,
    *,
    kind: str,
    url: str,
    unit_code: str,
    every_s: int = 1800,
) -> Source:
    """Register a feed or page to poll every `every_s` seconds, first poll as soon as possible."""
    if isinstance(actor, User):
        permissions.require(actor, "source.manage")
    if kind not in SOURCE_KINDS:
        raise ValidationFailed(f"Loại nguồn không hợp lệ: {kind!r} (rss hoặc web).", field="kind")
    url = _check_url(url)
    if not MIN_EVERY_S <= every_s <= MAX_EVERY_S:
        raise ValidationFailed(N_("Chu kỳ phải từ 1 phút đến 30 ngày."), field="every")
    unit = get_unit(session, unit_code)
    if session.scalar(select(Source.id).where(Source.kind == kind, Source.url == url)):
        raise Conflict(N_("Nguồn này đã có trong danh sách."))
    source = Source(
        kind=kind, url=url, unit_id=unit.id, every_s=every_s, active=True,
        next_run_at=utcnow(), created_at=utcnow(),
    )  # fmt: skip
    session.add(source)
    session.flush()
    audit.record(
        session, actor, "source.add", "source", source.id,
        {"kind": kind, "url": url, "unit": unit.code, "every_s": every_s},
    )  # fmt: skip
    return source


def list_sources(session: Session) -> list[Source]:
    """Every source, oldest first."""
    return list(session.scalars(select(Source).order_by(Source.id)))


def get_source(session: Session, source_id: int) -> Source:
    """One source, or NotFound."""
    source = session.get(Source, source_id)
    if source is None:
        raise NotFound(f"Không tìm thấy nguồn #{source_id}.")
    return source


def set_active(session: Session, actor: User | str | None, source: Source, active: bool) -> None:
    """Pause or resume polling a source."""
    if isinstance(actor, User):
        permissions.require(actor, "source.manage", source)
    source.active = active
    if active and source.next_run_at is None:
        source.next_run_at = utcnow()
    audit.record(session, actor, "source.set_active", "source", source.id, {"active": active})


def due_sources(session: Session, now: datetime | None = None) -> list[Source]:
    """Active sources whose next poll time has come."""
    now = now or utcnow()
    query = select(Source).where(
        Source.active.is_(True), (Source.next_run_at.is_(None)) | (Source.next_run_at <= now)
    )
    return list(session.scalars(query.order_by(Source.next_run_at, Source.id)))


def enqueue_poll(session: Session, source: Source, *, now: datetime | None = None) -> Job:
    """Queue a poll of `source` unless one is already waiting or running."""
    prefix = f"{POLL_JOB}:{source.id}:"
    pending = session.scalar(
        select(Job).where(
            Job.kind == POLL_JOB,
            Job.dedup_key.startswith(prefix, autoescape=True),
            Job.state.in_(("queued", "running")),
        )
    )
    if pending is not None:
        return pending
    stamp = int((now or utcnow()).timestamp() * 1000)
    job = enqueue(session, POLL_JOB, {"source_id": source.id}, dedup_key=f"{prefix}{stamp}")
    assert job is not None
    return job


@dataclass(frozen=True)
class Fetched:
    """The network half of a poll, done before any database write."""

    result: FetchResult | None
    error: str | None = None


def fetch_source(
    settings: Settings,
    *,
    url: str,
    etag: str | None,
    last_modified: str | None,
    fetch_fn: Fetch = fetch,
) -> Fetched:
    """Fetch a source's document (conditional GET with its validators); never raises FetchError."""
    try:
        return Fetched(fetch_fn(url, settings=settings, etag=etag, last_modified=last_modified))
    except FetchError as exc:
        return Fetched(None, exc.reason)


def record_poll(
    session: Session,
    source: Source,
    fetched: Fetched,
    *,
    store: EvidenceStore,
    actor: User | str | None = "system",
) -> PollResult:
    """Turn a fetched document into items and evidence, and note the poll on the source."""
    from canhgiac.services.intake import ingest_item

    outcome = PollResult()
    result = fetched.result
    if result is None:
        outcome.errors, outcome.status = 1, f"lỗi: {fetched.error}"
    elif result.not_modified:
        outcome.fetched, outcome.status = 1, "không thay đổi (304)"
    else:
        outcome.fetched = 1
        try:
            entries = _entries_of(source, result)
        except (FeedUnreadable, ValueError) as exc:
            entries = []
            outcome.errors, outcome.status = 1, f"lỗi: {exc}"
        for entry in entries:
            try:
                with session.begin_nested():
                    item, created = ingest_item(
                        session, channel=source.kind, content=entry.content,
                        source_name=source.url[:255], external_id=entry.external_id,
                        url=entry.url, title=entry.title or None, source_id=source.id,
                    )  # fmt: skip
            except CanhGiacError:
                outcome.errors += 1
                continue
            if created:
                outcome.new += 1
                outcome.item_ids.append(item.id)
                _keep_evidence(session, store, result, item.id, actor)
        if not outcome.status:
            outcome.status = f"{len(entries)} mục, {outcome.new} mới"
        source.etag = (result.etag or "")[:255] or None
        source.last_modified = (result.last_modified or "")[:255] or None
    now = utcnow()
    source.last_run_at = now
    source.next_run_at = now + timedelta(seconds=source.every_s)
    source.last_status = outcome.status[:1000]
    audit.record(
        session, actor, "source.poll", "source", source.id,
        {"fetched": outcome.fetched, "new": outcome.new, "errors": outcome.errors,
         "status": outcome.status[:200]},
    )  # fmt: skip
    return outcome


def _entries_of(source: Source, result: FetchResult) -> list[FeedEntry]:
    if source.kind == "rss":
        return parse_feed(result.content)
    charset = None
    content_type = result.headers.get("content-type", "")
    if "charset=" in content_type:
        charset = content_type.split("charset=")[-1].split(";")[0].strip().strip('"')
    page = extract_page(result.content, url=result.final_url, charset=charset)
    if not page.text:
        raise ValueError("trang không có nội dung đọc được")
    text = page.text
    content = (
        text if text.startswith(page.title) else "\n\n".join(p for p in (page.title, text) if p)
    )
    return [FeedEntry(result.final_url[:255], page.title, result.final_url, content)]


def _keep_evidence(
    session: Session,
    store: EvidenceStore,
    result: FetchResult,
    item_id: int,
    actor: User | str | None,
) -> None:
    """The raw document and its WARC record, both tied to the item (blobs are stored once)."""
    from canhgiac.services.evidence import add_evidence

    stamp = result.fetched_at.strftime("%Y%m%dT%H%M%SZ")
    add_evidence(
        session, store, result.content, media_type=result.media_type,
        name=f"page-{stamp}", kind="page", origin=result.final_url, item_id=item_id, actor=actor,
    )  # fmt: skip
    add_evidence(
        session, store, warc_response(result), media_type=WARC_MEDIA_TYPE,
        name=f"page-{stamp}.warc.gz", kind="warc", origin=result.final_url, item_id=item_id,
        actor=actor,
    )  # fmt: skip


def poll_source(
    session: Session,
    source: Source,
    *,
    settings: Settings,
    store: EvidenceStore | None = None,
    fetch_fn: Fetch = fetch,
    actor: User | str | None = "system",
) -> PollResult:
    """Fetch `source` now and record what it gave (in the caller's transaction)."""
    fetched = fetch_source(
        settings, url=source.url, etag=source.etag, last_modified=source.last_modified,
        fetch_fn=fetch_fn,
    )  # fmt: skip
    return record_poll(
        session, source, fetched, store=store or EvidenceStore(settings.evidence_dir), actor=actor
    )
