"""Splitting and merging cases through the API."""

from __future__ import annotations

from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from canhgiac.db.models import Case
from canhgiac.services import accounts, cases, routing, triage
from tests.cases.factories import make_item


def _auth(db: Session, user) -> dict[str, str]:  # type: ignore[no-untyped-def]
    secret, _ = accounts.create_token(db, None, user)
    db.commit()
    return {"Authorization": f"Bearer {secret}"}


def test_split_then_merge_back(client: TestClient, seeded: Session, make_user) -> None:  # type: ignore[no-untyped-def]
    routing.seed_defaults(seeded)
    investigator = make_user("investigator", "CA")
    first = make_item(
        seeded,
        "Lừa đảo nhận quà tại qua-tang.top",
        indicators=(("domain", "qua-tang.top"),),
        reports=("scam",),
    )
    second = make_item(
        seeded,
        "Nhận quà miễn phí qua-tang.top ngay",
        indicators=(("domain", "qua-tang.top"),),
        reports=("scam",),
    )
    case = triage.triage_item(seeded, first)
    assert case is not None and triage.triage_item(seeded, second) == case
    seeded.commit()
    auth = _auth(seeded, investigator)

    refused = client.post(
        f"/api/v1/cases/{case.ref}/split",
        json={"items": [first.id, second.id], "title": "x"},
        headers=auth,
    )
    assert refused.status_code == 422
    bad = client.post(
        f"/api/v1/cases/{case.ref}/split", json={"items": [], "title": "x"}, headers=auth
    )
    assert bad.status_code == 422

    split = client.post(
        f"/api/v1/cases/{case.ref}/split",
        json={"items": [second.id], "title": "Tách riêng", "reason": "khác nguồn"},
        headers=auth,
    )
    assert split.status_code == 201, split.text
    new_ref = split.json()["ref"]
    assert new_ref != case.ref
    seeded.expire_all()
    assert [i.id for i in cases.case_items(seeded, case)] == [first.id]

    body = {"into": case.ref, "reason": "trùng"}
    denied = client.post(f"/api/v1/cases/{new_ref}/merge", json=body, headers=auth)
    assert denied.status_code == 403  # merging is the coordinator's call
    coordinator = _auth(seeded, make_user("coordinator", "VHTT"))
    merged = client.post(f"/api/v1/cases/{new_ref}/merge", json=body, headers=coordinator)
    assert merged.status_code == 200, merged.text
    seeded.expire_all()
    duplicate = seeded.query(Case).filter_by(ref=new_ref).one()
    assert duplicate.merged_into_id == case.id
