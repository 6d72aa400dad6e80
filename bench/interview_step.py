"""Benchmark: start a case, one interview step (GET case page + POST the step), the task
list, and the engine floor of the same step.

Run by hand, not in the test suite:

    .venv/bin/python bench/interview_step.py [--cases 200] [--database-url URL]

Reports milliseconds per request, measured twice: by the client (the Flask test client,
in-process, no network) and inside the server (a WSGI middleware around the app, as a
server would see it). The engine floor is SpiffWorkflow alone for the same step: load
the state a new case has, complete the person form with the same answers, dump. Uses a
fresh SQLite database in a temporary directory unless --database-url is given (that
database must be empty; it is migrated here).
"""

from __future__ import annotations

import argparse
import os
import re
import statistics
import sys
import tempfile
import time
from datetime import UTC, date, datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from tests.factories import answers, posted  # noqa: E402 - the repository's own test data

# The interview's first step (person and contact), as a browser posts it.
STEP = posted("person")
BORN = date(1960, 1, 1).toordinal()  # newcomers born on different days, as they are


class Timed:
    """WSGI middleware: the time each request spends inside the server, until the
    response body has been produced."""

    def __init__(self, app):
        self.app, self.samples = app, []

    def __call__(self, environ, start_response):
        start = time.perf_counter()
        body = b"".join(self.app(environ, start_response))
        self.samples.append(time.perf_counter() - start)
        return [body]

    def take(self) -> float:
        return self.samples.pop()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--cases", type=int, default=200)
    parser.add_argument("--database-url")
    args = parser.parse_args()
    os.environ["ANKOMMEN_INSTANCE"] = tempfile.mkdtemp(prefix="ankommen-bench-")
    if args.database_url:
        os.environ["DATABASE_URL"] = args.database_url

    from caseapp import create_app
    from caseapp.migrate import upgrade

    app = create_app()
    runtime = app.extensions["ankommen"]
    upgrade(runtime.db)
    app.test_cli_runner().invoke(args=["seed"])
    timed = Timed(app.wsgi_app)
    app.wsgi_app = timed
    client = app.test_client()
    page = client.get("/login").text
    token = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
    client.post("/login", data={"username": "berater.nord", "password": "ankommen-demo",
                                "csrf_token": token})
    token = re.search(r'name="csrf_token" value="([^"]+)"', client.get("/").text).group(1)

    figures: dict[str, tuple[list[float], list[float]]] = {}

    def measure(name, request):
        """One request, timed by the client and inside the server."""
        start = time.perf_counter()
        response = request()
        client_s = time.perf_counter() - start
        outside, inside = figures.setdefault(name, ([], []))
        outside.append(client_s)
        inside.append(timed.take())
        return response

    case_ids = []
    for i in range(args.cases):
        client.get("/")  # as the redirect target would: shows (and takes) the message
        response = measure("start a case (POST -> 302)", lambda i=i: client.post(
            "/cases/new", data={"csrf_token": token, "given_names": f"Bench{i}",
                                "family_name": f"Person{i}",
                                "birth_date": date.fromordinal(BORN + i * 37).isoformat(),
                                "municipality": "Hildesheim", "confirm_new": "1"}))
        assert response.status_code == 302, response.text[:2000]
        case_ids.append(int(response.location.rsplit("/", 1)[1]))

    for case_id in case_ids:
        html = measure("case page (GET, audits 'viewed')",
                       lambda case_id=case_id: client.get(f"/cases/{case_id}")).text
        action = re.search(r'action="(/cases/\d+/tasks/\d+)"', html).group(1)
        version = re.search(r'name="row_version" value="(\d+)"', html).group(1)
        response = measure("interview step (POST -> 302)", lambda action=action, version=version:
                           client.post(action, data={**STEP, "csrf_token": token,
                                                     "row_version": version}))
        assert response.status_code == 302, response.status_code
    for _ in range(args.cases):
        measure("task list (GET home)", lambda: client.get("/"))

    engine = runtime.engine
    now = datetime.now(UTC)
    run = engine.start({"follow_up_period": "P42D", "follow_up_grace_period": "P7D",
                        "age_at_intake": 36, "intake_date": now.date()}, now=now)
    state, data = run.dumps(), answers("person")
    assert isinstance(data["data_protection_notice_given"], date)
    floor = []
    for _ in range(max(args.cases, 300)):
        start = time.perf_counter()
        loaded = engine.load(run.version, state)
        [task] = loaded.ready_human_tasks()
        loaded.complete(task.id, data, now=now)
        loaded.dumps()
        floor.append(time.perf_counter() - start)

    def median_ms(samples):
        return statistics.median(samples) * 1000

    def p90_ms(samples):
        return sorted(samples)[int(len(samples) * 0.9) - 1] * 1000

    print(f"database: {runtime.db.url.render_as_string(hide_password=True)}")
    print(f"{'':<36} {'client median':>13} {'server median':>13} {'server p90':>11}")
    for name, (outside, inside) in figures.items():
        print(f"{name:<36} {median_ms(outside):10.2f} ms {median_ms(inside):10.2f} ms "
              f"{p90_ms(inside):8.2f} ms   n={len(inside)}")
    print(f"{'engine floor: load -> person -> dump':<36} {'':>13} {median_ms(floor):10.2f} ms "
          f"{p90_ms(floor):8.2f} ms   n={len(floor)}")
    step = median_ms(figures["interview step (POST -> 302)"][1])
    print(f"complete-task / engine floor: {step / median_ms(floor):.1f}x (inside the server)")


if __name__ == "__main__":
    main()
