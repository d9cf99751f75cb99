"""The home dashboard."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse

from canhgiac.services import dashboard
from canhgiac.web.deps import CurrentUser, DbSession
from canhgiac.web.templating import render

router = APIRouter(include_in_schema=False)


@router.get("/", response_class=HTMLResponse)
def home(request: Request, db: DbSession, user: CurrentUser) -> HTMLResponse:
    figures = dashboard.figures_for(db, user)
    return render(request, "dashboard.html", {"figures": figures})
