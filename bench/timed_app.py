"""The app wrapped in a WSGI middleware that times every request inside the server.

Served by gunicorn for the scale benchmark (``gunicorn -c gunicorn.conf.py
bench.timed_app:app``). A request names what it measures in the header ``X-Bench-Action``
(else its method and path are its name); ``GET /_bench/timings`` answers what this worker
measured (milliseconds per action, and the worker's resident memory), ``POST
/_bench/reset`` forgets it. Only this module knows the ``/_bench`` paths: the app has none.
"""

from __future__ import annotations

import json
import os
import threading
import time
from collections import defaultdict

from caseapp import create_app

PREFIX = "/_bench/"


def resident_kib() -> int:
    """This process's resident memory now (VmRSS), in KiB."""
    with open(f"/proc/{os.getpid()}/status") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    return 0


class TimedApp:
    """Times the wrapped app from the call until its body is closed, by action."""

    def __init__(self, wrapped):
        self.wrapped = wrapped
        self.timings: dict[str, list[float]] = defaultdict(list)
        self.lock = threading.Lock()

    def __call__(self, environ, start_response):
        path = environ.get("PATH_INFO", "")
        if path.startswith(PREFIX):
            return self._own(environ, path[len(PREFIX):], start_response)
        action = environ.get("HTTP_X_BENCH_ACTION") or \
            f"{environ.get('REQUEST_METHOD')} {path}"
        started = time.perf_counter()
        body = self.wrapped(environ, start_response)
        try:
            chunks = list(body)
        finally:
            if hasattr(body, "close"):
                body.close()
        elapsed = (time.perf_counter() - started) * 1000
        with self.lock:
            self.timings[action].append(elapsed)
        return chunks

    def _own(self, environ, what: str, start_response):
        if what == "reset" and environ.get("REQUEST_METHOD") == "POST":
            with self.lock:
                self.timings.clear()
            payload: dict = {"reset": True}
        elif what == "timings":
            with self.lock:
                payload = {"pid": os.getpid(), "rss_kib": resident_kib(),
                           "timings": {k: list(v) for k, v in self.timings.items()}}
        else:
            start_response("404 Not Found", [("Content-Type", "text/plain")])
            return [b"not found"]
        data = json.dumps(payload).encode()
        start_response("200 OK", [("Content-Type", "application/json"),
                                  ("Content-Length", str(len(data)))])
        return [data]


app = TimedApp(create_app())
