"""Atom 1.0 feed of published warnings and fact-checks (built with ElementTree: all text escaped)."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime

from canhgiac.exports.indicator_record import utc_iso

__all__ = ["AtomEntry", "atom_feed"]

ATOM_NS = "http://www.w3.org/2005/Atom"
# Characters XML 1.0 forbids; hostile text must not make the whole feed unreadable.
_XML_INVALID = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


@dataclass(frozen=True, slots=True)
class AtomEntry:
    """One published warning (cảnh báo) or fact-check (đính chính)."""

    id: str  # stable, e.g. "tag:canhgiac.baolac.gov.vn,2026:warning/42"
    title: str
    link: str
    updated: datetime
    summary: str = ""
    published: datetime | None = None
    categories: Sequence[str] = field(default_factory=tuple)
    author: str = ""


def _text(value: str) -> str:
    return _XML_INVALID.sub("", value)


def _sub(parent: ET.Element, tag: str, text: str | None = None, **attrs: str) -> ET.Element:
    el = ET.SubElement(parent, f"{{{ATOM_NS}}}{tag}", {k: _text(v) for k, v in attrs.items()})
    if text is not None:
        el.text = _text(text)
    return el


def _entry(feed: ET.Element, entry: AtomEntry) -> None:
    el = _sub(feed, "entry")
    _sub(el, "id", entry.id)
    _sub(el, "title", entry.title, type="text")
    _sub(el, "link", rel="alternate", type="text/html", href=entry.link)
    _sub(el, "updated", utc_iso(entry.updated))
    if entry.published is not None:
        _sub(el, "published", utc_iso(entry.published))
    if entry.author:
        _sub(_sub(el, "author"), "name", entry.author)
    for term in entry.categories:
        _sub(el, "category", term=term)
    if entry.summary:
        _sub(el, "summary", entry.summary, type="text")


def atom_feed(
    entries: Iterable[AtomEntry],
    *,
    feed_id: str,
    title: str,
    link: str,
    updated: datetime,
    author: str = "Cảnh Giác",
    self_link: str | None = None,
    subtitle: str = "",
) -> str:
    """Atom 1.0 XML, newest entry first; deterministic for the same input."""
    ET.register_namespace("", ATOM_NS)
    feed = ET.Element(f"{{{ATOM_NS}}}feed", {"xml:lang": "vi"})
    _sub(feed, "id", feed_id)
    _sub(feed, "title", title, type="text")
    if subtitle:
        _sub(feed, "subtitle", subtitle, type="text")
    _sub(feed, "link", rel="alternate", type="text/html", href=link)
    if self_link:
        _sub(feed, "link", rel="self", type="application/atom+xml", href=self_link)
    _sub(feed, "updated", utc_iso(updated))
    _sub(_sub(feed, "author"), "name", author)
    _sub(feed, "generator", "Cảnh Giác")
    ordered = sorted(entries, key=lambda e: (-e.updated.timestamp(), e.id))
    for entry in ordered:
        _entry(feed, entry)
    ET.indent(feed)
    body = ET.tostring(feed, encoding="unicode")
    return '<?xml version="1.0" encoding="utf-8"?>\n' + body + "\n"
