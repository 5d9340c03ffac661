"""Pages of accounts: sign in, create an account, accept an invitation, sign out, and the
Profile tab of /settings (name, time zone, password)."""

import secrets
import zoneinfo
from functools import cache
from typing import Any

from fastapi import Request, Response
from fastapi.responses import HTMLResponse, RedirectResponse
from pydantic import ValidationError
from sqlalchemy.ext.asyncio import AsyncSession

from crm.auth import cookies
from crm.auth.dependencies import (
    IssuerDep,
    RateLimitsDep,
    SessionDep,
    check_csrf,
    client_ip,
)
from crm.auth.schemas import (
    AcceptInviteInput,
    ChangePasswordInput,
    LoginInput,
    RegisterInput,
    UpdateMeInput,
)
from crm.auth.service import auth as auth_service
from crm.errors import Conflict, CRMError, Invalid, TooManyRequests, Unauthorized
from crm.kit.clock import CLOCKS
from crm.kit.routing import Router
from crm.web.forms import FormState, parse, read_form
from crm.web.session import (
    CSRF_STATE,
    Shell,
    ShellDep,
    safe_next,
    secure_cookies,
    set_session,
)
from crm.web.settings import SettingsTab, render_settings
from crm.web.templating import render, toast
from crm.workspaces.service import workspace as workspace_service

router = Router(include_in_schema=False)


def _signed_in(request: Request) -> bool:
    token = request.cookies.get(cookies.ACCESS)
    if not token:
        return False
    try:
        request.app.state.issuer.signer.verify_access(token)
    except Unauthorized:
        return False
    return True


def _public_form(
    request: Request, template: str, context: dict[str, Any], status: int = 200
) -> HTMLResponse:
    """A form shown before signing in. It carries a CSRF token too (against login CSRF): the
    cookie is set here when the browser has none yet."""
    csrf = request.cookies.get(cookies.CSRF)
    if not csrf:
        csrf = secrets.token_urlsafe(32)
        setattr(request.state, CSRF_STATE, csrf)
    response = render(request, template, context, status=status)
    if not request.cookies.get(cookies.CSRF):
        response.set_cookie(
            cookies.CSRF,
            csrf,
            httponly=False,
            secure=secure_cookies(request),
            samesite="strict",
            path="/",
        )
    return response


def _failed(exc: Exception) -> int:
    if isinstance(exc, ValidationError | Invalid):
        return 422
    return exc.status if isinstance(exc, CRMError) else 400


# Sign in


@router.get("/login")
async def login_page(request: Request, next: str | None = None) -> Response:
    if _signed_in(request):
        return RedirectResponse(safe_next(next), status_code=303)
    return _public_form(request, "auth/login.html", {"form": FormState(), "next": safe_next(next)})


@router.post("/login")
async def login(
    request: Request, session: SessionDep, issuer: IssuerDep, limits: RateLimitsDep
) -> Response:
    await check_csrf(request)
    values = await read_form(request)
    target = safe_next(values.pop("next", None))
    try:
        body = parse(LoginInput, values)
        await limits.hit_auth(client_ip(request), body.email)
        tokens = await auth_service.login(session, issuer, email=body.email, password=body.password)
    except (ValidationError, Unauthorized, TooManyRequests) as exc:
        form = FormState.failed(values, exc)
        return _public_form(
            request, "auth/login.html", {"form": form, "next": target}, status=_failed(exc)
        )
    set_session(request, tokens)
    return RedirectResponse(target, status_code=303)


# Create an account


@router.get("/register")
async def register_page(request: Request, next: str | None = None) -> Response:
    if _signed_in(request):
        return RedirectResponse(safe_next(next), status_code=303)
    return _public_form(
        request, "auth/register.html", {"form": FormState(), "next": safe_next(next)}
    )


@router.post("/register")
async def register(
    request: Request, session: SessionDep, issuer: IssuerDep, limits: RateLimitsDep
) -> Response:
    await check_csrf(request)
    values = await read_form(request)
    target = safe_next(values.pop("next", None))
    # The browser's zone and clock (static/signup.js); a zone this server does not know is
    # left out (UTC), and so is a missing clock (24-hour).
    if values.get("time_zone") not in zoneinfo.available_timezones():
        values.pop("time_zone", None)
    if values.get("clock") not in CLOCKS:
        values.pop("clock", None)
    try:
        body = parse(RegisterInput, values)
        await limits.hit_auth(client_ip(request), body.email)
        tokens = await auth_service.register(
            session,
            issuer,
            email=body.email,
            password=body.password,
            name=body.name,
            time_zone=body.time_zone,
            clock=body.clock,
        )
    except (ValidationError, Invalid, Conflict, TooManyRequests) as exc:
        form = FormState.failed(values, exc)
        if isinstance(exc, Conflict):
            form.errors["email"], form.error = exc.detail, None
        return _public_form(
            request, "auth/register.html", {"form": form, "next": target}, status=_failed(exc)
        )
    set_session(request, tokens)
    return RedirectResponse(target, status_code=303)


# Accept an invitation (the link the workspace's invite answers: CRM_BASE_URL/invite/<token>)


@router.get("/invite/{token}")
async def invite_page(token: str, request: Request, session: SessionDep) -> Response:
    pending = await workspace_service.find_invite(session, token=token)
    return _public_form(request, "auth/invite.html", {"form": FormState(), "invite": pending})


@router.post("/invite/{token}")
async def accept_invite(
    token: str, request: Request, session: SessionDep, issuer: IssuerDep, limits: RateLimitsDep
) -> Response:
    await check_csrf(request)
    values = await read_form(request)
    pending = await workspace_service.find_invite(session, token=token)
    try:
        fields = {k: values.get(k, "") for k in ("name", "password")}
        body = parse(AcceptInviteInput, {**fields, "token": token})
        await limits.hit_auth(client_ip(request), token)
        async with session.begin_nested():
            user, workspace_id = await workspace_service.accept_invite(
                session, token=body.token, name=body.name, password=body.password
            )
    except (ValidationError, Invalid, Conflict, TooManyRequests) as exc:
        form = FormState.failed(values, exc)
        return _public_form(
            request, "auth/invite.html", {"form": form, "invite": pending}, status=_failed(exc)
        )
    set_session(request, await issuer.issue(session, user, workspace_id))
    return RedirectResponse("/assistant", status_code=303)


# Sign out


@router.post("/logout")
async def logout(request: Request, session: SessionDep) -> Response:
    await check_csrf(request)
    if token := request.cookies.get(cookies.REFRESH):
        await auth_service.logout(session, token=token)
    response = RedirectResponse("/login", status_code=303)
    cookies.end_session(response, secure=secure_cookies(request))
    return response


# The Profile tab of /settings


@cache
def time_zones() -> list[tuple[str, str]]:
    """(value, label) of every time zone, for a select."""
    return [(tz, tz.replace("_", " ")) for tz in sorted(zoneinfo.available_timezones())]


async def _profile(session: AsyncSession, shell: Shell) -> dict[str, Any]:
    return {"time_zones": time_zones(), "clocks": list(CLOCKS.items())}


profile_tab = SettingsTab("profile", "Profile", "user", "settings/_profile.html", _profile)


@router.post("/settings/profile")
async def update_profile(request: Request, session: SessionDep, shell: ShellDep) -> Response:
    values = await read_form(request)
    try:
        body = parse(UpdateMeInput, values)
        async with session.begin_nested():
            await auth_service.update_me(
                session, shell.actor, name=body.name, time_zone=body.time_zone, clock=body.clock
            )
    except (ValidationError, Invalid) as exc:
        forms = {"profile": FormState.failed(values, exc)}
        return await render_settings(request, session, shell, "profile", forms=forms, status=422)
    await session.refresh(shell.user)
    return await render_settings(
        request, session, shell, "profile", toasts=[toast("Your profile is saved.")]
    )


@router.post("/settings/password")
async def change_password(
    request: Request, session: SessionDep, shell: ShellDep, issuer: IssuerDep
) -> Response:
    values = await read_form(request)
    try:
        body = parse(
            ChangePasswordInput,
            {k: values.get(k, "") for k in ("current_password", "new_password")},
        )
        if values.get("confirm_password", "") != body.new_password:
            raise Invalid("confirm_password", "does not match the new password")
        async with session.begin_nested():
            await auth_service.change_password(
                session,
                shell.actor,
                current_password=body.current_password,
                new_password=body.new_password,
            )
    except (ValidationError, Invalid) as exc:
        forms = {"password": FormState.failed(values, exc)}
        return await render_settings(request, session, shell, "profile", forms=forms, status=422)
    # Every other login is signed out; this browser continues in a new one.
    set_session(request, await issuer.issue(session, shell.user, shell.actor.workspace_id))
    return await render_settings(
        request,
        session,
        shell,
        "profile",
        toasts=[toast("Your password is changed; other devices are signed out.")],
    )
