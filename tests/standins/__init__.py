"""Stand-ins for the services this machine cannot reach (Microsoft, Google): real HTTP servers
on 127.0.0.1 and an ephemeral port, following the providers' documented requests and answers,
so the CRM's real client code runs against them through its configurable base URLs.

A stand-in is an object with `routes()` (Starlette routes under the paths the provider uses);
`StandInServer(a, b, ...)` serves several of them on one port, the way the Microsoft identity
platform and Graph are reached through their own base URLs that tests point at one server."""

import socket
import threading
import time
from collections.abc import Sequence
from typing import Protocol

import uvicorn
from starlette.applications import Starlette
from starlette.routing import BaseRoute


class StandIn(Protocol):
    def routes(self) -> Sequence[BaseRoute]: ...


class StandInServer:
    """Uvicorn in a daemon thread; `url` is its base, `with` starts and stops it."""

    def __init__(self, *standins: StandIn) -> None:
        app = Starlette(routes=[route for s in standins for route in s.routes()])
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.port = self.sock.getsockname()[1]
        self.server = uvicorn.Server(uvicorn.Config(app, log_level="warning", lifespan="off"))
        self.thread = threading.Thread(
            target=self.server.run, kwargs={"sockets": [self.sock]}, daemon=True
        )

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> "StandInServer":
        self.thread.start()
        deadline = time.monotonic() + 10
        while not self.server.started:
            if time.monotonic() > deadline:
                raise RuntimeError("the stand-in server did not start")
            time.sleep(0.01)
        return self

    def stop(self) -> None:
        self.server.should_exit = True
        self.thread.join(10)
        self.sock.close()

    def __enter__(self) -> "StandInServer":
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()
