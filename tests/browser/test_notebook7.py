"""The dashboard notebook in Notebook 7: run all cells, every widget renders, a slider repaints, Step, a drag.

One Notebook 7 server (over a copy of ``notebooks/``) for the module and one
page: the dashboard opens on its first tab ("Train": Step and the loss
readout); live sliders are on "Activations", the 3-D surface to drag on
"Target & loss".
"""

from __future__ import annotations

import pytest
import voila_harness as harness
from jupyter_pages import (
    check_drag_rotates,
    check_rendered,
    check_slider_repaints,
    check_step_changes_readout,
    open_notebook,
    start_server,
)

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def notebook_page(browser, tmp_path_factory, artifacts):
    server = start_server("notebook", tmp_path_factory.mktemp("notebook7"))
    context, page = open_notebook(browser, server.url("notebooks/notebooks/dashboard.ipynb"))
    try:
        harness.run_all_cells(page)
        yield page
    finally:
        page.screenshot(path=str(artifacts / "notebook7-dashboard.png"), full_page=True)
        context.close()
        server.stop()


def test_the_dashboard_renders_and_step_changes_the_readout(notebook_page):
    harness.open_tab(notebook_page, "Train")
    check_rendered(notebook_page)
    check_step_changes_readout(notebook_page)


def test_a_slider_repaints_a_figure(notebook_page):
    harness.open_tab(notebook_page, "Activations")
    check_rendered(notebook_page)
    check_slider_repaints(notebook_page)


def test_a_drag_rotates_the_target_surface(notebook_page):
    harness.open_tab(notebook_page, "Target & loss")
    check_drag_rotates(notebook_page)
