"""The referral decision (bpmn/referral.dmn, hit policy COLLECT) on the real process files.

Each test drives the whole first-orientation process through the interview with a baseline
newcomer, changes only what one rule needs, and reads what the referral task receives:
``recommended_offers`` and ``recommendation_rules`` (one entry per matching row, in row
order) and the main recommendation ``recommended_course_type`` / ``recommendation_rule``.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from importlib.resources import files
from pathlib import Path

import pytest

from forms import TASK_FORMS
from tests.factories import answers
from tests.helpers import STEPS
from workflows import ProcessEngine, load_library

BPMN = Path(str(files("bpmn")))
START = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
SETTINGS = {"follow_up_period": "P42D", "follow_up_grace_period": "P7D", "age_at_intake": 34,
            "intake_date": START.date()}

# The factory's newcomer (an adult literate in Latin script, A2, entitled to an integration
# course, arrived half a year ago, no children, no qualification abroad, no integration
# course finished), here not seeking work: only the rules a test names apply to her.
BASELINE_CHANGES = {"education_work": {"employment": "not_seeking", "registered_with": "none"}}
INTERVIEW_STEPS = STEPS[:STEPS.index("referral")]
COURSE_TYPES = {"alphabetisierung", "zweitschriftlerner", "gering_literalisiert",
                "intensivkurs", "integrationskurs", "erstorientierung", "berufssprachkurs"}


@pytest.fixture(scope="module")
def engine():
    return ProcessEngine(load_library(BPMN, main_process="first_orientation", form_keys=TASK_FORMS))


def referral_data(engine, start=None, **changes):
    """Run the interview with the baseline plus ``changes`` ({form key: {field: value}});
    ``start`` adds to the start data (the application sets ``age_at_intake`` there)."""
    run = engine.start({**SETTINGS, **(start or {})}, now=START)
    for form_key in INTERVIEW_STEPS:
        [task] = run.ready_human_tasks()
        assert task.form_key == form_key
        run.complete(task.id, answers(form_key, **{**BASELINE_CHANGES.get(form_key, {}),
                                                   **changes.get(form_key, {})}), now=START)
    [task] = run.ready_human_tasks()
    assert task.form_key == "referral"
    return run.task_data(task.id)


def steps(data) -> dict[str, str]:
    """Offer code -> the next administrative step shown with it."""
    assert len(data["recommended_offers"]) == len(data["next_steps"])
    return dict(zip(data["recommended_offers"], data["next_steps"], strict=True))


def offers(data) -> dict[str, str]:
    """Offer code -> the rule that produced it."""
    assert len(data["recommended_offers"]) == len(data["recommendation_rules"])
    return dict(zip(data["recommended_offers"], data["recommendation_rules"], strict=True))


# One case per row of referral.dmn, in row order: (offer, rule text, changes to the baseline).
ROWS = [
    ("alphabetisierung", "not literate in any script",
     {"language_literacy": {"literacy": "none"}}),
    ("zweitschriftlerner", "literate only in a non-Latin script, German below B1",
     {"language_literacy": {"literacy": "other_script"}}),
    ("gering_literalisiert", "literate in Latin script but little schooling",
     {"language_literacy": {"schooling_years": 3}}),
    ("intensivkurs", "placement test predicts fast progress",
     {"language_literacy": {"placement_test_taken": "yes", "placement_test_result": "A2",
                            "placement_recommended_course": "intensivkurs"}}),
    ("integrationskurs", "literate in Latin script, below B1, a route into an integration "
     "course", {"residence": {"course_status": "obliged"}}),
    ("erstorientierung", "seeking protection, German below B1, not (yet) admitted to an "
     "integration course", {"residence": {"residence_document": "aufenthaltsgestattung",
                                          "course_status": "not_eligible"}}),
    ("berufssprachkurs", "German at B1 or above, working or seeking work",
     {"language_literacy": {"german_level": "B1"}, "education_work": {"employment": "seeking"}}),
    ("job_berufssprachkurs", "German at A2 or above, employed or with a job offer",
     {"education_work": {"employment": "employed"}}),
    ("berufssprachkurs_spezial", "integration course finished at A2, not B1",
     {"language_literacy": {"integration_course_finished": "yes",
                            "integration_course_level": "A2"},
      "education_work": {"employment": "seeking"}}),
    ("berufssprachkurs_spezial", "integration course finished below A2",
     {"language_literacy": {"integration_course_finished": "yes",
                            "integration_course_level": "below_a2", "german_level": "A1"},
      "education_work": {"employment": "seeking"}}),
    ("school_enrolment", "child of school age",
     {"family": {"children_count": 1, "children_ages": "8"}}),
    ("kita", "child aged 1-5 (legal right to a Kita place)",
     {"family": {"children_count": 1, "children_ages": "3"}}),
    ("recognition_counselling", "qualification obtained abroad",
     {"education_work": {"qualification_abroad": "yes"}}),
    ("jmd", "aged 12-27", {"start": {"age_at_intake": 20}}),
    ("jmd", "children aged 12-27 in the household",
     {"family": {"children_count": 1, "children_ages": "14"}}),
    ("mbe", "over 27, arrived less than three years ago", {}),
    ("mbe", "over 27, date of arrival not recorded", {"residence": {"arrival_date": None}}),
]


# One case per row of admission.dmn, in row order: (route, application) -> (admitted, step).
ADMISSION_STEPS = {
    ("entitled", ""): "register with a course provider, bringing the certificate of "
    "entitlement",
    ("obliged", ""): "register with a course provider without delay, bringing the "
    "obligation to attend",
    ("admission_possible", "admitted"): "register with a course provider, bringing BAMF's "
    "admission",
    ("admission_possible", "applied"): "wait for BAMF's decision on the application for "
    "admission",
    ("admission_possible", "not_applied"): "apply to BAMF for admission to an integration "
    "course (within free places)",
    ("not_eligible", ""): "no integration course: look at the other offers",
    ("unknown", ""): "clarify the admission route with the Ausländerbehörde, the Jobcenter "
    "or BAMF",
}
ADMITTED = {("entitled", ""), ("obliged", ""), ("admission_possible", "admitted")}
# The rows whose course is an integration course (language part + Orientierungskurs).
INTEGRATION_COURSES = ("alphabetisierung", "zweitschriftlerner", "gering_literalisiert",
                       "intensivkurs", "integrationskurs")


@pytest.mark.parametrize("offer, rule, changes", ROWS, ids=[row[1] for row in ROWS])
def test_row_matches(engine, offer, rule, changes):
    data = referral_data(engine, **changes)
    assert offers(data).get(offer) == rule
    if offer in INTEGRATION_COURSES:  # the step of the route the row was tested with
        route = changes.get("residence", {}).get("course_status", "entitled")
        assert steps(data)[offer] == ADMISSION_STEPS[(route, "")]
    else:
        assert steps(data)[offer]


@pytest.mark.parametrize("route, application", ADMISSION_STEPS,
                         ids=["-".join(filter(None, key)) for key in ADMISSION_STEPS])
def test_admission_route_gives_admission_and_the_next_step(engine, route, application):
    data = referral_data(engine, residence={"course_status": route,
                                            "admission_application": application})
    assert data["admission_route"] == route
    assert data["admitted_to_integration_course"] is ((route, application) in ADMITTED)
    assert data["admission_next_step"] == ADMISSION_STEPS[(route, application)]


def test_every_row_of_the_admission_table_is_tested():
    dmn = (BPMN / "admission.dmn").read_text()
    for step in ADMISSION_STEPS.values():
        assert f'<text>"{step}"</text>' in dmn
    assert dmn.count("<rule ") == len(ADMISSION_STEPS)


@pytest.mark.parametrize("offer", INTEGRATION_COURSES)
@pytest.mark.parametrize("route", ["not_eligible", "unknown", "admission_possible"])
def test_every_integration_course_row_depends_on_the_admission_route(engine, offer, route):
    """Not eligible or no route known: no integration course of any kind; admission on
    application: the course, with the application to BAMF as the next step."""
    [changes] = [changes for row, _rule, changes in ROWS if row == offer]
    data = referral_data(engine, **{**changes, "residence": {"course_status": route}})
    if route == "admission_possible":
        assert steps(data)[offer] == ADMISSION_STEPS[(route, "not_applied")]
    else:
        assert offer not in data["recommended_offers"]
        assert data["admission_next_step"] == ADMISSION_STEPS[(route, "")]


def test_every_row_of_the_table_is_tested():
    dmn = (BPMN / "referral.dmn").read_text()
    for offer, rule, _changes in ROWS:
        assert f'<text>"{offer}"</text>' in dmn and f'<text>"{rule}"</text>' in dmn
    assert dmn.count("<rule ") == len(ROWS)
    # an integration course's next step is the one of the admission route, from admission.dmn
    assert dmn.count("<text>admission_next_step</text>") == len(INTEGRATION_COURSES)


def test_baseline_gets_the_integration_course_and_adult_counselling(engine):
    data = referral_data(engine)
    assert data["recommended_offers"] == ["integrationskurs", "mbe"]
    assert data["recommendation_rules"] == [
        "literate in Latin script, below B1, a route into an integration course",
        "over 27, arrived less than three years ago"]
    assert data["recommended_course_type"] == "integrationskurs"
    assert data["recommendation_rule"] == ("literate in Latin script, below B1, a route into "
                                           "an integration course")


def test_family_with_a_small_and_a_school_child_gets_kita_and_school(engine):
    data = referral_data(engine, family={"household": "single_parent", "household_members": 3,
                                         "children_count": 2, "children_ages": "3, 8"})
    assert data["recommended_offers"] == ["integrationskurs", "school_enrolment", "kita", "mbe"]
    assert (data["school_age_children"], data["kita_age_children"]) == (1, 1)
    assert data["recommended_course_type"] == "integrationskurs"


@pytest.mark.parametrize("ages, school, kita", [
    ("0", 0, 0), ("1", 0, 1), ("5", 0, 1), ("6", 1, 0), ("17", 1, 0), ("0, 1, 6, 17", 2, 1)])
def test_age_bands_of_children(engine, ages, school, kita):
    data = referral_data(engine, family={"children_count": len(ages.split(",")),
                                         "children_ages": ages})
    assert (data["school_age_children"], data["kita_age_children"]) == (school, kita)
    assert ("school_enrolment" in data["recommended_offers"]) is (school > 0)
    assert ("kita" in data["recommended_offers"]) is (kita > 0)


@pytest.mark.parametrize("age, expected", [
    (11, set()), (12, {"jmd"}), (27, {"jmd"}), (28, {"mbe"}), (34, {"mbe"})])
def test_counselling_service_by_age(engine, age, expected):
    data = referral_data(engine, {"age_at_intake": age})
    assert set(data["recommended_offers"]) & {"jmd", "mbe"} == expected


@pytest.mark.parametrize("changes, course, rule", [
    ({"language_literacy": {"literacy": "none"}}, "alphabetisierung",
     "not literate in any script"),
    ({"language_literacy": {"literacy": "other_script", "german_level": "none"}},
     "zweitschriftlerner", "literate only in a non-Latin script, German below B1"),
    ({"language_literacy": {"schooling_years": 2}}, "gering_literalisiert",
     "literate in Latin script but little schooling"),
    ({"language_literacy": {"placement_test_taken": "yes", "placement_test_result": "A2",
                            "placement_recommended_course": "intensivkurs"}},
     "intensivkurs", "placement test predicts fast progress"),
])
def test_main_course_is_the_first_course_offer(engine, changes, course, rule):
    """Entitled in every case, yet the more specific course comes first."""
    data = referral_data(engine, **changes)
    assert (data["recommended_course_type"], data["recommendation_rule"]) == (course, rule)
    assert data["recommended_offers"][0] == course


def test_little_schooling_replaces_the_general_course(engine):
    data = referral_data(engine, language_literacy={"schooling_years": 5})
    assert data["little_schooling"] is True
    assert data["recommended_offers"] == ["gering_literalisiert", "mbe"]
    assert referral_data(engine, language_literacy={"schooling_years": 6})[
        "recommended_offers"] == ["integrationskurs", "mbe"]


def test_protection_seeker_admitted_to_a_course_gets_no_first_orientation_course(engine):
    data = referral_data(engine, residence={"residence_document": "duldung",
                                            "course_status": "admission_possible",
                                            "admission_application": "admitted"})
    assert data["seeking_protection"] is True
    assert data["admitted_to_integration_course"] is True
    assert data["recommended_offers"] == ["integrationskurs", "mbe"]


@pytest.mark.parametrize("application", ["not_applied", "applied"])
def test_admission_possible_is_not_admitted_so_the_first_orientation_course_bridges(
        engine, application):
    """Admission on application within free places: the integration course with its next
    step, and meanwhile the EOK for someone seeking protection."""
    data = referral_data(engine, residence={"residence_document": "aufenthaltsgestattung",
                                            "course_status": "admission_possible",
                                            "admission_application": application})
    assert data["admitted_to_integration_course"] is False
    assert data["recommended_offers"] == ["integrationskurs", "erstorientierung", "mbe"]
    assert steps(data)["integrationskurs"] == ADMISSION_STEPS[("admission_possible",
                                                               application)]


def test_placement_course_without_a_test_is_ignored(engine):
    data = referral_data(engine, language_literacy={
        "placement_recommended_course": "intensivkurs"})
    assert "intensivkurs" not in data["recommended_offers"]


def test_several_offers_are_collected_with_their_rules(engine):
    data = referral_data(
        engine, {"age_at_intake": 24},
        residence={"residence_document": "temporary_protection_24",
                   "course_status": "unknown"},
        language_literacy={"german_level": "B2"},
        education_work={"qualification_abroad": "yes", "employment": "job_offer"},
        family={"children_count": 2, "children_ages": "4, 11"})
    assert offers(data) == {
        "berufssprachkurs": "German at B1 or above, working or seeking work",
        "job_berufssprachkurs": "German at A2 or above, employed or with a job offer",
        "school_enrolment": "child of school age",
        "kita": "child aged 1-5 (legal right to a Kita place)",
        "recognition_counselling": "qualification obtained abroad",
        "jmd": "aged 12-27",
    }
    assert data["recommended_course_type"] == "berufssprachkurs"


def test_no_course_rule_gives_none(engine):
    data = referral_data(engine, residence={"course_status": "not_eligible"},
                         language_literacy={"german_level": "B2"})
    assert data["recommended_offers"] == ["mbe"]
    assert not COURSE_TYPES & set(data["recommended_offers"])
    assert (data["recommended_course_type"], data["recommendation_rule"]) == (
        "none", "no course rule applied")


def test_nothing_matching_at_all_gives_empty_lists(engine):
    data = referral_data(engine, {"age_at_intake": 8},
                         residence={"course_status": "not_eligible"},
                         language_literacy={"german_level": "B1"})
    assert (data["recommended_offers"], data["recommendation_rules"]) == ([], [])
    assert data["recommended_course_type"] == "none"


def test_missing_and_empty_answers_do_not_stop_the_process(engine):
    """Steps completed without fields, no age at intake: the referral still comes."""
    run = engine.start({"follow_up_period": "P42D", "follow_up_grace_period": "P7D"},
                       now=START)
    for form_key in INTERVIEW_STEPS:
        [task] = run.ready_human_tasks()
        data = {"literacy": "none"} if form_key == "language_literacy" else {}
        if form_key == "family":
            data = {"children_count": None, "children_ages": None}
        run.complete(task.id, data, now=START)
    [task] = run.ready_human_tasks()
    data = run.task_data(task.id)
    assert task.form_key == "referral"
    assert (data["child_ages"], data["little_schooling"]) == ([], False)
    # no admission route recorded (as in answers from before it was asked): unknown
    assert (data["admission_route"], data["admitted_to_integration_course"]) == (
        "unknown", False)
    assert data["admission_next_step"] == ADMISSION_STEPS[("unknown", "")]
    assert data["recommended_offers"] == []


def test_children_ages_that_are_not_whole_numbers_are_ignored(engine):
    data = referral_data(engine, family={"children_count": 3, "children_ages": "3, ?, x7"})
    assert data["child_ages"] == [3]


def test_a_b1_certificate_takes_the_second_script_course_off_the_main_recommendation(engine):
    """Literate only in another script but German proven at B1: the job-related course is
    what she needs, not learning to write German letters from the start."""
    data = referral_data(engine, language_literacy={
        "literacy": "other_script", "german_level": "A2", "german_certificate_level": "B1"},
        education_work={"employment": "seeking"})
    assert data["german_level_reached"] == "B1"
    assert "zweitschriftlerner" not in data["recommended_offers"]
    assert data["recommended_course_type"] == "berufssprachkurs"


@pytest.mark.parametrize("level, bridge", [("A2", True), ("B1", False), ("C1", False)])
def test_the_first_orientation_course_is_for_beginners(engine, level, bridge):
    data = referral_data(engine, residence={"residence_document": "duldung",
                                            "course_status": "not_eligible"},
                         language_literacy={"german_level": level})
    assert ("erstorientierung" in data["recommended_offers"]) is bridge


@pytest.mark.parametrize("level, employment, finished, expected", [
    ("A2", "employed", "", ["job_berufssprachkurs"]),
    ("A2", "job_offer", "", ["job_berufssprachkurs"]),
    ("A1", "employed", "", []),
    ("A2", "seeking", "", []),
    ("A2", "seeking", "A2", ["berufssprachkurs_spezial"]),
    ("A1", "seeking", "below_a2", ["berufssprachkurs_spezial"]),
    ("A2", "employed", "A2", ["job_berufssprachkurs", "berufssprachkurs_spezial"]),
    ("A2", "seeking", "B1", ["berufssprachkurs"]),
    ("A2", "not_seeking", "A2", []),
    ("B1", "employed", "", ["berufssprachkurs", "job_berufssprachkurs"]),
])
def test_job_related_courses_from_a2_and_after_an_integration_course(
        engine, level, employment, finished, expected):
    """Job-BSK from A2 with a job or an offer; the special module after an integration course
    finished without B1 (A2 -> B1, below A2 -> A2); the basic courses from B1, which a
    finished integration course can prove."""
    data = referral_data(engine, education_work={"employment": employment},
                         language_literacy={"german_level": level,
                                            "integration_course_finished":
                                            "yes" if finished else "no",
                                            "integration_course_level": finished})
    bsk = ("berufssprachkurs", "job_berufssprachkurs", "berufssprachkurs_spezial")
    assert [offer for offer in data["recommended_offers"] if offer in bsk] == expected
    if expected and finished:  # no integration course again: the first job course is main
        assert data["recommended_course_type"] == expected[0]


def test_no_second_integration_course_after_a_finished_one(engine):
    data = referral_data(engine, language_literacy={"integration_course_finished": "yes",
                                                    "integration_course_level": "A2"})
    assert not set(INTEGRATION_COURSES) & set(data["recommended_offers"])


@pytest.mark.parametrize("age, children, grown_up, rule", [
    (34, "11", 0, None),
    (34, "12", 0, "children aged 12-27 in the household"),
    (34, "3, 17", 0, "children aged 12-27 in the household"),
    (45, "", 1, "children aged 12-27 in the household"),
    (20, "14", 0, "aged 12-27"),  # once, for the person herself
    (10, "", 0, None),
])
def test_youth_migration_service_for_the_young_people_of_the_household(
        engine, age, children, grown_up, rule):
    count = len(children.split(",")) if children else 0
    data = referral_data(engine, {"age_at_intake": age},
                         family={"children_count": count, "children_ages": children,
                                 "young_adults_count": grown_up})
    jmd = [r for o, r in zip(data["recommended_offers"], data["recommendation_rules"],
                             strict=True) if o == "jmd"]
    assert jmd == ([rule] if rule else [])


@pytest.mark.parametrize("arrival, years, mbe", [
    (date(2026, 2, 1), 0, "over 27, arrived less than three years ago"),
    (date(2023, 3, 3), 2, "over 27, arrived less than three years ago"),
    (date(2023, 3, 2), 3, None),  # three years to the day: over
    (date(2019, 7, 1), 6, None),
    (None, None, "over 27, date of arrival not recorded"),
])
def test_adult_migration_counselling_looks_at_the_time_since_arrival(engine, arrival, years,
                                                                      mbe):
    data = referral_data(engine, residence={"arrival_date": arrival})
    assert data["years_since_arrival"] == years
    assert offers(data).get("mbe") == mbe


def test_without_an_intake_date_the_arrival_cannot_be_counted(engine):
    """A case started before the intake date was recorded: MBE stays, to be checked."""
    data = referral_data(engine, {"intake_date": None})
    assert data["years_since_arrival"] is None
    assert offers(data)["mbe"] == "over 27, date of arrival not recorded"
