"""RandomSearchStepper: the lab's training loop (Section 4) on one screen — the training view.

One view a student understands at a glance, live while the search runs: the
run controls and the readout on top; the network with every unit drawn as a
picture of what it computes; the loss curve with ε and the baselines; and the
target beside the prediction on one colour scale, with their difference. The
race against gradient descent, the losses of random networks and the fine
print are folded under "more".

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
from ..core.features import input_names, net_inputs, takes_grid
from ..core.units import forward_parts
from ..plots import LineView
from ..plots.fit import FitView
from ..plots.network_map import Hit, NetworkMapView
from ..plots.style import LINE_COLORS, FrameStyle
from ._base import Throttle, WidgetBase
from ._slices import Slicer
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
    """Candidate, best and the best's test losses per iteration in growing numpy arrays (cheap to append and plot)."""

    def __init__(self) -> None:
        self.candidate = np.empty(1024)
        self.best = np.empty(1024)
        self.test = np.empty(1024)
        self.n = 0

    def extend(self, records: list) -> None:
        need = self.n + len(records)
        if need > self.candidate.size:
            size = max(need, 2 * self.candidate.size)
            self.candidate = np.resize(self.candidate, size)
            self.best = np.resize(self.best, size)
            self.test = np.resize(self.test, size)
        for i, record in enumerate(records, start=self.n):
            self.candidate[i] = record.candidate_loss
            self.best[i] = record.best_loss
            self.test[i] = record.test_loss
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
    #: output (read-only): the weight or unit last clicked in the network picture (a dashboard opens it)
    picked = traitlets.Instance(Hit, allow_none=True, read_only=True)

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
        self._step_work = Slicer(self.guard)
        self._build_controls()
        self._build_views()
        self.baselines = self._baselines()
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
            description="noise σ",
            layout=small(),
            style=wide,
            tooltip="Size of the random nudge of the perturb strategy",
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
        self.l2_box = W.FloatText(
            description="L2 penalty λ", layout=small(), style=wide,
            tooltip="Add λ·Σw² (the weights, not the biases) to the loss the search compares and descends; 0: none",
        )  # fmt: skip
        for box, name in (
            (self.strategy_dropdown, "strategy"), (self.epsilon_box, "epsilon"), (self.max_iters_box, "max_iters"),
            (self.weight_box, "weight_range"), (self.bias_box, "bias_range"), (self.sigma_box, "sigma"),
            (self.adapt_box, "adapt_sigma"), (self.lr_box, "lr"), (self.candidates_box, "candidates"),
            (self.seed_box, "seed"), (self.l2_box, "l2"),
        ):  # fmt: skip
            self.bind(
                box, lambda value, name=name: self.configure(**{name: value}),
                shown=lambda name=name: getattr(self.settings, name),
            )  # fmt: skip
        self.render_controls()
        self.step_button = W.Button(
            description="step", icon="step-forward", tooltip="One iteration", layout=W.Layout(width="90px")
        )
        self.play = W.ToggleButton(
            value=False, description="play", icon="play", layout=W.Layout(width="100px"),
            tooltip="Play: keep stepping, drawing about 20 times a second; press again to pause",
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
        self.on_change(self.play, self._on_playing)
        self.bind(self.speed_dropdown, self._set_speed, shown=lambda: self.steps_per_frame)
        self.rule_note = W.HTML("<small>Changing any setting starts the search again from iteration 0.</small>")
        wrap = W.Layout(flex_flow="row wrap", align_items="center")
        self.run_controls = W.HBox(
            [self.strategy_dropdown, self.step_button, self.play, self.run_button, self.reset_button, self.speed_dropdown],
            layout=wrap,
        )  # fmt: skip
        self.settings_controls = W.VBox(
            [
                W.HBox(
                    [self.epsilon_box, self.max_iters_box, self.candidates_box, self.seed_box],
                    layout=W.Layout(flex_flow="row wrap", align_items="center"),
                ),
                W.HBox(
                    [self.weight_box, self.bias_box, self.sigma_box, self.adapt_box, self.lr_box, self.l2_box],
                    layout=W.Layout(flex_flow="row wrap", align_items="center"),
                ),
                self.rule_note,
            ]
        )
        self.controls = W.VBox([self.run_controls, self.settings_controls])
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
        self.progress = W.IntProgress(
            value=0, min=0, max=self.settings.max_iters, layout=W.Layout(width="200px"),
            tooltip="Iterations done, out of max iterations",
        )  # fmt: skip
        self.readout = W.HTML()
        self.readout.add_class("mlpw-loss-readout")
        self.stop_label = W.HTML()
        self.baseline_note = W.HTML()
        kw = {"style": self._style, "backend": self._backend}
        self._xmax = min(self.settings.max_iters, 50)
        self.curve_view = LineView(
            title="loss per iteration (log scale)", xlabel="iteration", ylabel="loss", yscale="log",
            xlim=(0, self._xmax * 1.02), legend_outside=True, size=(6.4, 2.4), **kw,
        )  # fmt: skip
        ds = self.dataset
        self.fit_view = FitView(ds.grid(ds.ground_truth), (ds.lo, ds.hi, ds.lo, ds.hi), size=(6.4, 2.3), **kw)
        if ds.has_split:
            self.fit_view.set_marks(*ds.held_out().T, redraw=False)
        self._shown_net = self.engine.best_net()
        self.network_view = NetworkMapView(self._shown_net, size=(6.2, 4.6), **kw)
        self.network_view.canvas.mpl_connect("motion_notify_event", self.guard(self._on_hover))
        self.network_view.canvas.mpl_connect("button_press_event", self.guard(self._on_click))
        self.hover_label = W.HTML(
            "<small>Point at a line to read its weight, at a picture to read its unit; click to open it in the "
            "network explorer.</small>"
        )
        self.fit_note = W.HTML()
        self.race_panel = RacePanel(self._race_settings, **kw)
        self.race_note = W.HTML(_RACE_NOTE)
        self.histogram_panel = HistogramPanel(self._histogram_settings, **kw)
        self.more = W.Accordion(
            children=[
                W.VBox([self.race_note, self.race_panel]),
                self.histogram_panel,
                W.VBox([self.baseline_note, W.HTML(_FINE_PRINT)]),
            ],
            titles=("more: random search vs gradient descent", "more: how lucky must a draw be?", "more: the fine print"),
            selected_index=None,
        )  # fmt: skip
        for name, page in zip(("race", "histogram", "fine_print"), self.more.children, strict=True):
            self.blocks.add(name, page, self.more)
        picture = W.VBox(
            [W.HTML("<b>the network</b>, every unit as a picture of what it computes"), self.embed(self.network_view),
             self.hover_label],
            layout=W.Layout(width="630px", max_width="100%"),
        )  # fmt: skip
        numbers = W.VBox(
            [self.embed(self.curve_view), self.embed(self.fit_view), self.fit_note],
            layout=W.Layout(width="650px", max_width="100%"),
        )  # fmt: skip
        # two columns side by side when the page is wide enough, one above the other when it is not
        self.view = W.GridBox(
            [picture, numbers],
            layout=W.Layout(grid_template_columns="repeat(auto-fit, minmax(630px, max-content))", grid_gap="4px 16px"),
        )  # fmt: skip
        self.children = (
            self.controls,
            self.status,
            W.HBox([self.progress, self.readout], layout=W.Layout(flex_flow="row wrap", align_items="center")),
            self.stop_label,
            self.view,
            self.more,
        )

    def _race_settings(self) -> dict[str, Any]:
        s = self.settings
        return {
            "net": self._start_net, "dataset": self.dataset, "seed": s.seed, "weight_range": s.weight_range,
            "bias_range": s.bias_range, "sigma": s.sigma, "lr": s.lr, "epsilon": s.epsilon, "l2": s.l2,
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
        self.fit_view.set_target(ds.grid(ds.ground_truth), (ds.lo, ds.hi, ds.lo, ds.hi))
        self.fit_view.set_marks(*ds.held_out().T, redraw=False)
        self.baselines = self._baselines()

    def _baselines(self) -> dict[str, float]:
        """Predicting zero and predicting the mean, on the training points (what the search is judged on)."""
        _, values = self.dataset.training()
        return baselines(values, self.engine.loss)

    def _best_label(self) -> str:
        return "best so far (+ L2 penalty)" if self.settings.l2 > 0 else "best so far"

    # -- actions --------------------------------------------------------------------------------
    def step(self) -> None:
        """One iteration (nothing but a note once the search has stopped).

        A step of many wide candidates can take seconds: in a kernel the part
        that does not fit one frame is finished in slices on the event loop,
        the readout following (Pause or reset ends it); elsewhere it runs now.
        """
        engine = self.engine
        if engine.stopped:
            self.show_info(f"The search has stopped ({engine.stop_reason}); press reset or change a setting.")
            return
        if _running_loop() is None:
            with one_thread():
                engine.step()
            self._draw_soon()
            return
        if not self._one_step(self.frame_time):
            self._step_work.start(self._one_step, self._write_readout, lambda done: self._draw_soon())
            return
        self._draw_soon()

    def _one_step(self, seconds: float) -> bool:
        """Work on the current step for about ``seconds``; whether it is finished."""
        deadline = time.perf_counter() + seconds
        with one_thread():
            while True:
                if self.engine.advance(0.0) or self.engine.stopped:  # a unit at a time: never a second step
                    return True
                if time.perf_counter() >= deadline:
                    return False

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
        self.play.value = True

    def reset(self) -> None:
        """Pause, and start the search again from iteration 0 (same settings, same seed)."""
        self.pause()
        self.engine.reset()
        self._restart()
        self.show_info("Reset: iteration 0, the starting network.")

    def pause(self) -> None:
        """Stop Play, or a step being finished (the running slice finishes, then nothing more is stepped)."""
        self._step_work.stop()
        if self.play.value:
            self.play.value = False

    def _restart(self) -> None:
        self._trace = _Trace()
        self._initial_test = self.engine.best_test_loss
        self._shown_best: float | None = None
        self.set_trait("best_net", None)
        self.progress.max = self.settings.max_iters
        self.curve_view.set_line("candidate", [], [], label="candidate", color=LINE_COLORS[0], redraw=False)
        self.curve_view.set_line(
            "best", [], [], label=self._best_label(), color=LINE_COLORS[1], first_marker="o", redraw=False
        )
        if self.dataset.has_split:
            self.curve_view.set_line("test", [], [], label="best's test loss", color=LINE_COLORS[3], redraw=False)
        elif "test" in self.curve_view.names:
            self.curve_view.remove_line("test", redraw=False)
        self.curve_view.set_hline(
            "epsilon", self.settings.epsilon, color="0.2", label="ε (stop below)", keep_in_view=True, redraw=False
        )
        self.curve_view.set_hline(
            "zero", self.baselines["zero"], color=LINE_COLORS[4], linestyle="-.", label="predict 0", redraw=False
        )
        self.curve_view.set_hline(
            "mean", self.baselines["mean"], color=LINE_COLORS[2], linestyle="-.", label="predict the mean",
            redraw=False,
        )  # fmt: skip
        self.histogram_panel.mark(self.settings.epsilon, self.baselines["zero"], None)
        self._write_baselines()
        self.redraw()

    # -- play -----------------------------------------------------------------------------------
    def _on_playing(self, playing: bool) -> None:
        self.play.description, self.play.icon = ("pause", "pause") if playing else ("play", "play")
        if not playing:
            if self._task is None:  # driven by play_ticks: show what the frames skipped
                self.redraw()
            return  # a running loop sees it before its next slice
        if self.engine.stopped:
            self.play.value = False
            self.show_info(f"The search has stopped ({self.engine.stop_reason}); press reset or change a setting.")
            return
        loop = _running_loop()
        if loop is not None and (self._task is None or self._task.done()):
            self._task = loop.create_task(self._play_loop())

    async def _play_loop(self) -> None:
        try:
            while self.play.value and not self.engine.stopped:
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
            while n < limit and not engine.stopped:
                # in units of work, so a frame ends on time however big a step is (the next frame finishes it)
                left = deadline - time.perf_counter() if limit == math.inf else 0.0
                n += len(engine.advance(max(left, 0.0)))
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
        # the best-so-far curve starts at iteration 0 with the starting network's loss: the axes show where
        # the search starts from before its first step
        start = self.engine.initial_loss
        redraw_test = self.dataset.has_split
        self.curve_view.set_line("best", np.r_[0.0, x], np.r_[start, tr.best[: tr.n][idx]], redraw=not redraw_test)
        if redraw_test:
            self.curve_view.set_line("test", np.r_[0.0, x], np.r_[self._initial_test, tr.test[: tr.n][idx]])
        best, now = self.engine.best_loss, time.perf_counter()
        if best != self._shown_best and (force or now - self._last_surface >= self.surface_interval):
            self._shown_best, self._last_surface = best, now
            best_net = self.engine.best_net()
            self._show_fit(best_net)
            self.set_trait("best_net", best_net if self.engine.iteration else None)
            self.histogram_panel.mark_best(best if self.engine.iteration else None)

    def _show_fit(self, net: Net) -> None:
        """The network picture and the fit of ``net`` (the search's best)."""
        ds = self.dataset
        self._shown_net = net
        inputs = net_inputs(net, ds)
        _, hidden, out = forward_parts(net, inputs)
        prediction = out.reshape(-1).numpy()
        grid_ok = takes_grid(net)
        self.network_view.update(net, (inputs.numpy(), [h.numpy() for h in hidden], out.numpy()) if grid_ok else None)
        self.fit_view.update(prediction)
        t, p = ds.ground_truth.numpy(), prediction
        spread = float(t.max() - t.min())
        note = (
            f"<small>Target and prediction share one colour scale. The target ranges over {spread:.3g} "
            f"({float(t.min()):.4g} to {float(t.max()):.4g}), the prediction from {float(p.min()):.4g} to "
            f"{float(p.max()):.4g}"
        )
        if spread < 0.1 * max(float(p.max() - p.min()), 1e-30):
            note += ": next to it the nearly flat target looks like one colour"
        self.fit_note.value = note + ".</small>"

    # -- the network picture --------------------------------------------------------------------
    def _describe(self, hit: Hit | None) -> str:
        net = self._shown_net
        if hit is None:
            return ""
        sizes = [net.n_in] + [layer.N_out for layer in net.linear_layers]
        last = len(sizes) - 1

        def name(column: int, unit: int) -> str:
            if column == 0:
                return input_names(net.features)[unit] if takes_grid(net) else f"x{unit + 1}"
            if column == last:
                return "ŷ" if net.n_out == 1 else f"ŷ{unit + 1}"
            return f"h{column}·{unit + 1}" if last > 2 else f"h{unit + 1}"

        if hit.source is None:
            if hit.column == 0:
                return f"input {name(0, hit.unit)}: its picture is its own value over the grid"
            bias = float(net.linear_layers[hit.column - 1].bias[hit.unit])
            where = "the output" if hit.column == last else f"hidden layer {hit.column}"
            return f"unit {name(hit.column, hit.unit)} of {where}: bias b = <b>{bias:.4f}</b>"
        w = float(net.linear_layers[hit.layer].weight[hit.source, hit.unit])
        src, dst = name(hit.layer, hit.source), name(hit.layer + 1, hit.unit)
        return f"weight W<sub>{hit.layer + 1}</sub>[{src} → {dst}] = <b>{w:.4f}</b>"

    def _on_hover(self, event: Any) -> None:
        hit = self.network_view.hit(event.xdata, event.ydata) if event.inaxes is not None else None
        self.network_view.set_highlight(hit)
        if hit is not None:
            self.hover_label.value = f"<small>{self._describe(hit)} — click to open it in the network explorer</small>"

    def _on_click(self, event: Any) -> None:
        hit = self.network_view.hit(event.xdata, event.ydata) if event.inaxes is not None else None
        if hit is not None:
            self.set_trait("picked", hit)

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
        split = self.dataset.has_split
        best = "best train loss" if split else "best loss"
        if s.l2 > 0:
            best = f"{best} + L2 penalty"
        text = f"iteration <b>{e.iteration}</b> / {s.max_iters} · candidate loss <b>{cand}</b> · {best} <b>{e.best_loss:.4e}</b>"
        if s.l2 > 0:
            text += f" (without the penalty {e.best_data_loss:.4e})"
        if split:
            text += f" · its test loss <b>{e.best_test_loss:.4e}</b>"
        self.readout.value = text + note
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
        where = "the training points of this target" if self.dataset.has_split else "this target"
        text = (
            f"Baselines on {where}: predicting <b>zero</b> everywhere gives loss {zero:.3e}, "
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
        self.pause()
        self._closed = True
        if self._task is not None:
            self._task.cancel()
        super().close()


def _running_loop() -> asyncio.AbstractEventLoop | None:
    try:
        return asyncio.get_running_loop()
    except RuntimeError:
        return None


_RACE_NOTE = (
    "<small><b>Why does random search do so well here?</b> The lab's target is nearly flat (it only ranges from "
    "2.93e-3 to 3.18e-3), so any network whose output is small and flat is already close: plenty of random draws "
    "land there. On a target with shape (pick <i>Two bumps</i> or <i>Ripple</i> in <i>Target &amp; loss</i>), "
    "random draws almost never fit it, while gradient descent follows the slope of the loss to the shape.</small>"
)

_FINE_PRINT = (
    "<small><b>Strategies.</b> <i>redraw</i> is the lab's loop: draw every weight anew each iteration and keep "
    "the best network seen. <i>keep-best</i> draws several candidates per step and keeps the best. <i>perturb</i> "
    "nudges the best network by random noise of size σ; the <i>1/5th rule</i> grows σ after a success and shrinks it "
    "after a failure, so about one nudge in five succeeds. <i>gradient descent (Adam)</i> follows the loss's slope "
    "(the next lab). <b>Lab errata.</b> The lab's loop evaluates inside its per-layer loop and never keeps the best "
    "network; here each iteration is evaluated once and the best is kept. Its ε = 1e-5 is above the loss of "
    "predicting 0 everywhere on its target, so meeting it says little: choose an ε below the loss of predicting the "
    "mean.</small>"
)
