"""Forms of the first-orientation interview."""

from flask_babel import lazy_gettext as _l
from wtforms import Form, IntegerField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional

from .choices import CEFR_LEVELS, LITERACY


class SituationAnalysisForm(Form):
    household = SelectField(_l("Household"), choices=[
        ("alone", _l("Lives alone")), ("partner", _l("With partner")),
        ("partner_children", _l("With partner and children")),
        ("single_parent", _l("Single parent")), ("other", _l("Other"))],
        validators=[DataRequired()])
    children_count = IntegerField(_l("Number of children"), default=0,
                                  validators=[InputRequired(), NumberRange(min=0, max=20)])
    schooling_years = IntegerField(_l("Years of schooling"),
                                   validators=[InputRequired(), NumberRange(min=0, max=30)])
    vocational_training = StringField(_l("Vocational training or degree"),
                                      validators=[Optional(), Length(max=300)])
    work_experience = TextAreaField(_l("Work experience"), validators=[Optional(),
                                                                       Length(max=2000)])
    goals = TextAreaField(_l("Goals and expectations (in the person's own words)"),
                          validators=[DataRequired(), Length(max=4000)])


class LanguageAssessmentForm(Form):
    german_level = SelectField(_l("German level (CEFR)"), choices=CEFR_LEVELS,
                               validators=[DataRequired()])
    literacy = SelectField(_l("Literacy"), choices=LITERACY, validators=[DataRequired()])
    other_languages = StringField(_l("Other languages"), validators=[Optional(),
                                                                     Length(max=300)])


class FollowUpForm(Form):
    course_status = SelectField(_l("Did the course start?"), choices=[
        ("started", _l("Started")), ("not_started", _l("Not started")),
        ("dropped_out", _l("Dropped out"))], validators=[DataRequired()])
    reason = TextAreaField(_l("Reason (if not started or dropped out)"),
                           validators=[Optional(), Length(max=2000)])

    def validate(self, extra_validators=None):
        ok = super().validate(extra_validators)
        if self.course_status.data in ("not_started", "dropped_out") and not self.reason.data:
            self.reason.errors.append(_l("Please give a reason."))
            ok = False
        return ok
