import uuid
from datetime import datetime
from typing import Annotated, Literal

from pydantic import Field

from crm.kit.clock import Clock
from crm.kit.schemas import Email, Input, Name, Output, Password, Token
from crm.models import TokenScope

TimeZone = Annotated[str, Field(min_length=1, max_length=64)]


class RegisterInput(Input):
    email: Email
    password: Password
    name: Name
    time_zone: Annotated[
        TimeZone | None, Field(description="An IANA zone such as Europe/Rome; default UTC")
    ] = None
    clock: Annotated[
        Clock | None, Field(description="Times of day as 14:00 (24h, the default) or 2:00 PM (12h)")
    ] = None


class LoginInput(Input):
    email: Email
    password: Password


class RefreshInput(Input):
    refresh_token: Token


class UpdateMeInput(Input):
    name: Name | None = None
    time_zone: TimeZone | None = None
    clock: Clock | None = None


class ChangePasswordInput(Input):
    current_password: Password
    new_password: Password


class AcceptInviteInput(Input):
    token: Token
    name: Name
    password: Password


class UserOut(Output):
    id: uuid.UUID
    email: str
    name: str


class MeOut(UserOut):
    time_zone: str
    clock: Clock
    workspace_id: uuid.UUID
    role: str


class TokensOut(Output):
    access_token: str
    refresh_token: str
    token_type: str = "bearer"  # noqa: S105 (the OAuth token type, not a secret)
    expires_in: int
    user: UserOut


class SessionOut(Output):
    user: UserOut
    csrf_token: str


class ApiTokenInput(Input):
    """A personal access token to make: read, or read and write; no expiry when left out."""

    name: Name
    scope: TokenScope = TokenScope.read
    expires_at: datetime | None = None


class ApiTokenOut(Output):
    """A token without its secret. `kind` is `personal` (made by the user) or `app` (an MCP
    client the user let in by OAuth, named after it)."""

    id: uuid.UUID
    name: str
    scope: TokenScope
    kind: Literal["personal", "app"]
    created_at: datetime
    expires_at: datetime | None
    last_used_at: datetime | None


class ApiTokenCreated(ApiTokenOut):
    """The new token with its secret, shown this once."""

    token: str
