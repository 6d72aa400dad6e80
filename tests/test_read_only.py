"""Auditors are strictly read-only: every non-GET route of the whole URL map refuses them."""

from __future__ import annotations

import hashlib

from sqlalchemy import inspect, select, text

from caseapp.models import AuditEvent, Base, Referral
from caseapp.services import referrals
from tests.conftest import csrf_token
from tests.helpers import add_course, at_referral

# Not writes to case data: signing in and out, and the auditor's own UI language.
ALLOWED = {"auth.login", "auth.logout", "auth.language"}
WRITE_METHODS = {"POST", "PUT", "PATCH", "DELETE"}


def fingerprint(ctx) -> dict[str, str]:
    """A digest of every row of every table but the audit trail (reads are audited)."""
    ctx.session.rollback()
    digests = {}
    for table in Base.metadata.sorted_tables:
        if table.name in ("audit_events", "audit_chains", "audit_changes"):
            continue
        keys = [c.name for c in inspect(table).primary_key]
        rows = ctx.session.execute(table.select().order_by(*[table.c[k] for k in keys])).all()
        digests[table.name] = hashlib.sha256(repr(rows).encode()).hexdigest()
    return digests


def test_every_write_route_refuses_an_auditor(app, login, ctx, people, places):
    course = add_course(ctx, places["vhs"])
    case_id = at_referral(ctx, people["anna"])
    referral = referrals.book_seat(ctx, people["anna"], case_id, course)
    task_id = ctx.session.execute(text("SELECT id FROM human_tasks WHERE state = 'ready'")
                                  ).scalar()
    ids = {"case_id": case_id, "task_id": task_id, "referral_id": referral.id,
           "course_id": course, "user_id": people["anna"].id, "team_id": people["anna"].team_id}
    client = login("ida")
    token = csrf_token(client.get("/").text)
    before = fingerprint(ctx)
    last_event = ctx.session.scalar(select(AuditEvent.seq).order_by(AuditEvent.seq.desc()))

    checked = []
    for rule in app.url_map.iter_rules():
        if rule.endpoint == "static" or not (rule.methods & WRITE_METHODS) \
                or rule.endpoint in ALLOWED:
            continue
        missing = set(rule.arguments) - set(ids)
        assert not missing, f"{rule.rule}: give the walk a real value for {missing}"
        url = rule.rule
        for name in rule.arguments:
            url = url.replace(f"<int:{name}>", str(ids[name])).replace(f"<{name}>", str(ids[name]))
        data = {"csrf_token": token, "case_id": case_id, "course_id": course, "reason": "x",
                "form_key": "person", "to_user": people["anna"].id, "status": "done",
                "offer": "kita", "decision": "accept", "seats_total": 99, "locale": "en"}
        for method in sorted(rule.methods & WRITE_METHODS):
            response = client.open(url, method=method, data=data)
            assert response.status_code == 403, f"{method} {url} answered {response.status_code}"
            checked.append(f"{method} {rule.rule}")

    assert len(checked) >= 15, checked  # the walk really covered the application
    assert fingerprint(ctx) == before
    written = ctx.session.scalars(select(AuditEvent.type).where(AuditEvent.seq > last_event))
    assert set(written) <= {"case_viewed", "cases_searched"}
    assert ctx.session.get(Referral, referral.id).status == "booked"
