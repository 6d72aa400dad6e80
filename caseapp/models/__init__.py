"""SQLAlchemy 2.x typed models. Alembic migrations in caseapp/migrations follow them."""

from .audit import AuditChange, AuditEvent, AuditHead
from .base import Base
from .cases import Case, Person
from .process import HumanTask, ProcessInstance, ProcessVersion
from .users import ROLES, Team, User

__all__ = [
    "ROLES", "AuditChange", "AuditEvent", "AuditHead", "Base", "Case", "HumanTask",
    "Person", "ProcessInstance", "ProcessVersion", "Team", "User",
]
