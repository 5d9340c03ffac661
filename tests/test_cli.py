"""The newcomer's path: `crm serve` on the embedded default, restarts, and the other commands."""

import os
import signal
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

import httpx
import pytest

from crm import __version__
from crm.cli import why_not_listening
from crm.db import app_url
from tests.conftest import PASSWORD, SECRET
from tests.smtp import free_port

CRM = [sys.executable, "-m", "crm.cli"]


def crm_env(data_dir: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DATABASE_", "CRM_"))}
    return {**env, "CRM_DATA_DIR": str(data_dir), "PYTHONUNBUFFERED": "1"}


class Served:
    """`crm serve` in a subprocess, its output read as it comes (a thread), ready once it said
    "Ready:" (what its user waits for), stopped with Ctrl-C."""

    def __init__(self, data_dir: Path, *args: str, **env: str) -> None:
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.process = subprocess.Popen(
            [*CRM, "serve", "--port", str(self.port), *args],
            env={**crm_env(data_dir), **env},
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
        self.lines: list[str] = []
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()
        self._wait_ready()

    def _read(self) -> None:
        assert self.process.stdout is not None
        for line in self.process.stdout:
            self.lines.append(line.rstrip("\n"))

    # Generous: the time to ready is a benchmark figure (bench/startup.py), not a test's.
    def _wait_ready(self, timeout: float = 60) -> None:
        started = time.monotonic()
        while time.monotonic() - started < timeout:
            if any(line.startswith("Ready: ") for line in self.lines):
                return
            if self.process.poll() is not None:
                self._reader.join(5)
                raise AssertionError("crm serve exited: " + "\n".join(self.lines))
            time.sleep(0.05)
        self.process.kill()
        raise AssertionError(f"crm serve not ready in {timeout}s: " + "\n".join(self.lines))

    def stop(self) -> str:
        self.process.send_signal(signal.SIGINT)
        self.process.wait(timeout=20)
        self._reader.join(5)
        output = "\n".join(self.lines)
        assert self.process.returncode == 0, output
        return output


def postgres_running(data_dir: Path) -> bool:
    pid_file = data_dir / "postgres" / "postmaster.pid"
    if not pid_file.exists():
        return False
    pid = int(pid_file.read_text().split()[0])
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return True


@pytest.fixture
def data_dir(tmp_path: Path) -> Path:
    return tmp_path / "data"


def test_serve_starts_embedded_keeps_data_across_restarts_and_stops_cleanly(data_dir):
    first = Served(data_dir)
    register = httpx.post(
        f"{first.url}/api/v1/auth/register",
        json={"email": "jane@example.com", "password": PASSWORD, "name": "Jane"},
    )
    assert register.status_code == 201
    output = first.stop()
    lines = output.splitlines()
    url = f"http://127.0.0.1:{first.port}"
    said = [line.split(":")[0] for line in lines]  # what `crm serve` said, in order
    starting = lines.index(f"Starting the CRM {__version__} at {url}…")
    assert starting < said.index("Database") < lines.index(f"Ready: {url}"), lines
    assert not [line for line in lines if '"/health"' in line], lines  # its own probe unlogged
    assert not postgres_running(data_dir)

    second = Served(data_dir)
    try:
        login = httpx.post(
            f"{second.url}/api/v1/auth/login",
            json={"email": "jane@example.com", "password": PASSWORD},
        )
        assert login.status_code == 200
    finally:
        second.stop()


def test_serve_whose_terminal_closes_stops_its_database(data_dir):
    served = Served(data_dir)
    assert postgres_running(data_dir)
    served.process.send_signal(signal.SIGHUP)  # what a closed terminal window sends
    served.process.wait(timeout=20)
    left_running = postgres_running(data_dir)
    if left_running:  # not left behind for the rest of the run
        pid_file = data_dir / "postgres" / "postmaster.pid"
        os.kill(int(pid_file.read_text().split()[0]), signal.SIGTERM)
    assert not left_running, "\n".join(served.lines)


def test_second_serve_on_the_same_data_dir_says_so_and_exits(data_dir):
    first = Served(data_dir)
    try:
        second = subprocess.run(
            [*CRM, "serve", "--port", str(free_port())],
            env=crm_env(data_dir),
            capture_output=True,
            text=True,
            timeout=30,
        )
        assert second.returncode == 1
        assert "already running" in second.stderr
        assert httpx.get(f"{first.url}/ready").status_code == 200
    finally:
        first.stop()


def test_serve_on_a_port_in_use_says_so_before_making_the_database(data_dir):
    with socket.create_server(("127.0.0.1", 0)) as taken:  # another program's server
        port = taken.getsockname()[1]
        result = subprocess.run(
            [*CRM, "serve", "--port", str(port)],
            env=crm_env(data_dir),
            capture_output=True,
            text=True,
            timeout=60,
        )
    assert result.returncode == 1, result.stdout + result.stderr
    assert f"Not started: port {port} of 127.0.0.1 is in use by another program" in result.stderr
    assert f"crm serve --port {port + 1}." in result.stderr
    assert "Starting" not in result.stdout
    assert not (data_dir / "postgres").exists()  # no database made (and none left running)


@pytest.mark.parametrize(
    ("setting", "said"),
    [
        (
            {"CRM_SECRET_KEY": "too short"},
            "CRM_SECRET_KEY must hold keys of at least 32 characters",
        ),
        ({"CRM_DATA_DIR": "{file}/data"}, "the data directory {file}/data cannot be made"),
        (
            {"DATABASE_URL": "postgresql://crm@127.0.0.1:{port}/crm"},
            "the database at postgresql+asyncpg://crm@127.0.0.1:{port}/crm cannot be reached "
            "(Connection refused); check DATABASE_URL",
        ),
    ],
    ids=["short secret key", "data dir under a file", "database not answering"],
)
def test_serve_with_settings_it_cannot_use_says_which_and_starts_nothing(
    data_dir, tmp_path, setting, said
):
    file = tmp_path / "a file"
    file.write_text("not a directory")
    values = {"file": file, "port": free_port()}  # nothing listens on that port
    env = {name: value.format(**values) for name, value in setting.items()}
    result = subprocess.run(
        [*CRM, "serve", "--port", str(free_port())],
        env={**crm_env(data_dir), **env},
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 1, result.stdout + result.stderr
    assert f"Not started: {said.format(**values)}" in result.stderr
    assert "Traceback" not in result.stdout + result.stderr
    assert "Database:" not in result.stdout
    assert not (data_dir / "postgres").exists()


def test_serve_as_a_role_that_bypasses_row_level_security_refuses_before_it_starts(
    data_dir, admin_url
):
    result = subprocess.run(
        [*CRM, "serve", "--port", str(free_port())],
        env={**crm_env(data_dir), "DATABASE_URL": admin_url, "CRM_SECRET_KEY": SECRET},
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 1, result.stdout + result.stderr
    assert "bypasses row-level security; connect the application as 'crm_app'" in result.stderr
    assert "Traceback" not in result.stdout + result.stderr


@pytest.mark.parametrize(
    ("host", "said"),
    [
        ("192.0.2.1", "192.0.2.1 is not an address of this machine"),  # RFC 5737: nobody's
        ("nowhere.invalid", "nowhere.invalid is not a name or address of this machine"),
    ],
)
def test_serve_on_an_address_not_of_this_machine_says_which_to_use(host, said):
    reason = why_not_listening(host, free_port())
    assert reason is not None and reason.startswith(said)
    assert "--host 127.0.0.1" in reason and "--host 0.0.0.0" in reason


def test_user_create_then_login(data_dir):
    created = subprocess.run(
        [
            *CRM,
            "user",
            "create",
            "--email",
            "ada@example.com",
            "--name",
            "Ada",
            "--password",
            PASSWORD,
        ],
        env=crm_env(data_dir),
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert created.returncode == 0, created.stderr
    assert not postgres_running(data_dir)
    served = Served(data_dir)
    try:
        login = httpx.post(
            f"{served.url}/api/v1/auth/login",
            json={"email": "ada@example.com", "password": PASSWORD},
        )
        assert login.status_code == 200
        workspace = httpx.get(
            f"{served.url}/api/v1/workspace",
            headers={"Authorization": f"Bearer {login.json()['access_token']}"},
        )
        assert workspace.json()["role"] == "owner"
    finally:
        served.stop()


def test_user_create_refuses_a_weak_password(data_dir):
    result = subprocess.run(
        [*CRM, "user", "create", "--email", "a@example.com", "--name", "A", "--password", "short"],
        env=crm_env(data_dir),
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 1
    assert "at least 10 characters" in result.stderr


def test_migrate_sql_prints_the_schema(data_dir):
    result = subprocess.run(
        [*CRM, "migrate", "--sql"],
        env=crm_env(data_dir),
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    assert "CREATE TABLE user_account" in result.stdout
    assert "FORCE ROW LEVEL SECURITY" in result.stdout


def test_help_explains_every_command():
    result = subprocess.run([*CRM, "--help"], capture_output=True, text=True, timeout=30)
    for command in ("serve", "migrate", "user"):
        assert command in result.stdout
    user = subprocess.run([*CRM, "user", "create", "--help"], capture_output=True, text=True)
    assert "--email" in user.stdout and "--password" in user.stdout


def test_links_follow_the_served_port_when_crm_base_url_is_unset(data_dir, admin_url):
    served = Served(data_dir, "--no-worker", DATABASE_URL=app_url(admin_url), CRM_SECRET_KEY=SECRET)
    try:
        account = {"email": "ada@example.com", "password": PASSWORD, "name": "Ada"}
        tokens = httpx.post(f"{served.url}/api/v1/auth/register", json=account).json()
        auth = {"Authorization": f"Bearer {tokens['access_token']}"}
        event = {
            "title": "Kick-off",
            "start": "2027-01-04T09:00:00Z",
            "end": "2027-01-04T10:00:00Z",
        }
        assert httpx.post(f"{served.url}/api/v1/calendar/events", json=event, headers=auth)
        feed = httpx.post(f"{served.url}/api/v1/calendar/feed", headers=auth).json()["url"]
        assert feed.startswith(f"{served.url}/api/v1/calendar/feed/")
        body = httpx.get(feed).text
        assert f"URL:{served.url}/calendar\r\n" in body
        assert ":8000" not in body
        invite = {"email": "bob@example.com", "role": "member"}
        sent = httpx.post(f"{served.url}/api/v1/workspace/invites", json=invite, headers=auth)
        assert sent.json()["url"].startswith(f"{served.url}/invite/")
    finally:
        served.stop()
