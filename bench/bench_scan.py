"""Scanner speed: scan_batch throughput and scan_one latency, beside a plain TF-IDF baseline.

Run: .venv/bin/python bench/bench_scan.py [--n 20000]
The baseline is a plain scikit-learn TfidfVectorizer(char_wb 2-5) + LogisticRegression pipeline,
trained and timed in the same run on the same messages; ratios are ours / baseline.
Wall-clock rows are the targets. On a shared machine other processes take turns on the core, so
the CPU-time rows (time.process_time: what this process itself used) say what one core of our
own would do; run pinned to one core (`taskset -c 1`).
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import time
from collections.abc import Callable
from pathlib import Path

from rich.console import Console
from rich.table import Table
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import make_pipeline

from canhgiac.detect.rules import RuleSet
from canhgiac.detect.scanner import Scanner
from canhgiac.detect.training import load_fixtures
from canhgiac.text.indicators import extract_indicators
from canhgiac.text.normalize import normalize, normalize_many


def _messages(n: int) -> list[str]:
    data = Path(os.environ.get("CANHGIAC_TRAINING_DATA", "../shared/data"))
    pool = [r.text for r in load_fixtures()]
    for rule in RuleSet.default().rules:
        pool += [*rule.positive, *rule.negative]
    vi = data / "sms_vi_spam" / "spam_positives.csv"
    if vi.exists():
        import csv

        with vi.open(encoding="utf-8", newline="") as f:
            pool += [r["text"] for r in csv.DictReader(f)]
    rng = random.Random(0)
    # Distinct messages (a serial number changes each), so no cache can help.
    return [f"{rng.choice(pool)} #{i}" for i in range(n)]


def _rate(
    fn: Callable[[], object],
    count: int,
    repeat: int = 3,
    clock: Callable[[], float] = time.perf_counter,
) -> float:
    best = min(_timed(fn, clock) for _ in range(repeat))
    return count / best


def _timed(fn: Callable[[], object], clock: Callable[[], float] = time.perf_counter) -> float:
    start = clock()
    fn()
    return clock() - start


def _latencies(
    fn: Callable[[str], object], texts: list[str], clock: Callable[[], float] = time.perf_counter
) -> list[float]:
    out = []
    for t in texts:
        start = clock()
        fn(t)
        out.append((clock() - start) * 1000)
    return out


def _p(values: list[float], q: float) -> float:
    return statistics.quantiles(values, n=100)[int(q) - 1]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--n", type=int, default=20_000)
    args = parser.parse_args()
    texts = _messages(args.n)
    scanner = Scanner()
    scanner.scan_batch(texts[:2000])  # warm the caches that a long-running worker would have

    baseline = make_pipeline(
        TfidfVectorizer(analyzer="char_wb", ngram_range=(2, 5), sublinear_tf=True),
        LogisticRegression(max_iter=2000),
    )
    train = [r.text for r in load_fixtures()]
    baseline.fit(train, [r.label != "ok" for r in load_fixtures()])

    def batched() -> None:
        for i in range(0, len(texts), 1000):
            scanner.scan_batch(texts[i : i + 1000])

    ours_rate = _rate(batched, len(texts))
    base_rate = _rate(lambda: baseline.predict_proba(texts), len(texts))
    ours_cpu = _rate(batched, len(texts), clock=time.process_time)
    base_cpu = _rate(lambda: baseline.predict_proba(texts), len(texts), clock=time.process_time)
    model = scanner.classifier
    assert model is not None
    folded = [normalize(t).folded for t in texts]
    parts = {
        "normalize": _rate(lambda: [normalize(t) for t in texts], len(texts), 1),
        "normalize_many (as scan_batch)": _rate(
            lambda: [normalize_many(texts[i : i + 1000]) for i in range(0, len(texts), 1000)],
            len(texts),
            1,
        ),
        "indicators": _rate(lambda: [extract_indicators(t) for t in texts], len(texts), 1),
        "rules (Aho-Corasick)": _rate(
            lambda: [scanner.rules.match(f) for f in folded], len(texts), 1
        ),
        "text model (batch)": _rate(lambda: model.predict_proba(folded), len(texts), 1),
    }
    sample = texts[:2000]
    ours_lat = _latencies(lambda t: scanner.scan_one(t), sample)
    base_lat = _latencies(lambda t: baseline.predict_proba([t]), sample)
    ours_cpu_lat = _latencies(lambda t: scanner.scan_one(t), sample, time.process_time)
    base_cpu_lat = _latencies(lambda t: baseline.predict_proba([t]), sample, time.process_time)

    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    title = f"Scanner speed, {len(texts):,} SMS-length messages, one process (load {load:.1f})"
    table = Table(title=title)
    table.add_column("measure")
    table.add_column("Cảnh Giác scanner", justify="right")
    table.add_column("baseline TF-IDF+LR", justify="right")
    table.add_column("ratio", justify="right")
    table.add_row(
        "scan_batch, messages/s",
        f"{ours_rate:,.0f}",
        f"{base_rate:,.0f}",
        f"{ours_rate / base_rate:.2f}×",
    )
    for q in (50, 99):
        o, b = _p(ours_lat, q), _p(base_lat, q)
        table.add_row(f"scan_one p{q}, ms", f"{o:.3f}", f"{b:.3f}", f"{o / b:.2f}×")
    table.add_row(
        "scan_batch, messages/CPU-s",
        f"{ours_cpu:,.0f}",
        f"{base_cpu:,.0f}",
        f"{ours_cpu / base_cpu:.2f}×",
    )
    o, b = _p(ours_cpu_lat, 99), _p(base_cpu_lat, 99)
    table.add_row("scan_one p99, CPU ms", f"{o:.3f}", f"{b:.3f}", f"{o / b:.2f}×")
    for name, rate in parts.items():
        if name.startswith("text model"):
            # The like-for-like row: a model's batch prediction against the baseline's.
            ratio = f"{rate / base_rate:.2f}×"
            table.add_row(f"  {name}, messages/s", f"{rate:,.0f}", f"{base_rate:,.0f}", ratio)
        else:
            table.add_row(f"  {name}, messages/s", f"{rate:,.0f}", "", "")
    Console().print(table)
    print("target: scan_batch ≥ 20,000 messages/s; scan_one p99 ≤ 2 ms")
    print(
        "note: the scanner does normalisation, indicators, rules, lists, look-alikes and the model;"
    )
    print("the baseline only predicts with a model.")


if __name__ == "__main__":
    main()
