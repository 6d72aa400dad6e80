"""The form of another offer of the network (admins); the view fills in the municipalities."""

from wtforms import SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional

from domain.vocabulary import NetworkOfferKind

from .base import LocalizedForm
from .choices import blank_first, options
from .i18n import lazy_gettext as _l

NETWORK_OFFER_KINDS = options(
    (NetworkOfferKind.VOLUNTEER_GERMAN_GROUP.value, _l("Volunteer German group")),
    (NetworkOfferKind.COUNSELLING.value, _l("Counselling service")),
    (NetworkOfferKind.OTHER.value, _l("Other offer")))


class NetworkOfferForm(LocalizedForm):
    """Shown to the public as entered (in German): name, kind, where, when, how to reach."""

    name = StringField(_l("Name"), validators=[DataRequired(), Length(max=200)])
    kind = SelectField(_l("Kind of offer"), choices=blank_first(NETWORK_OFFER_KINDS),
                       validators=[DataRequired()])
    municipality = SelectField(_l("Municipality"), validators=[DataRequired()])
    description = TextAreaField(_l("Description"),
                                description=_l("Shown as entered: short and plain."),
                                validators=[Optional(), Length(max=1000)])
    schedule = StringField(_l("When"), description=_l("E.g. “Tuesdays 17–19 h”."),
                           validators=[Optional(), Length(max=300)])
    address = StringField(_l("Address"), validators=[Optional(), Length(max=300)])
    contact = StringField(_l("Contact (phone, e-mail)"),
                          validators=[Optional(), Length(max=300)])
