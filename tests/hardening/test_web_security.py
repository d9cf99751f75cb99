"""Web security settings and mechanisms, checked over the whole route table where they apply."""

from __future__ import annotations

import time
from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine
from sqlalchemy.orm import Session

from canhgiac.errors import ValidationFailed
from canhgiac.services import accounts
from canhgiac.settings import Settings
from canhgiac.web.app import create_app
from tests.hardening.route_table import route_cases
from tests.hardening.test_permission_matrix import PUBLIC
from tests.helpers import PASSWORD, csrf_from, login

# State-changing routes that take no CSRF token, each with the reason it is safe.
CSRF_EXEMPT = {
    ("POST", "/api/v1/reports"): "anonymous JSON API for citizens' apps: no ambient authority",
}


@pytest.fixture
def client(app) -> Iterator[TestClient]:  # type: ignore[no-untyped-def]
    with TestClient(app, raise_server_exceptions=False) as test_client:
        yield test_client


def _app_with(settings: Settings, engine: Engine, **changes: object):  # type: ignore[no-untyped-def]
    from canhgiac.web.ui import auth

    auth.login_limiter.reset()
    return create_app(settings.model_copy(update=changes), engine)


def test_csp_and_safety_headers_on_every_page(app, client: TestClient, make_user) -> None:  # type: ignore[no-untyped-def]
    make_user("administrator", "VHTT", email="qt@vhtt.baolac.vn")
    login(client, "qt@vhtt.baolac.vn")
    missing = []
    for case in route_cases(app):
        if case.method != "GET":
            continue
        response = client.get(case.url(), follow_redirects=False)
        csp = response.headers.get("content-security-policy", "")
        if "script-src 'self'" not in csp and "default-src 'none'" not in csp:
            missing.append(f"{case}: {response.status_code} CSP={csp!r}")
        if response.headers.get("x-content-type-options") != "nosniff":
            missing.append(f"{case}: no nosniff")
        if "strict-transport-security" in response.headers:
            missing.append(f"{case}: HSTS sent although settings.hsts is off")
    assert missing == []


def test_hsts_and_secure_cookies_when_configured(
    settings: Settings, engine: Engine, make_user
) -> None:  # type: ignore[no-untyped-def]
    make_user("viewer", "CA", email="xem@ca.baolac.vn")
    secure = _app_with(settings, engine, hsts=True, secure_cookies=True)
    with TestClient(secure, base_url="https://testserver") as https:
        page = https.get("/dang-nhap")
        assert page.headers["strict-transport-security"].startswith("max-age=")
        cookie = page.headers["set-cookie"].lower()
        assert "secure" in cookie and "httponly" in cookie and "samesite=lax" in cookie
    plain = _app_with(settings, engine)
    with TestClient(plain) as http:
        page = http.get("/dang-nhap")
        assert "strict-transport-security" not in page.headers
        assert "secure" not in page.headers["set-cookie"].lower().replace("samesite", "")


def test_every_state_changing_route_needs_a_csrf_token(app, client: TestClient, make_user) -> None:  # type: ignore[no-untyped-def]
    make_user("administrator", "VHTT", email="qt@vhtt.baolac.vn")
    from canhgiac.web.ui import auth

    unprotected = []
    login(client, "qt@vhtt.baolac.vn")  # a cookie session: the ambient authority CSRF abuses
    for case in route_cases(app):
        if case.method in ("GET", "HEAD", "OPTIONS") or (case.method, case.path) in CSRF_EXEMPT:
            continue
        kwargs = {"json": {}} if case.is_api else {"data": {"x": "1"}}
        response = client.request(case.method, case.url(), follow_redirects=False, **kwargs)  # type: ignore[arg-type]
        if response.status_code != 403:
            unprotected.append(f"{case}: {response.status_code} without a CSRF token")
            auth.login_limiter.reset()
            login(client, "qt@vhtt.baolac.vn")  # the request may have ended the session
    assert unprotected == []


def test_csrf_exemptions_are_public_routes() -> None:
    assert set(CSRF_EXEMPT) <= PUBLIC


def test_session_expires(settings: Settings, engine: Engine, make_user) -> None:  # type: ignore[no-untyped-def]
    make_user("viewer", "CA", email="xem@ca.baolac.vn")
    short = _app_with(settings, engine, session_max_age_s=1)
    with TestClient(short) as client:
        login(client, "xem@ca.baolac.vn")
        assert client.get("/", follow_redirects=False).status_code == 200
        time.sleep(2.2)
        after = client.get("/", follow_redirects=False)
        assert after.status_code == 303 and after.headers["location"].startswith("/dang-nhap")


def test_account_locks_after_repeated_failures(
    client: TestClient, make_user, seeded: Session, settings: Settings
) -> None:  # type: ignore[no-untyped-def]
    make_user("viewer", "CA", email="xem@ca.baolac.vn")
    for _ in range(settings.login_max_failures):
        page = client.get("/dang-nhap")
        bad = client.post("/dang-nhap", data={"email": "xem@ca.baolac.vn", "password": "sai-mat-khau-1",
                                              "csrf_token": csrf_from(page.text)})  # fmt: skip
        assert bad.status_code == 401
    page = client.get("/dang-nhap")
    right = client.post("/dang-nhap", data={"email": "xem@ca.baolac.vn", "password": PASSWORD,
                                            "csrf_token": csrf_from(page.text)},
                        follow_redirects=False)  # fmt: skip
    assert right.status_code == 401 and "khóa" in right.text


def test_login_attempts_are_rate_limited_per_address(client: TestClient) -> None:
    statuses = []
    for i in range(14):
        page = client.get("/dang-nhap")
        statuses.append(client.post("/dang-nhap", data={
            "email": f"khong-co-{i}@x.vn", "password": "sai-mat-khau-1",
            "csrf_token": csrf_from(page.text)}).status_code)  # fmt: skip
    assert 429 in statuses and statuses[0] == 401


def test_tipline_api_is_rate_limited_per_address(client: TestClient) -> None:
    statuses = [client.post("/api/v1/reports", json={"category": "spam", "content": f"tin rác {i}"}).status_code
                for i in range(25)]  # fmt: skip
    assert statuses[0] == 201 and statuses[-1] == 429


@pytest.mark.parametrize("password", ["ngan", "aaaaaaaaaaaaaa", "abababababab", "121212121212"])
def test_password_policy_refuses_weak_passwords(password: str) -> None:
    with pytest.raises(ValidationFailed):
        accounts.check_password_policy(password)


def test_password_policy_accepts_a_reasonable_passphrase() -> None:
    accounts.check_password_policy("mot-cau-mat-khau-dai")


def test_revoked_or_expired_token_is_refused(
    client: TestClient, make_user, seeded: Session
) -> None:  # type: ignore[no-untyped-def]
    user = make_user("viewer", "CA")
    secret, token = accounts.create_token(seeded, None, user, name="t")
    seeded.commit()
    assert (
        client.get("/api/v1/me", headers={"Authorization": f"Bearer {secret}"}).status_code == 200
    )
    accounts.revoke_token(seeded, None, token.id)
    seeded.commit()
    assert (
        client.get("/api/v1/me", headers={"Authorization": f"Bearer {secret}"}).status_code == 401
    )
    assert (
        client.get("/api/v1/me", headers={"Authorization": "Bearer cg_khong-co"}).status_code == 401
    )


def test_read_only_token_cannot_change_anything(
    client: TestClient, make_user, seeded: Session
) -> None:  # type: ignore[no-untyped-def]
    user = make_user("administrator", "VHTT")
    secret, _ = accounts.create_token(seeded, None, user, name="chỉ đọc", scopes="read")
    seeded.commit()
    response = client.post("/api/v1/cases", headers={"Authorization": f"Bearer {secret}"},
                           json={"title": "thử phạm vi"})  # fmt: skip
    assert response.status_code == 403
    reading = client.get("/api/v1/me", headers={"Authorization": f"Bearer {secret}"})
    assert reading.status_code == 200
