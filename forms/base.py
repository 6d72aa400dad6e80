"""The base of every form: WTForms' own messages follow the reader's language, every text
is normalized to NFC, and no text field takes invisible control characters."""

from flask_babel import get_locale
from wtforms import Form, StringField, TextAreaField
from wtforms.i18n import get_translations

from .control_characters import NoControlCharacters, nfc

SINGLE_LINE_CHECK = NoControlCharacters(multiline=False)
MULTI_LINE_CHECK = NoControlCharacters(multiline=True)


class LocalizedForm(Form):
    """A plain WTForms form ("This field is required." becomes "Dieses Feld ist erforderlich.")."""

    class Meta:
        def get_translations(self, form):
            locale = get_locale()  # None outside a request: WTForms' English
            return get_translations([str(locale), "en"] if locale else ["en"])

    def process(self, formdata=None, obj=None, data=None, extra_filters=None, **kwargs):
        filters = {name: list(f) for name, f in (extra_filters or {}).items()}
        for name, field in self._fields.items():
            if isinstance(field, StringField):
                filters.setdefault(name, []).append(nfc)
        super().process(formdata, obj, data, filters, **kwargs)

    def validate(self, extra_validators=None):
        extra = {name: list(validators) for name, validators in (extra_validators or {}).items()}
        for field in self:
            if isinstance(field, StringField):  # also text areas, e-mail and password fields
                check = MULTI_LINE_CHECK if isinstance(field, TextAreaField) else SINGLE_LINE_CHECK
                extra.setdefault(field.name, []).append(check)
        return super().validate(extra)
