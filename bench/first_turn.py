"""The newcomer's first chat turn after `crm serve` starts on the embedded default (no AI key:
the offline interpreter answers): a fresh data directory, /ready, `--wait` seconds (the time a
person takes to open the page and sign up), a sign-up, then two turns through `POST
/api/v1/chat`. Prints each turn's wall time and the load average; the first turn pays for
whatever the assistant loads on first use.

    python -P bench/first_turn.py [--runs 3] [--wait 2]
"""

import argparse
import http.client
import json
import os
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from typing import Any


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def call(port: int, method: str, path: str, body: Any = None, token: str = "") -> Any:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    headers = {"Content-Type": "application/json"}
    if token:
        headers["Authorization"] = f"Bearer {token}"
    connection.request(method, path, json.dumps(body) if body is not None else None, headers)
    response = connection.getresponse()
    data = response.read()
    if response.status >= 300:
        raise SystemExit(f"{method} {path} answered {response.status}: {data[:200]!r}")
    return json.loads(data) if data else None


def ready(port: int) -> bool:
    try:
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
        connection.request("GET", "/ready")
        return connection.getresponse().status == 200
    except OSError:
        return False


def turns(wait: float) -> tuple[float, float]:
    """One start: the first and second turn's seconds."""
    port = free_port()
    # As from a user's shell: bytecode cached (see bench/startup.py), no database settings.
    skip = ("DATABASE_URL", "REDIS_URL", "PYTHONDONTWRITEBYTECODE")
    env = {k: v for k, v in os.environ.items() if k not in skip}
    env.update(CRM_DATA_DIR=tempfile.mkdtemp(prefix="crm-first-turn-"), LOG_LEVEL="WARNING")
    server = subprocess.Popen(
        [sys.executable, "-m", "crm.cli", "serve", "--port", str(port)],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + 120
        while not ready(port):
            if time.monotonic() > deadline or server.poll() is not None:
                raise SystemExit("crm serve did not become ready")
            time.sleep(0.05)
        time.sleep(wait)
        user = {"email": "ada@example.com", "password": "a long password 2026", "name": "Ada"}
        token = call(port, "POST", "/api/v1/auth/register", user)["access_token"]
        seconds = []
        for name in ("Dante Alighieri", "Beatrice Portinari"):
            started = time.perf_counter()
            call(port, "POST", "/api/v1/chat", {"message": f"add contact {name}"}, token)
            seconds.append(time.perf_counter() - started)
        return seconds[0], seconds[1]
    finally:
        server.send_signal(signal.SIGINT)
        server.wait(30)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--wait", type=float, default=2.0, help="seconds after ready")
    args = parser.parse_args()
    print(f"load average {os.getloadavg()[0]:.1f} at the start")
    first, second = zip(*(turns(args.wait) for _ in range(args.runs)), strict=True)
    for label, values in (("first turn", first), ("second turn", second)):
        ms = ", ".join(f"{v * 1000:.0f}" for v in values)
        print(f"{label}: median {statistics.median(values) * 1000:.0f} ms ({ms} ms)")
    print(f"load average {os.getloadavg()[0]:.1f} at the end")


if __name__ == "__main__":
    main()
