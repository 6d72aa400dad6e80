"""Layout with real data: a name of any length stays on the page and case numbers whole."""

from __future__ import annotations

import pytest

from tests.helpers import open_case
from tests.test_browser_interview import log_in, log_out

pytestmark = pytest.mark.browser

# 200 characters without a space or hyphen, with emoji: the longest name the form accepts.
LONG_NAME = ("Sehrlangername😀" * 13)[:200]

OVERFLOWS = """selector => [...document.querySelectorAll(selector)].filter(
    e => e.scrollWidth > e.clientWidth + 1).length"""
PAGE_OVERFLOW = "() => document.documentElement.scrollWidth - document.documentElement.clientWidth"
ONE_LINE = """selector => [...document.querySelectorAll(selector)].every(
    e => e.getClientRects().length === 1)"""


def test_a_very_long_name_wraps_and_case_numbers_stay_whole(page, live_server, ctx, people):
    """Case header, home page and team board keep a 200-character name on the page; every
    column of the board stays in view and "2026-00001" never breaks."""
    case = open_case(ctx, people["anna"], given_names=LONG_NAME, family_name=LONG_NAME)
    open_case(ctx, people["anna"], family_name="Kurz")
    log_in(page, live_server, "anna")
    assert page.evaluate(PAGE_OVERFLOW) <= 0  # the home page's task table
    assert page.evaluate(ONE_LINE, "a.case-number")
    page.goto(f"{live_server}/cases/{case.id}")
    assert page.evaluate(PAGE_OVERFLOW) <= 0
    assert page.evaluate(OVERFLOWS, ".facts dd, h1") == 0
    assert page.evaluate(ONE_LINE, "h1 .case-number")
    log_out(page)
    log_in(page, live_server, "lea")
    page.goto(f"{live_server}/team/")
    assert page.evaluate(PAGE_OVERFLOW) <= 0
    assert page.evaluate(OVERFLOWS, ".table-scroll") == 0  # no column pushed out of view
    assert page.evaluate(ONE_LINE, "table.cases a.case-number")
    assert LONG_NAME in page.locator(f"tr[data-case='{case.id}'] td.newcomer").inner_text()


BOXES = """() => [...document.querySelectorAll('.process-picture g')].flatMap(g => {
    const text = g.querySelector(':scope > text'), shape = g.querySelector(':scope > rect');
    if (!text) return [];
    const t = text.getBBox(), s = shape ? shape.getBBox() : null;
    return [{kind: g.getAttribute('class'), text: text.textContent,
             t: [t.x, t.y, t.width, t.height], s: s && [s.x, s.y, s.width, s.height]}];
})"""


def overlap(a, b) -> bool:
    return a[0] < b[0] + b[2] and b[0] < a[0] + a[2] and a[1] < b[1] + b[3] and b[1] < a[1] + a[3]


def test_process_picture_labels_fit_their_boxes_and_miss_the_lane_names(
        page, live_server, ctx, people):
    """As Chromium draws it: every task's name fits inside its box, and no label touches
    the pool's or a lane's name."""
    case = open_case(ctx, people["anna"])
    log_in(page, live_server, "anna")
    page.goto(f"{live_server}/cases/{case.id}/process")
    boxes = page.evaluate(BOXES)
    names = [b for b in boxes if b["kind"] in ("pool", "lane")]
    labels = [b for b in boxes if b["kind"].startswith("el ")]
    assert any(b["text"] == "Beratung" for b in names)
    assert any("Neuzugewanderte" in b["text"] for b in labels)
    for label in labels:
        for name in names:
            # a lane's name is drawn turned by 90°: its box is the strip at the left
            strip = [name["s"][0], name["s"][1], 30, name["s"][3]]
            assert not overlap(label["t"], strip), (label["text"], name["text"])
        if label["kind"].startswith("el task"):
            assert label["t"][2] <= label["s"][2], label["text"]
