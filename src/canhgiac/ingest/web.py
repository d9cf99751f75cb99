"""Web pages: the main text of fetched HTML (trafilatura), and plain text of HTML fragments."""

from __future__ import annotations

import html as html_lib
import re
from dataclasses import dataclass
from html.parser import HTMLParser

_SPACES = re.compile(r"[ \t\r\f\v]+")
_BLANK_LINES = re.compile(r"\n\s*\n+")
_TITLE = re.compile(rb"<title[^>]*>(.*?)</title>", re.IGNORECASE | re.DOTALL)
_BLOCK_TAGS = frozenset({"p", "br", "div", "li", "tr", "h1", "h2", "h3", "h4", "h5", "h6"})
_SKIPPED_TAGS = frozenset({"script", "style", "noscript", "template"})


@dataclass(frozen=True)
class Page:
    """The readable part of a page."""

    title: str
    text: str


class _TextCollector(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self.skipping = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in _SKIPPED_TAGS:
            self.skipping += 1
        elif tag in _BLOCK_TAGS:
            self.parts.append("\n")

    def handle_endtag(self, tag: str) -> None:
        if tag in _SKIPPED_TAGS and self.skipping:
            self.skipping -= 1
        elif tag in _BLOCK_TAGS:
            self.parts.append("\n")

    def handle_data(self, data: str) -> None:
        if not self.skipping:
            self.parts.append(data)


def _tidy(text: str) -> str:
    lines = (_SPACES.sub(" ", line).strip() for line in text.splitlines())
    return _BLANK_LINES.sub("\n\n", "\n".join(lines)).strip()


def html_to_text(fragment: str) -> str:
    """Plain text of an HTML fragment (feed summaries): tags dropped, entities decoded."""
    if "<" not in fragment:
        return _tidy(html_lib.unescape(fragment))
    collector = _TextCollector()
    collector.feed(fragment)
    collector.close()
    return _tidy("".join(collector.parts))


def _decode(data: bytes, charset: str | None) -> str:
    for encoding in (charset, "utf-8"):
        if encoding:
            try:
                return data.decode(encoding)
            except (LookupError, UnicodeDecodeError):
                continue
    return data.decode("utf-8", "replace")


def extract_page(data: bytes, *, url: str, charset: str | None = None) -> Page:
    """Title and main text of an HTML page (the text is empty when nothing readable is found)."""
    import trafilatura  # heavy; only page polling needs it

    markup = _decode(data, charset)
    text = trafilatura.extract(
        markup, url=url, include_comments=False, include_tables=True, favor_recall=True
    )
    title = ""
    metadata = trafilatura.extract_metadata(markup, default_url=url)
    if metadata is not None and metadata.title:
        title = str(metadata.title)
    elif match := _TITLE.search(data):
        title = html_to_text(_decode(match.group(1), charset))
    return Page(title=_tidy(title), text=_tidy(text or ""))
