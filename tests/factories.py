"""Test data from one place: the newcomer whose case tests open, and her interview answers."""

from __future__ import annotations

from datetime import date
from typing import Any

# What a counsellor enters to open the case.
PERSON = {"given_names": "Amina", "family_name": "Haddad", "birth_date": date(1991, 4, 12),
          "municipality": "Hildesheim"}

# Her answers to every step, as the services receive them (codes, numbers, dates): an adult
# literate in Latin script, German A2, entitled to an integration course, living alone and
# seeking work, no placement test.
ANSWERS: dict[str, dict[str, Any]] = {
    "person": {"place_of_birth": "Aleppo", "sex": "female", "nationalities": "syrisch",
               "address": "Marktstraße 1, 31134 Hildesheim", "phone": "", "email": "",
               "languages_spoken": "Arabisch (Muttersprache)", "interpreter_needed": "no",
               "interpreter_language": "", "written_language": "ar",
               "data_protection_notice_given": date(2026, 3, 2),
               "data_protection_notice_language": "Arabisch",
               "share_with_course_provider": "name",
               "share_with_other_services": "nothing"},
    "residence": {"residence_document": "residence_permit",
                  "residence_paragraph": "§ 25 Abs. 2 AufenthG", "document_issued": None,
                  "arrival_date": date(2025, 9, 1),
                  "safe_country_of_origin": "no", "course_status": "entitled",
                  "admission_application": "", "course_issuer": "auslaenderbehoerde",
                  "course_decision_date": None, "fee_exempt": "no"},
    "family": {"household": "alone", "household_members": 1, "children_count": 0,
               "children_ages": "", "young_adults_count": 0,
               "childcare_needed_during_course": "", "caring_duties": "",
               "pregnancy": ""},
    "education_work": {"school_qualification": "Abitur", "school_country": "Syrien",
                       "vocational_qualification": "", "qualification_abroad": "no",
                       "profession": "", "regulated_profession": "", "recognition_status": "",
                       "employment": "seeking", "registered_with": "jobcenter",
                       "work_experience": "Schneiderin, 6 Jahre"},
    "practical": {"availability": "full_time", "time_of_day": "mornings", "max_travel_km": 10,
                  "benefits": "sgb2", "notes": ""},
    "goals_plan": {"goals_own_words": "Arbeit in der Pflege",
                   "agreed_plan": "Integrationskurs, danach Anerkennung", "next_appointment": None},
    "language_literacy": {"german_level": "A2", "german_certificate_level": "",
                          "german_certificate_date": None, "literacy": "latin",
                          "schooling_years": 12, "integration_course_finished": "no",
                          "integration_course_level": "", "other_languages": "Englisch",
                          "placement_test_taken": "no", "placement_test_date": None,
                          "placement_test_provider": "", "placement_test_result": "",
                          "placement_recommended_course": "", "placement_deviation_reason": ""},
    "referral": {"course_type": "integrationskurs", "override_reason": ""},
    "follow_up": {"follow_up_result": "started", "reason": ""},
}


def person(**overrides) -> dict[str, Any]:
    """The newcomer's identity basics, with ``overrides`` for another person."""
    return _changed(PERSON, overrides)


def answers(form_key: str, **overrides) -> dict[str, Any]:
    """One step's answers as the services take them, with ``overrides`` of single fields."""
    return _changed(ANSWERS[form_key], overrides)


def posted(form_key: str, **overrides) -> dict[str, str]:
    """One step's answers as a browser posts them: strings, an unanswered field as ""."""
    return {"form_key": form_key, **{name: as_text(value) for name, value
                                     in answers(form_key, **overrides).items()}}


def identifying() -> tuple[str, ...]:
    """What identifies the newcomer, as text: it must not show where personal data may not."""
    return (PERSON["given_names"], PERSON["family_name"], PERSON["birth_date"].isoformat(),
            ANSWERS["person"]["place_of_birth"])


def as_text(value) -> str:
    """A value as a person types it into the form (a date as YYYY-MM-DD)."""
    if value is None:
        return ""
    return value.isoformat() if isinstance(value, date) else str(value)


def _changed(values: dict[str, Any], overrides: dict[str, Any]) -> dict[str, Any]:
    unknown = overrides.keys() - values.keys()
    assert not unknown, f"no such field in the test data: {sorted(unknown)}"
    return {**values, **overrides}
