"""The public offers for newcomers (no login, no personal data): a page and a JSON feed."""

from __future__ import annotations

from flask import Blueprint, jsonify, render_template, request, session
from flask_babel import gettext as _

from caseapp.services import public_offers
from caseapp.web.input_guard import refuse
from caseapp.web.newcomer_texts import GERMAN, NewcomerTexts, newcomer_language, newcomer_languages
from caseapp.web.offers_feed import feed_document
from caseapp.web.request_context import svc

bp = Blueprint("offers", __name__)


@bp.after_request
def _cacheable(response):
    """Public, changing as the desk books: caches may keep them for five minutes, shared
    caches only when the visitor has no session (its cookie must not be shared)."""
    response.headers["Cache-Control"] = f"{'private' if session else 'public'}, max-age=300"
    response.vary.add("Accept-Language")
    return response


def _language() -> NewcomerTexts:
    """The language asked for (``?lang=``), else the browser's best among those offered,
    else German; one not offered is refused."""
    offered = [language.code for language in newcomer_languages()]
    texts = newcomer_language(request.args.get("lang")
                              or request.accept_languages.best_match(offered) or GERMAN)
    if texts is None:
        refuse(_("The offers are not available in this language. Please choose one of the "
                 "languages offered."))
    return texts


def _offers() -> public_offers.PublicOffers:
    return public_offers.public_offers(svc(), request.args.get("municipality") or None)


@bp.get("/offers")
def page():
    """Courses and other offers per municipality, printable, in the newcomers' languages."""
    texts = _language()
    return render_template("offers/page.html", offers=_offers(), nt=texts,
                           offered_languages=newcomer_languages())


@bp.get("/offers.json")
def feed():
    """The same offers for apps such as Integreat; fields in README.md ("Public offers")."""
    texts = _language()
    response = jsonify(feed_document(_offers(), texts))
    response.headers["Access-Control-Allow-Origin"] = "*"
    return response
