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
from ..core.features import FEATURES, net_inputs, takes_grid
from ..core.limits import MAX_HIDDEN, MAX_SEED, MAX_WIDTH
from ..core.units import same_parameters
from ..export.code import module_code, sequential_code
from ..plots import GraphView, SurfaceView
from ..plots.style import FrameStyle
from ._base import WidgetBase, flow

__all__ = ["INIT_LABELS", "MAX_HIDDEN", "MAX_SEED", "MAX_WIDTH", "LayerBuilder", "NetSpec", "shape_table_html"]

#: largest batch of the shape table and the torch check
MAX_BATCH = 100_000


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
    """Code in a monospace block with a button that copies it (the browser's clipboard; nothing runs in the kernel)."""
    copy = (
        "<button class='jupyter-button' title='Copy this code to the clipboard' "
        "onclick=\"navigator.clipboard.writeText(this.parentElement.querySelector('pre').innerText);"
        "this.innerText='copied';\">copy</button>"
    )
    return f"<div class='mlpw-code'>{copy}<pre>{html.escape(code)}</pre></div>"


class LayerBuilder(WidgetBase):
    """Build a network with controls; see its shapes, graph, PyTorch code, torch check and output surface.

    Its state is a :class:`~mlp_widgets.config.specs.NetSpec` and the network
    it shows. Every control shows a field of the spec; a change on one makes a
    new spec and goes through :meth:`set_spec`, the one setter, which builds the
    network and updates the controls and the pictures.

    Parameters
    ----------
    n_in, hidden, n_out, activation, init, seed, mean, std, features :
        The starting architecture (see :class:`NetSpec`; the defaults are the
        lab's 2 → 25 → 1 ReLU network with ``torch.manual_seed(999)``).
        ``activation`` is one name for every hidden layer or one per layer;
        ``features`` are input features after x and y (then ``n_in`` follows them).
    batch_size : int
        Batch size for the shape table and the graph (the lab's example uses 2).
    dataset : Dataset, optional
        Grid for the output surface (the lab's 50×50 grid over [-2, 2]²).
    student : StudentCode, mapping or object, optional
        The student's own ``Linear``, ``ReLU``, ``Sigmoid`` and ``Net`` (e.g.
        ``globals()`` of the exercise notebook; see
        :mod:`mlp_widgets.checks.student`): the output surface is computed
        with them, under the self-checks' time limit, with a "your code"
        badge; a wrong implementation's surface is shown beside the right one.
    style : str or FrameStyle, optional
        Frame style of the figures (``"default"`` small frames, ``"sharp"``).
    backend : str
        Canvas kind for the figures (``"auto"``, ``"agg"``, ``"ipympl"``).

    Attributes
    ----------
    net : Net
        Output: the network shown (observable: ``builder.observe(fn, "net")``).
    spec : NetSpec
        The settings the controls show.
    dataset : Dataset
        Input: the grid of the output surface (set it to follow a target explorer).
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
        features: Sequence[str] = (),
        batch_size: int = 2,
        dataset: Dataset | None = None,
        student: object | None = None,
        style: str | FrameStyle | None = None,
        backend: str = "auto",
    ) -> None:
        super().__init__()
        from ..checks.student import StudentCode

        self.student = StudentCode.of(student) if student is not None else None
        self.student_run = None
        hidden = tuple(hidden)
        acts = (activation,) * len(hidden) if isinstance(activation, str) else tuple(activation)
        spec = NetSpec(n_in, hidden, acts, n_out, init, seed, mean, std, tuple(features)).checked()
        self.batch_size = check_int("Batch size", batch_size, 1, MAX_BATCH)
        self._torch_cache: tuple[Net, nn.Module] | None = None
        self._style, self._backend = style, backend
        self.spec = spec
        self.net = spec.build()
        self.given = False
        self.dataset = dataset if dataset is not None else lab2_dataset()
        self.rows: list[W.HBox] = []
        self._build_controls()
        self._build_views()
        self.observe(self.guard(lambda change: self._refresh()), names="net")
        self.observe(self.guard(lambda change: self._refresh_surface(new_grid=True)), names="dataset")
        self._sync_rows()
        self._refresh()
        self.add_class("mlpw-layer-builder")

    # -- the one setter ---------------------------------------------------------------------------
    def set_spec(self, spec: NetSpec, net: Net | None = None) -> None:
        """Show ``spec``: build its network (or show ``net``, which must have its architecture).

        Raises
        ------
        ValueError
            For an invalid spec, or a ``net`` of another architecture; nothing changes then.

        Notes
        -----
        A given ``net`` is shown as it is (the same object); it counts as
        drawn from the seed if its parameters equal what the spec draws, and
        then the generated code redraws it from the seed.
        """
        spec = spec.checked()
        if net is not None and NetSpec.describing(net, spec) != spec:
            raise ValueError("The network given does not have the architecture of the spec.")
        drawn = spec.build()
        given = net is not None and not same_parameters(net, drawn)
        self.spec, self.given = spec, given
        built = net if net is not None else drawn  # a given network equal to the seed's draw is the seed's draw
        self._show_init_params()
        self.n_in_box.disabled = bool(spec.features)  # x, y and the features
        self._sync_rows()
        self.render_controls()
        self.net = built  # last: observers (the dashboard) see the whole new state

    def show_net(self, net: Net) -> None:
        """Show a network made elsewhere (loaded from a file, trained): its architecture becomes the spec.

        The initialisation settings stay; the parameters are the network's own.

        Raises
        ------
        ValueError
            If the builder cannot describe the network (e.g. two linear layers with no activation between).
        """
        self.set_spec(NetSpec.describing(net, self.spec), net)

    def _apply(self, **changes: object) -> None:
        self.set_spec(replace(self.spec, **changes))

    def add_layer(self) -> None:
        """Append a hidden layer (a copy of the last one, or 25 ReLU units)."""
        spec = self.spec
        if len(spec.hidden) >= MAX_HIDDEN:
            raise ValueError(f"At most {MAX_HIDDEN} hidden layers are allowed; remove one first.")
        width, act = (spec.hidden[-1], spec.activations[-1]) if spec.hidden else (25, "relu")
        self._apply(hidden=(*spec.hidden, width), activations=(*spec.activations, act))

    def remove_layer(self, index: int = -1) -> None:
        """Remove hidden layer ``index`` (the last by default); no hidden layer leaves one linear layer."""
        hidden, acts = list(self.spec.hidden), list(self.spec.activations)
        if not hidden:
            raise ValueError("There is no hidden layer to remove.")
        index = range(len(hidden))[index]
        del hidden[index], acts[index]
        self._apply(hidden=tuple(hidden), activations=tuple(acts))

    def reset_parameters(self) -> None:
        """Redraw the parameters from the current seed (undoes training, edits or a loaded network)."""
        self.set_spec(self.spec)
        self.show_info(f"Parameters redrawn with seed {self.spec.seed}.")

    def new_seed(self) -> None:
        """Increase the seed by one and redraw the parameters."""
        seed = self.spec.seed + 1 if self.spec.seed < MAX_SEED else 0
        self._apply(seed=seed)
        self.show_info(f"Parameters redrawn with seed {seed}.")

    def _set_batch_size(self, value: int) -> None:
        self.batch_size = check_int("Batch size", value, 1, MAX_BATCH)
        self._refresh()

    # -- controls -------------------------------------------------------------------------------
    def _build_controls(self) -> None:
        def small() -> W.Layout:  # one Layout per control: hiding one (mean/std) must not hide the others
            return W.Layout(width="170px")

        wide = {"description_width": "initial"}
        self.n_in_box = W.IntText(
            description="inputs",
            layout=small(),
            tooltip=f"Features per sample, N_in (1–{MAX_WIDTH}); the lab's grid has 2",
        )
        self.n_out_box = W.IntText(description="outputs", layout=small(), tooltip="Outputs per sample, N_out")
        self.batch_box = W.IntText(
            description="batch size", layout=small(), style=wide,
            tooltip="Samples in the example batch x of the shape table (the lab's x has 2)",
        )  # fmt: skip
        self.add_button = W.Button(
            description="add hidden layer", icon="plus", layout=W.Layout(width="170px"),
            tooltip=f"Append a hidden layer (at most {MAX_HIDDEN})",
        )  # fmt: skip
        self.layers_box = W.VBox()
        self.init_dropdown = W.Dropdown(
            options=[(label, key) for key, label in INIT_LABELS.items()], description="init",
            layout=W.Layout(width="360px"), tooltip="How the weights and biases are drawn",
        )  # fmt: skip
        self.mean_box = W.FloatText(description="mean", layout=small(), tooltip="Mean of the normal draw")
        self.std_box = W.FloatText(description="std", layout=small(), tooltip="Standard deviation of the normal draw")
        self.seed_box = W.IntText(description="seed", layout=small(), tooltip="The same seed draws the same numbers")
        self.reset_button = W.Button(
            description="reset parameters", icon="refresh", layout=W.Layout(width="170px"),
            tooltip="Redraw the weights from the seed",
        )  # fmt: skip
        self.new_seed_button = W.Button(
            description="new seed", icon="random", layout=W.Layout(width="130px"),
            tooltip="Seed + 1, then redraw the weights",
        )  # fmt: skip
        self.bind(self.n_in_box, self._set_n_in, shown=lambda: self.spec.n_in)
        self.feature_boxes: dict[str, W.Checkbox] = {}
        for key, feature in FEATURES.items():
            box = W.Checkbox(
                description=feature.label, indent=False, layout=W.Layout(width="70px"),
                tooltip=f"Give the network {feature.label} as an extra input, computed from x and y",
            )  # fmt: skip
            self.bind(
                box, lambda on, key=key: self._toggle_feature(key, on), shown=lambda key=key: key in self.spec.features
            )
            self.feature_boxes[key] = box
        self.bind(self.n_out_box, lambda v: self._apply(n_out=v), shown=lambda: self.spec.n_out)
        self.bind(self.init_dropdown, lambda v: self._apply(init=v), shown=lambda: self.spec.init)
        self.bind(self.mean_box, lambda v: self._apply(mean=v), shown=lambda: self.spec.mean)
        self.bind(self.std_box, lambda v: self._apply(std=v), shown=lambda: self.spec.std)
        self.bind(self.seed_box, lambda v: self._apply(seed=v), shown=lambda: self.spec.seed)
        self.bind(self.batch_box, self._set_batch_size, shown=lambda: self.batch_size)
        self.on_click(self.add_button, self.add_layer)
        self.on_click(self.reset_button, self.reset_parameters)
        self.on_click(self.new_seed_button, self.new_seed)
        self.render_controls()
        self._show_init_params()
        self.features_row = flow(W.HTML("<b>input features</b> besides x, y:"), *self.feature_boxes.values())
        self.controls = W.VBox(
            [
                flow(self.n_in_box, self.n_out_box, self.batch_box),
                self.features_row,
                W.HTML(f"<b>hidden layers</b> (width 1–{MAX_WIDTH}, activation)"),
                self.layers_box,
                self.add_button,
                flow(self.init_dropdown, self.seed_box),
                flow(self.mean_box, self.std_box),
                flow(self.reset_button, self.new_seed_button),
            ]
        )

    def _set_n_in(self, value: int) -> None:
        if self.spec.features:
            raise ValueError(
                "With input features the inputs are x, y and the features: untick the features to choose the "
                "number of inputs yourself."
            )
        self._apply(n_in=value)

    def _toggle_feature(self, key: str, on: bool) -> None:
        features = tuple(k for k in FEATURES if (k in self.spec.features and k != key) or (k == key and on))
        self._apply(features=features, n_in=2 if not features and self.spec.features else self.spec.n_in)

    def _show_init_params(self) -> None:
        display = "" if self.spec.init == "normal" else "none"
        self.mean_box.layout.display = display
        self.std_box.layout.display = display

    def _sync_rows(self) -> None:
        """One row of controls per hidden layer of the spec (rows are added or removed at the end)."""
        while len(self.rows) > len(self.spec.hidden):
            row = self.rows.pop()
            self.unbind(row.width_box)
            self.unbind(row.activation)
            _close_row(row)
        while len(self.rows) < len(self.spec.hidden):
            self.rows.append(self._new_row(len(self.rows)))
        self.layers_box.children = tuple(self.rows)

    def _new_row(self, index: int) -> W.HBox:
        width_box = W.IntText(
            description=f"layer {index + 1}", layout=W.Layout(width="170px"),
            tooltip=f"Units in hidden layer {index + 1} (1–{MAX_WIDTH})",
        )  # fmt: skip
        act = W.Dropdown(
            options=list(ACTIVATIONS), layout=W.Layout(width="130px"),
            tooltip=f"Activation after hidden layer {index + 1}",
        )  # fmt: skip
        remove = W.Button(
            icon="trash", description="", tooltip=f"Remove hidden layer {index + 1}", layout=W.Layout(width="40px")
        )
        row = flow(width_box, act, remove)
        row.width_box, row.activation, row.remove_button = width_box, act, remove

        def width_apply(v: int) -> None:
            hidden = list(self.spec.hidden)
            hidden[index] = v
            self._apply(hidden=tuple(hidden))

        def act_apply(v: str) -> None:
            acts = list(self.spec.activations)
            acts[index] = v
            self._apply(activations=tuple(acts))

        self.bind(width_box, width_apply, shown=lambda: self.spec.hidden[index])
        self.bind(act, act_apply, shown=lambda: self.spec.activations[index])
        self.on_click(remove, lambda: self.remove_layer(index))
        self.put(width_box, value=self.spec.hidden[index])
        self.put(act, value=self.spec.activations[index])
        return row

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
        """The seed reproduces the net only when the builder drew it; a given network's weights are written out."""
        return None if self.given else self.spec.init_spec

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
        self.code_tabs = code_tabs
        ds = self.dataset
        self.surface_view = SurfaceView(
            ds.x_nodes, ds.y_nodes, None, title=self._surface_title(), zlabel="ŷ",
            style=self._style, backend=self._backend,
        )  # fmt: skip
        self.surface_note = W.HTML()
        self.surface_widget = self.embed(self.surface_view)  # the ipympl canvas, or its PNG stand-in
        self.your_code = W.HTML()
        self.reference_view: SurfaceView | None = None
        self.surface_row = W.HBox([self.surface_widget], layout=W.Layout(flex_flow="row wrap"))
        self.surface_box = W.VBox([self.surface_note, self.your_code, self.surface_row])
        self.tabs = W.Tab(children=[W.VBox([self.shape_table, self.graph_widget]), code_tabs, self.surface_box])
        self.tabs.titles = ("shapes & graph", "PyTorch code", "output surface")
        self.blocks.add("code", code_tabs, self.tabs)
        self.blocks.add("surface", self.surface_box, self.tabs)
        self.children = (self.controls, self.status, self.summary, self.tabs)

    def _surface_title(self) -> str:
        return (
            "output ŷ of the network shown" if self.given else f"untrained network's output ŷ (seed {self.spec.seed})"
        )

    def _refresh(self) -> None:
        net = self.net
        result = self.check()
        mark = "✓" if result.allclose else "✗"
        where = "given (loaded or trained elsewhere)" if self.given else f"drawn from seed {self.spec.seed}"
        self.summary.value = (
            f"<b>{net.num_params()}</b> parameters, {where} · from scratch vs torch on a random batch of "
            f"{self.batch_size}: allclose {mark}, max abs error {result.max_abs_error:.3g}"
        )
        self.shape_table.value = shape_table_html(net, self.batch_size)
        self.graph_view.update(net, self.batch_size)
        self.code_module.value = _pre(self.module_code())
        self.code_sequential.value = _pre(self.sequential_code())
        self.surface_view.set_title(self._surface_title(), redraw=False)
        self._refresh_surface()

    def _refresh_surface(self, new_grid: bool = False) -> None:
        net, ds = self.net, self.dataset
        if not takes_grid(net):
            self.surface_note.value = (
                f"The output surface needs 2 inputs and 1 output (x, y → ŷ; and its input features, if any); "
                f"this network has {net.n_in} inputs and {net.n_out} outputs."
            )
            self.surface_widget.layout.display = "none"
            return
        with torch.no_grad():
            prediction = net.forward(net_inputs(net, ds)).reshape(-1)
        prediction = self._student_surface(prediction, new_grid)
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

    def _student_surface(self, reference: torch.Tensor, new_grid: bool) -> torch.Tensor:
        """With the student's classes: their prediction (the reference's if theirs did not run), badge and side view."""
        if self.student is None:
            return reference
        from ..checks.student import run_student
        from .student_badge import badge_html

        net, ds = self.net, self.dataset
        run = run_student(self.student, net, net_inputs(net, ds))
        self.student_run = run
        self.your_code.value = badge_html(run)
        wrong = run.ran and not run.matches
        if wrong:
            if self.reference_view is None:
                self.reference_view = SurfaceView(
                    ds.x_nodes, ds.y_nodes, reference, title="the right one (reference)", zlabel="ŷ",
                    style=self._style, backend=self._backend,
                )  # fmt: skip
                self.surface_row.children = (self.surface_widget, self.embed(self.reference_view))
            elif new_grid:
                self.reference_view.set_grid(ds.x_nodes, ds.y_nodes, reference)
            else:
                self.reference_view.update(reference)
        if len(self.surface_row.children) > 1:
            self.surface_row.children[1].layout.display = None if wrong else "none"
        self.surface_view.set_title("your code's output ŷ" if run.ran else self._surface_title(), redraw=False)
        return run.output.reshape(-1) if run.ran else reference


def _close_row(row: W.HBox) -> None:
    for child in row.children:
        child.close()
    row.close()
