"""What the OpenAPI document says about problem answers and ETags, declared once."""

from typing import Any

PROBLEM = "application/problem+json"
_DESCRIPTIONS = {
    401: "Not signed in",
    403: "Not allowed",
    404: "No such record (or not yours)",
    409: "Conflicts with an existing record",
    412: "If-Match names a version the record no longer has",
    413: "The body is too large",
    422: "Invalid input; `errors` names each field",
    502: "A server the CRM depends on (a calendar server) failed",
}
# RFC 9457 problem details, written out inline: a JSON schema with $defs would not resolve
# inside the OpenAPI document.
PROBLEM_SCHEMA: dict[str, Any] = {
    "type": "object",
    "required": ["type", "title", "status", "detail"],
    "properties": {
        "type": {"type": "string"},
        "title": {"type": "string"},
        "status": {"type": "integer"},
        "detail": {"type": "string"},
        "errors": {
            "type": "array",
            "items": {
                "type": "object",
                "required": ["field", "message"],
                "properties": {"field": {"type": "string"}, "message": {"type": "string"}},
            },
        },
    },
}
ETAG_HEADER = {
    "ETag": {"description": 'The record\'s version, e.g. `"3"`', "schema": {"type": "string"}}
}


def problems(*statuses: int) -> dict[int | str, dict[str, Any]]:
    """`responses=` entries for these problem statuses."""
    return {
        status: {
            "description": _DESCRIPTIONS[status],
            "content": {PROBLEM: {"schema": PROBLEM_SCHEMA}},
        }
        for status in statuses
    }


def with_etag(status: int = 200, description: str = "The record") -> dict[int | str, Any]:
    """A success response that carries the record's ETag."""
    return {status: {"description": description, "headers": ETAG_HEADER}}
