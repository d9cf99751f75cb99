"""Walk the application's routes, including those of included routers."""

from __future__ import annotations

from collections.abc import Iterable, Iterator

from starlette.routing import BaseRoute, Route


def iter_routes(routes: Iterable[BaseRoute]) -> Iterator[Route]:
    """Every HTTP route; recent FastAPI keeps included routers as nested objects."""
    for route in routes:
        nested = getattr(route, "original_router", None)
        if nested is not None:
            yield from iter_routes(nested.routes)
        elif isinstance(route, Route):
            yield route
