"""Shared test set-up: headless matplotlib (Agg) before anything imports pyplot.

Add fixtures for other widgets here; keep this file generic.
"""

from __future__ import annotations

import os

os.environ.setdefault("MPLBACKEND", "Agg")

import matplotlib  # noqa: E402

matplotlib.use("Agg", force=True)

import pytest  # noqa: E402


@pytest.fixture(scope="module")
def built_dashboard():
    """One dashboard with every tab built (Agg canvases), shared by a module's tests and closed after them.

    Module-scoped so that hypothesis examples share it (building one takes seconds); a module that uses it
    must not change what its other tests read.
    """
    from mlp_widgets.widgets.dashboard import Dashboard

    dash = Dashboard(lazy=False, backend="agg")
    yield dash
    dash.close()


@pytest.fixture
def open_figure_count():
    """A function returning how many figures are open: pyplot's plus the plotting layer's own."""
    import matplotlib.pyplot as plt

    from mlp_widgets.plots import open_figures

    def count() -> tuple[int, int]:
        return len(plt.get_fignums()), open_figures()

    return count


def pytest_collection_modifyitems(config, items):
    """Run the browser tests (tests/browser/) last.

    Playwright's sync API keeps an asyncio loop marked as running in the main
    thread while its session-scoped browser is open; widgets that schedule work
    on a running loop (throttled redraws, Play) would then wait for a loop that
    never turns. Running the headless tests first, and the browser last, also
    reports the fast failures first.
    """
    items.sort(key=lambda item: "browser" in item.path.relative_to(config.rootpath).parts[:2])
