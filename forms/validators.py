"""Plausibility checks for dates: what has happened cannot lie ahead, and the reverse; and
no date lies so far off that it can only be a slip (year 1, year 9999)."""

from datetime import date

from wtforms.validators import Length, ValidationError

from .i18n import lazy_gettext as _l

EARLIEST = date(1900, 1, 1)  # no birth, document or notice of a living person is older
YEARS_AHEAD = 10  # how far ahead anything is planned: appointments, course starts


def latest(today: date) -> date:
    """The last plausible date of something planned from ``today``."""
    return date(today.year + YEARS_AHEAD, 12, 31)


def parse_day(text: str) -> date | None:
    """A day as the office writes it (12.04.1991) or as a date field sends it (1991-04-12);
    None if it is neither."""
    text = text.strip()
    try:
        return date.fromisoformat(text)
    except ValueError:
        pass
    try:
        day, month, year = text.split(".")
        return date(int(year), int(month), int(day)) if len(year) == 4 else None
    except ValueError:
        return None


def within_reach(day: date, today: date) -> bool:
    """Whether ``day`` is a plausible date of this application's records at all."""
    return EARLIEST <= day <= latest(today)


class NotInFuture:
    """A date of something that has happened (a birth, a notice given, a document issued)."""

    def __call__(self, form, field):
        if field.data and field.data > date.today():
            raise ValidationError(_l("This date lies in the future."))
        if field.data and field.data < EARLIEST:
            raise ValidationError(_l("This date lies too far in the past."))


class NotInPast:
    """A date of something still to come (the next appointment)."""

    def __call__(self, form, field):
        if field.data and field.data < date.today():
            raise ValidationError(_l("This date lies in the past."))
        if field.data and field.data > latest(date.today()):
            raise ValidationError(_l("This date lies too far in the future."))


class RecentOrPlanned:
    """A date from last year on, up to the planning horizon (a course's start)."""

    def __call__(self, form, field):
        today = date.today()
        if field.data and field.data < date(today.year - 1, 1, 1):
            raise ValidationError(_l("This date lies too far in the past."))
        if field.data and field.data > latest(today):
            raise ValidationError(_l("This date lies too far in the future."))


class LengthSaid(Length):
    """At most ``max`` characters, said by the server and not enforced by the browser: a
    browser's ``maxlength`` counts an emoji as two and cuts a pasted name silently."""

    def __init__(self, max: int):
        super().__init__(max=max, message=_l(
            "At most %(max)d characters, please: this has %(length)d."))
        self.field_flags = {}
