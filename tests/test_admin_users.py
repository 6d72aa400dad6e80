"""User administration: admins create, change, deactivate users and reset passwords."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from caseapp.models import AuditEvent, Team, User
from caseapp.services import audit_review, team, users
from caseapp.services.actor import SYSTEM, Actor
from caseapp.services.audit import verify_trail
from caseapp.services.errors import Forbidden, InvalidInput
from tests.conftest import PASSWORD, csrf_token
from tests.helpers import open_case

NEW_PASSWORD = "a brand new secret"


def second_admin(ctx) -> Actor:
    """Another admin, who confirms what the first asked for (four eyes)."""
    user = users.create_user(ctx, SYSTEM, username="eve", display_name="Eve",
                             password=PASSWORD, role="admin", team_name=None)
    return Actor(user.id, user.username, user.display_name, user.role, user.team_id)


def confirm_waiting(ctx, admin: Actor) -> None:
    ctx.session.rollback()  # a fresh snapshot: see what the web requests asked for
    for grant in users.pending_grants(ctx, admin):
        users.confirm_grant(ctx, admin, grant.id)


def try_login(app, username: str, password: str):
    client = app.test_client()
    client.environ_base["HTTP_ACCEPT_LANGUAGE"] = "en"
    token = csrf_token(client.get("/login").text)
    response = client.post("/login", data={"username": username, "password": password,
                                           "csrf_token": token})
    return client, response


def post(client, url: str, page: str = "/admin/users", **data):
    """Post a form as the browser would: with the CSRF token of the page it is on."""
    token = csrf_token(client.get(page).text)
    return client.post(url, data={"csrf_token": token, **data})


def fresh_user(ctx, username: str) -> User:
    ctx.session.rollback()  # a fresh snapshot: see what the web requests committed
    return ctx.session.scalars(select(User).where(User.username == username)).one()


def team_id(ctx, name: str) -> int:
    ctx.session.rollback()
    return ctx.session.scalars(select(Team.id).where(Team.name == name)).one()


def events(ctx, type_: str) -> list[AuditEvent]:
    ctx.session.rollback()
    return list(ctx.session.scalars(select(AuditEvent).where(AuditEvent.type == type_)
                                    .order_by(AuditEvent.seq)))


def test_admin_creates_a_user_who_can_log_in(app, ctx, login):
    admin = login("adam")
    nord = team_id(ctx, "Nord")
    form = {"username": "nora", "display_name": "Nora Neu", "role": "counsellor",
            "team_id": str(nord), "password": NEW_PASSWORD}
    mismatch = post(admin, "/admin/users", **form, confirmation="something else entirely")
    assert mismatch.status_code == 422
    assert "The passwords do not match." in mismatch.text
    assert 'value="nora"' in mismatch.text and 'value="Nora Neu"' in mismatch.text
    assert re.search(r'<option selected value="counsellor">', mismatch.text)
    assert re.search(rf'<option selected value="{nord}">Nord</option>', mismatch.text)
    assert NEW_PASSWORD not in mismatch.text  # passwords are never sent back
    assert not users.user_exists(ctx, "nora")

    created = post(admin, "/admin/users", **form, confirmation=NEW_PASSWORD)
    assert created.status_code == 302 and created.location == "/admin/users"
    listing = admin.get("/admin/users").text
    assert "User nora created." in listing and "Nora Neu" in listing
    nora = fresh_user(ctx, "nora")
    assert (nora.role, nora.team_id, nora.active) == ("counsellor", nord, True)
    assert NEW_PASSWORD not in nora.password_hash

    client, response = try_login(app, "nora", NEW_PASSWORD)
    assert response.status_code == 302
    assert "My work" in client.get("/").text


def test_create_user_refusals_are_shown_at_the_fields(ctx, login):
    admin = login("adam")
    base = {"display_name": "X", "password": NEW_PASSWORD, "confirmation": NEW_PASSWORD}
    no_team = post(admin, "/admin/users", username="xaver", role="counsellor", team_id="",
                   **base)
    assert no_team.status_code == 422
    assert 'id="team_id-error"' in no_team.text
    assert "Counsellors and team leads belong to a team." in no_team.text
    taken = post(admin, "/admin/users", username="anna", role="auditor", team_id="", **base)
    assert taken.status_code == 422
    assert re.search(r'id="username-error"[^>]*>User name &#39;anna&#39; is taken.', taken.text)
    short = post(admin, "/admin/users", username="kurt", role="auditor", team_id="",
                 display_name="Kurt", password="short", confirmation="short")
    assert short.status_code == 422 and 'id="password-error"' in short.text
    assert not users.user_exists(ctx, "xaver") and not users.user_exists(ctx, "kurt")


def test_admin_creates_a_team_and_moves_a_counsellor_into_it(ctx, login, people):
    admin = login("adam")
    made = post(admin, "/admin/teams", name="Ost")
    assert made.status_code == 302
    assert "Team Ost created." in admin.get("/admin/users").text
    again = post(admin, "/admin/teams", name="ost")
    assert again.status_code == 422 and "exists already" in again.text
    ost = team_id(ctx, "Ost")

    ben = people["ben"].id
    page = f"/admin/users/{ben}"
    moved = post(admin, page, page, display_name="Ben Berger", role="counsellor",
                 team_id=str(ost))
    assert moved.status_code == 302 and moved.location == page
    assert "Changes saved." in admin.get(page).text
    row = fresh_user(ctx, "ben")
    assert (row.display_name, row.role, row.team_id) == ("Ben Berger", "counsellor", ost)

    second = second_admin(ctx)
    promoted = post(admin, page, page, display_name="Ben Berger", role="team_lead",
                    team_id=str(ost))
    assert promoted.status_code == 302
    confirm_waiting(ctx, second)
    assert fresh_user(ctx, "ben").role == "team_lead"

    # Auditors belong to no team, whatever the form said.
    to_auditor = post(admin, page, page, display_name="Ben Berger", role="auditor",
                      team_id=str(ost))
    assert to_auditor.status_code == 302, to_auditor.text
    confirm_waiting(ctx, second)
    row = fresh_user(ctx, "ben")
    assert (row.role, row.team_id) == ("auditor", None)

    [changed] = events(ctx, "user_changed")  # the roles changed by the grants below
    assert (changed.details["role_from"], changed.details["role_to"]) == ("counsellor",
                                                                          "counsellor")
    assert changed.details["team_to"] == ost and changed.details["name_changed"]
    granted = events(ctx, "privilege_requested")
    assert [(e.details["role_to"], e.details["team_to"]) for e in granted] == [
        ("team_lead", ost), ("auditor", None)]
    assert all("Ben" not in str(e.details) for e in [changed, *granted])  # no names
    assert len(events(ctx, "team_created")) == 1


def test_moving_a_member_with_open_cases_is_refused(ctx, people):
    """A counsellor with open cases stays in the team until the cases are handed on."""
    open_case(ctx, people["ben"])
    south = users.ensure_team(ctx, "Süd").id
    with pytest.raises(InvalidInput, match="open case"):
        users.update_user(ctx, people["adam"], people["ben"].id, display_name="Ben",
                          role="counsellor", team_id=south)
    ctx.session.rollback()
    assert ctx.session.get(User, people["ben"].id).team_id == people["anna"].team_id


def test_edit_form_keeps_values_and_marks_fields(login, people):
    admin = login("adam")
    page = f"/admin/users/{people['anna'].id}"
    bad = post(admin, page, page, display_name="Anna Neu", role="team_lead", team_id="")
    assert bad.status_code == 422
    assert 'value="Anna Neu"' in bad.text and 'id="team_id-error"' in bad.text
    assert '<option selected value="team_lead">' in bad.text


def test_deactivated_user_cannot_log_in_and_loses_the_open_session(app, ctx, login, people):
    open_case(ctx, people["ben"])
    ben_client = login("ben")
    assert ben_client.get("/").status_code == 200
    admin = login("adam")
    page = f"/admin/users/{people['ben'].id}"
    assert "has 1 open case(s)" in admin.get(page).text
    listing = admin.get("/admin/users").text
    assert re.search(rf'id="user-{people["ben"].id}">.*?<td>1</td>', listing, re.S)

    done = post(admin, f"{page}/active", page, active="0")
    assert done.status_code == 302
    shown = admin.get(page).text
    assert "The account is deactivated" in shown
    assert "Ben has 1 open case(s): ask the team lead to reassign them." in shown
    assert fresh_user(ctx, "ben").active is False

    # The session that was open is ended at its next request.
    response = ben_client.get("/")
    assert response.status_code == 302 and response.location.startswith("/login")
    _client, refused = try_login(app, "ben", PASSWORD)
    assert refused.status_code == 401

    again = post(admin, f"{page}/active", page, active="1")
    assert again.status_code == 302
    assert "waits for a second admin" in admin.get(page).text
    assert fresh_user(ctx, "ben").active is False
    confirm_waiting(ctx, second_admin(ctx))
    assert fresh_user(ctx, "ben").active is True
    _client, welcome = try_login(app, "ben", PASSWORD)
    assert welcome.status_code == 302

    off, on = events(ctx, "user_deactivated"), events(ctx, "privilege_confirmed")
    assert off[0].details == {"user": people["ben"].id, "active_from": True,
                              "active_to": False}
    assert (on[0].details["user"], on[0].details["activate"]) == (people["ben"].id, True)
    assert off[0].actor_id == people["adam"].id
    assert verify_trail(ctx.session).ok


def test_password_reset(app, ctx, login, people):
    admin = login("adam")
    page = f"/admin/users/{people['anna'].id}"
    mismatch = post(admin, f"{page}/password", page, password=NEW_PASSWORD,
                    confirmation="not the same one")
    assert mismatch.status_code == 422 and "The passwords do not match." in mismatch.text
    done = post(admin, f"{page}/password", page, password=NEW_PASSWORD,
                confirmation=NEW_PASSWORD)
    assert done.status_code == 302
    assert "It opens again when a second admin confirms" in admin.get(page).text
    assert try_login(app, "anna", PASSWORD)[1].status_code == 401
    assert try_login(app, "anna", NEW_PASSWORD)[1].status_code == 401  # closed meanwhile
    confirm_waiting(ctx, second_admin(ctx))
    assert try_login(app, "anna", NEW_PASSWORD)[1].status_code == 302

    [reset] = events(ctx, "password_reset")
    assert reset.details == {"user": people["anna"].id}
    stored = str(reset.details) + str(reset.change_digest)
    assert NEW_PASSWORD not in stored and "pbkdf2" not in stored
    assert fresh_user(ctx, "anna").password_hash not in stored


def test_the_last_admin_cannot_deactivate_or_demote_themselves(ctx, login, people):
    admin = login("adam")
    adam = people["adam"].id
    page = f"/admin/users/{adam}"
    refused = post(admin, f"{page}/active", page, active="0")
    assert refused.status_code == 302
    assert "You cannot deactivate your own account." in admin.get(page).text
    demoted = post(admin, page, page, display_name="Adam", role="auditor", team_id="")
    assert demoted.status_code == 422
    assert re.search(r'role="alert">This is the last active admin account', demoted.text)
    row = fresh_user(ctx, "adam")
    assert (row.role, row.active) == ("admin", True)

    # With a second admin, the first one may step down; the second is then the last.
    eva = users.create_user(ctx, SYSTEM, username="eva", display_name="Eva",
                            password=PASSWORD, role="admin", team_name=None).id
    users.update_user(ctx, people["adam"], adam, display_name="Adam", role="auditor",
                      team_id=None)
    eva_actor = users.actor_by_username(ctx, "eva")
    confirm_waiting(ctx, eva_actor)
    assert fresh_user(ctx, "adam").role == "auditor"
    with pytest.raises(InvalidInput, match="last active admin"):
        users.update_user(ctx, eva_actor, eva, display_name="Eva", role="counsellor",
                          team_id=people["anna"].team_id)
    with pytest.raises(InvalidInput, match="own account"):
        users.set_user_active(ctx, eva_actor, eva, False)
    assert not events(ctx, "user_deactivated")


@pytest.mark.parametrize("username", ["anna", "lea", "ida"])
def test_non_admins_get_403_everywhere(login, people, username):
    client = login(username)
    token = csrf_token(client.get("/").text)
    target = people["ben"].id
    assert client.get("/admin/users").status_code == 403
    assert client.get(f"/admin/users/{target}").status_code == 403
    for url, data in [("/admin/users", {"username": "x", "display_name": "X",
                                        "role": "admin", "team_id": "",
                                        "password": NEW_PASSWORD,
                                        "confirmation": NEW_PASSWORD}),
                      ("/admin/teams", {"name": "Ost"}),
                      (f"/admin/users/{target}", {"display_name": "B", "role": "admin",
                                                  "team_id": ""}),
                      (f"/admin/users/{target}/active", {"active": "0"}),
                      (f"/admin/users/{target}/password", {"password": NEW_PASSWORD,
                                                           "confirmation": NEW_PASSWORD})]:
        assert client.post(url, data={"csrf_token": token, **data}).status_code == 403, url


@pytest.mark.parametrize("username", ["anna", "lea", "ida"])
def test_services_refuse_non_admins(ctx, people, username):
    actor, target = people[username], people["ben"].id
    calls = [
        lambda: users.list_users(ctx, actor),
        lambda: users.list_teams(ctx, actor),
        lambda: users.get_user(ctx, actor, target),
        lambda: users.create_team(ctx, actor, "Ost"),
        lambda: users.create_user(ctx, actor, username="x", display_name="X",
                                  password=NEW_PASSWORD, role="admin", team_name=None),
        lambda: users.update_user(ctx, actor, target, display_name="B", role="admin",
                                  team_id=None),
        lambda: users.set_user_active(ctx, actor, target, False),
        lambda: users.reset_password(ctx, actor, target, NEW_PASSWORD),
    ]
    for call in calls:
        with pytest.raises(Forbidden):
            call()
    row = fresh_user(ctx, "ben")
    assert (row.role, row.active) == ("counsellor", True)


def test_list_users_counts_open_cases_and_names_teams(ctx, people):
    open_case(ctx, people["anna"])
    open_case(ctx, people["anna"], family_name="Osman")
    rows = {row.username: row for row in users.list_users(ctx, people["adam"])}
    assert rows["anna"].open_cases == 2 and rows["ben"].open_cases == 0
    assert rows["sami"].team_name == "Süd" and rows["ida"].team_name is None
    assert not hasattr(rows["anna"], "password_hash")


def test_admin_home_links_to_users_and_catalogue(login):
    home = login("adam").get("/").text
    assert 'href="/admin/users"' in home and 'href="/admin/catalogue"' in home


def test_the_system_actor_manages_users_and_the_catalogue_and_nothing_else(ctx, people):
    """The command line and seeding act as the named system actor: allowed to create users
    and courses like an admin, refused every case action like any non-writer."""
    made = users.create_user(ctx, SYSTEM, username="neu", display_name="Neu",
                             password=PASSWORD, role="auditor", team_name=None)
    assert made.id
    ctx.session.rollback()
    event = ctx.session.scalars(select(AuditEvent).where(AuditEvent.type == "user_created")
                                .order_by(AuditEvent.seq.desc())).first()
    assert event.actor_id is None and event.chain == "system"
    for refused in (lambda: open_case(ctx, SYSTEM),
                    lambda: team.reassign(ctx, SYSTEM, [1], None, "x"),
                    lambda: audit_review.verify(ctx, SYSTEM)):
        with pytest.raises(Forbidden):
            refused()
    with pytest.raises(Forbidden):
        users.create_user(ctx, people["lea"], username="x2", display_name="X",
                          password=PASSWORD, role="auditor", team_name=None)
