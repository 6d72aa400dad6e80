"""Auditors are strictly read-only: they read any team's case, and every non-GET route of
the whole URL map and every service that writes refuses them, changing nothing."""

from __future__ import annotations

import hashlib

import pytest
from sqlalchemy import inspect, select, text

from caseapp.models import AuditEvent, Base, Referral
from caseapp.services import cases, network_offers, referrals, tasks, users
from caseapp.services.actor import SYSTEM
from caseapp.services.errors import Forbidden
from tests.conftest import csrf_token
from tests.factories import answers, posted
from tests.helpers import add_course, at_referral, open_case, ready_task

# Not writes to case data: signing in and out, and the auditor's own UI language.
ALLOWED = {"auth.login", "auth.logout", "auth.logout_everywhere", "auth.language"}
WRITE_METHODS = {"POST", "PUT", "PATCH", "DELETE"}
READ_ONLY = "Your role has read-only access: nothing was changed."
# What a refused page says: the services' read-only refusal, or a page of another role.
REFUSALS = (READ_ONLY, "Your role may not do this.")


DRAFT_COLUMNS = ("draft_json", "draft_saved_at", "draft_saved_by_id")
BUT_DRAFTS = "human_tasks but drafts"


def fingerprint(ctx) -> dict[str, str]:
    """A digest of every row of every table but the audit trail (reads are audited), the
    recent cases (a case read is among the reader's recent ones), the rate counters
    (every post is counted) and the monitoring's kept figures (a reading computes them),
    and of the steps without their drafts (``BUT_DRAFTS``: refused input is kept as a
    draft)."""
    ctx.session.rollback()
    digests = {}
    for table in Base.metadata.sorted_tables:
        if table.name in ("audit_events", "audit_chains", "audit_changes", "recent_cases",
                          "rate_counters", "monitoring_figures"):
            continue
        keys = [c.name for c in inspect(table).primary_key]
        rows = ctx.session.execute(table.select().order_by(*[table.c[k] for k in keys])).all()
        digests[table.name] = hashlib.sha256(repr(rows).encode()).hexdigest()
        if table.name == "human_tasks":
            kept = [i for i, c in enumerate(table.c) if c.name not in DRAFT_COLUMNS]
            digests[BUT_DRAFTS] = hashlib.sha256(repr(
                [tuple(row[i] for i in kept) for row in rows]).encode()).hexdigest()
    return digests


def test_every_write_route_refuses_an_auditor(app, login, ctx, people, places):
    """An auditor reads any team's case; every write, through a page or a service, is
    refused with its reason and leaves every table as it was."""
    course = add_course(ctx, places["vhs"])
    case_id = at_referral(ctx, people["anna"])
    referral = referrals.book_seat(ctx, people["anna"], case_id, course)
    task_id = ctx.session.execute(text("SELECT id FROM human_tasks WHERE state = 'ready'")
                                  ).scalar()
    south_case = open_case(ctx, people["sami"], family_name="Süd").id
    south_task = ready_task(ctx, south_case).id
    users.update_user(ctx, people["adam"], people["ben"].id, display_name="Ben",
                      role="admin", team_id=None)
    [grant] = users.pending_grants(ctx, people["adam"])
    offer = network_offers.create_network_offer(ctx, SYSTEM, network_offers.NetworkOfferText(
        name="Sprachcafé", kind="other", municipality="Hildesheim"))
    ids = {"case_id": case_id, "task_id": task_id, "referral_id": referral.id,
           "course_id": course, "user_id": people["anna"].id, "team_id": people["anna"].team_id,
           "grant_id": grant.id, "offer_id": offer.id}
    client = login("ida")
    token = csrf_token(client.get("/").text)
    before = fingerprint(ctx)
    last_event = ctx.session.scalar(select(AuditEvent.seq).order_by(AuditEvent.seq.desc()))

    for readable in (case_id, south_case):
        page = client.get(f"/cases/{readable}")
        assert page.status_code == 200 and "Read-only access." in page.text

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
                "offer": "kita", "decision": "accept", "seats_total": 99, "locale": "en",
                **posted("person")}
        for method in sorted(rule.methods & WRITE_METHODS):
            response = client.open(url, method=method, data=data)
            assert response.status_code == 403, f"{method} {url} answered {response.status_code}"
            assert any(reason in response.text for reason in REFUSALS), f"{method} {url}"
            checked.append(f"{method} {rule.rule}")
    assert len(checked) >= 15, checked  # the walk really covered the application

    ida = people["ida"]
    assert cases.view_case(ctx, ida, south_case).case.id == south_case
    refused_services = [
        lambda: tasks.complete_task(ctx, ida, south_case, south_task, answers("person"), None,
                                    "person"),
        lambda: tasks.claim_task(ctx, ida, south_case, south_task),
        lambda: open_case(ctx, ida),
    ]
    for write in refused_services:
        with pytest.raises(Forbidden) as refused:
            write()
        assert refused.value.message == READ_ONLY

    assert fingerprint(ctx) == before
    written = ctx.session.scalars(select(AuditEvent.type).where(AuditEvent.seq > last_event))
    assert set(written) <= {"case_viewed", "cases_searched"}
    assert ctx.session.get(Referral, referral.id).status == "booked"
