"""Health, API documentation page, and the small read-only API about the caller and units."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, JSONResponse
from pydantic import BaseModel
from sqlalchemy import text

from canhgiac.services import units
from canhgiac.web.deps import CurrentUser, DbSession
from canhgiac.web.templating import render

router = APIRouter()


@router.get("/healthz", include_in_schema=False)
def healthz(db: DbSession) -> JSONResponse:
    """200 when the database answers, 503 otherwise."""
    try:
        db.execute(text("SELECT 1"))
    except Exception:  # the point is to report any database failure as unhealthy
        return JSONResponse({"status": "unavailable"}, status_code=503)
    return JSONResponse({"status": "ok"})


@router.get("/api/docs", include_in_schema=False, response_class=HTMLResponse)
def api_docs(request: Request) -> HTMLResponse:
    """The API reference, rendered on the server from the OpenAPI schema (no external assets)."""
    schema: dict[str, Any] = request.app.openapi()
    operations = [
        {"method": method.upper(), "path": path, **op}
        for path, item in sorted(schema.get("paths", {}).items())
        for method, op in item.items()
    ]
    return render(request, "api_docs.html", {"schema": schema, "operations": operations})


class UserOut(BaseModel):
    email: str
    name: str
    role: str
    unit: str
    locale: str


class UnitOut(BaseModel):
    code: str
    name: str
    kind: str


@router.get("/api/v1/me", response_model=UserOut, tags=["system"])
def me(user: CurrentUser) -> UserOut:
    """The authenticated user."""
    return UserOut(
        email=user.email, name=user.name, role=user.role, unit=user.unit.code, locale=user.locale
    )


@router.get("/api/v1/units", response_model=list[UnitOut], tags=["system"])
def list_units(db: DbSession, user: CurrentUser) -> list[UnitOut]:
    """Every active unit of the district."""
    return [UnitOut(code=u.code, name=u.name, kind=u.kind) for u in units.list_units(db)]
