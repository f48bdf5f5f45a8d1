"""Every notebook of ``notebooks/`` (the dashboard aside, tested on its own, and the nbgrader exercises, whose
blank check cells fail by design) rendered by Voilà in a real browser.

For each: every widget and figure canvas renders (in every tab), no error output,
no console error (Voilà's CDN font excepted); if the page has sliders and
figures, moving some slider repaints a figure. A screenshot per notebook goes
to ``test-artifacts/``.
"""

from __future__ import annotations

import pytest
import voila_harness as harness
from conftest import ROOT

pytestmark = pytest.mark.browser

#: notebooks that are not pages to render: the exercises' check cells fail (raise) until the student writes the code
NOT_PAGES = {"dashboard.ipynb", "lab2_exercises.ipynb"}
NOTEBOOKS = sorted(path.name for path in (ROOT / "notebooks").glob("*.ipynb") if path.name not in NOT_PAGES)
#: notebooks whose sliders are settings applied by a button, not live controls: no repaint is expected
NO_LIVE_SLIDER = {
    "03_target_and_loss.ipynb": "its only slider, the loss landscape's grid size, applies on 'Compute landscape'",
}
PARAMS = NOTEBOOKS or [
    pytest.param(None, marks=pytest.mark.skip(reason="notebooks/ has no notebook besides the dashboard yet"))
]


@pytest.mark.parametrize("name", PARAMS)
def test_notebook_renders_in_voila(name, page, console, voila_server, artifacts):
    page.set_default_timeout(120_000)
    page.goto(voila_server.url(f"voila/render/notebooks/{name}"), timeout=180_000)
    harness.wait_for_render(page, timeout_ms=180_000)
    assert harness.error_outputs(page) == []
    has_canvas = page.locator(harness.FIGURE_CANVAS).count() > 0
    for label in harness.visit_tabs(page):
        states = harness.canvas_states(page)
        assert all(state[2] > 0 for state in states), f"{name}, tab {label!r}: a canvas is blank: {states}"
        assert harness.error_outputs(page) == [], f"{name}, tab {label!r}"
    page.screenshot(path=str(artifacts / f"{name.removesuffix('.ipynb')}.png"), full_page=True)
    if has_canvas and harness.slider_handles(page).count() and name not in NO_LIVE_SLIDER:
        assert any(harness.find_repainting_slider(page) for _ in harness.visit_tabs(page)), (
            f"{name}: no slider changed a figure canvas"
        )
    assert console.errors == []
