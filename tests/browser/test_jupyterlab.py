"""The notebooks in JupyterLab 4, as a student meets them: run all cells, every widget renders and responds.

One JupyterLab server (over a copy of ``notebooks/``) for the module; each
notebook gets a fresh page: Run → Run All Cells, then no "Error displaying
widget" and no widget's plain-text stand-in (``VBox(…)``), every visible
canvas painted, a slider repaints a figure; in notebook 04 Step changes the
loss readout; in notebook 03 a drag rotates the 3-D surface; the dashboard gets all three
(Step on its first tab, a slider and a drag on "Target & loss"). The dark theme is
checked last, with the contrast of the status lines.
"""

from __future__ import annotations

import pytest
import voila_harness as harness
from jupyter_pages import (
    DASHBOARD,
    DRAG_NOTEBOOK,
    SERIES,
    SLIDER_NOTEBOOKS,
    STEP_NOTEBOOK,
    check_dashboard,
    check_drag_rotates,
    check_rendered,
    check_slider_repaints,
    check_step_changes_readout,
    close_notebook,
    open_notebook,
    start_server,
)

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def lab(tmp_path_factory):
    server = start_server("lab", tmp_path_factory.mktemp("jupyterlab"))
    yield server
    server.stop()


@pytest.mark.parametrize("name", [*SERIES, DASHBOARD])
def test_the_notebook_runs_and_its_widgets_render_and_respond(lab, browser, name, artifacts):
    context, page = open_notebook(browser, lab.url(f"lab/tree/notebooks/{name}"))
    try:
        harness.run_all_cells(page)
        check_rendered(page)
        if name in SLIDER_NOTEBOOKS:
            check_slider_repaints(page)
        if name == STEP_NOTEBOOK:
            check_step_changes_readout(page)
        if name == DRAG_NOTEBOOK:
            check_drag_rotates(page)
        if name == DASHBOARD:
            check_dashboard(page)
    finally:
        page.screenshot(path=str(artifacts / f"jupyterlab-{name}.png"), full_page=True)
        close_notebook(lab, context)


def _switch_to_dark(page) -> None:
    page.locator(".lm-MenuBar-item", has_text="Settings").first.click()
    page.locator(".lm-Menu-item:visible", has_text="Theme").first.hover()
    page.locator(".lm-Menu-item:visible", has_text="JupyterLab Dark").first.click()
    page.wait_for_function("() => document.body.dataset.jpThemeLight === 'false'", timeout=60_000)


def test_the_dark_theme_renders_the_widgets(lab, browser, artifacts):
    context, page = open_notebook(browser, lab.url(f"lab/tree/notebooks/{STEP_NOTEBOOK}"))
    try:
        _switch_to_dark(page)
        harness.run_all_cells(page)
        check_rendered(page)
        check_step_changes_readout(page)
        page.screenshot(path=str(artifacts / "jupyterlab-dark.png"))
    finally:
        close_notebook(lab, context)


def test_the_dark_theme_status_lines_are_readable(lab, browser):
    """Status text (an error after a refused value, the loss readout) has a WCAG contrast of at least 4.5:1."""
    context, page = open_notebook(browser, lab.url(f"lab/tree/notebooks/{STEP_NOTEBOOK}"))
    try:
        if page.evaluate("() => document.body.dataset.jpThemeLight") != "false":
            _switch_to_dark(page)
        harness.run_all_cells(page)
        check_rendered(page)
        box = page.locator(".widget-text:has(label:text-is('ε')) input, .widget-text:has-text('ε') input").first
        box.fill("-1")
        box.press("Enter")
        page.wait_for_selector('[class*="mlpw-"] span[style*="color"]', timeout=30_000)
        ratios = page.evaluate(harness.CONTRAST_JS)
        assert ratios, "no status text found to measure"
        low = [(text, round(ratio, 2)) for text, ratio in ratios if ratio < 4.5]
        assert low == [], low
    finally:
        close_notebook(lab, context)
