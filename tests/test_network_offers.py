"""Other offers of the network: admins add, edit and deactivate them (audited, nobody
else may), and the public offers list the active ones as entered."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from caseapp.models import AuditEvent, NetworkOffer
from caseapp.services import network_offers
from caseapp.services.errors import Forbidden, InvalidInput
from tests.conftest import csrf_token

GROUP = {"name": "Sprachcafé Nordstadt", "kind": "volunteer_german_group",
         "municipality": "Hildesheim", "description": "Deutsch üben beim Kaffee.\nOhne Anmeldung.",
         "schedule": "dienstags 17–19 Uhr", "address": "Nordstraße 5, 31137 Hildesheim",
         "contact": "0151 2223334"}


def post(client, path, data):
    token = csrf_token(client.get("/admin/network-offers").text)
    return client.post(path, data={**data, "csrf_token": token})


def events(ctx, type_):
    ctx.session.rollback()
    return ctx.session.scalars(select(AuditEvent).where(AuditEvent.type == type_)).all()


@pytest.fixture
def admin(login, places):
    return login("adam", "de")


def test_an_admin_adds_an_offer_and_the_public_sees_it_as_entered(ctx, app, admin):
    added = post(admin, "/admin/network-offers", GROUP)
    assert added.status_code == 302
    assert "Sprachcafé Nordstadt" in admin.get("/admin/network-offers").text
    public = app.test_client().get("/offers?lang=ar").text
    assert "مجموعة تطوعية لتعلم الألمانية" in public
    assert '<span lang="de" dir="ltr">dienstags 17–19 Uhr</span>' in public
    feed = app.test_client().get("/offers.json?municipality=Hildesheim&lang=tr").json
    [offer] = feed["municipalities"][0]["network_offers"]
    assert offer["kind"] == {"code": "volunteer_german_group", "label": "Gönüllü Almanca grubu"}
    assert (offer["name"], offer["schedule"], offer["contact"]) == \
        ("Sprachcafé Nordstadt", "dienstags 17–19 Uhr", "0151 2223334")
    [event] = events(ctx, "network_offer_created")
    assert event.details == {"network_offer": offer["id"], "kind": "volunteer_german_group",
                             "municipality": "Hildesheim"}
    assert "0151" not in str(event.details) and "Sprachcafé" not in str(event.details)


def test_an_offer_only_in_a_municipality_without_courses_gets_its_section(app, admin):
    post(admin, "/admin/network-offers", {**GROUP, "municipality": "Alfeld"})
    page = app.test_client().get("/offers?municipality=Alfeld").text
    assert "Weitere Angebote" in page and "Sprachcafé Nordstadt" in page
    assert "<h3>Deutschkurse</h3>" not in page


@pytest.mark.parametrize("change, field, message", [
    ({"name": ""}, "name", "Dieses Feld wird benötigt."),
    ({"kind": "disco"}, "kind", "Keine gültige Auswahl."),
    ({"municipality": "Atlantis"}, "municipality", "Keine gültige Auswahl."),
    ({"description": "x" * 1001}, "description", "nicht länger als 1000 Zeichen"),
])
def test_bad_input_is_refused_at_its_field_and_kept(ctx, admin, change, field, message):
    refused = post(admin, "/admin/network-offers", {**GROUP, "contact": "Frau Ö.", **change})
    assert refused.status_code == 422
    assert "Das Angebot wurde nicht gespeichert" in refused.text
    assert message in refused.text.split(f'id="{field}-error"', 1)[1].split("</p>", 1)[0]
    assert 'value="Frau Ö."' in refused.text  # what was typed stays
    assert not events(ctx, "network_offer_created")


def test_the_service_refuses_what_the_form_would_not_offer(ctx, people, places):
    with pytest.raises(InvalidInput, match="municipality"):
        network_offers.create_network_offer(ctx, people["adam"], network_offers.NetworkOfferText(
            **{**GROUP, "municipality": "Atlantis"}))
    with pytest.raises(InvalidInput, match="kind"):
        network_offers.create_network_offer(ctx, people["adam"], network_offers.NetworkOfferText(
            **{**GROUP, "kind": "disco"}))


@pytest.mark.parametrize("user", ["anna", "lea", "ida"])
def test_nobody_but_an_admin_keeps_network_offers(ctx, login, people, places, user):
    client = login(user)
    assert client.get("/admin/network-offers").status_code == 403
    assert client.post("/admin/network-offers", data=GROUP).status_code in (400, 403)
    with pytest.raises(Forbidden):
        network_offers.create_network_offer(ctx, people[user],
                                            network_offers.NetworkOfferText(**GROUP))
    assert ctx.session.scalars(select(NetworkOffer)).all() == []


def test_an_anonymous_visitor_is_sent_to_log_in(app):
    assert app.test_client().get("/admin/network-offers").status_code == 302


def test_editing_and_deactivating_are_audited_and_change_the_public_list(ctx, app, admin):
    post(admin, "/admin/network-offers", GROUP)
    offer_id = ctx.session.scalars(select(NetworkOffer.id)).one()
    edited = post(admin, f"/admin/network-offers/{offer_id}",
                  {**GROUP, "schedule": "mittwochs 10–12 Uhr"})
    assert edited.status_code == 302
    assert "mittwochs 10–12 Uhr" in app.test_client().get("/offers").text
    [changed] = events(ctx, "network_offer_changed")
    assert changed.details == {"network_offer": offer_id, "fields": ["schedule"]}
    assert "Angebot deaktivieren" in admin.get(f"/admin/network-offers/{offer_id}").text
    post(admin, f"/admin/network-offers/{offer_id}/active", {"active": "0"})
    public = app.test_client()
    assert "Sprachcafé Nordstadt" not in public.get("/offers").text
    assert "Sprachcafé" not in public.get("/offers.json").get_data(as_text=True)
    assert "nein (deaktiviert)" in admin.get("/admin/network-offers").text
    assert len(events(ctx, "network_offer_deactivated")) == 1
    post(admin, f"/admin/network-offers/{offer_id}/active", {"active": "1"})
    assert "Sprachcafé Nordstadt" in public.get("/offers").text
    assert len(events(ctx, "network_offer_reactivated")) == 1
