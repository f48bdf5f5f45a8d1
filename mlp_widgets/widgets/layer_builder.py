"""LayerBuilder: build a multi-layer perceptron with controls and see its shapes, graph, code and output
(Lab 2, sections 1.1–1.3 and Task 2.2)."""

from __future__ import annotations

import html
from collections.abc import Sequence
from dataclasses import replace

import ipywidgets as W
import torch
import traitlets
from torch import nn

from ..config.specs import INIT_LABELS, InitSpec, NetSpec
from ..core import ACTIVATIONS, Comparison, Dataset, Net, compare, lab2_dataset, to_torch
from ..core._validate import check_int
from ..core.limits import MAX_HIDDEN, MAX_SEED, MAX_WIDTH
from ..export.code import module_code, sequential_code
from ..plots import GraphView, SurfaceView
from ..plots.style import FrameStyle
from ._base import WidgetBase

__all__ = ["INIT_LABELS", "MAX_HIDDEN", "MAX_SEED", "MAX_WIDTH", "LayerBuilder", "NetSpec", "shape_table_html"]




def shape_table_html(net: Net, batch_size: int) -> str:
    """An HTML table of each layer's input and output shape for a batch (Questions 1.3 and 1.8)."""
    rows = []
    for i, (name, shape_in, shape_out) in enumerate(net.shapes((batch_size, net.n_in))):
        layer = net.layers[i]
        rows.append(
            f"<tr><td>{i}</td><td>{html.escape(name)}</td><td>{tuple(shape_in)}</td>"
            f"<td>{tuple(shape_out)}</td><td style='text-align:right'>{layer.num_params()}</td></tr>"
        )
    head = "<tr><th>#</th><th>layer</th><th>input shape</th><th>output shape</th><th>parameters</th></tr>"
    return f"<table class='mlpw-table'>{head}{''.join(rows)}</table>"


def _pre(code: str) -> str:
    return f"<pre style='user-select:text; font-size:12px; line-height:1.3'>{html.escape(code)}</pre>"


class LayerBuilder(WidgetBase):
    """Build a network with controls; see its shapes, graph, PyTorch code, torch check and output surface.

    Parameters
    ----------
    n_in, hidden, n_out, activation, init, seed, mean, std :
        The starting architecture (see :class:`NetSpec`; the defaults are the
        lab's 2 → 25 → 1 ReLU network with ``torch.manual_seed(999)``).
        ``activation`` is one name for every hidden layer or one per layer.
    batch_size : int
        Batch size for the shape table and the graph (the lab's example uses 2).
    dataset : Dataset, optional
        Grid for the output surface (the lab's 50×50 grid over [-2, 2]²).
    style : str or FrameStyle, optional
        Frame style of the figures (``"default"`` small frames, ``"sharp"``).
    backend : str
        Canvas kind for the figures (``"auto"``, ``"agg"``, ``"ipympl"``).

    Attributes
    ----------
    net : Net
        The built network (observable: ``builder.observe(fn, "net")``).
    dataset : Dataset
        The grid of the output surface (observable; set it to follow a target explorer).
    spec : NetSpec
        The settings that built ``net``.
    """

    net = traitlets.Instance(Net)
    dataset = traitlets.Instance(Dataset)
    spec = traitlets.Instance(NetSpec)

    def __init__(
        self,
        n_in: int = 2,
        hidden: Sequence[int] = (25,),
        n_out: int = 1,
        activation: str | Sequence[str] = "relu",
        *,
        init: str = "torch",
        seed: int = 999,
        mean: float = 0.0,
        std: float = 0.02,
        batch_size: int = 2,
        dataset: Dataset | None = None,
        style: str | FrameStyle | None = None,
        backend: str = "auto",
    ) -> None:
        super().__init__()
        hidden = tuple(hidden)
        acts = (activation,) * len(hidden) if isinstance(activation, str) else tuple(activation)
        spec = NetSpec(n_in, hidden, acts, n_out, init, seed, mean, std).checked()
        self.batch_size = check_int("Batch size", batch_size, 1, 100_000)
        self._torch_cache: tuple[int, nn.Module] | None = None
        self._style, self._backend = style, backend
        self._build_controls(spec)
        self.spec = spec
        self.dataset = dataset if dataset is not None else lab2_dataset()
        self.net = spec.build()
        self._build_views()
        self.observe(self.guard(lambda change: self._refresh()), names="net")
        self.observe(self.guard(lambda change: self._refresh_surface(new_grid=True)), names="dataset")
        self._refresh()
        self.add_class("mlpw-layer-builder")

    # -- controls -------------------------------------------------------------------------------
    def _build_controls(self, spec: NetSpec) -> None:

        def small() -> W.Layout:  # one Layout per control: hiding one (mean/std) must not hide the others
            return W.Layout(width="150px")

        self.n_in_box = W.IntText(value=spec.n_in, description="inputs", layout=small())
        self.n_out_box = W.IntText(value=spec.n_out, description="outputs", layout=small())
        self.add_button = W.Button(description="add hidden layer", icon="plus", layout=W.Layout(width="160px"))
        self.layers_box = W.VBox()
        self.rows: list[W.HBox] = []
        self.init_dropdown = W.Dropdown(
            options=[(label, key) for key, label in INIT_LABELS.items()], value=spec.init,
            description="init", layout=W.Layout(width="330px"),
        )  # fmt: skip
        self.mean_box = W.FloatText(value=spec.mean, description="mean", layout=small())
        self.std_box = W.FloatText(value=spec.std, description="std", layout=small())
        self.seed_box = W.IntText(value=spec.seed, description="seed", layout=small())
        self.reset_button = W.Button(description="reset parameters", icon="refresh", tooltip="Redraw from the seed")
        self.new_seed_button = W.Button(description="new seed", icon="random", tooltip="Seed + 1, then redraw")
        self.batch_box = W.IntText(value=self.batch_size, description="batch size", layout=small())

        for h, a in zip(spec.hidden, spec.activations, strict=True):
            self._add_row(h, a)
        self.bind(self.n_in_box, lambda v: self._apply(n_in=v))
        self.bind(self.n_out_box, lambda v: self._apply(n_out=v))
        self.bind(self.init_dropdown, lambda v: self._apply(init=v))
        self.bind(self.mean_box, lambda v: self._apply(mean=v))
        self.bind(self.std_box, lambda v: self._apply(std=v))
        self.bind(self.seed_box, lambda v: self._apply(seed=v))
        self.bind(self.batch_box, self._set_batch_size)
        self.on_click(self.add_button, self.add_layer)
        self.on_click(self.reset_button, self.reset_parameters)
        self.on_click(self.new_seed_button, self.new_seed)
        self._show_init_params(spec.init)

        self.controls = W.VBox(
            [
                W.HBox([self.n_in_box, self.n_out_box, self.batch_box]),
                W.HTML("<b>hidden layers</b> (width 1–256, activation)"),
                self.layers_box,
                self.add_button,
                W.HBox([self.init_dropdown, self.seed_box]),
                W.HBox([self.mean_box, self.std_box]),
                W.HBox([self.reset_button, self.new_seed_button]),
            ]
        )

    def _show_init_params(self, init: str) -> None:
        display = "" if init == "normal" else "none"
        self.mean_box.layout.display = display
        self.std_box.layout.display = display

    def _add_row(self, width: int, activation: str) -> W.HBox:
        width_box = W.IntText(value=width, description="width", layout=W.Layout(width="150px"))
        act = W.Dropdown(options=list(ACTIVATIONS), value=activation, layout=W.Layout(width="120px"))
        remove = W.Button(icon="trash", tooltip="remove this layer", layout=W.Layout(width="40px"))
        row = W.HBox([width_box, act, remove])
        row.width_box, row.activation, row.remove_button = width_box, act, remove
        self.bind(width_box, lambda v: self._apply_row(row, width=v))
        self.bind(act, lambda v: self._apply_row(row, activation=v))
        self.on_click(remove, lambda: self.remove_layer(self.rows.index(row)))
        self.rows.append(row)
        self.layers_box.children = tuple(self.rows)
        return row

    def _apply_row(self, row: W.HBox, width: int | None = None, activation: str | None = None) -> None:
        i = self.rows.index(row)
        hidden, acts = list(self.spec.hidden), list(self.spec.activations)
        if width is not None:
            hidden[i] = width
        if activation is not None:
            acts[i] = activation
        self._apply(hidden=tuple(hidden), activations=tuple(acts))

    # -- actions --------------------------------------------------------------------------------
    def _apply(self, **changes: object) -> None:
        """Build the net for the spec with ``changes``; raises ``ValueError`` (and changes nothing) if invalid."""
        spec = replace(self.spec, **changes).checked()
        net = spec.build()
        self.spec = spec
        if "init" in changes:
            self._show_init_params(spec.init)
        self.net = net

    def add_layer(self) -> None:
        """Append a hidden layer (a copy of the last one, or 25 ReLU units)."""
        if len(self.rows) >= MAX_HIDDEN:
            raise ValueError(f"At most {MAX_HIDDEN} hidden layers are allowed; remove one first.")
        width, act = (self.spec.hidden[-1], self.spec.activations[-1]) if self.rows else (25, "relu")
        self._apply(hidden=(*self.spec.hidden, width), activations=(*self.spec.activations, act))
        self._add_row(width, act)
        self.clear_status()

    def remove_layer(self, index: int = -1) -> None:
        """Remove hidden layer ``index`` (the last by default); no hidden layer leaves one linear layer."""
        if not self.rows:
            raise ValueError("There is no hidden layer to remove.")
        index = range(len(self.rows))[index]
        hidden, acts = list(self.spec.hidden), list(self.spec.activations)
        del hidden[index], acts[index]
        self._apply(hidden=tuple(hidden), activations=tuple(acts))
        row = self.rows.pop(index)
        self.layers_box.children = tuple(self.rows)
        _close_row(row)
        self.clear_status()

    def reset_parameters(self) -> None:
        """Redraw the parameters from the current seed (undoes training or edits made elsewhere)."""
        self.net = self.spec.build()
        self.show_info(f"Parameters redrawn with seed {self.spec.seed}.")

    def new_seed(self) -> None:
        """Increase the seed by one and redraw the parameters."""
        seed = self.spec.seed + 1 if self.spec.seed < MAX_SEED else 0
        self._apply(seed=seed)
        self.set_quietly(self.seed_box, seed)
        self.show_info(f"Parameters redrawn with seed {seed}.")

    def _set_batch_size(self, value: int) -> None:
        self.batch_size = check_int("Batch size", value, 1, 100_000)
        self._refresh()

    # -- public state ---------------------------------------------------------------------------
    @property
    def torch_module(self) -> nn.Sequential:
        """The torch twin of :attr:`net` (an ``nn.Sequential``; the same object until ``net`` changes)."""
        if self._torch_cache is None or self._torch_cache[0] is not self.net:
            self._torch_cache = (self.net, to_torch(self.net))
        return self._torch_cache[1]

    def module_code(self) -> str:
        """PyTorch code of a ``TorchNet``-style class equal to :attr:`net` (parameters included)."""
        return module_code(self.net, init=self._init_for_code())

    def sequential_code(self) -> str:
        """PyTorch code of an ``nn.Sequential`` equal to :attr:`net` (parameters included)."""
        return sequential_code(self.net, init=self._init_for_code())

    def _init_for_code(self) -> InitSpec | None:
        # the seed reproduces the net only if nobody changed its parameters since it was built
        fresh = self.spec.build()
        same = all(torch.equal(a, b) for a, b in zip(fresh.parameters(), self.net.parameters(), strict=False))
        same = same and len(fresh.layers) == len(self.net.layers)
        return self.spec.init_spec if same else None

    def check(self) -> Comparison:
        """Compare :attr:`net` with :attr:`torch_module` on a random batch (seeded by the spec's seed)."""
        generator = torch.Generator().manual_seed(self.spec.seed)
        x = 2 * torch.rand((self.batch_size, self.net.n_in), generator=generator) - 1
        return compare(self.net, self.torch_module, x)

    # -- views ----------------------------------------------------------------------------------
    def _build_views(self) -> None:
        self.summary = W.HTML()
        self.shape_table = W.HTML()
        self.graph_view = GraphView(self.net, self.batch_size, style=self._style, backend=self._backend)
        self.graph_widget = self.embed(self.graph_view)
        self.code_module = W.HTML()
        self.code_sequential = W.HTML()
        code_tabs = W.Tab(children=[self.code_module, self.code_sequential])
        code_tabs.titles = ("nn.Module class", "nn.Sequential")
        ds = self.dataset
        self.surface_view = SurfaceView(
            ds.x_nodes, ds.y_nodes, None, title="untrained network output", zlabel="ŷ",
            style=self._style, backend=self._backend,
        )  # fmt: skip
        self.surface_note = W.HTML()
        self.surface_widget = self.embed(self.surface_view)  # the ipympl canvas, or its PNG stand-in
        self.surface_box = W.VBox([self.surface_note, self.surface_widget])
        self.tabs = W.Tab(children=[W.VBox([self.shape_table, self.graph_widget]), code_tabs, self.surface_box])
        self.tabs.titles = ("shapes & graph", "PyTorch code", "output surface")
        self.children = (self.controls, self.status, self.summary, self.tabs)

    def _refresh(self) -> None:
        net = self.net
        result = self.check()
        mark = "✓" if result.allclose else "✗"
        self.summary.value = (
            f"<b>{net.num_params()}</b> parameters · from scratch vs torch on a random batch of {self.batch_size}: "
            f"allclose {mark}, max abs error {result.max_abs_error:.3g}"
        )
        self.shape_table.value = shape_table_html(net, self.batch_size)
        self.graph_view.update(net, self.batch_size)
        self.code_module.value = _pre(self.module_code())
        self.code_sequential.value = _pre(self.sequential_code())
        self._refresh_surface()

    def _refresh_surface(self, new_grid: bool = False) -> None:
        net, ds = self.net, self.dataset
        if net.n_in != 2 or net.n_out != 1:
            self.surface_note.value = (
                f"The output surface needs 2 inputs and 1 output (x, y → ŷ); this network has "
                f"{net.n_in} inputs and {net.n_out} outputs."
            )
            self.surface_widget.layout.display = "none"
            return
        with torch.no_grad():
            prediction = net.forward(ds.inputs).reshape(-1)
        self.prediction = prediction
        n_bad = int((~torch.isfinite(prediction)).sum())
        lo, hi = float(prediction.nan_to_num().min()), float(prediction.nan_to_num().max())
        note = f"ŷ over the {ds.n}×{ds.n} grid on [{ds.lo:g}, {ds.hi:g}]²: from {lo:.3g} to {hi:.3g}"
        if n_bad:
            note += f" — {n_bad} values are not finite (overflow) and are left out"
        self.surface_note.value = note
        self.surface_widget.layout.display = None
        if new_grid:
            self.surface_view.set_grid(ds.x_nodes, ds.y_nodes, prediction)
        else:
            self.surface_view.update(prediction)


def _close_row(row: W.HBox) -> None:
    for child in row.children:
        child.close()
    row.close()
