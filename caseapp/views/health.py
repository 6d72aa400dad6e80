"""Probes for load balancers and supervisors: no login, no database on /healthz."""

from __future__ import annotations

from flask import Blueprint, jsonify

from caseapp.services import readiness
from caseapp.web.request_context import current_runtime

bp = Blueprint("health", __name__)


@bp.get("/healthz")
def alive():
    """The process answers."""
    return _probe({"status": "ok"}, 200)


@bp.get("/readyz")
def ready():
    """The process can serve: database reachable, schema current, process files and
    versions load (if the folder did not, the reason is given)."""
    runtime = current_runtime()
    report = readiness.check(runtime.db, runtime.engine, runtime.process_error)
    body = {"status": "ready" if report.ready else "unavailable", "checks": report.checks}
    if report.reason:
        body["reason"] = report.reason
    return _probe(body, 200 if report.ready else 503)


def _probe(body: dict, status: int):
    response = jsonify(body)
    response.status_code = status
    response.headers["Cache-Control"] = "no-store"
    return response
