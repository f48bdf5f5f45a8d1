"""TargetExplorer: choose the function the network should learn, see it in 3-D (Lab 2, section 2)."""

from __future__ import annotations

import html
from dataclasses import replace
from typing import Any

import ipywidgets as W
import numpy as np
import traitlets

from ..config.specs import TargetSpec
from ..core import TARGETS, TEST_REGIONS, Dataset, lab2_dataset
from ..core.limits import GRID_LIMIT, GRID_POINTS_MAX, GRID_POINTS_MIN, MAX_NOISE, MAX_TEST_FRACTION
from ..plots import SurfaceView
from ..plots.style import FrameStyle
from ._base import WidgetBase, flow

#: the spec's fields of noise and the test set (set like the grid's, not as target parameters)
_SPLIT = ("noise", "noise_seed", "test_fraction", "test_region", "split_seed")


def _box(kind: type, description: str, tooltip: str) -> W.ValueWidget:
    """A number box of the noise and split row."""
    return kind(
        description=description, layout=W.Layout(width="190px"), style={"description_width": "initial"},
        tooltip=tooltip,
    )  # fmt: skip


def _param_hint(name: str, target: str) -> str:
    p = TARGETS[target].params[name]
    lo = f"above {p.lo:g}" if p.lo_open else f"from {p.lo:g}"
    return f"{lo} to {p.hi:g}"


class TargetExplorer(WidgetBase):
    """Pick a target function and its parameters, the grid range and resolution; see its surface.

    Its state is a :class:`~mlp_widgets.config.specs.TargetSpec`; every control
    shows a field of it, and :meth:`set_spec` — the one setter — samples the
    target, updates the controls and the figure, and publishes :attr:`dataset`.

    Parameters
    ----------
    dataset : Dataset, optional
        Where to start (the lab's Gaussian on a 50×50 grid over [-2, 2]²).
    style : str or FrameStyle, optional
        Frame style of the figure.
    backend : str
        Canvas kind (``"auto"``, ``"agg"``, ``"ipympl"``).

    Attributes
    ----------
    dataset : Dataset
        Output: the sampled target (observable), what the other widgets train on.
    spec : TargetSpec
        The settings the controls show.
    target_dropdown, param_boxes, lo_box, hi_box, points_box :
        The controls (``param_boxes`` maps parameter name to its ``FloatText``).
    noise_box, noise_seed_box, test_fraction_box, test_region_dropdown, split_seed_box :
        Noise on the training values and the held-out test set (none by default, as in the lab).
    surface_view : SurfaceView
        The 3-D surface.
    formula, value_range : ipywidgets.HTML
        The formula with its numbers, and the smallest and largest value.
    """

    dataset = traitlets.Instance(Dataset)

    def __init__(
        self,
        dataset: Dataset | None = None,
        *,
        style: str | FrameStyle | None = None,
        backend: str = "auto",
    ) -> None:
        super().__init__()
        ds = dataset if dataset is not None else lab2_dataset()
        if not isinstance(ds, Dataset):
            raise ValueError(f"dataset must be a Dataset (e.g. from make_dataset); got a {type(ds).__name__}.")
        self.spec = TargetSpec.of(ds)
        self.dataset = ds
        self.target_dropdown = W.Dropdown(
            options=[(spec.label, name) for name, spec in TARGETS.items()], description="target",
            tooltip="The function the network should learn",
        )  # fmt: skip
        self.params_box = W.VBox()
        self.param_boxes: dict[str, W.FloatText] = {}
        small = {"width": "190px"}
        self.lo_box = W.FloatText(description="grid from", layout=W.Layout(**small), tooltip="Start of both axes")
        self.hi_box = W.FloatText(description="to", layout=W.Layout(**small), tooltip="End of both axes")
        self.points_box = W.IntText(
            description="points/axis", layout=W.Layout(**small), style={"description_width": "initial"},
            tooltip=f"Grid points along each axis ({GRID_POINTS_MIN}–{GRID_POINTS_MAX}); the lab uses 50",
        )  # fmt: skip
        self.bind(self.target_dropdown, lambda v: self.set_target(v), shown=lambda: self.spec.name)
        self.bind(self.lo_box, lambda v: self._apply(lo=v), shown=lambda: self.spec.lo)
        self.bind(self.hi_box, lambda v: self._apply(hi=v), shown=lambda: self.spec.hi)
        self.bind(self.points_box, lambda v: self._apply(n=v), shown=lambda: self.spec.n)
        self.noise_box = _box(
            W.FloatText, "noise", "Gaussian noise on the training values, in units of the target's standard deviation "
            f"(0–{MAX_NOISE:g}; 0: none, as in the lab)",
        )  # fmt: skip
        self.noise_seed_box = _box(W.IntText, "noise seed", "The same seed draws the same noise")
        self.test_fraction_box = _box(
            W.FloatText, "held out", "Fraction of the grid's points kept out of training as a test set "
            f"(0–{MAX_TEST_FRACTION:g}; 0: none, as in the lab)",
        )  # fmt: skip
        self.test_region_dropdown = W.Dropdown(
            options=[(f"where: {text}", key) for key, text in TEST_REGIONS.items()], layout=W.Layout(width="290px"),
            tooltip="Where the held-out points lie: at random, or in a corner (can the network extrapolate?)",
        )  # fmt: skip
        self.split_seed_box = _box(W.IntText, "split seed", "The same seed holds out the same random points")
        for box, key in (
            (self.noise_box, "noise"), (self.noise_seed_box, "noise_seed"), (self.test_fraction_box, "test_fraction"),
            (self.test_region_dropdown, "test_region"), (self.split_seed_box, "split_seed"),
        ):  # fmt: skip
            self.bind(box, lambda v, key=key: self._apply(**{key: v}), shown=lambda key=key: getattr(self.spec, key))
        self._build_param_boxes()
        self.render_controls()

        self.formula = W.HTML()
        self.value_range = W.HTML()
        self.split_note = W.HTML()
        self.surface_view = SurfaceView(
            ds.x_nodes, ds.y_nodes, ds.ground_truth, title=TARGETS[ds.target].label, zlabel="f(x, y)",
            style=style, backend=backend,
        )  # fmt: skip
        self.controls = W.VBox(
            [
                self.target_dropdown,
                self.params_box,
                flow(self.lo_box, self.hi_box, self.points_box),
                W.HTML(
                    f"<small>grid range up to ±{GRID_LIMIT:g}; {GRID_POINTS_MIN}–{GRID_POINTS_MAX} points per axis"
                    "</small>"
                ),
                flow(self.noise_box, self.noise_seed_box),
                flow(self.test_fraction_box, self.test_region_dropdown, self.split_seed_box),
                self.split_note,
            ]
        )
        self.children = (self.controls, self.status, self.formula, self.value_range, self.embed(self.surface_view))
        self._shown = ds  # the surface shows it already
        self._show(ds)
        self.add_class("mlpw-target-explorer")

    # -- the one setter ---------------------------------------------------------------------------
    def set_spec(self, spec: TargetSpec) -> None:
        """Sample ``spec``'s target on its grid and show it (controls, figure), then publish :attr:`dataset`.

        Raises
        ------
        ValueError
            For an unknown target, a parameter out of range, a bad grid, or values that are not finite on
            the grid; nothing changes then.
        """
        spec = spec.checked()
        with np.errstate(over="ignore", invalid="ignore"):  # overflow is reported below, in a sentence
            ds = spec.dataset()
        if not np.isfinite(ds.ground_truth.numpy()).all():
            raise ValueError("These settings give values that are not finite on the grid; choose gentler ones.")
        new_target = spec.name != self.spec.name
        self.spec = spec
        if new_target:
            self._build_param_boxes()
        self.render_controls()
        self._show(ds)
        self.dataset = ds

    def set_target(self, target: str, **params: float) -> None:
        """Show ``target`` with ``params`` (others at their defaults) on the current grid.

        Raises
        ------
        ValueError
            For an unknown target or a parameter out of range (nothing changes then).
        """
        self.set_spec(replace(self.spec, name=target, params=params))

    def _apply(self, **changes: Any) -> None:
        """A new spec with ``changes`` (grid ``lo``/``hi``/``n`` or a target parameter); raises ``ValueError``."""
        grid = {k: v for k, v in changes.items() if k in ("lo", "hi", "n", *_SPLIT)}
        params = {k: v for k, v in changes.items() if k not in grid}
        self.set_spec(replace(self.spec, **grid, params={**self.spec.params, **params}))

    # -- controls -------------------------------------------------------------------------------
    def _build_param_boxes(self) -> None:
        """One box per parameter of the current target (new boxes when the target changes)."""
        for box in self.param_boxes.values():
            self.unbind(box)
        for row in self.params_box.children:
            for child in row.children:
                child.close()
            row.close()
        target = self.spec.name
        self.param_boxes = {}
        rows = []
        for name, p in TARGETS[target].params.items():
            box = W.FloatText(
                value=float(self.spec.params[name]), description=p.label or name,
                layout=W.Layout(width="230px"), style={"description_width": "90px"},
                tooltip=f"{p.label or name}: {_param_hint(name, target)}",
            )  # fmt: skip
            self.bind(box, lambda v, key=name: self._apply(**{key: v}), shown=lambda key=name: self.spec.params[key])
            self.param_boxes[name] = box
            rows.append(flow(box, W.HTML(f"<small>{html.escape(_param_hint(name, target))}</small>")))
        self.params_box.children = tuple(rows)

    # -- display --------------------------------------------------------------------------------
    def _show(self, ds: Dataset) -> None:
        previous = self._shown
        self.formula.value = f"<code>{html.escape(ds.describe())}</code>"
        z = ds.ground_truth.numpy()
        lo, hi = float(z.min()), float(z.max())
        i_max = int(np.argmax(z))
        x_max, y_max = ds.nodes[i_max]
        self.value_range.value = (
            f"{ds.n}×{ds.n} points on [{ds.lo:g}, {ds.hi:g}]²: values from <b>{lo:.4g}</b> to <b>{hi:.4g}</b> "
            f"(largest at x = {x_max:.3g}, y = {y_max:.3g}); mean {float(z.mean()):.4g}"
        )
        split = ds.describe_split()
        self.split_note.value = (
            f"<small>{html.escape(split)}. The loss readouts give train and test loss; held-out points are the "
            "grey dots.</small>"
            if split
            else ""
        )
        view = self.surface_view
        view.set_title(TARGETS[ds.target].label, redraw=False)
        held = ds.held_out()
        if len(held) or view.marked:
            view.set_marks(held[:, 0], held[:, 1], ds.values.numpy()[~ds.train_mask.numpy()] if len(held) else None,
                           redraw=False)  # fmt: skip
        if previous.n != ds.n or previous.lo != ds.lo or previous.hi != ds.hi:
            view.set_grid(ds.x_nodes, ds.y_nodes, z)
        else:
            view.update(z, full=bool(len(held) or view.marked))
        self._shown = ds
