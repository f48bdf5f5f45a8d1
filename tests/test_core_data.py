"""Targets, grids and losses, reproduced against the lab's own code."""

import numpy as np
import pytest
import torch
from scipy.stats import multivariate_normal

from mlp_widgets.core import (
    TARGETS,
    baselines,
    huber_loss,
    lab2_dataset,
    mae_loss,
    make_dataset,
    make_grid,
    mse_loss,
    r_squared,
    torch_loss,
)


def lab_dataset_reference():
    """Section 2 of the lab, as written there."""
    sigma = 50
    var = multivariate_normal(mean=[0.0, 0.0], cov=[[sigma, 0.0], [0.0, sigma]])
    x_range = np.linspace(-2, 2.0, 50)
    y_range = np.linspace(-2, 2.0, 50)
    x_nodes, y_nodes = np.meshgrid(x_range, y_range)
    nodes = np.column_stack((x_nodes.ravel(), y_nodes.ravel()))
    ground_truth = np.zeros(len(nodes), dtype=np.float32)
    for i, node in enumerate(nodes):
        ground_truth[i] = var.pdf(node)
    return x_nodes, y_nodes, nodes, torch.Tensor(ground_truth)


def test_lab2_dataset_equals_lab_code_exactly():
    x_nodes, y_nodes, nodes, ground_truth = lab_dataset_reference()
    data = lab2_dataset()
    assert np.array_equal(data.x_nodes, x_nodes) and np.array_equal(data.y_nodes, y_nodes)
    assert np.array_equal(data.nodes, nodes)
    assert data.ground_truth.dtype == torch.float32
    assert torch.equal(data.ground_truth, ground_truth)
    assert torch.equal(data.inputs, torch.Tensor(nodes))  # the lab's torch_nodes
    assert data.grid(data.ground_truth).shape == (50, 50)


def test_lab_target_is_almost_flat_and_variance_is_sigma_squared():
    data = lab2_dataset()
    peak = 1 / (2 * np.pi * 50)  # σ² = 50, not σ = 50
    assert float(data.ground_truth.max()) == pytest.approx(peak, rel=1e-3)
    assert float(data.ground_truth.min()) == pytest.approx(peak * np.exp(-8 / 100), rel=1e-3)


def test_make_grid_shapes_and_order():
    x_nodes, y_nodes, nodes = make_grid(-1, 1, 3)
    assert x_nodes.shape == (3, 3) and nodes.shape == (9, 2)
    assert nodes[1].tolist() == [0.0, -1.0]  # x varies fastest, as in the lab


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"n": 1}, "points per axis must be a whole number from 2 to 200; got 1."),
        ({"n": 201}, "points per axis must be a whole number from 2 to 200; got 201."),
        ({"lo": 2, "hi": -2}, "The grid start must be below its end; got start 2 and end -2."),
        ({"lo": float("nan")}, "grid start must be a number from -100 to 100; got nan."),
        ({"variance": 0}, "variance σ² must be a number above 0 and at most 10000; got 0."),
        ({"variance": -50}, "variance σ² must be a number above 0 and at most 10000; got -50."),
        ({"sigma": 50}, "The Gaussian (lab) target has no parameter 'sigma'; its parameters are mu_x, mu_y, variance."),
    ],
)
def test_dataset_validation_messages(kwargs, message):
    with pytest.raises(ValueError) as err:
        make_dataset("gaussian", **kwargs)
    assert str(err.value) == message


@pytest.mark.parametrize("name", sorted(TARGETS))
def test_every_target_samples_finite_values_and_describes_itself(name):
    data = make_dataset(name, n=21)
    assert data.ground_truth.shape == (441,) and torch.isfinite(data.ground_truth).all()
    assert float(data.ground_truth.std()) > 0
    assert "f(x, y)" in data.describe()


def test_other_targets_have_expected_values():
    centre = np.array([[0.0, 0.0]])
    assert TARGETS["ripple"].fn(centre)[0] == pytest.approx(1.0)
    assert TARGETS["saddle"].fn(np.array([[1.0, 2.0]]), scale=0.5)[0] == pytest.approx(-1.5)
    bumps = TARGETS["two_bumps"].fn(np.array([[-1.0, 0.0], [1.0, 0.0], [0.0, 0.0]]))
    assert bumps[0] == pytest.approx(bumps[1]) and bumps[0] > bumps[2]


@pytest.mark.parametrize("shape", [(1,), (2500,), (7, 3)])
def test_losses_match_torch(shape):
    gen = torch.Generator().manual_seed(sum(shape))
    y, y_hat = torch.randn(shape, generator=gen), 3 * torch.randn(shape, generator=gen)
    for name, ours in [("mse", mse_loss(y, y_hat)), ("mae", mae_loss(y, y_hat)), ("huber", huber_loss(y, y_hat))]:
        theirs = torch_loss(name, y, y_hat)
        assert torch.allclose(ours, theirs, rtol=1e-6), f"{name}: max abs error {float((ours - theirs).abs()):g}"
    assert torch.allclose(huber_loss(y, y_hat, 0.3), torch_loss("huber", y, y_hat, delta=0.3))


def test_lab_loss_broadcasting_bug_is_refused():
    """The lab compares a (2500,) target with a (2500, 1) prediction: torch broadcasts to 2500×2500."""
    data = lab2_dataset()
    prediction = data.ground_truth.reshape(2500, 1).clone()  # a perfect prediction
    with pytest.warns(UserWarning, match="different to the input size"):
        broadcast = torch.nn.MSELoss()(data.ground_truth, prediction)
    assert float(mse_loss(data.ground_truth, prediction, flatten=True)) == 0.0
    # the broadcast "MSE" of a perfect prediction is twice the target's variance, not 0
    assert float(broadcast) == pytest.approx(2 * float(data.ground_truth.double().var(unbiased=False)), rel=1e-3)
    with pytest.raises(ValueError, match=r"target has shape \(2500,\) but the prediction has shape \(2500, 1\)"):
        mse_loss(data.ground_truth, prediction)
    with pytest.raises(ValueError, match="Cannot compare 2500 target values with 10 predictions"):
        mse_loss(data.ground_truth, torch.zeros(10), flatten=True)


def test_baselines_show_lab_threshold_is_trivial():
    data = lab2_dataset()
    base = baselines(data.ground_truth)
    assert base["zero"] == pytest.approx(float((data.ground_truth.double() ** 2).mean()), rel=1e-5)
    assert 9.5e-6 < base["zero"] < 1e-5  # below the lab's ε = 1e-5
    assert base["mean"] < base["zero"] / 1000
    assert r_squared(data.ground_truth, data.ground_truth) == 1.0
    assert r_squared(data.ground_truth, torch.full_like(data.ground_truth, float(data.ground_truth.mean()))) == (
        pytest.approx(0.0, abs=1e-6)
    )


@pytest.mark.parametrize(("mu_x", "mu_y", "variance"), [(0.0, 0.0, 50.0), (0.3, -1.2, 0.25), (-2.0, 5.0, 1234.5)])
def test_gaussian_equals_scipy_bit_for_bit(mu_x, mu_y, variance):
    """gaussian_2d repeats scipy's float operations, so it equals multivariate_normal.pdf exactly."""
    _, _, nodes = make_grid(-3, 3, 41)
    ours = TARGETS["gaussian"].fn(nodes, mu_x, mu_y, variance)
    theirs = multivariate_normal(mean=[mu_x, mu_y], cov=[[variance, 0.0], [0.0, variance]]).pdf(nodes)
    assert np.array_equal(ours, theirs)


def test_core_does_not_import_scipy():
    import subprocess
    import sys

    code = "import mlp_widgets, sys; mlp_widgets.lab2_dataset(); print('scipy' in sys.modules)"
    assert (
        subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout.strip()
        == "False"
    )
