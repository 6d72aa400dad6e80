"""Subject access (Art. 15 DSGVO): a team lead gives the person everything held about them,
as JSON and as a printable page in German and English; every answer under its label."""

from __future__ import annotations

import json

from sqlalchemy import select

from caseapp.models import AuditEvent, HumanTask
from caseapp.services import audit, tasks
from caseapp.services.subject_access import EXPORT_EVENT
from forms.labels import form_fields
from tests.factories import ANSWERS, PERSON, as_text
from tests.helpers import complete, open_case
from tests.worked_case import COURSE_TITLE, NOTE, OVERRIDES, worked_case


def _answered(form_key: str) -> dict[str, str]:
    """The worked case's non-empty answers of a step, as text."""
    given = {**ANSWERS[form_key], **OVERRIDES.get(form_key, {})}
    return {name: as_text(value) for name, value in given.items()
            if value not in (None, "")}


def test_the_json_holds_every_answer_with_its_label_in_both_languages(
        ctx, people, places, clock, login):
    """Every field answered in the interview comes with its German and English label."""
    case = worked_case(ctx, people, places, clock)
    response = login("lea").get(f"/cases/{case.case_id}/subject-access.json")
    assert response.status_code == 200
    assert "attachment" in response.headers["Content-Disposition"]
    held = response.get_json()
    assert held["person"]["family_name"] == PERSON["family_name"]
    assert held["person"]["birth_date"] == PERSON["birth_date"].isoformat()
    steps = {step["form"]: step for step in held["interview"]}
    for form_key in ("person", "residence", "family", "education_work", "practical",
                     "goals_plan", "language_literacy"):
        answers = {a["field"]: a for a in steps[form_key]["answers"]}
        for name, value in _answered(form_key).items():
            assert name in answers, (form_key, name)
            assert as_text(answers[name]["value"]) == value
            label = str(form_fields(form_key)[name].label)
            assert answers[name]["label"]["en"] == label
            assert answers[name]["label"]["de"] and answers[name]["shown"]["de"]
    place = {a["field"]: a for a in steps["person"]["answers"]}["place_of_birth"]
    assert place["label"] == {"de": "Geburtsort", "en": "Place of birth"}
    assert "VHS" in held["recipients"]
    assert any(r["course"] == COURSE_TITLE for r in held["referrals"])
    assert any(r["note"] == NOTE for r in held["referrals"])
    seen_by = {(e["by"], e["event"]["code"]) for e in held["history"]}
    assert ("Anna", "case_opened") in seen_by and ("Lea", "case_reopened") in seen_by
    assert held["case"]["status"]["de"] and held["case"]["status"]["en"]


def test_the_printable_page_speaks_german_and_english(ctx, people, places, clock, login):
    """The page shows the answers under their labels, in the language asked for."""
    case = worked_case(ctx, people, places, clock)
    lea = login("lea", "de")
    german = lea.get(f"/cases/{case.case_id}/subject-access")
    assert german.status_code == 200
    assert "Geburtsort" in german.text and "Aleppo" in german.text
    assert "Auskunft" in german.text or "Informationen" in german.text
    english = lea.get(f"/cases/{case.case_id}/subject-access?language=en")
    assert "Place of birth" in english.text and "Aleppo" in english.text
    assert 'lang="en"' in english.text
    assert ANSWERS["goals_plan"]["goals_own_words"] in english.text
    # the page asked for in English leaves the reader's own pages in German
    assert "Fall" in lea.get(f"/cases/{case.case_id}").text


def test_a_draft_of_an_open_step_is_held_too(ctx, people, login):
    """What was typed into an open step and kept as a draft is part of the answer."""
    anna = people["anna"]
    case = open_case(ctx, anna)
    task = ctx.session.scalars(select(HumanTask).where(HumanTask.case_id == case.id)).first()
    tasks.save_draft(ctx, anna, case.id, task.id, {"place_of_birth": "Homs"})
    held = login("lea").get(f"/cases/{case.id}/subject-access.json").get_json()
    drafts = [step for step in held["interview"] if step["draft"]]
    assert drafts and drafts[0]["answers"][0]["value"] == "Homs"


def test_only_the_team_lead_of_the_case_gives_it(ctx, people, login):
    """Counsellors, auditors and other teams are refused; another team's case is a 404."""
    case = open_case(ctx, people["sami"])  # Team Süd
    own = open_case(ctx, people["anna"], family_name="Nasser")
    assert login("lea").get(f"/cases/{case.id}/subject-access").status_code == 404
    assert login("lea").get(f"/cases/{case.id}/subject-access.json").status_code == 404
    for username in ("anna", "ida", "adam"):
        assert login(username).get(f"/cases/{own.id}/subject-access").status_code == 403


def test_giving_it_is_recorded_and_the_trail_verifies(ctx, people, login):
    """The case's trail says who gave the information and when; verify still passes."""
    case = open_case(ctx, people["anna"])
    complete(ctx, people["anna"], case.id, "person")
    login("lea").get(f"/cases/{case.id}/subject-access")
    ctx.session.rollback()
    given = ctx.session.scalars(select(AuditEvent).where(AuditEvent.type == EXPORT_EVENT,
                                                         AuditEvent.case_id == case.id)).all()
    assert [e.actor_id for e in given] == [people["lea"].id]
    assert given[0].details == {} and given[0].change_digest is None
    assert audit.verify_trail(ctx.session).ok


def test_the_command_line_writes_the_same_json(ctx, people, places, clock, app, tmp_path):
    """`flask person export CASE_NUMBER` prints it, or writes it to a new private file."""
    case = worked_case(ctx, people, places, clock)
    runner = app.test_cli_runner()
    printed = runner.invoke(args=["person", "export", case.number])
    assert printed.exit_code == 0, printed.output
    held = json.loads(printed.output)
    assert held["person"]["given_names"] == PERSON["given_names"]
    assert {step["form"] for step in held["interview"]} >= {"person", "goals_plan"}
    target = tmp_path / "auskunft.json"
    written = runner.invoke(args=["person", "export", case.number, "--output", str(target)])
    assert written.exit_code == 0, written.output
    kept = json.loads(target.read_text(encoding="utf-8"))
    assert (kept["person"], kept["interview"]) == (held["person"], held["interview"])
    # the first export is in the second's history: giving the information is recorded
    assert kept["history"][-1]["event"]["code"] == "subject_access_given"
    assert held["history"][-1]["event"]["code"] != "subject_access_given"
    assert target.stat().st_mode & 0o077 == 0
    again = runner.invoke(args=["person", "export", case.number, "--output", str(target)])
    assert again.exit_code != 0 and "exists" in again.output
    missing = runner.invoke(args=["person", "export", "1999-99999"])
    assert missing.exit_code != 0 and "No such case" in missing.output
