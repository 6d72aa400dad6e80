"""The web layer's own parts, each set up by the app factory: the request's service
context and login, languages, error pages, security headers, input guards, outages.

Views depend on these modules; none of them imports a view (create_app registers the
blueprints), so every arrow points one way."""
