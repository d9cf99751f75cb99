"""Sign in, sign out, password change, language switch."""

from __future__ import annotations

from datetime import timedelta
from typing import Annotated
from urllib.parse import urlparse

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from canhgiac.errors import AuthenticationFailed, RateLimited, ValidationFailed
from canhgiac.i18n import LANGUAGES, N_
from canhgiac.services import accounts
from canhgiac.web.deps import AppSettings, CurrentUser, DbSession, OptionalUser, csrf_protect
from canhgiac.web.security import RateLimiter, client_ip
from canhgiac.web.templating import render

router = APIRouter(include_in_schema=False)
login_limiter = RateLimiter(rate_per_s=0.2, burst=10)


def _safe_next(target: str | None) -> str:
    """Only same-site relative paths are followed after login."""
    if not target:
        return "/"
    parsed = urlparse(target)
    if parsed.scheme or parsed.netloc or not target.startswith("/") or target.startswith("//"):
        return "/"
    return target


@router.get("/dang-nhap", response_class=HTMLResponse)
def login_form(request: Request, user: OptionalUser, next: str = "/") -> Response:
    if user is not None:
        return RedirectResponse(_safe_next(next), status_code=303)
    return render(request, "login.html", {"next": _safe_next(next)})


@router.post("/dang-nhap", dependencies=[Depends(csrf_protect)])
def login(
    request: Request,
    db: DbSession,
    settings: AppSettings,
    email: Annotated[str, Form(max_length=255)],
    password: Annotated[str, Form(max_length=1024)],
    next: Annotated[str, Form(max_length=2048)] = "/",
) -> Response:
    try:
        login_limiter.hit(client_ip(request))
        user = accounts.authenticate(
            db,
            email,
            password,
            max_failures=settings.login_max_failures,
            lockout=timedelta(seconds=settings.login_lockout_s),
        )
    except (AuthenticationFailed, RateLimited) as exc:
        db.commit()  # keep the failure count and lock-out
        status = 429 if isinstance(exc, RateLimited) else 401
        return render(
            request, "login.html", {"error": exc.message, "next": _safe_next(next), "email": email},
            status_code=status,
        )  # fmt: skip
    db.commit()
    request.session.clear()
    request.session["user_id"] = user.id
    request.session["pwd"] = (
        user.password_changed_at.isoformat() if user.password_changed_at else ""
    )
    request.session["lang"] = user.locale
    return RedirectResponse(_safe_next(next), status_code=303)


@router.post("/dang-xuat", dependencies=[Depends(csrf_protect)])
def logout(request: Request) -> Response:
    request.session.clear()
    return RedirectResponse("/dang-nhap", status_code=303)


@router.get("/tai-khoan/mat-khau", response_class=HTMLResponse)
def password_form(request: Request, user: CurrentUser) -> Response:
    return render(request, "password.html")


@router.post("/tai-khoan/mat-khau", dependencies=[Depends(csrf_protect)])
def change_password(
    request: Request,
    db: DbSession,
    user: CurrentUser,
    current: Annotated[str, Form(max_length=1024)],
    new: Annotated[str, Form(max_length=1024)],
    confirm: Annotated[str, Form(max_length=1024)],
) -> Response:
    try:
        if new != confirm:
            raise ValidationFailed(N_("Mật khẩu nhập lại không khớp."))
        accounts.change_password(db, user, current, new)
    except (AuthenticationFailed, ValidationFailed) as exc:
        return render(request, "password.html", {"error": exc.message}, status_code=422)
    db.commit()
    request.session["pwd"] = (
        user.password_changed_at.isoformat() if user.password_changed_at else ""
    )
    request.session["flash"] = N_("Đã đổi mật khẩu.")
    return RedirectResponse("/", status_code=303)


@router.post("/ngon-ngu", dependencies=[Depends(csrf_protect)])
def switch_language(
    request: Request,
    db: DbSession,
    user: OptionalUser,
    lang: Annotated[str, Form(max_length=8)],
    next: Annotated[str, Form(max_length=2048)] = "/",
) -> Response:
    if lang not in LANGUAGES:
        raise ValidationFailed(N_("Ngôn ngữ không được hỗ trợ."), field="lang")
    if user is not None:
        user.locale = lang
        db.commit()
    response = RedirectResponse(_safe_next(next), status_code=303)
    response.set_cookie("lang", lang, max_age=365 * 86400, samesite="lax", httponly=True)
    return response
