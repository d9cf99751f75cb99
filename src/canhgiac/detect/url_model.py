"""The lexical URL/domain model: hand-made host features plus hashed host n-grams, logistic regression."""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Sequence
from functools import lru_cache
from pathlib import Path
from typing import Any

import joblib
import numpy as np
from numpy.typing import NDArray
from scipy import sparse
from sklearn.base import BaseEstimator, TransformerMixin
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import Pipeline

from canhgiac.detect.classifier import MODELS_DIR, NgramHasher, load_trusted
from canhgiac.text.indicators import is_shortener, registered_domain

__all__ = [
    "URL_MODEL_FILE",
    "HostFeatures",
    "UrlClassifier",
    "build_url_pipeline",
    "host_features",
    "load_default_url_model",
]

URL_MODEL_FILE = "url_model.joblib"

# TLDs that are cheap or free to register and over-represented in phishing feeds.
SUSPICIOUS_TLDS = frozenset(
    [
        "xyz",
        "top",
        "vip",
        "info",
        "online",
        "site",
        "club",
        "live",
        "shop",
        "icu",
        "cc",
        "tk",
        "ml",
        "ga",
        "cf",
        "gq",
        "buzz",
        "fun",
        "pw",
        "work",
        "click",
        "link",
        "store",
        "app",
        "me",
        "life",
        "ltd",
        "asia",
        "cyou",
        "sbs",
        "cfd",
        "bond",
        "rest",
        "monster",
        "win",
        "bet",
        "today",
        "run",
        "one",
        "pro",
    ]
)
KEYWORDS = [
    "login",
    "signin",
    "logon",
    "verify",
    "verification",
    "secure",
    "account",
    "update",
    "support",
    "bank",
    "wallet",
    "confirm",
    "auth",
    "password",
    "recovery",
    "billing",
    "unlock",
    "xacminh",
    "xacthuc",
    "khuyenmai",
    "nhanqua",
    "trian",
    "hoantien",
    "baomat",
    "quatang",
    "hotro",
    "dichvucong",
    "cskh",
    "vaytien",
    "otp",
    "service",
    "help",
]
_KEYWORD_RE = re.compile("|".join(sorted(KEYWORDS, key=len, reverse=True)))
_VOWELS = frozenset("aeiouy")
_IPV4 = re.compile(r"\d{1,3}(\.\d{1,3}){3}")
FEATURE_NAMES = (
    "length",
    "labels",
    "subdomain_depth",
    "digit_ratio",
    "hyphens",
    "entropy",
    "suspicious_tld",
    "vn_tld",
    "punycode",
    "keywords",
    "longest_label",
    "digits_in_name",
    "vowel_ratio",
    "consonant_run",
    "shortener",
    "ip_address",
    "brand_lookalike",
)


@lru_cache(maxsize=1)
def _lookalike() -> Any:
    from canhgiac.detect.lookalike import LookalikeDetector

    return LookalikeDetector.default()


def _entropy(s: str) -> float:
    if not s:
        return 0.0
    counts = Counter(s)
    n = len(s)
    return -sum(c / n * math.log2(c / n) for c in counts.values())


def _consonant_run(s: str) -> int:
    best = run = 0
    for ch in s:
        run = run + 1 if ch.isalpha() and ch not in _VOWELS else 0
        best = max(best, run)
    return best


@lru_cache(maxsize=65_536)
def host_features(host: str) -> tuple[float, ...]:
    """The hand-made lexical features of one host, in FEATURE_NAMES order."""
    host = host.lower().strip(".")
    labels = host.split(".")
    reg = registered_domain(host) or host
    name = reg.split(".")[0]
    tld = labels[-1]
    compact = host.replace(".", "").replace("-", "")
    return (
        len(host) / 30.0,
        float(len(labels)),
        float(max(0, len(labels) - len(reg.split(".")))),
        sum(c.isdigit() for c in host) / max(1, len(host)),
        float(host.count("-")),
        _entropy(host) / 4.0,
        float(tld in SUSPICIOUS_TLDS),
        float(tld == "vn"),
        float("xn--" in host),
        float(len(_KEYWORD_RE.findall(compact))),
        max(len(label) for label in labels) / 20.0,
        float(any(c.isdigit() for c in name)),
        sum(c in _VOWELS for c in compact) / max(1, len(compact)),
        _consonant_run(compact) / 5.0,
        float(is_shortener(host)),
        float(bool(_IPV4.fullmatch(host))),
        float(_lookalike().check(host) is not None),
    )


class HostFeatures(BaseEstimator, TransformerMixin):
    """Hand-made features beside hashed character n-grams (3-5) of the host."""

    def __init__(self, n_features: int = 2**14) -> None:
        self.n_features = n_features

    def fit(self, hosts: Sequence[str], y: Any = None) -> HostFeatures:
        """Stateless: nothing to learn."""
        return self

    def transform(self, hosts: Sequence[str]) -> sparse.csr_matrix:
        """A sparse matrix: the hand-made columns first, then the hashed n-grams."""
        lower = [h.lower() for h in hosts]
        dense = np.array([host_features(h) for h in lower], dtype=np.float64).reshape(
            len(lower), len(FEATURE_NAMES)
        )
        grams = NgramHasher(self.n_features, char_range=(3, 5), word_range=(0, 0)).transform(lower)
        # Keep n-gram rows at unit length so long hosts do not dominate.
        norms = np.sqrt(np.asarray(grams.multiply(grams).sum(axis=1)).ravel())
        grams = sparse.diags(1.0 / np.maximum(norms, 1.0)) @ grams
        return sparse.hstack([sparse.csr_matrix(dense), grams], format="csr")


def build_url_pipeline(c: float = 2.0) -> Pipeline:
    """The untrained URL pipeline."""
    return Pipeline(
        [
            ("features", HostFeatures()),
            ("logreg", LogisticRegression(C=c, max_iter=3000, random_state=0)),
        ]
    )


class UrlClassifier:
    """A trained URL pipeline; `predict_proba` gives P(malicious) for each host."""

    def __init__(self, pipeline: Pipeline, name: str = "url_model") -> None:
        self.pipeline = pipeline
        self.name = name

    def predict_proba(self, hosts: Sequence[str]) -> NDArray[np.float64]:
        """P(malicious) for each host, in order."""
        if not len(hosts):
            return np.zeros(0)
        proba: NDArray[np.float64] = self.pipeline.predict_proba(list(hosts))[:, 1]
        return proba

    def save(self, path: Path) -> None:
        """Write the pipeline with joblib (compressed)."""
        joblib.dump({"name": self.name, "pipeline": self.pipeline}, path, compress=3)

    @classmethod
    def load(cls, path: Path) -> UrlClassifier:
        """Read a pipeline written by `save`."""
        payload = load_trusted(path)
        return cls(payload["pipeline"], name=payload["name"])


@lru_cache(maxsize=1)
def load_default_url_model() -> UrlClassifier | None:
    """The shipped URL model, or None when the package ships none."""
    path = MODELS_DIR / URL_MODEL_FILE
    return UrlClassifier.load(path) if path.exists() else None
