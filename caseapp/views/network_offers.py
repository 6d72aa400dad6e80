"""Admin pages of the network's other offers (volunteer German groups, counselling, ...)."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from caseapp.services import network_offers
from caseapp.services.errors import InvalidInput
from caseapp.web.i18n import field_errors_onto, translate_error
from caseapp.web.input_guard import fields_checked_by
from caseapp.web.request_context import svc
from domain.vocabulary import Role
from forms.network_offers import NetworkOfferForm

from .access import roles_required

bp = Blueprint("network_offers", __name__, url_prefix="/admin/network-offers")


def _form(formdata=None, obj=None) -> NetworkOfferForm:
    form = NetworkOfferForm(formdata, obj=obj)
    form.municipality.choices = [("", _("– please choose –")),
                                 *((name, name) for name in network_offers.municipalities(svc()))]
    return form


def _text(form: NetworkOfferForm) -> network_offers.NetworkOfferText:
    return network_offers.NetworkOfferText(**{name: (value or "").strip()
                                              for name, value in form.data.items()})


def _save(form: NetworkOfferForm, save) -> str | None:
    """None once saved; else the message for the top of the page (a refusal that belongs
    to a field shows there too)."""
    if form.validate():
        try:
            save(_text(form))
        except InvalidInput as exc:
            if not field_errors_onto(form, exc):
                return translate_error(exc)
        else:
            return None
    return _("The offer was not saved: please correct the marked fields.")


@bp.get("")
@roles_required(Role.ADMIN)
def index(form=None, error=None, status=200):
    """Every offer, active or not, and the form to add one."""
    return render_template("admin/network_offers.html",
                           offers=network_offers.network_offers(svc(), current_user),
                           form=form or _form(), error=error), status


@bp.post("")
@roles_required(Role.ADMIN)
@fields_checked_by(NetworkOfferForm)
def create():
    """Add an offer: it is listed on the public offers at once."""
    form = _form(request.form)
    error = _save(form, lambda text: network_offers.create_network_offer(
        svc(), current_user, text))
    if error is None:
        flash(_("Offer added. It is listed on the public offers."), "success")
        return redirect(url_for("network_offers.index"))
    return index(form=form, error=error, status=422)


@bp.get("/<int:offer_id>")
@roles_required(Role.ADMIN)
def edit(offer_id: int, form=None, error=None, status=200):
    """One offer's texts, and taking it off the public list or back on."""
    offer = network_offers.network_offer(svc(), current_user, offer_id)
    return render_template("admin/network_offer.html", offer=offer,
                           form=form or _form(obj=offer), error=error), status


@bp.post("/<int:offer_id>")
@roles_required(Role.ADMIN)
@fields_checked_by(NetworkOfferForm)
def update(offer_id: int):
    """Change the offer's texts; the public offers show them at once."""
    form = _form(request.form)
    error = _save(form, lambda text: network_offers.update_network_offer(
        svc(), current_user, offer_id, text))
    if error is None:
        flash(_("Offer saved."), "success")
        return redirect(url_for("network_offers.index"))
    return edit(offer_id, form=form, error=error, status=422)


@bp.post("/<int:offer_id>/active")
@roles_required(Role.ADMIN)
def active(offer_id: int):
    """Take the offer off the public list (it is kept), or list it again."""
    listed = request.form.get("active") == "1"
    network_offers.set_network_offer_active(svc(), current_user, offer_id, listed)
    flash(_("The offer is listed again.") if listed
          else _("The offer is no longer listed."), "success")
    return redirect(url_for("network_offers.index"))
