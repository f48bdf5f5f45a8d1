"""TargetExplorer: choose the function the network should learn, see it in 3-D (Lab 2, section 2)."""

from __future__ import annotations

import html
from typing import Any

import ipywidgets as W
import numpy as np
import traitlets

from ..core import TARGETS, Dataset, lab2_dataset, make_dataset
from ..core._validate import check_choice, check_float, check_int
from ..core.limits import GRID_LIMIT
from ..core.limits import GRID_POINTS_MAX as POINTS_MAX
from ..core.limits import GRID_POINTS_MIN as POINTS_MIN
from ..plots import SurfaceView
from ..plots.style import FrameStyle
from ._base import WidgetBase


def _param_hint(name: str, target: str) -> str:
    p = TARGETS[target].params[name]
    lo = f"above {p.lo:g}" if p.lo_open else f"from {p.lo:g}"
    return f"{lo} to {p.hi:g}"


class TargetExplorer(WidgetBase):
    """Pick a target function and its parameters, the grid range and resolution; see its surface.

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
        The sampled target (observable): what the other widgets train on.
        Setting it from outside updates the controls and the figure.
    target_dropdown, param_boxes, lo_box, hi_box, points_box :
        The controls (``param_boxes`` maps parameter name to its ``FloatText``).
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
        self.dataset = ds

        self.target_dropdown = W.Dropdown(
            options=[(spec.label, name) for name, spec in TARGETS.items()], value=ds.target, description="target"
        )
        self.params_box = W.VBox()
        self.param_boxes: dict[str, W.FloatText] = {}
        small = W.Layout(width="170px")
        self.lo_box = W.FloatText(value=ds.lo, description="grid from", layout=small)
        self.hi_box = W.FloatText(value=ds.hi, description="to", layout=small)
        self.points_box = W.IntText(value=ds.n, description="points/axis", layout=small)
        self.bind(self.target_dropdown, self._apply_target, lambda v: check_choice("target", v, tuple(TARGETS)))
        self.bind(self.lo_box, lambda v: self._apply(lo=v), lambda v: check_float("The grid start", v))
        self.bind(self.hi_box, lambda v: self._apply(hi=v), lambda v: check_float("The grid end", v))
        self.bind(
            self.points_box,
            lambda v: self._apply(n=v),
            lambda v: check_int("Points per axis", v, POINTS_MIN, POINTS_MAX),
        )
        self._build_param_boxes(ds.target, ds.params)

        self.formula = W.HTML()
        self.value_range = W.HTML()
        self.surface_view = SurfaceView(
            ds.x_nodes, ds.y_nodes, ds.ground_truth, title=TARGETS[ds.target].label, zlabel="f(x, y)",
            style=style, backend=backend,
        )  # fmt: skip
        self.controls = W.VBox(
            [
                self.target_dropdown,
                self.params_box,
                W.HBox([self.lo_box, self.hi_box, self.points_box]),
                W.HTML(f"<small>grid range up to ±{GRID_LIMIT:g}; {POINTS_MIN}–{POINTS_MAX} points per axis</small>"),
            ]
        )
        self.children = (self.controls, self.status, self.formula, self.value_range, self.embed(self.surface_view))
        self._shown = ds  # the surface shows it already
        self.observe(self.guard(lambda change: self._show(change["new"])), names="dataset")
        self._show(ds)
        self.add_class("mlpw-target-explorer")

    # -- controls -------------------------------------------------------------------------------
    def _build_param_boxes(self, target: str, values: dict[str, float]) -> None:
        for box in self.param_boxes.values():
            self._last_valid.pop(id(box), None)
            box.close()
        self.param_boxes = {}
        spec = TARGETS[target]
        rows = []
        for name, p in spec.params.items():
            box = W.FloatText(
                value=float(values.get(name, p.default)), description=p.label or name,
                layout=W.Layout(width="230px"), style={"description_width": "90px"},
            )  # fmt: skip
            self.bind(box, lambda v, key=name: self._apply(**{key: v}))
            self.param_boxes[name] = box
            rows.append(W.HBox([box, W.HTML(f"<small>{html.escape(_param_hint(name, target))}</small>")]))
        for row in self.params_box.children:
            for child in row.children:
                child.close()
            row.close()
        self.params_box.children = tuple(rows)

    def _apply_target(self, target: str) -> None:
        """Switch to ``target`` with its default parameters (same grid)."""
        ds = self.dataset
        self._set(target, ds.lo, ds.hi, ds.n)

    def _apply(self, **changes: Any) -> None:
        """Rebuild the dataset with ``changes`` (grid ``lo``/``hi``/``n`` or target parameters); raises ``ValueError``."""
        ds = self.dataset
        grid = {"lo": ds.lo, "hi": ds.hi, "n": ds.n}
        params = dict(ds.params)
        for key, value in changes.items():
            if key in grid:
                grid[key] = value
            else:
                params[key] = value
        for key in ("lo", "hi"):
            label = "The grid start" if key == "lo" else "The grid end"
            grid[key] = check_float(label, grid[key], lo=-GRID_LIMIT, hi=GRID_LIMIT)
        grid["n"] = check_int("Points per axis", grid["n"], POINTS_MIN, POINTS_MAX)
        self._set(ds.target, grid["lo"], grid["hi"], grid["n"], **params)

    def _set(self, target: str, lo: float, hi: float, n: int, **params: float) -> None:
        """Sample the target and make it the dataset; raises ``ValueError`` (nothing changes) if invalid."""
        with np.errstate(over="ignore", invalid="ignore"):  # overflow is reported below, in a sentence
            ds = make_dataset(target, lo, hi, n, **params)
        if not np.isfinite(ds.ground_truth.numpy()).all():
            raise ValueError("These settings give values that are not finite on the grid; choose gentler ones.")
        self.dataset = ds  # the observer shows it

    def set_target(self, target: str, **params: float) -> None:
        """Show ``target`` with ``params`` (others at their defaults) on the current grid.

        Raises
        ------
        ValueError
            For an unknown target or a parameter out of range (nothing changes then).
        """
        ds = self.dataset
        self._set(target, ds.lo, ds.hi, ds.n, **params)

    # -- display --------------------------------------------------------------------------------
    def _sync_controls(self, ds: Dataset) -> None:
        if self.target_dropdown.value != ds.target or set(self.param_boxes) != set(ds.params):
            self.set_quietly(self.target_dropdown, ds.target)
            self._build_param_boxes(ds.target, ds.params)
        for name, box in self.param_boxes.items():
            if box.value != ds.params[name]:
                self.set_quietly(box, float(ds.params[name]))
        for box, value in ((self.lo_box, ds.lo), (self.hi_box, ds.hi), (self.points_box, ds.n)):
            if box.value != value:
                self.set_quietly(box, value)

    def _show(self, ds: Dataset) -> None:
        previous = self._shown
        self._sync_controls(ds)
        self.formula.value = f"<code>{html.escape(ds.describe())}</code>"
        z = ds.ground_truth.numpy()
        lo, hi = float(z.min()), float(z.max())
        i_max = int(np.argmax(z))
        x_max, y_max = ds.nodes[i_max]
        self.value_range.value = (
            f"{ds.n}×{ds.n} points on [{ds.lo:g}, {ds.hi:g}]²: values from <b>{lo:.4g}</b> to <b>{hi:.4g}</b> "
            f"(largest at x = {x_max:.3g}, y = {y_max:.3g}); mean {float(z.mean()):.4g}"
        )
        view = self.surface_view
        if previous.target != ds.target:
            view.ax.set_title(TARGETS[ds.target].label, fontsize=view.style.font_size + 1)
            new_title = True
        else:
            new_title = False
        if previous.n != ds.n or previous.lo != ds.lo or previous.hi != ds.hi:
            view.set_grid(ds.x_nodes, ds.y_nodes, z)
        else:
            view.update(z, full=new_title)
        self._shown = ds
