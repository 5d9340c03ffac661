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


def document_problems(schema: dict[str, Any]) -> dict[str, Any]:
    """Declare every operation's errors as RFC 9457 problems (4XX, 5XX) in the OpenAPI schema,
    in place of FastAPI's default application/json 422."""
    components = schema.setdefault("components", {}).setdefault("schemas", {})
    components["Problem"] = PROBLEM_SCHEMA
    for name in ("HTTPValidationError", "ValidationError"):
        components.pop(name, None)
    problem = {
        "description": "Problem details (RFC 9457)",
        "content": {PROBLEM: {"schema": {"$ref": "#/components/schemas/Problem"}}},
    }
    for path in schema.get("paths", {}).values():
        for operation in path.values():
            responses = operation.setdefault("responses", {})
            responses.pop("422", None)
            responses["4XX"] = problem
            responses["5XX"] = problem
    return schema
