"""The browser harness, proven on a page of our own: one slider, one ipympl figure, a Step button and a loss readout.

``notebooks/slider_canvas.ipynb`` is served by the session's Voilà (the
repository in directory mode, with the root ``voila.json``).
"""

from __future__ import annotations

import pytest
import voila_harness as harness
from conftest import ROOT

pytestmark = pytest.mark.browser

NOTEBOOK = "tests/browser/notebooks/slider_canvas.ipynb"


@pytest.fixture(scope="module")
def loaded(browser, voila_server):
    """The test page, loaded once for this module: (page, console log)."""
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    context.set_default_timeout(60_000)
    page = context.new_page()
    harness.block_external(page)
    console = harness.ConsoleLog(page)
    page.goto(voila_server.url(f"voila/render/{NOTEBOOK}"))
    harness.wait_for_render(page)
    harness.wait_for_canvases(page, count=1)
    yield page, console
    context.close()


def test_page_renders_widgets_and_a_painted_canvas_without_errors(loaded, artifacts):
    page, console = loaded
    states = harness.canvas_states(page)
    assert len(states) == 1
    width, height, painted, _ = states[0]
    assert (width, height) == (480, 360)  # the figure's 4.8 × 3.6 in at 100 dpi
    assert painted == width * height  # an opaque PNG frame covers the whole canvas
    assert page.locator(".widget-slider").count() == 1
    assert page.get_by_role("button", name="Step").count() == 1
    assert harness.error_outputs(page) == []
    assert console.errors == []
    page.screenshot(path=str(artifacts / "slider_canvas.png"), full_page=True)


def test_only_the_template_font_was_forgiven(loaded):
    _, console = loaded
    assert console.forgiven, "Voilà's template links Font Awesome from a CDN; its failure should have been seen"
    assert all("cdn.jsdelivr.net/npm/@fortawesome/fontawesome-free" in entry for entry in console.forgiven)


def test_sources_are_stripped_by_the_root_voila_json(loaded):
    page, _ = loaded
    html = page.content()
    assert "def take_step" not in html
    assert "%matplotlib widget" not in html


def test_moving_the_slider_repaints_the_canvas(loaded):
    page, _ = loaded
    readout = page.locator(".widget-slider .widget-readout")
    value = int(readout.inner_text())
    for _ in range(3):
        before = harness.canvas_states(page)
        harness.slider_handles(page).first.focus()
        page.keyboard.press("ArrowRight")
        after = harness.wait_for_repaint(page, before)
        assert after[0][3] != before[0][3]
        value += 1
        assert int(readout.inner_text()) == value


def test_step_changes_the_loss_readout(loaded):
    page, _ = loaded
    readout = page.locator(harness.LOSS_READOUT)
    before = readout.inner_text()
    page.get_by_role("button", name="Step").click()
    page.wait_for_function(
        "([selector, text]) => document.querySelector(selector).innerText !== text", arg=[harness.LOSS_READOUT, before]
    )
    assert before == "loss: 1.000000"
    assert readout.inner_text() == "loss: 0.500000"


def test_missing_ipympl_front_end_is_caught_and_the_server_stops_by_pid(browser):
    """Deny Voilà the ipympl labextension: the console shows the missing module and no canvas paints.

    The same server then checks the harness's stop: the kernel it started is gone afterwards.
    """
    port = harness.free_port()
    denied = '--VoilaConfiguration.extension_denylist=["jupyter-matplotlib"]'
    server = harness.VoilaServer(harness.voila_command(ROOT / NOTEBOOK, port, denied), port, ROOT)
    context = browser.new_context()
    try:
        server.start()
        page = context.new_page()
        harness.block_external(page)
        console = harness.ConsoleLog(page)
        page.goto(server.url())
        harness.wait_for_render(page)
        page.wait_for_function("() => document.querySelectorAll('.widget-slider').length > 0")
        page.wait_for_timeout(1000)
        assert any("jupyter-matplotlib" in error for error in console.errors), console.errors
        assert harness.canvas_states(page) == []
        kernels = server.kernel_pids()
        assert len(kernels) == 1
    finally:
        context.close()
        server.stop()
    assert server.process.returncode is not None
    assert not any(harness.psutil.pid_exists(pid) for pid in kernels)
