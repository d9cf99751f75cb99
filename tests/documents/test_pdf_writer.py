"""PDF writer internals that keep output reproducible."""

from __future__ import annotations

import io
from pathlib import Path

import matplotlib
from fontTools.ttLib import TTFont

from canhgiac.exports.documents.pdf_writer import _pin_head_modified, _sfnt_checksum

FONT = Path(matplotlib.get_data_path()) / "fonts" / "ttf" / "DejaVuSans.ttf"


def _font_with_modified(stamp: int) -> bytes:
    font = TTFont(FONT, recalcTimestamp=False)
    font["head"].modified = stamp
    out = io.BytesIO()
    font.save(out)
    return out.getvalue()


def test_pinning_makes_fonts_from_different_times_identical() -> None:
    early, late = _font_with_modified(3_800_000_000), _font_with_modified(3_900_000_000)
    assert early != late
    pinned = _pin_head_modified(early)
    assert pinned == _pin_head_modified(late)
    head = TTFont(io.BytesIO(pinned))["head"]
    assert head.modified == head.created
    # The whole-file checksum stays valid: sum of the font equals the magic number.
    assert _sfnt_checksum(pinned) == 0xB1B0AFBA


def test_non_fonts_are_left_alone() -> None:
    assert _pin_head_modified(b"not a font at all") == b"not a font at all"
