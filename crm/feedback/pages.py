"""/feedback: send feedback; read your own, and (owners and admins) everyone's in the workspace."""

from typing import Any

from fastapi import Request, Response
from fastapi.responses import HTMLResponse
from pydantic import ValidationError
from sqlalchemy.ext.asyncio import AsyncSession

from crm.auth.dependencies import SessionDep
from crm.feedback.schemas import FeedbackInput
from crm.feedback.service import feedback as feedback_service
from crm.kit.routing import Router
from crm.models import FeedbackCategory
from crm.models.feedback import MESSAGE_MAX
from crm.web.forms import FormState, parse, read_form
from crm.web.session import Shell, ShellDep
from crm.web.templating import render, toast

router = Router(include_in_schema=False)

CATEGORY_LABELS = {
    FeedbackCategory.bug: "Something is broken",
    FeedbackCategory.idea: "An idea",
    FeedbackCategory.question: "A question",
    FeedbackCategory.other: "Something else",
}


async def _page(
    request: Request,
    session: AsyncSession,
    shell: Shell,
    *,
    form: FormState | None = None,
    toasts: list[dict[str, str]] | None = None,
    status: int = 200,
) -> HTMLResponse:
    actor = shell.actor
    context: dict[str, Any] = {
        "shell": shell,
        "form": form or FormState(),
        "categories": CATEGORY_LABELS,
        "message_max": MESSAGE_MAX,
        "own": (await feedback_service.list_own(session, actor)).items,
        "everyone": (await feedback_service.list_all(session, actor)).items
        if actor.is_admin
        else None,
    }
    return render(
        request, "feedback/page.html", context, block="feedback", status=status, toasts=toasts
    )


@router.get("/feedback")
async def feedback_page(request: Request, session: SessionDep, shell: ShellDep) -> HTMLResponse:
    return await _page(request, session, shell)


@router.post("/feedback")
async def send_feedback(request: Request, session: SessionDep, shell: ShellDep) -> Response:
    values = await read_form(request)
    fields = {k: v for k, v in values.items() if k in ("category", "message", "rating")}
    if not fields.get("rating"):
        fields.pop("rating", None)
    try:
        body = parse(FeedbackInput, fields)
    except ValidationError as exc:
        return await _page(request, session, shell, form=FormState.failed(values, exc), status=422)
    await feedback_service.create(
        session, shell.actor, category=body.category, message=body.message, rating=body.rating
    )
    return await _page(request, session, shell, toasts=[toast("Thank you: your feedback is sent.")])
