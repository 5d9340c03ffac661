import uuid
from datetime import datetime
from typing import Annotated, Any, Literal

from pydantic import Field

from crm.kit.pagination import PageQuery
from crm.kit.schemas import Input, Output

MESSAGE_MAX = 4000
# What the user's next message did to a question: yes, no, or something else (the change lapsed).
Decision = Literal["confirmed", "cancelled", "lapsed"]


class ChatInput(Input):
    message: Annotated[str, Field(min_length=1, max_length=MESSAGE_MAX)]
    conversation_id: uuid.UUID | None = None


class ActionOut(Output):
    tool: str
    ok: Annotated[bool, Field(description="Whether it was done")]
    status: Annotated[
        Literal["done", "held", "failed"],
        Field(description="done; held: waiting for the user's yes (see `pending`); failed"),
    ]
    entity_type: str | None
    entity_id: uuid.UUID | None
    summary: str


class PendingOut(Output):
    tool: str
    summary: str
    edit_url: Annotated[
        str | None,
        Field(description="A proposed new record's form, filled in, to edit before adding it"),
    ] = None


class ChatOut(Output):
    conversation_id: uuid.UUID
    reply: str
    actions: list[ActionOut]
    provider: str
    pending: Annotated[
        PendingOut | None, Field(description="A change waiting for the user's yes")
    ] = None
    decided: Annotated[
        Decision | None,
        Field(
            description="What this message did to the change that waited for a yes: "
            "confirmed, cancelled, or lapsed (the message was about something else)"
        ),
    ] = None


class ConversationQuery(PageQuery):
    pass


class ConversationOut(Output):
    id: uuid.UUID
    title: str
    created_at: datetime
    updated_at: datetime


class QuestionOut(Output):
    summary: str
    decision: Annotated[Decision | None, Field(description="null while it waits for a yes")]


class MessageOut(Output):
    id: uuid.UUID
    role: str
    content: str
    actions: list[dict[str, Any]]
    provider: str | None
    question: Annotated[
        QuestionOut | None, Field(description="The change this reply asked to confirm")
    ] = None
    created_at: datetime


class ConversationDetail(ConversationOut):
    messages: list[MessageOut]
    pending: PendingOut | None
