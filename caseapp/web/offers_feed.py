"""The JSON feed of the public offers: stable field names, codes with their label in the
language asked for, ISO dates (README.md, "Public offers", lists the fields)."""

from __future__ import annotations

from typing import Any

from caseapp.services.public_offers import PublicCourse, PublicOffers

from .newcomer_texts import NewcomerTexts


def feed_document(offers: PublicOffers, texts: NewcomerTexts) -> dict[str, Any]:
    def coded(vocabulary: str, code: str) -> dict[str, str]:
        return {"code": code, "label": texts.label(vocabulary, code)}

    def course(item: PublicCourse) -> dict[str, Any]:
        return {"id": item.id, "type": coded("course_type", item.course_type),
                "title": item.title, "target_level": item.target_level,
                "start_date": item.start_date.isoformat(), "started": item.started,
                "schedule": coded("schedule", item.schedule),
                "time_of_day": coded("time_of_day", item.time_of_day),
                "childcare": item.childcare,
                "provider": {"name": item.provider_name, "contact": item.contact},
                "address": item.address, "places": coded("places", item.places)}

    return {
        "generated_at": offers.generated_at.isoformat(),
        "language": texts.code,
        "office": {"name": offers.office.name, "address": offers.office.address or None,
                   "phone": offers.office.phone or None, "email": offers.office.email or None},
        "municipalities": [
            {"name": place.name,
             "courses": [course(item) for group in place.course_groups for item in group.courses],
             "network_offers": [
                 {"id": other.id, "kind": coded("offer_kind", other.kind), "name": other.name,
                  "description": other.description or None,
                  "schedule": other.schedule or None, "address": other.address or None,
                  "contact": other.contact or None}
                 for other in place.network_offers]}
            for place in offers.places],
    }
