from .agreements import Agreement, AgreementRenewal, AgreementType, Partner
from .bases import Base, BaseStatus, Closure, OperatingForm
from .contractors import Contractor, JointOffice
from .invitations import Invitation
from .jobs import ImportJob
from .memberships import Membership, RoleChange
from .notifications import Notification, NotificationSettings, Watch
from .organizations import Organization, OrganizationAlias
from .places import Place
from .surveys import (
    BaseRoundRecord,
    ImportLock,
    ImportRecord,
    ReviewState,
    RoundCorrection,
    RoundReminder,
    RoundResponse,
    RoundStatus,
    SurveyRound,
)

__all__ = [
    "Agreement",
    "AgreementRenewal",
    "AgreementType",
    "Base",
    "BaseRoundRecord",
    "BaseStatus",
    "Closure",
    "Contractor",
    "ImportJob",
    "Invitation",
    "ImportLock",
    "ImportRecord",
    "JointOffice",
    "Membership",
    "Notification",
    "NotificationSettings",
    "OperatingForm",
    "Organization",
    "OrganizationAlias",
    "Partner",
    "Place",
    "ReviewState",
    "RoleChange",
    "RoundCorrection",
    "RoundReminder",
    "RoundResponse",
    "RoundStatus",
    "SurveyRound",
    "Watch",
]
