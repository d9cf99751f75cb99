"""Disk full on the evidence store: acknowledged reports are complete, the rest refused, nothing partial.

Needs root to mount a 1 MiB tmpfs on the evidence directory; skipped (with the reason) otherwise.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from canhgiac.db.models import Evidence, Item, Report
from canhgiac.ingest.evidence import EvidenceStore, sha256_hex
from canhgiac.settings import Settings
from tests.helpers import csrf_from

NOISE_PNG_BYTES = 60_000


@pytest.fixture
def full_disk(settings: Settings) -> Iterator[None]:
    if os.geteuid() != 0 or shutil.which("mount") is None:
        pytest.skip("needs root to mount a tiny tmpfs on the evidence store")
    settings.evidence_dir.mkdir(parents=True, exist_ok=True)
    mounted = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", "size=1m", "tmpfs", str(settings.evidence_dir)],
        capture_output=True, text=True, check=False,
    )  # fmt: skip
    if mounted.returncode != 0:
        pytest.skip(f"cannot mount tmpfs here: {mounted.stderr.strip()}")
    yield
    subprocess.run(["umount", str(settings.evidence_dir)], check=False)


@pytest.fixture
def client(app, full_disk: None) -> Iterator[TestClient]:  # type: ignore[no-untyped-def]
    from canhgiac.web.api import reports

    reports.per_ip_limiter.reset()
    with TestClient(app, raise_server_exceptions=False) as test_client:
        yield test_client


def _noise_png(seed: int) -> bytes:
    from io import BytesIO

    from PIL import Image

    image = Image.frombytes("RGB", (140, 140), os.urandom(140 * 140 * 3) if seed >= 0 else b"")
    buffer = BytesIO()
    image.save(buffer, format="PNG")
    return buffer.getvalue()


def test_full_evidence_store_refuses_cleanly_and_keeps_acknowledged_reports_whole(
    client: TestClient, seeded: Session, settings: Settings
) -> None:
    from canhgiac.web.api import reports

    acked: list[str] = []
    statuses: dict[int, int] = {}
    for i in range(400):
        reports.per_ip_limiter.reset()  # many citizens, one test client address
        response = client.post(
            "/api/v1/reports",
            json={"category": "scam", "content": f"Tin nhắn lừa đảo số {i}: chuyển {i} triệu " * 8},
        )
        statuses[response.status_code] = statuses.get(response.status_code, 0) + 1
        if response.status_code == 201:
            acked.append(response.json()["tracking_code"])
        else:
            assert response.status_code == 507, response.text
            assert response.headers["content-type"].startswith("application/problem+json")
            assert "kho lưu trữ đầy" in response.json()["detail"]
    assert statuses.get(507), f"the 1 MiB store never filled: {statuses}"
    print(f"disk full: {statuses}")
    # The citizen form with a screenshot, once the disk is full: refused, nothing kept.
    page = client.get("/bao-cao")
    form = client.post("/bao-cao", data={"category": "scam", "content": "Ảnh lừa đảo mới",
                                         "csrf_token": csrf_from(page.text)},
                       files=[("screenshots", ("a.png", _noise_png(1), "image/png"))],
                       follow_redirects=False)  # fmt: skip
    assert form.status_code >= 500 and form.status_code != 303
    seeded.expire_all()
    stored = list(seeded.scalars(select(Report.tracking_code)))
    assert sorted(stored) == sorted(acked), (
        "a refused report was stored, or an acknowledged one lost"
    )
    assert seeded.scalar(select(func.count(Item.id))) == len(acked)
    store = EvidenceStore(settings.evidence_dir)
    for evidence in seeded.scalars(select(Evidence)):
        assert sha256_hex(store.open(evidence.blob_sha256)) == evidence.blob_sha256
    assert seeded.scalar(select(func.count(Evidence.id))) == len(acked)  # one raw report each
    assert not [p for p in settings.evidence_dir.rglob(".tmp-*")], "a torn temporary file was left"
