"""The share link round trip in a real browser: a link opens a state, "share" makes its link, that link opens it again.

Against ``mlp-widgets dashboard`` (fresh kernels: Voilà hands each one its
page's query in ``QUERY_STRING``): open a link with a target, a network, a
search seed and one unknown parameter; the page says what it restored and
what it refused. Press "share": the link the page shows, resolved by the
browser itself, opens a new page with the same state and no refusal.
"""

from __future__ import annotations

import re

import pytest
import voila_harness as harness

pytestmark = pytest.mark.browser

QUERY = "target.name=ripple&target.params.frequency=5.0&network.hidden=6&search.seed=3&bogus=1"


def _open(context, url: str):
    page = context.new_page()
    harness.block_external(page)
    page.goto(url, timeout=120_000)
    harness.wait_for_render(page, timeout_ms=120_000)
    harness.wait_for_canvases(page, count=1, timeout_ms=120_000)
    return page


@pytest.fixture(scope="module")
def context(browser):
    context = browser.new_context(viewport={"width": 1400, "height": 1000})
    context.set_default_timeout(90_000)
    yield context
    context.close()


def test_share_link_round_trip(context, dashboard_server):
    page = _open(context, dashboard_server.url(f"?{QUERY}"))
    page.wait_for_function("() => document.body.innerText.includes('Restored from the link')", timeout=60_000)
    text = page.locator("body").inner_text()
    assert "Restored from the link: the target, the network, the search settings." in text
    assert "'bogus' is unknown" in text

    page.get_by_text("share this state").click()
    page.locator(".mlpw-share-panel button", has_text=re.compile(r"^\W*share\W*$", re.I)).click()
    link = page.locator(".mlpw-share-link a")
    link.wait_for(timeout=30_000)
    shown = page.locator(".mlpw-share-link pre").inner_text()
    for part in ("target.name=ripple", "target.params.frequency=5.0", "network.hidden=6", "search.seed=3"):
        assert part in shown
    assert "bogus" not in shown
    url = link.evaluate("a => a.href")  # the browser resolves the link against the page's own address
    assert url.startswith(dashboard_server.url()) and "?" in url

    again = _open(context, url)
    again.wait_for_function("() => document.body.innerText.includes('Restored from the link')", timeout=60_000)
    text = again.locator("body").inner_text()
    assert "Restored from the link: the target, the network, the search settings." in text
    assert "unknown" not in text
    again.get_by_role("tab", name=re.compile(r"^\d · Target & loss")).click()
    harness.wait_until_settled(again)
    assert again.locator(".mlpw-target-explorer select").first.evaluate("s => s.options[s.selectedIndex].text") == (
        "Ripple"
    )
    page.close()
    again.close()
