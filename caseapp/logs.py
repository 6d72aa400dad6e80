"""Keep personal data out of log records, whatever level and handler an operator picks.

Names and birth dates travel in query strings (searches, ``next=`` targets), in the
process engine's task data and in database rows. The filters below remove them from the
records of the libraries that would log them; the gunicorn access log format
(gunicorn.conf.py) leaves out the query string on its own.
"""

from __future__ import annotations

import logging
import re
import traceback

# From "?" to the protocol of a request line, or to the end: decoded query strings can hold
# quotes and, from broken clients, spaces.
_QUERY = re.compile(r"\?.*?(?= HTTP/\d|\Z)", re.S)
_QUOTED = re.compile(r"'.*'", re.S)


class StripQueryStrings(logging.Filter):
    """Request lines and URIs in server logs lose their query string."""

    def filter(self, record: logging.LogRecord) -> bool:
        if isinstance(record.args, tuple):
            record.args = tuple(_QUERY.sub("", arg) if isinstance(arg, str) else arg
                                for arg in record.args)
        if isinstance(record.msg, str):
            record.msg = _QUERY.sub("", record.msg)
        return True


class HideMalformedRequests(logging.Filter):
    """gunicorn quotes what a malformed request sent: any part of its line or headers."""

    def filter(self, record: logging.LogRecord) -> bool:
        if isinstance(record.msg, str) and record.msg.startswith("Invalid request from"):
            record.msg = _QUOTED.sub("'…'", record.msg)
        return True


class DropTaskData(logging.Filter):
    """SpiffWorkflow attaches a task's data (the interview's answers) to its records."""

    def filter(self, record: logging.LogRecord) -> bool:
        for name in ("data", "internal_data"):
            record.__dict__.pop(name, None)
        return True


class DropRows(logging.Filter):
    """SQLAlchemy logs every fetched row at DEBUG; hide_parameters does not cover rows."""

    def filter(self, record: logging.LogRecord) -> bool:
        return not (isinstance(record.msg, str) and record.msg.startswith("Row "))


class HideExceptionText(logging.Filter):
    """An exception's text can quote what was typed (``KeyError('Müller')``): a logged
    traceback keeps its frames and the exception's type, never its text."""

    def filter(self, record: logging.LogRecord) -> bool:
        if record.exc_info and record.exc_info[0] is not None:
            kind, _exc, tb = record.exc_info
            record.exc_text = ("Traceback (most recent call last):\n"
                               + "".join(traceback.format_tb(tb))
                               + f"{kind.__module__}.{kind.__qualname__} (text not logged)")
            record.exc_info = None
        return True


_FILTERS = (
    # werkzeug's development server logs each request line; gunicorn's error log names the
    # URI of a request that failed outside the app and quotes malformed requests.
    ("werkzeug", StripQueryStrings()),
    ("gunicorn.error", StripQueryStrings()),
    ("gunicorn.error", HideMalformedRequests()),
    ("spiff.task", DropTaskData()),
    ("sqlalchemy.engine.Engine", DropRows()),
    # Flask logs an unhandled exception to the app's logger before the 500 page.
    ("caseapp", HideExceptionText()),
)


def install() -> None:
    """Install the filters; loggers are global, and installing twice changes nothing."""
    for name, log_filter in _FILTERS:
        logging.getLogger(name).addFilter(log_filter)
