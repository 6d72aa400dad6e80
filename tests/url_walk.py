"""The whole URL map walked as one role that must see no case: every page opened, every
write tried, with what no page may show (tests/test_web_providers.py, test_monitoring.py)."""

from __future__ import annotations

from collections.abc import Callable, Iterable

# Signing in and out and one's own UI language are no case data.
ALLOWED = {"auth.login", "auth.logout", "auth.logout_everywhere", "auth.language"}
WRITE_METHODS = {"POST", "PUT", "PATCH", "DELETE"}
# The pages of cases, their history and the staff's work: refused to a role without cases.
CASE_PAGES = ("cases.", "audit.", "team.", "admin.", "network_offers.", "diagram.",
              "subject_access.", "referrals.")


def url_of(rule, ids) -> str:
    """The rule's address with a real value for each of its parts."""
    url = rule.rule
    for name in rule.arguments:
        url = url.replace(f"<int:{name}>", str(ids[name])).replace(f"<{name}>", str(ids[name]))
    return url


def walk(app, client, ids: dict, *, never: Iterable[str], refused: tuple[str, ...],
         own: tuple[str, ...] = (), form: dict, check: Callable | None = None
         ) -> tuple[list[str], list[str]]:
    """Open every page (following redirects) and try every write but the role's ``own``
    endpoints. No page shows a text of ``never`` or answers 5xx; pages of ``refused``
    endpoints answer 403/404, and so does every write (posted with ``form``). ``check``
    sees each other page too. Returns the pages opened and the writes refused."""
    opened, writes = [], []
    for rule in app.url_map.iter_rules():
        if rule.endpoint == "static":
            continue
        url = url_of(rule, ids)
        if "GET" in rule.methods:
            page = client.get(url, follow_redirects=True)
            text = page.get_data(as_text=True)
            assert page.status_code < 500, url
            for secret in never:
                assert secret not in text, f"{url} shows {secret}"
            if rule.endpoint.startswith(refused):
                assert page.status_code in (403, 404), f"{url}: {page.status_code}"
            elif check is not None:
                check(rule, url, page)
            opened.append(url)
        if rule.methods & WRITE_METHODS and not rule.endpoint.startswith(own) \
                and rule.endpoint not in ALLOWED:
            for method in sorted(rule.methods & WRITE_METHODS):
                response = client.open(url, method=method, data=form)
                assert response.status_code in (403, 404), \
                    f"{method} {url} answered {response.status_code}"
                writes.append(f"{method} {rule.rule}")
    return opened, writes
