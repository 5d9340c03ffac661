"""Time from `crm serve` to a ready /ready on the embedded default: first run (empty data
directory: initdb, migrations) and second run (existing data). Prints seconds for each."""

import os
import signal
import socket
import subprocess
import sys
import tempfile
import time

import httpx


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def time_to_ready(data_dir: str) -> float:
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DATABASE_", "CRM_"))}
    env["CRM_DATA_DIR"] = data_dir
    started = time.perf_counter()
    process = subprocess.Popen(
        [sys.executable, "-m", "crm.cli", "serve", "--port", str(port)],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        while True:
            try:
                if httpx.get(f"http://127.0.0.1:{port}/ready").status_code == 200:
                    return time.perf_counter() - started
            except httpx.TransportError:
                time.sleep(0.02)
            if process.poll() is not None:
                raise SystemExit("crm serve exited before it was ready")
    finally:
        process.send_signal(signal.SIGINT)
        process.wait(30)


def main() -> None:
    runs = int(sys.argv[1]) if len(sys.argv) > 1 else 3
    first, again = [], []
    for _ in range(runs):
        with tempfile.TemporaryDirectory() as data_dir:
            first.append(time_to_ready(data_dir))
            again.append(time_to_ready(data_dir))
    print(
        f"first run (initdb + migrations): median {sorted(first)[runs // 2]:.2f} s, "
        f"max {max(first):.2f} s over {runs} runs"
    )
    print(
        f"second run (existing data):      median {sorted(again)[runs // 2]:.2f} s, "
        f"max {max(again):.2f} s over {runs} runs"
    )


if __name__ == "__main__":
    main()
