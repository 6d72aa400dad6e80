"""Error pages: a failure inside a view answers with the app's page, not Werkzeug's."""

from __future__ import annotations

import logging

import pytest
from flask import Blueprint

SECRET = "Müller-Lüdenscheidt"
MESSAGE = f"no such person {SECRET}"


@pytest.fixture
def failing(app, people):
    """The app with a test-only route that raises an exception quoting a name."""
    broken = Blueprint("broken_for_test", __name__)

    @broken.route("/broken-for-test")
    def fail():
        raise RuntimeError(MESSAGE)

    app.register_blueprint(broken)
    app.config["PROPAGATE_EXCEPTIONS"] = False  # as in production, not as in TESTING
    return app


@pytest.mark.parametrize(("language", "heading", "text"), [
    ("de", "Das hat nicht funktioniert", "Bei uns ist etwas schiefgegangen"),
    ("en", "That did not work", "Something went wrong on our side"),
])
def test_a_failure_shows_the_apps_page_in_the_readers_language(failing, login, caplog,
                                                               language, heading, text):
    """A 500 is the app's error page in the reader's language, without the exception's
    text, and the log names the failure without it either."""
    client = login("anna", language)
    with caplog.at_level(logging.INFO):
        response = client.get(f"/broken-for-test?q={SECRET}")
    assert response.status_code == 500
    assert heading in response.text and text in response.text
    assert "Internal Server Error" not in response.text
    assert SECRET not in response.text and "RuntimeError" not in response.text
    logged = "\n".join(caplog.handler.format(record) for record in caplog.records)
    assert "RuntimeError" in logged and "/broken-for-test" in logged
    assert SECRET not in logged and MESSAGE not in logged
