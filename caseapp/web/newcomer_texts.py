"""Texts for newcomers in German and their own language, from the repository's catalogues
of the domain "newcomer" (never a translation service): words, labels of codes, dates."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from functools import cache

from babel import Locale
from babel.dates import format_date
from babel.support import Translations
from flask import Flask, current_app

from caseapp.config import NEWCOMER_DOMAIN, TRANSLATIONS_DIR, parse_newcomer_languages
from forms.choices import offer_written_languages

from .newcomer_labels import NEWCOMER_LABELS

GERMAN = "de"


@cache
def _catalogue(code: str) -> Translations:
    return Translations.load(str(TRANSLATIONS_DIR), [code], domain=NEWCOMER_DOMAIN)


@dataclass(frozen=True)
class NewcomerTexts:
    """One language's newcomer texts: ``texts("Course")``, ``texts.label("schedule", code)``."""

    code: str

    @property
    def direction(self) -> str:
        """Right to left (rtl) for Arabic, Farsi ... as CLDR's character order says."""
        return "rtl" if Locale.parse(self.code).character_order == "right-to-left" else "ltr"

    @property
    def name(self) -> str:
        """The language's name in itself (العربية, Українська)."""
        name = Locale.parse(self.code).display_name
        return name[:1].upper() + name[1:]

    def __call__(self, message: str) -> str:
        return _catalogue(self.code).ugettext(message)

    def label(self, vocabulary: str, code: str) -> str:
        message = NEWCOMER_LABELS[vocabulary].get(code)
        return self(message) if message else code

    def day(self, value: date, format: str = "full") -> str:
        """A calendar day as CLDR writes it in this language."""
        return format_date(value, format, locale=self.code)


def newcomer_languages() -> tuple[NewcomerTexts, ...]:
    """German, then the configured newcomer languages (ANKOMMEN_NEWCOMER_LANGUAGES)."""
    return current_app.extensions["newcomer_languages"]


def newcomer_language(code: str | None) -> NewcomerTexts | None:
    """The language of this code if it is offered, else None."""
    return next((language for language in newcomer_languages() if language.code == code), None)


def init_app(app: Flask) -> None:
    """Check the configured languages (a wrong one stops the start) and offer them in the
    interview for printed information."""
    codes = parse_newcomer_languages(app.config["NEWCOMER_LANGUAGES"])
    languages = tuple(map(NewcomerTexts, (GERMAN, *codes)))
    app.extensions["newcomer_languages"] = languages
    offer_written_languages((texts.code, texts.name, texts.direction)
                            for texts in languages[1:])
