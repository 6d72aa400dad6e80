"""Soak test: every role at once on shared cases, against gunicorn and PostgreSQL.

Run by hand (figures go to bench/RESULTS.md and the README), a tiny run is in the suite:

    .venv/bin/python bench/soak.py [--seconds 60] [--counsellors 8] [--leads 2]
                                   [--auditors 1] [--workers 2] [--database-url URL]

Counsellors work the steps of the cases on their home page (autosaving drafts, completing
steps, opening new cases), team leads view the board and cases and reassign cases between
counsellors, auditors read case histories and the access log. Every request is timed.
Without --database-url a throwaway PostgreSQL is started (and stopped); a given database
must be empty (it is migrated). Prints actions/s, p50/p95/p99 per action and responses by
status, then checks: no 5xx, no deadlock (pg_stat_database), every acknowledged action in
the trail, no lost draft, and the audit trail verifying. Exit status 1 if a check fails.
"""

from __future__ import annotations

import argparse
import os
import random
import re
import secrets
import statistics
import sys
import tempfile
import threading
import time
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

import requests

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.factories import posted  # noqa: E402
from tests.gunicorn_server import running_gunicorn  # noqa: E402 - the repository's own
from tests.helpers import STEPS  # noqa: E402
from tests.postgres import throwaway_cluster  # noqa: E402

PASSWORD = "soak-password-1"
CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')
TASK_FORM = re.compile(r'action="/cases/(\d+)/tasks/(\d+)"[^>]*>.*?name="form_key" '
                       r'value="(\w+)".*?name="row_version" value="(\d+)"', re.S)


@dataclass
class Stats:
    latencies: dict[str, list[float]] = field(default_factory=lambda: defaultdict(list))
    statuses: Counter = field(default_factory=Counter)
    acked: Counter = field(default_factory=Counter)  # (event type, username) -> count
    reassigned: set[tuple[int, int]] = field(default_factory=set)  # (case, to) acknowledged
    drafts: dict[int, list[tuple[float, float, str]]] = field(
        default_factory=lambda: defaultdict(list))  # task -> (sent, acked, value)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def record(self, action: str, status: int, seconds: float) -> None:
        with self.lock:
            self.latencies[action].append(seconds * 1000)
            self.statuses[status] += 1


class User:
    """One simulated person: a keep-alive HTTP session with its own CSRF token."""

    def __init__(self, base: str, username: str, stats: Stats):
        self.base, self.username, self.stats = base, username, stats
        self.http = requests.Session()
        self.token = ""

    def request(self, action: str, method: str, path: str, **kwargs) -> requests.Response:
        started = time.perf_counter()
        response = self.http.request(method, self.base + path, allow_redirects=False,
                                     timeout=30, **kwargs)
        self.stats.record(action, response.status_code, time.perf_counter() - started)
        found = CSRF.search(response.text) if "text/html" in response.headers.get(
            "Content-Type", "") else None
        if found:
            self.token = found.group(1)
        return response

    def login(self) -> None:
        self.request("login page", "GET", "/login")
        response = self.request("login", "POST", "/login", data={
            "username": self.username, "password": PASSWORD, "csrf_token": self.token})
        if response.status_code != 302:
            raise RuntimeError(f"{self.username} could not log in: {response.status_code}")
        self.request("home", "GET", "/")


def counsellor(user: User, stop: threading.Event, rng: random.Random) -> None:
    while not stop.is_set():
        home = user.request("home", "GET", "/").text
        mine = home.split('id="my-tasks"', 1)[-1].split('id="queue"', 1)[0]
        case_ids = re.findall(r'href="/cases/(\d+)"', mine)
        if not case_ids:
            _open_case(user, rng)
            continue
        page = user.request("case page", "GET", f"/cases/{rng.choice(case_ids)}").text
        found = TASK_FORM.search(page)
        if not found:
            continue
        case_id, task_id, form_key, row_version = found.groups()
        if form_key not in STEPS:
            continue
        if rng.random() < 0.7:
            _autosave(user, int(case_id), int(task_id), form_key)
        else:
            data = {**posted(form_key), "row_version": row_version, "csrf_token": user.token}
            response = user.request("complete step", "POST",
                                    f"/cases/{case_id}/tasks/{task_id}", data=data)
            if response.status_code == 302:
                with user.stats.lock:
                    user.stats.acked["task_completed", user.username] += 1


def _autosave(user: User, case_id: int, task_id: int, form_key: str) -> None:
    value = f"soak {secrets.token_hex(4)}"
    field_name = {"person": "place_of_birth", "residence": "residence_paragraph",
                  "family": "children_ages", "education_work": "work_experience",
                  "practical": "notes", "goals_plan": "goals_own_words",
                  "language_literacy": "other_languages", "referral": "override_reason"
                  }[form_key]
    sent = time.perf_counter()
    response = user.request("autosave", "POST",
                            f"/cases/{case_id}/tasks/{task_id}/draft?autosave=1",
                            data={"csrf_token": user.token, "form_key": form_key,
                                  field_name: value})
    if response.status_code == 200 and response.json().get("saved"):
        with user.stats.lock:
            user.stats.acked["draft_saved", user.username] += 1
            user.stats.drafts[task_id].append((sent, time.perf_counter(), value))


def _open_case(user: User, rng: random.Random) -> None:
    response = user.request("open case", "POST", "/cases/new", data={
        "csrf_token": user.token, "given_names": f"Soak{rng.randrange(10**6)}",
        "family_name": f"Person{rng.randrange(10**6)}", "birth_date": "1990-01-01",
        "municipality": "Hildesheim", "confirm_new": "1"})
    if response.status_code == 302:
        with user.stats.lock:
            user.stats.acked["case_opened", user.username] += 1


def team_lead(user: User, stop: threading.Event, rng: random.Random,
              counsellors: dict[str, int]) -> None:
    while not stop.is_set():
        board = user.request("team board", "GET", "/team/").text
        rows = re.findall(r'data-case="(\d+)">.*?class="assignee">([^<]*)<', board, re.S)
        if not rows:
            continue
        case_id, assignee = rng.choice(rows)
        user.request("case page", "GET", f"/cases/{case_id}")
        if rng.random() < 0.2:
            target = rng.choice([n for n in counsellors if n != assignee.strip()])
            response = user.request("reassign", "POST", "/team/reassign", data={
                "csrf_token": user.token, "case_id": case_id,
                "to_user": str(counsellors[target]), "reason": "Soak: Ausgleich"})
            if response.status_code == 302:
                with user.stats.lock:
                    user.stats.reassigned.add((int(case_id), counsellors[target]))


def auditor(user: User, stop: threading.Event, rng: random.Random, case_ids: list[int]) -> None:
    while not stop.is_set():
        user.request("case history", "GET", f"/audit/cases/{rng.choice(case_ids)}")
        if rng.random() < 0.3:
            user.request("access log", "GET", "/audit/access")


def _setup(runtime, counsellors: int, leads: int, auditors: int, cases_each: int):
    """Users of every role in one team, and cases for each counsellor; returns names."""
    from caseapp.services import cases, users
    from caseapp.services.actor import SYSTEM

    ctx = runtime.context(runtime.sessions())
    names = {"counsellor": [f"soak.c{i}" for i in range(counsellors)],
             "team_lead": [f"soak.l{i}" for i in range(leads)],
             "auditor": [f"soak.a{i}" for i in range(auditors)]}
    ids, case_ids = {}, []
    for role, usernames in names.items():
        for username in usernames:
            made = users.create_user(ctx, SYSTEM, username=username, display_name=username,
                                     password=PASSWORD, role=role,
                                     team_name="Soak" if role != "auditor" else None)
            ids[username] = made.id
    for username in names["counsellor"]:
        actor = users.actor_by_username(ctx, username)
        for i in range(cases_each):
            case = cases.open_case(ctx, actor, cases.NewCase(
                given_names=f"Soak{i}", family_name=username, birth_date=date(1990, 1, 1),
                municipality="Hildesheim"))
            case_ids.append(case.id)
    ctx.session.close()
    return names, ids, case_ids


def _deadlocks(runtime) -> int:
    with runtime.db.connect() as conn:
        from sqlalchemy import text
        return conn.execute(text("SELECT deadlocks FROM pg_stat_database "
                                 "WHERE datname = current_database()")).scalar_one()


def _check(runtime, stats: Stats, since_seq: int, deadlocks_before: int,
           server_log: Path) -> list[str]:
    """What must hold after the run; returns the failed checks."""
    from sqlalchemy import func, select

    from caseapp.models import AuditEvent, HumanTask, User
    from caseapp.services import audit

    failed = []
    errors = {s: n for s, n in stats.statuses.items() if s >= 500}
    if errors:
        failed.append(f"server errors: {errors}")
    time.sleep(1.5)  # PostgreSQL publishes its statistics about once a second
    deadlocks = _deadlocks(runtime) - deadlocks_before
    if deadlocks or "deadlock" in server_log.read_text(errors="replace").lower():
        failed.append(f"{deadlocks} deadlock(s) detected")
    with runtime.sessions() as session:
        written = Counter({(type_, name): n for type_, name, n in session.execute(
            select(AuditEvent.type, User.username, func.count())
            .join(User, User.id == AuditEvent.actor_id)
            .where(AuditEvent.seq > since_seq)
            .group_by(AuditEvent.type, User.username))})
        for (type_, username), acked in stats.acked.items():
            if written[type_, username] < acked:
                failed.append(f"{username}: {acked} {type_} acknowledged, "
                              f"{written[type_, username]} in the trail")
        moved = {(case_id, details.get("to")) for case_id, details in session.execute(
            select(AuditEvent.case_id, AuditEvent.details).where(
                AuditEvent.type == "case_reassigned", AuditEvent.seq > since_seq))}
        for case_id, to in sorted(stats.reassigned - moved):
            failed.append(f"case {case_id}: reassignment to user {to} acknowledged, "
                          "not in the trail")
        for task_id, acks in stats.drafts.items():
            row = session.get(HumanTask, task_id)
            if row.state != "ready" or not row.draft_json:
                continue
            last = max(acks, key=lambda a: a[1])
            possible = {last[2]} | {v for sent, acked, v in acks if acked >= last[0]}
            if not any(v in row.draft_json for v in possible):
                failed.append(f"task {task_id}: the last acknowledged draft was lost")
        report = audit.verify_trail(session)
        if not report.ok:
            failed.append(f"audit trail: {report.summary()}")
    return failed


def _percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(p / 100 * (len(ordered) - 1))))]


def report(stats: Stats, seconds: float) -> str:
    total = sum(len(v) for v in stats.latencies.values())
    lines = [f"{total} requests in {seconds:.1f} s: {total / seconds:.1f} actions/s",
             f"{'action':<16}{'count':>7}{'p50 ms':>9}{'p95 ms':>9}{'p99 ms':>9}"]
    everything = []
    for action, values in sorted(stats.latencies.items()):
        everything += values
        lines.append(f"{action:<16}{len(values):>7}{statistics.median(values):>9.1f}"
                     f"{_percentile(values, 95):>9.1f}{_percentile(values, 99):>9.1f}")
    if everything:
        lines.append(f"{'all':<16}{len(everything):>7}{statistics.median(everything):>9.1f}"
                     f"{_percentile(everything, 95):>9.1f}{_percentile(everything, 99):>9.1f}")
    lines.append("responses by status: " + ", ".join(
        f"{status}: {n}" for status, n in sorted(stats.statuses.items())))
    return "\n".join(lines)


def run(args, url: str) -> int:
    instance = tempfile.mkdtemp(prefix="ankommen-soak-")
    env = {**os.environ, "DATABASE_URL": url, "SECRET_KEY": secrets.token_hex(16),
           "ANKOMMEN_AUDIT_KEY": secrets.token_hex(16), "ANKOMMEN_INSTANCE": instance,
           # development mode only for its plain-HTTP session cookie on the loopback
           "ANKOMMEN_ENV": "development",
           # every role at once from one address, without think time: measured, not refused
           "ANKOMMEN_WRITES_PER_ACCOUNT": "1000000 per minute",
           "ANKOMMEN_WRITES_PER_ADDRESS": "1000000 per minute"}
    if args.threads:
        env["ANKOMMEN_WEB_THREADS"] = str(args.threads)
    from caseapp import create_app
    from caseapp.config import Config
    from caseapp.services import audit

    class SoakConfig(Config):
        """The same database and keys as the served app, for setting up and checking."""

        SQLALCHEMY_URL, SECRET_KEY = url, env["SECRET_KEY"]
        AUDIT_KEY, INSTANCE_DIR = env["ANKOMMEN_AUDIT_KEY"], Path(instance)

    app = create_app(SoakConfig())
    runtime = app.extensions["ankommen"]
    initialized = app.test_cli_runner().invoke(args=["init-db"])  # as an installation is
    if initialized.exit_code != 0:
        raise RuntimeError(f"init-db failed: {initialized.output}")
    names, ids, case_ids = _setup(runtime, args.counsellors, args.leads, args.auditors,
                                  args.cases_per_counsellor)
    with runtime.sessions() as session:
        since_seq = audit.last_seq(session)
    deadlocks_before = _deadlocks(runtime)
    stats, stop = Stats(), threading.Event()
    with running_gunicorn(env, Path(instance), args.workers) as server:
        base = server.url
        people = {name: User(base, name, stats) for group in names.values() for name in group}
        for person in people.values():
            person.login()
        stats.latencies.clear()
        stats.statuses.clear()
        counsellor_ids = {n: ids[n] for n in names["counsellor"]}
        threads = []
        for n, name in enumerate(names["counsellor"]):
            threads.append(threading.Thread(target=counsellor, args=(
                people[name], stop, random.Random(n))))
        for n, name in enumerate(names["team_lead"]):
            threads.append(threading.Thread(target=team_lead, args=(
                people[name], stop, random.Random(100 + n), counsellor_ids)))
        for n, name in enumerate(names["auditor"]):
            threads.append(threading.Thread(target=auditor, args=(
                people[name], stop, random.Random(200 + n), case_ids)))
        started = time.perf_counter()
        for thread in threads:
            thread.start()
        stop.wait(args.seconds)
        stop.set()
        for thread in threads:
            thread.join()
        elapsed = time.perf_counter() - started
        print(report(stats, elapsed))
        failed = _check(runtime, stats, since_seq, deadlocks_before, server.error_log)
    runtime.db.dispose()
    for problem in failed:
        print(f"FAILED: {problem}")
    if not failed:
        print("All checks passed: no 5xx, no deadlock, every acknowledged action in the "
              "trail, no lost draft, audit trail verified.")
    return 1 if failed else 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--seconds", type=float, default=60)
    parser.add_argument("--counsellors", type=int, default=8)
    parser.add_argument("--leads", type=int, default=2)
    parser.add_argument("--auditors", type=int, default=1)
    parser.add_argument("--cases-per-counsellor", type=int, default=3)
    parser.add_argument("--workers", type=int, default=2, help="gunicorn worker processes")
    parser.add_argument("--threads", type=int, help="per worker (default: gunicorn.conf.py's)")
    parser.add_argument("--database-url", help="an empty PostgreSQL database (default: a "
                                               "throwaway server)")
    args = parser.parse_args(argv)
    if args.database_url:
        return run(args, args.database_url)
    with throwaway_cluster() as url:
        return run(args, url)


if __name__ == "__main__":
    sys.exit(main())
