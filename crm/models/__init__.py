"""Every ORM model, imported here so Alembic and the services have one import point."""

from crm.models.account import Invite, Membership, RefreshToken, Role, UserAccount, Workspace
from crm.models.base import Base
from crm.models.feedback import Feedback, FeedbackCategory
from crm.models.workspace_logo import WorkspaceLogo

__all__ = [
    "Base",
    "Feedback",
    "FeedbackCategory",
    "Invite",
    "Membership",
    "RefreshToken",
    "Role",
    "UserAccount",
    "Workspace",
    "WorkspaceLogo",
]
