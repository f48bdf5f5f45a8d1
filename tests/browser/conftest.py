"""Fixtures for the real-browser tests: Voilà servers on free loopback ports, headless Chromium, console logs.

Every test in this folder is marked ``browser``. They run in the default
``python -m pytest`` and are skipped (with the reason) only when Debian's
Chromium is missing at ``/usr/bin/chromium``; CI installs it.

Screenshots go to ``test-artifacts/`` (git-ignored). With
``MLPW_UPDATE_SCREENSHOT=1`` the dashboard test also writes ``docs/dashboard.png``.
"""

from __future__ import annotations

import importlib.util
import os
import tempfile
from pathlib import Path

import pytest
import voila_harness as harness

ROOT = Path(__file__).resolve().parents[2]
HERE = Path(__file__).resolve().parent
ARTIFACTS = ROOT / "test-artifacts"

_MISSING = None
if not Path(harness.CHROMIUM).exists():
    _MISSING = (
        f"Debian's Chromium is not installed at {harness.CHROMIUM} (apt-get install chromium; `make test` does it)"
    )
elif importlib.util.find_spec("playwright") is None:
    _MISSING = "the playwright Python package is not installed (pip install -e '.[test]')"


def pytest_collection_modifyitems(config, items):
    for item in items:
        if HERE in Path(str(item.fspath)).resolve().parents:
            item.add_marker(pytest.mark.browser)
            if _MISSING:
                item.add_marker(pytest.mark.skip(reason=_MISSING))


@pytest.fixture(scope="session")
def browser():
    """Headless Debian Chromium, shared by the session."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = harness.launch_browser(playwright)
        yield chromium
        chromium.close()


@pytest.fixture
def page(browser):
    """A fresh page (own context, 1280×900) that may load nothing from outside 127.0.0.1."""
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    context.set_default_timeout(60_000)
    new_page = context.new_page()
    harness.block_external(new_page)
    yield new_page
    context.close()


@pytest.fixture
def console(page):
    """The page's console errors, page errors and failed requests, minus :data:`voila_harness.ALLOWED_EXTERNAL`."""
    return harness.ConsoleLog(page)


@pytest.fixture(scope="session")
def voila_server():
    """Voilà serving the repository (directory mode) from its root, so the root ``voila.json`` applies."""
    port = harness.free_port()
    server = harness.VoilaServer(harness.voila_command(ROOT, port), port, ROOT)
    with server:
        yield server


@pytest.fixture(scope="session")
def dashboard_server():
    """``mlp-widgets dashboard`` run from a directory outside the repository."""
    port = harness.free_port()
    with tempfile.TemporaryDirectory(prefix="mlpw-cwd-") as cwd:
        server = harness.VoilaServer(harness.dashboard_command(port), port, Path(cwd))
        with server:
            yield server


@pytest.fixture(scope="session")
def artifacts() -> Path:
    """Folder for screenshots (git-ignored)."""
    ARTIFACTS.mkdir(exist_ok=True)
    return ARTIFACTS


@pytest.fixture(scope="session")
def update_docs_screenshot() -> bool:
    """Whether the dashboard test should also refresh ``docs/dashboard.png``."""
    return os.environ.get("MLPW_UPDATE_SCREENSHOT") == "1"
