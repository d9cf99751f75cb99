"""The optional C helper of the text model (canhgiac.detect._fast.word_cells) changes nothing.

With and without the compiled module, the cached-word features are the hasher's matrix entry
for entry, so the probabilities stay bit for bit those of scikit-learn.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import sparse
from sklearn.feature_extraction.text import TfidfTransformer

import canhgiac.detect.classifier as classifier
from canhgiac.detect.classifier import (
    NgramHasher,
    TextClassifier,
    _WordFeatures,
    build_text_pipeline,
)
from canhgiac.detect.training import load_fixtures
from canhgiac.text.normalize import fold

pytest.importorskip("canhgiac.detect._fast")

TEXTS = [fold(row.text) for row in load_fixtures()[::2]] + ["", " ", "a", "k", "  x  ", "\x00a"]


@contextmanager
def _pure_python() -> Iterator[None]:
    saved = classifier._fast
    classifier._fast = None  # type: ignore[assignment]
    try:
        yield
    finally:
        classifier._fast = saved


def _same_csr(a: sparse.csr_matrix, b: sparse.csr_matrix) -> bool:
    return (
        a.shape == b.shape
        and a.indptr.dtype == b.indptr.dtype
        and a.indices.dtype == b.indices.dtype
        and np.array_equal(a.indptr, b.indptr)
        and np.array_equal(a.indices, b.indices)
        and np.array_equal(a.data, b.data)
    )


_HASHER = NgramHasher()
_COMPILED = _WordFeatures(_HASHER)
_PLAIN = _WordFeatures(_HASHER)


@settings(max_examples=300)
@given(st.lists(st.text(alphabet="ab cd  .-_\t\x00é🎉1", max_size=25), max_size=10))
def test_compiled_and_plain_paths_give_the_hashers_matrix(texts: list[str]) -> None:
    expected = _HASHER.transform(texts)
    assert _same_csr(_COMPILED.transform(texts), expected)
    with _pure_python():
        assert _same_csr(_PLAIN.transform(texts), expected)


@pytest.mark.parametrize(
    "params",
    [
        {},
        {"n_features": 2**12},
        {"word_range": (1, 1)},  # no bigrams: the token arrays stay empty
        {"word_range": (0, 0)},
        {"char_range": (3, 4)},
    ],
)
def test_real_messages_a_full_cache_and_other_shapes(
    params: dict[str, object], monkeypatch: pytest.MonkeyPatch
) -> None:
    hasher = NgramHasher(**params)  # type: ignore[arg-type]
    words = _WordFeatures(hasher)
    assert _same_csr(words.transform(TEXTS), hasher.transform(TEXTS))
    monkeypatch.setattr(classifier, "_WORD_CACHE_SIZE", 50)  # the cache starts again, often
    for texts in (TEXTS[::-1], TEXTS[:30], TEXTS):
        assert _same_csr(words.transform(texts), hasher.transform(texts))
    with _pure_python():
        plain = _WordFeatures(hasher)
        assert _same_csr(plain.transform(TEXTS), words.transform(TEXTS))


def test_probabilities_with_and_without_the_c_module() -> None:
    model = classifier.load_default_text_model()
    if model is None:
        pytest.skip("no shipped text model")
    compiled = model.predict_proba(TEXTS)
    with _pure_python():
        model._parts = None  # a fresh word cache on the plain path
        plain = model.predict_proba(TEXTS)
    model._parts = None
    assert np.array_equal(compiled, plain)
    assert np.array_equal(compiled, model.pipeline.predict_proba(TEXTS)[:, 1])


def test_bad_arguments_are_refused() -> None:
    fast = classifier._fast
    assert fast is not None
    empty32, empty64 = np.empty(0, np.uint32), np.empty(0, np.int64)
    arrays = (empty32, empty64, empty64, np.empty(0, np.uint64), empty64, empty64)
    with pytest.raises(TypeError):
        fast.word_cells([b"x"], {}, *arrays, 18, True)  # type: ignore[list-item]
    with pytest.raises(OverflowError):
        fast.word_cells(["x"] * 20_000, {}, *arrays, 18, True)
    with pytest.raises(ValueError):
        fast.word_cells(["x"], {"x": 5}, *arrays, 18, True)  # an id beyond the arrays
    with pytest.raises(TypeError):
        fast.word_cells(["x"], {}, empty64, *arrays[1:], 18, True)  # wrong item size
    assert fast.word_cells(["a b", "b"], {}, *arrays, 18, True) == ["a", "b"]


@pytest.mark.parametrize(
    "tfidf",
    [{}, {"sublinear_tf": False}, {"use_idf": False}, {"sublinear_tf": False, "use_idf": False}],
)
def test_compiled_arithmetic_of_other_tfidf_settings(tfidf: dict[str, bool]) -> None:
    pipeline = build_text_pipeline(n_features=2**12)
    pipeline.set_params(**{f"tfidf__{k}": v for k, v in tfidf.items()})
    labels = [i % 2 for i in range(len(TEXTS))]
    pipeline.fit(TEXTS, labels)
    assert isinstance(pipeline.steps[1][1], TfidfTransformer)
    clf = TextClassifier(pipeline)
    texts = [*TEXTS, "ab " * 5000]  # a count beyond the table: the numpy path for that batch
    proba = clf.predict_proba(texts)
    assert clf._parts is not None and clf._parts.compiled
    assert np.array_equal(proba, pipeline.predict_proba(texts)[:, 1])
    assert np.array_equal(clf.predict_proba(TEXTS), pipeline.predict_proba(TEXTS)[:, 1])


def test_a_platform_where_the_c_arithmetic_differs_uses_numpy(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    fast = classifier._fast
    assert fast is not None

    def off_by_one_bit(*args: object) -> bytes:
        raw = fast.linear_scores(*args)  # type: ignore[arg-type]
        assert raw is not None
        return (np.frombuffer(raw, dtype=np.float64) * (1 + 2**-52)).tobytes()

    class Patched:
        def __getattr__(self, name: str) -> object:
            return off_by_one_bit if name == "linear_scores" else getattr(fast, name)

    monkeypatch.setattr(classifier, "_fast", Patched())
    pipeline = build_text_pipeline(n_features=2**10)
    pipeline.fit(TEXTS, [i % 2 for i in range(len(TEXTS))])
    clf = TextClassifier(pipeline)
    assert np.array_equal(clf.predict_proba(TEXTS), pipeline.predict_proba(TEXTS)[:, 1])
    assert clf._parts is not None and not clf._parts.compiled
