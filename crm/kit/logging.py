"""Structured logs (structlog) with the request id bound to every line; secrets redacted."""

import logging
import sys
from collections.abc import MutableMapping
from typing import Any

import structlog

_SECRET_WORDS = ("password", "token", "secret", "authorization", "cookie", "api_key", "key")


def _redact(_: Any, __: str, event: MutableMapping[str, Any]) -> MutableMapping[str, Any]:
    for name in event:
        if name != "event" and any(word in name.lower() for word in _SECRET_WORDS):
            event[name] = "[redacted]"
    return event


def loggable_path(scope: MutableMapping[str, Any]) -> str:
    """The request's path, or its route's template when a path parameter is a secret (the ICS
    feed's token, an invitation's)."""
    params = scope.get("path_params")
    if params and any(word in name for name in params for word in _SECRET_WORDS):
        return scope["route"].path
    return scope["path"]


def configure_logging(level: str = "INFO") -> None:
    renderer: Any = (
        structlog.dev.ConsoleRenderer()
        if sys.stderr.isatty()
        else structlog.processors.JSONRenderer()
    )
    structlog.configure(
        processors=[
            structlog.contextvars.merge_contextvars,
            structlog.processors.add_log_level,
            structlog.processors.TimeStamper(fmt="iso", utc=True),
            _redact,
            structlog.processors.format_exc_info,
            renderer,
        ],
        wrapper_class=structlog.make_filtering_bound_logger(logging.getLevelName(level.upper())),
        # Each line in one write, its newline included: `print` writes the newline apart, and
        # a line `crm serve` printed from another thread meanwhile ("Ready: …") landed inside
        # a log line (stdout and stderr are the same terminal).
        logger_factory=structlog.WriteLoggerFactory(sys.stderr),
        # Not cached, so a reconfiguration (tests, `crm` commands) reaches every logger.
        cache_logger_on_first_use=False,
    )
