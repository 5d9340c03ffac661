"""/settings: one page with a tab per concern. Each tab is a `SettingsTab` owned by its domain
(its template and the data it shows); the list of tabs is crm/web/settings_tabs.py."""

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from fastapi import Request
from fastapi.responses import HTMLResponse
from sqlalchemy.ext.asyncio import AsyncSession

from crm.errors import NotFound
from crm.web.forms import FormState
from crm.web.session import Shell
from crm.web.templating import render

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


# The tabs in order, named by crm/web/settings_tabs.py (the domains' pages render through this
# module, which therefore imports none of them); the app imports that module for its routes.
SETTINGS_TABS: list[SettingsTab] = []


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
    tab = next((t for t in SETTINGS_TABS if t.slug == slug), None)
    if tab is None:
        raise NotFound("There is no such settings tab.")
    context = {
        "shell": shell,
        "tabs": SETTINGS_TABS,
        "tab": tab,
        "forms": forms or {},
        **(await tab.load(session, shell)),
        **(extra or {}),
    }
    return render(
        request, "settings/page.html", context, block="tab_panel", status=status, toasts=toasts
    )
