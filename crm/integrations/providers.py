"""The services users can connect, by slug: one line each."""

from crm.integrations.base import Provider
from crm.integrations.google.provider import google_workspace
from crm.integrations.ms365.provider import microsoft365

PROVIDERS: dict[str, Provider] = {p.service: p for p in (microsoft365, google_workspace)}
