"""Undo in the chat: "undo" (or the Undo button on an action card) reverts the last change this
conversation stored, through the same tools and services, so the activity log records it. A
created record is deleted; a changed record gets back the values its activity log entry holds
from before the change; a deleted record is made again from the values logged at its deletion
(a new record: its id, history and, for a project, its tasks are not restored)."""

import re
import uuid
from datetime import datetime
from typing import Any

from pydantic import BaseModel, ValidationError

from crm.activity.service import activity as activity_service
from crm.assistant.tools import Action, TurnDeps, execute
from crm.errors import CRMError
from crm.kit.pagination import PageQuery
from crm.models import ConversationMessage
from crm.toolbox import TOOLS

UNDO = re.compile(
    r"^\s*(?:please\s+)?(?:undo|revert|roll back|take (?:that|it) back)"
    r"(?:\s+(?:that|it|this|the last(?: change| one)?|my last change))?\s*(?:please)?\W*$",
    re.I,
)
UNDONE = "undo"  # the tool name of an undo's action: the next undo goes one change further back


def last_change(
    messages: list[ConversationMessage],
) -> tuple[dict[str, Any], datetime] | None:
    """The latest stored change of the conversation not undone yet (undo after undo walks
    back: each undo cancels the change before it), and when its turn was stored."""
    skip = 0
    for message in reversed(messages):
        for action in reversed(message.actions or []):
            if not action.get("ok"):
                continue
            if action["tool"] == UNDONE:
                skip += 1
            elif not action.get("entity_id"):
                continue
            elif action["tool"].split("_", 1)[0] not in ("get", "list", "search"):
                if skip == 0:
                    return action, message.created_at
                skip -= 1
    return None


async def _logged(
    deps: TurnDeps, entity_id: uuid.UUID, wanted: str, by: datetime
) -> dict[str, Any] | None:
    """The changes of the record's latest activity log entry of the wanted kind made by the
    time its turn was stored (not a later change, such as an undo's own)."""
    entries = await activity_service.list(
        deps.session, deps.actor, entity_id=entity_id, query=PageQuery(limit=50)
    )
    for entry in entries.items:
        if entry.action == wanted and entry.created_at <= by:
            return dict(entry.changes)
    return None


def _fields(model: type[BaseModel], changes: dict[str, Any]) -> dict[str, Any]:
    """The logged "from" values the tool's input takes (a contact's organization by name)."""
    values = {k: v["from"] for k, v in changes.items() if k in model.model_fields}
    if "organization" in values:
        values.pop("organization_id", None)
    return values


async def undo_last(
    deps: TurnDeps, messages: list[ConversationMessage]
) -> tuple[str, list[uuid.UUID]]:
    """Revert the conversation's last change: what to tell the user, and the records that no
    longer exist."""
    found = last_change(messages)
    if found is None:
        return "There is nothing to undo in this conversation.", []
    action, by = found
    kind, entity_id = action["entity_type"], uuid.UUID(action["entity_id"])
    verb = action["tool"].split("_", 1)[0]
    name = re.sub(r"^\w+ \w+ ", "", action["summary"])  # "Created contact Jane": "Jane"
    try:
        if verb in ("create", "add"):
            await execute(deps, TOOLS[f"delete_{kind}"], {"id": str(entity_id)})
            said, gone = f"Undone: {kind} {name} is deleted again", [entity_id]
        elif verb in ("delete", "cancel"):
            said, entity_id = await _restore(deps, kind, entity_id, name, by)
            gone = []
        elif verb in ("update", "set", "move"):
            said, gone = await _revert(deps, kind, entity_id, name, by), []
        else:  # assigning a member, snoozing a reminder…: no single record's values to restore
            raise CRMError(f"{action['summary']} cannot be undone from the chat")
    except (CRMError, ValidationError) as exc:
        detail = exc.detail if isinstance(exc, CRMError) else "the old values are not valid now"
        return f"I could not undo the last change ({action['summary']}): {detail}.", []
    # The card links the record undone, unless it is gone (a create undone).
    shown = None if entity_id in gone else entity_id
    deps.actions.append(Action(UNDONE, "done", kind, shown, said))
    return said + ".", gone


async def _revert(deps: TurnDeps, kind: str, entity_id: uuid.UUID, name: str, by: datetime) -> str:
    tool = TOOLS.get(f"update_{kind}")
    changes = await _logged(deps, entity_id, "updated", by)
    if tool is None or not changes:
        raise CRMError(f"the change to {kind} {name} cannot be undone")
    patch = tool.input_model.model_fields["changes"].annotation
    values = _fields(patch, changes) if isinstance(patch, type) else {}
    if not values:
        raise CRMError(f"the change to {kind} {name} cannot be undone")
    await execute(deps, tool, {"id": str(entity_id), "changes": values})
    return f"Undone: {kind} {name} has its previous " + ", ".join(
        k.replace("_", " ") for k in values
    )


async def _restore(
    deps: TurnDeps, kind: str, entity_id: uuid.UUID, name: str, by: datetime
) -> tuple[str, uuid.UUID]:
    tool = TOOLS.get(f"create_{kind}")
    changes = await _logged(deps, entity_id, "deleted", by)
    if tool is None or not changes:
        raise CRMError(f"the deleted {kind} {name} cannot be restored")
    result = await execute(deps, tool, _fields(tool.input_model, changes))
    note = " (its tasks were deleted with it and are not restored)" if kind == "project" else ""
    return f"Undone: {kind} {name} is back, as a new record{note}", result.id  # type: ignore[attr-defined]
