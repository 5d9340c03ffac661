"""The Workspace tab of /settings (name, logo, members, invitations) and the logo itself."""

import uuid
from typing import Any

from fastapi import BackgroundTasks, Request, Response
from fastapi.responses import HTMLResponse
from pydantic import ValidationError
from sqlalchemy.ext.asyncio import AsyncSession
from starlette.datastructures import UploadFile

from crm.auth.dependencies import SessionDep
from crm.errors import Conflict, Forbidden, Invalid, NotFound
from crm.kit import mail
from crm.kit.routing import Router
from crm.models import Role
from crm.web.forms import FormState, parse, read_form
from crm.web.session import PageActorDep, Shell, ShellDep, load_shell
from crm.web.settings import SettingsTab, render_settings
from crm.web.templating import toast
from crm.workspaces.schemas import ChangeRoleInput, InviteInput, UpdateWorkspaceInput
from crm.workspaces.service import LOGO_MAX_BYTES, invite_link
from crm.workspaces.service import workspace as workspace_service

router = Router(include_in_schema=False)
TAB = "workspace"


async def _workspace(session: AsyncSession, shell: Shell) -> dict[str, Any]:
    actor = shell.actor
    roles = [r for r in Role if r is not Role.owner or actor.role is Role.owner]
    return {
        "members": await workspace_service.list_members(session, actor),
        "invites": await workspace_service.list_invites(session, actor) if actor.is_admin else [],
        "roles": roles,
        "role_options": [(r.value, r.value.capitalize()) for r in roles],
        "logo_max_kb": LOGO_MAX_BYTES // 1024,
    }


workspace_tab = SettingsTab(
    "workspace", "Workspace", "building-2", "settings/_workspace.html", _workspace
)


async def _again(
    request: Request,
    session: AsyncSession,
    shell: Shell,
    *,
    forms: dict[str, FormState] | None = None,
    done: str | None = None,
    status: int = 200,
    extra: dict[str, Any] | None = None,
) -> HTMLResponse:
    # The shell shows the workspace's name and logo: reload it after a change.
    shell = await load_shell(session, shell.actor)
    return await render_settings(
        request,
        session,
        shell,
        TAB,
        forms=forms,
        toasts=[toast(done)] if done else None,
        status=status,
        extra={"brand_changed": True, **(extra or {})},
    )


@router.post("/settings/workspace")
async def rename(request: Request, session: SessionDep, shell: ShellDep) -> Response:
    values = await read_form(request)
    try:
        body = parse(UpdateWorkspaceInput, values)
        await workspace_service.rename(session, shell.actor, name=body.name)
    except (ValidationError, Invalid) as exc:
        forms = {"workspace": FormState.failed(values, exc)}
        return await _again(request, session, shell, forms=forms, status=422)
    return await _again(request, session, shell, done="The workspace's name is saved.")


@router.post("/settings/workspace/logo")
async def upload_logo(request: Request, session: SessionDep, shell: ShellDep) -> Response:
    upload = (await request.form()).get("logo")
    data = b""
    if isinstance(upload, UploadFile):
        data = await upload.read(LOGO_MAX_BYTES + 1)
    try:
        await workspace_service.set_logo(session, shell.actor, data=data)
    except Invalid as exc:
        forms = {"logo": FormState.failed({}, exc)}
        return await _again(request, session, shell, forms=forms, status=422)
    return await _again(request, session, shell, done="The logo is uploaded.")


@router.post("/settings/workspace/logo/remove")
async def remove_logo(request: Request, session: SessionDep, shell: ShellDep) -> Response:
    await workspace_service.remove_logo(session, shell.actor)
    return await _again(request, session, shell, done="The logo is removed; initials show instead.")


@router.post("/settings/members/{user_id}/role")
async def change_role(
    user_id: uuid.UUID, request: Request, session: SessionDep, shell: ShellDep
) -> Response:
    values = await read_form(request)
    try:
        body = parse(ChangeRoleInput, values)
        async with session.begin_nested():
            member = await workspace_service.change_role(
                session, shell.actor, user_id=user_id, role=body.role
            )
    except (ValidationError, Conflict, Forbidden) as exc:
        forms = {f"member-{user_id}": FormState.failed(values, exc)}
        return await _again(request, session, shell, forms=forms, status=_status(exc))
    return await _again(
        request, session, shell, done=f"{member.user.name} is now {member.role.value}."
    )


@router.post("/settings/members/{user_id}/remove")
async def remove_member(
    user_id: uuid.UUID, request: Request, session: SessionDep, shell: ShellDep
) -> Response:
    try:
        async with session.begin_nested():
            await workspace_service.remove_member(session, shell.actor, user_id=user_id)
    except (Conflict, Forbidden) as exc:
        forms = {f"member-{user_id}": FormState.failed({}, exc)}
        return await _again(request, session, shell, forms=forms, status=_status(exc))
    return await _again(request, session, shell, done="The member is removed.")


@router.post("/settings/invites")
async def invite(
    request: Request, background: BackgroundTasks, session: SessionDep, shell: ShellDep
) -> Response:
    settings = request.app.state.settings
    values = await read_form(request)
    try:
        body = parse(InviteInput, values)
        async with session.begin_nested():
            created, token = await workspace_service.invite(
                session,
                shell.actor,
                email=body.email,
                role=body.role,
                lifetime=settings.invite_lifetime,
            )
    except (ValidationError, Conflict, Forbidden) as exc:
        forms = {"invite": FormState.failed(values, exc)}
        return await _again(request, session, shell, forms=forms, status=_status(exc))
    url = invite_link(settings.crm_base_url, token)
    # Sent after the response, so after the invitation is committed.
    background.add_task(
        mail.send_invite, settings, to=created.email, workspace=shell.workspace.name, url=url
    )
    response = await _again(
        request,
        session,
        shell,
        done=f"{created.email} is invited.",
        extra={"created_invite": {"email": created.email, "url": url}},
    )
    response.background = background
    return response


@router.post("/settings/invites/{invite_id}/revoke")
async def revoke_invite(
    invite_id: uuid.UUID, request: Request, session: SessionDep, shell: ShellDep
) -> Response:
    await workspace_service.revoke_invite(session, shell.actor, invite_id=invite_id)
    return await _again(request, session, shell, done="The invitation is withdrawn.")


@router.get("/workspace/logo")
async def logo(session: SessionDep, actor: PageActorDep) -> Response:
    """The workspace's logo, with the type it was recognised as (the URL carries its version,
    so browsers may keep it)."""
    found = await workspace_service.logo(session, actor, with_data=True)
    if found is None:
        raise NotFound("This workspace has no logo.")
    return Response(
        found.data,
        media_type=found.content_type,
        headers={"Cache-Control": "private, max-age=31536000, immutable"},
    )


def _status(exc: Exception) -> int:
    if isinstance(exc, Conflict | Forbidden):
        return exc.status
    return 422
