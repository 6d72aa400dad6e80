"""Plausibility checks for dates: what has happened cannot lie ahead, and the reverse."""

from datetime import date

from flask_babel import lazy_gettext as _l
from wtforms.validators import ValidationError


class NotInFuture:
    """A date of something that has happened (a notice given, a document issued)."""

    def __call__(self, form, field):
        if field.data and field.data > date.today():
            raise ValidationError(_l("This date lies in the future."))


class NotInPast:
    """A date of something still to come (the next appointment)."""

    def __call__(self, form, field):
        if field.data and field.data < date.today():
            raise ValidationError(_l("This date lies in the past."))
