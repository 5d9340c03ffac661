"""Connections to outside services (Microsoft 365, Google): list them, connect one with
OAuth 2.0 (authorization code + PKCE, a single-use state bound to the user), disconnect, and
hand out the user's current access token, refreshed under a row lock.

For the code that calls a service's API on a user's behalf (the MCP servers, calendar sync)
the one entry point is `integration.access_token(session, actor, service=..., settings=...,
box=...)`; after the API answered 401 to a token, call it again with `rejected=<that token>`.
It raises `NotConnected` or `ReconnectNeeded`, whose `detail` is a sentence for the user."""

import hashlib
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import structlog
from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession

from crm.ai.service import Rotation
from crm.auth.actor import Actor
from crm.calendar.schedule import schedule_sync
from crm.config import Settings
from crm.db import set_context
from crm.errors import Conflict, Invalid, ServiceUnavailable
from crm.integrations import oauth
from crm.integrations.base import OAuthEndpoints, Provider
from crm.integrations.calendars import CALENDARS
from crm.integrations.providers import PROVIDERS
from crm.kit.crypto import SecretBox, UndecryptableSecret
from crm.models import IntegrationAuthorization, IntegrationConnection
from crm.notifications.service import Notice
from crm.notifications.service import notification as notification_service

log = structlog.get_logger(__name__)

SETTINGS_PAGE = "/settings/integrations"
STATE_LIFETIME = timedelta(minutes=10)
# Refresh this long before the provider's expiry, so a token handed out still works for the
# calls made with it.
REFRESH_MARGIN = timedelta(minutes=5)
CONNECTED, RECONNECT_NEEDED = "connected", "reconnect_needed"

# The reasons a callback can fail (`/settings/integrations?error=<reason>`), in words.
CALLBACK_ERRORS = {
    "access_denied": "You declined the permissions the CRM asked for, so nothing was connected.",
    "provider_error": "The sign-in page answered with an error, so nothing was connected. "
    "Try again; if it keeps failing, ask your administrator.",
    "state_unknown": "That sign-in was not started here or was already used. "
    "Start again with Connect.",
    "state_expired": "The sign-in took longer than ten minutes. Start again with Connect.",
    "token_failed": "The sign-in could not be completed with the provider. Try again in a moment.",
    "unknown_service": "There is no such integration.",
}


class NotConfigured(Conflict):
    def __init__(self, provider: Provider) -> None:
        names = ", ".join(provider.settings_names)
        super().__init__(
            f"{provider.name} is not set up on this server: an administrator sets {names}."
        )


class NotConnected(Conflict):
    def __init__(self, provider: Provider) -> None:
        super().__init__(
            f"{provider.name} is not connected; connect it in Settings → Integrations."
        )


class ReconnectNeeded(Conflict):
    """The provider no longer accepts the user's grant; only the user can renew it."""

    title = "Reconnect needed"

    def __init__(self, provider: Provider) -> None:
        super().__init__(
            f"Your {provider.name} connection needs to be renewed: "
            "reconnect it in Settings → Integrations."
        )


class ProviderUnavailable(ServiceUnavailable):
    def __init__(self, provider: Provider) -> None:
        super().__init__(f"{provider.name} did not answer; try again in a moment.")


class CallbackRefused(Exception):
    """A callback that connects nobody; `reason` is a key of CALLBACK_ERRORS."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


@dataclass(frozen=True)
class IntegrationStatus:
    """One service as the actor sees it."""

    provider: Provider
    status: str  # not_configured, disconnected, connected, reconnect_needed
    connection: IntegrationConnection | None


def provider_of(service: str) -> Provider:
    """The provider of a service slug; 422 naming it when there is none."""
    provider = PROVIDERS.get(service)
    if provider is None:
        known = ", ".join(PROVIDERS)
        raise Invalid("service", f"{service!r} is not an integration (known: {known})")
    return provider


def redirect_uri(settings: Settings, service: str) -> str:
    return f"{settings.crm_base_url.rstrip('/')}/api/v1/integrations/{service}/callback"


def _token_context(row: IntegrationConnection, kind: str) -> str:
    return f"integration_connection.{kind}:{row.workspace_id}:{row.user_id}:{row.service}"


def _verifier_context(actor: Actor, service: str) -> str:
    return f"integration_authorization.code_verifier:{actor.workspace_id}:{actor.user_id}:{service}"


def _hash(state: str) -> str:
    return hashlib.sha256(state.encode()).hexdigest()


def _mine(model: Any, actor: Actor, service: str) -> tuple[Any, ...]:
    return (
        model.workspace_id == actor.workspace_id,
        model.user_id == actor.user_id,
        model.service == service,
    )


class IntegrationService:
    async def list(
        self, session: AsyncSession, actor: Actor, *, settings: Settings
    ) -> list[IntegrationStatus]:
        """Every service the server knows, with the actor's connection to it."""
        rows = await session.scalars(
            select(IntegrationConnection).where(
                IntegrationConnection.workspace_id == actor.workspace_id,
                IntegrationConnection.user_id == actor.user_id,
            )
        )
        by_service = {row.service: row for row in rows}
        answer = []
        for provider in PROVIDERS.values():
            row = by_service.get(provider.service)
            if provider.endpoints(settings) is None:
                status = "not_configured"
            else:
                status = row.status if row else "disconnected"
            answer.append(IntegrationStatus(provider, status, row))
        return answer

    async def get(
        self, session: AsyncSession, actor: Actor, *, service: str
    ) -> IntegrationConnection | None:
        """The actor's connection to `service`, if any."""
        return await session.scalar(
            select(IntegrationConnection).where(*_mine(IntegrationConnection, actor, service))
        )

    async def connect(
        self,
        session: AsyncSession,
        actor: Actor,
        *,
        service: str,
        settings: Settings,
        box: SecretBox,
    ) -> str:
        """Start connecting: a single-use state for this user, valid ten minutes, and the
        provider's authorization URL (PKCE S256) to send the browser to."""
        provider = provider_of(service)
        endpoints = _endpoints(provider, settings)
        now = datetime.now(UTC)
        await session.execute(
            delete(IntegrationAuthorization).where(
                IntegrationAuthorization.workspace_id == actor.workspace_id,
                IntegrationAuthorization.user_id == actor.user_id,
                IntegrationAuthorization.expires_at < now,
            )
        )
        state, verifier = oauth.new_secret(), oauth.new_secret()
        session.add(
            IntegrationAuthorization(
                workspace_id=actor.workspace_id,
                user_id=actor.user_id,
                service=service,
                state_hash=_hash(state),
                code_verifier_sealed=box.encrypt(
                    verifier, context=_verifier_context(actor, service)
                ),
                expires_at=now + STATE_LIFETIME,
            )
        )
        await session.flush()
        existing = await self.get(session, actor, service=service)
        return oauth.authorization_url(
            provider,
            endpoints,
            redirect_uri=redirect_uri(settings, service),
            state=state,
            code_verifier=verifier,
            params=provider.authorize_params(
                has_refresh_token=bool(
                    existing and existing.refresh_token_sealed and existing.status == CONNECTED
                )
            ),
        )

    async def complete(
        self,
        session: AsyncSession,
        actor: Actor,
        *,
        service: str,
        settings: Settings,
        box: SecretBox,
        state: str | None,
        code: str | None,
        error: str | None = None,
    ) -> IntegrationConnection:
        """Finish connecting from the provider's redirect: the state is spent whatever
        happens next; raises CallbackRefused (nobody connected) when the provider refused,
        the state is unknown, used or expired, or the code does not turn into tokens."""
        provider = PROVIDERS.get(service)
        if provider is None:
            raise CallbackRefused("unknown_service")
        pending = None
        if state:
            pending = await session.scalar(
                delete(IntegrationAuthorization)
                .where(
                    *_mine(IntegrationAuthorization, actor, service),
                    IntegrationAuthorization.state_hash == _hash(state),
                )
                .returning(IntegrationAuthorization)
            )
        if error:
            raise CallbackRefused("access_denied" if error == "access_denied" else "provider_error")
        if pending is None:
            raise CallbackRefused("state_unknown")
        if pending.expires_at <= datetime.now(UTC):
            raise CallbackRefused("state_expired")
        endpoints = provider.endpoints(settings)
        if not code or endpoints is None:
            raise CallbackRefused("provider_error")
        verifier = _open(box, pending.code_verifier_sealed, _verifier_context(actor, service))
        if verifier is None:  # sealed under a key dropped from CRM_SECRET_KEY since
            raise CallbackRefused("state_expired")
        import httpx  # at the first call out, not with the web app

        try:
            grant = await oauth.exchange_code(
                provider,
                endpoints,
                redirect_uri=redirect_uri(settings, service),
                code=code,
                code_verifier=verifier,
            )
            async with httpx.AsyncClient(timeout=oauth.TIMEOUT) as http:
                account = await provider.read_account(http, settings, grant.access_token)
        except (oauth.GrantRevoked, oauth.ProviderFailed, httpx.HTTPError, ValueError) as exc:
            log.warning("integration_connect_failed", service=service, reason=type(exc).__name__)
            raise CallbackRefused("token_failed") from exc
        row = await self.get(session, actor, service=service)
        if row is None:
            row = IntegrationConnection(
                workspace_id=actor.workspace_id, user_id=actor.user_id, service=service
            )
            session.add(row)
        now = datetime.now(UTC)
        row.status, row.last_error = CONNECTED, provider.consent_gaps(grant.scopes)
        row.account_email, row.account_name = account.email, account.name
        row.connected_at = row.updated_at = now
        _store(row, grant, box)
        await session.flush()
        await _schedule_calendar_sync(session, actor, service)
        return row

    async def disconnect(self, session: AsyncSession, actor: Actor, *, service: str) -> None:
        """Forget the connection and its tokens (nothing to do when there is none)."""
        provider_of(service)
        await session.execute(
            delete(IntegrationConnection).where(*_mine(IntegrationConnection, actor, service))
        )

    async def access_token(
        self,
        session: AsyncSession,
        actor: Actor,
        *,
        service: str,
        settings: Settings,
        box: SecretBox,
        rejected: str | None = None,
    ) -> str:
        """The actor's current access token for `service`, refreshed when it expires within
        REFRESH_MARGIN, or when it is `rejected` (the token the service just answered 401
        to). Raises NotConnected, ReconnectNeeded, NotConfigured or ProviderUnavailable.

        A refresh runs in a short transaction of its own on the same database: the row is
        locked (SELECT ... FOR UPDATE) so concurrent callers, in any process, wait and then
        take the token the first one got; the rotated refresh token is stored and committed
        with the new access token whatever the caller's own transaction then does. The
        outcome of a refused grant (reconnect_needed, one notification) is committed too."""
        provider = provider_of(service)
        row = await self.get(session, actor, service=service)
        if row is None:
            raise NotConnected(provider)
        if row.status == RECONNECT_NEEDED:
            raise ReconnectNeeded(provider)
        current = _open(box, row.access_token_sealed, _token_context(row, "access_token"))
        if current is not None and not _stale(row, current, rejected):
            return current
        endpoints = _endpoints(provider, settings)
        async with AsyncSession(session.bind, expire_on_commit=False) as own, own.begin():
            await set_context(own, user_id=actor.user_id, workspace_id=actor.workspace_id)
            token = await self._refresh(own, actor, provider, endpoints, box, rejected)
        if token is None:
            raise ReconnectNeeded(provider)
        await session.refresh(row)
        return token

    async def record_sync(
        self, session: AsyncSession, actor: Actor, *, service: str, error: str | None = None
    ) -> None:
        """Note a sync with the service (calendar sync): when, and what failed, in words."""
        row = await self.get(session, actor, service=service)
        if row is not None:
            row.last_sync_at, row.last_error = datetime.now(UTC), error
            await session.flush()

    async def rotate_tokens(
        self, session: AsyncSession, *, box: SecretBox, report: Rotation
    ) -> None:
        """Re-seal every stored token under the first secret key (`crm keys rotate`, as the
        tables' owner, across users)."""
        for row in await session.scalars(select(IntegrationConnection).with_for_update()):
            row.access_token_sealed = report.reseal(
                box, row.access_token_sealed, _token_context(row, "access_token")
            )
            if row.refresh_token_sealed:
                row.refresh_token_sealed = report.reseal(
                    box, row.refresh_token_sealed, _token_context(row, "refresh_token")
                )
        await session.flush()

    async def _refresh(
        self,
        session: AsyncSession,
        actor: Actor,
        provider: Provider,
        endpoints: OAuthEndpoints,
        box: SecretBox,
        rejected: str | None,
    ) -> str | None:
        """Under the row lock: the token another caller got meanwhile, or a new one; None
        when the grant is gone (the connection is then marked and the user told)."""
        row = await session.scalar(
            select(IntegrationConnection)
            .where(*_mine(IntegrationConnection, actor, provider.service))
            .with_for_update()
        )
        if row is None:
            raise NotConnected(provider)
        if row.status == RECONNECT_NEEDED:
            return None
        current = _open(box, row.access_token_sealed, _token_context(row, "access_token"))
        if current is not None and not _stale(row, current, rejected):
            return current
        refresh_token = row.refresh_token_sealed and _open(
            box, row.refresh_token_sealed, _token_context(row, "refresh_token")
        )
        try:
            if not refresh_token:
                raise oauth.GrantRevoked("no refresh token is held")
            grant = await oauth.refresh(provider, endpoints, refresh_token=refresh_token)
        except oauth.GrantRevoked as exc:
            await self._needs_reconnect(session, actor, provider, row, str(exc))
            return None
        except oauth.ProviderFailed as exc:
            log.warning("integration_refresh_failed", service=provider.service, reason=str(exc))
            raise ProviderUnavailable(provider) from exc
        _store(row, grant, box)
        row.updated_at = datetime.now(UTC)
        await session.flush()
        return grant.access_token

    async def _needs_reconnect(
        self,
        session: AsyncSession,
        actor: Actor,
        provider: Provider,
        row: IntegrationConnection,
        description: str,
    ) -> None:
        row.status = RECONNECT_NEEDED
        row.last_error = provider.refusal(description)
        row.updated_at = datetime.now(UTC)
        await session.flush()
        # Once per connection: a reconnect starts a new one (its own connected_at).
        key = f"integration:{provider.service}:reconnect:{row.connected_at.isoformat()}"
        await notification_service.add(
            session,
            actor,
            notices=[
                Notice(
                    kind="integration",
                    title=f"Reconnect {provider.name}",
                    body=row.last_error,
                    link=SETTINGS_PAGE,
                    source_key=key[:200],
                )
            ],
        )


async def _schedule_calendar_sync(session: AsyncSession, actor: Actor, service: str) -> None:
    """A service with a calendar starts syncing it now (crm/calendar/schedule.py)."""
    if service in CALENDARS:
        await schedule_sync(session, actor)


def _endpoints(provider: Provider, settings: Settings) -> OAuthEndpoints:
    endpoints = provider.endpoints(settings)
    if endpoints is None:
        raise NotConfigured(provider)
    return endpoints


def _stale(row: IntegrationConnection, token: str, rejected: str | None) -> bool:
    if rejected is not None and token == rejected:
        return True
    return row.expires_at - REFRESH_MARGIN <= datetime.now(UTC)


def _open(box: SecretBox, sealed: str, context: str) -> str | None:
    try:
        return box.decrypt(sealed, context=context)
    except UndecryptableSecret as exc:
        # Its key left CRM_SECRET_KEY: as good as no token (a refresh, or a reconnect).
        log.warning("integration_token_undecryptable", reason=str(exc))
        return None


def _store(row: IntegrationConnection, grant: oauth.Grant, box: SecretBox) -> None:
    row.scopes = list(grant.scopes)
    row.expires_at = grant.expires_at
    row.access_token_sealed = box.encrypt(
        grant.access_token, context=_token_context(row, "access_token")
    )
    if grant.refresh_token:
        row.refresh_token_sealed = box.encrypt(
            grant.refresh_token, context=_token_context(row, "refresh_token")
        )


integration = IntegrationService()
