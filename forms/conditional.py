"""Fields that apply only when another field has a certain value.

One rule string serves both sides: the browser (caseapp/static/case.js) reads it from the
field's ``data-show-when`` attribute to show or hide the field, and :func:`require_when`
evaluates the same rule on the server. Syntax: ``"<field>:<value>[|<value>...]"``; a
value ``>N`` means "numerically greater than N".
"""

from collections.abc import Callable

from wtforms import Field, Form

SHOW_WHEN = "data-show-when"


def show_when(field_name: str, *values: str) -> dict[str, str]:
    """``render_kw`` for a field shown only when ``field_name`` has one of ``values``."""
    return {SHOW_WHEN: f"{field_name}:{'|'.join(values)}"}


def rule_holds(form: Form, rule: str) -> bool:
    """Whether a ``data-show-when`` rule holds for the form's current data."""
    name, _, wanted = rule.partition(":")
    value = form[name].data
    for option in wanted.split("|"):
        if option.startswith(">"):
            if isinstance(value, int | float) and not isinstance(value, bool) \
                    and value > float(option[1:]):
                return True
        elif value is not None and str(value) == option:
            return True
    return False


def is_shown(form: Form, field: Field) -> bool:
    """Whether the field applies, by its own ``data-show-when`` rule (no rule: always)."""
    rule = (field.render_kw or {}).get(SHOW_WHEN)
    return rule is None or rule_holds(form, rule)


def _is_empty(value) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def require_when(form: Form, field_name: str, message,
                 when: Callable[[Form], bool] | None = None) -> bool:
    """Require ``form[field_name]`` when ``when(form)`` holds.

    Without ``when`` the field is required exactly when its ``data-show-when`` rule
    holds, so browser and server agree. Call after ``Form.validate``; a missing value
    appends ``message`` to that field's errors and returns False. A field that already
    has an error (e.g. an invalid date) gets no second one.
    """
    field = form[field_name]
    applies = when(form) if when is not None else is_shown(form, field)
    if not applies or field.errors or not _is_empty(field.data):
        return True
    field.errors = [*field.errors, message]
    return False


def applicable_data(form: Form) -> dict:
    """``form.data`` with fields that do not apply (hidden by their rule) set to None.

    A value typed into a part that was later hidden (interpreter language after
    "no interpreter") must not reach the case file.
    """
    return {field.name: field.data if is_shown(form, field) else None for field in form}
