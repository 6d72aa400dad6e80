"""Integers from URLs, queries and forms, bounded to the database's Integer columns.

Python and Flask take numbers of any size; PostgreSQL refuses a query with an id beyond
its 32-bit ``integer`` (SQLite does not), so such a number must never reach a query.
"""

from __future__ import annotations

from flask import Flask
from werkzeug.routing import IntegerConverter

INT_MAX = 2**31 - 1


class BoundedIntConverter(IntegerConverter):
    """``<int:...>`` in every route: an id beyond the columns' range is a 404, like a
    missing one."""

    def __init__(self, map, *args, **kwargs):
        kwargs.setdefault("max", INT_MAX)
        super().__init__(map, *args, **kwargs)


def bounded_int(value: str) -> int:
    """``type=`` for ``request.args.get`` and ``request.form.get``: a number from 0 to
    ``INT_MAX``; anything else raises ValueError, so the lookup gives its default."""
    number = int(value)
    if not 0 <= number <= INT_MAX:
        raise ValueError("out of the columns' range")
    return number


def init_app(app: Flask) -> None:
    """Before any blueprint is registered: rules bind their converters when added."""
    app.url_map.converters["int"] = BoundedIntConverter
