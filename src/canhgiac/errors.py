"""Domain errors raised by services; the web layer maps them to RFC 9457 problems, the CLI to exit 2."""

from __future__ import annotations


class CanhGiacError(Exception):
    """Base of every expected, user-facing error."""

    status = 400
    code = "bad_request"

    def __init__(self, message: str, *, field: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.field = field


class ValidationFailed(CanhGiacError):
    status = 422
    code = "validation_failed"


class NotFound(CanhGiacError):
    status = 404
    code = "not_found"


class PermissionDenied(CanhGiacError):
    status = 403
    code = "forbidden"


class Conflict(CanhGiacError):
    status = 409
    code = "conflict"


class AuthenticationFailed(CanhGiacError):
    status = 401
    code = "unauthenticated"


class RateLimited(CanhGiacError):
    status = 429
    code = "rate_limited"

    def __init__(self, message: str, *, retry_after: int) -> None:
        super().__init__(message)
        self.retry_after = retry_after
