"""Hostile input answers a clear 4xx, never a 5xx, and a refusal commits nothing."""

from __future__ import annotations

from tests.helpers import open_case

# --- the tester's findings, one by one ------------------------------------------------


def test_an_id_beyond_the_database_range_is_not_found(login, ctx, people):
    case = open_case(ctx, people["anna"])
    client = login("anna")
    assert client.get(f"/cases/{case.id}").status_code == 200
    for huge in (2**31, 2**63 + 1, 10**30):
        response = client.get(f"/cases/{huge}")
        assert response.status_code == 404, huge
        assert "Page not found." in response.text
    board = login("lea").get("/team/", query_string={"assignee": str(2**63 + 1)})
    assert board.status_code == 200
