"""PostgreSQL restarted while citizens file reports: nothing acknowledged is lost or duplicated.

    sudo .venv/bin/python bench/pg_restart.py [--reports 1500] [--concurrency 32]

Needs root (it runs a private PostgreSQL cluster as the `postgres` user, on a free port in a
temporary directory, so the shared server on 5432 is never touched) and the PostgreSQL server
binaries (/usr/lib/postgresql/*/bin). Starts `canhgiac serve` and `canhgiac worker` on that
cluster, sends reports concurrently (each with its own Idempotency-Key; clients retry on 5xx and
cut connections, as bench_intake.py), restarts the cluster (`pg_ctl restart -m fast`: open
transactions are aborted) when a share of the reports has been acknowledged, then checks that
every acknowledged report is stored exactly once and every item got its verdict.
"""

from __future__ import annotations

import argparse
import asyncio
import glob
import os
import random
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.bench_intake import (
    Outcome,
    Servers,
    _check,
    _cli,
    _free_port,
    _pct,
    _print_table,
    _report,
    _run_until_idle,
    _send_all,
)


class PrivateCluster:
    """A throw-away PostgreSQL cluster owned by `postgres`, on its own port and socket dir."""

    def __init__(self) -> None:
        found = sorted(glob.glob("/usr/lib/postgresql/*/bin/pg_ctl"))
        if not found or os.geteuid() != 0:
            raise SystemExit("needs root and the PostgreSQL server binaries (pg_ctl)")
        self.bin = Path(found[-1]).parent
        self.dir = Path(tempfile.mkdtemp(prefix="canhgiac-pgrestart-"))
        self.data = self.dir / "data"
        self.port = _free_port()
        shutil.chown(self.dir, "postgres", "postgres")
        self.restarts: list[float] = []

    def _as_postgres(self, *args: str, timeout: float = 120) -> None:
        subprocess.run(
            ["runuser", "-u", "postgres", "--", *args],
            check=True, capture_output=True, timeout=timeout,
        )  # fmt: skip

    def start(self) -> str:
        self._as_postgres(str(self.bin / "initdb"), "-D", str(self.data), "-U", "postgres",
                          "--auth=trust", "-E", "UTF8")  # fmt: skip
        self._pg_ctl("start")
        self._as_postgres(str(self.bin / "createdb"), "-h", str(self.dir), "-p", str(self.port),
                          "-U", "postgres", "canhgiac")  # fmt: skip
        return f"postgresql+psycopg://postgres@127.0.0.1:{self.port}/canhgiac"

    def _pg_ctl(self, action: str, *extra: str) -> None:
        options = (
            f"-p {self.port} -k {self.dir} -c listen_addresses=127.0.0.1 -c max_connections=200"
        )
        self._as_postgres(str(self.bin / "pg_ctl"), "-D", str(self.data), "-o", options, "-w",
                          "-l", str(self.dir / "server.log"), action, *extra)  # fmt: skip

    def restart(self) -> None:
        started = time.monotonic()
        self._pg_ctl("restart", "-m", "fast")
        self.restarts.append(round(time.monotonic() - started, 2))

    def stop(self) -> None:
        try:
            self._pg_ctl("stop", "-m", "immediate")
        finally:
            shutil.rmtree(self.dir, ignore_errors=True)


def run(*, reports: int, concurrency: int, restart_at: float, seed: int = 7) -> dict[str, Any]:
    """The whole scenario; the figures and checks of bench_intake plus the restart times."""
    cluster = PrivateCluster()
    url = cluster.start()
    workdir = Path(tempfile.mkdtemp(prefix="canhgiac-pgrestart-run-"))
    env = {**os.environ, "CANHGIAC_DATA_DIR": str(workdir / "data"),
           "CANHGIAC_SECRET_KEY": "bench-secret-key-not-for-production",
           "CANHGIAC_DATABASE_URL": url, "CANHGIAC_IN_PROCESS_WORKER": "false",
           "CANHGIAC_ENV": "test", "PYTHONUNBUFFERED": "1"}  # fmt: skip
    try:
        subprocess.run([*_cli(), "init"], env=env, check=True, capture_output=True, timeout=300)
        port = _free_port()
        servers = Servers(env, port, with_worker=True, log_dir=workdir)
        rng = random.Random(seed)
        batch = [(f"pgr-{seed}-{i}", _report(i, rng)) for i in range(reports)]
        outcome = Outcome(sent=dict(batch))
        restart_after = max(1, int(reports * restart_at))
        state = {"done": False, "at": 0}

        def on_ack(n: int) -> None:
            if not state["done"] and n >= restart_after:
                state["done"], state["at"] = True, n
                # In a thread: the clients keep sending (and failing, then retrying) meanwhile.
                threading.Thread(target=cluster.restart, daemon=True).start()

        started = time.monotonic()
        servers.start()
        try:
            asyncio.run(_send_all(f"http://127.0.0.1:{port}", batch, concurrency, outcome, on_ack))
        finally:
            servers.stop()
        elapsed = time.monotonic() - started
        # What the clients saw meanwhile: uvicorn's access log has one line per answer.
        answers_5xx = sum(
            line.count('" 50') for log in workdir.glob("serve-*.log")
            for line in log.read_text(errors="replace").splitlines()
        )  # fmt: skip
        worker_line = _run_until_idle(env)
        figures = _check(env, outcome, True)
        figures.update({
            "reports_sent": reports, "acknowledged": len(outcome.acked),
            "restarted_after_acks": state["at"], "restart_seconds": cluster.restarts,
            "answered_5xx_then_retried": answers_5xx,
            "cut_off_and_retried": outcome.cut_off, "answered_200_replay": outcome.replayed,
            "seconds": round(elapsed, 1), "reports_per_s": round(len(outcome.acked) / elapsed, 1),
            "p50_ms": _pct(outcome.latencies, 50), "p99_ms": _pct(outcome.latencies, 99),
            "database": f"postgresql (private cluster, port {cluster.port})", "worker": worker_line,
        })  # fmt: skip
        return figures
    finally:
        cluster.stop()
        shutil.rmtree(workdir, ignore_errors=True)


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--reports", type=int, default=1500)
    parser.add_argument("--concurrency", type=int, default=32)
    parser.add_argument("--restart-at", type=float, default=0.4, help="share of acks first")
    args = parser.parse_args()
    figures = run(reports=args.reports, concurrency=args.concurrency, restart_at=args.restart_at)
    _print_table(figures)
    sys.exit(0 if figures["ok"] and figures["restart_seconds"] else 1)


if __name__ == "__main__":
    main()
