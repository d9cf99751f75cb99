"""The plan API with bearer tokens: read endpoints, activity creation, progress submission."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from canhgiac.db.models import Activity, ProgressReport
from canhgiac.services import accounts
from tests.plan.plan_data import load_known_data


def _token(session: Session, user) -> dict[str, str]:  # type: ignore[no-untyped-def]
    secret, _ = accounts.create_token(session, None, user, name="test")
    session.commit()
    return {"Authorization": f"Bearer {secret}"}


@pytest.fixture
def known(seeded: Session) -> Session:
    load_known_data(seeded)
    return seeded


def test_read_endpoints(client: TestClient, make_user, known: Session) -> None:  # type: ignore[no-untyped-def]
    headers = _token(known, make_user("viewer", "CA"))
    plans = client.get("/api/v1/plan", headers=headers).json()
    assert plans[0]["code"] == "KH-BAOLAC-2023" and plans[0]["tasks"] == 619
    tasks = client.get("/api/v1/plan/tasks?unit=CA", headers=headers).json()
    assert len(tasks) == 12 and {t["duty"] for t in tasks} == {"CA-1"}
    assert (
        client.get(f"/api/v1/plan/tasks/{tasks[0]['id']}", headers=headers).json()["unit"] == "CA"
    )
    figures = client.get("/api/v1/plan/figures?period=2023-Q2", headers=headers).json()
    assert figures["reports_by_category"] == {"scam": 2, "phishing": 1, "spam": 1}
    assert figures["overdue_cases"] == 2 and figures["period"]["label"] == "Quý II năm 2023"
    acts = client.get(
        "/api/v1/plan/activities?period=2023-Q2&commune=X-COBA", headers=headers
    ).json()
    assert [(a["kind"], a["attendance"]) for a in acts] == [
        ("campaign", 300),
        ("training", 60),
        ("training", 40),
    ]
    lines = client.get("/api/v1/plan/budget", headers=headers).json()
    assert sum(b["planned_vnd"] for b in lines) == 70_000_000
    yaml_text = client.get("/api/v1/plan/export", headers=headers)
    assert yaml_text.status_code == 200 and "KH-BAOLAC-2023" in yaml_text.text
    bad = client.get("/api/v1/plan/figures?period=Q2-2023", headers=headers)
    assert bad.status_code == 422 and bad.headers["content-type"].startswith(
        "application/problem+json"
    )
    assert client.get("/api/v1/plan/tasks").status_code == 401


def test_activity_create_and_permissions(client: TestClient, make_user, known: Session) -> None:  # type: ignore[no-untyped-def]
    before = known.scalar(select(func.count(Activity.id)))
    body = {"kind": "training", "title": "Tập huấn cho học sinh", "held_on": "2023-10-02",
            "organiser": "X-COBA", "commune": "X-COBA", "audience": "students", "attendance": 120}  # fmt: skip
    officer = _token(known, make_user("unit_officer", "X-COBA"))
    made = client.post("/api/v1/plan/activities", json=body, headers=officer)
    assert made.status_code == 201 and made.json()["attendance"] == 120
    other_unit = client.post(
        "/api/v1/plan/activities", json={**body, "organiser": "CA"}, headers=officer
    )
    assert other_unit.status_code == 403
    bad = client.post(
        "/api/v1/plan/activities", json={**body, "channels": ["fax"]}, headers=officer
    )
    assert bad.status_code == 422
    viewer = _token(known, make_user("viewer", "X-COBA"))
    assert client.post("/api/v1/plan/activities", json=body, headers=viewer).status_code == 403
    known.expire_all()
    assert known.scalar(select(func.count(Activity.id))) == before + 1


def test_progress_submit_own_unit_only(client: TestClient, make_user, known: Session) -> None:  # type: ignore[no-untyped-def]
    officer = _token(known, make_user("unit_officer", "CA"))
    sent = client.post("/api/v1/plan/progress-reports", headers=officer,
                       json={"unit": "CA", "period": "2023-Q2", "narrative": "Hoàn thành."})  # fmt: skip
    assert sent.status_code == 201, sent.text
    out = sent.json()
    assert out["state"] == "submitted" and out["figures"]["cases_opened"] == 3
    assert out["figures"]["requests_answered"] == 2 and out["due_on"] == "2023-07-05"
    again = client.post("/api/v1/plan/progress-reports", headers=officer,
                        json={"unit": "CA", "period": "2023-Q2"})  # fmt: skip
    assert again.status_code == 409
    other = client.post("/api/v1/plan/progress-reports", headers=officer,
                        json={"unit": "VHTT", "period": "2023-Q2"})  # fmt: skip
    assert other.status_code == 403
    listed = client.get("/api/v1/plan/progress-reports", headers=officer).json()
    assert [r["unit"] for r in listed] == ["CA"]
    known.expire_all()
    assert known.scalar(select(func.count(ProgressReport.id))) == 1
