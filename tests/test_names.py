"""Names and dates at intake: NFC text, no invisible characters in names, look-alike
letters caught by the duplicate check and found by search, birth dates from 1900, an
unreadable date said so, and the other team's duplicate hint recorded."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import select

from caseapp.models import Person
from caseapp.services import cases
from tests.conftest import csrf_token
from tests.helpers import open_case
from tests.test_admin_users import events

BORN = date(1991, 4, 12)
# What a probe typed to slip a second "Amina Haddad" past the duplicate check.
HIDDEN_DUPLICATES = {
    "zero-width space": "Had\u200bdad",
    "right-to-left override": "\u202eHaddad",
    "Cyrillic capital En": "\u041daddad",
    "Greek capital Eta": "\u0397addad",
    "Cyrillic small a twice": "H\u0430dd\u0430d",
    "Cyrillic only": "\u041d\u0430dd\u0430d",
}


def intake(client, family_name: str, birth_date: str = "1991-04-12", **more):
    token = csrf_token(client.get("/cases/new").text)
    return client.post("/cases/new", data={"csrf_token": token, "given_names": "Amina",
                                           "family_name": family_name,
                                           "birth_date": birth_date,
                                           "municipality": "Hildesheim", **more})


@pytest.mark.parametrize("variant", HIDDEN_DUPLICATES.values(), ids=HIDDEN_DUPLICATES.keys())
def test_invisible_and_look_alike_letters_do_not_hide_a_duplicate(ctx, people, variant):
    known = open_case(ctx, people["anna"])
    [match] = cases.find_duplicates(ctx, people["ben"], "Amina", variant, BORN)
    assert match.case_id == known.id


def test_look_alike_letters_in_both_names_are_caught_too(ctx, people):
    open_case(ctx, people["anna"], given_names="Poppe", family_name="Oppor")
    # every letter Cyrillic: transliterated, 'Рорре' would read 'Rorre'
    assert cases.find_duplicates(ctx, people["ben"], "\u0420\u043e\u0440\u0440\u0435",
                                 "\u041e\u0440\u0440\u043e\u0433", BORN)
    assert not cases.find_duplicates(ctx, people["ben"], "Amina", "Haddad", BORN)


def test_a_name_with_look_alikes_at_intake_shows_the_duplicate_warning(ctx, login, people):
    open_case(ctx, people["anna"])
    shown = intake(login("ben"), "\u041d\u0430dd\u0430d")
    assert shown.status_code == 200 and "Possibly already known" in shown.text


def test_a_name_typed_with_look_alikes_is_found_by_what_it_shows(ctx, people):
    case = open_case(ctx, people["anna"], family_name="\u041daddad")
    assert [c.id for c in cases.search_cases(ctx, people["ben"], "Haddad")] == [case.id]
    assert [c.id for c in cases.search_cases(ctx, people["ben"], "Hadd")] == [case.id]


@pytest.mark.parametrize("language, message", [
    ("en", "Please remove invisible characters (such as zero-width spaces or "
           "writing-direction marks) from this name."),
    ("de", "Bitte entfernen Sie unsichtbare Zeichen (etwa Leerzeichen ohne Breite oder "
           "Schreibrichtungszeichen) aus diesem Namen.")])
@pytest.mark.parametrize("name", ["Had\u200bdad", "Haddad\u202e", "Ha\u2066dd\u2069ad",
                                  "\ufeffHaddad", "Had\u00addad"])
def test_invisible_characters_in_a_name_are_refused_with_a_clear_message(login, ctx, name,
                                                                         language, message):
    refused = intake(login("anna", language), name)
    assert refused.status_code == 422 and message in refused.text
    assert 'value="Hildesheim"' in refused.text  # nothing typed is lost
    ctx.session.rollback()
    assert ctx.session.scalars(select(Person)).all() == []


@pytest.mark.parametrize("name", ["Ha\x00ddad", "Ha\x1bddad", "Ha\x07ddad"])
def test_nul_esc_and_bel_in_a_name_are_refused(login, ctx, name):
    refused = intake(login("anna"), name)
    assert refused.status_code == 422
    assert "Please remove invisible control characters from this field." in refused.text


def test_names_are_stored_in_nfc(login, ctx, people):
    decomposed = "Jose\u0301 Mu\u0308ller"  # e + combining acute, u + combining diaeresis
    assert intake(login("anna"), decomposed).status_code == 302
    ctx.session.rollback()
    [family] = ctx.session.scalars(select(Person.family_name)).all()
    assert family == "José Müller" and len(family) == 11
    assert cases.search_cases(ctx, people["anna"], "Müller")


@pytest.mark.parametrize("born, status", [("1899-12-31", 422), ("1800-01-01", 422),
                                          ("0001-01-01", 422), ("1900-01-01", 302),
                                          ("12.04.1991", 302)])
def test_birth_dates_from_1900_on(login, born, status):
    answer = intake(login("anna"), "Haddad", born)
    assert answer.status_code == status
    if status == 422:
        assert "This date lies too far in the past." in answer.text


@pytest.mark.parametrize("language, message", [("en", "Not a valid date value."),
                                               ("de", "Kein gültiges Datum.")])
@pytest.mark.parametrize("born", ["1991-13-45", "kein Datum", "31.02.1991"])
def test_an_unreadable_birth_date_says_so(login, language, message, born):
    answer = intake(login("anna", language), "Haddad", born)
    assert answer.status_code == 422 and message in answer.text
    assert "This field is required." not in answer.text
    assert "Dieses Feld ist erforderlich." not in answer.text
    assert f'value="{born}"' in answer.text


def test_the_other_teams_duplicate_hint_is_recorded_without_personal_data(ctx, people):
    open_case(ctx, people["sami"])  # team Süd
    [hint] = cases.find_duplicates(ctx, people["anna"], "Amina", "Haddad", BORN)
    assert (hint.case_id, hint.number, hint.name) == (None, None, None)
    [event] = events(ctx, "duplicate_hint_elsewhere")
    assert (event.actor_id, event.details, event.change_digest) == (
        people["anna"].id, {"matches": 1}, None)
    assert cases.find_duplicates(ctx, people["sami"], "Amina", "Haddad", BORN)  # own team
    assert len(events(ctx, "duplicate_hint_elsewhere")) == 1
