"""Every route × every role (and anonymous), generated from the app's route table.

A route that is not in PUBLIC must refuse anonymous callers (401 for the API, a redirect to the
login page for the UI); no route answers 5xx to anyone. A new route without a rule here fails.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from canhgiac.services import accounts
from tests.hardening.route_table import ALL_ROLES, RouteCase, route_cases
from tests.helpers import csrf_from

# Routes anyone may call without signing in: the citizen-facing pages and API, login, health.
PUBLIC = frozenset({
    ("GET", "/healthz"),
    ("GET", "/api/docs"),
    ("GET", "/dang-nhap"),
    ("POST", "/dang-nhap"),
    ("POST", "/dang-xuat"),
    ("POST", "/ngon-ngu"),
    ("GET", "/bao-cao"),
    ("POST", "/bao-cao"),
    ("GET", "/bao-cao/tra-cuu"),
    ("GET", "/bao-cao/{tracking_code}"),
    ("GET", "/canh-bao"),
    ("GET", "/canh-bao/feed.xml"),
    ("GET", "/canh-bao/{slug}"),
    ("GET", "/canh-bao/{slug}/ap-phich.pdf"),
    ("GET", "/go-chan"),
    ("POST", "/go-chan"),
    ("GET", "/go-chan/da-nhan"),
    ("GET", "/minh-bach"),
    ("POST", "/api/v1/reports"),
    ("GET", "/api/v1/public/reports/{tracking_code}"),
})  # fmt: skip


@pytest.fixture
def client(app) -> Iterator[TestClient]:  # type: ignore[no-untyped-def]
    """A client that shows server errors as 500 answers instead of raising them."""
    with TestClient(app, raise_server_exceptions=False) as test_client:
        yield test_client


def _call(client: TestClient, case: RouteCase, headers: dict[str, str]) -> int:
    kwargs: dict[str, object] = {"headers": headers, "follow_redirects": False}
    if case.method in ("POST", "PUT", "PATCH"):
        kwargs["json" if case.is_api else "data"] = {}
    return client.request(case.method, case.url(), **kwargs).status_code  # type: ignore[arg-type]


def _anonymous_refused(client: TestClient, case: RouteCase, headers: dict[str, str]) -> str | None:
    response = client.request(
        case.method, case.url(), headers=headers, follow_redirects=False,
        **({"data": {}} if case.method == "POST" else {}),  # type: ignore[arg-type]
    )  # fmt: skip
    if response.status_code >= 500:
        return f"{case}: anonymous got {response.status_code}"
    if case.is_api:
        if response.status_code != 401:
            return f"{case}: anonymous got {response.status_code}, expected 401"
    elif response.status_code != 303 or not response.headers.get("location", "").startswith(
        "/dang-nhap"
    ):
        return f"{case}: anonymous got {response.status_code}, expected a redirect to /dang-nhap"
    return None


def test_public_set_names_only_existing_routes(app) -> None:  # type: ignore[no-untyped-def]
    existing = {(c.method, c.path) for c in route_cases(app)}
    assert PUBLIC - existing == set(), "PUBLIC lists routes that no longer exist"


def test_anonymous_is_refused_on_every_non_public_route(app, client: TestClient) -> None:  # type: ignore[no-untyped-def]
    problems = []
    for case in route_cases(app):
        # A valid CSRF token (fresh: logging out clears the session), so that the login check,
        # not the CSRF check, is what refuses a POST.
        token = csrf_from(client.get("/dang-nhap").text) if case.method == "POST" else ""
        if (case.method, case.path) in PUBLIC:
            status = _call(client, case, {"X-CSRF-Token": token})
            if status >= 500:
                problems.append(f"{case}: anonymous got {status}")
            continue
        problem = _anonymous_refused(client, case, {"X-CSRF-Token": token})
        if problem:
            problems.append(problem)
    assert problems == [], "\n".join(problems)


def test_no_route_answers_5xx_to_any_role(
    app, client: TestClient, make_user, seeded: Session
) -> None:  # type: ignore[no-untyped-def]
    problems = []
    for role in ALL_ROLES:
        user = make_user(role, "VHTT" if role in ("administrator", "coordinator") else "CA")
        secret, _ = accounts.create_token(seeded, None, user, name=f"matrix {role}")
        seeded.commit()
        headers = {"Authorization": f"Bearer {secret}"}
        for case in route_cases(app):
            if case.path in ("/dang-xuat", "/tai-khoan/mat-khau"):
                continue  # would end the session or need the current password; tested elsewhere
            status = _call(client, case, headers)
            if status >= 500:
                problems.append(f"{case}: {role} got {status}")
            if status == 401:
                problems.append(f"{case}: {role} with a valid token got 401")
    assert problems == [], "\n".join(problems)


def test_viewer_is_refused_on_administration_routes(
    app, client: TestClient, make_user, seeded: Session
) -> None:  # type: ignore[no-untyped-def]
    viewer = make_user("viewer", "CA")
    secret, _ = accounts.create_token(seeded, None, viewer, name="viewer")
    seeded.commit()
    headers = {"Authorization": f"Bearer {secret}"}
    admin_routes = [c for c in route_cases(app) if c.path.startswith("/quan-tri")]
    assert admin_routes, "no administration routes found"
    allowed = [(str(c), s) for c in admin_routes if (s := _call(client, c, headers)) < 400]
    assert allowed == []
