"""Errors as exception classes with a status code; one handler turns them into RFC 9457 problems."""

from typing import Any


class CRMError(Exception):
    status = 500
    title = "Internal server error"
    # A failed request rolls back its work, except where the failure itself must be recorded
    # (a replayed refresh token revokes its family and still answers 401).
    keeps_changes = False

    def __init__(
        self,
        detail: str | None = None,
        *,
        errors: list[dict[str, str]] | None = None,
        headers: dict[str, str] | None = None,
    ) -> None:
        super().__init__(detail or self.title)
        self.detail = detail or self.title
        self.errors = errors
        self.headers = headers or {}

    def problem(self) -> dict[str, Any]:
        body: dict[str, Any] = {
            "type": "about:blank",
            "title": self.title,
            "status": self.status,
            "detail": self.detail,
        }
        if self.errors is not None:
            body["errors"] = self.errors
        return body


class BadRequest(CRMError):
    status, title = 400, "Bad request"


class Unauthorized(CRMError):
    status, title = 401, "Not authenticated"

    def __init__(self, detail: str | None = None) -> None:
        super().__init__(detail, headers={"WWW-Authenticate": "Bearer"})


class TokenReused(Unauthorized):
    keeps_changes = True


class Forbidden(CRMError):
    status, title = 403, "Forbidden"


class NotFound(CRMError):
    status, title = 404, "Not found"


class Conflict(CRMError):
    status, title = 409, "Conflict"


class PreconditionFailed(CRMError):
    status, title = 412, "Precondition failed"


class PayloadTooLarge(CRMError):
    status, title = 413, "Payload too large"


class Invalid(CRMError):
    status, title = 422, "Invalid input"

    def __init__(self, field: str, message: str) -> None:
        super().__init__(f"{field}: {message}", errors=[{"field": field, "message": message}])


class TooManyRequests(CRMError):
    status, title = 429, "Too many requests"

    def __init__(self, retry_after: int) -> None:
        super().__init__(
            f"Rate limit exceeded; retry in {retry_after} seconds.",
            headers={"Retry-After": str(retry_after)},
        )


class ServiceUnavailable(CRMError):
    status, title = 503, "Service unavailable"
