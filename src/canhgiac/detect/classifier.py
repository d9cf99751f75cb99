"""The text model: hashed character and word n-grams of the folded text, TF-IDF, logistic regression.

The n-grams are hashed with numpy over the whole batch at once (a polynomial rolling hash modulo
2**64), which is what lets `scan_batch` featurise tens of thousands of messages a second; the
features are those of scikit-learn's ``char_wb`` (2-5) and word (1-2) analyzers, minus the odd
whole-word n-gram of a word shorter than n.
"""

from __future__ import annotations

import logging
import warnings
from collections.abc import Sequence
from dataclasses import dataclass
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


def _count_sorted(cells: NDArray[np.int64]) -> tuple[NDArray[np.int64], NDArray[np.int64]]:
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
        texts = list(texts)
        if len(texts) <= _CHUNK:
            return self._transform(texts)
        # Chunks keep the working arrays small enough to stay in cache and be reused.
        parts = [self._transform(texts[i : i + _CHUNK]) for i in range(0, len(texts), _CHUNK)]
        return sparse.vstack(parts, format="csr")

    def _transform(self, texts: list[str]) -> sparse.csr_matrix:
        docs = [t.replace(_SEP, " ") for t in texts]
        joined = "".join(f"{_SEP} {d} " for d in docs) + _SEP
        codes = np.frombuffer(joined.encode("utf-32-le"), dtype=np.uint32).astype(np.uint64)
        size = len(codes)
        lengths = np.fromiter((len(d) + 3 for d in docs), dtype=np.int64, count=len(docs))
        doc_of = np.repeat(np.arange(len(docs), dtype=np.int64), lengths)
        doc_of = np.append(doc_of, -1)  # the closing separator
        pw = _powers(size + 1, _P)
        pw_inv = _powers(size + 1, _P_INV)
        prefix = np.zeros(size + 1, dtype=np.uint64)
        np.cumsum(codes * pw[:size], out=prefix[1:])
        is_sep = codes == ord(_SEP)
        is_space = codes == ord(" ")
        seps = np.concatenate(([0], np.cumsum(is_sep)))
        spaces = np.concatenate(([0], np.cumsum(is_space)))
        rows: list[NDArray[np.int64]] = []
        cols: list[NDArray[np.uint64]] = []
        lo, hi = self.char_range
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
        self._words(codes, prefix, pw_inv, doc_of, rows, cols)
        if not rows:
            return sparse.csr_matrix((len(docs), self.n_features), dtype=np.float64)
        bits = self.n_features.bit_length() - 1
        mask = _U64(self.n_features - 1)
        cells = np.concatenate(rows) << np.int64(bits)
        cells |= (_finish(np.concatenate(cols)) & mask).astype(np.int64)
        # Sorting the (row, column) cells once gives canonical CSR with duplicates summed.
        cells, counts = _count_sorted(cells)
        row_of = cells >> np.int64(bits)
        indptr = np.zeros(len(docs) + 1, dtype=np.int64)
        np.cumsum(np.bincount(row_of, minlength=len(docs)), out=indptr[1:])
        return sparse.csr_matrix(
            (counts.astype(np.float64), (cells & np.int64(self.n_features - 1)), indptr),
            shape=(len(docs), self.n_features),
        )

    def _words(
        self,
        codes: NDArray[np.uint64],
        prefix: NDArray[np.uint64],
        pw_inv: NDArray[np.uint64],
        doc_of: NDArray[np.int64],
        rows: list[NDArray[np.int64]],
        cols: list[NDArray[np.uint64]],
    ) -> None:
        lo, hi = self.word_range
        if hi < 1:
            return
        small = np.minimum(codes, _U64(0xFFFF)).astype(np.int64)
        is_word = _word_table()[small] & (codes < _U64(0xFFFF))
        padded = np.concatenate(([False], is_word, [False]))
        edges = np.flatnonzero(padded[1:] != padded[:-1])
        starts, ends = edges[0::2], edges[1::2]
        keep = ends - starts >= 2  # scikit-learn's default token pattern: two or more characters
        starts, ends = starts[keep], ends[keep]
        if not len(starts):
            return
        token = (prefix[ends] - prefix[starts]) * pw_inv[starts] ^ _WORD_SALT
        token_doc = doc_of[starts]
        if lo <= 1:
            rows.append(token_doc)
            cols.append(token)
        if hi >= 2 and len(token) > 1:
            same = token_doc[1:] == token_doc[:-1]
            rows.append(token_doc[1:][same])
            cols.append((_finish(token[:-1][same]) * _P + token[1:][same]) ^ _WORD_SALT)


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
    return _LinearParts(
        pipeline, hasher, idf, bool(tfidf.sublinear_tf), logreg.coef_, logreg.intercept_
    )


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
    x = parts.hasher.transform(folded)
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
