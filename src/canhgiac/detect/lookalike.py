"""Look-alike domains: typosquats, homographs and brand names inside other domains.

The protected registry (`resources/protected_domains.yaml`) lists official Vietnamese domains with
brand keywords. A host is compared by its registered domain ("vietcombank-xacthuc.com" for
"a.vietcombank-xacthuc.com"); official domains, their listed alternates and all their subdomains
are never flagged. Keywords shorter than 4 letters ("mb", "vcb", "evn") only count as a whole
token between hyphens or dots, so "mbappe.com" is not taken for MB.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import cache
from importlib import resources
from typing import Any

import yaml
from rapidfuzz import process
from rapidfuzz.distance import OSA

from canhgiac.text.indicators import TLD_EXTRACT, host_of, to_idna
from canhgiac.text.normalize import fold_chars
from canhgiac.text.trie import trie_pattern

__all__ = ["LookalikeDetector", "LookalikeHit", "ProtectedDomain", "load_registry"]


@dataclass(frozen=True, slots=True)
class LookalikeHit:
    """A host that imitates a protected official domain, and how."""

    domain: str  # the suspicious domain as seen (registered domain or full host)
    official: str  # the protected domain it imitates
    brand: str
    technique: (
        str  # "typosquat" | "homograph" | "brand_in_subdomain" | "brand_plus_word" | "tld_swap"
    )
    score: float  # 0..1
    explanation: str  # one Vietnamese sentence


@dataclass(frozen=True, slots=True)
class ProtectedDomain:
    """One entry of the protected registry."""

    domain: str
    name: str
    sector: str
    brands: tuple[str, ...] = ()
    also: tuple[str, ...] = field(default=())


# Words scammers glue to a brand: "momo-nhanqua", "vcbxacthuc". Used only for 4-5 letter brands
# written without a separator, where a bare prefix test would catch ordinary words ("tikitaka").
SCAM_WORDS = frozenset(
    [
        "xacminh",
        "xacthuc",
        "nhanqua",
        "quatang",
        "tangqua",
        "khuyenmai",
        "uudai",
        "hotro",
        "cskh",
        "dangnhap",
        "dangky",
        "login",
        "signin",
        "secure",
        "verify",
        "update",
        "online",
        "vn",
        "app",
        "pay",
        "bank",
        "card",
        "vip",
        "thuong",
        "nhanthuong",
        "hoantien",
        "khoanvay",
        "vay",
        "tructuyen",
        "support",
        "service",
        "official",
        "chinhthuc",
        "gov",
    ]
)

# Look-alike substitutions, folded both ways before comparing ("vietc0mbank" ~ "vietcombank").
_VISUAL_PAIRS = (("rn", "m"), ("vv", "w"), ("0", "o"), ("1", "l"), ("i", "l"), ("3", "e"),
                 ("5", "s"), ("8", "b"), ("@", "a"))  # fmt: skip
_VISUAL_WORDS = {
    "0": "số 0",
    "o": "chữ o",
    "1": "số 1",
    "l": "chữ l",
    "i": "chữ i",
    "rn": "cặp chữ rn",
    "m": "chữ m",
    "vv": "cặp chữ vv",
    "w": "chữ w",
    "3": "số 3",
    "e": "chữ e",
    "5": "số 5",
    "s": "chữ s",
    "8": "số 8",
    "b": "chữ b",
    "@": "ký tự @",
    "a": "chữ a",
}
_TOKEN_SPLIT = re.compile(r"[-.]+")


def _visual(label: str) -> str:
    for src, dst in _VISUAL_PAIRS:
        label = label.replace(src, dst)
    return label


def _swap_detail(seen: str, official: str) -> str:
    for src, dst in _VISUAL_PAIRS:
        if src in seen and src not in official and dst in official:
            return f"thay {_VISUAL_WORDS[dst]} bằng {_VISUAL_WORDS[src]}"
        if dst in seen and src in official and src not in seen:
            return f"thay {_VISUAL_WORDS[src]} bằng {_VISUAL_WORDS[dst]}"
    return "dùng ký tự trông giống nhau"


def load_registry(text: str | None = None) -> list[ProtectedDomain]:
    """Parse the registry YAML (the shipped one when `text` is None)."""
    if text is None:
        text = (
            resources.files("canhgiac.resources")
            .joinpath("protected_domains.yaml")
            .read_text("utf-8")
        )
    data: dict[str, Any] = yaml.safe_load(text)
    entries = []
    for raw in data["domains"]:
        entries.append(
            ProtectedDomain(
                domain=str(raw["domain"]).lower(),
                name=str(raw["name"]),
                sector=str(raw["sector"]),
                brands=tuple(str(b).lower() for b in raw.get("brands") or ()),
                also=tuple(str(a).lower() for a in raw.get("also") or ()),
            )
        )
    return entries


def _split(host: str) -> tuple[str, str, str, bool]:
    """(subdomain, registrable label, public suffix, suffix is a private one like github.io)."""
    ext = TLD_EXTRACT(host)
    return ext.subdomain, ext.domain, ext.suffix, bool(ext.is_private)


def _unicode_label(label: str) -> str:
    if "xn--" not in label:
        return label
    try:
        return label.encode("ascii").decode("idna")
    except UnicodeError:
        return label


class LookalikeDetector:
    """Checks hosts against the protected registry."""

    def __init__(self, entries: list[ProtectedDomain]) -> None:
        self.entries = entries
        self._official: set[str] = set()
        self._by_label: dict[str, ProtectedDomain] = {}  # official registrable label -> entry
        self._keywords: dict[str, ProtectedDomain] = {}  # brand keyword -> entry
        for entry in entries:
            for domain in (entry.domain, *entry.also):
                _sub, label, suffix, _private = _split(domain)
                self._official.add(domain)
                self._official.add(f"{label}.{suffix}")
                self._by_label.setdefault(label, entry)
            for keyword in entry.brands:
                self._keywords.setdefault(keyword, entry)
        self._visual_keywords = {_visual(k): k for k in self._keywords if len(k) >= 4}
        self._typo_by_len: dict[int, list[str]] = {}  # edit distance only between close lengths
        for keyword in self._keywords:
            if len(keyword) >= 6:
                for size in range(len(keyword) - 2, len(keyword) + 3):
                    self._typo_by_len.setdefault(size, []).append(keyword)
        long_keywords = [k for k in self._keywords if len(k) >= 6]
        self._long_re = re.compile(trie_pattern(long_keywords)) if long_keywords else None
        self._cache: dict[str, LookalikeHit | None] = {}

    @classmethod
    def default(cls) -> LookalikeDetector:
        """The detector for the shipped registry, built once per process."""
        return _default_detector()

    def is_official(self, host: str) -> bool:
        """True for an official domain, one of its alternates, or any subdomain of them."""
        host = host.lower().rstrip(".")
        while "." in host:
            if host in self._official:
                return True
            host = host.partition(".")[2]
        return False

    def check(self, host: str) -> LookalikeHit | None:
        """The look-alike hit for a host (or URL), or None when it imitates nothing we protect."""
        key = host
        if key in self._cache:
            return self._cache[key]
        hit = self._check(host)
        if len(self._cache) >= 65536:
            self._cache.clear()
        self._cache[key] = hit
        return hit

    def _check(self, raw: str) -> LookalikeHit | None:
        host = host_of(raw) if ("/" in raw or "[" in raw or ":" in raw) else to_idna(raw)
        if not host or self.is_official(host):
            return None
        subdomain, label, suffix, private = _split(host)
        if not label or not suffix:
            return None
        registered = f"{label}.{suffix}"
        if private:  # "vietcombank.github.io": the label is a free subdomain of a hosting site
            subdomain = f"{subdomain}.{label}" if subdomain else label
            label = ""
        seen_label = _unicode_label(label)
        folded = fold_chars(seen_label)
        if label and seen_label != label:
            hit = self._homograph(registered, seen_label, folded, suffix)
            if hit:
                return hit
        if label:
            hit = (
                self._tld_swap(registered, folded, suffix)
                or self._visual_typosquat(registered, folded)
                or self._edit_typosquat(registered, folded)
                or self._brand_plus_word(registered, folded)
            )
            if hit:
                return hit
        return self._brand_in_subdomain(host, subdomain, suffix if private else registered)

    def _homograph(
        self, registered: str, seen: str, folded: str, suffix: str
    ) -> LookalikeHit | None:
        entry = self._by_label.get(folded) or self._keywords.get(folded)
        if entry is None:
            keyword = self._keyword_in(folded)
            entry = self._keywords.get(keyword) if keyword else None
        if entry is None:
            return None
        shown = f"{seen}.{suffix}"
        return LookalikeHit(
            registered,
            entry.domain,
            _brand(entry),
            "homograph",
            0.95,
            f"Tên miền '{shown}' ({registered}) dùng ký tự nước ngoài trông giống chữ Latinh "
            f"để giả mạo '{entry.domain}'",
        )

    def _tld_swap(self, registered: str, label: str, suffix: str) -> LookalikeHit | None:
        entry = self._keywords.get(label)
        if entry is None or len(label) < 4:
            return None
        return LookalikeHit(
            registered,
            entry.domain,
            _brand(entry),
            "tld_swap",
            0.9,
            f"Tên miền '{registered}' dùng đuôi '.{suffix}' khác với tên miền chính thức "
            f"'{entry.domain}'",
        )

    def _visual_typosquat(self, registered: str, label: str) -> LookalikeHit | None:
        joined = label.replace("-", "")
        if joined != label and len(joined) >= 4 and joined in self._keywords:
            keyword, detail = joined, "thêm dấu gạch nối"
        else:
            keyword = self._visual_keywords.get(_visual(label)) or ""
            if not keyword or keyword == label:
                return None
            detail = _swap_detail(label, keyword)
        entry = self._keywords[keyword]
        return LookalikeHit(
            registered,
            entry.domain,
            _brand(entry),
            "typosquat",
            0.9,
            f"Tên miền '{registered}' giả mạo '{entry.domain}' ({detail})",
        )

    def _edit_typosquat(self, registered: str, label: str) -> LookalikeHit | None:
        candidates = self._typo_by_len.get(len(label))
        if not candidates:
            return None
        found = process.extractOne(label, candidates, scorer=OSA.distance, score_cutoff=2)
        if found is None:
            return None
        keyword, distance = str(found[0]), int(found[1])
        if distance == 0 or (distance == 2 and len(keyword) < 10):
            return None
        entry = self._keywords[keyword]
        return LookalikeHit(
            registered,
            entry.domain,
            _brand(entry),
            "typosquat",
            0.8 if distance == 1 else 0.7,
            f"Tên miền '{registered}' giả mạo '{entry.domain}' (sai khác {distance} ký tự "
            f"so với '{keyword}')",
        )

    def _keyword_in(self, text: str) -> str | None:
        """A brand keyword inside a label: a whole token, a long substring, or brand+scam word."""
        tokens = [t for t in _TOKEN_SPLIT.split(text) if t]
        for token in tokens:
            if token in self._keywords:
                return token
            visual = self._visual_keywords.get(_visual(token))
            if visual is not None:
                return visual
        if self._long_re is not None:
            m = self._long_re.search(text)
            if m:
                return m.group()
        for token in tokens:
            for size in (4, 5):
                head, tail = token[:size], token[size:]
                if head in self._keywords and tail in SCAM_WORDS:
                    return head
                head, tail = token[:-size], token[-size:]
                if tail in self._keywords and head in SCAM_WORDS:
                    return tail
        return None

    def _brand_plus_word(self, registered: str, label: str) -> LookalikeHit | None:
        keyword = self._keyword_in(label)
        if keyword is None:
            return None
        entry = self._keywords[keyword]
        return LookalikeHit(
            registered,
            entry.domain,
            _brand(entry),
            "brand_plus_word",
            0.85,
            f"Tên miền '{registered}' ghép tên thương hiệu '{keyword}' với từ khác; tên miền "
            f"chính thức là '{entry.domain}'",
        )

    def _brand_in_subdomain(self, host: str, subdomain: str, owner: str) -> LookalikeHit | None:
        if not subdomain:
            return None
        keyword = self._keyword_in(fold_chars(_unicode_label(subdomain)))
        if keyword is None:
            return None
        entry = self._keywords[keyword]
        return LookalikeHit(
            host,
            entry.domain,
            _brand(entry),
            "brand_in_subdomain",
            0.85,
            f"Tên miền '{host}' đặt tên '{keyword}' ở phần đầu nhưng thực chất thuộc "
            f"'{owner}', không phải '{entry.domain}'",
        )


def _brand(entry: ProtectedDomain) -> str:
    return entry.brands[0] if entry.brands else entry.domain


@cache
def _default_detector() -> LookalikeDetector:
    return LookalikeDetector(load_registry())
