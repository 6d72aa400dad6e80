"""The codes newcomers read on the slip and the public offers, with their English message
ids in the catalogues of the domain "newcomer" (extracted by the keyword ``nt_``)."""

from __future__ import annotations


def nt_(message: str) -> str:
    """Marks a newcomer text; it is translated where it is shown."""
    return message


NEWCOMER_LABELS: dict[str, dict[str, str]] = {
    "course_type": {
        "integrationskurs": nt_("Integration course"),
        "intensivkurs": nt_("Intensive integration course"),
        "alphabetisierung": nt_("Literacy course"),
        "zweitschriftlerner": nt_("Course for learners of a second script"),
        "gering_literalisiert": nt_("Course for people who read and write little"),
        "berufssprachkurs": nt_("German for work"),
        "berufssprachkurs_spezial": nt_("German for work, special course"),
        "job_berufssprachkurs": nt_("German for work, for people with a job"),
        "erstorientierung": nt_("First orientation course"),
    },
    "schedule": {"full_time": nt_("Full-time"), "part_time": nt_("Part-time")},
    "time_of_day": {"mornings": nt_("Mornings"), "afternoons": nt_("Afternoons"),
                    "evenings": nt_("Evenings")},
    "places": {"free": nt_("Places free"), "few": nt_("Few places free"),
               "waiting_list": nt_("Waiting list")},
    "offer_kind": {"volunteer_german_group": nt_("Volunteer German group"),
                   "counselling": nt_("Counselling service"),
                   "other": nt_("Other offer")},
}
