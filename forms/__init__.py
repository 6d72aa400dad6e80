"""One WTForms form per BPMN form key (pure: fields, choices, validators, labels).

Forms never touch the database. CSRF is enforced once, globally, by the web
layer, so these are plain ``wtforms.Form`` classes; the web layer renders the
token beside them. Conditional fields follow forms/conditional.py.
"""

from functools import cache

from wtforms import Form
from wtforms.fields.core import UnboundField

from .case_forms import NewCaseForm
from .conditional import applicable_data
from .field_classes import NON_PERSONAL_FIELDS, SPECIAL_CATEGORY_FIELDS, FieldClass, field_class
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


@cache
def personal_fields() -> frozenset[str]:
    """Every field of the interview forms that erasure removes (ordinary and special),
    read from the form classes (no form is built: that needs a request's language)."""
    return frozenset(name for form in TASK_FORMS.values() for name in dir(form)
                     if isinstance(getattr(form, name), UnboundField)
                     and field_class(name) != FieldClass.NON_PERSONAL)


__all__ = ["NON_PERSONAL_FIELDS", "SPECIAL_CATEGORY_FIELDS", "TASK_FORMS", "FieldClass",
           "NewCaseForm", "applicable_data", "field_class", "personal_fields"]
