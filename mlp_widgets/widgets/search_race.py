"""The race panel: random search and gradient descent with one budget of forward passes, overlaid.

The race itself is :class:`mlp_widgets.core.Race`. In a kernel the panel runs
it in time slices on the event loop, so the curves grow while it runs, the
page stays responsive and **stop** ends it between two slices; without a loop
(scripts, tests) it runs to the end at once.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from typing import Any

import ipywidgets as W

from ..core import RACERS, STRATEGY_LABELS, Race, RaceCurve
from ..core._validate import check_int
from ..core.limits import MAX_RACE_BUDGET as MAX_BUDGET
from ..plots import LineView
from ..plots.style import LINE_COLORS, FrameStyle
from ._base import WidgetBase, flow

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

    Attributes
    ----------
    curves : dict of str to RaceCurve
        The last race's curves (of the part run so far, while it runs).
    slice_time : float
        Seconds of racing between two draws while it runs on the event loop.
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
        self.slice_time = 0.05
        self._race: Race | None = None
        self._task: asyncio.Task | None = None
        self._epsilon: float | None = None
        self.budget_box = W.BoundedIntText(
            value=check_int("race budget (forward passes)", budget, 1, MAX_BUDGET), min=1, max=MAX_BUDGET,
            description="budget", tooltip="Forward passes (networks evaluated) per racer",
            layout=W.Layout(width="210px"),
        )  # fmt: skip
        self.bind(
            self.budget_box, lambda v: None, lambda v: check_int("race budget (forward passes)", v, 1, MAX_BUDGET)
        )
        self.run_button = W.Button(
            description="race", icon="flag-checkered", tooltip="Run every racer with this budget",
            layout=W.Layout(width="110px"),
        )  # fmt: skip
        self.stop_button = W.Button(
            description="stop", icon="stop", tooltip="Stop the race (the curves so far stay)",
            layout=W.Layout(width="90px"), disabled=True,
        )  # fmt: skip
        self.progress = W.FloatProgress(value=0.0, min=0.0, max=1.0, layout=W.Layout(width="160px"))
        self.summary = W.HTML()
        self.view = LineView(
            title="same budget of forward passes", xlabel="forward passes", ylabel="best loss",
            yscale="log", style=style, backend=backend,
        )  # fmt: skip
        self.on_click(self.run_button, self.run)
        self.on_click(self.stop_button, self.stop)
        self.children = (
            flow(self.budget_box, self.run_button, self.stop_button, self.progress),
            self.status,
            self.summary,
            self.embed(self.view),
        )

    @property
    def running(self) -> bool:
        """Whether a race is under way on the event loop."""
        return self._task is not None and not self._task.done()

    def run(self) -> dict[str, RaceCurve]:
        """Race every strategy of :data:`~mlp_widgets.core.RACERS` with the current settings and budget.

        In a kernel the race runs in slices on the event loop and this returns
        at once (the curves so far); elsewhere it runs to the end first.

        Raises
        ------
        ValueError
            For a bad budget or setting (nothing runs then).
        """
        if self.running:
            raise ValueError("A race is already running: stop it first.")
        budget = check_int("race budget (forward passes)", self.budget_box.value, 1, MAX_BUDGET)
        settings = dict(self._settings())
        self._epsilon = settings.pop("epsilon", None)
        self._race = Race(budget, strategies=RACERS, **settings)
        self.progress.value = 0.0
        self.clear_status()
        try:
            loop = asyncio.get_running_loop()
        except RuntimeError:
            loop = None
        if loop is None:
            while not self._race.advance(3600.0):
                pass
            self._show(final=True)
            return self.curves
        self.run_button.disabled, self.stop_button.disabled = True, False
        self._task = loop.create_task(self._run_slices())
        return self.curves

    async def _run_slices(self) -> None:
        race = self._race
        try:
            while race is self._race and not race.done:
                started = time.perf_counter()
                if self.guard(race.advance)(self.slice_time) is None:
                    break  # the error is on the status line
                self._show(final=race.done)
                rest = self.slice_time - (time.perf_counter() - started)
                await asyncio.sleep(max(rest, 0.001))  # let widget messages (stop) in
        finally:
            self._task = None
            self.run_button.disabled, self.stop_button.disabled = False, True

    def stop(self) -> None:
        """Stop a running race between two slices; the curves so far stay."""
        if not self.running or self._race is None:
            return
        race, self._race = self._race, None
        self.show_info(f"Race stopped at {100 * race.progress:.0f} % of the budget; the curves so far stay.")

    def _show(self, final: bool) -> None:
        race = self._race
        if race is None:
            return
        self.curves = race.curves()
        self.progress.value = race.progress
        for strategy, curve in self.curves.items():
            label, color = STRATEGY_LABELS[strategy], RACER_COLORS[strategy]
            self.view.set_line(strategy, curve.forward_passes, curve.best_loss, label=label, color=color, redraw=False)
        self.view.set_hline("epsilon", self._epsilon, color="0.3", label="ε", redraw=False)
        self.view.set_limits()
        split = any(c.test_loss.size for c in self.curves.values())
        decay = race.engines["gradient"].l2 if "gradient" in race.engines else 0.0

        def row(s: str, c: object) -> str:
            label = STRATEGY_LABELS[s] + (f" (weight decay λ = {decay:g})" if s == "gradient" and decay > 0 else "")
            test = f"<td style='text-align:right'>{c.final_test:.3e}</td>" if split else ""
            return (
                f"<tr><td>{label}</td><td style='text-align:right'>{c.final:.3e}</td>{test}"
                f"<td style='text-align:right'>{c.seconds:.2f} s</td></tr>"
            )

        rows = "".join(row(s, c) for s, c in self.curves.items() if c.best_loss.size)
        what = "train loss" if split else "loss"
        head = f"best {what} after {race.budget} passes" if final else f"best {what} so far"
        test_head = "<th>its test loss</th>" if split else ""
        note = "<small>Losses without the L2 penalty, so the racers compare.</small>" if decay > 0 else ""
        self.summary.value = (
            f"<table class='mlpw-table'><tr><th>racer</th><th>{head}</th>{test_head}<th>time</th></tr>{rows}</table>"
            + note
        )

    def close(self) -> None:
        """Stop a running race and close the figure."""
        self._race = None
        if self._task is not None:
            self._task.cancel()
        super().close()
