"""A throwaway PostgreSQL cluster for the test run (initdb refuses root: run as postgres)."""

from __future__ import annotations

import glob
import os
import shutil
import socket
import subprocess
import tempfile
from contextlib import contextmanager


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _bindir() -> str:
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"))
    if not found and shutil.which("initdb"):
        return os.path.dirname(shutil.which("initdb"))
    if not found:
        raise RuntimeError(
            "PostgreSQL server binaries not found: run scripts/ensure-system-packages")
    return os.path.dirname(found[-1])


class PostgresCluster:
    """A cluster in a temporary directory; stop() and start() keep its port and data,
    so a test can take the database away and bring it back."""

    def __init__(self) -> None:
        self._bindir = _bindir()
        as_root = os.geteuid() == 0
        self._prefix = ["runuser", "-u", "postgres", "--"] if as_root else []
        self._dir = tempfile.mkdtemp(prefix="ankommen-pg-")
        if as_root:
            shutil.chown(self._dir, "postgres")
        self._data = os.path.join(self._dir, "data")
        self.port = free_port()
        self.url = f"postgresql+psycopg://postgres@127.0.0.1:{self.port}/postgres"
        try:
            self._run("initdb", "-D", self._data, "-A", "trust", "-U", "postgres",
                      "--no-sync", "-E", "UTF8")
        except BaseException:
            shutil.rmtree(self._dir, ignore_errors=True)
            raise

    def _run(self, program: str, *args: str, check: bool = True) -> None:
        subprocess.run([*self._prefix, os.path.join(self._bindir, program), *args],
                       check=check, capture_output=True)

    def start(self) -> None:
        """Start the server and wait until it accepts connections."""
        self._run("pg_ctl", "-D", self._data, "-w", "-l", os.path.join(self._dir, "log"), "-o",
                  f"-p {self.port} -k {self._dir} -c listen_addresses=127.0.0.1 -c fsync=off "
                  # a German server's zone, so UTC handling is really tested
                  "-c max_connections=200 -c timezone=Europe/Berlin", "start")

    def stop(self, mode: str = "fast") -> None:
        """Stop the server ("fast" ends open connections, as an operator's stop does)."""
        self._run("pg_ctl", "-D", self._data, "-w", "-m", mode, "stop")

    def remove(self) -> None:
        """Stop the server if it runs and delete its files."""
        self._run("pg_ctl", "-D", self._data, "-m", "immediate", "stop", check=False)
        shutil.rmtree(self._dir, ignore_errors=True)


@contextmanager
def throwaway_cluster():
    """Yields a SQLAlchemy URL; stops the server and removes its files afterwards."""
    cluster = PostgresCluster()
    try:
        cluster.start()
        yield cluster.url
    finally:
        cluster.remove()
