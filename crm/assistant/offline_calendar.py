"""The offline interpreter's calendar commands: reminders ("remind me Friday at 9 to call
Jane"), the agenda ("what's on my calendar tomorrow?"), and events ("schedule a call with Acme
next Tuesday 3pm for 30 minutes", "move the call with Acme to Wednesday 4pm", "cancel the call
with Acme"). A mixin of the Interpreter (crm/assistant/offline.py): the same plans of tool
calls, times read in the user's time zone."""

import re
import uuid
from collections.abc import Generator
from datetime import date, datetime, time, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import dateparser

from crm.assistant.offline_plan import Call, Plan
from crm.assistant.tools import Entity
from crm.kit.clock import time_of_day

SENTENCES = Path(__file__).parent / "sentences_calendar.yaml"
CAPABILITIES = (
    ' For the calendar: "remind me Friday at 9 to call Jane", "what\'s on my calendar '
    'tomorrow?", "schedule a call with Acme next Tuesday 3pm for 30 minutes", "move the call '
    'with Acme to Wednesday 4pm", "cancel the call with Acme"; a meeting "as a Teams call" or '
    '"with a Meet link" is made an online meeting.'
)
DAY_WORDS = (
    "today|tonight|tomorrow|next|this|monday|tuesday|wednesday|thursday|friday|saturday|sunday"
)
# Where the time of a phrase starts: "call Jane | on Friday at 9".
WHEN_STARTS = re.compile(rf"\s+(?=(?:on|at|by|in|{DAY_WORDS}|\d{{4}}-\d\d-\d\d)\b)", re.I)
DURATION = re.compile(
    r"\s+for\s+(?:(?P<hour>an?|one)\s+hour|half\s+an\s+hour|(?P<n>\d+)\s*(?P<unit>minutes?|mins?|m|hours?|hrs?|h))\s*$",
    re.I,
)
# "a 45 minute call with Giulia…", "an hour-long review…": the length said before the title.
LEADING_DURATION = re.compile(
    r"^(?:(?P<n>\d+)[- ]?(?P<unit>minutes?|mins?|hours?|hrs?)|(?P<hour>(?:an?|one)[- ])?hour)"
    r"(?:[- ]long)?\s+",
    re.I,
)
# "… as a Teams call", "… with a Meet link", "… on Google Meet", "… online": an online meeting
# (a Teams meeting or a Google Meet, whichever the receiving calendar makes).
ONLINE = re.compile(
    r"\s+(?:as\s+an?\s+(?:teams|google\s+meet|meet|online)(?:\s+(?:call|meeting))?"
    r"|with\s+an?\s+(?:google\s+)?meet\s+link|on\s+(?:google\s+meet|teams))(?=\s|$)"
    rf"|\s+online(?=\s*$|\s+(?:on|at|in|{DAY_WORDS}|\d{{4}}-\d\d-\d\d)\b)",  # not a title's
    re.I,
)
# "a Teams call with Acme…", "an online meeting…": the kind said before the title.
LEADING_ONLINE = re.compile(r"^(?:teams|google\s+meet|online)\s+(?=(?:call|meeting)\b)", re.I)
TIME_GIVEN = re.compile(r"\d\s*(am|pm)\b|\d:\d\d|\bnoon\b|\bmidnight\b|\bat\s+\d", re.I)
# "call her", "email them": the record last touched (a contact; "them" an organization too)
PRONOUN = re.compile(r"\b(her|him|them)\b", re.I)
DEFAULT_HOUR = 9  # a reminder or an event given a day without a time
LOOK_AHEAD = timedelta(days=120)  # how far "move"/"cancel" look for the event named


def split_when(text: str) -> tuple[str, str | None]:
    """ "call Jane on Friday at 9" -> ("call Jane", "on Friday at 9")."""
    found = WHEN_STARTS.search(text)
    if found is None:
        return text.strip(), None
    return text[: found.start()].strip(), text[found.end() :].strip()


def online_of(text: str) -> tuple[str, bool]:
    """ "call with Acme tomorrow at 3 as a Teams call" -> ("call with Acme tomorrow at 3", True)."""
    rest, said = ONLINE.subn("", text)
    rest, leading = LEADING_ONLINE.subn("", rest.strip())
    return rest, bool(said or leading)


def duration_of(text: str) -> tuple[str, timedelta | None]:
    """ "call with Acme next Tuesday 3pm for 30 minutes" -> (the rest, 30 minutes)."""
    found = DURATION.search(text)
    if found is None:
        leading = LEADING_DURATION.match(text)
        if leading is None:
            return text, None
        n, unit = (1, "hour") if leading["unit"] is None else (int(leading["n"]), leading["unit"])
        unit_length = timedelta(hours=1) if unit.lower().startswith("h") else timedelta(minutes=1)
        return text[leading.end() :], n * unit_length
    if found["hour"]:
        length = timedelta(hours=1)
    elif found["n"] is None:
        length = timedelta(minutes=30)
    else:
        n = int(found["n"])
        length = (
            timedelta(hours=n) if found["unit"].lower().startswith("h") else timedelta(minutes=n)
        )
    return text[: found.start()], length


class CalendarPlans:
    """Calendar plans of the offline Interpreter (it provides zone, time_zone, clock, today,
    resolve)."""

    zone: ZoneInfo
    time_zone: str
    clock: str  # crm.kit.clock
    today: date
    made: Entity | None = None  # the record the message's first command made

    def latest(self, kinds: tuple[str, ...]) -> Entity | None:  # provided by the Interpreter
        raise NotImplementedError

    def moment(self, text: str) -> datetime | None:
        """A date and time in the user's time zone (naive: the API reads it there). A day
        without a time is at DEFAULT_HOUR; "at 9" is 09:00, and a bare hour from 1 to 6 is
        in the working afternoon, as people mean it ("at 3" is 15:00)."""
        cleaned = re.sub(r"^\s*(on|at|by)\s+", "", text.strip().rstrip("?.!"), flags=re.I)
        cleaned = re.sub(
            r"\bat\s+(\d{1,2})(?![\d:])(?!\s*(am|pm))",
            lambda m: f"at {_working_hour(int(m[1]))}:00",
            cleaned,
            flags=re.I,
        )
        base = datetime.combine(self.today, datetime.now(self.zone).time().replace(microsecond=0))
        settings: Any = {
            "TIMEZONE": self.time_zone,
            "PREFER_DATES_FROM": "future",
            "RELATIVE_BASE": base,
            "RETURN_AS_TIMEZONE_AWARE": False,
        }
        parsed = dateparser.parse(cleaned, languages=["en"], settings=settings)
        if parsed is None:
            return None
        if not TIME_GIVEN.search(cleaned) and not re.search(r"\bin\s+\d", cleaned, re.I):
            parsed = datetime.combine(parsed.date(), time(DEFAULT_HOUR))
        return parsed.replace(second=0, microsecond=0)

    def shown(self, moment: datetime) -> str:
        return f"{moment:%A %-d %B} at {time_of_day(moment, self.clock)}"

    def _create_reminder(self, slots: dict[str, Any]) -> Plan:
        what, when = slots.get("what"), slots.get("when")
        if what is None:
            what, when = split_when(slots.get("rest", ""))
        if not when:
            return "When should I remind you? For example: remind me Friday at 9 to call Jane."
        at = self.moment(when)
        if at is None:
            return f"I did not understand the time \u201c{when}\u201d."
        args: dict[str, Any] = {
            "message": what,
            "remind_at": at.isoformat(),
            "channels": ["in_app", "email"],
        }
        linked = yield from self.named_record(what)
        if linked is not None:
            args[f"{linked[0]}_id"] = str(linked[1])
        outcome = yield _call("create_reminder", args)
        if not outcome.ok:
            return f"I could not add the reminder: {outcome.error}"
        about = f" (about {linked[0]} {linked[2]})" if linked else ""
        delivery = outcome.data["delivery"]
        return f"I'll remind you on {self.shown(at)} to {what}{about}. {delivery}"

    def _list_calendar(self, slots: dict[str, Any]) -> Plan:
        day = self.today
        if slots.get("when"):
            moment = self.moment(slots["when"])
            if moment is None:
                return f"I did not understand the day \u201c{slots['when']}\u201d."
            day = moment.date()
        end = day + timedelta(days=1)
        outcome = yield _call("list_calendar", {"start": day.isoformat(), "end": end.isoformat()})
        if not outcome.ok:
            return f"I could not read your calendar: {outcome.error}"
        items = outcome.data["items"]
        heading = f"{day:%A %-d %B}"
        if not items:
            return f"Nothing on your calendar on {heading}."
        return f"On {heading}:\n" + "\n".join(f"- {self.item_line(i)}" for i in items)

    def item_line(self, item: dict[str, Any]) -> str:
        kind, title = item["kind"], item["title"]
        if item["all_day"]:
            label = {"task_due": "Task due", "project_due": "Project due"}.get(kind, "All day")
            return f"{label}: {title}"
        start = datetime.fromisoformat(item["start"]).astimezone(self.zone)
        if kind == "reminder":
            return f"{time_of_day(start, self.clock)} Reminder: {title}"
        end = datetime.fromisoformat(item["end"]).astimezone(self.zone)
        return f"{time_of_day(start, self.clock)}\u2013{time_of_day(end, self.clock)} {title}"

    def _schedule_event(self, slots: dict[str, Any]) -> Plan:
        rest = f"{slots.get('meeting', '')} {slots['rest']}".strip()
        rest = re.sub(r"^(a|an|the)\s+", "", rest, flags=re.I)
        rest, online = online_of(rest)
        rest, length = duration_of(rest)
        title, when = split_when(rest)
        if not when or not title:
            return "When is it? For example: schedule a call with Acme next Tuesday 3pm."
        start = self.moment(when)
        if start is None:
            return f"I did not understand the time \u201c{when}\u201d."
        title = title[:1].upper() + title[1:]
        args: dict[str, Any] = {"title": title, "start": start.isoformat()}
        if length is not None:
            args["end"] = (start + length).isoformat()
        if online:
            args["online_meeting"] = True
        linked = yield from self.named_record(title)
        if linked is not None:
            args[f"{linked[0]}_id"] = str(linked[1])
            if linked[3]:  # a contact with an e-mail address is invited
                args["attendee_contact_ids"] = [str(linked[1])]
        outcome = yield _call("create_event", args)
        if not outcome.ok:
            return f"I could not add the event: {outcome.error}"
        end = datetime.fromisoformat(outcome.data["end"]).astimezone(self.zone)
        invited = "".join(
            f", inviting {a['name']} ({a['email']})"
            for a in outcome.data.get("attendee_contacts", [])
        )
        until = time_of_day(end, self.clock)
        meeting = (
            " as an online meeting (its Teams or Meet link comes when your Outlook or Google "
            "calendar syncs)"
            if online
            else ""
        )
        return f"Scheduled {title} on {self.shown(start)} until {until}{meeting}{invited}."

    def _move_event(self, slots: dict[str, Any]) -> Plan:
        event = yield from self.find_event(slots["event"])
        if isinstance(event, str):
            return event
        start = self.moment(slots["when"])
        if start is None:
            return f"I did not understand the time \u201c{slots['when']}\u201d."
        outcome = yield _call("move_event", {"id": event["id"], "start": start.isoformat()})
        if not outcome.ok:
            return f"I could not move {event['title']}: {outcome.error}"
        return f"Moved {event['title']} to {self.shown(start)}."

    def _cancel_event(self, slots: dict[str, Any]) -> Plan:
        event = yield from self.find_event(slots["event"])
        if isinstance(event, str):
            return event
        outcome = yield _call("cancel_event", {"id": event["id"]})
        if not outcome.ok:
            return f"I could not cancel {event['title']}: {outcome.error}"
        return (
            f"Do you want me to cancel {event['title']}? Answer yes to cancel it, or no to keep it."
        )

    def find_event(self, reference: str) -> Generator[Any, Any, dict[str, Any] | str]:
        """The one event of the coming months whose title is or contains `reference`."""
        wanted = re.sub(r"^(the|my)\s+", "", reference.strip(), flags=re.I).lower()
        if wanted in ("it", "this", "that", "this event", "that event"):
            latest = self.latest(("event",))  # type: ignore[attr-defined]
            if latest is None:
                return "I don't know which event you mean; say its title, please."
            return {"id": str(latest.id), "title": latest.name}
        start, end = self.today - timedelta(days=1), self.today + LOOK_AHEAD
        outcome = yield _call("list_events", {"start": start.isoformat(), "end": end.isoformat()})
        if not outcome.ok:
            return f"I could not read your calendar: {outcome.error}"
        events: dict[str, dict[str, Any]] = {}
        for item in outcome.data["items"]:
            events.setdefault(item["event_id"], item)
        exact = [e for e in events.values() if e["title"].lower() == wanted]
        partial = [e for e in events.values() if wanted in e["title"].lower()]
        found = exact or partial
        if len(found) == 1:
            return {"id": found[0]["event_id"], "title": found[0]["title"]}
        if not found:
            return f"I found no event called \u201c{reference}\u201d in the coming months."
        names = "; ".join(f"{e['title']} ({e['start'][:16].replace('T', ' ')})" for e in found[:5])
        return f"Which one? Several events match: {names}. Say the full title."

    def named_record(
        self, text: str
    ) -> Generator[Any, Any, tuple[str, uuid.UUID, str, str | None] | None]:
        """The one contact (else organization) of the user named in `text` ("call Jane",
        "call with Acme"), with its e-mail address if it is a contact with one: tried on
        its capitalised words, longest first, else on the record a pronoun stands for, else
        on the record the message's first command made."""
        after_first = text.split(maxsplit=1)[1] if " " in text.strip() else ""  # not "Call"
        words = re.findall(r"\b[A-Z][\w'&.-]*(?:\s+[A-Z][\w'&.-]*)*", after_first)
        if not words and (pronoun := PRONOUN.search(after_first)):
            kinds = ("contact", "organization") if pronoun[1].lower() == "them" else ("contact",)
            if (meant := self.latest(kinds)) is not None:
                words = [meant.name]
        elif not words and self.made is not None:  # "add Maria …, remind me Monday to follow up"
            words = [self.made.name]
        for phrase in sorted(set(words), key=len, reverse=True):
            for kind in ("contact", "organization"):
                outcome = yield _call(f"search_{kind}s", {"q": phrase, "limit": 5})
                if not outcome.ok:
                    continue
                items = outcome.data["items"]
                exact = [i for i in items if i["name"].lower() == phrase.lower()]
                matches = exact or [i for i in items if phrase.lower() in i["name"].lower()]
                if len(matches) == 1:
                    found = matches[0]
                    return kind, uuid.UUID(found["id"]), found["name"], found.get("email")
        return None


def _working_hour(hour: int) -> int:
    return hour + 12 if 1 <= hour <= 6 else hour


def _call(tool: str, args: dict[str, Any]) -> Call:
    return Call(tool, args)
