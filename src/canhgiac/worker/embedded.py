"""The in-process worker: one background thread running the job loop beside the web app."""

from __future__ import annotations

import logging
import threading
from collections.abc import AsyncIterator, Callable
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from typing import Any

from fastapi import FastAPI
from sqlalchemy import Engine

from canhgiac.settings import Settings
from canhgiac.worker.runner import Runner

logger = logging.getLogger(__name__)

STOP_WAIT_S = 30.0  # how long shutdown waits for the current job to finish


class EmbeddedWorker:
    """A Runner in a daemon thread, started and stopped with the application."""

    def __init__(self, engine: Engine, settings: Settings, *, poll_s: float = 1.0) -> None:
        self.runner = Runner(engine, settings=settings, worker_id=None, poll_s=poll_s)
        self.thread: threading.Thread | None = None

    @property
    def running(self) -> bool:
        return self.thread is not None and self.thread.is_alive()

    def start(self) -> None:
        """Start the loop thread (once)."""
        if self.running:
            return
        self.runner.stop_event.clear()
        self.thread = threading.Thread(
            target=self._run, name="canhgiac-embedded-worker", daemon=True
        )
        self.thread.start()

    def stop(self, timeout: float = STOP_WAIT_S) -> None:
        """Ask the loop to stop after the current job and wait for it."""
        self.runner.stop()
        if self.thread is not None:
            self.thread.join(timeout)
            if self.thread.is_alive():
                logger.warning("embedded worker still busy after %.0f s; leaving it", timeout)
            self.thread = None

    def _run(self) -> None:
        try:
            self.runner.run()
        except Exception:  # the web app must keep serving even if the loop dies
            logger.exception("embedded worker stopped by an error")


Lifespan = Callable[[Any], AbstractAsyncContextManager[Any]]


def attach(app: FastAPI, settings: Settings) -> EmbeddedWorker | None:
    """Run the job loop with the app when `settings.in_process_worker` is true."""
    if not settings.in_process_worker:
        return None
    worker = EmbeddedWorker(app.state.engine, settings)
    app.state.embedded_worker = worker
    previous: Lifespan = app.router.lifespan_context

    @asynccontextmanager
    async def lifespan(application: Any) -> AsyncIterator[Any]:
        worker.start()
        try:
            async with previous(application) as state:
                yield state
        finally:
            worker.stop()

    app.router.lifespan_context = lifespan
    return worker
