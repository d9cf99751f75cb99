"""Benchmark of known-claim matching: MinHash LSH ``match`` against ``match_brute_force``.

Run: ``.venv/bin/python bench/bench_claims.py [--claims 100000] [--queries 300] [--brute 40]``.
Synthetic claims come from a generated syllable vocabulary with Zipf-like word frequencies (so
common words are shared as in real text), fixed seed. Queries are paraphrases of stored claims
(prefix added, two clauses swapped, two or three words replaced) and unrelated texts.
"""

from __future__ import annotations

import argparse
import random
import statistics
import time
import unicodedata
from collections.abc import Callable

from canhgiac.detect.claims import ClaimMatcher


def _fold() -> Callable[[str], str]:
    try:
        from canhgiac.text.normalize import fold

        return fold
    except ImportError:  # normalize.py not written yet: strip diacritics locally

        def local(text: str) -> str:
            text = unicodedata.normalize("NFKD", text.replace("đ", "d").replace("Đ", "D"))
            return " ".join(
                "".join(c for c in text if not unicodedata.combining(c)).lower().split()
            )

        return local


ONSETS = "b c ch d g gh h k kh l m n ng nh p ph qu r s t th tr v x"
RIMES = "a ai am an ang anh ao au ay e em en eo i ia im in inh o oi om on ong u ua ui um un ung uy"


def vocabulary(rng: random.Random, size: int) -> list[str]:
    words: set[str] = set()
    while len(words) < size:
        n = rng.choice((1, 2, 2, 3))
        words.add("".join(rng.choice(ONSETS.split()) + rng.choice(RIMES.split()) for _ in range(n)))
    return sorted(words)


def make_claims(rng: random.Random, vocab: list[str], n: int) -> list[str]:
    weights = [1.0 / (rank + 10) for rank in range(len(vocab))]  # Zipf-like
    claims = []
    for _ in range(n):
        length = rng.randint(12, 30)
        claims.append(" ".join(rng.choices(vocab, weights=weights, k=length)))
    return claims


def paraphrase(rng: random.Random, text: str, vocab: list[str]) -> str:
    words = text.split()
    cut = rng.randint(len(words) // 3, 2 * len(words) // 3)
    words = words[cut:] + words[:cut]  # clauses swapped
    for _ in range(rng.choice((2, 3))):
        words[rng.randrange(len(words))] = rng.choice(vocab)
    prefix = rng.choice(("Nóng:", "chia sẻ gấp", "Khẩn cấp!!!", "Tin mới:"))
    return f"{prefix} {' '.join(words)}"


def timed(fn: Callable[[str], object], queries: list[str]) -> list[float]:
    out = []
    for q in queries:
        t0 = time.perf_counter()
        fn(q)
        out.append((time.perf_counter() - t0) * 1000.0)
    return out


def p95(values: list[float]) -> float:
    return sorted(values)[int(0.95 * (len(values) - 1))]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--claims", type=int, default=100_000)
    parser.add_argument("--queries", type=int, default=300)
    parser.add_argument("--brute", type=int, default=40, help="queries also run brute force")
    args = parser.parse_args()

    rng = random.Random(42)
    vocab = vocabulary(rng, 20_000)
    claims = make_claims(rng, vocab, args.claims)
    picks = rng.sample(range(args.claims), args.queries)
    para = [(f"c{i}", paraphrase(rng, claims[i], vocab)) for i in picks]
    unrelated = make_claims(random.Random(7), vocab, args.queries)

    matcher = ClaimMatcher(fold=_fold())
    t0 = time.perf_counter()
    matcher.add_many((f"c{i}", text) for i, text in enumerate(claims))
    build_s = time.perf_counter() - t0

    queries = [q for _, q in para]
    lsh_ms = timed(matcher.match, queries + unrelated)
    hits = sum(1 for cid, q in para if [m.claim_id for m in matcher.match(q, limit=1)] == [cid])
    false_hits = sum(1 for q in unrelated if matcher.match(q))

    sub = para[: args.brute]
    brute_ms: list[float] = []
    agree = found = brute_hits = 0
    for cid, q in sub:
        t0 = time.perf_counter()
        best = matcher.match_brute_force(q, limit=1)
        brute_ms.append((time.perf_counter() - t0) * 1000.0)
        brute_hits += [m.claim_id for m in best] == [cid]
        if best:
            found += 1
            agree += [m.claim_id for m in matcher.match(q, limit=1)] == [best[0].claim_id]
    recall_vs_brute = agree / found if found else float("nan")
    cands = statistics.mean(len(matcher.candidates(q)) for q in queries[:100])

    lsh_mean, brute_mean = statistics.mean(lsh_ms), statistics.mean(brute_ms)
    rows = [
        ("claims indexed", f"{len(matcher):,}", "", ""),
        (
            f"LSH bands x rows, band hits needed (num_perm={matcher.num_perm})",
            f"{matcher.bands}x{matcher.rows}, {matcher.min_hits}",
            "",
            "",
        ),
        ("build time (s)", f"{build_s:.2f}", "", ""),
        (
            "query mean (ms), match vs brute force",
            f"{lsh_mean:.2f}",
            f"{brute_mean:.1f}",
            f"{brute_mean / lsh_mean:.0f}x faster",
        ),
        ("query p95 (ms)", f"{p95(lsh_ms):.2f}", f"{p95(brute_ms):.1f}", ""),
        ("mean LSH candidates per paraphrase", f"{cands:.0f}", f"{args.claims:,}", ""),
        (
            "paraphrase top-1 = source claim",
            f"{hits / len(para):.3f}",
            f"{brute_hits / len(sub):.3f}",
            "",
        ),
        (
            f"recall of LSH top-1 vs brute force ({len(sub)} q)",
            f"{recall_vs_brute:.3f}",
            "1.000",
            "",
        ),
        ("unrelated queries with any match", f"{false_hits}/{len(unrelated)}", "", ""),
    ]
    width = max(len(r[0]) for r in rows)
    print(f"{'figure':<{width}}  {'value':>10}  {'baseline':>10}  ratio")
    for name, value, base, ratio in rows:
        print(f"{name:<{width}}  {value:>10}  {base:>10}  {ratio}")


if __name__ == "__main__":
    main()
