"""Login sessions end for good: a cookie kept from before logout, a password reset, a
deactivation or a role change opens nothing; idle and absolute limits; log out everywhere."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from caseapp.models import LoginSession
from caseapp.services import login_sessions, users
from caseapp.services.errors import Forbidden
from tests.conftest import csrf_token
from tests.test_admin_users import NEW_PASSWORD, confirm_waiting, events, post, second_admin


def replayed(app, client):
    """A fresh browser that sends the cookie captured from ``client``."""
    other = app.test_client()
    other.set_cookie("session", client.get_cookie("session").value)
    return other


def sent_to_login(client) -> bool:
    response = client.get("/")
    return response.status_code == 302 and response.location.startswith("/login")


def test_a_cookie_replayed_after_logout_is_sent_to_the_login_page(app, login):
    anna = login("anna")
    copy = replayed(app, anna)
    assert copy.get("/").status_code == 200
    anna.post("/logout", data={"csrf_token": csrf_token(anna.get("/").text)})
    assert sent_to_login(copy)
    assert sent_to_login(anna)


def test_a_password_reset_ends_every_session_of_the_user(app, ctx, login, people):
    phone, desk = login("anna"), login("anna")
    kept = replayed(app, desk)
    users.reset_password(ctx, people["adam"], people["anna"].id, NEW_PASSWORD)
    assert sent_to_login(phone) and sent_to_login(desk) and sent_to_login(kept)
    assert login("ben").get("/").status_code == 200  # nobody else is logged out


def test_a_cookie_from_before_a_deactivation_stays_dead_after_reactivation(app, login, people):
    ben = login("ben")
    kept = replayed(app, ben)
    admin = login("adam")
    page = f"/admin/users/{people['ben'].id}"
    assert post(admin, f"{page}/active", page, active="0").status_code == 302
    assert post(admin, f"{page}/active", page, active="1").status_code == 302
    assert sent_to_login(kept)
    assert sent_to_login(ben)


def test_a_role_change_ends_the_sessions_and_is_recorded(app, ctx, login, people):
    anna = login("anna")
    users.update_user(ctx, people["adam"], people["anna"].id, display_name="Anna",
                      role="team_lead", team_id=people["anna"].team_id)
    assert anna.get("/").status_code == 200  # the grant waits for a second admin
    confirm_waiting(ctx, second_admin(ctx))
    assert sent_to_login(anna)
    assert events(ctx, "privilege_confirmed")[-1].details["sessions_ended"] == 1
    ben = login("ben")
    users.update_user(ctx, people["adam"], people["ben"].id, display_name="Ben",
                      role="counsellor", team_id=people["sami"].team_id)
    assert ben.get("/").status_code == 200  # a move to another team keeps the session
    lea = login("lea")
    users.update_user(ctx, people["adam"], people["lea"].id, display_name="Lea",
                      role="counsellor", team_id=people["lea"].team_id)
    assert sent_to_login(lea)  # a step down applies at once, and ends the sessions too
    assert events(ctx, "user_changed")[-1].details["sessions_ended"] == 1
    lea = login("lea")
    users.update_user(ctx, people["adam"], people["lea"].id, display_name="Lea B.",
                      role="team_lead", team_id=people["lea"].team_id)
    assert lea.get("/").status_code == 200  # a new name alone keeps the session


def test_an_idle_session_ends_after_the_idle_limit(login, clock):
    anna = login("anna")
    clock.advance(minutes=29)
    assert anna.get("/").status_code == 200
    clock.advance(minutes=29)  # the last request renewed it
    assert anna.get("/").status_code == 200
    clock.advance(minutes=31)
    assert sent_to_login(anna)
    assert sent_to_login(anna)  # and stays ended


def test_a_busy_session_still_ends_at_the_absolute_limit(login, clock):
    anna = login("anna")
    for _ in range(19):  # every 29 minutes for 9 h 11 min
        clock.advance(minutes=29)
        assert anna.get("/").status_code == 200
    clock.advance(minutes=29)  # 9 h 40 min
    assert anna.get("/").status_code == 200
    clock.advance(minutes=21)  # 10 h 1 min after the login
    assert sent_to_login(anna)


def test_log_out_everywhere_ends_every_session_of_ones_own_account(app, ctx, login, people):
    phone, desk, ben = login("anna"), login("anna"), login("ben")
    desk.post("/logout/everywhere", data={"csrf_token": csrf_token(desk.get("/").text)})
    assert sent_to_login(phone) and sent_to_login(desk)
    assert ben.get("/").status_code == 200
    [event] = events(ctx, "logout_everywhere")
    assert event.actor_id == people["anna"].id
    assert event.details == {"user": people["anna"].id, "sessions": 2}


def test_an_admin_ends_every_session_of_a_user(app, ctx, login, people):
    phone, desk = login("anna"), login("anna")
    admin = login("adam")
    page = f"/admin/users/{people['anna'].id}"
    assert "Log out everywhere" in admin.get(page).text
    done = post(admin, f"{page}/sessions", page)
    assert done.status_code == 302
    assert "2 sessions ended." in admin.get(page).text
    assert sent_to_login(phone) and sent_to_login(desk)
    assert admin.get("/").status_code == 200
    [event] = events(ctx, "logout_everywhere")
    assert (event.actor_id, event.details) == (people["adam"].id,
                                               {"user": people["anna"].id, "sessions": 2})
    with pytest.raises(Forbidden):
        login_sessions.end_sessions_of(ctx, people["lea"], people["anna"].id)


def test_the_database_holds_no_session_token(app, ctx, login):
    anna = login("anna")
    cookie = anna.get_cookie("session").value
    ctx.session.rollback()
    [digest] = ctx.session.scalars(select(LoginSession.token_digest)).all()
    with app.test_request_context():
        token = app.session_interface.get_signing_serializer(app).loads(cookie)[
            "session_token"]
    assert digest != token and token not in digest


def test_a_login_clears_the_users_expired_session_rows(app, ctx, login, clock):
    login("anna")
    clock.advance(hours=11)
    login("anna")
    ctx.session.rollback()
    assert len(ctx.session.scalars(select(LoginSession)).all()) == 1


@pytest.mark.parametrize("language, text", [("de", "Überall abmelden"),
                                            ("en", "Log out everywhere")])
def test_log_out_everywhere_is_offered_on_every_page(login, language, text):
    assert text in login("anna", language).get("/").text
