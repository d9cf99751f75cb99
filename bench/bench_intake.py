"""Nothing lost: file thousands of tipline reports at a real server, SIGKILL it (and the worker) midway.

    .venv/bin/python bench/bench_intake.py [--reports 3000] [--concurrency 32] [--pg [URL]]

Starts `canhgiac serve` (uvicorn on 127.0.0.1, a temporary data directory, SQLite unless --pg)
and `canhgiac worker`, sends reports concurrently with httpx (each with its own Idempotency-Key
and a spread of X-Forwarded-For addresses, as citizens behind one proxy), kills both processes
with SIGKILL when a share of the reports has been acknowledged, restarts them, lets the clients
retry what was cut off, then checks in the database that every acknowledged report is stored
exactly once and, once the worker has drained the queue, that every item has a verdict.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
from sqlalchemy import create_engine, text

ROOT = Path(__file__).resolve().parent.parent
TEMPLATES = [
    "Tài khoản {bank} của quý khách bị khóa, truy cập http://{bank}-xacminh{n}.top để mở khóa.",
    "Chúc mừng số {phone} trúng thưởng {n} triệu, gọi ngay {phone} để nhận quà.",
    "Con đang cấp cứu, mẹ chuyển gấp {n} triệu vào STK 0{n}88776655 {bank} nhé.",
    "Vay nhanh {n} triệu không thế chấp, giải ngân 5 phút: vaynhanh{n}.vip",
]
BANKS = ("vcb", "acb", "tcb", "bidv", "mb")


@dataclass
class Outcome:
    """What the clients saw."""

    acked: dict[str, str] = field(default_factory=dict)  # idempotency key -> tracking code
    sent: dict[str, dict[str, Any]] = field(default_factory=dict)
    cut_off: int = 0  # requests whose connection died (server killed) and were retried
    throttled: int = 0
    replayed: int = 0  # 200 answers: a retry of a report committed before the kill
    latencies: list[float] = field(default_factory=list)


def _cli() -> list[str]:
    exe = Path(sys.executable).with_name("canhgiac")
    return (
        [str(exe)]
        if exe.exists()
        else [sys.executable, "-c", "from canhgiac.cli import main; main()"]
    )


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _report(i: int, rng: random.Random) -> dict[str, Any]:
    # One report in four repeats an earlier message: dedup must keep them apart as reports.
    n = rng.randrange(1, 60) if i % 4 == 0 else i
    body = TEMPLATES[n % len(TEMPLATES)].format(
        bank=BANKS[n % len(BANKS)], n=n, phone=f"09{n:08d}"[:10]
    )
    return {"category": ("scam", "phishing", "spam")[i % 3], "content": body,
            "urls": [], "phones": [], "contact": {}, "commune": None}  # fmt: skip


class Servers:
    """`canhgiac serve` and `canhgiac worker` as child processes we can SIGKILL."""

    def __init__(self, env: dict[str, str], port: int, with_worker: bool, log_dir: Path) -> None:
        self.env, self.port, self.with_worker, self.log_dir = env, port, with_worker, log_dir
        self.server: subprocess.Popen[bytes] | None = None
        self.worker: subprocess.Popen[bytes] | None = None
        self.starts = 0

    def start(self) -> None:
        self.starts += 1
        log = (self.log_dir / f"serve-{self.starts}.log").open("wb")
        self.server = subprocess.Popen(
            [*_cli(), "serve", "--host", "127.0.0.1", "--port", str(self.port)],
            env=self.env, stdout=log, stderr=subprocess.STDOUT,
        )  # fmt: skip
        if self.with_worker:
            wlog = (self.log_dir / f"worker-{self.starts}.log").open("wb")
            self.worker = subprocess.Popen(
                [*_cli(), "worker", "--stale-after", "2", "--poll", "0.2"],
                env=self.env, stdout=wlog, stderr=subprocess.STDOUT,
            )  # fmt: skip
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                if httpx.get(f"http://127.0.0.1:{self.port}/healthz", timeout=1).status_code == 200:
                    return
            except httpx.HTTPError:
                pass
            if self.server.poll() is not None:
                break
            time.sleep(0.1)
        raise RuntimeError(f"server did not start; see {self.log_dir}")

    def kill(self) -> None:
        """SIGKILL: no shutdown handlers, no flushing, as in a power cut of the process."""
        for proc in (self.server, self.worker):
            if proc is not None and proc.poll() is None:
                proc.send_signal(signal.SIGKILL)
                proc.wait()

    def stop(self) -> None:
        for proc in (self.worker, self.server):
            if proc is not None and proc.poll() is None:
                proc.terminate()
                try:
                    proc.wait(20)
                except subprocess.TimeoutExpired:
                    proc.kill()
                    proc.wait()


async def _send_all(
    base: str, reports: list[tuple[str, dict[str, Any]]], concurrency: int, outcome: Outcome,
    on_ack: Any,
) -> None:  # fmt: skip
    sem = asyncio.Semaphore(concurrency)
    limits = httpx.Limits(max_connections=concurrency, max_keepalive_connections=concurrency)
    async with httpx.AsyncClient(base_url=base, timeout=30, limits=limits) as client:

        async def one(index: int, key: str, body: dict[str, Any]) -> None:
            headers = {
                "Idempotency-Key": key,
                "X-Forwarded-For": f"10.{index % 250}.{index // 250 % 250}.7",
            }
            async with sem:
                for _attempt in range(200):
                    started = time.monotonic()
                    try:
                        response = await client.post("/api/v1/reports", json=body, headers=headers)
                    except httpx.TransportError:
                        outcome.cut_off += 1
                        await asyncio.sleep(0.5)  # the server is down: retry, same key
                        continue
                    if response.status_code == 429:
                        outcome.throttled += 1
                        await asyncio.sleep(float(response.headers.get("retry-after", "1")))
                        continue
                    if response.status_code in (200, 201):
                        outcome.latencies.append(time.monotonic() - started)
                        outcome.replayed += response.status_code == 200
                        outcome.acked[key] = response.json()["tracking_code"]
                        on_ack(len(outcome.acked))
                        return
                    if response.status_code >= 500:
                        await asyncio.sleep(0.5)
                        continue
                    raise RuntimeError(f"unexpected {response.status_code}: {response.text}")

        await asyncio.gather(*(one(i, k, b) for i, (k, b) in enumerate(reports)))


def _run_until_idle(env: dict[str, str]) -> str:
    done = subprocess.run(
        [*_cli(), "worker", "--until-idle", "--stale-after", "1", "--poll", "0.1"],
        env=env, capture_output=True, text=True, timeout=1800, check=False,
    )  # fmt: skip
    if done.returncode != 0:
        raise RuntimeError(f"worker --until-idle failed: {done.stderr[-2000:]}")
    return done.stdout.strip().splitlines()[-1] if done.stdout.strip() else ""


def run(
    *, reports: int = 3000, concurrency: int = 32, kill_at: float = 0.4, pg_url: str | None = None,
    scan: bool | None = None, seed: int = 7, quiet: bool = False,
) -> dict[str, Any]:  # fmt: skip
    """Run the whole scenario; returns the figures and the checks (see `check` keys)."""
    try:
        import canhgiac.worker.runner  # noqa: F401

        has_worker = True
    except ImportError:
        has_worker = False
    scan = has_worker if scan is None else scan and has_worker
    rng = random.Random(seed)
    workdir = Path(tempfile.mkdtemp(prefix="canhgiac-bench-"))
    database_url = _fresh_pg_database(pg_url) if pg_url else ""
    env = {**os.environ, "CANHGIAC_DATA_DIR": str(workdir / "data"),
           "CANHGIAC_SECRET_KEY": "bench-secret-key-not-for-production",
           "CANHGIAC_DATABASE_URL": database_url, "CANHGIAC_IN_PROCESS_WORKER": "false",
           "CANHGIAC_ENV": "test", "PYTHONUNBUFFERED": "1"}  # fmt: skip
    subprocess.run([*_cli(), "init"], env=env, check=True, capture_output=True, timeout=300)
    port = _free_port()
    servers = Servers(env, port, with_worker=scan, log_dir=workdir)
    outcome = Outcome()
    batch = [(f"bench-{seed}-{i}", _report(i, rng)) for i in range(reports)]
    outcome.sent = dict(batch)
    kill_after = max(1, int(reports * kill_at))
    killed = {"done": False, "at": 0}

    def on_ack(n: int) -> None:
        if not killed["done"] and n >= kill_after:
            killed["done"], killed["at"] = True, n
            servers.kill()
            servers.start()

    started = time.monotonic()
    servers.start()
    try:
        asyncio.run(_send_all(f"http://127.0.0.1:{port}", batch, concurrency, outcome, on_ack))
    finally:
        servers.stop()
    elapsed = time.monotonic() - started
    worker_line = _run_until_idle(env) if scan else ""
    figures = _check(env, outcome, scan)
    figures.update({
        "reports_sent": reports, "acknowledged": len(outcome.acked), "killed_after_acks": killed["at"],
        "cut_off_and_retried": outcome.cut_off, "answered_200_replay": outcome.replayed,
        "throttled_429": outcome.throttled, "seconds": round(elapsed, 1),
        "reports_per_s": round(len(outcome.acked) / elapsed, 1),
        "p50_ms": _pct(outcome.latencies, 50), "p99_ms": _pct(outcome.latencies, 99),
        "database": "postgresql" if pg_url else "sqlite", "worker": worker_line,
    })  # fmt: skip
    if not quiet:
        _print_table(figures)
    if pg_url:
        _drop_pg_database(pg_url, database_url)
    shutil.rmtree(workdir, ignore_errors=True)
    return figures


def _check(env: dict[str, str], outcome: Outcome, scan: bool) -> dict[str, Any]:
    url = (
        env["CANHGIAC_DATABASE_URL"]
        or f"sqlite:///{Path(env['CANHGIAC_DATA_DIR']) / 'canhgiac.sqlite3'}"
    )
    if url.startswith("postgresql://"):
        url = "postgresql+psycopg://" + url.removeprefix("postgresql://")
    engine = create_engine(url)
    with engine.connect() as conn:
        rows = conn.execute(
            text("SELECT idempotency_key, tracking_code, content FROM reports")
        ).all()
        items = conn.execute(text("SELECT count(*), sum(report_count) FROM items")).one()
        unscanned = conn.execute(
            text("SELECT count(*) FROM items WHERE verdict_label IS NULL")
        ).scalar()
        failed_jobs = conn.execute(
            text("SELECT count(*) FROM jobs WHERE state = 'failed'")
        ).scalar()
    engine.dispose()
    by_key: dict[str, list[tuple[str, str]]] = {}
    for key, code, content in rows:
        by_key.setdefault(key, []).append((code, content))
    missing = [k for k in outcome.acked if k not in by_key]
    duplicated = [k for k, v in by_key.items() if len(v) > 1]
    wrong_code = [k for k, code in outcome.acked.items() if k in by_key and by_key[k][0][0] != code]
    wrong_body = [k for k in outcome.acked if k in by_key
                  and by_key[k][0][1] != outcome.sent[k]["content"]]  # fmt: skip
    phantom = [k for k in by_key if k not in outcome.sent]
    return {
        "stored_reports": len(rows),
        "items": int(items[0]),
        "sum_report_count": int(items[1] or 0),
        "missing": len(missing),
        "duplicated": len(duplicated),
        "wrong_code": len(wrong_code),
        "wrong_body": len(wrong_body),
        "phantom": len(phantom),
        "unscanned_items": int(unscanned or 0) if scan else None,
        "failed_jobs": int(failed_jobs or 0) if scan else None,
        "ok": not (missing or duplicated or wrong_code or wrong_body or phantom)
        and (not scan or not unscanned),
    }


def _pct(values: list[float], p: int) -> float:
    if not values:
        return 0.0
    ordered = sorted(values)
    return round(1000 * ordered[min(len(ordered) - 1, len(ordered) * p // 100)], 1)


def _print_table(figures: dict[str, Any]) -> None:
    width = max(len(k) for k in figures)
    print("-" * (width + 24))
    for key, value in figures.items():
        print(f"{key:<{width}}  {value}")
    print("-" * (width + 24))
    print("NOTHING LOST" if figures["ok"] else "FAILED: see the counts above")


def _fresh_pg_database(admin_url: str) -> str:
    from sqlalchemy.engine import make_url

    name = f"canhgiac_bench_{os.getpid()}"
    engine = create_engine(_psycopg(admin_url), isolation_level="AUTOCOMMIT")
    with engine.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    engine.dispose()
    return make_url(_psycopg(admin_url)).set(database=name).render_as_string(hide_password=False)


def _drop_pg_database(admin_url: str, url: str) -> None:
    from sqlalchemy.engine import make_url

    engine = create_engine(_psycopg(admin_url), isolation_level="AUTOCOMMIT")
    with engine.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{make_url(url).database}" WITH (FORCE)'))
    engine.dispose()


def _psycopg(url: str) -> str:
    return (
        "postgresql+psycopg://" + url.removeprefix("postgresql://")
        if url.startswith("postgresql://")
        else url
    )


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--reports", type=int, default=3000)
    parser.add_argument("--concurrency", type=int, default=32)
    parser.add_argument("--kill-at", type=float, default=0.4, help="share of acks before SIGKILL")
    parser.add_argument(
        "--pg",
        nargs="?",
        const="postgresql+psycopg://postgres@127.0.0.1:5432/postgres",
        default=None,
        help="use PostgreSQL (admin URL; a fresh database is made)",
    )
    parser.add_argument(
        "--no-scan", action="store_true", help="skip the worker and the verdict check"
    )
    args = parser.parse_args()
    figures = run(reports=args.reports, concurrency=args.concurrency, kill_at=args.kill_at,
                  pg_url=args.pg, scan=not args.no_scan)  # fmt: skip
    sys.exit(0 if figures["ok"] else 1)


if __name__ == "__main__":
    main()
