"""Blueprints. Views are thin: parse the request, call a service, render."""

from . import (
    admin,
    audit,
    auth,
    cases,
    diagram,
    health,
    home,
    monitoring,
    network_offers,
    offers,
    provider,
    referrals,
    site_files,
    subject_access,
    team,
)

BLUEPRINTS = [module.bp for module in (auth, home, cases, subject_access, audit, referrals,
                                       admin, network_offers, team, provider, monitoring,
                                       diagram, health, site_files, offers)]
