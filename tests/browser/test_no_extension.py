"""Without the jupyter-matplotlib front-end extension the dashboard shows PNG figures that update, and no error box.

Voilà serves the dashboard notebook with the extension denied
(``VoilaConfiguration.extension_denylist``), as a front-end without it (VS Code,
Colab, an old JupyterLab) would be: ipympl still imports in the kernel, but no
canvas reports that it rendered, so each figure becomes an image.
"""

from __future__ import annotations

import pytest
import voila_harness as harness
from conftest import ROOT

from mlp_widgets.app.cli import VOILA_DENIED_EXTENSIONS

pytestmark = pytest.mark.browser

_IMAGES_JS = """() => Array.from(document.querySelectorAll('.widget-image'))
  .filter(e => e.offsetParent !== null).map(e => e.src.length + ':' + e.src.slice(-40))"""


@pytest.fixture(scope="module")
def server():
    port = harness.free_port()
    command = harness.voila_command(
        ROOT / "notebooks" / "dashboard.ipynb",
        port,
        "--VoilaConfiguration.extension_denylist=jupyter-matplotlib",
        *(f"--VoilaConfiguration.extension_denylist={name}" for name in VOILA_DENIED_EXTENSIONS),
    )
    with harness.VoilaServer(command, port, ROOT) as running:
        yield running


def test_figures_become_updating_images_with_a_note_and_no_error_box(server, page, console, artifacts):
    page.goto(server.url(""))
    harness.wait_for_render(page)
    page.wait_for_selector(".mlpw-static-note", timeout=60_000)
    harness.wait_until_settled(page)
    images = page.evaluate(_IMAGES_JS)
    assert images, "the figures are shown as images"
    assert page.locator(".mlpw-static-note:visible").count() == len(images)
    text = page.evaluate("document.body.innerText")
    assert "javascript error" not in text.lower() and "Error displaying widget" not in text
    assert harness.error_outputs(page) == []
    page.screenshot(path=str(artifacts / "dashboard-no-extension.png"), full_page=True)
    # a slider move updates an image (the first tab, "Train", has no slider: "Activations" has live ones)
    page.locator(harness.TAB, has_text="Activations").first.click()
    page.wait_for_function(f"() => ({_IMAGES_JS})().length > 0", timeout=60_000)
    harness.wait_until_settled(page)
    images = page.evaluate(_IMAGES_JS)
    handle = page.locator(".widget-slider .noUi-handle:visible, .widget-hslider .noUi-handle:visible").first
    handle.focus()
    page.keyboard.press("ArrowRight")
    page.wait_for_function(
        f"(before) => JSON.stringify(({_IMAGES_JS})()) !== before", arg=__import__("json").dumps(images)
    )
    # the widget manager logs that it cannot load the canvas's model ("No version of module
    # jupyter-matplotlib is registered"): that is the missing extension itself; nothing else fails
    assert [e for e in console.errors if "jupyter-matplotlib" not in e] == []
