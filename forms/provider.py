"""Forms of a course provider's staff: what they confirm of a participant, and their own
courses' dates, times and seats. (Whether a confirmed day may be so, not in the future
and in order, the service decides by the office's day.)"""

from wtforms import DateField, IntegerField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional

from domain.vocabulary import DROP_OUT_REASON_LABELS, CivicTestResult

from .base import LocalizedForm
from .catalogue import SCHEDULES, TIMES_OF_DAY
from .choices import COURSE_RESULTS, blank_first, options
from .i18n import lazy_gettext as _l
from .validators import RecentOrPlanned

DROP_OUT_REASONS = options(*((code.value, _l(label))
                             for code, label in DROP_OUT_REASON_LABELS.items()))
CIVIC_TEST_RESULTS = options((CivicTestResult.PASSED.value, _l("Passed")),
                             (CivicTestResult.NOT_PASSED.value, _l("Not passed")))


class RegistrationForm(LocalizedForm):
    """The provider registered the person for the course."""

    registered_on = DateField(_l("Registered on"), validators=[InputRequired()])


class StartForm(LocalizedForm):
    """The person started the course: answers the counsellor's follow-up."""

    started_on = DateField(_l("Started on"), validators=[InputRequired()])


class DropOutForm(LocalizedForm):
    """The person left the course early: the day and a reason category, nothing more."""

    dropped_out_on = DateField(_l("Left on"), validators=[InputRequired()])
    drop_out_reason = SelectField(_l("Reason"), choices=blank_first(DROP_OUT_REASONS),
                                  description=_l("Categories only: never write down health "
                                                 "or other sensitive details."),
                                  validators=[DataRequired()])


class ExamForm(LocalizedForm):
    """The final tests' results where known (either may stay open)."""

    dtz_result = SelectField(_l("German test for immigrants (DTZ)"),
                             choices=blank_first(COURSE_RESULTS), validators=[Optional()])
    civic_test_result = SelectField(_l("“Leben in Deutschland” test"),
                                    choices=blank_first(CIVIC_TEST_RESULTS),
                                    validators=[Optional()])


class CourseDetailsForm(LocalizedForm):
    """What a provider keeps up to date of its own course."""

    title = StringField(_l("Title"), validators=[DataRequired(), Length(max=200)])
    start_date = DateField(_l("Start date"), validators=[DataRequired(), RecentOrPlanned()])
    schedule = SelectField(_l("Schedule"), choices=SCHEDULES, validators=[DataRequired()])
    time_of_day = SelectField(_l("Time of day"), choices=TIMES_OF_DAY,
                              validators=[DataRequired()])
    location = StringField(_l("Location (address)"), validators=[DataRequired(),
                                                                  Length(max=300)])
    seats_total = IntegerField(_l("Seats"), description=_l("Free seats go to who waits."),
                               validators=[InputRequired(), NumberRange(min=0, max=60)])
    what_to_bring = TextAreaField(_l("What to bring (printed on the referral slip)"),
                                  validators=[Length(max=2000)])
