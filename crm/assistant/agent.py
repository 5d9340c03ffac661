"""One chat turn: the pydantic-ai agent over the CRM's tools, run with a language model or the
offline interpreter, its events streamed, its outcome stored in the conversation."""

import functools
import re
import uuid
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

import httpx2
import pydantic_ai
import structlog
from pydantic_ai import Agent, RunContext
from pydantic_ai.exceptions import AgentRunError, ModelAPIError, UnexpectedModelBehavior
from pydantic_ai.messages import (
    FunctionToolCallEvent,
    FunctionToolResultEvent,
    ModelMessage,
    ModelRequest,
    ModelResponse,
    PartDeltaEvent,
    PartStartEvent,
    RetryPromptPart,
    TextPart,
    TextPartDelta,
    ToolReturnPart,
    UserPromptPart,
)
from pydantic_ai.models import Model
from pydantic_ai.models.function import FunctionModel
from pydantic_ai.settings import ModelSettings
from pydantic_ai.usage import UsageLimits
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from crm.ai.providers import classify_failure
from crm.assistant.conversations import History
from crm.assistant.conversations import conversation as conversation_service
from crm.assistant.groups import (
    SPECS,
    GroupSpec,
    ToolGroup,
    crm_groups,
    preloads,
    turn_capabilities,
)
from crm.assistant.integrations import Integrations, confirm_held, instructions_for
from crm.assistant.names import record_names
from crm.assistant.offline import Interpreter
from crm.assistant.proposals import edit_url
from crm.assistant.schemas import Decision
from crm.assistant.tools import Action, Pending, TurnDeps, agent_tool, agent_tools, confirm
from crm.assistant.undo import UNDO, undo_last
from crm.auth.actor import Actor
from crm.integrations.service import CONNECTED
from crm.kit.clock import time_of_day
from crm.kit.metrics import ASSISTANT_TURNS
from crm.models import Conversation, UserAccount

log = structlog.get_logger()
# pydantic-ai prints a banner on a process's first agent run when stderr is a terminal (an
# invitation to its observability service): in `crm serve`'s console, among the CRM's own lines.
pydantic_ai.BANNER_ENABLED = False

OFFLINE = "offline assistant"
OFFLINE_NOTE = (
    "(This is the offline assistant: no AI provider is set up, so I understand simple "
    'commands; say "help" to see them.)'
)
Emit = Callable[[dict[str, Any]], Awaitable[None]]
YES = re.compile(
    r"^\s*(y|yes|yep|yeah|confirm|confirmed|do it|go ahead|ok|okay|sure)\W*"
    r"(please)?\W*$",
    re.I,
)
NO = re.compile(r"^\s*(n|no|nope|cancel|stop|keep it|don'?t|do not)\W*$", re.I)

INSTRUCTIONS = """You are the assistant of a CRM. You manage the user's contacts, organizations,
projects, tasks, calendar events and reminders only through the tools. Rules:
- Never invent field values: store only what the user said. Ask when something is missing.
- When a name matches several records, ask which one; do not guess and do not write.
- Deleting needs the user's confirmation: call the delete tool once; the CRM then asks the
  user (yes / no) itself.
- When a tool answers an error, correct the call or tell the user plainly what went wrong.
- Dates are YYYY-MM-DD; resolve relative dates and times in the user's time zone.
- Answer briefly, in the user's language."""


def context_of_turn(ctx: RunContext[TurnDeps]) -> str:
    """Today in the user's time zone and the records this conversation is about."""
    deps = ctx.deps
    now = datetime.now(ZoneInfo(deps.time_zone))
    lines = [
        f"Now: {now:%A %Y-%m-%d} {time_of_day(now, deps.clock)} ({deps.time_zone}).",
        f"Write times of day as the user reads them, like {time_of_day(now, deps.clock)}.",
    ]
    if deps.entities:
        lines.append('Records of this conversation, the latest last ("it", "her" = latest):')
        lines += [f"- {e.type} {e.name!r} id={e.id}" for e in deps.entities]
    if deps.summary:
        lines.append(deps.summary)
    if deps.dropped:
        lines.append(
            f"The user did not confirm the held change ({deps.dropped}): it was not done and "
            "is no longer held; make it again only if the user asks for it."
        )
    return "\n".join(lines)


@functools.cache
def assistant_agent(on_demand: bool = True) -> Agent[TurnDeps, str]:
    """The agent, built on the first turn of the process that needs it (not when this module
    is imported): for a language model, the core tools always and the CRM's tool groups on
    demand (crm.assistant.groups); for the offline interpreter, which reads no schema, every
    tool at once (the framework's bookkeeping of groups would only cost it time)."""
    core, groups = crm_groups()
    if not on_demand:
        return Agent(
            deps_type=TurnDeps,
            instructions=[INSTRUCTIONS, context_of_turn],
            tools=agent_tools(),
            retries=3,
        )
    return Agent(
        deps_type=TurnDeps,
        instructions=[INSTRUCTIONS, context_of_turn],
        tools=[agent_tool(tool) for tool in core],
        capabilities=[g.capability() for g in groups],
        retries=3,
    )


def __getattr__(name: str) -> Any:
    # `agent`, as earlier versions named it, is built on first use too.
    if name == "agent":
        return assistant_agent()
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


@dataclass
class TurnResult:
    conversation_id: uuid.UUID
    reply: str
    actions: list[Action]
    provider: str
    pending: Pending | None = None
    notices: list[str] = field(default_factory=list)
    decided: Decision | None = None

    def as_json(self) -> dict[str, Any]:
        return {
            "conversation_id": str(self.conversation_id),
            "reply": self.reply,
            "actions": [a.as_json() for a in self.actions],
            "provider": self.provider,
            "pending": asked(self.pending) if self.pending else None,
            "decided": self.decided,
        }


def asked(pending: Pending) -> dict[str, Any]:
    """The change waiting for the user's yes, as the chat answer and the stream say it, with
    the address of a proposed record's form, prefilled (None for other changes)."""
    return {
        "tool": pending.tool,
        "summary": pending.summary,
        "edit_url": edit_url(pending.calls[0]),
    }


async def _silent(event: dict[str, Any]) -> None:
    return None


# Extended thinking (when on) for messages this long or conversations this long.
LONG_TURN_CHARS = 400
LONG_CONVERSATION_MESSAGES = 24
# What a model request raises when the provider fails (classified by crm.ai.providers).
PROVIDER_ERRORS = (ModelAPIError, UnexpectedModelBehavior, TimeoutError, httpx2.HTTPError)


def fallback_notice(label: str, exc: BaseException) -> tuple[str, str]:
    """The failure's kind and the notice the user reads: which failure, what to do."""
    failure = classify_failure(exc)
    text = (
        f"The {label} could not answer: {failure.message} "
        "The offline assistant answered this message instead."
    )
    return failure.kind, text


async def run_turn(
    session: AsyncSession,
    actor: Actor,
    *,
    message: str,
    conversation_id: uuid.UUID | None,
    model: Model | None,
    provider: str,
    label: str | None = None,
    emit: Emit = _silent,
    groups: Sequence[ToolGroup] = (),
    integrations: Integrations | None = None,
) -> TurnResult:
    """Answer one message of the user (the actor is the chatting user, channel "assistant").
    `groups` adds tool groups to this turn's; `integrations` the tools of the services the user
    connected."""
    actor = Actor(actor.user_id, actor.workspace_id, actor.role, "assistant")
    conversation, deps = await _load(session, actor, message, conversation_id)
    if integrations is not None:
        deps.toolsets = await integrations.for_turn(session, actor)
        groups = [*groups, *(group for t in deps.toolsets for group in t.groups())]
    pending = Pending.of(conversation.pending) if conversation.pending else None
    turn = Turn(deps, model, provider, label or f"{provider} model", emit, groups)
    decided: Decision | None = None if pending is None else "lapsed"
    undone: list[uuid.UUID] = []
    if pending is not None and YES.match(message):
        decided = "confirmed"
        reply = await turn.confirm(message, pending)
    elif pending is not None and NO.match(message):
        decided = "cancelled"
        reply = await turn.tell(
            message, f"Cancelled: nothing was changed or deleted ({pending.summary})."
        )
    elif UNDO.match(message):
        said = await conversation_service.messages(session, actor, conversation=conversation)
        reply, undone = await undo_last(deps, said)
        for action in deps.actions:
            await emit({"type": "tool_finished", **action.as_json()})
        # Recorded in the model's history too, so the next turn's model knows what was undone.
        reply = await turn.tell(message, reply)
    else:
        history = (
            History([], None)
            if conversation_id is None
            else await conversation_service.history(session, actor, conversation=conversation)
        )
        deps.summary = history.summary
        deps.dropped = pending.summary if pending else None
        reply = await turn.answer(message, history.messages, new=conversation_id is None)
    if deps.pending is not None:
        reply = await turn.ask(reply, deps.pending)
        await emit({"type": "confirmation", **asked(deps.pending)})
    forgotten = [
        a.entity_id for a in deps.actions if a.ok and a.tool.startswith("delete") and a.entity_id
    ] + undone
    await conversation_service.save_turn(
        session,
        actor,
        conversation=conversation,
        message=message,
        reply=reply,
        actions=[a.as_json() for a in deps.actions],
        model_messages=turn.model_messages,
        provider=turn.used,
        touched=[e for e in deps.touched if e.id not in forgotten],
        forgotten=forgotten,
        pending=deps.pending,
        decided=decided,
    )
    ASSISTANT_TURNS.labels(
        provider if model else "offline", "fallback" if turn.notices else "ok"
    ).inc()
    return TurnResult(
        conversation.id, reply, deps.actions, turn.used, deps.pending, turn.notices, decided
    )


async def _load(
    session: AsyncSession, actor: Actor, message: str, conversation_id: uuid.UUID | None
) -> tuple[Conversation, TurnDeps]:
    """The conversation (a new one titled by the message) and what the turn's tools run with."""
    entities = []  # a new conversation has nothing to load yet
    if conversation_id is None:
        conversation = await conversation_service.start(session, actor, title=message.strip())
        time_zone, clock = (
            await session.execute(
                select(UserAccount.time_zone, UserAccount.clock).where(
                    UserAccount.id == actor.user_id
                )
            )
        ).one()
    else:
        conversation, time_zone, clock = await conversation_service.resume(
            session, actor, conversation_id=conversation_id
        )
        entities = await conversation_service.entities(session, actor, conversation=conversation)
    deps = TurnDeps(session, actor, time_zone=time_zone, clock=clock, entities=entities)
    return conversation, deps


class Turn:
    """One turn's answer: by the model, or by the offline interpreter when there is none or
    the provider fails (the failed attempt's changes are rolled back first)."""

    def __init__(
        self,
        deps: TurnDeps,
        model: Model | None,
        provider: str,
        label: str,
        emit: Emit,
        groups: Sequence[ToolGroup] = (),
    ) -> None:
        self.deps, self.model, self.provider, self.label = deps, model, provider, label
        self.emit, self.groups = emit, list(groups)
        self.used = provider if model is not None else "offline"
        self.notices: list[str] = []
        self.model_messages: list[ModelMessage] | None = None

    async def confirm(self, message: str, pending: Pending) -> str:
        """Run what the user has just confirmed (the CRM's own calls and a connected service's)."""
        for action in await confirm(self.deps, pending) + await confirm_held(self.deps, pending):
            await self.emit({"type": "tool_finished", **action.as_json()})
        reply = " ".join(
            a.summary + "." if a.ok else f"I could not: {a.summary}" for a in self.deps.actions
        )
        return await self.tell(message, reply)

    async def tell(self, message: str, reply: str) -> str:
        """A reply of the CRM's own (to a yes or no), recorded in the model's history as the
        turn it was, so the next turn's model knows the held change is settled."""
        await self.emit({"type": "delta", "text": reply})
        self.model_messages = [
            ModelRequest(parts=[UserPromptPart(message)]),
            ModelResponse(parts=[TextPart(reply)], model_name="crm"),
        ]
        return reply

    async def ask(self, reply: str, pending: Pending) -> str:
        """The CRM's own question about what it holds, whatever the model wrote (unless the
        answer already asks exactly that); the model's history records it too. The offline
        interpreter's answers always ask it in their own words."""
        if self.used == "offline" or f"{pending.summary}?".casefold() in reply.casefold():
            return reply
        question = f"\n\n{pending.question}" if reply.strip() else pending.question
        await self.emit({"type": "delta", "text": question})
        if self.model_messages and isinstance(last := self.model_messages[-1], ModelResponse):
            parts = list(last.parts)
            if parts and isinstance(text := parts[-1], TextPart):
                parts[-1] = replace(text, content=text.content + question)
            else:
                parts.append(TextPart(question.lstrip()))
            self.model_messages[-1] = replace(last, parts=parts)
        return reply + question

    async def answer(self, message: str, history: list[ModelMessage], *, new: bool) -> str:
        deps = self.deps
        if self.model is not None:
            before = list(deps.entities)
            try:
                names = await record_names(deps.session, deps.actor)
                deps.preload = preloads(self.specs, message, deps.entities, names)
                async with deps.session.begin_nested():
                    reply, self.model_messages = await _run_agent(
                        deps, message, self.model, history, self.emit, self.groups
                    )
                return reply
            except PROVIDER_ERRORS as exc:
                kind, notice = fallback_notice(self.label, exc)
                log.warning("assistant_provider_failed", provider=self.provider, kind=kind)
                deps.restart(before)
                self.notices.append(notice)
                self.used = "offline"
                # The page drops what the failed attempt showed, then shows the notice.
                await self.emit({"type": "notice", "kind": kind, "text": notice, "reset": True})
        offline = await _offline(deps)
        reply, self.model_messages = await _run_agent(
            deps,
            message,
            offline,
            [] if self.notices else history,
            self.emit,
            self.groups,
            on_demand=False,
        )
        if self.notices:
            return f"{self.notices[0]}\n\n{reply}"
        if new and OFFLINE not in reply:
            # Say once per conversation which assistant this is (the help text says it too).
            await self.emit({"type": "delta", "text": f"\n\n{OFFLINE_NOTE}"})
            reply = f"{reply}\n\n{OFFLINE_NOTE}"
        return reply

    @property
    def specs(self) -> list[GroupSpec]:
        return [*SPECS, *(group.spec for group in self.groups)]


async def _offline(deps: TurnDeps) -> Model:
    """The offline interpreter for this turn, knowing the names of the user's records."""
    return Interpreter(
        entities=list(deps.entities),
        time_zone=deps.time_zone,
        clock=deps.clock,
        user_id=deps.actor.user_id,
        names=await record_names(deps.session, deps.actor),
        hold=lambda call, summary: propose(deps, call, summary),
        services=[t.tools.service for t in deps.toolsets if t.status == CONNECTED],
    ).model()


def propose(deps: TurnDeps, call: dict[str, Any], summary: str) -> None:
    """Hold a record the offline interpreter is unsure of for the user's yes (or Edit)."""
    if deps.pending is None:
        deps.pending = Pending([call], call["summary"])
    else:
        deps.pending.hold(call, summary)


def thinking_when_needed(
    model: Model, message: str
) -> Callable[[RunContext[TurnDeps]], ModelSettings] | None:
    """Anthropic's extended thinking, when the workspace turned it on, for the steps that need
    it: a long message, a long conversation, or a step after a failed tool call (the model's
    first try went wrong); the other steps answer without thinking (faster, cheaper)."""
    if not (model.settings or {}).get("anthropic_thinking"):
        return None

    def per_step(ctx: RunContext[TurnDeps]) -> ModelSettings:
        hard = (
            len(message) >= LONG_TURN_CHARS
            or len(ctx.messages) > LONG_CONVERSATION_MESSAGES
            or any(ctx.retries.values())
            or went_wrong(ctx.messages)
        )
        return {} if hard else {"anthropic_thinking": {"type": "disabled"}}  # type: ignore[typeddict-item]

    return per_step


def went_wrong(messages: list[ModelMessage]) -> bool:
    """Whether a tool call of this turn failed (its arguments, or the service said no)."""
    for message in reversed(messages):
        for part in message.parts:
            if isinstance(part, UserPromptPart):
                return False  # the turn's start: nothing failed since
            failed = isinstance(part, RetryPromptPart) or (
                isinstance(part, ToolReturnPart)
                and isinstance(part.content, dict)
                and part.content.get("ok") is False
            )
            if failed:
                return True
    return False


def streams(model: Model) -> bool:
    """Whether the model can stream (a FunctionModel only with a stream function)."""
    return not isinstance(model, FunctionModel) or model.stream_function is not None


async def _run_agent(
    deps: TurnDeps,
    message: str,
    model: Model,
    history: list[ModelMessage],
    emit: Emit,
    groups: Sequence[ToolGroup] = (),
    *,
    on_demand: bool = True,
) -> tuple[str, list[ModelMessage]]:
    """Run the agent loop, sending text as the model writes it and tool events as they happen
    (without a listener, the model's answers are requested whole)."""
    names: dict[str, str] = {}
    stream = emit is not _silent and streams(model)
    limits = UsageLimits(request_limit=12)
    async with assistant_agent(on_demand).iter(
        message,
        deps=deps,
        model=model,
        message_history=history,
        usage_limits=limits,
        model_settings=thinking_when_needed(model, message),
        instructions=instructions_for(deps.toolsets),
        capabilities=turn_capabilities([*crm_groups()[1], *groups], deps.preload)
        if on_demand
        else None,
        # The offline interpreter reads no schema: every tool at once.
        toolsets=None if on_demand else [group.toolset for group in groups] or None,
    ) as run:
        async for node in run:
            if stream and Agent.is_model_request_node(node):
                async with node.stream(run.ctx) as events:
                    async for event in events:
                        await _text_event(event, emit)
            elif Agent.is_call_tools_node(node):
                if not stream:
                    for part in node.model_response.parts:
                        if isinstance(part, TextPart) and part.content:
                            await emit({"type": "delta", "text": part.content})
                async with node.stream(run.ctx) as events:
                    async for event in events:
                        await _tool_event(event, names, deps, emit)
        result = run.result
    if result is None:  # pragma: no cover - iter always ends with a result
        raise AgentRunError("the run ended without an answer")
    return result.output, result.new_messages()


async def _text_event(event: Any, emit: Emit) -> None:
    if isinstance(event, PartStartEvent) and isinstance(event.part, TextPart):
        text = event.part.content
    elif isinstance(event, PartDeltaEvent) and isinstance(event.delta, TextPartDelta):
        text = event.delta.content_delta
    else:
        return
    if text:
        await emit({"type": "delta", "text": text})


async def _tool_event(event: Any, names: dict[str, str], deps: TurnDeps, emit: Emit) -> None:
    if getattr(getattr(event, "part", None), "tool_kind", None) is not None:
        return  # the framework's own tools (loading a tool group), not the CRM's
    if isinstance(event, FunctionToolCallEvent):
        names[event.part.tool_call_id] = event.part.tool_name
        await emit(
            {
                "type": "tool_started",
                "tool": event.part.tool_name,
                "args": event.part.args_as_dict(),
            }
        )
    elif isinstance(event, FunctionToolResultEvent):
        tool = names.get(event.tool_call_id, event.part.tool_name)
        content = event.part.content
        ok = event.part.outcome == "success" and not (
            isinstance(content, dict) and content.get("ok") is False
        )
        action = next((a for a in deps.actions if a.call_id == event.tool_call_id), None)
        summary = action.summary if action else (content if isinstance(content, str) else "")
        status = action.status if action else ("done" if ok else "failed")
        await emit(
            {
                "type": "tool_finished",
                "tool": tool,
                "ok": status == "done",
                "status": status,
                "entity_type": action.entity_type if action else None,
                "entity_id": str(action.entity_id) if action and action.entity_id else None,
                "summary": summary,
            }
        )
