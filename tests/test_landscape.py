"""The loss landscape: filter-normalised directions, batched grid vs plain per-point losses, seeds, bad input."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from mlp_widgets.core import (
    Linear,
    Net,
    ReLU,
    Tanh,
    TorchNet,
    from_torch,
    huber_loss,
    lab2_dataset,
    mae_loss,
    make_dataset,
    mse_loss,
)
from mlp_widgets.core.landscape import (
    filter_normalized_direction,
    landscape_axis,
    loss_landscape,
    point_loss,
    random_directions,
)


@pytest.fixture(scope="module")
def lab():
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(999)
        net = from_torch(TorchNet(2, 25, 1))
    return net, lab2_dataset()


def deep_net() -> Net:
    return Net.build(2, (7, 5, 4), 1, ["tanh", "relu", "sigmoid"], init="uniform", seed=3)


def test_center_is_the_loss_of_the_current_net(lab):
    net, ds = lab
    land = loss_landscape(net, ds, n=7, span=0.5, seed=1)
    with torch.no_grad():
        expected = float(mse_loss(ds.ground_truth, net.forward(ds.inputs).squeeze(-1)))
    assert land.alphas[3] == 0.0 and land.betas[3] == 0.0
    assert land.losses[3, 3] == pytest.approx(expected, rel=1e-5)
    assert land.center_loss == pytest.approx(expected, rel=1e-5)
    # away from the centre the loss changes
    assert not np.allclose(land.losses, expected)


@pytest.mark.parametrize("net", [deep_net(), Net.build(2, (), 1, init="uniform", seed=0)], ids=["deep", "linear"])
def test_center_for_any_depth(net):
    ds = make_dataset("two_bumps", -1.0, 1.0, 20)
    land = loss_landscape(net, ds, n=5, seed=2, loss="mae")
    with torch.no_grad():
        expected = float(mae_loss(ds.ground_truth, net.forward(ds.inputs).squeeze(-1)))
    assert land.losses[2, 2] == pytest.approx(expected, rel=1e-5)


def test_filter_normalisation_rows_match_weight_rows_and_biases_are_zero():
    net = deep_net()
    net.linear_layers[1].weight[:, 2] = 0.0  # a unit with no incoming weights gets a zero row
    direction = filter_normalized_direction(net, torch.Generator().manual_seed(5))
    pos = 0
    for lin in net.linear_layers:
        w_rows = lin.weight.T  # torch layout (N_out, N_in): one row per output unit
        n_w = w_rows.numel()
        d_rows = direction[pos : pos + n_w].reshape(w_rows.shape)
        d_bias = direction[pos + n_w : pos + n_w + lin.N_out]
        torch.testing.assert_close(d_rows.norm(dim=1), w_rows.norm(dim=1), rtol=1e-5, atol=1e-7)
        assert torch.count_nonzero(d_bias) == 0
        assert not torch.allclose(d_rows, w_rows)  # a random direction, not the weights themselves
        pos += n_w + lin.N_out
    assert pos == direction.numel()
    lin1 = net.linear_layers[1]
    start = net.linear_layers[0].num_params()
    assert torch.count_nonzero(direction[start : start + lin1.weight.numel()].reshape(5, 7)[2]) == 0


@pytest.mark.parametrize("loss", ["mse", "mae", "huber"])
def test_batched_grid_equals_per_point_losses(loss):
    net = deep_net()
    ds = make_dataset("gaussian", -2.0, 2.0, 12, variance=1.0)
    land = loss_landscape(net, ds, n=5, span=2.0, seed=4, loss=loss, huber_delta=0.01)
    for i in range(5):
        for j in range(5):
            ref = point_loss(net, ds, land.directions, land.alphas[j], land.betas[i], loss, huber_delta=0.01)
            assert land.losses[i, j] == pytest.approx(ref, rel=1e-4, abs=1e-9), (i, j)
    # the reference itself agrees with a direct core loss at the centre
    with torch.no_grad():
        pred = net.forward(ds.inputs).squeeze(-1)
    direct = {"mse": mse_loss, "mae": mae_loss, "huber": lambda y, p: huber_loss(y, p, 0.01)}[loss]
    assert point_loss(net, ds, land.directions, 0.0, 0.0, loss, 0.01) == pytest.approx(
        float(direct(ds.ground_truth, pred))
    )


def test_seed_reproduces_and_leaves_global_rng_alone(lab):
    net, ds = lab
    state = torch.get_rng_state()
    a = loss_landscape(net, ds, n=5, seed=11)
    b = loss_landscape(net, ds, n=5, seed=11)
    c = loss_landscape(net, ds, n=5, seed=12)
    assert torch.equal(torch.get_rng_state(), state)
    np.testing.assert_array_equal(a.losses, b.losses)
    assert torch.equal(a.directions[0], b.directions[0])
    assert not torch.equal(a.directions[0], c.directions[0])
    assert not np.allclose(a.losses, c.losses)
    d1, d2 = random_directions(net, 11)
    assert torch.equal(d1, a.directions[0]) and torch.equal(d2, a.directions[1])
    assert not torch.equal(d1, d2)


def test_given_directions_are_used(lab):
    net, ds = lab
    d1, d2 = random_directions(net, 3)
    land = loss_landscape(net, ds, n=5, directions=(d2, d1))
    ref = loss_landscape(net, ds, n=5, seed=3)
    np.testing.assert_allclose(land.losses, ref.losses.T, rtol=1e-6)


def test_progress_reports_every_point(lab):
    net, ds = lab
    calls = []
    land = loss_landscape(net, ds, n=9, progress=lambda done, total: calls.append((done, total)))
    assert calls[-1] == (81, 81)
    assert len(calls) >= 9
    assert all(a[0] < b[0] for a, b in zip(calls, calls[1:], strict=False))
    assert land.n == 9 and land.extent == (-1.0, 1.0, -1.0, 1.0)


def test_axis_is_symmetric_with_exact_zero():
    axis = landscape_axis(51, 0.7)
    assert axis[25] == 0.0 and axis[0] == pytest.approx(-0.7) and axis[-1] == pytest.approx(0.7)
    np.testing.assert_allclose(axis, -axis[::-1])


def test_huge_weights_give_nonfinite_losses_not_errors():
    net = Net([Linear(2, 4, "zeros"), ReLU(), Linear(4, 1, "zeros"), Tanh()])
    net.layers[0].weight.fill_(1e20)
    net.layers[2].weight.fill_(1.0)
    ds = lab2_dataset()
    land = loss_landscape(net, ds, n=5)
    assert land.n_nonfinite == 0  # tanh saturates: huge but finite
    net.layers.pop()  # without the final tanh the output overflows float32
    land = loss_landscape(net, ds, n=5)
    assert land.n_nonfinite > 0
    assert not np.isfinite(land.center_loss)


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"n": 2}, "grid size must be a whole number from 3 to 51"),
        ({"n": 500}, "grid size must be a whole number from 3 to 51"),
        ({"span": 0.0}, "span must be a number above 0"),
        ({"span": float("nan")}, "span must be"),
        ({"seed": -1}, "seed must be a whole number"),
        ({"loss": "hinge"}, "loss must be one of"),
    ],
)
def test_bad_arguments_are_refused_with_a_sentence(lab, kwargs, match):
    net, ds = lab
    with pytest.raises(ValueError, match=match):
        loss_landscape(net, ds, **kwargs)


def test_network_that_does_not_fit_the_data_is_refused(lab):
    _, ds = lab
    with pytest.raises(ValueError, match="needs a network with 2 inputs and 1 output"):
        loss_landscape(Net.build(3, (4,), 1, seed=0), ds)
    with pytest.raises(ValueError, match="needs a network with 2 inputs and 1 output"):
        loss_landscape(Net.build(2, (4,), 2, seed=0), ds)
    with pytest.raises(ValueError, match="needs a core Net"):
        loss_landscape(TorchNet(2, 3, 1), ds)


# -- in slices (issue 13) ----------------------------------------------------------------------
def test_a_landscape_in_slices_gives_loss_landscape_bit_for_bit(lab):
    from mlp_widgets.core.landscape import LandscapeJob

    net, ds = deep_net(), lab[1]
    expected = loss_landscape(net, ds, n=9, span=0.8, seed=2, loss="huber")
    reports = []
    job = LandscapeJob(net, ds, n=9, span=0.8, seed=2, loss="huber", progress=lambda d, t: reports.append((d, t)))
    with pytest.raises(ValueError, match="is 0 % done"):
        job.result()
    threads = torch.get_num_threads()
    fractions = []
    while not job.advance(0.0):
        fractions.append(job.progress)
        assert torch.is_grad_enabled() and torch.get_num_threads() == threads  # restored between slices
    land = job.result()
    assert len(fractions) > 5 and fractions == sorted(fractions) and 0 < fractions[0] < 1
    assert np.array_equal(land.losses, expected.losses) and land.center_loss == expected.center_loss
    assert reports[-1] == (81, 81) and [d for d, _ in reports] == sorted(d for d, _ in reports)
    assert job.advance(0.0) and job.result().n == 9  # done stays done


def test_a_wide_network_on_a_big_grid_is_split_into_units(monkeypatch):
    from mlp_widgets.core import batched
    from mlp_widgets.core.landscape import LandscapeJob

    net, ds = Net.build(2, (16, 16), 1, "relu", init="uniform", seed=1), make_dataset("saddle", n=30)
    whole = loss_landscape(net, ds, n=5, seed=3)
    monkeypatch.setattr(batched, "SLICE_WORK", 200 * batched.ParamLayout.from_net(net).work_per_point)
    job = LandscapeJob(net, ds, n=5, seed=3)
    assert job._evaluator.plan == (1, 180)  # 900 points in 5 blocks
    units = 0
    while not job.advance(0.0):
        units += 1
    assert units >= 25 * 5
    assert np.allclose(job.result().losses, whole.losses, rtol=1e-5)
