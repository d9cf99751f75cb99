"""Typed request dependencies: database session, current user, permission checks, CSRF."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Annotated

from fastapi import Depends, Request
from sqlalchemy.orm import Session

from canhgiac.db.models import User
from canhgiac.errors import AuthenticationFailed, PermissionDenied
from canhgiac.i18n import N_
from canhgiac.services import accounts, permissions
from canhgiac.settings import Settings
from canhgiac.web.security import check_csrf


class LoginRequired(Exception):
    """A person must sign in first (the UI redirects to the login page)."""


def get_db(request: Request) -> Iterator[Session]:
    """A session per request; routes commit explicitly, anything uncommitted is rolled back."""
    session: Session = request.app.state.sessionmaker()
    try:
        yield session
    finally:
        # close() rolls back what was not committed but keeps loaded objects readable, so an
        # error page rendered after this can still show the signed-in user.
        session.close()


DbSession = Annotated[Session, Depends(get_db)]


async def get_settings_dep(request: Request) -> Settings:
    """The app's settings (async: no thread-pool hop for an attribute read)."""
    settings: Settings = request.app.state.settings
    return settings


AppSettings = Annotated[Settings, Depends(get_settings_dep)]


def _bearer(request: Request) -> str | None:
    header = request.headers.get("authorization", "")
    scheme, _, value = header.partition(" ")
    return value.strip() if scheme.lower() == "bearer" and value.strip() else None


def optional_user(request: Request, db: DbSession) -> User | None:
    """The signed-in user (session cookie or bearer token), or None."""
    user: User | None = None
    token = _bearer(request)
    if token is not None:
        api_token = accounts.token_for(db, token)
        user = api_token.user if api_token is not None else None
        if api_token is not None and not accounts.token_allows(
            api_token, request.method, request.url.path
        ):
            raise PermissionDenied(N_("Phạm vi của mã truy cập không cho phép thao tác này."))
        if user is None:
            raise AuthenticationFailed(
                N_("Mã truy cập không hợp lệ, đã hết hạn hoặc đã bị thu hồi.")
            )
        db.commit()  # records last_used_at
        request.state.auth = "token"
    elif "session" in request.scope and (user_id := request.session.get("user_id")):
        candidate = db.get(User, int(user_id))
        if candidate is not None and candidate.is_active:
            stamp = (
                candidate.password_changed_at.isoformat() if candidate.password_changed_at else ""
            )
            if request.session.get("pwd") == stamp:
                user = candidate
                request.state.auth = "session"
        if user is None:
            request.session.clear()
    request.state.user = user
    if user is not None and "lang" not in request.query_params:
        request.state.lang = user.locale
    return user


OptionalUser = Annotated[User | None, Depends(optional_user)]


def require_user(request: Request, user: OptionalUser) -> User:
    """The signed-in user; API callers get 401, people are sent to the login page."""
    if user is None:
        if request.url.path.startswith("/api/"):
            raise AuthenticationFailed(
                N_("Cần đăng nhập hoặc mã truy cập API (Authorization: Bearer).")
            )
        raise LoginRequired()
    return user


CurrentUser = Annotated[User, Depends(require_user)]


async def csrf_protect(request: Request) -> None:
    """CSRF check for cookie-authenticated, state-changing requests (bearer calls are exempt)."""
    if _bearer(request) is None:
        await check_csrf(request)


Csrf = Depends(csrf_protect)


def allowed(action: str) -> Callable[[User], User]:
    """A dependency that requires the current user to be allowed `action`."""

    def dependency(user: CurrentUser) -> User:
        return permissions.require(user, action)

    dependency.__name__ = f"allowed_{action.replace('.', '_')}"
    return dependency
