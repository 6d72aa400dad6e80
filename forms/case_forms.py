"""Forms that are not tied to a process step."""

from wtforms import DateField, EmailField, StringField
from wtforms.validators import DataRequired, Email, InputRequired, Length, Optional

from .base import LocalizedForm
from .control_characters import no_invisible_characters
from .i18n import lazy_gettext as _l
from .validators import LengthSaid, NotInFuture


class NewCaseForm(LocalizedForm):
    """Identity and contact basics: just enough to open a case and find duplicates."""

    # as long as the database's columns (models.Person); a longer name is refused, never cut
    given_names = StringField(_l("Given names"), validators=[
        DataRequired(), LengthSaid(200), no_invisible_characters])
    family_name = StringField(_l("Family name"), validators=[
        DataRequired(), LengthSaid(200), no_invisible_characters])
    # InputRequired, not DataRequired: a day that cannot be read says so, not "required";
    # the office's way of writing it is understood too.
    birth_date = DateField(_l("Date of birth"), format=["%Y-%m-%d", "%d.%m.%Y"],
                           validators=[InputRequired(), NotInFuture()])
    municipality = StringField(_l("Municipality"), validators=[DataRequired(), Length(max=120)])
    phone = StringField(_l("Phone"), validators=[Optional(), Length(max=60)])
    email = EmailField(_l("E-mail"), validators=[Optional(), Email(), Length(max=200)])
