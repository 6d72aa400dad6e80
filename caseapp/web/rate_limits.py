"""Rate limits (Flask-Limiter) on logging in and on every write, counted in the database,
so they hold across every gunicorn worker and app server.

Failed logins are counted per address, and per user name and address with growing
windows (a growing delay); an unknown user name counts like a real one, so a refusal
tells nothing about which names exist, and nobody elsewhere is locked out. Every write
(POST) is counted per address and per account. A refusal is a 429 page in the reader's
language, the login page keeping the user name.
"""

from __future__ import annotations

import math

from flask import Flask, current_app, render_template, request
from flask_babel import ngettext
from flask_limiter import ApplicationLimit, Limiter, RateLimitExceeded
from flask_limiter.util import get_remote_address
from flask_login import current_user

# Importing the module registers its storage's scheme with the ``limits`` package.
from caseapp.services import rate_counters

LOGIN = "auth.login"


def _setting(name: str):
    return lambda: current_app.config[name]


def _not_a_login() -> bool:
    return request.endpoint != LOGIN or request.method != "POST"


def _failed(response) -> bool:
    return response.status_code == 401


def _name_at_address() -> str:
    """The typed user name (as a digest) at this address: what the growing delay counts."""
    name = rate_counters.account_key(request.form.get("username", ""))
    return f"{name}/{get_remote_address()}"


def _account() -> str:
    return f"user-{current_user.id}"


def _not_an_account_write() -> bool:
    """Checked before the limit's methods: a read must not load the user (health checks
    answer without the database)."""
    return request.method != "POST" or not current_user.is_authenticated


def _limits() -> list[ApplicationLimit]:
    return [
        ApplicationLimit(_setting("LOGIN_FAILURES_PER_ADDRESS"), scope="login-by-address",
                         exempt_when=_not_a_login, deduct_when=_failed),
        ApplicationLimit(_setting("LOGIN_FAILURES_PER_NAME"), key_function=_name_at_address,
                         scope="login-by-name", exempt_when=_not_a_login, deduct_when=_failed),
        ApplicationLimit(_setting("WRITES_PER_ADDRESS"), scope="writes-by-address",
                         methods=["POST"]),
        ApplicationLimit(_setting("WRITES_PER_ACCOUNT"), key_function=_account,
                         scope="writes-by-account", exempt_when=_not_an_account_write),
    ]


def init_app(app: Flask) -> None:
    """After the login is loaded (the account limit needs it), before the CSRF check (a
    flood of forged posts is counted too)."""
    runtime = app.extensions["ankommen"]
    limiter = Limiter(key_func=get_remote_address, application_limits=_limits(),
                      storage_uri=f"{rate_counters.SCHEME}://", strategy="fixed-window",
                      storage_options={"engine": runtime.db, "clock": lambda: runtime.clock()})
    limiter.init_app(app)
    app.register_error_handler(RateLimitExceeded, _too_many)


def _too_many(exc: RateLimitExceeded):
    """The 429 answer: how long to wait at most (the window of the limit reached)."""
    seconds = exc.limit.limit.get_expiry()
    minutes = max(1, math.ceil(seconds / 60))
    message = ngettext("Too many attempts in a short time. Please wait %(num)s minute and "
                       "try again.", "Too many attempts in a short time. Please wait "
                       "%(num)s minutes and try again.", minutes)
    if request.endpoint == LOGIN:
        page = render_template("auth/login.html", error=message,
                               username=request.form.get("username", ""))
    else:
        page = render_template("error.html", message=message)
    return page, 429, {"Retry-After": str(seconds)}
