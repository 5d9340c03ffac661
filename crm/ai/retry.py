"""How a model request is retried when the provider says to try again (the transport's policy,
crm/ai/transport.py), apart from the transport so that naming it loads no HTTP client."""

from dataclasses import dataclass


@dataclass(frozen=True)
class RetryPolicy:
    """How often and how long a request is retried when the provider says to try again."""

    attempts: int = 4
    total_seconds: float = 60.0
    max_wait: float = 30.0
    base_delay: float = 0.5
    statuses: frozenset[int] = frozenset({408, 429, 500, 502, 503, 504, 529})


DEFAULT_RETRY = RetryPolicy()
# One attempt at most this long (the SDK's per-attempt timeout).
ATTEMPT_TIMEOUT = 60.0
