"""Notifications as the API answers them."""

import uuid
from datetime import datetime
from typing import Annotated, Any

from pydantic import Field

from crm.kit.pagination import PageQuery
from crm.kit.schemas import Input, Output


class NotificationOut(Output):
    id: uuid.UUID
    kind: str
    title: str
    body: str | None
    link: str | None
    entity_type: str | None
    entity_id: uuid.UUID | None
    data: dict[str, Any]
    read_at: datetime | None
    created_at: datetime


class NotificationPage(Output):
    items: list[NotificationOut]
    next_cursor: str | None
    unread: int


class NotificationQuery(PageQuery):
    unread_only: bool = False


class ReadInput(Input):
    """Mark these notifications read, or all of yours with `all`."""

    ids: Annotated[list[uuid.UUID], Field(max_length=200)] = Field(default_factory=list)
    all: bool = False


class ReadOut(Output):
    unread: int
