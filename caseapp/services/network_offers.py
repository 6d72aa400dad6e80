"""Other offers of the network (volunteer German groups, counselling services, ...): admins
keep them, the public offers list the active ones. Audited like the course catalogue: what
changed and by whom, not the texts."""

from __future__ import annotations

from dataclasses import asdict, dataclass

from sqlalchemy import select

from caseapp.models import NETWORK_OFFER_KINDS, Municipality, NetworkOffer

from . import audit
from .actor import Actor
from .authz import require_operator
from .context import ServiceContext
from .errors import InvalidInput, NotFound


@dataclass(frozen=True)
class NetworkOfferText:
    """An offer as an admin enters it; the texts are shown to the public as entered."""

    name: str
    kind: str
    municipality: str
    description: str = ""
    address: str = ""
    contact: str = ""
    schedule: str = ""


def municipalities(ctx: ServiceContext) -> list[str]:
    """The municipalities an offer can be in (those of the catalogue)."""
    return list(ctx.session.scalars(select(Municipality.name).order_by(Municipality.name)))


def network_offers(ctx: ServiceContext, actor: Actor) -> list[NetworkOffer]:
    """Every offer, active or not, for the admins' page."""
    require_operator(actor)
    return list(ctx.session.scalars(
        select(NetworkOffer).order_by(NetworkOffer.municipality, NetworkOffer.name)))


def network_offer(ctx: ServiceContext, actor: Actor, offer_id: int) -> NetworkOffer:
    require_operator(actor)
    return _offer(ctx.session, offer_id)


def _offer(session, offer_id: int) -> NetworkOffer:
    offer = session.get(NetworkOffer, offer_id)
    if offer is None:
        raise NotFound("No such offer.")
    return offer


def _checked(session, text: NetworkOfferText) -> None:
    if text.kind not in NETWORK_OFFER_KINDS:
        raise InvalidInput("Unknown kind of offer.", field_errors={
            "kind": ["Unknown kind of offer."]})
    if session.scalar(select(Municipality.id).where(Municipality.name == text.municipality)) \
            is None:
        raise InvalidInput("No such municipality in the catalogue.", field_errors={
            "municipality": ["No such municipality in the catalogue."]})


def create_network_offer(ctx: ServiceContext, actor: Actor, text: NetworkOfferText
                         ) -> NetworkOffer:
    """Add an offer, listed publicly at once; audited as network_offer_created."""
    require_operator(actor)
    now = ctx.now()
    with ctx.transaction() as session:
        _checked(session, text)
        offer = NetworkOffer(**asdict(text), active=True, created_at=now)
        session.add(offer)
        session.flush()
        audit.append(session, type_="network_offer_created", at=now, actor_id=actor.id,
                     details={"network_offer": offer.id, "kind": offer.kind,
                              "municipality": offer.municipality})
    return offer


def update_network_offer(ctx: ServiceContext, actor: Actor, offer_id: int,
                         text: NetworkOfferText) -> NetworkOffer:
    """Change an offer's texts; audited with the names of the fields that changed."""
    require_operator(actor)
    now = ctx.now()
    with ctx.transaction() as session:
        offer = _offer(session, offer_id)
        _checked(session, text)
        changed = sorted(name for name, value in asdict(text).items()
                         if getattr(offer, name) != value)
        if not changed:
            return offer
        for name in changed:
            setattr(offer, name, getattr(text, name))
        audit.append(session, type_="network_offer_changed", at=now, actor_id=actor.id,
                     details={"network_offer": offer.id, "fields": changed})
    return offer


def set_network_offer_active(ctx: ServiceContext, actor: Actor, offer_id: int,
                             active: bool) -> NetworkOffer:
    """Take an offer off the public list (it is kept), or list it again."""
    require_operator(actor)
    now = ctx.now()
    with ctx.transaction() as session:
        offer = _offer(session, offer_id)
        if offer.active == active:
            return offer
        offer.active = active
        audit.append(session, type_="network_offer_reactivated" if active
                     else "network_offer_deactivated", at=now, actor_id=actor.id,
                     details={"network_offer": offer.id})
    return offer
