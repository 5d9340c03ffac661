"""REST endpoints of feedback."""

from typing import Annotated

from fastapi import Query, status

from crm.auth.dependencies import ActorDep, SessionDep
from crm.feedback.schemas import FeedbackAuthor, FeedbackInput, FeedbackOut
from crm.feedback.service import FeedbackEntry
from crm.feedback.service import feedback as feedback_service
from crm.kit.routing import Router
from crm.kit.schemas import Page

router = Router(prefix="/api/v1/feedback", tags=["feedback"])


def feedback_out(entry: FeedbackEntry) -> FeedbackOut:
    f = entry.feedback
    return FeedbackOut(
        id=f.id,
        category=f.category,
        message=f.message,
        rating=f.rating,
        created_at=f.created_at,
        author=FeedbackAuthor.model_validate(entry.author),
    )


@router.post("", status_code=status.HTTP_201_CREATED)
async def send_feedback(body: FeedbackInput, session: SessionDep, actor: ActorDep) -> FeedbackOut:
    """Tell the CRM's makers about a bug, an idea or a question."""
    entry = await feedback_service.create(
        session, actor, category=body.category, message=body.message, rating=body.rating
    )
    return feedback_out(entry)


@router.get("")
async def list_feedback(
    session: SessionDep,
    actor: ActorDep,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
    cursor: Annotated[str | None, Query(max_length=200)] = None,
) -> Page[FeedbackOut]:
    """Everyone's feedback in the workspace, newest first (owners and admins)."""
    page = await feedback_service.list_all(session, actor, limit=limit, cursor=cursor)
    return Page(items=[feedback_out(e) for e in page.items], next_cursor=page.next_cursor)
