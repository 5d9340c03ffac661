"""The offline interpreter's reads of a connected Microsoft 365 account, in plain words, through
the same MCP tools a model calls: the latest e-mails ("show my latest 5 e-mails"), e-mails from
or about someone ("e-mails from Jane", "mail about the proposal"; a contact's name becomes
their address), and a document by name ("find the document Q3 report").

`plan_for(text)` answers a plan (a generator of tool calls that receives their outcomes and
returns the reply, as the interpreter's own plans do) or None when the sentence is not one of
these. Sending stays with a model: a message to write is not a simple command."""

import re
from collections.abc import Generator
from dataclasses import dataclass
from typing import Any

from crm.integrations.service import SETTINGS_PAGE

MAIL = r"e-?mails?|mails?|messages?"
LATEST = re.compile(
    rf"^(?:(?:show|list|read|check|get|give)\s+(?:me\s+)?|what\s+are\s+)?(?:my\s+|the\s+)*"
    rf"(?:(?P<count>\d+)\s+)?(?:latest|last|recent|newest|new)?\s*(?:(?P<count2>\d+)\s+)?"
    rf"(?:{MAIL}|inbox)\s*[?.!]*$",
    re.I,
)
ABOUT = re.compile(
    rf"^(?:(?:show|list|find|search|get|read)\s+(?:me\s+)?)?(?:my\s+|the\s+|any\s+)*"
    rf"(?:(?:latest|last|recent)\s+)?(?:{MAIL})\s+(?P<how>from|by|about|regarding|mentioning)"
    rf"\s+(?P<what>.+?)\s*[?.!]*$",
    re.I,
)
DOCUMENT = re.compile(
    r"^(?:find|search\s+for|look\s+for|where\s+is|get)\s+(?:the\s+|my\s+|a\s+)?"
    r"(?:document|doc|file)s?\s+(?:named\s+|called\s+|about\s+)?(?P<what>.+?)\s*[?.!]*$",
    re.I,
)
ARTICLE = re.compile(r"^(?:the|a|an|our|my)\s+", re.I)
ADDRESS = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
DEFAULT_COUNT, MAX_COUNT = 5, 20
CAPABILITIES = (
    ' With Microsoft 365 connected: "show my latest e-mails", "e-mails from Jane", '
    '"mail about the proposal", "find the document Q3 report".'
)
Plan = Generator["Call", Any, str]


@dataclass(frozen=True)
class Call:
    tool: str
    args: dict[str, Any]


def plan_for(text: str) -> Plan | None:
    """The plan of a mail or document read, or None for any other sentence."""
    said = " ".join(text.split())
    if found := ABOUT.match(said):
        return _mail_about(found["what"], sender=found["how"].lower() in ("from", "by"))
    if found := LATEST.match(said):
        count = int(found["count"] or found["count2"] or DEFAULT_COUNT)
        return _latest(min(max(count, 1), MAX_COUNT))
    if found := DOCUMENT.match(said):
        return _documents(found["what"].strip("\"'“”"))
    return None


def _latest(count: int) -> Plan:
    outcome = yield Call("outlook_search_emails", {"top": count})
    return _mails(outcome, "Your latest e-mails:", "Your mailbox has no e-mails.")


def _mail_about(what: str, *, sender: bool) -> Plan:
    what = what.strip("\"'“”")
    arguments: dict[str, Any] = {"top": DEFAULT_COUNT}
    if sender and ADDRESS.match(what):
        arguments["sender"] = what
    elif sender:
        # A contact's name: their address, when the CRM knows exactly one.
        found = yield Call("search_contacts", {"q": what, "limit": 5})
        emails = {
            c["email"]
            for c in (found.data or {}).get("items", [])
            if found.ok and c.get("email") and what.lower() in c["name"].lower()
        }
        if len(emails) == 1:
            arguments["sender"] = emails.pop()
        else:
            arguments["query"] = what
    else:
        what = ARTICLE.sub("", what)
        arguments["query"] = what
    outcome = yield Call("outlook_search_emails", arguments)
    who = arguments.get("sender") or what
    heading = f"E-mails from {who}:" if sender else f"E-mails about {what}:"
    return _mails(outcome, heading, f"I found no e-mails {'from' if sender else 'about'} {who}.")


def _documents(what: str) -> Plan:
    outcome = yield Call("sharepoint_search_documents", {"query": what, "top": DEFAULT_COUNT})
    if (failed := _failure(outcome)) is not None:
        return failed
    items = (outcome.data or {}).get("items", [])
    if not items:
        return f"I found no document matching “{what}” in SharePoint or OneDrive."
    lines = [f"- {i.get('name')}: {i.get('web_url')}" for i in items]
    return "\n".join([f"Documents matching “{what}”:", *lines])


def _mails(outcome: Any, heading: str, empty: str) -> str:
    if (failed := _failure(outcome)) is not None:
        return failed
    items = (outcome.data or {}).get("items", [])
    if not items:
        return empty
    lines = [
        f"- {(m.get('received') or '')[:16].replace('T', ' ')} {m.get('from')}: "
        f"{m.get('subject') or '(no subject)'}"
        for m in items
    ]
    return "\n".join([heading, *lines])


def _failure(outcome: Any) -> str | None:
    """What to say when the call failed: not connected, needs renewing, or the service's
    own sentence."""
    if outcome.ok:
        return None
    error = outcome.error or ""
    if "unknown tool" in error.lower():  # the agent has no such tool: nothing is connected
        return (
            "Microsoft 365 is not connected (or its connection needs to be renewed), so I "
            f"cannot read your mail or documents: see Settings → Integrations ({SETTINGS_PAGE})."
        )
    return error
