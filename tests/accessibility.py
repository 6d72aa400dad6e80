"""axe-core in the browser tests: every document the tests' pages show is checked against
WCAG 2.1 A and AA (what BITV 2.0 requires), and a test fails on any violation."""

from __future__ import annotations

import json
from collections import defaultdict
from dataclasses import dataclass
from functools import cache
from pathlib import Path

HERE = Path(__file__).resolve().parent
AXE_SOURCE = HERE.parent / "node_modules" / "axe-core" / "axe.min.js"
RUNNER = HERE / "axe_runner.js"
WCAG_TAGS = ("wcag2a", "wcag2aa", "wcag21a", "wcag21aa")
AXE_OPTIONS = {"runOnly": {"type": "tag", "values": list(WCAG_TAGS)},
               "resultTypes": ["violations"]}


@dataclass(frozen=True)
class Violation:
    rule: str
    impact: str | None
    help: str
    targets: tuple[str, ...]
    url: str


@cache
def page_script() -> str:
    """axe-core and the runner, as one script for a page (the DevTools protocol puts it into
    the page, so the app's Content-Security-Policy does not refuse it as it would refuse an
    inline <script>)."""
    if not AXE_SOURCE.exists():
        raise RuntimeError(f"{AXE_SOURCE.relative_to(HERE.parent)} is missing: run `npm ci` "
                           "(make test does)")
    runner = RUNNER.read_text(encoding="utf-8").replace("__AXE_OPTIONS__",
                                                        json.dumps(AXE_OPTIONS))
    return AXE_SOURCE.read_text(encoding="utf-8") + "\n;\n" + runner


def _violations(outcome: dict) -> list[Violation]:
    return [Violation(item["rule"], item["impact"], item["help"], tuple(item["targets"]),
                      outcome["url"]) for item in outcome["violations"]]


def axe_violations(page) -> list[Violation]:
    """axe-core's WCAG 2.1 A/AA violations in the page's document as it is now."""
    if not page.evaluate("typeof window.__axeCheck === 'function'"):
        page.evaluate(page_script())
    return _violations(page.evaluate("window.__axeCheck()"))


def describe(violations: list[Violation]) -> list[str]:
    """One entry per rule and place, naming every page it was found on."""
    pages: dict[tuple, list[str]] = defaultdict(list)
    for found in violations:
        key = (found.rule, found.impact, found.help, found.targets)
        if found.url not in pages[key]:
            pages[key].append(found.url)
    return [f"{rule} ({impact}): {help}\n    at " + "\n    at ".join(targets)
            + "\n    on " + ", ".join(urls)
            for (rule, impact, help, targets), urls in pages.items()]


class PageChecker:
    """Checks every top-level HTML document that pages of the watched browser contexts show,
    once it has loaded (or as it is left, if that comes first), and what the open pages show
    at the end of the test."""

    def __init__(self) -> None:
        self._contexts = []
        self._documents: dict[str, str] = {}
        self._reports: dict[str, dict] = {}

    def watch(self, context) -> None:
        context.expose_binding("__axeReport", self._receive)
        context.add_init_script(script=page_script())
        self._contexts.append(context)

    def _receive(self, source, payload: dict) -> None:
        if payload["event"] == "created":
            self._documents.setdefault(payload["document"], payload["url"])
        else:
            self._reports[payload["document"]] = payload

    def finish(self) -> list[str]:
        """Check what the open pages show now; every violation found and every document
        that could not be checked."""
        found: list[Violation] = []
        problems: list[str] = []
        for context in self._contexts:
            for page in context.pages:
                if page.url.startswith(("http://", "https://")):
                    page.wait_for_load_state()
                    found += axe_violations(page)
        for document, url in self._documents.items():
            report = self._reports.get(document)
            if report is None:
                problems.append(f"{url}: left or closed before it had loaded, not checked "
                                "(wait for the page before leaving it)")
            elif "error" in report:
                problems.append(f"{url}: axe-core failed: {report['error']}")
            else:
                found += _violations(report)
        return describe(found) + problems

    @property
    def documents_checked(self) -> int:
        return sum("error" not in report for report in self._reports.values())
