"""SQLAlchemy 2.x typed models. Alembic migrations in caseapp/migrations follow them."""

from .audit import (
    AuditChain,
    AuditChange,
    AuditCheckpoint,
    AuditEvent,
    AuditSeal,
    AuditVerified,
)
from .base import Base
from .cases import Case, NameWord, Person, RecentCase
from .catalogue import Course, Municipality, Provider
from .monitoring import MonitoringFigures
from .network_offers import NETWORK_OFFER_KINDS, NetworkOffer
from .process import HumanTask, ProcessInstance, ProcessVersion
from .rate_limits import RateCounter
from .referrals import Referral
from .users import ROLES, LoginSession, PrivilegeRequest, Team, User

__all__ = [
    "NETWORK_OFFER_KINDS", "ROLES", "AuditChain", "AuditChange", "AuditCheckpoint",
    "AuditEvent", "AuditSeal", "AuditVerified", "Base", "Case", "Course", "HumanTask",
    "LoginSession", "MonitoringFigures", "Municipality", "NameWord", "NetworkOffer",
    "Person", "PrivilegeRequest", "ProcessInstance", "ProcessVersion", "Provider",
    "RateCounter", "RecentCase", "Referral", "Team", "User",
]
