"""Charts: reproducible bytes, no timestamps, input checks."""

from __future__ import annotations

import io

import pytest
from PIL import Image

from canhgiac.exports.documents.charts import bar_chart, stacked_bar_chart

LABELS = ["Lừa đảo", "Trang/đường link giả mạo", "Tin nhắn/cuộc gọi rác"]


def test_png_is_reproducible_and_has_no_software_or_time_text() -> None:
    first = bar_chart(LABELS, [12, 7, 1234], "Phản ánh theo loại")
    assert first == bar_chart(LABELS, [12, 7, 1234], "Phản ánh theo loại")
    assert first != bar_chart(LABELS, [12, 8, 1234], "Phản ánh theo loại")
    image = Image.open(io.BytesIO(first))
    assert image.format == "PNG" and image.width > 500
    assert "Software" not in image.info and b"tIME" not in first


def test_svg_is_reproducible_without_date() -> None:
    first = bar_chart(LABELS, [1, 2, 3], "x", fmt="svg")
    assert first == bar_chart(LABELS, [1, 2, 3], "x", fmt="svg")
    assert b"<dc:date>" not in first


def test_stacked_chart_is_reproducible() -> None:
    series = [("Đã phản hồi", [3, 2]), ("Từ chối", [1, 0])]
    first = stacked_bar_chart(["Viettel", "VNPT"], series, "Văn bản")
    assert first == stacked_bar_chart(["Viettel", "VNPT"], series, "Văn bản")


def test_mismatched_lengths_are_refused() -> None:
    with pytest.raises(ValueError, match="differ in length"):
        bar_chart(["a", "b"], [1], "x")
    with pytest.raises(ValueError, match="has 1 values for 2 labels"):
        stacked_bar_chart(["a", "b"], [("s", [1])], "x")
