"""The offline interpreter: a deterministic reader of common commands, run as a pydantic-ai
FunctionModel through the same agent loop and tools as a language model.

A sentence is matched against hassil templates (sentences.yaml); the match becomes a plan, a
generator that yields tool calls and receives their results (so it can look a name up, then
change the one record it found, or ask "which one?" when several match)."""

import re
import uuid
from collections.abc import Generator
from dataclasses import dataclass
from datetime import date, datetime
from functools import cache
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import dateparser
import yaml
from hassil import Intents, RecognizeResult, recognize_all
from pydantic_ai.messages import (
    ModelMessage,
    ModelRequest,
    ModelResponse,
    RetryPromptPart,
    TextPart,
    ToolCallPart,
    ToolReturnPart,
    UserPromptPart,
)
from pydantic_ai.models.function import AgentInfo, FunctionModel

from crm.assistant.offline_calendar import CAPABILITIES as CALENDAR_CAPABILITIES
from crm.assistant.offline_calendar import SENTENCES as CALENDAR_SENTENCES
from crm.assistant.offline_calendar import CalendarPlans
from crm.assistant.tools import Entity

SENTENCES = Path(__file__).parent / "sentences.yaml"
PRONOUNS = {
    "it",
    "her",
    "him",
    "his",
    "its",
    "their",
    "them",
    "this",
    "that",
    "this project",
    "that project",
    "the project",
}
INTRO = "I'm the offline assistant (no AI provider is set up), so I understand simple commands."
CAPABILITIES = (
    "I can add, change, find, list and delete contacts, organizations, projects and tasks. "
    'For example: "add Jane Doe, CTO at Acme", "her phone is +1 415 555 0100", '
    '"add a task Send the quote to project Website due Friday", "mark Send the quote as done", '
    '"set the priority of Send the quote to high", "find Jane", "list my tasks", '
    '"delete contact Jane Doe".'
)
MAX_NAME_WORDS = 5
TASK_STATUSES = {"todo", "in_progress", "done", "blocked"}
PROJECT_STATUSES = {"planned", "in_progress", "completed", "on_hold", "cancelled"}
CONTACT_FIELDS = {"phone", "email", "job_position", "organization", "name"}
ORGANIZATION_FIELDS = {"industry", "description", "name"}
FIELD_LABELS = {"job_position": "title", "email": "e-mail"}


@dataclass(frozen=True)
class Call:
    tool: str
    args: dict[str, Any]


@dataclass(frozen=True)
class Outcome:
    ok: bool
    data: Any
    error: str | None = None


Plan = Generator[Call, Outcome, str]


@cache
def intents() -> Intents:
    merged = yaml.safe_load(SENTENCES.read_text())
    calendar = yaml.safe_load(CALENDAR_SENTENCES.read_text())
    merged["intents"].update(calendar["intents"])
    merged["lists"].update(calendar["lists"])
    return Intents.from_dict(merged)


def _wildcard_chars(result: RecognizeResult) -> int:
    return sum(len(str(e.value)) for e in result.entities.values() if e.is_wildcard)


def understand(text: str) -> tuple[str, dict[str, Any]] | None:
    """The intent and slots of a sentence: of all matches, the one that leaves the least to
    wildcards (the most specific template)."""
    cleaned = re.sub(
        r"^\s*(yes|yeah|ok|okay|sure|please|and|also)\b[,.!]?\s*", "", text, flags=re.I
    )
    cleaned = re.sub(r"\s*,\s*", " as ", cleaned.strip().rstrip(".!"))
    matches = list(recognize_all(cleaned, intents()))
    if not matches:
        return None
    best = min(matches, key=lambda r: (_wildcard_chars(r), -len(r.entities)))
    slots = {
        k: str(v.value).strip() if v.is_wildcard else v.value for k, v in best.entities.items()
    }
    if best.intent.name == "create_contact" and len(slots["name"].split()) > MAX_NAME_WORDS:
        return None  # "add <a whole sentence>" is not a name; better to say so than store it
    return best.intent.name, slots


class Interpreter(CalendarPlans):
    """One turn of the offline assistant, for one user."""

    def __init__(
        self,
        *,
        entities: list[Entity],
        time_zone: str,
        user_id: uuid.UUID,
        today: date | None = None,
    ) -> None:
        self.entities = entities
        self.zone = ZoneInfo(time_zone)
        self.time_zone = time_zone
        self.user_id = user_id
        self.today = today or datetime.now(self.zone).date()
        self.plan: Plan | None = None

    def model(self) -> FunctionModel:
        return FunctionModel(self.respond, model_name="offline")

    # The FunctionModel's function: start a plan on the user's message, feed it tool results.
    async def respond(self, messages: list[ModelMessage], info: AgentInfo) -> ModelResponse:
        last = messages[-1]
        step: Call | str
        if self.plan is None:
            prompt = (
                next((p.content for p in last.parts if isinstance(p, UserPromptPart)), "")
                if isinstance(last, ModelRequest)
                else ""
            )
            self.plan = self.plan_for(prompt if isinstance(prompt, str) else "")
            step = self._advance(None)
        else:
            step = self._advance(self._outcome(last))
        if isinstance(step, str):
            return ModelResponse(parts=[TextPart(step)])
        return ModelResponse(parts=[ToolCallPart(step.tool, step.args)])

    def _advance(self, outcome: Outcome | None) -> Call | str:
        assert self.plan is not None
        try:
            return next(self.plan) if outcome is None else self.plan.send(outcome)
        except StopIteration as stop:
            return str(stop.value)

    @staticmethod
    def _outcome(message: ModelMessage) -> Outcome:
        for part in message.parts:
            if isinstance(part, RetryPromptPart):
                return Outcome(False, None, part.model_response())
            if isinstance(part, ToolReturnPart):
                content = part.content
                if part.outcome != "success":  # a retry: the arguments were invalid
                    return Outcome(False, None, str(content))
                if isinstance(content, dict) and content.get("ok") is False:
                    return Outcome(False, content, str(content.get("error")))
                return Outcome(True, content)
        return Outcome(False, None, "no result")

    # Plans ---------------------------------------------------------------------------------
    def plan_for(self, text: str) -> Plan:
        understood = understand(text)
        if understood is None:
            return self._say(
                f"{INTRO} I did not understand \u201c{text.strip()[:200]}\u201d. {CAPABILITIES}"
            )
        intent, slots = understood
        return getattr(self, f"_{intent}")(slots)

    def _say(self, text: str) -> Plan:
        return text
        yield  # a generator that says one thing

    def _help(self, slots: dict[str, Any]) -> Plan:
        return self._say(f"{INTRO} {CAPABILITIES}{CALENDAR_CAPABILITIES}")

    def _create_contact(self, slots: dict[str, Any]) -> Plan:
        args: dict[str, Any] = {"name": slots["name"]}
        if slots.get("job"):
            args["job_position"] = slots["job"]
        if slots.get("org"):
            args["organization"] = slots["org"]
        outcome = yield Call("create_contact", args)
        if not outcome.ok:
            return f"I could not add {slots['name']}: {outcome.error}"
        contact = outcome.data
        extra = "".join(
            f", {v}" for v in (contact.get("job_position"), contact.get("organization")) if v
        )
        return f"Added contact {contact['name']}{extra}."

    def _create_organization(self, slots: dict[str, Any]) -> Plan:
        outcome = yield Call("create_organization", {"name": slots["name"]})
        if not outcome.ok:
            return f"I could not add {slots['name']}: {outcome.error}"
        return f"Added organization {outcome.data['name']}."

    def _create_project(self, slots: dict[str, Any]) -> Plan:
        args: dict[str, Any] = {"name": slots["name"]}
        if slots.get("date"):
            due = self.day(slots["date"])
            if due is None:
                return f"I did not understand the due date \u201c{slots['date']}\u201d."
            args["due_date"] = due.isoformat()
        if slots.get("org"):
            org = yield from self.resolve(slots["org"], ("organization",))
            if isinstance(org, str):
                return org
            args["organization_id"] = str(org.id)
        outcome = yield Call("create_project", args)
        if not outcome.ok:
            return f"I could not start the project: {outcome.error}"
        return f"Started project {outcome.data['name']}."

    def _create_task(self, slots: dict[str, Any]) -> Plan:
        if not slots.get("name"):
            return "What should the task be called? For example: add a task to it called Call back."
        reference = slots.get("project") or slots.get("pronoun")
        if reference is None:
            project = self.latest(("project",))
            if project is None:
                return "Which project is the task for? Say: add a task <name> to <project>."
        else:
            project = yield from self.resolve(reference, ("project",))
            if isinstance(project, str):
                return project
        task: dict[str, Any] = {"name": slots["name"]}
        if slots.get("date"):
            due = self.day(slots["date"])
            if due is None:
                return f"I did not understand the due date \u201c{slots['date']}\u201d."
            task["due_date"] = due.isoformat()
        outcome = yield Call("add_task_to_project", {"project_id": str(project.id), "task": task})
        if not outcome.ok:
            return f"I could not add the task: {outcome.error}"
        due_text = f", due {task['due_date']}" if "due_date" in task else ""
        return f"Added task {outcome.data['name']} to project {project.name}{due_text}."

    def _set_field(self, slots: dict[str, Any]) -> Plan:
        field, value = slots["field"], slots["value"]
        kinds = ("contact",) if field in CONTACT_FIELDS - {"name"} else ("contact", "organization")
        if field in ORGANIZATION_FIELDS - {"name"}:
            kinds = ("organization",)
        if field == "name":
            kinds = ("contact", "organization", "project", "task")
        target = yield from self.resolve(slots.get("target") or slots.get("pronoun") or "it", kinds)
        if isinstance(target, str):
            return target
        outcome = yield Call(
            f"update_{target.type}", {"id": str(target.id), "changes": {field: value}}
        )
        if not outcome.ok:
            return f"I could not change {target.name}: {outcome.error}"
        shown = outcome.data.get(field, value)
        return f"Set the {FIELD_LABELS.get(field, field)} of {target.name} to {shown}."

    def _set_status(self, slots: dict[str, Any]) -> Plan:
        status = slots["status"]
        target = yield from self.resolve(slots["target"], ("task", "project"))
        if isinstance(target, str):
            return target
        if target.type == "project":
            status = {"done": "completed", "todo": "planned"}.get(status, status)
            allowed = PROJECT_STATUSES
        else:
            allowed = TASK_STATUSES
        if status not in allowed:
            return f"A {target.type} cannot be {status.replace('_', ' ')}; its statuses are " + (
                ", ".join(s.replace("_", " ") for s in sorted(allowed)) + "."
            )
        outcome = yield Call(f"set_{target.type}_status", {"id": str(target.id), "status": status})
        if not outcome.ok:
            return f"I could not change {target.name}: {outcome.error}"
        return f"Marked {target.type} {target.name} as {status.replace('_', ' ')}."

    def _set_priority(self, slots: dict[str, Any]) -> Plan:
        target = yield from self.resolve(slots["target"], ("task",))
        if isinstance(target, str):
            return target
        args = {"id": str(target.id), "priority": slots["priority"]}
        outcome = yield Call("set_task_priority", args)
        if not outcome.ok:
            return f"I could not change {target.name}: {outcome.error}"
        return f"Set the priority of {target.name} to {slots['priority']}."

    def _set_due(self, slots: dict[str, Any]) -> Plan:
        due = self.day(slots["date"])
        if due is None:
            return f"I did not understand the date \u201c{slots['date']}\u201d."
        target = yield from self.resolve(slots["target"], ("task", "project"))
        if isinstance(target, str):
            return target
        changes = {"id": str(target.id), "changes": {"due_date": due.isoformat()}}
        outcome = yield Call(f"update_{target.type}", changes)
        if not outcome.ok:
            return f"I could not change {target.name}: {outcome.error}"
        return f"{target.name} is now due {due.isoformat()}."

    def _assign_to_me(self, slots: dict[str, Any]) -> Plan:
        target = yield from self.resolve(slots["target"], ("task",))
        if isinstance(target, str):
            return target
        args = {"id": str(target.id), "changes": {"assignee_id": str(self.user_id)}}
        outcome = yield Call("update_task", args)
        if not outcome.ok:
            return f"I could not assign {target.name}: {outcome.error}"
        return f"Assigned task {target.name} to you."

    def _delete(self, slots: dict[str, Any]) -> Plan:
        kinds = (
            (slots["kind"],)
            if slots.get("kind")
            else ("contact", "organization", "project", "task")
        )
        target = yield from self.resolve(slots["target"], kinds)
        if isinstance(target, str):
            return target
        outcome = yield Call(f"delete_{target.type}", {"id": str(target.id)})
        if not outcome.ok:
            return f"I could not delete {target.name}: {outcome.error}"
        summary = f"delete {target.type} {target.name}"
        if target.type == "project":
            summary += " and all its tasks"
        return f"Do you want me to {summary}? Answer yes to delete, or no to keep it."

    def _find(self, slots: dict[str, Any]) -> Plan:
        kinds = (
            (slots["kind"],)
            if slots.get("kind")
            else ("contact", "organization", "project", "task")
        )
        found: list[tuple[str, dict[str, Any]]] = []
        for kind in kinds:
            outcome = yield Call(f"search_{kind}s", {"q": slots["target"], "limit": 10})
            if outcome.ok:
                found += [(kind, item) for item in outcome.data["items"]]
        if not found:
            return f"I found nothing matching \u201c{slots['target']}\u201d."
        return "I found:\n" + "\n".join(f"- {describe(kind, item)}" for kind, item in found)

    def _list(self, slots: dict[str, Any]) -> Plan:
        kind = slots["kinds"]
        outcome = yield Call(f"list_{kind}s", {"limit": 50})
        items = outcome.data["items"] if outcome.ok else []
        if not items:
            return f"You have no {kind}s yet."
        more = " (and more)" if outcome.data.get("next_cursor") else ""
        lines = "\n".join(f"- {describe(kind, item)}" for item in items)
        return f"Your {kind}s{more}:\n{lines}"

    # Helpers -------------------------------------------------------------------------------
    def latest(self, kinds: tuple[str, ...]) -> Entity | None:
        return next((e for e in reversed(self.entities) if e.type in kinds), None)

    def resolve(
        self, reference: str, kinds: tuple[str, ...]
    ) -> Generator[Call, Outcome, Entity | str]:
        """The one record `reference` names (a pronoun: the latest one touched), or what to
        tell the user when none or several match."""
        reference = re.sub(r"^(the|my)\s+", "", reference.strip(), flags=re.I)
        for kind in kinds:  # "the task Write spec"
            if reference.lower().startswith(kind + " "):
                kinds, reference = (kind,), reference[len(kind) + 1 :]
        if reference.lower() in PRONOUNS:
            entity = self.latest(kinds)
            if entity is None:
                return "I don't know which record you mean; name it, please."
            return entity
        exact: list[Entity] = []
        partial: list[Entity] = []
        wanted = reference.lower()
        for kind in kinds:
            outcome = yield Call(f"search_{kind}s", {"q": reference, "limit": 20})
            if not outcome.ok:
                continue
            for item in outcome.data["items"]:
                name = item["name"]
                entity = Entity(kind, uuid.UUID(item["id"]), name)
                if name.lower() == wanted:
                    exact.append(entity)
                elif re.search(rf"\b{re.escape(wanted)}\b", name.lower()):
                    partial.append(entity)
        candidates = exact or partial
        if len(candidates) == 1:
            return candidates[0]
        kind_words = " or ".join(kinds)
        if not candidates:
            return f"I found no {kind_words} named \u201c{reference}\u201d."
        names = "; ".join(f"{c.name} ({c.type})" for c in candidates[:10])
        return f"Which {reference}? Several match: {names}. Say the full name."

    def day(self, text: str) -> date | None:
        """A due date in the user's time zone ("friday", "next week", "2027-01-05")."""
        base = datetime.combine(self.today, datetime.min.time())
        settings: Any = {
            "TIMEZONE": self.time_zone,
            "PREFER_DATES_FROM": "future",
            "RELATIVE_BASE": base,
            "RETURN_AS_TIMEZONE_AWARE": False,
        }
        parsed = dateparser.parse(text, languages=["en"], settings=settings)
        return parsed.date() if parsed else None


def describe(kind: str, item: dict[str, Any]) -> str:
    """One line about a record, as the offline assistant lists it."""
    details = {
        "contact": [
            item.get("job_position"),
            item.get("organization"),
            item.get("email"),
            item.get("phone"),
        ],
        "organization": [item.get("industry")],
        "project": [(item.get("status") or "").replace("_", " "), item.get("due_date")],
        "task": [
            (item.get("status") or "").replace("_", " "),
            item.get("priority"),
            item.get("due_date") and f"due {item['due_date']}",
        ],
    }.get(kind, [])
    shown = ", ".join(str(d) for d in details if d)
    return f"{item['name']} ({kind}{': ' + shown if shown else ''})"
