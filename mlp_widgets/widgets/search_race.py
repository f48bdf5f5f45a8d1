"""The race: random search and gradient descent on the same target with the same budget of forward passes.

:func:`race` runs the strategies of :class:`~mlp_widgets.core.search.RandomSearch`
from the same starting network and seed until each has evaluated ``budget``
networks, and returns their best-loss curves against forward passes.
:class:`RacePanel` shows them overlaid, run by a button.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import ipywidgets as W
import numpy as np

from ..core import Dataset, Net, RandomSearch
from ..core._validate import check_int
from ..core.units import one_thread
from ..plots import LineView
from ..plots.style import LINE_COLORS, FrameStyle
from ._base import WidgetBase

#: largest budget of forward passes the panel accepts
MAX_BUDGET = 100_000
#: strategies raced, with their labels and colours
RACERS: dict[str, tuple[str, str]] = {
    "keep-best": ("random search (keep-best)", LINE_COLORS[0]),
    "perturb": ("perturb (hill climbing)", LINE_COLORS[2]),
    "gradient": ("gradient descent (Adam)", LINE_COLORS[1]),
}
#: an ε no loss reaches, so every racer spends its whole budget
_NEVER = 1e-300


@dataclass(frozen=True)
class RaceCurve:
    """One racer's result.

    Attributes
    ----------
    strategy : str
        The :class:`RandomSearch` strategy.
    forward_passes : ndarray
        Networks evaluated after each step.
    best_loss : ndarray
        Best loss after each step.
    seconds : float
        Wall time of the run.
    """

    strategy: str
    forward_passes: np.ndarray
    best_loss: np.ndarray
    seconds: float

    @property
    def final(self) -> float:
        """Best loss at the end of the budget."""
        return float(self.best_loss[-1]) if self.best_loss.size else float("nan")


def race(
    budget: int = 2000,
    net: Net | None = None,
    dataset: Dataset | None = None,
    *,
    strategies: tuple[str, ...] = tuple(RACERS),
    batch_size: int = 32,
    seed: int = 0,
    **search_kwargs: Any,
) -> dict[str, RaceCurve]:
    """Run each strategy until it has evaluated ``budget`` networks; return its best-loss curve.

    Parameters
    ----------
    budget : int
        Forward passes per racer (1 to :data:`MAX_BUDGET`). A gradient step
        counts as one, though its backward pass costs about two more.
    net, dataset :
        Starting network and target (see :class:`RandomSearch`).
    strategies : tuple of str
        Strategies of :data:`~mlp_widgets.core.search.STRATEGIES` to race.
    batch_size : int
        Candidates per step of the search strategies (evaluated together, so
        the race is quick; the budget counts every one). Gradient uses 1.
    seed : int
        Seed of every racer.
    **search_kwargs :
        Further :class:`RandomSearch` settings (``weight_range``, ``sigma``, ``lr`` …).

    Raises
    ------
    ValueError
        For a bad budget or setting (from :class:`RandomSearch`).
    """
    budget = check_int("race budget (forward passes)", budget, 1, MAX_BUDGET)
    search_kwargs = {k: v for k, v in search_kwargs.items() if k not in ("epsilon", "max_iters", "strategy")}
    curves = {}
    for strategy in strategies:
        batch = 1 if strategy == "gradient" else max(1, min(batch_size, budget))
        engine = RandomSearch(
            net, dataset, strategy=strategy, epsilon=_NEVER, max_iters=-(-budget // batch),
            batch_size=batch, seed=seed, **search_kwargs,
        )  # fmt: skip
        t0 = time.perf_counter()
        with one_thread():
            records = engine.run()
        seconds = time.perf_counter() - t0
        passes = np.array([r.forward_passes for r in records], dtype=float)
        best = np.array([r.best_loss for r in records], dtype=float)
        curves[strategy] = RaceCurve(strategy, passes, best, seconds)
    return curves


class RacePanel(WidgetBase):
    """A budget box, a "race" button and the racers' best-loss curves overlaid (log scale).

    Parameters
    ----------
    settings : callable
        Returns the current ``RandomSearch`` keyword arguments (``net``,
        ``dataset``, ``seed``, ranges …) when the race starts.
    budget : int
        Starting budget of forward passes.
    style, backend :
        See :class:`~mlp_widgets.plots.figure.FigureView`.
    """

    def __init__(
        self,
        settings: Callable[[], dict[str, Any]],
        budget: int = 1000,
        *,
        style: str | FrameStyle | None = None,
        backend: str = "auto",
    ) -> None:
        super().__init__()
        self._settings = settings
        self.curves: dict[str, RaceCurve] = {}
        self.budget_box = W.BoundedIntText(
            value=check_int("race budget (forward passes)", budget, 1, MAX_BUDGET), min=1, max=MAX_BUDGET,
            description="budget", tooltip="forward passes per racer", layout=W.Layout(width="190px"),
        )  # fmt: skip
        self.run_button = W.Button(description="race", icon="flag-checkered", tooltip="Run every racer")
        self.progress = W.IntProgress(value=0, min=0, max=len(RACERS), layout=W.Layout(width="120px"))
        self.summary = W.HTML()
        self.view = LineView(
            title="same budget of forward passes", xlabel="forward passes", ylabel="best loss",
            yscale="log", style=style, backend=backend,
        )  # fmt: skip
        self.on_click(self.run_button, self.run)
        self.children = (
            W.HBox([self.budget_box, self.run_button, self.progress]),
            self.status,
            self.summary,
            self.embed(self.view),
        )

    def run(self) -> dict[str, RaceCurve]:
        """Race every strategy of :data:`RACERS` with the current settings and budget; show the curves."""
        budget = check_int("race budget (forward passes)", self.budget_box.value, 1, MAX_BUDGET)
        settings = self._settings()
        self.run_button.disabled = True
        self.progress.value = 0
        try:
            curves = {}
            for strategy in RACERS:
                curves.update(race(budget, strategies=(strategy,), **settings))
                self.progress.value += 1
        finally:
            self.run_button.disabled = False
        self.curves = curves
        for strategy, curve in curves.items():
            label, color = RACERS[strategy]
            self.view.set_line(strategy, curve.forward_passes, curve.best_loss, label=label, color=color, redraw=False)
        self.view.set_hline("epsilon", settings.get("epsilon"), color="0.3")
        self.view.set_limits()
        rows = "".join(
            f"<tr><td>{RACERS[s][0]}</td><td style='text-align:right'>{c.final:.3e}</td>"
            f"<td style='text-align:right'>{c.seconds:.2f} s</td></tr>"
            for s, c in curves.items()
        )
        self.summary.value = (
            f"<table class='mlpw-table'><tr><th>racer</th><th>best loss after {budget} passes</th>"
            f"<th>time</th></tr>{rows}</table>"
        )
        self.clear_status()
        return curves
