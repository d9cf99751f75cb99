"""Build regex alternations shaped like a trie, since the re module does not factor prefixes."""

from __future__ import annotations

import re

__all__ = ["trie_pattern"]


def trie_pattern(words: list[str]) -> str:
    """A non-capturing regex matching exactly the given words, with shared prefixes factored."""
    by_first: dict[str, list[str]] = {}
    ends_here = False
    for w in words:
        if w:
            by_first.setdefault(w[0], []).append(w[1:])
        else:
            ends_here = True
    if not by_first:
        return ""
    alts = [re.escape(c) + trie_pattern(rest) for c, rest in sorted(by_first.items())]
    body = alts[0] if len(alts) == 1 else "(?:" + "|".join(alts) + ")"
    if ends_here:
        body = "(?:" + body + ")?"
    return body
