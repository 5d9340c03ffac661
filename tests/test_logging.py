import io
import json

import structlog

from crm.kit.logging import configure_logging
from tests.conftest import PASSWORD, register


async def test_secrets_never_reach_the_logs(client, monkeypatch):
    stream = io.StringIO()
    configure_logging("INFO")
    structlog.configure(logger_factory=structlog.PrintLoggerFactory(stream))
    try:
        tokens = await register(client, "jane@example.com")
        await client.post("/api/v1/auth/login", json={"email": "jane@example.com", "password": "x"})
        structlog.get_logger().info("probe", password=PASSWORD, refresh_token="abc", user="jane")
    finally:
        configure_logging("INFO")
    text = stream.getvalue()
    lines = [json.loads(line) for line in text.splitlines()]
    assert any(line.get("path") == "/api/v1/auth/register" for line in lines)
    assert PASSWORD not in text
    assert tokens["refresh_token"] not in text and tokens["access_token"] not in text
    probe = next(line for line in lines if line["event"] == "probe")
    assert probe["password"] == probe["refresh_token"] == "[redacted]"
    assert probe["user"] == "jane"


def test_each_log_line_is_one_write_with_its_newline(monkeypatch):
    # A line printed meanwhile by another thread (`crm serve`'s "Ready: …") cannot land
    # inside it: stdout and stderr are the same terminal.
    writes: list[str] = []

    class Recording(io.StringIO):
        def write(self, text: str) -> int:
            writes.append(text)
            return super().write(text)

    monkeypatch.setattr("sys.stderr", Recording())
    configure_logging("INFO")
    try:
        structlog.get_logger("crm.test").info("probe", n=1)
    finally:
        monkeypatch.undo()
        configure_logging("INFO")
    assert len(writes) == 1, writes
    assert writes[0].endswith("}\n") and json.loads(writes[0])["event"] == "probe"


async def test_health_checks_that_answer_are_logged_only_at_debug(client):
    """A platform asks /health every few seconds, and `crm serve` asks it before "Ready:"."""
    stream = io.StringIO()
    try:
        for level in ("INFO", "DEBUG"):
            configure_logging(level)
            structlog.configure(logger_factory=structlog.PrintLoggerFactory(stream))
            for path in ("/health", "/ready", "/api/v1/me"):
                await client.get(path)
    finally:
        configure_logging("INFO")
    lines = [json.loads(line) for line in stream.getvalue().splitlines()]
    said = [(line["level"], line["path"]) for line in lines]
    assert said == [
        ("info", "/api/v1/me"),  # a 401: every other request is logged as before
        ("debug", "/health"),
        ("debug", "/ready"),
        ("info", "/api/v1/me"),
    ]
