from .agreements import Agreement, AgreementRenewal, AgreementType, Partner
from .bases import Base, BaseStatus, OperatingForm
from .contractors import Contractor, JointOffice
from .memberships import Membership, RoleChange
from .organizations import Organization, OrganizationAlias
from .places import Place
from .surveys import BaseRoundRecord, ImportRecord, ReviewState, SurveyRound

__all__ = [
    "Agreement",
    "AgreementRenewal",
    "AgreementType",
    "Base",
    "BaseRoundRecord",
    "BaseStatus",
    "Contractor",
    "ImportRecord",
    "JointOffice",
    "Membership",
    "OperatingForm",
    "Organization",
    "OrganizationAlias",
    "Partner",
    "Place",
    "ReviewState",
    "RoleChange",
    "SurveyRound",
]
