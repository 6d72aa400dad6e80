"""The monitoring's words in the reader's language: each indicator's title and definition,
its column and row headers, and how a cell reads (the page, the chart, the report and the
CSV all use these, so a CSV says exactly what its table says)."""

from __future__ import annotations

from datetime import date

from flask_babel import format_decimal
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from caseapp.services.monitoring import Table
from caseapp.services.suppression import SMALL_CELL, Hidden

from .i18n import format_day
from .labels import label_of

TITLES = {
    "intakes": _l("Intakes by month"),
    "german-levels": _l("German level of the intakes"),
    "literacy": _l("Literacy of the intakes"),
    "recommendations": _l("Recommended course type of the intakes"),
    "referrals": _l("Course referrals by course type"),
    "seats-demand": _l("Free seats against demand, by course type and municipality"),
    "waiting-times": _l("Waiting times in days"),
    "course-start": _l("Course start within the target"),
    "drop-outs": _l("Early ends (drop-outs)"),
    "dtz-results": _l("German test for immigrants (DTZ): level reached"),
    "civic-test-results": _l("“Leben in Deutschland” test"),
    "waiting-list": _l("Waiting-list length at the end of each month"),
    "follow-ups": _l("Open follow-ups today"),
    "other-offers": _l("Referrals to other offers (Kita, school, counselling)"),
}

# Translators: the definitions of the monitoring's indicators, printed on the report.
DEFINITIONS = {
    "intakes": _l("Cases opened in the period (day of the intake in the office's time "
                  "zone)."),
    "german-levels": _l("The self-reported German level of the cases opened in the period; "
                        "“not recorded” where the language step is not done yet."),
    "literacy": _l("Literacy of the cases opened in the period, as recorded in the "
                   "language step."),
    "recommendations": _l("The course type recommended in the language step, of the cases "
                          "opened in the period (the first orientation course, EOK, among "
                          "them)."),
    "referrals": _l("People first referred to a course in the period (a seat booked or a "
                    "waiting place), by the course type of that first referral."),
    "seats-demand": _l("Free seats: seats not taken in courses starting on or after the "
                       "period's first day, by the provider's municipality. Demand today: "
                       "people of open cases on a waiting list, plus open cases whose "
                       "recommended course type has no seat or waiting place yet, by the "
                       "municipality they live in. Unmet demand: demand beyond the free "
                       "seats."),
    "waiting-times": _l("Of the people first referred to a course in the period: days from "
                        "the intake to that referral; from the referral to the registration "
                        "the provider confirmed; from that registration to the start the "
                        "provider confirmed; from the referral to the start, as the provider "
                        "confirmed it or else as the follow-up answered “started” (dated by "
                        "the day the follow-up was answered). Median: half waited at most "
                        "this long; 90th percentile: nine in ten waited at most this long "
                        "(nearest rank). Not shown for fewer than five people."),
    "course-start": _l("Of the people first referred to a course in the period: who "
                       "started within %(days)s days of that referral (the target), who "
                       "started later, and who has not started (or whose start is not "
                       "known yet); start as in the waiting times."),
    "drop-outs": _l("Of the people first referred to a course in the period: who left a "
                    "course early, by the reason category the provider gave, or known from "
                    "the follow-up answer “dropped out” alone."),
    "dtz-results": _l("Of the people first referred to a course in the period: the level "
                      "their final German test reached, where the provider reported it."),
    "civic-test-results": _l("Of the people first referred to a course in the period: the "
                             "result of the orientation course's final test, where the "
                             "provider reported it."),
    "waiting-list": _l("People on a waiting list for a course at the end of each month (or "
                       "at the period's end, or now). A waiting place counts from the day it "
                       "was made until it was offered a seat, cancelled or its case closed; "
                       "for places that ended before the monitoring existed, their last "
                       "change stands in for that day, and those of them booked after "
                       "waiting are not counted."),
    "follow-ups": _l("Open cases whose follow-up (“did the course start?”) is open today, "
                     "and how many of them are overdue (escalated to the team lead)."),
    "other-offers": _l("People referred in the period to another offer, by how the referral "
                       "stands today (a person referred twice to one offer counts once per "
                       "state)."),
}

COLUMNS = {
    "people": _l("People"), "share": _l("Share"), "free_seats": _l("Free seats"),
    "waiting": _l("Waiting"), "unreferred": _l("Recommended, not referred"),
    "demand": _l("Demand"), "unmet": _l("Unmet demand"),
    "from_providers": _l("of them: start confirmed by the provider"),
    "from_follow_up": _l("of them: start from the follow-up answer"),
    "median_days": _l("Median (days)"), "p90_days": _l("90th percentile (days)"),
    "open": _l("open"), "accepted": _l("accepted"), "done": _l("done"),
    "declined": _l("declined"), "total": _l("Total"),
}

HEADERS = {
    "month": _l("Month"), "month_end": _l("End of month"), "german_level": _l("German level"),
    "literacy": _l("Literacy"), "offer": _l("Course type or offer"),
    "municipality": _l("Municipality"), "measure": _l("From → to"),
    "start": _l("Course start"), "drop_out_reason": _l("Reason"),
    "dtz_result": _l("Level reached"), "civic_test_result": _l("Result"),
    "follow_up": _l("Follow-up"),
}

ROWS = {
    "measure": {"intake_to_referral": _l("Intake → referral"),
                "referral_to_registration": _l("Referral → registration"),
                "registration_to_start": _l("Registration → course start"),
                "referral_to_start": _l("Referral → course start")},
    "start": {"within_target": _l("Started within the target"),
              "later": _l("Started later"),
              "not_started": _l("Not started, or start not known yet")},
    "follow_up": {"in_time": _l("Open, not overdue"), "overdue": _l("Overdue")},
    "drop_out_reason": {"follow_up": _l("known from the follow-up only")},
}


def title(key: str) -> str:
    return str(TITLES[key])


def definition(key: str, target_days: int) -> str:
    return str(DEFINITIONS[key]) % {"days": target_days} if key == "course-start" \
        else str(DEFINITIONS[key])


def header_texts(table: Table) -> list[str]:
    return [str(HEADERS[h]) for h in table.headers] + [str(COLUMNS[c]) for c in table.columns]


def row_texts(table: Table, row) -> list[str]:
    """The row's headers: "Total" for the total row, else each code by its label."""
    if row.total:
        return [_("Total"), *([""] * (len(table.headers) - 1))]
    return [row_label(vocabulary, code) for vocabulary, code in zip(table.headers, row.key,
                                                                    strict=True)]


def row_label(vocabulary: str, code) -> str:
    if isinstance(code, date):
        return format_day(code, "MMMM y")
    if code == "":
        return _("not recorded")
    if code in ROWS.get(vocabulary, {}):
        return str(ROWS[vocabulary][code])
    if vocabulary == "municipality":
        return str(code)
    return label_of(vocabulary, code)


def cell_text(value, kind: str) -> str:
    """A cell as the table, the chart and the CSV show it."""
    if value == Hidden.SMALL and kind in ("people", "derived"):
        return _("< %(small)s", small=SMALL_CELL)
    if isinstance(value, Hidden):
        return _("not shown")
    if value is None:
        return "–"
    if kind == "share":
        return _("%(share)s %%", share=format_decimal(value, "0.#"))
    return format_decimal(value, "0.#")


def rows_of(table: Table) -> list[list[str]]:
    """The table as text, header row first: what the page shows and the CSV holds."""
    return [header_texts(table)] + [
        row_texts(table, row) + [cell_text(v, k) for v, k in zip(row.cells, table.kinds,
                                                                strict=True)]
        for row in table.rows]
