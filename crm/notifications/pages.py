"""/notifications: the inbox behind the bell, and marking it read."""

from dataclasses import replace
from typing import Any

from fastapi import Request
from fastapi.responses import HTMLResponse
from sqlalchemy.ext.asyncio import AsyncSession

from crm.auth.dependencies import SessionDep
from crm.errors import Invalid
from crm.integrations.mail import choose_mailbox, chosen_mailbox, mailbox_choices
from crm.kit.pagination import PageQuery
from crm.kit.routing import Router
from crm.notifications.service import notification as notification_service
from crm.web.forms import read_form
from crm.web.session import Shell, ShellDep
from crm.web.settings import SettingsTab, render_settings
from crm.web.templating import render, toast

router = Router(include_in_schema=False)


async def _mailboxes(session: AsyncSession, shell: Shell) -> dict[str, Any]:
    # Besides these, the tab reads the server's mail settings and the user's e-mail address.
    return {
        "mailbox_choices": await mailbox_choices(session, shell.actor),
        "mailbox_chosen": await chosen_mailbox(session, shell.actor) or "",
    }


notifications_tab = SettingsTab(
    "notifications", "Notifications", "bell", "settings/_notifications.html", _mailboxes
)


@router.post("/settings/notifications/mailbox")
async def choose_reminder_mailbox(
    request: Request, session: SessionDep, shell: ShellDep
) -> HTMLResponse:
    chosen = (await read_form(request)).get("mailbox") or None
    try:
        async with session.begin_nested():
            await choose_mailbox(session, shell.actor, mailbox=chosen)
    except Invalid as exc:
        said, status = toast(exc.detail, "error"), 422
    else:
        said, status = toast("Your choice is saved."), 200
    return await render_settings(
        request, session, shell, "notifications", toasts=[said], status=status
    )


async def _page(
    request: Request,
    session: AsyncSession,
    shell: Shell,
    toasts: list[dict[str, str]] | None = None,
) -> HTMLResponse:
    found = await notification_service.list(session, shell.actor, query=PageQuery(limit=100))
    unread = await notification_service.unread(session, shell.actor)
    # Marking read just now changes the bell's count too.
    context = {"shell": replace(shell, unread=unread), "items": found.items, "unread": unread}
    return render(request, "notifications/page.html", context, block="notifications", toasts=toasts)


@router.get("/notifications")
async def notifications_page(
    request: Request, session: SessionDep, shell: ShellDep
) -> HTMLResponse:
    return await _page(request, session, shell)


@router.post("/notifications/read")
async def read_all(request: Request, session: SessionDep, shell: ShellDep) -> HTMLResponse:
    await notification_service.mark_read(session, shell.actor, ids=[], every=True)
    return await _page(request, session, shell, [toast("All read.")])
