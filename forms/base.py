"""The base of every form: WTForms' own messages follow the reader's language."""

from flask_babel import get_locale
from wtforms import Form
from wtforms.i18n import get_translations


class LocalizedForm(Form):
    """A plain WTForms form ("This field is required." becomes "Dieses Feld ist erforderlich.")."""

    class Meta:
        def get_translations(self, form):
            locale = get_locale()  # None outside a request: WTForms' English
            return get_translations([str(locale), "en"] if locale else ["en"])
