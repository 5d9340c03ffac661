"""What the integrations API takes and answers (DESIGN.md section 8)."""

from datetime import datetime
from typing import Annotated, Literal

from pydantic import Field

from crm.kit.schemas import Input, Output

IntegrationState = Literal["not_configured", "disconnected", "connected", "reconnect_needed"]


class ConnectInput(Input):
    service: Annotated[str, Field(min_length=1, max_length=32, examples=["ms365"])]


class ConnectOut(Output):
    authorization_url: str


class AccountOut(Output):
    email: str | None
    name: str | None


class IntegrationOut(Output):
    service: str
    name: str
    status: IntegrationState
    account: AccountOut | None
    scopes: list[str]
    connected_at: datetime | None
    last_sync_at: datetime | None
    last_error: str | None


class IntegrationList(Output):
    items: list[IntegrationOut]
