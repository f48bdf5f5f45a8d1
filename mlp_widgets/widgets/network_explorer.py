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

An edit never changes a network in place: it makes a new :class:`Net`, assigned
to :attr:`NetworkExplorer.net` and published (throttled) as
:attr:`NetworkExplorer.edited`, so widgets linked with ``traitlets.dlink``
follow it.
"""

from __future__ import annotations

from typing import Any

import ipywidgets as W
import numpy as np
import torch
import traitlets
from matplotlib.collections import LineCollection

from ..core import Dataset, Net, lab2_dataset, lab_net, mse_loss, one_thread
from ..core._validate import check_float, check_int
from ..core.limits import MAX_WEIGHT as WEIGHT_LIMIT
from ..core.units import count_pieces, forward_parts, hidden_activations, kink_segments, same_parameters, structure
from ..plots import HeatmapView, SurfaceView
from ..plots.network import BIAS, NetworkGraphView, UnitPicturesView
from ..plots.style import FrameStyle
from ._base import Throttle, WidgetBase

#: most hidden-unit pictures shown at once
MAX_PICTURES = 16


# -- the widget ---------------------------------------------------------------------------------
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
    publish_interval : float
        Seconds between two publications of :attr:`edited` while a slider moves
        (the last edit is always published).
    style, backend :
        Figure options (see :class:`~mlp_widgets.plots.figure.FigureView`).

    Attributes
    ----------
    net : Net
        The network shown (observable). An edit assigns a new ``Net``; setting
        it from outside shows that network (and makes it the one
        :meth:`undo_edits` goes back to).
    dataset : Dataset
        Grid and target (observable).
    edited : Net or None
        Output: the latest network made by an edit here (``None`` before the
        first edit). Link it, not ``net``, back to a shared state, so a network
        arriving from elsewhere is not sent back.
    loss : float
        MSE of the network's output against the dataset's target (2-input, 1-output networks).
    pieces : int or None
        Linear pieces of the output on the grid (piecewise-linear networks).
    layer_dropdown, from_dropdown, to_dropdown, value_slider, value_box, pictures_dropdown :
        The controls.
    graph_view, pictures_view, surface_view, heatmap_view :
        The figures.
    """

    net = traitlets.Instance(Net, allow_none=True)
    dataset = traitlets.Instance(Dataset)
    edited = traitlets.Instance(Net, allow_none=True)

    def __init__(
        self,
        net: Net | None = None,
        dataset: Dataset | None = None,
        *,
        max_pictures: int = MAX_PICTURES,
        publish_interval: float = 0.2,
        style: str | FrameStyle | None = None,
        backend: str = "auto",
    ) -> None:
        super().__init__()
        self.max_pictures = check_int("Most pictures", max_pictures, 1, 64)
        self._style, self._backend = style, backend
        self.net = net if net is not None else lab_net()
        self.dataset = dataset if dataset is not None else lab2_dataset()
        self._origin = self.net
        self._origin_loss = float("nan")
        self._structure: tuple | None = None
        self._syncing = False
        self._editing = False
        self.selection: tuple[int, int, int] = (0, 0, 0)
        self.picture_layer = 0
        self.loss = float("nan")
        self.pieces: int | None = None
        self._publish = Throttle(self._publish_now, check_float("publish interval", publish_interval, lo=0.0, hi=5.0))
        self._pending_edit: Net | None = None
        self._refresh_soon = Throttle(self.guard(self._refresh), 0.04)
        self._build_controls()
        self._build_views()
        self._new_structure()
        self._refresh(new_grid=True)
        self.observe(self.guard(self._on_net), names="net")
        self.observe(self.guard(lambda change: self._refresh(new_grid=True)), names="dataset")
        self.add_class("mlpw-network-explorer")

    # -- controls -------------------------------------------------------------------------------
    def _build_controls(self) -> None:
        self.layer_dropdown = W.Dropdown(description="layer", layout=W.Layout(width="260px"))
        self.from_dropdown = W.Dropdown(description="from", layout=W.Layout(width="180px"))
        self.to_dropdown = W.Dropdown(description="to", layout=W.Layout(width="180px"))
        self.value_slider = W.FloatSlider(
            value=0.0, min=-2.0, max=2.0, step=0.001, readout_format=".3f", continuous_update=True,
            description="value", layout=W.Layout(width="420px"),
        )  # fmt: skip
        self.value_box = W.FloatText(value=0.0, description="exact", layout=W.Layout(width="180px"), step=0.01)
        self.pictures_dropdown = W.Dropdown(description="pictures", layout=W.Layout(width="260px"))
        self.undo_button = W.Button(description="undo all edits", icon="undo", tooltip="Back to the unedited network")
        for dropdown in (self.layer_dropdown, self.from_dropdown, self.to_dropdown):
            self.on_change(dropdown, lambda _value: self._on_select())
        self.bind(self.value_slider, self._slider_moved)
        self.bind(self.value_box, self.set_value, self._check_value)
        self.on_change(self.pictures_dropdown, self._on_pictures)
        self.on_click(self.undo_button, self.undo_edits)
        self.readout = W.HTML()
        self.loss_label = W.HTML()
        self.loss_label.add_class("mlpw-loss-readout")
        self.controls = W.VBox(
            [
                W.HBox([self.layer_dropdown, self.from_dropdown, self.to_dropdown]),
                W.HBox([self.value_slider, self.value_box, self.undo_button]),
            ]
        )

    @staticmethod
    def _check_value(value: Any) -> float:
        return check_float("A weight or bias", value, lo=-WEIGHT_LIMIT, hi=WEIGHT_LIMIT)

    def _unit_names(self, column: int) -> list[str]:
        """Names of the units of a column: inputs ``x1 …``, hidden ``h1 …`` (``h2·3`` past the first layer), outputs ``ŷ``."""
        sizes = [self.net.n_in] + [layer.N_out for layer in self.net.linear_layers]
        n = sizes[column]
        if column == 0:
            return [f"x{i + 1}" for i in range(n)]
        if column == len(sizes) - 1:
            return ["ŷ"] if n == 1 else [f"ŷ{i + 1}" for i in range(n)]
        prefix = "h" if len(sizes) == 3 else f"h{column}·"
        return [f"{prefix}{i + 1}" for i in range(n)]

    def _new_structure(self) -> None:
        """Rebuild the dropdowns and the pictures for a network of another shape."""
        net = self.net
        self._structure = structure(net)
        linear = net.linear_layers
        self._syncing = True
        try:
            self.layer_dropdown.options = [
                (f"{k + 1}: Linear {layer.N_in}→{layer.N_out}", k) for k, layer in enumerate(linear)
            ]
            acts = hidden_activations(net)
            self.pictures_dropdown.options = [
                (f"hidden layer {k + 1}" + (f" ({type(a).__name__})" if a is not None else ""), k)
                for k, a in enumerate(acts)
            ]
            self.picture_layer = 0
            if acts:
                self.pictures_dropdown.value = 0
        finally:
            self._syncing = False
        self.select(0, 0, 0)
        n_pics = min(linear[0].N_out, self.max_pictures) if len(linear) > 1 else 0
        self.pictures_view.set_count(n_pics)

    def select(self, layer: int, source: int, unit: int) -> None:
        """Select ``W[layer][source, unit]`` (``source`` = :data:`BIAS` for the bias of ``unit``).

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
        self._syncing = True
        try:
            self.layer_dropdown.value = k
            self.from_dropdown.options = [*zip(self._unit_names(k), range(lin.N_in), strict=True), ("bias", BIAS)]
            self.from_dropdown.value = i
            self.to_dropdown.options = list(zip(self._unit_names(k + 1), range(lin.N_out), strict=True))
            self.to_dropdown.value = j
        finally:
            self._syncing = False
        self._editing = False
        self.selection = (k, i, j)
        self._show_selected_value()
        self.graph_view.select(k, i, j)

    def _on_select(self) -> None:
        if self._syncing:
            return
        k = self.layer_dropdown.value
        if k != self.selection[0]:
            self.select(k, 0, 0)  # another layer: its first weight
        else:
            self.select(k, self.from_dropdown.value, self.to_dropdown.value)

    @property
    def value(self) -> float:
        """The selected weight's or bias' value."""
        k, i, j = self.selection
        lin = self.net.linear_layers[k]
        return float(lin.bias[j]) if i == BIAS else float(lin.weight[i, j])

    def _show_value(self, value: float, refit: bool) -> None:
        """Put ``value`` on the slider and the box without applying it; ``refit`` fits the slider's range to it."""
        slider = self.value_slider
        # the slider gets the value on its step grid (the box shows it exactly): a value between
        # two steps is snapped by the browser and sent back, which would look like an edit
        on_grid = round(value / slider.step) * slider.step
        if refit or not slider.min <= on_grid <= slider.max:
            bound = max(2.0, float(np.ceil(2 * abs(value))))
            slider.min, slider.max = -WEIGHT_LIMIT, WEIGHT_LIMIT  # widening never moves the value
            self.set_quietly(slider, on_grid)
            slider.min, slider.max = -bound, bound  # the value is inside: nothing is clamped
        else:
            self.set_quietly(slider, on_grid)
        self.set_quietly(self.value_box, value)

    def _show_selected_value(self) -> None:
        self._show_value(self.value, refit=True)
        self._write_readout()

    def _write_readout(self) -> None:
        k, i, j = self.selection
        src = "bias" if i == BIAS else self._unit_names(k)[i]
        dst = self._unit_names(k + 1)[j]
        name = f"b<sub>{k + 1}</sub>[{dst}]" if i == BIAS else f"W<sub>{k + 1}</sub>[{src} → {dst}]"
        self.readout.value = f"selected: {name} = <b>{self.value:.4f}</b>"

    # -- edits ----------------------------------------------------------------------------------
    def _slider_moved(self, value: float) -> None:
        """A slider value from the browser: an edit, unless it is the shown value snapped to the slider's step.

        When the kernel shows a new network's value (e.g. the search's best), the
        browser's slider rounds it to its step and sends the rounded value back.
        Taken as an edit, that echo would make a new network, restart the search
        and loop. The slider is therefore only given values on its step grid (see
        :meth:`_show_value`), and a value within half a step of the current one
        is not an edit.
        """
        value = self._check_value(value)
        if abs(value - self.value) <= self.value_slider.step / 2:
            return  # the shown value, snapped: nothing to change
        self.set_value(value)

    def set_value(self, value: float) -> None:
        """Give the selected weight or bias a new value (a new ``Net`` becomes :attr:`net`).

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
        self._editing = True
        try:
            self.net = new
        finally:
            self._editing = False
        self._show_value(value, refit=False)
        self._write_readout()
        self._pending_edit = new
        self._publish()

    def _publish_now(self) -> None:
        if self._pending_edit is not None:
            self.edited, self._pending_edit = self._pending_edit, None

    def flush(self) -> None:
        """Publish a pending edit now (as :attr:`edited`)."""
        self._publish.flush()
        self._publish_now()

    def undo_edits(self) -> None:
        """Back to the network as it was before any edit here."""
        if self.net is self._origin:
            self.show_info("There are no edits to undo.")
            return
        self._editing = True
        try:
            self.net = self._origin
        finally:
            self._editing = False
        self._show_selected_value()
        self._pending_edit = self._origin
        self._publish()
        self.show_info("All edits undone.")

    def _on_net(self, change: dict) -> None:
        if change["new"] is None:
            self.net = lab_net()
            return
        old = change["old"]
        if not self._editing and old is not None and same_parameters(old, self.net):
            # the same network again (e.g. the search's copy of an edit): nothing new to show, edits stay undoable
            if old is self._origin:
                self._origin = self.net
            return
        if not self._editing:
            self._origin = self.net  # a network from outside: what "undo" goes back to
            self._origin_loss = float("nan")
        if structure(self.net) != self._structure:
            self._new_structure()
        elif self._editing:
            self._refresh_soon()  # a slider drag: at most one redraw per frame, and always the last
            return
        else:
            self._show_selected_value()
        self._refresh()

    def _on_pictures(self, layer: int | None) -> None:
        if self._syncing or layer is None:
            return
        self.picture_layer = int(layer)
        width = self.net.linear_layers[self.picture_layer].N_out
        self.pictures_view.set_count(min(width, self.max_pictures))
        self._refresh()

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
        self.kink_lines = LineCollection([], colors="k", linewidths=0.7, linestyles="--", antialiased=False)
        self.heatmap_view.ax.add_collection(self.kink_lines, autolim=False)
        self.heatmap_view.blitter.add(self.kink_lines)
        self.pictures_note = W.HTML()
        self.pieces_note = W.HTML()
        graph_box = W.VBox([W.HTML("<b>the network</b> (red > 0, blue < 0; fill: bias)"), self.embed(self.graph_view)])
        pictures_box = W.VBox([self.pictures_dropdown, self.pictures_note, self.embed(self.pictures_view)])
        self.children = (
            self.controls,
            self.status,
            self.readout,
            self.loss_label,
            W.HBox([graph_box, pictures_box]),
            self.pieces_note,
            W.HBox([self.embed(self.surface_view), self.embed(self.heatmap_view)]),
        )

    def _refresh(self, new_grid: bool = False) -> None:
        """Show the current network on the current grid: graph, pictures, surface, heatmap, loss."""
        net, ds = self.net, self.dataset
        self.graph_view.update(net)
        if net.n_in != 2 or net.n_out != 1:
            self.loss, self.pieces = float("nan"), None
            self.loss_label.value = (
                f"The pictures, the output surface and the loss need 2 inputs and 1 output (x, y → ŷ); this "
                f"network has {net.n_in} inputs and {net.n_out} outputs."
            )
            self.pictures_note.value = self.pieces_note.value = ""
            return
        pre, hidden, out = forward_parts(net, ds.inputs)
        with one_thread():
            self.loss = float(mse_loss(ds.ground_truth, out.reshape(-1)))
        prediction = out.reshape(-1).numpy()
        self.prediction = prediction
        if not np.isfinite(self._origin_loss) and net is self._origin:
            self._origin_loss = self.loss
        self._write_loss()
        extent = (ds.lo, ds.hi, ds.lo, ds.hi)
        first = net.linear_layers[0]
        kinks = kink_segments(first.weight.numpy(), first.bias.numpy(), ds.lo, ds.hi)
        if new_grid:
            self.surface_view.set_grid(ds.x_nodes, ds.y_nodes, prediction)
            self.pictures_view.set_extent(extent)
            self.heatmap_view.image.set_extent(extent)
            self.heatmap_view.ax.set_xlim(ds.lo, ds.hi)
            self.heatmap_view.ax.set_ylim(ds.lo, ds.hi)
        else:
            self.surface_view.update(prediction)
        self.kink_lines.set_segments([] if not hidden else [s for s in kinks if np.isfinite(s).all()])
        self.heatmap_view.update(ds.grid(prediction), full=new_grid)
        self._refresh_pictures(hidden, kinks, new_grid)
        self.pieces = count_pieces(net, pre)
        self._write_pieces(net)

    def _refresh_pictures(self, hidden: list[torch.Tensor], kinks: np.ndarray, full: bool) -> None:
        view, ds = self.pictures_view, self.dataset
        if not hidden:
            self.pictures_note.value = "This network has no hidden layer: the output is one plane."
            return
        layer = min(self.picture_layer, len(hidden) - 1)
        h = hidden[layer]
        count = len(view.images)
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
        if np.isfinite(self._origin_loss) and self.net is not self._origin:
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
        self._pending_edit = None
        super().close()
