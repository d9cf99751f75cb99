"""The Scanner: rules, lists, look-alikes, models and claims composed into one explained verdict.

Score: every piece of evidence has a weight w in (0, 1) and the positive score is their noisy-OR,
1 - prod(1 - w). Lawful advertising (Decree 91/2020/NĐ-CP) takes its evidence back out as a
`lawful_ad` Reason with a negative weight; allow-listed and official links are noted (weight 0) and
not judged further. A message scoring at least `THRESHOLD` is "scam" when the evidence of fraud
outweighs the spam rules, otherwise "spam". docs/scanner.md gives every weight.
"""

from __future__ import annotations

import re
from collections.abc import Hashable, Sequence
from functools import lru_cache
from typing import Any, Protocol

import numpy as np
from numpy.typing import ArrayLike

from canhgiac.detect.blocklist import ListHit, Lists
from canhgiac.detect.lookalike import LookalikeDetector, LookalikeHit
from canhgiac.detect.rules import RuleHit, RuleSet
from canhgiac.detect.verdict import Reason, UrlVerdict, Verdict
from canhgiac.text._records import positional_maker
from canhgiac.text.indicators import Indicator, extract_indicators, refang, registered_domain
from canhgiac.text.normalize import Normalized, normalize_many

__all__ = [
    "MALICIOUS_AT",
    "SUSPICIOUS_AT",
    "THRESHOLD",
    "ClaimMatcher",
    "Scanner",
    "TextModel",
    "UrlModel",
    "check_url",
    "default_scanner",
    "scan_batch",
    "scan_one",
]

# Reason and Verdict with every field given, without the frozen dataclass's per-field set-up
# (made for most messages).
_reason = positional_maker(Reason)
_verdict = positional_maker(Verdict)

THRESHOLD = 0.5  # message score at or above which the label is not "ok"
MALICIOUS_AT = 0.8  # URL score for "malicious"
SUSPICIOUS_AT = 0.5  # URL score for "suspicious"
MODEL_WEIGHT = 0.75  # the model alone flags a message only when p >= 2/3
URL_MODEL_WEIGHT = 0.6  # lexical features alone are a hint, not proof
BLOCK_WEIGHT = 0.95
LOOKALIKE_WEIGHT = 0.9
CLAIM_WEIGHT = 0.8
CLAIM_MIN_SIMILARITY = 0.5
AD_PERSONAL_WEIGHT = 0.5
AD_UNMARKED_WEIGHT = 0.3
_HOST_CACHE_SIZE = 65_536
_NO_KINDS: frozenset[str] = frozenset()

OPERATOR_SENDERS = frozenset(
    {"viettel", "vinaphone", "mobifone", "vietnamobile", "gmobile", "itelecom", "reddi", "wintel"}
)
# The folded text spells teencode out, so "QC" may arrive as "quang cao".
_QC_MARK = re.compile(r"^\W*(?:qc|quang cao)\b")
_OPT_OUT = (
    "tu choi",
    "huy qc",
    "huy quang cao",
    "soan tc",
    "tc gui",
    "huy nhan tin",
    "ngung nhan",
    "soan huy",
)


class TextModel(Protocol):
    """A trained text model: probability that each folded message is harmful."""

    name: str

    def predict_proba(self, folded: Sequence[str]) -> ArrayLike: ...


class UrlModel(Protocol):
    """A trained lexical model: probability that each host is malicious."""

    name: str

    def predict_proba(self, hosts: Sequence[str]) -> ArrayLike: ...


class ClaimMatcher(Protocol):
    """Known false claims: for each near match, (claim_id, similarity) or an object with both."""

    def match(self, text: str) -> Sequence[Any]: ...


def _claim_pair(found: Any) -> tuple[str, float]:
    """(claim_id, similarity) from a tuple or from a ClaimMatch-like object."""
    if hasattr(found, "claim_id"):
        return str(found.claim_id), float(found.similarity)
    claim_id, similarity = found
    return str(claim_id), float(similarity)


class _Evidence:
    """Reasons for one message while it is being judged (a plain class: one per message)."""

    __slots__ = ("categories", "reasons", "scam")

    def __init__(self) -> None:
        self.reasons: list[Reason] = []
        self.scam: list[bool] = []
        self.categories: dict[str, None] = {}

    def add(self, reason: Reason, *, scam: bool, category: str | None) -> None:
        """Evidence that counts towards the score, on the fraud side or the spam side."""
        self.reasons.append(reason)
        self.scam.append(scam)
        if category:
            self.categories.setdefault(category, None)

    def note(self, reason: Reason) -> None:
        """A reason that explains but does not raise the score (allow-list, lawful advertising)."""
        self.reasons.append(reason)
        self.scam.append(False)


def _noisy_or(weights: Sequence[float]) -> float:
    keep = 1.0
    for w in weights:
        keep *= 1.0 - min(max(w, 0.0), 1.0)
    return 1.0 - keep


def _sender_kind(sender: str | None) -> str | None:
    """None, "operator", "shortcode", "personal" (a phone number) or "brandname"."""
    if not sender or not sender.strip():
        return None
    s = sender.strip()
    if s.lower() in OPERATOR_SENDERS:
        return "operator"
    digits = re.sub(r"[\s.\-()]", "", s).lstrip("+")
    if digits.isdigit():
        return "shortcode" if len(digits) <= 6 else "personal"
    return "brandname" if any(c.isalpha() for c in s) else None


class Scanner:
    """Pure text-in, verdict-out detector; build once, call many times."""

    def __init__(
        self,
        *,
        rules: RuleSet | None = None,
        classifier: TextModel | None = None,
        url_model: UrlModel | None = None,
        lists: Lists | None = None,
        lookalike: LookalikeDetector | None = None,
        claim_matcher: ClaimMatcher | None = None,
    ) -> None:
        from canhgiac.detect.classifier import load_default_text_model
        from canhgiac.detect.url_model import load_default_url_model

        self.rules = rules if rules is not None else RuleSet.default()
        self.classifier = classifier if classifier is not None else load_default_text_model()
        self.url_model = url_model if url_model is not None else load_default_url_model()
        self.lists = lists if lists is not None else Lists()
        self.lookalike = lookalike if lookalike is not None else LookalikeDetector.default()
        self.claim_matcher = claim_matcher
        self._host_cache: dict[str, tuple[LookalikeHit | None, float]] = {}

    # --- public API ------------------------------------------------------------------------------

    def scan_one(self, text: str, *, sender: str | None = None) -> Verdict:
        """Verdict on one message; `sender` (brandname, short code or number) refines spam."""
        return self.scan_batch([text], senders=[sender])[0]

    def scan_batch(
        self, texts: Sequence[str], *, senders: Sequence[str | None] | None = None
    ) -> list[Verdict]:
        """Verdicts for many messages; the text model runs once on the whole batch."""
        if senders is not None and len(senders) != len(texts):
            raise ValueError("senders must be as long as texts")
        # Spam campaigns repeat one text many times: judge each distinct (text, sender) once.
        # Without senders the texts themselves are the keys (no tuple per message).
        keys: Sequence[Hashable]
        unique: Sequence[Hashable]
        if senders is None:
            keys = texts
            unique = unique_texts = list(dict.fromkeys(texts))
            unique_senders: list[str | None] = [None] * len(unique)
        else:
            keys = pairs = list(zip(texts, senders, strict=True))
            unique = distinct = list(dict.fromkeys(pairs))
            unique_texts = [t for t, _ in distinct]
            unique_senders = [s for _, s in distinct]
        norms = normalize_many(unique_texts)
        probs = np.zeros(len(norms))
        if self.classifier is not None and norms:
            probs = np.asarray(
                self.classifier.predict_proba([n.folded for n in norms]), dtype=float
            )
        found = [tuple(extract_indicators(n.original, n)) for n in norms]
        self._prime_hosts({i.host for inds in found for i in inds if i.host})
        # Python floats, as float(probs[i]) gives (a model may hand back one column per row).
        prob_of: list[float] = probs.tolist() if probs.ndim == 1 else [float(p) for p in probs]
        judged = {
            key: self._judge(norm, found[i], prob_of[i], unique_senders[i])
            for i, (key, norm) in enumerate(zip(unique, norms, strict=True))
        }
        return [judged[key] for key in keys]

    def check_url(self, s: str) -> UrlVerdict:
        """Verdict on one URL or domain: block/allow lists, look-alike and the lexical model."""
        raw = s.strip()
        found = [i for i in extract_indicators(raw) if i.kind in ("url", "domain")]
        host = found[0].host if found else None
        if host is None:
            candidate = refang(raw).lower().strip().strip("/")
            host = candidate if re.fullmatch(r"[a-z0-9.\-]+\.[a-z0-9\-]+", candidate) else None
        if host is None:
            return UrlVerdict(raw, None, None, "benign", 0.0, ())
        ind = (
            found[0]
            if found
            else Indicator("domain", host, raw, 0, len(raw), registered_domain(host), host=host)
        )
        ev = _Evidence()
        self._judge_link(ind, host, ev, spans=())
        score = _noisy_or([r.weight for r in ev.reasons if r.weight > 0])
        if any(r.kind == "allowlist" for r in ev.reasons):
            score = 0.0
        verdict = (
            "malicious"
            if score >= MALICIOUS_AT
            else "suspicious"
            if score >= SUSPICIOUS_AT
            else "benign"
        )
        return UrlVerdict(raw, host, registered_domain(host), verdict, score, tuple(ev.reasons))

    # --- judging ----------------------------------------------------------------------------------

    def _judge(
        self, norm: Normalized, indicators: tuple[Indicator, ...], prob: float, sender: str | None
    ) -> Verdict:
        kinds = frozenset(i.kind for i in indicators) if indicators else _NO_KINDS
        hits = self.rules.match(norm.folded, kinds)
        model_weight = MODEL_WEIGHT * prob
        if (
            not hits
            and not indicators
            and self.claim_matcher is None
            and (self.classifier is None or model_weight < 0.05)
        ):
            # Nothing below would add a reason (and advertising needs a rule hit): the verdict
            # _conclude gives for no reasons, without the evidence holder (most messages).
            return _verdict("ok", 0.0, (), indicators, ())
        ev = _Evidence()
        for hit in hits:
            ev.add(
                self._rule_reason(hit, norm),
                scam=hit.rule.label == "scam",
                category=hit.rule.category,
            )
        for ind in indicators:
            if ind.kind in ("url", "domain") and ind.host:
                self._judge_link(ind, ind.host, ev, spans=((ind.start, ind.end),))
            elif ind.kind in ("phone", "bank_account", "email"):
                self._judge_listed(ind, ev)
        if self.classifier is not None and model_weight >= 0.05:
            ev.add(
                _reason(
                    "model",
                    self.classifier.name,
                    f"Mô hình văn bản đánh giá khả năng là tin xấu: {prob:.0%}.",
                    model_weight,
                    (),
                ),
                scam=False,
                category=None,
            )
        if self.claim_matcher is not None:
            self._judge_claims(norm.original, ev)
        removed = self._advertising(norm, hits, indicators, sender, ev)
        return self._conclude(ev, removed, indicators)

    @staticmethod
    def _rule_reason(hit: RuleHit, norm: Normalized) -> Reason:
        spans = tuple(norm.to_original(a, b) for a, b in hit.spans)
        return _reason("rule", hit.rule.id, f"{hit.rule.title_vi}.", hit.rule.weight, spans)

    def _judge_listed(self, ind: Indicator, ev: _Evidence) -> bool:
        """Block/allow-list check; True when the indicator is allow-listed."""
        hit: ListHit | None = self.lists.check(ind)
        if hit is None:
            return False
        span = ((ind.start, ind.end),) if ind.end > ind.start else ()
        if hit.list_name == "allow":
            ev.note(
                Reason(
                    "allowlist", hit.matched, f"{ind.raw} nằm trong danh sách tin cậy.", 0.0, span
                )
            )
            return True
        category = "phishing" if ind.kind in ("url", "domain") else "scam"
        ev.add(
            Reason(
                "blocklist",
                hit.matched,
                f"{ind.raw} nằm trong danh sách chặn ({hit.source}).",
                BLOCK_WEIGHT,
                span,
            ),
            scam=True,
            category=category,
        )
        return False

    def _judge_link(
        self, ind: Indicator, host: str, ev: _Evidence, spans: tuple[tuple[int, int], ...]
    ) -> None:
        if self._judge_listed(ind, ev):
            return
        if self.lookalike is not None and self.lookalike.is_official(host):
            ev.note(
                Reason(
                    "allowlist",
                    registered_domain(host) or host,
                    f"{host} là tên miền chính thức trong danh mục được bảo vệ.",
                    0.0,
                    spans,
                )
            )
            return
        look, url_p = self._host_facts(host)
        if look is not None:
            ev.add(
                Reason(
                    "lookalike",
                    look.official,
                    look.explanation,
                    LOOKALIKE_WEIGHT * look.score,
                    spans,
                ),
                scam=True,
                category="phishing",
            )
        if url_p >= 0.5 and self.url_model is not None:
            weight = URL_MODEL_WEIGHT * (url_p - 0.5) * 2.0
            ev.add(
                Reason(
                    "url_model",
                    self.url_model.name,
                    f"Tên miền {host} có đặc điểm của trang lừa đảo (mô hình: {url_p:.0%}).",
                    weight,
                    spans,
                ),
                scam=True,
                category="phishing",
            )

    def _prime_hosts(self, hosts: set[str]) -> None:
        """Score every new host of a batch with one call of the URL model."""
        new = sorted(h for h in hosts if h not in self._host_cache)
        if not new or self.url_model is None:
            return
        probs = np.asarray(self.url_model.predict_proba(new), dtype=float)
        if len(self._host_cache) + len(new) >= _HOST_CACHE_SIZE:
            self._host_cache.clear()
        for host, p in zip(new, probs, strict=True):
            look = self.lookalike.check(host) if self.lookalike is not None else None
            self._host_cache[host] = (look, float(p))

    def _host_facts(self, host: str) -> tuple[LookalikeHit | None, float]:
        cached = self._host_cache.get(host)
        if cached is None:
            look = self.lookalike.check(host) if self.lookalike is not None else None
            url_p = 0.0
            if self.url_model is not None:
                url_p = float(np.asarray(self.url_model.predict_proba([host]))[0])
            if len(self._host_cache) >= _HOST_CACHE_SIZE:
                self._host_cache.clear()
            cached = self._host_cache[host] = (look, url_p)
        return cached

    def _judge_claims(self, text: str, ev: _Evidence) -> None:
        assert self.claim_matcher is not None
        for found in self.claim_matcher.match(text):
            claim_id, similarity = _claim_pair(found)
            if similarity < CLAIM_MIN_SIMILARITY:
                continue
            ev.add(
                Reason(
                    "claim",
                    claim_id,
                    f"Trùng khớp {similarity:.0%} với thông tin sai sự thật đã được đính chính.",
                    CLAIM_WEIGHT * similarity,
                ),
                scam=False,
                category="false_info",
            )

    def _advertising(
        self,
        norm: Normalized,
        hits: list[RuleHit],
        indicators: tuple[Indicator, ...],
        sender: str | None,
        ev: _Evidence,
    ) -> set[int]:
        """Decree 91/2020/NĐ-CP: lift lawful advertising, flag unlawful. Returns reasons lifted."""
        if not hits:  # most messages: no rule, so no advertising rule
            return set()
        ads = [h for h in hits if h.rule.advertising]
        if not ads or any(h.rule.banned for h in hits):
            return set()
        kind = _sender_kind(sender)
        folded = norm.folded
        marked = bool(_QC_MARK.match(folded))
        opt_out = any(phrase in folded for phrase in _OPT_OUT)
        personal_contact = any(i.kind == "phone" for i in indicators)
        lawful = kind in ("operator", "shortcode") or (
            (marked or opt_out)
            and (
                kind == "brandname"
                or (kind is None and marked and opt_out and not personal_contact)
            )
        )
        if lawful:
            lifted = {
                i
                for i, r in enumerate(ev.reasons)
                if r.kind == "model" or (r.kind == "rule" and any(h.rule.id == r.code for h in ads))
            }
            why = (
                "tin của nhà mạng"
                if kind in ("operator", "shortcode")
                else "quảng cáo đúng quy định"
            )
            before = _noisy_or([ev.reasons[i].weight for i in lifted])
            ev.note(
                Reason(
                    "lawful_ad",
                    "decree_91_2020",
                    f"Không tính là tin rác: {why} (Nghị định 91/2020/NĐ-CP: nhãn QC, "
                    "tên định danh, cách từ chối nhận).",
                    -before,
                )
            )
            return lifted
        if kind == "personal":
            ev.add(
                Reason(
                    "rule",
                    "ad_from_personal_number",
                    "Quảng cáo gửi từ số điện thoại cá nhân, không phải tên định danh "
                    "(Nghị định 91/2020/NĐ-CP).",
                    AD_PERSONAL_WEIGHT,
                ),
                scam=False,
                category="spam",
            )
        elif not marked:
            ev.add(
                Reason(
                    "rule",
                    "ad_unmarked",
                    "Tin quảng cáo không có nhãn [QC] như Nghị định 91/2020/NĐ-CP yêu cầu.",
                    AD_UNMARKED_WEIGHT,
                ),
                scam=False,
                category="spam",
            )
        return set()

    @staticmethod
    def _conclude(ev: _Evidence, lifted: set[int], indicators: tuple[Indicator, ...]) -> Verdict:
        if not ev.reasons:  # most ordinary messages: nothing to weigh
            return _verdict("ok", 0.0, (), indicators, ())
        weight = ev.reasons[0].weight
        if len(ev.reasons) == 1 and not lifted and weight <= 1.0:
            # One reason with a weight of at most 1 (most often the model's alone): `_weigh`
            # worked out. Its noisy-OR is 1 - (1 * (1 - w)) = 1 - (1 - w) exactly (0 when it
            # does not count); when that reaches the threshold it outweighs the empty other side,
            # so the label is its side's. (A NaN weight fails `<= 1.0` and goes to `_weigh`.)
            score = 1.0 - (1.0 - weight) if weight > 0.0 else 0.0
            label = "ok" if score < THRESHOLD else "scam" if ev.scam[0] else "spam"
        else:
            score, label = Scanner._weigh(ev, lifted)
        categories: tuple[str, ...] = ()
        if label != "ok":
            cats = dict(ev.categories)
            if not cats:
                cats = {label: None}
            categories = tuple(cats)
        return _verdict(label, score, categories, indicators, tuple(ev.reasons))

    @staticmethod
    def _weigh(ev: _Evidence, lifted: set[int]) -> tuple[float, str]:
        """Score and label from the reasons that count."""
        scam_w: list[float] = []
        spam_w: list[float] = []
        spam_rules_w: list[float] = []
        for i, (reason, is_scam) in enumerate(zip(ev.reasons, ev.scam, strict=True)):
            if reason.weight <= 0 or i in lifted:
                continue
            if is_scam:
                scam_w.append(reason.weight)
            else:
                spam_w.append(reason.weight)
                if reason.kind == "rule":
                    spam_rules_w.append(reason.weight)
        score = _noisy_or([*scam_w, *spam_w])
        # The text model says "harmful", not which kind: fraud evidence is weighed against spam
        # rules only, and a message flagged by the model alone is spam.
        if score < THRESHOLD:
            label = "ok"
        elif _noisy_or(scam_w) > _noisy_or(spam_rules_w):
            label = "scam"
        else:
            label = "spam"
        return score, label


@lru_cache(maxsize=1)
def default_scanner() -> Scanner:
    """The scanner with every shipped default (built once per process)."""
    return Scanner()


def scan_one(text: str, *, sender: str | None = None) -> Verdict:
    """Verdict on one message with the default scanner."""
    return default_scanner().scan_one(text, sender=sender)


def scan_batch(texts: Sequence[str]) -> list[Verdict]:
    """Verdicts on many messages with the default scanner."""
    return default_scanner().scan_batch(texts)


def check_url(s: str) -> UrlVerdict:
    """Verdict on one URL or domain with the default scanner."""
    return default_scanner().check_url(s)
