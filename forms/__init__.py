"""One WTForms form per BPMN form key (pure: fields, choices, validators, labels).

Forms never touch the database. CSRF is enforced once, globally, by the web
layer, so these are plain ``wtforms.Form`` classes; the web layer renders the
token beside them. Conditional fields follow forms/conditional.py.
"""

from wtforms import Form

from .case_forms import NewCaseForm
from .conditional import applicable_data
from .interview import (
    EducationWorkForm,
    FamilyForm,
    FollowUpForm,
    GoalsPlanForm,
    LanguageLiteracyForm,
    PersonForm,
    PracticalForm,
    ResidenceForm,
)
from .referral import OverdueReviewForm, ReferralForm

TASK_FORMS: dict[str, type[Form]] = {
    "person": PersonForm,
    "residence": ResidenceForm,
    "family": FamilyForm,
    "education_work": EducationWorkForm,
    "practical": PracticalForm,
    "goals_plan": GoalsPlanForm,
    "language_literacy": LanguageLiteracyForm,
    "referral": ReferralForm,
    "follow_up": FollowUpForm,
    "overdue_review": OverdueReviewForm,
}

# Art. 9 DSGVO (health, religion): recorded only where the interview needs it. Their names
# never go into audit event details, which cannot be erased (values live in change records).
SPECIAL_CATEGORY_FIELDS = frozenset({"pregnancy"})

__all__ = ["SPECIAL_CATEGORY_FIELDS", "TASK_FORMS", "NewCaseForm", "applicable_data"]
