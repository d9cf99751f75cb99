"""The cases API with a bearer token: filters, detail, create, transition, assign, comment, errors."""

from __future__ import annotations

from fastapi.testclient import TestClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from canhgiac.db.models import Case
from canhgiac.services import accounts, routing, triage
from tests.cases.factories import make_item


def _token(db: Session, user) -> dict[str, str]:  # type: ignore[no-untyped-def]
    secret, _ = accounts.create_token(db, None, user)
    db.commit()
    return {"Authorization": f"Bearer {secret}"}


def test_cases_api_round_trip(client: TestClient, seeded: Session, make_user) -> None:  # type: ignore[no-untyped-def]
    routing.seed_defaults(seeded)
    investigator = make_user("investigator", "CA")
    colleague = make_user("investigator", "CA")
    commune_officer = make_user("unit_officer", "X-COBA")
    viewer = make_user("viewer", "CA")
    item = make_item(seeded, "Cảnh báo lừa đảo: nhận quà tặng tại qua-tang.top",
                     indicators=(("domain", "qua-tang.top"),), reports=("scam",))  # fmt: skip
    case = triage.triage_item(seeded, item)
    assert case is not None
    seeded.commit()
    auth = _token(seeded, investigator)

    listed = client.get(
        "/api/v1/cases", params={"q": "lua dao", "state": ["new"]}, headers=auth
    ).json()
    assert listed["total"] == 1 and listed["items"][0]["ref"] == case.ref
    assert listed["items"][0]["owner_unit"] == "CA" and listed["items"][0]["deadline_at"]
    assert (
        client.get("/api/v1/cases", params={"q": "khong co tu nay"}, headers=auth).json()["total"]
        == 0
    )
    bad = client.get("/api/v1/cases", params={"state": "flying"}, headers=auth)
    assert bad.status_code == 422

    detail = client.get(f"/api/v1/cases/{case.ref}", headers=auth).json()
    assert detail["indicators"] == [{"kind": "domain", "value": "qua-tang.top"}]
    assert "triaged" in detail["allowed_transitions"] and detail["events"][0]["kind"] == "created"

    hidden = client.get(f"/api/v1/cases/{case.ref}", headers=_token(seeded, commune_officer))
    assert hidden.status_code == 404
    assert client.get("/api/v1/cases", headers=_token(seeded, commune_officer)).json()["total"] == 0

    denied = client.post(f"/api/v1/cases/{case.ref}/transition", json={"to_state": "triaged"},
                         headers=_token(seeded, viewer))  # fmt: skip
    assert denied.status_code == 403 and denied.headers["content-type"].startswith(
        "application/problem+json"
    )

    moved = client.post(
        f"/api/v1/cases/{case.ref}/transition", json={"to_state": "triaged"}, headers=auth
    )
    assert moved.status_code == 200 and moved.json()["state"] == "triaged"
    conflict = client.post(
        f"/api/v1/cases/{case.ref}/transition", json={"to_state": "archived"}, headers=auth
    )
    assert conflict.status_code == 409
    no_basis = client.post(
        f"/api/v1/cases/{case.ref}/transition", json={"to_state": "acting"}, headers=auth
    )
    assert no_basis.status_code == 422 and no_basis.json()["field"] == "legal_basis"

    assigned = client.post(
        f"/api/v1/cases/{case.ref}/assign", json={"assignee": colleague.email}, headers=auth
    )
    assert assigned.json()["assignee"] == colleague.email
    said = client.post(
        f"/api/v1/cases/{case.ref}/comments", json={"body": "Đã liên hệ nhà mạng"}, headers=auth
    )
    assert said.status_code == 201 and said.json()["kind"] == "comment"

    created = client.post(
        "/api/v1/cases", json={"title": "Tin rác quảng cáo", "category": "spam"}, headers=auth
    )
    assert created.status_code == 201 and created.json()["owner_unit"] == "VHTT"
    invalid = client.post("/api/v1/cases", json={"title": "", "category": "spam"}, headers=auth)
    assert invalid.status_code == 422
    seeded.expire_all()
    assert seeded.scalar(select(func.count(Case.id))) == 2


def test_cases_api_needs_authentication_and_is_documented(client: TestClient) -> None:
    assert client.get("/api/v1/cases").status_code == 401
    schema = client.get("/api/openapi.json").json()
    assert {"/api/v1/cases", "/api/v1/cases/{ref}", "/api/v1/cases/{ref}/transition",
            "/api/v1/cases/{ref}/assign", "/api/v1/cases/{ref}/comments"} <= set(schema["paths"])  # fmt: skip
    ok = schema["paths"]["/api/v1/cases"]["get"]["responses"]["200"]["content"]["application/json"]
    assert ok["schema"]["$ref"].endswith("CaseList")
