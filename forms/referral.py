"""Forms of the referral and its escalation."""

from wtforms import SelectField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional

from .base import LocalizedForm
from .choices import COURSE_TYPES, blank_first
from .i18n import lazy_gettext as _l


class ReferralForm(LocalizedForm):
    """Step "Referral": the course type; deviating from the recommendation needs a reason."""

    course_type = SelectField(_l("Course type referred to"),
                              description=_l("The course type the person is referred to; the "
                                             "booked seat's type, or else the recommended "
                                             "one, is preselected."),
                              choices=blank_first(COURSE_TYPES),
                              validators=[DataRequired()])
    override_reason = TextAreaField(
        _l("Reason for deviating from the recommendation"),
        description=_l("Required when the course type is none of the recommended ones."),
        validators=[Optional(), Length(max=2000)])


class OverdueReviewForm(LocalizedForm):
    """Step "Review overdue follow-up" (team lead): what was done about the late follow-up."""

    action = TextAreaField(_l("What was done about the overdue follow-up?"),
                           description=_l("E.g. called the person, asked the course provider, "
                                          "rescheduled."),
                           validators=[DataRequired(), Length(max=2000)])
