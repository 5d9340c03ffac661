"""REST endpoints of the workspace: its members and invitations."""

import uuid

import structlog
from fastapi import BackgroundTasks, Request, status

from crm.auth.dependencies import ActorDep, SessionDep
from crm.auth.schemas import UserOut
from crm.kit import mail
from crm.kit.routing import Router
from crm.kit.schemas import Page
from crm.workspaces.schemas import (
    ChangeRoleInput,
    CreatedInviteOut,
    InviteInput,
    InviteOut,
    MemberOut,
    UpdateWorkspaceInput,
    WorkspaceOut,
)
from crm.workspaces.service import Member, invite_link
from crm.workspaces.service import workspace as workspace_service

router = Router(prefix="/api/v1/workspace", tags=["workspace"])
log = structlog.get_logger()


def _member_out(member: Member) -> MemberOut:
    return MemberOut(
        user=UserOut.model_validate(member.user), role=member.role, joined_at=member.joined_at
    )


@router.get("")
async def get_workspace(session: SessionDep, actor: ActorDep) -> WorkspaceOut:
    """Your workspace and your role in it."""
    ws = await workspace_service.get(session, actor)
    return WorkspaceOut(id=ws.id, name=ws.name, role=actor.role, created_at=ws.created_at)


@router.patch("")
async def rename_workspace(
    body: UpdateWorkspaceInput, session: SessionDep, actor: ActorDep
) -> WorkspaceOut:
    """Rename the workspace (owners and admins)."""
    ws = await workspace_service.rename(session, actor, name=body.name)
    return WorkspaceOut(id=ws.id, name=ws.name, role=actor.role, created_at=ws.created_at)


@router.get("/members")
async def list_members(session: SessionDep, actor: ActorDep) -> Page[MemberOut]:
    """Everyone in the workspace with their role."""
    members = await workspace_service.list_members(session, actor)
    return Page(items=[_member_out(m) for m in members])


@router.patch("/members/{user_id}")
async def change_role(
    user_id: uuid.UUID, body: ChangeRoleInput, session: SessionDep, actor: ActorDep
) -> MemberOut:
    """Change a member's role (owners and admins; only owners touch owners)."""
    member = await workspace_service.change_role(session, actor, user_id=user_id, role=body.role)
    return _member_out(member)


@router.delete("/members/{user_id}", status_code=status.HTTP_204_NO_CONTENT)
async def remove_member(user_id: uuid.UUID, session: SessionDep, actor: ActorDep) -> None:
    """Remove a member, or leave the workspace yourself."""
    await workspace_service.remove_member(session, actor, user_id=user_id)


@router.post("/invites", status_code=status.HTTP_201_CREATED)
async def invite(
    body: InviteInput,
    request: Request,
    background: BackgroundTasks,
    session: SessionDep,
    actor: ActorDep,
) -> CreatedInviteOut:
    """Invite someone by e-mail. The answer carries the invitation link (shown once); it is
    also e-mailed when SMTP is configured."""
    settings = request.app.state.settings
    created, token = await workspace_service.invite(
        session,
        actor,
        email=body.email,
        role=body.role,
        lifetime=settings.invite_lifetime,
    )
    ws = await workspace_service.get(session, actor)
    url = invite_link(settings.crm_base_url, token)
    # Sent after the response, so after the invitation is committed.
    background.add_task(mail.send_invite, settings, to=created.email, workspace=ws.name, url=url)
    return CreatedInviteOut(**InviteOut.model_validate(created).model_dump(), url=url)


@router.get("/invites")
async def list_invites(session: SessionDep, actor: ActorDep) -> Page[InviteOut]:
    """Invitations not yet accepted (owners and admins)."""
    invites = await workspace_service.list_invites(session, actor)
    return Page(items=[InviteOut.model_validate(i) for i in invites])


@router.delete("/invites/{invite_id}", status_code=status.HTTP_204_NO_CONTENT)
async def revoke_invite(invite_id: uuid.UUID, session: SessionDep, actor: ActorDep) -> None:
    """Withdraw an invitation (owners and admins)."""
    await workspace_service.revoke_invite(session, actor, invite_id=invite_id)
