"""The dashboard in a real browser, served by ``mlp-widgets dashboard`` from outside the repository.

Each test runs twice: on ``notebooks/tabbed_app.ipynb``, a stand-in with the
same shape (tabs, sliders, figures, Step, a loss readout), which proves the
checks; and on the dashboard, skipped (by the ``dashboard_server`` fixture)
while ``mlp_widgets.Dashboard`` does not exist; it switches on by itself when it
does. What the checks expect of the page:

- every figure canvas (ipympl) paints, in every tab of the app;
- no error output and no console error (Voilà's CDN font excepted);
- some slider, moved one step with the keyboard, changes a canvas's pixels;
- a button labelled ``Step`` (any case) changes the text of an element with the CSS class
  ``mlpw-loss-readout`` (the stepper's loss readout).

A screenshot goes to ``test-artifacts/dashboard.png`` (the README's pictures of
the training view come from ``test_layout_in_voila.py``).
"""

from __future__ import annotations

import re
import time

import pytest
import voila_harness as harness

pytestmark = pytest.mark.browser

#: the stepper's button: labelled "Step", any case; an icon glyph may precede the word in its accessible name
STEP = re.compile(r"^\W*step\W*$", re.IGNORECASE)


@pytest.fixture(scope="module", params=["stand-in", "dashboard"])
def dashboard(request, browser):
    """The page, loaded once per parameter: (page, console log, seconds to the first painted canvas, name)."""
    if request.param == "dashboard":
        url = request.getfixturevalue("dashboard_server").url()
    else:
        url = request.getfixturevalue("voila_server").url("voila/render/tests/browser/notebooks/tabbed_app.ipynb")
    context = browser.new_context(viewport={"width": 1400, "height": 1000})
    context.set_default_timeout(90_000)
    page = context.new_page()
    harness.block_external(page)
    console = harness.ConsoleLog(page)
    start = time.perf_counter()
    page.goto(url, timeout=120_000)
    harness.wait_for_render(page, timeout_ms=120_000)
    harness.wait_for_canvases(page, count=1, timeout_ms=120_000)
    yield page, console, time.perf_counter() - start, request.param
    context.close()


def test_every_tab_paints_its_canvases_without_errors(dashboard, artifacts):
    page, console, seconds, name = dashboard
    page.screenshot(path=str(artifacts / f"{name}.png"))
    painted = {}
    for label in harness.visit_tabs(page):
        states = harness.canvas_states(page)
        assert all(state[2] > 0 for state in states), f"tab {label!r}: a canvas is blank: {states}"
        painted[label] = len(states)
        assert harness.error_outputs(page) == [], f"tab {label!r}"
    assert sum(painted.values()) >= 1, painted
    assert page.locator(".jupyter-widgets").count() > 0
    assert console.errors == []
    print(f"{name}: first canvas painted after {seconds:.1f} s; canvases per tab: {painted}")


def test_a_slider_repaints_a_canvas(dashboard):
    page, console, *_ = dashboard
    for _tab in harness.visit_tabs(page):
        found = harness.find_repainting_slider(page)
        if found:
            index, before, after = found
            assert [s[3] for s in before] != [s[3] for s in after]
            break
    else:
        pytest.fail("no slider in any tab changed a figure canvas's pixels")
    assert console.errors == []


def test_step_changes_the_loss_readout(dashboard, artifacts):
    page, console, _, name = dashboard
    for tab in harness.visit_tabs(page):
        step = page.get_by_role("button", name=STEP)
        visible = [step.nth(i) for i in range(step.count()) if step.nth(i).is_visible()]
        if visible:
            label = tab
            break
    else:
        pytest.fail("no button labelled 'Step' (any case) in any tab")
    readouts = page.locator(harness.LOSS_READOUT)
    texts = [readouts.nth(i).inner_text() for i in range(readouts.count())]
    assert texts, f"no element with class {harness.LOSS_READOUT} in tab {label!r}"
    visible[0].click()
    page.wait_for_function(
        """([selector, texts]) => Array.from(document.querySelectorAll(selector))
             .some((e, i) => i < texts.length && e.innerText !== texts[i])""",
        arg=[harness.LOSS_READOUT, texts],
        timeout=60_000,
    )
    assert [readouts.nth(i).inner_text() for i in range(len(texts))] != texts
    for _ in range(4):  # four more steps: the search must go on (a widget echo once restarted it)
        before = [readouts.nth(i).inner_text() for i in range(len(texts))]
        visible[0].click()
        page.wait_for_function(
            """([selector, texts]) => Array.from(document.querySelectorAll(selector))
                 .some((e, i) => i < texts.length && e.innerText !== texts[i])""",
            arg=[harness.LOSS_READOUT, before],
            timeout=60_000,
        )
    curve = page.get_by_role("tab", name="loss curve")
    if curve.count():  # show the curve of these steps in the screenshot
        curve.first.click()
    page.wait_for_timeout(1000)
    if name == "dashboard":
        shown = " ".join(readouts.nth(i).inner_text() for i in range(readouts.count()))
        assert re.search(r"iteration\s+5\s*/", shown), shown
    page.screenshot(path=str(artifacts / f"{name}-{label.split()[-1].lower()}.png"))
    assert harness.error_outputs(page) == []
    assert console.errors == []
