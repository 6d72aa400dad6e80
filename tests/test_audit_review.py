"""Auditors' review of the trail: case history, access log, event search and export."""

from __future__ import annotations

import csv
import io
import json
import re

import pytest
from sqlalchemy import select, text

from caseapp.models import AuditEvent, AuditVerified
from caseapp.services import audit, audit_review, cases, checkpoints
from caseapp.services.audit_review import EventFilter
from caseapp.services.errors import Forbidden, NotFound
from domain.vocabulary import ChainProblem
from tests.factories import answers, identifying, person
from tests.helpers import case_chain, complete, open_case, query_plans, tamper

FAMILY_NAME, BIRTHPLACE = person()["family_name"], answers("person")["place_of_birth"]


@pytest.fixture
def story(ctx, people, clock):
    """anna opens a case (day 0) and completes the first step (day 3); ben views it (day 6)."""
    case = open_case(ctx, people["anna"])
    clock.advance(days=3)
    complete(ctx, people["anna"], case.id, "person")
    clock.advance(days=3)
    cases.view_case(ctx, people["ben"], case.id)
    ctx.session.rollback()
    return case


def types_shown(html: str) -> list[str]:
    return re.findall(r'<tr data-type="(\w+)"', html)


def rows(html: str) -> list[str]:
    """The main table's rows (the last one runs on to the end of the page)."""
    return html.split("<tr data-type=")[1:]


def events_of(ctx, type_: str) -> list[AuditEvent]:
    ctx.session.rollback()  # a fresh snapshot
    return list(ctx.session.scalars(select(AuditEvent).where(AuditEvent.type == type_)
                                    .order_by(AuditEvent.seq)))


# --- case history ----------------------------------------------------------------------

def test_history_shows_each_event_with_its_changed_values(login, story):
    page = login("ida").get(f"/audit/cases/{story.id}")
    assert page.status_code == 200
    html = page.text
    assert f"History of case {story.number}" in html
    assert types_shown(html)[:4] == ["case_opened", "task_completed", "case_viewed",
                                     "case_viewed"]
    opened, completed, viewed, own_view = rows(html)[:4]
    assert "Case opened" in opened and "Anna" in opened
    assert FAMILY_NAME in opened  # the change record of the opening holds the name
    assert "Step completed" in completed and "Anna" in completed
    place = re.search(r'<tr data-field="place_of_birth">(.*?)</tr>', completed, re.S).group(1)
    cells = re.findall(r"<td>(.*?)</td>", place, re.S)
    assert cells == ["Place of birth", "—", BIRTHPLACE]  # by its label, old -> new
    assert "Viewed" in viewed and "Ben" in viewed and "Page view" in viewed
    assert "Ida" in own_view and "History view" in own_view


def test_viewing_the_history_is_recorded(login, ctx, people, story):
    before = len(events_of(ctx, "case_viewed"))
    login("ida").get(f"/audit/cases/{story.id}")
    viewed = events_of(ctx, "case_viewed")
    assert len(viewed) == before + 1
    assert viewed[-1].actor_id == people["ida"].id and viewed[-1].case_id == story.id
    assert viewed[-1].details == {"view": "history"}
    assert audit.verify_trail(ctx.session).ok


def test_history_filters_by_type_actor_and_day(login, people, story):
    client = login("ida")
    url = f"/audit/cases/{story.id}"
    assert types_shown(client.get(url, query_string={"type": "task_completed"}).text) == [
        "task_completed"]
    by_ben = client.get(url, query_string={"actor": people["ben"].id}).text
    assert types_shown(by_ben) == ["case_viewed"] and "Ben" in by_ben
    by_anna = types_shown(client.get(url, query_string={"actor": people["anna"].id}).text)
    assert "case_viewed" not in by_anna and by_anna[:2] == ["case_opened", "task_completed"]
    # Day 3 only (inclusive): the step, not the opening (day 0) nor the views (day 6).
    day3 = {"from": "2026-03-05", "to": "2026-03-05"}
    assert types_shown(client.get(url, query_string=day3).text) == ["task_completed"]
    since_day3 = types_shown(client.get(url, query_string={"from": "2026-03-05"}).text)
    assert "case_opened" not in since_day3 and "task_completed" in since_day3
    until_day0 = types_shown(client.get(url, query_string={"to": "2026-03-02"}).text)
    assert until_day0 == ["case_opened"]
    bad = client.get(url, query_string={"from": "5.3."})
    assert bad.status_code == 200 and "is not a date" in bad.text


def test_history_of_a_missing_case_is_404(login, ctx, people):
    assert login("ida").get("/audit/cases/999999").status_code == 404
    with pytest.raises(NotFound):
        audit_review.case_history(ctx, people["ida"], 999999)


def test_erased_change_record_shows_as_erased(login, ctx, people, story):
    erasure = audit.append(ctx.session, type_=audit.ERASURE_EVENT, at=ctx.now(),
                           actor_id=people["lea"].id, case_id=story.id)
    ctx.session.commit()
    ctx.session.execute(text("UPDATE audit_changes SET data_json = NULL, salt = NULL, "
                             "erased_by_seq = :e"), {"e": erasure.seq})
    ctx.session.commit()
    html = login("ida").get(f"/audit/cases/{story.id}").text
    assert BIRTHPLACE not in html and FAMILY_NAME not in html
    completed = rows(html)[types_shown(html).index("task_completed")]
    assert "erased" in completed and f"by event #{erasure.seq}" in completed
    assert "Personal data erased" in html
    history = audit_review.case_history(ctx, people["ida"], story.id)
    erased = [e.change for e in history.events if e.change]
    assert erased and all(c.state == "erased" and c.erased_by_seq == erasure.seq
                          for c in erased)


def test_reassignment_names_the_users_and_shows_the_reason(login, ctx, people, story):
    audit.append(ctx.session, type_="case_reassigned", at=ctx.now(),
                 actor_id=people["lea"].id, case_id=story.id,
                 details={"from": people["anna"].id, "to": people["ben"].id},
                 change={"reason": "Urlaub"})
    ctx.session.commit()
    html = login("ida").get(f"/audit/cases/{story.id}").text
    row = rows(html)[types_shown(html).index("case_reassigned")]
    assert "Reassigned" in row and "Lea" in row
    assert re.search(r"From</dt><dd>Anna</dd>", row) and re.search(r"To</dt><dd>Ben</dd>", row)
    assert "Urlaub" in row


# --- events after a broken link ----------------------------------------------------------

@pytest.fixture(params=["walked whole", "after the worker's round"])
def worked_on(request, ctx, people, clock):
    """A case opened and four steps completed (a day apart), then viewed by Ben; in the
    second variant the worker has since checked every chain, so pages walk only from
    there and check the events they show before it one by one."""
    case = open_case(ctx, people["anna"])
    for step in ("person", "residence", "family", "education_work"):
        clock.advance(days=1)
        complete(ctx, people["anna"], case.id, step)
    clock.advance(days=1)
    cases.view_case(ctx, people["ben"], case.id)
    ctx.session.rollback()
    if request.param != "walked whole":
        assert checkpoints.verify_new_events(ctx) > 0
        positions = dict(ctx.session.execute(select(AuditVerified.chain,
                                                    AuditVerified.chain_seq)).all())
        assert positions[f"case:{case.id}"] == len(case_chain(ctx, case.id))
        assert positions[f"user:{people['ben'].id}"] >= 1
    return case


def integrity_by_seq(html: str) -> dict[int, str]:
    return {int(seq): state for seq, state in re.findall(
        r'<tr data-type="\w+" data-seq="(\d+)" data-integrity="(\w+)"', html)}


@pytest.mark.parametrize("language, broken_here, after", [
    ("de", "Kette hier unterbrochen:", "Nach einer unterbrochenen Stelle:"),
    ("en", "Chain broken here:", "After a broken link:")])
def test_every_event_after_an_edited_one_is_marked_in_the_history(login, ctx, worked_on,
                                                                   language, broken_here,
                                                                   after):
    chain = case_chain(ctx, worked_on.id)
    edited = chain[2]  # the second step's completion
    tamper(ctx, "UPDATE audit_events SET details = :d WHERE seq = :s",
           d=json.dumps({**edited.details, "fields": []}), s=edited.seq)
    html = login("ida", language=language).get(f"/audit/cases/{worked_on.id}").text
    marks = integrity_by_seq(html)
    assert [marks[e.seq] for e in chain] == ["verified", "verified", "broken", "after_break",
                                             "after_break"]
    later = [seq for seq in marks if seq > edited.seq]  # Ben's and Ida's views too
    assert len(later) >= 4 and all(marks[seq] == "after_break" for seq in later)
    assert all(marks[seq] == "verified" for seq in marks if seq < edited.seq)
    # in words, in the reader's language, for each marked row; not by colour alone
    table = rows(html)
    assert table[2].count(broken_here) == 1 and all(after in row for row in table[3:])
    assert not any(broken_here in row or after in row for row in table[:2])
    reason = {"de": "sein Inhalt wurde nach dem Schreiben verändert",
              "en": "its content was changed after it was written"}[language]
    assert reason in table[2]
    assert 'role="alert"' in html.split("<table")[0]  # and said once above the table


def test_a_deleted_event_marks_what_follows_it_and_a_cut_off_end_is_reported(
        login, ctx, people, worked_on):
    chain = case_chain(ctx, worked_on.id)
    tamper(ctx, "DELETE FROM audit_events WHERE seq = :s", s=chain[1].seq)
    history = audit_review.case_history(ctx, people["ida"], worked_on.id)
    marks = {e.seq: (e.integrity, e.problem) for e in history.events}
    assert marks[chain[0].seq] == ("verified", None)
    assert marks[chain[2].seq] == ("broken", audit.Problem(
        ChainProblem.EVENT_MISSING, {"position": 2, "chain": f"case:{worked_on.id}"}))
    assert all(state == "after_break" for seq, (state, _p) in marks.items()
               if seq > chain[2].seq)
    assert history.end_problem is None

    fresh = open_case(ctx, people["anna"], family_name="Rahimi")
    complete(ctx, people["anna"], fresh.id, "person")
    last = case_chain(ctx, fresh.id)[-1]
    tamper(ctx, "DELETE FROM audit_events WHERE seq = :s", s=last.seq)
    history = audit_review.case_history(ctx, people["ida"], fresh.id)
    assert all(e.integrity == "verified" for e in history.events)
    assert history.end_problem.code == ChainProblem.TAIL_MISSING
    html = login("ida", language="de").get(f"/audit/cases/{fresh.id}").text
    # the chain named by its case, not by its code
    assert f"die Kette Fall {fresh.number} sollte mit ihrem Ereignis 2 enden, endet aber " \
           "mit 1" in html


def test_an_edited_view_in_a_readers_chain_is_marked_where_the_history_shows_it(
        login, ctx, people, worked_on):
    viewed = events_of(ctx, "case_viewed")[-1]
    assert viewed.actor_id == people["ben"].id
    tamper(ctx, "UPDATE audit_events SET actor_id = :a WHERE seq = :s",
           a=people["anna"].id, s=viewed.seq)
    client = login("ida")
    marks = integrity_by_seq(client.get(f"/audit/cases/{worked_on.id}").text)
    assert marks[viewed.seq] == "broken"
    assert all(state == "verified" for seq, state in marks.items() if seq < viewed.seq)
    # the access log and the event search mark it too
    assert integrity_by_seq(client.get("/audit/access").text)[viewed.seq] == "broken"
    assert integrity_by_seq(client.get("/audit/events").text)[viewed.seq] == "broken"
    untouched = integrity_by_seq(client.get("/audit/events").text)
    assert all(state == "verified" for seq, state in untouched.items()
               if seq != viewed.seq and seq < viewed.seq)


# --- access log ------------------------------------------------------------------------

def test_access_log_lists_who_viewed_and_searched(login, ctx, people, story):
    cases.search_cases(ctx, people["ben"], FAMILY_NAME)
    client = login("ida")
    html = client.get("/audit/access", query_string={"actor": people["ben"].id}).text
    assert types_shown(html) == ["cases_searched", "case_viewed"]  # newest first
    search, view = rows(html)
    assert "Ben" in view and "Page view" in view
    assert f'href="/audit/cases/{story.id}">{story.number}</a>' in view
    assert "Search (1 case shown)" in search and story.number in search
    assert FAMILY_NAME not in html
    # Only views and searches; by case number; by day.
    everyone = types_shown(client.get("/audit/access").text)
    assert set(everyone) == {"case_viewed", "cases_searched"}
    by_case = client.get("/audit/access", query_string={"case": story.number}).text
    assert types_shown(by_case) == ["case_viewed"]
    assert types_shown(client.get("/audit/access", query_string={"case": "1999-99999"}).text) \
        == []
    assert types_shown(client.get("/audit/access", query_string={"to": "2026-03-07"}).text) \
        == []


def test_access_log_pages(login, ctx, people, story, monkeypatch):
    """Pages follow each other by event number: older and newer links, no overlap."""
    for _ in range(3):
        cases.view_case(ctx, people["ben"], story.id)
    monkeypatch.setattr(audit_review, "PAGE_SIZE", 2)
    first = audit_review.access_log(ctx, people["ida"], EventFilter())
    second = audit_review.access_log(ctx, people["ida"], EventFilter(),
                                     audit_review.Cursor(before=first.older))
    assert len(first.events) == 2 and first.older is not None and first.newer is None
    assert len(second.events) == 2 and second.older is None and second.newer is not None
    assert [e.seq for e in first.events] > [e.seq for e in second.events]
    back = audit_review.access_log(ctx, people["ida"], EventFilter(),
                                   audit_review.Cursor(after=second.newer))
    assert [e.seq for e in back.events] == [e.seq for e in first.events]
    client = login("ida")
    html = client.get("/audit/access", query_string={"actor": people["ben"].id}).text
    older = re.search(r'href="([^"]+)" rel="next"', html).group(1).replace("&amp;", "&")
    assert f"actor={people['ben'].id}" in older and 'rel="prev"' not in html
    html = client.get(older).text
    assert 'rel="prev"' in html and 'rel="next"' not in html
    assert f"actor={people['ben'].id}" in re.search(r'href="([^"]+)" rel="prev"', html).group(1)


@pytest.mark.parametrize("url", ["/audit/access", "/audit/events"])
@pytest.mark.parametrize("cursor", [{"before": "x"}, {"after": "-1"}, {"before": str(2**40)}])
def test_a_page_link_that_is_no_event_number_is_refused(login, story, url, cursor):
    """A hand-made cursor gets a clear refusal, never an error page or a wrong list."""
    response = login("ida").get(url, query_string=cursor)
    assert response.status_code == 400
    assert "This page link is not valid" in response.text


@pytest.mark.parametrize("filters", [{}, {"type": "case_viewed"}, {"actor": "ben"},
                                     {"case": "story"}, {"actor": "ben", "type": "task_completed"}])
def test_event_pages_read_the_trail_in_order_without_sorting_it(ctx, people, story, db_url,
                                                                 filters):
    """The access log and the event search read a page along an index in event order
    (no sort of the trail, no DISTINCT over it), on the first page and from a cursor."""
    chosen = EventFilter(type=filters.get("type"),
                         actor_id=people["ben"].id if "actor" in filters else None,
                         case_number=story.number if "case" in filters else None)
    ida = people["ida"]
    last = audit.last_seq(ctx.session)
    plans = query_plans(ctx, lambda: [
        read(ctx, ida, chosen, cursor) for read in (audit_review.access_log,
                                                    audit_review.search_events)
        for cursor in (audit_review.Cursor(), audit_review.Cursor(before=last),
                       audit_review.Cursor(after=1))])
    assert not [statement for statement, _plan in plans if "DISTINCT" in statement.upper()]
    # The queries that choose the page's events (the rest read those by number).
    choosing = [(statement, plan) for statement, plan in plans
                if re.match(r"SELECT audit_events.seq\s+FROM audit_events\s", statement)]
    assert len(choosing) >= 6
    for statement, plan in choosing:
        assert "LIMIT" in statement and "TEMP B-TREE" not in plan and "Sort" not in plan \
            and "Seq Scan" not in plan, (statement, plan)


def test_the_event_search_offers_every_known_type_also_before_it_was_written(login, story):
    """The type choices are the application's event types, not what the trail holds yet."""
    html = login("ida").get("/audit/events").text
    assert 'value="data_erased"' in html and 'value="course_seats_changed"' in html
    assert "Personal data erased" in html


# --- event search and export -----------------------------------------------------------

def test_event_list_filters_and_links_exports(login, people, story):
    client = login("ida")
    html = client.get("/audit/events", query_string={"type": "task_completed"}).text
    assert types_shown(html) == ["task_completed"]
    assert BIRTHPLACE not in html
    assert f'href="/audit/cases/{story.id}"' in html
    assert "/audit/events.csv?type=task_completed" in html
    assert "without change-record values" in html
    by_case = types_shown(client.get("/audit/events", query_string={
        "case": story.number, "actor": people["anna"].id}).text)
    assert by_case == ["task_completed", "case_opened"]


def test_csv_export_holds_the_filtered_events_without_personal_values(login, ctx, people,
                                                                       story):
    response = login("ida").get("/audit/events.csv", query_string={
        "case": story.number, "type": "task_completed"})
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "text/csv; charset=utf-8"
    assert response.headers["Content-Disposition"] == \
        'attachment; filename="audit-events-2026-03-08.csv"'
    table = list(csv.reader(io.StringIO(response.text)))
    assert table[0] == ["seq", "at", "type", "actor", "case", "details", "change_digest",
                        "hash"]
    assert len(table) == 2
    row = dict(zip(table[0], table[1], strict=True))
    assert row["type"] == "task_completed" and row["actor"] == "anna"
    assert row["case"] == story.number and row["at"] == "2026-03-05T09:00:00+00:00"
    assert json.loads(row["details"])["fields"] and "place_of_birth" in row["details"]
    assert len(row["change_digest"]) == 64 and len(row["hash"]) == 64
    assert BIRTHPLACE not in response.text
    exported = events_of(ctx, "audit_exported")
    assert len(exported) == 1 and exported[0].actor_id == people["ida"].id
    assert exported[0].details == {"format": "csv", "events": 1, "filters": {
        "case": story.number, "type": "task_completed"}}


def test_json_export_of_everything_holds_no_personal_values(login, ctx, people, story):
    client = login("ida")
    client.get(f"/audit/cases/{story.id}")
    response = client.get("/audit/events.json")
    assert response.status_code == 200
    assert response.mimetype == "application/json"
    assert response.headers["Content-Disposition"].startswith("attachment;")
    assert response.headers["Content-Disposition"].endswith('.json"')
    records = json.loads(response.text)
    assert [r["seq"] for r in records] == list(range(1, len(records) + 1))
    assert set(records[0]) == {"seq", "at", "type", "actor", "case", "details",
                               "change_digest", "hash"}
    assert {"case_opened", "task_completed", "case_viewed", "login"} <= \
        {r["type"] for r in records}
    for personal in identifying():
        assert personal not in response.text
    exported = events_of(ctx, "audit_exported")
    assert len(exported) == 1
    assert exported[0].details == {"format": "json", "events": len(records), "filters": {}}
    assert exported[0].seq > records[-1]["seq"]  # the export is not part of itself
    assert audit.verify_trail(ctx.session).ok


def test_export_by_actor_and_day(login, ctx, people, story):
    response = login("ida").get("/audit/events.json", query_string={
        "actor": people["anna"].id, "from": "2026-03-02", "to": "2026-03-02"})
    records = json.loads(response.text)
    assert [r["type"] for r in records] == ["case_opened"]
    assert events_of(ctx, "audit_exported")[0].details["filters"] == {
        "actor": people["anna"].id, "from": "2026-03-02", "to": "2026-03-02",
        "zone": "Europe/Berlin"}


# --- who may ---------------------------------------------------------------------------

@pytest.mark.parametrize("username", ["anna", "lea", "adam"])
def test_other_roles_get_403_on_every_audit_page(login, ctx, username, story):
    client = login(username)
    for url in (f"/audit/cases/{story.id}", "/audit/access", "/audit/events",
                "/audit/events.csv", "/audit/events.json", "/audit/verify"):
        assert client.get(url).status_code == 403, url
    assert events_of(ctx, "audit_exported") == []
    assert all(e.details != {"view": "history"} for e in events_of(ctx, "case_viewed"))


@pytest.mark.parametrize("username", ["anna", "lea", "adam"])
def test_services_refuse_other_roles(ctx, people, username, story):
    actor = people[username]
    calls = [lambda: audit_review.case_history(ctx, actor, story.id),
             lambda: audit_review.access_log(ctx, actor),
             lambda: audit_review.search_events(ctx, actor),
             lambda: audit_review.export_events(ctx, actor, None, "csv"),
             lambda: audit_review.filter_choices(ctx, actor),
             lambda: audit_review.verify(ctx, actor)]
    for call in calls:
        with pytest.raises(Forbidden):
            call()
    assert events_of(ctx, "audit_exported") == []


def test_audit_pages_link_to_each_other(login, story):
    client = login("ida")
    for url in (f"/audit/cases/{story.id}", "/audit/access", "/audit/events",
                "/audit/verify"):
        html = client.get(url).text
        for target in ('href="/audit/access"', 'href="/audit/events"', 'href="/audit/verify"'):
            assert target in html, (url, target)
