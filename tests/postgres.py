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


@contextmanager
def throwaway_cluster():
    """Yields a SQLAlchemy URL; stops the server and removes its files afterwards."""
    bindir = _bindir()
    as_root = os.geteuid() == 0
    prefix = ["runuser", "-u", "postgres", "--"] if as_root else []
    tmp = tempfile.mkdtemp(prefix="ankommen-pg-")
    if as_root:
        shutil.chown(tmp, "postgres")
    data, log, port = os.path.join(tmp, "data"), os.path.join(tmp, "log"), free_port()
    subprocess.run(prefix + [f"{bindir}/initdb", "-D", data, "-A", "trust", "-U", "postgres",
                             "--no-sync", "-E", "UTF8"], check=True, capture_output=True)
    subprocess.run(prefix + [f"{bindir}/pg_ctl", "-D", data, "-w", "-l", log, "-o",
                             f"-p {port} -k {tmp} -c listen_addresses=127.0.0.1 -c fsync=off "
                             # a German server's zone, so UTC handling is really tested
                             "-c max_connections=200 -c timezone=Europe/Berlin", "start"],
                   check=True, capture_output=True)
    try:
        yield f"postgresql+psycopg://postgres@127.0.0.1:{port}/postgres"
    finally:
        subprocess.run(prefix + [f"{bindir}/pg_ctl", "-D", data, "-m", "immediate", "stop"],
                       capture_output=True)
        shutil.rmtree(tmp, ignore_errors=True)
