import uuid
from datetime import datetime
from typing import Any

from crm.kit.records import Ref
from crm.kit.schemas import Output
from crm.models import Activity


class ActivityOut(Output):
    """One change: who made it, through which channel, and each field's `from` and `to`."""

    id: uuid.UUID
    entity_type: str
    entity_id: uuid.UUID
    action: str
    changes: dict[str, Any]
    effects: dict[str, Any] | None
    channel: str
    client: str | None = None
    user: Ref | None
    created_at: datetime

    @classmethod
    def of(cls, entry: Activity) -> "ActivityOut":
        user = Ref(id=entry.user.id, name=entry.user.name) if entry.user else None
        return cls(
            id=entry.id,
            entity_type=entry.entity_type,
            entity_id=entry.entity_id,
            action=entry.action,
            changes=entry.changes,
            effects=entry.effects,
            channel=entry.channel,
            client=entry.client,
            user=user,
            created_at=entry.created_at,
        )
