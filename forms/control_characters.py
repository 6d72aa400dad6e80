"""Invisible control characters in text: PostgreSQL refuses NUL, the others are junk."""

import re

from wtforms.validators import ValidationError

from .i18n import lazy_gettext as _l

# Unicode category Cc: C0 controls, DEL and C1 controls. A multi-line text keeps tab and
# line breaks; a single-line field has no use for them either.
_ANY_CONTROL = re.compile("[\x00-\x1f\x7f-\x9f]")
_CONTROL_BUT_LAYOUT = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")

MESSAGE = _l("Please remove invisible control characters from this field.")


def has_control_characters(text: str, *, multiline: bool) -> bool:
    """Whether ``text`` has control characters (multi-line: tab and line breaks allowed)."""
    pattern = _CONTROL_BUT_LAYOUT if multiline else _ANY_CONTROL
    return pattern.search(text) is not None


class NoControlCharacters:
    """Applied to every text field by ``LocalizedForm``, not per field."""

    def __init__(self, multiline: bool):
        self.multiline = multiline

    def __call__(self, form, field):
        if isinstance(field.data, str) and has_control_characters(field.data,
                                                                  multiline=self.multiline):
            raise ValidationError(MESSAGE)
