"""Errors as RFC 9457 problem+json for the API and as friendly pages for people."""

from __future__ import annotations

from typing import Any

from fastapi import Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from starlette.exceptions import HTTPException as StarletteHTTPException

from canhgiac.errors import CanhGiacError, RateLimited
from canhgiac.i18n import N_

PROBLEM_TYPE_BASE = "https://canhgiac.local/problems/"
_TITLES = {
    400: N_("Yêu cầu không hợp lệ"),
    401: N_("Chưa đăng nhập"),
    403: N_("Không có quyền"),
    404: N_("Không tìm thấy"),
    405: N_("Phương thức không được hỗ trợ"),
    409: N_("Xung đột dữ liệu"),
    413: N_("Dữ liệu quá lớn"),
    415: N_("Định dạng không được hỗ trợ"),
    422: N_("Dữ liệu không hợp lệ"),
    429: N_("Quá nhiều yêu cầu"),
    500: N_("Lỗi hệ thống"),
}


def wants_json(request: Request) -> bool:
    """API paths and clients that ask for JSON get problem+json; browsers get a page."""
    if request.url.path.startswith("/api/") or request.url.path == "/healthz":
        return True
    accept = request.headers.get("accept", "")
    return "application/json" in accept and "text/html" not in accept


def problem(
    request: Request,
    status: int,
    detail: str,
    *,
    code: str | None = None,
    extra: dict[str, Any] | None = None,
    headers: dict[str, str] | None = None,
) -> Response:
    """One error response, in the form the client wants."""
    title = _TITLES.get(status, N_("Lỗi"))
    if wants_json(request):
        body: dict[str, Any] = {
            "type": PROBLEM_TYPE_BASE + (code or str(status)),
            "title": title,
            "status": status,
            "detail": detail,
            "instance": request.url.path,
        }
        body.update(extra or {})
        return JSONResponse(body, status_code=status, media_type="application/problem+json",
                            headers=headers)  # fmt: skip
    from canhgiac.web.templating import render

    return render(
        request, "error.html", {"status": status, "title": title, "detail": detail},
        status_code=status, headers=headers,
    )  # fmt: skip


async def domain_error_handler(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, CanhGiacError)
    headers = {"Retry-After": str(exc.retry_after)} if isinstance(exc, RateLimited) else None
    extra = {"field": exc.field} if exc.field else None
    return problem(request, exc.status, exc.message, code=exc.code, extra=extra, headers=headers)


async def validation_error_handler(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, RequestValidationError)
    errors = [
        {"loc": [str(p) for p in err.get("loc", ())], "msg": err.get("msg", ""), "type": err.get("type", "")}
        for err in exc.errors()
    ]  # fmt: skip
    first = errors[0] if errors else {"loc": [], "msg": ""}
    where = ".".join(x for x in first["loc"] if x not in ("body", "query", "path"))
    detail = (
        f"Dữ liệu không hợp lệ ở '{where}': {first['msg']}"
        if where
        else N_("Dữ liệu không hợp lệ.")
    )
    return problem(request, 422, detail, code="validation_failed", extra={"errors": errors})


async def http_error_handler(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, StarletteHTTPException)
    detail = exc.detail if isinstance(exc.detail, str) else _TITLES.get(exc.status_code, N_("Lỗi"))
    if exc.status_code == 404 and detail == "Not Found":
        detail = N_("Trang hoặc tài nguyên không tồn tại.")
    if exc.status_code == 405 and detail == "Method Not Allowed":
        detail = N_("Phương thức không được hỗ trợ.")
    return problem(request, exc.status_code, detail, headers=getattr(exc, "headers", None))


async def database_error_handler(request: Request, exc: Exception) -> Response:
    """A statement failed: bad input when the value was unrepresentable, else a logged 500."""
    if is_bad_value(exc):
        return await bad_value_error_handler(request, exc)
    return await unexpected_error_handler(request, exc)


async def unexpected_error_handler(request: Request, exc: Exception) -> Response:
    import logging

    logging.getLogger("canhgiac.web").error(
        "unhandled error on %s", request.url.path, exc_info=(type(exc), exc, exc.__traceback__)
    )
    return problem(request, 500, N_("Đã xảy ra lỗi hệ thống. Vui lòng thử lại sau."))


async def bad_value_error_handler(request: Request, exc: Exception) -> Response:
    """Values the database cannot hold (ids beyond 64 bits, NUL bytes) are bad input, not a crash."""
    return problem(request, 422, N_("Dữ liệu không hợp lệ."), code="validation_failed")


def is_bad_value(exc: BaseException) -> bool:
    """Whether a database error was caused by an unrepresentable value in the request."""
    from sqlalchemy.exc import DataError, StatementError

    if isinstance(exc, (OverflowError, DataError)):
        return True
    return isinstance(exc, StatementError) and isinstance(exc.orig, (OverflowError, ValueError))
