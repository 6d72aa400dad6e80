"""One WTForms form per BPMN form key (pure: fields, choices, validators, labels).

Forms never touch the database. CSRF is enforced once, globally, by the web
layer, so these are plain ``wtforms.Form`` classes; the web layer renders the
token beside them.
"""

from wtforms import Form

from .case_forms import NewCaseForm
from .interview import FollowUpForm, LanguageAssessmentForm, SituationAnalysisForm
from .referral import OverdueReviewForm, ReferralForm

TASK_FORMS: dict[str, type[Form]] = {
    "situation_analysis": SituationAnalysisForm,
    "language_assessment": LanguageAssessmentForm,
    "referral": ReferralForm,
    "follow_up": FollowUpForm,
    "overdue_review": OverdueReviewForm,
}

__all__ = ["TASK_FORMS", "NewCaseForm"]
