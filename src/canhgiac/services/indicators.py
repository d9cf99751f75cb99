"""The district's block-list and allow-list: entries, expiry, false-positive reports, exchange.

The allow-list always wins: an allow-listed value (or a subdomain, or a link on an allow-listed
domain) is never handed to the scanner as blocked and never appears in any export.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from datetime import datetime
from typing import NamedTuple

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from canhgiac.db.base import utcnow
from canhgiac.db.models import Case, FalsePositiveReport, IndicatorEntry, User
from canhgiac.db.models.actions import INDICATOR_STATUSES
from canhgiac.detect.blocklist import KINDS as LIST_KINDS
from canhgiac.detect.blocklist import ListIndex, Lists
from canhgiac.errors import Conflict, NotFound, ValidationFailed
from canhgiac.exports.importers import ImportError_, guess_kind, normalise_value, read_indicators
from canhgiac.exports.indicator_record import KINDS, ExportMeta, IndicatorRecord
from canhgiac.i18n import N_
from canhgiac.services import audit
from canhgiac.services.permissions import require
from canhgiac.settings import Settings
from canhgiac.text.indicators import host_of

__all__ = [
    "EXPORT_FORMATS",
    "ImportResult",
    "add_indicator",
    "allow_index",
    "build_lists",
    "decide_false_positive",
    "expire_indicators",
    "export",
    "export_meta",
    "false_positive_counts",
    "get_indicator",
    "import_indicators",
    "is_allowed",
    "list_indicators",
    "set_status",
    "submit_false_positive",
]

LISTS = ("block", "allow")
EXPORT_FORMATS = ("rpz", "hosts", "csv", "misp", "stix", "phones")
EXPORT_MEDIA = {
    "rpz": ("text/dns", "canhgiac.rpz"),
    "hosts": ("text/plain; charset=utf-8", "hosts.txt"),
    "csv": ("text/csv; charset=utf-8", "indicators.csv"),
    "misp": ("application/json", "misp-event.json"),
    "stix": ("application/json", "stix-bundle.json"),
    "phones": ("text/csv; charset=utf-8", "phones.csv"),
}
KIND_LABELS = {
    "domain": N_("Tên miền"),
    "url": N_("Đường link"),
    "phone": N_("Số điện thoại"),
    "bank_account": N_("Số tài khoản"),
    "email": N_("Thư điện tử"),
    "ip": N_("Địa chỉ IP"),
}
STATUS_LABELS = {
    "active": N_("Đang chặn"),
    "expired": N_("Hết hạn"),
    "false_positive": N_("Chặn nhầm (đã gỡ)"),
}
MAX_REASON = 4000
_BATCH = 1000


class ImportResult(NamedTuple):
    """What an import did: new entries, entries already known (refreshed), rows refused."""

    imported: int
    duplicates: int
    errors: list[ImportError_]


def _normalise(kind: str, value: str) -> str:
    if kind not in KINDS:
        raise ValidationFailed(f"Loại dấu hiệu không hợp lệ: {kind}.", field="kind")
    normalised = normalise_value(kind, value.strip())
    if normalised is None:
        raise ValidationFailed(
            f"Giá trị không hợp lệ cho loại {kind}: '{value[:80]}'.", field="value"
        )
    return normalised


def _confidence(value: float) -> float:
    try:
        number = float(value)
    except (TypeError, ValueError):
        number = -1.0
    if not 0.0 <= number <= 1.0:
        raise ValidationFailed(N_("Độ tin cậy phải từ 0 đến 1."), field="confidence")
    return number


def allow_index(session: Session) -> ListIndex:
    """The allow-list as a lookup index (parent domains and link hosts match too)."""
    index = ListIndex("allow")
    rows = session.execute(
        select(IndicatorEntry.kind, IndicatorEntry.value, IndicatorEntry.source).where(
            IndicatorEntry.list_name == "allow", IndicatorEntry.status == "active"
        )
    )
    for kind, value, source in rows:
        if kind in LIST_KINDS:
            try:
                index.add(kind, value, source)
            except ValueError:
                continue  # a stored value the matcher cannot hold never allows anything else
    return index


def _allowed(index: ListIndex, kind: str, value: str) -> bool:
    if kind not in LIST_KINDS:
        return False
    if index.lookup(kind, value) is not None:
        return True
    if kind == "url":
        host = host_of(value)
        return host is not None and index.lookup("domain", host) is not None
    return False


def is_allowed(session: Session, kind: str, value: str) -> bool:
    """Whether the allow-list covers this (normalised) value."""
    return _allowed(allow_index(session), kind, value)


def get_indicator(session: Session, indicator_id: int) -> IndicatorEntry:
    """The entry with this id, or NotFound."""
    row = session.get(IndicatorEntry, indicator_id)
    if row is None:
        raise NotFound(f"Không tìm thấy dấu hiệu #{indicator_id}.")
    return row


def _find(session: Session, list_name: str, kind: str, value: str) -> IndicatorEntry | None:
    return session.scalar(
        select(IndicatorEntry).where(
            IndicatorEntry.list_name == list_name,
            IndicatorEntry.kind == kind,
            IndicatorEntry.value == value,
        )
    )


def add_indicator(
    session: Session,
    actor: User | str | None,
    *,
    kind: str,
    value: str,
    list_name: str = "block",
    confidence: float = 0.5,
    source: str = "",
    category: str = "",
    description: str = "",
    case: Case | None = None,
    expires_at: datetime | None = None,
    seen_at: datetime | None = None,
) -> tuple[IndicatorEntry, bool]:
    """Add or refresh an entry; returns (entry, created).

    Refreshing moves last seen forward, keeps the higher confidence and re-activates an expired
    entry; a false-positive decision is only undone by `set_status`. Adding an allow-listed value
    to the block-list is refused: the allow-list wins.
    """
    if isinstance(actor, User):
        require(actor, "indicator.manage")
    if list_name not in LISTS:
        raise ValidationFailed(f"Danh sách không hợp lệ: {list_name}.", field="list_name")
    normalised = _normalise(kind, value)
    confidence = _confidence(confidence)
    if expires_at is not None and expires_at.utcoffset() is None:
        raise ValidationFailed(N_("Thời điểm hết hạn không hợp lệ."), field="expires_at")
    if list_name == "block" and is_allowed(session, kind, normalised):
        raise Conflict(
            f"'{normalised}' nằm trong danh sách cho phép, không thể đưa vào danh sách chặn.",
            field="value",
        )
    now = seen_at or utcnow()
    entry = _find(session, list_name, kind, normalised)
    created = entry is None
    if entry is None:
        entry = IndicatorEntry(
            list_name=list_name,
            kind=kind,
            value=normalised,
            confidence=confidence,
            source=source.strip()[:255],
            category=category[:32],
            description=description.strip()[:2000],
            status="active",
            case_id=case.id if case else None,
            first_seen=now,
            last_seen=now,
            expires_at=expires_at,
        )
        session.add(entry)
        session.flush()
    else:
        entry.last_seen = max(entry.last_seen, now)
        entry.confidence = max(entry.confidence, confidence)
        if expires_at is not None:
            entry.expires_at = expires_at
        if entry.status == "expired":
            entry.status = "active"
        if description and not entry.description:
            entry.description = description.strip()[:2000]
        if case is not None and entry.case_id is None:
            entry.case_id = case.id
    audit.record(
        session, actor, "indicator.add" if created else "indicator.refresh", "indicator",
        entry.id, {"list": list_name, "kind": kind, "value": normalised, "source": entry.source},
    )  # fmt: skip
    return entry, created


def set_status(
    session: Session, actor: User | None, entry: IndicatorEntry, status: str, *, note: str = ""
) -> IndicatorEntry:
    """Change an entry's status (active, expired, false_positive) by hand."""
    if actor is not None:
        require(actor, "indicator.manage")
    if status not in INDICATOR_STATUSES:
        raise ValidationFailed(f"Trạng thái không hợp lệ: {status}.", field="status")
    previous = entry.status
    entry.status = status
    audit.record(
        session, actor, "indicator.status", "indicator", entry.id,
        {"from": previous, "to": status, "note": note[:500]},
    )  # fmt: skip
    return entry


def list_indicators(
    session: Session,
    *,
    list_name: str | None = "block",
    kind: str | None = None,
    status: str | None = None,
    q: str = "",
    limit: int = 200,
    offset: int = 0,
) -> tuple[list[IndicatorEntry], int]:
    """Entries matching the filters (newest seen first) and the total count."""
    query = select(IndicatorEntry)
    if list_name:
        query = query.where(IndicatorEntry.list_name == list_name)
    if kind:
        query = query.where(IndicatorEntry.kind == kind)
    if status:
        query = query.where(IndicatorEntry.status == status)
    if q.strip():
        needle = f"%{q.strip().lower()[:200]}%"
        query = query.where(
            or_(
                func.lower(IndicatorEntry.value).like(needle),
                func.lower(IndicatorEntry.source).like(needle),
            )
        )
    total = session.scalar(select(func.count()).select_from(query.subquery())) or 0
    rows = session.scalars(
        query.order_by(IndicatorEntry.last_seen.desc(), IndicatorEntry.id.desc())
        .limit(max(1, min(limit, 5000)))
        .offset(max(0, offset))
    )
    return list(rows), int(total)


def expire_indicators(session: Session, *, now: datetime | None = None) -> int:
    """Active entries past their expiry become expired; returns how many (idempotent)."""
    now = now or utcnow()
    rows = list(
        session.scalars(
            select(IndicatorEntry).where(
                IndicatorEntry.status == "active",
                IndicatorEntry.expires_at.is_not(None),
                IndicatorEntry.expires_at <= now,
            )
        )
    )
    for row in rows:
        row.status = "expired"
    if rows:
        audit.record(
            session, "system", "indicator.expire", "indicator", "batch",
            {"count": len(rows), "ids": [r.id for r in rows[:200]]},
        )  # fmt: skip
    return len(rows)


def build_lists(session: Session, *, now: datetime | None = None) -> Lists:
    """The scanner's lists: active, unexpired block entries and the allow-list (allow wins)."""
    now = now or utcnow()
    block = ListIndex("block")
    rows = session.execute(
        select(IndicatorEntry.kind, IndicatorEntry.value, IndicatorEntry.source).where(
            IndicatorEntry.list_name == "block",
            IndicatorEntry.status == "active",
            or_(IndicatorEntry.expires_at.is_(None), IndicatorEntry.expires_at > now),
        )
    )
    for kind, value, source in rows:
        if kind in LIST_KINDS:
            try:
                block.add(kind, value, source or "district")
            except ValueError:
                continue
    return Lists(block=block, allow=allow_index(session))


# --- false positives -----------------------------------------------------------------------------


def _match_block_entry(session: Session, raw: str) -> tuple[str, IndicatorEntry | None]:
    kind = guess_kind(raw.strip())
    if kind is None:
        raise ValidationFailed(
            N_("Không nhận ra tên miền, đường link, số điện thoại hoặc số tài khoản."),
            field="value",
        )
    value = normalise_value(kind, raw.strip())
    if value is None:
        raise ValidationFailed(N_("Giá trị không hợp lệ."), field="value")
    entry = _find(session, "block", kind, value)
    if entry is None and kind == "url":
        host = host_of(value)
        entry = _find(session, "block", "domain", host) if host else None
    return value, entry


def submit_false_positive(
    session: Session,
    *,
    value: str,
    reason: str,
    contact: dict[str, str] | None = None,
    actor: User | str | None = "public",
) -> FalsePositiveReport:
    """A site owner's or citizen's report that a value is wrongly blocked (public form)."""
    if not reason.strip():
        raise ValidationFailed(N_("Vui lòng cho biết lý do."), field="reason")
    if len(reason) > MAX_REASON or len(value) > 2048:
        raise ValidationFailed(N_("Nội dung quá dài."), field="reason")
    normalised, entry = _match_block_entry(session, value)
    clean_contact = {k: str(v).strip()[:255] for k, v in (contact or {}).items() if v}
    report = FalsePositiveReport(
        indicator_id=entry.id if entry else None,
        value=normalised,
        reason=reason.strip(),
        contact=clean_contact or None,
        state="open",
    )
    session.add(report)
    session.flush()
    audit.record(
        session, actor, "false_positive.submit", "false_positive_report", report.id,
        {"value": normalised, "indicator": entry.id if entry else None},
    )  # fmt: skip
    return report


def decide_false_positive(
    session: Session, actor: User, report: FalsePositiveReport, *, accept: bool, note: str = ""
) -> FalsePositiveReport:
    """An officer's decision; accepting un-blocks the entry (status false_positive)."""
    require(actor, "indicator.manage")
    if report.state != "open":
        raise Conflict(N_("Phản ánh chặn nhầm này đã được xử lý."))
    report.state = "accepted" if accept else "rejected"
    report.decided_by_id = actor.id
    report.decided_at = utcnow()
    report.decision_note = note.strip()[:MAX_REASON]
    if accept and report.indicator_id is not None:
        entry = session.get(IndicatorEntry, report.indicator_id)
        if entry is not None and entry.status != "false_positive":
            set_status(session, actor, entry, "false_positive", note=f"FP #{report.id}")
    audit.record(
        session, actor, f"false_positive.{report.state}", "false_positive_report", report.id,
        {"value": report.value, "note": report.decision_note[:500]},
    )  # fmt: skip
    return report


def list_false_positives(
    session: Session, *, state: str | None = "open"
) -> list[FalsePositiveReport]:
    """False-positive reports, newest first."""
    query = select(FalsePositiveReport)
    if state:
        query = query.where(FalsePositiveReport.state == state)
    return list(session.scalars(query.order_by(FalsePositiveReport.created_at.desc()).limit(500)))


def false_positive_counts(
    session: Session, *, since: datetime | None = None, until: datetime | None = None
) -> dict[str, int]:
    """Reports received and decided, for the transparency report."""
    query = select(FalsePositiveReport.state, func.count()).group_by(FalsePositiveReport.state)
    if since is not None:
        query = query.where(FalsePositiveReport.created_at >= since)
    if until is not None:
        query = query.where(FalsePositiveReport.created_at < until)
    counts = {"open": 0, "accepted": 0, "rejected": 0}
    for state, n in session.execute(query):
        counts[str(state)] = int(n)
    counts["total"] = sum(counts.values())
    return counts


# --- exchange ------------------------------------------------------------------------------------


_EXPORT_COLUMNS = (
    IndicatorEntry.kind,
    IndicatorEntry.value,
    IndicatorEntry.confidence,
    IndicatorEntry.source,
    IndicatorEntry.first_seen,
    IndicatorEntry.last_seen,
    IndicatorEntry.expires_at,
    IndicatorEntry.status,
    IndicatorEntry.description,
    IndicatorEntry.case_id,
    IndicatorEntry.category,
)


def export_records(
    session: Session, *, since: datetime | None = None, min_confidence: float = 0.0
) -> list[IndicatorRecord]:
    """Block-list records to share: allow-listed values and false positives left out."""
    # Plain columns, not entities: exports run over the whole list and ORM objects cost 3x.
    query = select(*_EXPORT_COLUMNS).where(
        IndicatorEntry.list_name == "block",
        IndicatorEntry.status != "false_positive",
        IndicatorEntry.confidence >= min_confidence,
    )
    if since is not None:
        query = query.where(IndicatorEntry.last_seen >= since)
    rows = session.execute(query.order_by(IndicatorEntry.kind, IndicatorEntry.value)).all()
    case_ids = {row.case_id for row in rows if row.case_id}
    refs: dict[int, str] = {}
    if case_ids:
        found = session.execute(select(Case.id, Case.ref).where(Case.id.in_(case_ids)))
        refs = {case_id: ref for case_id, ref in found}
    allow = allow_index(session)
    return [
        IndicatorRecord(
            kind=row.kind,
            value=row.value,
            confidence=min(1.0, max(0.0, row.confidence)),
            source=row.source,
            first_seen=row.first_seen,
            last_seen=max(row.last_seen, row.first_seen),
            expires_at=row.expires_at,
            status=row.status,
            description=row.description,
            case_ref=refs.get(row.case_id) if row.case_id else None,
            category=row.category,
        )
        for row in rows
        if not _allowed(allow, row.kind, row.value)
    ]


def export_meta(session: Session, settings: Settings, *, at: datetime | None = None) -> ExportMeta:
    """Producer, zone name and contact of this district's exports."""
    from canhgiac.services.units import coordinator_unit

    try:
        email = coordinator_unit(session).email or ""
    except NotFound:
        email = ""
    producer = f"UBND {settings.district_name}".strip()
    moment = (at or utcnow()).replace(microsecond=0)
    return ExportMeta(producer=producer, generated_at=moment, contact_email=email)


def _allow_domains(session: Session) -> list[str]:
    return list(
        session.scalars(
            select(IndicatorEntry.value).where(
                IndicatorEntry.list_name == "allow",
                IndicatorEntry.kind == "domain",
                IndicatorEntry.status == "active",
            )
        )
    )


def export(
    session: Session,
    fmt: str,
    *,
    settings: Settings,
    since: datetime | None = None,
    min_confidence: float = 0.0,
    at: datetime | None = None,
) -> str:
    """The block-list in an exchange format (rpz, hosts, csv, misp, stix, phones)."""
    if fmt not in EXPORT_FORMATS:
        raise ValidationFailed(
            f"Định dạng không hỗ trợ: {fmt} (chọn {', '.join(EXPORT_FORMATS)}).", field="format"
        )
    min_confidence = _confidence(min_confidence)
    if since is not None and since.utcoffset() is None:
        raise ValidationFailed(N_("Mốc thời gian không hợp lệ."), field="since")
    records = export_records(session, since=since, min_confidence=min_confidence)
    meta = export_meta(session, settings, at=at)
    if fmt == "rpz":
        from canhgiac.exports.rpz import to_rpz

        return to_rpz(records, meta, never_block=_allow_domains(session))
    if fmt == "hosts":
        from canhgiac.exports.hosts import to_hosts

        return to_hosts(records, meta, never_block=_allow_domains(session))
    if fmt == "csv":
        from canhgiac.exports.csv_export import to_csv

        return to_csv(records, meta)
    if fmt == "phones":
        from canhgiac.exports.phones import to_phones_csv

        return to_phones_csv(records, meta)
    if fmt == "misp":
        from canhgiac.exports.misp import to_misp_event

        return json.dumps(to_misp_event(records, meta), ensure_ascii=False, indent=2) + "\n"
    from canhgiac.exports.stix import to_stix_bundle

    return to_stix_bundle(records, meta)


def _existing_keys(session: Session, keys: Iterable[tuple[str, str]]) -> dict[tuple[str, str], int]:
    wanted = list(keys)
    found: dict[tuple[str, str], int] = {}
    by_kind: dict[str, list[str]] = {}
    for kind, value in wanted:
        by_kind.setdefault(kind, []).append(value)
    for kind, values in by_kind.items():
        for start in range(0, len(values), _BATCH):
            chunk = values[start : start + _BATCH]
            rows = session.execute(
                select(IndicatorEntry.id, IndicatorEntry.value).where(
                    IndicatorEntry.list_name == "block",
                    IndicatorEntry.kind == kind,
                    IndicatorEntry.value.in_(chunk),
                )
            )
            for entry_id, value in rows:
                found[(kind, value)] = entry_id
    return found


def import_indicators(
    session: Session,
    actor: User | str | None,
    data: bytes | str,
    fmt: str,
    source: str,
    *,
    default_confidence: float = 0.5,
) -> ImportResult:
    """Add a partner's or feed's indicators to the block-list (allow-listed values refused)."""
    if isinstance(actor, User):
        require(actor, "indicator.manage")
    source = source.strip()
    if not source:
        raise ValidationFailed(N_("Cần ghi nguồn của danh sách nhập vào."), field="source")
    try:
        records, errors = read_indicators(
            data, fmt, source[:255], default_confidence=_confidence(default_confidence)
        )
    except ValueError as exc:
        raise ValidationFailed(f"Không đọc được tệp: {exc}", field="file") from exc
    allow = allow_index(session)
    errors = list(errors)
    kept: list[IndicatorRecord] = []
    for record in records:
        if _allowed(allow, record.kind, record.value):
            errors.append(ImportError_(0, "nằm trong danh sách cho phép, không nhập", record.value))
        else:
            kept.append(record)
    existing = _existing_keys(session, (r.key for r in kept))
    imported = duplicates = 0
    for record in kept:
        entry_id = existing.get(record.key)
        if entry_id is not None:
            entry = session.get(IndicatorEntry, entry_id)
            if entry is not None:
                entry.last_seen = max(entry.last_seen, record.last_seen)
                entry.confidence = max(entry.confidence, record.confidence)
                if entry.status == "expired" and record.status == "active":
                    entry.status = "active"
            duplicates += 1
            continue
        session.add(
            IndicatorEntry(
                list_name="block",
                kind=record.kind,
                value=record.value,
                confidence=record.confidence,
                source=record.source,
                category=record.category[:32],
                description=record.description[:2000],
                status=record.status,
                first_seen=record.first_seen,
                last_seen=record.last_seen,
                expires_at=record.expires_at,
            )
        )
        imported += 1
        if imported % _BATCH == 0:
            session.flush()
    session.flush()
    audit.record(
        session, actor, "indicator.import", "indicator", "batch",
        {"source": source, "format": fmt, "imported": imported, "duplicates": duplicates,
         "errors": len(errors)},
    )  # fmt: skip
    return ImportResult(imported, duplicates, errors)
