"""The offline interpreter: a deterministic reader of common commands, run as a pydantic-ai
FunctionModel through the same agent loop and tools as a language model.

A sentence is matched against hassil templates (sentences.yaml); the match becomes a plan, a
generator that yields tool calls and receives their results (so it can look a name up, then
change the one record it found, or ask "which one?" when several match)."""

import re
import uuid
from collections.abc import Sequence
from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

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

from crm.assistant.extract import (
    PRIORITY,
    clean_name,
    clean_title,
    is_organization_name,
    region_of,
)
from crm.assistant.offline_calendar import CAPABILITIES as CALENDAR_CAPABILITIES
from crm.assistant.offline_calendar import CalendarPlans
from crm.assistant.offline_free import FreePlans, Hold
from crm.assistant.offline_integrations import CAPABILITIES as INTEGRATION_CAPABILITIES
from crm.assistant.offline_integrations import plan_for as integration_plan
from crm.assistant.offline_lookup import RecordLookup
from crm.assistant.offline_plan import INTRO, Call, Outcome, Plan
from crm.assistant.reading import (
    KINDS,
    details,
    is_name,
    narrow,
    reference_in,
    remainder,
    slot_lists,
    understand,
)
from crm.assistant.tools import Entity
from crm.kit.clock import said_day

CAPABILITIES = (
    "I can add, change, find, list and delete contacts, organizations, projects and tasks. "
    'For example: "add Jane Doe, CTO at Acme", "her phone is +1 415 555 0100", '
    '"add a task Send the quote to project Website due Friday", "mark Send the quote as done", '
    '"set the priority of Send the quote to high", "find Jane", "list my tasks", '
    '"delete contact Jane Doe". I read notes too ("had coffee with Marco Rossi, he\'s the buyer '
    'at Fabbrica Italia, his mobile is …"), answer "what is overdue?", "what\'s due this week?", '
    '"how is the Website project going?", "who do I know at Acme?", and "undo" reverts the last '
    "change."
)
# "add Jane Doe, CTO at Acme, and remind me Friday to call her": a command, then a reminder.
THEN_REMIND = re.compile(r"\s*[,;.]?\s+(?:and\s+)?(?:then\s+)?(?=remind me\b)", re.I)
TASK_STATUSES = {"todo", "in_progress", "done", "blocked"}
PROJECT_STATUSES = {"planned", "in_progress", "completed", "on_hold", "cancelled"}
CONTACT_FIELDS = {"phone", "email", "job_position", "organization", "name"}
ORGANIZATION_FIELDS = {"industry", "description", "name"}
FIELD_LABELS = {"job_position": "title", "email": "e-mail"}
# "my open tasks", "my done projects": the statuses each state stands for.
STATE_STATUSES = {
    ("task", "open"): ["todo", "in_progress", "blocked"],
    ("task", "closed"): ["done"],
    ("project", "open"): ["planned", "in_progress", "on_hold"],
    ("project", "closed"): ["completed", "cancelled"],
}


class Interpreter(RecordLookup, CalendarPlans, FreePlans):
    """One turn of the offline assistant, for one user."""

    def __init__(
        self,
        *,
        entities: list[Entity],
        time_zone: str,
        user_id: uuid.UUID,
        clock: str = "24h",
        names: dict[str, list[str]] | None = None,
        today: date | None = None,
        hold: Hold | None = None,
        services: Sequence[str] = (),
    ) -> None:
        self.entities = entities
        self.names = names or {}
        self.lists = slot_lists(self.names)
        self.hold = hold
        self.services = tuple(services)  # the connected ones, for mail and documents
        self.region = region_of(time_zone)
        self.zone = ZoneInfo(time_zone)
        self.time_zone = time_zone
        self.clock = clock
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
        """A question about the records; else a template's command when its slots read as
        what they are (a name, not a clause); else the message read for its parts."""
        if (then := THEN_REMIND.search(text)) is not None and text[: then.start()].strip():
            return self._then_remind(text[: then.start()], text[then.end() :])
        if (asked := self.question(text)) is not None:
            return asked
        if (read := integration_plan(text, self.services)) is not None:  # mail and documents
            return read  # type: ignore[return-value]
        # "Jane's new title is …", "her new e-mail is …": the templates know the field alone.
        text = re.sub(r"(?<=\w)('s|\u2019s)\s+new\s+|\b(her|his|their)\s+new\s+", r"\1\2 ", text)
        found = details(text)
        if found:
            return self._with_details(text, found)
        understood = understand(text, self.lists)
        if understood is None or not self.plain(*understood, text=text):
            return self.free(text)
        intent, slots = understood
        return getattr(self, f"_{intent}")(slots)

    def _then_remind(self, first: str, reminder: str) -> Plan:
        """A command, then a reminder: the reminder is about the record the command made when
        it names no other ("call her", "follow up")."""
        plan, outcome = self.plan_for(first), None
        while True:
            try:
                call = next(plan) if outcome is None else plan.send(outcome)
            except StopIteration as stop:
                said = stop.value
                break
            outcome = yield call
            kind = call.tool.removeprefix("create_")
            made = outcome.data if outcome.ok and kind in ("contact", "organization") else None
            if isinstance(made, dict) and {"id", "name"} <= made.keys():  # what a reminder links
                self.made = Entity(kind, uuid.UUID(made["id"]), made["name"])
                self.entities.append(self.made)
        then = yield from self.plan_for(reminder)
        return f"{said} {then}"

    def plain(self, intent: str, slots: dict[str, Any], *, text: str) -> bool:
        """Whether a template's wildcards hold what they stand for: a person's name without
        filler or a clause after it, an organization's or project's name without "for X
        due …", a date that reads as one."""
        if intent == "create_contact":
            name = clean_name(slots["name"])
            if name is None or any(len(slots.get(k, "").split()) > 5 for k in ("job", "org")):
                return False
            if re.search(r"\b(he|she|they|is|are|was|who|his|her)\b|'", slots.get("job", "")):
                return False  # "he's the plant manager": the free reading takes the title
            if slots.get("org") and not is_organization_name(slots["org"]):
                return False  # "as a client, a logistics company in Genoa" is no organization
            slots["name"] = name
        if intent in ("create_organization", "create_project", "create_task") and slots.get("name"):
            if clean_title(slots["name"]) != slots["name"].strip() or re.match(
                r"(for|with|to|as)\b", slots["name"], re.I
            ):
                return False
            if re.search(r"\b(due|by|priority|they|they're|it's)\b", slots["name"], re.I):
                return False
        if intent in ("create_project", "create_task") and slots.get("date"):
            if self.day(slots["date"]) is None:
                return False
        if intent == "create_organization" and not is_organization_name(slots["name"]):
            return False
        if intent == "create_task" and PRIORITY.search(text):
            return False  # a priority is not in the templates: the free reading has it
        if intent == "create_project" and slots.get("org"):
            return is_organization_name(slots["org"])
        return True

    def _say(self, text: str) -> Plan:
        return text
        yield  # a generator that says one thing

    def _help(self, slots: dict[str, Any]) -> Plan:
        return self._say(f"{INTRO} {CAPABILITIES}{CALENDAR_CAPABILITIES}{INTEGRATION_CAPABILITIES}")

    def _create_contact(self, slots: dict[str, Any], found: dict[str, str] | None = None) -> Plan:
        args: dict[str, Any] = {"name": slots["name"], **(found or {})}
        if slots.get("job"):
            args["job_position"] = slots["job"]
        if slots.get("org"):
            args["organization"] = slots["org"]
        outcome = yield Call("create_contact", args)
        if not outcome.ok:
            return f"I could not add {slots['name']}: {outcome.error}"
        contact = outcome.data
        shown = ("job_position", "organization", "email", "phone")
        extra = "".join(f", {contact[k]}" for k in shown if contact.get(k))
        return f"Added contact {contact['name']}{extra}."

    def _with_details(self, text: str, found: dict[str, str]) -> Plan:
        """A sentence with an e-mail or phone number in it: a new contact with them, the
        field a sentence names ("set Jane's phone to …"), else the details of the contact it
        names or the latest one ("her phone is …", "jane@acme.com")."""
        rest = remainder(text, found)
        understood = understand(rest, self.lists)
        if understood and understood[0] == "create_contact" and is_name(understood[1]["name"]):
            if self.plain(*understood, text=text):
                return self._create_contact(understood[1], found)
            return self.free(text)
        understood = understand(text, self.lists)
        if understood and understood[0] == "set_field" and understood[1]["field"] in found:
            return self._set_field({**understood[1], "value": found[understood[1]["field"]]})
        reference = reference_in(rest)
        if reference and clean_name(reference) is None:
            return self.free(text)  # a narrative message, not "<name> <details>"
        return self._set_details(reference, found)

    def _set_details(self, reference: str, found: dict[str, str]) -> Plan:
        target = yield from self.resolve(reference or "it", ("contact",))
        if isinstance(target, str):
            return target
        outcome = yield Call("update_contact", {"id": str(target.id), "changes": found})
        if not outcome.ok:
            return f"I could not change {target.name}: {outcome.error}"
        said = [f"{FIELD_LABELS.get(k, k)} to {outcome.data.get(k) or v}" for k, v in found.items()]
        first = said[0].replace(" to ", f" of {target.name} to ", 1)
        return f"Set the {' and the '.join([first, *said[1:]])}."

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
        return (yield from self.start_project(args, slots.get("org")))

    def _create_task(self, slots: dict[str, Any]) -> Plan:
        if not slots.get("name") and slots.get("named_kind") == "project":
            project = yield from self.resolve(slots["project"], ("project",))
            if isinstance(project, str):
                return project
            yield Call("get_project", {"id": str(project.id)})  # "it" is this project now
            return (
                f"What should the task in {project.name} be called? "
                "Say: add a task to it called <name>."
            )
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
        due_text = f", due {said_day(task['due_date'], self.today)}" if "due_date" in task else ""
        return f"Added task {outcome.data['name']} to project {project.name}{due_text}."

    def _set_field(self, slots: dict[str, Any]) -> Plan:
        field, value = slots["field"], slots["value"]
        kinds = ("contact",) if field in CONTACT_FIELDS - {"name"} else ("contact", "organization")
        if field in ORGANIZATION_FIELDS - {"name"}:
            kinds = ("organization",)
        if field == "name":
            kinds = KINDS
        target = yield from self.resolve(
            slots.get("target") or slots.get("pronoun") or "it", narrow(slots, kinds)
        )
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
        target = yield from self.resolve(slots["target"], narrow(slots, ("task", "project")))
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
        target = yield from self.resolve(slots["target"], narrow(slots, ("task",)))
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
        target = yield from self.resolve(slots["target"], narrow(slots, ("task", "project")))
        if isinstance(target, str):
            return target
        changes = {"id": str(target.id), "changes": {"due_date": due.isoformat()}}
        outcome = yield Call(f"update_{target.type}", changes)
        if not outcome.ok:
            return f"I could not change {target.name}: {outcome.error}"
        return f"{target.name} is now due {said_day(due, self.today)}."

    def _assign(self, slots: dict[str, Any]) -> Plan:
        target = yield from self.resolve(slots["target"], narrow(slots, ("task", "project")))
        if isinstance(target, str):
            return target
        member = yield from self.member(slots["member"])
        if isinstance(member, str):
            return member
        user_id, who = member
        if target.type == "task":
            call = Call("update_task", {"id": str(target.id), "changes": {"assignee_id": user_id}})
        else:
            call = Call("assign_project_member", {"project_id": str(target.id), "user_id": user_id})
        outcome = yield call
        if not outcome.ok:
            return f"I could not assign {target.name}: {outcome.error}"
        return f"Assigned {target.type} {target.name} to {who}."

    def _unassign(self, slots: dict[str, Any]) -> Plan:
        target = yield from self.resolve(slots["target"], narrow(slots, ("task", "project")))
        if isinstance(target, str):
            return target
        if target.type == "task":
            changes = {"id": str(target.id), "changes": {"assignee_id": None}}
            outcome = yield Call("update_task", changes)
            who = "anyone"
        else:
            if not slots.get("member"):
                return f"Who should come off project {target.name}? Say: remove <name> from it."
            member = yield from self.member(slots["member"])
            if isinstance(member, str):
                return member
            args = {"project_id": str(target.id), "user_id": member[0]}
            outcome = yield Call("unassign_project_member", args)
            who = member[1]
        if not outcome.ok:
            return f"I could not change {target.name}: {outcome.error}"
        return f"{target.type.capitalize()} {target.name} is no longer assigned to {who}."

    def _delete(self, slots: dict[str, Any]) -> Plan:
        kinds = (slots["kind"],) if slots.get("kind") else KINDS
        target = yield from self.resolve(slots["target"], narrow(slots, kinds))
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
        kinds = (slots["kind"],) if slots.get("kind") else KINDS
        found: list[tuple[str, dict[str, Any]]] = []
        for kind in kinds:
            outcome = yield Call(f"search_{kind}s", {"q": slots["target"], "limit": 10})
            if outcome.ok:
                found += [(kind, item) for item in outcome.data["items"]]
        if not found:
            return f"I found nothing matching \u201c{slots['target']}\u201d."
        return "I found:\n" + "\n".join(
            f"- {describe(kind, item, self.today)}" for kind, item in found
        )

    def _list(self, slots: dict[str, Any]) -> Plan:
        """The user's records of a kind; a task's or project's "open" or "done" ones."""
        kind, state = slots["kinds"], slots.get("state")
        args: dict[str, Any] = {"limit": 50}
        statuses = STATE_STATUSES.get((kind, state))
        if statuses:
            args["status"] = statuses
        outcome = yield Call(f"list_{kind}s", args)
        items = outcome.data["items"] if outcome.ok else []
        said = f"{state} {kind}s" if statuses else f"{kind}s"
        if not items:
            return f"You have no {said}" + ("." if statuses else " yet.")
        more = " (and more)" if outcome.data.get("next_cursor") else ""
        lines = "\n".join(f"- {describe(kind, item, self.today)}" for item in items)
        return f"Your {said}{more}:\n{lines}"


def describe(kind: str, item: dict[str, Any], today: date) -> str:
    """One line about a record, as the offline assistant lists it."""
    due = item.get("due_date") and f"due {said_day(item['due_date'], today)}"
    details = {
        "contact": [
            item.get("job_position"),
            item.get("organization"),
            item.get("email"),
            item.get("phone"),
        ],
        "organization": [item.get("industry")],
        "project": [(item.get("status") or "").replace("_", " "), due],
        "task": [
            (item.get("status") or "").replace("_", " "),
            item.get("priority"),
            due,
        ],
    }.get(kind, [])
    shown = ", ".join(str(d) for d in details if d)
    return f"{item['name']} ({kind}{': ' + shown if shown else ''})"
