"""A course provider's staff on the web: its pages show its own courses' seats and of each
person only what they agreed to share; every other page of the whole URL map shows them
nothing and every other write refuses them; the counsellor sees what was confirmed."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from caseapp.models import AuditEvent, Referral
from caseapp.services import referrals, users
from caseapp.services.actor import SYSTEM
from tests.conftest import PASSWORD, csrf_token
from tests.factories import ANSWERS, PERSON, posted
from tests.helpers import add_course, at_referral, ready_task
from tests.test_providers import EMAIL, PHONE, referred
from tests.test_read_only import fingerprint
from tests.url_walk import CASE_PAGES, walk


@pytest.fixture
def petra(ctx, places, people):
    users.create_user(ctx, SYSTEM, username="petra", display_name="Petra Lange",
                      password=PASSWORD, role="provider", team_name=None,
                      provider_id=places["vhs"])
    return "petra"


@pytest.fixture
def district(ctx, people, places):
    """A seat at the VHS for a person who shares name and contact, one at Alfeld, and an
    unreferred case: what the provider may see and what it may not."""
    anna = people["anna"]
    vhs = add_course(ctx, places["vhs"], title="Integrationskurs VHS", days=10)
    alfeld = add_course(ctx, places["alfeld"], title="Integrationskurs Alfeld")
    own_case, own_seat = referred(ctx, anna, vhs, contact=True)
    other_case, other_seat = referred(ctx, anna, alfeld, contact=True, family_name="Anderswo",
                                      given_names="Jelena")
    unreferred = at_referral(ctx, anna, family_name="Ohnekurs", given_names="Farid")
    return {"vhs": vhs, "alfeld": alfeld, "own_case": own_case, "own_seat": own_seat,
            "other_case": other_case, "other_seat": other_seat, "unreferred": unreferred}


def test_a_provider_sees_nothing_beyond_its_seats_and_the_agreed_fields(app, ctx, login,
                                                                        people, petra,
                                                                        district):
    own_name = f"{PERSON['given_names']} {PERSON['family_name']}"
    never_anywhere = ["Anderswo", "Jelena", "Ohnekurs", "Farid", ANSWERS["person"]["address"],
                      PERSON["birth_date"].strftime("%d.%m.%Y"), "12.04.1991", "1991-04-12",
                      ANSWERS["person"]["place_of_birth"], "Schneiderin"]
    client = login(petra)
    ids = {"case_id": district["own_case"], "referral_id": district["own_seat"],
           "course_id": district["vhs"], "task_id": 1, "user_id": people["anna"].id,
           "team_id": people["anna"].team_id, "grant_id": 1, "offer_id": 1,
           "indicator": "intakes"}

    course_page = client.get(f"/provider/courses/{district['vhs']}")
    assert course_page.status_code == 200
    assert own_name in course_page.text and PHONE in course_page.text
    seat_page = client.get(f"/provider/referrals/{district['own_seat']}")
    assert seat_page.status_code == 200
    assert own_name in seat_page.text and PHONE in seat_page.text and EMAIL in seat_page.text
    for foreign in (f"/provider/courses/{district['alfeld']}",
                    f"/provider/referrals/{district['other_seat']}"):
        assert client.get(foreign).status_code == 404

    token = csrf_token(course_page.text)
    before = fingerprint(ctx)

    def not_outside_the_providers_pages(rule, url, page):
        if not rule.endpoint.startswith("provider."):
            assert own_name not in page.text and PHONE not in page.text, url
            assert page.status_code in (200, 204, 302, 403, 404), url

    seen_gets, refused_writes = walk(
        app, client, ids, never=never_anywhere, refused=CASE_PAGES, own=("provider.",),
        check=not_outside_the_providers_pages,
        form={"csrf_token": token, "case_id": district["own_case"], "reason": "x",
              "course_id": district["vhs"], "seats_total": 60, "status": "done",
              "to_user": people["anna"].id, **posted("follow_up")})
    assert len(seen_gets) >= 20 and len(refused_writes) >= 20
    assert fingerprint(ctx) == before
    ctx.session.rollback()
    written = set(ctx.session.scalars(select(AuditEvent.type).where(
        AuditEvent.actor_id == ctx.session.scalar(
            select(users.User.id).where(users.User.username == "petra")))))
    assert written <= {"login", "case_viewed"}


def test_the_provider_confirms_and_the_counsellor_sees_it_on_the_case(app, ctx, login,
                                                                      people, petra,
                                                                      district, clock):
    clock.advance(days=11)
    client = login(petra)
    seat = district["own_seat"]
    page = client.get(f"/provider/referrals/{seat}")
    token = csrf_token(page.text)
    future = (clock.current + timedelta(days=2)).date().isoformat()
    refused = client.post(f"/provider/referrals/{seat}/start",
                          data={"csrf_token": token, "started_on": future})
    assert refused.status_code == 422 and "in the future" in refused.text
    assert f'value="{future}"' in refused.text  # the input is kept
    started = (clock.current - timedelta(days=1)).date()
    done = client.post(f"/provider/referrals/{seat}/start",
                       data={"csrf_token": token, "started_on": started.isoformat()},
                       follow_redirects=True)
    assert done.status_code == 200 and "follow-up was answered" in done.text
    ctx.session.rollback()
    assert ctx.session.get(Referral, seat).started_on == started

    counsellor = login("anna")
    case_page = counsellor.get(f"/cases/{district['own_case']}")
    assert "Started on" in case_page.text and "confirmed by the provider" in case_page.text
    home = counsellor.get("/")
    assert f"/cases/{district['own_case']}/tasks/" not in home.text  # nothing left to ask
    assert ready_task(ctx, district["own_case"]) is None


def test_a_provider_keeps_a_course_on_its_page(app, ctx, login, people, petra, district):
    client = login(petra)
    page = client.get(f"/provider/courses/{district['vhs']}")
    token = csrf_token(page.text)
    form = {"csrf_token": token, "title": "Integrationskurs VHS abends",
            "start_date": "2026-04-01", "schedule": "part_time", "time_of_day": "evenings",
            "location": "Pfaffenstieg 4, 31134 Hildesheim", "what_to_bring": "Pass"}
    too_small = client.post(f"/provider/courses/{district['vhs']}",
                            data={**form, "seats_total": "0"})
    assert too_small.status_code == 422 and "seats are taken" in too_small.text
    saved = client.post(f"/provider/courses/{district['vhs']}",
                        data={**form, "seats_total": "14"}, follow_redirects=True)
    assert saved.status_code == 200 and "Course saved" in saved.text
    assert "Integrationskurs VHS abends" in client.get("/provider/").text
    other = client.post(f"/provider/courses/{district['alfeld']}",
                        data={**form, "seats_total": "14"})
    assert other.status_code == 404


def test_waiting_demand_page_shows_counts_only(app, ctx, login, people, places, petra):
    anna = people["anna"]
    for n in range(3):
        case_id = at_referral(ctx, anna, family_name=f"Wartend{n}")
        referrals.join_waiting_list(ctx, anna, case_id, provider_id=places["alfeld"],
                                    course_type="integrationskurs")
    page = login(petra).get("/provider/demand")
    assert page.status_code == 200
    assert "fewer than 5" in page.text and "Wartend" not in page.text


def test_an_admin_creates_a_providers_account_on_the_users_page(app, ctx, login, places):
    client = login("adam")
    token = csrf_token(client.get("/admin/users").text)
    form = {"csrf_token": token, "username": "kurs.vhs", "display_name": "Petra Lange",
            "role": "provider", "team_id": "", "password": "provider-pass-1",
            "confirmation": "provider-pass-1"}
    missing = client.post("/admin/users", data={**form, "provider_id": ""})
    assert missing.status_code == 422 and "belong to a provider" in missing.text
    made = client.post("/admin/users", data={**form, "provider_id": str(places["vhs"])},
                       follow_redirects=True)
    assert made.status_code == 200 and "User kurs.vhs created." in made.text
    provider_home = app.test_client()
    provider_home.environ_base["HTTP_ACCEPT_LANGUAGE"] = "en"
    login_page = provider_home.get("/login")
    response = provider_home.post("/login", data={
        "username": "kurs.vhs", "password": "provider-pass-1",
        "csrf_token": csrf_token(login_page.text)}, follow_redirects=True)
    assert response.status_code == 200 and "Our courses" in response.text


def test_the_follow_up_answer_names_the_provider_in_the_history(app, ctx, login, people,
                                                                petra, district, clock):
    clock.advance(days=11)
    client = login(petra)
    seat = district["own_seat"]
    token = csrf_token(client.get(f"/provider/referrals/{seat}").text)
    client.post(f"/provider/referrals/{seat}/start",
                data={"csrf_token": token,
                      "started_on": (clock.current - timedelta(days=1)).date().isoformat()})
    history = login("ida").get(f"/audit/cases/{district['own_case']}").text
    assert "Course start confirmed by the provider" in history
    assert "Petra Lange" in history
