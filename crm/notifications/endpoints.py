"""The notification inbox: list, mark read, and a WebSocket that pushes new ones live."""

import asyncio
import contextlib
from typing import Annotated

from fastapi import Query, WebSocket, WebSocketDisconnect

from crm.auth.dependencies import ActorDep, SessionDep, actor_for
from crm.auth.websocket import authenticate, origin_allowed
from crm.db import Database
from crm.errors import CRMError
from crm.kit.openapi import problems
from crm.kit.routing import Router
from crm.notifications.live import NotificationHub
from crm.notifications.schemas import (
    NotificationOut,
    NotificationPage,
    NotificationQuery,
    ReadInput,
    ReadOut,
)
from crm.notifications.service import notification as notification_service

router = Router(prefix="/api/v1/notifications", tags=["notifications"], responses=problems(401))


@router.get("", responses=problems(422))
async def list_notifications(
    query: Annotated[NotificationQuery, Query()], session: SessionDep, actor: ActorDep
) -> NotificationPage:
    """Your notifications, newest first, and how many are unread."""
    found = await notification_service.list(
        session, actor, query=query, unread_only=query.unread_only
    )
    return NotificationPage(
        items=[NotificationOut.model_validate(n) for n in found.items],
        next_cursor=found.next_cursor,
        unread=await notification_service.unread(session, actor),
    )


@router.post("/read", responses=problems(422))
async def mark_read(body: ReadInput, session: SessionDep, actor: ActorDep) -> ReadOut:
    """Mark `ids` (or `all`) read; answers how many stay unread."""
    unread = await notification_service.mark_read(session, actor, ids=body.ids, every=body.all)
    return ReadOut(unread=unread)


@router.websocket("/ws")
async def notification_stream(websocket: WebSocket) -> None:
    """Live notifications: first {"type": "unread", "unread": n}, then {"type":
    "notification", "notification": {...}} for each new one, and {"type": "chat",
    "conversation_id", "title"} when a chat turn of the user ended, whichever server instance
    delivered or ran it."""
    if not origin_allowed(websocket):
        await websocket.close(code=1008, reason="origin not allowed")
        return
    await websocket.accept()
    try:
        claims = await authenticate(websocket)
        db: Database = websocket.app.state.db
        async with db.transaction(
            user_id=claims.user_id, workspace_id=claims.workspace_id
        ) as session:
            actor = await actor_for(session, websocket.app.state.rate_limits, claims, "web")
            unread = await notification_service.unread(session, actor)
    except (CRMError, ValueError, WebSocketDisconnect) as exc:
        detail = exc.detail if isinstance(exc, CRMError) else "Sign in first."
        with contextlib.suppress(Exception):
            await websocket.send_json({"type": "error", "status": 401, "detail": detail})
            await websocket.close(code=1008)
        return
    hub: NotificationHub = websocket.app.state.notifications
    async with hub.subscribe(claims.user_id) as queue:
        await websocket.send_json({"type": "unread", "unread": unread})
        closed = asyncio.create_task(_until_closed(websocket))
        try:
            while not closed.done():
                pushed = asyncio.create_task(queue.get())
                await asyncio.wait({pushed, closed}, return_when=asyncio.FIRST_COMPLETED)
                if pushed.done():
                    await websocket.send_json(pushed.result())
                else:
                    pushed.cancel()
        except (WebSocketDisconnect, RuntimeError):
            pass
        finally:
            closed.cancel()


async def _until_closed(websocket: WebSocket) -> None:
    with contextlib.suppress(WebSocketDisconnect):
        while True:
            await websocket.receive_text()
