"""Every ORM model, imported here so Alembic and the services have one import point."""

from crm.models.account import Invite, Membership, RefreshToken, Role, UserAccount, Workspace
from crm.models.base import Base

__all__ = ["Base", "Invite", "Membership", "RefreshToken", "Role", "UserAccount", "Workspace"]
