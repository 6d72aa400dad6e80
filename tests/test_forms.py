"""The interview forms, on their own: no app, no database."""

from datetime import date, timedelta

import pytest
from flask_babel.speaklater import LazyString
from werkzeug.datastructures import MultiDict

from forms import TASK_FORMS
from forms.conditional import SHOW_WHEN
from forms.interview import (
    EducationWorkForm,
    FamilyForm,
    FollowUpForm,
    GoalsPlanForm,
    LanguageLiteracyForm,
    PersonForm,
    PracticalForm,
    ResidenceForm,
)
from tests.factories import answers, posted

# The factory's answers with every conditional question answered too (interpreter,
# children, qualification abroad, placement test), so each rule can be switched off.
ANSWERED_IN_FULL = {
    "person": {"interpreter_needed": "yes", "interpreter_language": "Arabisch"},
    "residence": {"document_issued": date(2025, 11, 20), "course_decision_date": date(2025, 12, 1),
                  "admission_application": "applied", "fee_exempt": "yes"},
    "family": {"household": "single_parent", "household_members": 3, "children_count": 2,
               "children_ages": "3,7 ", "childcare_needed_during_course": "yes"},
    "education_work": {"vocational_qualification": "Krankenpflege", "qualification_abroad": "yes",
                       "profession": "Pflegefachkraft", "regulated_profession": "yes",
                       "recognition_status": "referred"},
    "practical": {},
    "goals_plan": {"next_appointment": date.today() + timedelta(days=14)},
    "language_literacy": {"integration_course_finished": "yes", "integration_course_level": "A2",
                          "placement_test_taken": "yes", "placement_test_date": date(2026, 3, 1),
                          "placement_test_provider": "VHS Hildesheim",
                          "placement_test_result": "A2",
                          "placement_recommended_course": "integrationskurs"},
}
INTERVIEW_FORMS = {TASK_FORMS[key]: key for key in ANSWERED_IN_FULL}


def make(form_class, **changes):
    """The form as a browser posts it, from the factory's answers in full plus ``changes``."""
    key = INTERVIEW_FORMS[form_class]
    return form_class(MultiDict(posted(key, **{**ANSWERED_IN_FULL[key], **changes})))


def assert_only_error(form, field_name):
    assert not form.validate()
    assert list(form.errors) == [field_name], form.errors


def test_every_interview_form_is_registered():
    assert {k: TASK_FORMS[k] for k in ("person", "residence", "family", "education_work",
                                       "practical", "goals_plan", "language_literacy")} == {
        "person": PersonForm, "residence": ResidenceForm, "family": FamilyForm,
        "education_work": EducationWorkForm, "practical": PracticalForm,
        "goals_plan": GoalsPlanForm, "language_literacy": LanguageLiteracyForm}
    assert {"referral", "follow_up", "overdue_review"} <= TASK_FORMS.keys()
    assert not {"situation_analysis", "language_assessment"} & TASK_FORMS.keys()


@pytest.mark.parametrize("form_class", list(INTERVIEW_FORMS), ids=lambda c: c.__name__)
def test_complete_submission_is_valid(form_class):
    form = make(form_class)
    assert form.validate(), form.errors


def test_valid_data_holds_codes_and_types():
    person = make(PersonForm)
    person.validate()
    assert person.data["sex"] == "female"
    assert person.data["interpreter_needed"] == "yes"
    assert person.data["data_protection_notice_given"] == date(2026, 3, 2)
    assert "given_names" not in person.data and "birth_date" not in person.data

    residence = make(ResidenceForm)
    residence.validate()
    assert residence.data["residence_document"] == "residence_permit"
    assert residence.data["course_issuer"] == "auslaenderbehoerde"
    assert residence.data["document_issued"] == date(2025, 11, 20)

    family = make(FamilyForm)
    family.validate()
    assert family.data["children_count"] == 2
    assert family.data["children_ages"] == "3, 7"
    assert family.data["household_members"] == 3

    practical = make(PracticalForm)
    practical.validate()
    assert practical.data["max_travel_km"] == answers("practical")["max_travel_km"]
    assert practical.data["benefits"] == "sgb2"

    language = make(LanguageLiteracyForm)
    language.validate()
    assert language.data["literacy"] == "latin"
    assert language.data["schooling_years"] == 12
    assert language.data["placement_recommended_course"] == "integrationskurs"
    assert language.data["german_certificate_date"] is None


def test_literacy_codes_read_by_the_dmn_table_stay():
    codes = [choice.value for choice in LanguageLiteracyForm().literacy.choices]
    assert {"latin", "other_script", "none"} <= set(codes)


@pytest.mark.parametrize("form_class,missing", [
    (PersonForm, "data_protection_notice_given"),
    (PersonForm, "data_protection_notice_language"),
    (GoalsPlanForm, "goals_own_words"),
    (GoalsPlanForm, "agreed_plan"),
    (LanguageLiteracyForm, "german_level"),
    (LanguageLiteracyForm, "literacy"),
    (LanguageLiteracyForm, "schooling_years"),
])
def test_required_fields(form_class, missing):
    assert_only_error(make(form_class, **{missing: ""}), missing)


def test_optional_fields_may_stay_empty():
    form = make(GoalsPlanForm, next_appointment="")
    assert form.validate(), form.errors
    form = make(PracticalForm, max_travel_km="", notes="")
    assert form.validate(), form.errors
    form = make(FamilyForm, pregnancy="not_stated", caring_duties="Cares for her mother")
    assert form.validate(), form.errors
    assert form.data["pregnancy"] == "not_stated"


# Each rule: (form, controlling field, value that makes it apply, value that does not,
#             dependent field)
RULES = [
    (PersonForm, "interpreter_needed", "yes", "no", "interpreter_language"),
    (ResidenceForm, "residence_document", "residence_permit", "duldung",
     "residence_paragraph"),
    (ResidenceForm, "course_status", "entitled", "admission_possible", "course_issuer"),
    (ResidenceForm, "course_status", "obliged", "unknown", "course_issuer"),
    (ResidenceForm, "course_status", "admission_possible", "entitled", "admission_application"),
    (FamilyForm, "children_count", "2", "0", "childcare_needed_during_course"),
    (EducationWorkForm, "qualification_abroad", "yes", "no", "regulated_profession"),
    (EducationWorkForm, "qualification_abroad", "yes", "no", "recognition_status"),
    (LanguageLiteracyForm, "integration_course_finished", "yes", "no",
     "integration_course_level"),
    (LanguageLiteracyForm, "placement_test_taken", "yes", "no", "placement_test_date"),
    (LanguageLiteracyForm, "placement_test_taken", "yes", "no", "placement_test_provider"),
    (LanguageLiteracyForm, "placement_test_taken", "yes", "no", "placement_test_result"),
    (LanguageLiteracyForm, "placement_test_taken", "yes", "no",
     "placement_recommended_course"),
]


@pytest.mark.parametrize("form_class,control,on,off,dependent", RULES,
                         ids=[f"{r[0].__name__}.{r[4]}-{r[2]}" for r in RULES])
def test_required_when_rule(form_class, control, on, off, dependent):
    assert_only_error(make(form_class, **{control: on, dependent: ""}), dependent)
    assert make(form_class, **{control: on}).validate()
    not_applicable = make(form_class, **{control: off, dependent: ""})
    assert not_applicable.validate(), not_applicable.errors


def test_whitespace_does_not_satisfy_a_required_when_rule():
    assert_only_error(make(PersonForm, interpreter_language="   "), "interpreter_language")


def test_children_ages_required_with_children():
    assert_only_error(make(FamilyForm, children_ages=""), "children_ages")
    form = make(FamilyForm, children_count="0", children_ages="",
                childcare_needed_during_course="")
    assert form.validate(), form.errors


@pytest.mark.parametrize("ages", ["3", "3, 7, 12"])
def test_children_ages_must_match_the_count(ages):
    form = make(FamilyForm, children_ages=ages)
    assert_only_error(form, "children_ages")
    message = str(form.errors["children_ages"][0])
    assert "Number of children: 2" in message
    assert f"ages given: {len(ages.split(','))}" in message


@pytest.mark.parametrize("ages", ["3, 18", "3, seven", "3, -1", "3, 4.5"])
def test_children_ages_must_be_whole_ages_under_18(ages):
    form = make(FamilyForm, children_ages=ages)
    assert_only_error(form, "children_ages")
    assert "0 to 17" in str(form.errors["children_ages"][0])


def test_placement_deviation_needs_a_reason():
    form = make(LanguageLiteracyForm, german_level="A2", placement_test_result="A1")
    assert_only_error(form, "placement_deviation_reason")
    assert "written reason" in str(form.errors["placement_deviation_reason"][0])
    form = make(LanguageLiteracyForm, german_level="A2", placement_test_result="A1",
                placement_deviation_reason="Test taken while ill; speaks fluently.")
    assert form.validate(), form.errors


def test_no_deviation_reason_without_a_test_or_without_a_deviation():
    same = make(LanguageLiteracyForm, german_level="B1", placement_test_result="B1")
    assert same.validate(), same.errors
    no_test = make(LanguageLiteracyForm, german_level="A2", placement_test_taken="no",
                   placement_test_date="", placement_test_provider="",
                   placement_test_result="", placement_recommended_course="")
    assert no_test.validate(), no_test.errors


def test_invalid_date_gets_one_error_only():
    form = make(LanguageLiteracyForm, placement_test_date="01.03.2026")
    assert_only_error(form, "placement_test_date")
    assert len(form.errors["placement_test_date"]) == 1


def test_unknown_choice_codes_are_refused():
    assert_only_error(make(ResidenceForm, course_issuer="landratsamt"), "course_issuer")
    assert_only_error(make(PersonForm, sex="x"), "sex")


def test_follow_up_reason_rule_still_holds():
    assert FollowUpForm(MultiDict({"follow_up_result": "started"})).validate()
    form = FollowUpForm(MultiDict({"follow_up_result": "dropped_out", "reason": " "}))
    assert_only_error(form, "reason")


ALL_FORMS = sorted(TASK_FORMS.items())


@pytest.mark.parametrize("key,form_class", ALL_FORMS, ids=[k for k, _ in ALL_FORMS])
def test_every_field_has_a_translatable_label(key, form_class):
    for field in form_class():
        assert isinstance(field.label.text, LazyString), f"{key}.{field.name}"
        assert str(field.label.text).strip(), f"{key}.{field.name}"
        if field.description:
            assert isinstance(field.description, LazyString), f"{key}.{field.name}"


@pytest.mark.parametrize("key,form_class", ALL_FORMS, ids=[k for k, _ in ALL_FORMS])
def test_show_when_names_a_field_and_values_of_the_same_form(key, form_class):
    form = form_class()
    for field in form:
        rule = (field.render_kw or {}).get(SHOW_WHEN)
        if rule is None:
            continue
        name, sep, values = rule.partition(":")
        assert sep and values, f"{key}.{field.name}: {rule!r}"
        assert name in form and name != field.name, f"{key}.{field.name}: {rule!r}"
        choices = getattr(form[name], "choices", None)
        for value in values.split("|"):
            if value.startswith(">"):
                assert value[1:].isdigit(), f"{key}.{field.name}: {rule!r}"
            else:
                assert choices and value in [c.value for c in choices], \
                    f"{key}.{field.name}: {value!r} is no choice of {name}"


def test_show_when_values_in_use():
    used = {f"{cls.__name__}.{field.name}": field.render_kw[SHOW_WHEN]
            for cls in INTERVIEW_FORMS for field in cls() if SHOW_WHEN in (field.render_kw or {})}
    assert used["PersonForm.interpreter_language"] == "interpreter_needed:yes"
    assert used["ResidenceForm.course_issuer"] == "course_status:entitled|obliged"
    assert used["FamilyForm.children_ages"] == "children_count:>0"
    assert used["FamilyForm.childcare_needed_during_course"] == "children_count:>0"


def test_dates_must_be_plausible():
    from forms import TASK_FORMS, NewCaseForm

    tomorrow = (date.today() + timedelta(days=1)).isoformat()
    yesterday = (date.today() - timedelta(days=1)).isoformat()
    person = TASK_FORMS["person"](MultiDict({"data_protection_notice_given": tomorrow}))
    person.validate()
    assert "This date lies in the future." in person.data_protection_notice_given.errors
    goals = TASK_FORMS["goals_plan"](MultiDict({"next_appointment": yesterday}))
    goals.validate()
    assert "This date lies in the past." in goals.next_appointment.errors
    new_case = NewCaseForm(MultiDict({"birth_date": tomorrow}))
    new_case.validate()
    assert new_case.birth_date.errors
    fine = TASK_FORMS["goals_plan"](MultiDict({"next_appointment": tomorrow}))
    fine.validate()
    assert not fine.next_appointment.errors


def test_the_arrival_in_germany_lies_in_the_past_or_is_left_empty():
    tomorrow = (date.today() + timedelta(days=1)).isoformat()
    assert_only_error(make(ResidenceForm, arrival_date=tomorrow), "arrival_date")
    assert make(ResidenceForm, arrival_date="").validate()  # born in Germany, say
