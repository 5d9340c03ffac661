"""The sidebar: one entry per page that exists. Adding a page to the sidebar (and to the
Ctrl/Cmd+K palette) is one line here."""

from dataclasses import dataclass


@dataclass(frozen=True)
class NavEntry:
    label: str
    href: str
    icon: str  # a symbol of crm/web/static/vendor/lucide-sprite.svg
    bottom: bool = False  # shown at the foot of the sidebar (settings, feedback)


NAV: list[NavEntry] = [
    NavEntry("Assistant", "/assistant", "sparkles"),
    NavEntry("Contacts", "/contacts", "users"),
    NavEntry("Organizations", "/organizations", "building-2"),
    NavEntry("Projects", "/projects", "folder-kanban"),
    NavEntry("Tasks", "/tasks", "square-check"),
    NavEntry("Calendar", "/calendar", "calendar"),
    NavEntry("Settings", "/settings", "settings", bottom=True),
    NavEntry("Feedback", "/feedback", "message-square", bottom=True),
]
