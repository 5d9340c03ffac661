"""Schemathesis over the OpenAPI schema, against a live server: no 5xx, and every answer
conforms to the schema (status code, content type, body)."""

import threading
import time
from collections.abc import Iterator

import httpx
import pytest
import schemathesis
import uvicorn
from hypothesis import HealthCheck, given, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from crm.app import create_app
from tests.conftest import PASSWORD, make_settings
from tests.smtp import free_port


@pytest.fixture(scope="module")
def live_url(admin_url: str) -> Iterator[str]:
    port = free_port()
    app = create_app(make_settings(admin_url, rate_limit_api="100000/minute"))
    server = uvicorn.Server(uvicorn.Config(app, port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    url = f"http://127.0.0.1:{port}"
    for _ in range(100):
        if server.started:
            break
        time.sleep(0.05)
    yield url
    server.should_exit = True
    thread.join(10)


@pytest.fixture(scope="module")
def auth_headers(live_url: str) -> dict[str, str]:
    response = httpx.post(
        f"{live_url}/api/v1/auth/register",
        json={"email": "schema@example.com", "password": PASSWORD, "name": "Schema"},
    )
    assert response.status_code == 201, response.text
    return {"Authorization": f"Bearer {response.json()['access_token']}"}


@pytest.fixture(scope="module")
def api_schema(live_url: str):  # type: ignore[no-untyped-def]
    return schemathesis.openapi.from_url(f"{live_url}/api/v1/openapi.json")


CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
]


def test_api_conforms_to_its_schema(api_schema, auth_headers):  # type: ignore[no-untyped-def]
    operations = [result.ok() for result in api_schema.get_all_operations()]
    assert len(operations) > 10

    for operation in operations:

        @given(case=operation.as_strategy())
        @settings(
            max_examples=25,
            deadline=None,
            suppress_health_check=list(HealthCheck),
            database=None,
        )
        def conforms(case):  # type: ignore[no-untyped-def]
            case.call_and_validate(headers=auth_headers, checks=CHECKS)

        conforms()
