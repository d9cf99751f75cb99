"""The FastAPI application factory."""

from __future__ import annotations

import gc
import importlib
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from importlib.resources import files
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import RedirectResponse, Response
from fastapi.staticfiles import StaticFiles
from sqlalchemy import Engine
from sqlalchemy.exc import StatementError
from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.middleware.sessions import SessionMiddleware

from canhgiac import __version__
from canhgiac.db.session import engine_for, session_factory
from canhgiac.errors import CanhGiacError
from canhgiac.ingest.evidence import EvidenceStore
from canhgiac.settings import Settings, get_settings
from canhgiac.web import problems
from canhgiac.web.deps import LoginRequired
from canhgiac.web.language import LanguageMiddleware
from canhgiac.web.report_writer import ReportWriter
from canhgiac.web.security import SecurityHeadersMiddleware

# Route modules; each exposes `router`. A module that is not there yet is skipped. A request is
# matched against the routes in this order, so the busiest (health checks, citizens' reports)
# come first; no two modules' paths overlap, so the order changes nothing else.
ROUTE_MODULES = (
    "canhgiac.web.api.system",
    "canhgiac.web.api.reports",
    "canhgiac.web.ui.auth",
    "canhgiac.web.ui.dashboard",
    "canhgiac.web.ui.admin",
    "canhgiac.web.public.tipline",
    "canhgiac.web.public.warnings",
    "canhgiac.web.api.intake",
    "canhgiac.web.ui.intake",
    "canhgiac.web.ui.jobs",
    "canhgiac.web.ui.sources",
    "canhgiac.web.api.cases",
    "canhgiac.web.ui.cases",
    "canhgiac.web.api.actions",
    "canhgiac.web.ui.actions",
    "canhgiac.web.api.plan",
    "canhgiac.web.ui.plan",
)


def _include_routes(app: FastAPI) -> None:
    for name in ROUTE_MODULES:
        try:
            module = importlib.import_module(name)
        except ModuleNotFoundError as exc:
            if exc.name == name:
                continue
            raise
        app.include_router(module.router)


async def _login_redirect(request: Request, exc: Exception) -> Response:
    target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
    return RedirectResponse(f"/dang-nhap?next={target}", status_code=303)


def create_app(settings: Settings | None = None, engine: Engine | None = None) -> FastAPI:
    """Build the application for `settings` (default: from the environment)."""
    settings = settings or get_settings()
    settings.ensure_data_dir()
    engine = engine or engine_for(settings.resolved_database_url)
    app = FastAPI(
        title="Cảnh Giác API",
        version=__version__,
        description="API của nền tảng phòng, chống lừa đảo và thông tin xấu độc trên không gian mạng.",
        docs_url=None,
        redoc_url=None,
        openapi_url="/api/openapi.json",
    )
    app.state.settings = settings
    app.state.engine = engine
    app.state.sessionmaker = session_factory(engine)
    app.state.report_writer = ReportWriter(
        app.state.sessionmaker, EvidenceStore(settings.evidence_dir)
    )

    app.add_middleware(LanguageMiddleware, default=settings.language)
    app.add_middleware(SecurityHeadersMiddleware, hsts=settings.hsts)
    app.add_middleware(
        SessionMiddleware,
        secret_key=settings.effective_secret_key(),
        session_cookie="canhgiac_session",
        max_age=settings.session_max_age_s,
        same_site="lax",
        https_only=settings.secure_cookies,
    )
    app.add_exception_handler(CanhGiacError, problems.domain_error_handler)
    app.add_exception_handler(RequestValidationError, problems.validation_error_handler)
    app.add_exception_handler(StarletteHTTPException, problems.http_error_handler)
    app.add_exception_handler(LoginRequired, _login_redirect)
    app.add_exception_handler(OverflowError, problems.bad_value_error_handler)
    app.add_exception_handler(StatementError, problems.database_error_handler)
    app.add_exception_handler(Exception, problems.unexpected_error_handler)
    static_dir = str(files("canhgiac") / "web" / "static")
    app.mount("/static", StaticFiles(directory=static_dir), name="static")
    _include_routes(app)
    _wrap_lifespan(app)
    _start_background(app, settings)
    return app


def _wrap_lifespan(app: FastAPI) -> None:
    """Start: freeze what start-up allocated out of the garbage collector's way. Stop: wait for
    the reports already handed to the writer."""
    previous = app.router.lifespan_context

    @asynccontextmanager
    async def lifespan(application: Any) -> AsyncIterator[Any]:
        # The modules, routes, models and caches live as long as the process: a full collection
        # would walk them all again and again (a pause every request waits for); frozen, it
        # walks only what requests allocate.
        if gc.get_freeze_count() == 0:  # once per process (tests start many apps)
            gc.collect()
            gc.freeze()
        try:
            async with previous(application) as state:
                yield state
        finally:
            await run_in_threadpool(app.state.report_writer.close)

    app.router.lifespan_context = lifespan


def _start_background(app: FastAPI, settings: Settings) -> None:
    """Run the in-process worker with the app when configured (the embedded default)."""
    try:
        worker = importlib.import_module("canhgiac.worker.embedded")
    except ModuleNotFoundError:
        return
    worker.attach(app, settings)
