"""Render an AdminDocument to PDF through an HTML/CSS template and WeasyPrint, reproducibly."""

from __future__ import annotations

import base64
import struct
from datetime import UTC, datetime, time
from functools import lru_cache
from pathlib import Path
from typing import Any

import jinja2

from canhgiac.exports.documents.admin_format import (
    NATIONAL_MOTTO,
    NATIONAL_NAME,
    clean_text,
    format_number_symbol,
    format_place_date,
    kinh_gui_lines,
    noi_nhan_lines,
)
from canhgiac.exports.documents.model import AdminDocument, Block, Figure, PageBreak, Para, Table

__all__ = ["render_html", "render_pdf"]

HTML_DIR = Path(__file__).resolve().parent / "html"
_PARA_CSS = {"heading": "heading-line"}
_ALIGN_CSS = {"left": "left", "center": "centre", "right": "right"}


@lru_cache(maxsize=1)
def _environment() -> jinja2.Environment:
    # Autoescape always: letters quote reported (hostile) content.
    return jinja2.Environment(
        loader=jinja2.FileSystemLoader(HTML_DIR),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )


def _view(block: Block) -> dict[str, Any]:
    """A plain mapping for the template; all text passes through clean_text."""
    if isinstance(block, Para):
        return {
            "kind": "para",
            "css": _PARA_CSS.get(block.style, block.style),
            "text": clean_text(block.text),
        }
    if isinstance(block, Table):
        rows = [(values, False) for values in block.rows]
        if block.total:
            rows.append((block.total, True))
        return {
            "kind": "table",
            "caption": clean_text(block.caption),
            "header": [clean_text(h) for h in block.header],
            "widths": [round(w * 100, 2) for w in block.relative_widths()],
            "rows": [
                {
                    "total": total,
                    "cells": [
                        {
                            "text": clean_text(value),
                            "css": " ".join(
                                [_ALIGN_CSS[block.column_align(c)]]
                                + (["mono"] if c in block.mono else [])
                            ),
                        }
                        for c, value in enumerate(values)
                    ],
                }
                for values, total in rows
            ],
        }
    if isinstance(block, Figure):
        encoded = base64.b64encode(block.png).decode("ascii")
        return {
            "kind": "figure",
            "src": f"data:image/png;base64,{encoded}",
            "caption": clean_text(block.caption),
            "width_mm": block.width_mm,
        }
    if isinstance(block, PageBreak):
        return {"kind": "break"}
    raise TypeError(f"unknown block {block!r}")


def render_html(document: AdminDocument) -> str:
    """The document as standalone HTML (the PDF's source; also usable for a web preview)."""
    superior, issuer = document.issuing_body.heading_lines()
    stamp = datetime.combine(document.issued_on, time(0, 0), tzinfo=UTC)
    return (
        _environment()
        .get_template("document.html.j2")
        .render(
            doc=document,
            css=(HTML_DIR / "document.css").read_text(encoding="utf-8"),
            stamp=stamp.strftime("%Y-%m-%dT%H:%M:%SZ"),
            superior=clean_text(superior),
            issuer=clean_text(issuer),
            number_symbol=format_number_symbol(document.number, document.symbol),
            national_name=NATIONAL_NAME,
            national_motto=NATIONAL_MOTTO,
            place_date=format_place_date(document.place, document.issued_on),
            kinh_gui=[clean_text(x) for x in kinh_gui_lines(document.recipients)],
            noi_nhan=[clean_text(x) for x in noi_nhan_lines(document.cc, document.archive)],
            sign_titles=[clean_text(x) for x in document.signature.title_lines()],
            body=[_view(b) for b in document.body],
            annexes=[_view(b) for b in document.annexes],
        )
    )


def _sfnt_checksum(data: bytes) -> int:
    padded = data + b"\x00" * (-len(data) % 4)
    return sum(struct.unpack(f">{len(padded) // 4}I", padded)) & 0xFFFFFFFF


def _pin_head_modified(font: bytes) -> bytes:
    """Set an sfnt font's head.modified to head.created (subsetting stamps the clock there)."""
    if len(font) < 12 or font[:4] not in (b"\x00\x01\x00\x00", b"true", b"OTTO"):
        return font
    (tables,) = struct.unpack(">H", font[4:6])
    for i in range(tables):
        entry = 12 + 16 * i
        tag, _checksum, offset, length = struct.unpack(">4sIII", font[entry : entry + 16])
        if tag != b"head" or length < 36 or offset + length > len(font):
            continue
        out = bytearray(font)
        out[offset + 28 : offset + 36] = font[offset + 20 : offset + 28]
        out[offset + 8 : offset + 12] = b"\x00\x00\x00\x00"
        table_sum = _sfnt_checksum(bytes(out[offset : offset + length]))
        out[entry + 4 : entry + 8] = struct.pack(">I", table_sum)
        adjustment = (0xB1B0AFBA - _sfnt_checksum(bytes(out))) & 0xFFFFFFFF
        out[offset + 8 : offset + 12] = struct.pack(">I", adjustment)
        return bytes(out)
    return font


def _pin_font_timestamps(_document: object, pdf: Any) -> None:
    """WeasyPrint finisher: make embedded font programs independent of the render time."""
    for obj in pdf.objects:
        extra = getattr(obj, "extra", None)
        if isinstance(extra, dict) and "Length1" in extra:
            data = b"".join(part for part in obj.stream if isinstance(part, bytes))
            obj.stream = [_pin_head_modified(data)]


def render_pdf(document: AdminDocument) -> bytes:
    """The document as PDF bytes; metadata dates come from the issue date, never the clock."""
    import weasyprint  # heavy import, paid only when a PDF is made

    html = weasyprint.HTML(string=render_html(document), base_url=str(HTML_DIR))
    pdf = html.write_pdf(
        pdf_identifier=document.title.encode("utf-8")[:32].ljust(32, b"-"),
        finisher=_pin_font_timestamps,
    )
    assert pdf is not None
    return bytes(pdf)
