"""TargetExplorer driven headlessly: controls change the dataset, the numbers and the surface; bad input is refused."""

from __future__ import annotations

import gc

import numpy as np
import pytest
import torch

from mlp_widgets import TargetExplorer
from mlp_widgets.core import TARGETS, gaussian_2d, lab2_dataset, make_dataset


@pytest.fixture
def explorer():
    t = TargetExplorer(backend="agg")
    yield t
    t.close()


def surface_z(t: TargetExplorer) -> np.ndarray:
    """The colour values of the drawn surface (mean z of each cell)."""
    return np.asarray(t.surface_view.surface.get_array())


def test_defaults_are_the_labs_dataset(explorer):
    lab = lab2_dataset()
    ds = explorer.dataset
    assert torch.equal(ds.ground_truth, lab.ground_truth)
    np.testing.assert_array_equal(ds.nodes, lab.nodes)
    np.testing.assert_allclose(explorer.surface_view.values, lab.grid(lab.ground_truth))
    assert "2·50" in explorer.formula.value
    z = lab.ground_truth.numpy()
    assert f"{z.min():.4g}" in explorer.value_range.value and f"{z.max():.4g}" in explorer.value_range.value
    assert explorer.target_dropdown.value == "gaussian"
    assert set(explorer.param_boxes) == {"mu_x", "mu_y", "variance"}


def test_parameter_change_updates_dataset_formula_range_and_surface(explorer):
    seen = []
    explorer.observe(lambda change: seen.append(change["new"]), names="dataset")
    before = surface_z(explorer).copy()
    explorer.param_boxes["mu_x"].value = 1.0
    explorer.param_boxes["variance"].value = 0.5
    ds = explorer.dataset
    assert seen and seen[-1] is ds
    assert ds.params == {"mu_x": 1.0, "mu_y": 0.0, "variance": 0.5}
    expected = gaussian_2d(ds.nodes, 1.0, 0.0, 0.5).astype(np.float32)
    np.testing.assert_allclose(ds.ground_truth.numpy(), expected, rtol=1e-6)
    assert "(x − 1)²" in explorer.formula.value and "2·0.5" in explorer.formula.value
    assert f"{expected.max():.4g}" in explorer.value_range.value
    np.testing.assert_allclose(explorer.surface_view.values, ds.grid(expected), rtol=1e-6)
    assert not np.allclose(surface_z(explorer), before)
    assert explorer.message == ""


def test_target_change_rebuilds_parameter_controls(explorer):
    old_boxes = list(explorer.param_boxes.values())
    explorer.target_dropdown.value = "ripple"
    assert explorer.dataset.target == "ripple"
    assert list(explorer.param_boxes) == list(TARGETS["ripple"].params)
    assert explorer.param_boxes["frequency"].value == TARGETS["ripple"].params["frequency"].default
    assert all(box not in explorer.param_boxes.values() for box in old_boxes)
    assert explorer.surface_view.ax.get_title() == TARGETS["ripple"].label
    explorer.param_boxes["frequency"].value = 6.0
    ref = make_dataset("ripple", -2.0, 2.0, 50, frequency=6.0)
    assert torch.equal(explorer.dataset.ground_truth, ref.ground_truth)
    assert "sin(6·r)" in explorer.formula.value
    explorer.target_dropdown.value = "two_bumps"
    assert len(explorer.params_box.children) == 2
    assert explorer.dataset.params == TARGETS["two_bumps"].defaults()


def test_grid_range_and_points_use_set_grid(explorer):
    explorer.points_box.value = 120
    ds = explorer.dataset
    assert ds.n == 120 and ds.ground_truth.numel() == 120 * 120
    # the surface is subsampled to the style's max_count but spans the new grid
    assert explorer.surface_view.values.shape == (50, 50)
    assert explorer.surface_view.last_redraw == "full"
    explorer.lo_box.value = -5.0
    explorer.hi_box.value = 3.0
    ds = explorer.dataset
    assert (ds.lo, ds.hi) == (-5.0, 3.0) and ds.nodes.min() == -5.0 and ds.nodes.max() == 3.0
    assert explorer.surface_view.ax.get_xlim() == pytest.approx((-5.0, 3.0))
    assert "[-5, 3]²" in explorer.value_range.value


@pytest.mark.parametrize(
    ("control", "bad", "sentence"),
    [
        ("variance", 0.0, "variance σ² must be a number above 0"),
        ("variance", -3.0, "variance σ² must be a number above 0"),
        ("mu_x", 50.0, "μx must be a number from -10 to 10"),
        ("points", 1, "Points per axis must be a whole number from 2 to 200"),
        ("points", 500, "Points per axis must be a whole number from 2 to 200"),
        ("hi", -3.0, "The grid start must be below the grid end"),
        ("lo", 1e6, "The grid start must be a number from -100 to 100"),
    ],
)
def test_bad_values_are_refused_and_last_dataset_kept(explorer, control, bad, sentence):
    boxes = {"points": explorer.points_box, "hi": explorer.hi_box, "lo": explorer.lo_box, **explorer.param_boxes}
    box = boxes[control]
    good_value, good_ds = box.value, explorer.dataset
    shown = explorer.surface_view.values.copy()
    box.value = bad
    assert sentence in explorer.message
    assert sentence in explorer.status.value
    assert box.value == good_value
    assert explorer.dataset is good_ds
    np.testing.assert_array_equal(explorer.surface_view.values, shown)
    # a good value afterwards clears the message
    explorer.param_boxes["mu_y"].value = 0.5
    assert explorer.message == "" and explorer.dataset.params["mu_y"] == 0.5


def test_values_that_overflow_are_refused(explorer):
    ds = explorer.dataset
    explorer.param_boxes["mu_x"].value = float(ds.x_nodes[0, 10])  # centre the peak on a grid point
    explorer.param_boxes["mu_y"].value = float(ds.y_nodes[20, 0])
    explorer.param_boxes["variance"].value = 1e-300  # its height 1/(2π·1e-300) overflows float32
    assert "not finite" in explorer.message
    assert explorer.dataset.params["variance"] == 50.0


def test_the_one_setter_syncs_controls(explorer):
    from mlp_widgets.config import TargetSpec

    ds = make_dataset("saddle", -1.0, 1.0, 30, scale=-2.0)
    explorer.set_spec(TargetSpec.of(ds))
    assert explorer.dataset.target == "saddle" and explorer.dataset.n == 30
    assert explorer.target_dropdown.value == "saddle"
    assert explorer.param_boxes["scale"].value == -2.0
    assert (explorer.lo_box.value, explorer.hi_box.value, explorer.points_box.value) == (-1.0, 1.0, 30)
    np.testing.assert_allclose(explorer.surface_view.values, ds.grid(explorer.dataset.ground_truth))
    assert "-2·(x² − y²)" in explorer.formula.value
    # the controls show the spec: the next change starts from it
    explorer.param_boxes["scale"].value = 3.0
    assert explorer.dataset.n == 30 and explorer.dataset.params == {"scale": 3.0}


def test_set_target_api_and_start_dataset():
    t = TargetExplorer(make_dataset("two_bumps", -3.0, 3.0, 40, separation=2.0), backend="agg")
    assert t.points_box.value == 40 and t.param_boxes["separation"].value == 2.0
    t.set_target("gaussian", variance=2.0)
    assert t.dataset.target == "gaussian" and t.dataset.n == 40 and t.dataset.params["variance"] == 2.0
    with pytest.raises(ValueError, match="must be one of"):
        t.set_target("cosine")
    assert t.dataset.target == "gaussian"
    t.close()


def test_open_figures_constant_over_100_changes(open_figure_count):
    gc.collect()
    start = open_figure_count()
    t = TargetExplorer(backend="agg")
    after_create = open_figure_count()
    assert after_create[1] == start[1] + 1
    targets = list(TARGETS)
    for i in range(100):
        if i % 10 == 0:
            t.target_dropdown.value = targets[(i // 10) % len(targets)]
        elif i % 10 == 5:
            t.points_box.value = 10 + (i % 7)
        else:
            name = next(iter(t.param_boxes))
            t.param_boxes[name].value = 0.1 + 0.01 * i
    assert open_figure_count() == after_create
    t.close()
    gc.collect()
    assert open_figure_count() == start
