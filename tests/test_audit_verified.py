"""How far each audit chain was last found intact (the worker's round), which the audit
pages start their walk from: it moves only over intact events and a forged one counts
for nothing."""

from __future__ import annotations

import json

from sqlalchemy import func, select, text

from caseapp.models import AuditEvent, AuditVerified
from caseapp.services import audit, audit_review, cases, checkpoints, erasure
from domain.vocabulary import ChainProblem
from tests.helpers import case_chain, complete, open_case, tamper


def positions(ctx) -> dict[str, int]:
    ctx.session.rollback()
    return dict(ctx.session.execute(select(AuditVerified.chain, AuditVerified.chain_seq)).all())


def test_each_round_walks_only_what_was_appended_and_records_the_heads(ctx, people):
    case = open_case(ctx, people["anna"])
    complete(ctx, people["anna"], case.id, "person")
    every = ctx.session.scalar(select(func.count()).select_from(AuditEvent))
    assert checkpoints.verify_new_events(ctx) == every  # the first round walks them all
    heads = dict(ctx.session.execute(text("SELECT chain, last_seq FROM audit_chains")).all())
    assert positions(ctx) == {chain: seq for chain, seq in heads.items() if seq}
    assert checkpoints.verify_new_events(ctx) == 0  # nothing new, nothing walked

    complete(ctx, people["anna"], case.id, "residence")
    # the residence step's event, and the one each chain walk starts at again
    assert checkpoints.verify_new_events(ctx) == 2
    assert positions(ctx)[f"case:{case.id}"] == len(case_chain(ctx, case.id))


def test_a_round_stops_before_an_edited_event_and_the_page_still_shows_it(ctx, people):
    case = open_case(ctx, people["anna"])
    checkpoints.verify_new_events(ctx)
    before = positions(ctx)[f"case:{case.id}"]
    complete(ctx, people["anna"], case.id, "person")
    complete(ctx, people["anna"], case.id, "residence")
    chain = case_chain(ctx, case.id)
    edited = chain[-2]  # the person step's completion, appended after the first round
    tamper(ctx, "UPDATE audit_events SET details = :d WHERE seq = :s",
           d=json.dumps({**edited.details, "fields": []}), s=edited.seq)

    checkpoints.verify_new_events(ctx)
    assert positions(ctx)[f"case:{case.id}"] == before  # not moved onto or past it
    breaks = audit.chain_breaks(ctx.session, [f"case:{case.id}"])
    assert breaks[f"case:{case.id}"].seq == edited.seq
    assert breaks[f"case:{case.id}"].problem.code == ChainProblem.CONTENT_CHANGED


def test_a_forged_position_vouches_for_nothing(ctx, people):
    """Moved to the head without the key: ignored, so the walk starts at the beginning
    and finds the edited event even where no page shows it."""
    case = open_case(ctx, people["anna"])
    complete(ctx, people["anna"], case.id, "person")
    complete(ctx, people["anna"], case.id, "residence")
    chain = case_chain(ctx, case.id)
    tamper(ctx, "UPDATE audit_events SET details = :d WHERE seq = :s",
           d=json.dumps({**chain[1].details, "fields": []}), s=chain[1].seq)
    tamper(ctx, "INSERT INTO audit_verified (chain, chain_seq, hash, at, mac) "
                "VALUES (:c, :n, :h, :at, :m)", c=f"case:{case.id}", n=chain[-1].chain_seq,
           h=chain[-1].hash, at=chain[-1].at, m="0" * 64)

    breaks = audit.chain_breaks(ctx.session, [f"case:{case.id}"])
    assert breaks[f"case:{case.id}"].seq == chain[1].seq
    # and once the chain grows, a round replaces it with what it really found: the
    # event before the edited one
    complete(ctx, people["anna"], case.id, "family")
    checkpoints.verify_new_events(ctx)
    assert positions(ctx)[f"case:{case.id}"] == chain[0].chain_seq


def test_an_event_deleted_before_the_position_is_found_beside_a_shown_one(ctx, people):
    case = open_case(ctx, people["anna"])
    for step in ("person", "residence", "family"):
        complete(ctx, people["anna"], case.id, step)
    checkpoints.verify_new_events(ctx)
    deleted, after, last = [(e.seq, e.chain_seq) for e in case_chain(ctx, case.id)][1:4]
    tamper(ctx, "DELETE FROM audit_events WHERE seq = :s", s=deleted[0])

    name = f"case:{case.id}"
    assert name not in audit.chain_breaks(ctx.session, [name], shown=[last[0]])
    found = audit.chain_breaks(ctx.session, [name], shown=[after[0]])[name]
    assert (found.seq, found.problem.code) == (after[0], ChainProblem.EVENT_MISSING)
    assert found.problem.params["position"] == deleted[1]
    assert not audit.verify_trail(ctx.session).ok  # the whole check finds it anyway


def test_an_erasure_after_the_round_leaves_every_page_intact(ctx, people):
    """Change records blanked before the verified position are vouched for by the erasure
    event after it, on the pages and in the next round."""
    case = open_case(ctx, people["anna"])
    for step in ("person", "residence"):
        complete(ctx, people["anna"], case.id, step)
    cases.view_case(ctx, people["ben"], case.id)
    checkpoints.verify_new_events(ctx)
    erasure.erase_personal_data(ctx, people["lea"], case.id, "Antrag vom 1. März")
    history = audit_review.case_history(ctx, people["ida"], case.id)
    assert history.events and all(e.integrity == "verified" for e in history.events)
    assert history.end_problem is None
    checkpoints.verify_new_events(ctx)
    assert positions(ctx)[f"case:{case.id}"] == len(case_chain(ctx, case.id))
    assert audit.verify_trail(ctx.session).ok
