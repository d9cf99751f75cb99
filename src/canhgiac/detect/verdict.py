"""What the scanner returns: a verdict on a message or a URL, and the reasons behind it."""

from __future__ import annotations

from dataclasses import dataclass

from canhgiac.text.indicators import Indicator

__all__ = ["LABELS", "URL_VERDICTS", "Reason", "UrlVerdict", "Verdict"]

LABELS = ("scam", "spam", "ok")
URL_VERDICTS = ("malicious", "suspicious", "benign")


@dataclass(frozen=True, slots=True)
class Reason:
    """One piece of evidence, with its contribution to the score and where it is in the text."""

    kind: str
    code: str
    message: str
    weight: float
    spans: tuple[tuple[int, int], ...] = ()

    def to_dict(self) -> dict[str, object]:
        """JSON-ready form."""
        return {
            "kind": self.kind,
            "code": self.code,
            "message": self.message,
            "weight": round(self.weight, 4),
            "spans": [list(s) for s in self.spans],
        }


@dataclass(frozen=True, slots=True)
class Verdict:
    """The scanner's verdict on one message."""

    label: str
    score: float
    categories: tuple[str, ...]
    indicators: tuple[Indicator, ...]
    reasons: tuple[Reason, ...]

    def to_dict(self) -> dict[str, object]:
        """JSON-ready form: label, score, categories, indicators, reasons."""
        return {
            "label": self.label,
            "score": round(self.score, 4),
            "categories": list(self.categories),
            "indicators": [i.to_dict() for i in self.indicators],
            "reasons": [r.to_dict() for r in self.reasons],
        }


@dataclass(frozen=True, slots=True)
class UrlVerdict:
    """The scanner's verdict on one URL or domain."""

    input: str
    domain: str | None
    registered_domain: str | None
    verdict: str
    score: float
    reasons: tuple[Reason, ...]

    def to_dict(self) -> dict[str, object]:
        """JSON-ready form: input, domain, registered_domain, verdict, score, reasons."""
        return {
            "input": self.input,
            "domain": self.domain,
            "registered_domain": self.registered_domain,
            "verdict": self.verdict,
            "score": round(self.score, 4),
            "reasons": [r.to_dict() for r in self.reasons],
        }
