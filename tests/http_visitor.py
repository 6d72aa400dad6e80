"""A person's browser, reduced to HTTP: keeps and returns cookies, remembers every reply."""

from __future__ import annotations

import http.client
from dataclasses import dataclass, field
from http.cookies import SimpleCookie
from urllib.parse import urlencode, urlsplit


@dataclass
class Reply:
    method: str
    path: str
    status: int
    headers: list[tuple[str, str]]
    text: str

    def header(self, name: str) -> str | None:
        return next((v for k, v in self.headers if k.lower() == name.lower()), None)

    def all_headers(self, name: str) -> list[str]:
        return [v for k, v in self.headers if k.lower() == name.lower()]


@dataclass
class Visitor:
    """Sends cookies back over plain HTTP, as a browser does over the HTTPS that the
    TLS-terminating proxy turns into plain HTTP: so Secure cookies count too."""

    base_url: str
    headers: dict[str, str] = field(default_factory=lambda: {"Accept-Language": "en"})
    cookies: dict[str, str] = field(default_factory=dict)
    replies: list[Reply] = field(default_factory=list)

    def get(self, path: str, **headers: str) -> Reply:
        return self.send("GET", path, None, headers)

    def post(self, path: str, form: dict[str, str], **headers: str) -> Reply:
        return self.send("POST", path, urlencode(form),
                         {"Content-Type": "application/x-www-form-urlencoded", **headers})

    def send(self, method: str, path: str, body: str | None, headers: dict[str, str]) -> Reply:
        url = urlsplit(self.base_url)
        connection = http.client.HTTPConnection(url.hostname, url.port, timeout=60)
        sent = {**self.headers, **headers}
        if self.cookies:
            sent["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        try:
            connection.request(method, path, body, sent)
            response = connection.getresponse()
            reply = Reply(method, path, response.status, response.getheaders(),
                          response.read().decode("utf-8", "replace"))
        finally:
            connection.close()
        for set_cookie in reply.all_headers("Set-Cookie"):
            for name, morsel in SimpleCookie(set_cookie).items():
                if morsel.value and morsel["max-age"] != "0":
                    self.cookies[name] = morsel.value
                else:
                    self.cookies.pop(name, None)
        self.replies.append(reply)
        return reply

    def follow(self, reply: Reply) -> Reply:
        """The page a redirect leads to."""
        assert reply.status in (301, 302, 303), (reply.status, reply.text[:500])
        location = urlsplit(reply.header("Location"))
        return self.get(location.path + (f"?{location.query}" if location.query else ""))
