"""Benchmark: one interview step over HTTP (GET case page + POST the step), and its floor.

Run by hand, not in the test suite:

    .venv/bin/python bench/interview_step.py [--cases 50] [--database-url URL]

Reports milliseconds per request for: the engine alone (load -> complete -> dump),
GET of the case page, POST of a step (validate, complete, sync, audit, redirect).
Uses a fresh SQLite database in a temporary directory unless --database-url is given
(that database must be empty and migrated: `flask --app caseapp init-db`).
"""

from __future__ import annotations

import argparse
import os
import re
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from tests.factories import posted  # noqa: E402 - the repository's own test data

# The interview's first step (person and contact), as a browser posts it.
STEP = posted("person")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--cases", type=int, default=50)
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
    client = app.test_client()
    page = client.get("/login").text
    token = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
    client.post("/login", data={"username": "berater.nord", "password": "ankommen-demo",
                                "csrf_token": token})
    token = re.search(r'name="csrf_token" value="([^"]+)"', client.get("/").text).group(1)

    case_ids = []
    for i in range(args.cases):
        response = client.post("/cases/new", data={
            "csrf_token": token, "given_names": f"Bench{i}", "family_name": f"Person{i}",
            "birth_date": "1990-01-01", "municipality": "Hildesheim", "confirm_new": "1"})
        assert response.status_code == 302, response.text[:2000]
        case_ids.append(int(response.location.rsplit("/", 1)[1]))

    gets, posts = [], []
    for case_id in case_ids:
        start = time.perf_counter()
        html = client.get(f"/cases/{case_id}").text
        gets.append(time.perf_counter() - start)
        action = re.search(r'action="(/cases/\d+/tasks/\d+)"', html).group(1)
        version = re.search(r'name="row_version" value="(\d+)"', html).group(1)
        start = time.perf_counter()
        response = client.post(action, data={**STEP, "csrf_token": token, "row_version": version})
        posts.append(time.perf_counter() - start)
        assert response.status_code == 302, response.status_code

    engine = runtime.engine
    run = engine.start({"follow_up_period": "P42D", "follow_up_grace_period": "P7D"})
    state = run.dumps()
    floor = []
    for _ in range(200):
        start = time.perf_counter()
        loaded = engine.load(run.version, state)
        [task] = loaded.ready_human_tasks()
        loaded.complete(task.id, {"goals": "x"})
        loaded.dumps()
        floor.append(time.perf_counter() - start)

    def report(name, samples):
        ms = sorted(s * 1000 for s in samples)
        print(f"{name:<42} median {statistics.median(ms):6.2f} ms   "
              f"p90 {ms[int(len(ms) * 0.9) - 1]:6.2f} ms   n={len(ms)}")

    print(f"database: {runtime.db.url.render_as_string(hide_password=True)}")
    report("engine: load -> complete -> dump", floor)
    report("HTTP GET case page (incl. audit 'viewed')", gets)
    report("HTTP POST interview step (-> 302)", posts)


if __name__ == "__main__":
    main()
