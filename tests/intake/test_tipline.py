"""The public tipline form: no account, no JavaScript, CSRF, screenshots, honeypot, status page."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from canhgiac.db.models import Evidence, Item, Report
from canhgiac.ingest import images
from canhgiac.ingest.evidence import EvidenceStore
from canhgiac.services import filing
from tests.helpers import csrf_from


def _form(client: TestClient) -> tuple[str, str]:
    page = client.get("/bao-cao")
    assert page.status_code == 200
    nonce = re.search(r'name="idempotency_key" value="([^"]+)"', page.text)
    assert nonce
    return csrf_from(page.text), nonce.group(1)


def _count(db: Session, model: type) -> int:
    db.expire_all()
    return int(db.scalar(select(func.count()).select_from(model)) or 0)


def test_form_is_accessible_and_vietnamese(client: TestClient) -> None:
    page = client.get("/bao-cao").text
    for label in ("Lừa đảo", "Trang/đường link giả mạo", "Tin nhắn/cuộc gọi rác", "Tin sai sự thật",
                  "Tài khoản bị chiếm đoạt", "Lộ lọt dữ liệu", "Mã độc", "Khác"):  # fmt: skip
        assert label in page
    for field in ("category", "content", "urls", "phones", "commune", "screenshots",
                  "contact_name", "contact_phone", "contact_email"):  # fmt: skip
        assert f'<label for="{field}"' in page and f'id="{field}"' in page
    assert 'aria-hidden="true"' in page and 'tabindex="-1"' in page  # honeypot out of reach
    assert "<script" not in page.split("<main", 1)[1]  # the form needs no JavaScript
    assert "được xóa sau 365 ngày" in page
    assert "Xã" in page and "X-COBA" in page


def test_english(client: TestClient) -> None:
    page = client.get("/bao-cao?lang=en")
    assert page.status_code == 200 and 'lang="en"' in page.text


def test_file_a_report_with_screenshots_and_follow_it(
    client: TestClient, seeded: Session, fixtures: Path, app_store: EvidenceStore
) -> None:
    csrf, nonce = _form(client)
    files = [
        ("screenshots", ("sms.png", (fixtures / "sms_screenshot.png").read_bytes(), "image/png")),
        ("screenshots", ("qr.png", (fixtures / "qr_code.png").read_bytes(), "image/png")),
    ]
    response = client.post(
        "/bao-cao",
        data={"csrf_token": csrf, "idempotency_key": nonce, "category": "phishing",
              "content": "Tôi nhận được tin nhắn này", "urls": "http://vcb-xacminh.top\n",
              "phones": "0912345678, 0987654321", "commune": "X-COBA", "website": ""},
        files=files, follow_redirects=False,
    )  # fmt: skip
    assert response.status_code == 303, response.text
    location = response.headers["location"]
    code = location.split("/")[-1].split("?")[0]
    page = client.get(location)
    assert code in page.text and "Đã tiếp nhận" in page.text and f"/bao-cao/{code}" in page.text
    report = seeded.scalar(select(Report).where(Report.tracking_code == code))
    assert report is not None and report.phones == ["0912345678", "0987654321"]
    assert report.contact is None  # anonymous by default
    shots = seeded.scalars(select(Evidence).where(Evidence.kind == "screenshot")).all()
    assert len(shots) == 2 and all(app_store.exists(s.blob_sha256) for s in shots)
    qr = next(s for s in shots if s.name == "qr.png")
    assert qr.extracted_text and "nhan-qua-tet.xyz" in qr.extracted_text
    item = seeded.get(Item, report.item_id)
    assert item is not None and "[Văn bản trong ảnh]" in item.content
    assert "nhan-qua-tet.xyz" in item.content
    if images.ocr_available():
        assert "vcb-xacminh.top" in (
            next(s for s in shots if s.name == "sms.png").extracted_text or ""
        )
    # Sending the same form twice (a double tap) files it once.
    again = client.post(
        "/bao-cao",
        data={"csrf_token": csrf, "idempotency_key": nonce, "category": "phishing",
              "content": "Tôi nhận được tin nhắn này", "urls": "http://vcb-xacminh.top\n",
              "phones": "0912345678, 0987654321", "commune": "X-COBA"},
        files=files, follow_redirects=False,
    )  # fmt: skip
    assert again.status_code == 303 and again.headers["location"] == location
    assert _count(seeded, Report) == 1


@pytest.mark.parametrize(
    ("upload", "message"),
    [("not_an_image.png", "không phải ảnh"), ("bomb.png", "quá lớn"), ("truncated.png", "bị hỏng")],
)
def test_bad_screenshots_store_nothing(
    client: TestClient, seeded: Session, fixtures: Path, upload: str, message: str
) -> None:
    csrf, nonce = _form(client)
    response = client.post(
        "/bao-cao",
        data={"csrf_token": csrf, "idempotency_key": nonce, "category": "scam",
              "content": "Tin lừa đảo"},
        files=[("screenshots", (upload, (fixtures / upload).read_bytes(), "image/png"))],
    )  # fmt: skip
    assert response.status_code == 422 and message in response.text
    assert "Tin lừa đảo" in response.text  # what the person typed is kept
    assert _count(seeded, Report) == 0 and _count(seeded, Item) == 0
    assert _count(seeded, Evidence) == 0


def test_six_screenshots_are_too_many(client: TestClient, seeded: Session, fixtures: Path) -> None:
    csrf, nonce = _form(client)
    shot = (fixtures / "qr_code.png").read_bytes()
    response = client.post(
        "/bao-cao",
        data={"csrf_token": csrf, "idempotency_key": nonce, "category": "scam", "content": "x"},
        files=[("screenshots", (f"{i}.png", shot, "image/png")) for i in range(6)],
    )
    assert response.status_code == 422 and "Tối đa 5" in response.text
    assert _count(seeded, Report) == 0


def test_contact_needs_consent(client: TestClient, seeded: Session) -> None:
    csrf, nonce = _form(client)
    data = {"csrf_token": csrf, "idempotency_key": nonce, "category": "scam",
            "content": "Tin lừa đảo", "contact_phone": "0987000111"}  # fmt: skip
    refused = client.post("/bao-cao", data=data)
    assert refused.status_code == 422 and "đồng ý" in refused.text
    assert _count(seeded, Report) == 0
    accepted = client.post("/bao-cao", data=data | {"consent": "yes"}, follow_redirects=False)
    assert accepted.status_code == 303
    report = seeded.scalar(select(Report))
    assert report is not None and report.contact == {"phone": "0987000111"}
    assert report.contact_expires_at is not None
    status = client.get(accepted.headers["location"])
    assert "0987000111" not in status.text


def test_honeypot_pretends_and_stores_nothing(client: TestClient, seeded: Session) -> None:
    csrf, nonce = _form(client)
    response = client.post(
        "/bao-cao",
        data={"csrf_token": csrf, "idempotency_key": nonce, "category": "scam",
              "content": "mua thuốc giá rẻ", "website": "http://bot.example"},
    )  # fmt: skip
    assert response.status_code == 200 and "Đã tiếp nhận" in response.text
    assert _count(seeded, Report) == 0 and _count(seeded, Item) == 0


def test_csrf_is_required(client: TestClient, seeded: Session) -> None:
    client.get("/bao-cao")
    response = client.post("/bao-cao", data={"category": "scam", "content": "x"})
    assert response.status_code == 403
    assert _count(seeded, Report) == 0


def test_status_page_shows_public_outcome_only(client: TestClient, seeded: Session) -> None:
    report = filing.submit_report(seeded, category="scam", content="Nội dung gốc bí mật",
                                  urls=[], phones=[], contact=None, commune=None)  # fmt: skip
    report.public_state = "resolved"
    report.public_outcome = "Đã đề nghị chặn tên miền."
    seeded.commit()
    page = client.get(f"/bao-cao/{report.tracking_code.lower()}")
    assert page.status_code == 200
    assert "Đã xử lý xong" in page.text and "Đã đề nghị chặn tên miền." in page.text
    assert "Nội dung gốc bí mật" not in page.text
    assert client.get("/bao-cao/CG-0000-0000").status_code == 404
    lookup = client.get(f"/bao-cao/tra-cuu?ma={report.tracking_code}", follow_redirects=False)
    assert lookup.status_code == 303 and lookup.headers["location"].endswith(report.tracking_code)
    assert client.get("/bao-cao/tra-cuu?ma=abc").status_code == 422


def test_ocr_notice(client: TestClient, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(images, "ocr_available", lambda: False)
    assert "OCR) đang tắt" in client.get("/bao-cao").text
