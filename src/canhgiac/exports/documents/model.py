"""A small layout-neutral model of an administrative document, rendered to DOCX and to PDF."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Literal

from canhgiac.exports.documents.admin_format import IssuingBody, Signature

__all__ = ["AdminDocument", "Block", "Figure", "PageBreak", "Para", "ParaStyle", "Table"]

# body: justified, first-line indent; heading: bold section line ("I. KẾT QUẢ…");
# subheading: bold; center: centred; title: bold centred; note: italic centred, smaller.
ParaStyle = Literal["body", "heading", "subheading", "center", "title", "note", "plain"]
Align = Literal["left", "center", "right"]


@dataclass(frozen=True)
class Para:
    """One paragraph of text."""

    text: str
    style: ParaStyle = "body"


@dataclass(frozen=True)
class Table:
    """A grid table with a header row; `align` per column, `total` an optional bold last row."""

    header: tuple[str, ...]
    rows: tuple[tuple[str, ...], ...]
    widths: tuple[float, ...] = ()
    align: tuple[Align, ...] = ()
    total: tuple[str, ...] | None = None
    mono: tuple[int, ...] = ()
    caption: str = ""

    def column_align(self, index: int) -> Align:
        """The alignment of column `index` (left when unspecified)."""
        return self.align[index] if index < len(self.align) else "left"

    def relative_widths(self) -> tuple[float, ...]:
        """Column widths as fractions summing to 1."""
        widths = self.widths or tuple(1.0 for _ in self.header)
        total = sum(widths)
        return tuple(w / total for w in widths)


@dataclass(frozen=True)
class Figure:
    """A chart as PNG bytes with its caption."""

    png: bytes
    caption: str
    width_mm: float = 150.0


@dataclass(frozen=True)
class PageBreak:
    """Start a new page."""


Block = Para | Table | Figure | PageBreak


@dataclass(frozen=True)
class AdminDocument:
    """Everything a Decree-30 document shows, in the order the decree lays it out."""

    issuing_body: IssuingBody
    number: str
    symbol: str
    place: str
    issued_on: date
    doc_type: str
    summary: str
    recipients: tuple[str, ...]
    body: tuple[Block, ...]
    signature: Signature
    cc: tuple[str, ...]
    archive: str
    annexes: tuple[Block, ...] = ()
    keywords: tuple[str, ...] = field(default=())

    @property
    def is_letter(self) -> bool:
        """A Công văn has no type name; its summary sits under the number as "V/v …"."""
        return not self.doc_type

    @property
    def title(self) -> str:
        """A one-line title for file metadata."""
        kind = self.doc_type.capitalize() if self.doc_type else "Công văn"
        return f"{kind} số {self.number or '...'}/{self.symbol}: {self.summary}"
