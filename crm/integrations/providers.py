"""The services users can connect, by slug. Google joins with one line here."""

from crm.integrations.base import Provider
from crm.integrations.ms365.provider import microsoft365

PROVIDERS: dict[str, Provider] = {p.service: p for p in (microsoft365,)}
