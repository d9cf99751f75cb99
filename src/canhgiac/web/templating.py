"""Jinja2 environment with per-request language, local time and the CSRF token."""

from __future__ import annotations

from contextvars import ContextVar
from importlib.resources import files
from typing import Any

from fastapi import Request
from fastapi.responses import HTMLResponse
from jinja2 import Environment, FileSystemLoader, select_autoescape

from canhgiac import i18n
from canhgiac.text_safety import defang_for_display
from canhgiac.web.labels import label

current_lang: ContextVar[str] = ContextVar("current_lang", default=i18n.DEFAULT_LANGUAGE)


def _(message: str, **params: Any) -> str:
    """Translate a Vietnamese source message into the request's language."""
    text = i18n.gettext_for(current_lang.get()).gettext(message)
    return text % params if params else text


def _n(singular: str, plural: str, n: int, **params: Any) -> str:
    text = i18n.gettext_for(current_lang.get()).ngettext(singular, plural, n)
    return text % params if params else text


def _build_env() -> Environment:
    path = str(files("canhgiac") / "web" / "templates")
    env = Environment(
        loader=FileSystemLoader(path),
        autoescape=select_autoescape(("html", "xml"), default=True),
        extensions=["jinja2.ext.i18n"],
        trim_blocks=True,
        lstrip_blocks=True,
        # Templates ship with the package and change only with it (a restart): no stat() of
        # every template and include on every page.
        auto_reload=False,
    )
    env.install_gettext_callables(_, _n, newstyle=True)  # type: ignore[attr-defined]
    env.filters["localtime"] = lambda v: i18n.local_datetime(v, current_lang.get())
    env.filters["number"] = lambda v: i18n.number(v, current_lang.get())
    env.filters["defang"] = defang_for_display
    env.filters["label"] = label
    return env


ENV = _build_env()


def render(
    request: Request,
    template: str,
    context: dict[str, Any] | None = None,
    *,
    status_code: int = 200,
    headers: dict[str, str] | None = None,
) -> HTMLResponse:
    """Render a page with the request, user, language and CSRF token available."""
    from canhgiac.web.navigation import nav_for
    from canhgiac.web.security import csrf_token

    current_lang.set(getattr(request.state, "lang", i18n.DEFAULT_LANGUAGE))
    user = getattr(request.state, "user", None)
    ctx: dict[str, Any] = {
        "request": request,
        "user": user,
        "nav": nav_for(request, user),
        "lang": current_lang.get(),
        "csrf_token": csrf_token(request),
        "flash": request.session.pop("flash", None) if "session" in request.scope else None,
    }
    ctx.update(context or {})
    html = ENV.get_template(template).render(ctx)
    return HTMLResponse(html, status_code=status_code, headers=headers)
