"""Forms of the user administration (admins). The team and provider choices are filled
by the view."""

from wtforms import EmailField, PasswordField, SelectField, StringField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import (
    DataRequired,
    Email,
    EqualTo,
    Length,
    Optional,
    Regexp,
    ValidationError,
)

from domain.vocabulary import TEAM_ROLES, Role

from .base import LocalizedForm
from .choices import options
from .i18n import N_
from .i18n import lazy_gettext as _l

ROLE_CHOICES = options(("counsellor", _l("Counsellor")), ("team_lead", _l("Team lead")),
                       ("auditor", _l("Auditor")), ("admin", _l("Admin")),
                       ("provider", _l("Course provider's staff")),
                       ("coordination", _l("Education coordination (aggregates only)")))
# Beyond this form, pages name a role by its code with spaces, translated ("team lead").
ROLE_NAMES = (N_("counsellor"), N_("team lead"), N_("auditor"), N_("admin"))
NO_TEAM = SelectChoice("", _l("– none –"))
MIN_PASSWORD = 10


def team_id(value) -> int | None:
    """Coerce the team select: a team's id, or None for the empty "– none –" choice."""
    if value in (None, "", "None"):
        return None
    return int(value)


def team_choices(teams) -> list[SelectChoice]:
    """The team (or provider) select's choices from (id, name) pairs, led by "– none –"."""
    return [NO_TEAM, *(SelectChoice(str(id_), name) for id_, name in teams)]


def _role_field() -> SelectField:
    return SelectField(_l("Role"), choices=ROLE_CHOICES, validators=[DataRequired()])


def _team_field() -> SelectField:
    return SelectField(_l("Team"), coerce=team_id, choices=[NO_TEAM],
                       description=_l("Counsellors and team leads only."))


def _provider_field() -> SelectField:
    return SelectField(_l("Course provider"), coerce=team_id, choices=[NO_TEAM],
                       description=_l("Course providers' staff only: they see the "
                                      "referrals to this provider's courses."))


class _TeamRule:
    """Counsellors and team leads need a team (auditors and admins get none); a course
    provider's staff their provider."""

    def validate_team_id(self, field):
        if self.role.data in TEAM_ROLES and field.data is None:
            raise ValidationError(_l("Counsellors and team leads belong to a team."))

    def validate_provider_id(self, field):
        if self.role.data == Role.PROVIDER and field.data is None:
            raise ValidationError(_l("A course provider's staff belong to a provider: "
                                     "choose it."))


# Every password field of the app (the login form's too), by name: never echoed to a page.
PASSWORD_FIELDS = {"password": _l("Password"), "confirmation": _l("Repeat the password")}


def _password_fields():
    password = PasswordField(PASSWORD_FIELDS["password"],
                             description=_l("At least 10 characters."),
                             validators=[DataRequired(), Length(min=MIN_PASSWORD, max=200)])
    confirmation = PasswordField(PASSWORD_FIELDS["confirmation"], validators=[
        DataRequired(), EqualTo("password", message=_l("The passwords do not match."))])
    return password, confirmation


class NewUserForm(_TeamRule, LocalizedForm):
    """A new account with its first password; the view fills in the team choices."""

    username = StringField(_l("User name"), validators=[
        DataRequired(), Length(max=80),
        Regexp(r"^[A-Za-z0-9._-]+$",
               message=_l("Letters, digits, dot, hyphen and underscore only."))])
    display_name = StringField(_l("Name"), validators=[DataRequired(), Length(max=200)])
    role = _role_field()
    team_id = _team_field()
    provider_id = _provider_field()
    password, confirmation = _password_fields()


class EditUserForm(_TeamRule, LocalizedForm):
    """An account's name, role, team and work contact; the user name never changes."""

    display_name = StringField(_l("Name"), validators=[DataRequired(), Length(max=200)])
    role = _role_field()
    team_id = _team_field()
    provider_id = _provider_field()
    work_phone = StringField(_l("Work phone"),
                             description=_l("Printed on the referral slips of the user's "
                                            "cases: a work number, never a private one."),
                             validators=[Optional(), Length(max=60)])
    work_email = EmailField(_l("Work e-mail"),
                            description=_l("Printed on the referral slips of the user's "
                                           "cases: a work address, never a private one."),
                            validators=[Optional(), Email(), Length(max=200)])


class PasswordForm(LocalizedForm):
    """A new password set by an admin (the old one is not asked for)."""

    password, confirmation = _password_fields()


class NewTeamForm(LocalizedForm):
    """A new team, for counsellors and team leads to belong to."""

    name = StringField(_l("Team name"), validators=[DataRequired(), Length(max=120)])
