"""Near-duplicate matching of known false claims: MinHash LSH candidates, then a precise re-rank.

Text is folded (``canhgiac.text.normalize.fold``: lower case, no diacritics, teencode expanded)
and split into word tokens. Each stored variant (a claim text or one of its paraphrases) gets a
MinHash signature over its word unigrams plus its word ``shingle``-grams: unigrams keep reordered
paraphrases close, shingles keep apart two texts that merely share common words. Signatures are
split into bands; texts sharing enough band buckets become candidates. Candidates are re-ranked by
the *containment* of the stored variant in the message, averaged over unigrams and shingles::

    similarity = (|Q₁ ∩ C₁| / |C₁| + |Qₖ ∩ Cₖ| / |Cₖ|) / 2

Containment rather than Jaccard because a forwarded message usually wraps the claim in extra text
("Nóng: chia sẻ gấp …"); repeating most of a claim is what matters, not how much else is said.
Long messages are also probed window by window so a claim buried in them still becomes a candidate.
"""

from __future__ import annotations

import hashlib
import re
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from importlib import resources
from itertools import chain
from math import comb
from typing import Any

import numpy as np
import numpy.typing as npt
import yaml

__all__ = ["ClaimMatch", "ClaimMatcher", "SeedClaim", "load_seed_claims", "matcher_from_claims"]

_U64 = npt.NDArray[np.uint64]
_TOKEN_RE = re.compile(r"\w+", re.UNICODE)
_SEED_UNIGRAM = np.uint64(0x9E3779B97F4A7C15)
_SHINGLE_MUL = np.uint64(0xBF58476D1CE4E5B9)
_BAND_MUL = np.uint64(0x94D049BB133111EB)
_WINDOW = 32  # tokens per probe window for long messages
_MAX_WINDOWS = 48  # caps query cost for very long messages


@dataclass(frozen=True, slots=True)
class ClaimMatch:
    """One known claim that a text repeats."""

    claim_id: str
    similarity: float  # 0..1 after precise re-rank


@dataclass(frozen=True, slots=True)
class SeedClaim:
    """A verified false or misleading claim with its official correction."""

    id: str
    text: str
    paraphrases: tuple[str, ...]
    verdict: str  # "false" | "misleading"
    correction: str
    source_type: str  # kind of official source to cite, e.g. "Bộ Y tế"
    source_reference: str  # filled by the district: document number or official link
    topic: str


@dataclass(slots=True)
class _Entry:
    claim_id: str
    tokens: tuple[str, ...]


def _default_fold() -> Callable[[str], str]:
    from canhgiac.text.normalize import fold  # imported lazily: pure module, owned elsewhere

    return fold


def _mix64(x: _U64) -> _U64:
    """SplitMix64 finaliser: spreads a 64-bit hash over all bits (array in, array out)."""
    x = x ^ (x >> np.uint64(30))
    x = x * np.uint64(0xBF58476D1CE4E5B9)
    x = x ^ (x >> np.uint64(27))
    x = x * np.uint64(0x94D049BB133111EB)
    return x ^ (x >> np.uint64(31))


def _lsh_params(num_perm: int, threshold: float) -> tuple[int, int, int]:
    """Bands, rows and required band hits whose S-curve best separates Jaccard at ``threshold``.

    A pair becomes a candidate when at least ``hits`` of ``bands`` bands agree on all ``rows``
    values: P(s) = P(Binomial(bands, s**rows) >= hits). Asking for two hits with short bands
    keeps recall for loose paraphrases while common words alone no longer make candidates.
    """
    grid = np.linspace(0.0, 1.0, 201)
    best: tuple[float, int, int, int] = (float("inf"), 1, 1, 1)
    for rows in range(1, num_perm + 1):
        bands = num_perm // rows
        p = grid**rows
        miss = np.zeros_like(grid)
        for hits in range(1, min(bands, 3) + 1):
            miss = miss + comb(bands, hits - 1) * p ** (hits - 1) * (1.0 - p) ** (bands - hits + 1)
            prob = 1.0 - miss
            false_pos = np.trapezoid(np.where(grid < threshold, prob, 0.0), grid)
            false_neg = np.trapezoid(np.where(grid >= threshold, 1.0 - prob, 0.0), grid)
            err = float(false_pos + false_neg)
            if err < best[0] - 1e-12:
                best = (err, bands, rows, hits)
    return best[1], best[2], best[3]


class ClaimMatcher:
    """Index of known claims answering "which known claim does this text repeat?"."""

    def __init__(
        self,
        *,
        threshold: float = 0.5,
        num_perm: int = 64,
        shingle: int = 3,
        lsh_threshold: float | None = None,
        fold: Callable[[str], str] | None = None,
    ) -> None:
        if not 0.0 < threshold <= 1.0:
            raise ValueError("threshold must be in (0, 1]")
        if num_perm < 2 or shingle < 1:
            raise ValueError("num_perm must be >= 2 and shingle >= 1")
        self.threshold = threshold
        self.num_perm = num_perm
        self.shingle = shingle
        # Feature Jaccard of a paraphrase sits well below its containment score, so the LSH
        # S-curve is centred lower than the re-rank threshold to keep recall high.
        lsh_t = lsh_threshold if lsh_threshold is not None else 0.5 * threshold
        self.bands, self.rows, self.min_hits = _lsh_params(num_perm, lsh_t)
        self._fold = fold if fold is not None else _default_fold()
        rng = np.random.default_rng(20241127)
        info = np.iinfo(np.uint64)
        self._perm_a = rng.integers(1, info.max, size=num_perm, dtype=np.uint64) | np.uint64(1)
        self._perm_b = rng.integers(0, info.max, size=num_perm, dtype=np.uint64)
        self._band_seeds = _mix64(np.arange(1, self.bands + 1, dtype=np.uint64))
        self._token_hash: dict[str, int] = {}
        self._entries: list[_Entry | None] = []
        self._by_claim: dict[str, list[int]] = {}
        self._buckets: dict[int, list[int]] = {}

    # -- text to features ------------------------------------------------------------------

    def tokens(self, text: str) -> tuple[str, ...]:
        """Folded word tokens of ``text``."""
        return tuple(_TOKEN_RE.findall(self._fold(text)))

    def _hash_tokens(self, tokens: Sequence[str]) -> _U64:
        cache = self._token_hash
        out = []
        for tok in tokens:
            h = cache.get(tok)
            if h is None:
                digest = hashlib.blake2b(tok.encode("utf-8"), digest_size=8).digest()
                h = cache[tok] = int.from_bytes(digest, "little")
            out.append(h)
        return np.array(out, dtype=np.uint64)

    def _features(self, hashes: _U64) -> _U64:
        """Unigram and k-shingle feature hashes of one token-hash sequence."""
        k = self.shingle
        unigrams = _mix64(hashes ^ _SEED_UNIGRAM)
        if k == 1 or len(hashes) < k:
            return unigrams
        n = len(hashes) - k + 1
        acc = hashes[:n].copy()
        for j in range(1, k):
            acc = acc * _SHINGLE_MUL + hashes[j : j + n]
        return np.concatenate((unigrams, _mix64(acc)))

    def _signature(self, features: _U64) -> _U64:
        hv = (features[:, None] * self._perm_a[None, :] + self._perm_b[None, :]) >> np.uint64(32)
        sig: _U64 = hv.min(axis=0)
        return sig

    def _band_keys(self, sigs: _U64) -> _U64:
        """One bucket key per band for each signature row: shape (n, bands)."""
        used = sigs[:, : self.bands * self.rows].reshape(len(sigs), self.bands, self.rows)
        acc = np.broadcast_to(self._band_seeds, (len(sigs), self.bands)).copy()
        for j in range(self.rows):
            acc = _mix64((acc ^ used[:, :, j]) * _BAND_MUL)
        return acc

    def _signatures(self, token_lists: Sequence[Sequence[str]]) -> _U64:
        """MinHash signatures of many token lists, hashed in chunks to bound memory."""
        sigs = np.full((len(token_lists), self.num_perm), np.iinfo(np.uint64).max, np.uint64)
        feats = [self._features(self._hash_tokens(toks)) for toks in token_lists]
        chunk_rows: list[int] = []
        chunk_feats: list[_U64] = []
        size = 0

        def flush() -> None:
            if not chunk_rows:
                return
            lengths = np.array([len(f) for f in chunk_feats])
            allf = np.concatenate(chunk_feats)
            hv = (allf[:, None] * self._perm_a[None, :] + self._perm_b[None, :]) >> np.uint64(32)
            starts = np.concatenate(([0], np.cumsum(lengths)[:-1]))
            sigs[chunk_rows] = np.minimum.reduceat(hv, starts, axis=0)
            chunk_rows.clear()
            chunk_feats.clear()

        for row, f in enumerate(feats):
            if len(f) == 0:
                continue
            chunk_rows.append(row)
            chunk_feats.append(f)
            size += len(f)
            if size >= 65536:
                flush()
                size = 0
        flush()
        return sigs

    # -- index maintenance -----------------------------------------------------------------

    def add(self, claim_id: str, text: str) -> None:
        """Index ``text`` (a claim or one of its paraphrases) under ``claim_id``."""
        self.add_many([(claim_id, text)])

    def add_many(self, items: Iterable[tuple[str, str]]) -> None:
        """Index many (claim_id, text) pairs at once; much faster than repeated ``add``."""
        pairs = [(cid, self.tokens(text)) for cid, text in items]
        pairs = [(cid, toks) for cid, toks in pairs if toks]
        if not pairs:
            return
        keys = self._band_keys(self._signatures([toks for _, toks in pairs])).tolist()
        buckets = self._buckets
        for (cid, toks), row in zip(pairs, keys, strict=True):
            eid = len(self._entries)
            self._entries.append(_Entry(cid, toks))
            self._by_claim.setdefault(cid, []).append(eid)
            for key in row:
                bucket = buckets.get(key)
                if bucket is None:
                    buckets[key] = [eid]
                else:
                    bucket.append(eid)

    def remove(self, claim_id: str) -> None:
        """Forget a claim and all its paraphrases; unknown ids are ignored."""
        eids = self._by_claim.pop(claim_id, [])
        if not eids:
            return
        entries = [self._entries[e] for e in eids]
        token_lists = [e.tokens for e in entries if e is not None]
        keys = self._band_keys(self._signatures(token_lists)).tolist()
        for eid, row in zip(eids, keys, strict=True):
            self._entries[eid] = None
            for key in row:
                bucket = self._buckets.get(key)
                if bucket is None:
                    continue
                bucket.remove(eid)
                if not bucket:
                    del self._buckets[key]

    def __len__(self) -> int:
        return len(self._by_claim)

    def __contains__(self, claim_id: object) -> bool:
        return claim_id in self._by_claim

    # -- matching --------------------------------------------------------------------------

    def _shingles(self, tokens: Sequence[str]) -> set[tuple[str, ...]]:
        k = self.shingle
        return set(zip(*(tokens[i:] for i in range(k)), strict=False))

    def _scorer(self, q_tokens: tuple[str, ...]) -> Callable[[tuple[str, ...]], float]:
        q_uni = set(q_tokens)
        q_sh = self._shingles(q_tokens)
        k = self.shingle

        def score(c_tokens: tuple[str, ...]) -> float:
            c_uni = set(c_tokens)
            uni = len(q_uni & c_uni) / len(c_uni)
            if k == 1 or len(c_tokens) < k:
                return uni
            c_sh = self._shingles(c_tokens)
            return (uni + len(q_sh & c_sh) / len(c_sh)) / 2.0

        return score

    def _rank(self, q_tokens: tuple[str, ...], eids: Iterable[int], limit: int) -> list[ClaimMatch]:
        score = self._scorer(q_tokens)
        best: dict[str, float] = {}
        for eid in eids:
            entry = self._entries[eid]
            if entry is None:
                continue
            s = score(entry.tokens)
            if s >= self.threshold and s > best.get(entry.claim_id, -1.0):
                best[entry.claim_id] = s
        ranked = sorted(best.items(), key=lambda kv: (-kv[1], kv[0]))[: max(limit, 0)]
        return [ClaimMatch(cid, round(s, 6)) for cid, s in ranked]

    def _query_windows(self, tokens: tuple[str, ...]) -> list[tuple[str, ...]]:
        if len(tokens) <= _WINDOW + _WINDOW // 2:
            return [tokens]
        step = _WINDOW // 2
        starts = range(0, len(tokens) - _WINDOW + step, step)
        windows = [tokens[s : s + _WINDOW] for s in starts][:_MAX_WINDOWS]
        return [tokens, *windows]

    def candidates(self, text: str) -> set[int]:
        """Internal entry ids sharing at least one LSH bucket with ``text`` (for diagnostics)."""
        return self._candidates(self.tokens(text))

    def _candidates(self, tokens: tuple[str, ...]) -> set[int]:
        if not tokens:
            return set()
        keys = self._band_keys(self._signatures(self._query_windows(tokens)))
        buckets = self._buckets
        if self.min_hits <= 1:
            found: set[int] = set()
            for key in set(keys.ravel().tolist()):
                bucket = buckets.get(key)
                if bucket is not None:
                    found.update(bucket)
            return found
        # Each window counts an entry once per band it shares; the best window decides.
        # Counter over chained bucket lists counts in C: big buckets of common words stay cheap.
        best: Counter[int] = Counter()
        for row in keys.tolist():
            hits = Counter(chain.from_iterable(buckets.get(key, ()) for key in row))
            if len(keys) == 1:
                best = hits
            else:
                for eid, n in hits.items():
                    if n > best[eid]:
                        best[eid] = n
        return {eid for eid, n in best.items() if n >= self.min_hits}

    def match(self, text: str, *, limit: int = 3) -> list[ClaimMatch]:
        """Known claims that ``text`` repeats, best first, only those at or above the threshold."""
        tokens = self.tokens(text)
        return self._rank(tokens, self._candidates(tokens), limit)

    def match_brute_force(self, text: str, *, limit: int = 3) -> list[ClaimMatch]:
        """Same scoring as ``match`` over every stored variant: the exact baseline."""
        return self._rank(self.tokens(text), range(len(self._entries)), limit)


def _seed_claim(raw: dict[str, Any]) -> SeedClaim:
    verdict = str(raw["verdict"])
    if verdict not in {"false", "misleading"}:
        raise ValueError(f"claim {raw.get('id')}: verdict must be false or misleading")
    return SeedClaim(
        id=str(raw["id"]),
        text=str(raw["claim"]).strip(),
        paraphrases=tuple(str(p).strip() for p in raw.get("paraphrases") or ()),
        verdict=verdict,
        correction=str(raw["correction"]).strip(),
        source_type=str(raw["source_type"]),
        source_reference=str(raw.get("source_reference") or ""),
        topic=str(raw.get("topic") or ""),
    )


def load_seed_claims() -> list[SeedClaim]:
    """The shipped knowledge base of verified false claims (resources/claims/seed.yaml)."""
    ref = resources.files("canhgiac").joinpath("resources/claims/seed.yaml")
    data = yaml.safe_load(ref.read_text(encoding="utf-8"))
    return [_seed_claim(item) for item in data["claims"]]


def matcher_from_claims(claims: Iterable[SeedClaim], **kwargs: Any) -> ClaimMatcher:
    """A matcher holding each claim's text and paraphrases under its id."""
    matcher = ClaimMatcher(**kwargs)
    matcher.add_many((c.id, t) for c in claims for t in (c.text, *c.paraphrases))
    return matcher
