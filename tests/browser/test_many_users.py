"""Many users: ten dashboard pages opened at once on one ``mlp-widgets dashboard`` server.

Ten browser contexts (ten students) navigate at the same moment. Each page
must render fully (every output, every visible figure canvas painted), each
gets a kernel of its own (one per page, counted from the server's child
processes: Voilà answers ``/api/kernels`` with 403), a change in one page
leaves another page's figures alone, and the server still answers
afterwards. Load times and each kernel's resident memory are printed
(``pytest -s``); the figures are in ``docs/deploy.md``. The issue's target —
all ten rendered within 40 s on 2 cores — is reported, not asserted (timed
targets belong to benchmarks); the test allows 150 s.
"""

from __future__ import annotations

import statistics
import tempfile
import time
import urllib.error
import urllib.request
from pathlib import Path

import psutil
import pytest
import voila_harness as harness

pytestmark = pytest.mark.browser

N_PAGES = 10
TARGET_SECONDS = 40.0
LIMIT_SECONDS = 150.0

_PAINTED_JS = f"""(selector) => {{
  const rendered = ({harness._RENDERED_JS})();
  const states = ({harness._CANVAS_STATE_JS})(selector);
  return rendered && states.length > 0 && states.every(s => s[2] > 0);
}}"""


@pytest.fixture(scope="module")
def server():
    port = harness.free_port()
    with tempfile.TemporaryDirectory(prefix="mlpw-cwd-") as cwd:
        with harness.VoilaServer(harness.dashboard_command(port), port, Path(cwd)) as voila:
            yield voila


def _answers(server: harness.VoilaServer) -> bool:
    try:
        with urllib.request.urlopen(server.url("voila/static/voila.js"), timeout=10) as answer:
            return answer.status == 200
    except urllib.error.URLError:
        return False


def _why_not_rendered(page, index: int, artifacts: Path) -> str:
    """What a page that did not render shows: whether every output arrived, each visible canvas's
    state, the error outputs and the page's text; a screenshot goes to ``artifacts``."""
    page.screenshot(path=str(artifacts / f"many-users-page-{index}.png"), full_page=True)
    rendered = page.evaluate(harness._RENDERED_JS)
    states = harness.canvas_states(page)
    text = page.evaluate("document.body.innerText")[:600]
    return f"page {index}: outputs rendered {rendered}, canvases {states}, errors {harness.error_outputs(page)}, text {text!r}"


def test_ten_pages_at_once_each_with_its_own_kernel(server, browser, artifacts):
    contexts = [browser.new_context(viewport={"width": 1280, "height": 900}) for _ in range(N_PAGES)]
    try:
        pages = []
        for context in contexts:
            context.set_default_timeout(LIMIT_SECONDS * 1000)
            page = context.new_page()
            harness.block_external(page)
            pages.append(page)
        started = time.perf_counter()
        for page in pages:  # all ten requests go out before any page is waited for
            page.goto(server.url(), wait_until="commit", timeout=LIMIT_SECONDS * 1000)
        done: dict[int, float] = {}
        while len(done) < N_PAGES and time.perf_counter() - started < LIMIT_SECONDS:
            for i, page in enumerate(pages):
                if i not in done and page.evaluate(_PAINTED_JS, harness.FIGURE_CANVAS):
                    done[i] = time.perf_counter() - started
            time.sleep(0.1)
        loads = [done.get(i, float("inf")) for i in range(N_PAGES)]

        kernels = server.kernel_pids()
        rss = sorted(psutil.Process(pid).memory_info().rss / 2**20 for pid in kernels)
        print(
            f"\n{N_PAGES} dashboard pages at once: all rendered after {max(loads):.1f} s "
            f"(target {TARGET_SECONDS:.0f} s); first {min(loads):.1f} s, median {statistics.median(loads):.1f} s; "
            f"each: {', '.join(f'{t:.1f}' for t in sorted(loads))} s"
        )
        print(
            f"{len(kernels)} kernels, RSS per kernel: median {statistics.median(rss):.0f} MiB, "
            f"min {min(rss):.0f}, max {max(rss):.0f}, total {sum(rss):.0f} MiB; "
            f"server {psutil.Process(server.pid).memory_info().rss / 2**20:.0f} MiB"
        )
        assert len(done) == N_PAGES, (
            f"pages not rendered within {LIMIT_SECONDS:.0f} s: {set(range(N_PAGES)) - set(done)}; "
            + "; ".join(_why_not_rendered(pages[i], i, artifacts) for i in range(N_PAGES) if i not in done)
        )
        assert len(kernels) == N_PAGES and len(set(kernels)) == N_PAGES

        for page in pages:  # every visible canvas of every page painted, no error output
            states = harness.canvas_states(page)
            assert states and all(s[2] > 0 for s in states)
            assert harness.error_outputs(page) == []

        # one student's change stays in their page
        other_before = harness.canvas_states(pages[1])
        assert harness.step_repaints(pages[0]), "Step on page 1 repainted no figure"
        time.sleep(1.0)
        assert harness.canvas_states(pages[1]) == other_before

        assert _answers(server), "the server stopped answering"
        assert harness.step_repaints(pages[N_PAGES - 1]), "the last page no longer responds"
    finally:
        for context in contexts:
            context.close()
