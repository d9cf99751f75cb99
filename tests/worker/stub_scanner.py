"""A tiny, deterministic stand-in for the scanner (the real one is tested in tests/detect)."""

from __future__ import annotations

import re

from canhgiac.detect.verdict import Reason, Verdict
from canhgiac.text.indicators import Indicator

_URL = re.compile(r"https?://[^\s]+")
_PHONE = re.compile(r"\b0\d{9}\b")


class StubScanner:
    """Labels text with "trúng thưởng" as scam; reports URLs and phone numbers as indicators."""

    def __init__(self) -> None:
        self.calls = 0

    def scan_one(self, text: str, *, sender: str | None = None) -> Verdict:
        self.calls += 1
        indicators = [
            Indicator("url", m.group(0).lower(), m.group(0), m.start(), m.end())
            for m in _URL.finditer(text)
        ] + [
            Indicator("phone", "+84" + m.group(0)[1:], m.group(0), m.start(), m.end())
            for m in _PHONE.finditer(text)
        ]
        scam = "trúng thưởng" in text.lower()
        reasons = (Reason("rule", "prize", "Thông báo trúng thưởng", 0.9),) if scam else ()
        return Verdict(
            "scam" if scam else "ok", 0.9 if scam else 0.05, ("scam",) if scam else (),
            tuple(indicators), reasons,
        )  # fmt: skip
