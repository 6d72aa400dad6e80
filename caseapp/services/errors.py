"""Errors a service raises; the web layer maps each to a status code and a message."""

from __future__ import annotations


class ServiceError(Exception):
    """``template`` is an English message with ``%(name)s`` placeholders; the web layer
    translates it (and string parameters such as step titles) for the reader."""

    status = 400

    def __init__(self, template: str, **params):
        self.template = template
        self.params = params
        self.message = template % params if params else template
        super().__init__(self.message)


class NotFound(ServiceError):
    """Also used when the actor may not know the thing exists (another team's case)."""

    status = 404


class Forbidden(ServiceError):
    """Refused for who the actor is (role, assignment, a locked account): 403, nothing changed."""

    status = 403


class Conflict(ServiceError):
    """Someone else changed the case since the form was opened."""

    status = 409


class InvalidInput(ServiceError):
    """Refused input (422); ``field_errors`` shows messages at the fields they concern."""

    status = 422

    def __init__(self, template: str, field_errors: dict[str, list[str]] | None = None,
                 **params):
        super().__init__(template, **params)
        self.field_errors = field_errors or {}


class ProcessStopped(ServiceError):
    """A script of the process went over its budget: nothing was saved (422); the process
    file needs correcting, the input is shown again."""

    status = 422


class ProcessUnavailable(ServiceError):
    """No process version can be started: the folder did not load and none is stored."""

    status = 503
