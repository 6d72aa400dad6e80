"""Benchmark at a region's scale: N cases with years of history, every page measured.

Run by hand (figures go to bench/RESULTS.md), a tiny run is in the suite:

    .venv/bin/python bench/scale.py --cases 10000 --database sqlite|postgresql
                                    [--base 400] [--cycles 300] [--runs 3] [--warmup 30]
                                    [--json FILE] [--markdown FILE] [--keep DIR]
                                    [--generate-only]

1. Generates: ``--base`` cases made through the services with a moving clock over three
   years (every interview step, drafts, bookings, waiting lists, other offers, reassigned,
   overdue, closed and reopened cases), then multiplied by SQL to ``--cases`` with
   distinct case numbers, persons and names; every copied audit event is hashed again
   with the audit key in one pass, a checkpoint seals the new heads and the existing
   verify routine checks the whole trail. PostgreSQL runs in a throwaway cluster.
2. Measures over real HTTP: gunicorn with one worker serving ``bench.timed_app:app``, one
   keep-alive client per role (``http.client``), a warm-up, then ``--runs`` runs of
   ``--cycles`` cycles; each cycle starts a case, opens its step form, autosaves, completes
   the step (with CSRF) and follows the redirect, and reads every list, search and audit
   page once. p50/p95 per action over HTTP (client) and inside the server (the
   middleware), the median of the runs' figures; in the same run the engine floor for the
   same step (load -> complete -> dump), the stored workflow state per case and the
   worker's resident memory.
"""

from __future__ import annotations

import argparse
import dataclasses
import http.client
import json
import os
import re
import secrets
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from urllib.parse import quote, urlencode

from tqdm import tqdm

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.factories import answers, posted  # noqa: E402 - the repository's own test data
from tests.helpers import STEPS  # noqa: E402
from tests.http_visitor import Visitor  # noqa: E402
from tests.postgres import free_port, throwaway_cluster  # noqa: E402

GUNICORN = Path(sys.executable).with_name("gunicorn")
CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')
TASK_FORM = re.compile(r'action="/cases/(\d+)/tasks/(\d+)"[^>]*>.*?name="form_key" '
                       r'value="(\w+)".*?name="row_version" value="(\d+)"', re.S)
PASSWORD = "ankommen-demo"  # seed/demo.json's
COUNSELLORS = ("berater.nord", "beraterin.nord", "berater.sued", "beraterin.sued")
LEADS = {"berater.nord": "leitung.nord", "beraterin.nord": "leitung.nord",
         "berater.sued": "leitung.sued", "beraterin.sued": "leitung.sued"}
# The measured rows, in the order printed.
ACTIONS = ("start a case", "task form", "save draft", "complete step", "step redirect",
           "case page", "my tasks + queue", "team board", "search by name",
           "search by number", "case history", "event search", "access log",
           "monitoring dashboard")
GIVEN = ("Amina", "Oleksandr", "Fatima", "Yusuf", "Olena", "Ahmad", "Mariam", "Dmytro",
         "Leyla", "Samir", "Iryna", "Hassan", "Zainab", "Artem", "Nour", "Karim", "Sofiia",
         "Omar", "Rania", "Bohdan", "Aya", "Jamal", "Daria", "Tariq", "Hiba", "Mykola",
         "Selin", "Emre", "Nadia", "Bilal", "Yana", "Rami")
SYLLABLES = ("ha", "dad", "ko", "val", "enko", "mir", "sa", "lem", "pe", "tro", "ya", "zi",
             "nur", "bek", "al", "ri", "do", "gan", "chu", "k", "ta", "lib", "o", "vic",
             "ra", "shid", "me", "hmet", "lu", "kas")


def person_name(index: int) -> tuple[str, str]:
    """A distinct (given, family) pair for every index; families read like names."""
    n = len(SYLLABLES)
    family = "".join(SYLLABLES[(index // n ** p) % n] for p in range(3)).capitalize()
    return GIVEN[(index // n ** 3 + index) % len(GIVEN)], family


def birth_date(index: int) -> date:
    return date(1955, 1, 1) + timedelta(days=(index * 7919) % 18000)


class MovingClock:
    """The services' clock while the base cases are made: set forward, never back."""

    def __init__(self, start: datetime):
        self.current = start

    def __call__(self) -> datetime:
        return self.current

    def at_least(self, moment: datetime) -> None:
        self.current = max(self.current, moment)

    def advance(self, **kwargs) -> None:
        self.current += timedelta(**kwargs)


# --- generation ----------------------------------------------------------------------------

@dataclass
class Generated:
    cases: int = 0
    open: int = 0  # of them still open
    events: int = 0
    verify: str = ""
    seconds: float = 0.0
    interview_kib: float = 0.0  # stored workflow state at the end of the interview
    closed_kib: float = 0.0
    base_states: dict[str, int] = field(default_factory=dict)


def make_base(runtime, clock: MovingClock, count: int, progress) -> dict[str, list[int]]:
    """``count`` cases through the services over three years; case ids by state."""
    from sqlalchemy import select

    from caseapp.cli import load_demo
    from caseapp.models import HumanTask, Provider
    from caseapp.services import cases, catalogue, referrals, tasks, team, timers, users
    from caseapp.services.actor import SYSTEM
    from forms.choices import OTHER_OFFER_CODES

    ctx = runtime.context(runtime.sessions())
    load_demo(ctx)
    actors = {name: users.actor_by_username(ctx, name)
              for name in (*COUNSELLORS, *set(LEADS.values()), "pruefung")}
    provider = ctx.session.scalar(select(Provider.id).order_by(Provider.id))
    course = {"id": None, "starts": date.min}
    by_state: dict[str, list[int]] = {}
    follow_ups: list[tuple[int, str, bool]] = []  # (case, counsellor, reopen after closing)
    start, end = clock.current, datetime.now(UTC) - timedelta(days=2)
    step = (end - start) / max(count, 1)

    def ready(case_id, form_key=None):
        ctx.session.rollback()
        query = select(HumanTask).where(HumanTask.case_id == case_id,
                                        HumanTask.state == "ready")
        if form_key:
            query = query.where(HumanTask.form_key == form_key)
        return ctx.session.scalars(query.order_by(HumanTask.id)).first()

    def complete(actor, case_id, form_key):
        from caseapp.models import ProcessInstance
        task = ready(case_id, form_key)
        cases.view_case(ctx, actor, case_id)  # the counsellor opens the case to work on it
        if task.id % 3 == 0:  # interrupted: the form autosaved a draft first
            tasks.save_draft(ctx, actor, case_id, task.id,
                             {"form_key": form_key, "notes": "Dolmetscherin kommt später"})
            clock.advance(minutes=20)
            cases.view_case(ctx, actor, case_id)
        version = ctx.session.scalar(select(ProcessInstance.row_version)
                                     .where(ProcessInstance.case_id == case_id))
        tasks.complete_task(ctx, actor, case_id, task.id, answers(form_key),
                            expected_version=version, form_key=form_key)
        clock.advance(minutes=9)

    def a_course() -> int:
        today = clock.current.date()
        if course["starts"] <= today + timedelta(days=10):
            course["starts"] = today + timedelta(days=30)
            course["id"] = catalogue.create_course(ctx, SYSTEM, catalogue.NewCourse(
                provider_id=provider, course_type="integrationskurs",
                title=f"Integrationskurs ab {course['starts']:%d.%m.%Y}", target_level="B1",
                start_date=course["starts"], schedule="full_time", time_of_day="mornings",
                childcare=False, location="Pfaffenstieg 4, 31134 Hildesheim",
                seats_total=10_000, what_to_bring="Pass")).id
        return course["id"]

    for i in range(count):
        clock.at_least(start + i * step)
        name = COUNSELLORS[i % len(COUNSELLORS)]
        actor, lead = actors[name], actors[LEADS[name]]
        given, family = person_name(i)
        case_id = cases.open_case(ctx, actor, cases.NewCase(
            given_names=given, family_name=family, birth_date=birth_date(i),
            municipality="Hildesheim")).id
        clock.advance(minutes=5)
        kind = i % 12
        if kind <= 8:  # somewhere in the interview: kind steps done
            for form_key in STEPS[:kind]:
                complete(actor, case_id, form_key)
            if i % 3 == 0 or kind == 0:
                task = ready(case_id)
                tasks.save_draft(ctx, actor, case_id, task.id,
                                 {"form_key": task.form_key, "notes": "Termin verschoben"})
            state = f"at step {kind + 1}" + (" (draft)" if i % 3 == 0 or kind == 0 else "")
        else:
            for form_key in STEPS[:-1]:
                complete(actor, case_id, form_key)
            if kind == 9:
                referrals.book_seat(ctx, actor, case_id, a_course())
                state = "booked, follow-up"
            elif kind == 10:
                referrals.join_waiting_list(ctx, actor, case_id, provider_id=provider,
                                            course_type="berufssprachkurs")
                state = "waiting list, closed and reopened"
            else:
                referrals.refer_offer(ctx, actor, case_id, sorted(OTHER_OFFER_CODES)[i % 3],
                                      note="Termin vereinbart")
                state = "other offer, overdue"
            complete(actor, case_id, "referral")
            if kind != 11:
                follow_ups.append((case_id, name, kind == 10))
        if i % 7 == 3:  # the lead balances the team: some cases change hands
            other = next(c for c in COUNSELLORS if c != name and LEADS[c] == LEADS[name])
            team.reassign(ctx, lead, [case_id], actors[other].id, "Ausgleich der Fallzahlen")
            clock.advance(minutes=3)
        by_state.setdefault(state, []).append(case_id)
        if i % 5 == 0:  # the auditor reviews some cases, and the lead looks in
            cases.view_case(ctx, actors["pruefung"], case_id)
            cases.view_case(ctx, lead, case_id)
        timers.fire_due_timers(ctx)
        for pending in list(follow_ups):
            case_id, name, reopen = pending
            task = ready(case_id, "follow_up")
            if task is None:
                continue
            follow_ups.remove(pending)
            assignee = next(a for a in actors.values() if a.id == task.assignee_id) \
                if task.assignee_id else actors[name]
            complete(assignee, case_id, "follow_up")
            by_state.setdefault("closed", []).append(case_id)
            if reopen:
                cases.reopen_case(ctx, actors[LEADS[name]], case_id, "Kurs nicht begonnen")
                by_state.setdefault("reopened", []).append(case_id)
        progress.update(1)
    ctx.session.close()
    return by_state


COPIED = ("persons", "person_name_words", "cases", "process_instances", "human_tasks",
          "referrals", "audit_changes", "audit_events", "audit_chains")


def multiply(runtime, key: bytes, target: int, open_cases: int, progress) -> None:
    """Copies of every case until about ``open_cases`` are open, then copies of the closed
    ones only (the last copy partial), until there are ``target`` cases: a centre's
    counsellors hold a few thousand open cases, while closed ones pile up over the years.

    Rows are read once and written in batches (executemany); each copy's events are
    hashed in one pass in write order, continuing the user chains their reads are in.
    """
    from sqlalchemy import func, insert, select

    from caseapp.models import (
        AuditChain,
        AuditChange,
        AuditEvent,
        Case,
        HumanTask,
        NameWord,
        Person,
        ProcessInstance,
        Referral,
    )
    from caseapp.services.audit import GENESIS, change_digest, event_hash
    from caseapp.services.name_matching import name_words

    def rows(conn, model, *where, order=None):
        query = select(model.__table__)
        for condition in where:
            query = query.where(condition)
        if order is not None:
            query = query.order_by(order)
        return [dict(row) for row in conn.execute(query).mappings()]

    with runtime.db.connect() as conn:
        base_cases = rows(conn, Case, order=Case.id)
        if len(base_cases) >= target:
            return
        persons = {p["id"]: p for p in rows(conn, Person)}
        instances = {p["case_id"]: p for p in rows(conn, ProcessInstance)}
        human = rows(conn, HumanTask, order=HumanTask.id)
        refs = rows(conn, Referral, order=Referral.id)
        changes = {c["digest"]: c for c in rows(conn, AuditChange)}
        events = rows(conn, AuditEvent, AuditEvent.case_id.is_not(None), order=AuditEvent.seq)
        heads = {h["chain"]: [h["last_seq"], h["last_hash"]] for h in rows(conn, AuditChain)}
        stride = {name: conn.scalar(select(func.max(column))) or 0 for name, column in (
            ("case", Case.id), ("person", Person.id), ("instance", ProcessInstance.id),
            ("task", HumanTask.id), ("referral", Referral.id))}
        next_seq = (conn.scalar(select(func.max(AuditEvent.seq))) or 0) + 1
    tasks_of, refs_of, events_of = {}, {}, {}
    for row in human:
        tasks_of.setdefault(row["case_id"], []).append(row)
    for row in refs:
        refs_of.setdefault(row["case_id"], []).append(row)
    for row in events:
        events_of.setdefault(row["case_id"], []).append(row)
    n = len(base_cases)
    made = n
    copy = 0
    closed = [c for c in base_cases if c["status"] == "closed"] or base_cases
    open_per_copy = n - len(closed) if closed is not base_cases else n
    open_made = open_per_copy
    while made < target:
        copy += 1
        batch = {name: [] for name in COPIED}
        every = open_made + open_per_copy <= open_cases
        chunk = (base_cases if every else closed)[:target - made]
        open_made += open_per_copy if every else 0
        # one copy at a time: events in the base's write order across its cases
        case_ids = {c["id"] for c in chunk}
        copied: dict[int, tuple] = {}
        for position, case in enumerate(chunk):
            new_case = case["id"] + copy * stride["case"]
            new_person = case["person_id"] + copy * stride["person"]
            index = copy * n + position
            given, family = person_name(index + 1_000_000)
            person = {**persons[case["person_id"]], "id": new_person, "given_names": given,
                      "family_name": family, "birth_date": birth_date(index)}
            batch["persons"].append(person)
            batch["person_name_words"] += [{"person_id": new_person, "word": w}
                                           for w in name_words(given, family)]
            number = f"{case['opened_at'].year}-{new_case:05d}"
            batch["cases"].append({**case, "id": new_case, "number": number,
                                   "person_id": new_person})
            instance = instances[case["id"]]
            batch["process_instances"].append({**instance, "case_id": new_case,
                                               "id": instance["id"] + copy * stride["instance"]})
            for task in tasks_of.get(case["id"], ()):
                batch["human_tasks"].append({**task, "case_id": new_case,
                                             "id": task["id"] + copy * stride["task"]})
            for ref in refs_of.get(case["id"], ()):
                batch["referrals"].append({**ref, "case_id": new_case,
                                           "id": ref["id"] + copy * stride["referral"]})
            copied[case["id"]] = (new_case, number, given, family, person["birth_date"])
        for event in sorted((e for cid in case_ids for e in events_of.get(cid, ())),
                            key=lambda e: e["seq"]):
            new_case, number, given, family, born = copied[event["case_id"]]
            chain = f"case:{new_case}" if event["chain"].startswith("case:") else event["chain"]
            details = dict(event["details"])
            if "number" in details:
                details["number"] = number
            if isinstance(details.get("referral"), int):
                details["referral"] += copy * stride["referral"]
            digest = None
            if event["change_digest"]:
                change = changes[event["change_digest"]]
                data = change["data_json"]
                if data and '"person"' in data:
                    values = json.loads(data)
                    values["person"].update(given_names=given, family_name=family,
                                            birth_date=born.isoformat())
                    data = json.dumps(values, sort_keys=True, separators=(",", ":"),
                                      ensure_ascii=False)
                salt = secrets.token_hex(16)
                digest = change_digest(salt, data or "")
                batch["audit_changes"].append({**change, "digest": digest, "salt": salt,
                                               "data_json": data, "case_id": new_case})
            head = heads.setdefault(chain, [0, GENESIS])
            seq, prev = head[0] + 1, head[1]
            hash_ = event_hash(key, chain, seq, event["at"], event["type"], event["actor_id"],
                               new_case, details, digest, prev)
            batch["audit_events"].append({**event, "seq": next_seq, "chain": chain,
                                          "chain_seq": seq, "case_id": new_case,
                                          "details": details, "change_digest": digest,
                                          "prev_hash": prev, "hash": hash_})
            head[0], head[1] = seq, hash_
            next_seq += 1
        with runtime.db.begin() as conn:
            for name, model in (("persons", Person), ("person_name_words", NameWord),
                                ("cases", Case), ("process_instances", ProcessInstance),
                                ("human_tasks", HumanTask), ("referrals", Referral),
                                ("audit_changes", AuditChange), ("audit_events", AuditEvent)):
                if batch[name]:
                    conn.execute(insert(model.__table__), batch[name])
        made += len(chunk)
        progress.update(len(chunk))
    with runtime.db.begin() as conn:
        existing = {c for (c,) in conn.execute(select(AuditChain.chain))}
        new = [{"chain": c, "last_seq": s, "last_hash": h} for c, (s, h) in heads.items()
               if c not in existing]
        for start in range(0, len(new), 20_000):
            conn.execute(insert(AuditChain.__table__), new[start:start + 20_000])
        table = AuditChain.__table__
        for c in existing:
            s, h = heads[c]
            conn.execute(table.update().where(table.c.chain == c)
                         .values(last_seq=s, last_hash=h))
        if runtime.db.dialect.name == "postgresql":
            for name, column in (("persons", "id"), ("cases", "id"),
                                 ("process_instances", "id"), ("human_tasks", "id"),
                                 ("referrals", "id"), ("audit_events", "seq")):
                conn.exec_driver_sql(
                    f"SELECT setval(pg_get_serial_sequence('{name}', '{column}'), "
                    f"(SELECT max({column}) FROM {name}))")


def generate(runtime, clock: MovingClock, key: bytes, cases: int, base: int,
             open_cases: int) -> Generated:
    from sqlalchemy import func, select

    from caseapp.models import AuditEvent, Case, ProcessInstance
    from caseapp.services import audit, checkpoints

    started = time.perf_counter()
    base = min(base, cases)
    with tqdm(total=base, desc="cases through the services", unit="case") as bar:
        by_state = make_base(runtime, clock, base, bar)
    with tqdm(total=max(cases, base), initial=base, desc="multiplied by SQL",
              unit="case") as bar:
        multiply(runtime, key, cases, open_cases, bar)
    clock.at_least(datetime.now(UTC))  # sealed now, as the worker would
    with runtime.sessions() as session:
        checkpoints.write_checkpoint(runtime.context(session))
        session.commit()
    if runtime.db.dialect.name == "postgresql":
        with runtime.db.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.exec_driver_sql("VACUUM ANALYZE")
    else:
        with runtime.db.begin() as conn:
            conn.exec_driver_sql("ANALYZE")
    with runtime.sessions() as session:
        print("verifying the audit trail ...", flush=True)
        report = audit.verify_trail(session)
        if not report.ok:
            raise RuntimeError(report.summary())
        interview = by_state.get("other offer, overdue", [])
        closed = by_state.get("closed", [])

        def kib(ids):
            if not ids:
                return 0.0
            sizes = session.scalars(select(func.length(ProcessInstance.state_json))
                                    .where(ProcessInstance.case_id.in_(ids))).all()
            return statistics.median(sizes) / 1024
        result = Generated(cases=session.scalar(select(func.count(Case.id))),
                           open=session.scalar(select(func.count(Case.id))
                                               .where(Case.status == "open")),
                           events=session.scalar(select(func.count(AuditEvent.seq))),
                           verify=report.summary(), seconds=time.perf_counter() - started,
                           interview_kib=kib(interview), closed_kib=kib(closed),
                           base_states={s: len(ids) for s, ids in sorted(by_state.items())})
    return result


# --- measurement ---------------------------------------------------------------------------

class Client:
    """One logged-in person over one keep-alive connection (cookies and CSRF by hand)."""

    def __init__(self, port: int, username: str):
        self.port, self.username = port, username
        self.conn = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
        self.cookies: dict[str, str] = {}
        self.token = ""
        self.timings: dict[str, list[float]] = {}
        self.get("/login")
        status, headers, _ = self.post("/login", {"username": username, "password": PASSWORD})
        if status != 302:
            raise RuntimeError(f"{username} could not log in: {status}")
        self.get("/")  # the session's CSRF token after login

    def request(self, method: str, path: str, form: dict | None = None,
                action: str | None = None):
        headers = {"Cookie": "; ".join(f"{k}={v}" for k, v in self.cookies.items())}
        body = None
        if form is not None:
            body = urlencode({**form, "csrf_token": self.token})
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        if action:
            headers["X-Bench-Action"] = action
        for attempt in (1, 2):
            try:
                started = time.perf_counter()
                self.conn.request(method, path, body=body, headers=headers)
                response = self.conn.getresponse()
                data = response.read()
                elapsed = (time.perf_counter() - started) * 1000
                break
            except (http.client.RemoteDisconnected, ConnectionError):
                if attempt == 2:
                    raise
                self.conn.close()
                self.conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=120)
        for cookie in response.headers.get_all("Set-Cookie") or ():
            name, _, rest = cookie.partition("=")
            self.cookies[name] = rest.split(";", 1)[0]
        text = data.decode(errors="replace")
        found = CSRF.search(text) if "text/html" in response.headers.get(
            "Content-Type", "") else None
        if found:
            self.token = found.group(1)
        if response.status >= 400:
            raise RuntimeError(f"{self.username}: {method} {path} -> {response.status}: "
                               f"{text[:500]}")
        if action:
            self.timings.setdefault(action, []).append(elapsed)
        return response.status, response.headers, text

    def get(self, path, action=None):
        return self.request("GET", path, action=action)

    def post(self, path, form, action=None):
        return self.request("POST", path, form=form, action=action)


@dataclass
class Targets:
    """What each cycle reads: cases, names and numbers of the generated data."""

    cases: list[int]
    histories: list[int]
    names: list[str]
    numbers: list[str]


def pick_targets(runtime, team: str, count: int = 400) -> Targets:
    from sqlalchemy import func, select

    from caseapp.models import Case, Person, Team

    with runtime.sessions() as session:
        team_id = session.scalar(select(Team.id).where(Team.name == team))
        total = session.scalar(select(func.count(Case.id)).where(Case.team_id == team_id))
        every = max(total // count, 1)
        rows = session.execute(
            select(Case.id, Case.number, Person.family_name)
            .join(Person, Person.id == Case.person_id)
            .where(Case.team_id == team_id, Case.id % every == 0).limit(count)).all()
        everyone = session.scalars(select(Case.id).where(Case.id % (every * 2 + 1) == 0)
                                   .limit(count)).all()
    return Targets(cases=[r[0] for r in rows], histories=list(everyone) or [r[0] for r in rows],
                   names=[r[2] for r in rows], numbers=[r[1] for r in rows])


def cycle(i: int, counsellor: Client, lead: Client, auditor: Client, coordination: Client,
          targets: Targets, tag: str) -> None:
    """One of everything: a new case taken through its first step, and every page read."""
    status, headers, _ = counsellor.post("/cases/new", {
        "given_names": "Zyklus", "family_name": f"Messung{tag}x{i}",
        "birth_date": (date(1950, 1, 1) + timedelta(days=i % 20000)).isoformat(),
        "municipality": "Hildesheim", "confirm_new": "1"}, action="start a case")
    assert status == 302, status
    page = counsellor.get(_path(headers["Location"]), action="task form")[2]
    case_id, task_id, form_key, row_version = TASK_FORM.search(page).groups()
    step = f"/cases/{case_id}/tasks/{task_id}"
    counsellor.post(f"{step}/draft?autosave=1", {"form_key": form_key,
                                                 "place_of_birth": f"Ort {i}"},
                    action="save draft")
    status, headers, _ = counsellor.post(step, {**posted(form_key), "row_version": row_version},
                                         action="complete step")
    assert status == 302, status
    counsellor.get(_path(headers["Location"]), action="step redirect")
    n = len(targets.cases)
    counsellor.get(f"/cases/{targets.cases[i % n]}", action="case page")
    counsellor.get("/", action="my tasks + queue")
    lead.get("/team/", action="team board")
    counsellor.get(f"/cases/search?q={quote(targets.names[(i * 7) % n])}",
                   action="search by name")
    counsellor.get(f"/cases/search?q={quote(targets.numbers[(i * 11) % n])}",
                   action="search by number")
    histories = targets.histories
    auditor.get(f"/audit/cases/{histories[i % len(histories)]}", action="case history")
    auditor.get("/audit/events?type=task_completed", action="event search")
    auditor.get("/audit/access", action="access log")
    coordination.get("/monitoring/", action="monitoring dashboard")  # the last 12 months


def _path(location: str) -> str:
    return re.sub(r"^https?://[^/]+", "", location).split("#", 1)[0]


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(p / 100 * (len(ordered) - 1))))]


def engine_floor(runtime, samples: int) -> list[float]:
    """The engine alone for the same step: load -> complete the person form -> dump."""
    engine = runtime.engine
    run = engine.start({"follow_up_period": runtime.settings.follow_up_period,
                        "follow_up_grace_period": runtime.settings.follow_up_grace_period,
                        "age_at_intake": 35, "intake_date": date.today()})
    state = run.dumps()
    data = answers("person")
    times = []
    for _ in range(samples):
        started = time.perf_counter()
        loaded = engine.load(run.version, state)
        [task] = loaded.ready_human_tasks()
        loaded.complete(task.id, data)
        loaded.dumps()
        times.append((time.perf_counter() - started) * 1000)
    return times


@contextmanager
def timed_gunicorn(env: dict[str, str], logs: Path):
    """gunicorn with one worker serving the timed app, and beside it the timer worker as
    in production (its rounds check what was appended to the audit trail); both stopped
    at the end."""
    port = free_port()
    with (logs / "access.log").open("w") as out, (logs / "error.log").open("w") as err, \
            (logs / "worker.log").open("w") as worker_log:
        process = subprocess.Popen(
            [str(GUNICORN), "-c", "gunicorn.conf.py", "--access-logfile", "/dev/null",
             "bench.timed_app:app"], cwd=ROOT, stdout=out, stderr=err,
            env={**env, "ANKOMMEN_BIND": f"127.0.0.1:{port}", "ANKOMMEN_WEB_WORKERS": "1"})
        worker = subprocess.Popen(
            [str(GUNICORN.with_name("flask")), "--app", "caseapp", "worker"], cwd=ROOT,
            stdout=worker_log, stderr=subprocess.STDOUT, env=env)
    try:
        deadline = time.monotonic() + 120
        while True:
            if process.poll() is not None:
                raise RuntimeError(f"gunicorn exited: {(logs / 'error.log').read_text()}")
            try:
                if Visitor(f"http://127.0.0.1:{port}").get("/login").status == 200:
                    break
            except OSError:
                pass
            if time.monotonic() > deadline:
                raise RuntimeError("gunicorn did not answer")
            time.sleep(0.2)
        yield port
    finally:
        for running in (process, worker):
            running.send_signal(signal.SIGTERM)
            try:
                running.wait(timeout=30)
            except subprocess.TimeoutExpired:
                running.kill()
                running.wait()


def server_call(port: int, method: str, what: str) -> dict:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    conn.request(method, f"/_bench/{what}")
    payload = json.loads(conn.getresponse().read())
    conn.close()
    return payload


def measure(runtime, env, logs: Path, cycles: int, runs: int, warmup: int) -> dict:
    targets = pick_targets(runtime, "Team Nord")
    results: dict = {"runs": [], "load_before": os.getloadavg()}
    with timed_gunicorn(env, logs) as port:
        counsellor = Client(port, "berater.nord")
        lead = Client(port, "leitung.nord")
        auditor = Client(port, "pruefung")
        coordination = Client(port, "koordination")
        clients = (counsellor, lead, auditor, coordination)
        for i in tqdm(range(warmup), desc="warm-up", unit="cycle"):
            cycle(i, *clients, targets, "w")
        for run in range(runs):
            for client in clients:
                client.timings = {}
            server_call(port, "POST", "reset")
            for i in tqdm(range(cycles), desc=f"run {run + 1}/{runs}", unit="cycle"):
                cycle(i, *clients, targets, f"r{run}")
            inside = server_call(port, "GET", "timings")
            http_ms: dict[str, list[float]] = {}
            for client in clients:
                http_ms.update(client.timings)
            floor = engine_floor(runtime, max(cycles, 300))
            results["runs"].append({"http": http_ms, "server": inside["timings"],
                                    "floor": floor})
            results["rss_kib"] = inside["rss_kib"]
    results["load_after"] = os.getloadavg()
    return results


def summarize(measured: dict) -> dict:
    """Per action: the median over the runs of each run's p50 and p95."""
    def over_runs(samples_of) -> tuple[float, float]:
        p50s, p95s = [], []
        for run in measured["runs"]:
            samples = samples_of(run)
            if samples:
                p50s.append(statistics.median(samples))
                p95s.append(percentile(samples, 95))
        return (statistics.median(p50s), statistics.median(p95s)) if p50s else (None, None)

    rows = {}
    for action in ACTIONS:
        rows[action] = {"http": over_runs(lambda r, a=action: r["http"].get(a)),
                        "server": over_runs(lambda r, a=action: r["server"].get(a)),
                        "samples": sum(len(r["http"].get(action, ())) for r in measured["runs"])}
    floor = over_runs(lambda r: r["floor"])
    step_inside = rows["complete step"]["server"][0]
    return {"rows": rows, "floor": floor, "ratio": step_inside / floor[0],
            "rss_mib": measured["rss_kib"] / 1024, "load_before": measured["load_before"],
            "load_after": measured["load_after"]}


def table(args, generated: Generated, summary: dict) -> str:
    lines = [f"{generated.cases} cases ({generated.open} open), {generated.events} audit events "
             f"on {args.database} "
             f"(generated in {generated.seconds:.0f} s); {generated.verify}",
             f"{args.runs} runs x {args.cycles} cycles after {args.warmup} warm-up cycles; "
             f"median of the runs' p50 and p95",
             f"{'action':<20}{'HTTP p50':>10}{'HTTP p95':>10}{'server p50':>12}"
             f"{'server p95':>12}{'n':>7}"]
    for action, row in summary["rows"].items():
        (h50, h95), (s50, s95) = row["http"], row["server"]
        lines.append(f"{action:<20}{h50:>10.1f}{h95:>10.1f}{s50:>12.1f}{s95:>12.1f}"
                     f"{row['samples']:>7}")
    f50, f95 = summary["floor"]
    lines += [f"{'engine floor':<20}{'':>20}{f50:>12.2f}{f95:>12.2f}",
              f"complete-task / engine floor: {summary['ratio']:.1f}x",
              f"stored workflow state: {generated.interview_kib:.1f} KiB per case at the end "
              f"of the interview, {generated.closed_kib:.1f} KiB closed",
              f"worker resident memory after the run: {summary['rss_mib']:.0f} MiB",
              "load average before / after: "
              f"{' '.join(f'{x:.2f}' for x in summary['load_before'])} / "
              f"{' '.join(f'{x:.2f}' for x in summary['load_after'])}"]
    return "\n".join(lines)


def markdown(args, generated: Generated, summary: dict) -> str:
    lines = [f"| action ({generated.cases} cases, {args.database}) | HTTP p50 / p95 ms | "
             "server p50 / p95 ms |", "|---|---|---|"]
    for action, row in summary["rows"].items():
        (h50, h95), (s50, s95) = row["http"], row["server"]
        lines.append(f"| {action} | {h50:.1f} / {h95:.1f} | {s50:.1f} / {s95:.1f} |")
    f50, f95 = summary["floor"]
    lines.append(f"| engine floor (load → complete → dump) | – | {f50:.2f} / {f95:.2f} |")
    return "\n".join(lines)


# --- the command ---------------------------------------------------------------------------

def run(args, url: str, workdir: Path) -> int:
    instance = workdir / "instance"
    instance.mkdir(parents=True, exist_ok=True)
    kept = workdir / "generated.json"  # an earlier --keep run's keys and facts
    earlier = json.loads(kept.read_text()) if kept.exists() else None
    audit_key, secret_key = ((earlier["audit_key"], earlier["secret_key"]) if earlier
                             else (secrets.token_hex(32), secrets.token_hex(32)))
    env = {**{k: v for k, v in os.environ.items() if not k.startswith("ANKOMMEN_")},
           "DATABASE_URL": url, "SECRET_KEY": secret_key,
           "ANKOMMEN_AUDIT_KEY": audit_key, "ANKOMMEN_INSTANCE": str(instance),
           # development mode only for its plain-HTTP session cookie on the loopback
           "ANKOMMEN_ENV": "development", "PYTHONUNBUFFERED": "1",
           # one client per role posts as fast as it can: the load is measured, not refused
           "ANKOMMEN_WRITES_PER_ACCOUNT": "1000000 per minute",
           "ANKOMMEN_WRITES_PER_ADDRESS": "1000000 per minute"}
    from caseapp import create_app
    from caseapp.config import Config

    class ScaleConfig(Config):
        """The served app's database and keys, for generating and checking."""

        SQLALCHEMY_URL, SECRET_KEY = url, env["SECRET_KEY"]
        AUDIT_KEY, INSTANCE_DIR = audit_key, instance

    app = create_app(ScaleConfig())
    runtime = app.extensions["ankommen"]
    clock = MovingClock(datetime.now(UTC) - timedelta(days=3 * 365))
    runtime.clock = clock
    initialized = app.test_cli_runner().invoke(args=["init-db"])  # also migrates a kept one
    if initialized.exit_code != 0:
        raise RuntimeError(f"init-db failed: {initialized.output}") from initialized.exception
    if earlier:
        generated = Generated(**{"open": 0, **earlier["generated"]})
        print(f"measuring the kept {generated.cases} cases again (schema brought up to date)")
        with runtime.db.begin() as conn:  # statistics for the indexes the upgrade made
            conn.exec_driver_sql("ANALYZE")
    else:
        generated = generate(runtime, clock, audit_key.encode(), args.cases, args.base,
                             args.open_cases)
        if args.keep and args.database == "sqlite":
            kept.write_text(json.dumps({"audit_key": audit_key, "secret_key": secret_key,
                                        "generated": dataclasses.asdict(generated)}))
    print(f"{generated.cases} cases ({generated.open} open), {generated.events} events in "
          f"{generated.seconds:.0f} s; "
          f"base cases by state: {generated.base_states}")
    from caseapp.services import checkpoints
    with runtime.sessions() as session, \
            tqdm(desc="chains checked by the worker's round", unit="chain") as bar:
        # as the worker's round does, so the audit pages walk only what comes after
        checkpoints.verify_new_events(runtime.context(session), progress=bar)
    if args.generate_only:
        return 0
    runtime.clock = lambda: datetime.now(UTC)
    measured = measure(runtime, env, workdir, args.cycles, args.runs, args.warmup)
    runtime.db.dispose()
    summary = summarize(measured)
    print(table(args, generated, summary))
    if args.json:
        Path(args.json).write_text(json.dumps({
            "cases": generated.cases, "open": generated.open, "events": generated.events,
            "database": args.database,
            "cycles": args.cycles, "runs": args.runs, "generation_seconds": generated.seconds,
            "verify": generated.verify, "base_states": generated.base_states,
            "rows": summary["rows"], "engine_floor": summary["floor"],
            "complete_task_over_floor": summary["ratio"],
            "interview_state_kib": generated.interview_kib,
            "closed_state_kib": generated.closed_kib, "worker_rss_mib": summary["rss_mib"],
            "load_before": summary["load_before"], "load_after": summary["load_after"]},
            indent=2))
    if args.markdown:
        Path(args.markdown).write_text(markdown(args, generated, summary) + "\n")
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--cases", type=int, default=10_000)
    parser.add_argument("--database", choices=("sqlite", "postgresql"), default="sqlite")
    parser.add_argument("--base", type=int, default=400, help="cases made through the services")
    parser.add_argument("--open-cases", type=int, default=4000,
                        help="about this many stay open, the other copies are closed cases")
    parser.add_argument("--cycles", type=int, default=300)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--warmup", type=int, default=30, help="cycles before measuring")
    parser.add_argument("--json", help="write the figures to this file")
    parser.add_argument("--markdown", help="write the table for RESULTS.md to this file")
    parser.add_argument("--keep", help="generate into this directory and keep it; a directory "
                        "kept before (SQLite) is migrated and measured again, not regenerated")
    parser.add_argument("--generate-only", action="store_true", help="stop before measuring")
    args = parser.parse_args(argv)
    workdir = Path(args.keep or tempfile.mkdtemp(prefix="ankommen-scale-"))
    try:
        if args.database == "sqlite":
            return run(args, f"sqlite:///{workdir / 'ankommen.db'}", workdir)
        with throwaway_cluster() as url:
            return run(args, url, workdir)
    finally:
        if not args.keep:
            shutil.rmtree(workdir, ignore_errors=True)


if __name__ == "__main__":
    # stopped by a signal, it still stops its gunicorn and removes its files
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    sys.exit(main())
