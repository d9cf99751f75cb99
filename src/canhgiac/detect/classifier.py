"""The text model: hashed character and word n-grams of the folded text, TF-IDF, logistic regression.

The n-grams are hashed with numpy over the whole batch at once (a polynomial rolling hash modulo
2**64), which is what lets `scan_batch` featurise tens of thousands of messages a second; the
features are those of scikit-learn's ``char_wb`` (2-5) and word (1-2) analyzers, minus the odd
whole-word n-gram of a word shorter than n.
"""

from __future__ import annotations

import logging
import warnings
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from functools import lru_cache
from pathlib import Path
from typing import Any

import joblib
import numpy as np
from numpy.typing import NDArray
from scipy import sparse
from scipy.special import expit
from sklearn.base import BaseEstimator, TransformerMixin
from sklearn.exceptions import InconsistentVersionWarning
from sklearn.feature_extraction.text import TfidfTransformer
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import Pipeline
from sklearn.utils.sparsefuncs_fast import inplace_csr_row_normalize_l2

__all__ = [
    "TEXT_MODEL_FILE",
    "NgramHasher",
    "TextClassifier",
    "build_text_pipeline",
    "load_default_text_model",
    "load_trusted",
]

log = logging.getLogger(__name__)

try:  # optional C helpers, built at install when a compiler is there (setup.py)
    from canhgiac.detect import _fast
except ImportError:  # pragma: no cover - depends on the build
    _fast = None  # type: ignore[assignment]

TEXT_MODEL_FILE = "text_model.joblib"
MODELS_DIR = Path(__file__).resolve().parent.parent / "resources" / "models"

_U64 = np.uint64
_P = _U64(0x100000001B3)  # FNV prime: odd, so invertible modulo 2**64
_P_INV = _U64(pow(0x100000001B3, -1, 2**64))
_MIX = _U64(0x9E3779B97F4A7C15)
_WORD_SALT = _U64(0xD6E8FEB86659FD93)
_SEP = "\x00"  # never survives normalisation, so it safely separates documents
_CHUNK = 2048


def load_trusted(path: Path) -> dict[str, Any]:
    """Read a model file written by this package (joblib runs pickle: trusted files only)."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", InconsistentVersionWarning)
        payload: dict[str, Any] = joblib.load(path)
    for w in caught:
        if issubclass(w.category, InconsistentVersionWarning):
            # A linear model usually survives a scikit-learn upgrade; say so instead of failing.
            log.warning("%s was saved by another scikit-learn; retrain with `canhgiac train`", path)
        else:
            warnings.warn_explicit(w.message, w.category, w.filename, w.lineno)
    return payload


@lru_cache(maxsize=1)
def _word_table() -> NDArray[np.bool_]:
    table = np.zeros(0x10000, dtype=np.bool_)
    for cp in range(0x10000):
        table[cp] = chr(cp).isalnum()
    return table


def _powers(n: int, base: np.uint64) -> NDArray[np.uint64]:
    """base**0 .. base**(n-1) modulo 2**64, sliced from a cached table that grows as needed."""
    table = _POWERS.get(int(base))
    if table is None or len(table) < n:
        size = max(n, 2 * len(table) if table is not None else 1 << 16)
        table = np.empty(size, dtype=np.uint64)
        table[0] = 1
        if size > 1:
            table[1:] = base
            np.cumprod(table, out=table)
        table.flags.writeable = False
        _POWERS[int(base)] = table
    return table[:n]


_POWERS: dict[int, NDArray[np.uint64]] = {}


def _count_sorted(cells: NDArray[Any]) -> tuple[NDArray[Any], NDArray[np.int64]]:
    """np.unique(cells, return_counts=True) without its generic overhead."""
    cells = np.sort(cells)
    first = np.empty(len(cells), dtype=np.bool_)
    first[:1] = True
    np.not_equal(cells[1:], cells[:-1], out=first[1:])
    starts = np.flatnonzero(first)
    return cells[starts], np.diff(np.append(starts, len(cells)))


def _finish(h: NDArray[np.uint64]) -> NDArray[np.uint64]:
    """Spread the bits (xor-shift-multiply) so that the low bits used as an index are good."""
    h = h ^ (h >> _U64(29))
    h = h * _MIX
    return h ^ (h >> _U64(32))


def _in_chunks(
    texts: Sequence[str], transform: Callable[[list[str]], sparse.csr_matrix]
) -> sparse.csr_matrix:
    """`transform` over chunks of `texts`, stacked (small working arrays stay in cache)."""
    texts = list(texts)
    if len(texts) <= _CHUNK:
        return transform(texts)
    parts = [transform(texts[i : i + _CHUNK]) for i in range(0, len(texts), _CHUNK)]
    return sparse.vstack(parts, format="csr")


class NgramHasher(BaseEstimator, TransformerMixin):
    """Hashed counts of char_wb n-grams and word n-grams, computed for a whole batch with numpy."""

    def __init__(
        self,
        n_features: int = 2**18,
        char_range: tuple[int, int] = (2, 5),
        word_range: tuple[int, int] = (1, 2),
    ) -> None:
        if n_features & (n_features - 1):
            raise ValueError("n_features must be a power of two")
        self.n_features = n_features
        self.char_range = char_range
        self.word_range = word_range

    def fit(self, texts: Sequence[str], y: Any = None) -> NgramHasher:
        """Stateless: nothing to learn."""
        return self

    def transform(self, texts: Sequence[str]) -> sparse.csr_matrix:
        """A (len(texts), n_features) sparse count matrix."""
        return _in_chunks(texts, self._transform)

    def _transform(self, texts: list[str]) -> sparse.csr_matrix:
        enc = _encode([t.replace(_SEP, " ") for t in texts])
        rows, cols = _char_hashes(enc, self.char_range)
        lo, hi = self.word_range
        if hi >= 1:
            token_doc, token = _token_hashes(enc)
            if lo <= 1:
                rows.append(token_doc)
                cols.append(token)
            if hi >= 2 and len(token) > 1:
                same = token_doc[1:] == token_doc[:-1]
                rows.append(token_doc[1:][same])
                cols.append(_bigrams(token[:-1][same], token[1:][same]))
        if not rows:
            return sparse.csr_matrix((len(texts), self.n_features), dtype=np.float64)
        bits = self.n_features.bit_length() - 1
        mask = _U64(self.n_features - 1)
        cells = np.concatenate(rows) << np.int64(bits)
        cells |= (_finish(np.concatenate(cols)) & mask).astype(np.int64)
        return _csr_from_cells(cells, len(texts), self.n_features)


@dataclass(frozen=True, slots=True)
class _Encoded:
    """Documents joined as "\\0 doc \\0 doc \\0", with the prefix sums of the rolling hash."""

    codes: NDArray[np.uint64]
    prefix: NDArray[np.uint64]
    pw_inv: NDArray[np.uint64]
    doc_of: NDArray[np.int64]  # the document of each position (-1 for the closing separator)


def _encode(docs: list[str]) -> _Encoded:
    joined = "".join(f"{_SEP} {d} " for d in docs) + _SEP
    codes = np.frombuffer(joined.encode("utf-32-le"), dtype=np.uint32).astype(np.uint64)
    size = len(codes)
    lengths = np.fromiter((len(d) + 3 for d in docs), dtype=np.int64, count=len(docs))
    doc_of = np.repeat(np.arange(len(docs), dtype=np.int64), lengths)
    doc_of = np.append(doc_of, -1)  # the closing separator
    pw = _powers(size + 1, _P)
    prefix = np.zeros(size + 1, dtype=np.uint64)
    np.cumsum(codes * pw[:size], out=prefix[1:])
    return _Encoded(codes, prefix, _powers(size + 1, _P_INV), doc_of)


def _char_hashes(
    enc: _Encoded, char_range: tuple[int, int]
) -> tuple[list[NDArray[np.int64]], list[NDArray[np.uint64]]]:
    """(documents, raw hashes) of the char_wb n-grams, one pair of arrays per n."""
    codes, prefix, pw_inv, doc_of = enc.codes, enc.prefix, enc.pw_inv, enc.doc_of
    size = len(codes)
    is_sep = codes == ord(_SEP)
    is_space = codes == ord(" ")
    seps = np.concatenate(([0], np.cumsum(is_sep)))
    spaces = np.concatenate(([0], np.cumsum(is_space)))
    rows: list[NDArray[np.int64]] = []
    cols: list[NDArray[np.uint64]] = []
    lo, hi = char_range
    for n in range(lo, hi + 1):
        count = size - n + 1
        if count <= 0:
            break
        ok = seps[n:] == seps[:count]
        if n > 2:  # char_wb: spaces only at the two ends of an n-gram
            ok &= spaces[n - 1 : n - 1 + count] == spaces[1 : 1 + count]
        else:  # an empty message is two spaces: no n-gram there
            ok &= ~(is_space[:count] & is_space[1 : 1 + count])
        h = (prefix[n:] - prefix[:count]) * pw_inv[:count]
        rows.append(doc_of[:count][ok])
        cols.append(h[ok] * _U64(n))
    return rows, cols


def _token_hashes(enc: _Encoded) -> tuple[NDArray[np.int64], NDArray[np.uint64]]:
    """(document, salted hash) of each word token (two or more letters or digits), in order."""
    codes, prefix, pw_inv = enc.codes, enc.prefix, enc.pw_inv
    small = np.minimum(codes, _U64(0xFFFF)).astype(np.int64)
    is_word = _word_table()[small] & (codes < _U64(0xFFFF))
    padded = np.concatenate(([False], is_word, [False]))
    edges = np.flatnonzero(padded[1:] != padded[:-1])
    starts, ends = edges[0::2], edges[1::2]
    keep = ends - starts >= 2  # scikit-learn's default token pattern: two or more characters
    starts, ends = starts[keep], ends[keep]
    token = (prefix[ends] - prefix[starts]) * pw_inv[starts] ^ _WORD_SALT
    return enc.doc_of[starts], token


def _bigrams(first: NDArray[np.uint64], second: NDArray[np.uint64]) -> NDArray[np.uint64]:
    """Raw hashes of word bigrams from the salted hashes of their two tokens."""
    return (_finish(first) * _P + second) ^ _WORD_SALT


def _csr_from_cells(cells: NDArray[Any], n_docs: int, n_features: int) -> sparse.csr_matrix:
    """Canonical CSR counts from (row << bits | column) cells, any order, duplicates summed."""
    bits = n_features.bit_length() - 1
    # Sorting the (row, column) cells once gives canonical CSR with duplicates summed.
    cells, counts = _count_sorted(cells)
    row_of = (cells >> bits).astype(np.int64)
    indptr = np.zeros(n_docs + 1, dtype=np.int64)
    np.cumsum(np.bincount(row_of, minlength=n_docs), out=indptr[1:])
    return sparse.csr_matrix(
        (counts.astype(np.float64), (cells & (n_features - 1)).astype(np.int64), indptr),
        shape=(n_docs, n_features),
    )


# Words kept by one _WordFeatures; the cache starts again when it is full (a few tens of MB).
_WORD_CACHE_SIZE = 1 << 17


def _ragged(starts: NDArray[np.int64], lengths: NDArray[np.int64]) -> NDArray[np.int64]:
    """The indices start[i] .. start[i] + length[i] - 1 of every range, one range after another."""
    total = int(lengths.sum())
    ends = np.cumsum(lengths)
    return np.arange(total, dtype=np.int64) + np.repeat(starts - (ends - lengths), lengths)


class _Grouped:
    """Values grouped by word id, in a flat array that grows: word i owns flat[start[i]:+len[i]]."""

    def __init__(self, dtype: type[np.generic]) -> None:
        self.flat: NDArray[Any] = np.empty(0, dtype=dtype)
        self.start: NDArray[np.int64] = np.empty(0, dtype=np.int64)
        self.length: NDArray[np.int64] = np.empty(0, dtype=np.int64)

    def append(self, owner: NDArray[np.int64], values: NDArray[Any], n_words: int) -> None:
        """Add the values of `n_words` new words; owner[k] (0-based among them) owns values[k]."""
        order = np.argsort(owner, kind="stable")
        counts = np.bincount(owner, minlength=n_words).astype(np.int64)
        starts = len(self.flat) + np.cumsum(counts) - counts
        self.flat = np.concatenate((self.flat, values[order].astype(self.flat.dtype)))
        self.start = np.concatenate((self.start, starts))
        self.length = np.concatenate((self.length, counts))

    def gather(self, ids: NDArray[np.int64]) -> tuple[NDArray[Any], NDArray[np.int64]]:
        """The values of the words `ids`, in order, and how many each word has."""
        lengths = self.length[ids]
        return self.flat[_ragged(self.start[ids], lengths)], lengths


class _WordFeatures:
    """NgramHasher.transform with the n-grams of each distinct word computed once.

    char_wb n-grams never cross a space and word tokens never contain one, so a message's
    n-grams are those of its space-separated words (plus the bigrams of adjacent tokens); words
    repeat from message to message, so their hashed columns are cached and gathered with numpy.
    The result is the same canonical CSR matrix as `NgramHasher.transform`.
    """

    def __init__(self, hasher: NgramHasher) -> None:
        self.hasher = hasher
        self._clear()

    def _clear(self) -> None:
        h = self.hasher
        self._shape = (h.n_features, tuple(h.char_range), tuple(h.word_range))
        self._ids: dict[str, int] = {}
        # Columns of each word's char n-grams and of its tokens (the word unigrams).
        self._features = _Grouped(np.uint32 if h.n_features <= 1 << 32 else np.uint64)
        self._tokens = _Grouped(np.uint64)  # salted hash of each token, for the word bigrams

    @staticmethod
    def supports(hasher: NgramHasher) -> bool:
        """The shapes this path reproduces: char n-grams from 2 up, word n-grams up to 2."""
        return hasher.char_range[0] >= 2 and hasher.word_range[1] <= 2

    def transform(self, texts: Sequence[str]) -> sparse.csr_matrix:
        """Same as `self.hasher.transform(texts)`."""
        return _in_chunks(texts, self._transform)

    def cells(self, texts: list[str]) -> NDArray[np.uint32] | None:
        """The uint32 cells (document << bits | column, unsorted, duplicates kept) that
        `transform` counts, from the C helper; None where it does not apply (no C module, or
        cells beyond 32 bits)."""
        hasher = self.hasher
        if self._shape != (hasher.n_features, tuple(hasher.char_range), tuple(hasher.word_range)):
            self._clear()  # the hasher's parameters were changed in place
        bits = hasher.n_features.bit_length() - 1
        if (
            _fast is None
            or (len(texts) + 1) << bits > 1 << 32
            or self._features.flat.dtype != np.uint32
        ):
            return None
        return self._cells_compiled(texts, bits)

    def _transform(self, texts: list[str]) -> sparse.csr_matrix:
        hasher = self.hasher
        n_docs = len(texts)
        compiled = self.cells(texts)  # also starts the cache again if the hasher was changed
        if compiled is not None:
            return _csr_counts(compiled, n_docs, hasher.n_features)
        bits = hasher.n_features.bit_length() - 1
        words: list[str] = []
        per_doc: list[int] = []
        for text in texts:
            split = text.replace(_SEP, " ").split(" ")
            per_doc.append(len(split))
            words += split
        ids = self._word_ids(words)
        # Cells are (document << bits | column); 32 bits sort about twice as fast as 64.
        key = np.dtype(np.uint32 if (n_docs + 1) << bits <= 1 << 32 else np.uint64)
        docs: NDArray[Any] = np.arange(n_docs, dtype=key)
        word_doc = np.repeat(docs << key.type(bits), per_doc)
        features, counts = self._features.gather(ids)
        cells = [np.repeat(word_doc, counts) | features.astype(key, copy=False)]
        if hasher.word_range[1] >= 2:
            tokens, token_counts = self._tokens.gather(ids)
            token_doc = np.repeat(word_doc, token_counts)
            same = token_doc[1:] == token_doc[:-1]
            mask = _U64(hasher.n_features - 1)
            cols = _finish(_bigrams(tokens[:-1][same], tokens[1:][same])) & mask
            cells.append(token_doc[1:][same] | cols.astype(key))
        return _csr_counts(np.concatenate(cells), n_docs, hasher.n_features)

    def _cells_compiled(self, texts: list[str], bits: int) -> NDArray[np.uint32]:
        """The uint32 cells of `_transform` from the C helper (`_fast.word_cells`), new words
        hashed first as `_word_ids` does."""
        assert _fast is not None
        bigrams = self.hasher.word_range[1] >= 2
        cleared = False
        while True:
            f, t = self._features, self._tokens
            arrays = (f.flat, f.start, f.length, t.flat, t.start, t.length)
            found = _fast.word_cells(texts, self._ids, *arrays, bits, bigrams)
            if not isinstance(found, list):
                return np.frombuffer(found, dtype=np.uint32)
            if not cleared and len(self._ids) + len(found) > _WORD_CACHE_SIZE:
                self._clear()  # full: start again with the words of this batch (all new now)
                cleared = True
                continue
            self._add(found)

    def _word_ids(self, words: list[str]) -> NDArray[np.int64]:
        known = self._ids
        found = list(map(known.get, words))
        if None in found:
            new = list(dict.fromkeys(w for w, i in zip(words, found, strict=True) if i is None))
            if len(known) + len(new) > _WORD_CACHE_SIZE:
                self._clear()
                known = self._ids
                new = list(dict.fromkeys(words))
            self._add(new)
            found = list(map(known.__getitem__, words))
        return np.array(found, dtype=np.int64)

    def _add(self, new: list[str]) -> None:
        """Hash the n-grams of new words (each one a document of its own) and keep them."""
        hasher = self.hasher
        mask = _U64(hasher.n_features - 1)
        first = len(self._ids)
        enc = _encode(new)
        owners, hashes = _char_hashes(enc, hasher.char_range)
        lo, hi = hasher.word_range
        if hi >= 1:
            token_doc, token = _token_hashes(enc)
            if lo <= 1:
                owners.append(token_doc)
                hashes.append(token)
            if hi >= 2:
                self._tokens.append(token_doc, token, len(new))
        owner = np.concatenate([np.empty(0, dtype=np.int64), *owners])
        raw = np.concatenate([np.empty(0, dtype=np.uint64), *hashes])
        self._features.append(owner, _finish(raw) & mask, len(new))
        for i, word in enumerate(new, first):
            self._ids[word] = i


def _csr_counts(cells: NDArray[Any], n_docs: int, n_features: int) -> sparse.csr_matrix:
    """`_csr_from_cells` for cells of unsigned type, sorted in place, with fewer passes."""
    bits = n_features.bit_length() - 1
    cells.sort()
    first = np.empty(len(cells), dtype=np.bool_)
    first[:1] = True
    np.not_equal(cells[1:], cells[:-1], out=first[1:])
    starts = np.flatnonzero(first)
    unique = cells[starts]
    counts = np.diff(starts, append=len(cells)).astype(np.float64)
    # The first cell of each row, found by bisection instead of counting every cell's row.
    row_starts = np.arange(n_docs + 1, dtype=cells.dtype) << cells.dtype.type(bits)
    indptr = np.searchsorted(unique, row_starts)
    index = np.int32 if max(n_features, len(unique)) < 1 << 31 else np.int64
    indices = (unique & cells.dtype.type(n_features - 1)).astype(index)
    return sparse.csr_matrix(
        (counts, indices, indptr.astype(index)), shape=(n_docs, n_features), copy=False
    )


def build_text_pipeline(n_features: int = 2**18, c: float = 16.0) -> Pipeline:
    """The untrained text pipeline: hashed n-grams, sublinear TF-IDF, logistic regression."""
    return Pipeline(
        [
            ("ngrams", NgramHasher(n_features=n_features)),
            ("tfidf", TfidfTransformer(sublinear_tf=True)),
            (
                "logreg",
                LogisticRegression(C=c, class_weight="balanced", max_iter=3000, random_state=0),
            ),
        ]
    )


@dataclass(frozen=True, slots=True)
class _LinearParts:
    """The fitted arrays of our own pipeline shape, for inference without sklearn's checks."""

    pipeline: Pipeline
    hasher: NgramHasher
    idf: NDArray[np.float64] | None
    sublinear: bool
    coef: NDArray[np.float64]
    intercept: NDArray[np.float64]
    words: _WordFeatures | None  # the cached-word path to the hasher's output, when it applies
    # For the C arithmetic (`_fast.linear_scores`): tf of each count (log(c) + 1 by numpy, or
    # c), one row of coefficients, and whether it gave numpy's results on a probe (see
    # `_linear_parts`); `compiled` False means the numpy path.
    tf_table: NDArray[np.float64] | None = None
    weights: NDArray[np.float64] | None = None  # (idf or 1, coef) of each column, side by side
    compiled: bool = False


_TF_TABLE_SIZE = 4096  # counts of one n-gram in one message; beyond it, the numpy path
# Probe messages for the check of the C arithmetic against numpy (repeats give counts > 1).
_PROBE = [
    "",
    "a",
    "lua dao chuyen khoan ngay",
    "trung thuong trung thuong trung thuong iphone 15 pro max 0912345678",
    "quy khach vui long truy cap vcb-xacthuc.com de xac thuc tai khoan " * 3,
    "ok hen gap lai nhe, chieu nay 5h",
    "x" * 300,
]


def _linear_parts(pipeline: Pipeline) -> _LinearParts | None:
    """The arrays of a fitted NgramHasher -> TfidfTransformer(l2) -> binary LogisticRegression."""
    steps = [step for _, step in getattr(pipeline, "steps", ())]
    if len(steps) != 3:
        return None
    hasher, tfidf, logreg = steps
    if not (
        type(hasher) is NgramHasher
        and type(tfidf) is TfidfTransformer
        and type(logreg) is LogisticRegression
        and tfidf.norm == "l2"
        and hasattr(logreg, "coef_")
        and len(logreg.classes_) == 2
        and logreg.coef_.shape == (1, hasher.n_features)
    ):
        return None
    idf = np.asarray(tfidf.idf_, dtype=np.float64) if tfidf.use_idf else None
    words = _WordFeatures(hasher) if _WordFeatures.supports(hasher) else None
    parts = _LinearParts(
        pipeline, hasher, idf, bool(tfidf.sublinear_tf), logreg.coef_, logreg.intercept_, words
    )
    if (
        _fast is None
        or words is None
        or logreg.coef_.dtype != np.float64
        or hasher.n_features >= 1 << 31
        or (idf is not None and idf.dtype != np.float64)
    ):
        return parts
    table = np.arange(_TF_TABLE_SIZE, dtype=np.float64)
    if parts.sublinear:
        # The same ufunc calls as the numpy path on the counts: np.log in place, then + 1.
        np.log(table[1:], table[1:])
        table[1:] += 1.0
    table.flags.writeable = False
    weights = np.ones((hasher.n_features, 2), dtype=np.float64)
    if idf is not None:
        weights[:, 0] = idf
    weights[:, 1] = logreg.coef_[0]
    weights.flags.writeable = False
    compiled = replace(parts, tf_table=table, weights=weights.reshape(-1), compiled=True)
    # The C arithmetic does numpy's and scipy's operations in their order; a platform whose
    # builds fuse them differently (multiply-add) would differ in the last bits: then numpy.
    probe = _predict_compiled(compiled, _PROBE)
    if probe is None or not np.array_equal(probe, _predict_numpy(parts, _PROBE)):
        log.warning("the compiled text-model arithmetic differs from numpy here; not used")
        return parts
    return compiled


class TextClassifier:
    """A trained text pipeline; `predict_proba` gives P(harmful) for folded messages."""

    def __init__(self, pipeline: Pipeline, name: str = "text_model") -> None:
        self.pipeline = pipeline
        self.name = name
        self._parts: _LinearParts | None = None

    def predict_proba(self, folded: Sequence[str]) -> NDArray[np.float64]:
        """P(harmful) for each folded message, in order."""
        if not len(folded):
            return np.zeros(0)
        parts = self._parts
        # Taken again when the pipeline is replaced or refitted (a refit makes a new coef_).
        if (
            parts is None
            or parts.pipeline is not self.pipeline
            or parts.coef is not getattr(self.pipeline.steps[-1][1], "coef_", None)
        ):
            parts = self._parts = _linear_parts(self.pipeline)
        if parts is None:
            proba: NDArray[np.float64] = self.pipeline.predict_proba(list(folded))[:, 1]
            return proba
        return _predict_linear(parts, folded)

    def save(self, path: Path) -> None:
        """Write the pipeline with joblib (compressed)."""
        joblib.dump({"name": self.name, "pipeline": self.pipeline}, path, compress=3)

    @classmethod
    def load(cls, path: Path) -> TextClassifier:
        """Read a pipeline written by `save`."""
        payload = load_trusted(path)
        return cls(payload["pipeline"], name=payload["name"])


def _predict_linear(parts: _LinearParts, folded: Sequence[str]) -> NDArray[np.float64]:
    """The pipeline's predict_proba, step for step with the same primitives, minus the checks.

    scikit-learn validates its input on every call, which costs more than the arithmetic for a
    single message (scan_one); the operations and their order are those of
    TfidfTransformer.transform, normalize(norm="l2") and LogisticRegression.predict_proba, so the
    probabilities are bit for bit the same.
    """
    if parts.compiled:
        proba = _predict_compiled(parts, folded)
        if proba is not None:
            return proba
    return _predict_numpy(parts, folded)


def _predict_compiled(parts: _LinearParts, folded: Sequence[str]) -> NDArray[np.float64] | None:
    """`_predict_numpy` with the counting and arithmetic in C (`_fast.linear_scores`): the same
    operations in the same order on the same float64 values. None where it does not apply."""
    assert _fast is not None and parts.words is not None
    assert parts.tf_table is not None and parts.weights is not None
    texts = list(folded)
    bits = parts.hasher.n_features.bit_length() - 1
    use_idf = parts.idf is not None
    scores = []
    for i in range(0, len(texts), _CHUNK):
        chunk = texts[i : i + _CHUNK]
        cells = parts.words.cells(chunk)
        if cells is None:
            return None
        cells.sort()
        raw = _fast.linear_scores(cells, len(chunk), bits, parts.tf_table, parts.weights, use_idf)
        if raw is None:  # a count beyond the table
            return None
        scores.append(np.frombuffer(raw, dtype=np.float64))
    if not scores:
        return np.zeros(0)
    proba: NDArray[np.float64] = expit(np.concatenate(scores) + parts.intercept)
    return proba


def _predict_numpy(parts: _LinearParts, folded: Sequence[str]) -> NDArray[np.float64]:
    """`_predict_linear` with numpy and scipy."""
    x = parts.hasher.transform(folded) if parts.words is None else parts.words.transform(folded)
    if parts.sublinear:
        np.log(x.data, x.data)
        x.data += 1.0
    if parts.idf is not None:
        x.data *= parts.idf[x.indices]
    inplace_csr_row_normalize_l2(x)
    scores = np.asarray(x @ parts.coef.T) + parts.intercept
    proba: NDArray[np.float64] = expit(scores.reshape(-1))
    return proba


@lru_cache(maxsize=1)
def load_default_text_model() -> TextClassifier | None:
    """The shipped text model, or None when the package ships none."""
    path = MODELS_DIR / TEXT_MODEL_FILE
    return TextClassifier.load(path) if path.exists() else None
