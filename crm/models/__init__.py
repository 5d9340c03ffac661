"""Every ORM model, imported here so Alembic and the services have one import point."""

from crm.models.access import ApiToken, OAuthClient, OAuthCode, TokenScope
from crm.models.account import Invite, Membership, RefreshToken, Role, UserAccount, Workspace
from crm.models.activity import Activity
from crm.models.ai import AIPersonalKey, AIProvider, AISetting
from crm.models.base import Base
from crm.models.calendar import (
    CalendarEvent,
    Notification,
    Reminder,
    ReminderAnchor,
    ReminderStatus,
)
from crm.models.calendar_sync import (
    CalendarConnection,
    CalendarFeed,
    CalendarSource,
    CalendarSyncItem,
    CalendarSyncRun,
)
from crm.models.contact import Contact, Organization
from crm.models.conversation import Conversation, ConversationEntity, ConversationMessage
from crm.models.feedback import Feedback, FeedbackCategory
from crm.models.integration import IntegrationAuthorization, IntegrationConnection
from crm.models.project import (
    Project,
    ProjectAssignee,
    ProjectStatus,
    Task,
    TaskPriority,
    TaskStatus,
)
from crm.models.search import RecordSearch
from crm.models.workspace_logo import WorkspaceLogo

__all__ = [
    "AIPersonalKey",
    "AIProvider",
    "AISetting",
    "Activity",
    "ApiToken",
    "Base",
    "CalendarConnection",
    "CalendarEvent",
    "CalendarFeed",
    "CalendarSource",
    "CalendarSyncItem",
    "CalendarSyncRun",
    "Contact",
    "Conversation",
    "ConversationEntity",
    "ConversationMessage",
    "Feedback",
    "FeedbackCategory",
    "IntegrationAuthorization",
    "IntegrationConnection",
    "Invite",
    "Membership",
    "Notification",
    "OAuthClient",
    "OAuthCode",
    "Organization",
    "Project",
    "ProjectAssignee",
    "ProjectStatus",
    "RecordSearch",
    "RefreshToken",
    "Reminder",
    "ReminderAnchor",
    "ReminderStatus",
    "Role",
    "Task",
    "TaskPriority",
    "TaskStatus",
    "TokenScope",
    "UserAccount",
    "Workspace",
    "WorkspaceLogo",
]
