"""A short run of the soak test (bench/soak.py): every role at once against gunicorn with
two workers on PostgreSQL, and the checks the full run makes."""

from __future__ import annotations

import secrets

from sqlalchemy import create_engine, make_url, text

from bench import soak


def test_every_role_at_once_gives_no_errors_and_a_verifying_trail(postgresql_url, capsys):
    name = f"soak_{secrets.token_hex(4)}"
    admin = create_engine(postgresql_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f"CREATE DATABASE {name}"))
    try:
        url = make_url(postgresql_url).set(database=name).render_as_string(hide_password=False)
        status = soak.main(["--seconds", "4", "--counsellors", "3", "--leads", "1",
                                      "--auditors", "1", "--cases-per-counsellor", "2",
                                      "--database-url", url])
        out = capsys.readouterr().out
        assert status == 0, out
        assert "All checks passed" in out and "FAILED" not in out
        for action in ("autosave", "case page", "team board", "case history"):
            assert f"\n{action} " in out, out  # every role really acted
    finally:
        with admin.connect() as conn:
            conn.execute(text(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
        admin.dispose()
