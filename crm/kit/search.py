"""`?q=` search: a substring of a record's searched text or, when nothing contains it, a close
enough word (typos), found through the trigram index in `record_search` (migration 0002 says
why it is a separate table) by the database function `crm_search`.

Lists in name order (contacts and organizations, the long lists) read their page of matches
straight from `record_search` in that order (`crm_search_page`, migration 0009). Other orders
read the matches by id; when a term matches more than SEARCH_CAP records it is common, and the
list reads the records in its own order testing their text instead: it meets matches early,
where reading every match by id and sorting them would not."""

import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import ColumnElement, Text, Uuid, any_, cast, func, literal, or_, select
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.ext.asyncio import AsyncSession

from crm.kit.pagination import SortKey, decode_cursor

SEARCH_CAP = 2000


def substring_pattern(q: str) -> str:
    """An ILIKE pattern matching `q` anywhere, with its own wildcards taken literally."""
    escaped = q.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


@dataclass(frozen=True)
class Found:
    """The actor's records of one kind matching a search: their ids (at most SEARCH_CAP + 1)
    and what matched."""

    ids: list[uuid.UUID]
    patterns: list[str]
    fuzzy: str | None  # the term, when only close words matched

    @property
    def common(self) -> bool:
        return len(self.ids) > SEARCH_CAP

    def condition(
        self, id_column: ColumnElement[uuid.UUID], text_columns: Sequence[ColumnElement[Any]]
    ) -> ColumnElement[bool]:
        """The rows matching: by id, or for a common term by their searched columns."""
        if not self.common:
            return id_column == any_(literal(self.ids, ARRAY(Uuid)))
        if self.fuzzy is not None:
            return or_(*(column.op("%>")(self.fuzzy) for column in text_columns))
        return or_(
            *(column.ilike(p, escape="\\") for column in text_columns for p in self.patterns)
        )


async def find(session: AsyncSession, kind: str, q: str, also: Iterable[str] = ()) -> Found:
    """The actor's records of `kind` (contact, organization, project, task) whose searched text
    contains `q` (or one of `also`); when none does, those with a word close to `q` (pg_trgm
    word similarity above 0.6), which forgives typos."""
    patterns = [substring_pattern(text) for text in (q, *also)]
    search = func.crm_search
    ids = await session.scalar(
        select(search(kind, cast(patterns, ARRAY(Text)), None, SEARCH_CAP, type_=ARRAY(Uuid)))
    )
    if ids:
        return Found(list(ids), patterns, None)
    ids = await session.scalar(select(search(kind, None, q, SEARCH_CAP, type_=ARRAY(Uuid))))
    return Found(list(ids or []), patterns, q)


async def name_page(
    session: AsyncSession,
    kind: str,
    q: str,
    also: Iterable[str],
    *,
    key: SortKey,
    cursor: str | None,
    limit: int,
) -> list[uuid.UUID] | None:
    """The ids of the page after `cursor` of the actor's `kind` records (contact or
    organization) containing `q` or one of `also`, in the ascending name order `key`; None when
    no record contains them at all, so that the caller looks for close words instead."""
    after_key, after_id = decode_cursor(key, cursor) if cursor else (None, None)
    patterns = cast([substring_pattern(text) for text in (q, *also)], ARRAY(Text))

    async def page(after_key: str | None, after_id: uuid.UUID | None, lim: int) -> list:
        found = func.crm_search_page(kind, patterns, after_key, after_id, lim, type_=ARRAY(Uuid))
        return list(await session.scalar(select(found)) or [])

    ids = await page(after_key, after_id, limit + 1)
    if ids or (cursor and await page(None, None, 1)):
        return ids
    return None
