"""Showing hostile reported content safely: links defanged so nobody clicks them by accident."""

from __future__ import annotations

import re

_SCHEME = re.compile(r"\b(h)(tt)(ps?)(://)", re.IGNORECASE)
_HOST_DOT = re.compile(r"(?<=[A-Za-z0-9-])\.(?=(?:[A-Za-z0-9-]+\.)*[A-Za-z]{2,}\b)")


def defang_for_display(text: object) -> str:
    """'http://evil.com' -> 'hxxp://evil[.]com'; the result is still HTML-escaped by Jinja."""
    if text is None:
        return ""
    value = _SCHEME.sub(lambda m: m.group(1) + "xx" + m.group(3) + m.group(4), str(text))
    return _HOST_DOT.sub("[.]", value)
