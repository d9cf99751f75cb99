"""The language of each request: `?lang=`, the `lang` cookie, then the configured default."""

from __future__ import annotations

from starlette.requests import HTTPConnection
from starlette.types import ASGIApp, Receive, Scope, Send

from canhgiac import i18n
from canhgiac.web.templating import current_lang


class LanguageMiddleware:
    """Sets `request.state.lang` (and `current_lang` for templates); `request.state.user` = None.

    Plain ASGI middleware: the cheapest way to run code on every request (no extra task).
    A signed-in user's own locale replaces the language later, in `web.deps`.
    """

    def __init__(self, app: ASGIApp, *, default: str) -> None:
        self.app = app
        self.default = default

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        conn = HTTPConnection(scope)
        lang = conn.query_params.get("lang") or conn.cookies.get("lang") or self.default
        if lang not in i18n.LANGUAGES:
            lang = i18n.DEFAULT_LANGUAGE
        state = scope.setdefault("state", {})
        state["lang"] = lang
        state["user"] = None
        # Not reset afterwards: each request is its own task, and the error handlers outside
        # this middleware render in the same language.
        current_lang.set(lang)
        await self.app(scope, receive, send)
