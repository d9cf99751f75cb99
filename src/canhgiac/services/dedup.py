"""Duplicate detection keys: exact (normalised content) and near (folded, digits and links collapsed).

Exact: NFC with canonical tone marks, lower-case, whitespace collapsed; the SHA-256 of that is
`Item.content_sha256` (unique), so the same message from 300 people is one item.
Near: the scanner's folded form (no diacritics, teencode expanded), with links replaced by one
token, every digit run by "0" and punctuation dropped; messages that differ only in a phone
number, an amount, a link or their accents share `Item.near_sha256` and join the first one's cluster.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata

from canhgiac.text.normalize import canonical_tones, fold

_WS = re.compile(r"\s+")
_URLISH = re.compile(
    r"(?:h(?:tt|xx)ps?\S*|www\.\S+|\b[\w-]+(?:\s*(?:\.|\[\.\]|\(\.\)|\(dot\)|\[dot\])\s*[\w-]+)+/\S*)",
    re.IGNORECASE,
)
_DOMAINISH = re.compile(r"\b[\w-]+(?:(?:\.|\[\.\])[\w-]+)*(?:\.|\[\.\])[a-z]{2,}\b", re.IGNORECASE)
_DIGITS = re.compile(r"\d+(?:[\s.,]\d+)*")
_PUNCT = re.compile(r"[^\w\s]|_")
MIN_NEAR_CHARS = 12


def exact_text(content: str) -> str:
    """The exact-duplicate form of `content`."""
    text = canonical_tones(unicodedata.normalize("NFC", content))
    return _WS.sub(" ", text).strip().lower()


def exact_key(content: str) -> str:
    """SHA-256 of the exact-duplicate form."""
    return hashlib.sha256(exact_text(content).encode("utf-8")).hexdigest()


def near_text(content: str) -> str:
    """The near-duplicate form of `content`."""
    text = _URLISH.sub(" lnk ", content)
    text = _DOMAINISH.sub(" lnk ", text)
    text = fold(text).lower()
    text = _DIGITS.sub("0", text)
    text = _PUNCT.sub(" ", text)
    return _WS.sub(" ", text).strip()


def near_key(content: str) -> str | None:
    """SHA-256 of the near-duplicate form; None for text too short to mean anything alone."""
    text = near_text(content)
    if len(text.replace("lnk", "").replace("0", "").replace(" ", "")) < MIN_NEAR_CHARS:
        return None
    return hashlib.sha256(text.encode("utf-8")).hexdigest()
