"""Accounts and authentication: registration, login, token rotation, password changes."""

import uuid
import zoneinfo
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy import func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from crm.auth.actor import Actor
from crm.auth.passwords import check_password_rules, hash_password, verify_password
from crm.auth.tokens import TokenSigner, hash_token, new_opaque_token
from crm.db import set_context
from crm.errors import Conflict, Invalid, TokenReused, Unauthorized
from crm.models import Membership, RefreshToken, Role, UserAccount, Workspace

LOGIN_FAILED = "The e-mail or password is wrong."


async def user_zone(session: AsyncSession, actor: Actor) -> zoneinfo.ZoneInfo:
    """The actor's time zone (their profile's): the one way every domain reads it."""
    name = await session.scalar(
        select(UserAccount.time_zone).where(UserAccount.id == actor.user_id)
    )
    return zoneinfo.ZoneInfo(name or "UTC")


def known_zone(time_zone: str) -> str:
    """`time_zone` when it is an IANA zone this server knows."""
    if time_zone not in zoneinfo.available_timezones():
        raise Invalid("time_zone", f"{time_zone!r} is not a known time zone")
    return time_zone


@dataclass(frozen=True)
class Tokens:
    access_token: str
    refresh_token: str
    expires_in: int
    user: UserAccount


class TokenIssuer:
    """Issues an access token and a refresh token for a user in a workspace."""

    def __init__(self, signer: TokenSigner, refresh_days: int) -> None:
        self.signer = signer
        self.refresh_lifetime = timedelta(days=refresh_days)

    async def issue(
        self,
        session: AsyncSession,
        user: UserAccount,
        workspace_id: uuid.UUID,
        family_id: uuid.UUID | None = None,
    ) -> Tokens:
        token, token_hash = new_opaque_token()
        session.add(
            RefreshToken(
                user_id=user.id,
                workspace_id=workspace_id,
                family_id=family_id or uuid.uuid4(),
                token_hash=token_hash,
                expires_at=datetime.now(UTC) + self.refresh_lifetime,
            )
        )
        await session.flush()
        return Tokens(
            access_token=self.signer.issue_access(user.id, workspace_id),
            refresh_token=token,
            expires_in=int(self.signer.access_lifetime.total_seconds()),
            user=user,
        )


class AuthService:
    async def create_account(
        self,
        session: AsyncSession,
        *,
        email: str,
        password: str,
        name: str,
        workspace_id: uuid.UUID | None = None,
        role: Role = Role.owner,
        time_zone: str | None = None,
        clock: str | None = None,
    ) -> tuple[UserAccount, uuid.UUID]:
        """Create a user; in a new workspace of their own unless `workspace_id` is given."""
        check_password_rules(password, email=email)
        user = UserAccount(id=uuid.uuid4(), email=email, name=name, password_hash="")
        if time_zone is not None:
            user.time_zone = known_zone(time_zone)
        if clock is not None:
            user.clock = clock
        workspace_id = workspace_id or uuid.uuid4()
        await set_context(session, user_id=user.id, workspace_id=workspace_id, login_email=None)
        user.password_hash = hash_password(password)
        try:
            async with session.begin_nested():
                session.add(user)
                await session.flush()
        except IntegrityError as exc:
            raise Conflict("An account with this e-mail already exists.") from exc
        if role is Role.owner:
            session.add(Workspace(id=workspace_id, name=f"{name}'s workspace"))
            await session.flush()
        session.add(Membership(workspace_id=workspace_id, user_id=user.id, role=role))
        await session.flush()
        return user, workspace_id

    async def register(
        self,
        session: AsyncSession,
        issuer: TokenIssuer,
        *,
        email: str,
        password: str,
        name: str,
        time_zone: str | None = None,
        clock: str | None = None,
    ) -> Tokens:
        """Create an account and its workspace (in `time_zone`, else UTC; on `clock`, else
        24-hour), and sign it in."""
        user, workspace_id = await self.create_account(
            session, email=email, password=password, name=name, time_zone=time_zone, clock=clock
        )
        return await issuer.issue(session, user, workspace_id)

    async def login(
        self, session: AsyncSession, issuer: TokenIssuer, *, email: str, password: str
    ) -> Tokens:
        """Sign in with e-mail and password; one answer for an unknown e-mail or a wrong one."""
        await set_context(session, login_email=email.strip().lower())
        user = await session.scalar(
            select(UserAccount).where(func.lower(UserAccount.email) == email.strip().lower())
        )
        if not verify_password(password, user.password_hash if user else None) or user is None:
            raise Unauthorized(LOGIN_FAILED)
        await set_context(session, user_id=user.id, login_email=None)
        membership = await session.scalar(
            select(Membership)
            .where(Membership.user_id == user.id)
            .order_by(Membership.created_at)
            .limit(1)
        )
        if membership is None:
            raise Unauthorized("This account belongs to no workspace any more.")
        await set_context(session, workspace_id=membership.workspace_id)
        return await issuer.issue(session, user, membership.workspace_id)

    async def refresh(self, session: AsyncSession, issuer: TokenIssuer, *, token: str) -> Tokens:
        """Rotate a refresh token. A token used twice revokes every token of its login."""
        await set_context(session, token_hash=hash_token(token))
        current = await session.scalar(
            select(RefreshToken).where(RefreshToken.token_hash == hash_token(token))
        )
        if current is None:
            raise Unauthorized("The refresh token is invalid.")
        await set_context(
            session, user_id=current.user_id, workspace_id=current.workspace_id, token_hash=None
        )
        now = datetime.now(UTC)
        if current.used_at is not None or current.revoked_at is not None:
            await self._revoke(session, RefreshToken.family_id == current.family_id)
            raise TokenReused("The refresh token was already used; sign in again.")
        if current.expires_at <= now:
            raise Unauthorized("The refresh token has expired; sign in again.")
        # Mark it used with a conditional update, so two concurrent refreshes cannot both win.
        used = await session.execute(
            update(RefreshToken)
            .where(RefreshToken.id == current.id, RefreshToken.used_at.is_(None))
            .values(used_at=now)
        )
        if used.rowcount != 1:  # type: ignore[attr-defined]
            await self._revoke(session, RefreshToken.family_id == current.family_id)
            raise TokenReused("The refresh token was already used; sign in again.")
        user = await session.get_one(UserAccount, current.user_id)
        membership = await session.get(Membership, (current.workspace_id, current.user_id))
        if membership is None:
            raise Unauthorized("You are no longer a member of this workspace.")
        return await issuer.issue(session, user, current.workspace_id, current.family_id)

    async def logout(self, session: AsyncSession, *, token: str) -> None:
        """End the login the refresh token belongs to (all its rotations)."""
        await set_context(session, token_hash=hash_token(token))
        current = await session.scalar(
            select(RefreshToken).where(RefreshToken.token_hash == hash_token(token))
        )
        if current is not None:
            await set_context(session, user_id=current.user_id, token_hash=None)
            await self._revoke(session, RefreshToken.family_id == current.family_id)

    async def get_me(self, session: AsyncSession, actor: Actor) -> UserAccount:
        """The actor's own account."""
        return await session.get_one(UserAccount, actor.user_id)

    async def update_me(
        self,
        session: AsyncSession,
        actor: Actor,
        *,
        name: str | None,
        time_zone: str | None,
        clock: str | None = None,
    ) -> UserAccount:
        """Change the actor's name, time zone or clock."""
        user = await self.get_me(session, actor)
        if time_zone is not None:
            user.time_zone = known_zone(time_zone)
        if clock is not None:
            user.clock = clock
        if name is not None:
            user.name = name
        await session.flush()
        return user

    async def change_password(
        self, session: AsyncSession, actor: Actor, *, current_password: str, new_password: str
    ) -> None:
        """Change the actor's password and sign out every other login."""
        user = await self.get_me(session, actor)
        if not verify_password(current_password, user.password_hash):
            raise Invalid("current_password", "is wrong")
        check_password_rules(new_password, email=user.email, field="new_password")
        user.password_hash = hash_password(new_password)
        user.password_changed_at = datetime.now(UTC)
        await self._revoke(session, RefreshToken.user_id == user.id)

    async def _revoke(self, session: AsyncSession, condition) -> None:  # type: ignore[no-untyped-def]
        await session.execute(
            update(RefreshToken)
            .where(condition, RefreshToken.revoked_at.is_(None))
            .values(revoked_at=datetime.now(UTC))
        )


auth = AuthService()
