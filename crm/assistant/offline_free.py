"""The offline interpreter's reading of free sentences, where the templates miss: messages
written after a meeting ("had coffee with Marco Rossi, he's the buyer at Fabbrica Italia, his
mobile is …") and several records at once ("add tasks to it: A (high priority) and B"). A mixin
of the Interpreter (crm/assistant/offline.py), with the questions (offline_questions.py). What
it is unsure of it proposes (a pending call the user adds with yes, or edits in the record's
form) instead of writing."""

import calendar
import re
import uuid
from collections.abc import Callable, Generator
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from crm.assistant.extract import (
    DATE_PHRASE,
    ORG_SPAN,
    Parts,
    clean_title,
    read,
)
from crm.assistant.offline_plan import INTRO, Call, Outcome, Plan
from crm.assistant.offline_questions import QuestionPlans, task_line
from crm.assistant.tools import Entity
from crm.kit.clock import said_day

Hold = Callable[[dict[str, Any], str], None]


@dataclass(frozen=True)
class Found:
    """A record a plan looked up, or made because the user named one they did not have."""

    entity: Entity
    new: bool


# A command to make a record: a verb first ("please add …", "new contact …"), or "new <kind>".
CREATE = re.compile(
    r"^\W*(?:(?:please|pls|can you|could you|would you|quickly|also|and)\s+)*(?:add|create|save|"
    r"store|new|put|log|record|make|register|enter|set up|start|open|kick off)\b|\bnew\s+(?:"
    r"contacts?|people|person|clients?|customers?|org\w*|compan\w+|projects?|tasks?)\b|"
    r"\b(?:keep|save|store|add) (?:her|him|them|his|their) (?:on file|details|info)\b",
    re.I,
)
NARRATIVE = re.compile(
    r"\b(met|meet|meeting|had (?:a |an )?(?:coffee|lunch|dinner|call|chat|drink)|coffee|lunch|"
    r"spoke|talked|chatted|introduced|ran into|bumped into|call with|caught up)\b",
    re.I,
)
PRONOUN_SUBJECT = re.compile(r"\b(he|she|they|his|her|their|him)\b", re.I)
TASK_LIST = re.compile(
    r"\b(?:(?:add|create)\s+(?:a\s+few\s+|some\s+|the\s+|these\s+|a\s+|two\s+|three\s+|four\s+|"
    r"\d+\s+)?(?:new\s+)?|new\s+)"  # "new task in Onboarding: Kickoff call"
    r"(?:tasks?|to-?dos?)\s+(?:to|for|on|in|under)\s+(?P<ref>[^:]+?)\s*:\s*(?P<items>.+)$",
    re.I | re.S,
)
TASK_ONE = re.compile(
    r"\b(?:add|create|new)\s+(?:a\s+|another\s+)?(?:new\s+)?(?:task|to-?do)\s+"
    r"(?:(?:to|in|for|on|under)\s+(?P<ref>.+?)\s+(?:called|named)\s+|(?:called|named|to)\s+)?"
    r"(?P<rest>.+)$",
    re.I | re.S,
)
MEETINGS = r"call|meeting|video call|catch-up|catch up|sync|demo|lunch|coffee|review|intro call"
EVENT = re.compile(
    rf"\b(?:set up|setup|book|arrange|organi[sz]e|put in|add|plan|pencil in|schedule)\s+"
    rf"(?P<rest>(?:a|an|the)?\s*.*?\b(?:{MEETINGS})\b.*)$",
    re.I | re.S,
)
WHEN = re.compile(
    rf"(?:on\s+)?(?:{DATE_PHRASE})(?:\s+(?:at\s+)?\d{{1,2}}(?::\d\d)?\s*(?:am|pm)?)?"
    rf"|at\s+\d{{1,2}}(?::\d\d)?\s*(?:am|pm)?(?:\s+(?:on\s+)?(?:{DATE_PHRASE}))?",
    re.I,
)


# An item that only says a detail of the one before it ("A, due Friday, high priority").
DETAIL_ONLY = re.compile(
    r"(?:due|by|before|deadline|priority|(?:low|medium|normal|high|top|urgent)[- ]priority)\b",
    re.I,
)


def split_items(text: str) -> list[str]:
    """ "A (high priority, due Friday), B and C" -> ["A (high priority, due Friday)", "B", "C"]:
    split at commas, semicolons and "and" outside brackets."""
    items, depth, start = [], 0, 0
    separators = re.compile(r",\s*(?:and\s+)?|;\s*|\s+and\s+|\n+\s*[-*\u2022]?\s*")
    position = 0
    while position < len(text):
        char = text[position]
        depth += {"(": 1, ")": -1}.get(char, 0)
        found = separators.match(text, position) if depth == 0 else None
        if found and found.end() > position:
            items.append(text[start:position])
            start = position = found.end()
            continue
        position += 1
    items.append(text[start:])
    merged: list[str] = []
    for item in (i.strip(" .") for i in items if i.strip(" .")):
        if merged and DETAIL_ONLY.match(item):  # "Kickoff call, due Monday": one task
            merged[-1] += f", {item}"
        else:
            merged.append(item)
    return merged


class FreePlans(QuestionPlans):
    """Free sentences (the Interpreter provides names, region, today, day, latest, resolve,
    moment and the hold of a proposal)."""

    names: dict[str, list[str]]
    region: str | None
    today: date
    hold: Hold | None

    def day(self, text: str) -> date | None:  # provided by the Interpreter
        raise NotImplementedError

    def parts(self, text: str) -> Parts:
        return read(
            text,
            region=self.region,
            contacts=self.names.get("contact", []),
            organizations=self.names.get("organization", []),
        )

    def due_day(self, said: str) -> date | None:
        """A due date as said, "end of March" and "end of the month" included."""
        found = re.fullmatch(r"end of (?:the )?(\w+)(?: (\d{4}))?", said.strip(), re.I)
        if found is None:
            return self.day(said)
        word = found[1].lower()
        if found[2]:
            word = f"{word} {found[2]}"
        if word == "week":
            return self.today + timedelta(days=4 - self.today.weekday() % 7)
        if word == "year":
            return date(self.today.year, 12, 31)
        start = self.today if word == "month" else self.day(f"1 {word}")
        if start is None:
            return None
        return date(start.year, start.month, calendar.monthrange(start.year, start.month)[1])

    # Free sentences -----------------------------------------------------------------------
    def free(self, text: str) -> Plan:
        """A message the templates did not read: its parts decide what it asks for."""
        parts = self.parts(text)
        lower = text.lower()
        if found := TASK_LIST.search(text):
            reference = re.sub(r"\s+project$", "", found["ref"].strip(), flags=re.I)
            return self._free_tasks(reference, split_items(found["items"]))
        if found := TASK_ONE.search(text):  # "add a task to the X project called Y due …"
            reference = found["ref"] and re.sub(r"\s+project$", "", found["ref"], flags=re.I)
            return self._free_tasks(reference, [found["rest"]])
        creates = CREATE.search(lower) is not None
        if creates and re.search(r"\b(org|organi[sz]ation|company|client|customer)\b", lower):
            return self._free_organization(text, parts)
        if creates and re.search(r"\bproject\b", lower):
            return self._free_project(text, parts)
        if (found := EVENT.search(text)) and WHEN.search(found["rest"]):
            return self._schedule_event({"rest": found["rest"]})  # type: ignore[attr-defined]
        return self._free_contact(text, parts, sure=creates)

    def _free_contact(self, text: str, parts: Parts, *, sure: bool) -> Plan:
        known = [p for p in parts.people if p in self.names.get("contact", [])]
        new = [p for p in parts.people if p not in known]
        fields: dict[str, Any] = {}
        if parts.emails:
            fields["email"] = parts.emails[0]
        if parts.phones:
            fields["phone"] = parts.phones[0]
        if parts.job:
            fields["job_position"] = parts.job
        if parts.organizations:
            fields["organization"] = parts.organizations[0]
        if new and (sure or fields or NARRATIVE.search(text)):
            return self._new_contacts(
                text, new, parts, sure=sure or bool(parts.emails or parts.phones)
            )
        target = known[0] if len(known) == 1 else None
        if target is None and not parts.people and PRONOUN_SUBJECT.search(text):
            target = "it"
        if target is not None and fields:
            return self._update_contact(target, fields)
        return self.not_understood(text, parts)

    def _new_contacts(self, text: str, people: list[str], parts: Parts, *, sure: bool) -> Plan:
        """One new contact per person named; details go to the person whose part of the
        message carries them (one person: all of them)."""
        calls: list[dict[str, Any]] = []
        for index, person in enumerate(people):
            start = text.find(person)
            after = [text.find(p) for p in people[index + 1 :] if text.find(p) > start]
            segment = text[start : min(after)] if after else text[start:]
            mine = parts if len(people) == 1 else self.parts(segment)
            args: dict[str, Any] = {"name": person}
            if mine.emails:
                args["email"] = mine.emails[0]
            if mine.phones:
                args["phone"] = mine.phones[0]
            if mine.job:
                args["job_position"] = mine.job
            orgs = mine.organizations or (
                parts.organizations if len(parts.organizations) == 1 else []
            )
            if orgs:
                args["organization"] = orgs[0]
            calls.append(args)
        if not sure:
            proposals = [("create_contact", args, contact_summary(args)) for args in calls]
            return (yield from self.propose(proposals))
        said = []
        for args in calls:
            outcome = yield self.call("create_contact", args)
            if not outcome.ok:
                said.append(f"I could not add {args['name']}: {outcome.error}")
                continue
            said.append(f"Added contact {contact_summary(outcome.data)}.")
        return " ".join(said)

    def _update_contact(self, reference: str, fields: dict[str, Any]) -> Plan:
        target = yield from self.resolve(reference, ("contact",))  # type: ignore[attr-defined]
        if isinstance(target, str):
            return target
        outcome = yield self.call("update_contact", {"id": str(target.id), "changes": fields})
        if not outcome.ok:
            return f"I could not change {target.name}: {outcome.error}"
        return f"Updated contact {contact_summary(outcome.data)}."

    def _free_organization(self, text: str, parts: Parts) -> Plan:
        found = re.search(
            rf"\b(?:org|organi[sz]ation|company|client|customer)[:\s]+(?:(?:called|named|for)\s+)?"
            rf"(?P<name>{ORG_SPAN})",
            text,
        ) or re.search(
            rf"\b(?:add|create|save)\s+(?P<name>{ORG_SPAN})\s+as\s+(?:an?\s+|the\s+)?"
            r"(?:new\s+)?(?:org|organi[sz]ation|company|client|customer)",
            text,
            re.I,
        )
        name = clean_title(found["name"]) if found else None
        if not name:
            return (yield from self.not_understood(text, parts))
        args: dict[str, Any] = {"name": name}
        if parts.industry:
            args["industry"] = parts.industry
        outcome = yield self.call("create_organization", args)
        if not outcome.ok:
            return f"I could not add {name}: {outcome.error}"
        industry = f" ({outcome.data['industry']})" if outcome.data.get("industry") else ""
        said = f"Added organization {outcome.data['name']}{industry}."
        # "… and a contact Gavin Belson who works there": the people named with it.
        there = re.search(r"\b(there|at it|for them|with them)\b", text, re.I)
        for person in (p for p in parts.people if p.lower() not in name.lower()):
            args = {"name": person, **({"organization": outcome.data["name"]} if there else {})}
            created = yield self.call("create_contact", args)
            said += (
                f" Added contact {contact_summary(created.data)}."
                if created.ok
                else f" I could not add {person}: {created.error}"
            )
        return said

    def _free_project(self, text: str, parts: Parts) -> Plan:
        found = re.search(
            r"\bproject\s+(?:(?:called|named)\s+)?(?P<name>.+?)"
            r"(?=\s+(?:for|with)\s+[A-Z]|,|\s+(?:due|by|before|ending)\s|\s+[\u2014\u2013-]\s|$)",
            text,
        )
        called = re.search(r"\b(?:called|named)\s+(?P<name>.+?)(?=,|\s+(?:due|by|for)\s|$)", text)
        name = clean_title((called or found)["name"]) if (called or found) else None
        if name and re.match(r"(?:for|with)\b", name, re.I):
            name = None
        if not name:
            return (yield from self.not_understood(text, parts))
        args: dict[str, Any] = {"name": name}
        if parts.due:
            due = self.due_day(parts.due)
            if due is None:
                return f"I did not understand the due date \u201c{parts.due}\u201d."
            args["due_date"] = due.isoformat()
        org_named = re.search(rf"\b(?:for|with)\s+(?P<org>{ORG_SPAN})", text)
        return (yield from self.start_project(args, org_named and clean_title(org_named["org"])))

    def start_project(self, args: dict[str, Any], organization: str | None) -> Plan:
        """A new project, for the organization named: one of the user's, else a new one of
        that name (a project keeps its organization only as a record, and the user said it),
        which the reply says."""
        made = ""
        if organization:
            org = yield from self.organization_for(organization)
            if isinstance(org, str):
                return org
            if org.new:
                made = f"Added organization {org.entity.name}. "
            args["organization_id"] = str(org.entity.id)
        outcome = yield self.call("create_project", args)
        if not outcome.ok:
            return f"{made}I could not start the project: {outcome.error}"
        for_text = f" for {org.entity.name}" if organization else ""
        due_text = f", due {said_day(args['due_date'], self.today)}" if "due_date" in args else ""
        return f"{made}Started project {outcome.data['name']}{for_text}{due_text}."

    def organization_for(self, said: str) -> Generator[Call, Outcome, Found | str]:
        """The user's organization `said` names (the one of a pronoun, the one whose name it is
        or has as words), else a new organization of that name; or what to tell the user when
        several match."""
        if said.lower() in ("it", "them", "they", "that", "this"):
            entity = yield from self.resolve(said, ("organization",))  # type: ignore[attr-defined]
            return entity if isinstance(entity, str) else Found(entity, new=False)
        found = yield from self.matches(said, ("organization",))  # type: ignore[attr-defined]
        if len(found) == 1:
            return Found(found[0], new=False)
        if found:
            return self.which(said, found)  # type: ignore[attr-defined]
        outcome = yield self.call("create_organization", {"name": said})
        if not outcome.ok:
            return f"I could not add the organization {said}: {outcome.error}"
        return Found(
            Entity("organization", uuid.UUID(outcome.data["id"]), outcome.data["name"]), new=True
        )

    def _free_tasks(self, reference: str | None, items: list[str]) -> Plan:
        """Tasks, each with its own priority and due date, in the project named (else the
        one the conversation is about)."""
        tasks = []
        for item in items:
            into = re.search(
                r"\s+(?:to|in|for|on|under)\s+(?:the\s+)?(?P<project>[^,()]+?)(?:\s+project)?"
                r"(?=\s*(?:,|\(|\s+due\b|\s+by\b|$))",
                item,
            )
            if into and reference is None and self.known_project(into["project"]):
                reference = into["project"]
                item = item[: into.start()] + item[into.end() :]
            name = clean_title(re.split(r"\s+(?:due|by)\s|\s*\(|,", item)[0])
            if not name:
                return f"I did not understand the task \u201c{item}\u201d."
            parts = self.parts(item)
            task: dict[str, Any] = {"name": name}
            if parts.priority:
                task["priority"] = parts.priority
            if parts.due:
                due = self.due_day(parts.due)
                if due is None:
                    return f"I did not understand the due date \u201c{parts.due}\u201d."
                task["due_date"] = due.isoformat()
            tasks.append(task)
        if reference is None or (self.known_project(reference) and not self.named(reference)):
            project = self.latest(("project",))  # type: ignore[attr-defined]
            if project is None:
                return "Which project are the tasks for? Say: add tasks to <project>: A and B."
        else:
            project = yield from self.resolve(reference, ("project",))  # type: ignore[attr-defined]
            if isinstance(project, str):
                return project
        added = []
        for task in tasks:
            outcome = yield self.call(
                "add_task_to_project", {"project_id": str(project.id), "task": task}
            )
            if not outcome.ok:
                return f"I could not add the task {task['name']}: {outcome.error}"
            added.append(task_line(outcome.data, self.today))
        return f"Added to project {project.name}:\n" + "\n".join(f"- {a}" for a in added)

    def named(self, said: str) -> bool:
        """Whether a reference names a project (not "it", "that project")."""
        wanted = re.sub(r"^(the|my)\s+", "", said.strip(), flags=re.I).lower()
        return wanted in (n.lower() for n in self.names.get("project", []))

    def known_project(self, said: str) -> bool:
        wanted = re.sub(r"^(the|my)\s+", "", said.strip(), flags=re.I).lower()
        pronouns = ("it", "this project", "that project", "this", "that")
        return wanted in pronouns or wanted in (n.lower() for n in self.names.get("project", []))

    # Proposals and the closest thing ------------------------------------------------------
    def propose(self, calls: list[tuple[str, dict[str, Any], str]]) -> Plan:
        """Hold new records for the user's yes (or their Edit) instead of writing them."""
        if self.hold is None:
            return "I am not sure; say it as a command, e.g. add <name>."
        for tool, args, summary in calls:
            self.hold(
                {
                    "tool": tool,
                    "arguments": args,
                    "name": args.get("name", ""),
                    "summary": f"Add {tool.removeprefix('create_')} {summary}",
                },
                summary,
            )
        said = "; ".join(f"{tool.removeprefix('create_')} {summary}" for tool, _, summary in calls)
        return f"Add {said}? Answer yes to add, or Edit to change it first. Nothing is saved yet."
        yield  # a generator

    def not_understood(self, text: str, parts: Parts) -> Plan:
        """ "I did not understand" with the closest thing the interpreter can do."""
        head = f"{INTRO} I did not understand \u201c{text.strip()[:200]}\u201d."
        lower = text.lower()
        if parts.people:
            name = parts.people[0]
            if name in self.names.get("contact", []):
                closest = (
                    f'To see {name}, say "find {name}"; to change them, "{name}\'s phone is …".'
                )
            else:
                closest = f'To add {name} as a contact, say "add {name}".'
        elif "task" in lower or "todo" in lower:
            closest = 'For a task, say "add a task Send the quote to <project> due Friday".'
        elif "project" in lower:
            closest = 'For a project, say "new project <name> for <organization> due <date>".'
        elif re.search(r"\b(remind|calendar|meeting|call|schedule)\b", lower):
            closest = (
                'For the calendar, say "schedule a call with <name> Tuesday 3pm for 30 minutes".'
            )
        else:
            closest = (
                "I can add, change, find, list and delete contacts, organizations, projects "
                'and tasks, e.g. "add Jane Doe, CTO at Acme" or "what is overdue?"; say "help" '
                "for more."
            )
        return head + " " + closest
        yield  # a generator


def contact_summary(args: dict[str, Any]) -> str:
    shown = [args.get(k) for k in ("job_position", "organization", "email", "phone")]
    details = ", ".join(str(s) for s in shown if s)
    return f"{args['name']}" + (f" \u2014 {details}" if details else "")
