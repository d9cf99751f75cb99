"""Training is reproducible and what it saves loads and predicts; the hasher behaves."""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import pytest
from sklearn.feature_extraction.text import CountVectorizer
from typer.testing import CliRunner

from canhgiac.cli import app
from canhgiac.detect.classifier import TEXT_MODEL_FILE, NgramHasher, TextClassifier
from canhgiac.detect.training import (
    FIXTURES_FILE,
    fixtures_csv,
    generate_fixtures,
    load_fixtures,
)
from canhgiac.detect.url_model import URL_MODEL_FILE, UrlClassifier, host_features

DATA = Path(os.environ.get("CANHGIAC_TRAINING_DATA", Path(__file__).parents[3] / "shared" / "data"))
needs_data = pytest.mark.skipif(not DATA.exists(), reason=f"training data not at {DATA}")


def test_shipped_fixtures_are_what_the_generator_makes() -> None:
    rows = generate_fixtures()
    assert FIXTURES_FILE.read_text(encoding="utf-8") == fixtures_csv(rows)
    assert load_fixtures() == rows


def test_fixtures_have_both_spellings_in_both_classes() -> None:
    rows = generate_fixtures()
    ok = [r for r in rows if r.label == "ok"]
    bad = [r for r in rows if r.label != "ok"]
    assert len(ok) >= 300
    for group in (ok, bad):
        toned = sum(any(ord(c) > 127 for c in r.text) for r in group)
        assert 0.25 < toned / len(group) < 0.75


@pytest.mark.parametrize(
    "text", ["khong bao gio chuyen tien", "tai khoan ngan hang", "alpha beta gamma delta"]
)
def test_hasher_counts_the_same_ngrams_as_scikit_learn(text: str) -> None:
    # Words of four letters or more: the only case where char_wb differs (short words) is absent.
    ours = NgramHasher().transform([text]).sum()
    chars = CountVectorizer(analyzer="char_wb", ngram_range=(2, 5)).fit_transform([text]).sum()
    words = CountVectorizer(ngram_range=(1, 2)).fit_transform([text]).sum()
    assert ours == chars + words


def test_hasher_rows_do_not_depend_on_the_batch() -> None:
    texts = ["trung thuong xe sh", "me oi con ve muon", "", "nap dau tang 100%"]
    together = NgramHasher().transform(texts).toarray()
    alone = np.vstack([NgramHasher().transform([t]).toarray() for t in texts])
    assert np.array_equal(together, alone)
    assert together[2].sum() == 0


def test_host_features_are_plain_numbers() -> None:
    f = host_features("xn--vietcombnk-login.secure-verify.top")
    assert len(f) >= 10 and all(isinstance(x, float) for x in f)


@needs_data
def test_train_small_subset_saves_models_that_load_and_predict(tmp_path: Path) -> None:
    result = CliRunner().invoke(
        app,
        ["train", "--data-dir", str(DATA), "--out", str(tmp_path), "--limit", "40", "--folds", "2"],
    )
    assert result.exit_code == 0, result.output
    assert "ROC-AUC" in result.output
    text = TextClassifier.load(tmp_path / TEXT_MODEL_FILE)
    proba = text.predict_proba(["nha cai uy tin no hu tai xiu", "me oi con ve muon"])
    assert proba.shape == (2,) and np.all((proba >= 0) & (proba <= 1))
    url = UrlClassifier.load(tmp_path / URL_MODEL_FILE)
    assert url.predict_proba(["google.com"]).shape == (1,)
    card = (tmp_path / "MODEL_CARD.md").read_text(encoding="utf-8")
    assert "sms_vi_spam" in card and "subset" in card


def test_train_refuses_a_missing_data_dir(tmp_path: Path) -> None:
    result = CliRunner().invoke(app, ["train", "--data-dir", str(tmp_path / "none")])
    assert result.exit_code == 2
