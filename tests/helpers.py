"""Helpers for tests: sign in through the real form, read CSRF tokens."""

from __future__ import annotations

import re

from fastapi.testclient import TestClient

PASSWORD = "mat-khau-dung-123"


_CSRF_RE = re.compile(r'name="csrf_token" value="([^"]+)"')


def csrf_from(html: str) -> str:
    match = _CSRF_RE.search(html)
    assert match, "page has no CSRF token"
    return match.group(1)


def login(client: TestClient, email: str, password: str = PASSWORD) -> None:
    """Sign in through the real login form."""
    page = client.get("/dang-nhap")
    response = client.post(
        "/dang-nhap",
        data={"email": email, "password": password, "csrf_token": csrf_from(page.text)},
        follow_redirects=False,
    )
    assert response.status_code == 303, response.text
