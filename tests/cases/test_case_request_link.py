"""The case page leads to drafting a take-down request for people allowed to draft one."""

from __future__ import annotations

from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from canhgiac.services import routing, triage
from tests.cases.factories import make_item
from tests.helpers import login


def test_request_link_only_for_drafters(client: TestClient, seeded: Session, make_user) -> None:  # type: ignore[no-untyped-def]
    routing.seed_defaults(seeded)
    item = make_item(
        seeded,
        "Lừa đảo tại qua-tang.top",
        indicators=(("domain", "qua-tang.top"),),
        reports=("scam",),
    )
    case = triage.triage_item(seeded, item)
    assert case is not None
    seeded.commit()
    link = f'href="/van-ban-de-nghi/moi?vu_viec={case.ref}"'
    login(client, make_user("investigator", "CA").email)
    assert link in client.get(f"/vu-viec/{case.ref}").text
    client.cookies.clear()
    login(client, make_user("viewer", "CA").email)
    page = client.get(f"/vu-viec/{case.ref}")
    assert page.status_code == 200 and link not in page.text
