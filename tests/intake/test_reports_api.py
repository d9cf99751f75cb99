"""POST /api/v1/reports and GET /api/v1/public/reports/{code}: the contract other tools rely on."""

from __future__ import annotations

import json

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from canhgiac.db.models import Item, Report

BODY = {
    "category": "scam",
    "content": "Chúc mừng bạn trúng iPhone, bấm http://qua-tang.top để nhận",
    "urls": ["http://qua-tang.top"],
    "phones": ["0912345678"],
    "contact": {},
    "commune": "X-COBA",
}


def _reports(db: Session) -> int:
    db.expire_all()
    return int(db.scalar(select(func.count()).select_from(Report)) or 0)


def test_file_and_follow_a_report(client: TestClient, seeded: Session) -> None:
    response = client.post("/api/v1/reports", json=BODY)
    assert response.status_code == 201, response.text
    body = response.json()
    code = body["tracking_code"]
    assert body["status_url"].endswith(f"/bao-cao/{code}")
    assert _reports(seeded) == 1  # committed before the answer
    status = client.get(f"/api/v1/public/reports/{code}")
    assert status.status_code == 200
    assert status.json()["state"] == "received" and status.json()["tracking_code"] == code
    assert set(status.json()) >= {"tracking_code", "state", "updated_at"}
    assert "0912345678" not in status.text


def test_unknown_code_is_404_problem(client: TestClient) -> None:
    response = client.get("/api/v1/public/reports/CG-0000-0000")
    assert response.status_code == 404
    assert response.headers["content-type"].startswith("application/problem+json")


def test_idempotency_key(client: TestClient, seeded: Session) -> None:
    headers = {"Idempotency-Key": "b1c6e3a0-retry"}
    first = client.post("/api/v1/reports", json=BODY, headers=headers)
    again = client.post("/api/v1/reports", json=BODY, headers=headers)
    assert first.status_code == 201 and again.status_code == 200
    assert first.json()["tracking_code"] == again.json()["tracking_code"]
    other = client.post("/api/v1/reports", json=BODY | {"content": "khác"}, headers=headers)
    assert other.status_code == 409
    assert other.headers["content-type"].startswith("application/problem+json")
    assert _reports(seeded) == 1


def test_honeypot_pretends_and_stores_nothing(client: TestClient, seeded: Session) -> None:
    response = client.post("/api/v1/reports", json=BODY | {"website": "http://spam.example"})
    assert response.status_code == 201 and response.json()["tracking_code"].startswith("CG-")
    assert _reports(seeded) == 0


@pytest.mark.parametrize(
    ("body", "status"),
    [
        (b"{not json", 422),
        (b"[]", 422),
        (json.dumps(BODY | {"category": "weather"}).encode(), 422),
        (json.dumps(BODY | {"urls": "http://a.vn"}).encode(), 422),
        (json.dumps(BODY | {"phones": [1, 2]}).encode(), 422),
        (json.dumps(BODY | {"content": 12}).encode(), 422),
        (json.dumps(BODY | {"urls": [f"http://a{i}.vn" for i in range(21)]}).encode(), 422),
        (json.dumps(BODY | {"content": "x" * 10_001}).encode(), 422),
        (json.dumps(BODY | {"content": "x" * 10_000_000}).encode(), 413),
        (json.dumps(BODY | {"contact": {"address": "x"}}).encode(), 422),
        (json.dumps(BODY | {"commune": "NOWHERE"}).encode(), 422),
        (json.dumps(BODY | {"extra": 1}).encode(), 422),
        (json.dumps({"category": "scam"}).encode(), 422),
    ],
    ids=[
        "bad-json",
        "array",
        "category",
        "urls-type",
        "phones-type",
        "content-type",
        "21-urls",
        "long-content",
        "10MB",
        "contact-field",
        "commune",
        "unknown-field",
        "empty",
    ],
)
def test_malformed_input_is_a_problem_and_stores_nothing(
    client: TestClient, seeded: Session, body: bytes, status: int
) -> None:
    response = client.post(
        "/api/v1/reports", content=body, headers={"content-type": "application/json"}
    )
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    assert response.json()["detail"]
    assert _reports(seeded) == 0
    assert seeded.scalar(select(func.count()).select_from(Item)) == 0


def test_per_address_rate_limit(client: TestClient) -> None:
    codes = []
    for i in range(25):
        response = client.post("/api/v1/reports", json=BODY | {"content": f"Tin nhắn số {i}"})
        codes.append(response.status_code)
        if response.status_code == 429:
            assert int(response.headers["retry-after"]) >= 1
            assert response.headers["content-type"].startswith("application/problem+json")
            break
    assert codes.count(201) == 20 and codes[-1] == 429


def test_contact_is_stored_with_its_expiry(client: TestClient, seeded: Session) -> None:
    response = client.post("/api/v1/reports", json=BODY | {"contact": {"phone": "0987000111"}})
    assert response.status_code == 201
    seeded.expire_all()
    report = seeded.scalar(select(Report))
    assert report is not None and report.contact == {"phone": "0987000111"}
    assert report.contact_consent and report.contact_expires_at is not None
