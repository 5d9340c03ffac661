"""What the offline interpreter's plans are made of: a plan is a generator that yields tool
calls and is sent their outcomes, and answers the reply. Shared by the interpreter and its
plans (offline_calendar, offline_questions, offline_free)."""

from collections.abc import Generator
from dataclasses import dataclass
from typing import Any

INTRO = "I'm the offline assistant (no AI provider is set up), so I understand simple commands."


@dataclass(frozen=True)
class Call:
    tool: str
    args: dict[str, Any]


@dataclass(frozen=True)
class Outcome:
    ok: bool
    data: Any
    error: str | None = None


Plan = Generator[Call, Outcome, str]
