"""ActivationComparer: activation functions side by side, checked against torch, and what one hidden unit
draws (Lab 2, section 1.2, Tasks 1.6 and 1.7)."""

from __future__ import annotations

import html
from collections.abc import Sequence

import ipywidgets as W
import torch

from ..core import ACTIVATIONS, Dataset, get_activation, lab2_dataset
from ..core._validate import check_choice, check_float
from ..core.limits import MAX_ACTIVATION_X as X_LIMIT
from ..plots import LineView, SurfaceView
from ..plots.style import ACTIVATION_COLORS, FrameStyle
from ._base import WidgetBase

#: points per curve
N_POINTS = 401


def activation_errors(name: str, x: torch.Tensor) -> tuple[float, float]:
    """Max ``|ours − torch|`` of the activation, and of its derivative against torch autograd, over ``x``."""
    act = get_activation(name)
    module = act.torch_module()
    xg = x.detach().clone().requires_grad_(True)
    theirs = module(xg)
    (grad,) = torch.autograd.grad(theirs.sum(), xg)
    with torch.no_grad():
        err = float((act.forward(x) - theirs).abs().max())
        derr = float((act.derivative(x) - grad).abs().max())
    return err, derr


class ActivationComparer(WidgetBase):
    """Compare activations: curves (and derivatives), from-scratch vs torch errors, notes, and a single neuron.

    Parameters
    ----------
    activations : sequence of str
        Activations shown at start (names in :data:`mlp_widgets.core.ACTIVATIONS`).
    x_range : (float, float)
        Range of the curves.
    derivative : bool
        Also draw each derivative (dashed).
    neuron : str
        Activation of the single-neuron view.
    w1, w2, b : float
        Weights and bias of the neuron: it draws ``act(w1·x + w2·y + b)``.
    dataset : Dataset, optional
        Grid of the neuron view (the lab's 50×50 grid over [-2, 2]²).
    style, backend :
        Figure options, see :class:`~mlp_widgets.plots.figure.FigureView`.
    """

    def __init__(
        self,
        activations: Sequence[str] = ("relu", "sigmoid", "tanh"),
        x_range: Sequence[float] = (-6.0, 6.0),
        derivative: bool = False,
        *,
        neuron: str = "relu",
        w1: float = 1.0,
        w2: float = -0.5,
        b: float = 0.2,
        dataset: Dataset | None = None,
        style: str | FrameStyle | None = None,
        backend: str = "auto",
    ) -> None:
        super().__init__()
        names = tuple(check_choice("activation", a, tuple(ACTIVATIONS)) for a in activations)
        lo, hi = self._check_range(x_range)
        self.dataset = dataset if dataset is not None else lab2_dataset()

        # curves
        self.select = W.SelectMultiple(options=list(ACTIVATIONS), value=names, description="activations", rows=5)
        self.range_slider = W.FloatRangeSlider(
            value=(lo, hi), min=-X_LIMIT, max=X_LIMIT, step=0.5, description="x range", continuous_update=False,
            readout_format=".1f", layout=W.Layout(width="360px"),
        )  # fmt: skip
        self.derivative_box = W.Checkbox(value=bool(derivative), description="show derivatives (dashed)")
        self.curves_view = LineView(title="activation functions", xlabel="x", style=style, backend=backend)
        self.table = W.HTML()
        self.bind(self.select, lambda v: self._refresh_curves())
        self.bind(self.range_slider, lambda v: self._refresh_curves(), check=self._check_range)
        self.bind(self.derivative_box, lambda v: self._refresh_curves())

        # single neuron
        slider = {"min": -5.0, "max": 5.0, "step": 0.05, "continuous_update": True, "readout_format": ".2f"}
        self.w1_slider = W.FloatSlider(value=check_float("w1", w1, lo=-5, hi=5), description="w1", **slider)
        self.w2_slider = W.FloatSlider(value=check_float("w2", w2, lo=-5, hi=5), description="w2", **slider)
        self.b_slider = W.FloatSlider(value=check_float("b", b, lo=-5, hi=5), description="b", **slider)
        self.neuron_dropdown = W.Dropdown(
            options=list(ACTIVATIONS),
            value=check_choice("activation", neuron, tuple(ACTIVATIONS)),
            description="activation",
        )
        self.formula = W.HTML()
        ds = self.dataset
        self.neuron_view = SurfaceView(
            ds.x_nodes, ds.y_nodes, None, title="one hidden unit", zlabel="h", style=style, backend=backend
        )
        for control in (self.w1_slider, self.w2_slider, self.b_slider):
            self.bind(
                control,
                lambda v: self._refresh_neuron(),
                check=lambda v, name=control.description: check_float(name, v, lo=-5, hi=5),
            )
        self.bind(self.neuron_dropdown, lambda v: self._refresh_neuron())

        curves = W.VBox(
            [
                W.HBox([self.select, W.VBox([self.range_slider, self.derivative_box])]),
                self.embed(self.curves_view),
                self.table,
            ]
        )
        neuron_controls = W.VBox([self.neuron_dropdown, self.w1_slider, self.w2_slider, self.b_slider, self.formula])
        neuron = W.VBox([neuron_controls, self.embed(self.neuron_view)])
        self.tabs = W.Tab(children=[curves, neuron])
        self.tabs.titles = ("compare activations", "single neuron")
        self.children = (self.status, self.tabs)
        self.add_class("mlpw-activation-comparer")
        self.guard(self._refresh_curves)()
        self.guard(self._refresh_neuron)()

    @staticmethod
    def _check_range(x_range: Sequence[float]) -> tuple[float, float]:
        lo = check_float("lower end of the x range", x_range[0], lo=-X_LIMIT, hi=X_LIMIT)
        hi = check_float("upper end of the x range", x_range[1], lo=-X_LIMIT, hi=X_LIMIT)
        if hi <= lo:
            raise ValueError(f"The x range must have its upper end above its lower end; got {lo:g} to {hi:g}.")
        return lo, hi

    # -- curves ---------------------------------------------------------------------------------
    @property
    def x(self) -> torch.Tensor:
        """The x values of the curves."""
        lo, hi = self.range_slider.value
        return torch.linspace(lo, hi, N_POINTS)

    def _refresh_curves(self) -> None:
        names = list(self.select.value)
        x = self.x
        wanted = set()
        for name in names:
            act = get_activation(name)
            wanted.add(name)
            color = ACTIVATION_COLORS[name]
            self.curves_view.set_line(name, x, act.forward(x), color=color, redraw=False)
            if self.derivative_box.value:
                self.curves_view.set_line(f"{name}'", x, act.derivative(x), color=color, linestyle="--", redraw=False)
                wanted.add(f"{name}'")
        for name in self.curves_view.names:
            if name not in wanted:
                self.curves_view.remove_line(name, redraw=False)
        self.curves_view.set_limits(xlim=(float(x[0]), float(x[-1])))
        self.table.value = self._table_html(names, x)

    def _table_html(self, names: list[str], x: torch.Tensor) -> str:
        self.errors = {name: activation_errors(name, x) for name in names}
        rows = "".join(
            f"<tr><td><b>{name}</b></td><td>{err:.3g}</td><td>{derr:.3g}</td>"
            f"<td>{html.escape(get_activation(name).note)}</td></tr>"
            for name, (err, derr) in self.errors.items()
        )
        head = "<tr><th>activation</th><th>max |ours − torch|</th><th>max |ours' − autograd|</th><th>note</th></tr>"
        return f"<table class='mlpw-table'>{head}{rows}</table>"

    # -- single neuron --------------------------------------------------------------------------
    def neuron_output(self) -> torch.Tensor:
        """``act(w1·x + w2·y + b)`` on every grid point."""
        act = get_activation(self.neuron_dropdown.value)
        nodes = self.dataset.inputs
        w = torch.tensor([self.w1_slider.value, self.w2_slider.value], dtype=torch.float32)
        return act.forward(nodes @ w + float(self.b_slider.value))

    def _refresh_neuron(self) -> None:
        h = self.neuron_output()
        w1, w2, b = self.w1_slider.value, self.w2_slider.value, self.b_slider.value
        name = self.neuron_dropdown.value
        self.formula.value = (
            f"h(x, y) = {name}({w1:.2f}·x {'+' if w2 >= 0 else '−'} {abs(w2):.2f}·y "
            f"{'+' if b >= 0 else '−'} {abs(b):.2f}) · range {float(h.min()):.3g} to {float(h.max()):.3g}"
        )
        self.neuron_view.update(h)
