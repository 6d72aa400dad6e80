"""The production server for tests: real gunicorn, started as the README says, in a subprocess."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from tests.http_visitor import Visitor
from tests.postgres import free_port

ROOT = Path(__file__).resolve().parent.parent
GUNICORN = Path(sys.executable).with_name("gunicorn")
SETTINGS = ("SECRET_KEY", "DATABASE_URL")


def production_env(**values: str) -> dict[str, str]:
    """This environment without any Ankommen setting, in production mode, plus ``values``."""
    env = {k: v for k, v in os.environ.items()
           if not k.startswith(("ANKOMMEN_", "GUNICORN_")) and k not in SETTINGS}
    return {**env, "ANKOMMEN_ENV": "production", "PYTHONUNBUFFERED": "1", **values}


@dataclass
class Gunicorn:
    process: subprocess.Popen
    port: int
    access_log: Path
    error_log: Path

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def booted_workers(self) -> set[str]:
        return {line.rsplit(" ", 1)[-1] for line in self.error_log.read_text().splitlines()
                if "Booting worker with pid" in line}

    def stop(self) -> int:
        """SIGTERM, as systemd stops it; the exit code once the master is gone."""
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
        return self.process.wait(timeout=60)


@contextmanager
def running_gunicorn(env: dict[str, str], logs: Path, workers: int = 2) -> Iterator[Gunicorn]:
    """gunicorn -c gunicorn.conf.py on a free port; waits until every worker booted and a
    page answers; stopped at the end whatever happened."""
    port = free_port()
    access_log, error_log = logs / "access.log", logs / "error.log"
    with access_log.open("w") as stdout, error_log.open("w") as stderr:
        process = subprocess.Popen(
            [str(GUNICORN), "-c", "gunicorn.conf.py"], cwd=ROOT, stdout=stdout, stderr=stderr,
            env={**env, "ANKOMMEN_BIND": f"127.0.0.1:{port}",
                 "ANKOMMEN_WEB_WORKERS": str(workers)})
    server = Gunicorn(process, port, access_log, error_log)
    try:
        _wait_until_serving(server, workers)
        yield server
    finally:
        if server.process.poll() is None:
            server.process.kill()
            server.process.wait()


def _wait_until_serving(server: Gunicorn, workers: int) -> None:
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        if server.process.poll() is not None:
            raise RuntimeError(f"gunicorn exited: {server.error_log.read_text()}")
        if len(server.booted_workers()) == workers:
            try:
                if Visitor(server.url).get("/login").status == 200:
                    return
            except OSError:
                pass
        time.sleep(0.1)
    raise RuntimeError(f"gunicorn did not answer: {server.error_log.read_text()}")
