"""The offline interpreter's answers to questions about the user's own records, writing
nothing: "what's overdue?", "what's due this week?", "how is the Website project going?", "who
do I know at Acme?", "what's on my calendar next week?" (saying which dates it took). A mixin
of the Interpreter (crm/assistant/offline.py)."""

import calendar
import re
from datetime import date, timedelta
from typing import Any

from crm.assistant.offline_plan import Call, Plan
from crm.kit.clock import said_day

PROJECT_QUESTION = re.compile(
    r"^(?:what(?:'s| is) the status of|status of|how(?:'s| is)(?: it going with)?|"
    r"where are we (?:on|with)|what(?:'s| is) (?:happening|going on|open|left) (?:on|with|in)|"
    r"any news on|update on|(?:what are the )?open tasks (?:on|in|of|for))\s+"
    r"(?:the\s+|my\s+)?(?:project\s+)?(?P<project>.+?)(?:\s+project)?(?:\s+(?:going|doing))?$",
    re.I,
)
CONTACTS_AT = re.compile(
    r"^(?:who (?:do i know|are my contacts|works|is)|which contacts (?:do i have )?|"
    r"(?:list|show)(?: me)? (?:my |the )?(?:contacts|people)|(?:my |the )?(?:contacts|people))"
    r"\s+(?:at|from|in|with)\s+(?P<org>.+)$",
    re.I,
)


class QuestionPlans:
    """Questions (the Interpreter provides today, resolve, item_line and call)."""

    today: date

    def call(self, tool: str, args: dict[str, Any]) -> Call:
        return Call(tool, args)

    # Questions ----------------------------------------------------------------------------
    def question(self, text: str) -> Plan | None:
        said = text.strip().rstrip("?!. ")
        lower = said.lower()
        asks = r"(what|which|who|how|show|list|any|is|are|do|where|tell|give)\b"
        terse = r"(my\s+)?(open\s+|overdue\s+)?(tasks|to-?dos)\b"  # "tasks due this week"
        if not re.match(asks, lower) and not re.match(terse, lower):
            if not text.strip().endswith("?"):
                return None
        if re.search(r"\b(overdue|past due|late)\b", lower) and "calendar" not in lower:
            return self._overdue()
        if m := re.search(r"\bdue\s+(today|tomorrow|this week|next week|this month)\b", lower):
            return self._due_in(m[1])
        if re.search(r"\b(this|next) week\b", lower) and re.search(
            r"\b(calendar|agenda|schedule|meetings?|events?|on|have|planned)\b", lower
        ):
            return self._week("next" if "next week" in lower else "this")
        if m := CONTACTS_AT.match(said):
            return self._contacts_at(m["org"])
        if m := PROJECT_QUESTION.match(said):
            return self._project_status(m["project"])
        return None

    def _overdue(self) -> Plan:
        outcome = yield self.call("list_tasks", {"overdue": True, "limit": 50})
        items = outcome.data["items"] if outcome.ok else []
        if not items:
            return "Nothing is overdue."
        return f"Overdue ({len(items)}):\n" + "\n".join(
            f"- {task_line(t, self.today)}" for t in items
        )

    def _due_in(self, period: str) -> Plan:
        start, end = self.period(period)
        args = {
            "due_after": (start - timedelta(days=1)).isoformat(),
            "due_before": (end + timedelta(days=1)).isoformat(),
            "status": ["todo", "in_progress", "blocked"],
            "limit": 50,
        }
        outcome = yield self.call("list_tasks", args)
        items = outcome.data["items"] if outcome.ok else []
        span = f"{period} ({shown_range(start, end)})"
        if not items:
            return f"No open tasks are due {span}."
        return f"Due {span}:\n" + "\n".join(f"- {task_line(t, self.today)}" for t in items)

    def period(self, period: str) -> tuple[date, date]:
        """The first and last day of "today", "this week", "next week", "this month"."""
        if period in ("today", "tomorrow"):
            day = self.today + timedelta(days=period == "tomorrow")
            return day, day
        if period == "this month":
            last = calendar.monthrange(self.today.year, self.today.month)[1]
            return self.today.replace(day=1), self.today.replace(day=last)
        monday = self.today - timedelta(days=self.today.weekday())
        if period == "next week":
            monday += timedelta(days=7)
        return monday, monday + timedelta(days=6)

    def _week(self, which: str) -> Plan:
        start, end = self.period(f"{which} week")
        args = {"start": start.isoformat(), "end": (end + timedelta(days=1)).isoformat()}
        outcome = yield self.call("list_calendar", args)
        if not outcome.ok:
            return f"I could not read your calendar: {outcome.error}"
        heading = f"{which.capitalize()} week, {shown_range(start, end)}"
        items = outcome.data["items"]
        if not items:
            return f"{heading}: nothing on your calendar."
        lines = []
        for item in items:
            day = date.fromisoformat(item["start"][:10])
            lines.append(f"- {day:%a %-d %b}: {self.item_line(item)}")  # type: ignore[attr-defined]
        return f"{heading}:\n" + "\n".join(lines)

    def _contacts_at(self, said: str) -> Plan:
        """The organization's contacts and those with its name written as text (made before
        the organization was, "add Jane Doe, CTO at Acme")."""
        org = yield from self.resolve(said.strip(), ("organization",))  # type: ignore[attr-defined]
        name = said.strip() if isinstance(org, str) else org.name
        items = []
        if not isinstance(org, str):
            args = {"organization_id": str(org.id), "limit": 50}
            outcome = yield self.call("list_contacts", args)
            items = outcome.data["items"] if outcome.ok else []
        outcome = yield self.call("search_contacts", {"q": name, "limit": 50})
        items += [
            c
            for c in (outcome.data["items"] if outcome.ok else [])
            if c.get("organization_id") is None
            and name.lower() in (c.get("organization") or "").lower()
        ]
        if not items:
            return org if isinstance(org, str) else f"You have no contacts at {name} yet."
        lines = "\n".join(f"- {contact_line(c)}" for c in items)
        return f"Your contacts at {name}:\n{lines}"

    def _project_status(self, said: str) -> Plan:
        project = yield from self.resolve(said.strip(), ("project",))  # type: ignore[attr-defined]
        if isinstance(project, str):
            return project
        outcome = yield self.call("get_project", {"id": str(project.id)})
        if not outcome.ok:
            return f"I could not read {project.name}: {outcome.error}"
        data = outcome.data
        status = data["status"].replace("_", " ")
        due = f", due {said_day(data['due_date'], self.today)}" if data.get("due_date") else ""
        tasks = yield self.call(
            "list_tasks",
            {"project_id": str(project.id), "status": ["todo", "in_progress", "blocked"]},
        )
        items = tasks.data["items"] if tasks.ok else []
        head = f"Project {project.name} is {status}{due}."
        if not items:
            return f"{head} No open tasks."
        lines = "\n".join(f"- {task_line(t, self.today)}" for t in items)
        return f"{head} Open tasks ({len(items)}):\n{lines}"


def task_line(task: dict[str, Any], today: date) -> str:
    extra = [
        (task.get("status") or "").replace("_", " "),
        task.get("priority") if task.get("priority") not in (None, "medium") else None,
        task.get("due_date") and f"due {said_day(task['due_date'], today)}",
        (task.get("project") or {}).get("name"),
    ]
    shown = ", ".join(str(e) for e in extra if e)
    return f"{task['name']}" + (f" ({shown})" if shown else "")


def contact_line(contact: dict[str, Any]) -> str:
    shown = ", ".join(str(contact[k]) for k in ("job_position", "email", "phone") if contact.get(k))
    return contact["name"] + (f" ({shown})" if shown else "")


def shown_range(start: date, end: date) -> str:
    if start == end:
        return f"{start:%A %-d %B}"
    return f"{start:%A %-d %B} to {end:%A %-d %B}"
