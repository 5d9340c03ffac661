"""The caller of a service: who, in which workspace, with which role, through which channel."""

import uuid
from dataclasses import dataclass
from typing import Literal

from crm.models import Role

Channel = Literal["web", "api", "assistant", "mcp", "job"]


@dataclass(frozen=True)
class Actor:
    user_id: uuid.UUID
    workspace_id: uuid.UUID
    role: Role
    channel: Channel
    # The personal access token's or OAuth app's name, for the activity log.
    client: str | None = None

    @property
    def is_admin(self) -> bool:
        return self.role in (Role.owner, Role.admin)
