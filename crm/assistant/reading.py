"""How the offline interpreter reads a sentence: hassil templates (sentences.yaml) with the
user's own record names as slot lists, and the e-mail addresses and phone numbers in free text
("her phone is +1 415 555 0100", "jane@acme.com")."""

import re
from functools import cache, lru_cache
from pathlib import Path
from typing import Any

import phonenumbers
import yaml
from hassil import Intents, RecognizeResult, recognize_all
from hassil.intents import SlotList, TextSlotList

from crm.assistant.offline_calendar import SENTENCES as CALENDAR_SENTENCES
from crm.records.kinds import KINDS as REGISTRY

SENTENCES = Path(__file__).parent / "sentences.yaml"
MAX_NAME_WORDS = 5
# The kinds whose names are slot lists ({contact_name}...): the searchable ones.
KINDS = tuple(kind.name for kind in REGISTRY.searchable)
EMAIL = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")
# What is left of a sentence once its e-mail and phone are taken out, when it only says whose
# they are ("her phone is …", "reach Jane at …").
FILLER = re.compile(
    r"\b(her|his|their|its|him|them|she|he|they|you|i|we|phone|number|mobile|cell|tel|email|e-mail|"
    r"address|is|are|and|at|on|via|by|reach|reached|can|be|the|new|my|add|set|update|change|"
    r"to|as|with|yes|ok|okay|sure|please|also|'s)\b|[,:;.!]",
    re.I,
)
PHONE_LABEL = r"(?:\b(?:e-?mail|phone|mobile|cell|number|tel)\b\s*(?:is|:)?\s*)?"


@cache
def intents() -> Intents:
    """The sentence templates: the records' (sentences.yaml) and the calendar's."""
    merged = yaml.safe_load(SENTENCES.read_text())
    calendar = yaml.safe_load(CALENDAR_SENTENCES.read_text())
    merged["intents"].update(calendar["intents"])
    merged["lists"].update(calendar["lists"])
    return Intents.from_dict(merged)


def _wildcard_chars(result: RecognizeResult) -> int:
    return sum(len(str(e.value)) for e in result.entities.values() if e.is_wildcard)


def slot_lists(names: dict[str, list[str]]) -> dict[str, SlotList]:
    """The user's record names as hassil slot lists ({contact_name}, {project_name}...)."""
    return {
        f"{kind}_name": slot_list(tuple(values)) for kind, values in names.items() if kind in KINDS
    }


@lru_cache(maxsize=256)
def slot_list(values: tuple[str, ...]) -> SlotList:
    # Names change rarely between turns: the same names make the same list (built once).
    return TextSlotList.from_strings(values, allow_template=False)


def understand(
    text: str, lists: dict[str, SlotList] | None = None
) -> tuple[str, dict[str, Any]] | None:
    """The intent and slots of a sentence: of all matches, the one that leaves the least to
    wildcards (the most specific template: a record named from the user's own names wins)."""
    cleaned = re.sub(
        r"^\s*(yes|yeah|ok|okay|sure|please|and|also)\b[,.!]?\s*", "", text, flags=re.I
    )
    cleaned = re.sub(r"\s*,\s*", " as ", cleaned.strip().rstrip(".!"))
    matches = list(recognize_all(cleaned, intents(), slot_lists=lists))
    if not matches:
        return None
    best = min(matches, key=lambda r: (_wildcard_chars(r), -len(r.entities)))
    slots = {
        k: str(v.value).strip() if v.is_wildcard else v.value for k, v in best.entities.items()
    }
    intent = best.intent.name
    if intent == "create_contact" and len(slots["name"].split()) > MAX_NAME_WORDS:
        return None  # "add <a whole sentence>" is not a name; better to say so than store it
    for kind in KINDS:  # a record named from the lists: its kind is known
        if (name := slots.pop(f"{kind}_name", None)) is not None:
            slots["project" if intent == "create_task" else "target"] = name
            slots["named_kind"] = kind
    return intent, slots


def details(text: str) -> dict[str, str]:
    """The e-mail address and the phone number (written with its +country code) in a text."""
    found: dict[str, str] = {}
    if match := EMAIL.search(text):
        found["email"] = match.group(0)
    without_email = EMAIL.sub(" ", text)
    for number in phonenumbers.PhoneNumberMatcher(without_email, None):
        found["phone"] = number.raw_string
        break
    return found


def remainder(text: str, found: dict[str, str]) -> str:
    """The text without its details (and the words that label them)."""
    for value in found.values():
        text = re.sub(PHONE_LABEL + re.escape(value), " ", text, flags=re.I)
    text = re.sub(r"\b(and|or|with)\s*(?=[,.;:]|$)", " ", text.strip(), flags=re.I)
    return " ".join(text.split()).strip(" ,;:.")


def reference_in(text: str) -> str:
    """Whom a sentence about details names: what is left besides filler words ("" = the
    latest contact)."""
    return " ".join(FILLER.sub(" ", text).split())


def is_name(text: str) -> bool:
    """Whether a would-be contact name says more than filler ("add her email" names no one)."""
    return bool(reference_in(text))


def narrow(slots: dict[str, Any], kinds: tuple[str, ...]) -> tuple[str, ...]:
    """The kinds a reference can be: the kind of the list its name came from, when it fits."""
    named = slots.get("named_kind")
    return (named,) if named in kinds else kinds
