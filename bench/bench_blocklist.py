"""Benchmark the block-list index against a plain Python set of the same entries.

    python bench/bench_blocklist.py [--n 1000000] [--queries 1000000]

Targets: load from the compiled cache in <= 1 s, <= 250 MB resident, >= 1,000,000 look-ups/s with
parent-domain walking on a mix of exact hits, subdomain hits and misses. The baseline is a `set` of
the same strings read from a plain text file and probed for exact membership only (no parent walk).
Look-ups are timed one call each (`lookup`, each result dropped at once) and as one batch call
(`lookup_many`, which keeps every result in the list it returns, as a caller of a batch API does).
"""

from __future__ import annotations

import argparse
import json
import os
import random
import string
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from canhgiac.detect.blocklist import ListIndex

TLDS = ["com", "vn", "com.vn", "net", "top", "xyz", "info", "online", "shop", "org", "site", "cc"]
PAGE = os.sysconf("SC_PAGE_SIZE")


def rss_bytes() -> int:
    """Resident set size of this process, from /proc (no psutil)."""
    with open("/proc/self/statm") as fh:
        return int(fh.read().split()[1]) * PAGE


def make_domains(n: int, rng: random.Random) -> list[str]:
    """n distinct realistic-looking registered domains, some with a subdomain."""
    alphabet = string.ascii_lowercase + string.digits
    out: set[str] = set()
    while len(out) < n:
        label = "".join(rng.choices(alphabet, k=rng.randint(5, 16)))
        if rng.random() < 0.3:
            label += "-" + rng.choice(["login", "xacminh", "secure", "vn", "online", "verify"])
        host = f"{label}.{rng.choice(TLDS)}"
        if rng.random() < 0.15:
            host = rng.choice(["www", "m", "secure", "login"]) + "." + host
        out.add(host)
    return sorted(out)


def make_queries(domains: list[str], count: int, rng: random.Random, hit_share: float) -> list[str]:
    """A look-up mix: `hit_share` hits (5/8 exact, 3/8 on a parent domain), the rest misses."""
    queries = []
    for _ in range(count):
        r = rng.random()
        if r < hit_share * 5 / 8:
            queries.append(rng.choice(domains))
        elif r < hit_share:
            queries.append("a.b." + rng.choice(domains))
        else:
            label = "".join(rng.choices(string.ascii_lowercase, k=rng.randint(5, 14)))
            queries.append(f"www.{label}.{rng.choice(TLDS)}")
    return queries


def measure(fn: object) -> float:
    start = time.perf_counter()
    fn()  # type: ignore[operator]
    return time.perf_counter() - start


def child_load(kind: str, path: Path) -> None:
    """Load one structure and print [seconds, resident MB added, entries] as JSON."""
    rss0 = rss_bytes()
    t0 = time.perf_counter()
    if kind == "index":
        loaded: object = ListIndex.load(path)
    else:
        loaded = set(path.read_text(encoding="utf-8").split("\n"))
    seconds = time.perf_counter() - t0
    print(json.dumps([seconds, (rss_bytes() - rss0) / 2**20, len(loaded)]))  # type: ignore[arg-type]


def load_in_child(kind: str, path: Path) -> tuple[float, float]:
    """(load seconds, resident MB added) measured in a fresh interpreter, so runs do not mix."""
    out = subprocess.run(
        [sys.executable, __file__, "--child", kind, str(path)],
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    seconds, mb, _count = json.loads(out)
    return float(seconds), float(mb)


def lookup_rates(
    index: ListIndex, baseline: set[str], queries: list[str]
) -> tuple[float, float, float, float]:
    """Look-ups per second: lookup, lookup_many, a set (exact only), a set with the parent walk."""
    lookup = index.lookup

    def run_index() -> None:
        for q in queries:
            lookup("domain", q)

    def run_many() -> None:
        index.lookup_many("domain", queries)

    def run_set() -> None:
        for q in queries:
            q in baseline  # noqa: B015 - the membership test is what is timed

    def run_set_walk() -> None:
        for q in queries:
            host = q
            while "." in host:
                if host in baseline:
                    break
                host = host.partition(".")[2]

    runs = (run_index, run_many, run_set, run_set_walk)
    best = [min(measure(fn) for _ in range(3)) for fn in runs]
    return (
        len(queries) / best[0],
        len(queries) / best[1],
        len(queries) / best[2],
        len(queries) / best[3],
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--n", type=int, default=1_000_000, help="entries in the list")
    parser.add_argument("--queries", type=int, default=1_000_000, help="look-ups to time")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--child", nargs=2, metavar=("KIND", "PATH"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child_load(args.child[0], Path(args.child[1]))
        return
    rng = random.Random(args.seed)

    domains = make_domains(args.n, rng)
    mixes = {share: make_queries(domains, args.queries, rng, share) for share in (0.10, 0.40)}
    work = Path(tempfile.mkdtemp(prefix="canhgiac-bench-"))
    cache, text_file = work / "block.cgl", work / "block.txt"

    index = ListIndex("block")
    build_s = measure(lambda: index.add_many("domain", domains, "bench"))
    save_s = measure(lambda: index.save(cache))
    text_file.write_text("\n".join(domains), encoding="utf-8")

    # Load time and resident memory: each in a fresh interpreter (best of 3 for the time).
    index_runs = [load_in_child("index", cache) for _ in range(3)]
    base_runs = [load_in_child("set", text_file) for _ in range(3)]
    load_s, index_mb = min(r[0] for r in index_runs), max(r[1] for r in index_runs)
    base_load_s, base_mb = min(r[0] for r in base_runs), max(r[1] for r in base_runs)

    loaded = ListIndex.load(cache)
    assert len(loaded) == len(domains)
    baseline = set(text_file.read_text(encoding="utf-8").split("\n"))

    rates = {share: lookup_rates(loaded, baseline, queries) for share, queries in mixes.items()}
    rows = [
        ("entries", f"{len(domains):,}", f"{len(baseline):,}", "", ""),
        ("build (add_many), s", f"{build_s:.2f}", "", "", ""),
        ("save cache, s", f"{save_s:.2f}", "", "", f"cache {cache.stat().st_size / 2**20:.0f} MB"),
        ("load, s", f"{load_s:.3f}", f"{base_load_s:.3f}", f"{load_s / base_load_s:.2f}", "<= 1 s"),
        ("resident after load, MB", f"{index_mb:.0f}", f"{base_mb:.0f}", f"{index_mb / base_mb:.2f}",
         "<= 250 MB"),
    ]  # fmt: skip
    for share, (index_rate, many_rate, base_rate, walk_rate) in rates.items():
        for name, rate in ((f"look-ups/s, {share:.0%} hits", index_rate),
                           (f"lookup_many/s, {share:.0%} hits", many_rate)):  # fmt: skip
            rows.append(
                (
                    name,
                    f"{rate:,.0f}",
                    f"{base_rate:,.0f}",
                    f"{rate / base_rate:.2f}",
                    ">= 1,000,000; baseline exact only",
                )
            )
            rows.append(("  vs set + same parent walk", f"{rate:,.0f}", f"{walk_rate:,.0f}",
                         f"{rate / walk_rate:.2f}", "baseline walks parents too"))  # fmt: skip
    header = ("figure", "value", "baseline (set)", "ratio", "target / note")
    widths = [max(len(str(r[i])) for r in [header, *rows]) for i in range(5)]
    for row in [header, tuple("-" * w for w in widths), *rows]:
        print("  ".join(str(c).ljust(w) for c, w in zip(row, widths, strict=True)))
    for path in (cache, text_file):
        path.unlink()
    work.rmdir()


if __name__ == "__main__":
    main()
