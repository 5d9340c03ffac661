"""A real CalDAV server (Radicale) for the calendar sync tests: its own process on a free port,
a temporary storage folder and an htpasswd file, so wrong passwords really are refused."""

import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx

from tests.smtp import free_port

USER = "alice"
PASSWORD = "radicale-secret"


class RadicaleServer:
    """`with RadicaleServer() as server:` serves until the block ends; `server.url` is its
    root, `server.make_calendar(name)` creates a calendar of USER's and answers its URL."""

    def __init__(self) -> None:
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}/"
        self._folder = tempfile.TemporaryDirectory(prefix="radicale-")
        self._process: subprocess.Popen[bytes] | None = None

    def __enter__(self) -> "RadicaleServer":
        folder = Path(self._folder.name)
        users = folder / "users"
        users.write_text(f"{USER}:{PASSWORD}\n")
        self._process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "radicale",
                "--server-hosts",
                f"127.0.0.1:{self.port}",
                "--storage-filesystem-folder",
                str(folder / "collections"),
                "--auth-type",
                "htpasswd",
                "--auth-htpasswd-filename",
                str(users),
                "--auth-htpasswd-encryption",
                "plain",
                "--auth-delay",
                "0",
                "--rights-type",
                "owner_only",
                "--logging-level",
                "warning",
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        self._wait_until_listening()
        return self

    def __exit__(self, *exc: object) -> None:
        if self._process is not None:
            self._process.terminate()
            self._process.wait(10)
        self._folder.cleanup()

    def _wait_until_listening(self) -> None:
        assert self._process is not None
        deadline = time.monotonic() + 20
        while True:
            if self._process.poll() is not None:
                raise AssertionError("radicale exited at start")
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=0.5):
                    return
            except OSError:
                if time.monotonic() > deadline:
                    raise AssertionError("radicale did not start listening") from None
                time.sleep(0.05)

    def make_calendar(self, slug: str, name: str | None = None) -> str:
        """Create a calendar collection of USER's (MKCALENDAR) and answer its URL."""
        url = f"{self.url}{USER}/{slug}/"
        body = (
            '<?xml version="1.0" encoding="utf-8"?>'
            '<C:mkcalendar xmlns:D="DAV:" xmlns:C="urn:ietf:params:xml:ns:caldav">'
            f"<D:set><D:prop><D:displayname>{name or slug}</D:displayname></D:prop></D:set>"
            "</C:mkcalendar>"
        )
        response = httpx.request(
            "MKCALENDAR",
            url,
            content=body,
            auth=(USER, PASSWORD),
            headers={"Content-Type": "application/xml"},
        )
        assert response.status_code == 201, response.text
        return url
