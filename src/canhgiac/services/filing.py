"""Filing reports: check one report without touching the database, then write one or a batch.

`prepare_report` does everything a report needs that is not the database (checks, screenshot
reading, the item's text and keys). `file_reports` writes prepared reports in the caller's
transaction with a fixed number of statements whatever their number: the web's group commit
(`web/report_writer.py`) files every report that arrived during the previous commit together.
`submit_report` is the one-report form of the two.

A batch gives the same rows and audit entries as filing its reports one after the other, in
order: a report whose text repeats an earlier one of the batch counts as seen again, a
near-duplicate joins the cluster of the first, a repeated Idempotency-Key gets the first's report.
"""

from __future__ import annotations

import hashlib
import json
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, cast

from sqlalchemy import Table, bindparam, case, select, update
from sqlalchemy.orm import Session

from canhgiac.db import bulk
from canhgiac.db.base import utcnow
from canhgiac.db.models import Evidence, EvidenceBlob, Item, Report, Unit, User
from canhgiac.db.models.intake import ITEM_CHANNELS, REPORT_CATEGORIES
from canhgiac.errors import CanhGiacError, Conflict, ValidationFailed
from canhgiac.i18n import N_
from canhgiac.ingest import images, tipline
from canhgiac.ingest.evidence import EvidenceStore, sha256_hex
from canhgiac.services import audit
from canhgiac.services.dedup import exact_key, near_key
from canhgiac.services.evidence import custody_detail
from canhgiac.services.intake import (
    IMAGE_READ_BUDGET_S,
    MAX_ITEM_CHARS,
    SCAN_JOB,
    TIPLINE_SOURCE,
    _clean_text,
    _compose,
    _key_text,
    item_insert,
)
from canhgiac.settings import get_settings
from canhgiac.worker.queue import enqueue_many

BlobWriter = Callable[[EvidenceStore, list[bytes]], None]
_File = tuple[bytes, str, str, str, str | None]  # data, media type, name, kind, text read


@dataclass
class PreparedReport:
    """A report checked and ready to write: what `file_reports` needs, nothing of the database."""

    category: str
    content: str
    urls: list[str]
    phones: list[str]
    contact: dict[str, str] | None
    consent: bool
    commune: str | None
    channel: str
    actor: User | str | None
    idempotency_key: str | None
    request_sha256: str
    item_content: str
    item_sha256: str
    near_sha256: str | None
    received_at: datetime
    # (file name, checked image, text read from it) per screenshot
    screenshots: list[tuple[str, images.CheckedImage, str]] = field(default_factory=list)


@dataclass(frozen=True)
class Filed:
    """What filing one report gave: the report, and whether it was filed earlier (same key)."""

    report_id: int
    tracking_code: str
    repeated: bool = False


def find_by_idempotency_key(session: Session, key: str) -> Report | None:
    """The report filed earlier with this Idempotency-Key, if any."""
    return session.scalar(_REPORT_BY_KEY, {"key": key})


def request_fingerprint(payload: dict[str, Any]) -> str:
    """SHA-256 of a request's canonical JSON (what 'the same body' means for idempotency)."""
    canonical = json.dumps(payload, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


def _clean_list(values: list[str], *, limit: int, max_chars: int, field: str) -> list[str]:
    cleaned = list(dict.fromkeys(_clean_text(v) for v in values if v and v.strip()))
    if len(cleaned) > limit:
        raise ValidationFailed(f"Tối đa {limit} mục.", field=field)
    if any(len(v) > max_chars for v in cleaned):
        raise ValidationFailed(f"Mỗi mục tối đa {max_chars} ký tự.", field=field)
    return cleaned


def _clean_contact(contact: dict[str, Any] | None) -> dict[str, str] | None:
    if not contact:
        return None
    unknown = set(contact) - set(tipline.CONTACT_FIELDS)
    if unknown:
        raise ValidationFailed(N_("Thông tin liên hệ chỉ gồm họ tên, số điện thoại, e-mail."),
                               field="contact")  # fmt: skip
    cleaned: dict[str, str] = {}
    for key in tipline.CONTACT_FIELDS:
        value = contact.get(key)
        if value is None:
            continue
        if not isinstance(value, str) or len(value) > tipline.MAX_CONTACT_CHARS:
            raise ValidationFailed(N_("Thông tin liên hệ không hợp lệ."), field="contact")
        if value.strip():
            cleaned[key] = _clean_text(value)
    return cleaned or None


def prepare_report(
    *,
    category: str,
    content: str,
    urls: list[str],
    phones: list[str],
    contact: dict[str, Any] | None,
    commune: str | None,
    channel: str = "tipline",
    idempotency_key: str | None = None,
    request_sha256: str | None = None,
    consent: bool = False,
    actor: User | str | None = None,
    attachments: Sequence[tuple[str, bytes]] = (),
) -> PreparedReport:
    """Check a report and work out its item (screenshots are read here); no database, no disk."""
    if category not in REPORT_CATEGORIES:
        raise ValidationFailed(f"Loại phản ánh không hợp lệ: {category!r}.", field="category")
    content = _clean_text(content or "")
    if len(content) > tipline.MAX_CONTENT_CHARS:
        raise ValidationFailed(N_("Nội dung tối đa 10.000 ký tự."), field="content")
    urls = _clean_list(urls, limit=tipline.MAX_URLS, max_chars=tipline.MAX_URL_CHARS, field="urls")
    phones = _clean_list(
        phones, limit=tipline.MAX_PHONES, max_chars=tipline.MAX_PHONE_CHARS, field="phones"
    )
    cleaned_contact = _clean_contact(contact)
    if cleaned_contact and not consent:
        raise ValidationFailed(
            N_("Hãy đồng ý với cách sử dụng thông tin liên hệ, hoặc để trống phần liên hệ."),
            field="consent",
        )
    if len(attachments) > tipline.MAX_SCREENSHOTS:
        raise ValidationFailed(N_("Tối đa 5 ảnh chụp màn hình."), field="screenshots")
    if request_sha256 is None:
        request_sha256 = request_fingerprint(
            {"category": category, "content": content, "urls": urls, "phones": phones,
             "contact": cleaned_contact, "commune": commune,
             "attachments": [hashlib.sha256(d).hexdigest() for _, d in attachments]}
        )  # fmt: skip
    checked = [images.check_image(data, name) for name, data in attachments]
    deadline = time.monotonic() + IMAGE_READ_BUDGET_S
    image_texts = [images.read_image_text(img.data, deadline) for img in checked]
    item_content = _clean_text(_compose(content, urls, phones, image_texts))
    if not item_content:
        raise ValidationFailed(
            N_("Hãy nhập nội dung, đường link, số điện thoại hoặc gửi ảnh chụp màn hình."),
            field="content",
        )
    if len(item_content) > MAX_ITEM_CHARS:
        raise ValidationFailed(N_("Nội dung quá dài."), field="content")
    key_text = _key_text(item_content)
    return PreparedReport(
        category=category, content=content, urls=urls, phones=phones, contact=cleaned_contact,
        consent=consent, commune=commune, channel=channel, actor=actor,
        idempotency_key=idempotency_key, request_sha256=request_sha256,
        item_content=item_content, item_sha256=exact_key(key_text), near_sha256=near_key(key_text),
        received_at=utcnow(),
        screenshots=[(name or "anh", img, text)
                     for (name, _), img, text in zip(attachments, checked, image_texts, strict=True)],
    )  # fmt: skip


def submit_report(
    session: Session,
    *,
    store: EvidenceStore | None = None,
    **fields: Any,
) -> Report:
    """File one report (`prepare_report`'s fields) in the caller's transaction; no commit.

    With an Idempotency-Key filed before: that report, or Conflict when the body differs.
    """
    prepared = prepare_report(**fields)
    outcome = file_reports(session, [prepared], store)[0]
    if isinstance(outcome, CanhGiacError):
        raise outcome
    report = session.get(Report, outcome.report_id)
    assert report is not None
    return report


def write_blobs_in_turn(store: EvidenceStore, blobs: list[bytes]) -> None:
    """Store blobs one after the other (the default; the group commit writes them in parallel)."""
    for data in blobs:
        store.put(data)


# The look-ups, built once (building a statement costs more CPU than the database takes to run it); "expanding" parameters take any number of values.
_REPORT_BY_KEY = select(Report).where(Report.idempotency_key == bindparam("key"))
_REPORTS_BY_KEY = select(
    Report.id, Report.tracking_code, Report.idempotency_key, Report.request_sha256
).where(Report.idempotency_key.in_(bindparam("keys", expanding=True)))
_TAKEN_CODES = select(Report.tracking_code).where(
    Report.tracking_code.in_(bindparam("codes", expanding=True))
)
_UNITS_BY_CODE = select(Unit.id, Unit.code, Unit.kind, Unit.active).where(
    Unit.code.in_(bindparam("codes", expanding=True))
)
_ITEMS = cast(Table, Item.__table__)
_REPORTS = cast(Table, Report.__table__)
_EVIDENCE = cast(Table, Evidence.__table__)
_BLOBS = cast(Table, EvidenceBlob.__table__)
_SEEN_AT = bindparam("seen", type_=_ITEMS.c.last_seen_at.type)
_ITEMS_SEEN = select(_ITEMS.c.id, _ITEMS.c.content_sha256, _ITEMS.c.report_count).where(
    _ITEMS.c.content_sha256.in_(bindparam("digests", expanding=True))
)
_SEEN_AGAIN = (
    update(_ITEMS)
    .where(_ITEMS.c.content_sha256 == bindparam("digest"))
    .values(
        report_count=_ITEMS.c.report_count + bindparam("times"),
        last_seen_at=case(
            (_ITEMS.c.last_seen_at < _SEEN_AT, _SEEN_AT), else_=_ITEMS.c.last_seen_at
        ),
    )
)
# A new item's near-duplicate cluster, as `item_insert` computes it, for `bulk.insert_rows`.
_PG_CLUSTER = (
    "(SELECT coalesce(e.cluster_id, e.id) FROM items e"
    " WHERE e.near_sha256 = u.near_sha256 ORDER BY e.id LIMIT 1)"
)


def file_reports(
    session: Session,
    prepared: Sequence[PreparedReport],
    store: EvidenceStore | None,
    *,
    write_blobs: BlobWriter = write_blobs_in_turn,
) -> list[Filed | CanhGiacError]:
    """Write prepared reports in the caller's transaction (no commit); one outcome per report.

    An outcome is `Filed`, or the error of that report alone (an unknown commune; an
    Idempotency-Key used before for another body). Errors of the database or the disk are raised:
    the caller rolls back and may file the reports one by one. Evidence blobs are stored before
    the first write, so a full disk leaves no row behind.
    """
    if store is None and any(p.screenshots for p in prepared):
        raise ValueError("attachments need an evidence store")
    outcomes: list[Filed | CanhGiacError | None] = [None] * len(prepared)
    todo, units = _new_reports(session, prepared, outcomes)
    if todo:
        batch = _Batch(session, [prepared[i] for i in todo], units, store)
        batch.write(write_blobs)
        for i, (report_id, code) in zip(todo, batch.reports, strict=True):
            outcomes[i] = Filed(report_id, code)
    _answer_repeats(prepared, outcomes)
    return [cast(Filed | CanhGiacError, o) for o in outcomes]


def _new_reports(
    session: Session, prepared: Sequence[PreparedReport], outcomes: list[Any]
) -> tuple[list[int], dict[str, int]]:
    """Indexes of the reports to write, and the communes' ids by code. The others get their outcome here, checked in the order
    filing one report checks: a key filed before (its report), then the commune; a key sent twice
    in this batch is answered once the first is written (`_answer_repeats`)."""
    keys = list({p.idempotency_key for p in prepared if p.idempotency_key})
    earlier = {}
    if keys:
        rows = session.connection().execute(_REPORTS_BY_KEY, {"keys": keys})
        earlier = {row.idempotency_key: row for row in rows}
    units = _communes(session, list(prepared))
    todo: list[int] = []
    first_with_key: set[str] = set()
    for i, p in enumerate(prepared):
        key = p.idempotency_key
        if key and key in earlier:
            outcomes[i] = repeat_of(earlier[key], p)
        elif p.commune and p.commune.strip().upper() not in units:
            outcomes[i] = ValidationFailed(
                f"Không có xã/thị trấn mã '{p.commune}'.", field="commune"
            )
        elif key and key in first_with_key:
            continue
        else:
            if key:
                first_with_key.add(key)
            todo.append(i)
    return todo, units


def repeat_of(earlier: Any, p: PreparedReport) -> Filed | CanhGiacError:
    """The answer to a report sent again with the key of `earlier` (a report or a row with its
    id, tracking code and request hash): that report, or Conflict when the body differs."""
    if earlier.request_sha256 != p.request_sha256:
        return Conflict(N_("Khóa Idempotency-Key đã được dùng cho một phản ánh khác."))
    return Filed(earlier.id, earlier.tracking_code, repeated=True)


def _answer_repeats(prepared: Sequence[PreparedReport], outcomes: list[Any]) -> None:
    """A key sent twice in one batch: the later ones get the first one's report (or Conflict)."""
    first: dict[str, tuple[PreparedReport, Filed]] = {}
    for p, outcome in zip(prepared, outcomes, strict=True):
        if isinstance(outcome, Filed) and not outcome.repeated and p.idempotency_key:
            first[p.idempotency_key] = (p, outcome)
    for i, p in enumerate(prepared):
        if outcomes[i] is None:
            earlier = first.get(cast(str, p.idempotency_key))
            if earlier is None or earlier[0].request_sha256 != p.request_sha256:
                outcomes[i] = Conflict(
                    N_("Khóa Idempotency-Key đã được dùng cho một phản ánh khác.")
                )
            else:
                outcomes[i] = Filed(earlier[1].report_id, earlier[1].tracking_code, repeated=True)


def _communes(session: Session, prepared: list[PreparedReport]) -> dict[str, int]:
    """The ids of the active communes the reports name, by code."""
    codes = list({p.commune.strip().upper() for p in prepared if p.commune})
    if not codes:
        return {}
    found = session.connection().execute(_UNITS_BY_CODE, {"codes": codes})
    return {u.code: u.id for u in found if u.kind == "commune" and u.active}


def pretty_json(flat: dict[str, Any]) -> str:
    """`json.dumps(flat, ensure_ascii=False, sort_keys=True, indent=1)` for a dict of scalars and
    lists of scalars, at the C encoder's speed (with `indent`, json falls back to pure Python)."""
    dumps = json.dumps
    parts = []
    for key in sorted(flat):
        value = flat[key]
        if isinstance(value, list) and value:
            inner = ",\n  ".join(dumps(v, ensure_ascii=False) for v in value)
            text = f"[\n  {inner}\n ]"
        else:
            text = dumps(value, ensure_ascii=False)
        parts.append(f"{dumps(key, ensure_ascii=False)}: {text}")
    return "{\n " + ",\n ".join(parts) + "\n}" if parts else "{}"


class _Batch:
    """The rows of a batch of new reports, written with a fixed number of statements."""

    def __init__(
        self,
        session: Session,
        prepared: list[PreparedReport],
        units: dict[str, int],
        store: EvidenceStore | None,
    ) -> None:
        self.session = session
        self.prepared = prepared
        self.store = store
        self.unit_ids = [units[p.commune.strip().upper()] if p.commune else None for p in prepared]
        self.codes = self._tracking_codes()
        self.now = utcnow()
        self.item_ids: list[int] = []
        self.reports: list[tuple[int, str]] = []  # (id, tracking code)

    def _tracking_codes(self) -> list[str]:
        """A fresh tracking code per report, none taken (2^40 codes: a redraw is rare)."""
        codes = [tipline.new_tracking_code() for _ in self.prepared]
        while True:
            taken = set(self.session.connection().execute(_TAKEN_CODES, {"codes": codes}).scalars())
            seen: set[str] = set()
            clashes = False
            for i, code in enumerate(codes):
                if code in taken or code in seen:
                    codes[i] = tipline.new_tracking_code()
                    clashes = True
                seen.add(codes[i])
            if not clashes:
                return codes

    def raw_report(self, i: int) -> bytes:
        """The report as received, as kept in the evidence store (no contact data: it expires)."""
        p = self.prepared[i]
        raw = {
            "tracking_code": self.codes[i],
            "received_at": p.received_at.isoformat(),
            "channel": p.channel[:16],
            "category": p.category,
            "content": p.content,
            "urls": p.urls,
            "phones": p.phones,
            "commune_unit_id": self.unit_ids[i],
        }
        return pretty_json(raw).encode("utf-8")

    def write(self, write_blobs: BlobWriter) -> None:
        raws = [self.raw_report(i) for i in range(len(self.prepared))] if self.store else []
        if self.store is not None:
            shots = [img.data for p in self.prepared for _, img, _ in p.screenshots]
            write_blobs(self.store, raws + shots)
        # The audit entries of the whole batch are appended together at the end: the chain's head
        # is locked from there to the commit only.
        with audit.deferred(self.session):
            created, times_seen = self._items()
            self.reports = self._insert_reports()
            evidence_ids = self._evidence(raws)
            self._audit(created, times_seen, evidence_ids)

    def _items(self) -> tuple[dict[str, int | None], dict[int, int]]:
        """Insert the new items, count the others seen again; ({digest: cluster} of the new,
        {report index: the item's report count after it})."""
        first_of: dict[str, int] = {}
        for i, p in enumerate(self.prepared):
            first_of.setdefault(p.item_sha256, i)
        # Near-duplicates inside the batch: the first of each near key goes in the first
        # statement, the rest in a second one, which then sees the first's cluster.
        firsts: list[int] = []
        rest: list[int] = []
        near_seen: set[str | None] = set()
        for i in first_of.values():
            near = self.prepared[i].near_sha256
            (rest if near is not None and near in near_seen else firsts).append(i)
            near_seen.add(near)
        created: dict[str, tuple[int, int | None]] = {}
        for group in (firsts, rest):
            if group:
                created.update(self._insert_items(group))
        # Every report whose item was not inserted by itself counts as one more sighting.
        again: dict[str, list[int]] = {}
        for i, p in enumerate(self.prepared):
            if not (p.item_sha256 in created and first_of[p.item_sha256] == i):
                again.setdefault(p.item_sha256, []).append(i)
        counts = self._seen_again(again)
        ids = {digest: item_id for digest, (item_id, _) in created.items()}
        ids.update({digest: item_id for digest, (item_id, _) in counts.items()})
        self.item_ids = [ids[p.item_sha256] for p in self.prepared]
        times_seen: dict[int, int] = {}
        for digest, indexes in again.items():
            final = counts[digest][1]
            for k, i in enumerate(indexes, start=1):
                times_seen[i] = final - len(indexes) + k
        if created:
            enqueue_many(
                self.session,
                SCAN_JOB,
                [
                    ({"item_id": item_id}, f"{SCAN_JOB}:{item_id}")
                    for item_id, _ in created.values()
                ],
            )
        return {d: cluster for d, (_, cluster) in created.items()}, times_seen

    def _insert_items(self, indexes: list[int]) -> dict[str, tuple[int, int | None]]:
        conn = self.session.connection()
        rows = []
        # Sorted by content hash: concurrent batches lock the same items in the same order.
        for i in sorted(indexes, key=lambda i: self.prepared[i].item_sha256):
            p = self.prepared[i]
            rows.append({
                "channel": p.channel if p.channel in ITEM_CHANNELS else "tipline",
                "source_id": None, "source_name": TIPLINE_SOURCE, "external_id": None,
                "content": p.item_content, "content_sha256": p.item_sha256,
                "near_sha256": p.near_sha256, "sender": None,
                "title": None, "url": None, "category": p.category,
                "commune_unit_id": self.unit_ids[i], "report_count": 1,
                "first_seen_at": p.received_at, "last_seen_at": p.received_at,
                "scan_state": "pending", "created_at": self.now,
            })  # fmt: skip
        if conn.dialect.name == "postgresql":
            result = bulk.insert_rows(
                conn, _ITEMS, rows, do_nothing_on=["content_sha256"],
                returning=["id", "content_sha256", "cluster_id"],
                pg_computed={"cluster_id": _PG_CLUSTER},
            )  # fmt: skip
        else:  # SQLite: the same INSERT as one item's, many times
            stmt = item_insert(conn.dialect.name)
            result = list(conn.execute(stmt, [{**r, "near_key": r["near_sha256"]} for r in rows]))
        return {row.content_sha256: (row.id, row.cluster_id) for row in result}

    def _seen_again(self, again: dict[str, list[int]]) -> dict[str, tuple[int, int]]:
        """Bump the count of items seen again: {digest: (item id, report count after)}."""
        if not again:
            return {}
        params = [
            {"digest": digest, "times": len(indexes),
             "seen": max(self.prepared[i].received_at for i in indexes)}
            for digest, indexes in sorted(again.items())
        ]  # fmt: skip
        conn = self.session.connection()
        conn.execute(_SEEN_AGAIN, params)
        rows = conn.execute(_ITEMS_SEEN, {"digests": list(again)})
        return {row.content_sha256: (row.id, row.report_count) for row in rows}

    def _insert_reports(self) -> list[tuple[int, str]]:
        retention = timedelta(days=get_settings().contact_retention_days)
        rows = []
        for i, p in enumerate(self.prepared):
            rows.append({
                "tracking_code": self.codes[i], "item_id": self.item_ids[i],
                "channel": p.channel[:16], "category": p.category, "content": p.content,
                "urls": p.urls, "phones": p.phones, "contact": p.contact,
                "contact_consent": bool(p.contact and p.consent),
                "contact_expires_at": p.received_at + retention if p.contact else None,
                "commune_unit_id": self.unit_ids[i],
                "reporter_user_id": p.actor.id if isinstance(p.actor, User) else None,
                "idempotency_key": p.idempotency_key, "request_sha256": p.request_sha256,
                "public_state": "received", "public_outcome": None,
                "created_at": p.received_at, "updated_at": p.received_at,
            })  # fmt: skip
        conn = self.session.connection()
        found = bulk.insert_rows(conn, _REPORTS, rows, returning=["id", "tracking_code"])
        ids = {row.tracking_code: row.id for row in found}
        return [(ids[code], code) for code in self.codes]

    def _evidence_rows(self, raws: list[bytes]) -> list[dict[str, Any]]:
        rows = []
        for i, (p, (report_id, code)) in enumerate(zip(self.prepared, self.reports, strict=True)):
            origin = f"{p.channel[:16]}:{code}"
            captured_by = p.actor.id if isinstance(p.actor, User) else None
            raw: _File = (
                raws[i],
                "application/json",
                f"{code}.json",
                "raw_report",
                None,
            )
            shots: list[_File] = [(img.data, img.media_type, name, "screenshot", text or None)
                                  for name, img, text in p.screenshots]  # fmt: skip
            for data, media_type, name, kind, text in [raw, *shots]:
                rows.append({
                    "blob_sha256": sha256_hex(data), "size": len(data), "media_type": media_type,
                    "item_id": self.item_ids[i], "case_id": None, "report_id": report_id,
                    "kind": kind, "name": name[:255], "origin": origin, "extracted_text": text,
                    "captured_at": self.now, "captured_by_id": captured_by, "note": "",
                })  # fmt: skip
        return rows

    def _evidence(self, raws: list[bytes]) -> list[list[tuple[int, dict[str, Any]]]]:
        """Describe the blobs and add the evidence records: per report, [(id, row)]."""
        if self.store is None:
            return [[] for _ in self.prepared]
        rows = self._evidence_rows(raws)
        blobs = {r["blob_sha256"]: r for r in rows}
        conn = self.session.connection()
        bulk.insert_rows(
            conn, _BLOBS,
            [{"sha256": sha, "size": r["size"], "media_type": r["media_type"][:128],
              "created_at": self.now} for sha, r in sorted(blobs.items())],
            do_nothing_on=["sha256"],
        )  # fmt: skip
        key = ("report_id", "blob_sha256", "kind", "name")
        found = bulk.insert_rows(
            conn, _EVIDENCE, [{k: v for k, v in r.items() if k in _EVIDENCE.c} for r in rows],
            returning=["id", *key],
        )  # fmt: skip
        ids: dict[tuple[Any, ...], list[int]] = {}
        for row in sorted(found, key=lambda row: row.id):  # identical rows: in the order sent
            ids.setdefault(tuple(getattr(row, k) for k in key), []).append(row.id)
        per_report: list[list[tuple[int, dict[str, Any]]]] = [[] for _ in self.prepared]
        index = {report_id: i for i, (report_id, _) in enumerate(self.reports)}
        for values in rows:
            evidence_id = ids[tuple(values[k] for k in key)].pop(0)
            per_report[index[values["report_id"]]].append((evidence_id, values))
        return per_report

    def _audit(
        self,
        created: dict[str, int | None],
        times_seen: dict[int, int],
        evidence: list[list[tuple[int, dict[str, Any]]]],
    ) -> None:
        """The entries filing the reports one by one would make, in that order."""
        for i, (p, (report_id, code)) in enumerate(zip(self.prepared, self.reports, strict=True)):
            item_channel = p.channel if p.channel in ITEM_CHANNELS else "tipline"
            if i in times_seen:
                audit.record(
                    self.session, "system", "item.seen_again", "item", self.item_ids[i],
                    {"channel": item_channel, "report_count": times_seen[i]},
                )  # fmt: skip
            else:
                audit.record(
                    self.session, "system", "item.ingest", "item", self.item_ids[i],
                    {"channel": item_channel, "sha256": p.item_sha256, "source": TIPLINE_SOURCE,
                     "cluster_id": created[p.item_sha256]},
                )  # fmt: skip
            who = p.actor if p.actor is not None else p.channel
            for evidence_id, row in evidence[i]:
                audit.record(
                    self.session, who, "evidence.add", "evidence", evidence_id,
                    custody_detail(row),
                )  # fmt: skip
            audit.record(
                self.session, who, "report.submit", "report", report_id,
                {"tracking_code": code, "item_id": self.item_ids[i],
                 "new_item": i not in times_seen, "category": p.category, "channel": p.channel,
                 "screenshots": len(p.screenshots), "contact": bool(p.contact)},
            )  # fmt: skip
