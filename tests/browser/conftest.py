"""Browser tests: Debian's Chromium driven by Playwright against a live `crm serve` on the
test database. Screenshots go to docs/screenshots/ with UPDATE_SCREENSHOTS=1 (else a temp dir)."""

import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from crm.db import app_url
from tests.conftest import SECRET
from tests.smtp import free_port
from tests.standins import StandInServer
from tests.standins.google import GoogleIdentity
from tests.standins.microsoft_graph import GraphStandIn
from tests.standins.microsoft_identity import MicrosoftIdentity

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
PROVIDER_KEYS = ("ANTHROPIC_API_KEY", "OPENAI_API_KEY", "GEMINI_API_KEY", "OPENAI_BASE_URL")
WIDE = {"width": 1440, "height": 900}
NARROW = {"width": 390, "height": 844}
SCREENSHOTS = Path(__file__).resolve().parents[2] / "docs" / "screenshots"


@pytest.fixture(scope="session")
def microsoft_server() -> Iterator[tuple[MicrosoftIdentity, StandInServer]]:
    """The Microsoft identity platform's stand-in that the live server is configured with, and
    Graph beside it (the calendar a connection syncs)."""
    identity = MicrosoftIdentity()
    graph = GraphStandIn(identity=identity)
    identity.graph = graph  # type: ignore[attr-defined] (the mailboxes tests seed)
    with StandInServer(identity, graph.standin()) as server:
        graph.base = f"{server.url}/v1.0"
        yield identity, server


@pytest.fixture
def microsoft(microsoft_server, live_server: str) -> MicrosoftIdentity:
    """The stand-in, fresh for one test."""
    identity, _ = microsoft_server
    identity.reset()
    return identity


@pytest.fixture(scope="session")
def google_server() -> Iterator[tuple[GoogleIdentity, StandInServer]]:
    """Google's OAuth stand-in that the live server is configured with."""
    identity = GoogleIdentity()
    with StandInServer(identity) as server:
        yield identity, server


@pytest.fixture
def google(google_server, live_server: str) -> GoogleIdentity:
    identity, _ = google_server
    identity.reset()
    return identity


@pytest.fixture(scope="session")
def live_server(admin_url: str, microsoft_server, google_server) -> Iterator[str]:
    """`crm serve` as the application role on the (already migrated) test database, with
    Microsoft 365 and Google Workspace set up against their stand-ins."""
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    identity, standin = microsoft_server
    identity.redirect_uris.add(f"{url}/api/v1/integrations/ms365/callback")
    google_identity, google_standin = google_server
    google_identity.redirect_uris.add(f"{url}/api/v1/integrations/google/callback")
    data_dir = tempfile.mkdtemp(prefix="crm-browser-")
    env = {
        # No model provider's key either: the assistant answers offline in the browser tests.
        **{
            k: v
            for k, v in os.environ.items()
            if not k.startswith(("DATABASE_", "CRM_")) and k not in PROVIDER_KEYS
        },
        "DATABASE_URL": app_url(admin_url),
        "CRM_SECRET_KEY": SECRET,
        "CRM_BASE_URL": url,
        "CRM_DATA_DIR": data_dir,
        "RATE_LIMIT_AUTH": "1000/minute",
        "PYTHONUNBUFFERED": "1",
        **identity.crm_environment(standin.url),
        **{k.upper(): str(v) for k, v in google_identity.crm_settings(google_standin.url).items()},
    }
    # The server's log goes to a file: a pipe nobody reads fills up after some requests and
    # then blocks the server on its next log line.
    log_path = Path(data_dir) / "server.log"
    log = log_path.open("w")
    process = subprocess.Popen(
        # No worker: it would deliver the reminders that later tests deliver themselves.
        [sys.executable, "-m", "crm.cli", "serve", "--port", str(port), "--no-worker"],
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    deadline = time.monotonic() + 120  # generous: a loaded machine imports slowly
    while True:
        if process.poll() is not None:
            raise AssertionError(f"crm serve exited: {log_path.read_text()}")
        try:
            if httpx.get(f"{url}/ready").status_code == 200:
                break
        except httpx.TransportError:
            pass
        if time.monotonic() > deadline:
            process.kill()
            raise AssertionError("crm serve did not become ready")
        time.sleep(0.1)
    try:
        yield url
    finally:
        process.send_signal(signal.SIGINT)
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
        log.close()
        shutil.rmtree(data_dir, ignore_errors=True)


# Module-scoped: the sync API runs its own event loop while it is open, and pytest-asyncio's
# tests in later modules need the thread without it.
@pytest.fixture(scope="module")
def browser():
    if not Path(CHROMIUM).exists():
        if os.environ.get("CI") == "true":
            pytest.fail(f"{CHROMIUM} is missing (apt-get install chromium)")
        pytest.skip(f"{CHROMIUM} is missing (apt-get install chromium)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        instance = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield instance
        instance.close()


@pytest.fixture(scope="session")
def screenshots() -> Path:
    if os.environ.get("UPDATE_SCREENSHOTS") == "1":
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        return SCREENSHOTS
    return Path(tempfile.mkdtemp(prefix="crm-screenshots-"))
