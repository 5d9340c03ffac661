"""Errors on pages: the API's problem details stay for /api; a page answers HTML instead (an
error page, a redirect to sign in, or for HTMX a toast that leaves the screen as it was)."""

import json
from collections.abc import Awaitable, Callable

from fastapi import FastAPI, Request, Response
from fastapi.exceptions import RequestValidationError
from fastapi.responses import RedirectResponse
from starlette.exceptions import HTTPException

from crm.auth import cookies
from crm.errors import CRMError, Unauthorized
from crm.web.session import is_htmx, login_url, request_path, secure_cookies
from crm.web.templating import render, toast

Handler = Callable[[Request, Exception], Awaitable[Response]]


def is_page(request: Request) -> bool:
    return not request.url.path.startswith(("/api/", "/docs"))


def sign_in_response(request: Request) -> Response:
    target = login_url(request_path(request))
    response: Response
    if is_htmx(request):
        response = Response(status_code=204, headers={"HX-Redirect": target})
    else:
        response = RedirectResponse(target, status_code=303)
    cookies.end_session(response, secure=secure_cookies(request))
    return response


def error_page(request: Request, status: int, title: str, detail: str) -> Response:
    if is_htmx(request):
        return Response(
            status_code=status,
            headers={
                "HX-Reswap": "none",
                "HX-Trigger": json.dumps({"toast": [toast(detail, "error")]}, ensure_ascii=True),
            },
        )
    return render(
        request, "error.html", {"title": title, "detail": detail, "status": status}, status=status
    )


def install(app: FastAPI) -> None:
    api_crm_error: Handler = app.exception_handlers[CRMError]
    api_http_error: Handler = app.exception_handlers[HTTPException]

    async def crm_error(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, CRMError)
        if not is_page(request):
            return await api_crm_error(request, exc)
        if isinstance(exc, Unauthorized):
            return sign_in_response(request)
        return error_page(request, exc.status, exc.title, exc.detail)

    async def http_error(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, HTTPException)
        if not is_page(request):
            return await api_http_error(request, exc)
        if exc.status_code == 404:
            return error_page(request, 404, "Page not found", "There is no page at this address.")
        return error_page(request, exc.status_code, "Error", str(exc.detail))

    api_validation_error: Handler = app.exception_handlers[RequestValidationError]
    api_unexpected_error: Handler = app.exception_handlers[Exception]

    async def validation_error(request: Request, exc: Exception) -> Response:
        # Page routes read their forms themselves; what fails here is the address itself.
        if not is_page(request):
            return await api_validation_error(request, exc)
        return error_page(request, 404, "Page not found", "There is no page at this address.")

    async def unexpected_error(request: Request, exc: Exception) -> Response:
        response = await api_unexpected_error(request, exc)  # logs it
        if not is_page(request):
            return response
        return error_page(
            request, 500, "Something went wrong", "Something went wrong on our side; try again."
        )

    app.add_exception_handler(CRMError, crm_error)
    app.add_exception_handler(HTTPException, http_error)
    app.add_exception_handler(RequestValidationError, validation_error)
    app.add_exception_handler(Exception, unexpected_error)
