"""State flows one way, in a real browser: looking at weights and switching tabs edit nothing.

Against ``mlp-widgets dashboard`` in headless Chromium: select ten weights
across the explorer's layers, switch tabs back and forth, change the network
in tab 2 and reopen tab 5 — the inspector's MSE (tab 4), the explorer's MSE
(tab 5) and the saved network file stay exactly as they were. Then Step the
search five times in quick succession with the explorer built: the browser
redraws the explorer's slider after every new best network, and none of that
may restart the search.
"""

from __future__ import annotations

import base64
import re

import pytest
import voila_harness as harness

pytestmark = pytest.mark.browser

STEP = re.compile(r"^\W*step\W*$", re.IGNORECASE)
EXPLORER = ".mlpw-network-explorer"


@pytest.fixture(scope="module")
def page(browser, dashboard_server):
    context, page = harness.open_dashboard(browser, dashboard_server.url())
    yield page
    context.close()


def open_tab(page, number: int) -> None:
    harness.open_tab(page, number, canvases=None)


def inspector_mse(page) -> str:
    open_tab(page, 4)
    return page.locator(".mlpw-loss-inspector .mlpw-table").first.inner_text()


def explorer_mse(page) -> str:
    open_tab(page, 5)
    return page.locator(f"{EXPLORER} {harness.LOSS_READOUT}").first.inner_text()


def saved_json(page) -> bytes:
    toolbar = page.get_by_text("save · load · export")
    panel = page.locator(".mlpw-export-panel")
    if not panel.is_visible():
        toolbar.click()
    # first another download, so the JSON link read below is the one this click makes
    page.get_by_role("button", name=re.compile("export PyTorch code")).click()
    panel.locator("a[download$='.py']").wait_for()
    page.get_by_role("button", name=re.compile("save as JSON")).click()
    link = panel.locator("a[download$='.json']")
    link.wait_for()
    href = link.get_attribute("href")
    data = base64.b64decode(href.split(",", 1)[1])
    toolbar.click()  # fold it again
    return data


def browse_ten_weights(page) -> None:
    open_tab(page, 5)
    selects = page.locator(f"{EXPLORER} select")
    layer, source, unit = selects.nth(0), selects.nth(1), selects.nth(2)
    picks = [
        (0, 0, 3),
        (0, 1, 7),
        (0, 2, 0),
        (1, 4, 0),
        (1, 9, 0),
        (0, 0, 12),
        (1, 25, 0),
        (0, 1, 24),
        (1, 0, 0),
        (0, 2, 5),
    ]
    for k, i, j in picks:
        layer.select_option(index=k)
        harness.wait_until_settled(page, quiet_ms=300)
        source.select_option(index=i)
        unit.select_option(index=j)
        harness.wait_until_settled(page, quiet_ms=300)


def test_browsing_and_switching_tabs_change_no_number(page):
    before = (inspector_mse(page), explorer_mse(page), saved_json(page))
    browse_ten_weights(page)
    for number in (1, 4, 5, 2, 5, 3, 1, 5):
        open_tab(page, number)
    assert (inspector_mse(page), explorer_mse(page), saved_json(page)) == before
    assert "than the unedited" not in before[1]


def test_a_new_network_from_tab_2_is_not_edited_by_tab_5(page):
    open_tab(page, 2)
    page.get_by_role("button", name=re.compile("new seed")).click()
    harness.wait_until_settled(page)
    after_seed = (inspector_mse(page), explorer_mse(page), saved_json(page))
    browse_ten_weights(page)
    open_tab(page, 2)
    open_tab(page, 5)
    assert (inspector_mse(page), explorer_mse(page), saved_json(page)) == after_seed
    assert "than the unedited" not in after_seed[1]


def test_quick_steps_with_the_explorer_built_keep_the_search_going(page):
    open_tab(page, 1)
    step = page.get_by_role("button", name=STEP)
    button = next(step.nth(i) for i in range(step.count()) if step.nth(i).is_visible())
    for _ in range(5):
        button.click()  # no waiting: the slider redraws of one step overlap the next
    page.wait_for_function(
        """(selector) => Array.from(document.querySelectorAll(selector)).some(e => /iteration\\s+5\\s*\\//.test(e.innerText))""",
        arg=harness.LOSS_READOUT,
        timeout=60_000,
    )
    harness.wait_until_settled(page)
    readout = " ".join(page.locator(harness.LOSS_READOUT).all_inner_texts())
    assert re.search(r"iteration\s+5\s*/", readout), readout
    assert "than the unedited" not in explorer_mse(page)
    assert page.console_log.errors == []
