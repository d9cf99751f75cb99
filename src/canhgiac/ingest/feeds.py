"""RSS/Atom feeds: entries read from fetched bytes (feedparser never touches the network here)."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from typing import Any

import feedparser

from canhgiac.ingest.web import html_to_text

MAX_ENTRIES = 200  # per poll; a feed longer than this is read again next time


@dataclass(frozen=True)
class FeedEntry:
    """One feed entry, ready to become an item."""

    external_id: str
    title: str
    url: str | None
    content: str


class FeedUnreadable(ValueError):
    """The bytes are not an RSS or Atom feed."""


def _summary(entry: Any) -> str:
    parts = entry.get("content") or []
    html = entry.get("summary") or (parts[0].get("value") if parts else "") or ""
    return html_to_text(str(html))


def parse_feed(data: bytes) -> list[FeedEntry]:
    """The entries of an RSS/Atom document; FeedUnreadable when it is not one."""
    parsed = feedparser.parse(data)
    if not parsed.entries and (parsed.bozo or not parsed.get("version")):
        raise FeedUnreadable(f"không đọc được nguồn tin: {parsed.get('bozo_exception', '')}")
    entries: list[FeedEntry] = []
    for entry in parsed.entries[:MAX_ENTRIES]:
        title = html_to_text(str(entry.get("title") or ""))
        summary = _summary(entry)
        content = "\n\n".join(part for part in (title, summary) if part)
        if not content:
            continue
        link = entry.get("link") or None
        key = entry.get("id") or link or hashlib.sha256(content.encode()).hexdigest()
        entries.append(FeedEntry(str(key)[:255], title, link, content))
    return entries
