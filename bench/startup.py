"""Time from `crm serve` to a ready /ready on the embedded default: first run (empty data
directory: initdb, migrations) and second run (existing data). Prints, for each, the seconds
to ready and the CPU seconds the `crm serve` process had used by then (its own and its
finished children's: initdb, pg_ctl; not the PostgreSQL server's), with the load average,
since on a shared machine the wall time follows the load and the CPU time much less; and when
`crm serve` printed its database line (the embedded server started, the schema migrated), so
the wall time splits into the database's part and the rest (the web app, up to ready); and
when the sign-in page, asked for as soon as /ready answers, answered: a page waits for the
modules the app imports in the background once it answers, so this is when a user who opens
the address at "Ready:" sees the CRM, and the server's resident memory then.

`crm serve` runs as from a user's shell: Python caches the CRM's bytecode (its __pycache__,
written by the user's first run and by an untimed import here before the runs), even where
the environment says PYTHONDONTWRITEBYTECODE (as this development machine's does: there, unless
the tree was compiled first, each run compiled the CRM's 185 modules again, 0.3 s of CPU that a
user's second run does not pay).

    python bench/startup.py [runs] [--trees <checkout before> <checkout after>]
"""

import argparse
import http.client
import os
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time

TICKS = os.sysconf("SC_CLK_TCK")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def cpu_seconds(pid: int) -> float:
    """utime + stime + cutime + cstime of a process, from /proc."""
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return sum(int(v) for v in fields[11:15]) / TICKS


def resident_mb(pid: int) -> float:
    """A process's resident memory (VmRSS), from /proc."""
    with open(f"/proc/{pid}/status") as f:
        kb = next(line.split()[1] for line in f if line.startswith("VmRSS:"))
    return int(kb) / 1024


def answers(port: int, path: str = "/ready") -> bool:
    """`path` answers 200. Asked with http.client, not httpx: on a loaded 2-core machine a
    new httpx client every 20 ms took CPU from the server whose start it measures."""
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
    try:
        connection.request("GET", path)
        return connection.getresponse().status == 200
    except OSError:
        return False
    finally:
        connection.close()


def user_env(tree: str | None = None) -> dict[str, str]:
    """The environment `crm serve` runs in: no database or CRM settings, bytecode cached; the
    CRM imported from `tree` when given."""
    skip = ("DATABASE_", "CRM_", "PYTHONDONTWRITEBYTECODE")
    env = {k: v for k, v in os.environ.items() if not k.startswith(skip)}
    return env | {"PYTHONPATH": tree} if tree else env


Run = tuple[float, float, float, float, float]


def time_to_ready(data_dir: str, tree: str | None = None) -> Run:
    """Seconds to ready, CPU seconds by then, seconds to the database line, seconds to the
    answer of a page asked for at once after ready (the sign-in page: a page waits for the
    modules the app imports in the background once it answers), and the server's resident
    memory (MB) then."""
    port = free_port()
    env = {**user_env(tree), "CRM_DATA_DIR": data_dir}
    started = time.perf_counter()
    process = subprocess.Popen(
        [sys.executable, "-m", "crm.cli", "serve", "--port", str(port)],
        env=env,
        cwd=tree,  # `-m` imports from the working directory before PYTHONPATH
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
    )
    database_line: list[float] = []

    def read_output() -> None:
        for line in process.stdout or ():
            if line.startswith("Database:"):
                database_line.append(time.perf_counter() - started)

    threading.Thread(target=read_output, daemon=True).start()
    try:
        while not answers(port):
            if process.poll() is not None:
                raise SystemExit("crm serve exited before it was ready")
            time.sleep(0.02)
        ready, cpu = time.perf_counter() - started, cpu_seconds(process.pid)
        if not answers(port, "/login"):
            raise SystemExit("the sign-in page did not answer")
        page = time.perf_counter() - started
        return ready, cpu, database_line[0], page, resident_mb(process.pid)
    finally:
        process.send_signal(signal.SIGINT)
        process.wait(30)


def summary(label: str, runs: list[Run]) -> str:
    wall, cpu, database, page, memory = (sorted(column) for column in zip(*runs, strict=True))
    middle = len(runs) // 2
    return (
        f"{label}: ready in median {wall[middle]:.2f} s (max {wall[-1]:.2f} s), "
        f"CPU median {cpu[middle]:.2f} s (max {cpu[-1]:.2f} s), "
        f"database line at median {database[middle]:.2f} s, a page asked for at ready "
        f"answered at median {page[middle]:.2f} s (max {page[-1]:.2f} s), resident memory "
        f"then median {memory[middle]:.0f} MB, over {len(runs)} runs"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("runs", type=int, nargs="?", default=3, help="runs of each (default 3)")
    parser.add_argument(
        "--trees",
        nargs="+",
        metavar="DIR",
        help="checkouts to compare (A/B), taken in turn run by run so that the machine's "
        "drift weighs on each alike (default: the CRM this Python imports)",
    )
    args = parser.parse_args()
    trees: list[str | None] = [os.path.abspath(tree) for tree in args.trees or ()] or [None]
    for tree in trees:
        subprocess.run(
            [sys.executable, "-c", "import crm.cli, crm.app"],
            env=user_env(tree),
            cwd=tree,
            check=True,
        )
    print(f"load average {os.getloadavg()[0]:.1f} at the start")
    runs: dict[str | None, tuple[list[Run], list[Run]]] = {tree: ([], []) for tree in trees}
    for n in range(args.runs):
        for tree in trees if n % 2 == 0 else trees[::-1]:
            first, again = runs[tree]
            with tempfile.TemporaryDirectory() as data_dir:
                first.append(time_to_ready(data_dir, tree))
                again.append(time_to_ready(data_dir, tree))
    for tree, (first, again) in runs.items():
        if tree:
            print(tree)
        print(summary("first run (initdb + migrations)", first))
        print(summary("second run (existing data)     ", again))
    print(f"load average {os.getloadavg()[0]:.1f} at the end")


if __name__ == "__main__":
    main()
