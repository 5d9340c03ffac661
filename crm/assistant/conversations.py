"""The conversations service: the assistant's conversations, messages and tracked records in
PostgreSQL, and the history a model sees, pruned to a budget (characters, estimated)."""

import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from pydantic_ai.messages import ModelMessage, ModelMessagesTypeAdapter
from sqlalchemy import cast, delete, select, update
from sqlalchemy.dialects.postgresql import JSONB, insert
from sqlalchemy.ext.asyncio import AsyncSession

from crm.assistant.schemas import Decision
from crm.assistant.tools import Entity, Pending
from crm.auth.actor import Actor
from crm.errors import NotFound
from crm.kit.pagination import Slice, paginate, sort_keys
from crm.models import Conversation, ConversationEntity, ConversationMessage, UserAccount

# About four characters a token: a model context of 32k tokens keeps room for the tools' schemas.
HISTORY_BUDGET_CHARS = 48_000
TRACKED_ENTITIES = 20
CONVERSATION_ORDER = sort_keys(Conversation.id, updated_at=Conversation.updated_at)["-updated_at"]


@dataclass
class History:
    messages: list[ModelMessage]
    summary: str | None


class ConversationService:
    async def start(self, session: AsyncSession, actor: Actor, *, title: str) -> Conversation:
        """A new conversation of the actor's, titled by its first message."""
        conversation = Conversation(
            workspace_id=actor.workspace_id, user_id=actor.user_id, title=title[:200] or "Chat"
        )
        session.add(conversation)
        await session.flush()
        return conversation

    async def get(
        self, session: AsyncSession, actor: Actor, *, conversation_id: uuid.UUID
    ) -> Conversation:
        """One of the actor's conversations; anyone else's is 404."""
        conversation = await session.scalar(
            select(Conversation).where(
                Conversation.id == conversation_id, Conversation.user_id == actor.user_id
            )
        )
        if conversation is None:
            raise NotFound("No such conversation.")
        return conversation

    async def resume(
        self, session: AsyncSession, actor: Actor, *, conversation_id: uuid.UUID
    ) -> tuple[Conversation, str, str]:
        """One of the actor's conversations and the actor's time zone and clock, in one
        statement; anyone else's conversation is 404."""
        row = (
            await session.execute(
                select(Conversation, UserAccount.time_zone, UserAccount.clock)
                .join(UserAccount, UserAccount.id == Conversation.user_id)
                .where(Conversation.id == conversation_id, Conversation.user_id == actor.user_id)
            )
        ).first()
        if row is None:
            raise NotFound("No such conversation.")
        return row[0], row[1], row[2]

    async def messages(
        self, session: AsyncSession, actor: Actor, *, conversation: Conversation
    ) -> list[ConversationMessage]:
        """Every message of a conversation, in order."""
        return list(
            await session.scalars(
                select(ConversationMessage)
                .where(
                    ConversationMessage.conversation_id == conversation.id,
                    ConversationMessage.user_id == actor.user_id,
                )
                .order_by(ConversationMessage.created_at, ConversationMessage.id)
            )
        )

    async def entities(
        self, session: AsyncSession, actor: Actor, *, conversation: Conversation
    ) -> list[Entity]:
        """The records the conversation touched, the most recent last."""
        rows = await session.scalars(
            select(ConversationEntity)
            .where(ConversationEntity.conversation_id == conversation.id)
            .order_by(ConversationEntity.touched_at.desc())
            .limit(TRACKED_ENTITIES)
        )
        return [Entity(r.entity_type, r.entity_id, r.name) for r in reversed(list(rows))]

    async def history(
        self, session: AsyncSession, actor: Actor, *, conversation: Conversation
    ) -> History:
        """The model messages of past turns that fit the budget, newest kept; what is left
        out is summarised by the user's words and the actions taken."""
        turns = [
            m
            for m in await self.messages(session, actor, conversation=conversation)
            if m.role == "assistant" and m.model_messages
        ]
        kept: list[list[ModelMessage]] = []
        used = 0
        dropped: list[ConversationMessage] = []
        for turn in reversed(turns):
            size = sum(len(str(part)) for part in turn.model_messages or [])
            if used + size > HISTORY_BUDGET_CHARS:
                dropped.append(turn)
                continue
            used += size
            kept.append(ModelMessagesTypeAdapter.validate_python(turn.model_messages))
        summary = conversation.summary
        if dropped:
            lines = [f"- {a['summary']}" for t in reversed(dropped) for a in t.actions]
            summary = "Earlier in this conversation:\n" + "\n".join(lines[-40:] or ["- (talk)"])
        return History([m for turn in reversed(kept) for m in turn], summary)

    async def save_turn(
        self,
        session: AsyncSession,
        actor: Actor,
        *,
        conversation: Conversation,
        message: str,
        reply: str,
        actions: list[dict[str, Any]],
        model_messages: list[ModelMessage] | None,
        provider: str,
        touched: list[Entity],
        forgotten: list[uuid.UUID],
        pending: Pending | None,
        decided: Decision | None = None,
    ) -> ConversationMessage:
        """Store the user's message, the reply, the records touched and what waits for a yes
        (`decided`: what this message did to the question that waited)."""
        if decided is not None:
            await self._decide(session, conversation, decided)
        common = {
            "conversation_id": conversation.id,
            "workspace_id": actor.workspace_id,
            "user_id": actor.user_id,
        }
        # Both in one INSERT: the same columns, and times that keep the question first.
        now = datetime.now(UTC)
        question = ConversationMessage(
            **common,
            role="user",
            content=message,
            actions=[],
            model_messages=None,
            provider=None,
            created_at=now,
        )
        answer = ConversationMessage(
            **common,
            role="assistant",
            content=reply,
            actions=actions,
            model_messages=ModelMessagesTypeAdapter.dump_python(model_messages, mode="json")
            if model_messages
            else None,
            provider=provider,
            question={"summary": pending.summary, "decision": None} if pending else None,
            created_at=now + timedelta(microseconds=1),
        )
        session.add_all([question, answer])
        if touched:
            # One Core statement for all of them (the ORM's bulk path costs more than the row).
            # Their order is the order they were touched in: "it" is the last.
            rows = [
                {
                    **common,
                    "entity_type": e.type,
                    "entity_id": e.id,
                    "name": e.name[:200],
                    "touched_at": now + timedelta(microseconds=index),
                }
                for index, e in enumerate(touched)
            ]
            statement = insert(ConversationEntity.__table__).values(rows)
            excluded = statement.excluded
            await session.execute(
                statement.on_conflict_do_update(
                    constraint="pk_conversation_entity",
                    set_={"name": excluded.name, "touched_at": excluded.touched_at},
                )
            )
        if forgotten:
            await session.execute(
                delete(ConversationEntity).where(
                    ConversationEntity.conversation_id == conversation.id,
                    ConversationEntity.entity_id.in_(forgotten),
                )
            )
        conversation.pending = pending.as_json() if pending else None
        conversation.updated_at = datetime.now(UTC)
        await session.flush()
        return answer

    async def _decide(
        self, session: AsyncSession, conversation: Conversation, decided: Decision
    ) -> None:
        question = ConversationMessage.question
        await session.execute(
            update(ConversationMessage)
            .where(
                ConversationMessage.conversation_id == conversation.id,
                question.is_not(None),
                question["decision"].as_string().is_(None),
            )
            .values(question=question.op("||")(cast({"decision": decided}, JSONB)))
        )

    async def list(
        self, session: AsyncSession, actor: Actor, *, limit: int, cursor: str | None
    ) -> Slice[Conversation]:
        """The actor's conversations, the latest first."""
        statement = select(Conversation).where(Conversation.user_id == actor.user_id)
        return await paginate(session, statement, CONVERSATION_ORDER, limit=limit, cursor=cursor)


conversation = ConversationService()
