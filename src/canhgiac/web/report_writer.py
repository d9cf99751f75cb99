"""Group commit for reports: one transaction files every report that arrived during the last one.

Each web process has one writer thread. A request prepares its report (checks, screenshots read;
`filing.prepare_report`) and hands it over; the writer files all reports waiting at that moment
with `filing.file_reports` (a fixed number of statements) and one commit, then answers each
request. A report is acknowledged only after the commit that holds it, as before; under load a
commit carries many reports, so the database's fsync, the audit chain's head and the statement
overhead are shared instead of being paid per report.

When a batch fails on the database (a race on an Idempotency-Key with another process, a
deadlock), it is rolled back and its reports are filed one by one, so one bad report costs only
itself. A full disk fails the whole batch before any row is written (blobs go first).
"""

from __future__ import annotations

import logging
import queue
import threading
from collections.abc import Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field

from sqlalchemy.exc import IntegrityError, SQLAlchemyError
from sqlalchemy.orm import Session, sessionmaker

from canhgiac.ingest.evidence import EvidenceStore
from canhgiac.services import filing

log = logging.getLogger(__name__)

MAX_BATCH = 64  # reports per transaction at most
WRITER_THREADS = 2  # per web process
IDLE_EXIT_S = 5.0  # the thread ends after this long without work; the next report starts one
BLOB_THREADS = 8  # evidence blobs of a batch are written (and fsynced) this many at a time


@dataclass
class Request:
    prepared: filing.PreparedReport
    future: Future[filing.Filed] = field(default_factory=Future)


class ReportWriter:
    """Files prepared reports in batches on threads of its own; `file` returns a future.

    A batch spends most of its time waiting (for the disk's fsync, the database's round trips and
    commit), so `threads` writers take turns: while one waits, the next collects what arrived.
    """

    def __init__(
        self, sessions: sessionmaker[Session], store: EvidenceStore, threads: int = WRITER_THREADS
    ) -> None:
        self._sessions = sessions
        self._store = store
        self._queue: queue.Queue[Request] = queue.Queue()
        self._lock = threading.Lock()
        self._threads = threads
        self.running = 0  # writer threads alive (each ends after IDLE_EXIT_S without work)
        self._blob_pool: ThreadPoolExecutor | None = None
        self.batches = 0  # how many transactions, for tests and benchmarks
        self.filed = 0

    def file(self, prepared: filing.PreparedReport) -> Future[filing.Filed]:
        """Queue a report; the future holds its `Filed` once committed, or the error."""
        request = Request(prepared)
        self._queue.put(request)
        with self._lock:
            if self.running < self._threads:
                self.running += 1
                threading.Thread(
                    target=self._run, name=f"canhgiac-report-writer-{self.running}", daemon=True
                ).start()
        return request.future

    def close(self) -> None:
        """Wait until the reports queued so far are filed (the process is stopping)."""
        self._queue.join()
        with self._lock:
            pool, self._blob_pool = self._blob_pool, None
        if pool is not None:
            pool.shutdown(wait=True)
        if self.batches:
            log.info("report writer: %d reports in %d transactions", self.filed, self.batches)

    def _run(self) -> None:
        while True:
            try:
                first = self._queue.get(timeout=IDLE_EXIT_S)
            except queue.Empty:
                with self._lock:
                    if self._queue.empty():
                        self.running -= 1
                        return
                continue
            batch = [first]
            while len(batch) < MAX_BATCH:
                try:
                    batch.append(self._queue.get_nowait())
                except queue.Empty:
                    break
            try:
                self.write_batch(batch)
            finally:
                for _ in batch:
                    self._queue.task_done()

    def write_batch(self, batch: list[Request]) -> None:
        """File `batch` and answer every request in it, whatever happens."""
        try:
            self._write(batch)
        except BaseException as exc:  # never leave a request waiting forever
            if not isinstance(exc, OSError):
                log.exception("report writer failed")
            for request in batch:
                if not request.future.done():
                    request.future.set_exception(exc)

    def _write_blobs(self, store: EvidenceStore, blobs: list[bytes]) -> None:
        if len(blobs) < 2:
            filing.write_blobs_in_turn(store, blobs)
            return
        with self._lock:
            if self._blob_pool is None:
                self._blob_pool = ThreadPoolExecutor(BLOB_THREADS, "canhgiac-blob")
            pool = self._blob_pool
        list(pool.map(store.put, blobs))  # raises the first error (a full disk)

    def _write(self, batch: list[Request]) -> None:
        outcomes: Sequence[filing.Filed | Exception]
        with self._sessions() as session:
            try:
                outcomes = filing.file_reports(
                    session, [r.prepared for r in batch], self._store,
                    write_blobs=self._write_blobs,
                )  # fmt: skip
                session.commit()
            except SQLAlchemyError:
                session.rollback()
                log.info("batch of %d reports failed; filing them one by one", len(batch))
                outcomes = [self._write_one(session, r.prepared) for r in batch]
            except BaseException:
                session.rollback()
                raise
        with self._lock:  # the counters are shared by the writer threads
            self.batches += 1
            self.filed += sum(1 for outcome in outcomes if not isinstance(outcome, BaseException))
        for request, outcome in zip(batch, outcomes, strict=True):
            if isinstance(outcome, BaseException):
                request.future.set_exception(outcome)
            else:
                request.future.set_result(outcome)

    def _write_one(
        self, session: Session, prepared: filing.PreparedReport
    ) -> filing.Filed | Exception:
        try:
            outcome = filing.file_reports(
                session, [prepared], self._store, write_blobs=self._write_blobs
            )[0]
            session.commit()
            return outcome
        except IntegrityError as exc:
            # A concurrent retry with the same Idempotency-Key won the race: answer as it did.
            session.rollback()
            key = prepared.idempotency_key
            earlier = filing.find_by_idempotency_key(session, key) if key else None
            return exc if earlier is None else filing.repeat_of(earlier, prepared)
        except Exception as exc:
            session.rollback()
            return exc
