"""Administration pages: units, people and API tokens."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy import select

from canhgiac.db.models import ApiToken, User
from canhgiac.db.models.org import ROLES, UNIT_KINDS
from canhgiac.errors import CanhGiacError
from canhgiac.i18n import N_
from canhgiac.services import accounts, units
from canhgiac.web.deps import DbSession, allowed, csrf_protect
from canhgiac.web.templating import render

router = APIRouter(include_in_schema=False)
Admin = Annotated[User, Depends(allowed("unit.manage"))]


def _page(request: Request, db: DbSession, **extra: object) -> HTMLResponse:
    people = db.scalars(select(User).order_by(User.email)).all()
    tokens = db.scalars(select(ApiToken).order_by(ApiToken.created_at.desc()).limit(200)).all()
    context: dict[str, object] = {
        "units": units.list_units(db),
        "people": people,
        "tokens": tokens,
        "roles": ROLES,
        "kinds": UNIT_KINDS,
    }
    context.update(extra)
    status = 422 if extra.get("error") else 200
    return render(request, "admin/index.html", context, status_code=status)


@router.get("/quan-tri", response_class=HTMLResponse)
def admin_home(request: Request, db: DbSession, user: Admin) -> HTMLResponse:
    return _page(request, db)


@router.post("/quan-tri/don-vi", dependencies=[Depends(csrf_protect)])
def add_unit(
    request: Request,
    db: DbSession,
    user: Admin,
    code: Annotated[str, Form(max_length=32)],
    name: Annotated[str, Form(max_length=255)],
    kind: Annotated[str, Form(max_length=16)],
) -> Response:
    try:
        units.create_unit(db, user, code=code, name=name, kind=kind)
    except CanhGiacError as exc:
        db.rollback()
        return _page(request, db, error=exc.message)
    db.commit()
    request.session["flash"] = N_("Đã lưu.")
    return RedirectResponse("/quan-tri", status_code=303)


@router.post("/quan-tri/don-vi/{code}", dependencies=[Depends(csrf_protect)])
def rename_unit(
    request: Request,
    db: DbSession,
    user: Admin,
    code: str,
    name: Annotated[str, Form(max_length=255)],
) -> Response:
    try:
        units.rename_unit(db, user, code, name)
    except CanhGiacError as exc:
        db.rollback()
        return _page(request, db, error=exc.message)
    db.commit()
    request.session["flash"] = N_("Đã lưu.")
    return RedirectResponse("/quan-tri", status_code=303)


@router.post("/quan-tri/nguoi-dung", dependencies=[Depends(csrf_protect)])
def add_user(
    request: Request,
    db: DbSession,
    user: Admin,
    email: Annotated[str, Form(max_length=255)],
    name: Annotated[str, Form(max_length=255)],
    unit: Annotated[str, Form(max_length=32)],
    role: Annotated[str, Form(max_length=32)],
) -> Response:
    password = accounts.generate_password()
    try:
        accounts.create_user(
            db, user, email=email, name=name, unit_code=unit, role=role, password=password
        )
    except CanhGiacError as exc:
        db.rollback()
        return _page(request, db, error=exc.message)
    db.commit()
    return _page(request, db, created=(email.strip().lower(), password))


@router.post("/quan-tri/nguoi-dung/{user_id}/khoa", dependencies=[Depends(csrf_protect)])
def toggle_user(request: Request, db: DbSession, user: Admin, user_id: int) -> Response:
    target = accounts.set_active(db, user, user_id)
    db.commit()
    request.session["flash"] = (
        N_("Đã mở khóa tài khoản.") if target.is_active else N_("Đã khóa tài khoản.")
    )
    return RedirectResponse("/quan-tri", status_code=303)


@router.post("/quan-tri/ma-truy-cap/{token_id}/thu-hoi", dependencies=[Depends(csrf_protect)])
def revoke_token(request: Request, db: DbSession, user: Admin, token_id: int) -> Response:
    accounts.revoke_token(db, user, token_id)
    db.commit()
    request.session["flash"] = N_("Đã thu hồi mã truy cập.")
    return RedirectResponse("/quan-tri", status_code=303)
