"""Abandoned tabs: the kernel of a closed page is shut down after the idle timeout; an open page keeps working.

Voilà is started with the CLI's own settings (:func:`mlp_widgets.app.cli.voila_argv`,
i.e. :func:`~mlp_widgets.app.cli.voila_settings`) and a short idle timeout of 5 s
(culling checks every 5 s, ``cull_connected=False``). Two pages are opened;
the first tab is closed: its kernel process must exit within 45 s. The second
page, left open (and idle) as long, must keep its kernel and still repaint
when its Step is clicked.
"""

from __future__ import annotations

import sys
import tempfile
import time
from pathlib import Path

import psutil
import pytest
import voila_harness as harness

from mlp_widgets.app.cli import dashboard_notebook, voila_argv, voila_settings

pytestmark = pytest.mark.browser

IDLE_TIMEOUT = 5
MAX_WAIT = 45.0


def _open(browser, url: str):
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    context.set_default_timeout(90_000)
    page = context.new_page()
    harness.block_external(page)
    page.goto(url, timeout=120_000)
    harness.wait_for_render(page, timeout_ms=120_000)
    harness.wait_for_canvases(page, count=1, timeout_ms=120_000)
    return context, page


def test_closed_tabs_lose_their_kernel_open_ones_keep_it(browser):
    manager = voila_settings(cull_idle_timeout=IDLE_TIMEOUT)["MappingKernelManager"]
    assert manager["cull_idle_timeout"] == IDLE_TIMEOUT and manager["cull_connected"] is False
    port = harness.free_port()
    argv = voila_argv(dashboard_notebook(), port=port, open_browser=False, cull_idle_timeout=IDLE_TIMEOUT)
    with tempfile.TemporaryDirectory(prefix="mlpw-cwd-") as cwd:
        with harness.VoilaServer([sys.executable, "-m", "voila", *argv], port, Path(cwd)) as server:
            closed_context, _ = _open(browser, server.url())
            (closed_kernel,) = server.kernel_pids()
            open_context, open_page = _open(browser, server.url())
            (open_kernel,) = set(server.kernel_pids()) - {closed_kernel}
            try:
                closed_at = time.monotonic()
                closed_context.close()
                try:
                    psutil.Process(closed_kernel).wait(MAX_WAIT)
                except psutil.TimeoutExpired:
                    pytest.fail(f"the closed page's kernel still runs {MAX_WAIT:.0f} s later:\n{server.log()[-2000:]}")
                except psutil.NoSuchProcess:
                    pass
                culled_after = time.monotonic() - closed_at
                print(
                    f"\nkernel of the closed tab ended {culled_after:.1f} s after closing (idle timeout {IDLE_TIMEOUT} s)"
                )
                assert "Culling kernel" in server.log() or "culled" in server.log().lower()

                time.sleep(2 * IDLE_TIMEOUT)  # the open page idles past the timeout too
                assert psutil.pid_exists(open_kernel) and open_kernel in server.kernel_pids()
                assert harness.step_repaints(open_page), "the open page stopped responding"
            finally:
                open_context.close()
