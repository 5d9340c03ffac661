"""A proposal's Edit button: the record's form, filled with the proposed record's fields. Apart
from the interpreter that makes proposals, so the chat's endpoints and pages link to the form
without loading the interpreter."""

from typing import Any
from urllib.parse import urlencode

RECORD_PAGES = {"contact": "/contacts", "organization": "/organizations", "project": "/projects"}


def edit_url(call: dict[str, Any]) -> str | None:
    """The record form, filled with a proposed new record's fields (the Edit button)."""
    kind = call["tool"].removeprefix("create_")
    page = RECORD_PAGES.get(kind)
    if page is None:
        return None
    fields = {k: v for k, v in call["arguments"].items() if isinstance(v, str)}
    return f"{page}/new?{urlencode(fields)}"
