"""Four eyes for privileges: granting the team-lead, auditor or admin role and reactivating
an account take effect only when a second admin confirms; nobody confirms their own
request; both steps are audited; the operator's command line acts at once."""

from __future__ import annotations

import pytest

from caseapp.services import users
from caseapp.services.actor import SYSTEM, Actor
from caseapp.services.errors import Conflict, Forbidden
from tests.conftest import PASSWORD
from tests.test_admin_users import events, fresh_user, post, try_login


@pytest.fixture
def eve(ctx, people) -> Actor:
    """A second admin."""
    user = users.create_user(ctx, SYSTEM, username="eve", display_name="Eve",
                             password=PASSWORD, role="admin", team_name=None)
    return Actor(user.id, user.username, user.display_name, user.role, user.team_id)


def test_a_role_grant_waits_for_a_second_admin(app, ctx, login, people, eve):
    anna = login("anna")
    adam = login("adam")
    page = f"/admin/users/{people['anna'].id}"
    asked = post(adam, page, page, display_name="Anna", role="team_lead",
                 team_id=str(people["anna"].team_id))
    assert asked.status_code == 302
    assert "The new role waits for a second admin" in adam.get(page).text
    assert fresh_user(ctx, "anna").role == "counsellor"
    assert anna.get("/").status_code == 200  # nothing happened yet

    listing = adam.get("/admin/users").text
    [grant] = users.pending_grants(ctx, people["adam"])
    assert "Your request: another admin confirms it." in listing
    assert f'/admin/grants/{grant.id}/confirm' not in listing
    with pytest.raises(Forbidden, match="Nobody confirms their own request"):
        users.confirm_grant(ctx, people["adam"], grant.id)
    own = post(adam, f"/admin/grants/{grant.id}/confirm")
    assert own.status_code == 403 and "Nobody confirms their own request" in own.text
    assert fresh_user(ctx, "anna").role == "counsellor"

    second = login("eve")
    assert f'/admin/grants/{grant.id}/confirm' in second.get("/admin/users").text
    assert post(second, f"/admin/grants/{grant.id}/confirm").status_code == 302
    assert fresh_user(ctx, "anna").role == "team_lead"
    assert users.pending_grants(ctx, people["adam"]) == []
    assert anna.get("/").status_code == 302  # the old role's session ended

    [asked_event] = events(ctx, "privilege_requested")
    [confirmed] = events(ctx, "privilege_confirmed")
    assert asked_event.actor_id == people["adam"].id and confirmed.actor_id == eve.id
    assert asked_event.details["role_to"] == confirmed.details["role_to"] == "team_lead"
    with pytest.raises(Conflict):
        users.confirm_grant(ctx, eve, grant.id)


def test_an_admins_new_auditor_cannot_log_in_before_a_second_admin_confirms(app, ctx, people,
                                                                          eve):
    created = users.create_user(ctx, people["adam"], username="spy", display_name="Spy",
                                password=PASSWORD, role="auditor", team_name=None)
    assert created.active is False
    assert try_login(app, "spy", PASSWORD)[1].status_code == 401
    [grant] = users.pending_grants(ctx, eve)
    assert (grant.user_id, grant.activate) == (created.id, True)
    users.confirm_grant(ctx, eve, grant.id)
    assert try_login(app, "spy", PASSWORD)[1].status_code == 302


def test_a_counsellor_created_by_an_admin_can_log_in_at_once(app, ctx, people):
    users.create_user(ctx, people["adam"], username="neu", display_name="Neu",
                      password=PASSWORD, role="counsellor", team_name="Nord")
    assert try_login(app, "neu", PASSWORD)[1].status_code == 302


def test_a_reactivation_waits_for_a_second_admin(app, ctx, people, eve):
    users.set_user_active(ctx, people["adam"], people["ben"].id, False)
    users.set_user_active(ctx, people["adam"], people["ben"].id, True)
    assert fresh_user(ctx, "ben").active is False
    assert try_login(app, "ben", PASSWORD)[1].status_code == 401
    [grant] = users.pending_grants(ctx, people["adam"])
    users.confirm_grant(ctx, eve, grant.id)
    assert fresh_user(ctx, "ben").active is True
    assert try_login(app, "ben", PASSWORD)[1].status_code == 302


def test_a_declined_grant_changes_nothing_and_is_recorded(ctx, login, people, eve):
    users.update_user(ctx, people["adam"], people["anna"].id, display_name="Anna",
                      role="admin", team_id=None)
    [grant] = users.pending_grants(ctx, eve)
    adam = login("adam")
    assert post(adam, f"/admin/grants/{grant.id}/decline").status_code == 302  # withdrawn
    assert fresh_user(ctx, "anna").role == "counsellor"
    assert users.pending_grants(ctx, eve) == []
    [declined] = events(ctx, "privilege_declined")
    assert (declined.actor_id, declined.details) == (people["adam"].id,
                                                     {"user": people["anna"].id,
                                                      "grant": grant.id})


def test_one_grant_waits_at_a_time_and_only_admins_decide(ctx, people, eve):
    users.update_user(ctx, people["adam"], people["anna"].id, display_name="Anna",
                      role="auditor", team_id=None)
    with pytest.raises(Exception, match="already waits for a second admin"):
        users.update_user(ctx, eve, people["anna"].id, display_name="Anna", role="admin",
                          team_id=None)
    [grant] = users.pending_grants(ctx, eve)
    for actor in (people["lea"], people["ida"], people["anna"]):
        with pytest.raises(Forbidden):
            users.confirm_grant(ctx, actor, grant.id)


def test_the_operators_command_line_grants_at_once(app, ctx):
    """A one-person installation: the operator creates the admin (and any role) on the
    server, where no second admin exists yet."""
    result = app.test_cli_runner().invoke(args=[
        "create-user", "--username", "chefin", "--name", "Chefin", "--role", "admin",
        "--password", PASSWORD])
    assert result.exit_code == 0, result.output
    assert fresh_user(ctx, "chefin").active is True
    assert try_login(app, "chefin", PASSWORD)[1].status_code == 302


@pytest.mark.parametrize("username", ["anna", "ida", "eve"])
def test_an_admin_who_sets_a_password_cannot_log_in_with_it_alone(app, ctx, login, people,
                                                                   eve, username):
    """Whoever set it knows it: the account opens again only when another admin confirms,
    so no admin reads cases by resetting a counsellor's or an auditor's password."""
    adam = login("adam")
    target = fresh_user(ctx, username)
    page = f"/admin/users/{target.id}"
    done = post(adam, f"{page}/password", page, password="ein ganz neues Passwort",
                confirmation="ein ganz neues Passwort")
    assert done.status_code == 302
    assert not fresh_user(ctx, username).active
    assert try_login(app, username, "ein ganz neues Passwort")[1].status_code != 302
    [grant] = users.pending_grants(ctx, people["adam"])
    assert (grant.user_id, grant.activate, grant.requested_by_id) == \
        (target.id, True, people["adam"].id)
    with pytest.raises(Forbidden, match="Nobody confirms their own request"):
        users.confirm_grant(ctx, people["adam"], grant.id)

    other = eve
    if username == "eve":  # her own reopening is confirmed by a third admin
        tom = users.create_user(ctx, SYSTEM, username="tom", display_name="Tom",
                                password=PASSWORD, role="admin", team_name=None)
        other = Actor(tom.id, tom.username, tom.display_name, tom.role, None)
    users.confirm_grant(ctx, other, grant.id)
    assert try_login(app, username, "ein ganz neues Passwort")[1].status_code == 302
    assert [e.details["user"] for e in events(ctx, "password_reset")] == [target.id]


def test_an_admin_resets_their_own_password_at_once(ctx, people):
    users.reset_password(ctx, people["adam"], people["adam"].id, "ein ganz neues Passwort")
    assert fresh_user(ctx, "adam").active
    assert users.pending_grants(ctx, people["adam"]) == []


def test_the_operators_command_line_sets_a_password_at_once(app, ctx, people):
    """A one-person office: no second admin could confirm a reset made on the web."""
    done = app.test_cli_runner().invoke(args=["set-password", "anna"],
                                        input="ein ganz neues Passwort\nein ganz neues Passwort\n")
    assert done.exit_code == 0, done.output
    assert try_login(app, "anna", "ein ganz neues Passwort")[1].status_code == 302
    assert users.pending_grants(ctx, people["adam"]) == []
    [reset] = events(ctx, "password_reset")
    assert (reset.actor_id, reset.details) == (None, {"user": people["anna"].id})
    unknown = app.test_cli_runner().invoke(args=["set-password", "nobody"],
                                           input="ein ganz neues Passwort\n" * 2)
    assert unknown.exit_code != 0 and "No such user." in unknown.output
