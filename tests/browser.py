"""Browser-test plumbing: the app on a real HTTP server, Debian's Chromium via Playwright."""

from __future__ import annotations

import shutil
import threading
from contextlib import contextmanager

from werkzeug.serving import make_server

from tests.accessibility import PageChecker

CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run",
                 "--disable-quic"]


def chromium_path() -> str:
    path = shutil.which("chromium") or shutil.which("chromium-browser")
    if not path:
        raise RuntimeError("Chromium not found: run scripts/ensure-system-packages")
    return path


@contextmanager
def serve(app):
    """Serve ``app`` on 127.0.0.1 (a free port) in a thread; yields the base URL."""
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        thread.join(timeout=10)


class CheckedBrowser:
    """The session's Chromium for one test: every context it opens is watched by an
    accessibility checker, and all of them are closed together at the end of the test."""

    def __init__(self, browser):
        self._browser = browser
        self._contexts = []
        self.checker = PageChecker()

    def new_context(self, **options):
        context = self._browser.new_context(**options)
        self.checker.watch(context)
        self._contexts.append(context)
        return context

    def new_page(self, **options):
        return self.new_context(**options).new_page()

    def close(self) -> list[str]:
        """Finish the checks, close every context; what the checks found."""
        try:
            return self.checker.finish()
        finally:
            for context in self._contexts:
                context.close()
