"""Keyset pagination for every list: named sort orders, opaque cursors, and one `paginate`.

A page is read with `WHERE (sort_key, id) > (last_key, last_id) ORDER BY sort_key, id LIMIT n`,
never with OFFSET, so a page costs the same wherever it is and rows inserted meanwhile neither
repeat nor vanish. The cursor carries the last row's sort key and id."""

import base64
import binascii
import json
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import date
from typing import Annotated, Any, Generic, TypeVar
from weakref import WeakKeyDictionary

from pydantic import Field, TypeAdapter, ValidationError
from pydantic_core import to_jsonable_python
from sqlalchemy import ColumnElement, Integer, Select, String, Uuid, bindparam, cast, tuple_
from sqlalchemy.ext.asyncio import AsyncSession

from crm.db import core
from crm.errors import Invalid
from crm.kit.schemas import Input, Page

T = TypeVar("T")
Shaped = TypeVar("Shaped")
DEFAULT_LIMIT, MAX_LIMIT = 50, 200
BAD_CURSOR = "is not a cursor of this list and order; start again without it"


class PageQuery(Input):
    """The query parameters every list takes."""

    limit: Annotated[int, Field(ge=1, le=MAX_LIMIT)] = DEFAULT_LIMIT
    cursor: Annotated[str | None, Field(max_length=1000)] = None


@dataclass(frozen=True)
class SortKey:
    """One order of a list: a non-NULL column, its direction, and the id breaking ties. Use a
    plain (stored) column, indexed with the id: under row-level security only leakproof
    comparisons can be index conditions, and a function of a column (lower(), coalesce())
    is not one, so the keyset condition would scan instead of seek."""

    name: str
    expression: ColumnElement[Any]
    tiebreak: ColumnElement[uuid.UUID]
    descending: bool

    def __post_init__(self) -> None:
        # The cursor's value is decoded as this type; fail at import, not on page two.
        self.expression.type.python_type  # noqa: B018

    @property
    def value_type(self) -> TypeAdapter[Any]:
        return TypeAdapter(self.expression.type.python_type)


def sort_keys(
    tiebreak: ColumnElement[uuid.UUID], **columns: ColumnElement[Any]
) -> dict[str, SortKey]:
    """`name` (ascending) and `-name` (descending) for every column given."""
    keys: dict[str, SortKey] = {}
    for name, column in columns.items():
        keys[name] = SortKey(name, column, tiebreak, descending=False)
        keys[f"-{name}"] = SortKey(f"-{name}", column, tiebreak, descending=True)
    return keys


@dataclass(frozen=True)
class Slice(Generic[T]):
    """One page of rows and the cursor of the next page (None on the last)."""

    items: list[T]
    next_cursor: str | None

    def page(self, shape: Callable[[T], Shaped]) -> Page[Shaped]:
        """The page as an API answer, each row shaped by `shape`."""
        items = [shape(item) for item in self.items]
        return Page[Shaped](items=items, next_cursor=self.next_cursor)

    def page_of(self, out: type[Shaped]) -> Page[Shaped]:
        """The page as an API answer, its rows (their columns named as `out`'s fields) shaped
        in one pydantic-core pass. Each row is handed over as a dict: pydantic reads a dict
        at C speed, a row's attributes one Python call each (half the page's shaping)."""
        names = self.items[0]._fields if self.items else ()
        items = [dict(zip(names, row, strict=True)) for row in self.items]  # type: ignore[attr-defined]
        return Page[out](items=items, next_cursor=self.next_cursor)  # type: ignore[valid-type]


def encode_cursor(key: SortKey, value: Any, last_id: uuid.UUID) -> str:
    payload = {"s": key.name, "v": to_jsonable_python(value), "i": str(last_id)}
    raw = json.dumps(payload, separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_cursor(key: SortKey, cursor: str) -> tuple[Any, uuid.UUID]:
    """The sort value and id a cursor points after; 422 for a cursor of another order."""
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        payload = json.loads(raw)
        if not isinstance(payload, dict) or payload.get("s") != key.name:
            raise ValueError("another order")
        return key.value_type.validate_python(payload["v"]), uuid.UUID(payload["i"])
    except (ValueError, KeyError, TypeError, binascii.Error, ValidationError) as exc:
        raise Invalid("cursor", BAD_CURSOR) from exc


# A statement in each order it is paged in, built once: a kind's rows statement is one
# object for the process, so its pages skip building the statement and its cache key (0.1 ms).
_PAGED: WeakKeyDictionary[Select[Any], dict[tuple[str, bool], Select[Any]]] = WeakKeyDictionary()


def _paged(statement: Select[Any], key: SortKey, *, after: bool) -> Select[Any]:
    """`statement` in `key`'s order, after the cursor's values when `after`, its limit and the
    cursor's values bound by name (`page_limit`, `page_after_value`, `page_after_id`)."""
    orders = _PAGED.setdefault(statement, {})
    paged = orders.get((key.name, after))
    if paged is not None:
        return paged
    paged = statement
    if after:
        ordered = tuple_(key.expression, key.tiebreak)
        bound = tuple_(_bound(key.expression.type), bindparam("page_after_id", type_=Uuid))
        paged = paged.where(ordered < bound if key.descending else ordered > bound)
    order = (
        (key.expression.desc(), key.tiebreak.desc())
        if key.descending
        else (key.expression.asc(), key.tiebreak.asc())
    )
    paged = (
        paged.add_columns(key.expression.label("_sort_value"), key.tiebreak.label("_sort_id"))
        .order_by(None)
        .order_by(*order)
        .limit(bindparam("page_limit", type_=Integer))
    )
    orders[(key.name, after)] = paged
    return paged


def _bound(type_: Any) -> ColumnElement[Any]:
    """The cursor's sort value as a bound parameter. A date goes as its ISO text, cast: asyncpg
    sends `date.max` as `infinity`, and 9999-12-31 is the sort key of "no due date", so a
    cursor on an undated record would compare past every row (or before all of them)."""
    if issubclass(type_.python_type, date):
        return cast(bindparam("page_after_value", type_=String), type_)
    return bindparam("page_after_value", type_=type_)


async def paginate(
    session: AsyncSession,
    statement: Select[Any],
    key: SortKey,
    *,
    limit: int,
    cursor: str | None,
    rows: bool = False,
    params: Mapping[str, Any] | None = None,
) -> Slice[Any]:
    """Run `statement` (selecting one entity first, or with `rows` the columns each item is
    made of, read as Core rows) for the page after `cursor`, with the values it binds by name
    in `params`."""
    values = {**(params or {}), "page_limit": limit + 1}
    if cursor is not None:
        value, values["page_after_id"] = decode_cursor(key, cursor)
        values["page_after_value"] = value.isoformat() if isinstance(value, date) else value
    paged = _paged(statement, key, after=cursor is not None)
    found = (await (await core(session) if rows else session).execute(paged, values)).all()
    items = found[:limit] if rows else [row[0] for row in found[:limit]]
    next_cursor = None
    if len(found) > limit:
        last = found[limit - 1]
        next_cursor = encode_cursor(key, last._sort_value, last._sort_id)
    return Slice(items, next_cursor)
