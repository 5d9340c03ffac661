"""`?q=` search over trigram-indexed text (pg_trgm): a substring match, or a close enough
word for typos. Both operators are served by a GIN `gin_trgm_ops` index on the column."""

from typing import Any

from sqlalchemy import ColumnElement, or_


def substring_pattern(q: str) -> str:
    """An ILIKE pattern matching `q` anywhere, with its own wildcards taken literally."""
    escaped = q.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def contains(column: ColumnElement[Any], q: str) -> ColumnElement[bool]:
    return column.ilike(substring_pattern(q), escape="\\")


def matches(column: ColumnElement[Any], q: str) -> ColumnElement[bool]:
    """`q` is in the column, or is close to one of its words (word similarity above
    pg_trgm.word_similarity_threshold, 0.6 by default)."""
    return or_(contains(column, q), column.op("%>")(q))
