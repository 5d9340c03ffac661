"""Calls to a provider's REST API (Microsoft Graph, Google's APIs) over httpx: timeouts,
throttling honoured, server errors retried only when repeating the request is harmless, pages
followed up to a cap, and failures turned into a sentence the user understands."""

import asyncio
import functools
import logging
import ssl
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from typing import Any

import httpx

log = logging.getLogger(__name__)

IDEMPOTENT_METHODS = frozenset({"GET", "HEAD", "OPTIONS", "PUT", "DELETE"})
DEFAULT_TIMEOUT = httpx.Timeout(30.0, connect=5.0)


@functools.cache
def tls_context() -> ssl.SSLContext:
    """One TLS context for every client: loading the CA certificates takes about 50 ms, too
    much to pay per connection."""
    return httpx.create_ssl_context()


def new_http_client() -> httpx.AsyncClient:
    """An HTTP client for a provider's API (a connection pool; it holds no user's token)."""
    return httpx.AsyncClient(timeout=DEFAULT_TIMEOUT, verify=tls_context())


class ServiceError(Exception):
    """A provider's answer that the caller cannot use, said as a sentence for the user.

    `code` is the provider's own error code (for logs and for callers that react to one),
    never shown instead of the sentence."""

    def __init__(
        self, sentence: str, *, status: int | None = None, code: str | None = None
    ) -> None:
        super().__init__(sentence)
        self.sentence = sentence
        self.status = status
        self.code = code


# What a provider's error body means, in words: (status, code, provider message) → sentence
# or None to fall back on the status alone.
Explain = Callable[[int, str | None, str | None], str | None]


def _no_explanation(_status: int, _code: str | None, _message: str | None) -> str | None:
    return None


@dataclass(frozen=True)
class RetryPolicy:
    attempts: int = 3  # tries in all, the first included
    max_wait: float = 10.0  # a Retry-After above this is not waited for: the call fails
    backoff: float = 0.5  # seconds before the second try of a 5xx without Retry-After


@dataclass
class Page:
    """Items gathered across pages, and whether more were left at the cap."""

    items: list[dict[str, Any]] = field(default_factory=list)
    more: bool = False


class RestClient:
    """One provider's REST API as one user: `token` is sent as a Bearer on every request.

    The httpx client (its connection pool) may be shared between users; the token is not
    stored in it, only sent per request."""

    def __init__(
        self,
        http: httpx.AsyncClient,
        base_url: str,
        token: str,
        *,
        service: str,
        explain: Explain = _no_explanation,
        retry: RetryPolicy | None = None,
    ) -> None:
        self.http = http
        self.base_url = base_url.rstrip("/")
        self.token = token
        self.service = service
        self.explain = explain
        self.retry = retry or RetryPolicy()

    def url(self, path: str) -> str:
        return path if path.startswith(("http://", "https://")) else self.base_url + path

    async def request(
        self,
        method: str,
        path: str,
        *,
        params: Mapping[str, Any] | None = None,
        json: Any = None,
        content: bytes | None = None,
        headers: Mapping[str, str] | None = None,
        idempotent: bool | None = None,
        authorize: bool = True,
    ) -> httpx.Response:
        """Send one request, retried when throttled (429, 503 with Retry-After) and, for an
        idempotent request, on a server error or a dropped connection. Answers a 2xx or 3xx
        response; raises ServiceError otherwise."""
        method = method.upper()
        if idempotent is None:
            idempotent = method in IDEMPOTENT_METHODS
        sent = dict(headers or {})
        if authorize:
            sent["Authorization"] = f"Bearer {self.token}"
        for attempt in range(1, self.retry.attempts + 1):
            last = attempt == self.retry.attempts
            try:
                response = await self.http.request(
                    method,
                    self.url(path),
                    params=params,
                    json=json,
                    content=content,
                    headers=sent,
                    follow_redirects=True,
                )
            except httpx.TimeoutException as exc:
                if idempotent and not last:
                    continue
                raise ServiceError(
                    f"{self.service} did not answer in time; try again in a moment.",
                    code="timeout",
                ) from exc
            except httpx.TransportError as exc:
                if idempotent and not last:
                    await asyncio.sleep(self.retry.backoff * attempt)
                    continue
                raise ServiceError(
                    f"{self.service} could not be reached; try again in a moment.",
                    code="unreachable",
                ) from exc
            if response.status_code < 400:
                return response
            wait = self._wait_before_retry(response, idempotent=idempotent, attempt=attempt)
            if wait is None or last:
                raise self.error(response)
            log.info(
                "%s answered %s; trying again in %.1f s",
                self.service,
                response.status_code,
                wait,
            )
            await asyncio.sleep(wait)
        raise AssertionError("unreachable")  # pragma: no cover

    def _wait_before_retry(
        self, response: httpx.Response, *, idempotent: bool, attempt: int
    ) -> float | None:
        """Seconds to wait before trying again, or None when the request must not be repeated."""
        status = response.status_code
        retry_after = parse_retry_after(response.headers.get("Retry-After"))
        # A throttled request was not carried out, so any method may be sent again.
        if status == 429 or (status == 503 and retry_after is not None):
            wait = retry_after if retry_after is not None else self.retry.backoff * attempt
            return wait if wait <= self.retry.max_wait else None
        if status >= 500 and idempotent:
            return self.retry.backoff * attempt
        return None

    def error(self, response: httpx.Response) -> ServiceError:
        """The ServiceError for a failed response, in words."""
        code, message = error_code_and_message(response)
        status = response.status_code
        sentence = self.explain(status, code, message) or self._by_status(response)
        log.info("%s answered %s %s", self.service, status, code or "")
        return ServiceError(sentence, status=status, code=code)

    def _by_status(self, response: httpx.Response) -> str:
        status = response.status_code
        service = self.service
        if status == 401:
            return f"{service} did not accept the connection; reconnect {service} in Settings."
        if status == 403:
            return f"{service} refused: the connected account is not allowed to do this."
        if status == 404:
            return f"{service} has no such item; it may have been deleted or moved."
        if status == 409:
            return f"{service} refused because of a conflict (an item of that name may exist)."
        if status == 413:
            return f"{service} refused the upload: it is too large."
        if status == 429:
            seconds = parse_retry_after(response.headers.get("Retry-After"))
            later = f"in {round(seconds)} seconds" if seconds else "in a minute"
            return f"{service} is receiving too many requests; try again {later}."
        if status >= 500:
            return f"{service} is having trouble right now; try again in a moment."
        return f"{service} refused the request ({status})."

    async def get_json(self, path: str, **kwargs: Any) -> Any:
        return (await self.request("GET", path, **kwargs)).json()

    async def collect(
        self,
        path: str,
        *,
        params: Mapping[str, Any] | None,
        headers: Mapping[str, str] | None = None,
        limit: int,
        items_key: str,
        next_page: Callable[[dict[str, Any]], tuple[str, Mapping[str, Any] | None] | None],
        max_pages: int = 10,
    ) -> Page:
        """Gather up to `limit` items across pages. `next_page(body)` answers the next request
        (path or absolute URL, params) or None on the last page; at most `max_pages` requests
        are made, so a provider that keeps paging cannot hold the call."""
        page = Page()
        request: tuple[str, Mapping[str, Any] | None] | None = (path, params)
        pages = 0
        while request is not None:
            if pages == max_pages or len(page.items) >= limit:
                page.more = True
                break
            body = await self.get_json(request[0], params=request[1], headers=headers)
            pages += 1
            items = body.get(items_key) or []
            room = limit - len(page.items)
            page.items.extend(items[:room])
            request = next_page(body)
            if len(items) > room:
                page.more = True
                break
        return page


def parse_retry_after(value: str | None) -> float | None:
    """Retry-After in seconds: a number of seconds or an HTTP date (RFC 9110 10.2.3)."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return max(0.0, (when - datetime.now(UTC)).total_seconds())


def error_code_and_message(response: httpx.Response) -> tuple[str | None, str | None]:
    """The error code and message of a JSON error body shaped `{"error": {...}}` (Graph,
    Google) or `{"error": "...", "error_description": "..."}` (OAuth); inner codes win,
    being the more precise."""
    try:
        body = response.json()
    except ValueError:
        return None, None
    error = body.get("error") if isinstance(body, dict) else None
    if isinstance(error, str):
        return error, body.get("error_description")
    if not isinstance(error, dict):
        return None, None
    code = error.get("code")
    inner = error.get("innerError") or error.get("innererror") or {}
    if isinstance(inner, dict) and isinstance(inner.get("code"), str):
        code = inner["code"]
    if not isinstance(code, str):  # Google: a number in "code", the name in "status"
        reasons = [e.get("reason") for e in error.get("errors") or [] if isinstance(e, dict)]
        code = next((r for r in reasons if r), None) or error.get("status")
    return code, error.get("message")
