"""LossInspector: how wrong is the network, and is that good? Ground truth, prediction, residual, the
losses from scratch and from torch, baselines, R², and the loss landscape (Lab 2, sections 2–3)."""

from __future__ import annotations

import html
import math

import ipywidgets as W
import numpy as np
import torch
import traitlets

from ..core import (
    LOSSES,
    Dataset,
    Landscape,
    LossRow,
    Net,
    lab2_dataset,
    lab_net,
    loss_row,
    r_squared,
    verdict,
)
from ..core._validate import check_choice, check_float, check_int
from ..core.features import net_inputs, takes_grid
from ..core.landscape import LandscapeJob
from ..core.limits import LANDSCAPE_POINTS_MAX as LANDSCAPE_MAX
from ..core.limits import LANDSCAPE_POINTS_MIN as LANDSCAPE_MIN
from ..core.limits import MAX_SEED
from ..core.limits import MAX_SPAN as SPAN_MAX
from ..plots import HeatmapView, SurfaceView, nice_limits
from ..plots.style import FrameStyle
from ._base import Throttle, WidgetBase, flow
from ._slices import Slicer

#: what the surface can show
VIEWS: dict[str, str] = {"truth": "ground truth", "prediction": "prediction", "residual": "residual (ŷ − y)"}


def _fmt(value: float) -> str:
    return f"{value:.6g}" if math.isfinite(value) else str(value)


def loss_table_html(rows: list[LossRow], selected: str, test: dict[str, float] | None = None) -> str:
    """An HTML table: each loss from scratch and from torch, their difference and match, and the baselines.

    With ``test`` (a loss name → its value on the held-out points), the losses and the baselines are the
    training points' and a column gives the test loss.
    """
    scratch = "train, from scratch" if test is not None else "from scratch"
    head = (
        f"<tr><th>loss</th><th>{scratch}</th><th>torch.nn</th><th>|difference|</th><th>allclose</th>"
        "<th>predict 0</th><th>predict mean</th>" + ("<th>test (held out)</th>" if test is not None else "") + "</tr>"
    )
    body = []
    for r in rows:
        style = " style='font-weight:bold'" if r.name == selected else ""
        mark = "✓ match" if r.match else "✗ differ"
        diff = f"{r.abs_diff:.2g}" if math.isfinite(r.abs_diff) else "—"
        body.append(
            f"<tr{style}><td>{html.escape(r.label)}</td><td>{_fmt(r.scratch)}</td><td>{_fmt(r.torch)}</td>"
            f"<td>{diff}</td><td>{mark}</td><td>{_fmt(r.zero)}</td><td>{_fmt(r.mean)}</td>"
            + (f"<td>{_fmt(test[r.name])}</td>" if test is not None else "")
            + "</tr>"
        )
    caption = (
        "<caption style='caption-side:bottom;text-align:left'><small>Losses and baselines on the training points; "
        "the last column on the held-out points.</small></caption>"
        if test is not None
        else ""
    )
    return f"<table class='mlpw-table'>{caption}{head}{''.join(body)}</table>"


def _has_finite_cell(z: np.ndarray) -> bool:
    """Whether some grid cell has four finite corners (else a surface would draw nothing)."""
    f = np.isfinite(z)
    return bool((f[:-1, :-1] & f[1:, :-1] & f[:-1, 1:] & f[1:, 1:]).any())


def _same_grid(a: Dataset | None, b: Dataset) -> bool:
    return a is b or (a is not None and a.nodes.shape == b.nodes.shape and np.array_equal(a.nodes, b.nodes))


_ERRATA = (
    "<small>Lab errata (Task 3.1): the lab rebinds <code>MSE_loss</code> to torch's, compares with "
    "<code>==</code>, and feeds a (2500, 1) prediction against a (2500,) target, which broadcasts to "
    "2500 × 2500 pairs. Here the prediction is squeezed to one value per point, our loss and "
    "<code>torch.nn</code>'s are both computed, and compared with <code>torch.allclose</code>.</small>"
)


class LossInspector(WidgetBase):
    """How far a network is from its target, judged against baselines, and its loss landscape.

    Parameters
    ----------
    net : Net, optional
        The network (the lab's 2 → 25 → 1 ReLU net of Task 2.2 when omitted).
    dataset : Dataset, optional
        The target (the lab's Gaussian on a 50×50 grid).
    loss : {"mse", "mae", "huber"}
        Loss used for the verdict and the landscape.
    epsilon : float
        The threshold ε judged in the verdict (the lab's 1e-5).
    huber_delta : float
        ``delta`` of the Huber loss.
    view : {"truth", "prediction", "residual"}
        What the surface shows first.
    style, backend :
        Figure options, see :class:`~mlp_widgets.plots.figure.FigureView`.

    Attributes
    ----------
    net : Net or None
        Observable; setting it (e.g. ``traitlets.dlink((builder, "net"), (inspector, "net"))``)
        recomputes everything but the landscape.
    dataset : Dataset
        Observable; setting it recomputes as well.
    rows : dict of str to LossRow
        The numbers shown in the table.
    r2 : float
        R² of the prediction.
    landscape : Landscape or None
        The last computed loss landscape.

    Notes
    -----
    The three surfaces share one figure, switched with a ``ToggleButtons``:
    one canvas on the page, one frame per change instead of
    three, and only the visible one is redrawn while a search updates the net.
    The landscape is an image in the style's discrete colour levels, whose
    bands act as contours: drawn contour lines, anti-aliased, would triple its
    frame (``benchmarks/bench_surface.py`` measures frames).
    """

    net = traitlets.Instance(Net, allow_none=True)
    dataset = traitlets.Instance(Dataset)

    def __init__(
        self,
        net: Net | None = None,
        dataset: Dataset | None = None,
        *,
        loss: str = "mse",
        epsilon: float = 1e-5,
        huber_delta: float = 1.0,
        view: str = "prediction",
        student: object | None = None,
        style: str | FrameStyle | None = None,
        backend: str = "auto",
    ) -> None:
        super().__init__()
        from ..checks.student import StudentCode

        #: the student's own classes that compute the prediction (None: the reference's)
        self.student = StudentCode.of(student) if student is not None else None
        self.student_run = None
        self.your_code = W.HTML()
        self.loss_name = check_choice("loss", loss, tuple(LOSSES))
        self.epsilon = check_float("ε", epsilon, lo=0.0, lo_open=True)
        self.huber_delta = check_float("Huber δ", huber_delta, lo=0.0, lo_open=True, hi=1e6)
        check_choice("view", view, tuple(VIEWS))
        self.net = net if net is not None else lab_net()
        self.dataset = dataset if dataset is not None else lab2_dataset()
        self.rows: dict[str, LossRow] = {}
        self.r2 = math.nan
        self.prediction: torch.Tensor | None = None
        self.landscape: Landscape | None = None
        self._landscape_key: tuple[object, object, str, float] | None = None
        self._landscape_work = Slicer(self.guard)
        self._zlim: tuple[float, float] | None = None
        self._shown_view = ""
        self._grid_of: Dataset | None = None
        self._build_controls(view)
        self._build_views(style, backend)
        self._throttle = Throttle(self.guard(self.refresh), 0.05)
        self.observe(lambda change: self._throttle(), names=["net", "dataset"])
        self.guard(self.refresh)()
        self.add_class("mlpw-loss-inspector")

    # -- controls -------------------------------------------------------------------------------
    def _build_controls(self, view: str) -> None:
        def small() -> W.Layout:  # one Layout per control: hiding one must not hide the others
            return W.Layout(width="190px")

        self.view_toggle = W.ToggleButtons(
            options=[(label, key) for key, label in VIEWS.items()], value=view,
            tooltips=["The target the network should learn", "What the network outputs", "Prediction minus target"],
        )  # fmt: skip
        self.loss_dropdown = W.Dropdown(
            options=[(spec.label, name) for name, spec in LOSSES.items()], value=self.loss_name,
            description="loss", layout=small(), tooltip="How the error between prediction and target is measured",
        )  # fmt: skip
        self.epsilon_box = W.FloatText(
            value=self.epsilon, description="ε", layout=small(), tooltip="The threshold the verdict judges"
        )
        self.delta_box = W.FloatText(
            value=self.huber_delta, description="Huber δ", layout=small(),
            tooltip="Where the Huber loss turns from squared to absolute error",
        )  # fmt: skip
        self.bind(self.view_toggle, lambda v: self._show_surface(), lambda v: check_choice("view", v, tuple(VIEWS)))
        self.bind(
            self.loss_dropdown, self._set_loss, lambda v: check_choice("loss", v, tuple(LOSSES)),
            shown=lambda: self.loss_name,
        )  # fmt: skip
        self.bind(
            self.epsilon_box, self._set_epsilon, lambda v: check_float("ε", v, lo=0.0, lo_open=True, hi=1e6),
            shown=lambda: self.epsilon,
        )  # fmt: skip
        self.bind(
            self.delta_box, self._set_delta, lambda v: check_float("Huber δ", v, lo=0.0, lo_open=True, hi=1e6),
            shown=lambda: self.huber_delta,
        )  # fmt: skip

        self.compute_button = W.Button(
            description="Compute landscape", icon="play", button_style="primary", layout=W.Layout(width="190px"),
            tooltip="The loss at the current weights moved along two random directions",
        )  # fmt: skip
        self.grid_slider = W.IntSlider(
            value=25, min=LANDSCAPE_MIN, max=LANDSCAPE_MAX, step=2, description="grid",
            continuous_update=False, layout=W.Layout(width="260px"), tooltip="Points per axis of the landscape",
        )  # fmt: skip
        self.span_box = W.FloatText(
            value=1.0, description="span", layout=small(), tooltip="How far along each direction: α, β ∈ [−span, span]"
        )
        self.seed_box = W.IntText(
            value=0, description="seed", layout=small(), tooltip="Seed of the two random directions"
        )
        self.log_checkbox = W.Checkbox(
            value=True, description="log₁₀ of the loss", indent=False, tooltip="Colour by the loss's order of magnitude"
        )
        self.progress = W.FloatProgress(value=0.0, min=0.0, max=1.0, description="", layout=W.Layout(width="200px"))
        self.stop_button = W.Button(
            description="stop", icon="stop", disabled=True, layout=W.Layout(width="90px"),
            tooltip="Stop computing the landscape",
        )  # fmt: skip
        self.on_click(self.stop_button, self.stop_landscape)
        self.bind(
            self.grid_slider,
            lambda v: None,
            lambda v: check_int("The landscape grid size", v, LANDSCAPE_MIN, LANDSCAPE_MAX),
        )
        self.bind(
            self.span_box, lambda v: None, lambda v: check_float("The span", v, lo=0.0, lo_open=True, hi=SPAN_MAX)
        )
        self.bind(self.seed_box, lambda v: None, lambda v: check_int("The seed", v, 0, MAX_SEED))
        self.on_change(self.log_checkbox, lambda v: self._show_landscape())
        self.on_click(self.compute_button, self.compute_landscape)

    def _set_loss(self, name: str) -> None:
        self.loss_name = name
        self._show_numbers()
        self._note_landscape()

    def _set_epsilon(self, value: float) -> None:
        self.epsilon = value
        self._show_numbers()

    def _set_delta(self, value: float) -> None:
        self.huber_delta = value
        self.refresh()

    # -- views ----------------------------------------------------------------------------------
    def _build_views(self, style: str | FrameStyle | None, backend: str) -> None:
        ds = self.dataset
        self.surface_view = SurfaceView(
            ds.x_nodes, ds.y_nodes, ds.ground_truth, title=VIEWS["truth"], style=style, backend=backend
        )
        self._grid_of = ds
        self.surface_note = W.HTML()
        self.loss_table = W.HTML()
        self.r2_label = W.HTML()
        self.verdict = W.HTML()
        nan = np.full((2, 2), np.nan)
        self.landscape_view = HeatmapView(
            nan, (-1.0, 1.0, -1.0, 1.0), cmap="viridis", contours=0, colorbar=True,
            title="loss around the current weights (×)", xlabel="α (direction 1)", ylabel="β (direction 2)",
            style=style, backend=backend,
        )  # fmt: skip
        self.landscape_note = W.HTML(
            "Press <b>Compute landscape</b>: the loss at θ + α·d1 + β·d2 for two random filter-normalised "
            "directions d1, d2 (Li et al. 2018), on a grid of α, β ∈ [−span, span]."
        )
        self.errata_note = W.HTML(_ERRATA)
        surface_box = W.VBox([self.view_toggle, self.embed(self.surface_view), self.surface_note])
        numbers_box = W.VBox(
            [
                flow(self.loss_dropdown, self.epsilon_box, self.delta_box),
                self.loss_table,
                self.r2_label,
                self.verdict,
                self.errata_note,
            ],
            layout=W.Layout(max_width="620px"),
        )
        self.landscape_widget = self.embed(self.landscape_view)
        self.landscape_widget.layout.display = "none"  # no empty axes: the picture appears with the first landscape
        landscape_box = W.VBox(
            [
                W.HTML("<b>Loss landscape</b>"),
                flow(self.compute_button, self.stop_button, self.grid_slider, self.progress),
                flow(self.span_box, self.seed_box, self.log_checkbox),
                self.landscape_note,
                self.landscape_widget,
            ]
        )
        wrap = {"flex_flow": "row wrap", "align_items": "flex-start"}  # side by side when there is room, else stacked
        self.children = (
            self.status, self.your_code, W.HBox([surface_box, numbers_box], layout=W.Layout(**wrap)), landscape_box,
        )  # fmt: skip
        self.blocks.add("landscape", landscape_box)
        self.blocks.add("errata", self.errata_note)

    # -- recomputation --------------------------------------------------------------------------
    def refresh(self) -> None:
        """Recompute the prediction, the losses and the surfaces for the current ``net`` and ``dataset``.

        Raises
        ------
        ValueError
            If the network does not take 2 inputs and give 1 output (the display keeps the last valid state).
        """
        net, ds = self.net, self.dataset
        y = ds.ground_truth
        self.test_losses: dict[str, float] | None = None
        if net is None:
            self.prediction, self.rows, self.r2 = None, {}, math.nan
        else:
            if not takes_grid(net):
                raise ValueError(
                    f"The loss inspector needs a network with {ds.nodes.shape[1] + len(net.features)} inputs and 1 "
                    f"output (x, y → ŷ); this one has {net.n_in} inputs and {net.n_out} outputs. "
                    "The last valid network stays on screen."
                )
            with torch.no_grad():
                prediction = net.forward(net_inputs(net, ds)).squeeze(-1)  # (N, 1) → (N,): the lab's shape bug, fixed
            if self.student is not None:
                from ..checks.student import run_student
                from .student_badge import badge_html

                run = run_student(self.student, net, net_inputs(net, ds))
                self.student_run = run
                self.your_code.value = badge_html(run)
                if run.ran:
                    prediction = run.output.squeeze(-1)
            self.prediction = prediction
            # the losses a search is judged on: every point, or a split's training points; then the held-out ones
            y_fit, p_fit = (y, prediction) if not ds.has_split else (y[ds.train_mask], prediction[ds.train_mask])
            self.rows = {name: loss_row(name, y_fit, p_fit, self.huber_delta) for name in LOSSES}
            if ds.has_split:
                held = ds.test_mask
                self.test_losses = {
                    name: loss_row(name, y[held], prediction[held], self.huber_delta).scratch for name in LOSSES
                }
            with np.errstate(all="ignore"):
                self.r2 = r_squared(y_fit, p_fit) if bool(torch.isfinite(prediction).all()) else math.nan
        self._show_numbers()
        self._show_surface()
        self._note_landscape()
        self.clear_status()

    @property
    def n_nonfinite(self) -> int:
        """Predictions that are ``inf`` or ``nan``."""
        return 0 if self.prediction is None else int((~torch.isfinite(self.prediction)).sum())

    def _show_numbers(self) -> None:
        if self.prediction is None:
            self.loss_table.value = ""
            self.r2_label.value = ""
            self.verdict.value = "No network: set <code>net</code> (e.g. from the Layer builder) to judge it."
            return
        self.loss_table.value = loss_table_html(list(self.rows.values()), self.loss_name, self.test_losses)
        self.r2_label.value = f"R² = <b>{self.r2:.4g}</b> (1 is a perfect fit, 0 is as good as predicting the mean)"
        text = verdict(self.rows[self.loss_name], self.epsilon, self.r2, self.n_nonfinite)
        self.verdict.value = f"<b>Verdict:</b> {html.escape(text)}"

    def _surface_values(self, kind: str) -> np.ndarray | None:
        y = self.dataset.ground_truth
        if kind == "truth":
            return y.numpy()
        if self.prediction is None:
            return None
        with np.errstate(all="ignore"):
            return self.prediction.numpy() if kind == "prediction" else (self.prediction - y).numpy()

    def _shared_zlim(self) -> tuple[float, float] | None:
        """One z scale for the ground truth and the prediction (``None`` without a finite prediction)."""
        if self.prediction is None:
            return None
        values = np.concatenate([self.dataset.ground_truth.numpy(), self.prediction.numpy()])
        values = values[np.isfinite(values)]
        if values.size == 0:
            return None
        return nice_limits(float(values.min()), float(values.max()))

    def _show_surface(self) -> None:
        kind = self.view_toggle.value
        z = self._surface_values(kind)
        notes = []
        if z is None:
            notes.append("There is no network, so there is no prediction: showing the ground truth.")
            kind, z = "truth", self._surface_values("truth")
        n_bad = int((~np.isfinite(z)).sum())
        title = VIEWS[kind]
        if n_bad:
            notes.append(
                f"⚠ {n_bad} of {z.size} values are not finite (NaN/inf: the weights are so large that the output "
                "overflows float32); they are left out of the surface."
            )
            if not _has_finite_cell(z.reshape(self.dataset.x_nodes.shape)):
                z = np.zeros_like(z)
                title += ": (almost) no finite value, drawn as 0"
        view, ds = self.surface_view, self.dataset
        view.symmetric = kind == "residual"
        view.set_title(title, redraw=False)
        shared = self._shared_zlim() if kind != "residual" else None
        if shared != self._zlim:  # truth and prediction on one z scale, so their heights compare
            self._zlim = shared
            view.set_zlim(shared)
        if shared is not None:
            notes.append("Ground truth and prediction share one z scale: switch between them to compare heights.")
        if not _same_grid(self._grid_of, ds):
            view.set_grid(ds.x_nodes, ds.y_nodes, z)
        else:
            view.update(z)
        self._grid_of = ds
        self._shown_view = kind
        self.surface_note.value = "<br>".join(html.escape(n) for n in notes)

    # -- loss landscape -------------------------------------------------------------------------
    def compute_landscape(self) -> Landscape | None:
        """Compute the loss landscape around the current net with the grid, span and seed of the controls.

        In a kernel it runs in slices on the event loop — the progress bar
        follows and **stop** ends it between two slices — and this returns
        ``None`` at once; elsewhere it runs to the end and returns the landscape.

        Raises
        ------
        ValueError
            If there is no network or it does not fit the data, or a landscape is being computed.
        """
        if self.net is None:
            raise ValueError("There is no network: set one (e.g. from the Layer builder) to see its loss landscape.")
        n = check_int("The landscape grid size", self.grid_slider.value, LANDSCAPE_MIN, LANDSCAPE_MAX)
        span = check_float("The span", self.span_box.value, lo=0.0, lo_open=True, hi=SPAN_MAX)
        seed = check_int("The seed", self.seed_box.value, 0, MAX_SEED)
        job = LandscapeJob(
            self.net, self.dataset, n=n, span=span, seed=seed, loss=self.loss_name, huber_delta=self.huber_delta
        )
        key = (self.net, self.dataset, self.loss_name, self.huber_delta)
        self.progress.value, self.progress.bar_style = 0.0, "info"
        self.compute_button.disabled, self.stop_button.disabled = True, False

        def show() -> None:
            self.progress.value = job.progress
            self.progress.description = f"{100 * job.progress:.0f}%"

        def finish(done: bool) -> None:
            self.compute_button.disabled, self.stop_button.disabled = False, True
            if not done:
                self.progress.bar_style = "warning"
                return
            show()
            self.progress.bar_style = "success"
            self.landscape, self._landscape_key = job.result(), key
            self._show_landscape()
            self.clear_status()

        self._landscape_work.start(job.advance, show, finish)
        return self.landscape if job.done else None

    def stop_landscape(self) -> None:
        """Stop a landscape being computed (the last one computed stays)."""
        if self._landscape_work.running:
            self._landscape_work.stop()
            self.show_info("Landscape stopped; press Compute landscape to start again.")

    def _show_landscape(self) -> None:
        land = self.landscape
        if land is None:
            return
        view = self.landscape_view
        self.landscape_widget.layout.display = None
        use_log = self.log_checkbox.value
        with np.errstate(all="ignore"):
            z = np.log10(land.losses) if use_log else land.losses.copy()
        z[~np.isfinite(z)] = np.nan
        label = LOSSES[land.loss].label
        title = f"{'log₁₀ ' if use_log else ''}{label} around the current weights (×)"
        view.set_title(title, redraw=False)
        view.set_extent(land.extent, redraw=False)
        view.mark(0.0, 0.0, redraw=False)
        view.update(z)
        self._note_landscape()

    def _note_landscape(self) -> None:
        land = self.landscape
        if land is None:
            return
        label = LOSSES[land.loss].label
        a, b, low = land.argmin()
        parts = [
            f"{land.n}×{land.n} grid, α, β ∈ [−{land.span:g}, {land.span:g}], seed {land.seed}, "
            f"computed in {land.seconds:.2f} s.",
            f"{label} at the current weights (×): <b>{_fmt(land.center_loss)}</b>; "
            f"lowest on the grid: <b>{_fmt(low)}</b> at α = {a:.3g}, β = {b:.3g}.",
        ]
        if land.n_nonfinite == land.losses.size:
            parts.append(
                "⚠ The loss is not finite anywhere on this grid (the output overflows float32): nothing to draw. "
                "Try a network with smaller weights."
            )
        elif land.n_nonfinite:
            parts.append(
                f"⚠ At {land.n_nonfinite} grid points the loss is not finite (the output overflows): left blank."
            )
        if self._landscape_key != (self.net, self.dataset, self.loss_name, self.huber_delta):
            parts.append(
                "<span style='color:var(--jp-warn-color0, #8a5a00)'>This landscape belongs to an earlier network, target or loss: "
                "press <b>Compute landscape</b> to update it.</span>"
            )
        self.landscape_note.value = " ".join(parts)
