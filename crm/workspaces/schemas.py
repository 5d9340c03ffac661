import uuid
from datetime import datetime

from crm.auth.schemas import UserOut
from crm.kit.schemas import Email, Input, Name, Output
from crm.models import Role


class WorkspaceOut(Output):
    id: uuid.UUID
    name: str
    role: Role
    created_at: datetime


class UpdateWorkspaceInput(Input):
    name: Name


class MemberOut(Output):
    user: UserOut
    role: Role
    joined_at: datetime


class ChangeRoleInput(Input):
    role: Role


class InviteInput(Input):
    email: Email
    role: Role = Role.member


class InviteOut(Output):
    id: uuid.UUID
    email: str
    role: Role
    expires_at: datetime
    created_at: datetime


class CreatedInviteOut(InviteOut):
    url: str
