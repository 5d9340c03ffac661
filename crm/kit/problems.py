"""Exception handlers answering RFC 9457 problem details (application/problem+json)."""

from typing import Any

import structlog
from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException

from crm.errors import CRMError
from crm.kit.openapi import PROBLEM

log = structlog.get_logger()


def problem_response(
    status: int, title: str, detail: str, headers: dict[str, str] | None = None, **extra: Any
) -> JSONResponse:
    body = {"type": "about:blank", "title": title, "status": status, "detail": detail, **extra}
    return JSONResponse(body, status_code=status, headers=headers, media_type=PROBLEM)


def _field(loc: tuple[Any, ...]) -> str:
    # ("body", "email") -> "email"; ("query", "limit") -> "limit"
    parts = [str(p) for p in loc if p not in ("body", "query", "path", "header", "cookie")]
    return ".".join(parts) or "body"


def _message(error: dict[str, Any]) -> str:
    if error["type"] == "extra_forbidden":
        return "unknown field"
    if error["type"] == "json_invalid":
        return "the body is not valid JSON"
    return str(error["msg"]).removeprefix("Value error, ")


def field_errors(errors: list[Any]) -> list[dict[str, str]]:
    """Pydantic's errors as `{field, message}` pairs (a 422's `errors`; the pages' inline
    messages)."""
    return [{"field": _field(e["loc"]), "message": _message(e)} for e in errors]


def install(app: FastAPI) -> None:
    @app.exception_handler(CRMError)
    async def crm_error(_: Request, exc: CRMError) -> JSONResponse:
        return JSONResponse(
            exc.problem(), status_code=exc.status, headers=exc.headers, media_type=PROBLEM
        )

    @app.exception_handler(RequestValidationError)
    async def validation_error(_: Request, exc: RequestValidationError) -> JSONResponse:
        errors = field_errors(list(exc.errors()))
        detail = "; ".join(f"{e['field']}: {e['message']}" for e in errors)
        return problem_response(422, "Invalid input", detail, errors=errors)

    @app.exception_handler(HTTPException)
    async def http_error(_: Request, exc: HTTPException) -> JSONResponse:
        title = {404: "Not found", 405: "Method not allowed"}.get(exc.status_code, "Error")
        return problem_response(exc.status_code, title, str(exc.detail), exc.headers)

    @app.exception_handler(Exception)
    async def unexpected_error(_: Request, exc: Exception) -> JSONResponse:
        log.exception("unhandled_error", error_type=type(exc).__name__)
        return problem_response(500, "Internal server error", "Something went wrong on our side.")
