"""HTML forms on pages: read a posted form, validate it with the same pydantic models the API
takes, and keep what the user typed together with the messages of a failed submission."""

from dataclasses import dataclass, field
from typing import Any, TypeVar

from fastapi import Request
from pydantic import BaseModel, ValidationError

from crm.auth.cookies import CSRF_FIELD
from crm.errors import CRMError
from crm.kit.problems import field_errors

M = TypeVar("M", bound=BaseModel)
# Never sent back into a page.
SECRET_FIELDS = frozenset({"password", "current_password", "new_password", CSRF_FIELD})


@dataclass
class FormState:
    """A form as the page shows it: the values to fill in, a message per field, and one for
    the form as a whole."""

    values: dict[str, Any] = field(default_factory=dict)
    errors: dict[str, str] = field(default_factory=dict)
    error: str | None = None
    # Someone else saved the record after this form was opened (its version is stale).
    stale: bool = False

    def value(self, name: str, default: Any = "") -> Any:
        return self.values.get(name, default)

    @classmethod
    def failed(cls, values: dict[str, Any], exc: Exception) -> "FormState":
        """The form again after `exc`, a validation error or a service's error."""
        kept = {k: v for k, v in values.items() if k not in SECRET_FIELDS}
        if isinstance(exc, ValidationError):
            pairs = field_errors(list(exc.errors()))
        elif isinstance(exc, CRMError) and exc.errors:
            pairs = exc.errors
        else:
            return cls(kept, {}, getattr(exc, "detail", str(exc)))
        errors: dict[str, str] = {}
        for pair in pairs:
            errors.setdefault(pair["field"], pair["message"])
        return cls(kept, errors, None)


async def read_form(request: Request) -> dict[str, str]:
    """The posted text fields (files are read by the route that expects them)."""
    form = await request.form()
    return {k: v for k, v in form.items() if isinstance(v, str) and k != CSRF_FIELD}


def parse(model: type[M], values: dict[str, Any]) -> M:
    """Validate form values with an API input model (raises pydantic's ValidationError)."""
    return model.model_validate(values)
