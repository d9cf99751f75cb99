"""Intake use cases: store an item (deduplicated), file a citizen's report, tell its public status."""

from __future__ import annotations

import hashlib
import time
from dataclasses import dataclass, field
from datetime import datetime
from functools import lru_cache
from typing import Any, cast

from sqlalchemy import Table, bindparam, case, func, select, update
from sqlalchemy.orm import Session

from canhgiac.db.base import utcnow
from canhgiac.db.models import Evidence, Item, Report, User
from canhgiac.db.models.intake import ITEM_CHANNELS, REPORT_CATEGORIES
from canhgiac.db.upsert import dialect_insert
from canhgiac.errors import Conflict, NotFound, ValidationFailed
from canhgiac.i18n import N_
from canhgiac.ingest import email as email_ingest
from canhgiac.ingest import images, sms_csv, tipline
from canhgiac.ingest.evidence import EvidenceStore
from canhgiac.ingest.sms_csv import RejectedRow
from canhgiac.services import audit, permissions
from canhgiac.services.dedup import exact_key, near_key
from canhgiac.services.evidence import add_evidence, link_evidence
from canhgiac.worker.queue import enqueue

SCAN_JOB = "item.scan"
MAX_ITEM_CHARS = 200_000
IMAGE_TEXT_MARKER = "[Văn bản trong ảnh]"
URLS_MARKER = "[Đường link]"
PHONES_MARKER = "[Số điện thoại]"
IMAGE_READ_BUDGET_S = 40.0
TIPLINE_SOURCE = "Đường dây nóng / tipline"


def _clean_text(value: str) -> str:
    # NUL cannot be stored by PostgreSQL and has no meaning in a message.
    return value.replace("\x00", "").strip()


def _key_text(content: str) -> str:
    """The part of an item that identifies it: image text is left out when there is typed text.

    OCR output varies with each screenshot of the same message, so two people who paste the same
    SMS, one with a screenshot and one without, still land on one item.
    """
    head, sep, _ = content.partition("\n\n" + IMAGE_TEXT_MARKER + "\n")
    return head if sep and head.strip() else content


@lru_cache(maxsize=4)
def item_insert(dialect: str) -> Any:
    """INSERT … ON CONFLICT DO NOTHING RETURNING the item's columns, for `dialect`; built once.

    The near-duplicate cluster (the earliest item with the same near key, or that item's own
    cluster) is looked up inside the INSERT, so a new item costs one statement.
    """
    items = cast(Table, Item.__table__)
    earlier = items.alias("earlier")
    cluster = (
        select(func.coalesce(earlier.c.cluster_id, earlier.c.id))
        .where(earlier.c.near_sha256 == bindparam("near_key"))
        .order_by(earlier.c.id)
        .limit(1)
        .scalar_subquery()
    )
    insert = dialect_insert(dialect)
    stmt = (
        insert(items)
        .values(cluster_id=cluster)
        .on_conflict_do_nothing(index_elements=["content_sha256"])
        .returning(*items.c)
    )
    return stmt


@lru_cache(maxsize=4)
def _item_insert(dialect: str) -> Any:
    """`item_insert` returning the ORM item."""
    return select(Item).from_statement(item_insert(dialect))


def _insert_item(session: Session, values: dict[str, Any]) -> Item | None:
    """Insert unless the content is already known: the new item, or None for a duplicate."""
    stmt = _item_insert(session.get_bind().dialect.name)
    params = {**values, "near_key": values.get("near_sha256")}
    found = session.scalars(stmt, params, execution_options={"populate_existing": True})
    return found.first()


def ingest_item(
    session: Session,
    *,
    channel: str,
    content: str,
    source_name: str = "",
    sender: str | None = None,
    received_at: datetime | None = None,
    external_id: str | None = None,
    url: str | None = None,
    title: str | None = None,
    source_id: int | None = None,
    category: str | None = None,
    commune_unit_id: int | None = None,
) -> tuple[Item, bool]:
    """Store one received piece of content; an exact duplicate bumps the existing item's count."""
    if channel not in ITEM_CHANNELS:
        raise ValidationFailed(f"Kênh tiếp nhận không hợp lệ: {channel!r}.", field="channel")
    content = _clean_text(content)
    if not content:
        raise ValidationFailed(N_("Nội dung trống."), field="content")
    if len(content) > MAX_ITEM_CHARS:
        raise ValidationFailed(N_("Nội dung quá dài."), field="content")
    if received_at is not None and received_at.tzinfo is None:
        raise ValidationFailed(N_("Thời điểm nhận thiếu múi giờ."), field="received_at")
    seen_at = received_at or utcnow()
    digest = exact_key(_key_text(content))
    near = near_key(_key_text(content))
    item = _insert_item(
        session,
        {
            "channel": channel,
            "source_id": source_id,
            "source_name": source_name[:255],
            "external_id": external_id[:255] if external_id else None,
            "content": content,
            "content_sha256": digest,
            "near_sha256": near,
            "sender": sender[:255] if sender else None,
            "title": title,
            "url": url,
            "category": category,
            "commune_unit_id": commune_unit_id,
            "report_count": 1,
            "first_seen_at": seen_at,
            "last_seen_at": seen_at,
            "scan_state": "pending",
            "created_at": utcnow(),
        },
    )
    if item is None:
        return _seen_again(session, digest, seen_at, channel), False
    enqueue(session, SCAN_JOB, {"item_id": item.id}, dedup_key=f"{SCAN_JOB}:{item.id}")
    audit.record(
        session, "system", "item.ingest", "item", item.id,
        {"channel": channel, "sha256": digest, "source": source_name, "cluster_id": item.cluster_id},
    )  # fmt: skip
    session.flush()
    return item, True


def _seen_again(session: Session, digest: str, seen_at: datetime, channel: str) -> Item:
    session.execute(
        update(Item)
        .where(Item.content_sha256 == digest)
        .values(
            report_count=Item.report_count + 1,
            last_seen_at=case((Item.last_seen_at < seen_at, seen_at), else_=Item.last_seen_at),
        )
    )
    item = session.scalar(
        select(Item).where(Item.content_sha256 == digest).execution_options(populate_existing=True)
    )
    assert item is not None
    audit.record(
        session, "system", "item.seen_again", "item", item.id,
        {"channel": channel, "report_count": item.report_count},
    )  # fmt: skip
    return item


def _compose(content: str, urls: list[str], phones: list[str], image_texts: list[str]) -> str:
    """What the scanner reads: the message, then links, numbers and image text not already in it."""
    parts = [content] if content else []
    extra_urls = [u for u in urls if u not in content]
    extra_phones = [p for p in phones if p not in content]
    if extra_urls:
        parts.append(URLS_MARKER + "\n" + "\n".join(extra_urls))
    if extra_phones:
        parts.append(PHONES_MARKER + "\n" + "\n".join(extra_phones))
    texts = [t for t in image_texts if t]
    if texts:
        parts.append(IMAGE_TEXT_MARKER + "\n" + "\n\n".join(texts))
    return "\n\n".join(parts)


def get_report(session: Session, tracking_code: str) -> Report:
    """The report with this tracking code (typed loosely by a person), or NotFound."""
    code = tipline.canonical_tracking_code(tracking_code)
    report = session.scalar(select(Report).where(Report.tracking_code == code)) if code else None
    if report is None:
        raise NotFound(N_("Không tìm thấy phản ánh với mã theo dõi này."), field="tracking_code")
    return report


def public_status(session: Session, tracking_code: str) -> dict[str, Any]:
    """What the reporter may see: state, when it changed and the public outcome; nothing internal."""
    report = get_report(session, tracking_code)
    return {
        "tracking_code": report.tracking_code,
        "state": report.public_state,
        "updated_at": report.updated_at.isoformat(),
        "received_at": report.created_at.isoformat(),
        "category": report.category,
        "outcome": report.public_outcome or None,
    }


def count_reports(session: Session, item_id: int) -> int:
    """How many reports point at the item."""
    return int(session.scalar(select(func.count(Report.id)).where(Report.item_id == item_id)) or 0)


@dataclass
class ImportResult:
    """What one bulk import did."""

    imported: int = 0
    duplicates: int = 0
    rejected: list[RejectedRow] = field(default_factory=list)
    item_ids: list[int] = field(default_factory=list)

    @property
    def errors(self) -> int:
        return len(self.rejected)

    def summary(self) -> str:
        """The one line the CLI and the UI print."""
        return f"imported {self.imported}, duplicates {self.duplicates}, errors {self.errors}"

    def to_dict(self) -> dict[str, Any]:
        return {
            "imported": self.imported,
            "duplicates": self.duplicates,
            "errors": self.errors,
            "item_ids": self.item_ids,
            "rejected": [{"line": r.line, "reason": r.reason, "raw": r.raw} for r in self.rejected],
        }


def _refuse_second_import(session: Session, data: bytes, kind: str, filename: str) -> None:
    """The same file imported twice would count every message twice."""
    digest = hashlib.sha256(data).hexdigest()
    earlier = session.scalar(
        select(Evidence).where(Evidence.blob_sha256 == digest, Evidence.kind == kind).limit(1)
    )
    if earlier is not None:
        raise Conflict(
            f"Tệp '{filename}' đã được nhập trước đây (chứng cứ #{earlier.id}, "
            f"{earlier.captured_at:%d/%m/%Y}); không nhập lại.",
            field="file",
        )


def _importer_commune(actor: User | str | None) -> int | None:
    """The commune an officer's import is filed for: their own unit when it is a commune, so that
    they see what they imported in their (commune-scoped) review queue; else none (district)."""
    if isinstance(actor, User) and actor.unit is not None and actor.unit.kind == "commune":
        return actor.unit_id
    return None


def import_sms_csv(
    session: Session,
    store: EvidenceStore,
    data: bytes,
    *,
    filename: str,
    source_name: str,
    column: str | None = None,
    sender_column: str | None = None,
    time_column: str | None = None,
    actor: User | str | None = None,
) -> ImportResult:
    """Import an operator's complaint export: good rows become items, bad rows come back with reasons."""
    source_name = source_name.strip()
    if not source_name:
        raise ValidationFailed(N_("Hãy ghi rõ nguồn (tên nhà mạng, đơn vị gửi)."), field="source")
    _refuse_second_import(session, data, "import_file", filename)
    parsed = sms_csv.parse_sms_csv(
        data, column=column, sender_column=sender_column, time_column=time_column
    )
    result = ImportResult(rejected=list(parsed.rejected))
    file_evidence = add_evidence(
        session, store, data, media_type="text/csv", name=filename, kind="import_file",
        origin=f"sms_csv:{source_name}", actor=actor,
        note=f"{parsed.encoding}, '{parsed.delimiter}', {len(parsed.rows)} dòng hợp lệ",
    )  # fmt: skip
    for row in parsed.rows:
        item, created = ingest_item(
            session, channel="sms_csv", content=row.text, source_name=source_name,
            sender=row.sender, received_at=row.received_at, external_id=row.external_id,
            commune_unit_id=_importer_commune(actor),
        )  # fmt: skip
        if created:
            result.imported += 1
            result.item_ids.append(item.id)
            link_evidence(
                session, file_evidence.blob_sha256, name=filename, kind="import_row",
                origin=f"{filename}, dòng {row.line}", item_id=item.id, actor=actor,
            )  # fmt: skip
        else:
            result.duplicates += 1
    audit.record(
        session, actor, "intake.import_sms", "evidence", file_evidence.id,
        {"file": filename, "source": source_name, "imported": result.imported,
         "duplicates": result.duplicates, "errors": result.errors},
    )  # fmt: skip
    return result


def import_eml(
    session: Session,
    store: EvidenceStore,
    data: bytes,
    *,
    filename: str,
    actor: User | str | None = None,
) -> tuple[Item, bool]:
    """Import one forwarded e-mail: its body is the item, the file and attachments are evidence."""
    _refuse_second_import(session, data, "email", filename)
    parsed = email_ingest.parse_eml(data)
    image_texts: list[str] = []
    deadline = time.monotonic() + IMAGE_READ_BUDGET_S
    readable: dict[int, str] = {}
    for index, attachment in enumerate(parsed.attachments):
        if images.sniff_image_type(attachment.data) is None:
            continue
        try:
            checked = images.check_image(attachment.data, attachment.name)
        except ValidationFailed:
            continue  # still kept as evidence below, just not read
        text = images.read_image_text(checked.data, deadline)
        readable[index] = text
        image_texts.append(text)
    content = _compose(parsed.body, [], [], image_texts)
    if not content:
        raise ValidationFailed(f"E-mail '{filename}' không có nội dung đọc được.", field="file")
    item, created = ingest_item(
        session, channel="eml", content=content, source_name="e-mail", sender=parsed.sender,
        received_at=parsed.sent_at, external_id=parsed.message_id, title=parsed.subject or None,
        commune_unit_id=_importer_commune(actor),
    )  # fmt: skip
    origin = f"eml:{filename}"
    add_evidence(
        session, store, data, media_type="message/rfc822", name=filename, kind="email",
        origin=origin, item_id=item.id, actor=actor,
    )  # fmt: skip
    for index, attachment in enumerate(parsed.attachments):
        add_evidence(
            session, store, attachment.data, media_type=attachment.media_type,
            name=attachment.name, kind="attachment", origin=origin, item_id=item.id,
            actor=actor, extracted_text=readable.get(index) or None,
        )  # fmt: skip
    return item, created


def import_eml_files(
    session: Session, store: EvidenceStore, files: list[tuple[str, bytes]], *,
    actor: User | str | None = None,
) -> ImportResult:  # fmt: skip
    """Import many e-mails; a broken one is rejected alone (import_eml checks before it writes)."""
    result = ImportResult()
    for number, (name, data) in enumerate(files, start=1):
        try:
            item, created = import_eml(session, store, data, filename=name, actor=actor)
        except (ValidationFailed, Conflict) as exc:
            result.rejected.append(RejectedRow(number, exc.message, name))
            continue
        if created:
            result.imported += 1
            result.item_ids.append(item.id)
        else:
            result.duplicates += 1
    return result


VERDICT_FILTERS = ("scam", "spam", "ok", "pending")


def list_items(
    session: Session,
    *,
    verdict: str | None = None,
    channel: str | None = None,
    category: str | None = None,
    page: int = 1,
    per_page: int = 50,
    user: User | None = None,
) -> tuple[list[Item], int]:
    """Items newest first with filters; (page of items, total matching).

    With `user`, only what the user may see (a commune officer: their commune's items).
    """
    query = select(Item)
    if user is not None:
        query = permissions.scoped_items(query, user)
    if verdict == "pending":
        query = query.where(Item.verdict_label.is_(None))
    elif verdict in VERDICT_FILTERS:
        query = query.where(Item.verdict_label == verdict)
    if channel in ITEM_CHANNELS:
        query = query.where(Item.channel == channel)
    if category in REPORT_CATEGORIES:
        query = query.where(Item.category == category)
    total = int(session.scalar(select(func.count()).select_from(query.subquery())) or 0)
    page = max(1, page)
    rows = session.scalars(
        query.order_by(Item.id.desc()).offset((page - 1) * per_page).limit(per_page)
    ).all()
    return list(rows), total


def get_item(session: Session, item_id: int, user: User | None = None) -> Item:
    """One item, or NotFound (also when `user` is given and may not see it)."""
    item = session.get(Item, item_id)
    if item is None or (user is not None and not permissions.can_view_item(user, item)):
        # The same answer for another commune's item as for a missing one.
        raise NotFound(f"Không tìm thấy nội dung #{item_id}.")
    return item


def reports_for_item(session: Session, item_id: int, limit: int = 500) -> list[Report]:
    """The item's reports, newest first."""
    query = select(Report).where(Report.item_id == item_id).order_by(Report.id.desc()).limit(limit)
    return list(session.scalars(query))


def cluster_of(session: Session, item: Item, limit: int = 50) -> list[Item]:
    """Other items in the item's near-duplicate cluster."""
    head = item.cluster_id or item.id
    query = (
        select(Item)
        .where((Item.id == head) | (Item.cluster_id == head), Item.id != item.id)
        .order_by(Item.id)
        .limit(limit)
    )
    return list(session.scalars(query))


def reveal_contacts(session: Session, user: User, item_id: int) -> list[Report]:
    """Reports of the item with contact data, for a user allowed contact.view; each view is audited."""
    from canhgiac.services.permissions import require

    require(user, "contact.view")
    now = utcnow()
    reports = [
        r for r in reports_for_item(session, item_id)
        if r.contact and (r.contact_expires_at is None or r.contact_expires_at > now)
    ]  # fmt: skip
    for report in reports:
        audit.record(session, user, "contact.view", "report", report.id,
                     {"tracking_code": report.tracking_code, "item_id": item_id})  # fmt: skip
    return reports
