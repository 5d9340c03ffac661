"""The tabs of /settings, in order, and its routes. A domain adds its tab with one line here."""

from fastapi import Request
from fastapi.responses import HTMLResponse, RedirectResponse

from crm.ai.pages import ai_tab
from crm.auth.api_token_pages import api_tab
from crm.auth.dependencies import SessionDep
from crm.auth.pages import profile_tab
from crm.calendar.pages import calendar_tab
from crm.integrations.pages import integrations_tab
from crm.kit.routing import Router
from crm.notifications.pages import notifications_tab
from crm.web.session import ShellDep
from crm.web.settings import SETTINGS_TABS, render_settings
from crm.web.templating import environment
from crm.workspaces.pages import workspace_tab

SETTINGS_TABS.extend(
    (
        profile_tab,
        workspace_tab,
        ai_tab,
        calendar_tab,
        integrations_tab,
        notifications_tab,
        api_tab,
    )
)
router = Router(include_in_schema=False)

# The command palette lists the tabs too.
environment.globals["palette_tabs"] = SETTINGS_TABS


@router.get("/settings")
async def settings_home() -> RedirectResponse:
    return RedirectResponse(SETTINGS_TABS[0].href, status_code=303)


@router.get("/settings/{slug}")
async def settings_page(
    slug: str, request: Request, session: SessionDep, shell: ShellDep
) -> HTMLResponse:
    return await render_settings(request, session, shell, slug)
