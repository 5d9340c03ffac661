"""How the offline interpreter finds the records a message names: a pronoun is the latest
record the conversation touched; a name is searched with the search tools (an exact name, else
a whole-word match; a kind's word before or after it narrows the kinds); several matches ask
"Which …?". Also the workspace members a message names, and due dates. A mixin of the
Interpreter (crm/assistant/offline.py), which provides entities, user_id, today and
time_zone."""

import re
import uuid
from collections.abc import Generator
from datetime import date, datetime
from typing import Any

import dateparser

from crm.assistant.offline_plan import Call, Outcome
from crm.assistant.tools import Entity

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
KIND_WORDS = {
    "contact": "contact",
    "person": "contact",
    "organization": "organization",
    "organisation": "organization",
    "company": "organization",
    "project": "project",
    "task": "task",
    "todo": "task",
    "to-do": "task",
}
_KIND = "|".join(KIND_WORDS)
KIND_WORD = re.compile(rf"(?:(?P<before>{_KIND})\s+)?(?P<name>.+?)(?:\s+(?P<after>{_KIND}))?", re.I)


class RecordLookup:
    """Finding records and members (the Interpreter provides entities, user_id, today and
    time_zone)."""

    entities: list[Entity]
    user_id: uuid.UUID
    today: date
    time_zone: str

    def latest(self, kinds: tuple[str, ...]) -> Entity | None:
        return next((e for e in reversed(self.entities) if e.type in kinds), None)

    def resolve(
        self, reference: str, kinds: tuple[str, ...]
    ) -> Generator[Call, Outcome, Entity | str]:
        """The one record `reference` names (a pronoun: the latest one touched), or what to
        tell the user when none or several match."""
        reference = re.sub(r"^(the|my)\s+", "", reference.strip(), flags=re.I)
        said = KIND_WORD.fullmatch(reference)  # "the task Write spec", "the proposal task"
        word = said and (said["before"] or said["after"])
        if said and word and (kind := KIND_WORDS[word.lower()]) in kinds:
            kinds, reference = (kind,), said["name"]
        if reference.lower() in PRONOUNS:
            entity = self.latest(kinds)
            if entity is None:
                return "I don't know which record you mean; name it, please."
            return entity
        candidates = yield from self.matches(reference, kinds)
        if len(candidates) == 1:
            return candidates[0]
        if not candidates:
            return f"I found no {' or '.join(kinds)} named \u201c{reference}\u201d."
        return self.which(reference, candidates)

    def matches(
        self, reference: str, kinds: tuple[str, ...]
    ) -> Generator[Call, Outcome, list[Entity]]:
        """The records named `reference` exactly, else those whose name has it as whole words."""
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
        return exact or partial

    @staticmethod
    def which(reference: str, candidates: list[Entity]) -> str:
        names = "; ".join(f"{c.name} ({c.type})" for c in candidates[:10])
        return f"Which {reference}? Several match: {names}. Say the full name."

    def member(self, said: str) -> Generator[Call, Outcome, tuple[str, str] | str]:
        """The workspace member `said` names ("me", a full or first name, an e-mail): their
        user id and how to call them, or what to tell the user."""
        if said.lower() in ("me", "myself"):
            return str(self.user_id), "you"
        outcome = yield Call("list_members", {})
        people = [m["user"] for m in outcome.data["items"]] if outcome.ok else []
        wanted = said.lower()
        exact = [p for p in people if wanted in (p["name"].lower(), p["email"].lower())]
        partial = [p for p in people if wanted in p["name"].lower().split()]
        found = exact or partial
        if len(found) == 1:
            return found[0]["id"], found[0]["name"]
        if not found:
            return (  # "add Tom to the project", Tom being a contact
                f"No member of your workspace is called \u201c{said}\u201d; tasks and projects "
                "are assigned to members, not to contacts."
            )
        names = "; ".join(f"{p['name']} ({p['email']})" for p in found[:10])
        return f"Which {said}? Several members match: {names}. Say the full name."

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
