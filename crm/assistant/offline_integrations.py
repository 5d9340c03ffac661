"""The offline interpreter's reads of the connected Microsoft 365 and Google accounts, in plain
words, through the same MCP tools a model calls: the latest e-mails ("show my latest 5
e-mails"), e-mails from or about someone ("e-mails from Jane", "mail about the proposal"; a
contact's name becomes their address), and a document by name ("find the document Q3
report"), in each connected service (Outlook and Gmail; SharePoint/OneDrive and Drive).

`plan_for(text, services)` answers a plan (a generator of tool calls that receives their
outcomes and returns the reply, as the interpreter's own plans do) or None when the sentence
is not one of these. Sending stays with a model: a message to write is not a simple command."""

import re
from collections.abc import Callable, Generator, Sequence
from dataclasses import dataclass
from email.utils import parsedate_to_datetime
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
    ' With Microsoft 365 or Google connected: "show my latest e-mails", "e-mails from Jane", '
    '"mail about the proposal", "find the document Q3 report".'
)
Plan = Generator["Call", Any, str]


@dataclass(frozen=True)
class Call:
    tool: str
    args: dict[str, Any]


@dataclass(frozen=True)
class Reader:
    """One service's mail and document searches, as the plans call them."""

    mailbox: str  # Outlook
    documents: str  # where its documents are: SharePoint or OneDrive
    mail: Callable[[int, str | None, str | None], Call]  # (count, sender, words)
    find: Callable[[str, int], Call]  # (words, count)
    when: Callable[[dict[str, Any]], str]  # a message's date, as "2026-12-01 09:00"


def _gmail_date(message: dict[str, Any]) -> str:
    try:
        return f"{parsedate_to_datetime(message.get('date') or ''):%Y-%m-%d %H:%M}"
    except (TypeError, ValueError):
        return ""


def _gmail(count: int, sender: str | None, words: str | None) -> Call:
    query = " ".join(filter(None, (f"from:{sender}" if sender else None, words)))
    return Call("gmail_search_messages", {"top": count, **({"query": query} if query else {})})


def _outlook(count: int, sender: str | None, words: str | None) -> Call:
    found = {"sender": sender, "query": words}
    return Call("outlook_search_emails", {"top": count} | {k: v for k, v in found.items() if v})


READERS = {
    "ms365": Reader(
        "Outlook",
        "SharePoint or OneDrive",
        _outlook,
        lambda words, top: Call("sharepoint_search_documents", {"query": words, "top": top}),
        lambda m: (m.get("received") or "")[:16].replace("T", " "),
    ),
    "google": Reader(
        "Gmail",
        "Google Drive",
        _gmail,
        lambda words, top: Call("drive_search_files", {"words": words, "top": top}),
        _gmail_date,
    ),
}


def plan_for(text: str, services: Sequence[str] = ("ms365",)) -> Plan | None:
    """The plan of a mail or document read in the connected services' (in order), or None
    for any other sentence."""
    said = " ".join(text.split())
    readers = [READERS[s] for s in services if s in READERS]
    if found := ABOUT.match(said):
        return _mail_about(readers, found["what"], sender=found["how"].lower() in ("from", "by"))
    if found := LATEST.match(said):
        count = int(found["count"] or found["count2"] or DEFAULT_COUNT)
        return _latest(readers, min(max(count, 1), MAX_COUNT))
    if found := DOCUMENT.match(said):
        return _documents(readers, found["what"].strip("\"'“”"))
    return None


def _latest(readers: list[Reader], count: int) -> Plan:
    if not readers:
        return NOT_CONNECTED
    sections = []
    for reader in readers:
        outcome = yield reader.mail(count, None, None)
        sections.append((reader, outcome))
    return _mails(sections, "Your latest e-mails:", "Your mailbox has no e-mails.")


def _mail_about(readers: list[Reader], what: str, *, sender: bool) -> Plan:
    if not readers:
        return NOT_CONNECTED
    what = what.strip("\"'“”")
    address: str | None = None
    if sender and ADDRESS.match(what):
        address = what
    elif sender:
        # A contact's name: their address, when the CRM knows exactly one.
        found = yield Call("search_contacts", {"q": what, "limit": 5})
        emails = {
            c["email"]
            for c in (found.data or {}).get("items", [])
            if found.ok and c.get("email") and what.lower() in c["name"].lower()
        }
        address = emails.pop() if len(emails) == 1 else None
    else:
        what = ARTICLE.sub("", what)
    sections = []
    for reader in readers:
        outcome = yield reader.mail(DEFAULT_COUNT, address, None if address else what)
        sections.append((reader, outcome))
    who = address or what
    heading = f"E-mails from {who}:" if sender else f"E-mails about {what}:"
    return _mails(sections, heading, f"I found no e-mails {'from' if sender else 'about'} {who}.")


def _documents(readers: list[Reader], what: str) -> Plan:
    if not readers:
        return NOT_CONNECTED
    lines = []
    for reader in readers:
        outcome = yield reader.find(what, DEFAULT_COUNT)
        if (failed := _failure(outcome)) is not None:
            return failed
        items = (outcome.data or {}).get("items", [])
        lines += [f"- {i.get('name')}: {i.get('web_url') or i.get('link')}" for i in items]
    if not lines:
        places = " or ".join(r.documents for r in readers)
        return f"I found no document matching “{what}” in {places}."
    return "\n".join([f"Documents matching “{what}”:", *lines])


def _mails(sections: list[tuple[Reader, Any]], heading: str, empty: str) -> str:
    lines = []
    for reader, outcome in sections:
        if (failed := _failure(outcome)) is not None:
            return failed
        items = (outcome.data or {}).get("items", [])
        if items and len(sections) > 1:
            lines.append(f"{reader.mailbox}:")
        lines += [
            f"- {reader.when(m)} {m.get('from')}: {m.get('subject') or '(no subject)'}"
            for m in items
        ]
    return "\n".join([heading, *lines]) if lines else empty


NOT_CONNECTED = (
    "Neither Microsoft 365 nor Google is connected (or the connection needs to be renewed), so "
    f"I cannot read your mail or documents: see Settings → Integrations ({SETTINGS_PAGE})."
)


def _failure(outcome: Any) -> str | None:
    """What to say when the call failed: the service's own sentence."""
    if outcome.ok:
        return None
    return outcome.error or "The service did not answer."
