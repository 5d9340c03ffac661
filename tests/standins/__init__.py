"""Stand-ins for the services this machine cannot reach (Microsoft, Google): real HTTP servers
on 127.0.0.1 and an ephemeral port, following the providers' documented requests and answers,
so the CRM's real client code runs against them through its configurable base URLs.

A stand-in is an object with `routes()` (Starlette routes under the paths the provider uses);
`StandInServer(a, b, ...)` serves several of them on one port, the way the Microsoft identity
platform and Graph are reached through their own base URLs that tests point at one server."""

from collections.abc import Sequence
from typing import Protocol

from starlette.applications import Starlette
from starlette.routing import BaseRoute

from tests.standins.serving import ServedApp


class StandIn(Protocol):
    def routes(self) -> Sequence[BaseRoute]: ...


class StandInServer(ServedApp):
    """Several stand-ins' routes served on one port; `url` is its base, `with` starts and
    stops it."""

    def __init__(self, *standins: StandIn) -> None:
        super().__init__(Starlette(routes=[route for s in standins for route in s.routes()]))
