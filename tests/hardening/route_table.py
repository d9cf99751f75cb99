"""The application's route table as test cases, with path parameters filled in."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass

from fastapi import FastAPI
from fastapi.routing import APIRoute
from starlette.routing import BaseRoute

from canhgiac.db.models.org import ROLES

_PARAM_RE = re.compile(r"\{([a-z_]+)(?::[a-z]+)?\}")

# Values for path parameters: objects that do not exist (404/403/422 are the right answers).
PARAM_VALUES = {
    "tracking_code": "CG-ZZZZ-ZZZZ",
    "fmt": "csv",
    "slug": "khong-co-canh-bao-nay",
    "code": "KHONG-CO",
    "ref": "VV-2099-99999",
    "step": "xuat-ban",
}


@dataclass(frozen=True)
class RouteCase:
    """One method × path of the application."""

    method: str
    path: str
    route: APIRoute

    @property
    def is_api(self) -> bool:
        return self.path.startswith("/api/")

    def url(self) -> str:
        def value(match: re.Match[str]) -> str:
            name = match.group(1)
            return PARAM_VALUES.get(name, "999999")

        return _PARAM_RE.sub(value, self.path)

    def __str__(self) -> str:
        return f"{self.method} {self.path}"


def _walk(routes: list[BaseRoute]) -> Iterator[APIRoute]:
    for route in routes:
        if isinstance(route, APIRoute):
            yield route
        elif hasattr(route, "original_router"):  # FastAPI's lazily included routers
            yield from _walk(route.original_router.routes)


def route_cases(app: FastAPI) -> list[RouteCase]:
    """Every (method, path) of the app, from its route table."""
    cases = {
        (method, route.path): RouteCase(method, route.path, route)
        for route in _walk(app.routes)
        for method in sorted(route.methods or ())
        if method != "HEAD"
    }
    return [cases[key] for key in sorted(cases)]


ALL_ROLES = ROLES
