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
    # The record pages and the calendar join here as their domains land, e.g.
    # NavEntry("Contacts", "/contacts", "users"),
    NavEntry("Assistant", "/assistant", "sparkles"),
    NavEntry("Calendar", "/calendar", "calendar"),
    NavEntry("Settings", "/settings", "settings", bottom=True),
    NavEntry("Feedback", "/feedback", "message-square", bottom=True),
]
