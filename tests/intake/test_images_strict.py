"""Truncated screenshots are refused even after WeasyPrint made Pillow tolerant process-wide."""

from __future__ import annotations

from pathlib import Path

import pytest
from PIL import ImageFile

from canhgiac.errors import ValidationFailed
from canhgiac.ingest.images import check_image

FIXTURES = Path(__file__).parents[1] / "fixtures" / "intake"


def test_truncated_png_refused_when_pillow_is_lenient(monkeypatch: pytest.MonkeyPatch) -> None:
    import weasyprint  # noqa: F401  (sets ImageFile.LOAD_TRUNCATED_IMAGES = True on import)

    monkeypatch.setattr(ImageFile, "LOAD_TRUNCATED_IMAGES", True)
    with pytest.raises(ValidationFailed):
        check_image((FIXTURES / "truncated.png").read_bytes(), "truncated.png")
    assert ImageFile.LOAD_TRUNCATED_IMAGES is True
