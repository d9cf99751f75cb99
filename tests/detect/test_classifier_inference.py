"""The text model's own inference path gives scikit-learn's probabilities bit for bit."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import sparse
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import Pipeline, make_pipeline

from canhgiac.detect.classifier import (
    NgramHasher,
    TextClassifier,
    _WordFeatures,
    build_text_pipeline,
    load_default_text_model,
)
from canhgiac.detect.training import load_fixtures
from canhgiac.text.normalize import fold

TEXTS = [fold(row.text) for row in load_fixtures()[::3]] + ["", " ", "a", "k"]


@pytest.fixture(scope="module")
def model() -> TextClassifier:
    loaded = load_default_text_model()
    if loaded is None:
        pytest.skip("no shipped text model")
    return loaded


def test_batch_equals_the_pipeline(model: TextClassifier) -> None:
    expected = model.pipeline.predict_proba(TEXTS)[:, 1]
    assert np.array_equal(model.predict_proba(TEXTS), expected)


def test_one_message_at_a_time_equals_the_pipeline(model: TextClassifier) -> None:
    for text in TEXTS[:40]:
        assert model.predict_proba([text])[0] == model.pipeline.predict_proba([text])[0, 1]


@pytest.mark.parametrize(
    "make",
    [
        lambda: build_text_pipeline(n_features=2**10),  # our shape: the fast path
        lambda: make_pipeline(TfidfVectorizer(), LogisticRegression()),  # any other: sklearn
    ],
    ids=["ours", "other"],
)
def test_refitting_in_place_is_picked_up(make: Callable[[], Pipeline]) -> None:
    texts = ["lua dao chuyen tien", "chao ban", "trung thuong nop phi", "hen gap lai"]
    clf = TextClassifier(make())
    clf.pipeline.fit(texts, [1, 0, 1, 0])
    first = clf.predict_proba(texts)
    assert np.array_equal(first, clf.pipeline.predict_proba(texts)[:, 1])
    clf.pipeline.fit(texts, [0, 1, 0, 1])
    assert np.array_equal(clf.predict_proba(texts), clf.pipeline.predict_proba(texts)[:, 1])
    assert not np.array_equal(clf.predict_proba(texts), first)


def test_empty_input(model: TextClassifier) -> None:
    assert model.predict_proba([]).shape == (0,)


def _same_csr(a: sparse.csr_matrix, b: sparse.csr_matrix) -> bool:
    return (
        a.shape == b.shape
        and np.array_equal(a.indptr, b.indptr)
        and np.array_equal(a.indices, b.indices)
        and np.array_equal(a.data, b.data)
    )


# One cache for every example, as in a long-running scanner: later examples reuse its words.
_HASHER = NgramHasher()
_WORDS = _WordFeatures(_HASHER)


@settings(max_examples=200)
@given(st.lists(st.text(alphabet="ab cd  .-_\t\x00é🎉1", max_size=25), max_size=10))
def test_cached_words_give_the_hashers_matrix(texts: list[str]) -> None:
    assert _same_csr(_WORDS.transform(texts), _HASHER.transform(texts))


def test_cached_words_on_real_messages_and_a_full_cache(monkeypatch: pytest.MonkeyPatch) -> None:
    hasher = NgramHasher(n_features=2**12)
    words = _WordFeatures(hasher)
    assert _same_csr(words.transform(TEXTS), hasher.transform(TEXTS))
    monkeypatch.setattr("canhgiac.detect.classifier._WORD_CACHE_SIZE", 50)
    assert _same_csr(words.transform(TEXTS[::-1]), hasher.transform(TEXTS[::-1]))
    assert _same_csr(words.transform(TEXTS), hasher.transform(TEXTS))
    hasher.set_params(char_range=(3, 4))  # changed in place: the cache starts again
    assert _same_csr(words.transform(TEXTS), hasher.transform(TEXTS))
