"""The tabs of /settings, in order. A domain adds its tab with one line here."""

from crm.ai.pages import ai_tab
from crm.auth.api_token_pages import api_tab
from crm.auth.pages import profile_tab
from crm.calendar.pages import calendar_tab
from crm.integrations.pages import integrations_tab
from crm.notifications.pages import notifications_tab
from crm.web.settings import SettingsTab
from crm.workspaces.pages import workspace_tab

SETTINGS_TABS: list[SettingsTab] = [
    profile_tab,
    workspace_tab,
    ai_tab,
    calendar_tab,
    integrations_tab,
    notifications_tab,
    api_tab,
]
