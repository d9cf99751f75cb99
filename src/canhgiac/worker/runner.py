"""The worker loop: claim a job, run its handler, and mark it done in the handler's own transaction.

A job's effects and its `done` mark commit together, so a worker killed at any instant leaves
either both or neither; a job whose worker died is reclaimed once its lock is stale. Periodic
kinds are enqueued once per period with a dedup key, so any number of workers never double them.
"""

from __future__ import annotations

import ctypes
import logging
import os
import signal
import socket
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timedelta
from types import FrameType
from typing import Literal

from sqlalchemy import Engine, delete, select, text
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session

from canhgiac.db.base import utcnow
from canhgiac.db.models import Job
from canhgiac.db.session import session_factory
from canhgiac.settings import Settings, get_settings
from canhgiac.worker import queue, registry

logger = logging.getLogger(__name__)

SCHEDULE_EVERY_S = 5.0  # how often a worker checks whether a periodic kind is due
PERIODIC_KEEP = timedelta(days=1)
BUSY_PAUSE_MAX_S = 2.0  # longest pause between claims that keep meeting a lock
ERROR_PAUSE_S = 5.0  # pause after an unexpected loop error (database unreachable)  # done periodic runs are deleted after this
SETTINGS_KEY = "settings"  # Session.info key under which handlers find the worker's settings

Outcome = Literal["done", "idle", "busy"]


class JobTimeout(Exception):
    """A job ran past its kind's time limit."""


@dataclass
class RunStats:
    """What one runner did."""

    done: int = 0
    retried: int = 0
    failed: int = 0
    lost: int = 0

    def add(self, other: RunStats) -> None:
        self.done += other.done
        self.retried += other.retried
        self.failed += other.failed
        self.lost += other.lost


_ASYNC_COMMIT = text("SET LOCAL synchronous_commit TO off")


def settings_of(session: Session) -> Settings:
    """The settings of the worker running this job (the process settings outside a worker)."""
    settings = session.info.get(SETTINGS_KEY)
    return settings if isinstance(settings, Settings) else get_settings()


def new_worker_id() -> str:
    """A worker id unique across machines and restarts: host, process, random suffix."""
    return f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"


@contextmanager
def time_limit(seconds: float) -> Iterator[None]:
    """Raise JobTimeout in the current thread when the block runs longer than `seconds`."""
    if threading.current_thread() is threading.main_thread() and hasattr(signal, "setitimer"):
        with _alarm(seconds):
            yield
    else:
        with _async_raise_after(seconds):
            yield


@contextmanager
def _alarm(seconds: float) -> Iterator[None]:
    # SIGALRM interrupts blocking calls too (sleep, sockets); only possible in the main thread.
    def on_alarm(_signum: int, _frame: FrameType | None) -> None:
        raise JobTimeout(f"quá thời gian {seconds:g} s")

    previous = signal.signal(signal.SIGALRM, on_alarm)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


@contextmanager
def _async_raise_after(seconds: float) -> Iterator[None]:
    # Threads cannot be signalled, so a timer raises JobTimeout in the job's thread at its next
    # bytecode; the lock makes "timer fired" and "block finished" exclusive.
    target = threading.get_ident()
    lock = threading.Lock()
    state = {"finished": False, "fired": False}

    def fire() -> None:
        with lock:
            if state["finished"]:
                return
            state["fired"] = True
            ctypes.pythonapi.PyThreadState_SetAsyncExc(
                ctypes.c_ulong(target), ctypes.py_object(JobTimeout)
            )

    timer = threading.Timer(seconds, fire)
    timer.daemon = True
    timer.start()
    raised = False
    try:
        yield
    except JobTimeout:
        raised = True
        raise
    finally:
        with lock:
            state["finished"] = True
            timer.cancel()
            if state["fired"] and not raised:
                # Not delivered yet: withdraw it so it cannot land outside the job.
                ctypes.pythonapi.PyThreadState_SetAsyncExc(ctypes.c_ulong(target), None)
    if state["fired"]:
        raise JobTimeout(f"quá thời gian {seconds:g} s")


class Runner:
    """One worker loop on one database; several may run in threads or processes at once."""

    def __init__(
        self,
        engine: Engine,
        *,
        settings: Settings | None = None,
        worker_id: str | None = None,
        kinds: list[str] | None = None,
        poll_s: float = 1.0,
        stale_after: timedelta = queue.STALE_LOCK,
        periodic: bool = True,
        stop_event: threading.Event | None = None,
        context: dict[str, object] | None = None,
    ) -> None:
        registry.load_job_modules()
        self.context = dict(context or {})
        self.sessions = session_factory(engine)
        self.settings = settings or get_settings()
        self.worker_id = worker_id or new_worker_id()
        self.kinds = kinds or None
        self.poll_s = poll_s
        self.stale_after = stale_after
        self.periodic = periodic
        self.stop_event = stop_event or threading.Event()
        self.stats = RunStats()

    def stop(self) -> None:
        """Finish the current job, then leave the loop."""
        self.stop_event.set()

    def run(self, *, until_idle: bool = False) -> RunStats:
        """Work until stopped (or, with `until_idle`, until no job is due)."""
        last_schedule = float("-inf")
        busy = 0  # consecutive claims that met a lock or an unreachable database
        while not self.stop_event.is_set():
            if self.periodic and time.monotonic() - last_schedule >= SCHEDULE_EVERY_S:
                self._schedule_safely()
                last_schedule = time.monotonic()
            try:
                outcome = self.run_one()
            except Exception:
                if until_idle:
                    raise
                # The database went away (restart, network): keep the worker alive and try again.
                logger.exception("worker loop error; retrying in %.0f s", ERROR_PAUSE_S)
                self.stop_event.wait(ERROR_PAUSE_S)
                continue
            if outcome == "idle":
                if until_idle:
                    break
                self.stop_event.wait(self.poll_s)
            elif outcome == "busy":
                busy += 1
                self.stop_event.wait(min(BUSY_PAUSE_MAX_S, 0.02 * 2 ** min(busy, 10)))
                continue
            busy = 0
        return self.stats

    def run_one(self) -> Outcome:
        """Claim and run one job: 'done' when one ran, 'idle' when none was due, 'busy' on a lock."""
        session = self._session()
        try:
            try:
                job = queue.claim(
                    session, self.worker_id, kinds=self.kinds, stale_after=self.stale_after
                )
            except OperationalError as exc:  # SQLite: another writer holds the lock
                session.rollback()
                logger.debug("claim deferred: %s", exc)
                return "busy"
            if job is None:
                return "idle"
            self._execute(session, job)
            return "done"
        finally:
            session.close()

    def schedule_periodic(self, now: datetime | None = None) -> int:
        """Enqueue every periodic kind whose current period has no job yet; returns how many."""
        now = now or utcnow()
        specs = [
            s
            for s in registry.PERIODIC.values()
            if s.kind in registry.JOBS and (self.kinds is None or s.kind in self.kinds)
        ]
        if not specs:
            return 0
        session = self._session()
        added = 0
        try:
            for spec in specs:
                period_start = int(now.timestamp()) // spec.every_s * spec.every_s
                key = f"{spec.kind}:{period_start}"
                if session.scalar(select(Job.id).where(Job.dedup_key == key)) is not None:
                    continue
                queue.enqueue(
                    session, spec.kind, {"period_start": period_start}, dedup_key=key,
                    max_attempts=1,
                )  # fmt: skip
                added += 1
            session.execute(
                delete(Job).where(
                    Job.kind.in_([s.kind for s in specs]),
                    Job.state == "done",
                    Job.finished_at < now - PERIODIC_KEEP,
                )
            )
            session.commit()
        finally:
            session.close()
        return added

    def _schedule_safely(self) -> None:
        try:
            self.schedule_periodic()
        except OperationalError as exc:  # busy database: the next round will do it
            logger.debug("periodic scheduling deferred: %s", exc)
        except Exception:  # scheduling must never stop the worker; the next round retries
            logger.exception("periodic scheduling failed")

    def _session(self) -> Session:
        session = self.sessions()
        session.info.update(self.context)
        session.info[SETTINGS_KEY] = self.settings
        return session

    def _execute(self, session: Session, job: Job) -> None:
        job_id, kind, payload = job.id, job.kind, dict(job.payload or {})
        spec = registry.JOBS.get(kind)
        if spec is None:
            self._record_failure(session, job_id, kind, f"không có bộ xử lý cho loại {kind!r}")
            return
        started = time.monotonic()
        try:
            with time_limit(spec.timeout_s):
                spec.func(session, payload)
                session.flush()
        except Exception as exc:
            session.rollback()
            self._record_failure(session, job_id, kind, f"{type(exc).__name__}: {exc}")
            return
        if not queue.complete(session, job_id, worker_id=self.worker_id):
            # Another worker reclaimed this job as stale; its run is the one that counts.
            session.rollback()
            self.stats.lost += 1
            logger.warning("job %s (%s) lost its lock; effects rolled back", job_id, kind)
            return
        if not spec.durable and session.get_bind().dialect.name == "postgresql":
            session.execute(_ASYNC_COMMIT)
        session.commit()
        self.stats.done += 1
        logger.info("job %s (%s) done in %.3f s", job_id, kind, time.monotonic() - started)

    def _record_failure(self, session: Session, job_id: int, kind: str, error: str) -> None:
        state = queue.fail(session, job_id, error, worker_id=self.worker_id)
        if state == "failed":
            self.stats.failed += 1
        elif state == "queued":
            self.stats.retried += 1
        logger.warning("job %s (%s) %s: %s", job_id, kind, state, error)


def run_workers(
    engine: Engine,
    *,
    concurrency: int = 1,
    until_idle: bool = False,
    kinds: list[str] | None = None,
    settings: Settings | None = None,
    stale_after: timedelta = queue.STALE_LOCK,
    poll_s: float = 1.0,
    stop_event: threading.Event | None = None,
    context: dict[str, object] | None = None,
) -> RunStats:
    """Run `concurrency` runners (the first in this thread) until stopped or idle; sum their stats."""
    stop_event = stop_event or threading.Event()
    prefix = new_worker_id()
    runners = [
        Runner(
            engine, settings=settings, worker_id=f"{prefix}:{n}", kinds=kinds, poll_s=poll_s,
            stale_after=stale_after, periodic=n == 0, stop_event=stop_event, context=context,
        )
        for n in range(max(1, concurrency))
    ]  # fmt: skip
    threads = [
        threading.Thread(target=r.run, kwargs={"until_idle": until_idle}, name=f"worker-{n}")
        for n, r in enumerate(runners[1:], start=1)
    ]
    for thread in threads:
        thread.start()
    try:
        runners[0].run(until_idle=until_idle)
    finally:
        if not until_idle:
            stop_event.set()
        for thread in threads:
            thread.join()
    total = RunStats()
    for runner in runners:
        total.add(runner.stats)
    return total


def install_signal_handlers(stop_event: threading.Event) -> Callable[[], None]:
    """SIGTERM/SIGINT finish the current job and stop (a second SIGINT interrupts at once).

    Returns a function that puts the previous handlers back.
    """
    previous = {sig: signal.getsignal(sig) for sig in (signal.SIGTERM, signal.SIGINT)}

    def graceful(signum: int, _frame: FrameType | None) -> None:
        logger.info("signal %s: stopping after the current job", signum)
        stop_event.set()
        signal.signal(signal.SIGINT, signal.default_int_handler)

    for sig in previous:
        signal.signal(sig, graceful)

    def restore() -> None:
        for sig, handler in previous.items():
            signal.signal(sig, handler)

    return restore
