"""The chat API: one turn by POST, past conversations, and the same turn streamed over a
WebSocket (text deltas, tool calls, confirmation requests, done; a stop message cancels)."""

import asyncio
import contextlib
import uuid
from typing import Annotated, Any

import structlog
from fastapi import Query, Request, WebSocket, WebSocketDisconnect
from pydantic import ValidationError

from crm.assistant.model_choice import choose_model
from crm.assistant.proposals import edit_url
from crm.assistant.schemas import (
    ChatInput,
    ChatOut,
    ConversationDetail,
    ConversationOut,
    ConversationQuery,
    MessageOut,
    PendingOut,
)
from crm.auth.dependencies import ActorDep, SessionDep, actor_for
from crm.auth.tokens import AccessClaims
from crm.auth.websocket import authenticate, origin_allowed
from crm.db import Database
from crm.errors import CRMError
from crm.kit.openapi import problems
from crm.kit.routing import Router
from crm.kit.schemas import Page
from crm.models import Conversation
from crm.notifications.service import announce

log = structlog.get_logger()
router = Router(prefix="/api/v1/chat", tags=["chat"], responses=problems(401))


@router.post("", responses=problems(404, 422))
async def chat(body: ChatInput, request: Request, session: SessionDep, actor: ActorDep) -> ChatOut:
    """Send one message; the assistant answers, acting on your records with its tools (as
    you: it reaches nothing you cannot). Deletes wait for your yes in the next message."""
    # The agent (pydantic-ai, the tools of every domain) is imported on the first turn: it
    # is most of the web app's start-up otherwise, and most requests never need it.
    from crm.assistant.agent import run_turn

    choice = await choose_model(session, actor, request.app)
    result = await run_turn(
        session,
        actor,
        message=body.message,
        conversation_id=body.conversation_id,
        model=choice.model,
        provider=choice.provider,
        label=choice.label,
        integrations=request.app.state.integrations,
    )
    await _announce(session, actor.user_id, result.conversation_id)
    return ChatOut.model_validate(result.as_json())


async def _announce(session: Any, user_id: uuid.UUID, conversation_id: uuid.UUID) -> None:
    """A turn ended: the user's other open pages, on any instance, list its conversation (the
    announcement leaves when the turn's transaction commits)."""
    found = await session.get(Conversation, conversation_id)  # run_turn loaded it already
    title = found.title if found is not None else ""
    event = {"type": "chat", "conversation_id": str(conversation_id), "title": title}
    await announce(session, user_id, event)


@router.get("/conversations", responses=problems(422))
async def list_conversations(
    query: Annotated[ConversationQuery, Query()], session: SessionDep, actor: ActorDep
) -> Page[ConversationOut]:
    """Your conversations, the latest first; pass `next_cursor` back as `cursor` for more."""
    # The conversations service imports pydantic-ai's messages: on first use (start-up cost).
    from crm.assistant.conversations import conversation as conversation_service

    found = await conversation_service.list(session, actor, limit=query.limit, cursor=query.cursor)
    return found.page(ConversationOut.model_validate)


@router.get("/conversations/{conversation_id}", responses=problems(404, 422))
async def get_conversation(
    conversation_id: uuid.UUID, session: SessionDep, actor: ActorDep
) -> ConversationDetail:
    """One of your conversations with its messages."""
    from crm.assistant.conversations import conversation as conversation_service  # start-up cost

    found = await conversation_service.get(session, actor, conversation_id=conversation_id)
    messages = await conversation_service.messages(session, actor, conversation=found)
    return ConversationDetail(
        id=found.id,
        title=found.title,
        created_at=found.created_at,
        updated_at=found.updated_at,
        messages=[MessageOut.model_validate(m) for m in messages],
        pending=PendingOut(**found.pending, edit_url=edit_url(found.pending["calls"][0]))
        if found.pending
        else None,
    )


# WebSocket ---------------------------------------------------------------------------------
async def _turn(websocket: WebSocket, claims: AccessClaims, body: ChatInput) -> None:
    from crm.assistant.agent import run_turn  # on the first turn: see chat()

    db: Database = websocket.app.state.db

    async def emit(event: dict[str, Any]) -> None:
        await websocket.send_json(event)

    try:
        async with db.transaction(
            user_id=claims.user_id, workspace_id=claims.workspace_id
        ) as session:
            actor = await actor_for(session, websocket.app.state.rate_limits, claims, "assistant")
            choice = await choose_model(session, actor, websocket.app)
            result = await run_turn(
                session,
                actor,
                message=body.message,
                conversation_id=body.conversation_id,
                model=choice.model,
                provider=choice.provider,
                label=choice.label,
                emit=emit,
                integrations=websocket.app.state.integrations,
            )
            await _announce(session, actor.user_id, result.conversation_id)
        await websocket.send_json({"type": "done", **result.as_json()})
    except CRMError as exc:
        await websocket.send_json({"type": "error", "status": exc.status, "detail": exc.detail})
    except Exception:
        # The transaction was rolled back: say so rather than leave the page waiting.
        log.exception("assistant_turn_failed")
        detail = "The assistant failed on this message; nothing was changed. Try again."
        await websocket.send_json({"type": "error", "status": 500, "detail": detail})


async def _provider(websocket: WebSocket, claims: AccessClaims) -> str:
    db: Database = websocket.app.state.db
    async with db.transaction(user_id=claims.user_id, workspace_id=claims.workspace_id) as session:
        actor = await actor_for(session, websocket.app.state.rate_limits, claims, "assistant")
        return (await choose_model(session, actor, websocket.app)).provider


@router.websocket("/ws")
async def chat_stream(websocket: WebSocket) -> None:
    """Chat over a WebSocket: send {"type": "message", "message", "conversation_id"?};
    receive delta, tool_started, tool_finished, confirmation, notice, done or error events.
    {"type": "stop"} cancels the running turn (its changes are rolled back)."""
    if not origin_allowed(websocket):
        await websocket.close(code=1008, reason="origin not allowed")
        return
    await websocket.accept()
    try:
        claims = await authenticate(websocket)
    except (CRMError, ValueError, WebSocketDisconnect) as exc:
        detail = exc.detail if isinstance(exc, CRMError) else "Sign in first."
        with contextlib.suppress(Exception):
            await websocket.send_json({"type": "error", "status": 401, "detail": detail})
            await websocket.close(code=1008)
        return
    await websocket.send_json({"type": "ready", "provider": await _provider(websocket, claims)})
    running: asyncio.Task[None] | None = None
    try:
        while True:
            incoming = await websocket.receive_json()
            kind = incoming.get("type") if isinstance(incoming, dict) else None
            if kind == "stop":
                if running is not None and not running.done():
                    running.cancel()
                    with contextlib.suppress(asyncio.CancelledError):
                        await running
                    await websocket.send_json({"type": "stopped"})
                continue
            if kind != "message":
                await websocket.send_json(
                    {"type": "error", "status": 422, "detail": "Unknown message type."}
                )
                continue
            if running is not None and not running.done():
                await websocket.send_json(
                    {"type": "error", "status": 409, "detail": "A turn is running; stop it first."}
                )
                continue
            try:
                body = ChatInput.model_validate({k: v for k, v in incoming.items() if k != "type"})
            except ValidationError as exc:
                await websocket.send_json({"type": "error", "status": 422, "detail": str(exc)})
                continue
            running = asyncio.create_task(_turn(websocket, claims, body))
    except WebSocketDisconnect:
        pass
    finally:
        if running is not None and not running.done():
            running.cancel()
