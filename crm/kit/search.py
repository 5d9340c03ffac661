"""`?q=` search: a substring of the record's searched text, or a close enough word for typos,
through the trigram index in `record_search` (see migration 0002 for why it is a separate
table). `search_ids` is the ids of the actor's matching records; the caller still reads the
records through their own filters and policies."""

import uuid
from collections.abc import Iterable

from sqlalchemy import ColumnElement, Text, Uuid, cast, func
from sqlalchemy.dialects.postgresql import ARRAY


def substring_pattern(q: str) -> str:
    """An ILIKE pattern matching `q` anywhere, with its own wildcards taken literally."""
    escaped = q.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def search_ids(kind: str, q: str, also: Iterable[str] = ()) -> ColumnElement[list[uuid.UUID]]:
    """The ids of the records of `kind` (contact, organization, project, task) the actor sees
    whose searched text contains `q` (or any of `also`); when none does, those with a word
    close to `q` (pg_trgm word similarity, threshold 0.6 by default), which forgives typos."""
    patterns = [substring_pattern(text) for text in (q, *also)]
    return func.crm_search(kind, cast(patterns, ARRAY(Text)), q, type_=ARRAY(Uuid))
