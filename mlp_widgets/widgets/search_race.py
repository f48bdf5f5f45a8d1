"""The race: random search and gradient descent on the same target with the same budget of forward passes.

:func:`race` runs the strategies of :class:`~mlp_widgets.core.search.RandomSearch`
from the same starting network and seed until each has evaluated ``budget``
networks, and returns their best-loss curves against forward passes.
:class:`RacePanel` shows them overlaid, run by a button.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import ipywidgets as W

from ..core import RACERS, STRATEGY_LABELS, RaceCurve, race
from ..core._validate import check_int
from ..core.limits import MAX_RACE_BUDGET as MAX_BUDGET
from ..plots import LineView
from ..plots.style import LINE_COLORS, FrameStyle
from ._base import WidgetBase

#: colour of each racer's curve
RACER_COLORS: dict[str, str] = {"keep-best": LINE_COLORS[0], "perturb": LINE_COLORS[2], "gradient": LINE_COLORS[1]}


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
            label, color = STRATEGY_LABELS[strategy], RACER_COLORS[strategy]
            self.view.set_line(strategy, curve.forward_passes, curve.best_loss, label=label, color=color, redraw=False)
        self.view.set_hline("epsilon", settings.get("epsilon"), color="0.3")
        self.view.set_limits()
        rows = "".join(
            f"<tr><td>{STRATEGY_LABELS[s]}</td><td style='text-align:right'>{c.final:.3e}</td>"
            f"<td style='text-align:right'>{c.seconds:.2f} s</td></tr>"
            for s, c in curves.items()
        )
        self.summary.value = (
            f"<table class='mlpw-table'><tr><th>racer</th><th>best loss after {budget} passes</th>"
            f"<th>time</th></tr>{rows}</table>"
        )
        self.clear_status()
        return curves
