"""Shared data of the actions tests."""

from __future__ import annotations

import hashlib
import re
import shutil
import subprocess
from pathlib import Path

import pytest

PHISHING_DOMAIN = "agribank-xacthuc.com"
EVIDENCE_FILES = {
    "anh-chup-trang-gia-mao.png": b"\x89PNG fake screenshot of the phishing page",
    "tin-nhan-sms.txt": (
        "Agribank: tài khoản của quý khách bị khóa, xác thực tại https://agribank-xacthuc.com"
    ).encode(),
}


def evidence_hashes() -> list[str]:
    """SHA-256 of each evidence file of the phishing case."""
    return [hashlib.sha256(d).hexdigest() for d in EVIDENCE_FILES.values()]


def pdf_pages(data: bytes, tmp_path: Path) -> int:
    """Page count of a PDF via poppler's pdfinfo; skip when poppler is absent."""
    if shutil.which("pdfinfo") is None:
        pytest.skip("pdfinfo (poppler-utils) is not installed")
    target = tmp_path / "pages.pdf"
    target.write_bytes(data)
    out = subprocess.run(["pdfinfo", str(target)], capture_output=True, check=True, text=True)
    match = re.search(r"^Pages:\s+(\d+)", out.stdout, re.MULTILINE)
    assert match, out.stdout
    return int(match.group(1))
