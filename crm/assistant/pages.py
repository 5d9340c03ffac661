"""/assistant: the chat page. Past conversations to resume, the messages, and a message box that
streams over the WebSocket (static/assistant.js); without JavaScript the form posts a turn."""

import uuid
from typing import Any

from fastapi import Request
from fastapi.responses import HTMLResponse, RedirectResponse
from pydantic import ValidationError

from crm.assistant.model_choice import choose_model
from crm.assistant.proposals import edit_url
from crm.assistant.schemas import MESSAGE_MAX, ChatInput
from crm.auth.dependencies import SessionDep
from crm.errors import NotFound
from crm.kit.routing import Router
from crm.records.kinds import KINDS
from crm.web.forms import read_form
from crm.web.session import ShellDep
from crm.web.templating import render

router = Router(include_in_schema=False)
# How an answered question reads, and its pill's tone.
DECISIONS = {
    "confirmed": ("Confirmed", "green"),
    "cancelled": ("Cancelled", "gray"),
    "lapsed": ("Not answered: nothing was changed", "gray"),
}


def record_url(entity_type: str | None, entity_id: Any) -> str | None:
    """The record's page (/contacts/{id}, /calendar?event={id}: its kind's link); records of
    a kind without one get a card without a link."""
    kind = KINDS.get(entity_type)
    return kind.url(entity_id) if kind and entity_id else None


@router.get("/assistant")
async def assistant_page(
    request: Request, session: SessionDep, shell: ShellDep, c: uuid.UUID | None = None
) -> HTMLResponse:
    # The conversations (pydantic-ai's messages) and the agent are imported when the assistant is
    # first used: they are most of the web app's start-up otherwise.
    from crm.assistant.conversations import conversation as conversation_service

    actor = shell.actor
    conversations = (await conversation_service.list(session, actor, limit=50, cursor=None)).items
    current, messages = None, []
    if c is not None:
        try:
            current = await conversation_service.get(session, actor, conversation_id=c)
        except NotFound:
            current = None
        if current is not None:
            messages = await conversation_service.messages(session, actor, conversation=current)
    context = {
        "shell": shell,
        "conversations": conversations,
        "current": current,
        "messages": messages,
        "record_url": record_url,
        "decisions": DECISIONS,
        "pending_edit_url": edit_url(current.pending["calls"][0])
        if current is not None and current.pending
        else None,
        "message_max": MESSAGE_MAX,
        "model": await choose_model(session, actor, request.app),
    }
    return render(request, "assistant/page.html", context)


@router.post("/assistant")
async def send_message(request: Request, session: SessionDep, shell: ShellDep) -> RedirectResponse:
    """The form without JavaScript: run the turn, then show the conversation."""
    from crm.assistant.agent import run_turn  # on first use: see assistant_page()

    values = await read_form(request)
    try:
        body = ChatInput.model_validate(
            {"message": values.get("message", ""), "conversation_id": values.get("c") or None}
        )
    except ValidationError:
        return RedirectResponse("/assistant", status_code=303)
    choice = await choose_model(session, shell.actor, request.app)
    result = await run_turn(
        session,
        shell.actor,
        message=body.message,
        conversation_id=body.conversation_id,
        model=choice.model,
        provider=choice.provider,
        label=choice.label,
    )
    return RedirectResponse(f"/assistant?c={result.conversation_id}", status_code=303)
