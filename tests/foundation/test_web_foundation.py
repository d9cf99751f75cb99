"""Login, CSRF, sessions, error formats, health, language, permissions at the HTTP boundary."""

from __future__ import annotations

from fastapi.testclient import TestClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from canhgiac.db.models import AuditEntry, User
from canhgiac.services import accounts
from tests.helpers import PASSWORD, csrf_from, login


def test_login_page_is_vietnamese(client: TestClient) -> None:
    page = client.get("/dang-nhap")
    assert page.status_code == 200
    assert 'lang="vi"' in page.text and "Đăng nhập" in page.text and "Mật khẩu" in page.text
    assert "Content-Security-Policy" in page.headers


def test_anonymous_is_sent_to_login(client: TestClient) -> None:
    response = client.get("/", follow_redirects=False)
    assert response.status_code == 303 and response.headers["location"].startswith("/dang-nhap")


def test_login_then_dashboard_shows_real_counts(client: TestClient, make_user) -> None:  # type: ignore[no-untyped-def]
    user = make_user("coordinator")
    login(client, user.email)
    page = client.get("/")
    assert page.status_code == 200
    assert "Tổng quan" in page.text and user.name in page.text


def test_wrong_password_is_refused_and_counted(
    client: TestClient, make_user, seeded: Session
) -> None:  # type: ignore[no-untyped-def]
    user = make_user("viewer")
    page = client.get("/dang-nhap")
    response = client.post(
        "/dang-nhap",
        data={
            "email": user.email,
            "password": "nope-nope-nope",
            "csrf_token": csrf_from(page.text),
        },
    )
    assert response.status_code == 401 and "không đúng" in response.text
    seeded.expire_all()
    assert seeded.get(User, user.id).failed_logins == 1  # type: ignore[union-attr]
    assert client.get("/", follow_redirects=False).status_code == 303


def test_missing_or_bad_csrf_is_refused(client: TestClient, make_user) -> None:  # type: ignore[no-untyped-def]
    user = make_user("viewer")
    client.get("/dang-nhap")
    for token in (None, "forged"):
        data = {"email": user.email, "password": PASSWORD}
        if token:
            data["csrf_token"] = token
        response = client.post("/dang-nhap", data=data, follow_redirects=False)
        assert response.status_code == 403 and "CSRF" in response.text
    assert client.get("/", follow_redirects=False).status_code == 303


def test_password_change_invalidates_other_sessions(app, make_user) -> None:  # type: ignore[no-untyped-def]
    user = make_user("investigator", "CA")
    with TestClient(app) as first, TestClient(app) as second:
        login(first, user.email)
        login(second, user.email)
        page = first.get("/tai-khoan/mat-khau")
        new = "mot-mat-khau-moi-456"
        response = first.post(
            "/tai-khoan/mat-khau",
            data={
                "current": PASSWORD,
                "new": new,
                "confirm": new,
                "csrf_token": csrf_from(page.text),
            },
            follow_redirects=False,
        )
        assert response.status_code == 303
        assert first.get("/", follow_redirects=False).status_code == 200
        assert second.get("/", follow_redirects=False).status_code == 303


def test_logout(client: TestClient, make_user) -> None:  # type: ignore[no-untyped-def]
    user = make_user("viewer")
    login(client, user.email)
    page = client.get("/")
    client.post("/dang-xuat", data={"csrf_token": csrf_from(page.text)})
    assert client.get("/", follow_redirects=False).status_code == 303


def test_api_errors_are_problem_json(client: TestClient) -> None:
    response = client.get("/api/v1/me")
    assert response.status_code == 401
    assert response.headers["content-type"].startswith("application/problem+json")
    body = response.json()
    assert body["status"] == 401 and body["title"] and body["detail"] and body["type"]
    missing = client.get("/api/v1/does-not-exist")
    assert missing.status_code == 404 and missing.json()["status"] == 404


def test_bearer_token_authenticates_api(client: TestClient, make_user, seeded: Session) -> None:  # type: ignore[no-untyped-def]
    user = make_user("investigator", "CA")
    secret, _ = accounts.create_token(seeded, None, user)
    seeded.commit()
    me = client.get("/api/v1/me", headers={"Authorization": f"Bearer {secret}"})
    assert me.status_code == 200 and me.json()["unit"] == "CA"
    bad = client.get("/api/v1/me", headers={"Authorization": "Bearer cg_wrong"})
    assert bad.status_code == 401 and bad.json()["type"].endswith("unauthenticated")
    units = client.get("/api/v1/units", headers={"Authorization": f"Bearer {secret}"}).json()
    assert {"code": "CA", "name": "Công an huyện", "kind": "police"} in units


def test_healthz_and_api_docs(client: TestClient) -> None:
    assert client.get("/healthz").json() == {"status": "ok"}
    docs = client.get("/api/docs")
    assert docs.status_code == 200 and "/api/v1/me" in docs.text
    assert "cdn" not in docs.text.lower()
    assert client.get("/api/openapi.json").json()["info"]["title"] == "Cảnh Giác API"


def test_english_is_switchable_per_user(client: TestClient, make_user, seeded: Session) -> None:  # type: ignore[no-untyped-def]
    user = make_user("viewer")
    login(client, user.email)
    page = client.get("/")
    client.post("/ngon-ngu", data={"lang": "en", "next": "/", "csrf_token": csrf_from(page.text)})
    seeded.expire_all()
    assert seeded.get(User, user.id).locale == "en"  # type: ignore[union-attr]
    english = client.get("/")
    assert 'lang="en"' in english.text and "Overview" in english.text


def test_login_is_audited_only_on_changes(client: TestClient, make_user, seeded: Session) -> None:  # type: ignore[no-untyped-def]
    make_user("viewer")
    before = seeded.scalar(select(func.count()).select_from(AuditEntry))
    client.get("/healthz")
    assert seeded.scalar(select(func.count()).select_from(AuditEntry)) == before


def test_main_menu_follows_role(client: TestClient, make_user) -> None:  # type: ignore[no-untyped-def]
    coordinator = make_user("coordinator")
    login(client, coordinator.email)
    page = client.get("/").text
    for path in ("/vu-viec", "/noi-dung", "/ke-hoach", "/van-ban-de-nghi"):
        assert f'href="{path}"' in page
    assert 'href="/quan-tri"' not in page
    client.cookies.clear()
    viewer = make_user("viewer")
    login(client, viewer.email)
    page = client.get("/").text
    assert 'href="/vu-viec"' in page and 'href="/noi-dung"' not in page
