"""The command line, against the same databases: init-db, seed, create-user, worker, audit."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
from pathlib import Path

from sqlalchemy import func, select

from caseapp.models import Case, Team, User
from domain.vocabulary import ROLES
from tests.helpers import complete_until, open_case, ready_task


def invoke(app, *args, input=None):
    return app.test_cli_runner().invoke(args=list(args), input=input)


def count(ctx, model) -> int:
    ctx.session.rollback()
    return ctx.session.scalar(select(func.count()).select_from(model))


def test_init_db_is_repeatable(app):
    for _ in range(2):
        result = invoke(app, "init-db")
        assert result.exit_code == 0, result.output
        assert "newest schema" in result.output


def test_seed_is_idempotent_and_verifiable(app, ctx):
    first = invoke(app, "seed", "--if-empty")
    assert first.exit_code == 0, first.output
    assert "Seeded 10 user(s) and 3 case(s)" in first.output
    assert "not seeding" in invoke(app, "seed", "--if-empty").output
    assert "Seeded 0 user(s)" in invoke(app, "seed").output
    assert (count(ctx, User), count(ctx, Case)) == (10, 3)
    roles = set(ctx.session.scalars(select(User.role)))
    assert roles == set(ROLES)  # a demo login for every role
    provider_staff = ctx.session.scalars(select(User).where(User.role == "provider")).one()
    assert provider_staff.provider_id is not None
    verify = invoke(app, "audit", "verify")
    assert verify.exit_code == 0 and "intact" in verify.output


# The demo counsellors' given names, by the word their login starts with: "Berater" is a
# man, "Beraterin" a woman.
DEMO_GIVEN_NAMES = {"Jonas": "berater", "Mehmet": "berater",
                    "Aylin": "beraterin", "Lena": "beraterin"}
README_ROLES = {"counsellor": "counsellor", "team lead": "team_lead",
                "auditor": "auditor", "admin": "admin", "course provider": "provider",
                "education coordination": "coordination"}


def test_demo_counsellors_are_named_as_their_logins_say(app, ctx):
    """Whoever logs in as 'beraterin.nord' sees a woman's name, as 'berater.nord' a man's."""
    invoke(app, "seed", "--if-empty")
    counsellors = ctx.session.execute(select(User.username, User.display_name)
                                      .where(User.role == "counsellor")).all()
    assert len(counsellors) == 4
    for username, name in counsellors:
        assert DEMO_GIVEN_NAMES[name.split()[0]] == username.split(".")[0], (username, name)


def test_the_readme_names_the_demo_logins_as_seeded(app, ctx):
    """Every login of the README's demo table exists with that role and team, and no other."""
    invoke(app, "seed", "--if-empty")
    readme = (Path(__file__).parents[1] / "README.md").read_text(encoding="utf-8")
    table = readme.split("### Demo logins", 1)[1].split("\n\n", 2)[1]
    listed = {}
    for row in table.splitlines()[2:]:
        logins, role, team = (cell.strip() for cell in row.strip("|").split("|"))
        role = next(v for k, v in README_ROLES.items() if role.startswith(k))
        for username in re.findall(r"`([^`]+)`", logins):
            listed[username] = (role, None if team == "–" else team)
    seeded = {username: (role, team) for username, role, team in ctx.session.execute(
        select(User.username, User.role, Team.name).outerjoin(Team, Team.id == User.team_id))}
    assert listed == seeded


def test_create_user_refuses_bad_input_clearly(app, ctx):
    ok = invoke(app, "create-user", "--username", "neu", "--name", "Neue Beraterin",
                "--role", "counsellor", "--team", "Team Ost",
                input="lang-genug-123\nlang-genug-123\n")
    assert ok.exit_code == 0, ok.output
    short = invoke(app, "create-user", "--username", "kurz", "--name", "K", "--role", "auditor",
                   input="kurz\nkurz\n")
    assert short.exit_code != 0 and "at least 10 characters" in short.output
    again = invoke(app, "create-user", "--username", "neu", "--name", "X", "--role", "auditor",
                   input="lang-genug-123\nlang-genug-123\n")
    assert again.exit_code != 0 and "taken" in again.output
    assert count(ctx, User) == 1


def test_worker_fires_due_follow_ups(app, ctx, people, clock):
    case = open_case(ctx, people["anna"])
    complete_until(ctx, people["anna"], case.id, "referral")
    assert "Fired" not in invoke(app, "worker", "--once").output
    clock.advance(days=43)
    result = invoke(app, "worker", "--once")
    assert result.exit_code == 0, result.output
    assert "Fired timers in 1 case(s)" in result.output
    assert ready_task(ctx, case.id).form_key == "follow_up"


def test_worker_stops_cleanly_on_sigterm(db_url, tmp_path):
    env = {**os.environ, "DATABASE_URL": db_url, "ANKOMMEN_INSTANCE": str(tmp_path),
           "PYTHONUNBUFFERED": "1"}
    flask = Path(sys.executable).with_name("flask")
    worker = subprocess.Popen([str(flask), "--app", "caseapp", "worker", "--interval", "0.2"],
                              env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                              text=True)
    try:
        assert "Timer worker running" in worker.stdout.readline()
        worker.send_signal(signal.SIGTERM)
        output, _ = worker.communicate(timeout=20)
    finally:
        worker.kill()
    assert worker.returncode == 0
    assert "Timer worker stopped." in output
