"""RandomSearchStepper: the lab's training loop (Section 4) one step at a time, played live, raced and judged.

The search's settings are a :class:`~mlp_widgets.config.specs.StepperSettings`;
every settings control shows a field of it, and :meth:`RandomSearchStepper.configure`
is the one setter. One rule for every setting: changing it starts the search
again from iteration 0 (the page says so under the controls).

Play keeps the page responsive: it steps in time slices of about one frame
(:attr:`RandomSearchStepper.frame_time`, 50 ms) on the kernel's asyncio loop
and draws once per slice, so the figures are redrawn at most about 20 times
a second, the engine runs flat out in between, and a Pause (a widget message
handled between two slices) takes effect within one frame. Without a running
loop (scripts, tests) :meth:`~RandomSearchStepper.play_ticks` runs the same
slices synchronously.
"""

from __future__ import annotations

import asyncio
import math
import time
from dataclasses import replace
from typing import Any

import ipywidgets as W
import numpy as np
import traitlets

from ..config.specs import StepperSettings
from ..core import STRATEGY_LABELS, Dataset, Net, baselines, lab2_dataset, lab_net, one_thread
from ..core._validate import check_int
from ..plots import LineView, SurfaceView
from ..plots.style import LINE_COLORS, FrameStyle
from ._base import Throttle, WidgetBase
from .search_histogram import HistogramPanel
from .search_race import RacePanel

#: Play speeds: label -> steps per frame (0: as many as fit in a frame)
SPEEDS: dict[str, int] = {"fastest": 0, "1 step / frame": 1, "10 steps / frame": 10, "100 steps / frame": 100}
#: most points drawn per loss curve (longer histories are thinned evenly)
MAX_CURVE_POINTS = 4000


def thin(n: int, max_points: int = MAX_CURVE_POINTS) -> np.ndarray | slice:
    """Indices of at most ``max_points`` of ``n`` points, evenly spread, first and last included."""
    if n <= max_points:
        return slice(0, n)
    return np.unique(np.linspace(0, n - 1, max_points).round().astype(int))


class _Trace:
    """Candidate and best losses per iteration in growing numpy arrays (cheap to append and to plot)."""

    def __init__(self) -> None:
        self.candidate = np.empty(1024)
        self.best = np.empty(1024)
        self.n = 0

    def extend(self, records: list) -> None:
        need = self.n + len(records)
        if need > self.candidate.size:
            size = max(need, 2 * self.candidate.size)
            self.candidate = np.resize(self.candidate, size)
            self.best = np.resize(self.best, size)
        for i, record in enumerate(records, start=self.n):
            self.candidate[i] = record.candidate_loss
            self.best[i] = record.best_loss
        self.n = need


class RandomSearchStepper(WidgetBase):
    """Step, play, race and judge the random search of Lab 2, Section 4.

    Parameters
    ----------
    net : Net, optional
        Starting network (its architecture is what the search draws); the
        lab's 2 → 25 → 1 ReLU network by default.
    dataset : Dataset, optional
        Target to fit (:func:`~mlp_widgets.core.lab2_dataset` by default).
    style : str or FrameStyle, optional
        Frame style of the figures.
    backend : str
        Canvas kind (``"auto"``, ``"agg"``, ``"ipympl"``).
    **settings :
        Starting values of :class:`StepperSettings` (``strategy``,
        ``epsilon``, ``max_iters``, ``weight_range``, ``bias_range``,
        ``sigma``, ``adapt_sigma``, ``lr``, ``batch_size``, ``seed``).

    Attributes
    ----------
    net, dataset : traits
        Inputs: setting either starts a new search.
    best_net : trait
        Output (read-only): the best network found so far, ``None`` before the first step
        (published at most once per frame while playing).
    settings : StepperSettings
        The settings the controls show (change them with :meth:`configure`).
    engine : RandomSearch
        The search shown.
    frame_time : float
        Seconds per Play frame: the engine steps this long between two draws.
    surface_interval : float
        While playing, the prediction surface, ``best_net`` and the histogram's
        best marker follow an improved best at most this often (seconds); the
        loss curve and the readout follow every frame.
    """

    net = traitlets.Instance(Net, allow_none=True)
    dataset = traitlets.Instance(Dataset)
    best_net = traitlets.Instance(Net, allow_none=True, read_only=True)

    def __init__(
        self,
        net: Net | None = None,
        dataset: Dataset | None = None,
        *,
        style: str | FrameStyle | None = None,
        backend: str = "auto",
        **settings: Any,
    ) -> None:
        super().__init__()
        self.settings = StepperSettings(**settings).checked()
        self.frame_time = 0.05
        self.surface_interval = 0.25
        self._last_surface = -math.inf
        self.steps_per_frame = 0
        self._task: asyncio.Task | None = None
        self._closed = False
        self._animate = True
        self._style, self._backend = style, backend
        self.net = net
        self.dataset = dataset if dataset is not None else lab2_dataset()
        self._start_net = net if net is not None else lab_net()
        self.engine = self.settings.engine(self._start_net, self.dataset)
        self._draw_soon = Throttle(self.redraw, self.frame_time)
        self._build_controls()
        self._build_views()
        self.baselines = baselines(self.dataset.ground_truth, self.engine.loss)
        self._restart()
        self.observe(self.guard(self._on_net), names="net")
        self.observe(self.guard(self._on_dataset), names="dataset")
        self.add_class("mlpw-random-search")

    # -- controls -------------------------------------------------------------------------------
    def _build_controls(self) -> None:
        def small() -> W.Layout:  # one Layout per control: hiding one must not hide the others
            return W.Layout(width="210px")

        wide = {"description_width": "initial"}
        self.strategy_dropdown = W.Dropdown(
            options=[(label, key) for key, label in STRATEGY_LABELS.items()], description="strategy",
            layout=W.Layout(width="300px"), tooltip="How each iteration looks for a better network",
        )  # fmt: skip
        self.epsilon_box = W.FloatText(
            description="ε", layout=small(), tooltip="Stop once the best loss is at most ε (the lab's threshold: 1e-5)"
        )
        self.max_iters_box = W.IntText(
            description="max iterations", layout=small(), style=wide, tooltip="Stop after this many iterations"
        )
        self.weight_box = W.FloatText(
            description="weights ±", layout=small(), style=wide, tooltip="Weights are drawn uniformly from ±this"
        )
        self.bias_box = W.FloatText(
            description="biases ±", layout=small(), style=wide, tooltip="Biases are drawn uniformly from ±this"
        )
        self.sigma_box = W.FloatText(
            description="noise σ", layout=small(), style=wide, tooltip="Size of the random nudge of the perturb strategy"
        )
        self.adapt_box = W.Checkbox(
            description="1/5th rule", indent=False, tooltip="Grow σ after a success, shrink it after a failure"
        )
        self.lr_box = W.FloatText(
            description="learning rate", layout=small(), style=wide, tooltip="Step size of gradient descent (Adam)"
        )
        self.candidates_box = W.IntText(
            description="candidates per step", layout=W.Layout(width="230px"), style=wide,
            tooltip="Random networks tried in each iteration; the best of them is kept",
        )  # fmt: skip
        self.seed_box = W.IntText(description="seed", layout=small(), tooltip="The same seed draws the same networks")
        for box, name in (
            (self.strategy_dropdown, "strategy"), (self.epsilon_box, "epsilon"), (self.max_iters_box, "max_iters"),
            (self.weight_box, "weight_range"), (self.bias_box, "bias_range"), (self.sigma_box, "sigma"),
            (self.adapt_box, "adapt_sigma"), (self.lr_box, "lr"), (self.candidates_box, "candidates"),
            (self.seed_box, "seed"),
        ):  # fmt: skip
            self.bind(
                box, lambda value, name=name: self.configure(**{name: value}),
                shown=lambda name=name: getattr(self.settings, name),
            )  # fmt: skip
        self.render_controls()
        self.step_button = W.Button(
            description="step", icon="step-forward", tooltip="One iteration", layout=W.Layout(width="90px")
        )
        self.play = W.Play(
            value=0, min=0, max=1, step=0, interval=250, show_repeat=False, description="play",
            tooltip="Play / pause: step as fast as the engine goes, drawing about 20 times a second",
        )  # fmt: skip
        self.run_button = W.Button(
            description="run to the end", icon="fast-forward", tooltip="Step until ε or max iterations is reached",
            layout=W.Layout(width="150px"),
        )  # fmt: skip
        self.reset_button = W.Button(
            description="reset", icon="refresh", tooltip="Back to iteration 0", layout=W.Layout(width="90px")
        )
        self.speed_dropdown = W.Dropdown(
            options=list(SPEEDS.items()), value=0, description="speed", layout=W.Layout(width="230px"),
            tooltip="Iterations per drawn frame while playing",
        )  # fmt: skip
        self.on_click(self.step_button, self.step)
        self.on_click(self.run_button, self.run_to_end)
        self.on_click(self.reset_button, self.reset)
        self.on_change(self.play, self._on_playing, names="playing")
        self.bind(self.speed_dropdown, self._set_speed, shown=lambda: self.steps_per_frame)
        self.rule_note = W.HTML("<small>Changing any setting starts the search again from iteration 0.</small>")
        self.controls = W.VBox(
            [
                W.HBox([self.strategy_dropdown, self.seed_box, self.candidates_box]),
                W.HBox([self.epsilon_box, self.max_iters_box, self.weight_box, self.bias_box]),
                W.HBox([self.sigma_box, self.adapt_box, self.lr_box]),
                self.rule_note,
                W.HBox([self.step_button, self.play, self.run_button, self.reset_button, self.speed_dropdown]),
            ]
        )
        self._show_strategy_controls()

    def _show_strategy_controls(self) -> None:
        strategy = self.settings.strategy
        self.sigma_box.layout.display = self.adapt_box.layout.display = "" if strategy == "perturb" else "none"
        self.lr_box.layout.display = "" if strategy == "gradient" else "none"
        self.candidates_box.disabled = strategy == "gradient"
        self.candidates_box.tooltip = (
            "Gradient descent takes one step per iteration"
            if strategy == "gradient"
            else "Random networks tried in each iteration; the best of them is kept"
        )

    def _set_speed(self, steps: int) -> None:
        self.steps_per_frame = check_int("Steps per frame", steps, 0, 10**6)

    # -- views ----------------------------------------------------------------------------------
    def _build_views(self) -> None:
        self.progress = W.IntProgress(value=0, min=0, max=self.settings.max_iters, layout=W.Layout(width="240px"))
        self.readout = W.HTML()
        self.readout.add_class("mlpw-loss-readout")
        self.stop_label = W.HTML()
        self.baseline_note = W.HTML()
        kw = {"style": self._style, "backend": self._backend}
        self._xmax = min(self.settings.max_iters, 50)
        self.curve_view = LineView(
            title="loss per iteration", xlabel="iteration", ylabel="loss", yscale="log",
            xlim=(0, self._xmax * 1.02), **kw,
        )  # fmt: skip
        ds = self.dataset
        self.target_view = SurfaceView(ds.x_nodes, ds.y_nodes, ds.ground_truth, title="target", zlabel="y", **kw)
        self.prediction_view = SurfaceView(
            ds.x_nodes, ds.y_nodes, self.engine.predict(), title="best network's prediction", zlabel="ŷ", **kw
        )
        self.race_panel = RacePanel(self._race_settings, **kw)
        self.histogram_panel = HistogramPanel(self._histogram_settings, **kw)
        self.tabs = W.Tab(
            children=[
                self.embed(self.curve_view),
                W.HBox([self.embed(self.target_view), self.embed(self.prediction_view)]),
                self.race_panel,
                self.histogram_panel,
            ]
        )
        self.tabs.titles = ("loss curve", "best network vs target", "race vs gradient", "random networks")
        self.children = (
            self.controls,
            self.status,
            W.HBox([self.progress, self.readout]),
            self.stop_label,
            self.baseline_note,
            self.tabs,
        )

    def _race_settings(self) -> dict[str, Any]:
        s = self.settings
        return {
            "net": self._start_net, "dataset": self.dataset, "seed": s.seed, "weight_range": s.weight_range,
            "bias_range": s.bias_range, "sigma": s.sigma, "lr": s.lr, "epsilon": s.epsilon,
        }  # fmt: skip

    def _histogram_settings(self) -> dict[str, Any]:
        s = self.settings
        return {
            "net": self._start_net, "dataset": self.dataset, "weight_range": s.weight_range,
            "bias_range": s.bias_range, "seed": s.seed,
        }  # fmt: skip

    # -- configuration --------------------------------------------------------------------------
    def configure(self, **changes: Any) -> None:
        """Change settings (see :class:`StepperSettings`) and start the search again from iteration 0.

        The one setter of the search's settings: the controls follow.

        Raises
        ------
        ValueError
            For an invalid value; the previous settings and search are kept.
        """
        settings = replace(self.settings, **changes).checked()
        engine = settings.engine(self._start_net, self.dataset)
        self.pause()
        self.settings, self.engine = settings, engine
        self.render_controls()
        self._show_strategy_controls()
        self._restart()

    def _on_net(self, change: dict) -> None:
        net = change["new"] if change["new"] is not None else lab_net()
        try:
            engine = self.settings.engine(net, self.dataset)
        except ValueError as exc:
            raise ValueError(f"{exc} The search keeps its previous network.") from None
        self.pause()
        self._start_net, self.engine = net, engine
        self._restart()
        self.clear_status()  # a refusal of an earlier network no longer holds

    def _on_dataset(self, change: dict) -> None:
        try:
            engine = self.settings.engine(self._start_net, change["new"])
        except ValueError as exc:
            raise ValueError(f"{exc} The search keeps its previous target.") from None
        self.pause()
        self.engine = engine
        self._new_dataset()
        self._restart()
        self.clear_status()

    def _new_dataset(self) -> None:
        ds = self.dataset
        self.target_view.set_grid(ds.x_nodes, ds.y_nodes, ds.ground_truth)
        self.prediction_view.set_grid(ds.x_nodes, ds.y_nodes, self.engine.predict())
        self.baselines = baselines(ds.ground_truth, self.engine.loss)

    # -- actions --------------------------------------------------------------------------------
    def step(self) -> None:
        """One iteration (nothing but a note once the search has stopped)."""
        with one_thread():
            record = self.engine.step()
        if record is None:
            self.show_info(f"The search has stopped ({self.engine.stop_reason}); press reset or change a setting.")
        self._draw_soon()

    def run_to_end(self) -> None:
        """Step until a stop criterion holds.

        In a kernel this runs in time slices on the event loop (the readout
        follows, Pause stops it, the figures are drawn at the end); without a
        running loop it runs here and now.
        """
        if self.engine.stopped:
            self.step()
            return
        if _running_loop() is None:
            with one_thread():
                self.engine.run()
            self.redraw()
            return
        self._animate = False
        self.play.playing = True

    def reset(self) -> None:
        """Pause, and start the search again from iteration 0 (same settings, same seed)."""
        self.pause()
        self.engine.reset()
        self._restart()
        self.show_info("Reset: iteration 0, the starting network.")

    def pause(self) -> None:
        """Stop Play (the running slice finishes, then nothing more is stepped)."""
        if self.play.playing:
            self.play.playing = False

    def _restart(self) -> None:
        self._trace = _Trace()
        self._shown_best: float | None = None
        self.set_trait("best_net", None)
        self.progress.max = self.settings.max_iters
        self.curve_view.set_line("candidate", [], [], label="candidate", color=LINE_COLORS[0], redraw=False)
        self.curve_view.set_line("best", [], [], label="best so far", color=LINE_COLORS[1], redraw=False)
        self.curve_view.set_hline("epsilon", self.settings.epsilon, color="0.2", label="ε", redraw=False)
        self.curve_view.set_hline("zero", self.baselines["zero"], color=LINE_COLORS[4], linestyle="-.", redraw=False)
        self.curve_view.set_hline("mean", self.baselines["mean"], color=LINE_COLORS[2], linestyle="-.", redraw=False)
        self.histogram_panel.mark(self.settings.epsilon, self.baselines["zero"], None)
        self._write_baselines()
        self.redraw()

    # -- play -----------------------------------------------------------------------------------
    def _on_playing(self, playing: bool) -> None:
        if not playing:
            if self._task is None:  # driven by play_ticks: show what the frames skipped
                self.redraw()
            return  # a running loop sees it before its next slice
        if self.engine.stopped:
            self.play.playing = False
            self.show_info(f"The search has stopped ({self.engine.stop_reason}); press reset or change a setting.")
            return
        loop = _running_loop()
        if loop is not None and (self._task is None or self._task.done()):
            self._task = loop.create_task(self._play_loop())

    async def _play_loop(self) -> None:
        try:
            while self.play.playing and not self.engine.stopped:
                started = time.perf_counter()
                if self.guard(self.play_tick)() is None:
                    break  # the error is on the status line
                paced = self._animate and self.steps_per_frame > 0
                rest = self.frame_time - (time.perf_counter() - started) if paced else 0.0
                await asyncio.sleep(max(rest, 0.001))  # let widget messages (Pause) in
        finally:
            self._task = None
            self._animate = True
            if not self._closed:
                self.pause()
                self.redraw()

    def play_tick(self) -> int:
        """One Play frame: step for up to :attr:`frame_time` (or :attr:`steps_per_frame` steps), then draw.

        Returns
        -------
        int
            Steps taken.
        """
        engine, n = self.engine, 0
        limit = self.steps_per_frame if self._animate and self.steps_per_frame > 0 else math.inf
        deadline = time.perf_counter() + self.frame_time
        with one_thread():
            while n < limit and engine.step() is not None:
                n += 1
                if time.perf_counter() >= deadline:
                    break
        if self._animate:
            self.redraw(force=engine.stopped)
        else:
            self._sync_trace()
            self._write_readout()
        if engine.stopped:
            self.pause()
        return n

    def play_ticks(self, n: int) -> int:
        """Run ``n`` Play frames now (the synchronous path of Play, for scripts and tests); return steps taken."""
        steps = 0
        for _ in range(check_int("number of ticks", n, 0)):
            if self.engine.stopped:
                break
            steps += self.play_tick()
        return steps

    # -- drawing --------------------------------------------------------------------------------
    def _sync_trace(self) -> None:
        history = self.engine.history
        if len(history) > self._trace.n:
            self._trace.extend(history[self._trace.n :])

    def redraw(self, force: bool = True) -> None:
        """Show the engine's state: readout, progress, loss curve; surface, best_net and histogram if it improved.

        Parameters
        ----------
        force : bool
            Update the surface, ``best_net`` and the histogram marker now if
            the best improved; otherwise (Play frames) at most every
            :attr:`surface_interval` seconds.
        """
        self._sync_trace()
        self._write_readout()
        tr = self._trace
        idx = thin(tr.n)
        x = np.arange(1, tr.n + 1, dtype=float)[idx]
        self._fit_xlim(tr.n)
        self.curve_view.set_line("candidate", x, tr.candidate[: tr.n][idx], redraw=False)
        self.curve_view.set_line("best", x, tr.best[: tr.n][idx])
        best, now = self.engine.best_loss, time.perf_counter()
        if best != self._shown_best and (force or now - self._last_surface >= self.surface_interval):
            self._shown_best, self._last_surface = best, now
            self.prediction_view.update(self.engine.predict(best=True))
            self.set_trait("best_net", self.engine.best_net() if self.engine.iteration else None)
            self.histogram_panel.mark_best(best if self.engine.iteration else None)

    def _fit_xlim(self, n: int) -> None:
        """Fix the curve's x-range to 50·2^k iterations (capped at max iterations): it changes log₂ times, not every frame."""
        top = self.settings.max_iters
        want = min(top, 50 * 2 ** max(0, math.ceil(math.log2(max(n, 1) / 50))))
        if want != self._xmax:
            self._xmax = want
            self.curve_view.set_limits(xlim=(0, want * 1.02))

    def _write_readout(self) -> None:
        e, s = self.engine, self.settings
        self.progress.value = min(e.iteration, self.progress.max)
        cand = f"{e.history[-1].candidate_loss:.4e}" if e.history else "—"
        note = "" if e.iteration else " (starting network)"
        self.readout.value = (
            f"iteration <b>{e.iteration}</b> / {s.max_iters} · candidate loss <b>{cand}</b> · "
            f"best loss <b>{e.best_loss:.4e}</b>{note}"
        )
        if e.stop_reason is None:
            self.stop_label.value = ""
        elif e.stop_reason == "threshold met":
            self.stop_label.value = (
                f"Stopped: <b>threshold met</b> — best loss {e.best_loss:.3e} ≤ ε = {s.epsilon:.3g} "
                f"after {e.iteration} iterations."
            )
        else:
            self.stop_label.value = (
                f"Stopped: <b>max iterations</b> ({s.max_iters}) reached — best loss {e.best_loss:.3e} "
                f"is still above ε = {s.epsilon:.3g}."
            )

    def _write_baselines(self) -> None:
        zero, mean, eps = self.baselines["zero"], self.baselines["mean"], self.settings.epsilon
        text = (
            f"Baselines on this target: predicting <b>zero</b> everywhere gives loss {zero:.3e}, "
            f"predicting the <b>mean</b> {mean:.3e}. "
        )
        if eps >= zero:
            text += (
                f"ε = {eps:.3g} is <b>above</b> predicting zero's loss: a network that outputs 0 everywhere "
                "already meets it, so meeting ε says little. Try an ε below the mean baseline."
            )
        elif eps >= mean:
            text += f"ε = {eps:.3g} beats predicting zero but not predicting the mean."
        else:
            text += f"ε = {eps:.3g} is below both: meeting it takes a network that follows the target's shape."
        self.baseline_note.value = text

    def close(self) -> None:
        """Stop Play and close every figure and child widget."""
        self._closed = True
        if self._task is not None:
            self._task.cancel()
        super().close()


def _running_loop() -> asyncio.AbstractEventLoop | None:
    try:
        return asyncio.get_running_loop()
    except RuntimeError:
        return None
