"""NetworkExplorer: look inside a network and edit its weights by hand.

What TensorFlow Playground users love, for the lab's torch networks:

* the network as a graph — units as dots, weights as lines coloured by sign
  (red positive, blue negative) and as thick as their size; a unit's fill is
  its bias;
* for a 2-input network, what every hidden unit computes over the grid (small
  pictures in one figure), the output surface and the loss against the target;
* one weight or bias selected (layer, from, to) and changed with a slider or a
  number box: every picture, the surface and the loss follow live.

ReLU networks are piecewise linear: a first-layer ReLU unit is zero on one
side of its *kink line* ``w₁·x + w₂·y + b = 0`` and a plane on the other, and
the output is a weighted sum of such pieces, so it is a plane inside every
region the lines cut out. The kink lines are drawn over each unit's picture
and over the output's heatmap, and the readout counts the linear pieces.

State flows one way. :meth:`NetworkExplorer.show` — the one setter — puts a
network from outside on screen and makes it the one "undo" goes back to. The
selection (layer, from, to) is only what is looked at: choosing a weight
changes nothing in the network. Only a new value on the value slider or box is
an edit: it makes a new :class:`Net` (never a change in place), shown as
:attr:`NetworkExplorer.net` and published at once as
:attr:`NetworkExplorer.edited`.

The slider counts in whole steps of :data:`SLIDER_STEP` (an ``IntSlider``;
the number box beside it shows the value). A float slider would not do: the
browser snaps a value the kernel shows to its step in its own floating point
(−2 + 1983·0.001 is −0.016999999999999904, not −0.017) and sends that back,
and such an echo can arrive after the kernel has already shown the next
network's value — an edit nobody made. Whole numbers snap exactly, so the
browser has nothing to send back; range and value always travel in one
message, so it never clamps an old value into a new range either.
"""

from __future__ import annotations

from typing import Any

import ipywidgets as W
import numpy as np
import torch
import traitlets

from ..core import Dataset, Net, lab2_dataset, lab_net, mse_loss, one_thread
from ..core._validate import check_float, check_int
from ..core.features import input_names, net_inputs, takes_grid
from ..core.limits import MAX_WEIGHT
from ..core.units import count_pieces, forward_parts, hidden_activations, kink_segments, structure
from ..plots import HeatmapView, SurfaceView
from ..plots.network import BIAS, NetworkGraphView, UnitPicturesView
from ..plots.style import FrameStyle
from ._base import Throttle, WidgetBase, flow

#: most hidden-unit pictures shown at once
MAX_PICTURES = 16
#: the value of one step of the value slider
SLIDER_STEP = 0.001


class NetworkExplorer(WidgetBase):
    """See what every unit of a network computes and change any weight or bias by hand.

    Parameters
    ----------
    net : Net, optional
        The network (the lab's 2 → 25 → 1 ReLU network of Task 2.2 by default).
    dataset : Dataset, optional
        Grid and target for the pictures and the loss (the lab's by default).
    max_pictures : int
        Most hidden-unit pictures shown (the first units of the chosen layer), 1–64.
    style, backend :
        Figure options (see :class:`~mlp_widgets.plots.figure.FigureView`).

    Attributes
    ----------
    net : Net
        Output (read-only): the network shown — the one :meth:`show` was given, or an edit of it.
    edited : Net or None
        Output (read-only): the network of the latest edit or undo here (``None`` before the first).
        Follow it, not ``net``, to take hand edits elsewhere.
    origin : Net
        The network as :meth:`show` was given it: what :meth:`undo_edits` goes back to.
    dataset : Dataset
        Input: grid and target (observable).
    selection : (int, int, int)
        The parameter looked at: ``(layer, source, unit)``, ``source`` = :data:`BIAS` for a bias.
    loss : float
        MSE of the network's output against the dataset's target (2-input, 1-output networks).
    pieces : int or None
        Linear pieces of the output on the grid (piecewise-linear networks).
    layer_dropdown, from_dropdown, to_dropdown, value_slider, value_box, pictures_dropdown :
        The controls.
    graph_view, pictures_view, surface_view, heatmap_view :
        The figures.
    """

    net = traitlets.Instance(Net, read_only=True)
    edited = traitlets.Instance(Net, allow_none=True, read_only=True)
    dataset = traitlets.Instance(Dataset)

    def __init__(
        self,
        net: Net | None = None,
        dataset: Dataset | None = None,
        *,
        max_pictures: int = MAX_PICTURES,
        student: object | None = None,
        style: str | FrameStyle | None = None,
        backend: str = "auto",
    ) -> None:
        super().__init__()
        from ..checks.student import StudentCode

        #: the student's own classes that compute the pictures, the surface and the loss (None: the reference's)
        self.student = StudentCode.of(student) if student is not None else None
        self.student_run = None
        self.your_code = W.HTML()
        self.max_pictures = check_int("Most pictures", max_pictures, 1, 64)
        self._style, self._backend = style, backend
        start = net if net is not None else lab_net()
        self.set_trait("net", start)
        self.origin = start
        self.dataset = dataset if dataset is not None else lab2_dataset()
        self._origin_loss = float("nan")
        self._structure: tuple | None = None
        self.selection: tuple[int, int, int] = (0, 0, 0)
        self.picture_layer = 0
        self.loss = float("nan")
        self.pieces: int | None = None
        self._refresh_soon = Throttle(self.guard(self._refresh), 0.04)
        self._build_controls()
        self._build_views()
        self._new_structure()
        self._refresh(new_grid=True)
        self.observe(self.guard(lambda change: self._refresh(new_grid=True)), names="dataset")
        self.add_class("mlpw-network-explorer")

    # -- the one setter ---------------------------------------------------------------------------
    def show(self, net: Net) -> None:
        """Show a network from outside and make it what :meth:`undo_edits` goes back to.

        Given the network it already shows (its own edit, handed back by a
        dashboard), it does nothing: the edits stay undoable.
        """
        if not isinstance(net, Net):
            raise ValueError(f"The network explorer shows a Net; got a {type(net).__name__}.")
        if net is self.net:
            return
        self.origin = net
        self._origin_loss = float("nan")
        self.set_trait("net", net)
        if structure(net) != self._structure:
            self._new_structure()
        else:
            self._render_value(refit=True)
        self._refresh()

    # -- controls -------------------------------------------------------------------------------
    def _build_controls(self) -> None:
        self.layer_dropdown = W.Dropdown(
            description="layer", layout=W.Layout(width="260px"), tooltip="Which linear layer's parameters to look at"
        )
        self.from_dropdown = W.Dropdown(
            description="from", layout=W.Layout(width="180px"), tooltip="The unit the weight comes from, or the bias"
        )
        self.to_dropdown = W.Dropdown(
            description="to", layout=W.Layout(width="180px"), tooltip="The unit the weight goes to"
        )
        self.value_slider = W.IntSlider(
            value=0, min=-2000, max=2000, step=1, readout=False, continuous_update=True,
            description="drag", layout=W.Layout(width="360px"),
            tooltip=f"Drag to change the selected weight or bias in steps of {SLIDER_STEP:g}: every picture follows",
        )  # fmt: skip
        self.value_box = W.FloatText(
            value=0.0, description="value", layout=W.Layout(width="200px"), step=0.01,
            tooltip=f"The selected weight or bias; type an exact value (within ±{MAX_WEIGHT:g})",
        )  # fmt: skip
        self.pictures_dropdown = W.Dropdown(
            description="pictures", layout=W.Layout(width="320px"), tooltip="Whose units the small pictures show"
        )
        self.undo_button = W.Button(
            description="undo all edits", icon="undo", tooltip="Back to the network as it was before your edits",
            layout=W.Layout(width="160px"),
        )  # fmt: skip
        self.bind(self.layer_dropdown, lambda k: self.select(k, 0, 0), shown=lambda: self.selection[0])
        self.bind(
            self.from_dropdown, lambda i: self.select(self.selection[0], i, self.selection[2]),
            shown=lambda: self.selection[1],
        )  # fmt: skip
        self.bind(
            self.to_dropdown, lambda j: self.select(self.selection[0], self.selection[1], j),
            shown=lambda: self.selection[2],
        )  # fmt: skip
        self.bind(
            self.value_slider, lambda n: self.set_value(n * SLIDER_STEP), lambda n: check_int("The slider", n, -10**7),
            shown=self._slider_value,
        )  # fmt: skip
        self.bind(self.value_box, self.set_value, self._check_value, shown=self._box_value)
        self.bind(self.pictures_dropdown, self.show_pictures, shown=lambda: self.picture_layer)
        self.on_click(self.undo_button, self.undo_edits)
        self.readout = W.HTML()
        self.loss_label = W.HTML()
        self.loss_label.add_class("mlpw-loss-readout")
        self.controls = W.VBox(
            [
                flow(self.layer_dropdown, self.from_dropdown, self.to_dropdown),
                flow(self.value_slider, self.value_box, self.undo_button),
            ]
        )

    @staticmethod
    def _check_value(value: Any) -> float:
        return check_float("A weight or bias", value, lo=-MAX_WEIGHT, hi=MAX_WEIGHT)

    def _slider_value(self) -> int:
        """The selected value in slider steps (the nearest)."""
        return round(self.value / SLIDER_STEP)

    def _box_value(self) -> float:
        """The selected value as the shortest decimal that is the same float32: what the student typed, if they did."""
        return float(str(np.float32(self.value)))

    def _unit_names(self, column: int) -> list[str]:
        """Names of the units of a column: inputs ``x1 …``, hidden ``h1 …`` (``h2·3`` past the first layer), outputs ``ŷ``."""
        sizes = [self.net.n_in] + [layer.N_out for layer in self.net.linear_layers]
        n = sizes[column]
        if column == 0:
            return input_names(self.net.features) if takes_grid(self.net) else [f"x{i + 1}" for i in range(n)]
        if column == len(sizes) - 1:
            return ["ŷ"] if n == 1 else [f"ŷ{i + 1}" for i in range(n)]
        prefix = "h" if len(sizes) == 3 else f"h{column}·"
        return [f"{prefix}{i + 1}" for i in range(n)]

    def _new_structure(self) -> None:
        """A network of another shape: new options everywhere, the first weight and the first layer's pictures."""
        net = self.net
        self._structure = structure(net)
        linear = net.linear_layers
        acts = hidden_activations(net)
        # every option list changes together with a selection of its first option, so what a control
        # shows in between (ipywidgets selects the first option of new options) is already the state
        self.selection, self.picture_layer = (0, 0, 0), 0
        self.put(
            self.layer_dropdown,
            options=[(f"{k + 1}: Linear {lin.N_in}→{lin.N_out}", k) for k, lin in enumerate(linear)],
        )
        self.put(
            self.pictures_dropdown,
            options=[
                (f"hidden layer {k + 1}" + (f" ({type(a).__name__})" if a is not None else ""), k)
                for k, a in enumerate(acts)
            ],
        )
        self._layer_options()
        n_pics = min(linear[0].N_out, self.max_pictures) if len(linear) > 1 else 0
        self.pictures_view.set_count(n_pics)
        self._render_value(refit=True)

    def _layer_options(self) -> None:
        k = self.selection[0]
        lin = self.net.linear_layers[k]
        self.put(self.from_dropdown, options=[*zip(self._unit_names(k), range(lin.N_in), strict=True), ("bias", BIAS)])
        self.put(self.to_dropdown, options=list(zip(self._unit_names(k + 1), range(lin.N_out), strict=True)))

    def select(self, layer: int, source: int, unit: int) -> None:
        """Look at ``W[layer][source, unit]`` (``source`` = :data:`BIAS` for the bias of ``unit``); nothing is edited.

        Raises
        ------
        ValueError
            If the layer, source or unit does not exist.
        """
        linear = self.net.linear_layers
        k = check_int("Layer", layer, 0, len(linear) - 1)
        lin = linear[k]
        i = BIAS if source == BIAS else check_int("From unit", source, 0, lin.N_in - 1)
        j = check_int("To unit", unit, 0, lin.N_out - 1)
        if k != self.selection[0]:
            self.selection = (k, 0, 0)  # new option lists start at their first option: the state says so too
            self._layer_options()
        self.selection = (k, i, j)
        self._render_value(refit=True)
        self.graph_view.select(k, i, j)

    @property
    def value(self) -> float:
        """The selected weight's or bias' value."""
        k, i, j = self.selection
        lin = self.net.linear_layers[k]
        return float(lin.bias[j]) if i == BIAS else float(lin.weight[i, j])

    def _render_value(self, refit: bool) -> None:
        """Show the selection and its value on every control; ``refit`` fits the slider's range to the value."""
        slider, shown = self.value_slider, self._slider_value()
        if refit or not slider.min <= shown <= slider.max:
            bound = round(max(2.0, float(np.ceil(2 * abs(self.value)))) / SLIDER_STEP)
            self.put(slider, min=-bound, max=bound, value=shown)  # one message: no stale value is clamped
        self.render_controls()
        self._write_readout()

    def _write_readout(self) -> None:
        k, i, j = self.selection
        src = "bias" if i == BIAS else self._unit_names(k)[i]
        dst = self._unit_names(k + 1)[j]
        name = f"b<sub>{k + 1}</sub>[{dst}]" if i == BIAS else f"W<sub>{k + 1}</sub>[{src} → {dst}]"
        self.readout.value = f"selected: {name} = <b>{self.value:.4f}</b>"

    def show_pictures(self, layer: int) -> None:
        """Show what the units of hidden layer ``layer`` compute (the first :attr:`max_pictures` of them)."""
        acts = hidden_activations(self.net)
        self.picture_layer = check_int("Hidden layer", layer, 0, max(0, len(acts) - 1))
        width = self.net.linear_layers[self.picture_layer].N_out
        self.pictures_view.set_count(min(width, self.max_pictures))
        self.render_controls()
        self._refresh()

    # -- edits ----------------------------------------------------------------------------------
    def set_value(self, value: float) -> None:
        """Give the selected weight or bias a new value (a new ``Net`` becomes :attr:`net` and :attr:`edited`).

        Raises
        ------
        ValueError
            If ``value`` is not a finite number within ±1000 (nothing changes then).
        """
        k, i, j = self.selection
        self.set_parameter(k, i, j, value)

    def set_parameter(self, layer: int, source: int, unit: int, value: float) -> None:
        """Set ``W[layer][source, unit]`` (or the bias of ``unit`` if ``source`` is :data:`BIAS`) to ``value``.

        Raises
        ------
        ValueError
            For a bad index or value (nothing changes then).
        """
        value = self._check_value(value)
        linear = self.net.linear_layers
        k = check_int("Layer", layer, 0, len(linear) - 1)
        i = BIAS if source == BIAS else check_int("From unit", source, 0, linear[k].N_in - 1)
        j = check_int("To unit", unit, 0, linear[k].N_out - 1)
        new = self.net.copy()
        lin = new.linear_layers[k]
        if i == BIAS:
            lin.bias[j] = value
        else:
            lin.weight[i, j] = value
        if (k, i, j) != self.selection:
            self.select(k, i, j)
        self._take(new)

    def undo_edits(self) -> None:
        """Back to the network as :meth:`show` gave it, bit for bit."""
        if self.net is self.origin:
            self.show_info("There are no edits to undo.")
            return
        self._take(self.origin)
        self._render_value(refit=True)
        self.show_info("All edits undone.")

    def _take(self, net: Net) -> None:
        """A network made here (an edit, or the undo): show it and publish it."""
        self.set_trait("net", net)
        self._render_value(refit=False)
        self.set_trait("edited", net)
        self._refresh_soon()  # a slider drag: at most one redraw per frame, and always the last

    def flush(self) -> None:
        """Draw a pending redraw now."""
        self._refresh_soon.flush()

    # -- views ----------------------------------------------------------------------------------
    def _build_views(self) -> None:
        kw = {"style": self._style, "backend": self._backend}
        ds = self.dataset
        extent = (ds.lo, ds.hi, ds.lo, ds.hi)
        self.graph_view = NetworkGraphView(self.net, **kw)
        self.pictures_view = UnitPicturesView(0, extent, **kw)
        self.surface_view = SurfaceView(ds.x_nodes, ds.y_nodes, None, title="output ŷ", zlabel="ŷ", **kw)
        self.heatmap_view = HeatmapView(
            np.zeros((ds.n, ds.n)), extent, title="output ŷ and the first layer's kink lines", **kw
        )
        self.pictures_note = W.HTML()
        self.pieces_note = W.HTML()
        graph_box = W.VBox([W.HTML("<b>the network</b> (red > 0, blue < 0; fill: bias)"), self.embed(self.graph_view)])
        pictures_box = W.VBox([self.pictures_dropdown, self.pictures_note, self.embed(self.pictures_view)])
        wrap = {"flex_flow": "row wrap", "align_items": "flex-start"}  # side by side when there is room, else stacked
        self.children = (
            self.controls,
            self.status,
            self.your_code,
            self.readout,
            self.loss_label,
            W.HBox([graph_box, pictures_box], layout=W.Layout(**wrap)),
            self.pieces_note,
            W.HBox([self.embed(self.surface_view), self.embed(self.heatmap_view)], layout=W.Layout(**wrap)),
        )

    def _refresh(self, new_grid: bool = False) -> None:
        """Show the current network on the current grid: graph, pictures, surface, heatmap, loss."""
        net, ds = self.net, self.dataset
        self.graph_view.update(net)
        if not takes_grid(net):
            self.loss, self.pieces = float("nan"), None
            self.loss_label.value = (
                f"The pictures, the output surface and the loss need 2 inputs and 1 output (x, y → ŷ; "
                f"and its input features, if any); this network has {net.n_in} inputs and {net.n_out} outputs."
            )
            self.pictures_note.value = self.pieces_note.value = ""
            return
        pre, hidden, out = self._parts(net, net_inputs(net, ds))
        train = ds.train_mask if ds.has_split else slice(None)
        with one_thread():  # the loss a search would descend: on the training points
            self.loss = float(mse_loss(ds.ground_truth[train], out.reshape(-1)[train]))
        prediction = out.reshape(-1).numpy()
        self.prediction = prediction
        if not np.isfinite(self._origin_loss) and net is self.origin:
            self._origin_loss = self.loss
        self._write_loss()
        extent = (ds.lo, ds.hi, ds.lo, ds.hi)
        first = net.linear_layers[0]
        # a ReLU's kink is a straight line only when the first layer sees x and y alone
        kinks = [] if net.features else kink_segments(first.weight.numpy(), first.bias.numpy(), ds.lo, ds.hi)
        if new_grid:
            self.surface_view.set_grid(ds.x_nodes, ds.y_nodes, prediction)
            self.pictures_view.set_extent(extent)
            self.heatmap_view.set_extent(extent, redraw=False)
        else:
            self.surface_view.update(prediction)
        self.heatmap_view.set_segments("kinks", kinks if hidden else [], redraw=False)
        self.heatmap_view.update(ds.grid(prediction))
        self._refresh_pictures(hidden, kinks, new_grid)
        self.pieces = count_pieces(net, pre)
        self._write_pieces(net)

    def _parts(self, net: Net, inputs: torch.Tensor) -> tuple[list[torch.Tensor], list[torch.Tensor], torch.Tensor]:
        """Every unit's output on the grid: from the student's classes when given (the reference's if theirs fail)."""
        if self.student is None:
            return forward_parts(net, inputs)
        from ..checks.student import run_student
        from .student_badge import badge_html

        run = run_student(self.student, net, inputs)
        self.student_run = run
        self.your_code.value = badge_html(run)
        return run.parts if run.parts is not None else forward_parts(net, inputs)

    def _refresh_pictures(self, hidden: list[torch.Tensor], kinks: np.ndarray, full: bool) -> None:
        view, ds = self.pictures_view, self.dataset
        if not hidden:
            self.pictures_note.value = "This network has no hidden layer: the output is one plane."
            return
        layer = min(self.picture_layer, len(hidden) - 1)
        h = hidden[layer]
        count = view.count
        values = h[:, :count].T.numpy().reshape(count, ds.n, ds.n)
        names = self._unit_names(layer + 1)[:count]
        linear = self.net.linear_layers
        nxt = linear[layer + 1]
        if nxt.N_out == 1:  # the weight each unit gets in the next layer: the output is their weighted sum
            labels = [f"{name} ×{float(nxt.weight[u, 0]):+.2f}" for u, name in enumerate(names)]
        else:
            labels = names
        view.update(values, labels, kinks[:count] if layer == 0 else None, full=full)
        width = h.shape[1]
        shown = f"units 1–{count} of {width}" if width > count else f"all {width} units"
        act = hidden_activations(self.net)[layer]
        act_name = type(act).__name__ if act is not None else "no activation"
        self.pictures_note.value = (
            f"<small>what each unit of hidden layer {layer + 1} ({act_name}) outputs over the grid — {shown} "
            f"(at most {self.max_pictures} are drawn); red > 0, blue < 0, each picture on its own scale"
            + ("; label: the unit's weight into ŷ" if nxt.N_out == 1 else "")
            + ("; dashed: its kink line w·x + b = 0" if layer == 0 else "")
            + "</small>"
        )

    def _write_loss(self) -> None:
        text = f"MSE against the target: <b>{self.loss:.4e}</b>"
        if np.isfinite(self._origin_loss) and self.net is not self.origin:
            change = "lower" if self.loss < self._origin_loss else "higher"
            text += f" ({change} than the unedited network's {self._origin_loss:.4e})"
        self.loss_label.value = text

    def _write_pieces(self, net: Net) -> None:
        acts = [type(a).__name__ if a is not None else "none" for a in hidden_activations(net)]
        first = acts[0] if acts else "none"
        if self.pieces is None:
            self.pieces_note.value = (
                f"<small>With {first} units the output is smooth, not piecewise linear; the dashed lines mark where "
                "each first-layer unit's input w·x + b is 0 (the middle of its transition).</small>"
            )
            return
        deeper = (
            " Deeper layers bend these lines, so the pieces are polygons, not cut by straight lines only."
            if (len(acts) > 1)
            else ""
        )
        self.pieces_note.value = (
            f"<small>Piecewise linear: every ReLU unit is 0 on one side of its kink and a plane on the other, so the "
            f"output is a plane on each piece — <b>{self.pieces}</b> pieces on this grid. Dashed over the heatmap: "
            f"the first layer's kink lines w₁·x + w₂·y + b = 0.{deeper}</small>"
        )

    def close(self) -> None:
        """Close every figure and child widget."""
        self._refresh_soon.flush()
        super().close()
