"""Invisible characters in text: control characters (PostgreSQL refuses NUL, the others
are junk) everywhere, and in names also the invisible format characters (zero-width
spaces and joiners, direction marks and overrides), which could hide a duplicate."""

import re
import unicodedata

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


NAME_MESSAGE = _l("Please remove invisible characters (such as zero-width spaces or "
                  "writing-direction marks) from this name.")


def has_invisible_characters(text: str) -> bool:
    """Whether ``text`` has a format character (Unicode category Cf: zero-width space and
    joiners, soft hyphen, left-to-right and right-to-left marks, embeddings, overrides and
    isolates, the byte order mark)."""
    return any(unicodedata.category(char) == "Cf" for char in text)


def no_invisible_characters(form, field):
    """For names: nothing in them that the reader cannot see."""
    if isinstance(field.data, str) and has_invisible_characters(field.data):
        raise ValidationError(NAME_MESSAGE)


def nfc(value):
    """Text in one normal form (NFC), so that 'é' typed as one or as two code points is
    the same name, in the database and in every comparison."""
    return unicodedata.normalize("NFC", value) if isinstance(value, str) else value
