"""/settings: one page with a tab per concern. Each tab is a `SettingsTab` owned by its domain
(its template and the data it shows); the list of tabs is crm/web/settings_tabs.py."""

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse
from sqlalchemy.ext.asyncio import AsyncSession

from crm.auth.dependencies import SessionDep
from crm.errors import NotFound
from crm.web.forms import FormState
from crm.web.session import Shell, ShellDep
from crm.web.templating import environment, render

router = APIRouter(include_in_schema=False)
TabLoader = Callable[[AsyncSession, Shell], Awaitable[dict[str, Any]]]


@dataclass(frozen=True)
class SettingsTab:
    slug: str  # /settings/<slug>
    label: str
    icon: str
    template: str  # included into settings/page.html
    load: TabLoader  # the data the template shows

    @property
    def href(self) -> str:
        return f"/settings/{self.slug}"


def settings_tabs() -> list[SettingsTab]:
    # Imported here: the tabs live in the domains, whose pages render through this module.
    from crm.web.settings_tabs import SETTINGS_TABS

    return SETTINGS_TABS


async def render_settings(
    request: Request,
    session: AsyncSession,
    shell: Shell,
    slug: str,
    *,
    forms: dict[str, FormState] | None = None,
    extra: dict[str, Any] | None = None,
    toasts: list[dict[str, str]] | None = None,
    status: int = 200,
) -> HTMLResponse:
    """The settings page on tab `slug`; an HTMX request gets only the tab's panel."""
    tabs = settings_tabs()
    tab = next((t for t in tabs if t.slug == slug), None)
    if tab is None:
        raise NotFound("There is no such settings tab.")
    context = {
        "shell": shell,
        "tabs": tabs,
        "tab": tab,
        "forms": forms or {},
        **(await tab.load(session, shell)),
        **(extra or {}),
    }
    return render(
        request, "settings/page.html", context, block="tab_panel", status=status, toasts=toasts
    )


# The command palette lists the tabs too.
environment.globals["palette_tabs"] = settings_tabs


@router.get("/settings")
async def settings_home() -> RedirectResponse:
    return RedirectResponse(settings_tabs()[0].href, status_code=303)


@router.get("/settings/{slug}")
async def settings_page(
    slug: str, request: Request, session: SessionDep, shell: ShellDep
) -> HTMLResponse:
    return await render_settings(request, session, shell, slug)
