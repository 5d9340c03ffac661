import uuid
from datetime import datetime
from typing import Annotated

from pydantic import Field, StringConstraints

from crm.kit.schemas import Input, Output
from crm.models import FeedbackCategory
from crm.models.feedback import MESSAGE_MAX

Message = Annotated[
    str, StringConstraints(strip_whitespace=True, min_length=1, max_length=MESSAGE_MAX)
]
Rating = Annotated[int, Field(ge=1, le=5)]


class FeedbackInput(Input):
    category: FeedbackCategory
    message: Message
    rating: Rating | None = None


class FeedbackAuthor(Output):
    id: uuid.UUID
    name: str
    email: str


class FeedbackOut(Output):
    id: uuid.UUID
    category: FeedbackCategory
    message: str
    rating: int | None
    created_at: datetime
    author: FeedbackAuthor
