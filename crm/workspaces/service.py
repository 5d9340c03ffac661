"""Workspaces and their members: roles, invitations, removal."""

import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import undefer

from crm.auth.actor import Actor
from crm.auth.service import auth as auth_service
from crm.auth.tokens import hash_token, new_opaque_token
from crm.db import set_context
from crm.errors import Conflict, Forbidden, Invalid, NotFound
from crm.models import Invite, Membership, Role, UserAccount, Workspace, WorkspaceLogo

LOGO_MAX_BYTES = 512 * 1024
# The logo's type is read from its first bytes, never taken from the upload's say-so.
LOGO_SIGNATURES = (
    (b"\x89PNG\r\n\x1a\n", "image/png"),
    (b"\xff\xd8\xff", "image/jpeg"),
)


@dataclass(frozen=True)
class Member:
    user: UserAccount
    role: Role
    joined_at: datetime


@dataclass(frozen=True)
class PendingInvite:
    """What the invitation page shows before the invited person signs up."""

    email: str
    role: Role
    workspace_name: str
    expires_at: datetime


class WorkspaceService:
    async def get(self, session: AsyncSession, actor: Actor) -> Workspace:
        """The actor's workspace."""
        return await session.get_one(Workspace, actor.workspace_id)

    async def rename(self, session: AsyncSession, actor: Actor, *, name: str) -> Workspace:
        """Rename the workspace (owners and admins)."""
        self._require_admin(actor)
        workspace = await self.get(session, actor)
        workspace.name = name
        await session.flush()
        return workspace

    async def list_members(self, session: AsyncSession, actor: Actor) -> list[Member]:
        """Every member of the actor's workspace, oldest first."""
        rows = await session.execute(
            select(UserAccount, Membership.role, Membership.created_at)
            .join(Membership, Membership.user_id == UserAccount.id)
            .where(Membership.workspace_id == actor.workspace_id)
            .order_by(Membership.created_at, UserAccount.id)
        )
        return [Member(user, role, joined) for user, role, joined in rows.all()]

    async def members_among(
        self, session: AsyncSession, actor: Actor, *, user_ids: Iterable[uuid.UUID]
    ) -> set[uuid.UUID]:
        """Those of `user_ids` who are members of the actor's workspace."""
        found = await session.scalars(
            select(Membership.user_id).where(
                Membership.workspace_id == actor.workspace_id,
                Membership.user_id.in_(list(user_ids)),
            )
        )
        return set(found)

    async def change_role(
        self, session: AsyncSession, actor: Actor, *, user_id: uuid.UUID, role: Role
    ) -> Member:
        """Change a member's role. Only owners make or unmake owners; a workspace keeps one."""
        self._require_admin(actor)
        membership = await self._membership(session, actor, user_id)
        if Role.owner in (role, membership.role) and actor.role is not Role.owner:
            raise Forbidden("Only an owner can make or change an owner.")
        if membership.role is Role.owner and role is not Role.owner:
            await self._keep_an_owner(session, actor)
        membership.role = role
        await session.flush()
        user = await session.get_one(UserAccount, user_id)
        return Member(user, membership.role, membership.created_at)

    async def remove_member(
        self, session: AsyncSession, actor: Actor, *, user_id: uuid.UUID
    ) -> None:
        """Remove a member (owners and admins), or leave the workspace (anyone)."""
        if user_id != actor.user_id:
            self._require_admin(actor)
        membership = await self._membership(session, actor, user_id)
        if membership.role is Role.owner:
            if actor.role is not Role.owner:
                raise Forbidden("Only an owner can remove an owner.")
            await self._keep_an_owner(session, actor)
        await session.delete(membership)
        await session.flush()

    async def invite(
        self, session: AsyncSession, actor: Actor, *, email: str, role: Role, lifetime: timedelta
    ) -> tuple[Invite, str]:
        """Invite someone by e-mail; answers the invite and its single-use token."""
        self._require_admin(actor)
        if role is Role.owner and actor.role is not Role.owner:
            raise Forbidden("Only an owner can invite an owner.")
        already = await session.scalar(
            select(UserAccount.id)
            .join(Membership, Membership.user_id == UserAccount.id)
            .where(
                Membership.workspace_id == actor.workspace_id,
                func.lower(UserAccount.email) == email.lower(),
            )
        )
        if already is not None:
            raise Conflict(f"{email} is already a member of this workspace.")
        token, token_hash = new_opaque_token()
        invite = Invite(
            workspace_id=actor.workspace_id,
            email=email,
            role=role,
            token_hash=token_hash,
            invited_by_id=actor.user_id,
            expires_at=datetime.now(UTC) + lifetime,
        )
        session.add(invite)
        await session.flush()
        return invite, token

    async def list_invites(self, session: AsyncSession, actor: Actor) -> list[Invite]:
        """The workspace's invitations not yet accepted nor expired (owners and admins)."""
        self._require_admin(actor)
        result = await session.scalars(
            select(Invite)
            .where(
                Invite.workspace_id == actor.workspace_id,
                Invite.accepted_at.is_(None),
                Invite.expires_at > func.now(),
            )
            .order_by(Invite.created_at)
        )
        return list(result)

    async def revoke_invite(
        self, session: AsyncSession, actor: Actor, *, invite_id: uuid.UUID
    ) -> None:
        """Withdraw an invitation (owners and admins)."""
        self._require_admin(actor)
        invite = await session.get(Invite, invite_id)
        if invite is None or invite.workspace_id != actor.workspace_id or invite.accepted_at:
            raise NotFound("No such invitation.")
        await session.delete(invite)
        await session.flush()

    async def accept_invite(
        self, session: AsyncSession, *, token: str, name: str, password: str
    ) -> tuple[UserAccount, uuid.UUID]:
        """Create the invited person's account in the inviting workspace; the token then dies."""
        await set_context(session, token_hash=hash_token(token))
        invite = await session.scalar(
            select(Invite).where(Invite.token_hash == hash_token(token)).with_for_update()
        )
        if (
            invite is None
            or invite.accepted_at is not None
            or invite.expires_at <= datetime.now(UTC)
        ):
            raise NotFound("This invitation is invalid, used or expired; ask for a new one.")
        user, workspace_id = await auth_service.create_account(
            session,
            email=invite.email,
            password=password,
            name=name,
            workspace_id=invite.workspace_id,
            role=invite.role,
        )
        invite.accepted_at = datetime.now(UTC)
        await session.flush()
        return user, workspace_id

    async def find_invite(self, session: AsyncSession, *, token: str) -> PendingInvite:
        """The invitation a token opens, while it can still be accepted."""
        await set_context(session, token_hash=hash_token(token))
        invite = await session.scalar(select(Invite).where(Invite.token_hash == hash_token(token)))
        if (
            invite is None
            or invite.accepted_at is not None
            or invite.expires_at <= datetime.now(UTC)
        ):
            raise NotFound("This invitation is invalid, used or expired; ask for a new one.")
        # The token proves the invitation, which names its workspace.
        await set_context(session, workspace_id=invite.workspace_id)
        workspace = await session.get_one(Workspace, invite.workspace_id)
        return PendingInvite(invite.email, invite.role, workspace.name, invite.expires_at)

    async def logo(
        self, session: AsyncSession, actor: Actor, *, with_data: bool = False
    ) -> WorkspaceLogo | None:
        """The workspace's logo, or None; its bytes only `with_data`."""
        options = [undefer(WorkspaceLogo.data)] if with_data else []
        return await session.get(WorkspaceLogo, actor.workspace_id, options=options)

    async def set_logo(self, session: AsyncSession, actor: Actor, *, data: bytes) -> WorkspaceLogo:
        """Upload the workspace's logo: PNG, JPEG or WebP of at most 512 KB (owners and admins)."""
        self._require_admin(actor)
        if not data:
            raise Invalid("logo", "choose an image file to upload")
        if len(data) > LOGO_MAX_BYTES:
            raise Invalid("logo", f"is {len(data) // 1024} KB; the limit is 512 KB")
        content_type = logo_type(data)
        if content_type is None:
            raise Invalid("logo", "must be a PNG, JPEG or WebP image")
        logo = await self.logo(session, actor)
        if logo is None:
            logo = WorkspaceLogo(workspace_id=actor.workspace_id)
            session.add(logo)
        logo.content_type, logo.data = content_type, data
        await session.flush()
        await session.refresh(logo, ["updated_at"])
        return logo

    async def remove_logo(self, session: AsyncSession, actor: Actor) -> None:
        """Go back to the workspace's initials (owners and admins)."""
        self._require_admin(actor)
        if (logo := await self.logo(session, actor)) is not None:
            await session.delete(logo)
            await session.flush()

    async def _membership(
        self, session: AsyncSession, actor: Actor, user_id: uuid.UUID
    ) -> Membership:
        membership = await session.get(Membership, (actor.workspace_id, user_id))
        if membership is None:
            raise NotFound("No such member in this workspace.")
        return membership

    async def _keep_an_owner(self, session: AsyncSession, actor: Actor) -> None:
        # Lock the owners' rows so two demotions at once cannot leave none.
        owners = await session.scalars(
            select(Membership.user_id)
            .where(Membership.workspace_id == actor.workspace_id, Membership.role == Role.owner)
            .with_for_update()
        )
        if len(owners.all()) <= 1:
            raise Conflict("A workspace needs at least one owner; make someone else owner first.")

    @staticmethod
    def _require_admin(actor: Actor) -> None:
        if not actor.is_admin:
            raise Forbidden("Only the workspace's owners and admins can do this.")


def invite_link(base_url: str, token: str) -> str:
    """The address an invited person opens to accept (the page /invite/{token})."""
    return f"{base_url.rstrip('/')}/invite/{token}"


def logo_type(data: bytes) -> str | None:
    """The image type of a logo's bytes, if it is one the CRM accepts."""
    for signature, content_type in LOGO_SIGNATURES:
        if data.startswith(signature):
            return content_type
    if data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return "image/webp"
    return None


workspace = WorkspaceService()
