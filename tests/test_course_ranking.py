"""Course ranking: what fits and what does not, said apart; full courses after free ones."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, timedelta

from caseapp.services import referrals
from caseapp.services.course_ranking import Needs, Offer, rank_courses, score
from tests.helpers import add_course, at_referral

TODAY = date(2026, 3, 2)
NEEDS = Needs(recommended_type="integrationskurs", other_types=frozenset({"intensivkurs"}),
              municipality="Hildesheim", max_travel_km=10, availability="full_time",
              time_of_day="mornings", childcare_needed=False, today=TODAY,
              start_target=timedelta(weeks=6))
OFFER = Offer(course_type="integrationskurs", municipality="Hildesheim", distance_km=0.7,
              start_date=TODAY + timedelta(days=20), schedule="full_time",
              time_of_day="mornings", childcare=False, seats_free=3)


def test_a_course_that_fits_in_every_way_has_no_mismatch():
    """Every criterion the person gave shows as a fit, none as a mismatch."""
    fit = score(NEEDS, OFFER)
    assert fit.mismatches == ()
    assert set(fit.fits) == {"recommended course type", "in the person's municipality",
                             "within the travel distance", "starts within the target time",
                             "full-time, as the person can attend",
                             "mornings, as the person asked", "free seats"}


def test_an_afternoon_course_for_mornings_is_a_mismatch_not_a_fit():
    """Asked for mornings, an afternoon course says so, and nothing about the time fits."""
    fit = score(NEEDS, replace(OFFER, time_of_day="afternoons"))
    assert "afternoons, but the person asked for mornings" in fit.mismatches
    assert not any("mornings" in reason or "afternoons" in reason for reason in fit.fits)
    assert fit.points < score(NEEDS, OFFER).points


def test_the_wrong_schedule_is_a_mismatch():
    """Full-time wanted, a part-time course is listed against it (and loses points)."""
    fit = score(NEEDS, replace(OFFER, schedule="part_time"))
    assert fit.mismatches == ("part-time, but the person wants full-time",)
    assert fit.points < score(NEEDS, OFFER).points


def test_missing_childcare_counts_only_against_and_only_when_needed():
    """"No childcare" is a mismatch for someone who needs it, and no reason at all otherwise."""
    needs_care = replace(NEEDS, childcare_needed=True)
    without = score(needs_care, OFFER)
    assert "no childcare, but the person needs it" in without.mismatches
    assert not any("childcare" in reason for reason in without.fits)
    with_care = score(needs_care, replace(OFFER, childcare=True))
    assert "childcare offered" in with_care.fits and with_care.mismatches == ()
    assert with_care.points > without.points
    assert not any("childcare" in r for r in (*score(NEEDS, OFFER).fits,
                                              *score(NEEDS, OFFER).mismatches))


def test_distance_and_late_start_are_mismatches():
    """Too far and starting after the course-start target both count against a course."""
    fit = score(NEEDS, replace(OFFER, distance_km=25.0, municipality="Alfeld",
                               start_date=TODAY + timedelta(weeks=7)))
    assert fit.mismatches == ("farther than the person can travel",
                              "starts later than the target time")
    assert "within the travel distance" not in fit.fits


def test_a_course_that_has_already_started_says_so_and_ranks_lower():
    """Listed for a late entry, a running course does not "start within the target time"."""
    fit = score(NEEDS, replace(OFFER, start_date=TODAY - timedelta(days=11)))
    assert "has already started: the person would join late" in fit.mismatches
    assert "starts within the target time" not in fit.fits
    assert fit.points < score(NEEDS, OFFER).points


def test_unknown_wishes_give_no_reason_either_way():
    """A criterion the interview left open is neither a fit nor a mismatch."""
    fit = score(replace(NEEDS, availability=None, time_of_day=None, max_travel_km=None),
                replace(OFFER, schedule="part_time", time_of_day="evenings"))
    assert fit.mismatches == ()
    assert not any(word in reason for reason in fit.fits
                   for word in ("part-time", "evenings", "travel"))


def test_flexible_time_fits_every_course():
    """A person free at any time of day finds every time listed as a fit."""
    for time in ("mornings", "afternoons", "evenings"):
        fit = score(replace(NEEDS, time_of_day="flexible"), replace(OFFER, time_of_day=time))
        assert "any time of day suits the person" in fit.fits and fit.mismatches == ()


def test_a_full_course_says_waiting_list_only_as_a_mismatch():
    fit = score(NEEDS, replace(OFFER, seats_free=0))
    assert "full: waiting list only" in fit.mismatches and "free seats" not in fit.fits


def test_a_type_nobody_recommended_is_left_out_and_another_recommendation_ranks_lower():
    assert score(NEEDS, replace(OFFER, course_type="alphabetisierung")) is None
    other = score(NEEDS, replace(OFFER, course_type="intensivkurs"))
    assert "fits a recommendation" in other.fits
    assert other.points < score(NEEDS, OFFER).points


def test_courses_with_free_seats_rank_before_full_ones(ctx, people, places):
    """The best-fitting course is full: it still ranks after a worse one with free seats,
    and the screen offers its waiting list instead of a booking."""
    full = add_course(ctx, places["vhs"], seats=1, title="full but near")
    late_far = add_course(ctx, places["alfeld"], days=70, title="free but far and late")
    referrals.book_seat(ctx, people["anna"], at_referral(ctx, people["anna"], family_name="X"),
                        full)
    case_id = at_referral(ctx, people["anna"])
    ranked = rank_courses(ctx, people["anna"], case_id)
    assert [m.course.id for m in ranked] == [late_far, full]
    assert ranked[1].score > ranked[0].score  # it fits better, but has no seat
    assert not ranked[1].has_free_seats and ranked[0].has_free_seats
    assert set(ranked[0].mismatches) == {"farther than the person can travel",
                                         "starts later than the target time"}


def test_the_referral_step_shows_fits_and_mismatches_apart_and_a_full_course_waits(
        ctx, login, people, places):
    """On the case page, a full course's row offers the waiting list, not a booking, and
    each reason sits in its own list, translated."""
    full = add_course(ctx, places["vhs"], seats=1, title="Voll")
    free = add_course(ctx, places["alfeld"], title="Frei")
    referrals.book_seat(ctx, people["anna"], at_referral(ctx, people["anna"], family_name="X"),
                        full)
    case_id = at_referral(ctx, people["anna"])
    html = login("anna", "de").get(f"/cases/{case_id}").text
    rows = {course: html.split(f'data-course="{course}"')[1].split("</tr>")[0]
            for course in (full, free)}
    assert "Warteliste" in rows[full] and "/referrals/book" not in rows[full]
    assert "/referrals/book" in rows[free] and "/referrals/wait" not in rows[free]
    fits, mismatches = rows[free].split('class="mismatches"')
    assert "freie Plätze" in fits and "weiter entfernt" in mismatches
    assert "weiter entfernt" not in fits and "freie Plätze" not in mismatches
    assert html.index(f'data-course="{free}"') < html.index(f'data-course="{full}"')
