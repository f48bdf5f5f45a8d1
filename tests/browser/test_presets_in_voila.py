"""Presets per group, in a real browser: one server, several presets, each opened by name from the page's URL.

``mlp-widgets dashboard --config lab2 --config ripple_deep --config <no_code.json>``:
``/`` shows the default, ``/?preset=ripple_deep`` the ripple preset (its own tabs,
its target), ``/?preset=no_code`` a preset that leaves the PyTorch code sub-tab out
(absent from the page, not merely empty); a name the server does not offer, or a
path, is refused with a sentence on the page and the default is shown.
"""

from __future__ import annotations

import json
import re
import tempfile
from pathlib import Path

import pytest
import voila_harness as harness

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def presets_server():
    with tempfile.TemporaryDirectory(prefix="mlpw-presets-") as folder:
        no_code = Path(folder) / "no_code.json"
        no_code.write_text(json.dumps({"ui": {"tabs": ["network", "search"], "hidden_parts": ["builder.code"]}}))
        port = harness.free_port()
        command = harness.dashboard_command(
            port, "--config", "lab2", "--config", "ripple_deep", "--config", str(no_code)
        )
        with harness.VoilaServer(command, port, Path(folder)) as server:
            yield server


def open_page(browser, url: str):
    context = browser.new_context(viewport={"width": 1400, "height": 1000})
    context.set_default_timeout(90_000)
    page = context.new_page()
    harness.block_external(page)
    page.goto(url, timeout=120_000)
    harness.wait_for_render(page, timeout_ms=120_000)
    harness.wait_until_settled(page)
    return context, page


def tab_titles(page) -> list[str]:
    return [t.strip() for t in page.locator(".lm-TabBar-tabLabel").all_inner_texts()]


def test_the_default_and_a_named_preset(browser, presets_server):
    context, page = open_page(browser, presets_server.url())
    try:
        assert tab_titles(page)[:5] == ["1 · Train", "2 · Build a network", "3 · Activations", "4 · Target & loss",
                                        "5 · Network explorer"]  # fmt: skip
    finally:
        context.close()
    context, page = open_page(browser, presets_server.url("?preset=ripple_deep"))
    try:
        titles = tab_titles(page)
        assert titles[0] == "1 · Build a network", titles  # ripple_deep's tabs, numbered as shown
        page.get_by_role("tab", name=re.compile(r"· Target & loss$")).click()
        harness.wait_until_settled(page)
        assert page.locator(".mlpw-target-explorer select").first.input_value() == "Ripple"  # its label
    finally:
        context.close()


def test_a_hidden_sub_tab_is_absent_from_the_page(browser, presets_server):
    context, page = open_page(browser, presets_server.url("?preset=no_code"))
    try:
        titles = tab_titles(page)
        assert "shapes & graph" in titles and "output surface" in titles
        assert "PyTorch code" not in titles and "nn.Module class" not in titles
        assert page.get_by_text("class TorchNet").count() == 0
    finally:
        context.close()


@pytest.mark.parametrize("asked", ["genetic", "..%2F..%2Fetc%2Fpasswd", "%2Ftmp%2Fno_code.json"])
def test_a_name_the_server_does_not_offer_or_a_path_is_refused(browser, presets_server, asked):
    context, page = open_page(browser, presets_server.url(f"?preset={asked}"))
    try:
        text = page.locator(".mlpw-status-error").first.inner_text()
        assert "offers no preset" in text and "never a path" in text
        assert tab_titles(page)[0] == "1 · Train"  # the default
    finally:
        context.close()
