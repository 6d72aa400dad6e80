"""Forms of the course catalogue (admins)."""

from wtforms import (
    BooleanField,
    DateField,
    FloatField,
    IntegerField,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange

from .base import LocalizedForm
from .choices import CEFR_A1_TO_C2, COURSE_TYPES, options
from .i18n import lazy_gettext as _l
from .validators import RecentOrPlanned

SCHEDULES = options(("full_time", _l("Full-time")), ("part_time", _l("Part-time")))
TIMES_OF_DAY = options(("mornings", _l("Mornings")), ("afternoons", _l("Afternoons")),
                       ("evenings", _l("Evenings")))


class ProviderForm(LocalizedForm):
    """A course provider; its coordinates give the distances the course ranking uses."""

    name = StringField(_l("Name"), validators=[DataRequired(), Length(max=200)])
    street = StringField(_l("Street and number"), validators=[DataRequired(), Length(max=200)])
    postcode = StringField(_l("Postcode"), validators=[DataRequired(), Length(max=10)])
    municipality = StringField(_l("Municipality"), validators=[DataRequired(), Length(max=120)])
    contact = StringField(_l("Contact (phone, e-mail)"),
                          validators=[DataRequired(), Length(max=300)])
    latitude = FloatField(_l("Latitude"), description=_l("For distances, e.g. 52.1497."),
                          validators=[InputRequired(), NumberRange(min=-90, max=90)])
    longitude = FloatField(_l("Longitude"), description=_l("For distances, e.g. 9.9510."),
                           validators=[InputRequired(), NumberRange(min=-180, max=180)])


class CourseForm(LocalizedForm):
    """A course of the catalogue; the view fills in the providers to choose from."""

    provider_id = SelectField(_l("Provider"), coerce=int, validators=[InputRequired()])
    course_type = SelectField(_l("Course type"), choices=COURSE_TYPES[:-1],
                              validators=[DataRequired()])
    title = StringField(_l("Title"), validators=[DataRequired(), Length(max=200)])
    target_level = SelectField(_l("Target level"), choices=CEFR_A1_TO_C2,
                               validators=[DataRequired()])
    start_date = DateField(_l("Start date"), validators=[DataRequired(), RecentOrPlanned()])
    schedule = SelectField(_l("Schedule"), choices=SCHEDULES, validators=[DataRequired()])
    time_of_day = SelectField(_l("Time of day"), choices=TIMES_OF_DAY,
                              validators=[DataRequired()])
    childcare = BooleanField(_l("Childcare offered"))
    location = StringField(_l("Location (address)"), validators=[DataRequired(),
                                                                  Length(max=300)])
    seats_total = IntegerField(_l("Seats"), validators=[InputRequired(),
                                                        NumberRange(min=1, max=60)])
    what_to_bring = TextAreaField(_l("What to bring (printed on the referral slip)"),
                                  validators=[Length(max=2000)])


class SeatsForm(LocalizedForm):
    """A course's new number of seats, changed from the catalogue page."""

    seats_total = IntegerField(_l("Seats"), validators=[InputRequired(),
                                                        NumberRange(min=0, max=60)])
