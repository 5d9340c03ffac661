"""Optimistic concurrency: a record's `version` is its ETag, and a write that names a stale one
in `If-Match` is refused (412) before anything changes."""

from typing import Annotated

from fastapi import Header

from crm.errors import PreconditionFailed


def etag(version: int) -> str:
    return f'"{version}"'


def parse_if_match(header: str | None) -> frozenset[int] | None:
    """The versions an If-Match header accepts; None when any version will do (no header,
    or `*`). A tag that is not one of our versions matches nothing."""
    if header is None or header.strip() == "*":
        return None
    versions = set()
    for tag in header.split(","):
        # Weak tags are accepted too: a compressing proxy weakens ours on the way out, and a
        # version names the whole record either way.
        value = tag.strip().removeprefix("W/").strip('"')
        if value.isascii() and value.isdigit():
            versions.add(int(value))
    return frozenset(versions)


def require_version(current: int, expected: frozenset[int] | None) -> None:
    """Refuse a write whose If-Match names another version than the record's."""
    if expected is not None and current not in expected:
        raise PreconditionFailed(
            f"The record has changed since you read it (it is now version {current}); "
            "read it again and retry.",
            headers={"ETag": etag(current)},
        )


IfMatch = Annotated[
    str | None,
    Header(
        description='The ETag you read, e.g. `"3"`: the write is refused (412) if the record '
        "has changed since. Without it the write applies whatever the version."
    ),
]
