"""ActivationComparer driven headlessly."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from mlp_widgets import ActivationComparer
from mlp_widgets.core import get_activation, lab2_dataset


@pytest.fixture(scope="module")
def comparer():
    c = ActivationComparer(backend="agg")
    yield c
    c.close()


def test_curves_follow_selection_and_derivative(comparer):
    assert set(comparer.curves_view.lines) == {"relu", "sigmoid", "tanh"}
    comparer.select.value = ("gelu", "elu")
    assert set(comparer.curves_view.lines) == {"gelu", "elu"}
    comparer.derivative_box.value = True
    assert set(comparer.curves_view.lines) == {"gelu", "elu", "gelu'", "elu'"}
    x = comparer.x
    np.testing.assert_allclose(
        comparer.curves_view.lines["elu'"].get_ydata(), get_activation("elu").derivative(x).numpy()
    )
    comparer.derivative_box.value = False
    comparer.select.value = ("relu", "sigmoid", "tanh")


def test_range_changes_curves_and_limits(comparer):
    comparer.range_slider.value = (-2.0, 3.0)
    xdata = comparer.curves_view.lines["relu"].get_xdata()
    assert xdata[0] == -2.0 and xdata[-1] == 3.0
    assert comparer.curves_view.ax.get_xlim() == (-2.0, 3.0)
    comparer.range_slider.value = (-6.0, 6.0)


def test_error_table_against_torch(comparer):
    table = comparer.table.value
    for name in ("relu", "sigmoid", "tanh"):
        assert name in table
        err, derr = comparer.errors[name]
        assert err < 1e-6 and derr < 1e-5
    assert "saturates" in table  # the notes are shown


def test_empty_range_refused(comparer):
    comparer.range_slider.value = (1.0, 1.0)
    assert "upper end above its lower end" in comparer.message
    assert comparer.range_slider.value == (-6.0, 6.0)


def test_neuron_surface_follows_sliders(comparer):
    ds = lab2_dataset()
    comparer.neuron_dropdown.value = "tanh"
    comparer.w1_slider.value = 2.0
    comparer.w2_slider.value = 0.0
    comparer.b_slider.value = -1.0
    expected = torch.tanh(2.0 * ds.inputs[:, 0] - 1.0).numpy()
    np.testing.assert_allclose(comparer.neuron_view.values, ds.grid(expected), atol=1e-6)
    assert "tanh(2.00·x + 0.00·y − 1.00)" in comparer.formula.value
    before = comparer.neuron_view.surface.get_array().copy()
    comparer.w2_slider.value = 1.5
    assert not np.allclose(before, comparer.neuron_view.surface.get_array())


def test_no_figure_growth_over_100_slider_changes(open_figure_count):
    c = ActivationComparer(backend="agg")
    start = open_figure_count()
    for k in range(100):
        c.w1_slider.value = -3 + 0.05 * k
    assert open_figure_count() == start
    c.close()
