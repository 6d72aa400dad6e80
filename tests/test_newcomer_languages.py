"""The newcomers' languages: a setting checked at start-up, a complete catalogue of the
newcomer texts for each, right to left where CLDR says so, and the interview's choice."""

from __future__ import annotations

import re
from datetime import date
from pathlib import Path

import pytest
from babel.messages.frontend import CommandLineInterface
from babel.messages.pofile import read_po

from caseapp import create_app
from caseapp.config import Config, ConfigurationError
from caseapp.web.newcomer_texts import NewcomerTexts
from forms import PersonForm
from tests.conftest import TestConfig

ROOT = Path(__file__).resolve().parent.parent
TRANSLATIONS = ROOT / "caseapp" / "translations"
ALL = ("de", *Config.NEWCOMER_LANGUAGES.split(","))


@pytest.fixture(scope="module")
def extracted(tmp_path_factory):
    """What `make messages` extracts as newcomer texts from the code as it is now."""
    template = tmp_path_factory.mktemp("newcomer") / "newcomer.pot"
    with pytest.MonkeyPatch.context() as patch:
        patch.chdir(ROOT)
        patch.setenv("BABEL_PYPROJECT_TOML", "caseapp/translations/newcomer.toml")
        CommandLineInterface().run(["pybabel", "-q", "extract", "-o", str(template)])
    with template.open("rb") as source:
        return [message.id for message in read_po(source) if message.id]


def test_the_default_languages_are_the_usual_ones_of_the_network():
    assert ALL == ("de", "en", "ar", "fa", "uk", "ru", "tr")


@pytest.mark.parametrize("code", ALL)
def test_every_newcomer_text_is_translated_in_every_language(code, extracted):
    """No empty or fuzzy entry, and nothing extracted is missing from the catalogue."""
    with (TRANSLATIONS / code / "LC_MESSAGES" / "newcomer.po").open("rb") as source:
        catalogue = read_po(source, locale=code)
    assert len(extracted) > 30
    missing = [message for message in extracted
               if catalogue.get(message) is None or catalogue.get(message).fuzzy
               or not catalogue.get(message).string]
    assert missing == []


def test_the_newcomer_texts_leave_the_staff_catalogue_alone():
    """The Arabic translator sees only the newcomer texts; the staff UI has German only."""
    assert sorted(p.parent.parent.name for p in TRANSLATIONS.glob("*/LC_MESSAGES/messages.po")) \
        == ["de"]


@pytest.mark.parametrize("code, direction, name", [
    ("ar", "rtl", "العربية"), ("fa", "rtl", "فارسی"), ("uk", "ltr", "Українська"),
    ("ru", "ltr", "Русский"), ("tr", "ltr", "Türkçe"), ("en", "ltr", "English")])
def test_each_language_is_named_in_itself_and_knows_its_direction(code, direction, name):
    texts = NewcomerTexts(code)
    assert (texts.direction, texts.name) == (direction, name)


def test_labels_and_days_are_in_the_language(app):
    arabic = NewcomerTexts("ar")
    assert arabic("Please bring") == "يرجى إحضار"
    assert arabic.label("schedule", "part_time") == "دوام جزئي"
    assert "مارس" in arabic.day(date(2027, 3, 1))
    assert NewcomerTexts("de").day(date(2027, 3, 1)) == "Montag, 1. März 2027"


@pytest.mark.parametrize("setting", ["en,xx", "en,fr", "de,ar", "en,../ar"])
def test_an_unknown_or_uncatalogued_language_stops_the_start(setting, tmp_path):
    """A code Babel does not know, one without a catalogue, or German (always printed)."""
    with pytest.raises(ConfigurationError, match="ANKOMMEN_NEWCOMER_LANGUAGES"):
        create_app(TestConfig(), SQLALCHEMY_URL=f"sqlite:///{tmp_path / 'x.db'}",
                   INSTANCE_DIR=tmp_path, NEWCOMER_LANGUAGES=setting)


def test_the_interview_offers_the_configured_languages_by_their_own_names(app):
    with app.test_request_context():
        select = str(PersonForm().written_language)
    assert re.findall(r'value="(\w*)"', select) == ["", "de", "en", "ar", "fa", "uk", "ru", "tr"]
    assert re.search(r'<option (?=[^>]*dir="rtl")(?=[^>]*lang="ar")[^>]*>العربية</option>',
                     select)


def test_the_language_for_printed_information_is_optional(app):
    from werkzeug.datastructures import MultiDict

    from tests.factories import posted
    with app.test_request_context():
        without = PersonForm(MultiDict(posted("person", written_language="")))
        unknown = PersonForm(MultiDict(posted("person", written_language="xx")))
        assert without.validate() and not unknown.validate()
        assert unknown.written_language.errors
