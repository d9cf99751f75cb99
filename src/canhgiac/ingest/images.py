"""Screenshots: checked by content (magic bytes and a full decode), read by OCR and QR decoding."""

from __future__ import annotations

import io
import shutil
import subprocess
import tempfile
import threading
import time
import warnings
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from PIL import Image, ImageFile, UnidentifiedImageError

from canhgiac.errors import ValidationFailed
from canhgiac.i18n import N_

MAX_IMAGE_BYTES = 5 * 1024 * 1024
MAX_IMAGE_PIXELS = 40_000_000  # a 4K phone screenshot is ~9 Mpx; far beyond that is a bomb
Image.MAX_IMAGE_PIXELS = MAX_IMAGE_PIXELS
OCR_TIMEOUT_S = 20.0
OCR_LANGS = "vie+eng"
MEDIA_TYPES = {"PNG": "image/png", "JPEG": "image/jpeg", "WEBP": "image/webp"}


def sniff_image_type(data: bytes) -> str | None:
    """PNG, JPEG or WEBP from the magic bytes, else None."""
    if data.startswith(b"\x89PNG\r\n\x1a\n"):
        return "PNG"
    if data.startswith(b"\xff\xd8\xff"):
        return "JPEG"
    if len(data) >= 12 and data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return "WEBP"
    return None


@dataclass(frozen=True)
class CheckedImage:
    """An upload that is really a PNG/JPEG/WebP image of sane size."""

    data: bytes
    format: str
    media_type: str
    width: int
    height: int


def check_image(data: bytes, name: str = "") -> CheckedImage:
    """Accept a screenshot only if its bytes and a full decode agree; ValidationFailed otherwise."""
    label = name or N_("ảnh")
    if len(data) > MAX_IMAGE_BYTES:
        raise ValidationFailed(f"Ảnh '{label}' lớn hơn 5 MB.", field="screenshots")
    kind = sniff_image_type(data)
    if kind is None:
        raise ValidationFailed(
            f"Tệp '{label}' không phải ảnh PNG, JPEG hoặc WebP.", field="screenshots"
        )
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(io.BytesIO(data)) as img:
                if img.format != kind:
                    raise ValidationFailed(
                        f"Nội dung tệp '{label}' không khớp định dạng ảnh.", field="screenshots"
                    )
                width, height = img.size
                if width * height > MAX_IMAGE_PIXELS:
                    raise Image.DecompressionBombError("too many pixels")
                _strict_load(img)  # a full decode catches truncated and corrupt files
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise ValidationFailed(
            f"Ảnh '{label}' có kích thước điểm ảnh quá lớn (nghi là ảnh độc hại).",
            field="screenshots",
        ) from None
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError) as exc:
        raise ValidationFailed(
            f"Ảnh '{label}' bị hỏng hoặc không đọc được.", field="screenshots"
        ) from exc
    return CheckedImage(data, kind, MEDIA_TYPES[kind], width, height)


_strict_lock = threading.Lock()


def _strict_load(img: Image.Image) -> None:
    """Decode fully, refusing truncated data even if another library (WeasyPrint does, on import)
    switched Pillow to tolerate it process-wide."""
    with _strict_lock:
        previous = ImageFile.LOAD_TRUNCATED_IMAGES
        ImageFile.LOAD_TRUNCATED_IMAGES = False
        try:
            img.load()
        finally:
            ImageFile.LOAD_TRUNCATED_IMAGES = previous


@lru_cache(maxsize=1)
def _tesseract() -> str | None:
    return shutil.which("tesseract")


@lru_cache(maxsize=1)
def ocr_available() -> bool:
    """Whether the tesseract binary with Vietnamese data is installed."""
    exe = _tesseract()
    if exe is None:
        return False
    try:
        out = subprocess.run(  # noqa: S603 - fixed arguments, binary found on PATH
            [exe, "--list-langs"], capture_output=True, text=True, timeout=10, check=False
        )
    except (OSError, subprocess.TimeoutExpired):
        return False
    langs = {line.strip() for line in (out.stdout + out.stderr).splitlines()}
    return "vie" in langs


def ocr_text(data: bytes, timeout_s: float = OCR_TIMEOUT_S) -> str:
    """Text Tesseract reads in the image ('' when OCR is off, fails or runs out of time)."""
    exe = _tesseract()
    if exe is None or not ocr_available():
        return ""
    with tempfile.TemporaryDirectory(prefix="canhgiac-ocr-") as tmp:
        src = Path(tmp) / "image"
        src.write_bytes(_as_png(data))
        try:
            out = subprocess.run(  # noqa: S603 - fixed arguments, our own temp file
                [exe, str(src), "stdout", "-l", OCR_LANGS, "--psm", "3"],
                capture_output=True,
                timeout=max(1.0, timeout_s),
                check=False,
                env={"OMP_THREAD_LIMIT": "1", "PATH": "/usr/bin:/bin"},
            )
        except (OSError, subprocess.TimeoutExpired):
            return ""
    if out.returncode != 0:
        return ""
    lines = [line.strip() for line in out.stdout.decode("utf-8", "replace").splitlines()]
    return "\n".join(line for line in lines if line)


def _as_png(data: bytes) -> bytes:
    """Re-encode to PNG: Tesseract's WebP support depends on how leptonica was built."""
    with Image.open(io.BytesIO(data)) as img:
        buffer = io.BytesIO()
        img.convert("RGB").save(buffer, format="PNG")
        return buffer.getvalue()


def qr_texts(data: bytes) -> list[str]:
    """Texts of the QR codes (and other barcodes) in the image."""
    import zxingcpp

    try:
        with Image.open(io.BytesIO(data)) as img:
            results = zxingcpp.read_barcodes(img.convert("RGB"))
    except (OSError, ValueError, RuntimeError):
        return []
    return [r.text for r in results if r.text]


def read_image_text(data: bytes, deadline: float | None = None) -> str:
    """Everything readable in a screenshot: QR contents first, then OCR text, within `deadline`."""
    parts = [f"[QR] {text}" for text in qr_texts(data)]
    remaining = OCR_TIMEOUT_S if deadline is None else deadline - time.monotonic()
    if remaining > 1.0:
        text = ocr_text(data, timeout_s=min(OCR_TIMEOUT_S, remaining))
        if text:
            parts.append(text)
    return "\n".join(parts)
