"""REST endpoints of personal access tokens: make, list, revoke (`/api/v1/tokens`)."""

import uuid

from fastapi import status

from crm.auth.api_tokens import api_token as api_token_service
from crm.auth.api_tokens import out
from crm.auth.dependencies import ActorDep, SessionDep
from crm.auth.schemas import ApiTokenCreated, ApiTokenInput, ApiTokenOut
from crm.kit.routing import Router
from crm.kit.schemas import Page

router = Router(prefix="/api/v1/tokens", tags=["tokens"])


@router.post("", status_code=status.HTTP_201_CREATED)
async def create_token(
    body: ApiTokenInput, session: SessionDep, actor: ActorDep
) -> ApiTokenCreated:
    """Make a personal access token for the REST API and the MCP server; the answer holds
    the token, shown this once."""
    token, secret = await api_token_service.create(session, actor, body=body)
    return ApiTokenCreated(**out(token).model_dump(), token=secret)


@router.get("")
async def list_tokens(session: SessionDep, actor: ActorDep) -> Page[ApiTokenOut]:
    """The user's tokens and the apps they let in, without their secrets."""
    return Page(items=[out(token) for token in await api_token_service.list(session, actor)])


@router.delete("/{token_id}", status_code=status.HTTP_204_NO_CONTENT)
async def revoke_token(token_id: uuid.UUID, session: SessionDep, actor: ActorDep) -> None:
    """Revoke a token or an app's access; it stops working at once."""
    await api_token_service.revoke(session, actor, token_id=token_id)
