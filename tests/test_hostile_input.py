"""Hostile input: the whole URL map as every role with hostile ids and parameters answers
no 5xx, and a refused POST has committed nothing."""

from __future__ import annotations

from flask import render_template
from sqlalchemy import func, select
from werkzeug.datastructures import MultiDict

from caseapp.models import AuditEvent, Case, Referral
from caseapp.services import network_offers, referrals, users
from caseapp.services.actor import SYSTEM
from forms import TASK_FORMS, NewCaseForm
from forms.catalogue import CourseForm, ProviderForm, SeatsForm
from forms.interview import GoalsPlanForm, PersonForm, PracticalForm
from forms.network_offers import NetworkOfferForm
from forms.users import EditUserForm, NewTeamForm, NewUserForm, PasswordForm
from tests.conftest import PASSWORD, csrf_token
from tests.helpers import add_course, at_referral, open_case, ready_task
from tests.test_read_only import fingerprint

ROLES = ("anna", "lea", "ida", "adam", None)  # counsellor, team lead, auditor, admin, anonymous
HOSTILE_IDS = (0, -1, 2**31, 2**63 + 1, 10**30)
READ_EVENTS = {"case_viewed", "cases_searched"}
FORM_FIELDS = {field.name for form in (*TASK_FORMS.values(), NewCaseForm, CourseForm,
                                       ProviderForm, SeatsForm, EditUserForm, NewTeamForm,
                                       NewUserForm, PasswordForm, NetworkOfferForm)
               for field in form()}
# What views read beside the forms: ids, reasons and notes, choices, filters, log-in.
RAW_PARAMETERS = {"case_id", "course_id", "provider_id", "to_user", "from_user", "to_team",
                  "row_version", "course_type", "offer", "note", "status", "reason",
                  "decision", "active", "confirm_new", "q", "page", "actor", "type", "case",
                  "from", "to", "step", "municipality", "due_before", "assignee", "username",
                  "password", "locale", "next", "lang"}
ID_PARAMETERS = {"case_id", "course_id", "provider_id", "to_user", "from_user", "to_team",
                 "row_version", "actor"}
# Plausible values, so that a request gets past its first check to the one under test.
PLAUSIBLE = {"status": "done", "offer": "kita", "decision": "accept", "locale": "en",
             "active": "1"}

HOSTILE_TEXTS = {
    "NUL byte": "Am\x00ina",
    "control characters": "a\x07\x1b[2J\x7f\x85b",
    "year 1": "0001-01-01",
    "year 9999": "9999-12-31",
    "very long": "x" * 5000,
    "digits that int() refuses": "²³",
}
HOSTILE_NUMBERS = {"2**31": str(2**31), "2**63 + 1": str(2**63 + 1), "10**30": str(10**30),
                   "negative": "-1"}


def parameters(kind: str, ids: dict) -> dict[str, str]:
    """Every parameter any route reads, hostile by ``kind``. Hostile text comes with real
    ids, so it reaches the code that stores it; the form key stays valid, so the step's
    form is what gets checked."""
    names = FORM_FIELDS | RAW_PARAMETERS
    if kind == "nothing":
        return {}
    if kind == "ids missing":
        values = {name: PLAUSIBLE.get(name, "x") for name in names - ID_PARAMETERS}
    elif kind in HOSTILE_NUMBERS:
        values = dict.fromkeys(names, HOSTILE_NUMBERS[kind])
    else:
        values = dict.fromkeys(names, HOSTILE_TEXTS[kind]) | ids["real"]
    return values | {"form_key": ids["form_key"]}


KINDS = ("nothing", "ids missing", *HOSTILE_TEXTS, *HOSTILE_NUMBERS)


def url(rule, values: dict) -> str:
    path = rule.rule
    for name in rule.arguments:
        path = path.replace(f"<int:{name}>", str(values[name]))
        path = path.replace(f"<path:{name}>", str(values[name]))
    return path


def test_no_route_answers_5xx_or_commits_a_refusal(app, login, ctx, people, places):
    course = add_course(ctx, places["vhs"])
    at_ref = at_referral(ctx, people["anna"])
    booked = referrals.book_seat(ctx, people["anna"], at_ref, course)
    other_offer = referrals.refer_offer(ctx, people["anna"], at_ref, "kita")
    fresh = open_case(ctx, people["anna"], family_name="Neu").id
    spare = users.create_user(ctx, SYSTEM, username="spare", display_name="Spare",
                              password=PASSWORD, role="counsellor", team_name="Nord").id
    users.update_user(ctx, people["adam"], spare, display_name="Spare", role="admin",
                      team_id=None)
    [grant] = users.pending_grants(ctx, people["adam"])
    offer = network_offers.create_network_offer(ctx, SYSTEM, network_offers.NetworkOfferText(
        name="Sprachcafé", kind="other", municipality="Hildesheim")).id
    real = {"provider_id": places["vhs"], "to_user": spare, "from_user": people["anna"].id,
            "to_team": people["sami"].team_id, "row_version": 1, "actor": people["anna"].id}
    # Two cases in turn: one at its referral step with a course chosen, one at its first
    # step with none (so a waiting list takes the provider and the hostile course type).
    id_sets = [{"case_id": case_id, "task_id": ready_task(ctx, case_id).id,
                "referral_id": referral.id, "course_id": course, "user_id": spare,
                "grant_id": grant.id, "offer_id": offer, "filename": "app.css",
                "indicator": "intakes",
                "form_key": ready_task(ctx, case_id).form_key,
                "real": {name: str(value) for name, value in
                         {**real, "case_id": case_id, **chosen}.items()}}
               for case_id, referral, chosen in ((at_ref, booked, {"course_id": course}),
                                                 (fresh, other_offer, {}))]
    clients = {role: login(role) if role else app.test_client() for role in ROLES}
    tokens = {role: csrf_token(client.get("/" if role else "/login").text)
              for role, client in clients.items()}
    # Logging out ends the walk's sessions: last.
    rules = sorted(app.url_map.iter_rules(),
                   key=lambda r: r.endpoint in ("auth.logout", "auth.logout_everywhere"))
    sent = 0

    def send(role, rule, method, ids, kind):
        nonlocal sent
        sent += 1
        data = parameters(kind, ids)
        target = url(rule, ids)
        if method == "GET":
            response = clients[role].get(target, query_string=data)
        else:
            before = fingerprint(ctx)
            last = ctx.session.scalar(select(func.max(AuditEvent.seq)))
            response = clients[role].post(target, data={**data, "csrf_token": tokens[role]})
        where = f"{method} {target} as {role or 'anonymous'} with {kind}"
        assert response.status_code < 500, where
        if method == "POST" and response.status_code >= 400:
            # a step's input its form refused is kept as the step's draft, and only that
            kept = (rule.endpoint, response.status_code) == ("cases.submit", 422)
            ignored = {"human_tasks"} if kept else set()
            after = fingerprint(ctx)
            assert {k: v for k, v in after.items() if k not in ignored} == \
                {k: v for k, v in before.items() if k not in ignored}, \
                f"{where} answered {response.status_code}"
            written = set(ctx.session.scalars(select(AuditEvent.type)
                                              .where(AuditEvent.seq > last)))
            assert written <= READ_EVENTS | ({"draft_saved"} if kept else set()), where
        ctx.session.rollback()
        return response

    for rule in rules:
        for method in sorted(rule.methods & {"GET", "POST"}):
            owners = []
            for n, role in enumerate(ROLES):
                for k, kind in enumerate(KINDS):
                    response = send(role, rule, method, id_sets[(n + k) % 2], kind)
                    if k == 0 and (response.status_code == 403 or "/login" in
                                   response.headers.get("Location", "")):
                        break  # refused before anything is read: other input changes nothing
                else:
                    owners.append(role)
            hostile_paths = [(name, value) for name in rule.arguments if name != "filename"
                             for value in HOSTILE_IDS]
            for n, (name, value) in enumerate(hostile_paths):
                role = owners[n % len(owners)] if owners else None
                send(role, rule, method, {**id_sets[n % 2], name: value}, KINDS[n % len(KINDS)])
    assert sent > 500, sent  # the walk really covered the application


# --- the tester's findings, one by one ------------------------------------------------


def test_an_id_beyond_the_database_range_is_not_found(login, ctx, people):
    case = open_case(ctx, people["anna"])
    client = login("anna")
    assert client.get(f"/cases/{case.id}").status_code == 200
    for huge in (2**31, 2**63 + 1, 10**30):
        response = client.get(f"/cases/{huge}")
        assert response.status_code == 404, huge
        assert "Page not found." in response.text
    board = login("lea").get("/team/", query_string={"assignee": str(2**63 + 1)})
    assert board.status_code == 200


def test_nul_in_a_name_is_a_field_error_and_the_input_is_kept(login, ctx, people):
    client = login("anna")
    token = csrf_token(client.get("/cases/new").text)
    response = client.post("/cases/new", data={
        "csrf_token": token, "given_names": "Am\x00ina", "family_name": "Haddad",
        "birth_date": "1991-04-12", "municipality": "Hildesheim"})
    assert response.status_code == 422
    assert 'id="given_names-error"' in response.text
    assert "Please remove invisible control characters from this field." in response.text
    assert 'value="Haddad"' in response.text and 'value="1991-04-12"' in response.text
    assert ctx.session.scalar(select(func.count()).select_from(Case)) == 0


def test_error_page_escapes_its_message(app):
    """Markup in a message is shown as text on the error page, never as markup."""
    with app.test_request_context("/"):
        html = render_template("error.html", message='<a href="/evil">hier</a>')
    assert '<a href="/evil">' not in html and "&lt;a href=" in html


def test_control_characters_message_is_in_german_too(login, ctx, people):
    client = login("anna", language="de")
    token = csrf_token(client.get("/cases/new").text)
    response = client.post("/cases/new", data={
        "csrf_token": token, "given_names": "Amina\x1b", "family_name": "Haddad",
        "birth_date": "1991-04-12", "municipality": "Hildesheim"})
    assert "Bitte entfernen Sie unsichtbare Steuerzeichen aus diesem Feld." in response.text


def test_a_reason_with_a_nul_byte_is_refused_and_nothing_changes(login, ctx, people, places):
    course = add_course(ctx, places["vhs"])
    case_id = at_referral(ctx, people["anna"])
    booked = referrals.book_seat(ctx, people["anna"], case_id, course)
    client = login("anna", language="de")
    token = csrf_token(client.get(f"/cases/{case_id}").text)
    response = client.post(f"/referrals/{booked.id}/cancel", data={
        "csrf_token": token, "case_id": case_id, "reason": "Umzug\x00"})
    assert response.status_code == 422
    assert "unsichtbare Steuerzeichen" in response.text
    ctx.session.rollback()
    assert ctx.session.get(Referral, booked.id).status == "booked"


def test_layout_characters_stay_allowed_only_in_multi_line_text():
    form = PracticalForm(MultiDict({"availability": "part_time", "time_of_day": "mornings",
                                    "benefits": "sgb2", "notes": "Montags:\tfrei\r\nsonst: nie"}))
    assert form.validate(), form.errors
    person = PersonForm(MultiDict({"place_of_birth": "Aleppo\tSyrien"}))
    person.validate()
    assert "Please remove invisible control characters from this field." \
        in person.place_of_birth.errors


def test_dates_far_off_are_refused_in_forms():
    new_case = NewCaseForm(MultiDict({"given_names": "A", "family_name": "B",
                                      "birth_date": "0001-01-01", "municipality": "C"}))
    assert not new_case.validate()
    assert new_case.birth_date.errors == ["This date lies too far in the past."]
    goals = GoalsPlanForm(MultiDict({"goals_own_words": "a", "agreed_plan": "b",
                                     "next_appointment": "9999-12-31"}))
    assert not goals.validate()
    assert goals.next_appointment.errors == ["This date lies too far in the future."]
    course = CourseForm(MultiDict({"start_date": "9999-12-31"}))
    course.provider_id.choices = []
    course.validate()
    assert course.start_date.errors == ["This date lies too far in the future."]


def test_an_export_over_year_1_to_9999_is_refused_clearly(login, people):
    client = login("ida")
    dates = {"from": "0001-01-01", "to": "9999-12-31"}
    for export in ("/audit/events.csv", "/audit/events.json"):
        response = client.get(export, query_string=dates)
        assert response.status_code == 422
        assert "“0001-01-01” lies outside the dates that can be searched" in response.text
        assert "“9999-12-31” lies outside" in response.text
        assert "Nothing was exported." in response.text
    page = client.get("/audit/events", query_string=dates)
    assert page.status_code == 200 and "lies outside the dates" in page.text
    exported = client.get("/audit/events.csv", query_string={"from": "2026-01-01"})
    assert exported.status_code == 200


def test_offer_status_without_its_case_is_refused_before_anything_changes(
        login, ctx, people):
    case_id = at_referral(ctx, people["anna"])
    offer = referrals.refer_offer(ctx, people["anna"], case_id, "kita")
    client = login("anna")
    token = csrf_token(client.get(f"/cases/{case_id}").text)
    response = client.post(f"/referrals/{offer.id}/status",
                           data={"csrf_token": token, "status": "done"})
    assert response.status_code == 400
    assert "The request did not say which case it belongs to." in response.text
    ctx.session.rollback()
    assert ctx.session.get(Referral, offer.id).status == "open"
    assert not ctx.session.scalars(select(AuditEvent).where(
        AuditEvent.type == "referral_status_changed")).all()
    done = client.post(f"/referrals/{offer.id}/status",
                       data={"csrf_token": token, "status": "done", "case_id": case_id})
    assert done.status_code == 302 and done.location == f"/cases/{case_id}"


def test_a_body_over_a_megabyte_is_refused(login, ctx, people):
    case = open_case(ctx, people["anna"])
    task = ready_task(ctx, case.id)
    client = login("anna")
    token = csrf_token(client.get(f"/cases/{case.id}").text)
    big = "x" * (20 * 2**20)
    page = client.post("/cases/new", data={"csrf_token": token, "given_names": big})
    assert page.status_code == 413
    assert "too large (more than 1 MB)" in page.text
    autosave = client.post(f"/cases/{case.id}/tasks/{task.id}/draft?autosave=1",
                           data={"csrf_token": token, "form_key": "person",
                                 "place_of_birth": big})
    assert autosave.status_code == 413
    assert autosave.json["saved"] is False and "too large" in autosave.json["message"]
    assert ready_task(ctx, case.id).draft_json is None


def test_an_oversized_draft_field_is_refused_and_not_stored(login, ctx, people):
    case = open_case(ctx, people["anna"])
    task = ready_task(ctx, case.id)
    client = login("anna")
    token = csrf_token(client.get(f"/cases/{case.id}").text)
    draft = f"/cases/{case.id}/tasks/{task.id}/draft"
    data = {"csrf_token": token, "form_key": "person", "nationalities": "syrisch"}
    too_long = client.post(draft + "?autosave=1", data={**data, "place_of_birth": "x" * 201})
    assert too_long.status_code == 422 and too_long.json["saved"] is False
    assert too_long.json["message"] == ("“Place of birth” is too long to be kept as a draft "
                                        "(at most 200 characters). Nothing was saved.")
    choice = client.post(draft + "?autosave=1", data={**data, "sex": "f" * 101})
    assert choice.status_code == 422 and "“Sex”" in choice.json["message"]
    explicit = client.post(draft, data={**data, "address": "Marktstr. 1\x00"})
    assert explicit.status_code == 422
    assert "“Address” contains invisible control characters" in explicit.text
    assert 'value="syrisch"' in explicit.text  # the input is shown again
    assert ready_task(ctx, case.id).draft_json is None
    german = login("anna", language="de")
    data["csrf_token"] = csrf_token(german.get(f"/cases/{case.id}").text)
    german = german.post(draft + "?autosave=1", data={**data, "place_of_birth": "x" * 201})
    assert german.json["message"].startswith("„Geburtsort“ ist zu lang")


def test_a_waiting_list_needs_a_known_provider_and_course_type(login, ctx, people, places):
    case_id = at_referral(ctx, people["anna"])
    client = login("anna")
    token = csrf_token(client.get(f"/cases/{case_id}").text)
    for provider, course_type in ((places["vhs"], "x" * 50), (99999, "integrationskurs")):
        response = client.post(f"/cases/{case_id}/referrals/wait", follow_redirects=True,
                               data={"csrf_token": token, "provider_id": provider,
                                     "course_type": course_type})
        assert "Choose a course, or a provider and a course type." in response.text
    ctx.session.rollback()
    assert not ctx.session.scalars(select(Referral)).all()


def test_a_malformed_request_is_explained_in_the_readers_language(login, people):
    client = login("adam", language="de")
    token = csrf_token(client.get("/admin/users").text)
    response = client.post(f"/admin/users/{people['anna'].id}/active",
                           data={"csrf_token": token, "active": "maybe"})
    assert response.status_code == 400
    assert "Die Anfrage war unvollständig oder fehlerhaft." in response.text
    expired = client.post(f"/admin/users/{people['anna'].id}/active", data={"active": "1"})
    assert expired.status_code == 400
    assert "Das Formular war abgelaufen" in expired.text
