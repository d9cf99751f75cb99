"""Administration pages: units and people are editable by administrators only."""

from __future__ import annotations

from fastapi.testclient import TestClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from canhgiac.db.models import Unit, User
from tests.helpers import csrf_from, login


def test_admin_adds_and_renames_units(client: TestClient, make_user, seeded: Session) -> None:  # type: ignore[no-untyped-def]
    admin = make_user("administrator")
    login(client, admin.email)
    page = client.get("/quan-tri")
    assert page.status_code == 200 and "Công an huyện" in page.text
    token = csrf_from(page.text)
    added = client.post(
        "/quan-tri/don-vi",
        data={"code": "x-moi", "name": "UBND xã Mới", "kind": "commune", "csrf_token": token},
        follow_redirects=False,
    )
    assert added.status_code == 303
    client.post("/quan-tri/don-vi/X-MOI", data={"name": "UBND xã Mới Lập", "csrf_token": token})
    seeded.expire_all()
    unit = seeded.scalar(select(Unit).where(Unit.code == "X-MOI"))
    assert unit is not None and unit.name == "UBND xã Mới Lập" and unit.kind == "commune"


def test_bad_unit_kind_shows_error_and_stores_nothing(
    client: TestClient, make_user, seeded: Session
) -> None:  # type: ignore[no-untyped-def]
    admin = make_user("administrator")
    login(client, admin.email)
    before = seeded.scalar(select(func.count()).select_from(Unit))
    token = csrf_from(client.get("/quan-tri").text)
    response = client.post(
        "/quan-tri/don-vi", data={"code": "ABC", "name": "X", "kind": "planet", "csrf_token": token}
    )
    assert response.status_code == 422 and "không hợp lệ" in response.text
    assert seeded.scalar(select(func.count()).select_from(Unit)) == before


def test_admin_creates_user_with_one_time_password(
    client: TestClient, make_user, seeded: Session
) -> None:  # type: ignore[no-untyped-def]
    admin = make_user("administrator")
    login(client, admin.email)
    token = csrf_from(client.get("/quan-tri").text)
    response = client.post(
        "/quan-tri/nguoi-dung",
        data={
            "email": "Moi@CA.vn",
            "name": "Cán bộ mới",
            "unit": "CA",
            "role": "investigator",
            "csrf_token": token,
        },
    )
    assert response.status_code == 200 and "moi@ca.vn" in response.text
    seeded.expire_all()
    assert seeded.scalar(select(User).where(User.email == "moi@ca.vn")) is not None
    unknown = client.post(
        "/quan-tri/nguoi-dung",
        data={
            "email": "x@ca.vn",
            "name": "X",
            "unit": "NOPE",
            "role": "viewer",
            "csrf_token": token,
        },
    )
    assert unknown.status_code == 422 and "NOPE" in unknown.text


def test_non_admin_roles_are_refused(client: TestClient, make_user) -> None:  # type: ignore[no-untyped-def]
    for role in ("coordinator", "investigator", "unit_officer", "viewer"):
        user = make_user(role)
        login(client, user.email)
        assert client.get("/quan-tri").status_code == 403
        client.cookies.clear()
