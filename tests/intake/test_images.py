"""Screenshots are checked by content, bombs refused, and their text and QR codes read."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from canhgiac.errors import ValidationFailed
from canhgiac.ingest import images

IN_CI = os.environ.get("CI", "").lower() == "true"
needs_ocr = pytest.mark.skipif(
    not images.ocr_available() and not IN_CI, reason="tesseract with Vietnamese data not installed"
)


@pytest.mark.parametrize(
    ("name", "fmt", "media_type"),
    [
        ("sms_screenshot.png", "PNG", "image/png"),
        ("zalo_screenshot.jpg", "JPEG", "image/jpeg"),
        ("sms_screenshot.webp", "WEBP", "image/webp"),
        ("qr_code.png", "PNG", "image/png"),
    ],
)
def test_real_images_pass(fixtures: Path, name: str, fmt: str, media_type: str) -> None:
    checked = images.check_image((fixtures / name).read_bytes(), name)
    assert checked.format == fmt and checked.media_type == media_type and checked.width > 0


@pytest.mark.parametrize(
    ("name", "reason"),
    [
        ("not_an_image.png", "không phải ảnh"),
        ("truncated.png", "bị hỏng"),
        ("bomb.png", "quá lớn"),
        ("animation.gif", "không phải ảnh"),
        ("binary.csv", "không phải ảnh"),
    ],
)
def test_bad_images_are_refused(fixtures: Path, name: str, reason: str) -> None:
    with pytest.raises(ValidationFailed) as err:
        images.check_image((fixtures / name).read_bytes(), name)
    assert reason in err.value.message and name in err.value.message


def test_oversized_upload_is_refused() -> None:
    data = b"\x89PNG\r\n\x1a\n" + b"\0" * images.MAX_IMAGE_BYTES
    with pytest.raises(ValidationFailed, match="5 MB"):
        images.check_image(data, "big.png")


def test_qr_code_is_decoded(fixtures: Path) -> None:
    assert images.qr_texts((fixtures / "qr_code.png").read_bytes()) == [
        "https://nhan-qua-tet.xyz/dang-nhap?ma=8821"
    ]
    assert images.qr_texts((fixtures / "sms_screenshot.png").read_bytes()) == []


def test_ocr_is_required_in_ci() -> None:
    if IN_CI:
        assert images.ocr_available(), "CI must install tesseract-ocr and tesseract-ocr-vie"


@needs_ocr
@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("sms_screenshot.png", ["tài khoản", "vcb-xacminh.top", "khóa"]),
        ("sms_screenshot.webp", ["vcb-xacminh.top", "xác minh"]),
        ("zalo_screenshot.jpg", ["trúng thưởng", "0912345678"]),
    ],
)
def test_ocr_reads_vietnamese(fixtures: Path, name: str, expected: list[str]) -> None:
    text = images.read_image_text((fixtures / name).read_bytes())
    for fragment in expected:
        assert fragment in text


def test_ocr_off_reads_nothing(fixtures: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(images, "ocr_available", lambda: False)
    assert images.ocr_text((fixtures / "sms_screenshot.png").read_bytes()) == ""
