"""The auditor in a real browser reads a case's history whose chain was tampered with:
the broken event and everything after it are marked in words (German), and the marks
pass the accessibility check like every page."""

from __future__ import annotations

import pytest
from sqlalchemy import select, text

from caseapp.models import AuditEvent
from tests.helpers import complete_until, open_case
from tests.test_browser_interview import log_in

pytestmark = pytest.mark.browser


def test_events_after_an_edited_one_are_marked_in_words(page, live_server, ctx, people):
    case = open_case(ctx, people["anna"])
    complete_until(ctx, people["anna"], case.id, "family")
    chain = ctx.session.scalars(select(AuditEvent.seq).where(
        AuditEvent.chain == f"case:{case.id}").order_by(AuditEvent.chain_seq)).all()
    ctx.session.execute(text("UPDATE audit_events SET type = 'case_viewed' WHERE seq = :s"),
                        {"s": chain[1]})
    ctx.session.commit()
    log_in(page, live_server, "ida")
    page.goto(f"{live_server}/audit/cases/{case.id}")
    assert "Die Prüfkette ist in diesem Verlauf unterbrochen" in \
        page.locator("[role=alert]").first.inner_text()
    rows = {seq: page.locator(f"tr[data-seq='{seq}']") for seq in chain}
    assert rows[chain[0]].locator(".integrity").count() == 0
    assert "Kette hier unterbrochen:" in rows[chain[1]].locator(".integrity").inner_text()
    for seq in chain[2:]:
        assert rows[seq].locator(".integrity").inner_text().startswith(
            "Nach einer unterbrochenen Stelle:")
