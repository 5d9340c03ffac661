"""The app's route table, tried router by router: FastAPI tries each route of each included
router in turn, at 2-5 µs a route, so a page whose router comes thirtieth paid 0.35-0.45 ms
to be found. Each router is included behind a check of the paths its routes can match (one
set lookup and one `str.startswith`), which refuses every other request at once."""

from fastapi import APIRouter
from starlette._utils import get_route_path
from starlette.routing import Match, Mount
from starlette.types import Scope


class _PathsOf(APIRouter):
    """`router` included under no prefix of its own, refusing a request whose path none of
    its routes can match: a route without parameters matches its path exactly, one with
    parameters only paths that start with the text before its first, a mount only paths
    under it. Whatever passes is matched by FastAPI as before, so the answer is the same."""

    def __init__(self, router: APIRouter, exact: frozenset[str], prefixes: tuple[str, ...]):
        super().__init__()
        self.exact, self.prefixes = exact, prefixes
        self.include_router(router)

    def serves(self, path: str) -> bool:
        return path in self.exact or path.startswith(self.prefixes)

    def matches(self, scope: Scope) -> tuple[Match, Scope]:
        if not self.serves(get_route_path(scope)):
            return Match.NONE, {}
        return super().matches(scope)


def indexed(router: APIRouter) -> APIRouter:
    """`router` behind the check of its paths, or as it is when a route could match any path
    (a parameter right after the first slash) or is of a kind whose paths are not known."""
    exact: set[str] = set()
    prefixes: set[str] = set()
    for route in router.routes:
        path = getattr(route, "path", None)
        if not isinstance(path, str):
            return router
        if isinstance(route, Mount):
            prefixes.add(path.rstrip("/") + "/")
            exact.add(path)
        elif "{" in path:
            prefixes.add(path.split("{", 1)[0])
        else:
            exact.add(path)
    if not router.routes or any(len(prefix) <= 1 for prefix in prefixes):
        return router
    return _PathsOf(router, frozenset(exact), tuple(sorted(prefixes)))
