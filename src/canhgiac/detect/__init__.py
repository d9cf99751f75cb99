"""Detection: scam rules, block/allow lists, look-alike domains, models, and the Scanner."""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from canhgiac.detect.scanner import Scanner, check_url, scan_batch, scan_one
    from canhgiac.detect.verdict import Reason, UrlVerdict, Verdict

__all__ = ["Reason", "Scanner", "UrlVerdict", "Verdict", "check_url", "scan_batch", "scan_one"]

_WHERE = {
    "Reason": "canhgiac.detect.verdict",
    "UrlVerdict": "canhgiac.detect.verdict",
    "Verdict": "canhgiac.detect.verdict",
    "Scanner": "canhgiac.detect.scanner",
    "check_url": "canhgiac.detect.scanner",
    "default_scanner": "canhgiac.detect.scanner",
    "scan_batch": "canhgiac.detect.scanner",
    "scan_one": "canhgiac.detect.scanner",
}


def __getattr__(name: str) -> Any:
    # Lazy, so that importing one detector (rules, blocklist) does not load the models.
    if name in _WHERE:
        return getattr(import_module(_WHERE[name]), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
