"""Forwarded e-mails (.eml): the body as text (HTML flattened), forwarded headers kept, attachments out.

Pure parsing; broken MIME is refused as a whole rather than half-read.
"""

from __future__ import annotations

import email
import email.policy
import re
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email import errors as email_errors
from email.errors import MessageError
from email.message import EmailMessage
from email.utils import parsedate_to_datetime
from html.parser import HTMLParser

from canhgiac.errors import ValidationFailed

MAX_EML_BYTES = 30 * 1024 * 1024
MAX_BODY_CHARS = 100_000
MAX_ATTACHMENTS = 20
FATAL_DEFECTS = (
    email_errors.NoBoundaryInMultipartDefect,
    email_errors.StartBoundaryNotFoundDefect,
    email_errors.MultipartInvariantViolationDefect,
    email_errors.MissingHeaderBodySeparatorDefect,
    email_errors.InvalidMultipartContentTransferEncodingDefect,
)


@dataclass(frozen=True)
class Attachment:
    """A file carried by the e-mail."""

    name: str
    media_type: str
    data: bytes


@dataclass
class ParsedEmail:
    """What an .eml file holds that intake needs."""

    subject: str
    sender: str | None
    sent_at: datetime | None
    message_id: str | None
    body: str
    attachments: list[Attachment] = field(default_factory=list)


class _TextFromHtml(HTMLParser):
    """Visible text of an HTML body: scripts and styles dropped, blocks on their own lines."""

    BLOCKS = frozenset({"p", "div", "br", "li", "tr", "h1", "h2", "h3", "h4", "blockquote", "pre"})

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self._skip = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in ("script", "style", "head"):
            self._skip += 1
        elif tag in self.BLOCKS:
            self.parts.append("\n")
        if tag == "a":
            href = dict(attrs).get("href")
            if href and href.startswith(("http://", "https://")):
                self.parts.append(f" {href} ")  # the real target of a link is what matters

    def handle_endtag(self, tag: str) -> None:
        if tag in ("script", "style", "head"):
            self._skip = max(0, self._skip - 1)
        elif tag in self.BLOCKS:
            self.parts.append("\n")

    def handle_data(self, data: str) -> None:
        if not self._skip:
            self.parts.append(data)


def html_to_text(html: str) -> str:
    """Readable text of an HTML document."""
    parser = _TextFromHtml()
    parser.feed(html)
    parser.close()
    text = "".join(parser.parts)
    lines = [re.sub(r"[ \t\xa0]+", " ", line).strip() for line in text.splitlines()]
    return re.sub(r"\n{3,}", "\n\n", "\n".join(lines)).strip()


def _refuse(reason: str) -> ValidationFailed:
    return ValidationFailed(f"Tệp e-mail không hợp lệ: {reason}.", field="file")


def _body(msg: EmailMessage) -> str:
    part = msg.get_body(preferencelist=("plain", "html"))
    if part is None:
        return ""
    try:
        content = part.get_content()
    except (LookupError, ValueError, AssertionError) as exc:
        raise _refuse(f"không đọc được phần nội dung ({exc})") from None
    if not isinstance(content, str):
        return ""
    return html_to_text(content) if part.get_content_type() == "text/html" else content.strip()


def _attachments(msg: EmailMessage) -> list[Attachment]:
    found: list[Attachment] = []
    for part in msg.iter_attachments():
        if not isinstance(part, EmailMessage):  # pragma: no cover - default policy gives these
            continue
        if part.get_content_maintype() == "multipart":
            continue
        data = part.get_payload(decode=True)
        if isinstance(part.get_payload(), list):
            data = part.as_bytes()  # a forwarded message kept whole
        if not isinstance(data, bytes) or not data:
            continue
        name = part.get_filename() or f"dinh-kem-{len(found) + 1}"
        found.append(Attachment(name[-200:], part.get_content_type(), data))
    if len(found) > MAX_ATTACHMENTS:
        raise _refuse(f"quá {MAX_ATTACHMENTS} tệp đính kèm")
    return found


def parse_eml(data: bytes) -> ParsedEmail:
    """Read one .eml; ValidationFailed when it is not a well-formed e-mail with something in it."""
    if len(data) > MAX_EML_BYTES:
        raise _refuse("lớn hơn 30 MB")
    if b"\x00" in data[:4096]:
        raise _refuse("không phải thư điện tử dạng văn bản")
    try:
        msg = email.message_from_bytes(data, policy=email.policy.default)
        assert isinstance(msg, EmailMessage)
        defects = [d for p in msg.walk() for d in p.defects if isinstance(d, FATAL_DEFECTS)]
        if defects:
            raise _refuse(f"cấu trúc MIME hỏng ({type(defects[0]).__name__})")
        if not any(k in msg for k in ("From", "Subject", "Date", "Message-ID")):
            raise _refuse("không có tiêu đề thư (From, Subject, Date)")
        body = _body(msg)[:MAX_BODY_CHARS]
        attachments = _attachments(msg)
        if not body and not attachments:
            raise _refuse("thư không có nội dung hay tệp đính kèm")
        return ParsedEmail(
            subject=str(msg.get("Subject", "") or "").strip()[:500],
            sender=str(msg.get("From", "") or "").strip()[:255] or None,
            sent_at=_date(msg),
            message_id=str(msg.get("Message-ID", "") or "").strip()[:255] or None,
            body=body,
            attachments=attachments,
        )
    except (ValueError, TypeError, IndexError, AttributeError, LookupError, MessageError) as exc:
        # Hostile headers ("From: <") make the header parser itself fail: refuse the file cleanly.
        raise _refuse(f"tiêu đề thư hỏng ({type(exc).__name__})") from exc


def _date(msg: EmailMessage) -> datetime | None:
    raw = msg.get("Date")
    if not raw:
        return None
    try:
        parsed = parsedate_to_datetime(str(raw))
    except (TypeError, ValueError):
        return None
    return parsed.astimezone(UTC) if parsed.tzinfo else None
