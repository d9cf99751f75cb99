"""Filing reports in a batch (the web's group commit) writes what filing them one by one writes."""

from __future__ import annotations

import errno
import itertools
import json
import threading
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st
from sqlalchemy import Engine, delete, func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from canhgiac.db.models import AuditEntry, AuditHead, Evidence, EvidenceBlob, Item, Job, Report
from canhgiac.db.session import session_factory
from canhgiac.errors import Conflict, ValidationFailed
from canhgiac.ingest import tipline
from canhgiac.ingest.evidence import EvidenceStore
from canhgiac.services import audit, filing
from canhgiac.web import report_writer
from canhgiac.web.report_writer import ReportWriter, Request

SCAM = "Tài khoản VCB của quý khách bị khóa, truy cập http://vcb-xacminh{n}.top để mở khóa ngay."
LOAN = "Vay nhanh {n} triệu không thế chấp, giải ngân 5 phút, liên hệ 0912345{n:03d}."


def _prepare(content: str, **extra: Any) -> filing.PreparedReport:
    fields: dict[str, Any] = {"category": "scam", "content": content, "urls": [], "phones": [],
                              "contact": None, "commune": None, "channel": "api", "actor": "api"}  # fmt: skip
    fields.update(extra)
    return filing.prepare_report(**fields)


def _reports() -> list[filing.PreparedReport]:
    """A batch with every case a batch must get right, in an order that mixes them."""
    return [
        _prepare(SCAM.format(n=1), idempotency_key="k1"),
        _prepare(SCAM.format(n=2)),  # near-duplicate of the first, new in this batch
        _prepare(SCAM.format(n=1)),  # exact duplicate of the first
        _prepare(LOAN.format(n=7), commune="x-coba", contact={"phone": "0909"}, consent=True),
        _prepare("Tin nhắn đã có từ trước trong hệ thống."),  # filed before the batch
        _prepare(SCAM.format(n=1), idempotency_key="k1"),  # the same request sent twice
        _prepare(SCAM.format(n=3), idempotency_key="k1"),  # the key again, another body
        _prepare(LOAN.format(n=8), commune="KHONG-CO"),  # no such commune
        _prepare(LOAN.format(n=9), idempotency_key="old"),  # key filed before the batch
        _prepare(SCAM.format(n=2)),  # exact duplicate of the near-duplicate
        _prepare(LOAN.format(n=7)),
        _prepare(LOAN.format(n=10), commune="KHONG-CO", idempotency_key="k2"),  # refused, so
        _prepare(LOAN.format(n=11), idempotency_key="k2"),  # the key is still free here
    ]


def _earlier(session: Session, store: EvidenceStore) -> None:
    filing.submit_report(session, category="scam", content="Tin nhắn đã có từ trước trong hệ thống.",
                         urls=[], phones=[], contact=None, commune=None, store=store)  # fmt: skip
    filing.submit_report(session, category="scam", content=LOAN.format(n=9), urls=[], phones=[],
                         contact=None, commune=None, idempotency_key="old", store=store)  # fmt: skip
    session.commit()


def _outcome(outcome: Any) -> Any:
    if isinstance(outcome, filing.Filed):
        return ("filed", outcome.tracking_code, outcome.repeated)
    return (type(outcome).__name__, outcome.message)


def _write(writer: ReportWriter, prepared: list[filing.PreparedReport]) -> list[Any]:
    batch = [Request(p) for p in prepared]
    writer.write_batch(batch)
    return [r.future.exception() or r.future.result() for r in batch]


def _state(session: Session) -> dict[str, Any]:
    """Everything filing wrote, with database ids replaced by content hashes and tracking codes."""
    session.expire_all()
    items = {i.id: i for i in session.scalars(select(Item))}
    digest = {i.id: i.content_sha256 for i in items.values()}
    reports = {r.id: r for r in session.scalars(select(Report))}
    code = {r.id: r.tracking_code for r in reports.values()}
    evidence = {e.id: e for e in session.scalars(select(Evidence))}

    def plain(detail: dict[str, Any]) -> dict[str, Any]:
        out = dict(detail)
        for key, names in (("item_id", digest), ("cluster_id", digest), ("report_id", code)):
            if out.get(key) is not None:
                out[key] = names[out[key]]
        return out

    def target(entry: AuditEntry) -> str:
        object_id = int(entry.object_id)
        if entry.object_type == "item":
            return digest[object_id]
        if entry.object_type == "report":
            return code[object_id]
        return f"{evidence[object_id].blob_sha256}:{code.get(evidence[object_id].report_id or 0)}"

    entries = session.scalars(select(AuditEntry).order_by(AuditEntry.seq))
    return {
        "items": sorted(
            (
                i.content_sha256,
                i.report_count,
                digest.get(i.cluster_id or 0),
                i.near_sha256,
                i.commune_unit_id,
                i.channel,
                i.category,
                i.content,
                i.scan_state,
            )
            for i in items.values()
        ),
        "reports": sorted(
            (
                r.tracking_code,
                digest[r.item_id],
                r.content,
                r.commune_unit_id,
                r.contact,
                r.contact_consent,
                r.idempotency_key,
                r.request_sha256,
                r.channel,
            )
            for r in reports.values()
        ),
        "evidence": sorted(
            (
                e.blob_sha256,
                e.kind,
                e.name,
                e.origin,
                code[e.report_id or 0],
                digest[e.item_id or 0],
            )
            for e in evidence.values()
        ),
        "blobs": sorted(b.sha256 for b in session.scalars(select(EvidenceBlob))),
        "jobs": sorted(
            (j.kind, digest[j.payload["item_id"]]) for j in session.scalars(select(Job))
        ),
        "audit": [(e.actor_label, e.action, target(e), plain(e.detail)) for e in entries],
    }


def _clear(session: Session) -> None:
    for model in (AuditEntry, Evidence, Report, Job, Item, EvidenceBlob):
        session.execute(delete(model))
    session.execute(update(AuditHead).values(seq=0, entry_hash=audit.GENESIS_HASH))
    session.commit()


def test_a_batch_writes_what_filing_one_by_one_writes(
    engine: Engine, seeded: Session, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    store = EvidenceStore(tmp_path / "evidence")
    now = datetime(2026, 11, 28, 8, 30, tzinfo=UTC)
    monkeypatch.setattr(filing, "utcnow", lambda: now)  # the same raw reports in both runs
    prepared = _reports()
    runs = []
    for mode in ("one by one", "batch"):  # tracking codes drawn in order, to compare the runs
        counter = itertools.count(1)
        monkeypatch.setattr(
            tipline, "new_tracking_code", lambda c=counter: f"CG-0000-{next(c):04d}"
        )
        _clear(seeded)
        _earlier(seeded, store)
        with session_factory(engine)() as session:
            if mode == "batch":
                outcomes = filing.file_reports(session, prepared, store)
                session.commit()
            else:
                outcomes = []
                for p in prepared:
                    outcomes += filing.file_reports(session, [p], store)
                    session.commit()
        runs.append(([_outcome(o) for o in outcomes], _state(seeded)))
        assert audit.verify(seeded)[1] is None
    (one_outcomes, one_state), (batch_outcomes, batch_state) = runs
    assert batch_outcomes == one_outcomes
    assert batch_state == one_state
    # And what one by one gives is what a person expects:
    kinds = [o[0] if o[0] != "filed" else ("repeat" if o[2] else "new") for o in one_outcomes]
    assert kinds == ["new", "new", "new", "new", "new", "repeat", "Conflict",
                     "ValidationFailed", "repeat", "new", "new", "ValidationFailed", "new"]  # fmt: skip
    counts = {content: count for _, count, _, _, _, _, _, content, _ in one_state["items"]}
    assert counts[SCAM.format(n=1)] == 2 and counts[SCAM.format(n=2)] == 2
    clusters = {content: cluster for _, _, cluster, _, _, _, _, content, _ in one_state["items"]}
    first = next(d for d, _, _, _, _, _, _, c, _ in one_state["items"] if c == SCAM.format(n=1))
    assert clusters[SCAM.format(n=2)] == first


@given(
    st.dictionaries(
        st.text(max_size=8),
        st.one_of(
            st.none(),
            st.booleans(),
            st.integers(),
            st.text(max_size=20),
            st.lists(st.text(max_size=12), max_size=4),
        ),
        max_size=8,
    )
)
def test_pretty_json_is_json_dumps_with_indent(flat: dict[str, Any]) -> None:
    expected = json.dumps(flat, ensure_ascii=False, sort_keys=True, indent=1)
    assert filing.pretty_json(flat) == expected


def test_writer_files_waiting_reports_in_one_transaction(
    engine: Engine, seeded: Session, tmp_path: Path
) -> None:
    factory = session_factory(engine)
    first_started, release = threading.Event(), threading.Event()
    calls = 0

    def sessions() -> Session:
        nonlocal calls
        calls += 1
        if calls == 1:  # hold the first batch until the others are waiting
            first_started.set()
            release.wait(10)
        return factory()

    before = audit.verify(seeded)[0]
    store = EvidenceStore(tmp_path / "evidence")
    writer = ReportWriter(sessions, store, threads=1)  # type: ignore[arg-type]
    futures = [writer.file(_prepare(LOAN.format(n=0)))]
    assert first_started.wait(10)
    futures += [writer.file(_prepare(LOAN.format(n=n))) for n in range(1, 10)]
    release.set()
    filed = [f.result(timeout=30) for f in futures]
    writer.close()
    assert writer.batches == 2 and writer.filed == 10
    assert len({f.tracking_code for f in filed}) == 10
    seeded.expire_all()
    assert seeded.scalar(select(func.count()).select_from(Report)) == 10
    # item, raw report, report: three entries each
    assert audit.verify(seeded) == (before + 30, None)


def test_a_failed_batch_is_filed_one_by_one(
    engine: Engine, seeded: Session, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    real = filing.file_reports

    def fails_in_batches(session: Session, prepared: Any, *args: Any, **kw: Any) -> Any:
        if len(prepared) > 1:
            real(session, prepared, *args, **kw)  # writes, then the database refuses
            raise IntegrityError("INSERT", {}, Exception("simulated"))
        return real(session, prepared, *args, **kw)

    monkeypatch.setattr(filing, "file_reports", fails_in_batches)
    writer = ReportWriter(session_factory(engine), EvidenceStore(tmp_path / "evidence"))
    prepared = [_prepare(LOAN.format(n=n)) for n in range(5)]
    prepared.append(_prepare(LOAN.format(n=1), commune="KHONG-CO"))
    outcomes = _write(writer, prepared)
    assert [type(o).__name__ for o in outcomes] == ["Filed"] * 5 + ["ValidationFailed"]
    seeded.expire_all()
    assert seeded.scalar(select(func.count()).select_from(Report)) == 5
    assert audit.verify(seeded)[1] is None


def test_a_full_disk_fails_the_batch_and_writes_no_row(
    engine: Engine, seeded: Session, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def full(*_: Any) -> str:
        raise OSError(errno.ENOSPC, "No space left on device")

    store = EvidenceStore(tmp_path / "evidence")
    monkeypatch.setattr(store, "put", full)
    before = audit.verify(seeded)[0]
    writer = ReportWriter(session_factory(engine), store)
    outcomes = _write(writer, [_prepare(LOAN.format(n=n)) for n in range(3)])
    assert all(isinstance(o, OSError) and o.errno == errno.ENOSPC for o in outcomes)
    seeded.expire_all()
    assert seeded.scalar(select(func.count()).select_from(Report)) == 0
    assert seeded.scalar(select(func.count()).select_from(Item)) == 0
    assert audit.verify(seeded) == (before, None)


def test_batch_errors_are_per_report(seeded: Session, tmp_path: Path) -> None:
    store = EvidenceStore(tmp_path / "evidence")
    outcomes = filing.file_reports(seeded, [
        _prepare(LOAN.format(n=1), commune="KHONG-CO"),
        _prepare(LOAN.format(n=2), idempotency_key="a"),
        _prepare(LOAN.format(n=3), idempotency_key="a"),
    ], store)  # fmt: skip
    assert isinstance(outcomes[0], ValidationFailed) and outcomes[0].field == "commune"
    assert isinstance(outcomes[1], filing.Filed) and not outcomes[1].repeated
    assert isinstance(outcomes[2], Conflict)


def test_writer_thread_ends_when_idle(
    engine: Engine, seeded: Session, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(report_writer, "IDLE_EXIT_S", 0.05)
    writer = ReportWriter(session_factory(engine), EvidenceStore(tmp_path / "evidence"))
    writer.file(_prepare(LOAN.format(n=1))).result(timeout=30)
    deadline = time.monotonic() + 5
    while writer.running and time.monotonic() < deadline:
        time.sleep(0.01)
    assert writer.running == 0
    assert writer.file(_prepare(LOAN.format(n=2))).result(timeout=30).tracking_code
