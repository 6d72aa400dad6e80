"""The public offers at /offers and /offers.json: no login, per municipality, whether places
are free, in the newcomers' languages, and nothing about any person."""

from __future__ import annotations

import json
import re
from datetime import timedelta

import pytest

from caseapp.models import Provider
from caseapp.services import referrals, users
from caseapp.services.public_offers import places as places_word
from tests.helpers import add_course, at_referral, complete_until, open_case

LANGUAGES = ("de", "en", "ar", "fa", "uk", "ru", "tr")


@pytest.fixture
def anonymous(app):
    return app.test_client()


@pytest.fixture
def offered(ctx, places):
    """A course with free seats in Hildesheim, a full one in Alfeld, one long past."""
    return {"free": add_course(ctx, places["vhs"], seats=12, title="Integrationskurs am Markt"),
            "full": add_course(ctx, places["alfeld"], seats=1, course_type="alphabetisierung",
                               title="Alpha-Kurs Alfeld"),
            "past": add_course(ctx, places["vhs"], days=-40, title="Kurs vom Winter")}


def test_anyone_reads_the_offers_without_logging_in(anonymous, offered):
    page = anonymous.get("/offers")
    assert page.status_code == 200
    assert "Kurse und Angebote für Neuzugewanderte" in page.text
    assert "Integrationskurs am Markt" in page.text and "Alpha-Kurs Alfeld" in page.text
    assert "Kurs vom Winter" not in page.text  # started more than four weeks ago
    assert page.headers["Cache-Control"] == "public, max-age=300"
    feed = anonymous.get("/offers.json")
    assert feed.status_code == 200 and feed.headers["Access-Control-Allow-Origin"] == "*"


def course_row(html: str, course_id: int) -> str:
    return re.search(rf'<tr class="course" data-course="{course_id}">(.*?)</tr>', html,
                     re.S).group(1)


def test_free_places_and_a_full_course_are_told_apart(ctx, people, anonymous, offered):
    anna = people["anna"]
    referrals.book_seat(ctx, anna, at_referral(ctx, anna), offered["full"])
    page = anonymous.get("/offers").text
    assert "Plätze frei" in course_row(page, offered["free"])
    assert "Warteliste" in course_row(page, offered["full"])
    arabic = anonymous.get("/offers?lang=ar").text
    assert "توجد أماكن شاغرة" in course_row(arabic, offered["free"])
    assert "قائمة الانتظار" in course_row(arabic, offered["full"])
    feed = anonymous.get("/offers.json?lang=uk").json
    by_id = {c["id"]: c for m in feed["municipalities"] for c in m["courses"]}
    assert by_id[offered["free"]]["places"] == {"code": "free", "label": "Є вільні місця"}
    assert by_id[offered["full"]]["places"]["code"] == "waiting_list"


@pytest.mark.parametrize("free, word", [(0, "waiting_list"), (1, "few"), (3, "few"),
                                        (4, "free")])
def test_few_places_are_three_or_fewer(free, word):
    assert places_word(free) == word


def test_one_municipality_can_be_chosen_and_an_unknown_one_is_refused(anonymous, offered):
    alfeld = anonymous.get("/offers?municipality=Alfeld").text
    assert "Alpha-Kurs Alfeld" in alfeld and "Integrationskurs am Markt" not in alfeld
    feed = anonymous.get("/offers.json?municipality=Alfeld").json
    assert [m["name"] for m in feed["municipalities"]] == ["Alfeld"]
    unknown = anonymous.get("/offers?municipality=Atlantis", headers={"Accept-Language": "de"})
    assert unknown.status_code == 404
    assert "Für diese Kommune sind keine Angebote eingetragen." in unknown.text


def test_the_page_speaks_each_language_and_arabic_right_to_left(anonymous, offered):
    for code in LANGUAGES:
        page = anonymous.get(f"/offers?lang={code}").text
        direction = "rtl" if code in ("ar", "fa") else "ltr"
        assert f'<html lang="{code}" dir="{direction}">' in page
    arabic = anonymous.get("/offers?lang=ar").text
    assert "دورات وعروض للقادمين الجدد" in arabic
    # what the provider entered is shown as entered, marked German
    assert '<span lang="de" dir="ltr">Integrationskurs am Markt</span>' in arabic
    refused = anonymous.get("/offers?lang=xx", headers={"Accept-Language": "de"})
    assert refused.status_code == 400 and "nicht in dieser Sprache" in refused.text
    assert anonymous.get("/offers.json?lang=fr").status_code == 400


def test_an_inactive_providers_courses_are_not_offered(ctx, anonymous, offered, places):
    ctx.session.get(Provider, places["alfeld"]).active = False  # as the seed data may have it
    ctx.session.commit()
    page = anonymous.get("/offers").text
    assert "Alpha-Kurs Alfeld" not in page and "Integrationskurs am Markt" in page


def test_the_feed_has_stable_fields_codes_with_labels_and_iso_dates(ctx, anonymous, offered):
    feed = anonymous.get("/offers.json?lang=ar")
    assert feed.mimetype == "application/json"
    document = feed.json
    assert set(document) == {"generated_at", "language", "office", "municipalities"}
    assert document["language"] == "ar"
    assert document["generated_at"].startswith(ctx.now().date().isoformat())
    hildesheim = next(m for m in document["municipalities"] if m["name"] == "Hildesheim")
    course = next(c for c in hildesheim["courses"] if c["id"] == offered["free"])
    # exactly these fields: whether places are free, never how many seats are taken
    assert course == {
        "id": offered["free"], "title": "Integrationskurs am Markt", "target_level": "B1",
        "type": {"code": "integrationskurs", "label": "دورة الاندماج"},
        "start_date": (ctx.now().date() + timedelta(days=20)).isoformat(), "started": False,
        "schedule": {"code": "full_time", "label": "دوام كامل"},
        "time_of_day": {"code": "mornings", "label": "صباحاً"}, "childcare": False,
        "provider": {"name": "VHS", "contact": "05121 1"},
        "address": "Pfaffenstieg 4, 31134 Hildesheim",
        "places": {"code": "free", "label": "توجد أماكن شاغرة"}}


def test_the_public_pages_are_no_write_endpoints_and_carry_the_security_headers(app, login):
    for path in ("/offers", "/offers.json"):
        response = app.test_client().get(path)
        assert "frame-ancestors 'none'" in response.headers["Content-Security-Policy"]
        assert response.headers["X-Content-Type-Options"] == "nosniff"
        assert "Set-Cookie" not in response.headers  # nothing of a visitor in a shared cache
        assert app.test_client().post(path).status_code == 405
        # a logged-in reader's copy stays out of shared caches
        assert login("anna").get(path).headers["Cache-Control"] == "no-store"


# People with distinctive names and contacts, seated and waiting: none of it may show.
NEWCOMERS = [
    {"given_names": "Zuleikha", "family_name": "Quernheimer-Oyelaran"},
    {"given_names": "Bartholomäus", "family_name": "Wrzesniewski"},
]
PHONES = ["0176 4440917", "0151 8883226"]
EMAILS = ["zuleikha.q@example.org", "b.wrz@example.org"]


def test_no_person_shows_on_the_public_page_in_any_language_nor_in_the_feed(
        ctx, people, anonymous, offered):
    anna = people["anna"]
    users.update_user(ctx, people["adam"], anna.id, display_name="Anna Kowalczyk-Berger",
                      role=anna.role, team_id=anna.team_id, work_phone="05121 309-777",
                      work_email="a.kowalczyk@landkreis.example")
    secrets = ["Anna Kowalczyk-Berger", "309-777", "a.kowalczyk"]
    for person, phone, email, course in zip(NEWCOMERS, PHONES, EMAILS,
                                            (offered["free"], offered["full"]), strict=True):
        case = open_case(ctx, anna, **person)
        complete_until(ctx, anna, case.id, "language_literacy", person={
            "phone": phone, "email": email, "share_with_course_provider": "name_and_contact"})
        referrals.book_seat(ctx, anna, case.id, course)
        secrets += [*person.values(), phone, email, case.number]
    waiting = open_case(ctx, anna, given_names="Oluwaseun", family_name="Tiefenbrunner")
    complete_until(ctx, anna, waiting.id, "language_literacy")
    referrals.join_waiting_list(ctx, anna, waiting.id, course_id=offered["full"])
    secrets += ["Oluwaseun", "Tiefenbrunner", waiting.number]
    bodies = [anonymous.get(f"/offers?lang={code}").text for code in LANGUAGES]
    bodies += [anonymous.get(f"/offers.json?lang={code}").get_data(as_text=True)
               for code in LANGUAGES]
    bodies.append(json.dumps(anonymous.get("/offers.json").json, ensure_ascii=False))
    for body in bodies:
        for secret in secrets:
            assert secret not in body, secret
