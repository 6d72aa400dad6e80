"""Subject access (Art. 15 DSGVO) for team leads: a printable page in German or English and
the same as JSON, with every label in both languages (the command line writes it too)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date, datetime
from typing import Any

from flask import Blueprint, current_app, g, jsonify, render_template, request
from flask_babel import force_locale
from flask_babel import gettext as _
from flask_login import current_user

from caseapp.services.subject_access import SubjectAccess, subject_access
from caseapp.web.labels import label_of, shown
from caseapp.web.request_context import svc
from domain.vocabulary import Role
from forms.choices import OFFER_LABELS
from forms.labels import key_label

from .access import roles_required
from .audit import EVENT_LABELS

bp = Blueprint("subject_access", __name__, url_prefix="/cases")


@bp.get("/<int:case_id>/subject-access")
@roles_required(Role.TEAM_LEAD)
def page(case_id: int):
    """The printable information for the person, in the language asked for (``?language=``)."""
    access = subject_access(svc(), current_user, case_id)
    language = request.args.get("language")
    if language not in current_app.config["LANGUAGES"]:
        language = None
    if language is None:
        return render_template("cases/subject_access.html", access=access,
                               event_labels=EVENT_LABELS)
    with in_language(language):
        return render_template("cases/subject_access.html", access=access,
                               event_labels=EVENT_LABELS, language=language)


@bp.get("/<int:case_id>/subject-access.json")
@roles_required(Role.TEAM_LEAD)
def as_json(case_id: int):
    """The same information as a JSON download, every label in every language."""
    access = subject_access(svc(), current_user, case_id)
    response = jsonify(export(access))
    response.headers["Content-Disposition"] = \
        f'attachment; filename="auskunft-{access.case_number}.json"'
    return response


@contextmanager
def in_language(language: str) -> Iterator[None]:
    """Translate in ``language`` for a while (the catalog kept on ``g`` included)."""
    kept = g.pop("_translations", None)
    try:
        with force_locale(language):
            yield
    finally:
        g.pop("_translations", None)
        if kept is not None:
            g._translations = kept


def _texts(make) -> dict[str, str]:
    """``make()`` as text in each of the app's languages."""
    texts = {}
    for language in current_app.config["LANGUAGES"]:
        with in_language(language):
            texts[language] = str(make())
    return texts


def _plain(value: Any) -> Any:
    if isinstance(value, datetime | date):
        return value.isoformat()
    return value


def export(access: SubjectAccess) -> dict[str, Any]:
    """Everything held about the person, as JSON: stored values as stored, each with its
    label and its value as the pages show it, in German and English."""
    return {
        "case": {
            "number": access.case_number, "team": access.team,
            "status": {"code": access.status,
                       **_texts(lambda: label_of("case_status", access.status))},
            "opened_at": _plain(access.opened_at), "closed_at": _plain(access.closed_at),
            "outcome": access.outcome and {
                "code": access.outcome, **_texts(lambda: label_of("outcome", access.outcome))},
            "municipality": access.municipality,
        },
        "person": {
            "given_names": access.given_names, "family_name": access.family_name,
            "birth_date": _plain(access.birth_date), "phone": access.phone,
            "email": access.email, "erased_at": _plain(access.erased_at),
            "erased_by": access.erased_by,
        },
        "interview": [{
            "form": step.form_key, "step": _texts(lambda step=step: _(step.title)),
            "completed_at": _plain(step.completed_at), "completed_by": step.completed_by,
            "draft": step.draft,
            "answers": [{"field": a.name, "value": _plain(a.stored),
                         "label": _texts(lambda a=a: a.label),
                         "shown": _texts(lambda a=a: shown(a.value))}
                        for a in step.answers],
        } for step in access.steps],
        "referrals": [{
            "kind": r.kind, "offer": {"code": r.offer,
                                      **_texts(lambda r=r: OFFER_LABELS.get(r.offer, r.offer))},
            "status": {"code": r.status,
                       **_texts(lambda r=r: label_of("referral_status", r.status))},
            "course": r.course_title, "course_start": _plain(r.course_start),
            "provider": r.provider, "note": r.note, "created_at": _plain(r.created_at),
        } for r in access.referrals],
        "recipients": access.recipients,
        "history": [{
            "at": _plain(e.at), "by": e.actor,
            "event": {"code": e.type,
                      **_texts(lambda e=e: EVENT_LABELS.get(e.type, e.type))},
            "fields": [{"field": name, **_texts(lambda name=name: key_label(name))}
                       for name in e.fields],
        } for e in access.history],
        "retention": {"erased_from": _plain(access.retention_on),
                      "years_after_closing": access.retention_years},
        "given_at": _plain(access.given_at),
    }
