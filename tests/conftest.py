"""Shared test set-up: headless matplotlib (Agg) before anything imports pyplot.

Add fixtures for other widgets here; keep this file generic.
"""

from __future__ import annotations

import os

os.environ.setdefault("MPLBACKEND", "Agg")

import matplotlib  # noqa: E402

matplotlib.use("Agg", force=True)

import pytest  # noqa: E402


@pytest.fixture
def open_figure_count():
    """A function returning how many figures are open: pyplot's plus the plotting layer's own."""
    import matplotlib.pyplot as plt

    from mlp_widgets.plots import open_figures

    def count() -> tuple[int, int]:
        return len(plt.get_fignums()), open_figures()

    return count
