from .agreements import Agreement, AgreementRenewal, AgreementType, Partner
from .bases import Base, BaseStatus, OperatingForm
from .contractors import Contractor, JointOffice
from .memberships import Membership, RoleChange
from .organizations import Organization, OrganizationAlias
from .surveys import BaseRoundRecord, ImportLock, ImportRecord, ReviewState, SurveyRound

__all__ = [
    "Agreement",
    "AgreementRenewal",
    "AgreementType",
    "Base",
    "BaseRoundRecord",
    "BaseStatus",
    "Contractor",
    "ImportLock",
    "ImportRecord",
    "JointOffice",
    "Membership",
    "OperatingForm",
    "Organization",
    "OrganizationAlias",
    "Partner",
    "ReviewState",
    "RoleChange",
    "SurveyRound",
]
