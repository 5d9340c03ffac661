"""The REST layer against a real HTTP server that answers what each test scripts: throttling
honoured, server errors retried only for idempotent requests, paging capped, errors in words."""

import time
from collections.abc import Iterator

import httpx
import pytest
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from crm.integrations.http import (
    RestClient,
    RetryPolicy,
    ServiceError,
    error_code_and_message,
    parse_retry_after,
)
from tests.standins.serving import ServedApp


class Script:
    """Answers queued per path (the last one repeats), and the requests seen."""

    def __init__(self) -> None:
        self.answers: dict[str, list[Response]] = {}
        self.seen: list[tuple[str, str, str | None]] = []
        self.app = Starlette(
            routes=[Route("/{path:path}", self.answer, methods=["GET", "POST", "PUT"])]
        )

    async def answer(self, request: Request) -> Response:
        path = "/" + request.path_params["path"]
        self.seen.append((request.method, path, request.headers.get("authorization")))
        queue = self.answers.get(path) or [JSONResponse({"error": {"code": "nope"}}, 404)]
        return queue.pop(0) if len(queue) > 1 else queue[0]

    def count(self, path: str) -> int:
        return sum(1 for _, p, _ in self.seen if p == path)


@pytest.fixture(scope="module")
def served() -> Iterator[tuple[Script, str]]:
    script = Script()
    with ServedApp(script.app) as app:
        yield script, app.url


@pytest.fixture
async def rest(served: tuple[Script, str]):  # type: ignore[no-untyped-def]
    script, url = served
    script.seen.clear()
    async with httpx.AsyncClient() as http:
        yield RestClient(
            http,
            url,
            "secret-token",
            service="Example",
            retry=RetryPolicy(attempts=3, max_wait=2, backoff=0.01),
        )


def _error(status: int, code: str, **headers: str) -> JSONResponse:
    return JSONResponse({"error": {"code": code, "message": "x"}}, status, headers=headers)


async def test_throttled_request_is_sent_again_after_retry_after(served, rest) -> None:  # type: ignore[no-untyped-def]
    script, _ = served
    script.answers["/throttled"] = [
        _error(429, "TooManyRequests", **{"Retry-After": "1"}),
        JSONResponse({"ok": 1}),
    ]
    began = time.monotonic()
    assert (await rest.request("POST", "/throttled")).json() == {"ok": 1}
    assert time.monotonic() - began >= 0.95
    assert script.count("/throttled") == 2


async def test_retry_after_beyond_the_cap_fails_at_once_in_words(served, rest) -> None:  # type: ignore[no-untyped-def]
    script, _ = served
    script.answers["/busy"] = [_error(429, "TooManyRequests", **{"Retry-After": "120"})]
    with pytest.raises(ServiceError, match="too many requests; try again in 120 seconds") as caught:
        await rest.request("GET", "/busy")
    assert caught.value.status == 429 and script.count("/busy") == 1


async def test_server_error_is_retried_for_a_get_but_not_for_a_post(served, rest) -> None:  # type: ignore[no-untyped-def]
    script, _ = served
    script.answers["/flaky"] = [_error(500, "generalException"), JSONResponse({"ok": 1})]
    assert (await rest.request("GET", "/flaky")).json() == {"ok": 1}
    script.answers["/send"] = [_error(502, "badGateway"), JSONResponse({"ok": 1})]
    with pytest.raises(ServiceError, match="Example is having trouble right now"):
        await rest.request("POST", "/send")
    assert script.count("/flaky") == 2 and script.count("/send") == 1


async def test_unavailable_with_retry_after_is_waited_for_even_for_a_post(served, rest) -> None:  # type: ignore[no-untyped-def]
    script, _ = served
    script.answers["/maintenance"] = [
        _error(503, "serviceNotAvailable", **{"Retry-After": "0"}),
        Response(status_code=202),
    ]
    assert (await rest.request("POST", "/maintenance")).status_code == 202


async def test_paging_stops_at_the_item_limit_and_at_the_page_cap(served, rest) -> None:  # type: ignore[no-untyped-def]
    script, url = served
    # Every page links to another: a provider that never stops paging.
    script.answers["/endless"] = [
        JSONResponse({"value": [{"n": 1}, {"n": 2}], "next": f"{url}/endless"})
    ]

    def follow(body: dict) -> tuple[str, None] | None:  # type: ignore[type-arg]
        return (body["next"], None) if body.get("next") else None

    page = await rest.collect("/endless", params=None, limit=5, items_key="value", next_page=follow)
    assert len(page.items) == 5 and page.more and script.count("/endless") == 3
    script.seen.clear()
    page = await rest.collect(
        "/endless", params=None, limit=100, items_key="value", next_page=follow, max_pages=4
    )
    assert len(page.items) == 8 and page.more and script.count("/endless") == 4


async def test_provider_error_codes_become_the_providers_sentences(served) -> None:  # type: ignore[no-untyped-def]
    script, url = served
    script.answers["/denied"] = [_error(403, "Authorization_RequestDenied")]
    sentences = {"Authorization_RequestDenied": "You may not."}
    async with httpx.AsyncClient() as http:
        rest = RestClient(
            http, url, "t", service="Example", explain=lambda s, c, m: sentences.get(c or "")
        )
        with pytest.raises(ServiceError, match=r"^You may not\.$") as caught:
            await rest.request("GET", "/denied")
        assert caught.value.code == "Authorization_RequestDenied"
        with pytest.raises(ServiceError, match="Example has no such item"):
            await rest.request("GET", "/missing")


async def test_the_token_goes_as_a_bearer_except_where_the_url_carries_its_own(
    served, rest
) -> None:  # type: ignore[no-untyped-def]
    script, _ = served
    script.answers["/mine"] = [JSONResponse({})]
    await rest.request("GET", "/mine")
    await rest.request("PUT", "/mine", content=b"x", authorize=False)
    assert [a for _, p, a in script.seen if p == "/mine"] == ["Bearer secret-token", None]


async def test_an_unreachable_service_is_said_in_words() -> None:
    async with httpx.AsyncClient() as http:
        rest = RestClient(
            http, "http://127.0.0.1:9", "t", service="Example", retry=RetryPolicy(backoff=0)
        )
        with pytest.raises(ServiceError, match="Example could not be reached"):
            await rest.request("GET", "/")


def test_retry_after_is_read_as_seconds_or_as_a_date() -> None:
    assert parse_retry_after("7") == 7
    assert parse_retry_after("Wed, 21 Oct 2015 07:28:00 GMT") == 0
    assert parse_retry_after("soon") is None and parse_retry_after(None) is None


def test_error_codes_are_read_from_graph_google_and_oauth_bodies() -> None:
    def code(body: object) -> tuple[str | None, str | None]:
        return error_code_and_message(httpx.Response(400, json=body))

    graph = {"error": {"code": "Forbidden", "message": "No.", "innerError": {"code": "Inner"}}}
    google = {
        "error": {
            "code": 403,
            "message": "Insufficient Permission",
            "errors": [{"reason": "insufficientPermissions"}],
            "status": "PERMISSION_DENIED",
        }
    }
    oauth = {"error": "invalid_grant", "error_description": "Token has been expired or revoked."}
    assert code(graph) == ("Inner", "No.")
    assert code(google) == ("insufficientPermissions", "Insufficient Permission")
    assert code(oauth) == ("invalid_grant", "Token has been expired or revoked.")
    assert error_code_and_message(httpx.Response(502, text="<html>Bad gateway</html>")) == (
        None,
        None,
    )
