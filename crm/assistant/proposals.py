"""A proposal's Edit button: the record's form, filled with the proposed record's fields. Apart
from the interpreter that makes proposals, so the chat's endpoints and pages link to the form
without loading the interpreter."""

from typing import Any
from urllib.parse import urlencode

from crm.records.kinds import KINDS


def edit_url(call: dict[str, Any]) -> str | None:
    """The record form, filled with a proposed new record's fields (the Edit button): a kind
    with pages of its own has one at /<plural>/new."""
    kind = KINDS.get(call["tool"].removeprefix("create_"))
    if kind is None or not kind.pages:
        return None
    fields = {k: v for k, v in call["arguments"].items() if isinstance(v, str)}
    return f"/{kind.plural}/new?{urlencode(fields)}"
