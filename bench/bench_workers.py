"""Throughput of `item.scan` jobs with 1 and 2 `canhgiac worker` processes on PostgreSQL.

    .venv/bin/python bench/bench_workers.py [--jobs 2000] [--workers 1,2] [--sqlite]

Each round gets a fresh database (migrated, units seeded), `--jobs` items stored through
`ingest_item` (which queues one `item.scan` each), then N worker processes run with `--until-idle`.
Reported: wall time including process start (each process loads the scanner), and the steady
rate between the first and the last job finished. `--sqlite` adds a one-process SQLite round as
the embedded-default reference. The PostgreSQL server is CANHGIAC_TEST_PG_URL (as in the tests).
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import Engine, func, select, text

from canhgiac.db import migrate
from canhgiac.db.models import Job
from canhgiac.db.session import make_engine, session_scope
from canhgiac.services import units
from canhgiac.services.intake import ingest_item

PG_URL = os.environ.get("CANHGIAC_TEST_PG_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test")
CLI = str(Path(sys.executable).parent / "canhgiac")


@dataclass
class Round:
    backend: str
    workers: int
    jobs: int
    wall_s: float
    steady_per_s: float
    done: int


def message(n: int) -> str:
    """A mix of scam-like and ordinary messages, every one distinct."""
    if n % 3 == 0:
        return f"[{n}] Chúc mừng quý khách trúng thưởng 50 triệu, nhận tại http://qua-{n}.xyz, gọi 0912{n:06d}"
    if n % 3 == 1:
        return (
            f"[{n}] Vay tiền nhanh không thế chấp, giải ngân trong ngày, liên hệ Zalo 0987{n:06d}"
        )
    return f"[{n}] UBND xã thông báo lịch họp tổ dân phố số {n} vào tối thứ bảy tại nhà văn hóa."


def fill(engine: Engine, jobs: int) -> None:
    with session_scope(engine) as session:
        units.seed_units(session)
    for start in range(0, jobs, 500):
        with session_scope(engine) as session:
            for n in range(start, min(jobs, start + 500)):
                ingest_item(session, channel="api", content=message(n), source_name="bench")


def run_round(backend: str, url: str, engine: Engine, workers: int, jobs: int, data: Path) -> Round:
    fill(engine, jobs)
    env = {**os.environ, "CANHGIAC_DATABASE_URL": url, "CANHGIAC_DATA_DIR": str(data)}
    started = time.perf_counter()
    procs = [
        subprocess.Popen(
            [CLI, "worker", "--until-idle", "--kinds", "item.scan", "--poll", "0.1"],
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        for _ in range(workers)
    ]
    for proc in procs:
        if proc.wait() != 0:
            raise SystemExit(f"worker exited with {proc.returncode}")
    wall = time.perf_counter() - started
    with session_scope(engine) as session:
        first, last, done = session.execute(
            select(func.min(Job.finished_at), func.max(Job.finished_at), func.count()).where(
                Job.kind == "item.scan", Job.state == "done"
            )
        ).one()
    steady = (done - 1) / max((last - first).total_seconds(), 1e-9) if done > 1 else 0.0
    return Round(backend, workers, jobs, wall, steady, done)


def pg_round(workers: int, jobs: int, data: Path) -> Round:
    admin = make_engine(PG_URL)
    name = f"canhgiac_bench_{os.getpid()}_{workers}"
    with admin.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    url = admin.url.set(database=name).render_as_string(hide_password=False)
    engine = make_engine(url)
    try:
        migrate.upgrade(engine)
        return run_round("PostgreSQL", url, engine, workers, jobs, data)
    finally:
        engine.dispose()
        with admin.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def sqlite_round(jobs: int, data: Path) -> Round:
    data.mkdir(parents=True, exist_ok=True)
    url = f"sqlite:///{data / 'bench.sqlite3'}"
    engine = make_engine(url)
    try:
        migrate.upgrade(engine)
        return run_round("SQLite", url, engine, 1, jobs, data)
    finally:
        engine.dispose()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--jobs", type=int, default=2000)
    parser.add_argument("--workers", default="1,2", help="comma-separated process counts")
    parser.add_argument("--sqlite", action="store_true", help="add a 1-process SQLite round")
    args = parser.parse_args()
    rounds: list[Round] = []
    with tempfile.TemporaryDirectory() as tmp:
        if args.sqlite:
            rounds.append(sqlite_round(args.jobs, Path(tmp) / "sqlite"))
        for workers in (int(w) for w in args.workers.split(",")):
            rounds.append(pg_round(workers, args.jobs, Path(tmp) / f"pg{workers}"))
    print(f"item.scan throughput, {args.jobs} jobs per round, {os.cpu_count()} CPU(s)")
    print(
        f"{'backend':<11} {'workers':>7} {'done':>6} {'wall s':>8} {'jobs/s (wall)':>14} {'jobs/s (steady)':>16}"
    )
    for r in rounds:
        print(
            f"{r.backend:<11} {r.workers:>7} {r.done:>6} {r.wall_s:>8.1f} "
            f"{r.done / r.wall_s:>14.1f} {r.steady_per_s:>16.1f}"
        )


if __name__ == "__main__":
    main()
