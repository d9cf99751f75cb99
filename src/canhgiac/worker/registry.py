"""Job kinds: a registration decorator, periodic schedules, and the modules that define jobs."""

from __future__ import annotations

import importlib
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from sqlalchemy.orm import Session

JobFunc = Callable[[Session, dict[str, Any]], None]

# Modules that define jobs with @job / @periodic; a module that does not exist yet is skipped.
JOB_MODULES = (
    "canhgiac.worker.jobs.scan",
    "canhgiac.worker.jobs.sources",
    "canhgiac.worker.jobs.cases",
    "canhgiac.worker.jobs.notify",
    "canhgiac.worker.jobs.retention",
    "canhgiac.worker.jobs.actions",
    "canhgiac.worker.jobs.plan",
)


@dataclass(frozen=True)
class JobSpec:
    kind: str
    func: JobFunc
    max_attempts: int
    timeout_s: float
    # False: on PostgreSQL the job's commit does not wait for the WAL flush. For jobs whose
    # effects are recomputed from what is stored (a scan): a crash may undo the last fraction
    # of a second of such jobs, effects and `done` mark together, and they run again; nothing
    # anyone was told about is lost, and the commit holds the audit chain's head ~4 ms less.
    durable: bool = True


@dataclass(frozen=True)
class PeriodicSpec:
    kind: str
    every_s: int


JOBS: dict[str, JobSpec] = {}
PERIODIC: dict[str, PeriodicSpec] = {}


def job(
    kind: str, *, max_attempts: int = 5, timeout_s: float = 120.0, durable: bool = True
) -> Callable[[JobFunc], JobFunc]:
    """Register `func(session, payload)` as the handler of `kind`; it must be idempotent."""

    def decorator(func: JobFunc) -> JobFunc:
        JOBS[kind] = JobSpec(kind, func, max_attempts, timeout_s, durable)
        return func

    return decorator


def periodic(kind: str, *, every_s: int) -> Callable[[JobFunc], JobFunc]:
    """Also enqueue `kind` every `every_s` seconds (once per period across all workers).

    The function is registered as the handler of `kind` too, unless `@job` registers it.
    """

    def decorator(func: JobFunc) -> JobFunc:
        PERIODIC[kind] = PeriodicSpec(kind, every_s)
        JOBS.setdefault(kind, JobSpec(kind, func, 1, max(1.0, every_s * 0.9)))
        return func

    return decorator


def load_job_modules() -> dict[str, JobSpec]:
    """Import every job module so its handlers are registered."""
    for name in JOB_MODULES:
        try:
            importlib.import_module(name)
        except ModuleNotFoundError as exc:
            if exc.name != name:
                raise
    return JOBS
