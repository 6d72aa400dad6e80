"""The referral slip: issuing office, day of issue and counsellor contact, and nothing more
about the person than the provider needs; issued by the case's team only."""

from __future__ import annotations

import re
from datetime import UTC, datetime

import pytest
from sqlalchemy import select

from caseapp.models import AuditEvent, Referral
from caseapp.services import referral_slip, referrals, users
from caseapp.services.errors import Forbidden, NotFound
from tests.conftest import TestConfig, csrf_token
from tests.factories import ANSWERS, PERSON
from tests.helpers import add_course, at_referral, complete_until, open_case

WORK_PHONE, WORK_EMAIL = "05121 309-412", "a.berger@landkreis.example"


def give_work_contact(ctx, people, username, phone=WORK_PHONE, email=WORK_EMAIL):
    user = people[username]
    users.update_user(ctx, people["adam"], user.id, display_name=user.display_name,
                      role=user.role, team_id=user.team_id, work_phone=phone, work_email=email)


def case_of(ctx, referral_id) -> int:
    ctx.session.rollback()
    return ctx.session.get(Referral, referral_id).case_id


@pytest.fixture
def booked(ctx, people, places):
    """Anna's case with a booked seat: the referral's id."""
    course = add_course(ctx, places["vhs"], title="Integrationskurs vormittags")
    case_id = at_referral(ctx, people["anna"])
    return referrals.book_seat(ctx, people["anna"], case_id, course).id


def test_the_slip_names_office_day_of_issue_and_counsellor_in_german(
        ctx, login, people, booked, clock):
    """Late in the evening (UTC), the slip carries the office's day, not the server's."""
    give_work_contact(ctx, people, "anna")
    clock.current = datetime(2026, 3, 2, 23, 30, tzinfo=UTC)  # 3 March, 00:30 in Hildesheim
    slip = login("lea", "de").get(f"/referrals/{booked}/slip?lang=de").text  # the lead prints
    for expected in (TestConfig.OFFICE_NAME, TestConfig.OFFICE_ADDRESS,
                     TestConfig.OFFICE_PHONE, TestConfig.OFFICE_EMAIL,
                     "Ausgestellt am", "Ihre Ansprechperson", "Anna", WORK_PHONE, WORK_EMAIL):
        assert expected in slip, expected
    assert '<dd class="issued-on"><span lang="de">3. März 2026</span></dd>' in slip


def test_the_slip_shows_no_more_of_the_person_than_the_provider_needs(ctx, login, booked):
    """Name and case number only: no birth date, birthplace, address or phone."""
    slip = login("anna").get(f"/referrals/{booked}/slip").text
    assert f"{PERSON['given_names']} {PERSON['family_name']}" in slip
    for private in (PERSON["birth_date"].strftime("%d.%m.%Y"), "12 Apr 1991",
                    ANSWERS["person"]["place_of_birth"], "Marktstraße"):
        assert private not in slip, private


@pytest.mark.parametrize("sharing, shown", [("name", False), ("name_and_contact", True)])
def test_the_slip_carries_phone_and_e_mail_only_if_the_person_agreed(
        ctx, login, people, places, sharing, shown):
    """Asked in the interview after the notice: the provider gets the contact only then."""
    anna = people["anna"]
    case = open_case(ctx, anna)
    complete_until(ctx, anna, case.id, "language_literacy", person={
        "phone": "0176 5550101", "email": "amina@example.org",
        "share_with_course_provider": sharing})
    booked = referrals.book_seat(ctx, anna, case.id, add_course(ctx, places["vhs"])).id
    slip = login("anna", "de").get(f"/referrals/{booked}/slip").text
    assert f"{PERSON['given_names']} {PERSON['family_name']}" in slip
    assert ("0176 5550101" in slip) is shown
    assert ("amina@example.org" in slip) is shown
    assert ("Erreichbar unter" in slip) is shown
    assert ANSWERS["person"]["address"] not in slip


def test_issuing_a_slip_is_in_the_case_history(ctx, login, booked):
    """The slip goes to a third party: who issued it and for which seat is on record."""
    login("anna").get(f"/referrals/{booked}/slip")
    history = login("ida", "de").get(f"/audit/cases/{case_of(ctx, booked)}").text
    row = history.split('<tr data-type="slip_issued"')[1].split("</tr>")[0]
    assert "Vermittlungsschein ausgestellt" in row and "Anna" in row


def test_without_a_work_contact_the_counsellor_is_named_and_the_office_answers(
        ctx, people, booked):
    """A counsellor without a work phone or e-mail is named; the office's contact stands."""
    slip = referral_slip.referral_slip(ctx, people["anna"], booked)
    assert (slip.counsellor.name, slip.counsellor.phone, slip.counsellor.email) == \
        ("Anna", None, None)
    assert slip.office.phone == TestConfig.OFFICE_PHONE


def test_a_deactivated_counsellor_is_nobody_to_ask(ctx, people, booked):
    users.set_user_active(ctx, people["adam"], people["anna"].id, False)
    assert referral_slip.referral_slip(ctx, people["lea"], booked).counsellor is None


def test_only_the_case_team_issues_slips(ctx, login, people, booked):
    """An auditor reviews cases but issues no slip; another team's counsellor sees nothing."""
    with pytest.raises(Forbidden):
        referral_slip.referral_slip(ctx, people["ida"], booked)
    with pytest.raises(NotFound):
        referral_slip.referral_slip(ctx, people["sami"], booked)
    assert login("ida").get(f"/referrals/{booked}/slip").status_code == 403
    assert login("sami").get(f"/referrals/{booked}/slip").status_code == 404


def test_admin_sets_a_work_contact_and_the_audit_keeps_no_value(ctx, login, people):
    """The work contact is edited on the user's page; the event says it changed, not to what."""
    admin = login("adam")
    anna = people["anna"]
    page = admin.get(f"/admin/users/{anna.id}").text
    form = {"csrf_token": csrf_token(page), "display_name": "Anna", "role": "counsellor",
            "team_id": str(anna.team_id), "work_phone": WORK_PHONE}
    refused = admin.post(f"/admin/users/{anna.id}", data={**form, "work_email": "nope"})
    assert refused.status_code == 422 and 'value="nope"' in refused.text
    saved = admin.post(f"/admin/users/{anna.id}", data={**form, "work_email": WORK_EMAIL})
    assert saved.status_code == 302
    page = admin.get(f"/admin/users/{anna.id}").text
    assert f'value="{WORK_PHONE}"' in page and f'value="{WORK_EMAIL}"' in page
    ctx.session.rollback()
    event = ctx.session.scalars(select(AuditEvent).where(AuditEvent.type == "user_changed")
                                .order_by(AuditEvent.seq.desc())).first()
    assert event.details["work_contact_changed"] is True
    assert not re.search(r"309-412|landkreis", str(event.details))


def test_the_course_type_is_named_only_where_the_title_does_not_say_it(ctx, login, people,
                                                                        places):
    """A course titled like its type reads "Erstorientierungskurs (EOK)" once, not twice."""
    course = add_course(ctx, places["vhs"], course_type="erstorientierung",
                        title="Erstorientierungskurs (EOK)")
    case_id = at_referral(ctx, people["anna"])
    seat = referrals.book_seat(ctx, people["anna"], case_id, course).id
    german = login("anna", "de").get(f"/referrals/{seat}/slip?lang=de").text
    assert '<dd class="course">Erstorientierungskurs (EOK)</dd>' in german
    english = login("anna").get(f"/referrals/{seat}/slip?lang=en").text
    assert ('<dd class="course">Erstorientierungskurs (EOK)<span class="translation" lang="en" '
            'dir="ltr">First orientation course</span></dd>') in english


def test_issued_by_names_the_office_with_its_address(ctx, login, booked):
    """Under "Ausgestellt von" stands who issued it: the office, then day and counsellor."""
    slip = login("anna", "de").get(f"/referrals/{booked}/slip?lang=de").text
    issued = slip.split('<h2><span lang="de">Ausgestellt von</span></h2>', 1)[1]
    assert (f'<dd class="issuing-office">{TestConfig.OFFICE_NAME}<br>'
            f'{TestConfig.OFFICE_ADDRESS}</dd>') in issued
    assert issued.index("issuing-office") < issued.index("issued-on")


@pytest.mark.parametrize("services, said", [
    ("nothing", "nichts an die Stelle weitergeben"),
    ("name_and_contact", "Name, Telefon und E-Mail dürfen an die Stelle weitergegeben werden")])
def test_the_referral_step_says_what_each_kind_of_recipient_may_receive(
        ctx, login, people, services, said):
    """Courses and other services apart, as the person agreed after the notice."""
    anna = people["anna"]
    case = open_case(ctx, anna)
    complete_until(ctx, anna, case.id, "language_literacy", person={
        "share_with_course_provider": "name_and_contact",
        "share_with_other_services": services})
    page = login("anna", "de").get(f"/cases/{case.id}").text
    assert "Der Kursträger erhält Name, Fallnummer, Telefon und E-Mail" in page
    assert said in page


def test_the_slip_is_in_german_and_the_language_recorded_in_the_interview(ctx, login, booked):
    """Amina asked for Arabic: each label in German and below it in Arabic, right to left;
    what the provider wrote stays as entered, the course type and the day are translated."""
    slip = login("anna", "de").get(f"/referrals/{booked}/slip").text
    assert ('<dt><span lang="de">Bitte mitbringen</span><span class="translation" lang="ar" '
            'dir="rtl">يرجى إحضار</span></dt>') in slip
    assert '<span class="translation" lang="ar" dir="rtl">دورة الاندماج</span>' in slip
    assert "Integrationskurs vormittags" in slip
    start = slip.split("<dt><span lang=\"de\">Beginn</span>", 1)[1].split("</dd>", 1)[0]
    assert re.search(r'lang="ar" dir="rtl">[^<]*(يناير|فبراير|مارس|أبريل|مايو|يونيو|يوليو)', start)
    assert re.search(r'<option value="ar" lang="ar" dir="rtl" selected>العربية</option>', slip)


def test_the_counsellor_chooses_another_language_or_german_alone(ctx, login, booked):
    counsellor = login("anna", "de")
    ukrainian = counsellor.get(f"/referrals/{booked}/slip?lang=uk").text
    assert 'lang="uk" dir="ltr">Візьміть із собою</span>' in ukrainian
    assert 'class="translation" lang="ar"' not in ukrainian
    german = counsellor.get(f"/referrals/{booked}/slip?lang=de").text
    assert 'class="translation"' not in german and "Bitte mitbringen" in german
    assert '<option value="de" selected>Nur Deutsch</option>' in german


def test_without_a_recorded_language_the_slip_is_german_only(ctx, login, people, places):
    anna = people["anna"]
    case = open_case(ctx, anna)
    complete_until(ctx, anna, case.id, "language_literacy", person={"written_language": ""})
    booked = referrals.book_seat(ctx, anna, case.id, add_course(ctx, places["vhs"])).id
    slip = login("anna", "de").get(f"/referrals/{booked}/slip").text
    assert "Bitte mitbringen" in slip and 'class="translation"' not in slip


@pytest.mark.parametrize("code", ["xx", "fr", "<b>ar</b>"])
def test_a_language_not_offered_is_refused_clearly_and_nothing_is_issued(ctx, login, booked,
                                                                         code):
    """An unknown code, or one without a catalogue: a message, no slip, no audit event."""
    refused = login("anna", "de").get(f"/referrals/{booked}/slip", query_string={"lang": code})
    assert refused.status_code == 400
    assert "Der Schein kann nicht in dieser Sprache gedruckt werden" in refused.text
    assert "<b>ar</b>" not in refused.text
    ctx.session.rollback()
    assert not ctx.session.scalars(
        select(AuditEvent).where(AuditEvent.type == "slip_issued")).all()
