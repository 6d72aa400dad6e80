"""Bildungsmonitoring: every indicator on a small district worked through the services,
against figures computed by hand; small cells suppressed so that no total gives one away,
in the page and in its CSV; who may look, and bad filters refused clearly."""

from __future__ import annotations

import csv
import io
import re
from datetime import date, timedelta
from html import unescape

import pytest
from sqlalchemy import func, select

from caseapp import create_app
from caseapp.models import AuditEvent, Course, Referral, Team
from caseapp.services import monitoring, provider_referrals, referrals, timers, users
from caseapp.services.actor import SYSTEM, Actor
from caseapp.services.errors import Forbidden, InvalidInput
from caseapp.services.suppression import Hidden, suppressed_cells
from tests.conftest import PASSWORD, TestConfig
from tests.factories import posted
from tests.helpers import add_course, at_referral, complete, full_scans, open_case, query_plans
from tests.test_providers import staff_of
from tests.test_read_only import fingerprint
from tests.url_walk import CASE_PAGES, walk

SMALL, SECONDARY = Hidden.SMALL, Hidden.SECONDARY
PERIOD = monitoring.Query(start="2026-03-01", end="2026-04-30")


def coordinator(ctx) -> Actor:
    user = users.create_user(ctx, SYSTEM, username="miriam", display_name="Miriam Schulte",
                             password=PASSWORD, role="coordination", team_name=None)
    return Actor(user.id, user.username, user.display_name, user.role, None)


@pytest.fixture
def district(ctx, people, places, clock):
    """On Monday 2 March 2026 six people of Hildesheim are referred to an integration
    course (five seats booked, one waiting place) and five of Alfeld wait at the referral
    step with a recommendation and a Kita referral; the providers confirm registrations and
    starts, one early end and one result; on 6 April five more intakes in Alfeld."""
    anna = people["anna"]
    vhs = staff_of(ctx, places["vhs"])
    course = add_course(ctx, places["vhs"], seats=10, days=20)  # starts Sunday 22 March
    booked, seats = [], []
    for n in range(5):
        case_id = at_referral(ctx, anna, family_name=f"Gebucht{n}")
        seats.append(referrals.book_seat(ctx, anna, case_id, course).id)
        complete(ctx, anna, case_id, "referral")
        booked.append(case_id)
    waiting = at_referral(ctx, anna, family_name="Wartend")
    referrals.join_waiting_list(ctx, anna, waiting, provider_id=places["alfeld"],
                                course_type="integrationskurs")
    complete(ctx, anna, waiting, "referral")
    kita = []
    for n in range(5):
        case_id = at_referral(ctx, anna, family_name=f"Alfeld{n}", municipality="Alfeld")
        kita.append(referrals.refer_offer(ctx, anna, case_id, "kita").id)
    referrals.set_offer_status(ctx, anna, kita[0], "done")

    clock.advance(days=22)  # Tuesday 24 March
    for n, seat in enumerate(seats):  # registered 7, 8, 9, 10 and 11 March: 5 to 9 days
        provider_referrals.confirm_registration(ctx, vhs, seat, date(2026, 3, 7 + n))
    for seat in seats[:4]:
        provider_referrals.confirm_start(ctx, vhs, seat, date(2026, 3, 23))  # 21 days

    clock.advance(days=13)  # Monday 6 April: the fifth's follow-up came due on 29 March
    provider_referrals.report_drop_out(ctx, vhs, seats[3], date(2026, 3, 30), "work")
    provider_referrals.report_exam(ctx, vhs, seats[0], dtz_result="B1",
                                   civic_test_result="passed")
    timers.fire_due_timers(ctx)
    complete(ctx, anna, booked[4], "follow_up", follow_up_result="started")  # 35 days
    for n in range(5):
        open_case(ctx, anna, family_name=f"Neu{n}", municipality="Alfeld")
    return {"course": course, "booked": booked, "waiting": waiting}


def cells(table, key) -> tuple:
    return next(row.cells for row in table.rows if row.key == key)


def test_every_indicator_matches_the_figures_computed_by_hand(ctx, people, district, clock):
    board = monitoring.dashboard(ctx, coordinator(ctx), PERIOD)
    t = board.tables
    march, april = date(2026, 3, 1), date(2026, 4, 1)
    # 6 + 5 opened in March, 5 in April.
    assert [(row.key, row.cells) for row in t["intakes"].rows] == [
        ((march,), (11,)), ((april,), (5,)), (("total",), (16,))]
    # The April intakes have not reached the language step.
    assert cells(t["german-levels"], ("A2",)) == (11,)
    assert cells(t["german-levels"], ("",)) == (5,)
    assert cells(t["literacy"], ("latin",)) == (11,)
    assert cells(t["recommendations"], ("integrationskurs",)) == (11,)
    assert cells(t["recommendations"], ("total",)) == (16,)
    assert cells(t["referrals"], ("integrationskurs",)) == (6,)

    times = t["waiting-times"]
    # intake and referral on the same day, six people
    assert cells(times, ("intake_to_referral",)) == (6, None, None, 0, 0)
    # 5, 6, 7, 8, 9 days: median 7, 90th percentile (nearest rank of 5: the 5th) 9
    assert cells(times, ("referral_to_registration",)) == (5, None, None, 7, 9)
    # four confirmed starts after 16, 15, 14 and 13 days: too few to show
    assert cells(times, ("registration_to_start",)) == (SMALL, None, None, SMALL, SMALL)
    # 21, 21, 21, 21 (providers) and 35 (follow-up answer): median 21, p90 35
    assert cells(times, ("referral_to_start",)) == (5, SMALL, SMALL, 21, 35)

    starts = t["course-start"]
    assert cells(starts, ("within_target",)) == (5, 83.3)  # five of six within 42 days
    assert cells(starts, ("later",)) == (SMALL, SMALL)
    assert cells(starts, ("not_started",)) == (SMALL, SMALL)
    assert cells(starts, ("total",)) == (6, None)
    assert cells(t["drop-outs"], ("work",)) == (SMALL,)
    assert cells(t["dtz-results"], ("B1",)) == (SMALL,)
    assert cells(t["civic-test-results"], ("passed",)) == (SMALL,)
    # one person waits since 2 March: at the end of March, and today
    assert [row.cells for row in t["waiting-list"].rows] == [(SMALL,), (SMALL,)]

    ctx.session.rollback()
    course = ctx.session.get(Course, district["course"])
    free = course.seats_total - course.seats_taken
    seats = t["seats-demand"]
    # Hildesheim: the VHS course's free seats; one person waiting (lives in Hildesheim).
    assert cells(seats, ("integrationskurs", "Hildesheim")) == (free, SMALL, SMALL, SMALL,
                                                                SECONDARY)
    # Alfeld: five recommended, not referred; the demand column's total (6) would give
    # Hildesheim's 1 away beside Alfeld's 5, so Alfeld's demand is hidden too.
    assert cells(seats, ("integrationskurs", "Alfeld")) == (0, SMALL, SECONDARY, SECONDARY,
                                                            SECONDARY)
    # The unmet total (Alfeld's 5, no seats there) would tell the hidden rows apart.
    assert cells(seats, ("total", "")) == (free, SMALL, SECONDARY, 6, SECONDARY)
    # one Kita referral done, four open: five people
    assert cells(t["other-offers"], ("kita",)) == (SMALL, SMALL, SMALL, SMALL, 5)
    assert cells(t["follow-ups"], ("total",)) == (SMALL,)
    assert board.key_figures.intakes == 16 and board.key_figures.median_referral_to_start == 21


def test_a_team_and_a_municipality_narrow_every_figure(ctx, people, district):
    lea = people["lea"]
    own = monitoring.dashboard(ctx, lea, PERIOD)
    assert own.filters.team_name == "Nord"  # a team lead's default: the own team
    assert cells(own.tables["intakes"], ("total",)) == (16,)
    south = monitoring.dashboard(ctx, lea, monitoring.Query(
        start=PERIOD.start, end=PERIOD.end, team=str(people["sami"].team_id)))
    assert cells(south.tables["intakes"], ("total",)) == (SMALL,)
    alfeld = monitoring.dashboard(ctx, lea, monitoring.Query(
        start=PERIOD.start, end=PERIOD.end, team=monitoring.DISTRICT, municipality="Alfeld"))
    assert alfeld.filters.team_id is None
    assert cells(alfeld.tables["intakes"], ("total",)) == (10,)
    assert cells(alfeld.tables["referrals"], ("total",)) == (SMALL,)


def test_suppression_hides_a_second_cell_wherever_one_alone_would_be_derivable():
    # 2 + 9 + 30 = 41: the 2 alone hidden would be 41 - 9 - 30, so the 9 goes too.
    values = {(0, 0): 2, (1, 0): 9, (2, 0): 30, (3, 0): 41}
    line = [(0, 0), (1, 0), (2, 0), (3, 0)]
    assert suppressed_cells(values, [line]) == {(0, 0): SMALL, (1, 0): SECONDARY}
    # Two lines through one table: hiding for one line makes the other need a second too.
    grid = {(0, 0): 3, (0, 1): 10, (0, 2): 13, (1, 0): 20, (1, 1): 8, (1, 2): 28,
            (2, 0): 23, (2, 1): 18, (2, 2): 41}
    lines = [[(r, 0), (r, 1), (r, 2)] for r in range(3)] + \
        [[(0, c), (1, c), (2, c)] for c in range(3)]
    hidden = suppressed_cells(grid, lines)
    for line in lines:
        assert sum(cell in hidden for cell in line) != 1
    assert hidden[(0, 0)] == SMALL and len(hidden) >= 4
    assert suppressed_cells({(0, 0): 7, (1, 0): 7}, [[(0, 0), (1, 0)]]) == {}


def page_tables(html: str) -> dict[str, list[list[str]]]:
    """Each indicator's table on the page as rows of cell texts."""
    found = {}
    for key, body in re.findall(r'<table data-indicator="([^"]+)">(.*?)</table>', html, re.S):
        found[key] = [[unescape(re.sub(r"<[^>]+>", "", cell)).strip()
                       for cell in re.findall(r"<t[hd][^>]*>(.*?)</t[hd]>", row, re.S)]
                      for row in re.findall(r"<tr[^>]*>(.*?)</tr>", body, re.S)]
    return found


def number(text: str) -> int | None:
    return int(text) if text.isdigit() else None


def test_no_hidden_count_is_a_total_minus_the_shown_ones_in_the_page_or_csv(
        app, ctx, login, people, district):
    """From February: no intake that month (hidden) is not April's five beside the
    total, so April's count is hidden too; every CSV is exactly its table."""
    coordinator(ctx)
    client = login("miriam")
    query = {"from": "2026-02-01", "to": "2026-04-30"}
    page = client.get("/monitoring/", query_string=query)
    assert page.status_code == 200
    tables = page_tables(page.text)
    assert tables["intakes"][1:] == [["February 2026", "< 5"], ["March 2026", "11"],
                                     ["April 2026", "not shown"], ["Total", "16"]]
    assert set(tables) == set(monitoring.INDICATORS)
    for key, rows in tables.items():
        response = client.get(f"/monitoring/{key}.csv", query_string=query)
        assert response.status_code == 200 and response.mimetype == "text/csv"
        assert list(csv.reader(io.StringIO(response.data.decode("utf-8")))) == rows, key
        body = rows[1:]
        if body and body[-1][0] == "Total":  # each column's parts and its total
            for column in range(1, len(rows[0])):
                line = [row[column] for row in body]
                if all(text == "–" for text in line):
                    continue
                hidden = [text for text in line if number(text) is None]
                assert len(hidden) != 1, (key, column, line)
    for row in tables["other-offers"][1:] + tables["seats-demand"][1:]:
        parts = row[-5:-1] if len(row) == 6 else row[3:6]
        assert sum(number(text) is None for text in parts) != 1, row
    ctx.session.rollback()
    events = list(ctx.session.scalars(select(AuditEvent.type).where(
        AuditEvent.actor_id == ctx.session.scalar(
            select(users.User.id).where(users.User.username == "miriam")))))
    assert events.count("monitoring_viewed") == 1
    assert events.count("monitoring_exported") == len(monitoring.INDICATORS)


def test_the_report_names_period_filters_and_every_definition(app, ctx, login, people,
                                                              district):
    report = login("lea", "de").get("/monitoring/report?from=2026-03-01&to=2026-04-30")
    assert report.status_code == 200
    text = unescape(report.text)
    assert "01.03.2026" in text and "30.04.2026" in text and "Team: Nord" in text
    assert text.count('role="img"') == len(monitoring.INDICATORS)
    assert "Median" in text and "Gebucht" not in text and "Haddad" not in text


@pytest.mark.parametrize("query, message, german", [
    ({"from": "2026-05-01", "to": "2026-04-01"}, "after its last day", "nach seinem letzten"),
    ({"from": "1850-01-01"}, "between 2000", "zwischen 2000"),
    ({"from": "morgen"}, "first day cannot be read", "erste Tag des Zeitraums ist nicht"),
    ({"to": "31.02.2026"}, "last day cannot be read", "letzte Tag des Zeitraums ist nicht"),
    ({"team": "999999"}, "no team of that kind", "Dieses Team gibt es nicht"),
    ({"team": "1 OR 1=1"}, "no team of that kind", "Dieses Team gibt es nicht"),
    ({"municipality": "Atlantis"}, "no municipality of that name", "keine Gemeinde"),
])
def test_a_filter_that_is_none_is_refused_clearly(app, ctx, login, people, places, query,
                                                  message, german):
    page = login("adam").get("/monitoring/", query_string=query)
    assert page.status_code == 422 and message in unescape(page.text)
    assert 'name="from"' in page.text  # the filters stay, to be corrected
    csv_refused = login("adam", "de").get("/monitoring/intakes.csv", query_string=query)
    assert csv_refused.status_code == 422 and german in unescape(csv_refused.text)
    with pytest.raises(InvalidInput):
        monitoring.dashboard(ctx, people["adam"], monitoring.Query(
            start=query.get("from", ""), end=query.get("to", ""), team=query.get("team", ""),
            municipality=query.get("municipality", "")))


def test_only_team_leads_admins_and_the_coordination_see_the_monitoring(app, ctx, login,
                                                                        people, places):
    for role in ("anna", "ida"):
        with pytest.raises(Forbidden):
            monitoring.dashboard(ctx, people[role], monitoring.Query())
        assert login(role).get("/monitoring/").status_code == 403
    users.create_user(ctx, SYSTEM, username="petra", display_name="Petra Lange",
                      password=PASSWORD, role="provider", team_name=None,
                      provider_id=places["vhs"])
    assert login("petra").get("/monitoring/intakes.csv").status_code == 403
    assert login("adam").get("/monitoring/nothing.csv").status_code == 404
    coordinator(ctx)
    home = login("miriam").get("/", follow_redirects=True)
    assert home.status_code == 200 and "Monitoring" in home.text


def test_the_coordination_role_is_granted_without_a_second_admin(ctx, people):
    user = users.create_user(ctx, people["adam"], username="koord", display_name="K",
                             password=PASSWORD, role="coordination", team_name=None)
    assert user.active and user.team_id is None


def test_the_default_period_is_the_last_twelve_months(ctx, people, clock):
    board = monitoring.dashboard(ctx, people["adam"], monitoring.Query())
    assert (board.filters.start, board.filters.end) == (date(2025, 3, 3), date(2026, 3, 2))
    assert len(board.tables["intakes"].rows) == 13 + 1
    assert board.filters.end - board.filters.start == timedelta(days=364)


def test_the_coordination_opens_no_case_url_and_sees_no_person(app, ctx, login, people,
                                                               places, district):
    """The whole URL map as the coordination: every case, audit, team, admin, referral and
    provider page refused, every write refused, no name or birth date on any page."""
    coordinator(ctx)
    client = login("miriam")
    ctx.session.rollback()
    seat = ctx.session.scalars(select(Referral.id).where(
        Referral.case_id == district["booked"][0])).first()
    ids = {"case_id": district["booked"][0], "referral_id": seat,
           "course_id": district["course"], "task_id": 1, "user_id": people["anna"].id,
           "team_id": people["anna"].team_id, "grant_id": 1, "indicator": "intakes",
           "offer_id": 1}
    never = ["Haddad", "Amina", "Gebucht", "Wartend", "Alfeld0", "Neu0", "12.04.1991",
             "1991-04-12", "Aleppo", "Marktstraße"]
    token = re.search(r'name="csrf_token" value="([^"]+)"',
                      client.get("/monitoring/").text).group(1)
    before = fingerprint(ctx)
    opened, refused = walk(
        app, client, ids, never=never, refused=(*CASE_PAGES, "provider."),
        form={"csrf_token": token, "case_id": district["booked"][0], "reason": "x",
              "course_id": district["course"], "seats_total": 60, "status": "done",
              "to_user": people["anna"].id, **posted("follow_up")})
    assert len(opened) >= 20 and len(refused) >= 15
    assert fingerprint(ctx) == before


def test_every_figure_is_read_along_an_index(ctx, people, district):
    """No statement of the dashboard reads all of cases, referrals or human tasks (at
    100,000 cases a full scan is what makes a page slow); no workflow is loaded."""
    coordination = coordinator(ctx)
    plans = query_plans(ctx, lambda: monitoring.dashboard(ctx, coordination, PERIOD))
    assert plans and not any("process_instances" in statement for statement, _ in plans)
    assert full_scans(plans, "cases", "referrals", "human_tasks") == []


def test_figures_are_computed_at_most_as_often_as_the_setting_says(ctx, people, places,
                                                                   clock):
    """ANKOMMEN_MONITORING_CACHE_SECONDS (300): the same filters within five minutes show
    the figures as computed (with that moment), later ones computed anew."""
    adam = people["adam"]
    for n in range(5):
        open_case(ctx, people["anna"], family_name=f"Erst{n}")
    first = monitoring.dashboard(ctx, adam, monitoring.Query())
    open_case(ctx, people["anna"], family_name="Danach")
    clock.advance(seconds=299)
    again = monitoring.dashboard(ctx, adam, monitoring.Query())
    assert again.generated_at == first.generated_at
    assert cells(again.tables["intakes"], ("total",)) == (5,)
    clock.advance(seconds=1)
    later = monitoring.dashboard(ctx, adam, monitoring.Query())
    assert later.generated_at == clock.current
    assert cells(later.tables["intakes"], ("total",)) == (6,)


@pytest.fixture
def other_worker(db_url, clock, tmp_path):
    """A second web worker on the same database (its own process memory, so its own
    figures kept in memory): a context of it."""
    other = create_app(TestConfig(), SQLALCHEMY_URL=db_url, INSTANCE_DIR=tmp_path)
    runtime = other.extensions["ankommen"]
    runtime.clock = clock
    session = runtime.sessions()
    yield runtime.context(session)
    session.close()
    runtime.db.dispose()


def test_another_web_worker_shows_the_figures_one_computed(ctx, people, district, clock,
                                                            other_worker):
    """Figures computed by one web worker are kept in the database: another shows them,
    exactly (suppressed cells, days, shares), with the moment they were computed."""
    adam = people["adam"]
    first = monitoring.dashboard(ctx, adam, PERIOD)
    clock.advance(seconds=60)
    again = monitoring.dashboard(other_worker, adam, PERIOD)
    assert again.generated_at == first.generated_at
    assert again.tables == first.tables
    assert any(isinstance(c, Hidden) for t in again.tables.values() for r in t.rows
               for c in r.cells)  # the fixture's small cells came back hidden


def test_the_timer_worker_keeps_the_default_views_fresh(ctx, people, district, clock,
                                                         other_worker):
    """Each round computes the district's and each team's last twelve months once half of
    the setting has passed; a reader then finds them computed, nobody waits."""
    teams = ctx.session.scalar(select(func.count()).select_from(Team))
    assert monitoring.keep_default_views(ctx) == 1 + teams
    kept_at = clock.current
    assert monitoring.keep_default_views(ctx) == 0  # fresh: nothing to do
    clock.advance(seconds=100)
    for reader in (people["adam"], people["lea"]):  # the district, a team lead's own team
        shown = monitoring.dashboard(other_worker, reader, monitoring.Query())
        assert shown.generated_at == kept_at
    clock.advance(seconds=50)  # half of the 300 s: computed again
    assert monitoring.keep_default_views(ctx) == 1 + teams
    # a web worker that has not shown them yet shows the new ones (one that has keeps
    # what it showed until the setting's five minutes are over)
    shown = monitoring.dashboard(ctx, people["lea"], monitoring.Query())
    assert shown.generated_at == clock.current
